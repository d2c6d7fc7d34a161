#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Operator views after known traffic: dump-ports (ovs-ofctl dump-ports'
# layout), metrics (Prometheus text format) and show --stats (rates per
# second) count exactly the frames sent, on both forwarding stages (TC
# clone-redirect to plain hosts, XDP redirect to hosts with GRO).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xov
FRAME=142 # 14 Ethernet + 20 IPv4 + 8 UDP + 100 payload

quiet_topo() { # no IPv6, static ARP: only the test's frames cross the ports
	for k in 1 2; do
		sysctl -qw "net.ipv6.conf.$P-p$k.disable_ipv6=1"
		h "$k" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
		h "$k" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	h 1 ip neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0
	h 2 ip neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0
}
send() { # count gap_s port
	h 1 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 100, ("10.0.0.2", int(sys.argv[3])))
    time.sleep(float(sys.argv[2]))
' "$1" "$2" "$3"
}
# field PORT DIR NAME: a counter from dump-ports' text
field() {
	"$XS" dump-ports --bridge "$BR" "$1" | awk -v dir="$2" -v name="$3" '
		{ for (i = 1; i <= NF; i++) { if ($i == "rx" || $i == "tx") d = $i
		  if (d == dir && index($i, name "=") == 1) { v = substr($i, length(name) + 2); sub(/,$/, "", v); print v } } }'
}
metric() { # NAME PORT
	"$XS" metrics --bridge "$BR" | awk -v m="xdpswitch_$1{bridge=\"$BR\",port=\"$2\",name=\"$P-p$2\"}" '$1 == m {print $2}'
}

# --- the dummy datapath counts its ports' traffic itself: exact to the byte --------
# UDP 10.0.0.1 -> 10.0.0.2, "hello": 47 bytes
HELLO=02000000000202000000000108004500002100010000401166c90a0000010a00000203e807d0000d000068656c6c6f
"$XS" agent --bridge "$BR" --datapath dummy a=1 b=2 >>"$LOG" 2>&1 &
agent_pid=$!
for _ in $(seq 150); do [ -S "$T/$BR.sock" ] && break; sleep 0.02; done
"$XS" add-flow --bridge "$BR" 'priority=10,in_port=1 actions=output:2'
for _ in 1 2 3 4 5; do "$XS" inject --bridge "$BR" a "$HELLO"; done
check_eq "dummy: dump-ports after 5 frames of 47 bytes in on 1, out on 2" \
"OFPST_PORT reply: 2 ports
  port  1: rx pkts=5, bytes=235, drop=0, errs=0, frame=0, over=0, crc=0
           tx pkts=0, bytes=0, drop=0, errs=0, coll=0
           miss=1
  port  2: rx pkts=0, bytes=0, drop=0, errs=0, frame=0, over=0, crc=0
           tx pkts=5, bytes=235, drop=0, errs=0, coll=0
           miss=0" "$("$XS" dump-ports --bridge "$BR")"
m=$("$XS" metrics --bridge "$BR")
check_eq "dummy: metrics, port 1 rx bytes" "xdpswitch_port_rx_bytes_total{bridge=\"$BR\",port=\"1\",name=\"a\"} 235" \
	"$(grep '^xdpswitch_port_rx_bytes_total{.*port="1"' <<<"$m")"
check_eq "dummy: metrics, port 2 tx packets" "xdpswitch_port_tx_packets_total{bridge=\"$BR\",port=\"2\",name=\"b\"} 5" \
	"$(grep '^xdpswitch_port_tx_packets_total{.*port="2"' <<<"$m")"
check_eq "dummy: metrics, port 1 misses" "xdpswitch_port_misses_total{bridge=\"$BR\",port=\"1\",name=\"a\"} 1" \
	"$(grep '^xdpswitch_port_misses_total{.*port="1"' <<<"$m")"
check_eq "dummy: metrics, datapath counters" "xdpswitch_datapath_rx_total{bridge=\"$BR\"} 5
xdpswitch_datapath_megaflow_hit_total{bridge=\"$BR\"} 4
xdpswitch_datapath_miss_total{bridge=\"$BR\"} 1" \
	"$(grep -E '^xdpswitch_datapath_(rx|megaflow_hit|miss)_total' <<<"$m")"
check_eq "dummy: dump-ports by name" "  port  2: rx pkts=0, bytes=0, drop=0, errs=0, frame=0, over=0, crc=0" \
	"$("$XS" dump-ports --bridge "$BR" b | sed -n 2p)"
kill -TERM "$agent_pid"; wait "$agent_pid"; agent_pid=

for mode in tc xdp; do
	gro=; [ "$mode" = xdp ] && gro=--gro
	scripts/topo.sh create "$P" 2 $gro
	quiet_topo
	printf 'priority=10,in_port=1 actions=output:2\npriority=10,in_port=2 actions=output:1\n' >"$T/flows"
	"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1=1" "$P-p2=2" >>"$LOG" 2>&1 &
	agent_pid=$!
	for _ in $(seq 150); do [ -S "$T/$BR.sock" ] && break; sleep 0.02; done
	sleep 0.3
	rx0=$(field 1 rx pkts) rb0=$(field 1 rx bytes) tx0=$(field 2 tx pkts) tb0=$(field 2 tx bytes)
	m0=$("$XS" dump-ports --bridge "$BR" 1 | sed -n 's/.*miss=//p')
	all0=$("$XS" dump-ports --bridge "$BR" | sed -n 's/.*miss=//p' | awk '{s += $1} END {print s}')
	d0=$("$XS" metrics --bridge "$BR" | awk '$1 ~ /^xdpswitch_datapath_miss_total/ {print $2}')
	send 20 0.01 9000
	sleep 0.3
	check_eq "$mode: port 1 rx pkts +20" 20 $(($(field 1 rx pkts) - rx0))
	# veth counts a received frame's bytes after its Ethernet header
	# (skb->len past eth_type_trans), a sent one's whole
	check_eq "$mode: port 1 rx bytes +20x$((FRAME - 14))" $((20 * (FRAME - 14))) $(($(field 1 rx bytes) - rb0))
	check_eq "$mode: port 2 tx pkts +20" 20 $(($(field 2 tx pkts) - tx0))
	check_eq "$mode: port 2 tx bytes +20x$FRAME" $((20 * FRAME)) $(($(field 2 tx bytes) - tb0))
	# The first packet misses; a second one may too if it comes before
	# the megaflow is in. Port 2 misses too: h2's ICMP port unreachable.
	# The ports' misses add up to the datapath's.
	m=$(($("$XS" dump-ports --bridge "$BR" 1 | sed -n 's/.*miss=//p') - m0))
	all=$(($("$XS" dump-ports --bridge "$BR" | sed -n 's/.*miss=//p' | awk '{s += $1} END {print s}') - all0))
	d=$(($("$XS" metrics --bridge "$BR" | awk '$1 ~ /^xdpswitch_datapath_miss_total/ {print $2}') - d0))
	check "$mode: port 1 missed ($m)" test "$m" -ge 1
	check_eq "$mode: the ports' misses are the datapath's" "$d" "$all"
	check_eq "$mode: metrics agree with dump-ports (rx packets)" "$(field 1 rx pkts)" "$(metric port_rx_packets_total 1)"
	check_eq "$mode: metrics agree with dump-ports (tx bytes)" "$(field 2 tx bytes)" "$(metric port_tx_bytes_total 2)"
	kill -TERM "$agent_pid"; wait "$agent_pid"; agent_pid=
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	scripts/topo.sh destroy "$P"
done

# --- layouts -------------------------------------------------------------------------
scripts/topo.sh create "$P" 2
quiet_topo
"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1=1" "$P-p2=2" >>"$LOG" 2>&1 &
agent_pid=$!
for _ in $(seq 150); do [ -S "$T/$BR.sock" ] && break; sleep 0.02; done
out=$("$XS" dump-ports --bridge "$BR")
check "dump-ports header" grep -qx "OFPST_PORT reply: 2 ports" <<<"$out"
check "dump-ports rx line as ovs-ofctl's" grep -qE '^  port  1: rx pkts=[0-9]+, bytes=[0-9]+, drop=[0-9]+, errs=[0-9]+, frame=[0-9]+, over=[0-9]+, crc=[0-9]+$' <<<"$out"
check "dump-ports tx line as ovs-ofctl's" grep -qE '^           tx pkts=[0-9]+, bytes=[0-9]+, drop=[0-9]+, errs=[0-9]+, coll=[0-9]+$' <<<"$out"
check "dump-ports by name" grep -q "OFPST_PORT reply: 1 ports" <<<"$("$XS" dump-ports --bridge "$BR" "$P-p2")"
check "dump-ports --json parses" python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d) == 2 and d[0]["ofport"] == 1' <<<"$("$XS" dump-ports --bridge "$BR" --json)"
out=$("$XS" dump-ports --bridge "$BR" 7 2>&1)
rc=$?
check_eq "dump-ports of no port: exit 1" 1 "$rc"
check "dump-ports of no port: says so" grep -q "'7' is not a port of bridge $BR" <<<"$out"
# Prometheus text exposition 0.0.4: every sample's family has HELP and TYPE
# before it, names and labels are well formed, values are numbers.
check "metrics: valid text exposition" python3 -c '
import re, sys
seen, typed = set(), {}
n = 0
for line in sys.stdin.read().splitlines():
    if line.startswith("# HELP "):
        seen.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        f = line.split()
        assert f[3] in ("counter", "gauge"), line
        assert f[2] in seen, "TYPE before HELP: " + line
        typed[f[2]] = f[3]; continue
    m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\n]*\",?)*\})? ([0-9.eE+-]+)", line)
    assert m, "bad sample: " + line
    assert m.group(1) in typed, "no TYPE for " + line
    if typed[m.group(1)] == "counter":
        assert m.group(1).endswith("_total"), line
    float(m.group(4)); n += 1
assert n >= 20, n
' <<<"$("$XS" metrics --bridge "$BR")"
check "metrics: datapath counters" grep -q "^xdpswitch_datapath_rx_total{bridge=\"$BR\"} [0-9]" <<<"$("$XS" metrics --bridge "$BR")"
check_eq "metrics: flows gauge" 2 "$("$XS" metrics --bridge "$BR" | awk '$1 ~ /^xdpswitch_flows/ {print $2}')"

# --- show --stats: rates per second ----------------------------------------------------
# The sender paces itself (5 ms between datagrams, never catching up), so
# no second sees more than 200; a busy machine may see far fewer. Once it
# stops, the next samples see none: the rate is of the last interval, not
# an average since the start.
rx_rate() { sed -n "s/^  port  1($P-p1): rx \([0-9.]*\) pkt\/s.*/\1/p" <<<"$1"; }
rx_before=$(field 1 rx pkts)
send 1000 0.005 9001 &
sender=$!
# from the first datagram on (python starts slowly on a busy machine),
# two ticks: the last interval is all traffic
for _ in $(seq 100); do [ "$(field 1 rx pkts)" -gt "$rx_before" ] && break; sleep 0.1; done
sleep 2.2
during=$("$XS" show --stats --bridge "$BR")
json=$("$XS" show --stats --json --bridge "$BR")
wait "$sender"
sleep 2.5
after=$("$XS" show --stats --bridge "$BR")
echo "# show --stats during: $(sed -n 2p <<<"$during")"
check "show --stats: port 1 rx rate during the traffic in (0, 230] ($(rx_rate "$during"))" \
	python3 -c "import sys; r = float(sys.argv[1] or -1); sys.exit(not 0 < r <= 230)" "$(rx_rate "$during")"
check_eq "show --stats: port 1 rx rate once it stopped" "0.0" "$(rx_rate "$after")"
check "show --stats: the interval (a tick, about a second)" \
	grep -qE "^rates per second over the last (0\.9|[12]\.[0-9])[0-9] s:" <<<"$during"
check "show --stats --json parses" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["interval_ms"] > 0 and len(d["ports"]) == 2' <<<"$json"
tap_done
