#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --fail-mode standalone against plain hosts in namespaces (the XDP
# datapath): with its controller unreachable the switch fails open after
# --fail-open-after (its flows deleted, a hidden NORMAL rule above table
# 0), so the hosts ping; a controller that connects gets bogus packet-ins
# until it admits the switch with a flow_mod; from then (its barrier
# reply) traffic follows its table again: the NORMAL megaflows are gone
# and table misses come to it as packet-ins. --fail-mode secure with the
# same unreachable controller never forwards without flows, and its flows
# stay. Open vSwitch (userspace, dummy ports) fails open the same way:
# its hidden flow, priority 15790320 (0xf0f0f0) actions=NORMAL, is in
# bridge/dump-flows, not in dump-flows.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/ovs_env.sh

switch_env fo
CP=$((20000 + ($$ + 11) % 20000))
wait_for() { for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done; return 1; }
failing_open() { "$XS" show --bridge "$BR" | grep -q "FAILING OPEN"; }
logged() { grep -q "$1" "$LOG"; }
fails() { ! "$@"; }
trap 'ovs_stop; switch_env_cleanup' EXIT

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
# Open vSwitch in standalone mode with an unreachable controller (port 9,
# not ours: the controller below must only see our switch), started
# now: it fails open after three probe intervals (5 s at least: 15 s),
# checked at the end.
ovs_ok=
if command -v ovs-vswitchd >/dev/null && ovs_start "$T/ovs" br0 p1 p2; then
	OV="ovs-vsctl --db=unix:$T/ovs/db.sock"
	$OV set bridge br0 fail_mode=standalone -- set-controller br0 tcp:127.0.0.1:9 &&
		$OV -- set controller br0 inactivity_probe=5000 && ovs_ok=1
fi

# Nothing listens on $CP yet: the controller is unreachable.
"$XS" agent --bridge "$BR" --controller "tcp:127.0.0.1:$CP" --fail-mode standalone \
	--fail-open-after 4 "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" </dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
"$XS" add-flow --bridge "$BR" "priority=5,ip,actions=drop"
check "before failing open: no forwarding (the table drops)" fails pings 1 -c1 -W1 10.0.0.2
check "show: standalone, fails open after 4 s" \
	grep -q "fail mode standalone (fails open after 4 s" <("$XS" show --bridge "$BR")
check "no controller for 4 s: the switch fails open" wait_for logged "failing open"
check "show says so, with the hidden flow" \
	grep -q "FAILING OPEN for .*priority=0xf0f0f0, actions=NORMAL" <("$XS" show --bridge "$BR")
check_eq "the flows were deleted (as Open vSwitch flushes)" "" \
	"$("$XS" dump-flows --bridge "$BR" | grep -v '^#')"
check "h1 -> h2 pings (learning switch)" pings 1 -c3 -i0.2 -W2 10.0.0.2
check "h3 -> h1 pings" pings 3 -c3 -i0.2 -W2 10.0.0.1
check "the fast path has NORMAL's megaflows (by MAC)" \
	grep -q "eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)" \
	<("$XS" dump-megaflows --bridge "$BR")
out=$("$XS" trace --bridge "$BR" 'in_port=1,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02' 2>&1)
check "trace: table 0 hits the hidden rule, NORMAL outputs to port 2" \
	grep -q " 0\. priority 15790320 (hidden: fail-open)" <<<"$out"
check "trace: NORMAL, the MAC learned on port 2: output there" grep -q "^Datapath actions: 2$" <<<"$out" ||
	sed 's/^/#   /' <<<"$out"
check "show --json: fail_open true" \
	grep -q '"fail_mode": "standalone", "fail_open": true' <("$XS" show --bridge "$BR" --json)

# A controller comes up: the agent dials it again (backoff <= 8 s). It
# answers HELLO and FEATURES only (not admitting: still fail-open, bogus
# packet-ins come), then adds a table-miss flow and a barrier: from the
# barrier reply, h1 -> h2 must reach the controller as a no_match
# packet-in and no longer h2.
PYTHONPATH=tests/e2e/data timeout 60 python3 - "$CP" "$XS" "$BR" "$P" <<'PY' >"$T/ctl.out" 2>&1
import socket, struct, subprocess, sys, time
from of13_client import *
port, XS, BR, P = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
n = 0
def check(name, cond, why=""):
    global n
    n += 1
    print(("ok - %s" % name) if cond else ("not ok - %s %s" % (name, why)))
def show():
    return subprocess.run([XS, "show", "--bridge", BR], capture_output=True, text=True).stdout
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(1); ls.settimeout(30)
s, _ = ls.accept()
c = Conn.__new__(Conn); c.s = s; c.buf = b""
c.send(msg(0, struct.pack("!HHI", 1, 8, 1 << 4)))
check("the switch dials the controller and says HELLO", c.recv_type(0) is not None)
m = c.request(msg(5, b"", 2), 6, 2)
check("features reply", m is not None and m[0] == 6)
pin = c.recv_type(10, timeout=6)
ok = pin is not None
if ok:
    b = pin[2]
    buf, tot, reason, table, cookie = struct.unpack("!IHBBQ", b[:16])
    mlen = struct.unpack("!H", b[18:20])[0]
    in_port = struct.unpack("!I", b[24:28])[0]
    data = b[16 + ((mlen + 7) // 8 * 8) + 2:]
    ok = (reason, cookie, in_port) == (0, 2**64 - 1, 0xfffffffe) and \
        data[12:14] == b"\x80\x35" and data[6:9] == b"\x00\x23\x20" and len(data) == 42
check("not admitted yet: a bogus packet-in (RARP from 00:23:20:.., LOCAL, cookie all-ones)",
      ok, pin)
check("hello/features do not admit: still failing open", "FAILING OPEN" in show())
c.send(flow_mod(match(), apply_actions(output(0xfffffffd)), priority=0, xid=5))
m = c.barrier(6)
check("table-miss flow_mod + barrier reply", m is not None and m[0] == 21, m)
r = subprocess.run(["ip", "netns", "exec", P + "-h1", "ping", "-c1", "-W1", "10.0.0.2"],
                   capture_output=True)
check("right after the barrier reply: h1 -> h2 is not forwarded (NORMAL megaflows gone)",
      r.returncode != 0)
got = None
end = time.time() + 5
while time.time() < end:
    m = c.recv_type(10, timeout=max(0.1, end - time.time()))
    if m is None:
        break
    b = m[2]
    reason, table, cookie = struct.unpack("!BBQ", b[6:16])
    in_port = struct.unpack("!I", b[24:28])[0]
    if cookie != 2**64 - 1:
        got = (reason, table, cookie, in_port)
        break
check("the packet reached the controller: packet-in no_match, table 0, in_port 1",
      got == (0, 0, 0, 1), got)
sh = show()
check("show: no longer failing open", "FAILING OPEN" not in sh and "fail mode standalone" in sh)
print("1..%d" % n)
PY
rc=$?
while read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done <"$T/ctl.out"
[ "$rc" = 0 ] || { not_ok "the controller script ran (status $rc)"; sed 's/^/#   /' "$T/ctl.out" | tail -5; }
check "the agent logged the recovery" logged "no longer failing open"
check "the controller's flow is in dump-flows" \
	grep -q "priority=0 actions=CONTROLLER:65535" <("$XS" dump-flows --bridge "$BR")
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=
"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1

# Secure: the same unreachable controller, the table left as it is.
"$XS" agent --bridge "$BR" --controller "tcp:127.0.0.1:$CP" --fail-mode secure \
	--fail-open-after 1 "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" </dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
"$XS" add-flow --bridge "$BR" "priority=5,arp,actions=drop"
sleep 3
check "secure: no fail-open after 3 s without a controller" fails logged "failing open"
check "secure: h1 -> h2 is not forwarded without flows" fails pings 1 -c2 -i0.2 -W1 10.0.0.2
check "secure: the flows stay" grep -q "priority=5,arp actions=drop" <("$XS" dump-flows --bridge "$BR")
check "secure: show says secure" grep -q "fail mode secure$" <("$XS" show --bridge "$BR")

# Open vSwitch's hidden flow.
if [ -n "$ovs_ok" ]; then
	hidden() { ovs-appctl -t "$T/ovs/ovs-vswitchd.$(cat "$T/ovs/ovs-vswitchd.pid").ctl" \
		bridge/dump-flows br0 2>/dev/null | grep -q "priority=15790320.*actions=NORMAL"; }
	check "Open vSwitch fails open too: hidden flow priority=15790320 actions=NORMAL" \
		wait_for hidden
	otrace=$(ovs-appctl -t "$T/ovs/ovs-vswitchd.$(cat "$T/ovs/ovs-vswitchd.pid").ctl" \
		ofproto/trace br0 in_port=1,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02 2>&1)
	check "its ofproto/trace hits it in table 0, as our trace does" \
		grep -q "^ 0\. priority 15790320$" <<<"$otrace"
	for _ in 1 2 3; do # its management socket may reset while it reconfigures
		dump=$(ovs-ofctl -O OpenFlow13 dump-flows "$OVS_MGMT" 2>&1) && break
		sleep 0.5
	done
	check "and Open vSwitch's dump-flows does not list it (an empty table)" \
		grep -qx "OFPST_FLOW reply (OF1.3) (xid=0x2):" <<<"$dump"
	[ "$(wc -l <<<"$dump")" = 1 ] || sed 's/^/#   /' <<<"$dump"
else
	not_ok "a private Open vSwitch starts (openvswitch-switch: scripts/install-deps.sh)"
fi
tap_done
