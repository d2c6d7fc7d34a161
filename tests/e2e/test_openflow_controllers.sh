#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several --controller targets: the agent dials each, with backoff while
# one is not listening yet, keeps the others when one goes away, and dials
# a lost one again; both get packet-ins (equal roles).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
T=$(mktemp -d /tmp/xs-ofc-XXXXXX)
export XS_RUN_DIR=$T/run
mkdir "$XS_RUN_DIR"
BR=oc$$
# two free ports (the kernel's choice; other tests run beside this one)
read -r P1 P2 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
agent_pid= c1= c2=
cleanup() {
	for p in $c1 $c2; do kill "$p" 2>/dev/null; done
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"
	rm -rf "$T"
}
trap cleanup EXIT

xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }

# A controller: accepts connections one after another, answers HELLO, asks
# for features, counts packet-ins; a connection is closed after $3 seconds.
controller() {
	PYTHONPATH=tests/e2e/data python3 - "$1" "$2" "$3" <<'PY' &
import socket, struct, sys, time
from of13_client import Conn, msg
port, out, life = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(4)
n = 0
while True:
    s, _ = ls.accept(); n += 1
    c = Conn.__new__(Conn); c.s = s; c.buf = b""
    c.send(msg(0, struct.pack("!HHI", 1, 8, 1 << 4), 0)); c.recv()
    m = c.request(msg(5, b"", 2), 6, 2)
    dpid = struct.unpack("!Q", m[2][:8])[0]
    end = time.time() + life
    pins = 0
    while time.time() < end:
        m = c.recv_type(10, max(0.05, end - time.time()))
        if m:
            pins += 1
            with open(out, "a") as f:
                f.write("conn %d pin %d\n" % (n, pins))
    with open(out, "a") as f:
        f.write("conn %d dpid %x closed\n" % (n, dpid))
    s.close()
PY
}

controller "$P1" "$T/c1" 1000; c1=$!
"$XS" agent --bridge "$BR" --datapath dummy --controller "tcp:127.0.0.1:$P1" \
	--controller "tcp:127.0.0.1:$P2" --datapath-id 1234 a b 2>"$T/log" </dev/null >/dev/null &
agent_pid=$!
wait_for() { for _ in $(seq 200); do "$@" && return 0; sleep 0.1; done; return 1; }
connected() { [ "$(grep -c "tcp:127.0.0.1:$1: connected" "$T/log")" -ge "$2" ]; }
check "the first controller is connected" wait_for connected "$P1" 1
sleep 2
controller "$P2" "$T/c2" 2; c2=$!
if wait_for connected "$P2" 1; then
	ok "the second, listening 2 s late, is connected within the backoff"
else
	not_ok "the second, listening 2 s late, is connected within the backoff"
	grep -v "port [0-9]" "$T/log" | sed 's/^/#   agent: /' | tail -8
fi
xs add-flow "actions=controller"
xs inject a "020000000002020000000001080045000014000100004011000000000000000000000000"
check "both got the packet-in" wait_for grep -q "pin 1" "$T/c2"
check "the first too" grep -q "conn 1 pin 1" "$T/c1"
check "the second closes after 2 s: the agent notices" wait_for grep -q "tcp:127.0.0.1:$P2: disconnected" "$T/log"
check "and dials it again (backoff 1 s)" wait_for connected "$P2" 2
check "the first stayed connected" test "$(grep -c "tcp:127.0.0.1:$P1: disconnected" "$T/log")" = 0
check "features carried --datapath-id" grep -q "dpid 1234 closed" "$T/c2"
check "agent still running" kill -0 "$agent_pid"
tap_done
