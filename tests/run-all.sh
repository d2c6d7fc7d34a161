#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test layer and prints one summary line, "N passed, M failed".
# Each test binary or script speaks TAP (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP,
# shell tests through tests/lib/tap.sh). A binary that dies without a plan
# counts as one failure. With CI=true a skipped test is a failure: tests that
# need root or BPF must run there. The unit tests run twice: as built, and
# under ASan + UBSan with every fuzz target's smoke run ($O/asan, built here).
set -u
O=${O:-build}
export CMOCKA_MESSAGE_OUTPUT=TAP
export XS_BUILD=$O
log_dir=$O/test-logs
mkdir -p "$log_dir"

pass=0 fail=0 skip=0
failed_names=()

run_one() { # name, command...
	local name=$1; shift
	local log=$log_dir/$(echo "$name" | tr '/' '_').log
	local t0=$SECONDS
	# A hung test must not hang the run: each one gets a time limit.
	timeout --kill-after=10 "${XS_TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1 </dev/null
	local rc=$?
	[ "$rc" = 124 ] && echo "not ok - timed out after ${XS_TEST_TIMEOUT:-600}s" >>"$log"
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# ?SKIP' "$log" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
	p=$((p - s))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1 # crashed or failed outside a test case
	fi
	if [ "${CI:-}" = true ] && [ "$s" != 0 ]; then
		f=$((f + s)); s=0
		echo "   (CI: skipped tests count as failures)"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	printf '%-40s %4d passed %3d failed %3d skipped  %3ds\n' "$name" "$p" "$f" "$s" $((SECONDS - t0))
	if [ "$f" != 0 ]; then
		failed_names+=("$name")
		grep -E '^not ok|^# ' "$log" | head -40 | sed 's/^/    /'
		[ "$rc" != 0 ] && tail -n 15 "$log" | sed 's/^/    | /'
	fi
}

echo "== unit tests"
for t in "$O"/tests/unit/test_*; do
	[ -x "$t" ] && run_one "unit/${t##*/}" "$t"
done
echo "== unit tests and fuzz smoke runs under ASan + UBSan ($O/asan)"
# The build is a step of its own: a failure to build is a failure here.
run_one "asan/build" make -s --no-print-directory O="$O" asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for s in tests/unit/test_*.c; do
	t=$O/asan/tests/unit/$(basename "${s%.c}")
	run_one "asan/unit/${t##*/}" "$t"
done
# Each fuzz target: its seeds and kept reproducers, then a few seconds of
# mutations (tests/fuzz/smoke.c); the long runs are `make fuzz`.
for s in tests/fuzz/fuzz_*.c; do
	n=$(basename "${s%.c}")
	SMOKE_SECONDS=${SMOKE_SECONDS:-3} run_one "fuzz-smoke/$n" "$O/asan/tests/fuzz/$n-smoke" "$n" \
		"tests/fuzz/seeds/$n" "tests/fuzz/crashes/$n"
done
unset ASAN_OPTIONS UBSAN_OPTIONS
echo "== BPF tests (BPF_PROG_TEST_RUN on the real objects)"
for t in "$O"/tests/bpf/test_*; do
	[ -x "$t" ] && run_one "bpf/${t##*/}" "$t"
done
echo "== end-to-end tests (network namespaces, veth)"
for t in tests/e2e/test_*.sh; do
	[ -x "$t" ] && run_one "e2e/${t##*/}" "$t"
done

echo
[ "${#failed_names[@]}" != 0 ] && echo "failed: ${failed_names[*]}  (logs in $log_dir)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
