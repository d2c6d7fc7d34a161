#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Test topology: N plain hosts, each in its own network namespace, wired by
# a veth pair to a port in the root namespace that a switch can attach.
#
#   topo.sh create PREFIX N [--gro]   hosts PREFIX-h1..hN, ports PREFIX-p1..pN
#   topo.sh destroy PREFIX            removes exactly what create made
#   topo.sh ports PREFIX              prints the port names, one per line
#
# Host K: namespace PREFIX-hK, interface eth0, 10.0.0.K/24, MAC
# 02:00:00:00:00:KK (hex), IPv6 DAD off, otherwise as a fresh veth (TX
# checksum offload on). Port K: PREFIX-pK in the root namespace, up.
# --gro enables GRO on each host's eth0: a veth then accepts frames
# XDP-redirected into its peer (PREFIX-pK) without an XDP program of its
# own, so the switch forwards to it in XDP. It also turns TX checksum
# offload off: a frame a native-XDP veth redirects loses the skb's
# "checksum pending" mark, so local senders must write full checksums (the
# same rule as Open vSwitch's AF_XDP ports on veth). PREFIX: letters,
# digits, '-', at most 10 characters, so that
# parallel tests pick different prefixes and never clash.
set -euo pipefail

usage() {
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

check_prefix() {
	[[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,9}$ ]] ||
		{ echo "topo.sh: bad prefix '$1' (1-10 of A-Z a-z 0-9 -)" >&2; exit 2; }
}

create() {
	local prefix=$1 n=$2 gro=$3
	check_prefix "$prefix"
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 250 ] ||
		{ echo "topo.sh: host count must be 1..250, not '$n'" >&2; exit 2; }
	for k in $(seq 1 "$n"); do
		if ip netns list | awk '{print $1}' | grep -qx "$prefix-h$k" || ip link show "$prefix-p$k" >/dev/null 2>&1; then
			echo "topo.sh: $prefix-h$k or $prefix-p$k already exists (destroy $prefix first)" >&2
			exit 1
		fi
	done
	# on any failure, undo what was made so far
	trap 'destroy "$prefix"' ERR
	for k in $(seq 1 "$n"); do
		local ns=$prefix-h$k port=$prefix-p$k mac
		mac=$(printf '02:00:00:00:00:%02x' "$k")
		ip netns add "$ns"
		ip link add "$port" type veth peer name eth0 netns "$ns"
		ip -n "$ns" link set eth0 address "$mac"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
		ip -n "$ns" addr add "10.0.0.$k/24" dev eth0
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
		if [ "$gro" = 1 ]; then
			ip netns exec "$ns" ethtool -K eth0 gro on tx off >/dev/null
		fi
		ip link set "$port" up
	done
	trap - ERR
}

destroy() {
	local prefix=$1 ns
	check_prefix "$prefix"
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^$prefix-h[0-9]+$" || true); do
		ip netns del "$ns" # its eth0 goes with it, and so does the peer port
	done
	for port in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
		      grep -E "^$prefix-p[0-9]+$" || true); do
		ip link del "$port" 2>/dev/null || true
	done
}

ports() {
	check_prefix "$1"
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$1-p[0-9]+$" |
		sort -V || true
}

[ $# -ge 2 ] || usage
case "$1" in
create)
	[ $# -ge 3 ] && [ $# -le 4 ] || usage
	gro=0
	if [ $# = 4 ]; then
		[ "$4" = --gro ] || usage
		gro=1
	fi
	create "$2" "$3" "$gro"
	;;
destroy) [ $# = 2 ] || usage; destroy "$2" ;;
ports) [ $# = 2 ] || usage; ports "$2" ;;
*) usage ;;
esac
