#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Times control requests themselves, not a CLI process: opens the agent's
control socket, sends one `show` request frame (agent/control/proto.h: "XSC1",
32-bit big-endian payload length, NUL-terminated argv) and reads the whole
response, every INTERVAL seconds for SECONDS. Prints one JSON object:
{"requests": N, "failed": F, "median_ms": .., "p99_ms": .., "max_ms": ..}.

usage: ctlprobe.py SOCKET SECONDS [INTERVAL]"""
import json
import socket
import struct
import sys
import time

MAGIC = b"XSC1"


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("agent closed the connection")
        buf += chunk
    return buf


def request(path, argv):
    payload = b"".join(a.encode() + b"\0" for a in argv)
    t0 = time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(MAGIC + struct.pack(">I", len(payload)) + payload)
        hdr = recv_exact(s, 8)
        if hdr[:4] != MAGIC:
            raise ValueError("bad response magic")
        body = recv_exact(s, struct.unpack(">I", hdr[4:])[0])
    dt = time.monotonic() - t0
    status = struct.unpack(">I", body[:4])[0]
    return dt, status


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    path, secs = sys.argv[1], float(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) == 4 else 0.05
    times, failed = [], 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            dt, status = request(path, ["show"])
            if status:
                failed += 1
            else:
                times.append(dt * 1000)
        except (OSError, ValueError):
            failed += 1
        time.sleep(interval)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else None
    print(json.dumps({"requests": len(times) + failed, "failed": failed,
                      "median_ms": pick(0.5), "p99_ms": pick(0.99),
                      "max_ms": times[-1] if times else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
