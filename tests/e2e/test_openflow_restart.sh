#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Flow stats after an agent restart give back what the controller sent
# (OXM fields in its order, its masks, output max_len, flow_mod flags),
# restored from the journal (first restart) and from the snapshot the
# restarted agent wrote (second restart); send_flow_rem still holds (a
# FLOW_REMOVED on delete); a rule whose actions the CLI changed since is
# encoded from its actions. `xdpswitch agent --datapath dummy --listen`
# killed and started again,
# a raw client (tests/e2e/data/of13_client.py).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
T=$(mktemp -d /tmp/xs-ofr-XXXXXX)
export XS_RUN_DIR=$T/run
mkdir "$XS_RUN_DIR"
BR=or$$
PORT=$((20000 + ($$ + 5) % 20000))
agent_pid=
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"; rm -rf "$T"; }
trap cleanup EXIT

start() {
	"$XS" agent --bridge "$BR" --datapath dummy --listen "ptcp:$PORT:127.0.0.1" a b \
		2>>"$T/log" </dev/null >/dev/null &
	agent_pid=$!
	for _ in $(seq 200); do
		[ -S "$XS_RUN_DIR/$BR.sock" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null &&
			return 0
		sleep 0.05
	done
	return 1
}
# The dummy datapath does not outlive a stopped agent, which then removes
# its saved state: a crash (SIGKILL) leaves it, and the next agent restores
# from it.
crash() { kill -KILL "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=; }

# client STEP: what each step does and prints (TAP lines, then stats).
client() {
	PYTHONPATH=tests/e2e/data timeout 30 python3 - "$PORT" "$1" "$XS" "$BR" <<'PY'
import struct, subprocess, sys
from of13_client import *
A = ("127.0.0.1", int(sys.argv[1]))
step, XS, BR = sys.argv[2], sys.argv[3], sys.argv[4]
c = Conn(A)
# fields out of canonical order, a masked ipv4_dst, max_len 77 and 0x40
ma = match(tlv(14, b"\x00\x16"), tlv(10, b"\x06"), tlv(5, b"\x08\x00"),
           tlv(12, bytes([10, 1, 0, 0]), bytes([255, 255, 0, 0])))
ia = apply_actions(output(2, 77), output(0xfffffffd, 0x40))
mb = match(tlv(5, b"\x08\x06"))
ib = apply_actions(output(1, 33))
ib2 = apply_actions(output(2, 44))
mc = match(tlv(5, b"\x86\xdd"), tlv(0, struct.pack("!I", 1)))
ic = apply_actions(output(2, 55))
if step == "program":
    c.send(flow_mod(ma, ia, priority=300, cookie=0xabc, flags=1, xid=2))
    c.send(flow_mod(mb, ib, table=3, priority=20, xid=3))
    c.send(flow_mod(mb, ib2, command=2, table=3, priority=20, xid=4))  # modify_strict
    c.send(flow_mod(mc, ic, priority=40, xid=5))
    print("ok - programmed" if c.barrier(6) else "not ok - programmed")
    subprocess.run([XS, "mod-flows", "--bridge", BR, "--strict",
                    "priority=40,ipv6,in_port=1,actions=output:1"], check=True)
elif step == "delete":
    c.send(flow_mod(ma, b"", command=4, priority=300, xid=9))  # delete_strict
    m = c.recv_type(11)
    ok = m is not None and struct.unpack("!QHBB", m[2][:12])[:3] == (0xabc, 300, 2)
    print("ok - send_flow_rem survived the restarts: FLOW_REMOVED (delete) for cookie 0xabc"
          if ok else "not ok - FLOW_REMOVED after the restarts %r" % (m,))
    sys.exit(0)
req = struct.pack("!B3xII4xQQ", 255, 0xffffffff, 0xffffffff, 0, 0) + match()
body = c.multipart(1, req, 7)
out = []
while body:
    ln = struct.unpack("!H", body[:2])[0]
    e, body = body[:ln], body[ln:]
    # zero the duration (it moves), keep the rest
    e = e[:4] + b"\0" * 8 + e[12:]
    # and the counters
    e = e[:32] + b"\0" * 16 + e[48:]
    out.append(e.hex())
print("stats " + " ".join(sorted(out)))
def has(m, i):
    pad = m
    return any((pad + i).hex() in x for x in out)
print(("ok" if has(ma, ia) else "not ok") + " - %s: the add's match and instructions as sent" % step)
print(("ok" if has(mb, ib2) else "not ok") + " - %s: the modify_strict's instructions" % step)
print(("ok" if not has(mc, ic) else "not ok") +
      " - %s: the rule the CLI modified is not given back as sent" % step)
PY
}

tap_client() {
	while read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		"stats "*) echo "${line#stats }" >"$T/stats.$1" ;;
		esac
	done
}

check "the agent starts" start
tap_client 0 < <(client program)
tap_client 1 < <(client before)
check "the journal has the add's wire record" grep -q "^wire 0x1 " "$XS_RUN_DIR/$BR.journal"
crash
check "restarted (from the journal)" start
check "which it replayed" grep -q "$BR.journal: replayed" "$T/log"
tap_client 2 < <(client journal)
check "flow stats after the restart (journal) are the ones before, byte for byte" \
	cmp -s "$T/stats.1" "$T/stats.2"
crash
check "the restarted agent's snapshot holds them" grep -q "^wire 0x1 " "$XS_RUN_DIR/$BR.state"
check "restarted again (from the snapshot)" start
tap_client 3 < <(client snapshot)
check "flow stats after the restart (snapshot) are the same, byte for byte" \
	cmp -s "$T/stats.1" "$T/stats.3"
tap_client 4 < <(client delete)
crash
tap_done
