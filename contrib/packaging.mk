# Debian packages and the review series (included by the top-level
# Makefile).  doc/consuming.md and doc/support.md explain what they do.
#
#   make deb12         binary packages from Debian 12's openvpn + our series
#   make deb13         the same for Debian 13 (in a cached Debian 13 chroot)
#   make autopkgtest   Debian's autopkgtests against the packages built last
#   make review-series git am on a clean v2.6.14, build, format-patch with a
#                      cover letter into build/review/ (cheap, for CI)

.PHONY: deb12 deb13 debs autopkgtest autopkgtest-deb12 autopkgtest-deb13 review-series

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

review-series: fetch
	$(CONTRIB)/review-series
