#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The agent attaching ports (through the CLI and at start-up): XDP and TC on
# every port, libxdp and plain attach, native and SKB mode, run-time
# attach/detach, foreign programs refused unless --force, and a stop by
# signal leaves nothing behind. The datapath is the trivial test object
# (--datapath-object), so this runs without the real fast path.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
OBJ=$B/tests/bpf/xdp_pass.bpf.o
FOREIGN=$B/tests/bpf/xdp_foreign.bpf.o
for f in "$XS" "$OBJ" "$FOREIGN"; do
	[ -e "$f" ] || { echo "not ok 1 - missing $f (run make)"; exit 1; }
done

P=xa$$               # topology prefix and bridge name: unique per run
BR=$P
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
LOG=$XS_RUN_DIR/agent.log
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	scripts/topo.sh destroy "$P" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT

# start_agent ARGS...: starts the agent in the background, waits for its
# socket; returns non-zero if it exited instead.
start_agent() {
	"$XS" agent --bridge "$BR" --datapath-object "$OBJ" "$@" 2>"$LOG" &
	agent_pid=$!
	for _ in $(seq 50); do
		[ -S "$XS_RUN_DIR/$BR.sock" ] && return 0
		kill -0 "$agent_pid" 2>/dev/null || { wait "$agent_pid"; agent_pid=; return 1; }
		sleep 0.1
	done
	return 1
}

# stop_agent SIGNAL: signals the agent; its exit status goes to $stop_rc.
stop_agent() {
	kill -"$1" "$agent_pid"
	wait "$agent_pid"
	stop_rc=$?
	agent_pid=
}

xdp_name() { # the XDP program name on an interface, "" if none
	ip -d link show dev "$1" | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p'
}
xdp_kind() { # xdp (native) / xdpgeneric / none
	ip link show dev "$1" | grep -oE '\b(xdpgeneric|xdp)\b' | head -1 || true
}
tc_ours() { # our filter on the ingress hook?
	tc filter show dev "$1" ingress 2>/dev/null | grep -q "handle 0x7853"
}
has_clsact() {
	tc qdisc show dev "$1" | grep -q clsact
}
nothing_left() { # no XDP, no clsact on any port
	for p in "$@"; do
		[ -z "$(xdp_name "$p")" ] && ! has_clsact "$p" || return 1
	done
}

scripts/topo.sh create "$P" 4 || { echo "not ok 1 - topology"; exit 1; }
P1=$P-p1 P2=$P-p2 P3=$P-p3 P4=$P-p4

# --- start-up with two ports, libxdp, native ------------------------------------
check "agent starts with two ports" start_agent "$P1" "$P2=7"
show=$("$XS" show --bridge "$BR")
check_eq "show: header" "bridge $BR: datapath object, 2 ports" "$(echo "$show" | head -1)"
check "show: port 1 native via libxdp" grep -q "^ 1($P1): ifindex [0-9]*, xdp native (libxdp), tc ingress, tx " <<<"$show"
check "show: port 7 as asked" grep -q "^ 7($P2): ifindex [0-9]*, xdp native (libxdp), tc ingress" <<<"$show"
check_eq "XDP program on $P1" "xs_test_pass" "$(xdp_name "$P1")"
check_eq "native mode on $P2" "xdp" "$(xdp_kind "$P2")"
check "TC ingress filter on $P1" tc_ours "$P1"
check "socket is mode 0600" test "$(stat -c %a "$XS_RUN_DIR/$BR.sock")" = 600

# --- run time attach and detach --------------------------------------------------
check "attach $P3 at run time" "$XS" attach --bridge "$BR" "$P3"
check "show: $P3 took the lowest free number (2)" grep -q "^ 2($P3):" <<<"$("$XS" show --bridge "$BR")"
check_eq "XDP program on $P3" "xs_test_pass" "$(xdp_name "$P3")"
check "detach $P1" "$XS" detach --bridge "$BR" "$P1"
check "detached $P1 has no XDP and no clsact" nothing_left "$P1"
check "show: $P1 gone" test -z "$("$XS" show --bridge "$BR" | grep "($P1)")"
out=$("$XS" detach --bridge "$BR" "$P1" 2>&1); rc=$?
check_eq "detach of a non-port fails" "1:detach: '$P1' is not a port of bridge $BR" "$rc:$out"

# --- foreign program: refused, then replaced with --force ------------------------
ip link set dev "$P4" xdpgeneric obj "$FOREIGN" sec xdp 2>/dev/null
check_eq "foreign program in place" "xs_foreign" "$(xdp_name "$P4")"
out=$("$XS" attach --bridge "$BR" "$P4" 2>&1); rc=$?
check_eq "attach refuses a foreign program" "1" "$rc"
check "the refusal names the program and --force" grep -q "'$P4' already has XDP program 'xs_foreign' (id [0-9]*); --force replaces it" <<<"$out"
check_eq "foreign program untouched" "xs_foreign" "$(xdp_name "$P4")"
check "attach --force replaces it" "$XS" attach --bridge "$BR" "$P4" --force
check_eq "our program on $P4" "xs_test_pass" "$(xdp_name "$P4")"
check "the log says what was replaced" grep -q "$P4: replaced XDP program 'xs_foreign'" "$LOG"

# --- SIGTERM: everything detached, socket removed --------------------------------
stop_agent TERM
check_eq "SIGTERM: exit status 0" 0 "$stop_rc"
check "nothing left on any port" nothing_left "$P1" "$P2" "$P3" "$P4"
check "socket removed" test ! -e "$XS_RUN_DIR/$BR.sock"
check "the log says stopped" grep -q "SIGTERM received, stopping" "$LOG"

# --- foreign program at start-up -------------------------------------------------
ip link set dev "$P2" xdpgeneric obj "$FOREIGN" sec xdp 2>/dev/null
timeout 10 "$XS" agent --bridge "$BR" --datapath-object "$OBJ" "$P1" "$P2" 2>"$LOG"; rc=$?
check_eq "start-up with a foreign program fails" 1 "$rc"
check "the error names the port" grep -q "'$P2' already has XDP program 'xs_foreign'" "$LOG"
check "the port attached before it was undone" nothing_left "$P1"
check_eq "foreign program still there" "xs_foreign" "$(xdp_name "$P2")"
check "no socket left" test ! -e "$XS_RUN_DIR/$BR.sock"
check "start-up with --force" start_agent --force "$P2"
check_eq "our program replaced it" "xs_test_pass" "$(xdp_name "$P2")"
stop_agent INT
check_eq "SIGINT: exit status 0" 0 "$stop_rc"
check "nothing left after SIGINT" nothing_left "$P2"

# --- plain bpf_xdp_attach, SKB mode ----------------------------------------------
check "agent with --no-libxdp --mode skb" start_agent --no-libxdp --mode skb "$P1"
check "show: skb (plain)" grep -q "^ 1($P1): ifindex [0-9]*, xdp skb (plain), tc ingress" <<<"$("$XS" show --bridge "$BR")"
check_eq "generic mode on $P1" "xdpgeneric" "$(xdp_kind "$P1")"
stop_agent TERM
check_eq "SIGTERM: exit status 0" 0 "$stop_rc"
check "nothing left after plain attach and SIGTERM" nothing_left "$P1"

# --- tx probe: a veth whose peer has GRO accepts redirects -----------------------
ip netns exec "$P-h3" ethtool -K eth0 gro on >/dev/null
ip netns exec "$P-h4" ethtool -K eth0 gro off >/dev/null
check "agent for the tx probe" start_agent "$P3" "$P4"
show=$("$XS" show --bridge "$BR")
check "peer with GRO: tx xdp" grep -q "($P3):.* tx xdp (xdp-features has ndo-xmit)" <<<"$show"
check "peer without GRO or XDP: tx tc" grep -q "($P4):.* tx tc (xdp-features lacks ndo-xmit)" <<<"$show"
ip netns exec "$P-h4" ethtool -K eth0 gro on >/dev/null
sleep 1.5 # the agent re-probes once a second
check "re-probed after the peer changed" grep -q "($P4):.* tx xdp" <<<"$("$XS" show --bridge "$BR")"
check "the change is logged" grep -q "$P4: now ifindex [0-9]*, .*, tx xdp" "$LOG"
stop_agent TERM
check_eq "stop" 0 "$stop_rc"

# --- one interface, two bridges -----------------------------------------------------
check "agent of bridge $BR on $P1" start_agent "$P1"
run_b() { timeout 10 "$XS" agent --bridge "$P-b" --datapath-object "$OBJ" "$@" 2>"$LOG.b"; }
run_b "$P1"; rc=$?
check_eq "a second bridge may not take the port" 1 "$rc"
check "the refusal names the other bridge" grep -q "'$P1' already runs an xdpswitch program (id [0-9]*), maybe as a port of bridge $BR; --force takes it" "$LOG.b"
"$XS" agent --bridge "$P-b" --datapath-object "$OBJ" --force "$P1" 2>"$LOG.b" &
second_pid=$!
for _ in $(seq 50); do [ -S "$XS_RUN_DIR/$P-b.sock" ] && break; sleep 0.1; done
check "with --force it does" test -S "$XS_RUN_DIR/$P-b.sock"
id_b=$(ip -d link show dev "$P1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
stop_agent TERM # the first agent: must leave the second one's program alone
check_eq "first agent stops" 0 "$stop_rc"
check_eq "the second bridge's program stays" "$id_b" "$(ip -d link show dev "$P1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')"
agent_pid=$second_pid
stop_agent TERM
check_eq "second agent stops" 0 "$stop_rc"
check_eq "no XDP program left" "" "$(xdp_name "$P1")"
check "no TC filter of ours left" sh -c "! tc filter show dev $P1 ingress | grep -q 0x7853"
# The first agent created the clsact qdisc but lost its filter to the
# second, so neither removes the (now empty) qdisc: clear it by hand.
tc qdisc del dev "$P1" clsact 2>/dev/null

# --- the switch's own datapath: programs attached, misses reach the agent ----------
BR=$P-dp
PIN=/sys/fs/bpf/xdpswitch/$BR
"$XS" agent --bridge "$BR" "$P1" "$P2" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 50); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.1; done
check "agent with the xdpswitch datapath" test -S "$XS_RUN_DIR/$BR.sock"
check_eq "its XDP program on $P1" "xs_xdp" "$(xdp_name "$P1")"
check "its TC program on $P2" tc_ours "$P2"
check "maps pinned under $PIN" test -e "$PIN/xs_megaflows" -a -e "$PIN/xs_tx_ports"
ip netns exec "$P-h1" ping -c 3 -i 0.2 -W 1 10.0.0.2 >/dev/null 2>&1 # no flows: misses, drops
sleep 0.5
show=$("$XS" show --bridge "$BR")
miss=$(sed -n 's/.* miss=\([0-9]*\) .*/\1/p' <<<"$show")
seen=$(sed -n 's/^agent: upcalls \([0-9]*\),.*/\1/p' <<<"$show")
rx=$(sed -n 's/.* rx=\([0-9]*\) .*/\1/p' <<<"$show")
dropped=$(sed -n 's/.* action_drop=\([0-9]*\) .*/\1/p' <<<"$show")
check "misses counted by the fast path" test "${miss:-0}" -ge 1
check_eq "every miss reached the agent" "$miss" "$seen"
# no flows: the table miss drops, a missed packet when it is re-injected
check_eq "every packet received was dropped (${rx:-0})" "${rx:-0}" "${dropped:-0}"
stop_agent TERM
check_eq "stop" 0 "$stop_rc"
# a stop leaves the fast path forwarding (agent.h); --cleanup removes it
check_eq "after the stop its XDP program stays on $P1" "xs_xdp" "$(xdp_name "$P1")"
check "cleanup" "$XS" agent --cleanup --bridge "$BR"
check "nothing left on the ports" nothing_left "$P1" "$P2"
check "pinned maps removed" test ! -e "$PIN"

tap_done
