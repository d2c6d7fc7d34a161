#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile traffic figures (make bench runs it; BENCH_HOSTILE=0 skips). Four
# plain hosts on the switch, default limits:
#   h1 floods new UDP flows at trafficgen's full rate (every packet its own
#      megaflow: the rule copies the source port and address into the
#      destination ones) towards h4;
#   h2 -> h3 an established flow at a fixed rate (BENCH_HOSTILE_EST_RATE);
#   h3 -> h2 new flows at a fixed rate (BENCH_HOSTILE_NEW_RATE, each its own
#      megaflow, so each first packet goes through the agent);
#   control requests: `show` over the control socket every 50 ms, the
#      request itself timed (tests/bench/ctlprobe.py), not a CLI start-up;
#   the agent's resident memory, sampled every 0.5 s.
# Phases: no flood; the flood; the flood with the agent at nice -10; the
# flood with the miss limiter off (--miss-rate 0).
# Each phase lasts BENCH_HOSTILE_SECONDS, a fresh agent for each but the
# first two (run.sh runs tse.sh after this).
# Prints a table, writes $O/bench/hostile.json. Asserts no speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
XS=$O/xdpswitch
B=$O/tests/bench
SECS=${BENCH_HOSTILE_SECONDS:-4}
EST_RATE=${BENCH_HOSTILE_EST_RATE:-100000}
NEW_RATE=${BENCH_HOSTILE_NEW_RATE:-2000}
P=xsh$$ BR=xsh$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xshostile-XXXXXX)
T=$XS_RUN_DIR
agent_pid=
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1 || true
	scripts/topo.sh destroy "$P" 2>/dev/null || true
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }
mac() { printf '02:00:00:00:00:%02x' "$1"; }
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2]) if d.get(sys.argv[2]) is not None else 0)' "$@"; }

scripts/topo.sh create "$P" 4 --gro
cat >"$T/flows" <<'FLOWS'
priority=200,in_port=1,udp actions=move:NXM_OF_UDP_SRC[]->NXM_OF_UDP_DST[],move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],output:4
priority=200,in_port=3,udp actions=move:NXM_OF_UDP_SRC[]->NXM_OF_UDP_DST[],move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],output:2
priority=100,in_port=2 actions=output:3
priority=10 actions=drop
FLOWS
# start_agent [OPTIONS]: a fresh agent (the previous one stopped)
start_agent() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
		"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1 || true
	fi
	nice -n "${NICE:-0}" "$XS" agent --bridge "$BR" --flows "$T/flows" "$@" \
		"$P-p1" "$P-p2" "$P-p3" "$P-p4" \
		2>>"$T/agent.log" &
	agent_pid=$!
	for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
	[ -S "$T/$BR.sock" ] || { echo "hostile.sh: the agent did not start" >&2; cat "$T/agent.log" >&2; exit 1; }
}

# phase NAME FLOOD(0|1): one measurement; leaves $T/NAME.* (JSON)
phase() {
	local name=$1 flood=$2 k pid rss max_rss=0 n=$((NEW_RATE * SECS)) end t0 dt cli=0
	# established: its megaflow is in place before the figures count
	h 2 "$B/trafficgen" --dev eth0 --dst-mac "$(mac 3)" --count 100 --quiet >/dev/null 2>>"$T/err"
	for k in 2 3 4; do
		h "$k" "$B/sink" --dev eth0 --quiet --json --duration $((SECS + 3)) \
			>"$T/$name.sink$k" 2>>"$T/err" &
		pids+=($!)
	done
	for _ in $(seq 100); do
		grep -qs attached "$T/$name.sink2" && grep -qs attached "$T/$name.sink3" &&
			grep -qs attached "$T/$name.sink4" && break
		sleep 0.05
	done
	sleep 0.3
	if [ "$flood" = 1 ]; then
		h 1 "$B/trafficgen" --dev eth0 --dst-mac "$(mac 4)" --flows 1000000 --cpu 0 \
			--duration $((SECS + 1)) --quiet --json >"$T/$name.flood" 2>>"$T/err" &
		pids+=($!)
		sleep 0.5
	else
		echo '{"packets":0,"pps":0}' >"$T/$name.flood"
	fi
	h 2 "$B/trafficgen" --dev eth0 --dst-mac "$(mac 3)" --cpu 1 --rate "$EST_RATE" \
		--duration "$SECS" --quiet --json >"$T/$name.est" 2>>"$T/err" &
	pids+=($!)
	h 3 "$B/trafficgen" --dev eth0 --dst-mac "$(mac 2)" --cpu 1 --rate "$NEW_RATE" \
		--flows "$n" --count "$n" --quiet --json >"$T/$name.new" 2>>"$T/err" &
	pids+=($!)
	python3 tests/bench/ctlprobe.py "$T/$BR.sock" "$SECS" 0.05 >"$T/$name.ctl" &
	pids+=($!)
	end=$(($(date +%s) + SECS))
	while [ "$(date +%s)" -lt "$end" ]; do
		rss=$(awk '/VmRSS/ {print $2}' "/proc/$agent_pid/status")
		[ "${rss:-0}" -gt "$max_rss" ] && max_rss=$rss
		# the CLI as a user runs it: process start-up included
		t0=$(date +%s%N)
		"$XS" show --bridge "$BR" >/dev/null 2>>"$T/err" || true
		dt=$((($(date +%s%N) - t0) / 1000000))
		[ "$dt" -gt "$cli" ] && cli=$dt
		sleep 0.5
	done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	pids=()
	echo "{\"max_rss_kb\": $max_rss, \"cli_max_ms\": $cli}" >"$T/$name.mem"
	"$XS" show --bridge "$BR" --json >"$T/$name.show" 2>>"$T/err" || echo '{}' >"$T/$name.show"
}

start_agent
phase quiet 0
phase flood 1
# the same flood with the agent at nice -10: what the scheduler adds to
# the control requests' time (the agent shares two CPUs with the traffic)
NICE=-10 start_agent
phase nice 1
# the limiter off (default priority): the agent alone stands between the flood and the
# other ports' misses (its per-port queues, upcall_fair.h)
NICE=0 start_agent --miss-rate 0
phase nolimit 1

python3 - "$T" "$O/bench/hostile.json" "$SECS" "$EST_RATE" "$NEW_RATE" <<'PY'
import json, os, sys
t, out, secs, est_rate, new_rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def j(name):
    try:
        with open(os.path.join(t, name)) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return {}
r = {"seconds": secs, "est_rate_offered": est_rate, "new_rate_offered": new_rate}
for ph in ("quiet", "flood", "nice", "nolimit"):
    est, sink3 = j(ph + ".est"), j(ph + ".sink3")
    new, sink2 = j(ph + ".new"), j(ph + ".sink2")
    flood, ctl, mem = j(ph + ".flood"), j(ph + ".ctl"), j(ph + ".mem")
    show = j(ph + ".show")
    agent = show.get("agent", {})
    r[ph] = {
        "est_sent": est.get("packets", 0), "est_delivered": sink3.get("packets", 0),
        "new_sent": new.get("packets", 0), "new_delivered": sink2.get("packets", 0),
        "flood_pps": flood.get("pps", 0), "flood_delivered": j(ph + ".sink4").get("packets", 0),
        "ctl": ctl, "max_rss_kb": mem.get("max_rss_kb", 0), "cli_max_ms": mem.get("cli_max_ms", 0),
        "miss_shed": show.get("counters", {}).get("miss_shed", 0),
        "miss_lost": show.get("counters", {}).get("miss_lost", 0),
        "fair_dropped": agent.get("fair_dropped", 0),
    }
q, f, n, u = r["quiet"], r["flood"], r["nice"], r["nolimit"]
ratio = lambda a, b: (a / b) if b else 0.0
share = lambda d, s: min(d, s) / s if s else 0.0
for k, ph in (("", f), ("nice_", n), ("nolimit_", u)):
    r[k + "est_kept"] = ratio(share(ph["est_delivered"], ph["est_sent"]), share(q["est_delivered"], q["est_sent"]))
    r[k + "new_kept"] = ratio(ph["new_delivered"], q["new_delivered"])
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as fh:
    json.dump(r, fh, indent=1)
ms = lambda c, k: "%.1f" % c[k] if c.get(k) is not None else "-"
row = lambda label, fmt, key: print(("  %-50s " + " ".join([fmt] * 4)) % ((label,) + tuple(key(x) for x in (q, f, n, u))))
print("  %-50s %12s %12s %12s %12s" % ("", "no flood", "flood", "flood, agent", "flood, no"))
print("  %-50s %12s %12s %12s %12s" % ("", "", "", "at nice -10", "limiter"))
row("flood offered by h1 (Mpps, trafficgen full rate)", "%12.2f", lambda p: p["flood_pps"] / 1e6)
row("established h2->h3: sent (%d pps x %d s)" % (est_rate, secs), "%12d", lambda p: p["est_sent"])
row("established h2->h3: delivered", "%12d", lambda p: p["est_delivered"])
row("new flows h3->h2: sent (%d/s)" % new_rate, "%12d", lambda p: p["new_sent"])
row("new flows h3->h2: set up (first packet delivered)", "%12d", lambda p: p["new_delivered"])
row("control request `show`, median ms", "%12s", lambda p: ms(p["ctl"], "median_ms"))
row("control request `show`, slowest ms", "%12s", lambda p: ms(p["ctl"], "max_ms"))
row("control requests made", "%12s", lambda p: p["ctl"].get("requests", 0))
row("`xdpswitch show` CLI, slowest ms (with start-up)", "%12d", lambda p: p["cli_max_ms"])
row("agent resident memory, max kB", "%12d", lambda p: p["max_rss_kb"])
row("flood misses shed by the limiter", "%12d", lambda p: p["miss_shed"])
row("misses lost: the ring was full (all ports)", "%12d", lambda p: p["miss_lost"])
row("dropped from the longest agent queue", "%12d", lambda p: p["fair_dropped"])
print("  under the flood: established flow %.1f%% of its no-flood delivery, new flows %.1f%%;"
      % (100 * r["est_kept"], 100 * r["new_kept"]))
print("  agent at nice -10: %.1f%% and %.1f%%; limiter off: %.1f%% and %.1f%%" % (
      100 * r["nice_est_kept"], 100 * r["nice_new_kept"], 100 * r["nolimit_est_kept"], 100 * r["nolimit_new_kept"]))
PY
