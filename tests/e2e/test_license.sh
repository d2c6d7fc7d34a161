#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every source file names its license in an SPDX line at its top, and the
# expression is the one its folder takes (LICENSE explains the split):
# BPF programs (bpf/, *.bpf.c) and the headers they share (include/)
# "GPL-2.0-only OR BSD-2-Clause"; everything else "Apache-2.0". BPF
# objects must declare the GPL-compatible license string "Dual BSD/GPL".
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

BPF_SPDX="GPL-2.0-only OR BSD-2-Clause"
USER_SPDX="Apache-2.0"

# The files that must carry a line: code, scripts, build files, man pages,
# units, configuration examples and completions.
is_source() {
	case "$1" in
	*.c | *.h | *.sh | *.py | *.bash | *.service | *.service.in | *.conf | *.[1-8] | \
		Makefile | */Makefile | *.mk | .ci/run | scripts/completion/*) return 0 ;;
	esac
	return 1
}

# want=...: the SPDX line a file must start with (builtins only: the test
# reads a few hundred files).
set_want() {
	local expr=$USER_SPDX
	case "$1" in *.bpf.c | bpf/* | include/*) expr=$BPF_SPDX ;; esac
	case "$1" in
	*.c | *.h) want="// SPDX-License-Identifier: $expr" ;;
	*.[1-8]) want=".\\\" SPDX-License-Identifier: $expr" ;;
	*) want="# SPDX-License-Identifier: $expr" ;;
	esac
}

# check_files DIR FILE...: prints "FILE: what is wrong" for each bad file.
# The line must be the first one, or the second after a #! line.
check_files() {
	local dir=$1 f first second
	shift
	for f in "$@"; do
		is_source "$f" || continue
		[ -f "$dir/$f" ] || continue
		set_want "$f"
		first= second=
		{ IFS= read -r first; IFS= read -r second; } <"$dir/$f"
		if [ "$first" = "$want" ] || { [ "${first:0:2}" = "#!" ] && [ "$second" = "$want" ]; }; then
			continue
		fi
		if grep -q "SPDX-License-Identifier" "$dir/$f"; then
			echo "$f: SPDX line not '$want' at the top: $(grep -m1 -n SPDX-License-Identifier "$dir/$f")"
		else
			echo "$f: no SPDX line (want '$want')"
		fi
	done
}

# Tracked files plus new ones not yet committed (not the ignored build).
if git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard)
else
	mapfile -t files < <(find . -path ./build -prune -o -type f -print | sed 's|^\./||')
fi
n_checked=0
for f in "${files[@]}"; do is_source "$f" && [ -f "$f" ] && n_checked=$((n_checked + 1)); done
check "more than 200 source files found ($n_checked)" test "$n_checked" -gt 200

bad=$(check_files . "${files[@]}")
check_eq "every source file has its folder's SPDX line" "" "$bad"

# Each BPF program's license string is GPL-compatible.
for f in "${files[@]}"; do
	case "$f" in *.bpf.c) ;; *) continue ;; esac
	grep -q 'SEC("license")' "$f" || continue
	check "$f: license string Dual BSD/GPL" grep -q 'SEC("license") = "Dual BSD/GPL"' "$f"
done

check "LICENSE holds the Apache-2.0 text" grep -q "Apache License" LICENSE
check "LICENSE holds the GPL-2.0 text" grep -q "GNU GENERAL PUBLIC LICENSE" LICENSE
check "LICENSE holds the BSD-2-Clause text" grep -q "Redistributions in binary form must reproduce" LICENSE
check "README says why" grep -q "## License" README.md

# The checker itself finds what is wrong (a test that cannot fail is none).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/agent" "$tmp/bpf" "$tmp/include/x" "$tmp/scripts" "$tmp/tests/bpf"
printf '// SPDX-License-Identifier: Apache-2.0\nint x;\n' >"$tmp/agent/good.c"
printf 'int x;\n' >"$tmp/agent/none.c"
printf '// SPDX-License-Identifier: Apache-2.0\n' >"$tmp/bpf/wrong.h"
printf '// SPDX-License-Identifier: Apache-2.0\n' >"$tmp/tests/bpf/prog.bpf.c"
printf '// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause\n' >"$tmp/include/x/ok.h"
printf '#!/bin/sh\n# SPDX-License-Identifier: Apache-2.0\n' >"$tmp/scripts/ok.sh"
printf '#!/bin/sh\necho\n# SPDX-License-Identifier: Apache-2.0\n' >"$tmp/scripts/late.sh"
out=$(cd "$tmp" && check_files . agent/good.c agent/none.c bpf/wrong.h tests/bpf/prog.bpf.c \
	include/x/ok.h scripts/ok.sh scripts/late.sh)
check_eq "checker: four bad files named" 4 "$(grep -c . <<<"$out")"
check "checker: a missing line" grep -q "^agent/none.c: no SPDX line" <<<"$out"
check "checker: Apache-2.0 in bpf/" grep -q "^bpf/wrong.h: SPDX line not" <<<"$out"
check "checker: Apache-2.0 on a .bpf.c in tests/" grep -q "^tests/bpf/prog.bpf.c:" <<<"$out"
check "checker: a line not at the top" grep -q "^scripts/late.sh:" <<<"$out"
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
tap_done
