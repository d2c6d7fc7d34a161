#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark topology: generator -> switch -> sink, each in its own network
# namespace, joined by two veth pairs. Used by run.sh and the e2e smoke test.
#
#   bench-topo.sh up              create (after removing an old one)
#   bench-topo.sh down            remove
#   bench-topo.sh mode MODE       what forwards sw0 -> sw1 in the switch ns:
#       none       nothing (sw0 keeps GRO so it can take XDP frames)
#       redirect   the reference program, plain XDP redirect sw0 <-> sw1
#       bridge     a Linux bridge br0 with sw0 and sw1
#       xdpswitch  the xdpswitch agent (bridge $P) on sw0=1 and sw1=2 with
#                  in_port=1,actions=output:2 and back (or the flows of
#                  $BENCH_FLOWS_FILE), with the options of
#                  $BENCH_AGENT_ARGS if set; its log and pid go to
#                  $O/bench/$P/agent.{log,pid}
#       ovs        Open vSwitch userspace datapath, AF_XDP ports sw0 sw1,
#                  the same flows (ovs-afxdp.sh, state in $O/bench/$P/ovs)
#
#   P-gen:  gen0  (02:b0:00:00:00:01) --- sw0 (02:b0:00:00:00:10)  :P-sw
#   P-sink: sink0 (02:b0:00:00:00:02) --- sw1 (02:b0:00:00:00:11)  :P-sw
# P is $BENCH_PREFIX (default xsb). $O is the build directory (build).
# Every veth has one queue per CPU.
set -euo pipefail

P=${BENCH_PREFIX:-xsb}
O=${O:-build}
B=$O/tests/bench
NCPU=$(nproc)
# State of what this topology runs, apart from other prefixes' (a smoke
# test may run while a benchmark does).
STATE=$O/bench/$P
AGENT_PID=$STATE/agent.pid
AGENT_LOG=$STATE/agent.log
export OVS_BENCH_DIR=$STATE/ovs

in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }

down() {
	mode_none 2>/dev/null || true
	for ns in gen sw sink; do
		ip netns del "$P-$ns" 2>/dev/null || true
	done
	rmdir "$STATE" 2>/dev/null || true # kept if it holds logs
}

up() {
	down
	for ns in gen sw sink; do
		ip netns add "$P-$ns"
		in_ns "$ns" ip link set lo up
		# No IPv6: its autoconfiguration chatter would reach the sink.
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add gen0 netns "$P-gen" numtxqueues "$NCPU" numrxqueues "$NCPU" \
		address 02:b0:00:00:00:01 type veth peer sw0 netns "$P-sw" \
		numtxqueues "$NCPU" numrxqueues "$NCPU" address 02:b0:00:00:00:10
	ip link add sink0 netns "$P-sink" numtxqueues "$NCPU" numrxqueues "$NCPU" \
		address 02:b0:00:00:00:02 type veth peer sw1 netns "$P-sw" \
		numtxqueues "$NCPU" numrxqueues "$NCPU" address 02:b0:00:00:00:11
	in_ns gen ip link set gen0 up
	in_ns sw ip link set sw0 up
	in_ns sw ip link set sw1 up
	in_ns sink ip link set sink0 up
	# GRO on the outer ends lets sw0 and sw1 transmit XDP frames (veth
	# advertises ndo-xmit only then) even before the sink is attached.
	in_ns gen ethtool -K gen0 gro on >/dev/null
	in_ns sink ethtool -K sink0 gro on >/dev/null
	mode_none
}

# The flow table of xdpswitch and OVS: $BENCH_FLOWS_FILE, or port 1 <-> 2.
flows_file() {
	if [ -n "${BENCH_FLOWS_FILE:-}" ]; then
		echo "$BENCH_FLOWS_FILE"
		return
	fi
	mkdir -p "$STATE"
	printf 'in_port=1,actions=output:2\nin_port=2,actions=output:1\n' \
		>"$STATE/flows.txt"
	echo "$STATE/flows.txt"
}

# Stops the agent, then removes what a stop leaves forwarding (programs on
# the ports, saved state), so the next mode starts from bare ports.
agent_stop() {
	local pid rc=0
	if [ -f "$AGENT_PID" ]; then
		pid=$(cat "$AGENT_PID")
		rm -f "$AGENT_PID"
		if kill "$pid" 2>/dev/null; then
			for _ in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "bench-topo.sh: agent $pid did not stop" >&2
				rc=1
			fi
		fi
	fi
	if [ -e "/run/xdpswitch/$P.state" ]; then
		in_ns sw "$O/xdpswitch" agent --bridge "$P" --cleanup \
			>>"$AGENT_LOG" 2>&1 || rc=1
	fi
	return $rc
}

# Starts the agent in the switch namespace and waits until both ports
# carry an XDP program.
agent_start() {
	mkdir -p "$STATE"
	# shellcheck disable=SC2086 # BENCH_AGENT_ARGS is a list of options
	ip netns exec "$P-sw" "$O/xdpswitch" agent --bridge "$P" ${BENCH_AGENT_ARGS:-} \
		--flows "$(flows_file)" sw0=1 sw1=2 >"$AGENT_LOG" 2>&1 &
	echo $! >"$AGENT_PID"
	local running=0
	for _ in $(seq 100); do
		if in_ns sw ip link show sw0 | grep -q 'prog/xdp' &&
		   in_ns sw ip link show sw1 | grep -q 'prog/xdp'; then
			return 0
		fi
		kill -0 "$(cat "$AGENT_PID")" 2>/dev/null || break
		# Ports are attached before the agent says it runs; allow a
		# moment more, then give up.
		grep -q 'running:' "$AGENT_LOG" && running=$((running + 1))
		[ "$running" -gt 5 ] && break
		sleep 0.1
	done
	echo "bench-topo.sh: the agent did not attach XDP to sw0 and sw1:" \
		"$(grep -m1 -o 'datapath [a-z]*' "$AGENT_LOG") (log: $AGENT_LOG)" >&2
	agent_stop
	return 1
}

# Back to a bare switch namespace: no program, no bridge, no agent, no OVS.
mode_none() {
	agent_stop
	"$(dirname "$0")"/ovs-afxdp.sh stop 2>/dev/null || true
	in_ns sw ip link del br0 2>/dev/null || true
	for dev in sw0 sw1; do
		in_ns sw ip link set "$dev" xdp off 2>/dev/null || true
		in_ns sw ip link set "$dev" nomaster 2>/dev/null || true
	done
	# A veth takes redirected XDP frames only with an XDP program or GRO.
	in_ns sw ethtool -K sw0 gro on >/dev/null
}

mode() {
	case "$1" in
	none | redirect | bridge | xdpswitch | ovs) ;;
	*)
		echo "bench-topo.sh: unknown mode '$1'" >&2
		return 2 ;;
	esac
	mode_none
	case "$1" in
	none) ;;
	redirect)
		in_ns sw "$B/redirect" sw0:sw1 sw1:sw0 ;;
	bridge)
		in_ns sw ip link add br0 type bridge stp_state 0
		in_ns sw ip link set sw0 master br0
		in_ns sw ip link set sw1 master br0
		in_ns sw ip link set br0 up ;;
	xdpswitch)
		agent_start ;;
	ovs)
		"$(dirname "$0")"/ovs-afxdp.sh start "$P-sw" sw0 sw1 "$(flows_file)" ;;
	esac
}

case "${1:-}" in
up) up ;;
down) down ;;
mode) [ $# = 2 ] || { echo "usage: $0 mode MODE" >&2; exit 2; }; mode "$2" ;;
*) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
