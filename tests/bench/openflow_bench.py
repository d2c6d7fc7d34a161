#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# OpenFlow 1.3 control-plane figures for one switch at an address:
#   flow_mods/s  N adds over one connection, a barrier after every 1,000,
#                timed from the first byte to the last barrier reply
#   packet-in round trip  a PACKET_OUT with output:TABLE whose table-0 flow
#                sends the packet to the controller: time to its PACKET_IN
#   packet-ins/s  the same with up to 64 packet-outs in flight
# Usage: openflow_bench.py ADDR NAME  (ADDR: unix:PATH or tcp:IP:PORT)
import socket
import struct
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 3)[0] + "/tests/e2e/data")
from of13_client import Conn, apply_actions, flow_mod, match, msg, output, tlv  # noqa: E402

N_FLOWS = 20000
N_RTT = 2000
N_PIN = 20000


class UnixConn(Conn):
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.buf = b""
        self.send(msg(0, struct.pack("!HHI", 1, 8, 1 << 4), 0))
        assert self.recv()[0] == 0


def connect(addr):
    if addr.startswith("unix:"):
        return UnixConn(addr[5:])
    _, ip, port = addr.split(":")
    return Conn((ip, int(port)))


def flow_mods(c):
    msgs = []
    for i in range(N_FLOWS):
        m = match(tlv(5, b"\x08\x00"), tlv(12, struct.pack("!I", 0x0a000000 + i)))
        msgs.append(flow_mod(m, apply_actions(output(2)), table=1, priority=100, xid=i + 1))
        if (i + 1) % 1000 == 0:
            msgs.append(msg(20, b"", 0x80000000 + i))
    data = b"".join(msgs)
    t0 = time.perf_counter()
    c.send(data)
    need = N_FLOWS // 1000
    while need:
        m = c.recv(60)
        if m[0] == 1:
            raise SystemExit("error from the switch: %r" % (m,))
        if m[0] == 21:
            need -= 1
    return N_FLOWS / (time.perf_counter() - t0)


FRAME = bytes.fromhex("020000000002020000000001" "0800" "4500001c0001000040110000"
                      "0a0000010a000002" "03e807d000080000")


def packet_out(xid):
    acts = output(0xfffffff9)  # TABLE
    return msg(13, struct.pack("!IIH6x", 0xffffffff, 1, len(acts)) + acts + FRAME, xid)


def packet_ins(c):
    # Open vSwitch sends a management connection no packet-ins until asked
    c.send(msg(9, struct.pack("!HH", 0, 0xffff), 5))
    c.send(msg(28, struct.pack("!6I", 7, 7, 7, 7, 15, 15), 6))
    c.send(flow_mod(match(), apply_actions(output(0xfffffffd)), table=0, priority=1, xid=7))
    c.barrier(8)
    rtts = []
    for i in range(N_RTT):
        t0 = time.perf_counter()
        c.send(packet_out(100 + i))
        while c.recv(10)[0] != 10:
            pass
        rtts.append(time.perf_counter() - t0)
    rtts.sort()
    # throughput: a window of 64 packet-outs in flight
    sent = got = 0
    t0 = time.perf_counter()
    while got < N_PIN:
        while sent < N_PIN and sent - got < 64:
            c.send(packet_out(200000 + sent))
            sent += 1
        m = c.recv(10)
        if m is None:
            break
        if m[0] == 10:
            got += 1
    rate = got / (time.perf_counter() - t0)
    return rtts[len(rtts) // 2] * 1e6, rtts[int(len(rtts) * 0.99)] * 1e6, rate


def main():
    addr, name = sys.argv[1], sys.argv[2]
    c = connect(addr)
    fm = flow_mods(c)
    p50, p99, rate = packet_ins(connect(addr))
    print("%-10s flow_mods/s %8.0f   packet-in round trip p50 %6.0f us p99 %6.0f us   "
          "packet-ins/s %7.0f" % (name, fm, p50, p99, rate))


main()
