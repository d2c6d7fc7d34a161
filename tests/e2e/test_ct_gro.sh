#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TCP through the stateful firewall (ct on every packet, two passes) with
# GRO on the switch's ports, as users run them (veth turns GRO on with XDP,
# and a host taking XDP redirects needs it): the TC stage then gets
# GRO-merged super-packets (GSO skbs). A bulk transfer must be byte-exact,
# fast (the bug this guards against made ~0.2 Mbit/s) and leave
# ct_invalid at 0.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/tcp_peers.sh

switch_env ctgro
command -v ethtool >/dev/null || skip_all "needs ethtool"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
ethtool -K "$P-p1" gro on >/dev/null && ethtool -K "$P-p2" gro on >/dev/null
check_eq "GRO on on the switch's ports" "on on" \
	"$(for p in p1 p2; do ethtool -k "$P-$p" | awk '/^generic-receive-offload:/ {print $2}'; done | xargs)"
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,ct_state=-trk actions=ct(zone=21,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions=ct(commit,zone=21,exec(set_field:0x2a->ct_mark)),output:2
table=1,priority=100,ip,in_port=1,ct_state=+trk+est-new actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+trk+est+rpl,ct_mark=0x2a actions=output:1
table=1,priority=10,ip actions=drop
# the same firewall for IPv6 (ICMPv6, neighbour discovery and the hosts'
# MLD reports, passes before ct: ct_invalid then counts TCP only)
priority=110,icmp6 actions=flood
priority=100,ipv6,ct_state=-trk actions=ct(zone=21,table=1)
table=1,priority=100,ipv6,in_port=1,ct_state=+trk+new actions=ct(commit,zone=21,exec(set_field:0x2a->ct_mark)),output:2
table=1,priority=100,ipv6,in_port=1,ct_state=+trk+est-new actions=output:2
table=1,priority=100,ipv6,in_port=2,ct_state=+trk+est+rpl,ct_mark=0x2a actions=output:1
table=1,priority=10,ipv6 actions=drop
FLOWS
for k in 1 2; do
	h "$k" ip addr add "fd00::$k/64" dev eth0 nodad
	h "$k" sysctl -qw net.ipv6.conf.eth0.router_solicitations=0
done

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the firewall flows" test -S "$XS_RUN_DIR/$BR.sock"
# ARP and the first connection's misses out of the way.
pings 1 -c1 -W2 10.0.0.2

# mbit_of BYTES T0 T1: the rate in Mbit/s of BYTES sent between two
# `date +%s%N` stamps.
mbit_of() { echo $(( $1 * 8 / (($3 - $2) / 1000) )); }

# 64 MiB h1 -> h2 (GRO merges at the switch's port 1, the connection's
# original direction), then 64 MiB h2 -> h1 on a connection h1 opened
# (merged at port 2: the reply direction); each timed by its client.
N=$((64 * 1024 * 1024 + 4321))
tcp_sink 2 10.0.0.2 5001 "$T/up.out"
t0=$(date +%s%N)
ans=$(tcp_send 1 10.0.0.2 5001 "$N")
t1=$(date +%s%N)
wait_file "$T/up.out"
got=$(cat "$T/up.out" 2>/dev/null)
check_eq "upload h1 -> h2 with GRO on: the sink got exactly $N bytes" "$N 10.0.0.1" "$got"
check_eq "upload h1 -> h2: the sink's answer came back" "ok 10.0.0.2" "$ans"
up=$(mbit_of "${got%% *}" "$t0" "$t1")
echo "# upload: ${got%% *} bytes in $(( (t1 - t0) / 1000000 )) ms: $up Mbit/s"
check "upload with GRO on: over 50 Mbit/s (the bug made ~0.2)" test "$up" -gt 50

tcp_source 2 10.0.0.2 5002 "$N" "$T/down.out"
t0=$(date +%s%N)
got=$(tcp_fetch 1 10.0.0.2 5002)
t1=$(date +%s%N)
check_eq "download h2 -> h1 (reply direction) with GRO on: exactly $N bytes, in order" \
	"$N good" "$got"
down=$(mbit_of "${got%% *}" "$t0" "$t1")
echo "# download: ${got%% *} bytes in $(( (t1 - t0) / 1000000 )) ms: $down Mbit/s"
check "download with GRO on: over 50 Mbit/s" test "$down" -gt 50

# IPv6: 16 MiB up (the parse's IPv6 length check of a merged packet).
N6=$((16 * 1024 * 1024 + 99))
tcp_sink 2 fd00::2 5005 "$T/up6.out"
t0=$(date +%s%N)
ans=$(tcp_send 1 fd00::2 5005 "$N6")
t1=$(date +%s%N)
wait_file "$T/up6.out"
got=$(cat "$T/up6.out" 2>/dev/null)
check_eq "IPv6 upload h1 -> h2 with GRO on: the sink got exactly $N6 bytes" "$N6 fd00::1" "$got"
check_eq "IPv6 upload: the sink's answer came back" "ok fd00::2" "$ans"
up6=$(mbit_of "${got%% *}" "$t0" "$t1")
echo "# IPv6 upload: ${got%% *} bytes in $(( (t1 - t0) / 1000000 )) ms: $up6 Mbit/s"
check "IPv6 upload with GRO on: over 50 Mbit/s" test "$up6" -gt 50

show=$("$XS" show --bridge "$BR")
echo "$show" | grep -E "ct_|recirc" | sed 's/^/# /'
check "ct_invalid stays 0" grep -Eq "ct_invalid=0( |$)" <<<"$show"
# Fewer ct lookups than packets: GRO hands the TC stage merged packets.
rx=$(grep -Eo "rx=[0-9]+" <<<"$show" | head -1 | cut -d= -f2)
lk=$(grep -Eo "ct_lookup=[0-9]+" <<<"$show" | cut -d= -f2)
echo "# $rx packets at XDP, $lk ct lookups in the TC stage"
check "the transfers went through conntrack, GRO-merged (ct lookups < packets)" \
	test "${lk:-0}" -gt 0 -a "${lk:-0}" -lt "${rx:-0}"

# --- SNAT with GRO on: the rewrite of a merged packet ------------------------------
h 2 ip neigh replace 10.0.0.100 lladdr 02:00:00:00:00:01 dev eth0
cat >"$T/nat" <<'FLOWS'
priority=100,arp actions=flood
priority=100,tcp,in_port=1 actions=ct(commit,zone=22,nat(src=10.0.0.100)),output:2
priority=100,tcp,in_port=2,nw_dst=10.0.0.100 actions=ct(zone=22,nat,table=1)
table=1,priority=100,tcp,ct_state=+trk+est+rpl actions=output:1
table=1,priority=10,ip actions=drop
FLOWS
"$XS" replace-flows --bridge "$BR" "$T/nat" >/dev/null
tcp_sink 2 10.0.0.2 5003 "$T/snat.out"
ans=$(tcp_send 1 10.0.0.2 5003 "$N")
wait_file "$T/snat.out"
check_eq "SNAT upload with GRO on: exactly $N bytes, from the gateway address" \
	"$N 10.0.0.100" "$(cat "$T/snat.out" 2>/dev/null)"
check_eq "SNAT upload: the answer came back from 10.0.0.2" "ok 10.0.0.2" "$ans"
tcp_source 2 10.0.0.2 5004 "$N" "$T/sdown.out"
check_eq "SNAT download with GRO on (un-NATed merged replies): exactly $N bytes, in order" \
	"$N good" "$(tcp_fetch 1 10.0.0.2 5004)"
wait_file "$T/sdown.out"
check_eq "SNAT download: the source saw the gateway address" "sent 10.0.0.100" \
	"$(cat "$T/sdown.out" 2>/dev/null)"
check "ct_invalid still 0" grep -Eq "ct_invalid=0( |$)" <<<"$("$XS" show --bridge "$BR")"

conntrack -D -w 21 -s 10.0.0.1 >/dev/null 2>&1
conntrack -D -w 21 -s fd00::1 >/dev/null 2>&1
conntrack -D -w 22 -s 10.0.0.1 >/dev/null 2>&1
tap_done
