# SPDX-License-Identifier: Apache-2.0
# make install / uninstall. PREFIX (default /usr/local) places the files,
# DESTDIR stages them (packaging, tests). The agent's BPF programs are
# compiled into the binary (skeletons), so no BPF object is installed.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/xdpswitch
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
# The configuration lives in /etc even for a /usr/local install, where
# the unit looks for it.
SYSCONFDIR ?= /etc
INSTALL ?= install

INSTALLED := $(SBINDIR)/xdpswitch $(MANDIR)/man8/xdpswitch.8 \
	$(UNITDIR)/xdpswitch@.service $(BASHCOMPDIR)/xdpswitch \
	$(DOCDIR)/LICENSE $(DOCDIR)/examples/br0.conf $(DOCDIR)/examples/br0.flows

install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/xdpswitch
	$(Q)$(INSTALL) -D -m 0644 dist/xdpswitch.8 $(DESTDIR)$(MANDIR)/man8/xdpswitch.8
	@# the unit names the installed binary and configuration directory
	$(Q)$(INSTALL) -d -m 0755 $(DESTDIR)$(UNITDIR)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/xdpswitch@.service.in > $(DESTDIR)$(UNITDIR)/xdpswitch@.service
	$(Q)$(INSTALL) -D -m 0644 dist/xdpswitch.bash $(DESTDIR)$(BASHCOMPDIR)/xdpswitch
	$(Q)$(INSTALL) -D -m 0644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	$(Q)$(INSTALL) -D -m 0644 dist/br0.conf $(DESTDIR)$(DOCDIR)/examples/br0.conf
	$(Q)$(INSTALL) -D -m 0644 dist/br0.flows $(DESTDIR)$(DOCDIR)/examples/br0.flows
	$(Q)$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/xdpswitch

# Removes what install put there, and the directories it leaves empty
# (never a configuration file an operator wrote).
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/xdpswitch 2>/dev/null || true
