#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tuple space explosion (CVE-2019-25076), xdpswitch and Open vSwitch (AF_XDP
# ports) side by side in one run (hostile.sh runs it from make bench;
# BENCH_TSE=0 skips). bench-topo.sh's gen0 -> switch -> sink0, an ACL:
#   allow UDP to 10.1.0.1 (the legitimate traffic: trafficgen, full rate,
#   BENCH_TSE_FLOWS flows, so most packets miss the exact-match caches and
#   walk the megaflow masks), allow 172.16.0.1 -> .2 and fd00::1 -> ::2
#   exactly, drop the rest.
# The legitimate rate is measured alone, then while tse_attack.py sends
# BENCH_TSE_RATE frames a second (each crafted to need a mask of its own,
# 320 distinct) from the same port. Prints the rates, their ratio and the
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

# legit SECONDS: the sink's steady rate (pps) of the legitimate traffic
legit() {
	local pid
	ip netns exec "$BENCH_PREFIX-sink" "$B/sink" --dev sink0 --quiet --json \
		--duration $(($1 + 2)) >"$T/sink" 2>>"$T/err" &
	pid=$!
	for _ in $(seq 100); do grep -qs attached "$T/sink" && break; sleep 0.05; done
	sleep 0.3
	ip netns exec "$BENCH_PREFIX-gen" "$B/trafficgen" --dev gen0 --quiet --json \
		--dst-mac 02:b0:00:00:00:02 --flows "$FLOWS" --duration "$1" >/dev/null 2>>"$T/err"
	wait "$pid"
	python3 -c 'import json,sys; print(int(json.loads(open(sys.argv[1]).read().splitlines()[-1])["pps"]))' "$T/sink"
}

# masks MODE: "masks probed per hit / masks" as the switch reports them
masks() {
	case $1 in
	xdpswitch)
		"$O/xdpswitch" show --bridge "$BENCH_PREFIX" --json 2>>"$T/err" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%.2f %d %d" % (d.get("masks_per_hit", 0), d.get("masks", 0), d.get("masks_refused", 0)))' ;;
	ovs)
		local run=$PWD/$O/bench/$BENCH_PREFIX/ovs
		ovs-appctl -t "$run/ovs-vswitchd.$(cat "$run/ovs-vswitchd.pid").ctl" \
			dpif-netdev/pmd-stats-show 2>>"$T/err" | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"avg. subtable lookups per megaflow hit: *([0-9.]+)", t)
print("%s - -" % (m.group(1) if m else "?"))' ;;
	esac
}

$topo up >>"$T/err" 2>&1
printf '  %-10s %14s %14s %8s %22s\n' "" "alone (Mpps)" "attack (Mpps)" "kept" "masks probed/hit, masks"
for mode in $MODES; do
	case $mode in
	ovs) command -v ovs-vswitchd >/dev/null || { echo "  ovs        skipped: not installed"; continue; } ;;
	esac
	if ! BENCH_FLOWS_FILE=$T/acl $topo mode "$mode" >>"$T/err" 2>&1; then
		echo "  $mode: setup failed: $(tail -n 1 "$T/err")"
		continue
	fi
	alone=$(legit "$SECS")
	read -r probes0 _ _ < <(masks "$mode")
	ip netns exec "$BENCH_PREFIX-gen" python3 tests/bench/tse_attack.py gen0 02:b0:00:00:00:02 \
		"$RATE" $((SECS + 4)) >"$T/attack" 2>>"$T/err" &
	apid=$!
	sleep 1.5 # the attack's masks are in place
	attacked=$(legit "$SECS")
	read -r probes1 nmasks refused < <(masks "$mode")
	wait "$apid" || true
	kept=$(python3 -c "import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); print('%.1f%%' % (100.0 * b / a if a else 0))" "$alone" "$attacked")
	printf '  %-10s %14.3f %14.3f %8s %22s\n' "$mode" "$(echo "$alone / 1000000" | bc -l)" \
		"$(echo "$attacked / 1000000" | bc -l)" "$kept" "$probes0 -> $probes1, $nmasks"
	echo "{\"mode\":\"$mode\",\"flows\":$FLOWS,\"attack_rate\":$RATE,\"alone_pps\":$alone,\"attack_pps\":$attacked,\"masks_per_hit_alone\":\"$probes0\",\"masks_per_hit_attack\":\"$probes1\",\"masks\":\"$nmasks\",\"masks_refused\":\"$refused\"}" >>"$T/results"
done
$topo mode none >>"$T/err" 2>&1 || true
mkdir -p "$O/bench"
python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))' \
	"$T/results" >"$O/bench/tse.json" 2>/dev/null || true
