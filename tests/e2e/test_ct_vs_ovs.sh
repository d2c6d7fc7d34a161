#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Differential check of ct translation against Open vSwitch 3.1: the same
# flow tables in a private ovs-vswitchd (--enable-dummy=override, a
# userspace-datapath bridge with dummy ports 1 and 2) and in `xdpswitch
# trace --flows`; for each packet and --ct-next choice, every pass's
# "Datapath actions:" line must be the same (recirc ids renumbered in
# order of appearance: OVS keeps counting across traces).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
command -v ovs-vswitchd >/dev/null || skip_all "needs Open vSwitch (openvswitch-switch)"
B=${XS_BUILD:-${O:-build}}
XS=$B/xdpswitch
R=$(mktemp -d /tmp/ctovs-XXXXXX)
export OVS_RUNDIR=$R OVS_DBDIR=$R OVS_LOGDIR=$R
cleanup() {
	for p in ovs-vswitchd ovsdb-server; do
		[ -s "$R/$p.pid" ] && kill "$(cat "$R/$p.pid")" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$R"
}
trap cleanup EXIT

ovsdb-tool create "$R/conf.db" /usr/share/openvswitch/vswitch.ovsschema &&
ovsdb-server "$R/conf.db" --remote="punix:$R/db.sock" --pidfile="$R/ovsdb-server.pid" \
	--detach -vconsole:off --log-file="$R/ovsdb.log" &&
ovs-vswitchd "unix:$R/db.sock" --enable-dummy=override --disable-system \
	--pidfile="$R/ovs-vswitchd.pid" --detach -vconsole:off --log-file="$R/vswitchd.log" &&
ovs-vsctl --db="unix:$R/db.sock" --timeout=10 add-br br0 \
	-- set bridge br0 datapath_type=dummy fail-mode=secure \
	-- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
	-- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2
check_eq "private Open vSwitch with a dummy-datapath bridge" 0 $?

# dp_actions TOOL FLOWFILE PACKET [CT_NEXT]: the Datapath actions lines.
renumber() { python3 -c '
import re, sys
ids = {}
def sub(m):
    return "recirc(%d)" % ids.setdefault(m.group(1), len(ids) + 1)
print(re.sub(r"recirc\((0x[0-9a-f]+)\)", sub, sys.stdin.read()), end="")'; }
ovs_actions() {
	ovs-appctl ofproto/trace br0 "$2" ${3:+--ct-next "$3"} 2>&1 |
		grep '^Datapath actions' | renumber
}
xs_actions() {
	"$XS" trace --flows "$1" ${3:+--ct-next "$3"} "$2" 2>&1 | grep '^Datapath actions' |
		renumber
}

# case NAME FLOWFILE PACKET [CT_NEXT]
compare() {
	local o x
	o=$(ovs_actions "$2" "$3" "${4:-}")
	x=$(xs_actions "$2" "$3" "${4:-}")
	if [ -n "$o" ] && [ "$o" = "$x" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   ovs: $(tr '\n' '|' <<<"$o")"
		echo "#   xs:  $(tr '\n' '|' <<<"$x")"
	fi
}
load() { # FLOWFILE: into Open vSwitch
	ovs-ofctl del-flows br0 && ovs-ofctl add-flows br0 "$1"
}

cat >"$R/firewall" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,ct_state=-trk actions=ct(zone=7,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=7,exec(set_field:0x2a->ct_mark)),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+trk+est+rpl actions=output:1
table=1,priority=90,ip,in_port=2,ct_state=+trk+inv actions=drop
table=1,priority=10,ip actions=drop
FLOWS
load "$R/firewall"
compare "firewall: new connection out (commit with mark)" "$R/firewall" \
	'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=80'
compare "firewall: established out" "$R/firewall" 'in_port=1,tcp' 'trk,est'
compare "firewall: reply in" "$R/firewall" 'in_port=2,udp' 'trk,est,rpl'
compare "firewall: new connection in is dropped" "$R/firewall" 'in_port=2,tcp'
compare "firewall: invalid in is dropped" "$R/firewall" 'in_port=2,tcp' 'trk,inv'

cat >"$R/nat" <<'FLOWS'
priority=100,tcp,in_port=1 actions=ct(commit,zone=1,nat(src=10.0.0.100)),output:2
priority=100,udp,in_port=1 actions=ct(commit,zone=2,nat(dst=10.0.0.2:5002)),output:2
priority=100,sctp,in_port=1 actions=ct(commit,nat(src=10.0.0.100-10.0.0.200:1000-2000,random)),output:2
priority=100,tcp,in_port=2 actions=ct(zone=1,nat,table=1)
priority=100,udp,in_port=2 actions=ct(commit,force,zone=3),ct_clear,output:1
table=1,priority=100,ip,ct_state=+trk+est+rpl actions=output:1
table=1,priority=10,ip actions=drop
FLOWS
load "$R/nat"
compare "SNAT out" "$R/nat" 'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2'
compare "DNAT to a port" "$R/nat" 'in_port=1,udp'
compare "SNAT to a range of addresses and ports" "$R/nat" 'in_port=1,sctp'
compare "un-NAT and recirculate, new" "$R/nat" 'in_port=2,tcp'
compare "un-NAT and recirculate, reply" "$R/nat" 'in_port=2,tcp' 'trk,est,rpl'
compare "force commit" "$R/nat" 'in_port=2,udp'

cat >"$R/zones" <<'FLOWS'
priority=100,ip,in_port=1 actions=load:5->NXM_NX_REG0[0..15],resubmit(,2)
priority=100,ip,in_port=2 actions=load:6->NXM_NX_REG0[0..15],resubmit(,2)
table=2,ip actions=ct(zone=NXM_NX_REG0[0..15],table=3)
table=3,ip,reg0=5,ct_state=+trk+new actions=ct(commit,zone=NXM_NX_REG0[0..15]),output:2
table=3,ip,reg0=6,ct_state=+trk+new actions=drop
table=3,ip,ct_state=+trk+est actions=ct_clear,ct(zone=9,table=4)
table=4,ip,ct_state=+trk actions=output:1
FLOWS
load "$R/zones"
compare "zone from a register, frozen across recirculation" "$R/zones" 'in_port=1,tcp'
compare "another zone, dropped" "$R/zones" 'in_port=2,tcp'
compare "two recirculations (ct_clear, then another zone)" "$R/zones" 'in_port=2,tcp' \
	'trk,est'
# The original-direction tuple (ct_nw_*, ct_ipv6_*, ct_tp_*): a packet
# carries it for the passes after its ct action (Open vSwitch wants a
# valid ct_state in the packet to take it, and keeps it across the
# recirculation).
cat >"$R/tuple" <<'FLOWS'
priority=100,ip actions=ct(zone=1,nat,table=1)
priority=100,ipv6 actions=ct(zone=1,table=1)
table=1,priority=100,tcp,ct_state=+trk+est,ct_nw_dst=10.0.0.200,ct_nw_proto=6,ct_tp_dst=80 actions=output:2
table=1,priority=90,tcp,ct_state=+trk-inv,ct_nw_src=10.0.0.0/24 actions=output:1
table=1,priority=100,icmp,ct_state=+trk+rel,ct_nw_proto=17,ct_tp_dst=53 actions=output:1
table=1,priority=100,udp6,ct_state=+trk+est+rpl,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00::/16 actions=output:1
table=1,priority=10 actions=drop
FLOWS
load "$R/tuple"
T4='ct_state=trk|est,ct_nw_proto=6,ct_nw_src=10.0.0.1'
compare "ct_nw_dst/ct_tp_dst: the original service address" "$R/tuple" \
	"in_port=1,tcp,$T4,ct_nw_dst=10.0.0.200,ct_tp_dst=80" 'trk,est'
compare "ct_nw_src prefix, another original destination" "$R/tuple" \
	"in_port=1,tcp,$T4,ct_nw_dst=10.0.0.201,ct_tp_dst=80" 'trk,est'
compare "ct_nw_src outside the prefix: dropped" "$R/tuple" \
	'in_port=1,tcp,ct_state=trk|est,ct_nw_proto=6,ct_nw_src=10.1.0.1,ct_nw_dst=10.0.0.201' 'trk,est'
compare "+rel by the master's ct_nw_proto/ct_tp_dst" "$R/tuple" \
	'in_port=2,icmp,icmp_type=3,ct_state=trk|rel|rpl,ct_nw_proto=17,ct_nw_src=10.0.0.1,ct_tp_dst=53' 'trk,rel,rpl'
compare "ct_ipv6_src/ct_ipv6_dst on a reply" "$R/tuple" \
	'in_port=2,udp6,ct_state=trk|est,ct_nw_proto=17,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00:1::2' 'trk,est,rpl'
compare "ct_ipv6_dst outside the prefix: dropped" "$R/tuple" \
	'in_port=2,udp6,ct_state=trk|est,ct_nw_proto=17,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd01::2' 'trk,est,rpl'
# ct_label: written by a commit's exec() (set_field, load, move from a
# register), printed in the datapath's ct() as label=V[/M]; matched in the
# pass after a recirculation (the packet carries the label, as the
# datapath's store gives it to every packet of the connection).
cat >"$R/labels" <<'FLOWS'
priority=100,tcp,in_port=1 actions=ct(commit,zone=7,exec(set_field:0x5/0xff->ct_label)),output:2
priority=100,udp,in_port=1 actions=ct(commit,zone=7,exec(set_field:0x2a->ct_mark,set_field:0x80000000000000000000000000000001->ct_label)),output:2
priority=100,sctp,in_port=1 actions=ct(commit,zone=1,exec(load:0x3->NXM_NX_CT_LABEL[64..65]),nat(src=10.0.0.100)),output:2
priority=100,icmp,in_port=1 actions=load:0xab->NXM_NX_REG0[0..7],ct(commit,exec(move:NXM_NX_REG0[0..7]->NXM_NX_CT_LABEL[8..15])),output:2
priority=100,ip,in_port=2 actions=ct(zone=7,table=1)
table=1,priority=100,ip,ct_state=+trk+est,ct_label=0x5/0xff actions=output:1
table=1,priority=90,ip,ct_state=+trk+est,ct_label=0x80000000000000000000000000000000/0x80000000000000000000000000000000 actions=output:1,output:1
table=1,priority=10,ip actions=drop
FLOWS
load "$R/labels"
compare "label: set_field with a mask" "$R/labels" 'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2'
compare "label: 128 bits, with a mark" "$R/labels" 'in_port=1,udp'
compare "label: load into a subfield, with nat" "$R/labels" 'in_port=1,sctp'
compare "label: move from a register" "$R/labels" 'in_port=1,icmp'
compare "label: matched after recirculation" "$R/labels" 'in_port=2,tcp,ct_label=0x105' 'trk,est'
compare "label: the high bit" "$R/labels" \
	'in_port=2,tcp,ct_label=0x80000000000000000000000000000007' 'trk,est'
compare "label: no match, dropped" "$R/labels" 'in_port=2,tcp,ct_label=0x6' 'trk,est'
tap_done
