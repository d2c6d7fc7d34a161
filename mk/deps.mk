# SPDX-License-Identifier: Apache-2.0
# Library versions, from pkg-config, checked before anything is compiled:
# a missing or too old library stops the build with one clear line instead
# of a compiler error about a missing function; compiler and linker flags
# come from pkg-config too. Goals that compile nothing themselves (clean,
# uninstall, and test/demo/bench/fuzz, which install the dependencies first
# and then run make again) skip the check; `make install` alone does not
# need cmocka (the tests' library).
#   module:minimum version:Debian package
XS_DEPS := libbpf:1.0:libbpf-dev libxdp:1.2:libxdp-dev libmnl:1.0:libmnl-dev \
	libelf:0.176:libelf-dev zlib:1.2:zlib1g-dev
XS_TEST_DEPS := cmocka:1.1:libcmocka-dev
PKG_CONFIG ?= pkg-config

XS_NO_DEP_CHECK_GOALS := clean uninstall deps test demo bench fuzz
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(XS_NO_DEP_CHECK_GOALS),$(MAKECMDGOALS)),all),)
ifeq ($(shell command -v $(PKG_CONFIG)),)
$(error $(PKG_CONFIG) not found: install pkg-config (scripts/install-deps.sh))
endif
ifneq ($(filter-out install,$(MAKECMDGOALS)),)
XS_DEPS += $(XS_TEST_DEPS)
else ifeq ($(MAKECMDGOALS),)
XS_DEPS += $(XS_TEST_DEPS)
endif
xs_dep_field = $(word $(2),$(subst :, ,$(1)))
define xs_check_dep
ifneq ($$(shell $(PKG_CONFIG) --exists $(call xs_dep_field,$(1),1) && echo yes),yes)
$$(error $(call xs_dep_field,$(1),1) not found by pkg-config: install $(call xs_dep_field,$(1),3) (scripts/install-deps.sh))
endif
ifneq ($$(shell $(PKG_CONFIG) --atleast-version=$(call xs_dep_field,$(1),2) $(call xs_dep_field,$(1),1) && echo yes),yes)
$$(error $(call xs_dep_field,$(1),1) $$(shell $(PKG_CONFIG) --modversion $(call xs_dep_field,$(1),1)) is too old: xdpswitch needs $(call xs_dep_field,$(1),1) >= $(call xs_dep_field,$(1),2) (package $(call xs_dep_field,$(1),3)))
endif
endef
$(foreach d,$(XS_DEPS),$(eval $(call xs_check_dep,$(d))))
XS_CFLAGS += $(shell $(PKG_CONFIG) --cflags libbpf libxdp libmnl libelf zlib)
LIBS := $(shell $(PKG_CONFIG) --libs libbpf libxdp libmnl libelf zlib) -lpthread
ifneq ($(filter $(XS_TEST_DEPS),$(XS_DEPS)),)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)
endif
endif
