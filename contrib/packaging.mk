# Debian packages and the review series (included by the top-level
# Makefile).  doc/consuming.md and doc/support.md explain what they do.
#
#   make deb12         binary packages from Debian 12's openvpn + our series
#   make deb13         the same for Debian 13 (in a cached Debian 13 chroot)
#   make dkms-deb12    Debian 12's openvpn-dco-dkms with Debian 13's fix for
#                      #1140548 (contrib/dkms-package)
#   make autopkgtest   Debian's autopkgtests against the packages built last
#   make autopkgtest-vm Debian 12's and 13's isolation-machine autopkgtests,
#                      each in a qemu guest of its own release from the
#                      storm rig (tests/storm/), booted for it
#                      (autopkgtest-vm-deb12, autopkgtest-vm-deb13)
#   make review-series git am on a clean v2.6.14, build, format-patch with a
#                      cover letter into build/review/ (cheap, for CI)

.PHONY: deb12 deb13 debs dkms-deb12 autopkgtest autopkgtest-deb12 autopkgtest-deb13 \
	autopkgtest-vm autopkgtest-vm-deb12 autopkgtest-vm-deb13 review-series

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
# only when nothing was built yet.
autopkgtest: autopkgtest-deb12 autopkgtest-deb13

autopkgtest-deb12:
	@ls build/debian-pkg/debian12/*.changes >/dev/null 2>&1 || $(CONTRIB)/debian-package debian12 build
	$(CONTRIB)/debian-package debian12 autopkgtest

autopkgtest-deb13:
	@ls build/debian-pkg/debian13/*.changes >/dev/null 2>&1 || $(CONTRIB)/debian-package debian13 build
	$(CONTRIB)/debian-package debian13 autopkgtest

# The tests that need a whole machine (server-setup-with-ca,
# server-setup-with-static-key) against the packages built last (built
# first only when there are none), each flavor in a freshly booted guest of
# its own release: the storm guest (Debian 13, its kernel, ovpn-dco) for
# debian13, the rig's Debian 12 guest (STORM_GUEST_FLAVOR=bookworm, Debian
# 12's kernel and ovpn-dco) for debian12.  STORM_NS/STORM_TAP/STORM_RUN
# pick the rig instance.
autopkgtest-vm: autopkgtest-vm-deb12 autopkgtest-vm-deb13

autopkgtest-vm-deb12:
	@ls build/debian-pkg/debian12/*.changes >/dev/null 2>&1 || $(CONTRIB)/debian-package debian12 build
	$(CONTRIB)/debian-package debian12 autopkgtest-vm

autopkgtest-vm-deb13:
	@ls build/debian-pkg/debian13/*.changes >/dev/null 2>&1 || $(CONTRIB)/debian-package debian13 build
	$(CONTRIB)/debian-package debian13 autopkgtest-vm

review-series: fetch
	$(CONTRIB)/review-series
