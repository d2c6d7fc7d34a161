#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages xdpswitch needs to build and test.
#   --check   exit 0 if everything is there, 1 otherwise (installs nothing)
#   --bench   also what `make bench` compares against (gnuplot)
#   --fuzz    also the libFuzzer runtime `make fuzz` links (`make test` does
#             not need it)
set -euo pipefail

check=0 bench=0 fuzz=0
for a in "$@"; do
	case "$a" in
	--check) check=1 ;;
	--bench) bench=1 ;;
	--fuzz) fuzz=1 ;;
	*) echo "install-deps.sh: unknown option '$a'" >&2; exit 2 ;;
	esac
done

# package:file-that-proves-it-is-installed
pkgs=(
	clang:/usr/bin/clang
	# the verifier matrix (tests/bpf/test_verifier.c): every clang Debian
	# 12 offers builds the BPF object, with -mcpu=v2 and v3
	clang-13:/usr/bin/clang-13
	clang-15:/usr/bin/clang-15
	clang-16:/usr/bin/clang-16
	clang-19:/usr/bin/clang-19
	clang-22:/usr/bin/clang-22
	llvm:/usr/bin/llvm-strip
	gcc:/usr/bin/gcc
	make:/usr/bin/make
	libbpf-dev:/usr/include/bpf/libbpf.h
	libxdp-dev:/usr/include/xdp/libxdp.h
	bpftool:/usr/sbin/bpftool
	libelf-dev:/usr/include/libelf.h
	zlib1g-dev:/usr/include/zlib.h
	libmnl-dev:/usr/include/libmnl/libmnl.h
	libcmocka-dev:/usr/include/cmocka.h
	iproute2:/usr/sbin/ip
	iputils-ping:/usr/bin/ping
	ethtool:/usr/sbin/ethtool
	iperf3:/usr/bin/iperf3
	python3:/usr/bin/python3
	conntrack:/usr/sbin/conntrack
	openvswitch-switch:/usr/sbin/ovs-vswitchd
	strace:/usr/bin/strace
	pkg-config:/usr/bin/pkg-config
	man-db:/usr/bin/man
	systemd:/usr/bin/systemd-analyze
	# OpenFlow interop tests: ovs-ofctl and os-ken
	openvswitch-common:/usr/bin/ovs-ofctl
	python3-os-ken:/usr/bin/osken-manager
)
if [ "$fuzz" = 1 ]; then
	pkgs+=(libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a)
fi
if [ "$bench" = 1 ]; then
	pkgs+=(gnuplot-nox:/usr/bin/gnuplot)
fi

missing=()
for p in "${pkgs[@]}"; do
	[ -e "${p#*:}" ] || missing+=("${p%%:*}")
done

if [ "${#missing[@]}" = 0 ]; then
	exit 0
fi
if [ "$check" = 1 ]; then
	echo "install-deps.sh: missing: ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
