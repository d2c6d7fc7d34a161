#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An os-ken learning switch (tests/e2e/data/learning_switch_13.py: os-ken's
# sample simple_switch_13, which Debian does not ship) drives the switch
# over OpenFlow 1.3 (--controller tcp:...): plain hosts in namespaces ping
# each other, the first ping included; the app's flows are in dump-flows
# and the fast path carries the traffic once they are; the controller is
# killed (forwarding goes on) and restarted (it reconnects and learns
# again).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xk
command -v osken-manager >/dev/null || skip_all "osken-manager is needed (python3-os-ken)"
CP=$((20000 + ($$ + 7) % 20000))
osken_pid=
start_osken() {
	osken-manager --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port "$CP" \
		tests/e2e/data/learning_switch_13.py >>"$T/osken.log" 2>&1 &
	osken_pid=$!
	bg_pids+=($osken_pid)
}
connected() { [ "$(grep -c "openflow tcp:127.0.0.1:$CP: connected" "$LOG")" -ge "$1" ]; }
has_flow() { "$XS" dump-flows --bridge "$BR" | grep -q "$1"; }
# generous: osken-manager alone takes seconds to start on a loaded machine
wait_for() { for _ in $(seq 400); do "$@" && return 0; sleep 0.1; done; return 1; }
pins() { "$XS" show --bridge "$BR" | sed -n 's/.*, \([0-9]*\) packet-ins.*/\1/p'; }

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
start_osken
"$XS" agent --bridge "$BR" --controller "tcp:127.0.0.1:$CP" --listen "punix:$T/of.sock" \
	"$P-p1" "$P-p2" "$P-p3" \
	2>"$LOG" </dev/null &
agent_pid=$!
if wait_for connected 1; then
	ok "the agent connects to os-ken (backoff while it starts)"
else
	not_ok "the agent connects to os-ken (backoff while it starts)"
	sed 's/^/#   os-ken: /' "$T/osken.log" | tail -5
	sed 's/^/#   agent: /' "$LOG" | tail -5
fi
check "simple_switch_13 installed its table-miss flow" \
	wait_for has_flow "priority=0 actions=CONTROLLER:65535"

out=$(h 1 ping -c1 -W3 10.0.0.2 2>&1); rc=$?
check_eq "first ping h1 -> h2 answered" 0 "$rc"
echo "# first ping through the controller: $(grep -o 'time=[0-9.]* ms' <<<"$out")"
check "ping h3 -> h1 (3 of 3)" pings 3 -c3 -i0.2 -W3 10.0.0.1
flows=$("$XS" dump-flows --bridge "$BR")
check "the app's learned flows are in dump-flows" \
	grep -q "priority=1,in_port=2,dl_src=02:00:00:00:00:02,dl_dst=02:00:00:00:00:01 actions=output:1" <<<"$flows"
n0=$(pins)
check "10 more pings h1 -> h2" pings 1 -c10 -i0.05 -W2 10.0.0.2
n1=$(pins)
check "the fast path carried them: no packet-in for them ($n0 -> $n1)" test "$n1" -le $((n0 + 2))
check "megaflows output to ports, not to the controller" \
	grep -q "eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02).*actions:2$\|actions:2$" \
	<("$XS" dump-megaflows --bridge "$BR")
check "the learned flow counted the packets" \
	grep -q "n_packets=1[0-9], .*in_port=1,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02" \
	<("$XS" dump-flows --bridge "$BR")

kill "$osken_pid"; wait "$osken_pid" 2>/dev/null
check "controller killed: the agent notices" wait_for grep -q "openflow tcp:127.0.0.1:$CP: disconnected" "$LOG"
check "forwarding goes on while it is away (h1 -> h2)" pings 1 -c3 -i0.2 -W2 10.0.0.2
check "the app's flows stay" grep -q "priority=1,in_port=1" <("$XS" dump-flows --bridge "$BR")
start_osken
check "the agent reconnects to the restarted controller" wait_for connected 2
check "h2 -> h3 (never seen: learned by the new app)" pings 2 -c3 -i0.2 -W3 10.0.0.3
check "new learned flow for h2 -> h3" \
	grep -q "in_port=2,dl_src=02:00:00:00:00:02,dl_dst=02:00:00:00:00:03 actions=output:3" \
	<("$XS" dump-flows --bridge "$BR")
# Link changes: PORT_STATUS MODIFY with the link state, to a second
# connection (a raw client on --listen).
PYTHONPATH=tests/e2e/data timeout 20 python3 - "$T/of.sock" "$P-p3" <<'PY' >"$T/ps" 2>&1
import socket, struct, subprocess, sys
from of13_client import Conn, msg
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
c = Conn.__new__(Conn); c.s = s; c.buf = b""
c.send(msg(0, struct.pack("!HHI", 1, 8, 1 << 4), 0)); c.recv()
def status():
    m = c.recv_type(12, 5)
    if m is None:
        return "none"
    reason, = struct.unpack("!B", m[2][:1])
    port, = struct.unpack("!I", m[2][8:12])
    state, = struct.unpack("!I", m[2][8 + 36:8 + 40])
    return "reason=%d port=%d state=%d" % (reason, port, state)
subprocess.run(["ip", "link", "set", sys.argv[2], "down"])
print("down:", status())
subprocess.run(["ip", "link", "set", sys.argv[2], "up"])
print("up:", status())
PY
check "link down: PORT_STATUS MODIFY, port 3, LINK_DOWN" grep -q "^down: reason=2 port=3 state=1$" "$T/ps"
check "link up again: PORT_STATUS MODIFY, port 3, up" grep -q "^up: reason=2 port=3 state=0$" "$T/ps"
check "agent still running" kill -0 "$agent_pid"
tap_done
