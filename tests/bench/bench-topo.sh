#!/usr/bin/env bash
# Benchmark topology: generator -> switch -> sink, each in its own network
# namespace, joined by two veth pairs. Used by run.sh and the e2e smoke test.
#
#   bench-topo.sh up              create (after removing an old one)
#   bench-topo.sh down            remove
#   bench-topo.sh mode MODE       what forwards sw0 -> sw1 in the switch ns:
#       none       nothing (sw0 keeps GRO so it can take XDP frames)
#       redirect   the reference program, plain XDP redirect sw0 <-> sw1
#       bridge     a Linux bridge br0 with sw0 and sw1
#       xdpswitch  HOOK (issue 6): the xdpswitch agent on sw0 and sw1
#       ovs        Open vSwitch userspace datapath, AF_XDP ports sw0 sw1
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

in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }

down() {
	mode_none 2>/dev/null || true
	for ns in gen sw sink; do
		ip netns del "$P-$ns" 2>/dev/null || true
	done
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
	mode_none
}

# Back to a bare switch namespace: no program, no bridge, no OVS.
mode_none() {
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
		# HOOK (issue 6): start the agent in "$P-sw" on sw0 and sw1 with
		# the flows in_port=sw0 actions=output:sw1 (and back).
		echo "bench-topo.sh: mode xdpswitch is not wired up yet" >&2
		return 1 ;;
	ovs)
		"$(dirname "$0")"/ovs-afxdp.sh start "$P-sw" sw0 sw1 ;;
	esac
}

case "${1:-}" in
up) up ;;
down) down ;;
mode) [ $# = 2 ] || { echo "usage: $0 mode MODE" >&2; exit 2; }; mode "$2" ;;
*) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
