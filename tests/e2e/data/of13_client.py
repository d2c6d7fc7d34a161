# SPDX-License-Identifier: Apache-2.0
# A minimal OpenFlow 1.3 client for the protocol tests: raw messages in,
# raw messages out, so every byte the switch sends can be checked.
import socket
import struct
import time

OFP_VERSION = 4


def hdr(t, length, xid, version=OFP_VERSION):
    return struct.pack("!BBHI", version, t, length, xid)


def msg(t, body=b"", xid=1, version=OFP_VERSION):
    return hdr(t, 8 + len(body), xid, version) + body


def tlv(field, value, mask=None, cls=0x8000):
    return struct.pack("!HBB", cls, field << 1 | (1 if mask else 0),
                       len(value) + (len(mask) if mask else 0)) + value + (mask or b"")


def match(*tlvs):
    body = b"".join(tlvs)
    n = 4 + len(body)
    return struct.pack("!HH", 1, n) + body + b"\0" * ((8 - n % 8) % 8)


def output(port, max_len=0xffff):
    return struct.pack("!HHIH6x", 0, 16, port, max_len)


def apply_actions(*acts):
    body = b"".join(acts)
    return struct.pack("!HH4x", 4, 8 + len(body)) + body


def flow_mod(match_bytes, insts=b"", command=0, table=0, priority=100, cookie=0,
             cookie_mask=0, idle=0, hard=0, flags=0, out_port=0xffffffff, xid=1):
    body = struct.pack("!QQBBHHHIIIH2x", cookie, cookie_mask, table, command, idle, hard,
                       priority, 0xffffffff, out_port, 0xffffffff, flags)
    return msg(14, body + match_bytes + insts, xid)


class Conn:
    def __init__(self, addr, hello=True, versions=(4,)):
        self.s = socket.create_connection(addr, timeout=5)
        self.buf = b""
        if hello:
            bitmap = sum(1 << v for v in versions)
            self.send(msg(0, struct.pack("!HHI", 1, 8, bitmap), 0, max(versions)))
            t, _, _ = self.recv()
            assert t == 0, "no HELLO"

    def send(self, data):
        self.s.sendall(data)

    def recv(self, timeout=5):
        """(type, xid, body) of the next message, or None when closed."""
        self.s.settimeout(timeout)
        while True:
            if len(self.buf) >= 8:
                v, t, n, xid = struct.unpack("!BBHI", self.buf[:8])
                if len(self.buf) >= n:
                    body = self.buf[8:n]
                    self.buf = self.buf[n:]
                    return t, xid, body
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d

    def recv_type(self, want, timeout=5):
        end = time.time() + timeout
        while time.time() < end:
            try:
                m = self.recv(max(0.1, end - time.time()))
            except (socket.timeout, TimeoutError):
                return None
            if m is None:
                return None
            if m[0] == want:
                return m
            if m[0] == 2:  # answer the switch's echo probes meanwhile
                self.send(msg(3, m[2], m[1]))
        return None

    def request(self, data, want, xid):
        self.send(data)
        while True:
            m = self.recv()
            if m is None or (m[1] == xid and m[0] in (want, 1)):
                return m

    def barrier(self, xid=999):
        return self.request(msg(20, b"", xid), 21, xid)

    def multipart(self, mtype, body=b"", xid=50):
        """All the parts of one multipart reply, bodies joined."""
        self.send(msg(18, struct.pack("!HH4x", mtype, 0) + body, xid))
        out = b""
        while True:
            m = self.recv()
            if m is None:
                return None
            t, x, b = m
            if x != xid:
                continue
            if t == 1:
                return ("error",) + struct.unpack("!HH", b[:4])
            t2, flags = struct.unpack("!HH", b[:4])
            out += b[8:]
            if not flags & 1:
                return out


def error_of(m):
    """(type, code) of an OFPT_ERROR, else None."""
    if m is None or m[0] != 1:
        return None
    return struct.unpack("!HH", m[2][:4])
