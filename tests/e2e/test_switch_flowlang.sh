#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The rest of the flow language (issue 12) on the fast path, with plain
# hosts: three hosts and a trunk (one veth pair whose two ends are ports 4
# and 5 of the switch). Static neighbours, so only IPv4 crosses it.
#  - xreg and output:REG: table 0 writes the destination port into xreg1
#    (reg2:reg3), table 1 sends to output:reg3[0..15];
#  - a conjunctive match (nw_src=h3) x (nw_dst=h2) drops h3 -> h2 above
#    the ordinary forwarding, while h3 -> h1 and h1 -> h2 pass;
#  - VLAN edits: h1 -> h3 leaves on the trunk with VID 10 and PCP 5
#    (mod_vlan_vid, mod_vlan_pcp) and is accepted back only with that
#    PCP; h3 -> h1 is tagged with set_field:4126->vlan_vid (VID 30) and
#    accepted back by a vlan_vid=4126 match; the trunk's megaflows show it;
#  - a partial write (load into NXM_OF_IP_DST[0..7]) becomes a masked set;
#  - controller(userdata=...): the packet reaches the agent with its
#    descriptor (reason, id, userdata).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }

P=xl$$ BR=xl$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
LOG=$XS_RUN_DIR/agent.log
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	scripts/topo.sh destroy "$P" 2>/dev/null
	ip link del "$P-t4" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }
pings() { local k=$1; shift; h "$k" ping -q "$@" >/dev/null 2>&1; }

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
ip link add "$P-t4" type veth peer name "$P-t5" || { echo "not ok 1 - trunk"; exit 1; }
ip link set "$P-t4" up && ip link set "$P-t5" up
for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		ip -n "$P-h$i" neigh replace "10.0.0.$j" lladdr "02:00:00:00:00:0$j" dev eth0
	done
done
ip -n "$P-h2" neigh replace 10.0.0.77 lladdr 02:00:00:00:00:77 dev eth0
cat >"$XS_RUN_DIR/flows" <<'FLOWS'
# to the agent with userdata
table=0,priority=70,ip,nw_dst=10.0.0.77 actions=controller(reason=no_match,id=3,userdata=ca.fe.01)
# table 0: the destination port into xreg1 (its low half is reg3)
table=0,priority=50,ip,nw_dst=10.0.0.1 actions=set_field:0x1->xreg1,goto_table:1
table=0,priority=50,ip,nw_dst=10.0.0.2 actions=load:2->OXM_OF_PKT_REG1[0..15],goto_table:1
# h3 -> h2 is refused by a conjunctive match
table=0,priority=100,ip,nw_src=10.0.0.3 actions=conjunction(7,1/2)
table=0,priority=100,ip,nw_dst=10.0.0.2 actions=conjunction(7,2/2)
table=0,priority=100,conj_id=7,ip actions=drop
# h1 -> h3 over the trunk, tagged VID 10 PCP 5; back only with PCP 5
table=0,priority=60,in_port=1,ip,nw_dst=10.0.0.3 actions=mod_vlan_vid:10,mod_vlan_pcp:5,output:4
table=0,priority=60,in_port=5,dl_vlan=10,dl_vlan_pcp=5 actions=strip_vlan,output:3
# h3 -> h1 over the trunk, tagged VID 30 by set_field; the partial write
# of the destination's low byte is undone before delivery
table=0,priority=60,in_port=3,ip,nw_dst=10.0.0.1 actions=push_vlan:0x8100,set_field:4126->vlan_vid,load:0x63->NXM_OF_IP_DST[0..7],output:5
table=0,priority=60,in_port=4,vlan_vid=4126,ip,nw_dst=10.0.0.99 actions=strip_vlan,load:1->NXM_OF_IP_DST[0..7],output:1
# table 1: out of the port in the register
table=1,priority=10,xreg1=0/0xffffffff00000000 actions=output:reg3[0..15]
FLOWS
"$XS" agent --bridge "$BR" --flows "$XS_RUN_DIR/flows" "$P-p1=1" "$P-p2=2" "$P-p3=3" \
	"$P-t4=4" "$P-t5=5" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the flow file" test -S "$XS_RUN_DIR/$BR.sock"

check "h1 -> h2 (xreg, output:reg3): first ping answered" pings 1 -c1 -W2 10.0.0.2
check "and 3 more" pings 1 -c3 -i0.2 -W2 10.0.0.2
check "h3 -> h2 is dropped by the conjunctive match" \
	sh -c "! ip netns exec $P-h3 ping -c2 -i0.2 -W1 10.0.0.2 >/dev/null 2>&1"
check "h1 -> h3 and back over the trunk (VLAN edits)" pings 1 -c3 -i0.2 -W2 10.0.0.3
check "h3 -> h1 the same way" pings 3 -c2 -i0.2 -W2 10.0.0.1

h 2 ping -c1 -W1 10.0.0.77 >/dev/null 2>&1
for _ in $(seq 40); do grep -q "userdata ca.fe.01" "$LOG" && break; sleep 0.05; done
check "controller(userdata=...) reaches the agent with its descriptor" \
	grep -q "controller: .*reason 0, max_len 65535, id 3, userdata ca.fe.01" "$LOG"
mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | sed 's/^/# /'
check "the trunk end 5 megaflow matches VID 10, PCP 5 and pops" \
	grep -q "in_port(5),.*vlan(vid=10,pcp=5),.*actions:pop_vlan,3$" <<<"$mf"
check "h1 -> h3 pushes VID 10 with PCP 5" \
	grep -q "in_port(1),.*actions:push_vlan(vid=10,pcp=5),4$" <<<"$mf"
check "h3 -> h1: masked set of the low byte, then the trunk" \
	grep -q "in_port(3),.*actions:push_vlan(vid=30,pcp=0),set(ipv4(dst=0.0.0.99/0.0.0.255)),5$" <<<"$mf"
check "the trunk end 4 restores it with another masked set" \
	grep -q "in_port(4),.*vlan(vid=30.*actions:pop_vlan,set(ipv4(dst=0.0.0.1/0.0.0.255)),1$" <<<"$mf"
flows=$("$XS" dump-flows --bridge "$BR")
echo "$flows" | sed 's/^/# /'
check "the conj_id rule dropped h3's pings" \
	grep -q "n_packets=[1-9].*conj_id=7,ip actions=drop" <<<"$flows"
check "the output:reg3 rule forwarded" \
	grep -q "table=1, n_packets=[1-9].*actions=output:NXM_NX_REG3\\[0..15\\]" <<<"$flows"
check "dump-flows prints the conjunction actions" \
	grep -q "actions=conjunction(7,1/2)" <<<"$flows"

grep controller "$LOG" | sed "s/^/# log: /"
kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
