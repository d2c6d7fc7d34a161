#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Matches on the connection's original-direction tuple (ct_nw_src/dst,
# ct_ipv6_src/dst, ct_nw_proto, ct_tp_src/dst), which stay what the first
# packet had when NAT rewrote the packets. h1 (port 1) reaches a service
# address 10.0.0.200:80 that DNATs to h2:5002 (zone 15); every later
# packet, both ways, is let through only by rules on the original
# destination (ct_nw_dst=10.0.0.200, ct_tp_dst=80): a byte-exact TCP
# transfer works, a direct connection to h2 does not. An ICMP error is
# related by its master's tuple (ct_nw_proto=17); over IPv6 the replies
# pass by ct_ipv6_src/ct_ipv6_dst. The megaflows show the tuple as
# ct_tuple4(...)/ct_tuple6(...).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/tcp_peers.sh
. tests/lib/udp_peers.sh

switch_env ctt
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
h 1 ip addr add fd00::1/64 dev eth0 nodad
h 2 ip addr add fd00::2/64 dev eth0 nodad
h 1 ip neigh replace 10.0.0.200 lladdr 02:00:00:00:00:02 dev eth0
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=200,icmp6,icmp_type=135 actions=flood
priority=200,icmp6,icmp_type=136 actions=flood
priority=100,ip,ct_state=-trk actions=ct(zone=15,nat,table=1)
priority=100,ipv6,ct_state=-trk actions=ct(zone=15,table=1)
# new: only to the service address, which DNATs to h2:5002
table=1,priority=100,tcp,in_port=1,ct_state=+trk+new,nw_dst=10.0.0.200,tp_dst=80 actions=ct(commit,zone=15,nat(dst=10.0.0.2:5002)),output:2
table=1,priority=100,udp,in_port=1,ct_state=+trk+new actions=ct(commit,zone=15),output:2
table=1,priority=100,udp6,in_port=1,ct_state=+trk+new actions=ct(commit,zone=15),output:2
# later packets: by the original tuple only
table=1,priority=100,tcp,in_port=1,ct_state=+trk+est-rpl,ct_nw_dst=10.0.0.200,ct_nw_proto=6,ct_tp_dst=80 actions=output:2
table=1,priority=100,tcp,in_port=2,ct_state=+trk+est+rpl,ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.200,ct_tp_dst=80 actions=output:1
table=1,priority=100,icmp,in_port=2,ct_state=+trk+rel+rpl,ct_nw_proto=17,ct_tp_dst=6100 actions=output:1
table=1,priority=100,udp6,in_port=2,ct_state=+trk+est+rpl,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00::2/128 actions=output:1
table=1,priority=10 actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the flows on the original tuple" test -S "$XS_RUN_DIR/$BR.sock"
check "dump-flows prints the tuple fields as ovs-ofctl" \
	grep -q "ct_state=+est+rpl+trk,ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.200,ct_tp_dst=80,tcp,in_port=2 actions=output:1" \
	<<<"$("$XS" dump-flows --bridge "$BR")"

# --- TCP through DNAT, every later packet by ct_nw_dst/ct_tp_dst -------------
N=$((2 * 1024 * 1024 + 11))
tcp_sink 2 10.0.0.2 5002 "$T/svc.out"
ans=$(tcp_send 1 10.0.0.200 80 "$N")
wait_file "$T/svc.out"
check_eq "the backend got exactly $N bytes from h1" "$N 10.0.0.1" "$(cat "$T/svc.out" 2>/dev/null)"
check_eq "h1's answer came from the service address" "ok 10.0.0.200" "$ans"
tcp_sink 2 10.0.0.2 5003 "$T/direct.out"
check_eq "a direct connection to h2 (another original tuple) is dropped" "timeout" \
	"$(tcp_send 1 10.0.0.2 5003 10)"

mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | grep ct_tuple | sed 's/^/# /'
check "megaflow of h1's later packets: ct_tuple4 with the service address" \
	grep -Eq "ct_state\(\+est-rpl\+trk\),.*ct_tuple4\(dst=10.0.0.200,proto=6,tp_dst=80\),in_port\(1\).*actions:2$" <<<"$mf"
check "megaflow of the replies: ct_tuple4 with both addresses" \
	grep -Eq "ct_tuple4\(src=10.0.0.1,dst=10.0.0.200,tp_dst=80\),in_port\(2\).*actions:1$" <<<"$mf"

# --- an ICMP error, by its master connection's tuple -----------------------------
check_eq "UDP to a closed port: the error passes by ct_nw_proto=17,ct_tp_dst=6100" \
	"refused" "$(udp_try 1 10.0.0.2 6100)"
check_eq "... and not for another port (ct_tp_dst differs)" "timeout" \
	"$(udp_try 1 10.0.0.2 6101)"

# --- IPv6: replies by ct_ipv6_src/ct_ipv6_dst ----------------------------------
udp_echo 2 fd00::2 6102 "$T/e6.ready"
check_eq "UDP6 h1 -> h2 answered (replies matched by ct_ipv6_*)" "hello" "$(udp_try 1 fd00::2 6102)"
mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | grep ct_tuple6 | sed 's/^/# /'
check "megaflow: ct_tuple6 with both addresses" \
	grep -Eq "ct_tuple6\(src=fd00::1,dst=fd00::2\),in_port\(2\).*actions:1$" <<<"$mf"

show=$("$XS" show --bridge "$BR")
check_eq "no exec error" 0 "$(grep -Eo 'exec_error=[0-9]+' <<<"$show" | cut -d= -f2)"

conntrack -D -w 15 -s 10.0.0.1 >/dev/null 2>&1
conntrack -D -f ipv6 -w 15 -s fd00::1 >/dev/null 2>&1
tap_done
