#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# xdpswitch(8) renders without warnings, documents every command
# `xdpswitch help` lists (a .TP entry under COMMANDS whose tag is
# `.B name` or `.BI "name ..."`) and every option `xdpswitch agent --help`
# names (under AGENT OPTIONS).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
B=${XS_BUILD:-${O:-build}}
XS=${XS_BIN:-$B/xdpswitch}
PAGE=dist/xdpswitch.8
[ -x "$XS" ] || { echo "not ok 1 - missing $XS (run make)"; exit 1; }
command -v man >/dev/null || { echo "not ok 1 - man is missing (scripts/install-deps.sh installs man-db)"; exit 1; }

# render FILE: the warnings of man -l (groff -ww), empty when clean.
render_warnings() { LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null; }
# section FILE NAME: the source lines of one .SH section.
section() { awk -v s=".SH $2" '$0 == s || $0 == ".SH \"" substr(s, 5) "\"" {on=1; next} /^\.SH/ {on=0} on' "$1"; }
# roff spelling of a name: every - is \-
roff() { sed 's/-/\\\\-/g' <<<"$1"; }
# missing_commands FILE CMD...: the commands without an entry.
missing_commands() {
	local f=$1 c; shift
	local cmds; cmds=$(section "$f" COMMANDS)
	for c in "$@"; do
		grep -qE "^\.BI? \"?$(roff "$c")( |\"|$)" <<<"$cmds" || echo "$c"
	done
}
missing_options() {
	local f=$1 o; shift
	local opts; opts=$(section "$f" "AGENT OPTIONS")
	for o in "$@"; do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" <<<"$opts" || echo "$o"
	done
}

check_eq "man -l renders $PAGE without warnings" "" "$(render_warnings "$PAGE")"
mapfile -t cmds < <("$XS" help | awk '/^  [a-z]/ {print $1}')
check "xdpswitch help lists commands (${#cmds[@]})" test "${#cmds[@]}" -ge 15
check_eq "every command has an entry under COMMANDS" "" "$(missing_commands "$PAGE" "${cmds[@]}" help)"
mapfile -t opts < <("$XS" agent --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
check "xdpswitch agent --help names options (${#opts[@]})" test "${#opts[@]}" -ge 10
check_eq "every agent option is under AGENT OPTIONS" "" "$(missing_options "$PAGE" "${opts[@]}")"
for s in NAME SYNOPSIS DESCRIPTION "CONFIGURATION FILE" "FLOW SYNTAX" SIGNALS FILES "EXIT STATUS" EXAMPLES; do
	check "section $s" grep -qE "^\.SH \"?$s\"?$" "$PAGE"
done

# The checks find what is wrong.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^\.BI "dump\\-ports ' "$PAGE" >"$tmp/no-dump-ports.8"
check_eq "checker: a command without an entry" "dump-ports" \
	"$(missing_commands "$tmp/no-dump-ports.8" "${cmds[@]}")"
check_eq "checker: an option not documented" "--no-such-option" \
	"$(missing_options "$PAGE" --flows --no-such-option)"
{ cat "$PAGE"; echo ".XX undefined macro"; } >"$tmp/bad.8"
check "checker: man -l warns about a bad page" test -n "$(render_warnings "$tmp/bad.8")"
tap_done
