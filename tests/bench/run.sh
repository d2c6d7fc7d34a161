#!/usr/bin/env bash
# What `make bench` runs: program cost and forwarding rates of the reference
# XDP redirect, the Linux bridge (and, once wired, xdpswitch and OVS AF_XDP),
# measured in one run; prints a table with ratios to the reference and writes
# $O/bench/results.json. Asserts no speed. Knobs (environment):
#   BENCH_SECONDS  traffic time per rate measurement (4)
#   BENCH_FLOWS    flow counts to measure ("1 1000 100000")
#   BENCH_SIZE     frame size incl. FCS (64)
#   BENCH_PROTO    udp or tcp (udp)
#   BENCH_THREADS  generator threads, one per CPU (1)
#   BENCH_MODES    forwarders to measure ("redirect bridge xdpswitch ovs")
#   BENCH_CLASSIFIER  0 skips bench_classifier (agent classifier figures)
set -euo pipefail
cd "$(dirname "$0")/../.."

O=${O:-build}
B=$O/tests/bench
SECS=${BENCH_SECONDS:-4}
FLOWS=${BENCH_FLOWS:-1 1000 100000}
SIZE=${BENCH_SIZE:-64}
PROTO=${BENCH_PROTO:-udp}
THREADS=${BENCH_THREADS:-1}
MODES=${BENCH_MODES:-redirect bridge xdpswitch ovs}
OUT=$O/bench
export O BENCH_PREFIX=${BENCH_PREFIX:-xsb}
topo=tests/bench/bench-topo.sh

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (network namespaces, XDP)" >&2
	exit 1
fi
for t in trafficgen sink redirect progcost; do
	[ -x "$B/$t" ] || { make --no-print-directory O="$O" all; break; }
done
mkdir -p "$OUT"
runs=$OUT/runs.jsonl
: >"$runs"
log=$OUT/run.log
: >"$log"
tmp=$(mktemp -d)
trap '$topo down >>"$log" 2>&1 || true; rm -rf "$tmp"' EXIT

# record KIND JSON-FIELDS: one line of the measurement log.
record() { echo "{\"kind\":\"$1\",$2}" >>"$runs"; }

# --- 1. program cost (BPF_PROG_TEST_RUN) ------------------------------------
# cost MODE: the XDP program attached to sw0 (the reference redirect, or the
# switch with its maps as the agent filled them, behind libxdp's dispatcher
# when the agent uses it), run on the test packet as if it came in on sw0.
cost() {
	local mode=$1 id pc
	id=$(ip -j -d -n "$BENCH_PREFIX-sw" link show sw0 | python3 -c '
import json, sys
x = json.load(sys.stdin)[0].get("xdp", {})
print(x.get("prog", {}).get("id") or (x.get("attached") or [{}])[0].get("prog", {}).get("id", ""))')
	if [ -z "$id" ]; then
		echo "$mode: no XDP program on sw0, no program cost" >>"$log"
		return 0
	fi
	pc=$(ip netns exec "$BENCH_PREFIX-sw" "$B/progcost" --id "$id" --dev sw0 \
		--size "$SIZE" --proto "$PROTO" 2>>"$log") || return 0
	record progcost "\"name\":\"$mode\",\"result\":$pc"
	printf '  %-10s program cost: %s ns/packet\n' "$mode" "$(echo "$pc" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["ns_per_pkt"])')"
}

# --- 2. forwarding rate gen0 -> sw0 -> (forwarder) -> sw1 -> sink0 ---------
# rate MODE FLOWS: runs the sink for SECS+2 s and the generator for SECS s
# in the middle; the sink's steady rate is the forwarding rate.
rate() {
	local mode=$1 flows=$2 gen sink pid
	ip netns exec "$BENCH_PREFIX-sink" "$B/sink" --dev sink0 --quiet --json \
		--duration $((SECS + 2)) >"$tmp/sink.out" 2>>"$log" &
	pid=$!
	for _ in $(seq 100); do
		grep -qs attached "$tmp/sink.out" && break
		sleep 0.05
	done
	sleep 0.5
	gen=$(ip netns exec "$BENCH_PREFIX-gen" "$B/trafficgen" --dev gen0 --quiet --json \
		--duration "$SECS" --flows "$flows" --size "$SIZE" --proto "$PROTO" \
		--threads "$THREADS" --dst-mac 02:b0:00:00:00:02 2>>"$log")
	wait "$pid"
	sink=$(tail -n 1 "$tmp/sink.out")
	record rate "\"mode\":\"$mode\",\"flows\":$flows,\"gen\":$gen,\"sink\":$sink"
	printf '  %-10s %7s flows: %s\n' "$mode" "$flows" "$(echo "$sink" |
		python3 -c 'import json,sys; print("%.3f Mpps" % (json.load(sys.stdin)["pps"] / 1e6))')"
}

echo "== $SIZE-byte $PROTO, ${SECS}s per rate point, $THREADS generator thread(s)"
$topo up >>"$log" 2>&1
for mode in $MODES; do
	case $mode in
	xdpswitch)
		if [ ! -x "$O/xdpswitch" ]; then
			record skipped "\"mode\":\"xdpswitch\",\"why\":\"$O/xdpswitch is not built\""
			echo "  xdpswitch  skipped: $O/xdpswitch is not built"
			continue
		fi ;;
	ovs)
		if [ ! -x /usr/sbin/ovs-vswitchd ]; then
			record skipped "\"mode\":\"ovs\",\"why\":\"Open vSwitch is not installed\""
			echo "  ovs        skipped: Open vSwitch is not installed"
			continue
		fi ;;
	esac
	if ! $topo mode "$mode" >>"$log" 2>&1; then
		why=$(tail -n 1 "$log" | sed 's/"/\\"/g')
		record skipped "\"mode\":\"$mode\",\"why\":\"setup failed: $why\""
		printf '  %-10s skipped, setup failed: %s\n' "$mode" "$why"
		continue
	fi
	# OVS's XDP program only hands frames to AF_XDP: its cost says nothing.
	[ "$mode" = ovs ] || cost "$mode"
	for f in $FLOWS; do
		rate "$mode" "$f"
	done
done
$topo mode none >>"$log" 2>&1

# --- 3. agent-side figures from other bench programs (printed as they are) -
if [ "${BENCH_CLASSIFIER:-1}" = 1 ] && [ -x "$B/bench_classifier" ]; then
	echo "== classifier (bench_classifier)"
	"$B/bench_classifier" | tee "$OUT/classifier.txt" | sed 's/^/  /'
	record text "\"name\":\"classifier\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/classifier.txt")"
fi

# --- 4. table and results.json ----------------------------------------------
python3 tests/bench/report.py "$runs" "$OUT/results.json" \
	"size=$SIZE" "proto=$PROTO" "seconds=$SECS" "threads=$THREADS"
