#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A stateful firewall on the kernel's conntrack (ct through BPF kfuncs):
# h1 (port 1) is inside, h2 (port 2) outside. Inside may open TCP and UDP
# connections and ping out, replies come back; outside cannot open
# connections inward, and unsolicited ICMP echo is dropped. Connections
# are committed in zone 7 with ct_mark 0x2a and the reply rule matches
# that mark; `conntrack -L` shows them with that zone and mark.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/udp_peers.sh

switch_env ctf
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# tcp_server HOST ADDR PORT OUT: accepts one connection, counts its bytes
# into OUT, answers "ok".
tcp_server() {
	h "$1" timeout 20 python3 - "$2" "$3" "$4" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
open(sys.argv[3] + ".ready", "w").close()
s.settimeout(15)
try:
    c, _ = s.accept()
except socket.timeout:
    open(sys.argv[3], "w").write("none\n"); sys.exit(0)
n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
c.sendall(b"ok"); c.close()
open(sys.argv[3], "w").write("%d\n" % n)
PY
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$4.ready" ] && return 0; sleep 0.05; done
	return 1
}
# tcp_client HOST DST PORT N: sends N bytes, half-closes, prints the answer.
tcp_client() {
	h "$1" timeout 20 python3 -c '
import socket, sys
n = int(sys.argv[3])
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except OSError as e:
    print("refused" if isinstance(e, ConnectionRefusedError) else "timeout"); sys.exit(0)
buf = bytes(range(256)) * 256
while n > 0:
    k = min(n, len(buf)); s.sendall(buf[:k]); n -= k
s.shutdown(socket.SHUT_WR)
print(s.recv(16).decode() or "eof")' "$2" "$3" "$4"
}

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
# every IP packet goes through conntrack (zone 7) and on to table 1
priority=100,ip,ct_state=-trk actions=ct(zone=7,table=1)
# inside -> outside: new connections are committed with a mark
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=7,exec(set_field:0x2a->ct_mark)),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est-new actions=output:2
# outside -> inside: only replies of marked connections
table=1,priority=100,ip,in_port=2,ct_state=+trk+est+rpl,ct_mark=0x2a actions=output:1
table=1,priority=10,ip actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the firewall flows" test -S "$XS_RUN_DIR/$BR.sock"
check_eq "dump-flows shows the ct actions as written" \
	"ct(commit,zone=7,exec(load:0x2a->NXM_NX_CT_MARK[])),output:2" \
	"$("$XS" dump-flows --bridge "$BR" | grep -o 'ct(commit[^ ]*output:2')"

# --- ICMP: out answered, in dropped -------------------------------------------
check "ping h1 -> h2 answered (echo tracked, reply allowed)" pings 1 -c3 -i0.2 -W2 10.0.0.2
if pings 2 -c2 -i0.2 -W1 10.0.0.1; then
	not_ok "ping h2 -> h1 dropped (unsolicited echo)"
else
	ok "ping h2 -> h1 dropped (unsolicited echo)"
fi

# --- TCP out: byte-exact, reply allowed ------------------------------------------
N=$((2 * 1024 * 1024 + 777))
tcp_server 2 10.0.0.2 5001 "$T/tcp.out"
ans=$(tcp_client 1 10.0.0.2 5001 "$N")
wait_file "$T/tcp.out"
check_eq "TCP h1 -> h2: server got exactly $N bytes" "$N" "$(cat "$T/tcp.out" 2>/dev/null)"
check_eq "TCP h1 -> h2: the server's answer came back" "ok" "$ans"

# --- megaflows: one per pass, keyed by recirc_id ----------------------------------
mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | sed 's/^/# /'
check "first pass: ct(zone=7) then recirc" \
	grep -Eq "^recirc_id\(0\),ct_state\(-trk\),in_port\(1\),.*actions:ct\(zone=7\),recirc\(0x[0-9a-f]+\)$" <<<"$mf"
check "second pass matches ct_state and ct_mark, outputs" \
	grep -Eq "^recirc_id\(0x[0-9a-f]+\),ct_state\([^)]*\+est[^)]*\+rpl[^)]*\),ct_mark\(0x2a\),in_port\(2\).*actions:1$" <<<"$mf"

# --- TCP state in the kernel's table: open, then closed --------------------------
# ct_poll STATE: waits (up to 3 s) until the dport 5003 connection shows STATE.
ct_poll() {
	for _ in $(seq 30); do
		st=$(conntrack -L -w 7 -p tcp --dport 5003 2>/dev/null)
		grep -q " $1 " <<<"$st" && return 0
		sleep 0.1
	done
	return 1
}
tcp_server 2 10.0.0.2 5003 "$T/hold.out"
h 1 timeout 20 python3 -c '
import socket, time
s = socket.create_connection(("10.0.0.2", 5003), timeout=5)
s.sendall(b"x" * 1000); time.sleep(4)
s.shutdown(socket.SHUT_WR); s.recv(16); s.close(); time.sleep(0.5)' &
hold_pid=$!
ct_poll ESTABLISHED
echo "$st" | sed 's/^/# open: /'
check "conntrack -L: the open TCP connection is ESTABLISHED" \
	grep -Eq "^tcp +6 +[0-9]+ ESTABLISHED src=10.0.0.1 dst=10.0.0.2 .*dport=5003 " <<<"$st"
wait "$hold_pid"
ct_poll TIME_WAIT
echo "$st" | sed 's/^/# closed: /'
check "conntrack -L: the closed connection moved on to TIME_WAIT (120 s at most)" \
	grep -Eq "^tcp +6 +(1[01][0-9]|120|[0-9]{1,2}) TIME_WAIT src=10.0.0.1 .*dport=5003 " <<<"$st"

# --- TCP in: refused by the firewall (no SYN-ACK ever comes) ------------------
tcp_server 1 10.0.0.1 5002 "$T/tcpin.out"
check_eq "TCP h2 -> h1 cannot connect" "timeout" "$(tcp_client 2 10.0.0.1 5002 10)"

# --- UDP out and back; UDP in dropped ---------------------------------------------
udp_echo 2 10.0.0.2 6001 "$T/udp2.ready"
check_eq "UDP h1 -> h2 answered" "hello" "$(udp_ask 1 10.0.0.2 6001)"
udp_echo 1 10.0.0.1 6002 "$T/udp1.ready"
check_eq "UDP h2 -> h1 dropped" "timeout" "$(udp_ask 2 10.0.0.1 6002)"

# --- the kernel's table: zone, mark, reply seen -----------------------------------
ct=$(conntrack -L -w 7 -s 10.0.0.1 -d 10.0.0.2 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "conntrack -L: the TCP connection, zone 7, mark 42, assured" \
	grep -Eq "^tcp .*src=10.0.0.1 dst=10.0.0.2 .*dport=5001 .*\[ASSURED\] .*mark=42 zone=7" <<<"$ct"
check "conntrack -L: the UDP flow, zone 7, mark 42" \
	grep -Eq "^udp .*src=10.0.0.1 dst=10.0.0.2 .*dport=6001 .*mark=42 zone=7" <<<"$ct"
check_eq "conntrack -L: nothing committed for the refused inbound TCP" "0" \
	"$(conntrack -L -w 7 -p tcp --dport 5002 2>/dev/null | grep -c .)"

show=$("$XS" show --bridge "$BR")
echo "$show" | grep -E "ct_|recirc" | sed 's/^/# /'
check "show counts conntrack lookups" grep -Eq "ct_lookup=[1-9]" <<<"$show"
check "show counts conntrack commits" grep -Eq "ct_commit=[1-9]" <<<"$show"

conntrack -D -w 7 -s 10.0.0.1 >/dev/null 2>&1
tap_done
