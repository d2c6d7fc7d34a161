#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Differential check of NORMAL against Open vSwitch 3.1 (userspace, dummy
# ports, one NORMAL flow): the same port VLAN options on both bridges, the
# same learning frames sent through both (xdpswitch inject on the dummy
# datapath, ovs-appctl netdev-dummy/receive), then the datapath actions of
# ofproto/trace and xdpswitch trace compared for every input port, VLAN
# and destination (learned, unknown, broadcast, learned on the input port),
# as the set of (output port, VLAN tag) copies each makes. Open vSwitch's
# LOCAL port (its bridge interface) is left out: this bridge has none.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
command -v ovs-vswitchd >/dev/null && command -v ovsdb-server >/dev/null ||
	skip_all "needs Open vSwitch (openvswitch-switch)"
[ "$(id -u)" = 0 ] || skip_all "needs root (ovs-vswitchd)"
T=$(mktemp -d /tmp/xs-novs-XXXXXX)
export XS_RUN_DIR=$T/run OVS_RUNDIR=$T/ovs OVS_LOGDIR=$T/ovs OVS_DBDIR=$T/ovs OVS_SYSCONFDIR=$T/ovs
mkdir -p "$XS_RUN_DIR" "$OVS_RUNDIR"
BR=nv$$
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"
	for p in "$OVS_RUNDIR"/ovs-vswitchd.pid "$OVS_RUNDIR"/ovsdb-server.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$T"
}
trap cleanup EXIT

# the ports: name=ofport,options (the same text for ovs-vsctl below)
PORTS=(p1=1,tag=10 p2=2,tag=10 p3=3,tag=20 p4=4,trunks=10,20
       p5=5,tag=20,trunks=10,vlan_mode=native-untagged p6=6 p7=7,tag=10,vlan_mode=native-tagged)

exec 3>&2 2>"$T/ovs-start.log" # their start-up chatter
ovsdb-tool create "$OVS_DBDIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server --detach --no-chdir --pidfile --log-file --remote="punix:$OVS_RUNDIR/db.sock" \
	"$OVS_DBDIR/conf.db" || { echo "not ok 1 - ovsdb-server"; exit 1; }
ovs-vswitchd --enable-dummy=override --disable-system --disable-system-route --detach \
	--no-chdir --pidfile --log-file "unix:$OVS_RUNDIR/db.sock" ||
	{ echo "not ok 1 - ovs-vswitchd"; exit 1; }
vsctl() { ovs-vsctl --db="unix:$OVS_RUNDIR/db.sock" --timeout=10 "$@"; }
vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure
for p in "${PORTS[@]}"; do
	name=${p%%=*} rest=${p#*=} ofport=${rest%%,*} opts=
	[ "$rest" != "$ofport" ] && opts=${rest#*,}
	set -- add-port br0 "$name" -- set interface "$name" type=dummy ofport_request="$ofport"
	if [ -n "$opts" ]; then
		# trunks=10,20 -> trunks="[10,20]"; the other options as they are
		args=$(python3 -c '
import re, sys
out = []
for m in re.finditer(r"(tag|vlan_mode|trunks)=([^=]*?)(?=,(?:tag|vlan_mode|trunks)=|$)", sys.argv[1]):
    k, v = m.group(1), m.group(2)
    out.append(k + "=" + ("[" + v + "]" if k == "trunks" else v))
print(" ".join(out))' "$opts")
		# shellcheck disable=SC2086
		set -- "$@" -- set port "$name" $args
	fi
	vsctl "$@" || { echo "not ok 1 - ovs-vsctl add-port $p"; exit 1; }
done
ovs-ofctl del-flows br0 && ovs-ofctl add-flow br0 'priority=0,actions=NORMAL'
exec 2>&3
"$XS" agent --bridge "$BR" --datapath dummy "${PORTS[@]}" 2>"$T/agent.log" </dev/null >/dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
"$XS" add-flow --bridge "$BR" 'priority=0,actions=NORMAL'

# odp port -> OpenFlow port, from dpif/show ("    p1 1/2: (dummy)")
declare -A ODP
while read -r name ports _; do
	of=${ports%%/*} odp=${ports#*/}
	odp=${odp%:}
	[ "$of" = 65534 ] && of=LOCAL
	ODP[$odp]=$of
done < <(ovs-appctl dpif/show | grep -E '^ +p[0-9]+ [0-9]+/[0-9]+:|^ +br0 ')

# learning frames: MAC 0a..NN on port N in the VLAN of each case
frame() { # dst src [vid]
	local tag=
	[ -n "${3:-}" ] && tag=$(printf '8100%04x' "$3")
	echo "${1//:/}${2//:/}${tag}0800$(printf '%040x' 7)"
}
learn() { # port vid(or -) mac
	local vid=${2#-}
	ovs-appctl netdev-dummy/receive "p$1" "$(frame ff:ff:ff:ff:ff:ff "$3" $vid)" >/dev/null
	"$XS" inject --bridge "$BR" "p$1" "$(frame ff:ff:ff:ff:ff:ff "$3" $vid)"
}
learn 1 - 0a:00:00:00:00:01      # VLAN 10
learn 3 - 0a:00:00:00:00:03      # VLAN 20
learn 4 10 0a:00:00:00:00:41     # VLAN 10 on the trunk
learn 4 20 0a:00:00:00:00:42     # VLAN 20 on the trunk
learn 5 - 0a:00:00:00:00:05      # VLAN 20 (native)
learn 6 - 0a:00:00:00:00:06      # VLAN 0
learn 7 10 0a:00:00:00:00:07     # VLAN 10 (native, tagged)
learn 6 20 0a:00:00:00:00:62     # VLAN 20 on the all-VLANs trunk
"$XS" dump-outputs --bridge "$BR" >/dev/null
sleep 0.5
check_eq "both learned the same 8 addresses" 8 "$(ovs-appctl fdb/show br0 | tail -n +2 | wc -l)"
check_eq "xdpswitch too" 8 "$("$XS" fdb-show --bridge "$BR" | tail -n +2 | wc -l)"

# Every case's datapath actions from both, then one comparison: each list
# becomes its sorted "port:tag" copies (tag 0: untagged).
# (learned in VLAN 10, 20 and 0, learned in 20 on the native port,
# unknown, broadcast; the packets come from an unknown address)
MACS="0a:00:00:00:00:01 0a:00:00:00:00:42 0a:00:00:00:00:06 0a:00:00:00:00:05 0a:00:00:00:00:99 ff:ff:ff:ff:ff:ff"
for port in 1 3 4 5 6 7; do
	for vid in - 10 20; do
		for dst in $MACS; do
			pkt="in_port=$port,dl_src=0a:00:00:00:00:aa,dl_dst=$dst"
			[ "$vid" != - ] && pkt="$pkt,dl_vlan=$vid"
			o=$(ovs-appctl ofproto/trace br0 "$pkt" | sed -n 's/^Datapath actions: //p')
			x=$("$XS" trace --bridge "$BR" "$pkt" | sed -n 's/^Datapath actions: //p')
			printf '%s\t%s\t%s\n' "$pkt" "$o" "$x"
		done
	done
done >"$T/cases"
res=$(python3 - "$T/cases" "$(for k in "${!ODP[@]}"; do echo "$k=${ODP[$k]}"; done)" <<'PY'
import re, sys
odp = dict(l.split("=") for l in sys.argv[2].split())
def copies(pkt, acts, ovs):
    vid = re.search(r"dl_vlan=(\d+)", pkt)
    tags, out = [vid.group(1)] if vid else [], []
    for a in re.findall(r"push_vlan\([^)]*\)|pop_vlan|drop|\d+", acts):
        if a.startswith("push_vlan"):
            tags.insert(0, re.search(r"vid=(\d+)", a).group(1))
        elif a == "pop_vlan":
            tags.pop(0)
        elif a != "drop":
            port = odp.get(a, "?" + a) if ovs else a
            if port != "LOCAL":
                out.append(port + ":" + (tags[0] if tags else "0"))
    return " ".join(sorted(out)) or "drop"
n = same = 0
for line in open(sys.argv[1]):
    pkt, o, x = line.rstrip("\n").split("\t")
    n += 1
    co, cx = copies(pkt, o, True), copies(pkt, x, False)
    if co == cx:
        same += 1
    elif n - same <= 15:
        print("#   %s: ovs [%s] -> %s; xdpswitch [%s] -> %s" % (pkt, o, co, x, cx))
print("%d %d" % (same, n))
PY
)
same=$(tail -1 <<<"$res" | cut -d' ' -f1) n=$(tail -1 <<<"$res" | cut -d' ' -f2)
echo "# $same of $n traces give the same copies"
check "every trace gives the same copies as Open vSwitch 3.1 ($same of $n)" test "$n" -ge 100 -a "$same" = "$n"
head -n -1 <<<"$res"
check_eq "the traces learned nothing" 8 "$("$XS" fdb-show --bridge "$BR" | tail -n +2 | wc -l)"
tap_done
