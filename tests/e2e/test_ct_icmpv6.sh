#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ICMPv6 echo through an IPv6 stateful firewall (ct on every IPv6 packet,
# commit on +new from inside, +est+rpl with the commit's mark back): ping6
# from inside is answered, from outside refused; an echo reply nobody asked
# for is +inv. The kernel's conntrack kfuncs take TCP and UDP only, so the
# datapath tracks the echo pairs itself (xs_ct_icmp), as for IPv4.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env ct6
scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
for k in 1 2; do
	h "$k" ip addr add "fd00::$k/64" dev eth0 nodad
	# No router solicitations or MLD reports in the counts below.
	h "$k" sysctl -qw net.ipv6.conf.eth0.router_solicitations=0
	h "$k" sysctl -qw net.ipv6.conf.all.force_mld_version=2
done
cat >"$T/flows" <<'FLOWS'
# neighbour discovery is not tracked (+inv): it passes before ct
priority=110,icmp6,icmp_type=135 actions=flood
priority=110,icmp6,icmp_type=136 actions=flood
# MLD (the hosts' multicast listener reports come when they like): not
# tracked either, and kept out of the counts below
priority=110,icmp6,icmp_type=130 actions=drop
priority=110,icmp6,icmp_type=131 actions=drop
priority=110,icmp6,icmp_type=132 actions=drop
priority=110,icmp6,icmp_type=143 actions=drop
priority=100,ipv6,ct_state=-trk actions=ct(zone=23,table=1)
table=1,priority=100,ipv6,in_port=1,ct_state=+trk+new actions=ct(commit,zone=23,exec(set_field:0x2a->ct_mark)),output:2
table=1,priority=100,ipv6,in_port=1,ct_state=+trk+est-new actions=output:2
table=1,priority=100,ipv6,in_port=2,ct_state=+trk+est+rpl,ct_mark=0x2a actions=output:1
# echo replies, by the pair's original-direction tuple (type 128, code 0, as OVS)
table=1,priority=110,icmp6,in_port=2,ct_state=+trk+est+rpl,ct_mark=0x2a,ct_nw_proto=58,ct_tp_src=128,ct_tp_dst=0,ct_ipv6_src=fd00::1,ct_ipv6_dst=fd00::2 actions=output:1
# what the firewall refuses, counted apart
table=1,priority=50,icmp6,in_port=2,icmp_type=128,ct_state=+trk+new actions=drop
table=1,priority=50,icmp6,in_port=2,icmp_type=129,ct_state=+trk+inv actions=drop
table=1,priority=10,ipv6 actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the IPv6 firewall flows" test -S "$XS_RUN_DIR/$BR.sock"

# n_packets of the table-1 flow whose dump-flows line matches REGEX
npk() { "$XS" dump-flows --bridge "$BR" | grep -E -- "$1" | grep -Eo 'n_packets=[0-9]+' |
	cut -d= -f2; }

out=$(h 1 ping -6 -c3 -i0.3 -W2 fd00::2 2>&1)
check_eq "ping6 h1 -> h2: 3 of 3 answered (echo tracked, reply allowed)" "3" \
	"$(grep -Eo '[0-9]+ received' <<<"$out" | cut -d' ' -f1)"
sleep 0.3
"$XS" dump-flows --bridge "$BR" | grep 'table=1' | sed 's/^/# /'
check_eq "the first request was +new and committed" "1" "$(npk 'ct_state=\+new\+trk,ipv6,in_port=1 ')"
check_eq "the next two requests were +est" "2" "$(npk 'ct_state=-new\+est\+trk,ipv6,in_port=1 ')"
check_eq "the three replies were +est+rpl with the commit's mark and the request's tuple" \
	"3" "$(npk 'ct_tp_src=128')"

out=$(h 2 ping -6 -c3 -i0.3 -W1 fd00::1 2>&1)
check_eq "ping6 h2 -> h1: none of 3 answered" "0" \
	"$(grep -Eo '[0-9]+ received' <<<"$out" | cut -d' ' -f1)"
check_eq "the 3 inbound requests were +new and dropped" "3" "$(npk 'icmp_type=128')"

# An echo reply nobody asked for (identifier 0x4242), from outside.
h 2 python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.sendto(bytes([129, 0, 0, 0, 0x42, 0x42, 0, 1]) + b"x" * 16, ("fd00::1", 0))'
sleep 0.5
check_eq "an unsolicited echo reply is +inv and dropped" "1" "$(npk 'icmp_type=129')"
check_eq "the tables' default drop saw nothing of it" "0" "$(npk 'priority=10,ipv6')"

show=$("$XS" show --bridge "$BR")
echo "$show" | grep -E "ct_" | sed 's/^/# /'
check_eq "ct_invalid counts the one unsolicited reply" "1" \
	"$(grep -Eo 'ct_invalid=[0-9]+' <<<"$show" | cut -d= -f2)"

# Megaflows of the second pass: the echo's ct tuple as OVS gives it
# (type 128, code 0).
mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | sed 's/^/# /'
tap_done
