#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A private Open vSwitch (userspace datapath, AF_XDP ports) for the bench:
# its own database and sockets in $OVS_BENCH_DIR (default $O/bench/ovs),
# daemons in one netns.
#
#   ovs-afxdp.sh start NETNS PORT1 PORT2 [FLOWS]
#                      bridge br0 with PORT1=1, PORT2=2 and the flows of the
#                      file FLOWS (ovs-ofctl add-flows), by default
#                      in_port=1 -> 2 and 2 -> 1
#   ovs-afxdp.sh stop                      stop the daemons it started
# One PMD thread, on the last CPU ($OVS_PMD_MASK overrides); it polls, so
# it keeps that CPU busy until stop.
set -euo pipefail

O=${O:-build}
RUN=${OVS_BENCH_DIR:-$O/bench/ovs}
[[ $RUN == /* ]] || RUN=$PWD/$RUN # the daemons need absolute paths
export OVS_RUNDIR=$RUN OVS_LOGDIR=$RUN OVS_DBDIR=$RUN
DB=unix:$RUN/db.sock
vsctl() { ovs-vsctl --db="$DB" --timeout=10 "$@"; }

stop() {
	local d pid
	for d in ovs-vswitchd ovsdb-server; do
		[ -f "$RUN/$d.pid" ] || continue
		pid=$(cat "$RUN/$d.pid")
		rm -f "$RUN/$d.pid"
		kill "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
}

rx_queues() { # NETNS DEV
	ip netns exec "$1" sh -c "ls -d /sys/class/net/$2/queues/rx-* | wc -l"
}

start() {
	local ns=$1 p1=$2 p2=$3 flows=${4:-}
	local cpus mask
	stop
	mkdir -p "$RUN"
	cpus=$(nproc)
	mask=${OVS_PMD_MASK:-$(printf '0x%x' $((1 << (cpus - 1))))}
	rm -f "$RUN/conf.db"
	ovsdb-tool create "$RUN/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server "$RUN/conf.db" --remote="punix:$RUN/db.sock" \
		--pidfile="$RUN/ovsdb-server.pid" --detach -vconsole:off \
		--log-file="$RUN/ovsdb-server.log"
	vsctl --no-wait init
	vsctl --no-wait set Open_vSwitch . other_config:pmd-cpu-mask="$mask"
	ip netns exec "$ns" ovs-vswitchd "$DB" --pidfile="$RUN/ovs-vswitchd.pid" \
		--detach -vconsole:off --log-file="$RUN/ovs-vswitchd.log"
	vsctl add-br br0 -- set bridge br0 datapath_type=netdev
	# One AF_XDP socket per receive queue (n_rxq): a queue without one
	# drops what arrives on it (a veth picks the queue by sending CPU).
	vsctl add-port br0 "$p1" -- set interface "$p1" type=afxdp \
		options:xdp-mode=native options:n_rxq="$(rx_queues "$ns" "$p1")" ofport_request=1
	vsctl add-port br0 "$p2" -- set interface "$p2" type=afxdp \
		options:xdp-mode=native options:n_rxq="$(rx_queues "$ns" "$p2")" ofport_request=2
	ovs-ofctl del-flows br0
	if [ -n "$flows" ]; then
		ovs-ofctl add-flows br0 "$flows"
	else
		ovs-ofctl add-flow br0 in_port=1,actions=output:2
		ovs-ofctl add-flow br0 in_port=2,actions=output:1
	fi
	# add-port returns before the AF_XDP sockets are up: wait for them.
	for _ in $(seq 100); do
		if [ "$(vsctl get interface "$p1" error)" = "[]" ] &&
		   [ "$(vsctl get interface "$p2" error)" = "[]" ] &&
		   ip -n "$ns" link show "$p1" | grep -q prog/xdp &&
		   ip -n "$ns" link show "$p2" | grep -q prog/xdp; then
			return 0
		fi
		sleep 0.1
	done
	echo "ovs-afxdp.sh: AF_XDP ports did not come up: $(vsctl get interface "$p1" error)" \
		"$(vsctl get interface "$p2" error) (log: $RUN/ovs-vswitchd.log)" >&2
	stop
	return 1
}

case "${1:-}" in
start) [ $# = 4 ] || [ $# = 5 ] ||
		{ echo "usage: $0 start NETNS PORT1 PORT2 [FLOWS]" >&2; exit 2; }
	start "$2" "$3" "$4" "${5:-}" ;;
stop) stop ;;
*) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
