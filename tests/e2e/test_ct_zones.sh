#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Conntrack zones keep identical tuples apart: h1 and h3 both have address
# 10.0.0.1 and talk to h2 from the same UDP port. Each inside port has its
# zone (kept in reg0, ct(zone=NXM_NX_REG0[0..15]), frozen across the
# recirculation); h2's answers go by destination MAC, so an answer to h3's
# datagram that h2 addresses to h1 is looked up in h1's zone, finds no
# connection there and is dropped, while h1's own exchange works. The
# kernel then holds the same tuple twice, in zones 1 and 3.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/udp_peers.sh

switch_env ctz
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"


scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
h 3 ip addr flush dev eth0
h 3 ip addr add 10.0.0.1/24 dev eth0
h 2 ip neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0
h 3 ip neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0
cat >"$T/flows" <<'FLOWS'
priority=100,arp,in_port=2 actions=output:1
priority=100,arp actions=output:2
priority=100,ip,in_port=1 actions=load:1->NXM_NX_REG0[0..15],resubmit(,2)
priority=100,ip,in_port=3 actions=load:3->NXM_NX_REG0[0..15],resubmit(,2)
priority=100,ip,in_port=2,dl_dst=02:00:00:00:00:01 actions=load:1->NXM_NX_REG0[0..15],resubmit(,2)
priority=100,ip,in_port=2,dl_dst=02:00:00:00:00:03 actions=load:3->NXM_NX_REG0[0..15],resubmit(,2)
table=2,ip actions=ct(zone=NXM_NX_REG0[0..15],table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=NXM_NX_REG0[0..15]),output:2
table=1,priority=100,ip,in_port=3,ct_state=+trk+new actions=ct(commit,zone=NXM_NX_REG0[0..15]),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est actions=output:2
table=1,priority=100,ip,in_port=3,ct_state=+trk+est actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+trk+est+rpl,dl_dst=02:00:00:00:00:01 actions=output:1
table=1,priority=100,ip,in_port=2,ct_state=+trk+est+rpl,dl_dst=02:00:00:00:00:03 actions=output:3
table=1,priority=10,ip actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the zone flows" test -S "$XS_RUN_DIR/$BR.sock"
check "dump-flows prints the zone subfield" \
	grep -q "ct(table=1,zone=NXM_NX_REG0\[0..15\])" <<<"$("$XS" dump-flows --bridge "$BR")"

udp_echo 2 10.0.0.2 6001 "$T/echo.ready"
check_eq "h3 (zone 3): the answer goes to h1's MAC, zone 1 has no such connection: dropped" \
	"timeout" "$(udp_ask 3 10.0.0.2 6001)"
check_eq "h1 (zone 1): the same tuple, its own connection: answered" \
	"hello" "$(udp_ask 1 10.0.0.2 6001)"
ct=$(conntrack -L -p udp -s 10.0.0.1 -d 10.0.0.2 --dport 6001 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check_eq "conntrack -L: the same tuple twice" 2 "$(grep -c 'sport=40001 dport=6001' <<<"$ct")"
check "conntrack -L: zone 1 entry answered" grep -Eq "sport=40001 dport=6001 src=.*\[ASSURED\].* zone=1 " <<<"$ct"
check "conntrack -L: zone 3 entry never answered" grep -Eq "sport=40001 dport=6001 \[UNREPLIED\].* zone=3 " <<<"$ct"

conntrack -D -p udp -s 10.0.0.1 -d 10.0.0.2 --dport 6001 >/dev/null 2>&1
tap_done
