#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The conntrack commands: trace through a ct pipeline shows each
# recirculation (default ct_state trk|new, or --ct-next), dump-conntrack
# and flush-conntrack on the kernel's table (one zone, or all), and their
# usage errors.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
[ "$(id -u)" = 0 ] || skip_all "needs root (ctnetlink)"
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"
B=${XS_BUILD:-${O:-build}}
XS=$B/xdpswitch
T=$(mktemp -d /tmp/ctcli-XXXXXX)
# a zone of our own, unlikely to be anyone else's
Z=$((20000 + $$ % 20000))
trap 'conntrack -D -w $Z >/dev/null 2>&1; conntrack -D -w $((Z + 1)) >/dev/null 2>&1; rm -rf "$T"' EXIT

cat >"$T/flows" <<'FLOWS'
priority=100,ip,ct_state=-trk actions=ct(zone=7,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=7),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est-new actions=output:2
table=1,priority=10,ip actions=drop
FLOWS

out=$("$XS" trace --flows "$T/flows" 'tcp,in_port=1,nw_dst=10.0.0.2')
check "trace: first pass ends in ct and recirc" \
	grep -q "^Datapath actions: ct(zone=7),recirc(0x1)$" <<<"$out"
check "trace: the recirculation banner, default state" \
	grep -q "^recirc(0x1) - resume conntrack with ct_state=new|trk (default" <<<"$out"
check "trace: second pass commits and outputs" \
	grep -q "^Datapath actions: ct(commit,zone=7),2$" <<<"$out"
check "trace: second pass megaflow keyed by recirc_id" \
	grep -q "^Megaflow: recirc_id=0x1,ct_state=+new-est+trk,ip,in_port=1$" <<<"$out"
out=$("$XS" trace --flows "$T/flows" --ct-next trk,est 'tcp,in_port=1,nw_dst=10.0.0.2')
check "trace --ct-next trk,est: established goes out without commit" \
	bash -c 'tail -1 <<<"$1" | grep -qx "Datapath actions: 2"' _ "$out"
out=$("$XS" trace --flows "$T/flows" 'ct_state=+trk+est,tcp,in_port=1')
check "trace: a packet may give its ct_state (tracked: no ct, table 0 has no rule)" \
	bash -c 'grep -q "^Megaflow: ct_state=+trk,in_port=1$" <<<"$1"' _ "$out"
out=$("$XS" trace --flows "$T/flows" 'recirc_id=5,tcp,in_port=1')
check "trace: a recirc_id nobody froze is a failed translation, said so" \
	grep -q "^Translation failed (unknown recirc_id: no ct(table=...) of this agent froze it)" <<<"$out"
"$XS" trace --flows "$T/flows" --ct-next trk,bogus 'tcp,in_port=1' >/dev/null 2>"$T/err"
check_eq "trace --ct-next with a bad flag: usage error" 2 $?
check "  and the message names the flag and column" \
	grep -q "^xdpswitch trace: --ct-next, column 5: ct_state: unknown flag 'bogus'" "$T/err"
json=$("$XS" trace --json --flows "$T/flows" 'tcp,in_port=1')
check "trace --json nests the next pass as recirc" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["datapath_actions"] == "ct(zone=7),recirc(0x1)"
assert j["recirc"]["datapath_actions"] == "ct(commit,zone=7),2"' "$json"

# --- dump-conntrack / flush-conntrack ------------------------------------------
conntrack -I -p tcp -s 10.77.0.1 -d 10.77.0.2 --sport 1111 --dport 80 --state ESTABLISHED \
	-t 120 -w $Z --mark 42 >/dev/null 2>&1
conntrack -I -p udp -s 10.77.0.1 -d 10.77.0.3 --sport 2222 --dport 53 -t 120 -w $Z >/dev/null 2>&1
conntrack -I -p udp -s 10.77.0.1 -d 10.77.0.3 --sport 2222 --dport 53 -t 120 -w $((Z + 1)) \
	>/dev/null 2>&1
out=$("$XS" dump-conntrack zone=$Z)
echo "$out" | sed 's/^/# /'
check_eq "dump-conntrack zone=$Z: the TCP connection as dpctl prints it" \
	"tcp,orig=(src=10.77.0.1,dst=10.77.0.2,sport=1111,dport=80),reply=(src=10.77.0.2,dst=10.77.0.1,sport=80,dport=1111),zone=$Z,mark=42,protoinfo=(state=ESTABLISHED)" \
	"$(grep ^tcp <<<"$out")"
check_eq "dump-conntrack zone=$Z: two connections" 2 "$(grep -c . <<<"$out")"
check "dump-conntrack (all zones) has zone $((Z + 1)) too" \
	grep -q "zone=$((Z + 1))$" <<<"$("$XS" dump-conntrack)"
check_eq "flush-conntrack zone=$Z says how many" "2 connections flushed" \
	"$("$XS" flush-conntrack zone=$Z)"
check_eq "zone $Z is empty" "" "$("$XS" dump-conntrack zone=$Z)"
check_eq "zone $((Z + 1)) is untouched" 1 "$("$XS" dump-conntrack zone=$((Z + 1)) | grep -c .)"

"$XS" dump-conntrack zone=70000 >/dev/null 2>"$T/err"
check_eq "dump-conntrack zone=70000: usage error" 2 $?
check "  message" grep -q "zone '70000' is not a number from 0 to 65535" "$T/err"
"$XS" flush-conntrack 7 >/dev/null 2>"$T/err"
check_eq "flush-conntrack 7 (no zone=): usage error" 2 $?
check "  usage line" grep -q "usage: xdpswitch flush-conntrack \[zone=N\]" "$T/err"
tap_done
