#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `xdpswitch agent --cleanup` removes what a stopped agent left (programs on
# the ports, pinned maps, state file) even when the pins do not fit this
# build or the state file is corrupt; another bridge's ports stay; a start
# with pins it cannot adopt is refused, names --cleanup and changes nothing;
# a partial pin directory is adopted and cleaned up as usual.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }
command -v bpftool >/dev/null || skip_all "needs bpftool"

P=xsj$$ BR=xsj$$ BR2=xsj$$b
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xsj-run-XXXXXX)
T=$XS_RUN_DIR
PIN=/sys/fs/bpf/xdpswitch/$BR
PIN2=/sys/fs/bpf/xdpswitch/$BR2
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill -9 "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	"$XS" agent --cleanup --bridge "$BR2" >/dev/null 2>&1
	rm -rf "$PIN" "$PIN2"
	scripts/topo.sh destroy "$P" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

xdp_id() { # id of the XDP program on an interface, "" if none
	ip -d link show dev "$1" | sed -n 's/.*prog\/xdp id \([0-9]*\) .*/\1/p'
}
tc_ours() { tc filter show dev "$1" ingress 2>/dev/null | grep -q "handle 0x7853"; }
has_clsact() { tc qdisc show dev "$1" | grep -q clsact; }
nothing_on() { # no XDP program, no TC filter of ours, no clsact
	for p in "$@"; do
		[ -z "$(xdp_id "$p")" ] && ! tc_ours "$p" && ! has_clsact "$p" || return 1
	done
}
nothing_ours_on() { # no XDP program, no TC filter of ours
	for p in "$@"; do
		[ -z "$(xdp_id "$p")" ] && ! tc_ours "$p" || return 1
	done
}
all_ours_on() { # our XDP program and TC filter on every port
	for p in "$@"; do
		[ -n "$(xdp_id "$p")" ] && tc_ours "$p" || return 1
	done
}
# run_stop BRIDGE LOG PORTS...: starts an agent, waits for its socket,
# stops it with SIGTERM: the ports keep forwarding.
run_stop() {
	local br=$1 log=$2
	shift 2
	"$XS" agent --bridge "$br" --flows "$T/flows" "$@" 2>"$log" &
	agent_pid=$!
	for _ in $(seq 100); do
		[ -S "$XS_RUN_DIR/$br.sock" ] && break
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$agent_pid" 2>/dev/null
	wait "$agent_pid"
	local rc=$?
	agent_pid=
	return $rc
}
# pins_snapshot DIR: names, inodes and map ids of the pins (changes if any
# pin is replaced).
pins_snapshot() {
	for f in "$1"/*; do
		echo "$(basename "$f") $(stat -c %i "$f") $(bpftool -j map show pinned "$f" |
			sed -n 's/.*"id":\([0-9]*\).*/\1/p')"
	done
}
foreign_megaflows() { # replaces the pinned megaflow table by a map of another layout
	rm -f "$PIN/xs_megaflows"
	bpftool map create "$PIN/xs_megaflows" type hash key 8 value 8 entries 64 name xs_megaflows
}

scripts/topo.sh create "$P" 4 || { echo "not ok 1 - topology"; exit 1; }
P1=$P-p1 P2=$P-p2 P3=$P-p3 P4=$P-p4
FOREIGN=$B/tests/bpf/xdp_foreign.bpf.o
cat >"$T/flows" <<'FLOWS'
priority=100,arp actions=flood
priority=100,ip,nw_dst=10.0.0.1 actions=output:1
priority=100,ip,nw_dst=10.0.0.2 actions=output:2
FLOWS

# --- 5. nothing there ----------------------------------------------------------
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c5.log"; rc=$?
check_eq "nothing to clean: exit 0" 0 "$rc"
check_eq "nothing to clean: says so" \
	"xdpswitch[$BR]: nothing to clean up: no maps pinned, no saved state" "$(cat "$T/c5.log")"
check "nothing to clean: no pin directory made" test ! -e "$PIN"
check "nothing to clean: no lock file left" test ! -e "$T/$BR.lock"

# --- 1. a normal --cleanup after a stop ------------------------------------------
check "stop leaves the ports forwarding" run_stop "$BR" "$T/a1.log" "$P1" "$P2"
check "after the stop: programs on both ports" all_ours_on "$P1" "$P2"
check "after the stop: maps pinned, state saved" test -e "$PIN/xs_megaflows" -a -s "$T/$BR.state"
check_eq "after the stop: the 14 maps pinned, the port list and the hash key and version among them" \
	"xs_emc xs_flow_stats xs_flows xs_hash_key xs_hash_ver xs_mask_filter xs_mask_hits xs_masks xs_megaflows xs_miss_bucket xs_port_list xs_stats xs_tx_ports xs_upcalls" \
	"$(ls "$PIN" | sort | paste -sd' ')"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c1.log"; rc=$?
check_eq "cleanup: exit 0" 0 "$rc"
check "cleanup: adopted and cleaned up" grep -q "cleaned up$" "$T/c1.log"
check "cleanup: no fallback needed" sh -c "! grep -q 'without adopting' $T/c1.log"
check "cleanup: nothing on the ports" nothing_on "$P1" "$P2"
check "cleanup: no pins" test ! -e "$PIN"
check "cleanup: no state file" test ! -e "$T/$BR.state"
check "cleanup: no lock file" test ! -e "$T/$BR.lock"

# --- 4b. pins of a newer megaflow hash version: refused, nothing changed -----------
check "stop (for a newer hash version)" run_stop "$BR" "$T/a8.log" "$P1" "$P2"
bpftool map update pinned "$PIN/xs_hash_ver" key 0 0 0 0 value 99 0 0 0
pins_snapshot "$PIN" >"$T/pins.before"
cp "$T/$BR.state" "$T/state.before"
"$XS" agent --bridge "$BR" "$P1" "$P2" 2>"$T/a9.log"; rc=$?
check_eq "newer hash version: exit 1" 1 "$rc"
check "newer hash version: the message says why" \
	grep -q "cannot adopt the maps pinned under $PIN: their megaflow hash version is newer than this agent computes" "$T/a9.log"
check "newer hash version: the message names --cleanup" \
	grep -q "nothing was changed. \`xdpswitch agent --cleanup --bridge $BR\` removes them" "$T/a9.log"
check_eq "newer hash version: the pins are unchanged" "$(cat "$T/pins.before")" "$(pins_snapshot "$PIN")"
check "newer hash version: the pinned version is unchanged" \
	sh -c "bpftool -j map lookup pinned $PIN/xs_hash_ver key 0 0 0 0 | grep -q '\"value\":\\[\"0x63\",\"0x00\",\"0x00\",\"0x00\"\\]'"
check "newer hash version: the state file is unchanged" cmp -s "$T/state.before" "$T/$BR.state"
check "newer hash version: TC filters still there" all_ours_on "$P1" "$P2"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c9.log"; rc=$?
check_eq "newer hash version: cleanup exit 0" 0 "$rc"
check "newer hash version: nothing on the ports" nothing_on "$P1" "$P2"
check "newer hash version: no pins" test ! -e "$PIN"

# --- 4. a start with pins of another layout: refused, nothing changed -------------
check "stop (for incompatible pins)" run_stop "$BR" "$T/a2.log" "$P1" "$P2"
check "another bridge's agent leaves $P3 forwarding" run_stop "$BR2" "$T/b.log" "$P3"
foreign_megaflows
pins_snapshot "$PIN" >"$T/pins.before"
ids_before="$(xdp_id "$P1") $(xdp_id "$P2")"
cp "$T/$BR.state" "$T/state.before"
"$XS" agent --bridge "$BR" "$P1" "$P2" 2>"$T/a4.log"; rc=$?
check_eq "start with incompatible pins: exit 1" 1 "$rc"
check "start: the message names the pin dir and --cleanup" \
	grep -q "the maps pinned under $PIN cannot be adopted (Invalid argument): .*nothing was changed. \`xdpswitch agent --cleanup --bridge $BR\` removes them" "$T/a4.log"
check_eq "start: the pins are unchanged" "$(cat "$T/pins.before")" "$(pins_snapshot "$PIN")"
check_eq "start: the ports run the same programs" "$ids_before" "$(xdp_id "$P1") $(xdp_id "$P2")"
check "start: TC filters still there" all_ours_on "$P1" "$P2"
check "start: the state file is unchanged" cmp -s "$T/state.before" "$T/$BR.state"
check "start: no control socket left" test ! -e "$XS_RUN_DIR/$BR.sock"

# --- 2. --cleanup with those pins: the fallback removes everything ----------------
# The state file also names the other bridge's port, a port running a
# foreign program and a port whose interface is gone: those stay, named.
p3_id=$(xdp_id "$P3")
n_pins=$(ls "$PIN" | wc -l)
ip link set dev "$P4" xdpgeneric obj "$FOREIGN" sec xdp
p4_id=$(xdp_id "$P4")
printf 'port %s 3\nport %s 4\nport %sx 5\n' "$P3" "$P4" "$P" >>"$T/$BR.state"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c2.log"; rc=$?
check_eq "incompatible pins: cleanup exit 0" 0 "$rc"
check "incompatible pins: falls back" grep -q "cleaning up without adopting the datapath" "$T/c2.log"
check_eq "incompatible pins: XDP removals named" 2 \
	"$(grep -c "removed XDP program xs_xdp (id [0-9]*) from $P-p[12]$" "$T/c2.log")"
check_eq "incompatible pins: TC removals named" 2 \
	"$(grep -c "removed TC filter xs_tc (id [0-9]*) from $P-p[12]$" "$T/c2.log")"
check "incompatible pins: pin dir removal named" \
	grep -q "removed $PIN and the $n_pins files pinned there" "$T/c2.log"
check "incompatible pins: nothing on the ports (clsact too)" nothing_on "$P1" "$P2"
check "incompatible pins: no pins" test ! -e "$PIN"
check "incompatible pins: no state file" test ! -e "$T/$BR.state"
check "incompatible pins: no lock file" test ! -e "$T/$BR.lock"
check_eq "the other bridge's port keeps its program" "$p3_id" "$(xdp_id "$P3")"
check "the other bridge's pins stay" test -e "$PIN2/xs_megaflows"
check "a saved port on the other bridge's maps: named" \
	grep -q "left XDP program 'xs_xdp' (id $p3_id) on saved port $P3: it uses bridge $BR2's maps" "$T/c2.log"
check "a saved port with a foreign program: named" \
	grep -q "left XDP program 'xs_foreign' (id $p4_id) on saved port $P4: not ours" "$T/c2.log"
check_eq "the foreign program stays" "$p4_id" "$(xdp_id "$P4")"
check "a saved port that is gone: named" grep -q "saved port ${P}x: no such interface; skipped" "$T/c2.log"
ip link set dev "$P4" xdpgeneric off

# --- 2b. incompatible pins and no state file: found by their maps ------------------
check "stop (no state file this time)" run_stop "$BR" "$T/a3.log" "$P1" "$P2"
foreign_megaflows
rm -f "$T/$BR.state"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c2b.log"; rc=$?
check_eq "no state: cleanup exit 0" 0 "$rc"
check "no state: programs found by their pinned maps" nothing_ours_on "$P1" "$P2"
check_eq "no state: the clsact qdiscs stay, named" 2 \
	"$(grep -c "left the clsact qdisc on $P-p[12] (no saved state says the agent created it)" "$T/c2b.log")"
tc qdisc del dev "$P1" clsact
tc qdisc del dev "$P2" clsact
check "no state: no pins" test ! -e "$PIN"
check_eq "no state: the other bridge's port keeps its program" "$p3_id" "$(xdp_id "$P3")"

# --- 2c. a partial pin directory (two maps gone) ----------------------------------
check "stop (for a partial pin dir)" run_stop "$BR" "$T/a7.log" "$P1" "$P2"
rm -f "$PIN/xs_megaflows" "$PIN/xs_flows"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c2c.log"; rc=$?
check_eq "partial pins: cleanup exit 0" 0 "$rc"
check "partial pins: nothing on the ports" nothing_on "$P1" "$P2"
check "partial pins: no pins" test ! -e "$PIN"
check "partial pins: no state file" test ! -e "$T/$BR.state"

# --- 3. a corrupt state file (maps fine) -------------------------------------------
check "stop (for a corrupt state)" run_stop "$BR" "$T/a5.log" "$P1" "$P2"
sed -i 's/^flow .*nw_dst=10.0.0.2.*/flow priority=100,ip,nw_dst=10.0.0.999 actions=output:2/' \
	"$T/$BR.state"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c3.log"; rc=$?
check_eq "corrupt state: cleanup exit 0" 0 "$rc"
check "corrupt state: the error names the file" grep -q "state file unreadable ($T/$BR.state:[0-9]*:" "$T/c3.log"
check "corrupt state: falls back" grep -q "cleaning up without adopting the datapath" "$T/c3.log"
check "corrupt state: nothing on the ports" nothing_on "$P1" "$P2"
check "corrupt state: no pins" test ! -e "$PIN"
check "corrupt state: no state file" test ! -e "$T/$BR.state"

# --- something that cannot be removed: exit 1, named ---------------------------------
check "stop (for a pin dir that cannot go)" run_stop "$BR" "$T/a6.log" "$P1"
foreign_megaflows
mkdir "$PIN/extra"
bpftool map create "$PIN/extra/m" type array key 4 value 4 entries 1 name xsj_extra
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c6.log"; rc=$?
check_eq "incomplete cleanup: exit 1" 1 "$rc"
check "incomplete cleanup: names what stayed" \
	grep -q "could not remove $PIN/extra: Directory not empty" "$T/c6.log"
check "incomplete cleanup: says so" \
	grep -q "cleanup incomplete: removed [0-9]*, could not remove 2" "$T/c6.log"
check "incomplete cleanup: the program went anyway" nothing_on "$P1"
rm -rf "$PIN/extra"
"$XS" agent --cleanup --bridge "$BR" 2>"$T/c7.log"; rc=$?
check_eq "after removing the obstacle: cleanup exit 0" 0 "$rc"
check "after removing the obstacle: no pins" test ! -e "$PIN"

# --- the other bridge cleans up normally ---------------------------------------------
"$XS" agent --cleanup --bridge "$BR2" 2>"$T/c8.log"; rc=$?
check_eq "other bridge: cleanup exit 0" 0 "$rc"
check "other bridge: nothing left" nothing_on "$P3"
check "other bridge: no pins" test ! -e "$PIN2"
tap_done
