#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Connection tracking figures (make bench runs it; BENCH_CT=0 skips), for
# xdpswitch and Open vSwitch 3.1's userspace datapath (AF_XDP ports,
# ovs-afxdp.sh) on the same topology (bench-topo.sh: gen -> sw -> sink,
# plain hosts in namespaces on veths, TX checksum offload off as AF_XDP
# needs) and the same two flow tables: plain forwarding, and a stateful
# firewall (ct on every packet, one recirculation; +trk+new commits,
# +trk+est passes). For each of the four:
#   - TCP throughput (iperf3, one stream, BENCH_CT_SECONDS s); for
#     xdpswitch also with GRO off on the switch's ports (GRO-merged
#     segments reach the TC stage's ct whole: the ratio shows it);
#   - new TCP connections per second (a Python client that connects and
#     closes in a loop: python-bound, the same client for all four);
#   - 64-byte UDP packets per second (trafficgen -> sink) over 1000
#     existing connections (one-way, so each packet is a lookup and a
#     commit of a known entry), and BENCH_CT_NEW packets each a new
#     connection (its own source address and port): new connections per
#     second as a packet rate, and how many came through;
#   - memory per connection after the new-connection run: xdpswitch's are
#     the kernel's (nf_conntrack slab growth per connection counted in the
#     switch's namespace), Open vSwitch's are in ovs-vswitchd (RSS growth
#     per connection that dpctl/ct-stats-show counts).
# Prints a table with ratios against the same forwarder's plain table and
# against Open vSwitch, all measured in this run; writes $O/bench/ct.json.
# Asserts no speed. BENCH_CT_OVS=0 leaves Open vSwitch out.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
B=$O/tests/bench
SECS=${BENCH_CT_SECONDS:-3}
NEW=${BENCH_CT_NEW:-200000}
export O BENCH_PREFIX=xsct
topo=tests/bench/bench-topo.sh
OVS_RUN=$PWD/$O/bench/$BENCH_PREFIX/ovs
tmp=$(mktemp -d /tmp/xsct-XXXXXX)
trap '$topo down >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$BENCH_PREFIX-$ns" "$@"; }
appctl() { OVS_RUNDIR=$OVS_RUN ovs-appctl "$@"; }

DPS="xdpswitch"
if [ "${BENCH_CT_OVS:-1}" = 1 ]; then
	if command -v ovs-vswitchd >/dev/null; then DPS="$DPS ovs"
	else echo "  (Open vSwitch is not installed: xdpswitch only)"; fi
fi

cat >"$tmp/plain" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,in_port=1 actions=output:2
priority=100,ip,in_port=2 actions=output:1
FLOWS
cat >"$tmp/firewall" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,ct_state=-trk actions=ct(zone=9,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=9),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+trk+est actions=output:1
table=1,priority=10,ip actions=drop
FLOWS

$topo up >"$tmp/topo.log" 2>&1 || { cat "$tmp/topo.log" >&2; exit 1; }
# Plain hosts on the outer ends: gen 10.0.0.1, sink 10.0.0.2. The UDP
# template (10.0.0.1+i:32768+i -> 10.1.0.1:9) goes to the sink's counter.
in_ns gen ip addr add 10.0.0.1/24 dev gen0
in_ns sink ip addr add 10.0.0.2/24 dev sink0
in_ns gen ethtool -K gen0 tx off >/dev/null
in_ns sink ethtool -K sink0 tx off >/dev/null

flush() { # DP: empties the forwarder's connection table
	if [ "$1" = ovs ]; then appctl dpctl/flush-conntrack >/dev/null
	else in_ns sw conntrack -F >/dev/null 2>&1 || true; fi
}

iperf() { # prints Gbit/s of one TCP stream gen -> sink
	in_ns sink timeout $((SECS + 10)) iperf3 -s -1 -B 10.0.0.2 >/dev/null 2>&1 &
	sleep 0.3
	in_ns gen timeout $((SECS + 8)) iperf3 -c 10.0.0.2 -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' ||
		echo null
	wait || true
}

conn_rate() { # PORT: prints new TCP connections per second gen -> sink
	rm -f "$tmp/srv.ready"
	in_ns sink timeout $((SECS + 5)) python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.2", int(sys.argv[1]))); s.listen(4096)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept(); c.close()' "$1" "$tmp/srv.ready" >/dev/null 2>&1 &
	for _ in $(seq 100); do [ -e "$tmp/srv.ready" ] && break; sleep 0.05; done
	in_ns gen python3 -c '
import socket, sys, time
end = time.time() + float(sys.argv[1]); n = 0
while time.time() < end:
    try:
        s = socket.create_connection(("10.0.0.2", int(sys.argv[2])), timeout=2)
    except OSError:
        continue
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    s.close(); n += 1
print("%.0f" % (n / float(sys.argv[1])))' "$SECS" "$1"
	wait || true
}

udp() { # TRAFFICGEN-ARGS...: the sink's JSON summary of what came through
	# nsenter itself, not in_ns: $! must be the sink's pid.
	nsenter --net="/run/netns/$BENCH_PREFIX-sink" "$B/sink" --dev sink0 --quiet --json \
		--interval 100 >"$tmp/sink.out" 2>>"$tmp/sink.log" &
	local pid=$!
	for _ in $(seq 100); do grep -qs attached "$tmp/sink.out" && break; sleep 0.05; done
	in_ns gen "$B/trafficgen" --dev gen0 --quiet --dst-mac 02:b0:00:00:00:02 "$@" \
		>/dev/null 2>>"$tmp/gen.log" || true
	sleep 0.5
	kill -TERM "$pid" # (async jobs of a script ignore SIGINT)
	wait "$pid" || true
	tail -n 1 "$tmp/sink.out"
}
pps() { python3 -c 'import json,sys; print("%.0f" % json.loads(sys.argv[1])["pps"])' "$1"; }
pkts() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["packets"])' "$1"; }

slab_bytes() { awk '$1 == "nf_conntrack" { print $3 * $4 }' /proc/slabinfo; }
ovs_rss() { awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$(cat "$OVS_RUN/ovs-vswitchd.pid")/status"; }
conns() { # DP: connections the forwarder holds
	if [ "$1" = ovs ]; then
		appctl dpctl/ct-stats-show | awk '/Total:/ { print $NF; exit }'
	else
		in_ns sw cat /proc/sys/net/netfilter/nf_conntrack_count
	fi
}

declare -A R
port=7000
for dp in $DPS; do
	for table in plain firewall; do
		if ! BENCH_FLOWS_FILE=$tmp/$table $topo mode "$dp" >>"$tmp/topo.log" 2>&1; then
			echo "  $dp: setup failed: $(tail -n 1 "$tmp/topo.log")"
			continue
		fi
		# The switch's ports keep GRO on (as bench-topo.sh leaves them,
		# and as users run them); the same stream is measured with GRO off
		# too, for the ratio.
		in_ns gen ping -c2 -i0.2 -W1 10.0.0.2 >/dev/null 2>&1 || true
		flush "$dp"
		R[$dp.$table.tcp]=$(iperf)
		if [ "$dp" = xdpswitch ]; then
			in_ns sw ethtool -K sw0 gro off >/dev/null
			in_ns sw ethtool -K sw1 gro off >/dev/null
			flush "$dp"
			R[$dp.$table.tcpnogro]=$(iperf)
			in_ns sw ethtool -K sw0 gro on >/dev/null
			in_ns sw ethtool -K sw1 gro on >/dev/null
		fi
		R[$dp.$table.conn]=$(conn_rate $((port++)))
		flush "$dp"
		R[$dp.$table.est]=$(pps "$(udp --flows 1000 --duration "$SECS")")
		flush "$dp"
		sleep 0.5
		c0=$(conns "$dp") s0=$(slab_bytes) r0=
		[ "$dp" = ovs ] && r0=$(ovs_rss)
		out=$(udp --flows "$NEW" --count "$NEW")
		R[$dp.$table.new]=$(pps "$out") R[$dp.$table.newpkts]=$(pkts "$out")
		if [ "$table" = firewall ]; then
			sleep 0.5
			n=$(($(conns "$dp") - c0))
			R[$dp.conns]=$n
			if [ "$dp" = ovs ]; then
				R[$dp.mem]=$(( ($(ovs_rss) - r0) / (n > 0 ? n : 1) ))
			else
				R[$dp.mem]=$(( ($(slab_bytes) - s0) / (n > 0 ? n : 1) ))
			fi
		fi
		flush "$dp"
	done
done
$topo mode none >>"$tmp/topo.log" 2>&1 || true

python3 - "$O/bench/ct.json" "$SECS" "$NEW" "$DPS" <<EOF
import json, sys
out, secs, new, dps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
raw = """$(for k in "${!R[@]}"; do echo "$k=${R[$k]}"; done)"""
r = {}
for line in raw.split():
    k, v = line.split("=", 1)
    r[k] = None if v in ("", "null") else float(v)
def g(k):
    return r.get(k)
def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"
def fmt(v, f="%.0f"):
    return "-" if v is None else f % v
rows = [("TCP, one stream (Gbit/s)", "tcp", "%.2f"),
        ("  the same, GRO off on the switch's ports", "tcpnogro", "%.2f"),
        ("new TCP connections/s (python client)", "conn", "%.0f"),
        ("64B UDP, 1000 existing connections (pps)", "est", "%.0f"),
        ("64B UDP, each packet a new connection (pps)", "new", "%.0f")]
cols = [(dp, t) for dp in dps for t in ("plain", "firewall")]
head = "  %-44s" % "" + "".join("%12s" % ("%s/%s" % ("xs" if dp == "xdpswitch" else dp, t[:4])) for dp, t in cols)
head += "%10s" % "fw/plain" + ("%10s" % "fw xs/ovs" if "ovs" in dps else "")
print(head)
for name, k, f in rows:
    line = "  %-44s" % name + "".join("%12s" % fmt(g("%s.%s.%s" % (dp, t, k)), f) for dp, t in cols)
    line += "%10s" % ratio(g("xdpswitch.firewall." + k), g("xdpswitch.plain." + k))
    if "ovs" in dps:
        line += "%10s" % ratio(g("xdpswitch.firewall." + k), g("ovs.firewall." + k))
    print(line)
for dp in dps:
    n = g(dp + ".firewall.newpkts")
    print("  %s: %s of %d new-connection packets came through the firewall"
          % (dp, fmt(n), new))
print("  memory per connection (%s connections made by the new-connection run):" % fmt(g("xdpswitch.conns")))
print("    xdpswitch: %s bytes of nf_conntrack slab (the kernel's; the datapath keeps none)"
      % fmt(g("xdpswitch.mem")))
if "ovs" in dps:
    print("    ovs:       %s bytes of ovs-vswitchd RSS (%s connections)"
          % (fmt(g("ovs.mem")), fmt(g("ovs.conns"))))
res = {"seconds": secs, "new_connections_sent": new, "figures": r}
json.dump(res, open(out, "w"), indent=1, sort_keys=True)
EOF
