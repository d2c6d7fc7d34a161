# SPDX-License-Identifier: Apache-2.0
# xdpswitch build. Out-of-tree in build/ (make O=dir to change).
#   make          programs, skeletons, libraries, the xdpswitch binary, tests
#   make test     installs missing dependencies, builds, runs every test layer
#   make fuzz     builds the libFuzzer targets and runs each for FUZZ_SECONDS
#   make install  the binary, man page, systemd unit, bash completion and
#                 examples under DESTDIR/PREFIX (default /usr/local); make uninstall
#   make bench    benchmarks (see tests/bench)
#   make demo     namespaces + veths + agent + ping (see scripts/demo.sh)
# V=1 prints the commands. CC, CFLAGS, CPPFLAGS, LDFLAGS are honoured.

O ?= build
# `CC ?= gcc` would do nothing: make predefines CC (as cc).
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# BPF objects are intermediates of the skeletons, but tools (progcost --obj,
# the agent's --datapath-object) load them: keep them.
.SECONDARY:
.SUFFIXES:

CFLAGS ?= -O2 -g
XS_CFLAGS := $(CPPFLAGS) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
	-Iinclude -I. -I$(O)/bpf -D_GNU_SOURCE -MMD -MP
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
	-Iinclude -I. -I/usr/include/$(ARCH)-linux-gnu -MMD -MP
LIBS := -lbpf -lxdp -lelf -lz -lmnl -lpthread
TEST_LIBS := -lcmocka
include mk/deps.mk

# --- sources (found by folder, so a new file needs no Makefile edit) ---------
BPF_SRCS := $(wildcard bpf/*.bpf.c) $(wildcard tests/bpf/*.bpf.c) $(wildcard tests/bench/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(O)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst %.bpf.c,$(O)/bpf/%.skel.h,$(notdir $(BPF_SRCS)))

COMMON_SRCS := $(wildcard common/*.c)
AGENT_SRCS := $(filter-out agent/main.c,$(shell find agent -name '*.c' 2>/dev/null))
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(COMMON_SRCS) $(AGENT_SRCS))
LIB := $(O)/libxdpswitch.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BPFTEST_SRCS := $(wildcard tests/bpf/test_*.c)
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(patsubst %.c,$(O)/%.o,$(TESTLIB_SRCS))
TEST_BINS := $(patsubst %.c,$(O)/%,$(UNIT_SRCS) $(BPFTEST_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst %.c,$(O)/%,$(filter-out %.bpf.c,$(BENCH_SRCS)))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

BIN := $(O)/xdpswitch

.PHONY: all test fuzz bench demo clean deps install uninstall
all: $(BIN) $(TEST_BINS) $(BENCH_BINS)

# --- BPF objects and skeletons ------------------------------------------------
$(O)/%.bpf.o: %.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(O)/bpf/%.skel.h: $(O)/tests/bench/%.bpf.o
	$(call msg,SKEL,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(O)/bpf/%.skel.h: $(O)/tests/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

# --- userspace -------------------------------------------------------------------
$(O)/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(O)/agent/main.o $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XS_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/tests/%: $(O)/tests/%.o $(TESTLIB_OBJS) $(LIB)
	$(call msg,LD,$@)
	$(Q)$(CC) $(XS_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS) -lm

# --- entry points -----------------------------------------------------------------
deps:
	$(Q)scripts/install-deps.sh

test:
	$(Q)scripts/install-deps.sh --check || scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) tests/run-all.sh

FUZZ_SECONDS ?= 60
fuzz:
	$(Q)scripts/install-deps.sh --check --fuzz || scripts/install-deps.sh --fuzz
	$(Q)O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

bench:
	$(Q)scripts/install-deps.sh --check --bench || scripts/install-deps.sh --bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) tests/bench/run.sh

demo:
	$(Q)scripts/install-deps.sh --check || scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) scripts/demo.sh

clean:
	rm -rf $(O)

include mk/install.mk

-include $(shell find $(O) -name '*.d' 2>/dev/null)
