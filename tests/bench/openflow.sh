#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OpenFlow 1.3 control plane, side by side: xdpswitch (agent --datapath
# dummy --listen punix:...) and a private Open vSwitch 3.1 (datapath_type
# dummy, its bridge's management socket), both userspace datapaths so the
# figures are the agents' own. openflow_bench.py measures each.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/ovs_env.sh
O=${O:-build}
XS=$(realpath "$O/xdpswitch")
T=$(mktemp -d /tmp/xs-ofbench-XXXXXX)
export XS_RUN_DIR=$T/run
mkdir "$XS_RUN_DIR"
agent_pid=
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid"; ovs_stop; rm -rf "$T"; }
trap cleanup EXIT

"$XS" agent --bridge ofb --datapath dummy --listen "punix:$T/xs.sock" --packet-in-rate 1000000 \
	a b 2>"$T/agent.log" </dev/null >/dev/null &
agent_pid=$!
for _ in $(seq 100); do [ -S "$T/xs.sock" ] && break; sleep 0.05; done
python3 tests/bench/openflow_bench.py "unix:$T/xs.sock" xdpswitch || exit 1
ovs_start "$T/ovs" br0 a b || { echo "Open vSwitch did not start"; exit 1; }
python3 tests/bench/openflow_bench.py "$OVS_MGMT" openvswitch || exit 1
