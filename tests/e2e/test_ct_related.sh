#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ct_state +rel: ICMP errors related to a tracked connection. h1 (port 1)
# is inside, h2 (port 2) outside, a firewall in zone 13 lets through only
# replies and related errors (+trk+rel+rpl). A UDP datagram from h1 to a
# closed port of h2 draws a "port unreachable" that reaches h1's socket
# (ECONNREFUSED), over IPv4 and IPv6; through SNAT (zone 14, to
# 10.0.0.100 / fd00::100) the error is un-NATed (outer destination and
# embedded packet) with every checksum right, as h1 captures it; a TCP
# transfer through the IPv6 SNAT is byte-exact. An ICMP
# error quoting no tracked connection is +inv and dropped. The IPv6 half
# is also the IPv6 firewall's check: UDP out and back, nothing in.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/tcp_peers.sh

. tests/lib/udp_peers.sh
switch_env ctr
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# capture NAME: h1 captures the next ICMP(v6) destination unreachable into
# $T/NAME (tests/lib/icmp_err.py).
capture() {
	rm -f "$T/$1" "$T/$1.ready"
	h 1 python3 tests/lib/icmp_err.py capture eth0 "$T/$1.ready" "$T/$1" &
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$T/$1.ready" ] && return 0; sleep 0.05; done
	return 1
}
# flow_packets A B: n_packets of the one rule whose line has A and B.
flow_packets() {
	"$XS" dump-flows --bridge "$BR" | grep -F -- "$1" | grep -F -- "$2" |
		grep -o 'n_packets=[0-9]*' | cut -d= -f2
}

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
# h1 writes full UDP checksums (no TX offload), so that the datagram an
# error quotes carries one and the capture can check its rewrite.
h 1 ethtool -K eth0 tx off >/dev/null
h 1 ip addr add fd00::1/64 dev eth0 nodad
h 2 ip addr add fd00::2/64 dev eth0 nodad
# The SNAT addresses live on the wire only.
h 2 ip neigh replace 10.0.0.100 lladdr 02:00:00:00:00:01 dev eth0
h 2 ip -6 neigh replace fd00::100 lladdr 02:00:00:00:00:01 dev eth0
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=200,icmp6,icmp_type=135 actions=flood
priority=200,icmp6,icmp_type=136 actions=flood
priority=200,icmp6,icmp_type=143 actions=drop
# SNAT (zone 14) of h1's UDP to ports 6200/6201; back through nat, table 2
priority=110,udp,in_port=1,tp_dst=6200 actions=ct(commit,zone=14,nat(src=10.0.0.100)),output:2
priority=110,udp6,in_port=1,tp_dst=6201 actions=ct(commit,zone=14,nat(src=fd00::100)),output:2
priority=110,tcp6,in_port=1,tp_dst=6202 actions=ct(commit,zone=14,nat(src=fd00::100)),output:2
priority=110,ip,in_port=2,nw_dst=10.0.0.100 actions=ct(zone=14,nat,table=2)
priority=110,ipv6,in_port=2,ipv6_dst=fd00::100 actions=ct(zone=14,nat,table=2)
table=2,priority=100,ct_state=+trk+rel+rpl actions=output:1
table=2,priority=100,tcp6,ct_state=+trk+est+rpl actions=output:1
table=2,priority=10 actions=drop
# the firewall (zone 13)
priority=100,ip,ct_state=-trk actions=ct(zone=13,table=1)
priority=100,ipv6,ct_state=-trk actions=ct(zone=13,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=13),output:2
table=1,priority=100,ipv6,in_port=1,ct_state=+trk+new actions=ct(commit,zone=13),output:2
table=1,priority=100,in_port=1,ct_state=+trk+est actions=output:2
table=1,priority=100,in_port=2,ct_state=+trk+est+rpl actions=output:1
table=1,priority=100,in_port=2,ct_state=+trk+rel+rpl actions=output:1
table=1,priority=20,icmp,ct_state=+trk+inv actions=drop
table=1,priority=10 actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the firewall and SNAT flows" test -S "$XS_RUN_DIR/$BR.sock"

# --- IPv4: a closed port's error reaches the client --------------------------------
capture fw4
check_eq "UDP h1 -> h2:6100 (closed): the client gets ECONNREFUSED" "refused" \
	"$(udp_try 1 10.0.0.2 6100)"
wait_file "$T/fw4"
sed 's/^/# fw4: /' "$T/fw4"
check "h1 got the port unreachable unchanged, checksums right" \
	grep -Eq "^10.0.0.2 10.0.0.1 10.0.0.1:[0-9]+ 10.0.0.2:6100 csum-ok$" "$T/fw4"
check "the +rel+rpl rule of table 1 counted it" \
	test "$(flow_packets 'table=1' 'rel')" -ge 1

# --- IPv4 through SNAT: the error is un-NATed --------------------------------------
capture snat4
check_eq "UDP h1 -> h2:6200 through SNAT (closed): ECONNREFUSED" "refused" \
	"$(udp_try 1 10.0.0.2 6200)"
wait_file "$T/snat4"
sed 's/^/# snat4: /' "$T/snat4"
check "outer destination and embedded source back to h1, checksums right" \
	grep -Eq "^10.0.0.2 10.0.0.1 10.0.0.1:[0-9]+ 10.0.0.2:6200 csum-ok$" "$T/snat4"
ct=$(conntrack -L -w 14 -p udp --dport 6200 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "conntrack -L: the SNAT flow replied to 10.0.0.100 in zone 14" \
	grep -Eq "src=10.0.0.1 dst=10.0.0.2 .*dport=6200 .*src=10.0.0.2 dst=10.0.0.100 .*zone=14" <<<"$ct"

# --- an ICMP error quoting no connection: +inv, dropped ------------------------------
before=$(flow_packets 'priority=20,' 'icmp actions=drop')
capture unrel
h 2 python3 tests/lib/icmp_err.py send 10.0.0.1 10.0.0.1 41999 10.0.0.2 6999
wait_file "$T/unrel"
check_eq "an unrelated port unreachable does not reach h1" "none" "$(cat "$T/unrel")"
after=$(flow_packets 'priority=20,' 'icmp actions=drop')
check_eq "it hit the +trk+inv drop rule once" "1" "$((${after:-0} - ${before:-0}))"

# --- IPv6 firewall: out and back, nothing in; errors related -------------------------
udp_echo 2 fd00::2 6101 "$T/echo6.ready"
check_eq "UDP6 h1 -> h2 answered" "hello" "$(udp_try 1 fd00::2 6101)"
udp_echo 1 fd00::1 6102 "$T/echo6in.ready"
check_eq "UDP6 h2 -> h1 dropped" "timeout" "$(udp_try 2 fd00::1 6102)"
capture fw6
check_eq "UDP6 h1 -> h2:6103 (closed): ECONNREFUSED" "refused" "$(udp_try 1 fd00::2 6103)"
wait_file "$T/fw6"
sed 's/^/# fw6: /' "$T/fw6"
check "ICMPv6 error unchanged, checksums right" \
	grep -Eq "^fd00::2 fd00::1 fd00::1:[0-9]+ fd00::2:6103 csum-ok$" "$T/fw6"
ct=$(conntrack -L -f ipv6 -w 13 -p udp 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "conntrack -L: the IPv6 UDP flow in zone 13" \
	grep -Eq "src=fd00::1 dst=fd00::2 .*dport=6101 .*zone=13" <<<"$ct"

# --- IPv6 through SNAT ----------------------------------------------------------------
capture snat6
check_eq "UDP6 h1 -> h2:6201 through SNAT (closed): ECONNREFUSED" "refused" \
	"$(udp_try 1 fd00::2 6201)"
wait_file "$T/snat6"
sed 's/^/# snat6: /' "$T/snat6"
check "ICMPv6: outer destination and embedded source back to h1, checksums right" \
	grep -Eq "^fd00::2 fd00::1 fd00::1:[0-9]+ fd00::2:6201 csum-ok$" "$T/snat6"
ct=$(conntrack -L -f ipv6 -w 14 -p udp --dport 6201 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "conntrack -L: the IPv6 SNAT flow replied to fd00::100" \
	grep -Eq "src=fd00::1 dst=fd00::2 .*src=fd00::2 dst=fd00::100 .*zone=14" <<<"$ct"

"$XS" dump-flows --bridge "$BR" | sed 's/^/# /'
# --- IPv6 TCP through SNAT, byte-exact -------------------------------------------
N=$((1024 * 1024 + 3))
tcp_sink 2 fd00::2 6202 "$T/tcp6.out"
ans=$(tcp_send 1 fd00::2 6202 "$N")
wait_file "$T/tcp6.out"
check_eq "TCP6 through SNAT: h2 got exactly $N bytes from fd00::100" "$N fd00::100" \
	"$(cat "$T/tcp6.out" 2>/dev/null)"
check_eq "TCP6 through SNAT: h1 got the answer from fd00::2" "ok fd00::2" "$ans"

show=$("$XS" show --bridge "$BR")
echo "$show" | grep -Eo "(ct_[a-z]*|exec_error)=[0-9]+" | tr '\n' ' ' | sed 's/^/# /'; echo
check "show counts related errors (4 at least)" \
	test "$(grep -Eo 'ct_related=[0-9]+' <<<"$show" | cut -d= -f2)" -ge 4
check_eq "no exec error (the rewrites' checksum helpers refused nothing)" 0 \
	"$(grep -Eo 'exec_error=[0-9]+' <<<"$show" | cut -d= -f2)"

conntrack -D -w 13 -s 10.0.0.1 >/dev/null 2>&1
conntrack -D -w 14 -s 10.0.0.1 >/dev/null 2>&1
conntrack -D -f ipv6 -w 13 -s fd00::1 >/dev/null 2>&1
conntrack -D -f ipv6 -w 14 -s fd00::1 >/dev/null 2>&1
tap_done
