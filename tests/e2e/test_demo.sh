#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo` (scripts/demo.sh): runs clean twice in a row, says what it
# showed, leaves nothing behind, and cleans up when interrupted.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
[ -x "$B/xdpswitch" ] || { echo "not ok 1 - missing $B/xdpswitch (run make)"; exit 1; }
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
OUT=$XS_RUN_DIR/demo.out
export XS_DEMO_NAME=xsd$$ # pid-unique: other suites may run a demo too
trap 'scripts/topo.sh destroy "$XS_DEMO_NAME" 2>/dev/null; rm -rf "$XS_RUN_DIR"' EXIT

nothing_left() {
	! ip netns list | grep -q "^$XS_DEMO_NAME-" && ! ip link show | grep -q "$XS_DEMO_NAME-" &&
		test ! -e "/sys/fs/bpf/xdpswitch/$XS_DEMO_NAME" && test ! -e "$XS_RUN_DIR/$XS_DEMO_NAME.sock"
}

for run in 1 2; do
	O=$B timeout 60 scripts/demo.sh >"$OUT" 2>&1
	rc=$?
	check_eq "run $run: exit status 0" 0 "$rc"
	check "run $run: says OK" grep -qE '^demo: OK \([0-9.]+ s\)$' "$OUT"
	check "run $run: nothing left behind" nothing_left
done
grep '^demo: OK' "$OUT" | sed 's/^/# /'
check "first ping answered" grep -q -- '-> ok: first ping answered' "$OUT"
check "rewritten ping answered by h3" grep -q '64 bytes from 10.0.0.3: icmp_seq=1 .*(DIFFERENT ADDRESS!)' "$OUT"
check "h2 -> h3 dropped" grep -q -- '-> ok: no answer' "$OUT"
check "dump-flows: the drop rule counted h2's pings" \
	grep -qE '^ cookie=0x0, duration=[0-9.]+s, table=0, n_packets=[1-9][0-9]*, n_bytes=[0-9]+, idle_age=[0-9]+, priority=300,ip,nw_src=10.0.0.2,nw_dst=10.0.0.3 actions=drop$' "$OUT"
check "dump-megaflows: the rewrite megaflow" \
	grep -q '^recirc_id(0),in_port(1),.*ipv4(.*dst=10.0.0.100), packets:2, bytes:196, used:.*actions:set(eth(dst=02:00:00:00:00:03)),set(ipv4(dst=10.0.0.3)),3$' "$OUT"
check "show: no lost misses" grep -q '^  lost: 0$' "$OUT"

# interrupted in the middle: the trap still cleans up (SIGTERM: a
# background job of a script ignores SIGINT)
O=$B scripts/demo.sh >"$OUT" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'first ping answered' "$OUT" && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
rc=$?
check_eq "interrupted: exit status 130" 130 "$rc"
check "interrupted: nothing left behind" nothing_left
tap_done
