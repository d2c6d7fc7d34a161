#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test of the benchmark tools (tests/bench): the generator sends an
# exact number of packets through the bench topology and the sink counts them.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
O=${XS_BUILD:-${O:-build}}
B=$O/tests/bench
export O BENCH_PREFIX=xst$$

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
for t in trafficgen sink redirect progcost lookupcost latency revalcost; do
	[ -x "$B/$t" ] || skip_all "$B/$t is not built (run make)"
done

topo=tests/bench/bench-topo.sh
tmp=$(mktemp -d)
sink_pid=
trap '[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; $topo down; rm -rf "$tmp"' EXIT
in_ns() { local ns=$1; shift; ip netns exec "$BENCH_PREFIX-$ns" "$@"; }

# Starts the sink on sink0 and waits until it is attached.
sink_start() {
	# Not through in_ns: $! must be the sink itself (ip netns exec execs it).
	ip netns exec "$BENCH_PREFIX-sink" "$B/sink" --dev sink0 --quiet --json \
		>"$tmp/sink.out" 2>"$tmp/sink.err" &
	sink_pid=$!
	for _ in $(seq 100); do
		grep -qs attached "$tmp/sink.out" && return 0
		sleep 0.05
	done
	return 1
}

# Stops the sink and puts its summary line in $out.
sink_stop() {
	sleep 0.2 # let the last frames drain through the veth rings
	kill -TERM "$sink_pid"
	wait "$sink_pid"
	out=$(tail -n 1 "$tmp/sink.out")
}

# json KEY TEXT: the value of KEY in the JSON object TEXT (empty if none).
json() {
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' \
		"$2" "$1" 2>/dev/null
}

check "topology comes up" $topo up
check "reference redirect attaches sw0 -> sw1" $topo mode redirect

check "sink attaches to sink0" sink_start
out=$(in_ns gen "$B/trafficgen" --dev gen0 --count 1000 --flows 100 --quiet --json)
check_eq "generator reports 1000 packets sent" 1000 "$(json packets "$out")"
sink_stop
check_eq "sink counts exactly 1000 packets" 1000 "$(json packets "$out")"
check_eq "sink counts 1000 x 60 bytes (64 minus FCS)" 60000 "$(json bytes "$out")"

check "sink attaches again" sink_start
err=$(in_ns sink "$B/sink" --dev sink0 --duration 1 2>&1); rc=$?
check_eq "a second sink on sink0 fails (status 1)" 1 "$rc"
check "... saying sink0 has an XDP program" \
	grep -q "cannot attach to sink0: .*(it has an XDP program already)" <<<"$err"
in_ns gen "$B/trafficgen" --dev gen0 --count 777 --proto tcp --size 128 \
	--threads 2 --flows 100000 --quiet >/dev/null
sink_stop
check_eq "2 threads, TCP, 128 bytes: 777 packets" 777 "$(json packets "$out")"
check_eq "... and 777 x 124 bytes" 96348 "$(json bytes "$out")"

check "sink attaches for a paced run" sink_start
gen=$(in_ns gen "$B/trafficgen" --dev gen0 --count 2000 --rate 10000 --quiet --json)
sink_stop
check_eq "paced: 2000 packets arrive" 2000 "$(json packets "$out")"
check "paced: 2000 packets at 10000/s take at least 0.19 s" \
	python3 -c "import sys; sys.exit(not $(json seconds "$gen") >= 0.19)"

# The kernel stack on sink0 checks what the generator wrote: IPv4 header
# and TCP checksums after the address/port rewrite, also for an odd length.
snmp() { # PROTO FIELD: a counter of /proc/net/snmp in the sink namespace
	in_ns sink awk -v p="$1:" -v f="$2" \
		'$1 == p { if (!n) { for (i = 2; i <= NF; i++) c[$i] = i; n = 1 }
			   else print $c[f] }' /proc/net/snmp
}
in_ns sink ip addr add 10.1.0.1/8 dev sink0
in_ns gen "$B/trafficgen" --dev gen0 --count 1000 --flows 100000 \
	--dst-mac 02:b0:00:00:00:02 --quiet >/dev/null
in_ns gen "$B/trafficgen" --dev gen0 --count 500 --flows 70000 --proto tcp \
	--size 101 --dst-mac 02:b0:00:00:00:02 --quiet >/dev/null
sleep 0.2
check_eq "stack on sink0 takes all 1500 IPv4 packets" 1500 "$(snmp Ip InReceives)"
check_eq "... with no IPv4 header errors" 0 "$(snmp Ip InHdrErrors)"
check_eq "... 1000 UDP to a closed port" 1000 "$(snmp Udp NoPorts)"
check_eq "... 500 TCP segments" 500 "$(snmp Tcp InSegs)"
check_eq "... none with a bad TCP checksum" 0 "$(snmp Tcp InCsumErrors)"

check "nothing forwards in mode none" $topo mode none
check "sink attaches for mode none" sink_start
in_ns gen "$B/trafficgen" --dev gen0 --count 1000 --quiet >/dev/null
sink_stop
check_eq "sink counts 0 packets when the switch forwards nothing" 0 "$(json packets "$out")"

out=$("$B/progcost" --reference --repeat 10000 --rounds 1)
check_eq "progcost: the reference redirects (XDP_REDIRECT = 4)" 4 "$(json retval "$out")"
check_eq "progcost: 64-byte template is 60 bytes" 60 "$(json packet_len "$out")"

# Bad input: a clear message naming the problem, exit status 2.
bad() { # description, expected message part, command...
	local d=$1 msg=$2; shift 2
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 2 ] && [[ "$err" == *"$msg"* ]]; then ok "$d"; else
		not_ok "$d"; echo "#   rc=$rc stderr: $err"; fi
}
bad "trafficgen: --flows 0 is rejected" "--flows: '0' is not a number in [1, 16777216]" \
	"$B/trafficgen" --dev lo --flows 0
bad "trafficgen: --size 63 is rejected" "--size: '63' is not a number in [64, 1518]" \
	"$B/trafficgen" --dev lo --size 63
bad "trafficgen: unknown --proto" "--proto: 'sctp' is not udp or tcp" \
	"$B/trafficgen" --dev lo --proto sctp
bad "trafficgen: bad MAC" "--dst-mac: '02:00' is not a MAC address" \
	"$B/trafficgen" --dev lo --dst-mac 02:00
bad "trafficgen: --dev is required" "--dev is required" "$B/trafficgen"
bad "trafficgen: --rate below one per thread" \
	"--rate 1 is less than one packet per second for each of the 2 threads" \
	"$B/trafficgen" --dev lo --rate 1 --threads 2
bad "trafficgen: unknown device" "--dev: cannot read the MAC of 'nosuch0'" \
	"$B/trafficgen" --dev nosuch0
bad "sink: unknown device" "--dev: no device 'nosuch0'" "$B/sink" --dev nosuch0
bad "sink: --interval 5 is rejected" "--interval: '5' is not a number in [10, 10000]" \
	"$B/sink" --dev lo --interval 5
bad "redirect: pair without colon" "'sw0' is not IN:OUT" "$B/redirect" sw0
bad "redirect: unknown device" "no device 'nosuch0'" "$B/redirect" lo:nosuch0
bad "progcost: no program given" "give exactly one of" "$B/progcost"
bad "progcost: --map without --obj" "--prog and --map need --obj" \
	"$B/progcost" --reference --map m:1=1
bad "progcost: malformed --map" "'m' is not NAME:KEY=VALUE" \
	"$B/progcost" --obj x.o --map m
err=$("$B/progcost" --id 4294967295 2>&1); rc=$?
check_eq "progcost: an unknown --id fails (status 1)" 1 "$rc"
check "... naming the id" grep -q -- "--id 4294967295: No such file or directory" <<<"$err"
err=$("$B/progcost" --pinned "$tmp/none" 2>&1); rc=$?
check_eq "progcost: a missing --pinned path fails (status 1)" 1 "$rc"
check "... naming the path" grep -q -- "--pinned $tmp/none: No such file or directory" <<<"$err"
err=$("$B/progcost" --obj "$tmp/none.bpf.o" 2>&1); rc=$?
check_eq "progcost: a missing --obj fails (status 1)" 1 "$rc"
check "... saying which file" grep -q -- "--obj: cannot open $tmp/none.bpf.o" <<<"$err"
bad "bench-topo.sh: unknown mode" "unknown mode 'warp'" $topo mode warp

# Exact exit status and first line of stderr (stdout for --help).
first_line() { # description, status, first line, command...
	local d=$1 st=$2 want=$3; shift 3
	local err rc
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = "$st" ] && [ "${err%%$'\n'*}" = "$want" ]; then ok "$d"; else
		not_ok "$d"; echo "#   rc=$rc (want $st) stderr: ${err%%$'\n'*}"; fi
}
help_ok() { # description, first line of the usage, command...
	local d=$1 want=$2; shift 2
	local out err rc
	out=$("$@" 2>"$tmp/help.err"); rc=$?
	err=$(cat "$tmp/help.err")
	if [ "$rc" = 0 ] && [ -z "$err" ] && [ "${out%%$'\n'*}" = "$want" ]; then ok "$d"; else
		not_ok "$d"; echo "#   rc=$rc stderr: $err stdout: ${out%%$'\n'*}"; fi
}

LC=$B/lookupcost
lc_usage='usage: lookupcost [--repeat N] [--rounds N] [--masks "1 8 64 256"]'
help_ok "lookupcost --help: usage on stdout, status 0" "$lc_usage" "$LC" --help
help_ok "lookupcost -h: the same" "$lc_usage" "$LC" -h
first_line "lookupcost: unknown option (status 2)" 2 \
	"$LC: unrecognized option '--bogus'" "$LC" --bogus
first_line "lookupcost: --repeat without a value" 2 \
	"$LC: option '--repeat' requires an argument" "$LC" --repeat
first_line "lookupcost: --repeat abc" 2 \
	"lookupcost: --repeat: 'abc' is not a number in [1, 2147483647]" "$LC" --repeat abc
first_line "lookupcost: --repeat 0" 2 \
	"lookupcost: --repeat: '0' is not a number in [1, 2147483647]" "$LC" --repeat 0
first_line "lookupcost: --rounds 102 (above 101)" 2 \
	"lookupcost: --rounds: '102' is not a number in [1, 101]" "$LC" --rounds 102
first_line "lookupcost: --scale-repeat -1" 2 \
	"lookupcost: --scale-repeat: '-1' is not a number in [1, 2147483647]" \
	"$LC" --scale-repeat -1
first_line "lookupcost: --masks 257 (above XS_MAX_MASKS)" 2 \
	"lookupcost: --masks: '257' is not a number in [1, 256]" "$LC" --masks "1 257"
first_line "lookupcost: --masks with 9 values" 2 \
	"lookupcost: --masks: at most 8 values" "$LC" --masks 1,2,3,4,5,6,7,8,9
first_line "lookupcost: --scale 16777217" 2 \
	"lookupcost: --scale: '16777217' is not a number in [1, 16777216]" \
	"$LC" --scale 16777217
first_line "lookupcost: --scale list too long" 2 \
	"lookupcost: --scale: list too long" "$LC" --scale "$(printf '1%.0s' $(seq 300))"
first_line "lookupcost: unknown --in device" 2 \
	"lookupcost: --in: no device 'nosuch0' in this network namespace" "$LC" --in nosuch0
first_line "lookupcost: unknown --out device" 2 \
	"lookupcost: --out: no device 'nosuch0' in this network namespace" "$LC" --out nosuch0
first_line "lookupcost: a stray argument" 2 \
	"lookupcost: unexpected argument 'extra'" "$LC" --rounds 1 extra

# A tiny full run: 2 mask sets, 100 megaflows, few repeats (under a second).
out=$("$LC" --repeat 1000 --rounds 1 --masks "1 2" --scale 100 --scale-repeat 100)
check_eq "lookupcost: a small run succeeds" 0 "$?"
lc=$(python3 -c '
import json, sys
o = json.loads(sys.argv[1])
print(sorted(o), o["packet_len"], o["rounds"],
      o["reference"]["retval"], o["microflow"]["retval"], o["miss"]["retval"],
      o["miss"]["repeat"],
      [(m["masks"], m["hit_at"], m["position"], m["masks_probed"],
        m["cost"]["retval"], len(m["cost"]["samples"])) for m in o["megaflow"]],
      [(s["megaflows"], s["masks"], s["hit"]["retval"], sorted(s["memlock"]))
       for s in o["scale"]],
      # Microflow on: the first cycle of 100 fills the cache, the second
      # hits it (less the entries two of the 100 keys may share).
      [(s["megaflows"], s["emc_insert_inv_prob"], s["hit"]["retval"],
        0.3 < s["microflow_hit_share"] <= 0.5) for s in o["scale_microflow"]],
      all(c["ns_per_pkt"] > 0 for c in [o["reference"], o["microflow"], o["miss"]]))
' "$out" 2>&1)
check_eq "lookupcost: JSON with every case; reference redirects, microflow TX, miss drops" \
	"['megaflow', 'microflow', 'miss', 'packet_len', 'reference', 'rounds', 'scale', 'scale_microflow'] 60 1 4 3 1 2000 [(1, 'last', 1, 1.0, 3, 1), (2, 'last', 2, 2.0, 3, 1), (2, 'first', 1, 1.0, 3, 1)] [(100, 1, 3, ['xs_flow_stats', 'xs_flows', 'xs_megaflows'])] [(100, 1, 3, True), (100, 100, 3, True)] True" \
	"$lc"
first_line "lookupcost: --scale-microflow 0" 2 \
	"lookupcost: --scale-microflow: '0' is not a number in [1, 4294967295]" \
	"$LC" --scale-microflow 0
# --cut-build (floor.sh) checks no path and skips the scale parts.
out=$("$LC" --cut-build --repeat 1000 --rounds 1 --masks 1 --scale 100)
lc=$(python3 -c '
import json, sys
o = json.loads(sys.argv[1])
print(o["scale"], o["scale_microflow"], len(o["megaflow"]))' "$out" 2>&1)
check_eq "lookupcost --cut-build: no scale part" "[] [] 1" "$lc"

LT=$B/latency
lt_usage="usage: latency echo --dev DEV [--duration S]"
help_ok "latency --help: usage on stdout, status 0" "$lt_usage" "$LT" --help
help_ok "latency ping --help: the same" "$lt_usage" "$LT" ping --help
help_ok "latency echo -h: the same" "$lt_usage" "$LT" echo -h
first_line "latency: no subcommand prints the usage (status 2)" 2 "$lt_usage" "$LT"
first_line "latency: unknown subcommand prints the usage" 2 "$lt_usage" "$LT" pong
first_line "latency: unknown option" 2 \
	"latency: unknown option '--bogus'" "$LT" ping --bogus
first_line "latency: --duration without a value" 2 \
	"latency: --duration needs a value" "$LT" echo --dev lo --duration
first_line "latency: --duration 3601" 2 \
	"latency: --duration: '3601' is not a number in [1, 3600]" \
	"$LT" echo --dev lo --duration 3601
first_line "latency: --flows 0" 2 \
	"latency: --flows: '0' is not a number in [1, 100000]" "$LT" ping --dev lo --flows 0
first_line "latency: --flows x" 2 \
	"latency: --flows: 'x' is not a number in [1, 100000]" "$LT" ping --dev lo --flows x
first_line "latency: --flows 100001" 2 \
	"latency: --flows: '100001' is not a number in [1, 100000]" \
	"$LT" ping --dev lo --flows 100001
first_line "latency: bad --dst-mac" 2 \
	"latency: --dst-mac: '02:00' is not a MAC address" "$LT" ping --dev lo --dst-mac 02:00
first_line "latency: --dev is required" 2 "latency: --dev is required" "$LT" ping
first_line "latency: a stray argument" 2 \
	"latency: unexpected argument 'extra'" "$LT" ping --dev lo extra
first_line "latency: unknown device (status 1)" 1 \
	"latency: --dev: no device 'nosuch0' in this network namespace" "$LT" ping --dev nosuch0

RC=$B/revalcost
help_ok "revalcost --help: usage on stdout, status 0" \
	"usage: revalcost [--megaflows N] [--datapath xdp|dummy]" "$RC" --help
first_line "revalcost: --megaflows 0" 2 \
	"revalcost: --megaflows: '0' is not a number in [1, 4194304]" "$RC" --megaflows 0
first_line "revalcost: --datapath bogus" 2 \
	"revalcost: --datapath: 'xdp' or 'dummy', not 'bogus'" "$RC" --datapath bogus
first_line "revalcost: a stray argument" 2 "revalcost: unexpected argument 'x'" "$RC" x
for dp in xdp dummy; do
	out=$("$RC" --datapath $dp --megaflows 500)
	check_eq "revalcost $dp: a small run succeeds" 0 "$?"
	check "revalcost $dp: 500 megaflows, every figure there" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["datapath"] == sys.argv[2] and d["megaflows"] == 500
assert all(d[k] >= 0 for k in ("install_s", "pass_kept_ms", "harvest_ms", "pass_modified_ms"))' \
		"$out" $dp
done
tap_done
