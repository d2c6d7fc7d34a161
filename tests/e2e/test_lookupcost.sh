#!/usr/bin/env bash
# Smoke test of lookupcost (tests/bench): every case runs and ends with the
# verdict it measures (hit: XDP_TX, miss: XDP_DROP); bad options are refused.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
O=${XS_BUILD:-${O:-build}}
T=$O/tests/bench/lookupcost

[ "$(id -u)" = 0 ] || skip_all "needs root (BPF)"
[ -x "$T" ] || skip_all "$T is not built (run make)"

out=$("$T" --repeat 100 --rounds 1 --big 2000 2>&1)
rc=$?
check_eq "all cases ran with their verdicts" 0 "$rc"
check_eq "one line per case" \
	"reference microflow megaflow/1 megaflow/4 megaflow/8 megaflow/16 megaflow/64 megaflow/256 flows/1000 flows/2000 miss/8" \
	"$(echo "$out" | awk '{print $1}' | xargs)"
check "figures in ns with a ratio" test "$(echo "$out" | grep -cE '^[a-z/0-9]+ +[0-9]+ ns +[0-9.]+x$')" = 11

out=$("$T" --repeat 100 --rounds 1 --only megaflow/8 2>&1)
check_eq "--only: the reference and that case" "reference megaflow/8" \
	"$(echo "$out" | awk '{print $1}' | xargs)"

bad() { # description, expected stderr text, arguments...
	local d=$1 want=$2 err rc
	shift 2
	err=$("$T" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && echo "$err" | grep -qF -- "$want"; then ok "$d"; else
		not_ok "$d"; echo "#   rc $rc: $err"; fi
}
bad "--repeat 0 refused" "--repeat: '0' is not a number" --repeat 0
bad "--rounds 500 refused" "--rounds: '500' is not a number" --rounds 500
bad "--big x refused" "--big: 'x' is not a number" --big x
bad "--only with no such case refused" "--only: no case starts with 'nope'" --only nope
bad "unknown option refused" "unrecognized option" --bogus
bad "stray argument refused" "unexpected argument 'extra'" extra
tap_done
