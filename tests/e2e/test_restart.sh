#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Restart that loses nothing: kill -9 of the agent under traffic leaves the
# fast path forwarding installed megaflows; a new agent adopts maps and
# programs, restores rules and ports from the state file and serves new
# flows within a second; a SIGTERM stop leaves the ports forwarding too;
# --cleanup removes programs, pins and state.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

AGENT_STOP_SIGNAL=KILL # a test may leave a killed agent behind
switch_env xhr
PIN=/sys/fs/bpf/xdpswitch/$BR

now() { date +%s.%N; }

# recv HOST PORT OUT: writes "COUNT FIRST_ARRIVAL" when idle for 1.5 s.
recv() {
	h "$1" timeout 40 python3 - "$2" "$3" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
n, first = 0, 0.0
s.settimeout(20)
try:
    while True:
        s.recv(2048)
        if not n:
            first = time.time()
        n += 1
        s.settimeout(1.5)
except socket.timeout:
    pass
open(sys.argv[2], "w").write("%d %.6f\n" % (n, first))
PY
	bg_pids+=($!)
	for _ in $(seq 100); do [ -e "$3.ready" ] && return 0; sleep 0.02; done
	return 1
}
# send HOST DST PORT COUNT GAP_S: paced UDP datagrams.
send() {
	h "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, gap, t0 = int(sys.argv[3]), float(sys.argv[4]), time.time()
for i in range(n):
    s.sendto(b"%d" % i, (sys.argv[1], int(sys.argv[2])))
    d = t0 + (i + 1) * gap - time.time()
    if d > 0:
        time.sleep(d)
' "$2" "$3" "$4" "$5"
}
wait_file() { for _ in $(seq 150); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
wait_sock() { for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && return 0; sleep 0.02; done; return 1; }
start_agent() { # log, extra args...
	local log=$1; shift
	"$XS" agent --bridge "$BR" "$@" 2>"$log" &
	agent_pid=$!
}

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
priority=100,ip,nw_dst=10.0.0.3 actions=output:3
FLOWS

start_agent "$T/agent1.log" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3"
check "agent running" wait_sock
check "ping h1 -> h2 (ARP and megaflows in place)" pings 1 -c 2 -i 0.2 10.0.0.2
check "state file saved with 3 ports and 4 flows" test "$(grep -c '^port ' "$T/$BR.state")$(grep -c '^flow ' "$T/$BR.state")" = 34

# 1. kill -9 under traffic: 3000 datagrams over 3 s h1 -> h2; the agent is
# killed at 0.7 s and restarted at 1.5 s.
recv 2 7000 "$T/r1" || not_ok "receiver ready"
send 1 10.0.0.2 7000 3000 0.001 &
sender=$!
sleep 0.7
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=
check "after kill -9: maps still pinned" test -e "$PIN/xs_megaflows"
check "after kill -9: the port still runs the program" sh -c "ip link show $P-p1 | grep -q prog/xdp"
sleep 0.8
# New flow h1 -> h3 (no megaflow yet) starts with the restart.
recv 3 7001 "$T/r3" || not_ok "receiver ready"
t_start=$(now)
start_agent "$T/agent2.log" "$P-p1" "$P-p2" "$P-p3"
send 1 10.0.0.3 7001 300 0.005 &
sender3=$!
wait "$sender"
wait "$sender3"
wait_file "$T/r1" && wait_file "$T/r3"
read -r got1 _ <"$T/r1"
read -r got3 first3 <"$T/r3"
check_eq "established flow: all 3000 datagrams across kill -9 and restart" 3000 "$got1"
check_eq "new flow after restart: all 300 datagrams" 300 "$got3"
new_ms=$(python3 -c "print(int(($first3 - $t_start) * 1000))")
echo "# first packet of a new flow delivered ${new_ms} ms after the restart began"
check "new flow served within 1 s of restart ($new_ms ms)" test "$new_ms" -lt 1000
check "restarted agent restored the state" grep -q "restored 4 rules and 3 ports" "$T/agent2.log"
check_eq "restored rules" 4 "$("$XS" dump-flows --bridge "$BR" | wc -l)"
mf=$("$XS" dump-megaflows --bridge "$BR")
check "adopted megaflow h1 -> h2 kept" grep -q 'ipv4(dst=10.0.0.2).*actions:2' <<<"$mf"
check "show: revalidator ran over the adopted megaflows" \
	grep -q '^revalidator: [1-9][0-9]* passes' <<<"$("$XS" show --bridge "$BR")"

# 2. SIGTERM: the ports keep forwarding with no agent.
kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "SIGTERM: agent exits 0" 0 "$rc"
check "SIGTERM: log says the ports keep forwarding" grep -q "keep forwarding" "$T/agent2.log"
check "no agent: h1 -> h2 still forwards" pings 1 -c 3 -i 0.1 10.0.0.2
check "no agent: state file kept" test -s "$T/$BR.state"

# 3. A bad state file: the agent refuses to start, names file:line, and
# leaves the running fast path alone.
cp "$T/$BR.state" "$T/good.state"
sed -i '3s/^port .*/port broken/' "$T/$BR.state"
"$XS" agent --bridge "$BR" >/dev/null 2>"$T/agent3.log"
check_eq "bad state: exit 1" 1 "$?"
check "bad state: error names the file and line" grep -q "$BR.state:3: expected 'port NAME OFPORT \[clsact\] \[vlan:OPTIONS\]'" "$T/agent3.log"
check "bad state: fast path left forwarding" pings 1 -c 2 -i 0.1 10.0.0.2
cp "$T/good.state" "$T/$BR.state"

# 4. --cleanup: nothing left.
check "cleanup runs" "$XS" agent --cleanup --bridge "$BR"
check "cleanup: no pinned maps" test ! -e "$PIN"
check "cleanup: no state file" test ! -e "$T/$BR.state"
check "cleanup: no XDP program on the ports" sh -c "! ip link show $P-p1 | grep -q prog/xdp"
check "cleanup: no TC filter on the ports" test -z "$(tc filter show dev "$P-p1" ingress)"
check "cleanup: the clsact qdisc the agent made is gone" sh -c "! tc qdisc show dev $P-p1 | grep -q clsact"
check "cleanup: h1 -> h2 no longer switched" sh -c "! ip netns exec $P-h1 ping -c 1 -W 1 -q 10.0.0.2 >/dev/null 2>&1"
tap_done
