#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Which stage runs a megaflow: with GRO on the hosts' interfaces an XDP
# redirect into their veths delivers, so single-output megaflows run in
# XDP, and so do floods (one devmap broadcast); when a host turns GRO off,
# the agent sees the port's tx change, drops the megaflows, and the next
# packets run in the TC stage, still delivered. Also a byte-exact TCP transfer via XDP.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }
command -v python3 >/dev/null || skip_all "needs python3"

P=xx$$ BR=xx$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
LOG=$XS_RUN_DIR/agent.log
agent_pid=
srv_pid=

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$XS" agent --help 2>/dev/null | grep -q -- --cleanup &&
		"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	scripts/topo.sh destroy "$P" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }
pings() { local k=$1; shift; h "$k" ping -q "$@" >/dev/null 2>&1; }
# stage IN_PORT DST: the stage of the IPv4 megaflow from IN_PORT to DST
stage() {
	"$XS" dump-megaflows --bridge "$BR" --json | python3 -c '
import json, sys
for f in json.load(sys.stdin):
    if f["key"].startswith("in_port(%s)," % sys.argv[1]) and "dst=%s" % sys.argv[2] in f["key"]:
        print(f["stage"])' "$1" "$2"
}

scripts/topo.sh create "$P" 3 --gro || { echo "not ok 1 - topology"; exit 1; }
cat >"$XS_RUN_DIR/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
priority=100,ip,nw_dst=10.0.0.3 actions=output:3
FLOWS
"$XS" agent --bridge "$BR" --flows "$XS_RUN_DIR/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
check_eq "every port: tx xdp" 3 "$("$XS" show --bridge "$BR" | grep -c ' tx xdp (')"

check "first ping h1 -> h2 answered" pings 1 -c1 -W2 10.0.0.2
check "3 more" pings 1 -c3 -i0.2 -W2 10.0.0.2
check_eq "h1 -> h2 megaflow runs in XDP" xdp "$(stage 1 10.0.0.2)"
check_eq "h2 -> h1 megaflow runs in XDP" xdp "$(stage 2 10.0.0.1)"
check "the ARP flood runs in XDP (one devmap broadcast)" python3 -c '
import json, sys
fl = [f for f in json.load(sys.stdin) if "eth_type(0x0806)" in f["key"]]
assert fl and all(f["stage"] == "xdp" for f in fl)' <<<"$("$XS" dump-megaflows --bridge "$BR" --json)"

# TCP through XDP redirects
N=$((8 * 1024 * 1024))
h 2 timeout 30 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.2", 5001)); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
open(sys.argv[1], "w").write("%d\n" % n)' "$XS_RUN_DIR/tcp.out" &
srv_pid=$!
for _ in $(seq 50); do [ -e "$XS_RUN_DIR/tcp.out.ready" ] && break; sleep 0.05; done
t0=$(date +%s%N)
h 1 timeout 30 python3 -c '
import socket, sys
n = int(sys.argv[1]); s = socket.create_connection(("10.0.0.2", 5001), timeout=20)
buf = b"\x5a" * 65536
while n > 0:
    k = min(n, len(buf)); s.sendall(buf[:k]); n -= k
s.close()' "$N"
wait "$srv_pid"; srv_pid=
echo "# TCP via XDP: $N bytes in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check_eq "TCP via XDP: receiver got exactly $N bytes" "$N" "$(cat "$XS_RUN_DIR/tcp.out" 2>/dev/null)"

# h2 turns GRO off: redirects into its veth would be lost
h 2 ethtool -K eth0 gro off >/dev/null
for _ in $(seq 40); do
	"$XS" show --bridge "$BR" | grep -q "($P-p2):.* tx tc (" && break
	sleep 0.1
done
check "the agent sees port 2's tx change" grep -q "$P-p2: now ifindex [0-9]*, .*, tx tc" "$LOG"
# removed (flush) or moved to TC (revalidated): no longer XDP either way
check "the megaflow into port 2 no longer runs in XDP" test "$(stage 1 10.0.0.2)" != xdp
check "h1 -> h2 still answered" pings 1 -c2 -i0.2 -W2 10.0.0.2
check_eq "h1 -> h2 megaflow now runs in the TC stage" tc "$(stage 1 10.0.0.2)"
check_eq "h2 -> h1 still runs in XDP" xdp "$(stage 2 10.0.0.1)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
