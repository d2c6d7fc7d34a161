#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fills the kernel's connection table of the current network namespace
through ctnetlink with assured UDP connections (the kind the kernel's
early drop never evicts), until N are made or the kernel refuses one.

  ct_fill.py N [--zone Z] [--timeout S]

Prints how many it made and, if the kernel refused, the first error
(ENOMEM: the table is full at nf_conntrack_max). Tuples: 172.16.x.y:p ->
172.31.0.1:9, one per connection. Exits 0 when the count is as asked or
the table is full, 1 on any other error."""
import argparse
import errno
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW = 0
NLM_F_REQUEST, NLM_F_CREATE, NLM_F_EXCL = 0x1, 0x400, 0x200
NLMSG_ERROR = 2
NLA_F_NESTED = 1 << 15
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_TIMEOUT, CTA_ZONE = 1, 2, 3, 7, 18
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
IPS_SEEN_REPLY, IPS_ASSURED, IPS_CONFIRMED = 1 << 1, 1 << 2, 1 << 3
CHUNK = 256  # messages per sendmsg


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * (-n % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b"".join(attrs))


def tuple_attr(t, src, dst, sport, dport):
    return nest(t,
                nest(CTA_TUPLE_IP, attr(CTA_IP_V4_SRC, src), attr(CTA_IP_V4_DST, dst)),
                nest(CTA_TUPLE_PROTO, attr(CTA_PROTO_NUM, bytes([socket.IPPROTO_UDP])),
                     attr(CTA_PROTO_SRC_PORT, struct.pack("!H", sport)),
                     attr(CTA_PROTO_DST_PORT, struct.pack("!H", dport))))


def message(i, zone, timeout):
    src = struct.pack("!BBH", 172, 16, i // 50000)
    sport = 1024 + i % 50000
    dst = socket.inet_aton("172.31.0.1")
    body = (struct.pack("=BBH", socket.AF_INET, 0, 0) +
            tuple_attr(CTA_TUPLE_ORIG, src, dst, sport, 9) +
            tuple_attr(CTA_TUPLE_REPLY, dst, src, 9, sport) +
            attr(CTA_STATUS, struct.pack("!I", IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED)) +
            attr(CTA_TIMEOUT, struct.pack("!I", timeout)) +
            attr(CTA_ZONE, struct.pack("!H", zone)))
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW,
                       NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, i + 1, 0) + body


def errors(s):
    """The error codes the kernel sent back so far (only failures answer)."""
    out = []
    while True:
        try:
            buf = s.recv(1 << 20, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return out
        off = 0
        while off + 16 <= len(buf):
            n, t = struct.unpack_from("=IH", buf, off)
            if t == NLMSG_ERROR:
                e = -struct.unpack_from("=i", buf, off + 16)[0]
                if e:
                    out.append(e)
            off += (n + 3) & ~3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--zone", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=600)
    a = ap.parse_args()
    if not 0 <= a.n <= 50000 * 65536:
        sys.exit("ct_fill.py: N out of range")
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    made = 0
    while made < a.n:
        k = min(CHUNK, a.n - made)
        s.send(b"".join(message(made + j, a.zone, a.timeout) for j in range(k)))
        errs = errors(s)
        made += k - len(errs)
        if errs:
            print(made)
            e = errs[0]
            print("%s: %s" % (errno.errorcode.get(e, e), os.strerror(e)))
            sys.exit(0 if e == errno.ENOMEM else 1)
    print(made)


if __name__ == "__main__":
    main()
