#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What `make bench` runs: program cost, forwarding rates and miss-path rates
# of the reference XDP redirect, the Linux bridge, xdpswitch and Open vSwitch
# with AF_XDP ports, measured in one run; prints a table with ratios to the
# reference and writes $O/bench/results.json. Asserts no speed. Knobs:
#   BENCH_SECONDS  traffic time per rate measurement (4)
#   BENCH_FLOWS    flow counts to measure ("1 1000 100000")
#   BENCH_SIZE     frame size incl. FCS (64)
#   BENCH_PROTO    udp or tcp (udp)
#   BENCH_THREADS  generator threads, one per CPU (1)
#   BENCH_MODES    forwarders to measure ("redirect bridge xdpswitch ovs
#                  xdpswitch-normal ovs-normal"; *-normal: the one flow
#                  priority=0,actions=NORMAL instead of port 1 <-> 2)
#   BENCH_NEWFLOW_RATES  new flows per second offered to the miss path of
#                  xdpswitch and OVS ("10000 100000"), each for 2 s
#   BENCH_CLASSIFIER  0 skips bench_classifier (agent classifier figures)
#   BENCH_LOOKUP   0 skips lookupcost (cost by lookup path and table size)
#   BENCH_SCALE    megaflow counts of lookupcost's scale part
#                  ("1000 100000 1000000")
#   BENCH_LATENCY  0 skips the first-packet latency (latency.c)
#   BENCH_REVAL    megaflow counts of revalcost (revalidation cost on the
#                  xdp and dummy providers; "10000 100000"; 0 skips)
#   BENCH_TABLES   0 skips the cost of table changes (tablechanges.py)
#   BENCH_OPENFLOW 0 skips the OpenFlow figures beside Open vSwitch (openflow.sh)
#   BENCH_OVS_DIFF 0 skips the long differential test against Open vSwitch
#                  (tests/diff/ovs_diff.py: 200 pipelines x 40 packets)
#   BENCH_CT       0 skips the connection tracking figures (ct.sh: xdpswitch
#                  and Open vSwitch, plain and firewall tables; BENCH_CT_OVS=0
#                  leaves OVS out, BENCH_CT_SECONDS, BENCH_CT_NEW)
#   BENCH_HOSTILE  0 skips the hostile traffic figures (hostile.sh: a miss
#                  flood beside other ports' traffic and control requests;
#                  tse.sh: tuple space explosion beside Open vSwitch)
set -euo pipefail
cd "$(dirname "$0")/../.."

O=${O:-build}
B=$O/tests/bench
SECS=${BENCH_SECONDS:-4}
FLOWS=${BENCH_FLOWS:-1 1000 100000}
SIZE=${BENCH_SIZE:-64}
PROTO=${BENCH_PROTO:-udp}
THREADS=${BENCH_THREADS:-1}
MODES=${BENCH_MODES:-redirect bridge xdpswitch ovs xdpswitch-normal ovs-normal}
NEWFLOW_RATES=${BENCH_NEWFLOW_RATES:-10000 100000 200000}
NEWFLOW_SECS=2
OUT=$O/bench
export O BENCH_PREFIX=${BENCH_PREFIX:-xsb}
topo=tests/bench/bench-topo.sh

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (network namespaces, XDP)" >&2
	exit 1
fi
for t in trafficgen sink redirect progcost lookupcost latency revalcost ctlburst; do
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
# traffic SINK_SECS TRAFFICGEN-ARGS...: runs the sink for SINK_SECS and the
# generator, half a second after the sink is attached; sets $gen and $sink
# to their JSON summaries.
traffic() {
	local sink_secs=$1 pid
	shift
	ip netns exec "$BENCH_PREFIX-sink" "$B/sink" --dev sink0 --quiet --json \
		--duration "$sink_secs" >"$tmp/sink.out" 2>>"$log" &
	pid=$!
	for _ in $(seq 100); do
		grep -qs attached "$tmp/sink.out" && break
		sleep 0.05
	done
	sleep 0.5
	gen=$(ip netns exec "$BENCH_PREFIX-gen" "$B/trafficgen" --dev gen0 --quiet --json \
		--size "$SIZE" --proto "$PROTO" --dst-mac 02:b0:00:00:00:02 "$@" 2>>"$log")
	wait "$pid"
	sink=$(tail -n 1 "$tmp/sink.out")
}

# rate MODE FLOWS: the generator sends for SECS as fast as it can; the
# sink's steady rate is the forwarding rate.
rate() {
	local mode=$1 flows=$2
	traffic $((SECS + 2)) --duration "$SECS" --flows "$flows" --threads "$THREADS"
	record rate "\"mode\":\"$mode\",\"flows\":$flows,\"gen\":$gen,\"sink\":$sink"
	printf '  %-10s %7s flows: %s\n' "$mode" "$flows" "$(echo "$sink" |
		python3 -c 'import json,sys; print("%.3f Mpps" % (json.load(sys.stdin)["pps"] / 1e6))')"
}

# The table of the miss-path figures: it copies the source address and port
# into the destination ones, so no megaflow can cover two flows.
newflows_table() {
	cat >"$OUT/newflows.txt" <<-'END'
	in_port=1,udp,actions=move:NXM_OF_UDP_SRC[]->NXM_OF_UDP_DST[],move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],output:2
	in_port=1,tcp,actions=move:NXM_OF_TCP_SRC[]->NXM_OF_TCP_DST[],move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],output:2
	in_port=2,actions=output:1
	END
}

# CPU ticks (user + system) of process PID so far; 0 if it is gone.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# newflows MODE RATE: the miss path. A freshly started forwarder gets
# RATE * NEWFLOW_SECS packets at RATE per second, each one a new flow; the
# share that comes out is the share of first packets the miss path handled.
# The table copies the source address and port into the destination ones,
# so no megaflow can cover two flows: every packet is a miss. For
# xdpswitch also the agent's CPU time per miss it handled: the figure the
# machine's other load does not move (the delivered share follows the
# CPU the agent gets).
newflows() {
	local mode=$1 r=$2 n=$(($2 * NEWFLOW_SECS)) apid= t0=0 t1=0 handled=0 cpu=
	newflows_table
	BENCH_FLOWS_FILE=$OUT/newflows.txt $topo mode "$mode" >>"$log" 2>&1 || return 0
	if [ "$mode" = xdpswitch ]; then
		apid=$(cat "$O/bench/$BENCH_PREFIX/agent.pid" 2>/dev/null || true)
		[ -n "$apid" ] && t0=$(cpu_ticks "$apid")
	fi
	traffic $((NEWFLOW_SECS + 3)) --count "$n" --flows "$n" --rate "$r"
	if [ -n "$apid" ]; then
		t1=$(cpu_ticks "$apid")
		handled=$(ip netns exec "$BENCH_PREFIX-sw" "$O/xdpswitch" show --bridge \
			"$BENCH_PREFIX" 2>>"$log" | sed -n 's/^agent: upcalls \([0-9]*\).*/\1/p')
		[ "${handled:-0}" -gt 0 ] && cpu=$(python3 -c "print(round(($t1 - $t0) * \
			1e6 / $(getconf CLK_TCK) / $handled, 2))")
	fi
	record newflows "\"mode\":\"$mode\",\"rate\":$r,\"gen\":$gen,\"sink\":$sink${cpu:+,\"agent_us_per_miss\":$cpu}"
	printf '  %-10s %7s new flows/s offered: %s delivered%s\n' "$mode" "$r" "$(echo "$sink" |
		python3 -c 'import json,sys; print("%.1f%%" % (json.load(sys.stdin)["packets"] * 100 / '"$n"'))')" \
		"${cpu:+ (agent CPU $cpu us per miss handled)}"
}

# --- 0. the switch's program cost by lookup path and table size ------------
# lookupcost: the reference and the switch's program (loaded through the
# agent's library, not attached) on a packet received on sw0 for sw1.
lookup() {
	local lc
	echo "== program cost by lookup path (lookupcost, ns per packet)"
	lc=$(ip netns exec "$BENCH_PREFIX-sw" "$B/lookupcost" --in sw0 --out sw1 \
		--scale "${BENCH_SCALE:-1000 100000 1000000}" 2>>"$log") || {
		echo "  lookupcost failed (see $log)"
		return 0
	}
	record lookupcost "\"result\":$lc"
	echo "$lc" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("  reference %d, microflow hit %d, miss %d" % (d["reference"]["ns_per_pkt"],
      d["microflow"]["ns_per_pkt"], d["miss"]["ns_per_pkt"]))
for m in d["megaflow"]:
    print("  megaflow hit, %3d masks, hit at the %-5s mask: %d" % (m["masks"],
          m["hit_at"], m["cost"]["ns_per_pkt"]))
for s in d["scale"]:
    print("  %7d megaflows, random order: %d ns, %.0f kernel bytes/megaflow" % (
          s["megaflows"], s["hit"]["ns_per_pkt"], s["kernel_bytes_per_megaflow"]))'
}

# latency MODE: first-packet round trip through a freshly started
# forwarder (every UDP source port its own megaflow, as for newflows: the
# first frame of a flow is a miss) against the second frame of the flow.
latency() {
	local mode=$1 pid lat
	[ "${BENCH_LATENCY:-1}" = 0 ] && return 0
	newflows_table
	BENCH_FLOWS_FILE=$OUT/newflows.txt $topo mode "$mode" >>"$log" 2>&1 || return 0
	ip netns exec "$BENCH_PREFIX-sink" "$B/latency" echo --dev sink0 \
		--duration 60 2>>"$log" &
	pid=$!
	sleep 0.3
	lat=$(ip netns exec "$BENCH_PREFIX-gen" "$B/latency" ping --dev gen0 --json \
		--flows "${BENCH_LATENCY_FLOWS:-200}" --dst-mac 02:b0:00:00:00:02 2>>"$log") || lat=
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$lat" ] || { echo "  $mode: latency failed (see $log)"; return 0; }
	record latency "\"mode\":\"$mode\",\"result\":$lat"
	echo "$lat" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("  %-10s round trip, first packet of a flow: median %.1f us, p99 %.1f us;"
      " second: median %.1f us, p99 %.1f us" % ("'"$mode"'", d["first"]["median_us"],
      d["first"]["p99_us"], d["second"]["median_us"], d["second"]["p99_us"]))'
}

# revalcost: a full revalidation pass over N megaflows on each provider
# (all kept, then all modified) and a counter harvest; no traffic.
reval() {
	local n dp rc
	[ "${BENCH_REVAL:-}" = 0 ] && return 0
	echo "== revalidation cost (revalcost)"
	for n in ${BENCH_REVAL:-10000 100000}; do
		for dp in xdp dummy; do
			rc=$("$B/revalcost" --datapath "$dp" --megaflows "$n" 2>>"$log") || {
				echo "  revalcost $dp $n failed (see $log)"; continue; }
			record revalcost "\"result\":$rc"
			echo "$rc" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("  %-5s %7d megaflows: pass (all kept) %.1f ms, harvest %.1f ms, pass (all modified) %.1f ms"
      % (d["datapath"], d["megaflows"], d["pass_kept_ms"], d["harvest_ms"], d["pass_modified_ms"]))'
		done
	done
}
reval

echo "== $SIZE-byte $PROTO, ${SECS}s per rate point, $THREADS generator thread(s)"
$topo up >>"$log" 2>&1
[ "${BENCH_LOOKUP:-1}" = 0 ] || lookup
echo "priority=0,actions=NORMAL" >"$OUT/normal-flows.txt"
for mode in $MODES; do
	base=${mode%-normal} flows_env=()
	[ "$base" = "$mode" ] || flows_env=("BENCH_FLOWS_FILE=$OUT/normal-flows.txt")
	case $base in
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
	if ! env "${flows_env[@]}" $topo mode "$base" >>"$log" 2>&1; then
		why=$(tail -n 1 "$log" | sed 's/"/\\"/g')
		record skipped "\"mode\":\"$mode\",\"why\":\"setup failed: $why\""
		printf '  %-10s skipped, setup failed: %s\n' "$mode" "$why"
		continue
	fi
	# OVS's XDP program only hands frames to AF_XDP: its cost says nothing.
	[ "$base" = ovs ] || cost "$mode"
	for f in $FLOWS; do
		rate "$mode" "$f"
	done
	# Only forwarders with a miss path: the switch and Open vSwitch.
	case $mode in xdpswitch | ovs)
		for r in $NEWFLOW_RATES; do
			newflows "$mode" "$r"
		done
		latency "$mode" ;;
	esac
done
$topo mode none >>"$log" 2>&1

# --- 3. agent-side figures from other bench programs (printed as they are) -
if [ "${BENCH_CLASSIFIER:-1}" = 1 ] && [ -x "$B/bench_classifier" ]; then
	echo "== classifier (bench_classifier)"
	"$B/bench_classifier" | tee "$OUT/classifier.txt" | sed 's/^/  /'
	record text "\"name\":\"classifier\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/classifier.txt")"
fi

# Table changes through the control socket (agent --no-datapath: tables,
# journal and fsync, with 100 and 100,000 rules; see tablechanges.py).
if [ "${BENCH_TABLES:-1}" = 1 ]; then
	echo "== table changes (tablechanges.py)"
	if python3 tests/bench/tablechanges.py --build "$O" --json "$OUT/tablechanges.json" \
		>"$OUT/tablechanges.txt" 2>>"$log"; then
		sed 's/^/  /' "$OUT/tablechanges.txt"
		record text "\"name\":\"tablechanges\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/tablechanges.txt")"
	else
		echo "  failed (see $log)"
	fi
fi

# The flow language against Open vSwitch, long mode (make test runs a
# short one: tests/e2e/test_ovs_differential.sh).
if [ "${BENCH_OVS_DIFF:-1}" = 1 ] && command -v ovs-vswitchd >/dev/null; then
	echo "== differential test against Open vSwitch (ovs_diff.py, long)"
	if python3 tests/diff/ovs_diff.py --build "$O" --seed "${BENCH_OVS_DIFF_SEED:-1}" \
		--pipelines 200 --packets 40 >"$OUT/ovs_diff.txt" 2>>"$log"; then
		sed 's/^/  /' "$OUT/ovs_diff.txt"
	else
		sed 's/^/  /' "$OUT/ovs_diff.txt" | head -20
		echo "  failed (see $OUT/ovs_diff.txt)"
	fi
	record text "\"name\":\"ovs_diff\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/ovs_diff.txt")"
fi

# Connection tracking: firewall pipeline against plain forwarding, new
# connections per second, memory per connection, xdpswitch beside Open
# vSwitch's userspace datapath (ct.sh).
if [ "${BENCH_CT:-1}" = 1 ]; then
	echo "== connection tracking (ct.sh)"
	if O=$O tests/bench/ct.sh >"$OUT/ct.txt" 2>>"$log"; then
		sed 's/^/  /' "$OUT/ct.txt"
		record text "\"name\":\"conntrack\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/ct.txt")"
	else
		echo "  failed (see $log)"
	fi
fi

# Hostile traffic: a miss flood from one port (hostile.sh), then the tuple
# space explosion beside Open vSwitch (tse.sh).
if [ "${BENCH_HOSTILE:-1}" = 1 ]; then
	for h in hostile tse; do
		echo "== hostile traffic ($h.sh)"
		if O=$O tests/bench/$h.sh >"$OUT/$h.txt" 2>>"$log"; then
			sed 's/^/  /' "$OUT/$h.txt"
			record text "\"name\":\"$h\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/$h.txt")"
		else
			echo "  failed (see $log)"
		fi
	done
fi

# OpenFlow 1.3 control plane beside Open vSwitch (openflow.sh): flow_mods
# per second with a barrier every 1,000, packet-in round trip and rate.
if [ "${BENCH_OPENFLOW:-1}" = 1 ]; then
	echo "== OpenFlow 1.3 (openflow.sh)"
	if O=$O tests/bench/openflow.sh >"$OUT/openflow.txt" 2>>"$log"; then
		sed 's/^/  /' "$OUT/openflow.txt"
		record text "\"name\":\"openflow\",\"lines\":$(python3 -c '
import json, sys; print(json.dumps(sys.stdin.read().splitlines()))' <"$OUT/openflow.txt")"
	else
		echo "  failed (see $log)"
	fi
fi

# --- 4. table and results.json ----------------------------------------------
python3 tests/bench/report.py "$runs" "$OUT/results.json" \
	"size=$SIZE" "proto=$PROTO" "seconds=$SECS" "threads=$THREADS"
# Charts (gnuplot PNG) next to results.json; docs/bench/ keeps a copy.
python3 tests/bench/charts.py "$OUT/results.json" "$OUT" || true
