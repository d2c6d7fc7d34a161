#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# VLAN through the switch: two plain hosts (untagged) and a trunk, one
# veth pair whose two ends are both ports of the switch. Traffic from host
# 1 gets VLAN 10 pushed and leaves on trunk end 3; it comes back tagged on
# end 4, is popped and delivered to host 2 (and the reverse). The hosts
# ping each other across; a frame on another VLAN is dropped. (This
# kernel has no 8021q module, so hosts cannot tag frames themselves.)
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }

P=xv$$ BR=xv$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
LOG=$XS_RUN_DIR/agent.log
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	# a stop may leave the fast path running: remove it where the agent can
	"$XS" agent --help 2>/dev/null | grep -q -- --cleanup &&
		"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	scripts/topo.sh destroy "$P" 2>/dev/null
	ip link del "$P-t3" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }
pings() { local k=$1; shift; h "$k" ping -q "$@" >/dev/null 2>&1; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
ip link add "$P-t3" type veth peer name "$P-t4" || { echo "not ok 1 - trunk"; exit 1; }
ip link set "$P-t3" up && ip link set "$P-t4" up
cat >"$XS_RUN_DIR/flows" <<'FLOWS'
# hosts -> trunk: tag with VLAN 10
priority=100,in_port=1,vlan_tci=0x0000/0x1fff actions=push_vlan:0x8100,mod_vlan_vid:10,output:3
priority=100,in_port=2,vlan_tci=0x0000/0x1fff actions=push_vlan:0x8100,mod_vlan_vid:10,output:4
# trunk -> hosts: VLAN 10 only, untagged
priority=100,in_port=4,dl_vlan=10 actions=strip_vlan,output:2
priority=100,in_port=3,dl_vlan=10 actions=strip_vlan,output:1
FLOWS
"$XS" agent --bridge "$BR" --flows "$XS_RUN_DIR/flows" "$P-p1=1" "$P-p2=2" "$P-t3=3" "$P-t4=4" \
	2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"

check "h1 -> h2 across the trunk: first ping answered" pings 1 -c1 -W2 10.0.0.2
check "and 3 more" pings 1 -c3 -i0.2 -W2 10.0.0.2
check "h2 -> h1" pings 2 -c2 -i0.2 -W2 10.0.0.1
mf=$("$XS" dump-megaflows --bridge "$BR")
check "port 1 megaflow pushes VLAN 10 towards the trunk" \
	grep -q "^recirc_id(0),in_port(1),eth(), .*actions:push_vlan(vid=10,pcp=0),3$" <<<"$mf"
# (neither PCP nor TPID is matched: popping the tag reads neither)
check "trunk end 4 megaflow matches VLAN 10 and pops it" \
	grep -q "^recirc_id(0),in_port(4),eth(),vlan(vid=10),encap(), .*actions:pop_vlan,2$" <<<"$mf"
flows=$("$XS" dump-flows --bridge "$BR")
check_eq "all 4 rules carried traffic" 4 "$(grep -c 'n_packets=[1-9]' <<<"$flows")"
# VLAN 20 on the trunk matches no rule: dropped
pop4() { "$XS" dump-flows --bridge "$BR" | sed -n 's/.* n_packets=\([0-9]*\),.*in_port=4,dl_vlan=10 .*/\1/p'; }
check "retag the h1 side with VLAN 20" "$XS" add-flow --bridge "$BR" \
	"priority=100,in_port=1,vlan_tci=0x0000/0x1fff actions=push_vlan:0x8100,mod_vlan_vid:20,output:3"
# Counted from when add-flow returned (a frame h1 sent just before, an ARP
# probe say, may still have gone out on VLAN 10).
before=$(pop4)
check "h1 -> h2 on VLAN 20 gets nowhere" sh -c "! ip netns exec $P-h1 ping -c1 -W1 10.0.0.2 >/dev/null 2>&1"
check "h1's frames left tagged 20" \
	grep -q "^recirc_id(0),in_port(1),eth(), packets:[1-9].*actions:push_vlan(vid=20,pcp=0),3$" \
	<<<"$("$XS" dump-megaflows --bridge "$BR")"
check_eq "the VLAN 10 rule on the trunk saw none of them" "$before" "$(pop4)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
