#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mod-flows on a forwarding switch: when the command returns, the installed
# megaflows follow the new actions (pings to h2 are sent to h3 instead, then
# back); the flow's packet counter and duration carry on across the change.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xmt

xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }
npackets() { xs dump-flows "$1" | sed -n 's/.* n_packets=\([0-9]*\),.*/\1/p'; }
duration() { xs dump-flows "$1" | sed -n 's/.* duration=\([0-9]*\)\..*/\1/p'; }
unanswered() { ! pings "$@"; }

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
FLOWS
"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1=1" "$P-p2=2" "$P-p3=3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$T/$BR.sock"

check "h1 -> h2 before" pings 1 -c3 -i0.2 -W2 10.0.0.2
sleep 1 # a whole second of duration, and the counters harvested
before=$(npackets 'ip,nw_dst=10.0.0.2')
check "the rule counted the pings" test "${before:-0}" -ge 3

check "mod-flows --strict: to h3 instead" \
	xs mod-flows --strict 'priority=100,ip,nw_dst=10.0.0.2 actions=output:3'
check "h1 -> h2 fails at once (the megaflow follows)" unanswered 1 -c1 -W1 10.0.0.2
check "the datapath sends it to port 3" \
	grep -q 'ipv4(.*dst=10.0.0.2.*actions:3$' <<<"$(xs dump-megaflows)"
after=$(npackets 'ip,nw_dst=10.0.0.2')
check "counter kept across the modify ($before -> $after)" test "${after:-0}" -gt "$before"
check "duration kept" test "$(duration 'ip,nw_dst=10.0.0.2')" -ge 1

check "mod-flows back (non-strict)" xs mod-flows 'ip,nw_dst=10.0.0.2 actions=output:2'
check "h1 -> h2 again" pings 1 -c2 -i0.2 -W2 10.0.0.2
check "h2 -> h1 all along" pings 2 -c1 -W2 10.0.0.1
check_eq "three rules, none added" 3 "$(xs dump-flows | wc -l)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
