# Debian packages and the review series (doc/consuming.md, doc/support.md).
# Included by the top-level Makefile; every target works from the repo root.
# What each target does: README.md, "Targets" ('make help' prints it).

.PHONY: deb12 deb13 debs dkms-deb12 autopkgtest autopkgtest-deb12 autopkgtest-deb13 \
	autopkgtest-vm autopkgtest-vm-deb12 autopkgtest-vm-deb13 review-series

# The .changes file of each flavor's package as deb12/deb13 name it
# (<pinned Debian version>+dcofork<release>): the file the autopkgtest
# targets need; they build it first only when it is not there.
PKG_ARCH := $(shell dpkg --print-architecture)
FORK_RELEASE := $(shell awk '$$1 == "release" { print $$2 }' debian-fork/release)
pkg_changes = build/debian-pkg/$(1)/openvpn_$(shell awk -v f=$(1) '$$1 == "version" && $$2 == f { print $$3 }' sources.lock)+dcofork$(FORK_RELEASE)_$(PKG_ARCH).changes
DEB12_CHANGES := $(call pkg_changes,debian12)
DEB13_CHANGES := $(call pkg_changes,debian13)

$(DEB12_CHANGES):
	$(CONTRIB)/debian-package debian12 build

$(DEB13_CHANGES):
	$(CONTRIB)/debian-package debian13 build

deb12: fetch
	$(CONTRIB)/debian-package debian12 build

deb13: fetch
	$(CONTRIB)/debian-package debian13 build

debs: deb12 deb13

# Debian 12's openvpn-dco-dkms with Debian 13's fix for #1140548
# (contrib/dkms-package, doc/support.md)
dkms-deb12: fetch
	$(CONTRIB)/dkms-package debian12

# Runs against what deb12/deb13 left in build/debian-pkg/; builds first
# only when the package of this release is not there.
autopkgtest: autopkgtest-deb12 autopkgtest-deb13

autopkgtest-deb12: | $(DEB12_CHANGES)
	$(CONTRIB)/debian-package debian12 autopkgtest

autopkgtest-deb13: | $(DEB13_CHANGES)
	$(CONTRIB)/debian-package debian13 autopkgtest

# The tests that need a whole machine (server-setup-with-ca,
# server-setup-with-static-key) against the packages built last (built
# first only when there are none), each flavor in a freshly booted guest of
# its own release: the storm guest (Debian 13, its kernel, ovpn-dco) for
# debian13, the rig's Debian 12 guest (STORM_GUEST_FLAVOR=bookworm, Debian
# 12's kernel and ovpn-dco) for debian12.  STORM_NS/STORM_TAP/STORM_RUN
# pick the rig instance.
autopkgtest-vm: autopkgtest-vm-deb12 autopkgtest-vm-deb13

autopkgtest-vm-deb12: | $(DEB12_CHANGES)
	$(CONTRIB)/debian-package debian12 autopkgtest-vm

autopkgtest-vm-deb13: | $(DEB13_CHANGES)
	$(CONTRIB)/debian-package debian13 autopkgtest-vm

review-series: fetch
	$(CONTRIB)/review-series
