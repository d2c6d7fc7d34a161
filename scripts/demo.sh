#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The switch in one minute: three hosts in network namespaces on veths,
# the agent with scripts/demo-flows.txt, pings through the switch (direct,
# rewritten, dropped), then the flows with their counters and the
# megaflows the traffic installed. Cleans up on exit, also when
# interrupted. Run by `make demo` (as root); exit status 0 when every
# step did what it should.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
XS=${XS_BIN:-$O/xdpswitch}
FLOWS=scripts/demo-flows.txt
P=${XS_DEMO_NAME:-xsdemo} # topology prefix and bridge name (tests make
BR=$P                     # it unique: suites may run side by side)
t_start=$(date +%s.%N)

[ "$(id -u)" = 0 ] || { echo "demo: run as root (namespaces, XDP)" >&2; exit 1; }
[ -x "$XS" ] || { echo "demo: $XS missing: run make" >&2; exit 1; }

LOG=$(mktemp "/tmp/$P-agent-XXXXXX.log")
agent_pid=
failed=0

# A stopped agent may leave the fast path forwarding (programs on the
# ports, maps pinned): --cleanup removes that too, even maps pinned by a
# build whose layout differs.
agent_cleanup() {
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
}

cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	agent_cleanup
	scripts/topo.sh destroy "$P" 2>/dev/null
	rm -f "$LOG"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
# expect "what" 0|1 command...: runs it, reports, remembers failures
expect() {
	local what=$1 want=$2 rc
	shift 2
	"$@"
	rc=$?
	[ "$rc" != 0 ] && rc=1
	if [ "$rc" = "$want" ]; then
		echo "   -> ok: $what"
	else
		echo "   -> FAILED: $what"
		failed=1
	fi
}
h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }

# a previous run that was killed hard may have left its hosts
agent_cleanup
scripts/topo.sh destroy "$P" 2>/dev/null

step "three hosts: $P-h1..3 (10.0.0.1-3/24), switch ports $P-p1..3"
scripts/topo.sh create "$P" 3 || exit 1

step "agent: bridge $BR, flows from $FLOWS"
grep -v '^\s*\(#\|$\)' "$FLOWS" | sed 's/^/   /'
"$XS" agent --bridge "$BR" --flows "$FLOWS" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do
	"$XS" show --bridge "$BR" >/dev/null 2>&1 && break
	kill -0 "$agent_pid" 2>/dev/null || break
	sleep 0.05
done
if ! "$XS" show --bridge "$BR" >/dev/null 2>&1; then
	echo "demo: the agent did not start:" >&2
	cat "$LOG" >&2
	exit 1
fi
"$XS" show --bridge "$BR" | sed -n '1,4p'

step "h1 -> h2: the very first packet misses, the agent installs a megaflow and re-injects it"
expect "first ping answered" 0 h 1 ping -c1 -W2 10.0.0.2
step "h1 -> h3, h2 -> h1: a few more"
expect "h1 -> h3" 0 h 1 ping -c3 -i0.2 -W2 10.0.0.3
expect "h2 -> h1" 0 h 2 ping -c3 -i0.2 -W2 10.0.0.1

step "h1 -> 10.0.0.100: rewritten to h3 (the reply comes from 10.0.0.3)"
h 1 ip neigh replace 10.0.0.100 lladdr 02:00:00:00:00:64 dev eth0
expect "service address answered by h3" 0 h 1 ping -c2 -i0.2 -W2 10.0.0.100

step "h2 -> h3: dropped by the switch"
expect "no answer" 1 h 2 ping -c2 -i0.2 -W1 10.0.0.3

step "xdpswitch dump-flows (OpenFlow rules and their counters)"
"$XS" dump-flows --bridge "$BR"

step "xdpswitch dump-megaflows (what the fast path holds now)"
"$XS" dump-megaflows --bridge "$BR"

step "xdpswitch show"
"$XS" show --bridge "$BR" | sed -n '/^datapath:/,$p'

step "stopping the agent"
kill -TERM "$agent_pid"
wait "$agent_pid"
rc=$?
agent_pid=
expect "agent stopped cleanly" 0 test "$rc" = 0
sed 's/^/   /' "$LOG" | grep -v '^   lib\(bpf\|xdp\):'

runtime=$(echo "$(date +%s.%N) - $t_start" | bc)
echo
if [ "$failed" = 0 ]; then
	printf 'demo: OK (%.1f s)\n' "$runtime"
else
	printf 'demo: FAILED (%.1f s)\n' "$runtime"
fi
exit "$failed"
