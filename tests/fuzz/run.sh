#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer binary (ASan + UBSan) and
# runs each for FUZZ_SECONDS; crash reproducers are kept under
# tests/fuzz/crashes/<target>/ and make the script exit non-zero.
#
#   O=build FUZZ_SECONDS=60 tests/fuzz/run.sh [target...]
#
# Seeds: tests/fuzz/seeds/<target>/ (copied into the working corpus
# $O/fuzz/corpus/<target>/, which grows across runs). The code under test is
# common/*.c, agent/ofp/*.c, agent/pipeline/*.c, agent/control/proto.c and
# the journal reader (agent/daemon/journal.c, durable.c; zlib), the OpenFlow
# codec (agent/openflow/: ofbuf, oxm, ofactions, flow_mod_decode, hello), compiled
# once into an archive so each target links only what it uses.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
out=$O/fuzz
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -std=gnu11 -Iinclude -I. -I$O/bpf -D_GNU_SOURCE $san"

mkdir -p "$out/obj" "$out/corpus" "$out/artifacts" || exit 1

# --- the code under test, as one archive ----------------------------------
srcs=()
for s in common/*.c agent/ofp/*.c agent/pipeline/*.c agent/control/proto.c \
	agent/daemon/journal.c agent/daemon/durable.c agent/openflow/ofbuf.c agent/openflow/oxm.c \
	agent/openflow/ofactions.c agent/openflow/flow_mod_decode.c agent/openflow/hello.c; do
	[ -f "$s" ] && srcs+=("$s")
done
objs=()
for s in "${srcs[@]}"; do
	o=$out/obj/$(echo "${s%.c}" | tr '/' '_').o
	if ! $CLANG $cflags -fsanitize=fuzzer-no-link -c "$s" -o "$o"; then
		echo "fuzz: cannot compile $s" >&2
		exit 1
	fi
	objs+=("$o")
done
rm -f "$out/libfuzzsrc.a"
ar rcs "$out/libfuzzsrc.a" "${objs[@]}" || exit 1

# --- targets ------------------------------------------------------------------
if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in tests/fuzz/fuzz_*.c; do
		[ -f "$f" ] && targets+=("$(basename "${f%.c}")")
	done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets"; exit 0; }

status=0
for t in "${targets[@]}"; do
	bin=$out/$t
	if ! $CLANG $cflags -fsanitize=fuzzer "tests/fuzz/$t.c" "$out/libfuzzsrc.a" -lz \
		-o "$bin"; then
		echo "fuzz: cannot build $t" >&2
		status=1
		continue
	fi
	corpus=$out/corpus/$t
	arts=$out/artifacts/$t/
	mkdir -p "$corpus" "$arts"
	[ -d "tests/fuzz/seeds/$t" ] && cp -n tests/fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null
	# Old reproducers first: they must not crash any more.
	if [ -d "tests/fuzz/crashes/$t" ] && ls tests/fuzz/crashes/"$t"/* >/dev/null 2>&1; then
		if ! "$bin" tests/fuzz/crashes/"$t"/* >"$out/$t.replay.log" 2>&1; then
			echo "fuzz: $t: a kept reproducer still crashes (see $out/$t.replay.log)"
			status=1
		fi
	fi
	start=$SECONDS
	"$bin" "$corpus" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$arts" -print_final_stats=1 >"$out/$t.log" 2>&1
	rc=$?
	runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out/$t.log" | grep -oE '[0-9]+$')
	found=$(ls "$arts" 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' || true)
	if [ "$rc" != 0 ] || [ -n "$found" ]; then
		mkdir -p "tests/fuzz/crashes/$t"
		for a in $found; do
			mv "$arts/$a" "tests/fuzz/crashes/$t/$a"
		done
		echo "fuzz: $t FAILED after $((SECONDS - start))s (rc $rc); reproducers in" \
		     "tests/fuzz/crashes/$t/, log $out/$t.log"
		grep -E 'ERROR|SUMMARY|fixed point|runtime error' "$out/$t.log" | head -5 | sed 's/^/    /'
		status=1
	else
		echo "fuzz: $t ok: ${runs:-?} runs in $((SECONDS - start))s," \
		     "corpus $(ls "$corpus" | wc -l) inputs"
	fi
done
exit $status
