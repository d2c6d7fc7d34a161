# SPDX-License-Identifier: Apache-2.0
# Common set-up of the switch's end-to-end tests; source it after tap.sh.
#   switch_env PREFIX  needs root, the built binary and python3; sets the
#                      topology prefix P and bridge BR (PREFIX + pid), a
#                      private run dir T (= XS_RUN_DIR, exported) with
#                      LOG=$T/agent.log, and cleans up on exit: background
#                      pids in bg_pids, the agent in agent_pid (stopped with
#                      SIGTERM, or $AGENT_STOP_SIGNAL), what a stop left
#                      running (agent --cleanup), the topology, the run dir.
#   h K CMD...         runs CMD in host K's namespace
#   pings K ARGS...    pings from host K quietly; the status says if answered

switch_env() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, XDP)"
	B=${XS_BUILD:-${O:-build}}
	XS=${XS_BIN:-$B/xdpswitch}
	[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }
	command -v python3 >/dev/null || skip_all "needs python3"

	P=$1$$ BR=$1$$
	export XS_RUN_DIR
	XS_RUN_DIR=$(mktemp -d "/tmp/$1-run-XXXXXX")
	T=$XS_RUN_DIR
	LOG=$T/agent.log
	agent_pid=
	bg_pids=()
	trap switch_env_cleanup EXIT
	trap 'exit 1' INT TERM
}

switch_env_cleanup() {
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$agent_pid" ] && kill -"${AGENT_STOP_SIGNAL:-TERM}" "$agent_pid" 2>/dev/null &&
		wait "$agent_pid" 2>/dev/null
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	scripts/topo.sh destroy "$P" 2>/dev/null
	rm -rf "$XS_RUN_DIR"
}

h() { local k=$1; shift; ip netns exec "$P-h$k" "$@"; }
pings() { local k=$1; shift; h "$k" ping -q "$@" >/dev/null 2>&1; }
