#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tuple space explosion against the agent: h1 sends the crafted stream of
# tests/bench/tse_attack.py (each frame asks for a megaflow mask of its
# own) at a low rate against an ACL, so port 1 reaches its mask budget
# (--mask-budget 8) and further attack masks are refused. Then a
# legitimate flow from the same port needs a new mask: a cold attack mask
# is retired for it, and its megaflow is installed (not executed packet by
# packet through the agent); the attack's frames, each asking for its mask
# about once, retire none; `show` counts the eviction; the masks stay at
# the budget. (make bench's tse.sh gives the rates.)
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xme

show_json() { "$XS" show --bridge "$BR" --json; }
field() { show_json | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], -1))' "$1"; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=300,udp,nw_dst=10.0.0.2 actions=output:2
priority=200,ip,nw_src=172.16.0.1,nw_dst=172.16.0.2 actions=output:2
priority=200,ipv6,ipv6_src=fd00::1,ipv6_dst=fd00::2 actions=output:2
priority=0 actions=drop
FLOWS
# Before the agent: the hosts' own IPv6 (DAD, router solicitations) would
# give port 2 a mask of its own and make the count below 9.
for k in 1 2; do h "$k" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
"$XS" agent --bridge "$BR" --flows "$T/flows" --mask-budget 8 "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
h 1 ip neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0
# the hosts' own IPv6 chatter would make masks of its own

# the attack: 320 distinct frames at 400/s for 8 s
h 1 python3 tests/bench/tse_attack.py eth0 02:00:00:00:00:02 400 8 >"$T/attack" 2>&1 &
bg_pids+=($!)
sleep 3.5 # budget reached, the attack's masks ranked twice
masks=$(field masks)
refused=$(field masks_refused)
check_eq "the attack filled port 1's mask budget" 8 "$masks"
check "further attack masks refused ($refused)" test "$refused" -gt 0

# a legitimate flow from the same port, during the attack: 250 a second,
# so its mask is hot (an attack mask gets a hit or two a second)
h 2 timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.2", 7000)); s.settimeout(2); n = 0
try:
    while True:
        s.recv(100); n += 1
except socket.timeout:
    pass
print(n)' >"$T/got" &
rx=$!
sleep 0.3
h 1 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.time()
for i in range(400):
    s.sendto(b"x", ("10.0.0.2", 7000))
    time.sleep(max(0, t0 + (i + 1) * 0.004 - time.time()))'
"$XS" dump-megaflows --bridge "$BR" >"$T/mf"
wait "$rx"
evicted=$(field masks_evicted)
# the attack's own frames each ask for their mask about once a second:
# they never retire one (XS_MASK_EVICT_ASKS), the flow's packets do
# At least one for it. Not exactly one: several attack frames can ask for
# one mask (the prefix tries give frames differing in nearby bits the same
# mask), so an attack mask asked 4 times in a period may retire another
# cold attack mask too (seen: 2).
check "cold attack masks were retired, one for it ($evicted)" test "$evicted" -ge 1
check "the legitimate flow has its megaflow" sh -c "grep 'dst=10.0.0.2' '$T/mf' | grep -q 'actions:2'"
check_eq "masks stay at the budget" 8 "$(field masks)"
got=$(cat "$T/got")
check "the legitimate datagrams were delivered ($got of 400)" test "${got:-0}" -ge 380
"$XS" show --bridge "$BR" | grep -q "cold masks evicted for new ones: [1-9]"
check "show counts the evictions" test $? = 0
kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
