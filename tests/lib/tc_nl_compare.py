#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compares two rtnetlink TC filter requests attribute by attribute.

An independent decoder (struct + a table of which TC attributes nest, from
the kernel's uapi headers), used by tests/e2e/test_offload_encoding.sh to
hold the agent's flower requests against the ones iproute2's `tc` sends.

  tc_nl_compare.py OURS.bin STRACE.txt
OURS.bin: the raw request; STRACE.txt: `strace -e trace=sendmsg -e write=all
-xx tc filter ...` output, whose first RTM_NEWTFILTER buffer is tc's.
Prints every difference as PATH: ours=... tc=...; exit 0 when none.
Compared: message type and flags, the tcmsg fields, every attribute's
type (with its NLA_F_NESTED bit), length and bytes, recursively; sequence
number and port id are not (they differ per socket).
"""
import re
import struct
import sys

NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF

# Attributes that contain attributes, per context (linux/pkt_cls.h,
# linux/tc_act/tc_pedit.h). The flower action list holds one nest per
# action slot; an action's options depend on its kind.
TOP = {2: "flower"}                 # TCA_OPTIONS
FLOWER = {3: "act_list"}            # TCA_FLOWER_ACT
ACT = {2: "act_options", 4: "stats"}  # TCA_ACT_OPTIONS, TCA_ACT_STATS
PEDIT = {5: "pedit_keys_ex"}        # TCA_PEDIT_KEYS_EX
PEDIT_KEYS_EX = {6: "pedit_key_ex"}  # TCA_PEDIT_KEY_EX


def parse_attrs(data, ctx, kind=None):
    """Returns a list of (type_with_flags, value) in order; value is bytes
    or a nested list."""
    out = []
    off = 0
    while off + 4 <= len(data):
        ln, ty = struct.unpack_from("<HH", data, off)
        if ln < 4 or off + ln > len(data):
            raise ValueError("bad attribute at %d in %s" % (off, ctx))
        payload = data[off + 4:off + ln]
        t = ty & NLA_TYPE_MASK
        sub = nested_ctx(ctx, t, kind)
        if sub:
            out.append((ty, parse_attrs(payload, sub, kind_of(payload) if sub == "act" else kind)))
        else:
            out.append((ty, bytes(payload)))
        off += (ln + 3) & ~3
    return out


def kind_of(act_payload):
    """The TCA_ACT_KIND string of an action nest."""
    off = 0
    while off + 4 <= len(act_payload):
        ln, ty = struct.unpack_from("<HH", act_payload, off)
        if ln < 4:
            break
        if ty & NLA_TYPE_MASK == 1:
            return act_payload[off + 4:off + ln].rstrip(b"\0").decode()
        off += (ln + 3) & ~3
    return None


def nested_ctx(ctx, t, kind):
    if ctx == "top":
        return TOP.get(t)
    if ctx == "flower":
        return FLOWER.get(t)
    if ctx == "act_list":
        return "act"
    if ctx == "act":
        return ACT.get(t)
    if ctx == "act_options" and kind == "pedit":
        return PEDIT.get(t)
    if ctx == "pedit_keys_ex":
        return PEDIT_KEYS_EX.get(t)
    return None


def decode(msg):
    ln, ty, flags, _seq, _pid = struct.unpack_from("<IHHII", msg, 0)
    fam, ifindex, handle, parent, info = struct.unpack_from("<BxxxiIII", msg, 16)
    return {
        "nlmsg_type": ty, "nlmsg_flags": flags, "tcm_family": fam,
        "tcm_ifindex": ifindex, "tcm_handle": handle, "tcm_parent": parent,
        "tcm_info": info, "attrs": parse_attrs(msg[36:ln], "top"),
    }


def strace_buffers(text):
    """Every sendmsg buffer strace dumped with -e write=all -xx."""
    bufs, cur = [], None
    for line in text.splitlines():
        if re.match(r"\s*\* \d+ bytes in buffer", line):
            if cur is not None:
                bufs.append(bytes(cur))
            cur = bytearray()
        m = re.match(r"\s*\|\s+[0-9a-f]{5}\s+((?:[0-9a-f]{2}\s+){1,16})", line)
        if m and cur is not None:
            cur += bytes(int(h, 16) for h in m.group(1).split())
    if cur is not None:
        bufs.append(bytes(cur))
    return bufs


def compare_attrs(a, b, path, diffs):
    # the same types in the same order inside actions and pedit keys; at
    # the flower level the kernel does not care about order, so sort
    if path.endswith("options") or path == "":
        a = sorted(a, key=lambda x: x[0])
        b = sorted(b, key=lambda x: x[0])
    ta = [t for t, _ in a]
    tb = [t for t, _ in b]
    if ta != tb:
        diffs.append("%s: attribute types ours=%s tc=%s" % (
            path or "/", [hex(t) for t in ta], [hex(t) for t in tb]))
        return
    for (t, va), (_, vb) in zip(a, b):
        p = "%s/%#x" % (path, t)
        if isinstance(va, list) != isinstance(vb, list):
            diffs.append("%s: nested in one only" % p)
        elif isinstance(va, list):
            compare_attrs(va, vb, p + (".options" if t & NLA_TYPE_MASK == 2 else ""), diffs)
        elif va != vb:
            diffs.append("%s: ours=%s tc=%s" % (p, va.hex(), vb.hex()))


def main():
    ours = open(sys.argv[1], "rb").read()
    bufs = [b for b in strace_buffers(open(sys.argv[2]).read())
            if len(b) >= 36 and struct.unpack_from("<H", b, 4)[0] == 44]
    if not bufs:
        print("no RTM_NEWTFILTER request in the strace output")
        return 2
    a, b = decode(ours), decode(bufs[0])
    diffs = []
    for f in ("nlmsg_type", "nlmsg_flags", "tcm_family", "tcm_ifindex", "tcm_handle",
              "tcm_parent", "tcm_info"):
        if a[f] != b[f]:
            diffs.append("%s: ours=%#x tc=%#x" % (f, a[f], b[f]))
    compare_attrs(a["attrs"], b["attrs"], "", diffs)
    n = sum(1 for _ in walk(a["attrs"]))
    for d in diffs:
        print(d)
    if not diffs:
        print("identical: %d attributes" % n)
    return 1 if diffs else 0


def walk(attrs):
    for t, v in attrs:
        yield t
        if isinstance(v, list):
            yield from walk(v)


if __name__ == "__main__":
    sys.exit(main())
