#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OpenFlow 1.3 protocol details with a raw client (tests/e2e/data/
# of13_client.py) against `xdpswitch agent --datapath dummy --listen`:
# version negotiation, echo, config, barrier, role and generation ids,
# async filters, flow stats giving back the match and instructions as
# sent, flow-removed (timeout and delete), port status on attach and
# detach, the packet-in rate limit, and refusals with type and code.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

B=${XS_BUILD:-${O:-build}}
XS=$(realpath "$B/xdpswitch")
T=$(mktemp -d /tmp/xs-ofp-XXXXXX)
export XS_RUN_DIR=$T/run
mkdir "$XS_RUN_DIR"
BR=op$$
PORT=$((20000 + ($$ + 3) % 20000))
agent_pid=
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"; rm -rf "$T"; }
trap cleanup EXIT
xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }

"$XS" agent --bridge "$BR" --datapath dummy --listen "ptcp:$PORT:127.0.0.1" \
	--packet-in-rate 5 a b 2>"$T/log" </dev/null >/dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done

# Each case prints "ok NAME" or "not ok NAME: why"; run-all reads TAP.
PYTHONPATH=tests/e2e/data python3 - "$PORT" "$XS" "$BR" "$T/log" <<'PY' >"$T/out" 2>&1
import socket, struct, subprocess, sys, time
from of13_client import *
A = ("127.0.0.1", int(sys.argv[1]))
XS, BR = sys.argv[2], sys.argv[3]
import re
def flows():
    return re.sub(r"duration=[0-9.]*s, |idle_age=[0-9]*, ", "", xs("dump-flows"))
def xs(*args):
    return subprocess.run([XS, args[0], "--bridge", BR] + list(args[1:]), capture_output=True,
                          text=True).stdout
n = 0
def check(name, cond, why=""):
    global n
    n += 1
    print(("ok %d - %s" % (n, name)) if cond else ("not ok %d - %s %s" % (n, name, why)))

# --- negotiation --------------------------------------------------------
c = Conn(A, hello=False)
c.send(msg(0, struct.pack("!HHI", 1, 8, 1 << 1), 0, 1))   # OpenFlow 1.0 only
t, _, _ = c.recv()
check("the switch says HELLO first", t == 0)
m = c.recv()
check("a 1.0-only peer gets HELLO_FAILED/INCOMPATIBLE", error_of(m) == (0, 0), m)
check("and is closed", c.recv() is None)
c = Conn(A, hello=False)
c.recv()
c.send(msg(5, b"", 3))
m = c.recv()
check("a first message that is not HELLO: HELLO_FAILED", error_of(m) == (0, 0), m)
c = Conn(A, versions=(1, 4, 5))
check("a bitmap with 1.3 among others negotiates 1.3", True)

# --- echo, features, config ---------------------------------------------
m = c.request(msg(2, b"payload!", 7), 3, 7)
check("echo reply carries the data", m and m[0] == 3 and m[2] == b"payload!", m)
m = c.request(msg(5, b"", 8), 6, 8)
dpid, nbuf, ntab = struct.unpack("!QIB", m[2][:13])
check("features: no buffers, 254 tables (as Open vSwitch)", (nbuf, ntab) == (0, 254),
      (nbuf, ntab))
c.send(msg(9, struct.pack("!HH", 0, 200), 9))
m = c.request(msg(7, b"", 10), 8, 10)
check("set_config then get_config: miss_send_len 200", struct.unpack("!HH", m[2]) == (0, 200), m)
m = c.request(msg(9, b"\0\0", 11), 8, 11)
check("set_config of the wrong length: BAD_REQUEST/BAD_LEN", error_of(m) == (1, 6), m)
m = c.request(msg(77, b"", 12), 0, 12)
check("unknown message type: BAD_REQUEST/BAD_TYPE", error_of(m) == (1, 1), m)
m = c.request(msg(4, b"\0\0\0\0\0\0\0\0", 13), 0, 13)
check("experimenter: BAD_REQUEST/BAD_EXPERIMENTER", error_of(m) == (1, 3), m)
# Nicira's NXT_SET_PACKET_IN_FORMAT (vendor 0x2320, subtype 16)
nx = lambda sub, body=b"": struct.pack("!II", 0x2320, sub) + body
m = c.request(msg(4, nx(99), 131), 0, 131)
check("a Nicira message other than set_packet_in_format: BAD_REQUEST/BAD_EXP_TYPE",
      error_of(m) == (1, 4), m)
m = c.request(msg(4, nx(16), 132), 0, 132)
check("set_packet_in_format without its format: BAD_REQUEST/BAD_LEN", error_of(m) == (1, 6), m)
m = c.request(msg(4, nx(16, struct.pack("!I", 1)), 133), 0, 133)
check("set_packet_in_format 1 (the old NXT_PACKET_IN): BAD_REQUEST/EPERM",
      error_of(m) == (1, 5), m)
c.send(msg(4, nx(16, struct.pack("!I", 2)), 134))
c.send(msg(4, nx(16, struct.pack("!I", 0)), 135))
m = c.barrier(136)
check("set_packet_in_format 2 (NXT_PACKET_IN2), then 0 (standard): accepted",
      m is not None and m[0] == 21, m)
m = c.request(msg(18, struct.pack("!HH4x", 99, 0), 14), 19, 14)
check("multipart type 99: BAD_REQUEST/BAD_MULTIPART", error_of(m) == (1, 2), m)
check("the error carries the offending message", m and m[2][4:] == msg(18, struct.pack("!HH4x", 99, 0), 14), m)

# --- flow stats as sent ---------------------------------------------------
# fields out of canonical order (tcp_dst, ip_proto, eth_type), a masked
# ipv4_dst, output with max_len 77, controller with max_len 0x40
mt = match(tlv(14, b"\x00\x16"), tlv(10, b"\x06"), tlv(5, b"\x08\x00"),
           tlv(12, bytes([10, 1, 0, 0]), bytes([255, 255, 0, 0])))
ins = apply_actions(output(2, 77), output(0xfffffffd, 0x40))
c.send(flow_mod(mt, ins, priority=300, cookie=0xabc, flags=1, xid=20))
check("barrier after an add", c.barrier(21) is not None)
check("the flow is in the CLI's dump", "cookie=0xabc" in xs("dump-flows"), xs("dump-flows"))
fs_req = struct.pack("!B3xII4xQQ", 255, 0xffffffff, 0xffffffff, 0, 0) + match()
body = c.multipart(1, fs_req, 22)
ln, tab = struct.unpack("!HB", body[:3])
prio, idle, hard, flags = struct.unpack("!HHHH", body[12:20])
cookie = struct.unpack("!Q", body[24:32])[0]
mlen = struct.unpack("!H", body[50:52])[0]
padded = (mlen + 7) // 8 * 8
check("flow stats: the match as sent (field order, mask)", body[48:48 + padded] == mt,
      body[48:48 + padded].hex())
check("flow stats: the instructions as sent (max_len kept)", body[48 + padded:ln] == ins,
      body[48 + padded:ln].hex())
check("flow stats: priority, cookie, flags", (prio, cookie, flags) == (300, 0xabc, 1),
      (prio, cookie, flags))
agg = c.multipart(2, fs_req, 23)
check("aggregate: one flow", struct.unpack("!QQI", agg[:20])[2] == 1, agg.hex())
tabs = c.multipart(3, b"", 24)
check("table stats: 254 tables, table 0 has one flow", len(tabs) == 254 * 24 and
      struct.unpack("!I", tabs[4:8])[0] == 1, len(tabs))
tf = c.multipart(12, b"", 25)
check("table features: a reply for every table", tf is not None and not isinstance(tf, tuple)
      and len(tf) > 254 * 64, type(tf))
m = c.request(flow_mod(match(), b"", table=254, xid=26), 0, 26)
check("a flow_mod to table 254 (no such table): BAD_REQUEST/BAD_TABLE_ID", error_of(m) == (1, 9),
      m)
q = c.multipart(5, struct.pack("!II", 0xffffffff, 0xffffffff), 26)
check("queue stats: none", q == b"", q)
pd = c.multipart(13, b"", 27)
check("port desc: ports 1 and 2", len(pd) == 128 and pd[16:17] == b"a" and pd[80:81] == b"b", pd)

# --- refused flow_mods change nothing ----------------------------------------
before = flows()
bad = [("goto backwards", flow_mod(match(), struct.pack("!HHB3x", 1, 8, 0), table=3), (3, 2)),
       ("bad prerequisite", flow_mod(match(tlv(14, b"\x00\x16")), b""), (4, 9)),
       ("group action", flow_mod(match(), apply_actions(struct.pack("!HHI", 22, 8, 1))), (2, 9)),
       ("command 9", flow_mod(match(), b"", command=9), (5, 6)),
       ("add to table 255", flow_mod(match(), b"", table=255), (5, 2))]
for i, (name, data, want) in enumerate(bad):
    m = c.request(data[:4] + struct.pack("!I", 40 + i) + data[8:], 0, 40 + i)
    check("refused: %s %s" % (name, want), error_of(m) == want, error_of(m))
c.barrier(49)
check("refused flow_mods changed nothing", flows() == before, (before, flows()))
c.send(flow_mod(mt, b"", priority=300, flags=2, xid=50))     # check_overlap, same flow
m = c.recv_type(1, 1)
check("check_overlap against an overlapping flow: FLOW_MOD_FAILED/OVERLAP", error_of(m) == (5, 3), m)

# --- roles -----------------------------------------------------------------
d = Conn(A)
def role(conn, r, gen, xid):
    return conn.request(msg(24, struct.pack("!I4xQ", r, gen), xid), 25, xid)
m = role(c, 2, 10, 60)
check("c becomes master (gen 10)", m[0] == 25 and struct.unpack("!I", m[2][:4])[0] == 2, m)
m = role(d, 2, 9, 61)
check("d asks for master with gen 9: ROLE_REQUEST_FAILED/STALE", error_of(m) == (11, 0), m)
m = role(d, 2, 11, 62)
check("d becomes master with gen 11", m[0] == 25 and struct.unpack("!I", m[2][:4])[0] == 2, m)
m = role(c, 0, 0, 63)
check("c was made slave", struct.unpack("!I", m[2][:4])[0] == 3, m)
m = c.request(flow_mod(match(), b"", xid=64), 0, 64)
check("a slave's flow_mod: BAD_REQUEST/IS_SLAVE", error_of(m) == (1, 10), m)
m = role(c, 7, 0, 65)
check("role 7: ROLE_REQUEST_FAILED/BAD_ROLE", error_of(m) == (11, 2), m)
role(c, 1, 0, 66)

# --- async filters -----------------------------------------------------------
m = d.request(msg(26, b"", 70), 27, 70)
check("get_async: the defaults", struct.unpack("!6I", m[2]) == (7, 0, 7, 7, 7, 0), m)
d.send(msg(28, struct.pack("!6I", 0, 0, 7, 7, 7, 0), 71))   # d: no packet-ins
m = d.request(msg(26, b"", 72), 27, 72)
check("set_async then get_async", struct.unpack("!6I", m[2]) == (0, 0, 7, 7, 7, 0), m)

# --- port status ----------------------------------------------------------------
xs("attach", "zz=9")
m = c.recv_type(12, 3)
check("attach: PORT_STATUS ADD for port 9", m and m[2][0] == 0 and
      struct.unpack("!I", m[2][8:12])[0] == 9 and m[2][24:26] == b"zz", m)
xs("detach", "zz")
m = c.recv_type(12, 3)
check("detach: PORT_STATUS DELETE", m and m[2][0] == 1, m)

# --- flow removed ---------------------------------------------------------------
c.send(flow_mod(match(tlv(5, b"\x08\x06")), b"", priority=5, cookie=0x55, idle=1, flags=1, xid=80))
c.send(flow_mod(match(tlv(5, b"\x86\xdd")), b"", priority=6, cookie=0x66, flags=1, xid=81))
c.barrier(82)
c.send(flow_mod(match(tlv(5, b"\x86\xdd")), b"", command=4, priority=6, xid=83))
m = c.recv_type(11, 3)
check("delete_strict: FLOW_REMOVED reason DELETE, cookie 0x66", m and
      struct.unpack("!QHBB", m[2][:12]) == (0x66, 6, 2, 0), m)
m = c.recv_type(11, 5)
check("idle timeout: FLOW_REMOVED reason IDLE_TIMEOUT, cookie 0x55", m and
      struct.unpack("!QHBB", m[2][:12]) == (0x55, 5, 0, 0), m)

# --- invalid TTL -------------------------------------------------------------------
ttl1 = bytes.fromhex("020000000002020000000001" "0800" "4500001c0001000001110000"
                     "0a0000010a000002" "03e807d000080000")
c.send(flow_mod(match(tlv(5, b"\x08\x00")), apply_actions(struct.pack("!HH4x", 24, 8),
       output(2)), table=0, priority=400, cookie=0x88, xid=85))
c.barrier(86)
xs("inject", "a", ttl1.hex())
m = c.recv_type(10, 1)
check("TTL 1 through dec_ttl without the config flag: no packet-in", m is None, m)
c.send(msg(9, struct.pack("!HH", 4, 128), 87))               # OFPC_INVALID_TTL_TO_CONTROLLER
c.barrier(870)  # in force before the packet comes in through the CLI
xs("inject", "a", ttl1.hex())
m = c.recv_type(10, 3)
check("with the flag: PACKET_IN reason INVALID_TTL, table 0, cookie 0x88", m and
      struct.unpack("!IHBBQ", m[2][:16])[2:] == (2, 0, 0x88), m and m[2][:16].hex())
c.send(flow_mod(match(tlv(5, b"\x08\x00")), b"", command=4, table=0, priority=400, xid=88))
c.barrier(89)

# --- packet-in rate limit (5 per second) ----------------------------------------
c.send(flow_mod(match(), apply_actions(output(0xfffffffd)), priority=1, cookie=0x77, xid=90))
c.barrier(91)
time.sleep(1.1)  # a full bucket
frame = bytes.fromhex("020000000002020000000001" "0800" "4500001c0001000040110000"
                      "0a0000010a000002" "03e807d000080000")
# 20 packets through the pipeline at once: PACKET_OUTs to TABLE, whose
# table-0 flow sends each to the controller (one write: no time to refill)
po = struct.pack("!HHIH6x", 0, 16, 0xfffffff9, 0xffff)
c.send(b"".join(msg(13, struct.pack("!IIH6x", 0xffffffff, 1, len(po)) + po + frame, 300 + i)
                for i in range(20)))
got = 0
while c.recv_type(10, 1) is not None:
    got += 1
check("20 controller packets within the limit of 5/s: 5 or 6 packet-ins", got in (5, 6), got)
show = xs("show")
check("show counts the ones over the limit", "over the rate limit" in show and
      " 0 over the rate limit" not in show, show)
m = d.recv_type(10, 0.5)
check("no packet-in for the connection that turned them off", m is None, m)
# --- a peer that does not read is closed; the others are served meanwhile -----------
slow = Conn(A)
slow.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
slow.send(b"".join(msg(18, struct.pack("!HH4x", 12, 0), 400 + i) for i in range(320)))
t0 = time.time()
m = d.request(msg(2, b"still here", 401), 3, 401)
check("another connection is answered while one does not read", m and m[2] == b"still here"
      and time.time() - t0 < 3, m)
end = time.time() + 10
while time.time() < end and "unread by the peer; closing" not in open(sys.argv[4]).read():
    time.sleep(0.1)
check("the agent closed the peer that let 64 MiB of replies pile up",
      "unread by the peer; closing" in open(sys.argv[4]).read())

# --- table stats: a miss raises lookup_count, not matched_count ----------------------
c.send(flow_mod(match(), b"", command=3, table=255, xid=100))
c.send(flow_mod(match(tlv(5, b"\x08\x00")), struct.pack("!HHB3x", 1, 8, 1), table=0,
                priority=5, xid=101))
c.barrier(102)
udp2 = bytes.fromhex("020000000002020000000001" "0800" "4500001c0001000040110000"
                     "0a0000010a000003" "03e807d000080000")
for i in range(3):
    xs("inject", "a", udp2.hex())
tabs = c.multipart(3, b"", 103)
t0 = struct.unpack("!B3xIQQ", tabs[:24])
t1 = struct.unpack("!B3xIQQ", tabs[24:48])
check("table 0: 1 flow, 3 lookups, 3 matched", t0 == (0, 1, 3, 3), t0)
check("table 1: no flow, 3 lookups (misses), 0 matched", t1 == (1, 0, 3, 0), t1)
print("1..%d" % n)
PY
cat "$T/out"
grep -q "^1\.\." "$T/out" && ! grep -q "^not ok" "$T/out"
