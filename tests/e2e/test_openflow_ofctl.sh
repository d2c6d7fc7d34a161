#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OpenFlow 1.3 on the wire with ovs-ofctl -O OpenFlow13 against
# `xdpswitch agent --listen ptcp:PORT`: the same commands run against a
# private Open vSwitch and their outputs compared (flows, aggregates, ports);
# one table state with the CLI; packet-out and monitor (packet-in) over the
# userspace datapath, whose outputs are read back byte for byte.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/ovs_env.sh

command -v ovs-ofctl >/dev/null && command -v ovs-vswitchd >/dev/null ||
	skip_all "ovs-ofctl and ovs-vswitchd are needed (scripts/install-deps.sh)"
B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
T=$(mktemp -d /tmp/xs-of-XXXXXX)
export XS_RUN_DIR=$T/run
mkdir "$XS_RUN_DIR"
BR=of$$
PORT=$((20000 + $$ % 20000))
agent_pid= mon_pid= ovsmon_pid=
cleanup() {
	[ -n "$mon_pid" ] && kill "$mon_pid" "$ovsmon_pid" 2>/dev/null
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"
	ovs_stop
	rm -rf "$T"
}
trap cleanup EXIT
xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }
of() { timeout 10 ovs-ofctl -O OpenFlow13 "$@"; }

"$XS" agent --bridge "$BR" --datapath dummy --listen "ptcp:$PORT:127.0.0.1" \
	--listen "punix:$T/of.sock" --datapath-id 00000000000000ab a b c 2>"$T/log" </dev/null >/dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
X=tcp:127.0.0.1:$PORT
of show "$X" >"$T/show"
check_eq "ovs-ofctl connects over TCP" 0 "$?"
check "features: the datapath id given" grep -q "dpid:00000000000000ab" "$T/show"
check "features: 3 ports in the port description" test "$(grep -c '^ [0-9]*(' "$T/show")" = 3
of show "unix:$T/of.sock" >/dev/null
check_eq "ovs-ofctl connects over punix" 0 "$?"
check "a private Open vSwitch starts" ovs_start "$T/ovs" br0 a b c

# The same command on both switches; the flow tables compared after each.
both() { of "$1" "$X" "${@:2}" && of "$1" "$OVS_MGMT" "${@:2}"; }
flows() { of --no-stats --sort dump-flows "$1" | sed 1d; }
same_flows() {
	local a b
	a=$(flows "$X") b=$(flows "$OVS_MGMT")
	check_eq "$1" "$b" "$a"
}

check "add-flow on both" both add-flow "priority=10,ip,nw_dst=10.0.0.2,actions=output:2"
check "add-flow with set_field and goto_table" both add-flow \
	"priority=5,tcp,tp_dst=80,actions=set_field:10.1.1.1->ip_dst,goto_table:3"
check "add-flow masked port, cookie, controller with max_len" both add-flow \
	"cookie=0x5,table=3,priority=5,tcp,tp_dst=0x50/0xfff0,actions=output:controller"
check "add-flow vlan, metadata, ipv6, arp" both add-flow \
	"table=1,priority=7,dl_vlan=10,dl_vlan_pcp=3,metadata=0x5/0xff,actions=pop_vlan,output:1"
both add-flow "table=1,priority=8,ipv6,ipv6_src=2001:db8::/32,icmp6,icmpv6_type=135,nd_target=2001:db8::1,actions=drop"
both add-flow "table=1,priority=9,arp,arp_op=1,arp_spa=10.0.0.0/8,arp_sha=02:00:00:00:00:01,actions=output:3"
both add-flow "table=2,priority=9,udp,nw_tos=32,nw_ecn=1,udp_src=53,actions=write_metadata:0x10/0xf0,goto_table:4"
both add-flow "table=2,priority=10,sctp,sctp_dst=9,actions=push_vlan:0x8100,set_field:4097->vlan_vid,output:2"
both add-flow "table=2,priority=11,ip,in_port=2,dl_src=02:00:00:00:00:00/01:00:00:00:00:00,actions=dec_ttl,output:1"
both add-flow "table=2,priority=12,ip,actions=output:1,clear_actions,write_actions(set_field:10.0.0.9->ip_dst,output:2),goto_table:6"
same_flows "add-flow: the same flows as Open vSwitch"
printf '%s\n' "priority=1,actions=drop" "table=4,priority=100,icmp,icmp_type=8,icmp_code=0,actions=output:1,output:2" \
	"table=4,priority=0,actions=controller:128" >"$T/flows.txt"
check "add-flows FILE" both add-flows "$T/flows.txt"
same_flows "add-flows: the same flows"
check "mod-flows (non-strict)" both mod-flows "table=2,udp,actions=output:3"
same_flows "mod-flows: the same flows"
check "mod-flows --strict" both mod-flows --strict "priority=10,ip,nw_dst=10.0.0.2,actions=output:3"
check "mod-flows --strict that selects nothing" both mod-flows --strict "priority=11,ip,nw_dst=10.0.0.2,actions=output:1"
same_flows "mod-flows --strict: the same flows"
check "del-flows --strict" both del-flows --strict "table=1,priority=8,ipv6,ipv6_src=2001:db8::/32,icmp6,icmpv6_type=135,nd_target=2001:db8::1"
check "del-flows (cookie mask)" both del-flows "cookie=0x5/-1"
same_flows "del-flows: the same flows"
check "del-flows by table" both del-flows "table=2"
same_flows "del-flows table=2: the same flows"

agg() { of dump-aggregate "$1" "$2" | sed 's/(xid=0x[0-9a-f]*)//'; }
check_eq "dump-aggregate: as Open vSwitch" "$(agg "$OVS_MGMT" "")" "$(agg "$X" "")"
check_eq "dump-aggregate table=1: as Open vSwitch" "$(agg "$OVS_MGMT" table=1)" "$(agg "$X" table=1)"
ports() { of dump-ports-desc "$1" | grep -o '^ *[0-9]*([a-z]*)'; }
check_eq "dump-ports-desc: the same ports" "$(ports "$OVS_MGMT")" "$(ports "$X")"
check "dump-ports: every port" test "$(of dump-ports "$X" | grep -c '^  port ')" = 3
check "dump-tables: table 0 active count" grep -q "active=3," <(of dump-tables "$X" | sed -n 3p)
# The same frames into both (udp to 10.0.0.2 on port 1: output:3; an ARP
# on port 2: the drop rule), then table and port stats compared whole:
# both advertise 254 tables (Open vSwitch's 254 is internal), and ports
# without error counters print '?' (all-ones). Open vSwitch's LOCAL port
# has no counterpart here, and durations differ.
FRAME=02000000000202000000000108004500001c0001000040110000
FRAME=${FRAME}0a0000010a00000203e807d000080000
ARP=0200000000020200000000010806000108000604000102000000000a0a0000010000000000000a000002
xs inject a "$FRAME"
xs inject b "$ARP"
ovs-appctl netdev-dummy/receive a "$FRAME"
ovs-appctl netdev-dummy/receive b "$ARP"
xs dump-outputs >/dev/null
tables() { of dump-tables "$1" | sed 's/(xid=0x[0-9a-f]*)//'; }
portstats() { of dump-ports "$1" | sed 's/(xid=0x[0-9a-f]*)//; s/duration=[0-9.]*s/duration/' |
	awk '/port LOCAL/ { skip = 3 } skip { skip--; next } { sub(/: [0-9] ports$/, "") } 1'; }
same_stats() { [ "$(tables "$OVS_MGMT")" = "$(tables "$X")" ] &&
	[ "$(portstats "$OVS_MGMT")" = "$(portstats "$X")" ]; }
for _ in $(seq 50); do same_stats && break; sleep 0.1; done # Open vSwitch's stats lag
check_eq "dump-tables: as Open vSwitch (254 tables, lookups and matches)" \
	"$(tables "$OVS_MGMT")" "$(tables "$X")"
check "dump-tables: the frames were counted (table 0: lookup=2, matched=2)" \
	grep -q "active=3, lookup=2, matched=2" <(tables "$X")
check_eq "dump-ports: as Open vSwitch (LOCAL aside)" "$(portstats "$OVS_MGMT")" "$(portstats "$X")"
check "dump-ports: port 3 sent the udp frame" grep -A1 "port  3:" <(portstats "$X") |
	grep -q "tx pkts=1, bytes=42"

# One table state: flows from OpenFlow in the CLI's dump, and back.
check "xdpswitch dump-flows shows the controller's flows" \
	grep -q "table=4, .*priority=100,icmp,icmp_type=8,icmp_code=0 actions=output:1,output:2" <(xs dump-flows)
xs add-flow "table=5,priority=3,udp,tp_dst=7,actions=mod_vlan_vid:7,output:2"
check "ovs-ofctl dump-flows shows the CLI's flow" \
	grep -q "table=5, priority=3,udp,tp_dst=7 actions=set_field:4103->vlan_vid,output:2" <(flows "$X")
of del-flows "$X" table=5

# Errors: refused by the switch, with the spec's type and code, nothing changed.
before=$(flows "$X")
out=$(of add-flow "$X" "table=3,priority=1,actions=goto_table:2" 2>&1)
check "goto_table backwards: OFPBIC_BAD_TABLE_ID" grep -q "OFPBIC_BAD_TABLE_ID" <<<"$out"
out=$(of add-flow "$X" "priority=1,actions=group:1" 2>&1)
check "group action: OFPBAC_BAD_OUT_GROUP" grep -q "OFPBAC_BAD_OUT_GROUP" <<<"$out"
out=$(of add-flow "$X" "priority=1,actions=meter:1,output:1" 2>&1)
check "meter: OFPBIC_UNSUP_INST" grep -q "OFPBIC_UNSUP_INST" <<<"$out"
check_eq "refused flow_mods changed nothing" "$before" "$(flows "$X")"

# packet-out: the actions run on the packet; in_port CONTROLLER floods everywhere.
check "packet-out output:2" of packet-out "$X" "in_port=controller packet=$FRAME actions=output:2"
check_eq "the frame left port 2 byte for byte" "port 2: $FRAME" "$(xs dump-outputs)"
check "packet-out from port 1 with set_field and flood" of packet-out "$X" \
	"in_port=1 packet=$FRAME actions=set_field:10.9.9.9->ip_dst,flood"
out=$(xs dump-outputs)
check_eq "flood left ports 2 and 3, not 1" "2 3" "$(cut -d: -f1 <<<"$out" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')"
check "set_field rewrote the destination (with the IPv4 checksum)" grep -q "0a090909" <<<"$out"
check "packet-out output:TABLE runs the pipeline" of packet-out "$X" \
	"in_port=1 packet=$FRAME actions=output:table"
check_eq "table 0 sent it to port 3 (priority=10,ip,nw_dst=10.0.0.2)" "port 3: $FRAME" "$(xs dump-outputs)"
check "the rule it matched counted it (after the injected frame)" \
	grep -q "n_packets=2, n_bytes=84, priority=10,ip,nw_dst=10.0.0.2 " <(of dump-flows "$X")

# monitor: packet-ins from a controller action, with reason, table, cookie
# and userdata, printed by ovs-ofctl exactly as for Open vSwitch's: both
# send NXT_PACKET_IN2, which ovs-ofctl monitor asks for
# (NXT_SET_PACKET_IN_FORMAT), the only packet-in carrying userdata.
both del-flows ""
both add-flow "cookie=0x77,table=0,priority=5,udp,actions=goto_table:2"
both add-flow "cookie=0x99,table=2,priority=5,udp,actions=controller(max_len=64,userdata=01.02.03.04.05)"
both add-flow "table=0,priority=1,arp,actions=goto_table:2"
both add-flow "table=2,priority=0,actions=controller"
both add-flow "table=3,priority=0,actions=controller(reason=no_match,id=7)"
both add-flow "table=0,priority=6,udp,tp_dst=9,actions=goto_table:3"
same_flows "controller(userdata=...) and controller(reason,id) (Nicira actions): the same flows"
timeout 20 ovs-ofctl -O OpenFlow13 monitor "$X" 65535 >"$T/mon" 2>&1 &
mon_pid=$!
timeout 20 ovs-ofctl -O OpenFlow13 monitor "$OVS_MGMT" 65535 >"$T/ovsmon" 2>&1 &
ovsmon_pid=$!
sleep 1
ARP=0200000000020200000000010806000108000604000102000000000a0a0000010000000000000a000002
# first a frame for controller(id=7): no connection has that id, on either
FRAME9=${FRAME/03e807d0/03e80009}
xs inject a "$FRAME9"
ovs-appctl netdev-dummy/receive a "$FRAME9"
xs inject a "$FRAME"
xs inject b "$ARP"
ovs-appctl netdev-dummy/receive a "$FRAME"
ovs-appctl netdev-dummy/receive b "$ARP"
pins_of() { grep -c "PACKET_IN" "$1"; }
for _ in $(seq 50); do [ "$(pins_of "$T/mon")" -ge 2 ] && [ "$(pins_of "$T/ovsmon")" -ge 2 ] && break; sleep 0.1; done
kill "$mon_pid" "$ovsmon_pid" 2>/dev/null; mon_pid=
# the xids differ
norm() { sed 's/^[A-Z_0-9]* (OF1.3) (xid=0x[0-9a-f]*): //' "$1"; }
check "monitor: ours are NXT_PACKET_IN2 too" grep -q "^NXT_PACKET_IN2 (OF1.3)" "$T/mon"
check "monitor: with the controller action's userdata" grep -q "userdata=01.02.03.04.05" "$T/mon"

check "monitor: packet-in for the udp frame, reason action, table 2, cookie 0x99" \
	grep -q "^table_id=2 cookie=0x99 total_len=42 in_port=1 (via action) data_len=42" <(norm "$T/mon")
check "monitor: the ARP frame went up from the table-miss flow (reason no_match)" \
	grep -q "in_port=2 (via no_match)" "$T/mon"
check_eq "monitor: the packet-ins print as Open vSwitch's" "$(norm "$T/ovsmon")" "$(norm "$T/mon")"
check "show counts the packet-ins (none for controller id 7)" grep -q "2 packet-ins" <(xs show)
check "the controller(id=7) flow saw its frame" \
	grep -q "n_packets=1, .*priority=0 actions=controller(reason=no_match,id=7)" <(of dump-flows "$X")

# A connection whose framing is lost is closed; the others keep working.
python3 - "$PORT" <<'PY' >"$T/bad" 2>&1
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(struct.pack("!BBHI", 4, 0, 8, 1))          # hello
s.sendall(struct.pack("!BBHI", 1, 5, 8, 2))          # OF1.0 features request
s.sendall(struct.pack("!BBHI", 4, 5, 4, 3))          # length 4: framing lost
s.settimeout(3)
data = b""
while True:
    try:
        d = s.recv(4096)
    except socket.timeout:
        print("timeout"); break
    if not d:
        break
    data += d
msgs = []
while len(data) >= 8:
    v, t, l, x = struct.unpack("!BBHI", data[:8])
    body = data[8:l]
    if t == 1:
        msgs.append("error xid=%d type=%d code=%d" % ((x,) + struct.unpack("!HH", body[:4])))
    else:
        msgs.append("type=%d" % t)
    data = data[l:]
print("\n".join(msgs)); print("closed")
PY
check "a wrong version gets OFPBRC_BAD_VERSION" grep -q "error xid=2 type=1 code=0" "$T/bad"
check "a length below 8 gets OFPBRC_BAD_LEN and the connection is closed" \
	grep -q "error xid=3 type=1 code=6" "$T/bad"
check "closed" grep -qx closed "$T/bad"
of show "$X" >/dev/null
check_eq "the switch still serves others" 0 "$?"
check "agent still running" kill -0 "$agent_pid"
tap_done
