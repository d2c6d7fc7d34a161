#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Draws the bench charts from results.json with gnuplot (PNG):
rate.png (forwarding rate against flows, one line per forwarder),
masks.png (program cost against masks probed) and scale.png (cost of a
megaflow hit against megaflows installed). Usage: charts.py RESULTS OUTDIR"""
import json
import os
import shutil
import subprocess
import sys

STYLE = """set terminal pngcairo size 900,540 font "sans,11"
set grid
set key outside right top
"""


def gnuplot(script, outdir):
    subprocess.run(["gnuplot"], input=script, text=True, check=True,
                   cwd=outdir)


def rate_chart(res, outdir):
    modes = []
    for f in res["forwarding"]:
        if f["mode"] not in modes:
            modes.append(f["mode"])
    if not modes:
        return None
    plots = []
    for m in modes:
        path = "rate-%s.dat" % m
        with open(os.path.join(outdir, path), "w") as out:
            for f in sorted((f for f in res["forwarding"] if f["mode"] == m),
                            key=lambda f: f["flows"]):
                out.write("%d %.4f\n" % (f["flows"], f["pps"] / 1e6))
        plots.append("'%s' using 1:2 with linespoints lw 2 title '%s'" % (
            path, m + (" (reference)" if m == "redirect" else "")))
    c = res["config"]
    gnuplot(STYLE + """set output 'rate.png'
set title "Forwarding rate, %s-byte %s, one generator CPU (%s)"
set logscale x
set xlabel "flows"
set ylabel "Mpps received"
set yrange [0:*]
set xrange [0.5:*]
plot %s
""" % (c.get("size"), c.get("proto"), c.get("date"), ", ".join(plots)), outdir)
    return "rate.png"


def masks_chart(res, outdir):
    lk = res.get("lookupcost")
    if not lk or not lk["megaflow"]:
        return None
    for where in ("last", "first"):
        with open(os.path.join(outdir, "masks-%s.dat" % where), "w") as out:
            for m in lk["megaflow"]:
                if m["hit_at"] == where or m["masks"] == 1:
                    out.write("%d %d\n" % (m["masks"], m["cost"]["ns_per_pkt"]))
    ref = lk["reference"]["ns_per_pkt"]
    gnuplot(STYLE + """set output 'masks.png'
set title "Program cost against masks (BPF\\\\_PROG\\\\_TEST\\\\_RUN, microflow cache off)"
set logscale xy
set xlabel "masks installed"
set ylabel "ns per packet"
set xrange [0.8:300]
plot 'masks-last.dat' using 1:2 with linespoints lw 2 title 'hit at the last mask probed', \\
     'masks-first.dat' using 1:2 with linespoints lw 2 title 'hit at the first mask', \\
     %d with lines lw 2 dt 2 title 'microflow hit', \\
     %d with lines lw 2 dt 3 title 'reference (plain redirect)', \\
     %d with lines lw 2 dt 4 title 'miss (to the agent)'
""" % (lk["microflow"]["ns_per_pkt"], max(ref, 1), lk["miss"]["ns_per_pkt"]),
            outdir)
    return "masks.png"


def scale_chart(res, outdir):
    lk = res.get("lookupcost")
    if not lk or not lk["scale"]:
        return None
    with open(os.path.join(outdir, "scale.dat"), "w") as out:
        for s in lk["scale"]:
            out.write("%d %d %.0f\n" % (s["megaflows"], s["hit"]["ns_per_pkt"],
                                        s["kernel_bytes_per_megaflow"]))
    gnuplot(STYLE + """set output 'scale.png'
set title "Megaflow hit against table size (one mask, random order, microflow cache off)"
set logscale x
set xlabel "megaflows installed"
set ylabel "ns per packet"
set y2label "kernel bytes per megaflow"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
plot 'scale.dat' using 1:2 with linespoints lw 2 title 'ns per packet', \\
     'scale.dat' using 1:3 axes x1y2 with linespoints lw 2 dt 2 title 'bytes per megaflow'
""", outdir)
    return "scale.png"


def main(results, outdir):
    if not shutil.which("gnuplot"):
        print("charts: gnuplot is not installed (scripts/install-deps.sh --bench)")
        return 0
    res = json.load(open(results))
    os.makedirs(outdir, exist_ok=True)
    made = [c for c in (rate_chart(res, outdir), masks_chart(res, outdir),
                        scale_chart(res, outdir)) if c]
    print("charts: " + " ".join(os.path.join(outdir, c) for c in made))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: charts.py RESULTS.json OUTDIR")
    sys.exit(main(*sys.argv[1:]))
