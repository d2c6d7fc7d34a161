#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hardware offload on veth, up to the kernel's answer (this kernel has no
# cls_flower and no NIC that runs XDP): --hw-offload=tc sends a flower
# filter per megaflow, the kernel refuses, every megaflow stays in XDP and
# traffic flows, dump-megaflows shows the reason, each port logs a reason
# once and counts the rest; --hw-offload=xdp-hw says per port why hardware
# mode is refused; --hw-offload=auto offloads nothing and says why. Also:
# the option errors, --type filtering, and that a stop leaves a foreign
# TC filter alone.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xo

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
priority=100,ip,nw_dst=10.0.0.3 actions=output:3
priority=300,udp,tp_dst=6000 actions=drop
FLOWS

# A foreign filter (not the agent's) on port 3's egress hook: it stays.
tc qdisc add dev "$P-p3" clsact
tc filter add dev "$P-p3" egress prio 9 bpf obj "$B/tests/bpf/xdp_pass.bpf.o" sec xdp
foreign() { tc filter show dev "$P-p3" egress | grep -c "pref 9 bpf.*handle"; }
check_eq "foreign filter in place" 1 "$(foreign)"

# --- option errors -----------------------------------------------------------
out=$("$XS" agent --bridge "$BR" --hw-offload=bogus "$P-p1" 2>&1); rc=$?
check_eq "--hw-offload=bogus refused (exit 2)" 2 "$rc"
check "... naming the choices" grep -q "must be off, tc, xdp-hw or auto, not 'bogus'" <<<"$out"
out=$("$XS" agent --bridge "$BR" --tc-policy=skip "$P-p1" 2>&1); rc=$?
check_eq "--tc-policy=skip refused (exit 2)" 2 "$rc"
check "... naming the choices" grep -q "must be skip_sw, skip_hw or none, not 'skip'" <<<"$out"
out=$("$XS" agent --bridge "$BR" --hw-offload=tc --datapath dummy a b 2>&1); rc=$?
check_eq "--hw-offload with the dummy datapath refused (exit 2)" 2 "$rc"
check "... saying it needs the xdp datapath" grep -q "needs the xdp datapath" <<<"$out"

start_agent() { # LOG MODE [more options]
	local log=$1; shift
	"$XS" agent --bridge "$BR" --flows "$T/flows" "$@" "$P-p1" "$P-p2" "$P-p3" 2>"$log" &
	agent_pid=$!
	for _ in $(seq 100); do
		[ -S "$XS_RUN_DIR/$BR.sock" ] && "$XS" show --bridge "$BR" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
stop_agent() {
	kill -TERM "$agent_pid"; wait "$agent_pid"; local rc=$?; agent_pid=
	return $rc
}
udp_to() { # HOST DST PORT
	h "$1" python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(5): s.sendto(b"x"*64,(sys.argv[1],int(sys.argv[2])))' "$2" "$3"
}
# first-time log lines of port K for reasons matching RE
firsts() { grep "offload: port $P-p$1: $2" "$3" | grep -c "first time"; }

# --- tc: every filter refused, every megaflow stays in XDP ---------------------
check "agent --hw-offload=tc starts" start_agent "$T/tc.log" --hw-offload=tc
check "ping h1 -> h2 through XDP" pings 1 -c3 -i0.2 -W2 10.0.0.2
check "ping h2 -> h3 through XDP" pings 2 -c3 -i0.2 -W2 10.0.0.3
udp_to 1 10.0.0.3 6000
sleep 0.3
mf=$("$XS" dump-megaflows --bridge "$BR" | grep -v 'eth_type(0x86dd)')
n=$(grep -c . <<<"$mf")
echo "# $n IPv4/ARP megaflows"
check "at least 6 IPv4/ARP megaflows" test "$n" -ge 6
check_eq "every one: offloaded:no with the kernel's reason" "$n" \
	"$(grep -c ', offloaded:no (tc flower: kernel: TC classifier not found (No such file or directory)), actions:' <<<"$mf")"
check "the UDP drop megaflow ran in XDP (5 packets)" \
	grep -q "udp(dst=6000).*packets:5,.*offloaded:no .*actions:drop$" <<<"$mf"
check_eq "--type=offloaded: none" "" "$("$XS" dump-megaflows --bridge "$BR" --type=offloaded)"
# (hosts may send IPv6 neighbour discovery on their own: IPv4 and ARP count)
v4() { grep -v 'eth_type(0x86dd)' | sed 's/, used:[^,]*,/,/'; }
check_eq "--type=non-offloaded: all of them" "$("$XS" dump-megaflows --bridge "$BR" | v4)" \
	"$("$XS" dump-megaflows --bridge "$BR" --type=non-offloaded | v4)"
out=$("$XS" dump-megaflows --bridge "$BR" --type=maybe 2>&1); rc=$?
check_eq "--type=maybe refused (exit 2)" 2 "$rc"
check "... with the choices" grep -q "expected --type=offloaded or --type=non-offloaded" <<<"$out"
check "dump-megaflows --json has offloaded:false and the reason" python3 -c '
import json,sys
d=json.load(sys.stdin)
assert d and all(f["offloaded"] is False and "TC classifier not found" in f["offload"] for f in d)
' <<<"$("$XS" dump-megaflows --bridge "$BR" --json)"
for k in 1 2 3; do
	check_eq "port $k: the refusal logged once" 1 "$(firsts $k "tc flower: kernel:" "$T/tc.log")"
done
show=$("$XS" show --bridge "$BR")
check "show: hw-offload tc, tc-policy skip_sw" grep -q "^hw-offload: tc, tc-policy: skip_sw$" <<<"$show"
check "show: port probe (driver, feature, clsact)" \
	grep -q "offload: driver veth, hw-tc-offload off \[fixed\], clsact yes" <<<"$show"
refused=$(grep -o "refused [0-9]*x: tc flower: kernel: TC classifier not found" <<<"$show" |
	awk '{s += $2} END {print s+0}')
installed=$(grep -o "installed [0-9]*" <<<"$show" | awk '{print $2}')
check_eq "show: refusals counted, one per megaflow installed" "$installed" "$refused"
check "show --json: per-port offload members" python3 -c '
import json,sys
d=json.load(sys.stdin)
assert d["hw_offload"] == "tc" and d["tc_policy"] == "skip_sw"
for p in d["ports"]:
    o = p["offload"]
    assert o["driver"] == "veth" and o["tc"] is True and o["xdp_hw"] is False
    assert o["offloaded_tc"] == 0 and o["refusals"] >= 1
' <<<"$("$XS" show --bridge "$BR" --json)"
check_eq "no flower filter on port 1" 0 "$(tc filter show dev "$P-p1" ingress | grep -c flower)"
# a table change: its megaflows now drop (modified in XDP, offload tried again)
check "del-flows of the h2 route" "$XS" del-flows --bridge "$BR" "ip,nw_dst=10.0.0.2"
left=$("$XS" dump-megaflows --bridge "$BR" | grep 'dst=10.0.0.2')
check "megaflows to 10.0.0.2 now drop, still with the reason" test -n "$left"
check_eq "... all of them" "$(grep -c . <<<"$left")" \
	"$(grep -c 'offloaded:no (tc flower: kernel: TC classifier not found (No such file or directory)), actions:drop$' <<<"$left")"
check "h1 -> h2 ping fails after it" sh -c "! ip netns exec $P-h1 ping -c1 -W1 10.0.0.2 >/dev/null 2>&1"
check "add-flow brings it back" "$XS" add-flow --bridge "$BR" "priority=100,ip,nw_dst=10.0.0.2 actions=output:2"
check "h1 -> h2 ping works again" pings 1 -c1 -W2 10.0.0.2
for k in 1 2 3; do
	check_eq "port $k: still one log line for the reason" 1 \
		"$(firsts $k "tc flower: kernel:" "$T/tc.log")"
done
# a port removed while offloading: its state goes with it, the rest runs on
check "detach port 3" "$XS" detach --bridge "$BR" "$P-p3"
check_eq "no megaflow of port 3 left" 0 "$("$XS" dump-megaflows --bridge "$BR" | grep -c '^recirc_id(0),in_port(3)')"
check "ping h1 -> h2 still works" pings 1 -c1 -W2 10.0.0.2
check "attach port 3 again" "$XS" attach --bridge "$BR" "$P-p3=3"
check "ping h3 -> h1 after it" pings 3 -c1 -W2 10.0.0.1
check "agent stops cleanly" stop_agent

# --- xdp-hw: refused per port, said once per port -------------------------------
check "agent --hw-offload=xdp-hw starts" start_agent "$T/hw.log" --hw-offload=xdp-hw \
	--tc-policy=skip_hw
check "show: hw-offload xdp-hw, tc-policy skip_hw" \
	grep -q "^hw-offload: xdp-hw, tc-policy: skip_hw$" <<<"$("$XS" show --bridge "$BR")"
check "ping h1 -> h3 through XDP" pings 1 -c2 -i0.2 -W2 10.0.0.3
for k in 1 2 3; do
	check "port $k: its line says hardware mode is refused" \
		grep -q "port $k: $P-p$k.*" "$T/hw.log"
done
check_eq "per port: 'hardware XDP not used (the kernel refuses ...)' in the log" 3 \
	"$(grep -c "offload: hardware XDP not used (the kernel refuses to load the program for the device" "$T/hw.log")"
mf=$("$XS" dump-megaflows --bridge "$BR")
check "megaflows (adopted ones too) carry the hardware-mode reason" \
	bash -c "! grep -v 'offloaded:no (hardware XDP: the kernel refuses' <<<\"\$1\" | grep -q ." _ "$mf"
for k in 1 2 3; do
	check_eq "port $k: the refusal logged at most once" 1 \
		"$(firsts $k "hardware XDP:" "$T/hw.log")"
done
check "agent stops cleanly" stop_agent

# --- auto: veth offers nothing, and it says why ---------------------------------
check "agent --hw-offload=auto starts" start_agent "$T/auto.log" --hw-offload=auto
check "ping h3 -> h1 through XDP" pings 3 -c2 -i0.2 -W2 10.0.0.1
show=$("$XS" show --bridge "$BR")
check "show: tc flower not tried, hw-tc-offload off" \
	grep -q "offload: tc flower not tried (hw-tc-offload is off \[fixed\] (driver veth))" <<<"$show"
check "show: hardware XDP not used, with the kernel's answer" \
	grep -q "offload: hardware XDP not used (the kernel refuses" <<<"$show"
mf=$("$XS" dump-megaflows --bridge "$BR")
check "every megaflow: offloaded:no (auto: ...)" \
	bash -c "! grep -v 'offloaded:no (auto: this port offers neither tc flower nor hardware XDP' <<<\"\$1\" | grep -q ." _ "$mf"
check_eq "--type=offloaded: none" "" "$("$XS" dump-megaflows --bridge "$BR" --type=offloaded)"
check_eq "auto logs no per-megaflow refusal" 0 "$(grep -c "first time" "$T/auto.log")"
check "agent stops cleanly" stop_agent

# --- stop with --cleanup: the foreign filter and its qdisc stay ------------------
"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
check_eq "foreign filter still on port 3" 1 "$(foreign)"
check_eq "no flower filter anywhere" 0 \
	"$(for k in 1 2 3; do tc filter show dev "$P-p$k" ingress; done | grep -c flower)"
tap_done
