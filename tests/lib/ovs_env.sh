# SPDX-License-Identifier: Apache-2.0
# A private Open vSwitch for differential tests: its own ovsdb-server and
# ovs-vswitchd (userspace, --enable-dummy=override) under a directory of
# the caller, so runs never touch a system OVS or each other.
#   ovs_start DIR BRIDGE PORT...   ports are type=dummy, ofport 1, 2, ...
#   ovs_stop                       (call from the caller's cleanup)
# After ovs_start: OVS_MGMT is the bridge's OpenFlow socket (unix:...).
ovs_start() {
	local d=$1 br=$2 i=1 args=()
	shift 2
	OVS_DIR=$d
	mkdir -p "$d"
	export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	ovsdb-server --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" --detach \
		--no-chdir --log-file="$d/ovsdb.log" "$d/conf.db" 2>/dev/null || return 1
	ovs-vsctl --db="unix:$d/db.sock" --no-wait init || return 1
	ovs-vswitchd "unix:$d/db.sock" --enable-dummy=override --pidfile="$d/ovs-vswitchd.pid" \
		--detach --no-chdir --log-file="$d/vswitchd.log" 2>/dev/null || return 1
	for p in "$@"; do
		args+=(-- add-port "$br" "$p" -- set interface "$p" type=dummy ofport_request=$i)
		i=$((i + 1))
	done
	ovs-vsctl --db="unix:$d/db.sock" -- add-br "$br" -- set bridge "$br" datapath_type=dummy \
		protocols=OpenFlow13 fail_mode=secure "${args[@]}" || return 1
	OVS_MGMT=unix:$d/$br.mgmt
	for _ in $(seq 100); do [ -S "$d/$br.mgmt" ] && return 0; sleep 0.05; done
	return 1
}

ovs_stop() {
	local f
	[ -n "${OVS_DIR:-}" ] || return 0
	for f in ovs-vswitchd ovsdb-server; do
		[ -f "$OVS_DIR/$f.pid" ] && kill "$(cat "$OVS_DIR/$f.pid")" 2>/dev/null
	done
	OVS_DIR=
}
