#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ct_label end to end, plain hosts on veths: a commit with
# exec(set_field:..->ct_label) labels the connection in the datapath's label
# store, and the later packets of both directions match it
# (ct_label=0x5/0xff), counted exactly per rule; a second connection with
# another label (a bit above 64 set too) is kept apart; a later commit
# relabels the first connection (masked: the other bits stay);
# dump-conntrack prints labels=. UDP, one source port per connection, so
# every count is known.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/udp_peers.sh

switch_env ctl

# flow_packets A B: n_packets of the one rule whose line has A and B, once it
# reaches WANT (counters are harvested about once a second).
flow_packets() {
	local n=
	for _ in $(seq 40); do
		n=$("$XS" dump-flows --bridge "$BR" | grep -F -- "$1" | grep -F -- "$2" |
			grep -o 'n_packets=[0-9]*' | cut -d= -f2)
		[ "$n" = "$3" ] && break
		sleep 0.1
	done
	echo "$n"
}
# udp_n HOST DST PORT SPORT N: N datagrams from SPORT, one at a time, each
# waiting for its answer; prints how many came back.
udp_n() {
	h "$1" timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.bind(("0.0.0.0", int(sys.argv[3])))
got = 0
for i in range(int(sys.argv[4])):
    s.sendto(b"x%d" % i, (sys.argv[1], int(sys.argv[2])))
    try:
        s.recvfrom(64); got += 1
    except socket.timeout:
        pass
print(got)' "$2" "$3" "$4" "$5"
}

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
h 1 ip neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0
h 2 ip neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0
L2=0x80000000000000000000000000000007
cat >"$T/flows" <<FLOWS
priority=100,ip,ct_state=-trk actions=ct(zone=5,table=1)
table=1,priority=100,udp,in_port=1,tp_dst=7001,ct_state=+trk+new actions=ct(commit,zone=5,exec(set_field:0x5->ct_label)),output:2
table=1,priority=100,udp,in_port=1,tp_dst=7002,ct_state=+trk+new actions=ct(commit,zone=5,exec(load:0x1->NXM_NX_CT_LABEL[127],set_field:0x7/0xff->ct_label)),output:2
table=1,priority=90,ip,in_port=1,ct_state=+trk+est,ct_label=0x5/0xff actions=output:2
table=1,priority=90,ip,in_port=2,ct_state=+trk+est+rpl,ct_label=0x5/0xff actions=output:1
table=1,priority=80,ip,in_port=1,ct_state=+trk+est,ct_label=0x7/0xff actions=output:2
table=1,priority=80,ip,in_port=2,ct_state=+trk+est+rpl,ct_label=0x7/0xff actions=output:1
table=1,priority=10,ip actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the label flows" test -S "$XS_RUN_DIR/$BR.sock"
flows=$("$XS" dump-flows --bridge "$BR")
check "dump-flows prints the label match" grep -q "ct_label=0x5/0xff" <<<"$flows"
check "dump-flows prints the label writes" \
	grep -q "exec(load:0x5->NXM_NX_CT_LABEL\[\])" <<<"$flows"

udp_echo 2 10.0.0.2 7001 "$T/e1.ready"
udp_echo 2 10.0.0.2 7002 "$T/e2.ready"
check_eq "connection 1 (label 0x5): 5 datagrams answered" 5 "$(udp_n 1 10.0.0.2 7001 41001 5)"
check_eq "connection 2 (label $L2): 3 datagrams answered" 3 "$(udp_n 1 10.0.0.2 7002 41002 3)"
check_eq "label 0x5, original direction: the 4 after the first" 4 \
	"$(flow_packets 'priority=90,' 'in_port=1' 4)"
check_eq "label 0x5, replies: all 5" 5 "$(flow_packets 'priority=90,' 'in_port=2' 5)"
check_eq "label 0x7, original direction: the 2 after the first" 2 \
	"$(flow_packets 'priority=80,' 'in_port=1' 2)"
check_eq "label 0x7, replies: all 3" 3 "$(flow_packets 'priority=80,' 'in_port=2' 3)"
check_eq "the two first datagrams went through the commits" 2 \
	"$(( $(flow_packets 'tp_dst=7001' 'priority=100' 1) + $(flow_packets 'tp_dst=7002' 'priority=100' 1) ))"
mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | sed 's/^/# /'
check "megaflows carry the label write" grep -q "label=0x5" <<<"$mf"
check "megaflows match the label" grep -q "ct_label(0x5/0xff)" <<<"$mf"

ct=$("$XS" dump-conntrack zone=5)
echo "$ct" | sed 's/^/# /'
check "dump-conntrack: connection 1 labels=0x5" \
	grep -Eq "sport=41001,dport=7001.*zone=5.*labels=0x5(,|$)" <<<"$ct"
check "dump-conntrack: connection 2 labels=$L2" \
	grep -Eq "sport=41002,dport=7002.*zone=5.*labels=$L2(,|$)" <<<"$ct"

# The kernel's view (for the record): its entries made by the BPF kfuncs
# carry no labels extension, so `conntrack -L -o labels` shows none.
conntrack -L -p udp -o labels 2>&1 | grep -F "dport=700" | sed 's/^/# kernel: /'

# Relabel: a later commit on connection 1 sets bits 8-11 (0x900/0xf00);
# its low byte stays 0x5, so the 0x5/0xff rules still match, and a rule on
# the whole new label sees the replies.
"$XS" add-flow --bridge "$BR" "table=1,priority=200,udp,in_port=1,tp_dst=7001,ct_state=+trk+est actions=ct(commit,zone=5,exec(set_field:0x900/0xf00->ct_label)),output:2"
"$XS" add-flow --bridge "$BR" "table=1,priority=95,ip,in_port=2,ct_state=+trk+est+rpl,ct_label=0x905 actions=output:1"
check_eq "connection 1 after the relabel: 4 answered" 4 "$(udp_n 1 10.0.0.2 7001 41001 4)"
check_eq "the relabelling commit saw the 4" 4 "$(flow_packets 'priority=200,' 'in_port=1' 4)"
check_eq "replies matched label 0x905 exactly" 4 "$(flow_packets 'priority=95,' 'in_port=2' 4)"
check_eq "connection 2 keeps its label: 2 answered" 2 "$(udp_n 1 10.0.0.2 7002 41002 2)"
check_eq "label 0x7 replies: 3 + 2" 5 "$(flow_packets 'priority=80,' 'in_port=2' 5)"
check "dump-conntrack: connection 1 relabelled labels=0x905" \
	grep -Eq "sport=41001,dport=7001.*labels=0x905(,|$)" <<<"$("$XS" dump-conntrack zone=5)"

# A new connection on a tuple an old one labelled starts from 0, not with
# the stale label: delete connection 2 from the kernel's table and commit
# the next one without a label; its reply has ct_label 0 (a rule for
# that counts it), never the old 0x..07.
conntrack -D -p udp -s 10.0.0.1 -d 10.0.0.2 --dport 7002 -w 5 >/dev/null 2>&1
"$XS" mod-flows --bridge "$BR" "table=1,udp,in_port=1,tp_dst=7002,ct_state=+trk+new actions=ct(commit,zone=5),output:2"
"$XS" add-flow --bridge "$BR" "table=1,priority=70,ip,in_port=2,ct_state=+trk+est+rpl,ct_label=0 actions=output:1"
check_eq "connection 2 anew, unlabelled: 1 answered" 1 "$(udp_n 1 10.0.0.2 7002 41002 1)"
check_eq "its first datagram went through the (now unlabelled) commit" 2 \
	"$(flow_packets 'tp_dst=7002' 'priority=100' 2)"
check_eq "its reply has label 0" 1 "$(flow_packets 'priority=70,' 'in_port=2' 1)"
check_eq "the 0x7 reply rule did not see it" 5 "$(flow_packets 'priority=80,' 'in_port=2' 5)"
check "dump-conntrack: no labels on the new connection 2" \
	grep -Eq "sport=41002,dport=7002\).*zone=5$" <<<"$("$XS" dump-conntrack zone=5)"

conntrack -D -w 5 >/dev/null 2>&1
tap_done
