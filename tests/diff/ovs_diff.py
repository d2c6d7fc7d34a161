#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Differential test of the flow language against Open vSwitch 3.1.

Starts a private ovsdb-server and ovs-vswitchd (userspace only:
--enable-dummy=override, a bridge with datapath_type=dummy and `type=dummy`
ports 1..N), then for each of a number of random pipelines that use the
flow language of issue 12 (OXM/NXM names, xreg/xxreg, conjunctive matches,
push/pop, output:FIELD, clone, note, dec_ttl(ids), controller(...),
non-prefix masks, ND fields, VLAN edits, partial writes, load:->in_port):

  - loads it into Open vSwitch (ovs-ofctl add-flows) and gives the same file
    to `xdpswitch trace --flows F --ports 1,..,N`; both must take it whole;
  - traces random packets through both (`ovs-appctl ofproto/trace` is the
    reference) and compares the datapath actions semantically: both action
    lists are run on a model of the packet, and the outputs (port and
    headers at that point) and packets sent to the controller must be the
    same, in the same order (outputs of one packet state to several ports
    may come in any order);
  - compares the megaflows' widths: the number of packet header bits each
    one matches (recirc_id, eth and packet_type are OVS-only and left out;
    nw_frag is counted for OVS, which always matches it on IP).

Prints the figures; exits 1 when a pipeline is refused by one side only,
when any packet's actions differ, or when our megaflow matches more bits
than Open vSwitch's for more than 5% of packets.

usage: ovs_diff.py [--build DIR] [--seed N] [--pipelines N] [--packets N]
                   [--ports N] [--json FILE] [--verbose]
"""
import argparse
import ipaddress
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

BRIDGE = "br0"
STYLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipelines")


# --- Open vSwitch, privately ---------------------------------------------

class Ovs:
    def __init__(self, run_dir, n_ports):
        self.dir = os.path.join(run_dir, "ovs")
        os.makedirs(self.dir)
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir,
                        OVS_DBDIR=self.dir)
        self.db = "unix:%s/db.sock" % self.dir
        self.started = []
        db = os.path.join(self.dir, "conf.db")
        self.run(["ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema"])
        self.run(["ovsdb-server", db, "--remote=punix:%s/db.sock" % self.dir,
                  "--pidfile=%s/ovsdb-server.pid" % self.dir, "--detach",
                  "-vconsole:off", "--log-file=%s/ovsdb-server.log" % self.dir])
        self.started.append("ovsdb-server")
        self.run(["ovs-vsctl", "--db=" + self.db, "--no-wait", "init"])
        self.run(["ovs-vswitchd", self.db, "--enable-dummy=override",
                  "--pidfile=%s/ovs-vswitchd.pid" % self.dir, "--detach",
                  "-vconsole:off", "--log-file=%s/ovs-vswitchd.log" % self.dir])
        self.started.append("ovs-vswitchd")
        cmd = ["ovs-vsctl", "--db=" + self.db, "--timeout=20", "add-br", BRIDGE, "--",
               "set", "bridge", BRIDGE, "datapath_type=dummy", "fail-mode=secure"]
        for p in range(1, n_ports + 1):
            cmd += ["--", "add-port", BRIDGE, "p%d" % p, "--", "set", "interface",
                    "p%d" % p, "type=dummy", "ofport_request=%d" % p]
        self.run(cmd)
        with open(os.path.join(self.dir, "ovs-vswitchd.pid")) as f:
            self.ctl = os.path.join(self.dir, "ovs-vswitchd.%d.ctl" % int(f.read()))
        self.mgmt = "unix:%s/%s.mgmt" % (self.dir, BRIDGE)

    def run(self, argv, check=True, stdin=None):
        r = subprocess.run(argv, env=self.env, input=stdin, capture_output=True, text=True)
        if check and r.returncode:
            raise SystemExit("ovs_diff: %s: %s" % (" ".join(argv[:2]), r.stderr.strip()))
        return r

    def load(self, path):
        with open(path) as f:
            proto = ["-O", "OpenFlow13"] if "# protocol: OpenFlow13" in f.read() else []
        self.run(["ovs-ofctl"] + proto + ["del-flows", self.mgmt])
        r = self.run(["ovs-ofctl"] + proto + ["add-flows", self.mgmt, path], check=False)
        return r.returncode == 0, r.stderr.strip()

    def trace(self, packet):
        r = self.run(["ovs-appctl", "-t", self.ctl, "ofproto/trace", BRIDGE, packet],
                     check=False)
        return parse_trace(r.stdout), r

    def stop(self):
        for d in reversed(self.started):
            try:
                with open(os.path.join(self.dir, d + ".pid")) as f:
                    pid = int(f.read())
                os.kill(pid, 15)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.05)
            except (OSError, ValueError):
                pass
        self.started = []


def parse_trace(text):
    mf = acts = None
    for line in text.splitlines():
        if line.startswith("Megaflow: "):
            mf = line[len("Megaflow: "):]
        elif line.startswith("Datapath actions: "):
            acts = line[len("Datapath actions: "):]
    return mf, acts


def xs_trace(xs, flows, ports, packet):
    r = subprocess.run([xs, "trace", "--flows", flows, "--ports", ports, packet],
                       capture_output=True, text=True)
    return parse_trace(r.stdout), r


# --- random pipelines ------------------------------------------------------

IPS = ["10.0.0.1", "10.0.0.2", "10.1.0.3", "192.168.1.1"]
IP6S = ["2001:db8::1", "2001:db8::2", "2001:db8:0:1::3", "fe80::1"]
MACS = ["00:00:00:00:00:01", "00:00:00:00:00:02", "0a:00:00:00:00:03"]
TPORTS = [80, 443, 22, 53]


class Gen:
    def __init__(self, rng, n_ports):
        self.r = rng
        self.n_ports = n_ports

    def port(self):
        return self.r.randint(1, self.n_ports)

    def pick(self, xs):
        return self.r.choice(xs)

    def out(self):
        """An output-ish action."""
        r = self.r.random()
        if r < 0.45:
            return "output:%d" % self.port()
        if r < 0.55:
            return "in_port"
        if r < 0.65:
            return self.pick(["flood", "all"])
        if r < 0.75:
            return "output:%s" % self.pick(["reg0[0..15]", "NXM_NX_REG0[0..15]", "reg0",
                                            "xreg0[0..15]", "OXM_OF_PKT_REG0[0..15]"])
        if r < 0.85:
            return self.pick(["controller", "controller(userdata=01.02.03)",
                              "controller(reason=no_match,max_len=128,id=2)"])
        return "output:%d" % self.port()

    def reg_write(self):
        return self.pick([
            "load:%d->reg0[0..15]" % self.port(),
            "load:%d->NXM_NX_REG0[0..15]" % self.port(),
            "set_field:%d->reg0" % self.port(),
            "load:0x%x->xreg0[0..15]" % self.port(),
            "set_field:0x%x->xreg1" % self.r.randint(0, 1 << 40),
            "load:0x%x->xxreg1[64..95]" % self.r.randint(0, 99),
            "set_field:0x%x/0xffff->xxreg0" % self.port(),
            "move:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]",
            "move:in_port[]->reg0[0..15]",
            "push:NXM_NX_REG0[],load:%d->reg0[0..15],pop:NXM_NX_REG1[]" % self.port(),
            "push:reg0[0..15],pop:xreg0[0..15]",
        ])

    def edit(self, kind, vlan):
        """A header edit valid for match kind (and VLAN presence)."""
        c = ["mod_dl_src:%s" % self.pick(MACS), "set_field:%s->eth_dst" % self.pick(MACS),
             "mod_vlan_vid:%d" % self.r.randint(1, 30), "mod_vlan_pcp:%d" % self.r.randint(0, 7),
             "strip_vlan", "note:%02x.%02x" % (self.r.randint(0, 255), self.r.randint(0, 255))]
        if vlan:
            c += ["set_field:%d->vlan_vid" % (4096 + self.r.randint(1, 30)),
                  "set_field:%d->vlan_pcp" % self.r.randint(0, 7)]
        if kind in ("tcp", "udp", "icmp", "ip"):
            c += ["load:0x%x->NXM_OF_IP_SRC[0..7]" % self.r.randint(0, 255),
                  "set_field:%s->ip_dst" % self.pick(IPS),
                  "load:0x%x->OXM_OF_IPV4_DST[8..15]" % self.r.randint(0, 255),
                  "mod_nw_tos:%d" % (4 * self.r.randint(0, 63)),
                  "set_field:%d->ip_ecn" % self.r.randint(0, 3),
                  "dec_ttl", "dec_ttl(1,2)", "mod_nw_ttl:%d" % self.r.randint(1, 9)]
        if kind == "tcp":
            c += ["set_field:%d->tcp_dst" % self.pick(TPORTS), "mod_tp_src:%d" % self.pick(TPORTS),
                  "load:0x%x->NXM_OF_TCP_SRC[0..7]" % self.r.randint(0, 255)]
        if kind == "udp":
            c += ["set_field:%d->udp_src" % self.pick(TPORTS),
                  "load:%d->OXM_OF_UDP_DST[]" % self.pick(TPORTS)]
        if kind == "ipv6":
            c += ["set_field:%s->ipv6_src" % self.pick(IP6S), "dec_ttl",
                  "load:0x%x->NXM_NX_IPV6_DST[0..15]" % self.r.randint(0, 65535),
                  "set_field:0x%x->ipv6_label" % self.r.randint(0, 0xfffff)]
        if kind == "arp":
            c += ["set_field:%s->arp_spa" % self.pick(IPS), "load:2->NXM_OF_ARP_OP[]",
                  "set_field:%s->arp_sha" % self.pick(MACS)]
        return self.pick(c)

    def match(self, kind):
        m = []
        r = self.r.random
        if kind == "tcp":
            m.append("tcp")
            if r() < 0.4:
                m.append("tcp_dst=%d" % self.pick(TPORTS))
            if r() < 0.2:
                m.append("tp_src=%d/0xff00" % (self.pick(TPORTS) & 0xff00))
        elif kind == "udp":
            m.append("udp")
            if r() < 0.4:
                m.append("udp_dst=%d" % self.pick(TPORTS))
        elif kind == "icmp":
            m.append("icmp")
            if r() < 0.3:
                m.append("icmp_type=%d" % self.pick([0, 8]))
        elif kind == "ip":
            m.append("ip")
        elif kind == "arp":
            m.append("arp")
            if r() < 0.3:
                m.append("arp_op=%d" % self.r.randint(1, 2))
            if r() < 0.3:
                m.append("arp_tpa=%s" % self.pick(IPS))
        elif kind == "ipv6":
            m.append("ipv6")
            if r() < 0.4:
                m.append("ipv6_src=%s" % self.pick(["2001:db8::/ffff:ffff:0:ffff::",
                                                     "2001:db8::1", "::1/::ff",
                                                     "2001:db8::/32"]))
        elif kind == "nd":
            t = self.pick([135, 136])
            m += ["icmp6", "icmp_type=%d" % t]
            if r() < 0.5:
                m.append("nd_target=%s" % self.pick(IP6S))
            if r() < 0.5:
                m.append("%s=%s" % ("nd_sll" if t == 135 else "nd_tll", self.pick(MACS)))
        if kind in ("tcp", "udp", "icmp", "ip") and r() < 0.5:
            m.append(self.pick([
                "nw_src=%s" % self.pick(IPS),
                "ip_src=10.0.0.0/255.0.255.0",
                "nw_dst=%s/255.255.0.255" % self.pick(IPS),
                "nw_src=10.0.0.0/8"]))
        if r() < 0.2:
            m.append(self.pick(["vlan_vid=0x1000/0x1000", "vlan_vid=%d" % (4096 + self.r.randint(1, 4)),
                                "dl_vlan=%d" % self.r.randint(1, 4), "vlan_tci=0"]))
        if r() < 0.15:
            m.append(self.pick(["eth_src=%s" % self.pick(MACS), "dl_dst=%s" % self.pick(MACS)]))
        return m

    def vlan_in(self, m):
        return any(x.startswith(("dl_vlan=", "vlan_vid=0x1000/", "vlan_vid=4")) for x in m)

    def actions(self, kind, m, n_out, tail):
        acts = []
        vlan = self.vlan_in(m)
        for _ in range(self.r.randint(0, 3)):
            e = self.edit(kind, vlan)
            if e.startswith("strip_vlan"):
                vlan = False
            elif e.startswith(("mod_vlan", "set_field:4")):
                vlan = True
            acts.append(e)
        for _ in range(n_out):
            if self.r.random() < 0.25:
                acts.append("clone(%s,%s)" % (self.edit(kind, vlan), self.out()))
            else:
                acts.append(self.out())
            if self.r.random() < 0.3:
                e = self.edit(kind, vlan)
                if e.startswith("strip_vlan"):
                    vlan = False
                elif e.startswith(("mod_vlan", "set_field:4")):
                    vlan = True
                acts.append(e)
        if self.r.random() < 0.1:
            acts += ["load:0->NXM_OF_IN_PORT[]", "output:in_port"]
        return acts + tail

    def prio(self, lo, hi):
        """A priority not yet used in this pipeline: OpenFlow leaves the
        winner among overlapping rules of equal priority undefined."""
        while True:
            p = self.r.randint(lo, hi)
            if p not in self.used:
                self.used.add(p)
                return p

    def pipeline(self):
        flows = []
        self.used = {0}
        kinds = ["tcp", "udp", "icmp", "arp", "ipv6", "nd", "ip"]
        # Table 0: classify, write registers, go on.
        for _ in range(self.r.randint(3, 7)):
            kind = self.pick(kinds)
            m = self.match(kind)
            if self.r.random() < 0.5:
                m.insert(0, "in_port=%d" % self.port())
            acts = [self.reg_write() for _ in range(self.r.randint(0, 2))]
            acts.append(self.pick(["resubmit(,1)", "goto_table:1"]) if self.r.random() < 0.7
                        else self.out())
            flows.append("table=0,priority=%d,%s,actions=%s" % (
                self.prio(1, 200), ",".join(m), ",".join(acts)))
        flows.append("table=0,priority=0,actions=resubmit(,1)")
        # Table 1: conjunctive matches mixed with ordinary flows.
        for cid in range(1, self.r.randint(1, 3) + 1):
            prio = self.prio(41, 79)  # two complete conjunctions never tie
            n = self.r.randint(2, 3)
            dims = [
                ["ip,nw_src=%s" % ip for ip in self.r.sample(IPS, 2)],
                ["tcp,tcp_dst=%d" % p for p in self.r.sample(TPORTS, 2)],
                ["in_port=%d" % p for p in self.r.sample(range(1, self.n_ports + 1), 2)],
                ["reg0=%d" % p for p in self.r.sample(range(1, self.n_ports + 1), 2)],
                ["dl_src=%s" % mac for mac in self.r.sample(MACS, 2)],
            ]
            for k, dim in enumerate(self.r.sample(dims, n)):
                for d in dim:
                    flows.append("table=1,priority=%d,%s,actions=conjunction(%d,%d/%d)" % (
                        prio, d, cid, k + 1, n))
            if self.r.random() < 0.85:
                kind = "ip" if self.r.random() < 0.5 else "any"
                acts = self.actions("ip" if kind == "ip" else "", [], self.r.randint(0, 2),
                                    [self.pick(["resubmit(,2)", "goto_table:2", self.out()])])
                flows.append("table=1,priority=%d,conj_id=%d%s,actions=%s" % (
                    prio, cid, ",ip" if kind == "ip" else "", ",".join(acts)))
        for _ in range(self.r.randint(1, 4)):
            kind = self.pick(kinds)
            m = self.match(kind)
            acts = self.actions(kind, m, self.r.randint(0, 2),
                                [self.pick(["resubmit(,2)", "goto_table:2", self.out()])])
            flows.append("table=1,priority=%d,%s,actions=%s" % (
                self.prio(40, 80), ",".join(m), ",".join(acts)))
        flows.append("table=1,priority=0,actions=goto_table:2")
        # Table 2: registers decide; edits and outputs.
        for _ in range(self.r.randint(2, 6)):
            kind = self.pick(kinds)
            m = self.match(kind)
            m.insert(0, self.pick(["reg0=%d" % self.port(), "xreg0=%d/0xffff" % self.port(),
                                   "xreg1=0x%x/0xff" % self.r.randint(0, 99),
                                   "xxreg1=0x%x/0xffffffff0000000000000000" % self.r.randint(0, 99),
                                   "reg1=0x%x" % self.port()]) if self.r.random() < 0.6 else
                     "in_port=%d" % self.port())
            acts = self.actions(kind, m, self.r.randint(1, 3), [])
            flows.append("table=2,priority=%d,%s,actions=%s" % (
                self.prio(1, 200), ",".join(m), ",".join(acts)))
        flows.append("table=2,priority=0,actions=%s" % self.out())
        return flows

    def packet(self):
        r = self.r
        f = ["in_port=%d" % self.port()]
        if r.random() < 0.3:
            f.append("dl_vlan=%d,dl_vlan_pcp=%d" % (self.pick([1, 2, 3, 4, 100]), r.randint(0, 7)))
        f.append("dl_src=%s,dl_dst=%s" % (self.pick(MACS),
                                          self.pick(MACS + ["ff:ff:ff:ff:ff:ff"])))
        kind = self.pick(["tcp", "tcp", "udp", "icmp", "arp", "ipv6", "nd"])
        ttl = self.pick([1, 2, 64])
        if kind in ("tcp", "udp", "icmp"):
            f.append("%s,nw_src=%s,nw_dst=%s,nw_ttl=%d,nw_tos=%d" % (
                kind, self.pick(IPS), self.pick(IPS), ttl, 4 * r.randint(0, 63)))
            if kind == "icmp":
                f.append("icmp_type=%d,icmp_code=0" % self.pick([0, 8]))
            else:
                f.append("%s_src=%d,%s_dst=%d" % (kind, self.pick(TPORTS + [1024]), kind,
                                                  self.pick(TPORTS)))
        elif kind == "arp":
            f.append("arp,arp_op=%d,arp_spa=%s,arp_tpa=%s,arp_sha=%s,arp_tha=%s" % (
                r.randint(1, 2), self.pick(IPS), self.pick(IPS), self.pick(MACS), self.pick(MACS)))
        elif kind == "ipv6":
            f.append("tcp6,ipv6_src=%s,ipv6_dst=%s,nw_ttl=%d,ipv6_label=0x%x,tcp_src=%d,tcp_dst=%d" % (
                self.pick(IP6S), self.pick(IP6S), ttl, r.randint(0, 0xfffff),
                self.pick(TPORTS), self.pick(TPORTS)))
        else:
            t = self.pick([135, 136])
            f.append("icmp6,ipv6_src=%s,ipv6_dst=%s,nw_ttl=255,icmpv6_type=%d,icmpv6_code=0,"
                     "nd_target=%s,%s=%s" % (self.pick(IP6S), self.pick(IP6S), t, self.pick(IP6S),
                                             "nd_sll" if t == 135 else "nd_tll", self.pick(MACS)))
        return ",".join(f)


# --- a model of the packet, and both action syntaxes ----------------------

def split_top(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return [x.strip() for x in out if x.strip()]


def to_int(v):
    v = v.strip()
    if re.fullmatch(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}", v):
        return int(v.replace(":", ""), 16)
    if ":" in v:
        return int(ipaddress.IPv6Address(v))
    if v.count(".") == 3:
        return int(ipaddress.IPv4Address(v))
    return int(v, 0)


def packet_state(spec):
    """The model of a packet written in trace syntax (absent fields are 0)."""
    st = {"vlans": []}
    kv = {}
    alias = {"tcp_src": "tp_src", "udp_src": "tp_src", "tcp_dst": "tp_dst", "udp_dst": "tp_dst",
             "icmpv6_type": "icmp_type", "icmpv6_code": "icmp_code"}
    for item in spec.split(","):
        k, _, v = item.partition("=")
        kv[alias.get(k, k)] = v
    for k in ("dl_src", "dl_dst"):
        st[k] = to_int(kv.get(k, "0"))
    if "dl_vlan" in kv:
        st["vlans"].append([0x8100, int(kv["dl_vlan"]), int(kv.get("dl_vlan_pcp", "0"))])
    for k in ("nw_src", "nw_dst", "nw_ttl", "nw_tos", "tp_src", "tp_dst", "icmp_type",
              "icmp_code", "arp_op", "arp_spa", "arp_tpa", "arp_sha", "arp_tha", "ipv6_src",
              "ipv6_dst", "ipv6_label"):
        st[k] = to_int(kv[k]) if k in kv else 0
    for kind in ("tcp", "udp", "icmp", "arp", "tcp6", "icmp6"):
        if kind in kv:
            st["kind"] = kind
    return st


def snapshot(st):
    d = {k: v for k, v in st.items() if k != "vlans"}
    d["vlans"] = [tuple(v) for v in st["vlans"]]
    return json.dumps(d, sort_keys=True)


# (header, key) -> model field
SET_FIELDS = {
    ("eth", "src"): "dl_src", ("eth", "dst"): "dl_dst",
    ("ipv4", "src"): "nw_src", ("ipv4", "dst"): "nw_dst", ("ipv4", "tos"): "nw_tos",
    ("ipv4", "ttl"): "nw_ttl",
    ("ipv6", "src"): "ipv6_src", ("ipv6", "dst"): "ipv6_dst", ("ipv6", "label"): "ipv6_label",
    ("ipv6", "tclass"): "nw_tos", ("ipv6", "hlimit"): "nw_ttl",
    ("tcp", "src"): "tp_src", ("tcp", "dst"): "tp_dst", ("udp", "src"): "tp_src",
    ("udp", "dst"): "tp_dst", ("sctp", "src"): "tp_src", ("sctp", "dst"): "tp_dst",
    ("icmp", "type"): "icmp_type", ("icmp", "code"): "icmp_code",
    ("icmpv6", "type"): "icmp_type", ("icmpv6", "code"): "icmp_code",
    ("arp", "sip"): "arp_spa", ("arp", "tip"): "arp_tpa", ("arp", "op"): "arp_op",
    ("arp", "sha"): "arp_sha", ("arp", "tha"): "arp_tha",
}


def apply_set(st, body):
    hdr, _, rest = body.partition("(")
    rest = rest[:-1]
    for kv in split_top(rest):
        k, _, v = kv.partition("=")
        val, _, mask = v.partition("/")
        val = to_int(val)
        if hdr == "vlan":
            if not st["vlans"]:
                raise ValueError("set(vlan) on an untagged packet")
            idx = {"vid": 1, "pcp": 2}[k]
            m = to_int(mask) if mask else (0xfff if k == "vid" else 7)
            st["vlans"][0][idx] = (st["vlans"][0][idx] & ~m) | (val & m)
            continue
        f = SET_FIELDS.get((hdr, k))
        if not f:
            raise ValueError("unknown set field %s.%s" % (hdr, k))
        if mask:
            m = to_int(mask)
            st[f] = (st[f] & ~m) | (val & m)
        else:
            st[f] = val


N_PORTS = [4]  # outputs to other ports (OVS's LOCAL) have no counterpart here


def run_actions(text, st, events, ours):
    """Runs a datapath action list on model st; appends events. Returns
    False when the packet went to the agent for an expired TTL (no more
    actions run)."""
    if text in (None, "", "drop"):
        return True
    for a in split_top(text):
        if a.isdigit():
            if 1 <= int(a) <= N_PORTS[0]:
                events.append(("out", int(a), snapshot(st)))
        elif a == "drop":
            pass
        elif a.startswith("set(") or a.startswith("masked_set("):
            apply_set(st, a[a.index("(") + 1:-1])
        elif a == "pop_vlan":
            if st["vlans"]:
                st["vlans"].pop(0)
        elif a.startswith("push_vlan("):
            kv = dict(x.split("=") for x in split_top(a[len("push_vlan("):-1]))
            st["vlans"].insert(0, [to_int(kv.get("tpid", "0x8100")), int(kv.get("vid", "0")),
                                   int(kv.get("pcp", "0"))])
        elif a == "dec_ttl" and ours:
            if st["nw_ttl"] <= 1:
                events.append(("ctl", snapshot(st)))
                return False
            st["nw_ttl"] -= 1
        elif a.startswith("userspace("):
            events.append(("ctl", snapshot(st)))
        elif a.startswith("clone("):
            sub = json.loads(json.dumps(st))
            run_actions(a[len("clone("):-1], sub, events, ours)
        else:
            raise ValueError("unknown datapath action '%s'" % a)
    return True


def normalize(events):
    """Outputs of one packet state, next to each other, in any order; and
    consecutive packets to the controller with one state as one: OVS sends
    an expired TTL to each controller id of dec_ttl(ids), we send the
    packet to the agent once."""
    dedup = []
    for e in events:
        if e[0] == "ctl" and dedup and dedup[-1] == e:
            continue
        dedup.append(e)
    events = dedup
    out, i = [], 0
    while i < len(events):
        j = i
        while j < len(events) and events[j][0] == "out" and events[i][0] == "out" \
                and events[j][2] == events[i][2]:
            j += 1
        if j > i + 1:
            out += sorted(events[i:j])
            i = j
        else:
            out.append(events[i])
            i += 1
    return out


def semantics(actions, spec, ours):
    st = packet_state(spec)
    ev = []
    run_actions(actions, st, ev, ours)
    return normalize(ev)


# --- megaflow widths -------------------------------------------------------

WIDTH = {"in_port": 32, "dl_src": 48, "dl_dst": 48, "dl_type": 16, "vlan_tci": 16,
         "nw_src": 32, "nw_dst": 32, "arp_spa": 32, "arp_tpa": 32, "arp_sha": 48,
         "arp_tha": 48, "nw_proto": 8, "arp_op": 8, "nw_tos": 6, "nw_ecn": 2, "nw_ttl": 8,
         "nw_frag": 2, "tp_src": 16, "tp_dst": 16, "icmp_type": 8, "icmp_code": 8,
         "ipv6_src": 128, "ipv6_dst": 128, "ipv6_label": 20, "nd_target": 128,
         "nd_sll": 48, "nd_tll": 48, "tcp_flags": 12, "dl_vlan": 13, "dl_vlan_pcp": 4}
SHORT = {"ip": 16, "ipv6": 16, "arp": 16, "rarp": 16, "tcp": 24, "udp": 24, "sctp": 24,
         "icmp": 24, "tcp6": 24, "udp6": 24, "sctp6": 24, "icmp6": 24}
SKIP = {"recirc_id", "eth", "packet_type"}


def popcount_mask(field, mask):
    if "." in mask or ":" in mask:
        return bin(to_int(mask)).count("1")
    if field in ("nw_src", "nw_dst", "arp_spa", "arp_tpa", "ipv6_src", "ipv6_dst",
                 "nd_target") and not mask.startswith("0x"):
        return int(mask)  # a prefix length
    return bin(int(mask, 0)).count("1")


def mask_bits(mf, ovs, packet):
    """Bits a megaflow matches, per field. "No VLAN tag" counts one bit
    (the present bit): OVS's megaflows say it through the outer Ethernet
    type they always match, ours through the tag's present bit (its other
    bits are zero in every untagged packet)."""
    bits = {}
    untagged = "dl_vlan=" not in packet
    if ovs and untagged:
        bits["vlan_tci"] = 1
    for item in split_top(mf or ""):
        k, eq, v = item.partition("=")
        if k in SKIP:
            continue
        if not eq:
            if k in SHORT:
                bits["dl_type"] = 16
                if SHORT[k] > 16:
                    bits["nw_proto"] = 8
            continue
        if k == "vlan_tci" and untagged:
            bits["vlan_tci"] = 1
            continue
        if k == "dl_type" and v == "0x0000":
            bits["dl_type"] = 16
            continue
        val, _, mask = v.partition("/")
        if k == "ip_frag":
            k = "nw_frag"
        if k == "nw_frag":
            bits[k] = 2 if val in ("no", "first", "later") else 1
            continue
        if k not in WIDTH:
            bits[k] = 16  # unknown: count it, visibly
            continue
        bits[k] = popcount_mask(k, mask) if mask else WIDTH[k]
        if k in ("icmp_type", "icmp_code"):
            # the low byte of a 16-bit member whose high byte is 0 in
            # every ICMP packet: only those 8 bits say anything
            bits[k] = min(bits[k], 8) if not mask else \
                bin(int(mask, 0) & 0xff).count("1")
    # dl_vlan and dl_vlan_pcp share the tag-present bit
    if "dl_vlan" in bits and "dl_vlan_pcp" in bits:
        bits["dl_vlan_pcp"] -= 1
    return bits


# --- field names -------------------------------------------------------------

# The fields we support, as ovs-fields(7) of Open vSwitch 3.1 names them
# (name and aliases | OXM | NXM), with a value and the match a use needs.
FIELD_NAMES = [
    ("in_port", "", "NXM_OF_IN_PORT", "3", ""),
    ("in_port_oxm", "OXM_OF_IN_PORT", "", "3", ""),
    ("metadata", "OXM_OF_METADATA", "", "0x5", ""),
    ("conj_id", "", "NXM_NX_CONJ_ID", "5", ""),
    ("reg0 reg7 reg15", "", "NXM_NX_REG0 NXM_NX_REG7 NXM_NX_REG15", "0x5", ""),
    ("xreg0 xreg7", "OXM_OF_PKT_REG0 OXM_OF_PKT_REG7", "", "0x5", ""),
    ("xxreg0 xxreg3", "", "NXM_NX_XXREG0 NXM_NX_XXREG3", "0x5", ""),
    ("eth_src dl_src", "OXM_OF_ETH_SRC", "NXM_OF_ETH_SRC", "02:00:00:00:00:01", ""),
    ("eth_dst dl_dst", "OXM_OF_ETH_DST", "NXM_OF_ETH_DST", "02:00:00:00:00:01", ""),
    ("eth_type dl_type", "OXM_OF_ETH_TYPE", "NXM_OF_ETH_TYPE", "0x0800", ""),
    ("vlan_vid", "OXM_OF_VLAN_VID", "", "4097", ""),
    ("vlan_pcp dl_vlan_pcp", "OXM_OF_VLAN_PCP", "", "3", "dl_vlan=1,"),
    ("vlan_tci", "", "NXM_OF_VLAN_TCI", "0x1001", ""),
    ("dl_vlan", "", "", "1", ""),
    ("ip_src nw_src", "OXM_OF_IPV4_SRC", "NXM_OF_IP_SRC", "10.0.0.1", "ip,"),
    ("ip_dst nw_dst", "OXM_OF_IPV4_DST", "NXM_OF_IP_DST", "10.0.0.1", "ip,"),
    ("ipv6_src", "OXM_OF_IPV6_SRC", "NXM_NX_IPV6_SRC", "2001:db8::1", "ipv6,"),
    ("ipv6_dst", "OXM_OF_IPV6_DST", "NXM_NX_IPV6_DST", "2001:db8::1", "ipv6,"),
    ("ipv6_label", "OXM_OF_IPV6_FLABEL", "NXM_NX_IPV6_LABEL", "0x5", "ipv6,"),
    ("nw_proto ip_proto", "OXM_OF_IP_PROTO", "NXM_OF_IP_PROTO", "6", "ip,"),
    ("nw_ttl", "", "NXM_NX_IP_TTL", "5", "ip,"),
    ("ip_frag nw_frag", "", "NXM_NX_IP_FRAG", "no", "ip,"),
    ("nw_tos", "", "NXM_OF_IP_TOS", "8", "ip,"),
    ("ip_dscp", "OXM_OF_IP_DSCP", "", "2", "ip,"),
    ("nw_ecn ip_ecn", "OXM_OF_IP_ECN", "NXM_NX_IP_ECN", "1", "ip,"),
    ("arp_op", "OXM_OF_ARP_OP", "NXM_OF_ARP_OP", "1", "arp,"),
    ("arp_spa", "OXM_OF_ARP_SPA", "NXM_OF_ARP_SPA", "10.0.0.1", "arp,"),
    ("arp_tpa", "OXM_OF_ARP_TPA", "NXM_OF_ARP_TPA", "10.0.0.1", "arp,"),
    ("arp_sha", "OXM_OF_ARP_SHA", "NXM_NX_ARP_SHA", "02:00:00:00:00:01", "arp,"),
    ("arp_tha", "OXM_OF_ARP_THA", "NXM_NX_ARP_THA", "02:00:00:00:00:01", "arp,"),
    ("tcp_src tp_src", "OXM_OF_TCP_SRC", "NXM_OF_TCP_SRC", "80", "tcp,"),
    ("tcp_dst tp_dst", "OXM_OF_TCP_DST", "NXM_OF_TCP_DST", "80", "tcp,"),
    ("tcp_flags", "ONFOXM_ET_TCP_FLAGS", "NXM_NX_TCP_FLAGS", "+syn", "tcp,"),
    ("udp_src", "OXM_OF_UDP_SRC", "NXM_OF_UDP_SRC", "53", "udp,"),
    ("udp_dst", "OXM_OF_UDP_DST", "NXM_OF_UDP_DST", "53", "udp,"),
    ("sctp_src", "OXM_OF_SCTP_SRC", "", "5", "sctp,"),
    ("sctp_dst", "OXM_OF_SCTP_DST", "", "5", "sctp,"),
    ("icmp_type", "OXM_OF_ICMPV4_TYPE", "NXM_OF_ICMP_TYPE", "8", "icmp,"),
    ("icmp_code", "OXM_OF_ICMPV4_CODE", "NXM_OF_ICMP_CODE", "0", "icmp,"),
    ("icmpv6_type", "OXM_OF_ICMPV6_TYPE", "NXM_NX_ICMPV6_TYPE", "135", "icmp6,"),
    ("icmpv6_code", "OXM_OF_ICMPV6_CODE", "NXM_NX_ICMPV6_CODE", "0", "icmp6,"),
    ("nd_target", "OXM_OF_IPV6_ND_TARGET", "NXM_NX_ND_TARGET", "2001:db8::1",
     "icmp6,icmp_type=135,"),
    ("nd_sll", "OXM_OF_IPV6_ND_SLL", "NXM_NX_ND_SLL", "02:00:00:00:00:01", "icmp6,icmp_type=135,"),
    ("nd_tll", "OXM_OF_IPV6_ND_TLL", "NXM_NX_ND_TLL", "02:00:00:00:00:01", "icmp6,icmp_type=136,"),
]
# Spellings that look plausible and that Open vSwitch refuses.
WRONG_NAMES = ["icmpv4_type", "icmpv4_code", "nw_tos_shifted", "ipv6_flabel", "eth_vlan",
               "ip_ttl", "vlan_id", "xreg8", "xxreg4", "reg16", "tp_port", "NW_SRC",
               "OXM_OF_IP_SRC", "NXM_NX_REG16", "OXM_OF_PKT_REG8", "NXM_NX_XXREG4"]


def accepted_ovs(ovs, flow):
    return ovs.run(["ovs-ofctl", "parse-flow", flow], check=False).returncode == 0


def accepted_ours(xs, run_dir, flow):
    path = os.path.join(run_dir, "one.flow")
    with open(path, "w") as f:
        f.write(flow + "\n")
    return subprocess.run([xs, "trace", "--flows", path, "in_port=1"],
                          capture_output=True).returncode == 0


def check_names(ovs, xs, run_dir):
    """Every use (match NAME=V, push:NAME[]) of every name above and of
    the wrong ones: taken by both or refused by both. Returns (checked,
    disagreements)."""
    uses = []
    for short, oxm, nxm, value, ctx in FIELD_NAMES:
        for n in (short + " " + oxm + " " + nxm).split():
            uses.append("%sactions=push:%s[]" % (ctx, n))
            uses.append("%s%s=%s,actions=drop" % (ctx, n, value))
    for n in WRONG_NAMES:
        uses.append("%s=1,actions=drop" % n)
        uses.append("actions=push:%s[]" % n)
    bad = []
    for u in uses:
        o, x = accepted_ovs(ovs, u), accepted_ours(xs, run_dir, u)
        if o != x:
            bad.append("%s: Open vSwitch %s it, we %s it" % (
                u, "takes" if o else "refuses", "take" if x else "refuse"))
    return len(uses), bad


# --- the run ---------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("XS_BUILD", os.environ.get("O", "build")))
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--pipelines", type=int, default=10)
    ap.add_argument("--packets", type=int, default=30, help="per pipeline")
    ap.add_argument("--ports", type=int, default=4)
    ap.add_argument("--json")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    xs = os.path.join(args.build, "xdpswitch")
    if not os.access(xs, os.X_OK):
        sys.exit("ovs_diff: %s is not built (make)" % xs)
    for tool in ("ovs-vswitchd", "ovsdb-server", "ovs-ofctl", "ovs-appctl", "ovs-vsctl"):
        if not shutil.which(tool):
            sys.exit("ovs_diff: %s is not installed (scripts/install-deps.sh)" % tool)
    N_PORTS[0] = args.ports
    rng = random.Random(args.seed)
    gen = Gen(rng, args.ports)
    ports = ",".join(str(p) for p in range(1, args.ports + 1))
    run_dir = tempfile.mkdtemp(prefix="xsdiff-")
    ovs = None
    stats = dict(style_pipelines=0, style_forwarded=0, pipelines=0, flows=0, refused_both=0, refused_ovs_only=0,
                 refused_ours_only=0, packets=0, same_actions=0, different_actions=0,
                 mf_same=0, mf_narrower=0, mf_wider=0, mf_bits_ours=0, mf_bits_ovs=0,
                 wider_fields={})
    failures = []
    try:
        ovs = Ovs(run_dir, args.ports)
        stats["name_uses"], bad = check_names(ovs, xs, run_dir)
        stats["name_disagreements"] = len(bad)
        failures += ["field names: " + b for b in bad]
        styles = sorted(os.path.join(STYLE_DIR, f) for f in os.listdir(STYLE_DIR)
                        if f.endswith(".flows"))
        for pi in range(len(styles) + args.pipelines):
            if pi < len(styles):
                # controller-style pipelines from tests/diff/pipelines
                path = styles[pi]
                with open(path) as f:
                    flows = [l for l in f.read().splitlines()
                             if l.strip() and not l.startswith("#")]
                stats["style_pipelines"] += 1
            else:
                flows = gen.pipeline()
                path = os.path.join(run_dir, "flows%d.txt" % pi)
                with open(path, "w") as f:
                    f.write("\n".join(flows) + "\n")
            ovs_ok, ovs_err = ovs.load(path)
            (_, _), r = xs_trace(xs, path, ports, "in_port=1")
            ours_ok = r.returncode == 0
            if not ovs_ok or not ours_ok:
                key = ("refused_both" if not ovs_ok and not ours_ok else
                       "refused_ovs_only" if not ovs_ok else "refused_ours_only")
                stats[key] += 1
                if key != "refused_both":
                    failures.append("pipeline %d: %s (ovs: %s; ours: %s)" % (
                        pi, key, ovs_err, r.stderr.strip()))
                continue
            stats["pipelines"] += 1
            stats["flows"] += len(flows)
            for _ in range(args.packets):
                pkt = gen.packet()
                (omf, oacts), orun = ovs.trace(pkt)
                (xmf, xacts), xrun = xs_trace(xs, path, ports, pkt)
                if oacts is None or xacts is None:
                    failures.append("pipeline %d packet %s: no trace (ovs rc %d, ours rc %d: %s)"
                                    % (pi, pkt, orun.returncode, xrun.returncode,
                                       xrun.stderr.strip()))
                    stats["different_actions"] += 1
                    stats["packets"] += 1
                    continue
                stats["packets"] += 1
                if pi < len(styles) and oacts != "drop":
                    stats["style_forwarded"] += 1
                try:
                    same = semantics(oacts, pkt, False) == semantics(xacts, pkt, True)
                except ValueError as e:
                    same = False
                    oacts += "   [%s]" % e
                if same:
                    stats["same_actions"] += 1
                else:
                    stats["different_actions"] += 1
                    failures.append("pipeline %d (%s)\n    packet  %s\n    ovs     %s\n    ours    %s"
                                    % (pi, path, pkt, oacts, xacts))
                ob, xb = mask_bits(omf, True, pkt), mask_bits(xmf, False, pkt)
                so, sx = sum(ob.values()), sum(xb.values())
                stats["mf_bits_ovs"] += so
                stats["mf_bits_ours"] += sx
                if sx == so:
                    stats["mf_same"] += 1
                elif sx < so:
                    stats["mf_narrower"] += 1
                else:
                    stats["mf_wider"] += 1
                    for k, v in xb.items():
                        if v > ob.get(k, 0):
                            stats["wider_fields"][k] = stats["wider_fields"].get(k, 0) + 1
                    if args.verbose:
                        print("# wider megaflow (%s): %s\n#   ovs  %s\n#   ours %s"
                              % (path, pkt, omf, xmf))
    finally:
        if ovs:
            ovs.stop()
        if not failures and not args.verbose:
            shutil.rmtree(run_dir, ignore_errors=True)
    n = max(stats["packets"], 1)
    stats["same_actions_pct"] = round(100.0 * stats["same_actions"] / n, 2)
    stats["mf_not_wider_pct"] = round(100.0 * (stats["mf_same"] + stats["mf_narrower"]) / n, 2)
    print("field names: %d uses checked, %d where Open vSwitch and we disagree" % (
        stats["name_uses"], stats["name_disagreements"]))
    print("pipelines: %d loaded by both (%d in the style of OVN, Antrea, Neutron, Faucet; "
          "%d flows), %d refused by both, %d by OVS only, %d by us only" % (
              stats["pipelines"], stats["style_pipelines"], stats["flows"], stats["refused_both"],
                             stats["refused_ovs_only"], stats["refused_ours_only"]))
    print("packets: %d (%d not dropped in the styled pipelines); same datapath actions: "
          "%d (%.2f%%)" % (stats["packets"], stats["style_forwarded"], stats["same_actions"],
                           stats["same_actions_pct"]))
    print("megaflows: same width %d, narrower %d, wider %d; not wider for %.2f%%; "
          "matched bits in all: ours %d, OVS %d; wider in: %s" % (
              stats["mf_same"], stats["mf_narrower"], stats["mf_wider"],
              stats["mf_not_wider_pct"], stats["mf_bits_ours"], stats["mf_bits_ovs"],
              stats["wider_fields"] or "-"))
    for f in failures[:20]:
        print("FAIL " + f)
    if failures:
        print("(flow files kept in %s)" % run_dir)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(stats, f, indent=1)
    bad = (stats["refused_ovs_only"] or stats["name_disagreements"] or stats["refused_ours_only"] or
           stats["different_actions"] or stats["mf_not_wider_pct"] < 95.0 or
           not stats["pipelines"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
