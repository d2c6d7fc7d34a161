#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The switch forwarding real traffic between plain hosts (namespaces, veth,
# no XDP or GRO on the hosts): first ping answered with no megaflow
# installed, a TCP transfer byte-exact, a mod_nw_dst rewrite seen by the
# receiver, a drop rule, a deleted flow stopping its traffic, counters.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xt


# udp_listen HOST ADDR PORT OUT: records "N SRC" (datagrams received, last
# sender) in OUT when nothing came for 1.5 s after the last one (or 4 s).
udp_listen() {
	h "$1" timeout 20 python3 - "$2" "$3" "$4" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3] + ".ready", "w").close()
n, src = 0, "-"
s.settimeout(4)
try:
    while True:
        data, (src, _) = s.recvfrom(2048)
        n += 1
        s.settimeout(1.5)
except socket.timeout:
    pass
open(sys.argv[3], "w").write("%d %s\n" % (n, src))
PY
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$4.ready" ] && return 0; sleep 0.05; done
	return 1
}
# udp_send HOST DST PORT N
udp_send() {
	h "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(b"x" * 100, (sys.argv[1], int(sys.argv[2])))
' "$2" "$3" "$4"
}
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
# ARP everywhere, IPv4 by destination; one rewrite, one drop
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
priority=100,ip,nw_dst=10.0.0.3 actions=output:3
priority=200,udp,nw_dst=10.0.0.9 actions=mod_nw_dst:10.0.0.3,mod_dl_dst:02:00:00:00:00:03,output:3
priority=300,udp,tp_dst=6000 actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with 3 ports and 6 flows" test -S "$XS_RUN_DIR/$BR.sock"
# (hosts may send IPv6 neighbour discovery on their own: only v4 counts)
check_eq "no IPv4 or ARP megaflow before the first ping" 0 \
	"$("$XS" dump-megaflows --bridge "$BR" | grep -c 'eth_type(0x08\(00\|06\))')"

# --- first ping, answered the first time ------------------------------------
out=$(h 1 ping -c1 -W2 10.0.0.2 2>&1); rc=$?
check_eq "first ping h1 -> h2 answered" 0 "$rc"
echo "# first ping: $(grep -o 'time=[0-9.]* ms' <<<"$out")"
check "ping h3 -> h1 (3 of 3)" pings 3 -c3 -i0.2 -W2 10.0.0.1
mf=$("$XS" dump-megaflows --bridge "$BR")
check "megaflow for h1 -> h2: in_port 1, dst only" \
	grep -q "^recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2[,)].*, actions:2$" <<<"$mf"
check "ARP megaflow from port 1 floods to 2 and 3" \
	grep -q "^recirc_id(0),in_port(1),eth(),eth_type(0x0806).*, actions:2,3$" <<<"$mf"

# --- TCP: byte-exact transfer -----------------------------------------------
N=$((16 * 1024 * 1024))
h 2 timeout 30 python3 - "$T/tcp.out" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.2", 5001)); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
open(sys.argv[1], "w").write("%d\n" % n)
PY
bg_pids+=($!)
for _ in $(seq 50); do [ -e "$T/tcp.out.ready" ] && break; sleep 0.05; done
t0=$(date +%s.%N)
h 1 timeout 30 python3 -c '
import socket, sys
n = int(sys.argv[1]); s = socket.create_connection(("10.0.0.2", 5001), timeout=20)
buf = b"\xa5" * 65536
while n > 0:
    k = min(n, len(buf)); s.sendall(buf[:k]); n -= k
s.close()' "$N"
rc=$?
wait_file "$T/tcp.out"
t1=$(date +%s.%N)
check_eq "TCP client finished" 0 "$rc"
check_eq "receiver got exactly $N bytes" "$N" "$(cat "$T/tcp.out" 2>/dev/null)"
echo "# TCP: $N bytes in $(echo "($t1 - $t0) * 1000 / 1" | bc) ms"

# --- mod_nw_dst: h1 sends to 10.0.0.9, h3 receives it on 10.0.0.3 ----------
h 1 ip neigh replace 10.0.0.9 lladdr 02:00:00:00:00:09 dev eth0
udp_listen 3 10.0.0.3 5000 "$T/rw.out"
udp_send 1 10.0.0.9 5000 3
wait_file "$T/rw.out"
check_eq "rewritten datagrams reach 10.0.0.3 (3 from 10.0.0.1)" "3 10.0.0.1" "$(cat "$T/rw.out")"
check "the rewrite megaflow sets eth and ipv4 dst" \
	grep -q "ipv4(.*dst=10.0.0.9.*actions:set(eth(dst=02:00:00:00:00:03)),set(ipv4(dst=10.0.0.3)),3$" \
	<<<"$("$XS" dump-megaflows --bridge "$BR")"

# --- drop rule ----------------------------------------------------------------
udp_listen 3 0.0.0.0 6000 "$T/drop.out"
udp_listen 3 0.0.0.0 6001 "$T/pass.out"
udp_send 1 10.0.0.3 6000 5
udp_send 1 10.0.0.3 6001 5
wait_file "$T/drop.out"; wait_file "$T/pass.out"
check_eq "drop rule: nothing received on port 6000" "0 -" "$(cat "$T/drop.out")"
check_eq "same path, port 6001: all 5 received" "5 10.0.0.1" "$(cat "$T/pass.out")"
flows=$("$XS" dump-flows --bridge "$BR")
check "drop rule credited with 5 packets" \
	grep -q "table=0, n_packets=5, n_bytes=710, idle_age=[0-9]*, priority=300,udp,tp_dst=6000 actions=drop$" <<<"$flows"
check "rewrite rule credited with 3 packets" \
	grep -q "table=0, n_packets=3, n_bytes=426, idle_age=[0-9]*, priority=200,udp,nw_dst=10.0.0.9 actions=" <<<"$flows"

# --- deleting a flow stops its traffic -------------------------------------------
check "del-flows --strict of the rewrite rule" \
	"$XS" del-flows --bridge "$BR" --strict "priority=200,udp,nw_dst=10.0.0.9"
check_eq "5 flows left" 5 "$("$XS" dump-flows --bridge "$BR" | wc -l)"
check "no megaflow sends to 10.0.0.9 any more" \
	test -z "$("$XS" dump-megaflows --bridge "$BR" | grep 'dst=10.0.0.9')"
rm -f "$T/rw.out" "$T/rw.out.ready"
udp_listen 3 10.0.0.3 5000 "$T/rw.out"
udp_send 1 10.0.0.9 5000 3
wait_file "$T/rw.out"
check_eq "after the delete nothing reaches 10.0.0.3:5000" "0 -" "$(cat "$T/rw.out")"
check "del-flows of the h2 route" "$XS" del-flows --bridge "$BR" "ip,nw_dst=10.0.0.2"
check "h1 -> h2 ping fails after it" sh -c "! ip netns exec $P-h1 ping -c1 -W1 10.0.0.2 >/dev/null 2>&1"
check "h1 -> h3 ping still works" pings 1 -c1 -W2 10.0.0.3

# --- add-flow brings the route back -------------------------------------------
check "add-flow of the h2 route" "$XS" add-flow --bridge "$BR" "priority=100,ip,nw_dst=10.0.0.2 actions=output:2"
check "h1 -> h2 ping works again" pings 1 -c1 -W2 10.0.0.2

show=$("$XS" show --bridge "$BR")
check "show: no lost or shed misses" grep -q "^  lost: 0$" <<<"$show"
check "show: every miss re-injected or counted" grep -q "re-inject failed 0," <<<"$show"
check "show --json parses" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ports"][2]["ofport"] == 3' \
	<<<"$("$XS" show --bridge "$BR" --json)"
check "dump-megaflows --json parses" python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d) > 0 and "stage" in d[0]' \
	<<<"$("$XS" dump-megaflows --bridge "$BR" --json)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
