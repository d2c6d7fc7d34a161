#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# NORMAL with plain hosts in namespaces and no other flow: two bridges (two
# agents) joined by a trunk (a veth pair, tagged frames on the wire: this
# kernel has no 8021q, so no host could make them), access ports in VLANs
# 10 and 20 on both. Pings within a VLAN work from the first packet, also
# across the trunk; across VLANs they do not; broadcast stays in its VLAN;
# learned unicast is not flooded (counted on a third port); a host that
# moves is reached at its new port at once; aging removes entries and fast
# path traffic keeps them; 200 source MACs on one port stay bounded; a
# mixed table works; a restart keeps the port options.
#
#   bridge A: p1 (10)  p2 (10)  p3 (20)  p4 (20)  p5 (10)  ta (trunk 10,20)
#   bridge B: tb (trunk, all VLANs)  p7 (10)  p8 (20)          ta <-> tb
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xn
BR2=xm$$ agent2=
cleanup() {
	[ -n "$agent2" ] && kill "$agent2" 2>/dev/null && wait "$agent2" 2>/dev/null
	"$XS" agent --cleanup --bridge "$BR2" >/dev/null 2>&1
	switch_env_cleanup
	ip link del "$P-ta" 2>/dev/null
}
trap cleanup EXIT

scripts/topo.sh create "$P" 8 || { echo "not ok 1 - topology"; exit 1; }
ip link add "$P-ta" type veth peer name "$P-tb" || { echo "not ok 1 - trunk"; exit 1; }
# no IPv6 chatter (router solicitations, MLD): every frame counted is ours
for k in $(seq 8); do
	h "$k" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	sysctl -qw "net.ipv6.conf.$P-p$k.disable_ipv6=1"
done
# A tag the TC stage pushes is skb metadata (bpf_skb_vlan_push); a veth with
# tx VLAN offload keeps it there, and the XDP program of the other bridge
# would never see it: the trunk's veths put tags in the frame (README).
for t in ta tb; do
	sysctl -qw "net.ipv6.conf.$P-$t.disable_ipv6=1"
	ethtool -K "$P-$t" txvlan off >/dev/null
	ip link set "$P-$t" up
done

"$XS" agent --bridge "$BR" --mac-aging 3 --mac-table-size 128 "$P-p1=1,tag=10" "$P-p2=2,tag=10" \
	"$P-p3=3,tag=20" "$P-p4=4,tag=20" "$P-p5=5,tag=10" "$P-ta=6,trunks=10,20" 2>"$LOG" &
agent_pid=$!
"$XS" agent --bridge "$BR2" --mac-aging 2 "$P-tb=1" "$P-p7=2,tag=10" "$P-p8=3,tag=20" \
	2>"$T/agent2.log" &
agent2=$!
for _ in $(seq 100); do
	[ -S "$T/$BR.sock" ] && [ -S "$T/$BR2.sock" ] && break
	sleep 0.05
done
check "both agents running" test -S "$T/$BR.sock" -a -S "$T/$BR2.sock"
xa() { "$XS" "$1" --bridge "$BR" "${@:2}"; }
xb() { "$XS" "$1" --bridge "$BR2" "${@:2}"; }
check "NORMAL on A" xa add-flow 'priority=0,actions=NORMAL'
check "NORMAL on B" xb add-flow 'priority=0,actions=NORMAL'
rx() { h "$1" cat /sys/class/net/eth0/statistics/rx_packets; }

check "h1 -> h2 (VLAN 10): the first ping is answered" pings 1 -c1 -W2 10.0.0.2
check "h3 -> h4 (VLAN 20): the first ping is answered" pings 3 -c1 -W2 10.0.0.4
check "h1 -> h7 (VLAN 10, across the trunk): first ping answered" pings 1 -c1 -W2 10.0.0.7
check "h4 -> h8 (VLAN 20, across the trunk): first ping answered" pings 4 -c1 -W2 10.0.0.8
check "h1 -> h3 (VLAN 10 to 20): no answer" sh -c "! ip netns exec $P-h1 ping -c1 -W1 10.0.0.3 >/dev/null 2>&1"
check "h1 -> h8 (across the trunk, 10 to 20): no answer" sh -c "! ip netns exec $P-h1 ping -c1 -W1 10.0.0.8 >/dev/null 2>&1"
check "h7 -> h2 and back" pings 7 -c2 -i0.2 -W2 10.0.0.2
check "fdb-show: h7 on the trunk (port 6) in VLAN 10" \
	grep -Eq "^ +6 +10  02:00:00:00:00:07 +[0-9]+$" <<<"$(xa fdb-show)"
mf=$(xa dump-megaflows)
check "A's trunk megaflows match VLAN 10 tagged frames" \
	grep -q "in_port(6),eth(src=02:00:00:00:00:07,dst=02:00:00:00:00:02),eth_type(0x8100),vlan(vid=10" <<<"$mf"

# broadcast: 5 frames of a local ethertype (0x88b5) to ff:ff:ff:ff:ff:ff
# from h1, counted by a raw socket in each host (nothing else sends it).
# Each listener says when it listens and stops 0.3 s after the sender is
# done: python may take seconds to start on a loaded machine.
listen() {
	h "$1" python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind(("eth0", 0))
s.settimeout(0.1)
open(sys.argv[1], "w").close()
n, end, t0 = 0, None, time.time()
while (end is None or time.time() < end) and time.time() < t0 + 30:
    if end is None and os.path.exists(sys.argv[2]):
        end = time.time() + 0.3
    try:
        s.recv(2048)
        n += 1
    except socket.timeout:
        pass
print(n)' "$T/ready.$1" "$T/sent" >"$T/bc.$1" &
	listeners+=($!)
}
listeners=()
for k in 2 3 4 5 7 8; do listen "$k"; done
for _ in $(seq 1000); do [ "$(ls "$T" | grep -c '^ready\.')" = 6 ] && break; sleep 0.02; done
h 1 python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for i in range(5):
    s.send(b"\xff" * 6 + bytes.fromhex("020000000001") + b"\x88\xb5" + bytes(46))'
touch "$T/sent"
wait "${listeners[@]}"
for k in 2 5 7; do
	check_eq "broadcast from h1 reached h$k (VLAN 10) 5 times" 5 "$(cat "$T/bc.$k")"
done
for k in 3 4 8; do
	check_eq "broadcast from h1 did not reach h$k (VLAN 20)" 0 "$(cat "$T/bc.$k")"
done

# learned unicast: h1 <-> h2, counted on h5 (VLAN 10, same bridge); both
# known first (traffic on existing megaflows is learned again at the next
# harvest, once a second)
pings 1 -c2 -i0.2 -W2 10.0.0.2
sleep 1.2
before5=$(rx 5)
check "h1 -> h2: 20 pings" pings 1 -c20 -i0.02 -W2 10.0.0.2
check_eq "none of them reached h5" 0 $(($(rx 5) - before5))
fdb=$(xa fdb-show)
check "fdb-show: h1 on port 1 in VLAN 10" grep -Eq "^ +1 +10  02:00:00:00:00:01 +[0-9]+$" <<<"$fdb"

# fast-path traffic keeps entries alive (aging 3 s on A): h3 <-> h4 for 5 s
check "h3 -> h4 every 0.2 s for 5 s" pings 3 -c25 -i0.2 -W2 10.0.0.4
fdb=$(xa fdb-show)
check "h3 is still learned after 5 s of fast-path traffic" grep -Eq "^ +3 +20  02:00:00:00:00:03 +[0-2]$" <<<"$fdb"
check "and h4" grep -Eq "^ +4 +20  02:00:00:00:00:04 +[0-2]$" <<<"$fdb"
# aging on B (2 s): nothing crosses B now
sleep 3.5
check_eq "B's entries aged out (2 s)" " port  VLAN  MAC                Age" "$(xb fdb-show)"
check "after aging, h7 is still reached (flooded, learned again)" pings 7 -c1 -W2 10.0.0.1

# a move: h2 leaves, h5 takes its MAC and address (port 2 -> port 5)
h 2 ip link set eth0 down
h 5 ip link set eth0 address 02:00:00:00:00:02
h 5 ip addr flush dev eth0
h 5 ip addr add 10.0.0.2/24 dev eth0
# its first frame (a local ethertype, broadcast): the move is learned
h 5 python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(b"\xff" * 6 + bytes.fromhex("020000000002") + b"\x88\xb5" + bytes(46))'
t0=$(date +%s%N)
check "h1 reaches 10.0.0.2 at its new port: first ping answered" pings 1 -c1 -W1 10.0.0.2
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# the moved host answered ${ms} ms after its first frame"
check "within a second of the move" test "$ms" -lt 1000
check "fdb-show: 02:00:00:00:00:02 is on port 5 now" \
	grep -Eq "^ +5 +10  02:00:00:00:00:02 " <<<"$(xa fdb-show)"

# 200 source MACs on port 1 (to h2's MAC): megaflows and memory bounded
rss_kb() { ps -o rss= -p "$agent_pid" | tr -d ' '; }
rss0=$(rss_kb)
h 1 python3 -c '
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for i in range(200):
    src = bytes([2, 1, 0, 0, i >> 8, i & 0xff])
    s.send(bytes.fromhex("020000000002") + src + b"\x08\x00" + bytes(46))
    time.sleep(0.002) # under the per-port miss limit: each is seen
'
sleep 1
n_mf=$(xa dump-megaflows | wc -l)
echo "# after 200 source MACs: $n_mf megaflows, agent RSS ${rss0} -> $(rss_kb) kB"
check "200 source MACs: at most a few hundred megaflows ($n_mf)" test "$n_mf" -le 300
check "and at least one each ($n_mf)" test "$n_mf" -ge 200
n_fdb=$(($(xa fdb-show | wc -l) - 1))
check_eq "the MAC table holds --mac-table-size 128 entries" 128 "$n_fdb"
check "show counts the evictions" grep -Eq "^mac table: 128 entries \(at most 128, aging 3 s\), [0-9]{2,} evicted" \
	<<<"$(xa show)"
check "RSS bounded: under 2 MiB more" test $(($(rss_kb) - rss0)) -lt 2048

# a mixed table: an explicit rule above NORMAL
check "add a drop rule for h3 -> h4 IP" xa add-flow 'priority=100,in_port=3,ip,nw_dst=10.0.0.4 actions=drop'
check "h3 -> h4 dropped by the rule" sh -c "! ip netns exec $P-h3 ping -c1 -W1 10.0.0.4 >/dev/null 2>&1"
if ! pings 1 -c1 -W2 10.0.0.7; then
	not_ok "h1 -> h7 still by NORMAL"
	xa dump-megaflows | grep -v 02:01:00 | sed 's/^/# A: /'; xb dump-megaflows | sed 's/^/# B: /'
	xa fdb-show | grep -v 02:01:00 | sed 's/^/# A: /'; xb fdb-show | sed 's/^/# B: /'
else
	ok "h1 -> h7 still by NORMAL"
fi
check "the rule counted h3's ping" grep -q "n_packets=[1-9].*priority=100,ip,in_port=3,nw_dst=10.0.0.4 actions=drop" \
	<<<"$(xa dump-flows)"
check "del-flows the rule" xa del-flows --strict 'priority=100,in_port=3,ip,nw_dst=10.0.0.4'
check "h3 -> h4 by NORMAL again" pings 3 -c1 -W2 10.0.0.4

# restart: the ports come back with their VLAN options
kill -TERM "$agent_pid"; wait "$agent_pid"; agent_pid=
"$XS" agent --bridge "$BR" 2>>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
show=$(xa show)
check "after a restart p1 is still access VLAN 10" grep -q "^ 1($P-p1): .*; access VLAN 10$" <<<"$show"
check "and the trunk still carries 10,20" grep -q "^ 6($P-ta): .*; trunk VLANs 10,20$" <<<"$show"
check "h3 -> h4 after the restart" pings 3 -c1 -W2 10.0.0.4
check "h1 -> h3 still refused" sh -c "! ip netns exec $P-h1 ping -c1 -W1 10.0.0.3 >/dev/null 2>&1"
tap_done
