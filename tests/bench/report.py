#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns the measurement log of run.sh (one JSON object a line) into the
bench table on stdout and results.json, with ratios to the reference."""
import json
import os
import platform
import sys
import time


def main(runs_path, out_path, *settings):
    runs = [json.loads(line) for line in open(runs_path) if line.strip()]
    config = dict(s.split("=", 1) for s in settings)
    config.update(kernel=platform.release(), cpus=os.cpu_count(),
                  loadavg=os.getloadavg()[0],
                  date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    costs = [r for r in runs if r["kind"] == "progcost"]
    ref_ns = next((r["result"]["ns_per_pkt"] for r in costs
                   if r["name"] == "redirect"), None)
    progcost = []
    for r in costs:
        ns = r["result"]["ns_per_pkt"]
        progcost.append(dict(name=r["name"], ns_per_pkt=ns,
                             samples=r["result"]["samples"],
                             ratio=round(ns / ref_ns, 3) if ref_ns else None))

    rates = [r for r in runs if r["kind"] == "rate"]
    ref_pps = {r["flows"]: r["sink"]["pps"] for r in rates
               if r["mode"] == "redirect"}
    forwarding = []
    for r in rates:
        pps, ref = r["sink"]["pps"], ref_pps.get(r["flows"])
        forwarding.append(dict(
            mode=r["mode"], flows=r["flows"], pps=pps,
            sent_pps=r["gen"]["pps"], sent=r["gen"]["packets"],
            received=r["sink"]["packets"],
            ratio=round(pps / ref, 3) if ref else None))
    newflows = []
    for r in runs:
        if r["kind"] == "newflows":
            sent, got = r["gen"]["packets"], r["sink"]["packets"]
            newflows.append(dict(mode=r["mode"], offered_per_s=r["rate"],
                                 flows=sent, delivered=got,
                                 share=round(got / sent, 4) if sent else None,
                                 seconds=r["gen"]["seconds"]))
    for n in newflows:
        n["delivered_per_s"] = round(n["delivered"] / n["seconds"]) \
            if n["seconds"] else None
    lookup = next((r["result"] for r in runs if r["kind"] == "lookupcost"),
                  None)
    latency = [dict(mode=r["mode"], **r["result"]) for r in runs
               if r["kind"] == "latency"]
    skipped = [dict(mode=r["mode"], why=r["why"]) for r in runs
               if r["kind"] == "skipped"]
    texts = {r["name"]: r["lines"] for r in runs if r["kind"] == "text"}

    with open(out_path, "w") as f:
        targets = issue16_targets(progcost, forwarding, newflows, lookup,
                                  latency)
        json.dump(dict(config=config, progcost=progcost,
                       forwarding=forwarding, newflows=newflows,
                       lookupcost=lookup, latency=latency, targets=targets,
                       skipped=skipped, text=texts),
                  f, indent=1)
        f.write("\n")

    def ratio(x):
        return "%.2f" % x if x is not None else "-"

    print()
    print("%-34s %8s %14s %8s %10s" % ("benchmark", "flows", "result",
                                        "vs ref", "offered"))
    for p in progcost:
        name = "program cost: " + p["name"] + (" (reference)"
                                               if p["name"] == "redirect" else "")
        print("%-34s %8s %9.0f ns/p %8s" % (name, "-",
                                            p["ns_per_pkt"], ratio(p["ratio"])))
    for f in forwarding:
        name = "forward: " + f["mode"] + (" (reference)"
                                          if f["mode"] == "redirect" else "")
        print("%-34s %8d %9.3f Mpps %8s %10.3f" % (
            name, f["flows"], f["pps"] / 1e6, ratio(f["ratio"]),
            f["sent_pps"] / 1e6))
    if lookup:
        print_lookup(lookup)
    for n in newflows:
        print("%-34s %8d %9.1f %% new flows delivered, %.0f/s" % (
            "miss path: %s at %d/s" % (n["mode"], n["offered_per_s"]),
            n["flows"], 100 * (n["share"] or 0), n["delivered_per_s"] or 0))
    for lt in latency:
        for nth in ("first", "second"):
            print("%-34s %8d %9.1f us median %8.1f us p99, %d/%d back" % (
                "round trip: %s, %s packet" % (lt["mode"], nth), lt["flows"],
                lt[nth]["median_us"], lt[nth]["p99_us"], lt[nth]["back"],
                lt["flows"]))
    for s in skipped:
        print("%-34s %s" % ("skipped: " + s["mode"], s["why"]))
    print("\nvs ref: cost / reference cost for programs, rate / reference"
          " rate (same flows) for\nforwarding. offered: Mpps the generator"
          " sent (it shares its CPU with XDP\nforwarding, so a cheaper"
          " forwarder is offered more).")
    if targets:
        print("\nissue 16 targets (ratios within this run)")
        for t in targets:
            print("  %-58s %-28s %s" % (t["target"], t["measured"],
                                        {True: "met", False: "MISSED",
                                         None: "not measured"}[t["met"]]))
    print("results: " + out_path)


def print_lookup(lk):
    """Rows of lookupcost: the switch's program by lookup path and size."""
    ref = lk["reference"]["ns_per_pkt"]

    def row(name, n, c):
        print("%-34s %8s %9.0f ns/p %8s" % (name, n, c["ns_per_pkt"],
                                            "%.2f" % (c["ns_per_pkt"] / ref)
                                            if ref else "-"))
    row("lookup: reference program", "-", lk["reference"])
    row("lookup: microflow hit", "1", lk["microflow"])
    for m in lk["megaflow"]:
        row("lookup: megaflow, %d masks, %s" % (m["masks"], m["hit_at"]),
            "1", m["cost"])
    row("lookup: miss (to the agent)", "0", lk["miss"])
    small = lk["scale"][0]["hit"]["ns_per_pkt"] if lk["scale"] else None
    for sc in lk["scale"]:
        ns = sc["hit"]["ns_per_pkt"]
        print("%-34s %8d %9.0f ns/p %8s %6.2fx of %d, %.0f B/megaflow" % (
            "scale: megaflow hit, random order", sc["megaflows"], ns,
            "%.2f" % (ns / ref) if ref else "-", ns / small,
            lk["scale"][0]["megaflows"], sc["kernel_bytes_per_megaflow"]))
    for sc in lk.get("scale_microflow", []):
        ns = sc["hit"]["ns_per_pkt"]
        print("%-34s %8d %9.0f ns/p %8s %5.1f%% microflow hits" % (
            "scale: microflow on, insert 1/%d" % sc["emc_insert_inv_prob"],
            sc["megaflows"], ns, "%.2f" % (ns / ref) if ref else "-",
            100 * sc["microflow_hit_share"]))


def issue16_targets(progcost, forwarding, newflows, lk, latency):
    """The figures issue 16 sets targets for, each with met/missed; every
    one is a ratio or a share within this run."""
    out = []

    def add(target, value, fmt, ok):
        out.append(dict(target=target, value=value,
                        measured=fmt % value if value is not None else "-",
                        met=None if value is None else ok(value)))

    def newflow(mode, rate):
        return next((n for n in newflows if n["mode"] == mode
                     and n["offered_per_s"] == rate), None)
    n = newflow("xdpswitch", 100000)
    add("new flows delivered at 100k/s offered >= 99%",
        100 * n["share"] if n and n["share"] is not None else None,
        "%.1f%%", lambda v: v >= 99)

    def best(mode):
        r = [x["delivered_per_s"] for x in newflows
             if x["mode"] == mode and x["delivered_per_s"]]
        return max(r) if r else None
    xs, ovs = best("xdpswitch"), best("ovs")
    add("best new-flow rate >= 1.2x Open vSwitch's",
        xs / ovs if xs and ovs else None, "%.2fx", lambda v: v >= 1.2)
    lat = {lt["mode"]: lt["first"]["p99_us"] for lt in latency}
    add("first-packet p99 <= Open vSwitch's",
        lat["xdpswitch"] / lat["ovs"] if lat.get("xdpswitch") and
        lat.get("ovs") else None, "%.2fx", lambda v: v <= 1)

    def fwd(mode, flows):
        return next((f for f in forwarding if f["mode"] == mode
                     and f["flows"] == flows), None)
    for flows, want in ((1, 0.9), (100000, 0.75)):
        f = fwd("xdpswitch", flows)
        add("forwarding, %d flows >= %.2fx plain redirect" % (flows, want),
            f["ratio"] if f else None, "%.2fx", lambda v, w=want: v >= w)
    ref = lk["reference"]["ns_per_pkt"] if lk else None
    add("microflow hit <= 2.5x reference program",
        lk["microflow"]["ns_per_pkt"] / ref if lk and ref else None,
        "%.2fx", lambda v: v <= 2.5)
    m8 = [m for m in lk["megaflow"] if m["masks"] == 8 and
          m["hit_at"] == "first"] if lk else []
    add("megaflow hit, 8 masks, hit at the first <= 4x reference",
        m8[0]["cost"]["ns_per_pkt"] / ref if m8 and ref else None, "%.2fx",
        lambda v: v <= 4)
    sc = {s["megaflows"]: s for s in lk["scale"]} if lk else {}
    add("cost at 1M megaflows <= 3x cost at 1k",
        sc[1000000]["hit"]["ns_per_pkt"] / sc[1000]["hit"]["ns_per_pkt"]
        if 1000 in sc and 1000000 in sc else None,
        "%.2fx", lambda v: v <= 3)
    big = sc.get(max(sc)) if sc else None
    add("kernel memory per megaflow <= 350 B (largest table)",
        big["kernel_bytes_per_megaflow"] if big else None, "%.0f B",
        lambda v: v <= 350)
    return out


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: report.py RUNS.jsonl RESULTS.json [KEY=VALUE...]")
    main(*sys.argv[1:])
