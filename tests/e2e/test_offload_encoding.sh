#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The agent's TC flower requests against iproute2's: for each megaflow of
# tests/unit/test_flower_nl.c the agent's request (built by the offload
# code) and the one `tc filter add ... flower ... action ...` sends for the
# same filter (captured with strace; tc sends it even though this kernel,
# without cls_flower, refuses it) are decoded by tests/lib/tc_nl_compare.py
# and compared attribute by attribute. A corrupted copy must differ.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespace)"
for c in strace tc python3; do
	command -v "$c" >/dev/null || skip_all "needs $c"
done
B=${XS_BUILD:-${O:-build}}
EMIT=$B/tests/unit/test_flower_nl
[ -x "$EMIT" ] || { echo "not ok 1 - missing $EMIT (run make)"; exit 1; }

NS=xsenc$$
D=$(mktemp -d /tmp/xsenc-XXXXXX)
trap 'ip netns del $NS 2>/dev/null; rm -rf "$D"' EXIT
ip netns add "$NS"
ip -n "$NS" link add va type veth peer name vb
ip netns exec "$NS" tc qdisc add dev va clsact
DEV=$(ip netns exec "$NS" cat /sys/class/net/va/ifindex)
OUT=$(ip netns exec "$NS" cat /sys/class/net/vb/ifindex)

XS_FLOWER_EMIT=$D XS_FLOWER_DEV=$DEV XS_FLOWER_OUT=$OUT "$EMIT" >"$D/emit.log" 2>&1
check "the agent's requests built" test "$(ls "$D"/*.bin 2>/dev/null | wc -l)" -ge 10

for f in "$D"/*.tc; do
	n=$(basename "$f" .tc)
	# shellcheck disable=SC2046
	ip netns exec "$NS" strace -f -e trace=sendmsg -e write=all -xx -o "$D/$n.strace" \
		tc filter $(sed 's/\bDEV\b/va/g; s/\bOUT\b/vb/g' "$f") >"$D/$n.tc.out" 2>&1
	res=$(python3 tests/lib/tc_nl_compare.py "$D/$n.bin" "$D/$n.strace" 2>&1)
	if [ $? = 0 ]; then
		ok "$n: same as tc's request ($res)"
	else
		not_ok "$n: differs from tc's request"
		sed 's/^/#   /' <<<"$res"
		echo "#   tc $(cat "$f")"
	fi
done
# the kernel's answer, here: no flower classifier
check "tc itself was refused by this kernel (no cls_flower)" \
	grep -q "classifier not found\|Error" "$D/tcp_redirect.tc.out"

# the decoder notices a one-byte change (the redirect's ifindex)
python3 - "$D/tcp_redirect.bin" "$D/bad.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-40] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
check "a corrupted request is reported as different" \
	sh -c "! python3 tests/lib/tc_nl_compare.py $D/bad.bin $D/tcp_redirect.strace >/dev/null"
tap_done
