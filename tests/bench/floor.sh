#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# floor.sh: where the XDP program's time goes, stage by stage. Builds the
# program cut after each stage (bpf/xdpswitch.bpf.c, XS_BENCH_CUT: 1 empty,
# 2 parse, 3 lookup, 4 per-flow counters; 0 the whole program) into
# $O-cutN, runs lookupcost on each (microflow hit, and megaflow hit with 8
# masks, hit at the first probe), and prints each stage's cost as the difference of the
# minima over rounds, next to the reference program of the same run.
#   O=build tests/bench/floor.sh [ROUNDS]
# Needs root (BPF); about a minute of building per cut.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
ROUNDS=${1:-9}
declare -A micro mega ref
for cut in 1 2 3 4 0; do
	B="$O-cut$cut"
	# The object and its skeleton are rebuilt with the cut; make does not
	# see a changed -D, so they are removed first.
	rm -f "$B/bpf/xdpswitch.bpf.o" "$B/bpf/xdpswitch.skel.h"
	make -s -j2 O="$B" CLANG="clang -DXS_BENCH_CUT=$cut" "$B/bpf/xdpswitch.skel.h" >/dev/null
	touch "$B/bpf/xdpswitch.skel.h"
	make -s -j2 O="$B" "$B/tests/bench/lookupcost" >/dev/null
	flag=--cut-build
	[ "$cut" = 0 ] && flag=
	json=$("$B/tests/bench/lookupcost" --masks 8 --scale "" --scale-microflow "" \
		--rounds "$ROUNDS" --repeat 500000 $flag)
	read -r r m f < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
lo = lambda c: min(c["samples"])
first = [m for m in d["megaflow"] if m["hit_at"] == "first"][0]["cost"]
print(lo(d["reference"]), lo(d["microflow"]), lo(first))' "$json")
	ref[$cut]=$r micro[$cut]=$m mega[$cut]=$f
done
name=([1]="program call (empty program)" [2]="+ counter, parse" [3]="+ lookup"
      [4]="+ flow counters (account)" [0]="+ execute (whole program)")
printf "%-32s %14s %14s %6s\n" "stage (ns, min of rounds)" "microflow hit" "megaflow 8/1st" "ref"
prev_m=0 prev_f=0
for cut in 1 2 3 4 0; do
	printf "%-32s %6s (+%3s) %6s (+%3s) %6s\n" "${name[$cut]}" "${micro[$cut]}" \
		$((micro[$cut] - prev_m)) "${mega[$cut]}" $((mega[$cut] - prev_f)) "${ref[$cut]}"
	prev_m=${micro[$cut]} prev_f=${mega[$cut]}
done
