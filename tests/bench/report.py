#!/usr/bin/env python3
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
    skipped = [dict(mode=r["mode"], why=r["why"]) for r in runs
               if r["kind"] == "skipped"]
    texts = {r["name"]: r["lines"] for r in runs if r["kind"] == "text"}

    with open(out_path, "w") as f:
        json.dump(dict(config=config, progcost=progcost,
                       forwarding=forwarding, newflows=newflows,
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
    for n in newflows:
        print("%-34s %8d %9.1f %% new flows delivered" % (
            "miss path: %s at %d/s" % (n["mode"], n["offered_per_s"]),
            n["flows"], 100 * (n["share"] or 0)))
    for s in skipped:
        print("%-34s %s" % ("skipped: " + s["mode"], s["why"]))
    print("\nvs ref: cost / reference cost for programs, rate / reference"
          " rate (same flows) for\nforwarding. offered: Mpps the generator"
          " sent (it shares its CPU with XDP\nforwarding, so a cheaper"
          " forwarder is offered more).")
    print("results: " + out_path)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: report.py RUNS.jsonl RESULTS.json [KEY=VALUE...]")
    main(*sys.argv[1:])
