#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A connection table full at nf_conntrack_max: a new connection's commit is
# refused, the packet gets +trk+inv (the pipeline drops it) and ct_full
# counts it, as Open vSwitch's datapath gives +inv; established connections
# go on; once a slot frees, new connections are committed again.
#
# nf_conntrack_max is host-wide and read-only outside the init namespace,
# but the kernel compares it with each namespace's own count. So the
# switch runs in a namespace of its own ($P-sw, with its ports), whose
# table tests/lib/ct_fill.py fills up to one free slot with assured
# entries (the kind the kernel's early drop never evicts) through
# ctnetlink. Nothing host-wide changes; deleting the namespace frees them.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env ctf
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"
SW=$P-sw
sw() { ip netns exec "$SW" "$@"; }
cleanup() {
	switch_env_cleanup
	sw "$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	ip netns del "$SW" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$SW" || { echo "not ok 1 - switch namespace"; exit 1; }
scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
for k in 1 2; do
	ip link set "$P-p$k" netns "$SW" && sw ip link set "$P-p$k" up ||
		{ echo "not ok 1 - port $P-p$k into $SW"; exit 1; }
done
# Table 1 commits new connections from h1 with a recirculation, so the
# pass after the commit sees its result: +new (committed) or +inv
# (refused). Port 7000 commits and outputs in one list instead, as the
# README's firewall does.
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,ct_state=-trk actions=ct(zone=9,table=1)
table=1,priority=110,udp,in_port=1,tp_dst=7000,ct_state=+trk+new actions=ct(commit,zone=9),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=9,table=2)
table=1,priority=100,ip,in_port=1,ct_state=+trk+est actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+trk+est actions=output:1
table=1,priority=10,ip actions=drop
table=2,priority=100,ip,ct_state=+trk+inv actions=drop
table=2,priority=90,ip,ct_state=+trk+new actions=output:2
FLOWS

# ip netns exec forks: the shell under it writes the agent's own pid.
sw sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/agent.pid" \
	"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
agent_pid=$(cat "$T/agent.pid" 2>/dev/null)
check "agent running in its own namespace" test -S "$XS_RUN_DIR/$BR.sock"

# h2 answers UDP on 6001-6003 and 7000 (and logs each datagram it gets);
# it listens on TCP 6100.
h 2 sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/server.pid" timeout 120 python3 -c '
import select, socket, sys
us = []
for p in (6001, 6002, 6003, 7000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.0.0.2", p)); us.append(s)
t = socket.socket(); t.bind(("10.0.0.2", 6100)); t.listen(16)
log = open(sys.argv[1], "a", buffering=1)
open(sys.argv[2], "w").close()
while True:
    for s in select.select(us, [], [])[0]:
        d, a = s.recvfrom(2048)
        log.write("%d %d\n" % (a[1], s.getsockname()[1])); s.sendto(d, a)' \
	"$T/server.log" "$T/server.ready" &
bg_pids+=($!)
for _ in $(seq 100); do [ -e "$T/server.ready" ] && break; sleep 0.05; done
bg_pids+=("$(cat "$T/server.pid")")

# udp_once SPORT DPORT: one datagram h1:SPORT -> h2:DPORT, no retry;
# prints "answered" or "timeout" (after 1.5 s).
udp_once() {
	h 1 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1.5)
s.bind(("10.0.0.1", int(sys.argv[1])))
s.sendto(b"x", ("10.0.0.2", int(sys.argv[2])))
try:
    s.recvfrom(16); print("answered")
except socket.timeout:
    print("timeout")' "$1" "$2"
}
counter() { "$XS" show --bridge "$BR" | grep -o "$1=[0-9]*" | head -1 | cut -d= -f2; }
count() { sw cat /proc/sys/net/netfilter/nf_conntrack_count; }
rule_packets() { # the n_packets of table 2's +inv rule, once it reaches $1
	local n
	for _ in $(seq 30); do # the counters are harvested once a second
		n=$("$XS" dump-flows --bridge "$BR" | grep 'table=2' | grep 'inv' |
			grep -o 'n_packets=[0-9]*' | cut -d= -f2)
		[ "$n" = "$1" ] && break
		sleep 0.2
	done
	echo "$n"
}

# The pipeline's megaflows exist before the table fills (h1's first
# datagram, answered), so what follows measures commits, not misses.
check_eq "before: a connection h1:41001 -> h2:6001" answered "$(udp_once 41001 6001)"
max=$(sw cat /proc/sys/net/netfilter/nf_conntrack_max)
free=$((max - $(count)))
echo "# nf_conntrack_max $max, this namespace holds $(count)"
# The filler's own errors: a bad count, and a kernel refusal other than a
# full table (the same tuples twice: EEXIST) exit 1 and say which.
before=$(count)
out=$(sw python3 tests/lib/ct_fill.py -1 2>&1); rc=$?
check_eq "ct_fill.py: a count out of range is refused, status 1" \
	"1 ct_fill.py: N out of range" "$rc $out"
sw python3 tests/lib/ct_fill.py 5 --zone 77 >/dev/null
out=$(sw python3 tests/lib/ct_fill.py 5 --zone 77); rc=$?
check_eq "ct_fill.py: existing tuples: none made, EEXIST, status 1" "0 EEXIST 1" \
	"$(head -1 <<<"$out") $(tail -1 <<<"$out" | cut -d: -f1) $rc"
sw conntrack -D -w 77 >/dev/null 2>&1
check_eq "  (removed again: $before connection)" "$before" "$(count)"
full0=$(counter ct_full) inv0=$(counter ct_invalid) commit0=$(counter ct_commit)

t0=$SECONDS
made=$(sw python3 tests/lib/ct_fill.py $((free - 1)) | head -1)
echo "# filled $made entries in $((SECONDS - t0)) s"
check_eq "the table filled to one free slot" "$((free - 1))" "$made"
check_eq "  count $((max - 1))" "$((max - 1))" "$(count)"

check_eq "h1:42001 -> 6002 takes the last slot, answered" answered "$(udp_once 42001 6002)"
check_eq "  the table is full" "$max" "$(count)"
check_eq "h1:42002 -> 6002: commit refused, +inv, dropped" timeout "$(udp_once 42002 6002)"
check_eq "h1:42003 -> 6002: refused too" timeout "$(udp_once 42003 6002)"
check_eq "the established h1:41001 -> 6001 still answered" answered "$(udp_once 41001 6001)"
tcp=$(h 1 python3 -c '
import socket
try:
    socket.create_connection(("10.0.0.2", 6100), timeout=0.5); print("connected")
except OSError:
    print("refused")')
check_eq "a new TCP connection (one SYN in 0.5 s) is refused" refused "$tcp"
check_eq "commit,output (port 7000): the refused commit's reply is dropped" timeout \
	"$(udp_once 43001 7000)"
check "  (its datagram still went out, +inv does not stop the list)" \
	grep -qx "43001 7000" "$T/server.log"
check "  none of the refused datagrams on 6002 reached h2" \
	bash -c "! grep -Eq '^4200[23] ' '$T/server.log'"
check_eq "ct_full counts the 4 refused commits" 4 $(($(counter ct_full) - full0))
check_eq "ct_invalid counts them too" 4 $(($(counter ct_invalid) - inv0))
check_eq "ct_commit counts the one that fit" 1 $(($(counter ct_commit) - commit0))
check_eq "table 2's +inv rule matched the 3 refused (UDP, TCP)" 3 "$(rule_packets 3)"
check_eq "  the table is still full, nothing half made" "$max" "$(count)"

# One filler entry deleted: a new connection fits again.
sw conntrack -D -w 0 -p udp -s 172.16.0.0 --sport 1024 >/dev/null 2>&1
check_eq "a slot freed: count $((max - 1))" "$((max - 1))" "$(count)"
check_eq "h1:44001 -> 6003 is committed again, answered" answered "$(udp_once 44001 6003)"
check_eq "  ct_full did not move" 4 $(($(counter ct_full) - full0))
ct=$(sw conntrack -L -w 9 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check_eq "zone 9 holds exactly the 3 committed connections" "41001 42001 44001" \
	"$(grep -o 'sport=4[0-9]*' <<<"$ct" | head -3 | cut -d= -f2 | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "  and no other" 3 "$(grep -c . <<<"$ct")"
tap_done
