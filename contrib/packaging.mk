# Debian packages and the review series (included by the top-level
# Makefile).  doc/consuming.md and doc/support.md explain what they do.
#
#   make deb12         binary packages from Debian 12's openvpn + our series
#   make deb13         the same for Debian 13 (in a cached Debian 13 chroot)
#   make autopkgtest   Debian's autopkgtests against the packages built last
#   make autopkgtest-vm Debian 13's isolation-machine autopkgtests in the
#                      storm rig's qemu guest (tests/storm/), booted for it
#   make review-series git am on a clean v2.6.14, build, format-patch with a
#                      cover letter into build/review/ (cheap, for CI)

.PHONY: deb12 deb13 debs autopkgtest autopkgtest-deb12 autopkgtest-deb13 autopkgtest-vm review-series

deb12: fetch
	$(CONTRIB)/debian-package debian12 build

deb13: fetch
	$(CONTRIB)/debian-package debian13 build

debs: deb12 deb13

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
# server-setup-with-static-key) against the debian13 packages, in a freshly
# booted storm guest (Debian 13, its kernel); STORM_NS/STORM_RUN pick the
# rig instance.  There is no Debian 12 guest, so no Debian 12 counterpart.
autopkgtest-vm:
	@ls build/debian-pkg/debian13/*.changes >/dev/null 2>&1 || $(CONTRIB)/debian-package debian13 build
	$(CONTRIB)/debian-package debian13 autopkgtest-vm

review-series: fetch
	$(CONTRIB)/review-series
