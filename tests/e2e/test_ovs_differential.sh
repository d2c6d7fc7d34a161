#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The flow language against Open vSwitch 3.1 (tests/diff/ovs_diff.py), on
# a private ovs-vswitchd with a dummy-datapath bridge: every field name's
# acceptance checked against ovs-ofctl; the OVN/Antrea/Neutron/Faucet-style
# pipelines of tests/diff/pipelines and random pipelines using issue 12's
# features loaded into it and into `xdpswitch trace`, packets traced
# through both. Required: no name or pipeline taken by one side only, 100%
# the same datapath actions (semantically), megaflows matching no more bits
# than Open vSwitch's for at least 95% of packets.
# A fixed seed and a few hundred packets here (seconds); the long mode
# (XS_OVS_DIFF_LONG=1, or `make bench`) runs 200 pipelines x 40 packets.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (ovs-vswitchd, even userspace-only, runs as root here)"
command -v ovs-vswitchd >/dev/null || {
	echo "not ok 1 - ovs-vswitchd is not installed (scripts/install-deps.sh)"; exit 1; }
B=${XS_BUILD:-${O:-build}}
[ -x "$B/xdpswitch" ] || { echo "not ok 1 - missing $B/xdpswitch (run make)"; exit 1; }
if [ "${XS_OVS_DIFF_LONG:-}" = 1 ]; then
	args=(--seed "${XS_OVS_DIFF_SEED:-$RANDOM}" --pipelines 200 --packets 40)
else
	args=(--seed 12 --pipelines 10 --packets 24)
fi
TMP=$(mktemp -d /tmp/xs-diff-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 tests/diff/ovs_diff.py --build "$B" "${args[@]}" --json "$TMP/r.json" >"$TMP/out" 2>&1
rc=$?
sed 's/^/# /' "$TMP/out"
[ -s "$TMP/r.json" ] || { echo "not ok 1 - differential test did not finish (exit $rc)"; exit 1; }
get() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$TMP/r.json" "$1"; }
check "pipelines loaded by both" test "$(get pipelines)" -gt 0
check_eq "no pipeline refused by one side only" 0 \
	"$(( $(get refused_ovs_only) + $(get refused_ours_only) ))"
check_eq "same datapath actions for every packet ($(get packets))" "$(get packets)" \
	"$(get same_actions)"
check "megaflows no wider than OVS's for >= 95% of packets ($(get mf_not_wider_pct)%)" \
	python3 -c "import sys; sys.exit(not float(sys.argv[1]) >= 95.0)" "$(get mf_not_wider_pct)"
check_eq "the script agrees" 0 "$rc"
tap_done
