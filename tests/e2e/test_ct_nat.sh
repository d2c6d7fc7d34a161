#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# NAT on the kernel's conntrack: SNAT of the inside host h1 to a gateway
# address (10.0.0.100, zone 1) and DNAT of a service address
# (10.0.0.200:80, zone 2) to a backend on h2 (10.0.0.2:5002), with
# byte-exact TCP transfers through both (the hosts keep TX checksum
# offload on: the datapath's rewrite completes the checksums). The peers
# see the translated addresses, and `conntrack -L` shows the translation.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh
. tests/lib/tcp_peers.sh
. tests/lib/udp_peers.sh

switch_env ctn
command -v conntrack >/dev/null || skip_all "needs conntrack (conntrack-tools)"

wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
# The gateway and service addresses live on the wire only.
h 2 ip neigh replace 10.0.0.100 lladdr 02:00:00:00:00:01 dev eth0
h 1 ip neigh replace 10.0.0.200 lladdr 02:00:00:00:00:02 dev eth0
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
# out: SNAT to the gateway address; the service address DNATs to h2:5002
priority=100,tcp,in_port=1,nw_dst=10.0.0.2 actions=ct(commit,zone=1,nat(src=10.0.0.100)),output:2
priority=100,tcp,in_port=1,nw_dst=10.0.0.200,tp_dst=80 actions=ct(commit,zone=2,nat(dst=10.0.0.2:5002)),output:2
# back: undo the translation, then only replies pass
priority=100,tcp,in_port=2,nw_dst=10.0.0.100 actions=ct(zone=1,nat,table=1)
priority=100,tcp,in_port=2,nw_dst=10.0.0.1 actions=ct(zone=2,nat,table=1)
table=1,priority=100,tcp,ct_state=+trk+est+rpl actions=output:1
table=1,priority=10,ip actions=drop
FLOWS

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running with the NAT flows" test -S "$XS_RUN_DIR/$BR.sock"
check_eq "dump-flows prints nat as written" \
	"ct(commit,zone=1,nat(src=10.0.0.100))" \
	"$("$XS" dump-flows --bridge "$BR" | grep -o 'ct(commit,zone=1,nat(src=[^)]*))')"

# --- SNAT -------------------------------------------------------------------
N=$((3 * 1024 * 1024 + 13))
tcp_sink 2 10.0.0.2 5001 "$T/snat.out"
ans=$(tcp_send 1 10.0.0.2 5001 "$N")
wait_file "$T/snat.out"
check_eq "SNAT: server got exactly $N bytes, from the gateway address" \
	"$N 10.0.0.100" "$(cat "$T/snat.out" 2>/dev/null)"
check_eq "SNAT: the client got the answer from 10.0.0.2" "ok 10.0.0.2" "$ans"
ct=$(conntrack -L -w 1 -s 10.0.0.1 -p tcp --dport 5001 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "conntrack -L: zone 1, reply to the gateway address, SNAT, assured" \
	grep -Eq "src=10.0.0.1 dst=10.0.0.2 .* src=10.0.0.2 dst=10.0.0.100 .*\[ASSURED\].*zone=1" <<<"$ct"

# --- DNAT -------------------------------------------------------------------
N=$((1024 * 1024 + 5))
tcp_sink 2 10.0.0.2 5002 "$T/dnat.out"
ans=$(tcp_send 1 10.0.0.200 80 "$N")
wait_file "$T/dnat.out"
check_eq "DNAT: the backend got exactly $N bytes from h1" \
	"$N 10.0.0.1" "$(cat "$T/dnat.out" 2>/dev/null)"
check_eq "DNAT: the client's answer came from the service address" "ok 10.0.0.200" "$ans"
ct=$(conntrack -L -w 2 -s 10.0.0.1 -d 10.0.0.200 2>/dev/null)
echo "$ct" | sed 's/^/# /'
check "conntrack -L: zone 2, service port 80 translated to 10.0.0.2:5002" \
	grep -Eq "src=10.0.0.1 dst=10.0.0.200 sport=[0-9]+ dport=80 src=10.0.0.2 dst=10.0.0.1 sport=5002 .*zone=2" <<<"$ct"

mf=$("$XS" dump-megaflows --bridge "$BR")
echo "$mf" | grep 0x0800 | sed 's/^/# /'
check "megaflow: ct with nat(dst=...) then output" \
	grep -q "actions:ct(commit,zone=2,nat(dst=10.0.0.2:5002)),2$" <<<"$mf"
check_eq "no packet hit an exec error (checksum helpers refused nothing)" 0 \
	"$("$XS" show --bridge "$BR" | grep -o 'exec_error=[0-9]*' | cut -d= -f2)"

conntrack -D -w 1 -s 10.0.0.1 >/dev/null 2>&1
conntrack -D -w 2 -s 10.0.0.1 >/dev/null 2>&1
tap_done
