#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cost of table changes through the control socket (issue 9), on an agent
with --no-datapath: the tables, the journal and its fsync, no megaflows to
revalidate. Measures, in one run:

  - one `xdpswitch add-flow` (the CLI: process start, connect, request,
    answer) with 100 and with 100,000 rules loaded; and the same request
    alone on the socket (ctlburst --count 1: no process start);
  - 1,000 add-flow requests pipelined on one connection (ctlburst);
  - `xdpswitch add-flows` of a 100,000-rule file, into 100 rules;
  - and, when Open vSwitch is installed, the same with `ovs-ofctl` against
    a private ovs-vswitchd (userspace datapath, no ports) in the same run:
    one `ovs-ofctl add-flow` with 100 and 100,000 rules loaded, and
    `ovs-ofctl add-flows` of the same 100,000-rule file.

Prints one line per figure; with --json FILE also writes them as JSON.
Asserts no speed. Needs no root for xdpswitch (no datapath is opened);
Open vSwitch is measured only as root (skipped otherwise, and said so).

usage: tablechanges.py [--build DIR] [--runs N] [--json FILE]
  --build DIR   where xdpswitch and tests/bench/ctlburst are (build)
  --runs N      repetitions of each figure; the median is printed (21)
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BRIDGE = "xsbtc"
running = []  # agents to stop, also when a measurement fails


def write_rules(path, n, table, fmt):
    with open(path, "w") as f:
        for i in range(n):
            f.write(fmt % dict(table=table, a=i >> 16, b=(i >> 8) & 255, c=i & 255,
                               port=1 + i % 4) + "\n")


class Agent:
    def __init__(self, xs, run_dir, flows):
        self.log = open(os.path.join(run_dir, "agent.log"), "w")
        self.proc = subprocess.Popen([xs, "agent", "--no-datapath", "--bridge", BRIDGE,
                                      "--flows", flows], stderr=self.log)
        running.append(self)
        # Serving: the first snapshot is written (and then synced, so its
        # write-back does not land in the first measured fsyncs).
        for _ in range(3000):
            with open(self.log.name) as f:
                if "running:" in f.read():
                    os.sync()
                    return
            if self.proc.poll() is not None:
                sys.exit("tablechanges: the agent did not start (%s)" % self.log.name)
            time.sleep(0.01)
        sys.exit("tablechanges: the agent did not start serving")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()
        running.remove(self)


class Ovs:
    """ovsdb-server and ovs-vswitchd of our own, in a private directory,
    with one bridge of the userspace (netdev) datapath and no ports."""

    def __init__(self, run_dir):
        self.dir = os.path.join(run_dir, "ovs")
        os.makedirs(self.dir)
        env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir, OVS_DBDIR=self.dir)
        self.env = env
        self.db = "unix:%s/db.sock" % self.dir
        db = os.path.join(self.dir, "conf.db")
        running.append(self)
        self.run(["ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema"])
        self.run(["ovsdb-server", db, "--remote=punix:%s/db.sock" % self.dir,
                  "--pidfile=%s/ovsdb-server.pid" % self.dir, "--detach", "-vconsole:off",
                  "--log-file=%s/ovsdb-server.log" % self.dir])
        self.run(["ovs-vsctl", "--db=" + self.db, "--no-wait", "init"])
        self.run(["ovs-vswitchd", self.db, "--pidfile=%s/ovs-vswitchd.pid" % self.dir,
                  "--detach", "-vconsole:off", "--log-file=%s/ovs-vswitchd.log" % self.dir])
        self.run(["ovs-vsctl", "--db=" + self.db, "--timeout=20", "add-br", "br0", "--", "set",
                  "bridge", "br0", "datapath_type=netdev"])
        self.mgmt = "unix:%s/br0.mgmt" % self.dir

    def run(self, argv):
        r = subprocess.run(argv, env=self.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if r.returncode:
            sys.exit("tablechanges: %s: %s" % (" ".join(argv[:2]), r.stderr.decode().strip()))

    def ofctl(self, *args):
        return ["ovs-ofctl"] + list(args[:1]) + [self.mgmt] + list(args[1:])

    def stop(self):
        for d in ("ovs-vswitchd", "ovsdb-server"):
            try:
                with open(os.path.join(self.dir, d + ".pid")) as f:
                    pid = int(f.read())
                os.kill(pid, 15)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.05)
            except (OSError, ValueError):
                pass
        running.remove(self)


def timed(argv):
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if r.returncode:
        sys.exit("tablechanges: %s: %s" % (" ".join(argv[:2]), r.stderr.decode().strip()))
    return t


def burst(ctlburst, count, start):
    r = subprocess.run([ctlburst, "--bridge", BRIDGE, "--count", str(count),
                        "--start", str(start)], capture_output=True)
    if r.returncode:
        sys.exit("tablechanges: ctlburst: %s %s" % (r.stdout.decode(), r.stderr.decode()))
    return json.loads(r.stdout)["seconds"]


def summary(values, scale):
    v = [x * scale for x in values]
    return dict(median=round(statistics.median(v), 3), min=round(min(v), 3),
                max=round(max(v), 3), runs=len(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("O", "build"))
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--json")
    args = ap.parse_args()
    xs = os.path.join(args.build, "xdpswitch")
    ctlburst = os.path.join(args.build, "tests/bench/ctlburst")
    for x in (xs, ctlburst):
        if not os.access(x, os.X_OK):
            sys.exit("tablechanges: %s is not built (make)" % x)
    run_dir = tempfile.mkdtemp(prefix="xsbtc-")
    os.environ["XS_RUN_DIR"] = run_dir
    out = {}
    try:
        f100 = os.path.join(run_dir, "r100")
        f100k = os.path.join(run_dir, "r100k")
        fadd = os.path.join(run_dir, "add100k")
        write_rules(f100, 100, 0, "priority=50,ip,nw_src=172.%(a)d.%(b)d.%(c)d "
                    "actions=output:%(port)d")
        write_rules(f100k, 100000, 0, "priority=50,ip,nw_src=172.%(a)d.%(b)d.%(c)d "
                    "actions=output:%(port)d")
        write_rules(fadd, 100000, 1, "table=%(table)d,priority=60,ip,nw_dst=192.%(a)d.%(b)d."
                    "%(c)d actions=output:%(port)d")
        start = 0
        for n, flows in ((100, f100), (100000, f100k)):
            agent = Agent(xs, run_dir, flows)
            cli, sock = [], []
            for i in range(args.runs):
                cli.append(timed([xs, "add-flow", "--bridge", BRIDGE,
                                  "priority=200,udp,tp_dst=%d actions=drop" % i]))
                sock.append(burst(ctlburst, 1, start))
                start += 1
            out["add_flow_cli_ms_%d_rules" % n] = summary(cli, 1e3)
            out["add_flow_socket_ms_%d_rules" % n] = summary(sock, 1e3)
            if n == 100:
                pipelined = []
                for _ in range(max(3, args.runs // 4)):
                    pipelined.append(burst(ctlburst, 1000, start))
                    start += 1000
                out["pipelined_1000_add_flow_ms"] = summary(pipelined, 1e3)
            agent.stop()
        add = []
        for _ in range(3):
            agent = Agent(xs, run_dir, f100)
            add.append(timed([xs, "add-flows", "--bridge", BRIDGE, fadd]))
            agent.stop()
        out["add_flows_100k_file_into_100_rules_ms"] = summary(add, 1e3)
        if os.geteuid() == 0 and shutil.which("ovs-vswitchd"):
            ovs = Ovs(run_dir)
            for n, flows in ((100, f100), (100000, f100k)):
                timed(ovs.ofctl("del-flows"))
                timed(ovs.ofctl("add-flows", flows))
                cli = [timed(ovs.ofctl("add-flow", "priority=200,udp,tp_dst=%d,actions=drop" % i))
                       for i in range(args.runs)]
                out["ovs_add_flow_ms_%d_rules" % n] = summary(cli, 1e3)
            add = []
            for _ in range(3):
                timed(ovs.ofctl("del-flows"))
                timed(ovs.ofctl("add-flows", f100))
                add.append(timed(ovs.ofctl("add-flows", fadd)))
            out["ovs_add_flows_100k_file_into_100_rules_ms"] = summary(add, 1e3)
            ovs.stop()
        else:
            out["ovs_skipped"] = "needs root and Open vSwitch (make bench installs it)"
    finally:
        for agent in list(running):
            agent.stop()
        shutil.rmtree(run_dir, ignore_errors=True)

    def line(name, key):
        s = out[key]
        print("  %-58s %9.2f ms  (median of %d, %.2f-%.2f)" % (name, s["median"], s["runs"],
                                                              s["min"], s["max"]))
    line("add-flow, CLI, 100 rules loaded", "add_flow_cli_ms_100_rules")
    line("add-flow, CLI, 100,000 rules loaded", "add_flow_cli_ms_100000_rules")
    line("add-flow, one request on the socket, 100 rules", "add_flow_socket_ms_100_rules")
    line("add-flow, one request on the socket, 100,000 rules",
         "add_flow_socket_ms_100000_rules")
    line("1,000 add-flow requests pipelined on one connection", "pipelined_1000_add_flow_ms")
    line("add-flows, a 100,000-rule file into 100 rules", "add_flows_100k_file_into_100_rules_ms")
    if "ovs_skipped" in out:
        print("  Open vSwitch skipped: %s" % out["ovs_skipped"])
    else:
        line("Open vSwitch: ovs-ofctl add-flow, 100 rules loaded", "ovs_add_flow_ms_100_rules")
        line("Open vSwitch: ovs-ofctl add-flow, 100,000 rules loaded",
             "ovs_add_flow_ms_100000_rules")
        line("Open vSwitch: ovs-ofctl add-flows, the same 100,000-rule file",
             "ovs_add_flows_100k_file_into_100_rules_ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
