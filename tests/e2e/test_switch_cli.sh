#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The OpenFlow commands of a running switch through the CLI: trace-live
# prints what the offline trace prints, dump-flows filters, replace-flows
# is all or nothing (a bad file names FILE:LINE:COL and changes nothing),
# add-flows and del-flows, the --json forms parse, flood follows attach
# and detach, and bpftool shows the pinned maps with named fields.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }
command -v python3 >/dev/null || skip_all "needs python3"

P=xl$$ BR=xl$$
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
LOG=$XS_RUN_DIR/agent.log
T=$XS_RUN_DIR
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$XS" agent --help 2>/dev/null | grep -q -- --cleanup &&
		"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	scripts/topo.sh destroy "$P" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

xs() { "$XS" "$1" --bridge "$BR" "${@:2}"; }
rules() { xs dump-flows | sed 's/.*n_bytes=[0-9]*, \(idle_age=[0-9]*, \)\{0,1\}//'; }

scripts/topo.sh create "$P" 3 || { echo "not ok 1 - topology"; exit 1; }
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
table=0,priority=50,ip actions=goto_table:1
table=1,priority=10,tcp,tp_dst=80 actions=mod_nw_tos:32,output:3
FLOWS
"$XS" agent --bridge "$BR" --flows "$T/flows" "$P-p1" "$P-p2" "$P-p3" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.05; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"

# --- trace-live = trace --flows over the same rules and ports ---------------------
for pkt in 'in_port=1,ip,nw_dst=10.0.0.2' 'in_port=2,tcp,nw_dst=10.0.0.9,tp_dst=80' \
	   'in_port=3,arp,arp_tpa=10.0.0.1' 'in_port=1,udp,nw_dst=10.0.0.9'; do
	check_eq "trace-live '$pkt' = offline trace" \
		"$("$XS" trace --flows "$T/flows" --ports 1,2,3 "$pkt")" "$(xs trace-live "$pkt")"
done
check "trace-live: the goto_table path" grep -q '^Datapath actions: set(ipv4(tos=0x20/0x20)),3$' \
	<<<"$(xs trace-live 'in_port=2,tcp,nw_dst=10.0.0.9,tp_dst=80')"
check "trace-live --json" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["datapath_actions"] == "2", d' \
	<<<"$(xs trace-live --json 'in_port=1,ip,nw_dst=10.0.0.2')"
out=$(xs trace-live 'in_port=1,ip,nw_dst=10.0.0.300' 2>&1); rc=$?
check "trace-live of a bad packet: exit 1, column" test "$rc" = 1 -a -n "$(grep -E '^trace-live: column [0-9]+: ' <<<"$out")"

# --- dump-flows -------------------------------------------------------------------
check_eq "dump-flows: 5 rules" 5 "$(xs dump-flows | wc -l)"
check_eq "dump-flows table=1" "priority=10,tcp,tp_dst=80 actions=mod_nw_tos:32,output:3" \
	"$(xs dump-flows table=1 | sed 's/.*, priority=/priority=/')"
check_eq "dump-flows ip (covers the ip and tcp rules)" 4 "$(xs dump-flows ip | wc -l)"
check "dump-flows --json" python3 -c 'import json,sys; d=json.load(sys.stdin); assert [r["priority"] for r in d] == [100, 100, 100, 50, 10], d' \
	<<<"$(xs dump-flows --json)"

# --- replace-flows: all or nothing --------------------------------------------------
before=$(rules)
printf 'priority=1,arp actions=flood\n# comment\npriority=1,ip,nw_dst=10.0.0.1 actions=output:1\nip,nw_dst=10.0.0.2 actions=output:two\n' >"$T/bad.flows"
out=$(xs replace-flows "$T/bad.flows" 2>&1); rc=$?
check_eq "replace-flows of a bad file: exit 1" 1 "$rc"
check "the error is FILE:LINE:COL" grep -qE "^replace-flows: $T/bad.flows:4:[0-9]+: " <<<"$out"
check_eq "nothing changed" "$before" "$(rules)"
printf 'priority=5,arp actions=flood\npriority=5,ip actions=output:3\n' >"$T/new.flows"
check "replace-flows of a good file" xs replace-flows "$T/new.flows"
check_eq "exactly its rules" "$(printf 'priority=5,arp actions=FLOOD\npriority=5,ip actions=output:3')" "$(rules)"
printf 'priority=9,udp actions=drop\npriority=9,tcp actions=drop\n' >"$T/add.flows"
check "add-flows" xs add-flows "$T/add.flows"
check_eq "4 rules" 4 "$(xs dump-flows | wc -l)"
check "del-flows --strict udp (priority 9 needed: nothing deleted)" xs del-flows --strict udp
check_eq "still 4" 4 "$(xs dump-flows | wc -l)"
check "del-flows --strict priority=9,udp" xs del-flows --strict priority=9,udp
check_eq "3 left" 3 "$(xs dump-flows | wc -l)"
check "del-flows (all)" xs del-flows
check_eq "none left" 0 "$(xs dump-flows | wc -l)"
out=$(xs del-flows 'nw_dst=10.0.0.1' 2>&1); rc=$?
check_eq "del-flows of a match missing its prerequisite: exit 1" 1 "$rc"

# --- flood follows the ports ---------------------------------------------------------
xs add-flow 'priority=100,arp actions=flood'
flood() { xs trace-live 'in_port=1,arp' | sed -n 's/^Datapath actions: //p'; }
check_eq "flood from port 1: ports 2 and 3" "2,3" "$(flood)"
check "detach port 3" xs detach "$P-p3"
check_eq "flood after the detach: port 2" "2" "$(flood)"
check "attach it again as port 3" xs attach "$P-p3=3"
check_eq "flood after the attach: ports 2 and 3" "2,3" "$(flood)"

# --- the maps with bpftool: named fields (BTF) --------------------------------------
if command -v bpftool >/dev/null; then
	pin=$(xs show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pin_dir"])')
	check_eq "maps pinned per bridge" "/sys/fs/bpf/xdpswitch/$BR" "$pin"
	xs add-flow 'priority=1,ip actions=output:2'
	ip netns exec "$P-h1" ping -c1 -W1 10.0.0.2 >/dev/null 2>&1 # ARP misses, IPv4 hits the rule
	mf=$(bpftool map dump pinned "$pin/xs_megaflows")
	# Keys are {mask_id, hash of the masked words}; values hold the handle.
	check "bpftool: megaflow keys show named fields" grep -q '"mask_id": ' <<<"$mf"
	slot=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["value"]["h"]["slot"])' <<<"$mf")
	check "bpftool: a megaflow's actions by slot" grep -q '"n_actions": ' \
		<<<"$(bpftool map lookup pinned "$pin/xs_flows" key $((slot & 255)) $((slot >> 8 & 255)) 0 0)"
	check "bpftool: per-CPU counters" grep -q '"packets": ' \
		<<<"$(bpftool map lookup pinned "$pin/xs_flow_stats" key $((slot & 255)) $((slot >> 8 & 255)) 0 0)"
else
	ok "# SKIP no bpftool"
fi

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
tap_done
