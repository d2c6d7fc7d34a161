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
. tests/lib/tcp_peers.sh

switch_env ctf
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }


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
tcp_sink 2 10.0.0.2 5001 "$T/tcp.out"
ans=$(tcp_send 1 10.0.0.2 5001 "$N")
ans=${ans%% *} # the answer, without the peer
wait_file "$T/tcp.out"
check_eq "TCP h1 -> h2: server got exactly $N bytes" "$N" "$(cut -d" " -f1 "$T/tcp.out" 2>/dev/null)"
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
tcp_sink 2 10.0.0.2 5003 "$T/hold.out"
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
tcp_sink 1 10.0.0.1 5002 "$T/tcpin.out"
check_eq "TCP h2 -> h1 cannot connect" "timeout" "$(tcp_send 2 10.0.0.1 5002 10)"

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
