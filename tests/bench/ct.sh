#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Connection tracking figures (make bench runs it; BENCH_CT=0 skips): two
# plain hosts through the switch, first with plain forwarding flows, then
# with a stateful firewall (ct on every packet, one recirculation):
#   - TCP throughput (iperf3, one stream, BENCH_CT_SECONDS s) both ways;
#   - new TCP connections per second through the firewall (a client that
#     connects and closes in a loop; each connection is a commit, a SYN
#     upcall-free second pass, and the agent's TCP state updates);
#   - memory per connection: the kernel's nf_conntrack object (slabinfo),
#     which is all a connection costs: the datapath keeps no state of its
#     own for TCP/UDP (ICMP echo pairs: one xs_ct_icmp entry).
# Prints a small table and writes $O/bench/ct.json. Asserts no speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build}
XS=$O/xdpswitch
SECS=${BENCH_CT_SECONDS:-4}
P=xsct$$ BR=xsct$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xsct-XXXXXX)
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1 || true
	scripts/topo.sh destroy "$P" 2>/dev/null || true
	conntrack -D -w 9 >/dev/null 2>&1 || true
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }

scripts/topo.sh create "$P" 2
cat >"$XS_RUN_DIR/plain" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,in_port=1 actions=output:2
priority=100,ip,in_port=2 actions=output:1
FLOWS
cat >"$XS_RUN_DIR/firewall" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,ct_state=-trk actions=ct(zone=9,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=9),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+trk+est actions=output:1
table=1,priority=10,ip actions=drop
FLOWS

start_agent() { # FLOWS
	[ -n "$agent_pid" ] && kill "$agent_pid" && wait "$agent_pid" 2>/dev/null
	"$XS" agent --bridge "$BR" --flows "$1" "$P-p1" "$P-p2" 2>>"$XS_RUN_DIR/agent.log" &
	agent_pid=$!
	for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
	h 1 ping -c2 -i0.2 -W1 10.0.0.2 >/dev/null 2>&1 || true
}

iperf() { # prints Gbit/s of one TCP stream h1 -> h2
	h 2 iperf3 -s -1 -B 10.0.0.2 >/dev/null 2>&1 &
	sleep 0.3
	h 1 iperf3 -c 10.0.0.2 -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
	wait
}

conn_rate() { # PORT: prints new TCP connections per second h1 -> h2
	rm -f "$XS_RUN_DIR/srv.ready"
	h 2 timeout $((SECS + 5)) python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.2", int(sys.argv[1]))); s.listen(4096)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept(); c.close()' "$1" "$XS_RUN_DIR/srv.ready" >/dev/null 2>&1 &
	for _ in $(seq 100); do [ -e "$XS_RUN_DIR/srv.ready" ] && break; sleep 0.05; done
	h 1 python3 -c '
import socket, sys, time
end = time.time() + float(sys.argv[1]); n = 0
while time.time() < end:
    s = socket.create_connection(("10.0.0.2", int(sys.argv[2])), timeout=2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    s.close(); n += 1
print("%.0f" % (n / float(sys.argv[1])))' "$SECS" "$1"
	wait
}

start_agent "$XS_RUN_DIR/plain"
plain_tcp=$(iperf)
plain_conn=$(conn_rate 7000)
start_agent "$XS_RUN_DIR/firewall"
fw_tcp=$(iperf)
fw_conn=$(conn_rate 7001)
objsize=$(awk '$1 == "nf_conntrack" { print $4 }' /proc/slabinfo)

printf '  %-44s %10s %10s\n' "" "plain" "firewall"
printf '  %-44s %10s %10s\n' "TCP, one stream (Gbit/s)" "$plain_tcp" "$fw_tcp"
printf '  %-44s %10s %10s\n' "new TCP connections per second (python)" "$plain_conn" "$fw_conn"
printf '  %-44s %10s\n' "kernel memory per connection (bytes)" "${objsize:-?}"
mkdir -p "$O/bench"
cat >"$O/bench/ct.json" <<JSON
{"tcp_gbps": {"plain": $plain_tcp, "firewall": $fw_tcp},
 "conn_per_s": {"plain": $plain_conn, "firewall": $fw_conn},
 "bytes_per_connection": ${objsize:-null}, "seconds": $SECS}
JSON
