#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the user sees when something is wrong: no agent running, a missing
# interface, not root, a second agent for the same bridge, a bad flow file,
# usage mistakes. Every case: a clear message and a non-zero exit status;
# also the control socket's mode and that the first agent keeps serving.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
OBJ=$B/tests/bpf/xdp_pass.bpf.o
for f in "$XS" "$OBJ"; do
	[ -e "$f" ] || { echo "not ok 1 - missing $f (run make)"; exit 1; }
done

P=xc$$
BR=$P
export XS_RUN_DIR
XS_RUN_DIR=$(mktemp -d /tmp/xse-run-XXXXXX)
chmod 0755 "$XS_RUN_DIR" # nobody may look in, as in /run/xdpswitch
LOG=$XS_RUN_DIR/agent.log
agent_pid=

cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	scripts/topo.sh destroy "$P" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}
trap cleanup EXIT

# run CMD...: sets $rc, $out (stdout) and $err (stderr). An agent that
# should have refused to start but did not is stopped after 10 s (rc 124).
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	if [ "$1" = as_nobody ]; then
		shift
		as_nobody timeout 10 "$@" >"$o" 2>"$e"
	else
		timeout 10 "$@" >"$o" 2>"$e"
	fi
	rc=$?
	out=$(cat "$o") err=$(grep -v '^lib\(bpf\|xdp\):' "$e")
	rm -f "$o" "$e"
}

as_nobody() {
	if command -v setpriv >/dev/null; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all -- "$@"
	else
		runuser -u nobody -- "$@"
	fi
}

scripts/topo.sh create "$P" 2 || { echo "not ok 1 - topology"; exit 1; }
P1=$P-p1 P2=$P-p2

# --- no agent -----------------------------------------------------------------
run "$XS" show --bridge "$BR"
check_eq "no agent: exit 1" 1 "$rc"
check_eq "no agent: message" \
	"xdpswitch show: no agent is running for bridge $BR (no socket at $XS_RUN_DIR/$BR.sock)" "$err"
run "$XS" add-flow --bridge "$BR" "actions=drop"
check_eq "no agent for add-flow: exit 1" 1 "$rc"
check "no agent for add-flow: message" grep -q "no agent is running for bridge $BR" <<<"$err"
: >"$XS_RUN_DIR/$BR.sock" # a stale file that is not a socket
run "$XS" show --bridge "$BR"
check_eq "stale socket file: exit 1" 1 "$rc"
check "stale socket file: message" grep -q "no agent is running for bridge $BR ($XS_RUN_DIR/$BR.sock refuses connections)" <<<"$err"
rm -f "$XS_RUN_DIR/$BR.sock"

# --- usage mistakes (exit 2, nothing sent) --------------------------------------
run "$XS" attach --bridge "$BR"
check_eq "attach without interface: exit 2" "2:usage: xdpswitch attach [--bridge NAME] IFACE[=OFPORT][,tag=VLAN][,trunks=LIST][,vlan_mode=MODE] [--force]" "$rc:$err"
run "$XS" show --bridge "$BR" extra
check_eq "show with an argument: exit 2" 2 "$rc"
run "$XS" show --bridge "../x"
check_eq "bad bridge name: exit 2" "2:xdpswitch show: bad bridge name '../x'" "$rc:$err"
run "$XS" agent --bridge "a b" "$P1"
check_eq "agent: bad bridge name: exit 2" "2:xdpswitch agent: bad bridge name 'a b' (1-15 of A-Z a-z 0-9 _ . -)" "$rc:$err"
run "$XS" agent --mode turbo "$P1"
check_eq "agent: bad --mode: exit 2" "2:xdpswitch agent: --mode must be native or skb, not 'turbo'" "$rc:$err"
run "$XS" agent --bogus
check_eq "agent: unknown option: exit 2" 2 "$rc"
run "$XS" add-flows --bridge "$BR" "$XS_RUN_DIR/no-such-file"
check_eq "add-flows: unreadable file: exit 1" \
	"1:xdpswitch add-flows: cannot read $XS_RUN_DIR/no-such-file: No such file or directory" "$rc:$err"

# --- agent start-up errors -------------------------------------------------------
run "$XS" agent --bridge "$BR" --datapath-object "$OBJ" "$P1" "$P-nope"
check_eq "missing interface: exit 1" 1 "$rc"
check "missing interface: message" grep -Fxq "xdpswitch[$BR]: no interface '$P-nope'" <<<"$err"
check "missing interface: the other port was undone" test -z "$(ip link show "$P1" | grep -o 'prog/xdp')"
check "missing interface: no socket left" test ! -e "$XS_RUN_DIR/$BR.sock"
run "$XS" agent --bridge "$BR" "$P1=0"
check_eq "bad port number: message" "1:xdpswitch[$BR]: '$P1=0', column $((${#P1} + 2)): OpenFlow port number must be 1..65279" "$rc:$err"
run "$XS" agent --bridge "$BR" "$P1=3" "$P2=3"
check_eq "duplicate port number: exit 1" 1 "$rc"
check "duplicate port number: message" grep -Fxq "xdpswitch[$BR]: OpenFlow port 3 is already '$P1'" <<<"$err"
check "duplicate port number: the first port was undone" test -z "$(ip link show "$P1" | grep -o 'prog/xdp')"
run "$XS" agent --bridge "$BR" --flows "$XS_RUN_DIR/missing.flows" "$P1"
check_eq "missing flow file: message" \
	"1:xdpswitch[$BR]: $XS_RUN_DIR/missing.flows: cannot open flow file: No such file or directory" "$rc:$err"
printf 'priority=1 actions=drop\n\nin_port=1,nw_src=10.0.0.300 actions=drop\n' >"$XS_RUN_DIR/bad.flows"
run "$XS" agent --bridge "$BR" --flows "$XS_RUN_DIR/bad.flows" "$P1"
check_eq "bad flow file: exit 1" 1 "$rc"
check "bad flow file: FILE:LINE:COL: message" grep -qE "^xdpswitch\[$BR\]: $XS_RUN_DIR/bad.flows:3:[0-9]+: .*10\.0\.0\.300" <<<"$err"
check "bad flow file: no socket left" test ! -e "$XS_RUN_DIR/$BR.sock"
run "$XS" agent --bridge "$BR" --datapath-object "$XS_RUN_DIR/none.o" "$P1"
check "missing datapath object: exit 1 and message" test "$rc" = 1 -a -n "$(grep "datapath object: cannot open $XS_RUN_DIR/none.o" <<<"$err")"

if id nobody >/dev/null 2>&1; then
	run as_nobody "$XS" agent --bridge "$BR" "$P1"
	check_eq "agent as nobody: exit 1" 1 "$rc"
	check "agent as nobody: says it needs root" grep -q "cannot use BPF (Operation not permitted): the agent needs root (CAP_BPF, CAP_NET_ADMIN)" <<<"$err"
else
	ok "# SKIP no user nobody"
	ok "# SKIP no user nobody"
fi

# --- a running agent ---------------------------------------------------------------
"$XS" agent --bridge "$BR" --datapath-object "$OBJ" "$P1" 2>"$LOG" &
agent_pid=$!
for _ in $(seq 50); do [ -S "$XS_RUN_DIR/$BR.sock" ] && break; sleep 0.1; done
check "agent running" test -S "$XS_RUN_DIR/$BR.sock"
check_eq "socket mode 0600, owned by root" "600 root" "$(stat -c '%a %U' "$XS_RUN_DIR/$BR.sock")"

run "$XS" agent --bridge "$BR" --datapath-object "$OBJ" "$P2"
check_eq "second agent on the bridge: refused" \
	"1:xdpswitch[$BR]: another agent (pid $agent_pid) is already running for bridge $BR" "$rc:$err"
check "second agent did not touch $P2" test -z "$(ip link show "$P2" | grep -o 'prog/xdp')"
run "$XS" show --bridge "$BR"
check "first agent still serves" grep -q "^ 1($P1):" <<<"$out"

if id nobody >/dev/null 2>&1; then
	run as_nobody "$XS" show --bridge "$BR"
	check_eq "CLI as nobody: permission denied" \
		"1:xdpswitch show: permission denied on $XS_RUN_DIR/$BR.sock (the agent's socket is for root)" "$rc:$err"
else
	ok "# SKIP no user nobody"
fi

run "$XS" attach --bridge "$BR" "$P-nope"
check_eq "attach of a missing interface" "1:attach: no interface '$P-nope'" "$rc:$err"
run "$XS" attach --bridge "$BR" "$P1"
check_eq "attach of a port twice" "1:attach: '$P1' is already port 1" "$rc:$err"
run "$XS" attach --bridge "$BR" "$P2=x"
check_eq "attach with a bad number" "1:attach: '$P2=x', column $((${#P2} + 2)): expected an OpenFlow port number after '='" "$rc:$err"
run "$XS" detach --bridge "$BR" "$P2"
check_eq "detach of a non-port" "1:detach: '$P2' is not a port of bridge $BR" "$rc:$err"

run "$XS" add-flows --bridge "$BR" "$XS_RUN_DIR/bad.flows"
check "add-flows of a bad file: exit 1, FILE:LINE:COL" test "$rc" = 1 -a -n "$(grep -E "^add-flows: $XS_RUN_DIR/bad.flows:3:[0-9]+: " <<<"$err")"
run "$XS" add-flow --bridge "$BR" "in_port=1 actions=output:"
check "add-flow of a bad flow: exit 1, column" test "$rc" = 1 -a -n "$(grep -E "^add-flow: column [0-9]+: " <<<"$err")"
run "$XS" add-flow --bridge "$BR" "in_port=1 actions=drop" "extra"
check_eq "add-flow with two flows: usage" 2 "$rc"
printf 'in_port=1 actions=drop\0\n' >"$XS_RUN_DIR/nul.flows"
run "$XS" add-flows --bridge "$BR" "$XS_RUN_DIR/nul.flows"
check_eq "flow file with a NUL byte" \
	"1:xdpswitch add-flows: cannot read $XS_RUN_DIR/nul.flows: it contains a NUL byte" "$rc:$err"

kill -TERM "$agent_pid"; wait "$agent_pid"; rc=$?; agent_pid=
check_eq "agent stops cleanly" 0 "$rc"
run "$XS" show --bridge "$BR"
check "after the stop: no agent" grep -q "no agent is running for bridge $BR" <<<"$err"

tap_done
