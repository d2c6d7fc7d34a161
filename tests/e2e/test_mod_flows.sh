#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mod-flows through the CLI against an agent with --no-datapath: new actions
# for the matching flows (non-strict, --strict, cookies), durations kept,
# nothing added when nothing matches, "-" reads flows from stdin, bad input
# changes nothing; the journal follows. The LOCAL port is refused with
# FILE:LINE:COL everywhere a flow is given (agent --flows, add-flow(s),
# trace --flows). agent --max-flows / --flow-limit usage errors.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xm

xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }
# dump-flows without the parts that vary (duration, idle_age)
rules() { xs dump-flows | sed 's/ duration=[0-9.]*s,//; s/ idle_age=[0-9]*,//'; }
# run CMD...: sets rc, out (stdout) and err (stderr)
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	rc=$?
	out=$(cat "$o") err=$(cat "$e")
	rm -f "$o" "$e"
}
NO_LOCAL="this bridge has no LOCAL port (xdpswitch has no internal port;"

# --- agent options ------------------------------------------------------------------
run "$XS" agent --bridge "$BR" --no-datapath --max-flows 0
check_eq "--max-flows 0: usage error" \
	"2:xdpswitch agent: --max-flows takes a number from 1 to 16777216, not '0'" "$rc:$err"
run "$XS" agent --bridge "$BR" --no-datapath --max-flows lots
check_eq "--max-flows lots: usage error" \
	"2:xdpswitch agent: --max-flows takes a number from 1 to 16777216, not 'lots'" "$rc:$err"
run "$XS" agent --bridge "$BR" --no-datapath --max-flows 16777217
check_eq "--max-flows above 1<<24: usage error" 2 "$rc"
run "$XS" agent --bridge "$BR" --no-datapath --max-flows 100 --flow-limit 101
check_eq "--flow-limit above --max-flows: usage error naming both" \
	"2:xdpswitch agent: --flow-limit 101 is above --max-flows 100 (the datapath holds at most --max-flows megaflows)" \
	"$rc:$err"
check "agent --help names --max-flows" grep -q -- '--max-flows N' <<<"$("$XS" agent --help)"
check "xdpswitch help lists mod-flows" grep -q '^  mod-flows  *change the actions' <<<"$("$XS" help)"

# --- LOCAL: refused before the agent runs ----------------------------------------------
printf 'priority=1,arp actions=flood\n# comment\npriority=5,ip actions=output:LOCAL\n' >"$T/local.flows"
run "$XS" agent --bridge "$BR" --no-datapath --flows "$T/local.flows"
check_eq "agent --flows with LOCAL: refused, FILE:LINE:COL" \
	"1:xdpswitch[$BR]: $T/local.flows:3:30: output: 'LOCAL': $NO_LOCAL output to a real port)" \
	"$rc:$(grep -v '^lib' <<<"$err")"
check "... and no socket left" test ! -e "$T/$BR.sock"
run "$XS" trace --flows "$T/local.flows" 'in_port=1,ip'
check "trace --flows with LOCAL: exit 1, FILE:LINE:COL" \
	test "$rc" = 1 -a -n "$(grep -F "$T/local.flows:3:30: output: 'LOCAL': $NO_LOCAL" <<<"$err")"
run "$XS" trace --flows "$T/local.flows" 'in_port=LOCAL,ip'
check "trace of a packet from LOCAL: exit 1" test "$rc" = 1

# --- a running agent, no datapath ---------------------------------------------------------
cat >"$T/flows" <<'FLOWS'
priority=100,cookie=0x1,ip,nw_dst=10.0.0.0/8 actions=output:1
priority=200,cookie=0x2,ip,nw_dst=10.1.0.0/16 actions=output:2
priority=50,cookie=0x11,ip actions=output:3
table=1,priority=200,cookie=0x2,ip,nw_dst=10.1.0.0/16 actions=output:4
table=1,priority=10,arp actions=drop
FLOWS
"$XS" agent --bridge "$BR" --no-datapath --max-flows 1000 --flows "$T/flows" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/$BR.sock" ] && break; sleep 0.05; done
check "agent with --max-flows 1000 running" test -S "$T/$BR.sock"
sleep 1.1 # so that a duration of 1s or more shows it was kept

check "mod-flows (non-strict)" xs mod-flows 'ip,nw_dst=10.0.0.0/8 actions=output:9'
check_eq "the covered flows of every table, at any priority" \
"$(cat <<'EOF'
 cookie=0x2, table=0, n_packets=0, n_bytes=0, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:9
 cookie=0x1, table=0, n_packets=0, n_bytes=0, priority=100,ip,nw_dst=10.0.0.0/8 actions=output:9
 cookie=0x11, table=0, n_packets=0, n_bytes=0, priority=50,ip actions=output:3
 cookie=0x2, table=1, n_packets=0, n_bytes=0, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:9
 cookie=0x0, table=1, n_packets=0, n_bytes=0, priority=10,arp actions=drop
EOF
)" "$(rules)"
check "durations kept (not reset by the modify)" \
	test -z "$(xs dump-flows | grep -v 'duration=[1-9][0-9]*\.')"

check "mod-flows --strict, wrong priority" xs mod-flows --strict 'ip,nw_dst=10.1.0.0/16 actions=output:7'
check "mod-flows --strict, table 1 only" xs mod-flows 'table=1,priority=200,ip,nw_dst=10.1.0.0/16 actions=output:7' --strict
check_eq "only that flow changed" \
	"actions=output:9|actions=output:9|actions=output:3|actions=output:7|actions=drop" \
	"$(rules | sed 's/.* actions=/actions=/' | paste -sd'|')"

check "mod-flows by cookie, setting another" xs mod-flows 'cookie=0x11/-1,cookie=0x22 actions=output:5'
check_eq "the cookie changed with the actions" \
	" cookie=0x22, table=0, n_packets=0, n_bytes=0, priority=50,ip actions=output:5" \
	"$(rules | grep 'priority=50,')"

before=$(rules)
run xs mod-flows 'udp actions=output:1'
check_eq "no match: exit 0, silent" "0:" "$rc:$out$err"
run xs mod-flows --strict 'priority=300,ip actions=output:1'
check_eq "--strict, no match: exit 0" 0 "$rc"
check_eq "no match: nothing added" "$before" "$(rules)"

# --- bad input changes nothing ----------------------------------------------------------
run xs mod-flows 'ip actions=output:LOCAL'
check_eq "mod-flows to LOCAL: refused with the column" \
	"1:mod-flows: column 19: output: 'LOCAL': $NO_LOCAL output to a real port)" "$rc:$err"
run xs mod-flows 'ip,nw_dst=10.0.0.300 actions=drop'
check "bad match: exit 1, column" test "$rc" = 1 -a -n "$(grep -E '^mod-flows: column 11: ' <<<"$err")"
run xs mod-flows 'ip'
check_eq "no actions: exit 1" \
	"1:mod-flows: column 3: missing actions=... (use actions=drop to drop)" "$rc:$err"
run xs mod-flows 'actions=goto_table:1'
check_eq "goto_table into a selected flow's own table: refused" \
	"1:mod-flows: goto_table:1 must lead to a later table, but a flow this modifies is in table 1 (select with table=; nothing changed)" \
	"$rc:$err"
run xs mod-flows
check_eq "mod-flows without a flow: usage" \
	"2:usage: xdpswitch mod-flows [--bridge NAME] [--strict] FLOW (- for one flow per line on stdin)" \
	"$rc:$err"
run xs mod-flows 'ip actions=drop' 'arp actions=drop'
check_eq "mod-flows with two flows: usage" 2 "$rc"
run xs mod-flows --json 'ip actions=drop'
check_eq "mod-flows --json: usage (from the agent)" \
	"2:usage: mod-flows [--strict] FLOW | NAME TEXT" "$rc:$err"
check_eq "after all that: nothing changed" "$before" "$(rules)"

# --- mod-flows - (flows on stdin): parsed whole, applied in order, all or nothing -------
run xs mod-flows - <<'EOF'
ip actions=output:6
# a comment
arp actions=output:LOCAL
EOF
check_eq "stdin with LOCAL: refused at its line and column" \
	"1:mod-flows: -:3:20: output: 'LOCAL': $NO_LOCAL output to a real port)" "$rc:$err"
run xs mod-flows - <<'EOF'
cookie=0x2/-1 actions=output:6
ip actions=goto_table:1
EOF
check_eq "stdin, second flow cannot apply: the first is undone" \
	"1:mod-flows: -: flow 2 of 2: goto_table:1 must lead to a later table, but a flow this modifies is in table 1 (select with table=; nothing changed)" \
	"$rc:$err"
check_eq "nothing changed" "$before" "$(rules)"
printf 'cookie=0x2/-1,cookie=0x40 actions=output:6\ncookie=0x40/-1,table=0 actions=output:8\n' |
	xs mod-flows - ; rc=$?
check_eq "stdin: applied in order" 0 "$rc"
check_eq "the second flow selected by the cookie the first set" \
	"output:8|output:9|output:5|output:6|drop" \
	"$(rules | sed 's/.* actions=//' | paste -sd'|')"
printf 'priority=10,arp actions=output:2\n' | xs mod-flows - --strict; rc=$?
check_eq "stdin with --strict after it" "0: cookie=0x0, table=1, n_packets=0, n_bytes=0, priority=10,arp actions=output:2" \
	"$rc:$(rules | grep arp)"
check "the journal has the change" grep -qx 'mod strict priority=10,arp actions=output:2' "$T/$BR.journal"

# --- LOCAL through the other commands ----------------------------------------------------
run xs add-flow 'in_port=LOCAL,ip actions=drop'
check_eq "add-flow in_port=LOCAL: refused" \
	"1:add-flow: column 9: in_port: 'LOCAL': $NO_LOCAL use a real port)" "$rc:$err"
for spelling in local LOCAL output:LOCAL output:65534 'resubmit(LOCAL,1)'; do
	run xs add-flow "ip actions=$spelling"
	check "add-flow actions=$spelling: refused" \
		test "$rc" = 1 -a -n "$(grep -F ": $NO_LOCAL" <<<"$err")"
done
run xs add-flows "$T/local.flows"
check_eq "add-flows with LOCAL: FILE:LINE:COL" \
	"1:add-flows: $T/local.flows:3:30: output: 'LOCAL': $NO_LOCAL output to a real port)" "$rc:$err"
run xs replace-flows "$T/local.flows"
check_eq "replace-flows with LOCAL: refused" 1 "$rc"
check_eq "after the refusals: nothing changed" 5 "$(rules | wc -l)"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
