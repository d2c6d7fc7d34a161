#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The userspace datapath end to end, as an unprivileged user: `xdpswitch
# agent --datapath dummy` with ports that are only names, flows added,
# frames injected, the frames sent read back byte for byte, errors named.
# Needs neither root nor BPF (root only to become nobody here).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
T=$(mktemp -d /tmp/xs-dummy-XXXXXX)
chmod 755 "$T"
export XS_RUN_DIR=$T/run
mkdir -m 777 "$XS_RUN_DIR"
BR=dd$$
agent_pid=
# as: run as nobody when we are root (what CI is), else as ourselves; the
# command is exec'ed, so a background one's $! is the command itself
AS=()
[ "$(id -u)" = 0 ] && AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups
			   --inh-caps=-all --bounding-set=-all)
as() { "${AS[@]}" "$@"; }
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"; rm -rf "$T"; }
trap cleanup EXIT
xs() { as "$XS" "$1" --bridge "$BR" "${@:2}"; }

"${AS[@]}" "$XS" agent --bridge "$BR" --datapath dummy a b c=7 2>"$T/log" </dev/null >/dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running without privileges" test -S "$XS_RUN_DIR/$BR.sock"
check_eq "socket owned by nobody" nobody "$(stat -c %U "$XS_RUN_DIR/$BR.sock")"
show=$(xs show)
check_eq "show: header" "bridge $BR: datapath dummy, 3 ports" "$(head -1 <<<"$show")"
check "show: port 7 is c" grep -q "^ 7(c): userspace" <<<"$show"

# UDP 10.0.0.1:1000 -> 10.0.0.2:2000, "hello", and the same with TTL 9
frame() { python3 -c '
import struct, sys
ttl = int(sys.argv[1])
def cs(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
udp = struct.pack("!HHHH", 1000, 2000, 13, 0) + b"hello"
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 33, 1, 0, ttl, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
ip = ip[:10] + struct.pack("!H", cs(ip)) + ip[12:]
print((eth + ip + udp).hex())' "$1"; }
IN=$(frame 64) OUT=$(frame 9)

xs add-flow 'priority=10,udp,nw_dst=10.0.0.2 actions=mod_nw_ttl:9,output:2'
xs add-flow 'priority=5,actions=flood'
check "inject a frame on port a" xs inject a "$IN"
check "and again on port 1 (by number)" xs inject 1 "$IN"
check_eq "both went out of port 2, TTL 9, IPv4 checksum fixed" \
	"port 2: $OUT
port 2: $OUT" "$(xs dump-outputs)"
check_eq "dump-outputs emptied the log" "" "$(xs dump-outputs)"
check "one megaflow, two packets" grep -q "packets:2, bytes:94, .*actions:set(ipv4(ttl=9)),2" \
	<<<"$(xs dump-megaflows)"
check "the rule counted both" grep -q "n_packets=2, n_bytes=94, .*udp,nw_dst=10.0.0.2" \
	<<<"$(xs dump-flows)"

# an ARP request: who has 10.0.0.2, tell 10.0.0.1
ARP=ffffffffffff020000000001080600010800060400010200000000010a0000010000000000000a000002
xs inject b "$ARP"
# dump-outputs names datapath ports: c is OpenFlow port 7, datapath port 3
check_eq "a flood from port b reaches a and c, not b" "port 1: $ARP
port 3: $ARP" "$(xs dump-outputs)"
check "dump-outputs --json" python3 -c '
import json, sys
assert json.loads(sys.argv[1]) == []' "$(xs dump-outputs --json)"

err=$(xs inject zz "$IN" 2>&1); rc=$?
check "unknown port: exit 1, named" test "$rc" = 1 -a "$err" = "inject: no port 'zz' on bridge $BR"
err=$(xs inject a 0g 2>&1); rc=$?
check "bad hex: exit 1, column named" test "$rc" = 1 -a \
	"$err" = "inject: 'g' at column 2 of the frame is not a hex digit"
err=$(xs inject a 2>&1); rc=$?
check "missing frame: usage, exit 2" test "$rc" = 2
check_eq "nothing went out after the errors" "" "$(xs dump-outputs)"

kill "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check "agent stops cleanly" test "$rc" = 0
check "nothing left in the run directory but the lock" test -z "$(ls "$XS_RUN_DIR" | grep -v '\.lock$')"
tap_done
