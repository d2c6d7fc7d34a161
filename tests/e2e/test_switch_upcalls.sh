#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Packets the agent receives besides plain misses: a controller action
# (logged and counted, not delivered), dec_ttl on TTL 1 (dropped and
# counted, TTL 5 delivered), and misses too long for the ringbuf record
# (installed but not re-injected, counted as truncated); a burst of a new
# flow loses nothing while its megaflow is installed.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xu

agent_count() { # agent_count NAME: a number from show's "agent:" line
	"$XS" show --bridge "$BR" | sed -n "s/^agent:.* $1 \([0-9]*\).*/\1/p"
}
# udp_listen HOST PORT OUT: "N TTL" (datagrams, TTL of the last) after 1.5 s quiet
udp_listen() {
	h "$1" timeout 20 python3 - "$2" "$3" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 12, 1) # IP_RECVTTL (not in python's socket module)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20) # SO_RCVBUFFORCE: room for a whole burst
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
n, ttl = 0, "-"
s.settimeout(3)
try:
    while True:
        data, anc, _, _ = s.recvmsg(2048, 64)
        n += 1
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL:
                ttl = int.from_bytes(val[:4], "little")
        s.settimeout(1.5)
except socket.timeout:
    pass
open(sys.argv[2], "w").write("%d %s\n" % (n, ttl))
PY
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$3.ready" ] && return 0; sleep 0.05; done
	return 1
}
udp_send() { # udp_send HOST DST PORT N TTL
	h "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(sys.argv[4]))
for i in range(int(sys.argv[3])):
    s.sendto(b"u" * 64, (sys.argv[1], int(sys.argv[2])))
' "$2" "$3" "$4" "$5"
}
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
# frames longer than a miss record holds (1536 bytes): MTU 3000
for k in 1 2; do
	h "$k" ip link set eth0 mtu 3000
	ip link set "$P-p$k" mtu 3000
done
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
priority=200,udp,tp_dst=7000 actions=controller
priority=200,udp,tp_dst=7001 actions=dec_ttl,output:2
priority=200,udp,tp_dst=7100 actions=output:2
FLOWS
"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"

# --- truncated misses: installed, not re-injected ------------------------------
# static neighbours: the first IPv4 packet between the hosts is the big one
h 1 ip neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0
h 2 ip neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0
check "a 2528-byte ping whose request misses is lost" sh -c "! ip netns exec $P-h1 ping -c1 -W1 -s 2500 10.0.0.2 >/dev/null 2>&1"
check_eq "counted as a truncated miss" 1 "$(agent_count truncated)"
check "the next one: request forwarded, reply misses, lost" sh -c "! ip netns exec $P-h1 ping -c1 -W1 -s 2500 10.0.0.2 >/dev/null 2>&1"
check_eq "2 truncated misses" 2 "$(agent_count truncated)"
check "both megaflows installed: the third is answered" pings 1 -c1 -W2 -s 2500 10.0.0.2
check_eq "still 2 truncated misses" 2 "$(agent_count truncated)"

# --- controller action ---------------------------------------------------------
udp_listen 2 7000 "$T/ctl.out"
udp_send 1 10.0.0.2 7000 3 64
wait_file "$T/ctl.out"
check_eq "controller: nothing delivered" "0 -" "$(cat "$T/ctl.out")"
check_eq "controller: 3 packets counted" 3 "$(agent_count controller)"
check "controller: logged" grep -q "controller: 106-byte packet from ifindex" "$LOG"

# --- dec_ttl ---------------------------------------------------------------------
udp_listen 2 7001 "$T/ttl.out"
udp_send 1 10.0.0.2 7001 2 1
udp_send 1 10.0.0.2 7001 4 5
wait_file "$T/ttl.out"
check_eq "dec_ttl: the TTL-5 datagrams arrive with TTL 4, the TTL-1 ones do not" "4 4" "$(cat "$T/ttl.out")"
check_eq "dec_ttl: 2 expired counted" 2 "$(agent_count "ttl expired")"

# --- a burst of a new flow: misses merged, every packet delivered once ----------
udp_listen 2 7100 "$T/burst.out"
udp_send 1 10.0.0.2 7100 300 64
wait_file "$T/burst.out"
check_eq "burst: all 300 datagrams delivered" "300 64" "$(cat "$T/burst.out")"
mf=$("$XS" dump-megaflows --bridge "$BR" | grep 'udp(dst=7100)')
check_eq "burst: one megaflow" 1 "$(grep -c . <<<"$mf")"
check "burst: it carried all 300 (missed ones re-injected through it)" grep -q ' packets:300, bytes:31800,' <<<"$mf"
check "burst: the rule counted 300" grep -q 'n_packets=300, n_bytes=31800, .*udp,tp_dst=7100 ' \
	<<<"$("$XS" dump-flows --bridge "$BR")"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
