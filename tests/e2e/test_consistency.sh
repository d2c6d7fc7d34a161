#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Table changes are in force for all traffic when the command returns:
# under continuous UDP traffic h1 -> 10.0.0.2, add-flow (rewrite to h3),
# del-flows (back to h2) and replace-flows (to h3 again) each switch the
# path, and not one datagram sent after a command returned follows the old
# actions; none is lost. Then n_packets of a rule equals what was sent.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xhc

now() { date +%s.%N; }

# recv HOST PORT OUT: every datagram's payload ("SEQ SENT_AT") into OUT,
# closed when nothing came for 5 s (a host gets nothing while the traffic
# goes to the other one, 1 s plus the burst's time: over 2 s on a loaded
# machine).
recv() {
	h "$1" timeout 40 python3 - "$2" "$3" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", int(sys.argv[1])))
out = []
open(sys.argv[2] + ".ready", "w").close()
s.settimeout(20)
try:
    while True:
        out.append(s.recv(2048).decode())
        s.settimeout(5)
except socket.timeout:
    pass
open(sys.argv[2] + ".tmp", "w").write("".join(l + "\n" for l in out))
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
PY
	bg_pids+=($!)
	for _ in $(seq 100); do [ -e "$3.ready" ] && return 0; sleep 0.02; done
	return 1
}
# send HOST DST PORT COUNT GAP_S: paced datagrams carrying "SEQ SENT_AT".
send() {
	h "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, gap, t0 = int(sys.argv[3]), float(sys.argv[4]), time.time()
for i in range(n):
    s.sendto(b"%d %.6f" % (i, time.time()), (sys.argv[1], int(sys.argv[2])))
    d = t0 + (i + 1) * gap - time.time()
    if d > 0:
        time.sleep(d)
' "$2" "$3" "$4" "$5"
}
wait_file() { for _ in $(seq 150); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
# burst SOCKET N K ARGV...: N add-flow requests of unrelated rules pipelined
# on one control connection, ARGV as request K among them; prints the time
# the answer to request K arrived, then "ok" if every answer came, in
# order, with status 0. The agent serves what arrived as one batch.
burst() {
	python3 - "$@" <<'PY'
import socket, struct, sys, time
path, n, k, argv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def frame(args):
    body = b"".join(a.encode() + b"\0" for a in args)
    return b"XSC1" + struct.pack("!I", len(body)) + body
reqs = [["add-flow", "priority=50,udp,tp_dst=%d actions=output:1" % (20000 + i)]
        for i in range(n)]
reqs[k] = argv
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"".join(frame(r) for r in reqs))
buf, answered, at, ok = b"", 0, 0.0, True
while answered < n:
    while len(buf) < 8 or len(buf) < 8 + struct.unpack("!I", buf[4:8])[0]:
        chunk = s.recv(65536)
        if not chunk:
            print("%.6f" % at); print("closed after %d" % answered); sys.exit(0)
        buf += chunk
    length = struct.unpack("!I", buf[4:8])[0]
    status = struct.unpack("!I", buf[8:12])[0]
    ok = ok and buf[:4] == b"XSC1" and status == 0
    if answered == k:
        at = time.time()
    buf, answered = buf[8 + length:], answered + 1
print("%.6f" % at)
print("ok" if ok else "bad status")
PY
}
# late FILE FROM TO: datagrams in FILE sent strictly between FROM and TO
late() { awk -v a="$2" -v b="$3" '$2 > a && $2 < b' "$1" | wc -l; }

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
priority=100,ip,nw_dst=10.0.0.3 actions=output:3
FLOWS
REWRITE="priority=200,udp,nw_dst=10.0.0.2 actions=mod_nw_dst:10.0.0.3,mod_dl_dst:02:00:00:00:00:03,output:3"
{ cat "$T/flows"; echo "$REWRITE"; } >"$T/flows-rewrite"

"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$T/agent.log" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
h 1 ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 # ARP and the first megaflows
h 1 ping -c 1 -W 1 10.0.0.3 >/dev/null 2>&1

N=5000
recv 2 7000 "$T/at2" && recv 3 7000 "$T/at3" || not_ok "receivers ready"
t0=$(now)
send 1 10.0.0.2 7000 $N 0.001 &
sender=$!
sleep 1
a1=$(now); "$XS" add-flow --bridge "$BR" "$REWRITE"; rc1=$?; r1=$(now)
sleep 1
a2=$(now); "$XS" del-flows --bridge "$BR" --strict "priority=200,udp,nw_dst=10.0.0.2"; rc2=$?; r2=$(now)
sleep 1
a3=$(now); "$XS" replace-flows --bridge "$BR" "$T/flows-rewrite"; rc3=$?; r3=$(now)
sleep 1
# a batch: 200 requests on one connection, the 100th takes the rewrite away
a4=$(now); out4=$(burst "$XS_RUN_DIR/$BR.sock" 200 99 del-flows --strict \
	"priority=200,udp,nw_dst=10.0.0.2"); r4=${out4%%$'\n'*}
wait "$sender"
wait_file "$T/at2" && wait_file "$T/at3"
check_eq "add-flow, del-flows, replace-flows succeed" "0 0 0" "$rc1 $rc2 $rc3"
n2=$(wc -l <"$T/at2") n3=$(wc -l <"$T/at3")
check_eq "no datagram lost ($n2 at h2, $n3 at h3)" $N $((n2 + n3))
check_eq "no duplicate" $N "$(cat "$T/at2" "$T/at3" | awk '{print $1}' | sort -u | wc -l)"
check_eq "after add-flow returned: none at h2 (old path)" 0 "$(late "$T/at2" "$r1" "$a2")"
check "after add-flow returned: traffic at h3" test "$(late "$T/at3" "$r1" "$a2")" -gt 500
check_eq "after del-flows returned: none at h3 (old path)" 0 "$(late "$T/at3" "$r2" "$a3")"
check "after del-flows returned: traffic at h2" test "$(late "$T/at2" "$r2" "$a3")" -gt 500
check_eq "after replace-flows returned: none at h2 (old path)" 0 "$(late "$T/at2" "$r3" "$a4")"
check "after replace-flows returned: traffic at h3" test "$(late "$T/at3" "$r3" "$a4")" -gt 500
check_eq "a burst of 200 pipelined requests: all answered, in order, status 0" ok \
	"${out4#*$'\n'}"
check_eq "after the burst's delete was answered: none at h3 (old path)" 0 \
	"$(late "$T/at3" "$r4" 9e9)"
check "after the burst's delete was answered: traffic at h2" \
	test "$(late "$T/at2" "$r4" 9e9)" -gt 300
check_eq "the burst's 199 other rules are in the table" 199 \
	"$("$XS" dump-flows --bridge "$BR" | grep -c 'udp,tp_dst=2[0-9]*')"
check_eq "before the first change: none at h3" 0 "$(late "$T/at3" "$t0" "$a1")"
echo "# the burst was answered $(python3 -c "print(int(($r4 - $a4) * 1000))") ms after it began"
for i in 1 2 3; do
	eval "ms=\$(python3 -c \"print(int((\$r$i - \$a$i) * 1000))\")"
	echo "# command $i returned in $ms ms"
done
show=$("$XS" show --bridge "$BR")
grep '^revalidator' <<<"$show" | sed 's/^/# /'

# n_packets equals what was sent to a rule (first packet via the miss
# path, the rest via its megaflow).
"$XS" add-flow --bridge "$BR" "priority=300,udp,tp_dst=7001 actions=output:2"
recv 2 7001 "$T/c2" || not_ok "receiver ready"
send 1 10.0.0.2 7001 777 0.0005
wait_file "$T/c2"
check_eq "receiver got 777" 777 "$(wc -l <"$T/c2")"
line=$("$XS" dump-flows --bridge "$BR" | grep 'tp_dst=7001')
check_eq "n_packets of the rule is 777" "n_packets=777" "$(grep -o 'n_packets=[0-9]*' <<<"$line")"
check_eq "n_bytes of the rule (777 datagrams of their frame size)" \
	"n_bytes=$(awk '{ s += 42 + length($0) } END { print s }' "$T/c2")" \
	"$(grep -o 'n_bytes=[0-9]*' <<<"$line")"
tap_done
