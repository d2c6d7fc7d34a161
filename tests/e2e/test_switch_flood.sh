#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Flood as one broadcast action: with GRO on every host's interface a flood
# megaflow runs in XDP (one devmap broadcast) and each other host gets
# exactly one copy; when one host turns GRO off the same megaflow moves to
# the TC stage (a clone per port), still one copy each; detach/attach
# re-check the broadcast.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xf
N=50 # datagrams per round

xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }

# listen K ROUND: host K counts the datagrams of ROUND to UDP port 7777
# until 1.5 s pass without one after the sender is done ($T/ROUND.sent:
# a slow start of the other listener must not end this one), then writes
# the count to $T/K.ROUND.
listen() {
	h "$1" python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("", 7777)); s.settimeout(0.1)
open(sys.argv[1] + ".ready", "w").close()
n, last = 0, time.time()
while not os.path.exists(sys.argv[3]) or \
      time.time() - max(last, os.stat(sys.argv[3]).st_mtime) < 1.5:
    try:
        if s.recv(64) == sys.argv[2].encode():
            n += 1
            last = time.time()
    except socket.timeout:
        pass
open(sys.argv[1], "w").write("%d\n" % n)' "$T/$1.$2" "$2" "$T/$2.sent" &
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$T/$1.$2.ready" ] && return 0; sleep 0.05; done
	return 1
}
# round NAME: h2 and h3 listen, h1 sends N broadcast datagrams of NAME;
# prints "COUNT2 COUNT3" once both listeners are done.
round() {
	listen 2 "$1" && listen 3 "$1" || { echo "no listener"; return; }
	h 1 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for i in range(int(sys.argv[2])):
    s.sendto(sys.argv[1].encode(), ("10.0.0.255", 7777)); time.sleep(0.005)' "$1" "$N"
	touch "$T/$1.sent"
	for _ in $(seq 150); do [ -s "$T/2.$1" ] && [ -s "$T/3.$1" ] && break; sleep 0.1; done
	echo "$(cat "$T/2.$1" 2>/dev/null) $(cat "$T/3.$1" 2>/dev/null)"
}
# field F: F ("stage" or "actions") of the megaflow of the datagrams from h1
field() {
	xs dump-megaflows --json | python3 -c '
import json, sys
fl = [f for f in json.load(sys.stdin)
      if f["key"].startswith("in_port(1),") and "dst=7777" in f["key"]]
print(" ".join(f[sys.argv[1]] for f in fl))' "$1"
}
counter() { xs show | tr ' ' '\n' | sed -n "s/^$1=//p"; }
tx_is() { xs show | grep -q "($P-p$1):.* tx $2 ("; }
wait_tx() { for _ in $(seq 40); do tx_is "$1" "$2" && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" 3 --gro || { echo "not ok 1 - topology"; exit 1; }
echo 'priority=100,udp,tp_dst=7777 actions=flood' >"$T/flows"
"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$T/$BR.sock"
check_eq "every port: tx xdp" 3 "$(xs show | grep -c ' tx xdp (')"

# --- every port takes redirects: one broadcast in XDP ------------------------
check_eq "XDP: h2 and h3 get each datagram once" "$N $N" "$(round xdp1)"
check_eq "the flood megaflow runs in XDP" xdp "$(field stage)"
check_eq "dump-megaflows shows the broadcast as its ports" "2,3" "$(field actions)"
tc0=$(counter tc_handoff)
check_eq "XDP, known flow: h2 and h3 get each datagram once" "$N $N" "$(round xdp2)"
check_eq "no packet went through the TC stage" "$tc0" "$(counter tc_handoff)"

# --- h3 turns GRO off: redirects into its veth would be lost -> TC -----------
h 3 ethtool -K eth0 gro off >/dev/null
check "the agent sees port 3's tx change" wait_tx 3 tc
check_eq "TC: h2 and h3 get each datagram once" "$N $N" "$(round tc1)"
check_eq "the flood megaflow now runs in the TC stage" tc "$(field stage)"
check_eq "dump-megaflows still shows the broadcast as its ports" "2,3" "$(field actions)"
tc0=$(counter tc_handoff)
check_eq "TC, known flow: h2 and h3 get each datagram once" "$N $N" "$(round tc2)"
check_eq "each datagram handed to the TC stage once" "$((tc0 + N))" "$(counter tc_handoff)"

# --- GRO back on: XDP again ---------------------------------------------------
h 3 ethtool -K eth0 gro on >/dev/null
check "the agent sees port 3's tx back to xdp" wait_tx 3 xdp
check_eq "XDP again: h2 and h3 get each datagram once" "$N $N" "$(round xdp3)"
check_eq "the flood megaflow runs in XDP again" xdp "$(field stage)"

# --- port set changes: re-checked -------------------------------------------
check "detach port 3" xs detach "$P-p3"
check_eq "one other port left: h2 gets each datagram once, h3 none" "$N 0" "$(round one)"
check_eq "a broadcast to the one other port, in XDP" "xdp 2" "$(field stage) $(field actions)"
check "attach it again as port 3" xs attach "$P-p3=3"
check "port 3 takes redirects" wait_tx 3 xdp
check_eq "broadcast again: h2 and h3 get each datagram once" "$N $N" "$(round back)"
check_eq "the flood megaflow runs in XDP" "xdp 2,3" "$(field stage) $(field actions)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
