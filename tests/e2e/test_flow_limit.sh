#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The flow limit under a flood of new flows: at most --flow-limit
# megaflows are installed, every datagram beyond still reaches its
# receiver (executed, not installed) and is counted on its rule, `show`
# says the limit is hit, and the agent's memory stays bounded.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xhl
LIMIT=200

# recv HOST PORT OUT: datagram count into OUT when idle for 1.5 s.
recv() {
	h "$1" timeout 40 python3 - "$2" "$3" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
n = 0
s.settimeout(20)
try:
    while True:
        s.recv(2048)
        n += 1
        s.settimeout(1.5)
except socket.timeout:
    pass
open(sys.argv[2], "w").write("%d\n" % n)
PY
	bg_pids+=($!)
	for _ in $(seq 100); do [ -e "$3.ready" ] && return 0; sleep 0.02; done
	return 1
}
# flood HOST DST PORT FIRST_SRC COUNT: one datagram from each source port,
# so each is a new flow (the rule reads the source port).
flood() {
	h "$1" python3 -c '
import socket, sys, time
dst, port, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", first + i))
    s.sendto(b"x" * 32, (dst, port))
    s.close()
    time.sleep(0.0003)
' "$2" "$3" "$4" "$5"
}
wait_file() { for _ in $(seq 150); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
rss_kb() { ps -o rss= -p "$agent_pid" | tr -d ' '; }
megaflows() { "$XS" show --bridge "$BR" | sed -n 's/^  megaflows: \([0-9]*\) .*/\1/p'; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=200,udp,nw_dst=10.0.0.2 actions=move:NXM_OF_UDP_SRC[]->NXM_NX_REG0[0..15],output:2
FLOWS
"$XS" agent --bridge "$BR" --flow-limit $LIMIT --flows "$T/flows" "$P-p1" "$P-p2" \
	2>"$T/agent.log" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
if [ -S "$XS_RUN_DIR/$BR.sock" ]; then ok "agent running"; else
	not_ok "agent running"; sed 's/^/# /' "$T/agent.log"; tap_done; exit 1
fi
h 1 ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 # ARP
check "show: the limit, not hit yet" grep -q "^flow limit: $LIMIT; " <<<"$("$XS" show --bridge "$BR")"
rss0=$(rss_kb)

N=3000
recv 2 7000 "$T/r1" || not_ok "receiver ready"
flood 1 10.0.0.2 7000 20000 $N
wait_file "$T/r1"
check_eq "every datagram of $N new flows delivered" $N "$(cat "$T/r1")"
n_mf=$(megaflows)
check "megaflows within the limit ($n_mf <= $LIMIT)" test "$n_mf" -le $LIMIT
check "megaflows reached the limit ($n_mf >= $LIMIT)" test "$n_mf" -ge $LIMIT
show=$("$XS" show --bridge "$BR")
check "show: limit hit" grep -q "^flow limit: $LIMIT (limit hit); misses executed without a megaflow: [1-9]" <<<"$show"
check_eq "the rule counted all $N" "n_packets=$N" \
	"$("$XS" dump-flows --bridge "$BR" | grep 'priority=200,udp' | grep -o 'n_packets=[0-9]*')"
rss1=$(rss_kb)

recv 2 7000 "$T/r2" || not_ok "receiver ready"
flood 1 10.0.0.2 7000 30000 $N
wait_file "$T/r2"
check_eq "a second flood: all delivered" $N "$(cat "$T/r2")"
n_mf=$(megaflows)
check "megaflows still within the limit ($n_mf)" test "$n_mf" -le $LIMIT
rss2=$(rss_kb)
echo "# agent RSS: ${rss0} kB at start, ${rss1} kB after $N new flows, ${rss2} kB after $((2 * N))"
check "RSS bounded: the second flood adds under 1 MiB ($((rss2 - rss1)) kB)" test $((rss2 - rss1)) -lt 1024
check "RSS bounded: both floods add under 8 MiB ($((rss2 - rss0)) kB)" test $((rss2 - rss0)) -lt 8192
check "no miss lost or shed" grep -q '^  lost: 0$' <<<"$("$XS" show --bridge "$BR")"
tap_done
