#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The journal end to end, on an agent with --no-datapath (nothing is
# attached: no namespaces, no root): pipelined add-flow requests on one connection committed as one
# journal batch; an add-flows file as one batch; SIGKILL in the middle of a
# burst, then a restart that restores every answered change and a prefix
# of what was sent; a torn tail noted and ignored; a corrupt journal
# refusing the start by file and line, and the start without it; a stale
# journal skipped; a version 1 state file loaded; replace-flows as a
# snapshot; --cleanup and a stop without ports removing both files.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

command -v python3 >/dev/null || skip_all "needs python3"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
BURST=$B/tests/bench/ctlburst
for x in "$XS" "$BURST"; do
	[ -x "$x" ] || { echo "not ok 1 - missing $x (run make)"; exit 1; }
done

BR=xsj$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xsj-run-XXXXXX)
T=$XS_RUN_DIR J=$T/$BR.journal S=$T/$BR.state
agent_pid=
burst_pid=
cleanup() {
	for p in $burst_pid $agent_pid; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# start_agent LOG: starts the agent and waits until it serves (the log says
# so: a killed agent's socket file stays behind). Fails if it exits.
start_agent() {
	"$XS" agent --no-datapath --bridge "$BR" 2>"$1" &
	agent_pid=$!
	for _ in $(seq 500); do
		grep -q "running:" "$1" && return 0
		kill -0 "$agent_pid" 2>/dev/null || { wait "$agent_pid"; agent_pid=; return 1; }
		sleep 0.02
	done
	return 1
}
kill_agent() { kill -KILL "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=; }
commits() { grep -c '^commit ' "$J"; }
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$2" "$1"; }
# The indices of the ctlburst rules (10.A.B.C = index) in the tables, sorted.
indices() {
	"$XS" dump-flows --bridge "$BR" | python3 -c '
import re, sys
v = sorted(int(a) << 16 | int(b) << 8 | int(c)
           for a, b, c in re.findall(r"nw_dst=10\.(\d+)\.(\d+)\.(\d+) actions=output:1", sys.stdin.read()))
print(" ".join(map(str, v)))'
}
n_flows() { "$XS" dump-flows --bridge "$BR" | wc -l; }

# --- 0. ctlburst's own errors -----------------------------------------------------
"$BURST" --count 0 2>"$T/e1"; rc=$?
check_eq "ctlburst: a bad count is a usage error" "2|ctlburst: --count: '0' is not a number in [1, 16777216]" "$rc|$(cat "$T/e1")"
"$BURST" --frob 1 2>"$T/e2"; rc=$?
check_eq "ctlburst: an unknown option is a usage error" "2|ctlburst: --frob: unknown option" "$rc|$(cat "$T/e2")"
"$BURST" --count 5 --start 16777214 2>"$T/e3"; rc=$?
check_eq "ctlburst: rules past 10.255.255.255 are refused" 2 "$rc"
"$BURST" --bridge "$BR" 2>"$T/e4"; rc=$?
check_eq "ctlburst: no agent" "1|ctlburst: $T/$BR.sock: No such file or directory" "$rc|$(cat "$T/e4")"
check "ctlburst --help" sh -c "'$BURST' --help | grep -q '^usage: ctlburst'"

check "agent starts" start_agent "$T/a1.log"
check_eq "the start wrote snapshot and journal of generation 1" \
	"xdpswitch-state 2 gen 1|xdpswitch-journal 1 gen 1" "$(head -1 "$S")|$(head -1 "$J")"

# --- 1. pipelined requests on one connection: one batch ----------------------
# The agent is stopped while the client connects and sends all 500
# requests, so they are all there when it looks: one batch.
kill -STOP "$agent_pid"
"$BURST" --bridge "$BR" --count 500 >"$T/b1.json" &
burst_pid=$!
sleep 0.5
kill -CONT "$agent_pid"
wait "$burst_pid"; rc=$?; burst_pid=
check_eq "500 pipelined add-flow requests all answered, status 0" "0 500 0" \
	"$rc $(json answered "$(cat "$T/b1.json")") $(json failed "$(cat "$T/b1.json")")"
check_eq "...in one journal batch (one commit line, one fsync)" "1 1" \
	"$(commits) $(grep -c '^commit 500 ' "$J")"
check_eq "...and in the tables" 500 "$(n_flows)"

# --- 2. an add-flows file: one batch ------------------------------------------
for i in $(seq 300); do echo "priority=5,udp,tp_src=$i actions=drop"; done >"$T/f300"
check "add-flows of 300 rules" "$XS" add-flows --bridge "$BR" "$T/f300"
check_eq "...is one journal batch of 300 records" "2 1" "$(commits) $(grep -c '^commit 300 ' "$J")"

# --- 3. SIGKILL in the middle of a burst ---------------------------------------
# At most 16 requests outstanding, so the burst is many batches, each
# fsync'ed before its answers are sent. The agent is killed once it has
# committed 100 of them. Every answered request must come back after the
# restart. "Exactly the answered ones" cannot be promised: the batch in
# flight may have reached its fsync (durable) without its answers being
# sent, so up to one window more may come back, but always in order: a
# prefix of what was sent, never a gap.
before=$(commits)
"$BURST" --bridge "$BR" --count 200000 --window 16 --start 1000 >"$T/b3.json" &
burst_pid=$!
for _ in $(seq 1000); do [ "$(commits)" -ge $((before + 100)) ] && break; sleep 0.01; done
kill_agent
wait "$burst_pid"; burst_pid=
answered=$(json answered "$(cat "$T/b3.json")")
check "the burst was cut short by the kill (answered $answered of 200000)" \
	test "$answered" -gt 0 -a "$answered" -lt 200000
check "the client saw the agent go" grep -q '"error"' "$T/b3.json"
check "restart after SIGKILL" start_agent "$T/a2.log"
check "the restart replayed the journal" grep -q "$J: replayed [0-9]* changes in" "$T/a2.log"
read -r -a got <<<"$(indices)"
first=${got[0]:-none} n=${#got[@]}
# rules 0..499 (section 1) and the burst's from 1000 on
burst_n=$((n - 500))
last=${got[$((n - 1))]:-none}
check_eq "section 1's rules are all back" "0 499" "${got[0]:-} ${got[499]:-}"
check_eq "the burst's rules back form a prefix 1000.. with no gap" \
	"1000 $((1000 + burst_n - 1))" "${got[500]:-none} $last"
check "every answered change is back ($burst_n restored, $answered answered)" \
	test "$burst_n" -ge "$answered"
check "at most the batch in flight more (window 16)" test "$burst_n" -le $((answered + 16))
echo "# restored $burst_n of the burst, $answered answered; first index $first"
check_eq "the restart wrote a new snapshot, generation 2, and a fresh journal" \
	"xdpswitch-state 2 gen 2|xdpswitch-journal 1 gen 2|0" \
	"$(head -1 "$S")|$(head -1 "$J")|$(commits)"

# --- 4. a torn tail: noted, ignored --------------------------------------------
total=$(n_flows)
check "add-flow after the restart" "$XS" add-flow --bridge "$BR" "priority=9,tcp,tp_dst=1 actions=drop"
kill_agent
printf 'add priority=9,tcp,tp_dst=2 actions=drop\ncommit 1 00' >>"$J"
check "restart with a torn journal tail" start_agent "$T/a3.log"
check "the torn tail is noted by file and line" \
	grep -q "note: $J:4: ignored an incomplete last batch (52 bytes)" "$T/a3.log"
check_eq "the committed change is back, the torn one is not" \
	"$((total + 1)) 1 0" \
	"$(n_flows) $("$XS" dump-flows --bridge "$BR" | grep -c 'tp_dst=1 ') $("$XS" dump-flows --bridge "$BR" | grep -c 'tp_dst=2 ')"

# --- 5. a corrupt journal: the start is refused by file and line ------------------
for p in 1 2 3; do
	"$XS" add-flow --bridge "$BR" "priority=8,sctp,tp_dst=$p actions=drop"
done
kill_agent
sed -i '2s/priority=8/priorizy=8/' "$J"
cp "$S" "$T/s.before"; cp "$J" "$T/j.before"
"$XS" agent --no-datapath --bridge "$BR" 2>"$T/a4.log"; rc=$?
check_eq "a corrupt journal stops the start (exit 1)" 1 "$rc"
check "the error names the journal and the line" \
	grep -q "$J:3: the batch from line 2 fails its checksum (crc32 [0-9a-f]*, the commit line says [0-9a-f]*); nothing restored: move the journal away to start from the snapshot $S alone" "$T/a4.log"
check "snapshot and journal are left as they were" \
	sh -c "cmp -s '$S' '$T/s.before' && cmp -s '$J' '$T/j.before'"
mv "$J" "$T/journal.bad"
check "with the journal moved away the agent starts" start_agent "$T/a5.log"
check_eq "...from the snapshot alone (the journal's 3 rules are gone)" \
	"$((total + 1)) 0" "$(n_flows) $("$XS" dump-flows --bridge "$BR" | grep -c sctp)"

# --- 6. a stale journal (from before the last snapshot) is skipped -----------------
check "add-flow" "$XS" add-flow --bridge "$BR" "priority=7,icmp actions=drop"
kill_agent
gen=$(head -1 "$S" | awk '{print $4}')
sed -i "1s/gen $gen\$/gen $((gen - 1))/" "$J"
check "restart with a journal of the previous generation" start_agent "$T/a6.log"
check "it is skipped, and said so" \
	grep -q "$J: generation $((gen - 1)), the snapshot's is $gen: left from before the last snapshot; skipped" "$T/a6.log"
check_eq "its change is not applied" 0 "$("$XS" dump-flows --bridge "$BR" | grep -c icmp)"

# --- 7. replace-flows is saved as a snapshot -------------------------------------
gen=$(head -1 "$S" | awk '{print $4}')
printf 'priority=1,arp actions=drop\npriority=2,ip actions=drop\n' >"$T/r"
check "replace-flows" "$XS" replace-flows --bridge "$BR" "$T/r"
check_eq "...as a snapshot of the next generation and an empty journal" \
	"xdpswitch-state 2 gen $((gen + 1))|3|xdpswitch-journal 1 gen $((gen + 1))|0" \
	"$(head -1 "$S")|$(wc -l <"$S")|$(head -1 "$J")|$(commits)"

# --- 8. a version 1 state file (before journals) still loads -----------------------
kill_agent
printf 'xdpswitch-state 1\nflow priority=9,udp actions=output:2\n' >"$S"
rm -f "$J"
check "restart from a version 1 state file" start_agent "$T/a7.log"
check_eq "its rule is back; saved again as version 2, generation 1" \
	"1|xdpswitch-state 2 gen 1|xdpswitch-journal 1 gen 1" \
	"$(n_flows)|$(head -1 "$S")|$(head -1 "$J")"

# --- 9. --cleanup after a kill, and a stop without ports, leave nothing -------------
check "add-flow" "$XS" add-flow --bridge "$BR" "priority=3,udp actions=drop"
kill_agent
"$XS" agent --no-datapath --cleanup --bridge "$BR" 2>"$T/c1.log"; rc=$?
check_eq "--cleanup after a kill: exit 0, snapshot and journal removed" "0 no no" \
	"$rc $(test -e "$S" && echo yes || echo no) $(test -e "$J" && echo yes || echo no)"
check "agent starts again" start_agent "$T/a8.log"
check "add-flow" "$XS" add-flow --bridge "$BR" "priority=3,udp actions=drop"
kill -TERM "$agent_pid"; wait "$agent_pid"; agent_pid=
check "a stop without ports removes snapshot and journal" test ! -e "$S" -a ! -e "$J"

tap_done
