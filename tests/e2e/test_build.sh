#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The build honours CC, CFLAGS, CPPFLAGS and LDFLAGS (and defaults CC to
# gcc, which `CC ?= gcc` could not: make predefines CC), and a missing or
# too old library stops it with one line naming the library, the version
# needed and the package (pkg-config). Dry runs (make -n) in a scratch
# build directory: nothing is compiled.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dry() { make --no-print-directory -n V=1 O="$tmp/build" "$@" 2>&1; }

out=$(dry "$tmp/build/agent/main.o")
check "CC defaults to gcc" grep -qE "^gcc .*-c agent/main.c" <<<"$out"
out=$(dry CC=xs-test-cc CPPFLAGS=-DXS_CPP_MARK CFLAGS="-O1 -DXS_CF_MARK" \
	LDFLAGS=-Wl,-z,xs-ld-mark "$tmp/build/xdpswitch")
check "CC is honoured" grep -qE "^xs-test-cc .*-c agent/main.c" <<<"$out"
check "CPPFLAGS and CFLAGS are honoured" grep -qE "^xs-test-cc -DXS_CPP_MARK -O1 -DXS_CF_MARK .*-c agent/main.c" <<<"$out"
check "LDFLAGS are honoured at the link" grep -qE "^xs-test-cc .*-Wl,-z,xs-ld-mark -o $tmp/build/xdpswitch " <<<"$out"
check "libraries come from pkg-config" grep -qE -- "-o $tmp/build/xdpswitch .*-lbpf -lxdp -lmnl" <<<"$out"

# A pkg-config that knows libbpf only as 0.8.0, and no libmnl.
cat >"$tmp/pkg-config" <<'SH'
#!/bin/sh
case "$*" in
--exists*libmnl*) exit 1 ;;
--atleast-version=*libbpf) exit 1 ;;
--modversion*libbpf) echo 0.8.0; exit 0 ;;
esac
exec pkg-config "$@"
SH
chmod +x "$tmp/pkg-config"
out=$(dry PKG_CONFIG="$tmp/pkg-config" "$tmp/build/agent/main.o")
check "a too old libbpf is named with the version needed" \
	grep -q "libbpf 0.8.0 is too old: xdpswitch needs libbpf >= 1.0 (package libbpf-dev)" <<<"$out"
sed -i 's/^--atleast-version=\*libbpf) exit 1 ;;$//' "$tmp/pkg-config"
out=$(dry PKG_CONFIG="$tmp/pkg-config" "$tmp/build/agent/main.o")
check "a missing library is named with its package" \
	grep -q "libmnl not found by pkg-config: install libmnl-dev" <<<"$out"
out=$(dry PKG_CONFIG="$tmp/no-such-pkg-config" "$tmp/build/agent/main.o")
check "no pkg-config at all is said so" grep -q "no-such-pkg-config not found: install pkg-config" <<<"$out"
out=$(dry PKG_CONFIG="$tmp/no-such-pkg-config" clean)
check "make clean needs no pkg-config" bash -c "! grep -q 'not found' <<<'$out'"
tap_done
