#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A flood on a bridge of 24 plain hosts: 23 output ports, more than a
# datapath action list holds (16), in one broadcast action. Each datagram a
# host floods reaches every other host exactly once and never comes back to
# the sender: through the TC stage while the hosts are plain (no XDP, no
# GRO: tx tc), and through one XDP devmap broadcast once every host turns
# GRO on (tx xdp). dump-megaflows and trace list the 23 ports.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xw
H=24 # hosts
N=20 # datagrams per round

xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }

# count ROUND: one process counts, on every host's eth0 (a packet socket
# in each namespace), the incoming frames that carry datagrams of ROUND,
# until 1.5 s after the sender is done and nothing came; then writes
# "K:FRAMES/DISTINCT" for each host K to $T/ROUND.
count() {
	python3 - "$P" "$H" "$1" "$T/$1" <<'PY' &
import ctypes, os, select, socket, sys, time
prefix, hosts, name, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
libc = ctypes.CDLL(None, use_errno=True)
marker = ("flood-%s:" % name).encode()
socks = {}
for k in range(1, hosts + 1):
    fd = os.open("/run/netns/%s-h%d" % (prefix, k), os.O_RDONLY)
    if libc.setns(fd, 0x40000000):  # CLONE_NEWNET: the socket is made there
        sys.exit("setns: %s" % os.strerror(ctypes.get_errno()))
    os.close(fd)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind(("eth0", 0))
    s.setblocking(False)
    socks[s] = k
frames = {k: 0 for k in range(1, hosts + 1)}
seqs = {k: set() for k in range(1, hosts + 1)}
open(out + ".ready", "w").close()
last = time.time()
while True:
    for s in select.select(list(socks), [], [], 0.1)[0]:
        while True:
            try:
                data, addr = s.recvfrom(4096)
            except BlockingIOError:
                break
            at = data.find(marker)
            if addr[2] == socket.PACKET_OUTGOING or at < 0:
                continue
            frames[socks[s]] += 1
            seqs[socks[s]].add(data[at + len(marker):at + len(marker) + 4])
            last = time.time()
    if os.path.exists(out + ".sent"):
        if time.time() - max(last, os.stat(out + ".sent").st_mtime) > 1.5:
            break
open(out, "w").write(" ".join("%d:%d/%d" % (k, frames[k], len(seqs[k]))
                              for k in sorted(frames)) + "\n")
PY
	bg_pids+=($!)
	for _ in $(seq 100); do [ -e "$T/$1.ready" ] && return 0; sleep 0.05; done
	return 1
}
# round ROUND FROM: host FROM floods N datagrams of ROUND (UDP broadcast to
# port 7777); prints what count wrote.
round() {
	count "$1" || { echo "no counter"; return; }
	h "$2" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for i in range(int(sys.argv[2])):
    s.sendto(b"flood-%s:%04d" % (sys.argv[1].encode(), i), ("10.0.0.255", 7777))
    time.sleep(0.005)' "$1" "$N"
	touch "$T/$1.sent"
	for _ in $(seq 100); do [ -s "$T/$1" ] && break; sleep 0.1; done
	cat "$T/$1" 2>/dev/null
}
# expect FROM: every host but FROM has each datagram once, FROM none.
expect() {
	local k out=
	for k in $(seq "$H"); do
		if [ "$k" = "$1" ]; then out+="$k:0/0 "; else out+="$k:$N/$N "; fi
	done
	echo "${out% }"
}
# ports_but K: "1,2,...,H" without K
ports_but() { seq -s, "$H" | tr , '\n' | grep -vx "$1" | paste -sd,; }
# field F IN: F ("stage" or "actions") of the flood megaflow from port IN
field() {
	xs dump-megaflows --json | python3 -c '
import json, sys
print(" ".join(f[sys.argv[1]] for f in json.load(sys.stdin)
               if f["key"].startswith("in_port(%s)," % sys.argv[2]) and "dst=7777" in f["key"]))' "$1" "$2"
}
counter() { xs show | tr ' ' '\n' | sed -n "s/^$1=//p"; }
n_tx() { xs show | grep -c " tx $1 ("; }
wait_all_tx() { for _ in $(seq 100); do [ "$(n_tx "$1")" = "$H" ] && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" "$H" || { echo "not ok 1 - topology"; exit 1; }
echo 'priority=100,udp,tp_dst=7777 actions=flood' >"$T/flows"
"$XS" agent --bridge "$BR" --flows "$T/flows" $(scripts/topo.sh ports "$P") 2>"$LOG" &
agent_pid=$!
for _ in $(seq 200); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$T/$BR.sock"
check_eq "plain hosts: every port tx tc" "$H" "$(n_tx tc)"
check_eq "trace: the flood is every other port, in port order" \
	"Datapath actions: $(ports_but 1)" "$(xs trace-live 'in_port=1,udp,tp_dst=7777' | tail -1)"

# --- TC stage: one broadcast, cloned to every other port -----------------------------
err0=$(counter exec_error)
check_eq "TC, from h1: every other host once, h1 none" "$(expect 1)" "$(round tc1 1)"
check_eq "the megaflow runs in the TC stage" tc "$(field stage 1)"
check_eq "dump-megaflows: the broadcast as its $((H - 1)) ports" "$(ports_but 1)" "$(field actions 1)"
tc0=$(counter tc_handoff)
check_eq "TC, known flow: every other host once, h1 none" "$(expect 1)" "$(round tc2 1)"
check_eq "each datagram handed to the TC stage once" "$((tc0 + N))" "$(counter tc_handoff)"
check_eq "TC, from h13: every other host once, h13 none" "$(expect 13)" "$(round tc3 13)"
check_eq "dump-megaflows from port 13" "$(ports_but 13)" "$(field actions 13)"
check_eq "no execution error" "$err0" "$(counter exec_error)"

# --- every host turns GRO on: one XDP devmap broadcast --------------------------------
for k in $(seq "$H"); do h "$k" ethtool -K eth0 gro on tx off >/dev/null; done
check "the agent sees every port take XDP redirects" wait_all_tx xdp
check_eq "the flood megaflow now runs in XDP" xdp "$(field stage 1)"
tc0=$(counter tc_handoff)
check_eq "XDP, from h1: every other host once, h1 none" "$(expect 1)" "$(round xdp1 1)"
check_eq "XDP, from h24: every other host once, h24 none" "$(expect 24)" "$(round xdp2 24)"
check_eq "XDP: nothing went through the TC stage" "$tc0" "$(counter tc_handoff)"
check_eq "XDP: dump-megaflows lists the same ports" "$(ports_but 24)" "$(field actions 24)"
check_eq "no execution error" "$err0" "$(counter exec_error)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
