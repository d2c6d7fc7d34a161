#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ICMP errors for the conntrack tests (run inside a host namespace).

  icmp_err.py capture IFACE READY OUT   waits (8 s) for one ICMP/ICMPv6
      destination-unreachable on IFACE; writes to OUT one line
      "OUTER_SRC OUTER_DST INNER_SRC:SPORT INNER_DST:DPORT CHECKS", CHECKS
      being "csum-ok" when every checksum in it is right (outer IPv4
      header, ICMP/ICMPv6 with its pseudo header, the embedded IPv4 header,
      the embedded UDP datagram with its pseudo header), or "none".
  icmp_err.py send DST ISRC ISPORT IDST IDPORT   sends an ICMP port
      unreachable to DST quoting a UDP datagram ISRC:ISPORT -> IDST:IDPORT.
"""
import ipaddress
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ok(b):
    return csum(b) == 0xFFFF


def ntop(b):
    return str(ipaddress.ip_address(b))


def check_udp(src, dst, udp):
    ulen = struct.unpack("!H", udp[4:6])[0]
    if ulen > len(udp):
        return False  # not quoted whole
    if udp[6:8] == b"\0\0" and len(src) == 4:
        return True
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
    else:
        pseudo = src + dst + struct.pack("!IxxxB", ulen, 17)
    return ok(pseudo + udp[:ulen])


def parse(frame):
    et = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800 and ip[9] == 1:
        ihl = (ip[0] & 15) * 4
        icmp = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
        if icmp[0] != 3:
            return None
        checks = ok(ip[:ihl]) and ok(icmp)
        src, dst = ip[12:16], ip[16:20]
        inner = icmp[8:]
        iihl = (inner[0] & 15) * 4
        isrc, idst = inner[12:16], inner[16:20]
        checks = checks and ok(inner[:iihl])
        udp = inner[iihl:]
    elif et == 0x86DD and ip[6] == 58:
        plen = struct.unpack("!H", ip[4:6])[0]
        icmp = ip[40:40 + plen]
        if icmp[0] != 1:
            return None
        src, dst = ip[8:24], ip[24:40]
        pseudo = src + dst + struct.pack("!IxxxB", plen, 58)
        checks = ok(pseudo + icmp)
        inner = icmp[8:]
        isrc, idst = inner[8:24], inner[24:40]
        udp = inner[40:]
    else:
        return None
    checks = checks and check_udp(isrc, idst, udp)
    sport, dport = struct.unpack("!HH", udp[:4])
    return "%s %s %s:%d %s:%d %s" % (ntop(src), ntop(dst), ntop(isrc), sport,
                                     ntop(idst), dport,
                                     "csum-ok" if checks else "csum-bad")


def capture(iface, ready, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    deadline = time.monotonic() + 8
    open(ready, "w").close()
    line = "none"
    try:
        while True:
            s.settimeout(max(deadline - time.monotonic(), 0.01))
            frame, addr = s.recvfrom(4096)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            r = parse(frame)
            if r:
                line = r
                break
    except socket.timeout:
        pass
    with open(out, "w") as f:
        f.write(line + "\n")


def send(dst, isrc, isport, idst, idport):
    udp = struct.pack("!HHHH", int(isport), int(idport), 13, 0) + b"hello"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton(isrc), socket.inet_aton(idst))
    ip = ip[:10] + struct.pack("!H", 0xFFFF - csum(ip)) + ip[12:]
    icmp = struct.pack("!BBHI", 3, 3, 0, 0) + ip + udp
    icmp = icmp[:2] + struct.pack("!H", 0xFFFF - csum(icmp)) + icmp[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(icmp, (dst, 0))


if __name__ == "__main__":
    if sys.argv[1] == "capture":
        capture(*sys.argv[2:5])
    else:
        send(*sys.argv[2:7])
