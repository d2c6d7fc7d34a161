#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A commit the kernel refuses gives the packet +trk+inv and is counted
# (ct_full, ct_invalid), as Open vSwitch's datapath gives +inv: h1 and h3
# both talk to h2:6001 from UDP port 40001, SNATed to the one address and
# port 10.0.0.100:7777, so the second connection's reply tuple is the
# first's and its insert fails. The first keeps working; the second's
# datagrams are dropped by the flow matching +inv; nothing is left half
# made in the kernel's table. With a range (zone 12, 10.0.0.100:7000-7001)
# the same two connections both work: the second's pick clashes, and the
# datapath commits it again with the next port of the range.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/udp_peers.sh

switch_env ctc
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"


scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
# 10.0.0.100 lives on the wire only, at h1's MAC: the replies un-NATed
# to h3 get h3's MAC back from the flow.
h 2 ip neigh replace 10.0.0.100 lladdr 02:00:00:00:00:01 dev eth0
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,udp,in_port=1 actions=ct(zone=11,table=1)
priority=100,udp,in_port=3 actions=ct(zone=11,table=1)
priority=100,udp,in_port=2,nw_dst=10.0.0.100 actions=ct(zone=11,nat,table=2)
priority=110,udp,in_port=1,tp_dst=6002 actions=ct(zone=12,table=4)
priority=110,udp,in_port=3,tp_dst=6002 actions=ct(zone=12,table=4)
priority=110,udp,in_port=2,nw_dst=10.0.0.100,tp_src=6002 actions=ct(zone=12,nat,table=5)
table=4,priority=100,udp,ct_state=+trk+inv actions=drop
table=4,priority=90,udp,ct_state=+trk+new actions=ct(commit,zone=12,nat(src=10.0.0.100:7000-7001)),output:2
table=4,priority=80,udp,ct_state=+trk+est actions=ct(zone=12,nat),output:2
table=5,priority=100,udp,ct_state=+trk+est+rpl,nw_dst=10.0.0.1 actions=output:1
table=5,priority=100,udp,ct_state=+trk+est+rpl,nw_dst=10.0.0.3 actions=mod_dl_dst:02:00:00:00:00:03,output:3
table=5,priority=10,ip actions=drop
priority=110,udp,in_port=1,tp_dst=6003 actions=ct(zone=13,table=6)
priority=110,udp,in_port=2,nw_dst=10.0.0.100,tp_src=6003 actions=ct(zone=13,nat,table=7)
table=6,priority=100,udp,ct_state=+trk+new actions=ct(commit,zone=13,nat(src=10.0.0.100:7100-7163)),output:2
table=6,priority=80,udp,ct_state=+trk+est actions=ct(zone=13,nat),output:2
table=6,priority=10,ip actions=drop
table=7,priority=100,udp,ct_state=+trk+est+rpl actions=output:1
table=7,priority=10,ip actions=drop
table=1,priority=100,udp,ct_state=+trk+inv actions=drop
table=1,priority=90,udp,ct_state=+trk+new actions=ct(commit,zone=11,nat(src=10.0.0.100:7777)),resubmit(,3)
table=1,priority=80,udp,ct_state=+trk+est actions=ct(zone=11,nat),output:2
table=2,priority=100,udp,ct_state=+trk+est+rpl actions=output:1
table=2,priority=10,ip actions=drop
table=3,priority=100,udp actions=output:2
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"

udp_echo 2 10.0.0.2 6001 "$T/echo.ready"
check_eq "h1: SNATed to 10.0.0.100:7777, answered" "hello" "$(udp_ask 1 10.0.0.2 6001)"
check_eq "h3: same translated tuple, commit refused, dropped" "timeout" \
	"$(udp_ask 3 10.0.0.2 6001)"
check_eq "h1 still answered" "hello" "$(udp_ask 1 10.0.0.2 6001)"
show=$("$XS" show --bridge "$BR")
echo "$show" | grep -o "ct_[a-z]*=[0-9]*" | tr '\n' ' ' | sed 's/^/# /'; echo
check "show counts the refused commits (ct_full)" grep -Eq "ct_full=[1-9]" <<<"$show"
check "show counts them as invalid too" grep -Eq "ct_invalid=[1-9]" <<<"$show"
ct=$(conntrack -L -w 11 -p udp --dport 6001 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check_eq "the kernel holds h1's connection only" "1" "$(grep -c 'dport=6001' <<<"$ct")"
check "  translated to 10.0.0.100:7777" grep -q "src=10.0.0.2 dst=10.0.0.100 sport=6001 dport=7777" <<<"$ct"

# --- a range: the clash is retried with the next port ----------------------
udp_echo 2 10.0.0.2 6002 "$T/echo2.ready"
full=$(grep -Eo 'ct_full=[0-9]+' <<<"$show" | cut -d= -f2)
check_eq "range: h1 SNATed, answered" "hello" "$(udp_ask 1 10.0.0.2 6002)"
check_eq "range: h3, whose first pick clashes, answered too" "hello" "$(udp_ask 3 10.0.0.2 6002)"
ct=$(conntrack -L -w 12 -p udp --dport 6002 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "range: h1 translated to 10.0.0.100:7000 (its pick)" \
	grep -q "src=10.0.0.1 dst=10.0.0.2 sport=40002 dport=6002 .*dst=10.0.0.100 sport=6002 dport=7000" <<<"$ct"
check "range: h3 translated to 10.0.0.100:7001 (the retry)" \
	grep -q "src=10.0.0.3 dst=10.0.0.2 sport=40002 dport=6002 .*dst=10.0.0.100 sport=6002 dport=7001" <<<"$ct"
check_eq "range: no commit counted as refused" "$full" \
	"$("$XS" show --bridge "$BR" | grep -Eo 'ct_full=[0-9]+' | cut -d= -f2)"

# A 64-port range whose pick (udp_ask's source port 40003: 7100 + 40003 % 64
# = 7103)
# and the three choices after it are taken: the retries pick at random in
# the range instead of walking into the taken run.
udp_echo 2 10.0.0.2 6003 "$T/echo3.ready"
for k in 0 1 2 3; do
	conntrack -I -w 13 -p udp -s 10.0.0.9 -d 10.0.0.2 --sport $((41000 + k)) --dport 6003 \
		-r 10.0.0.2 -q 10.0.0.100 --reply-port-src 6003 --reply-port-dst $((7103 + k)) \
		-t 60 >/dev/null 2>&1
done
check_eq "range of 64: the pick and the 3 choices after it are taken" "4" \
	"$(conntrack -L -w 13 -p udp --dport 6003 2>/dev/null | grep -c 'dst=10.0.0.100 sport=6003 dport=710[3-6] ')"
check_eq "range of 64: h1, whose pick and next 3 choices clash, answered" "hello" \
	"$(udp_ask 1 10.0.0.2 6003)"
ct=$(conntrack -L -w 13 -p udp -s 10.0.0.1 --dport 6003 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "range of 64: h1 translated to a free port of 7100-7163" \
	grep -Eq "src=10.0.0.1 dst=10.0.0.2 sport=40003 dport=6003 .*dst=10.0.0.100 sport=6003 dport=71([0-5][0-9]|6[0-3]) " <<<"$ct"

conntrack -D -w 11 >/dev/null 2>&1
conntrack -D -w 12 >/dev/null 2>&1
conntrack -D -w 13 >/dev/null 2>&1
tap_done
