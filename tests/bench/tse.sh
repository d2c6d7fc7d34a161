#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tuple space explosion (CVE-2019-25076), xdpswitch and Open vSwitch (AF_XDP
# ports) side by side in one run (hostile.sh runs it from make bench;
# BENCH_TSE=0 skips). bench-topo.sh's gen0 -> switch -> sink0, an ACL:
#   allow UDP to 10.1.0.1 (the legitimate traffic: trafficgen, full rate,
#   BENCH_TSE_FLOWS flows, so most packets miss the exact-match caches and
#   walk the megaflow masks), allow 172.16.0.1 -> .2 and fd00::1 -> ::2
#   exactly, drop the rest.
# The legitimate rate is measured alone, then on a fresh switch that
# tse_attack.py has been sending BENCH_TSE_RATE frames a second to for 4 s
# (each crafted to need a mask of its own, 320 distinct) from the same
# port, so the legitimate mask is made under the attack. Prints the rates, their ratio and the
# masks each switch made; writes $O/bench/tse.json. Asserts no speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
B=$O/tests/bench
SECS=${BENCH_TSE_SECONDS:-4}
FLOWS=${BENCH_TSE_FLOWS:-100000}
RATE=${BENCH_TSE_RATE:-1000}
MODES=${BENCH_TSE_MODES:-xdpswitch ovs}
export O BENCH_PREFIX=xst$$
topo=tests/bench/bench-topo.sh
T=$(mktemp -d /tmp/xstse-XXXXXX)
trap '$topo down >/dev/null 2>&1 || true; rm -rf "$T"' EXIT

cat >"$T/acl" <<'FLOWS'
priority=300,udp,nw_dst=10.1.0.1 actions=output:2
priority=200,ip,nw_src=172.16.0.1,nw_dst=172.16.0.2 actions=output:2
priority=200,ipv6,ipv6_src=fd00::1,ipv6_dst=fd00::2 actions=output:2
priority=0 actions=drop
FLOWS

# legit MODE SECONDS: the sink's steady rate (pps) of the legitimate
# traffic, after two seconds of it (its megaflows made and ranked); the
# switch's probe counters are taken around the measured part only.
legit() {
	local pid
	ip netns exec "$BENCH_PREFIX-gen" "$B/trafficgen" --dev gen0 --quiet \
		--dst-mac 02:b0:00:00:00:02 --flows "$FLOWS" --duration 2 >/dev/null 2>>"$T/err"
	ip netns exec "$BENCH_PREFIX-sink" "$B/sink" --dev sink0 --quiet --json \
		--duration $(($2 + 2)) >"$T/sink" 2>>"$T/err" &
	pid=$!
	for _ in $(seq 100); do grep -qs attached "$T/sink" && break; sleep 0.05; done
	sleep 0.3
	counters "$1" >"$T/c0"
	ip netns exec "$BENCH_PREFIX-gen" "$B/trafficgen" --dev gen0 --quiet --json \
		--dst-mac 02:b0:00:00:00:02 --flows "$FLOWS" --duration "$2" >/dev/null 2>>"$T/err"
	counters "$1" >"$T/c1"
	wait "$pid"
	python3 -c 'import json,sys; print(int(json.loads(open(sys.argv[1]).read().splitlines()[-1])["pps"]))' "$T/sink"
}

# counters MODE: "megaflow_hits masks_probed masks refused evicted" (OVS:
# "0 lookups_per_hit - - -", its counters cleared here for the next call)
counters() {
	case $1 in
	xdpswitch)
		"$O/xdpswitch" show --bridge "$BENCH_PREFIX" --json 2>>"$T/err" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["counters"]
print(c["megaflow_hit"], c["masks_probed"], d["masks"], d["masks_refused"], d["masks_evicted"])' ;;
	ovs)
		local run=$PWD/$O/bench/$BENCH_PREFIX/ovs ctl
		ctl=$run/ovs-vswitchd.$(cat "$run/ovs-vswitchd.pid").ctl
		ovs-appctl -t "$ctl" dpif-netdev/pmd-stats-show 2>>"$T/err" | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"avg. subtable lookups per megaflow hit: *([0-9.]+)", t)
print("0 %s - - -" % (m.group(1) if m else "?"))'
		ovs-appctl -t "$ctl" dpif-netdev/pmd-stats-clear >/dev/null 2>>"$T/err" ;;
	esac
}

# probes MODE: masks probed per megaflow hit between $T/c0 and $T/c1
probes() {
	python3 - "$1" "$T/c0" "$T/c1" <<'PY'
import sys
a, b = open(sys.argv[2]).read().split(), open(sys.argv[3]).read().split()
if sys.argv[1] == "ovs":
    print(b[1])
else:
    hits = int(b[0]) - int(a[0])
    print("%.2f" % ((int(b[1]) - int(a[1])) / hits) if hits else "-")
PY
}

$topo up >>"$T/err" 2>&1
printf '  %-10s %14s %14s %8s %16s %8s %10s\n' "" "alone (Mpps)" "attack (Mpps)" "kept" "probes per hit" "masks" "evicted"
for mode in $MODES; do
	case $mode in
	ovs) command -v ovs-vswitchd >/dev/null || { echo "  ovs        skipped: not installed"; continue; } ;;
	esac
	if ! BENCH_FLOWS_FILE=$T/acl $topo mode "$mode" >>"$T/err" 2>&1; then
		echo "  $mode: setup failed: $(tail -n 1 "$T/err")"
		continue
	fi
	alone=$(legit "$mode" "$SECS")
	probes0=$(probes "$mode")
	# a fresh switch again: the attack comes first, so the legitimate
	# traffic's megaflow mask is made while the attack's fill the table
	BENCH_FLOWS_FILE=$T/acl $topo mode "$mode" >>"$T/err" 2>&1
	ip netns exec "$BENCH_PREFIX-gen" python3 tests/bench/tse_attack.py gen0 02:b0:00:00:00:02 \
		"$RATE" $((SECS + 9)) >"$T/attack" 2>>"$T/err" &
	apid=$!
	sleep 4 # the attack's masks are in place and have been ranked
	attacked=$(legit "$mode" "$SECS")
	probes1=$(probes "$mode")
	read -r _ _ nmasks refused evicted <"$T/c1"
	wait "$apid" || true
	kept=$(python3 -c "import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); print('%.1f%%' % (100.0 * b / a if a else 0))" "$alone" "$attacked")
	printf '  %-10s %14.3f %14.3f %8s %16s %8s %10s\n' "$mode" "$(echo "$alone / 1000000" | bc -l)" \
		"$(echo "$attacked / 1000000" | bc -l)" "$kept" "$probes0 -> $probes1" "$nmasks" "$evicted"
	echo "{\"mode\":\"$mode\",\"flows\":$FLOWS,\"attack_rate\":$RATE,\"alone_pps\":$alone,\"attack_pps\":$attacked,\"masks_per_hit_alone\":\"$probes0\",\"masks_per_hit_attack\":\"$probes1\",\"masks\":\"$nmasks\",\"masks_refused\":\"$refused\",\"masks_evicted\":\"$evicted\"}" >>"$T/results"
done
$topo mode none >>"$T/err" 2>&1 || true
mkdir -p "$O/bench"
python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))' \
	"$T/results" >"$O/bench/tse.json" 2>/dev/null || true
