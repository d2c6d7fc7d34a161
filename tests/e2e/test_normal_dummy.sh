#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# NORMAL on the userspace datapath, as an unprivileged user: access ports
# in VLANs 10 and 20, a trunk, a native-untagged port; frames injected, the
# frames sent read back byte for byte (tags pushed and popped per port),
# learning, moves, fdb-show/fdb-flush, trace, the megaflows' fields, the
# port options saved in the journal, and every bad port option refused.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
T=$(mktemp -d /tmp/xs-ndummy-XXXXXX)
chmod 755 "$T"
export XS_RUN_DIR=$T/run
mkdir -m 777 "$XS_RUN_DIR"
BR=nd$$
agent_pid=
AS=()
[ "$(id -u)" = 0 ] && AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups
			   --inh-caps=-all --bounding-set=-all)
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"; rm -rf "$T"; }
trap cleanup EXIT
xs() { "${AS[@]}" "$XS" "$1" --bridge "$BR" "${@:2}"; }

# frame DST SRC [VID] -> hex: Ethernet (802.1Q tag when VID given), IPv4
# type, 20 bytes of payload
frame() {
	local dst=${1//:/} src=${2//:/} tag=
	[ -n "${3:-}" ] && tag=$(printf '8100%04x' "$3")
	echo "$dst$src${tag}0800$(printf '%040x' 7)"
}
A=02:00:00:00:00:0a Bm=02:00:00:00:00:0b C=02:00:00:00:00:0c BC=ff:ff:ff:ff:ff:ff

# ports: a, b access VLAN 10 (dp 1, 2); c access VLAN 20 (dp 3); t trunk of
# 10,20 (dp 4); n native-untagged VLAN 20 with trunk 10 (dp 5)
echo 'priority=0,actions=NORMAL' >"$T/normal.flows"
chmod 644 "$T/normal.flows"
"${AS[@]}" "$XS" agent --bridge "$BR" --datapath dummy --flows "$T/normal.flows" --mac-aging 5 a=1,tag=10 b=2,tag=10 \
	c=3,tag=20 t=4,trunks=10,20 n=5,tag=20,trunks=10,vlan_mode=native-untagged \
	2>"$T/log" </dev/null >/dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
show=$(xs show)
check "show: access port" grep -q "^ 1(a): .*; access VLAN 10$" <<<"$show"
check "show: trunk" grep -q "^ 4(t): .*; trunk VLANs 10,20$" <<<"$show"
check "show: native-untagged" grep -q "^ 5(n): .*; native-untagged native VLAN 20, VLANs 10$" \
	<<<"$show"
check "show: MAC table size and aging" grep -q "^mac table: 0 entries (at most 8192, aging 5 s)" \
	<<<"$show"
check "show --json: the options as given" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
v = {p["name"]: p["vlan"] for p in d["ports"]}
assert v == {"a": "tag=10", "b": "tag=10", "c": "tag=20", "t": "trunks=10,20",
             "n": "tag=20,trunks=10,vlan_mode=native-untagged"}, v
assert d["mac_table"]["max"] == 8192' "$(xs show --json)"
check "the saved state keeps the options" grep -q "^port n 5 vlan:tag=20,trunks=10,vlan_mode=native-untagged$" \
	"$XS_RUN_DIR/$BR.state"

check "NORMAL loaded with --flows" grep -q "priority=0 actions=NORMAL" <<<"$(xs dump-flows)"

# broadcast from a (VLAN 10): b untagged, t and n tagged 10; not c
xs inject a "$(frame $BC $A)"
check_eq "broadcast on VLAN 10: untagged to b, tagged to t and n, not to c" \
	"port 2: $(frame $BC $A)
port 4: $(frame $BC $A 10)
port 5: $(frame $BC $A 10)" "$(xs dump-outputs | sort)"
check "one datapath action list: untagged first, one push" \
	grep -q "in_port(1),eth(src=$A,dst=$BC), packets:1, .*actions:2,push_vlan(vid=10,pcp=0),4,5$" \
	<<<"$(xs dump-megaflows)"
check_eq "a learned on port 1, VLAN 10" "    1    10  $A    0" "$(xs fdb-show | tail -n +2)"

# unknown unicast from the trunk on VLAN 20: c and n (native: untagged)
xs inject t "$(frame $A $C 20)"
check_eq "unknown unicast on VLAN 20 floods to c and n, untagged" \
	"port 3: $(frame $A $C)
port 5: $(frame $A $C)" "$(xs dump-outputs | sort)"
# known unicast: b -> a goes to port 1 only
xs inject b "$(frame $A $Bm)"
check_eq "b -> a: learned port only" "port 1: $(frame $A $Bm)" "$(xs dump-outputs)"
xs inject a "$(frame $Bm $A)"
check_eq "a -> b: learned port only" "port 2: $(frame $Bm $A)" "$(xs dump-outputs)"
# from the trunk in VLAN 10 to a: popped
xs inject t "$(frame $A $C 10)"
check_eq "trunk VLAN 10 -> a: tag popped" "port 1: $(frame $A $C)" "$(xs dump-outputs)"
# untagged on n is VLAN 20: C was learned on the trunk in VLAN 20
xs inject n "$(frame $C $Bm)"
check_eq "native port, untagged = VLAN 20: C learned on the trunk, tagged 20" \
	"port 4: $(frame $C $Bm 20)" "$(xs dump-outputs)"

# drops: a tagged frame on an access port, a VLAN the trunk does not carry
xs inject a "$(frame $BC $A 20)"
xs inject t "$(frame $BC $C 30)"
xs inject t "$(frame $BC $C)" # untagged on a trunk of 10,20: VLAN 0, not carried
check_eq "tagged on access, VLAN 30 and VLAN 0 on the trunk: dropped" "" "$(xs dump-outputs)"
tr=$(xs trace 'in_port=1,dl_vlan=20,dl_src=02:00:00:00:00:0a,dl_dst=ff:ff:ff:ff:ff:ff')
check "trace names the drop" grep -q -- "-> port a: dropping VLAN 20 tagged packet received on an access port of VLAN 10" <<<"$tr"

# a move: a appears on b's port (VLAN 10)
xs inject b "$(frame $BC $A)"
xs dump-outputs >/dev/null
check_eq "a moved to port 2" "    2    10  $A" "$(xs fdb-show | grep " $A" | grep " 10 " | cut -c1-30)"
xs inject t "$(frame $A $C 10)"
check_eq "the trunk's megaflow to a now goes to port 2 (revalidated, no miss)" \
	"port 2: $(frame $A $C)" "$(xs dump-outputs)"
fdb_before=$(xs fdb-show | cut -c1-30)
check "trace: forwarding to learned port" grep -q -- "-> forwarding to learned port" \
	<<<"$(xs trace "in_port=4,dl_vlan=10,dl_src=$C,dl_dst=$A")"
# (the whole tag: popping it makes the action depend on all of it)
check "trace: the megaflow matches in_port, MACs and the VLAN" grep -q \
	"^Megaflow: in_port=4,dl_vlan=10,dl_vlan_pcp=0,dl_src=$C,dl_dst=$A$" \
	<<<"$(xs trace "in_port=4,dl_vlan=10,dl_src=$C,dl_dst=$A")"
check "trace: learned port is input port" grep -q -- "-> learned port is input port, dropping" \
	<<<"$(xs trace "in_port=2,dl_src=$Bm,dl_dst=$A")"
# a and b (10, port 2), C (10 and 20, trunk), b (20, port n): traces add none
check_eq "trace learns nothing" "$fdb_before" "$(xs fdb-show | cut -c1-30)"
check_eq "5 entries" 5 "$(xs fdb-show | tail -n +2 | wc -l)"

check_eq "fdb-flush" "table successfully flushed" "$(xs fdb-flush)"
check_eq "fdb-show after the flush: header only" " port  VLAN  MAC                Age" "$(xs fdb-show)"
xs inject t "$(frame $A $C 10)"
check_eq "after the flush, a is unknown again: flooded in VLAN 10" \
	"port 1: $(frame $A $C)
port 2: $(frame $A $C)
port 5: $(frame $A $C 10)" "$(xs dump-outputs | sort)"
sleep 6.2
check_eq "aging (5 s) removed C" " port  VLAN  MAC                Age" "$(xs fdb-show)"

# bad port options: clear errors, nothing attached
bad() { # description option-text expected-message
	local err rc
	err=$(xs attach "$2" 2>&1); rc=$?
	check_eq "$1" "1: attach: '$2', column $3" "$rc: ${err%%: *[a-z]*}"
}
for spec in "x=9,tag=0|9|tag must be a VLAN 1..4095" \
	    "x=9,tag=4096|9|tag must be a VLAN 1..4095" \
	    "x=9,tag=10,trunks=10|5|trunks conflicts with an access port (tag=10); use vlan_mode=native-tagged or native-untagged for both" \
	    "x=9,tag=5,vlan_mode=trunk|5|tag conflicts with vlan_mode=trunk (a trunk's untagged packets are VLAN 0; use vlan_mode=native-tagged or native-untagged)" \
	    "x=9,vlan_mode=native-tagged|5|vlan_mode=native-tagged needs tag=VLAN (the native VLAN)" \
	    "x=9,vlan_mode=mixed|15|vlan_mode must be access, trunk, native-tagged or native-untagged" \
	    "x=9,trunks=1-5000|12|trunks: bad range (LOW-HIGH, both 0..4095)" \
	    "x=9,speed=10|5|unknown port option 'speed' (tag, trunks, vlan_mode)"; do
	IFS='|' read -r s col msg <<<"$spec"
	err=$(xs attach "$s" 2>&1); rc=$?
	check_eq "attach $s: exit 1, column and reason" "1 attach: '$s', column $col: $msg" "$rc $err"
done
check_eq "nothing was attached" 5 "$(xs show --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ports"]))')"
check "replace-flows with NORMAL" xs replace-flows "$T/normal.flows"
check "attach with options works" xs attach x=9,tag=20
check "x shown as access VLAN 20" grep -q "^ 9(x): .*; access VLAN 20$" <<<"$(xs show)"
xs inject c "$(frame $BC $C)"
check_eq "VLAN 20 broadcast now reaches x too" "port 4: $(frame $BC $C 20)
port 5: $(frame $BC $C)
port 6: $(frame $BC $C)" "$(xs dump-outputs | sort)"
check "attach then detach a port: its entries go" xs detach x

# NORMAL then an explicit output: the output gets the packet as it came
# (NORMAL's re-tagging is only for its own copies), as in Open vSwitch
printf 'priority=0,actions=NORMAL\npriority=10,in_port=3,actions=NORMAL,output:4\n' >"$T/mixed.flows"
chmod 644 "$T/mixed.flows"
check "replace-flows: NORMAL,output:4 for port c" xs replace-flows "$T/mixed.flows"
xs inject c "$(frame $BC $C)"
check_eq "c's broadcast: VLAN 20 flood (t tagged, n untagged), then output:4 untagged" \
	"port 4: $(frame $BC $C)
port 4: $(frame $BC $C 20)
port 5: $(frame $BC $C)" "$(xs dump-outputs | sort)"
check "one list: n, push for t, pop back for the explicit output" grep -q \
	"in_port(3),eth(src=$C,dst=$BC), .*actions:5,push_vlan(vid=20,pcp=0),4,pop_vlan,4$" \
	<<<"$(xs dump-megaflows)"

err=$("$XS" agent --bridge "x$BR" --datapath dummy a,tag=0 2>&1); rc=$?
check "agent: a bad port option is refused" test "$rc" != 0
check "agent: and named" grep -q "'a,tag=0', column 7: tag must be a VLAN 1..4095" <<<"$err"
err=$("$XS" agent --bridge "x$BR" --datapath dummy --mac-table-size 0 a 2>&1); rc=$?
check_eq "--mac-table-size 0 refused" "2 xdpswitch agent: --mac-table-size takes a number from 1 to 1048576, not '0'" "$rc $err"
err=$("$XS" agent --bridge "x$BR" --datapath dummy --mac-aging x a 2>&1); rc=$?
check_eq "--mac-aging x refused" "2 xdpswitch agent: --mac-aging takes a number from 1 to 1000000, not 'x'" "$rc $err"

kill "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check "agent stops cleanly" test "$rc" = 0
tap_done
