# SPDX-License-Identifier: Apache-2.0
# TAP helpers for shell tests: source it, call ok/not_ok/check, then tap_done.
# With CI=true, skip_all is a failure (tests needing root must run in CI).
_tap_n=0 _tap_fail=0
ok()     { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n - $*"; }
# check "description" command...: ok if the command succeeds
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# check_eq "description" expected actual
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   expected: $2"; echo "#   got:      $3"; fi
}
skip_all() {
	if [ "${CI:-}" = true ]; then echo "not ok 1 - cannot run in CI: $*"; exit 1; fi
	echo "1..0 # SKIP $*"; exit 0
}
tap_done() { echo "1..$_tap_n"; [ "$_tap_fail" = 0 ]; }
