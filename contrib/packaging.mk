# Debian packages and the review series (doc/consuming.md, doc/support.md).
# Included by the top-level Makefile; every target works from the repo root.
# What each target does: doc/targets.md ('make help' prints it).

.PHONY: debian12 debian13 debs dkms-debian12 dkms-debian13 autopkgtest autopkgtest-debian12 autopkgtest-debian13 \
	autopkgtest-vm autopkgtest-vm-debian12 autopkgtest-vm-debian13 review-series

# The .changes file of each flavor's package as debian12/debian13 name it
# (<pinned Debian version>+dcofork<release>): the file the autopkgtest
# targets need; they build it first only when it is not there.
# PKG_DIR has one default, contrib/lib.sh's (under BUILD_DIR)
PKG_DIR ?= $(shell bash -c '. contrib/lib.sh && printf %s "$$PKG_DIR"')
PKG_ARCH := $(shell dpkg --print-architecture)
FORK_RELEASE := $(shell awk '$$1 == "release" { print $$2 }' debian-fork/release)
pkg_changes = $(PKG_DIR)/$(1)/openvpn_$(shell awk -v f=$(1) '$$1 == "version" && $$2 == f { print $$3 }' sources.lock)+dcofork$(FORK_RELEASE)_$(PKG_ARCH).changes
DEBIAN12_CHANGES := $(call pkg_changes,debian12)
DEBIAN13_CHANGES := $(call pkg_changes,debian13)

$(DEBIAN12_CHANGES):
	$(CONTRIB)/debian-package debian12 build

$(DEBIAN13_CHANGES):
	$(CONTRIB)/debian-package debian13 build

debian12: fetch
	$(CONTRIB)/debian-package debian12 build

debian13: fetch
	$(CONTRIB)/debian-package debian13 build

debs: debian12 debian13

# Debian 12's openvpn-dco-dkms with Debian 13's fix for #1140548
# (contrib/dkms-package, doc/support.md)
dkms-debian12: fetch
	$(CONTRIB)/dkms-package debian12

# Debian 13's openvpn-dco-dkms with the fork's patch for the WARNING in
# iptunnel_xmit_stats() on Linux 6.12 (ovpn-dco issue 99;
# debian-fork/dkms/debian13/, doc/ovpn-dco-debian13.md)
dkms-debian13: fetch
	$(CONTRIB)/dkms-package debian13

# Runs against what debian12/debian13 left in build/debian-pkg/; builds first
# only when the package of this release is not there.
autopkgtest: autopkgtest-debian12 autopkgtest-debian13

autopkgtest-debian12: | $(DEBIAN12_CHANGES)
	$(CONTRIB)/debian-package debian12 autopkgtest

autopkgtest-debian13: | $(DEBIAN13_CHANGES)
	$(CONTRIB)/debian-package debian13 autopkgtest

# The tests that need a whole machine (server-setup-with-ca,
# server-setup-with-static-key) against the packages built last (built
# first only when there are none), each flavor in a freshly booted guest of
# its own release (tests/vm/: Debian 13's or Debian 12's kernel and
# ovpn-dco).  VM_NS/VM_TAP/VM_RUN pick the guest instance.
autopkgtest-vm: autopkgtest-vm-debian12 autopkgtest-vm-debian13

autopkgtest-vm-debian12: | $(DEBIAN12_CHANGES)
	$(CONTRIB)/debian-package debian12 autopkgtest-vm

autopkgtest-vm-debian13: | $(DEBIAN13_CHANGES)
	$(CONTRIB)/debian-package debian13 autopkgtest-vm

review-series: fetch
	$(CONTRIB)/review-series
