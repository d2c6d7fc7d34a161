#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `xdpswitch trace --flows FILE PACKET`, offline: golden output (text and
# JSON) for a small three-table router and for floods on 18 and 64 ports,
# and the error exits (bad flow file with FILE:LINE:COL, bad packet,
# usage). Needs no root.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
D=tests/e2e/data
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }
TMP=$(mktemp -d /tmp/xs-trace-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# golden NAME ARGS...: stdout must equal $D/trace_NAME.out, exit 0.
golden() {
	local name=$1; shift
	"$XS" trace "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" = 0 ] && diff -u "$D/trace_$name.out" "$TMP/out" >"$TMP/diff"; then
		ok "trace $name"
	else
		not_ok "trace $name (exit $rc)"
		sed 's/^/#   /' "$TMP/diff" "$TMP/err" | head -40
	fi
}

R="--flows $D/trace_router.flows --ports 1,2,3"
golden route_tcp80 $R 'in_port=1,tcp,nw_src=192.168.1.5,nw_dst=10.0.2.7,tp_dst=80,nw_ttl=64'
golden route_ssh_drop $R 'in_port=1,tcp,nw_dst=10.0.2.7,tp_dst=22,nw_ttl=64'
golden route_vlan_prefix $R 'in_port=1,udp,nw_dst=10.0.9.9,nw_ttl=1'
golden route_controller $R 'in_port=1,icmp,nw_dst=10.9.0.1'
golden arp_flood $R 'in_port=2,arp,arp_tpa=10.0.2.1'
golden default_drop $R 'in_port=2,ip,nw_dst=10.0.2.7'
golden route_json --json $R 'in_port=1,tcp,nw_dst=10.0.2.7,tp_dst=80,nw_ttl=64'
# A flood on 18 ports (more than 16 datapath actions would hold) and on 64
# ports given out of order: every other port, in port order.
golden flood18 --flows "$D/trace_flood.flows" --ports "$(seq -s, 1 18)" 'in_port=1,udp'
golden flood64 --flows "$D/trace_flood.flows" --ports "$(seq -s, 64 -1 1)" \
	'in_port=5,tcp,nw_tos=0'

if command -v python3 >/dev/null; then
	check "--json output is one valid JSON object" \
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["datapath_actions"]' \
		<"$D/trace_route_json.out"
fi

# fails EXIT EXPECTED-STDERR-PREFIX ARGS...: exit code, message, no stdout.
fails() {
	local want_rc=$1 want_msg=$2; shift 2
	"$XS" trace "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$? msg
	msg=$(head -1 "$TMP/err")
	if [ "$rc" = "$want_rc" ] && [ "${msg#"$want_msg"}" != "$msg" ] && [ ! -s "$TMP/out" ]; then
		ok "exit $want_rc: $want_msg"
	else
		not_ok "exit $want_rc: $want_msg"
		echo "#   got exit $rc: $msg"
	fi
}

fails 1 "$D/trace_bad.flows:3:32: unknown or unsupported action 'bogus_action'" \
	--flows "$D/trace_bad.flows" 'in_port=1'
fails 1 "$TMP/none.flows" --flows "$TMP/none.flows" 'in_port=1'
fails 1 "xdpswitch trace: packet, column" --flows "$D/trace_router.flows" 'in_port=1,nw_bogus=3'
# Without --flows the packet goes to the running agent's live tables.
XS_RUN_DIR=$TMP fails 1 "xdpswitch trace-live: no agent is running for bridge xs0" 'in_port=1'
fails 2 "xdpswitch trace: exactly one PACKET argument is required" --flows "$D/trace_router.flows"
fails 2 "xdpswitch trace: exactly one PACKET argument is required" \
	--flows "$D/trace_router.flows" 'in_port=1' 'in_port=2'
fails 2 "xdpswitch trace: unknown or incomplete option '--bogus'" --bogus --flows x 'in_port=1'
fails 2 "xdpswitch trace: --ports: '1,x' is not a list" --ports 1,x --flows x 'in_port=1'
fails 2 "xdpswitch trace: --ports: '1,2,3," --ports "$(seq -s, 1 1025)" --flows x 'in_port=1'
check "--ports: the message says the limit" \
	grep -q "is not a list of at most 1024 port numbers (1..65279)$" "$TMP/err"

tap_done
