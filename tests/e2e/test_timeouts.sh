#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Timeouts on time: an OpenFlow hard_timeout and idle_timeout remove their
# rule (and its megaflows) within the stated tolerance, traffic keeps an
# idle_timeout rule alive, and megaflows idle for --max-idle go.
# Tolerance: the agent checks once a second, so a rule or megaflow goes
# between its time and about 1 s later; the test allows 1.4 s (with the
# 0.1 s polling step here).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xht

now() { date +%s.%N; }
# (awk, not python: a python start-up would add ~0.1 s to every figure)
ms_since() { awk -v t="$(date +%s.%N)" -v s="$1" 'BEGIN { print int((t - s) * 1000) }'; }
# send HOST DST PORT COUNT GAP_S
send() {
	h "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    if i:
        time.sleep(float(sys.argv[4]))
    s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))
' "$2" "$3" "$4" "$5"
}
# gone_after CMD PATTERN: polls CMD every 0.1 s (up to 8 s) until PATTERN
# is no longer in its output; prints the seconds*1000 it took from $since.
gone_after() {
	for _ in $(seq 80); do
		"$XS" "$1" --bridge "$BR" | grep -q -- "$2" || { ms_since "$since"; return 0; }
		sleep 0.1
	done
	echo 99999
}
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; } # value lo hi

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
FLOWS
"$XS" agent --bridge "$BR" --max-idle 1000 --flows "$T/flows" "$P-p1" "$P-p2" 2>"$T/agent.log" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
h 1 ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 # ARP
check "show: max-idle from the command line" \
	grep -q '(max-idle 1000 ms)' <<<"$("$XS" show --bridge "$BR")"

# hard_timeout=2: gone 2.0-3.4 s after add-flow, traffic or not; its
# megaflow with it.
since=$(now)
"$XS" add-flow --bridge "$BR" "priority=300,hard_timeout=2,udp,tp_dst=7100 actions=output:2"
send 1 10.0.0.2 7100 10 0.05
check "hard_timeout rule's megaflow installed" \
	grep -q 'udp(.*dst=7100' <<<"$("$XS" dump-megaflows --bridge "$BR")"
hard_ms=$(gone_after dump-flows 'tp_dst=7100')
echo "# hard_timeout=2: rule gone after $hard_ms ms"
check "hard_timeout=2 fires in 2000..3400 ms ($hard_ms)" within "$hard_ms" 2000 3400
check "its megaflow is gone with it" \
	sh -c "! '$XS' dump-megaflows --bridge '$BR' | grep -q 'dst=7100'"

# idle_timeout=1 with traffic every 0.2 s for 2.4 s: still there; then
# gone 1.0-2.4 s after the last datagram (used times are kept at jiffy
# resolution: 20 ms of slack below).
"$XS" add-flow --bridge "$BR" "priority=300,idle_timeout=1,udp,tp_dst=7200 actions=output:2"
send 1 10.0.0.2 7200 13 0.2
since=$(now)
check "idle_timeout=1 rule kept alive by traffic for 2.4 s" \
	grep -q 'idle_timeout=1, idle_age=[01], .*tp_dst=7200' <<<"$("$XS" dump-flows --bridge "$BR")"
check_eq "it counted every datagram" "n_packets=13" \
	"$("$XS" dump-flows --bridge "$BR" | grep 'tp_dst=7200' | grep -o 'n_packets=[0-9]*')"
idle_ms=$(gone_after dump-flows 'tp_dst=7200')
echo "# idle_timeout=1: rule gone $idle_ms ms after the last packet"
check "idle_timeout=1 fires 980..2400 ms after the last packet ($idle_ms)" within "$idle_ms" 980 2400

# A megaflow with no timeouts on its rule goes after --max-idle 1000 ms.
send 1 10.0.0.2 7300 3 0.01
since=$(now)
check "megaflow for port 7300 installed" \
	grep -q 'ipv4(dst=10.0.0.2)' <<<"$("$XS" dump-megaflows --bridge "$BR")"
mf_ms=$(gone_after dump-megaflows 'ipv4(dst=10.0.0.2)')
echo "# max-idle 1000 ms: megaflow gone $mf_ms ms after the last packet"
check "idle megaflow removed 980..2400 ms after its last packet ($mf_ms)" within "$mf_ms" 980 2400
check "the rule stays (no timeout of its own)" \
	grep -q 'priority=100,ip,nw_dst=10.0.0.2' <<<"$("$XS" dump-flows --bridge "$BR")"
check_eq "the journal follows timeouts (strict deletes of the 7100/7200 rules)" 2 \
	"$(grep -c '^del strict .*tp_dst=7[12]00$' "$T/$BR.journal")"
tap_done
