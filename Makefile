# The one entry point of the DCO maintenance fork of OpenVPN 2.6.14.
# Everything generated goes to build/ (never committed).  'make help'
# lists the targets; README.md explains them.

SHELL := /bin/bash
CONTRIB := contrib

.PHONY: all help deps fetch check-fetch tree tree-stock tree-debian13 tree-debian12 \
	build build-stock build-upstream26 build-nodco check check-quick check-nodco check-series export queue \
	roundtrip prove-tests prove-security flavors refresh-lock lint check-ledger test clean caches chroot-debian12 chroot-debian13 \
	watch-debian

all: build

# the target list lives in doc/targets.md; help prints it
help:
	@awk -f $(CONTRIB)/targets.awk doc/targets.md

deps:
	$(CONTRIB)/install-deps build

fetch: deps
	$(CONTRIB)/fetch-sources

# the input check can fail: damaged copies are refused (contrib/fetch-sources)
check-fetch: deps
	$(CONTRIB)/fetch-sources --prove

# Debian's archive offers no newer openvpn (or openvpn-dco-dkms) than the
# lock pins: one in a security suite fails, a point release warns; then the
# proof that it can fail (contrib/watch-debian, doc/maintaining.md)
watch-debian:
	$(CONTRIB)/watch-debian --prove

# An assembled tree is a file target: build/<flavor>/tree/.git/assembled,
# made again only when what it is assembled from changed (the lock, the
# queue, the assembly script).  So a maintainer's commits in the fork tree
# survive every target until 'make export' changes patches/; then
# assemble-tree refuses to discard a tree that holds work not in patches/.
TREE_INPUTS := sources.lock patches/series patches/from-debian patches/debian-only $(wildcard patches/*.patch) \
	contrib/assemble-tree contrib/lib.sh contrib/fetch-sources
FLAVORS := fork stock debian13 debian12

$(FLAVORS:%=build/%/tree/.git/assembled): build/%/tree/.git/assembled: $(TREE_INPUTS)
	$(CONTRIB)/assemble-tree $*
	touch $@

tree: deps build/fork/tree/.git/assembled

tree-stock tree-debian13 tree-debian12: tree-%: deps build/%/tree/.git/assembled

build: tree
	$(CONTRIB)/build-tree fork

build-stock: tree-stock
	$(CONTRIB)/build-tree stock

# upstream's own 2.6 state: our series up to the backport of 7791f535
# (the storm benchmark compares it with the fork)
build-upstream26: tree
	REV=$$(git -C build/fork/tree log --format=%H -n1 --fixed-strings \
		--grep='dco: process messages immediately after read') \
		$(CONTRIB)/build-tree fork upstream26

build-nodco: tree
	$(CONTRIB)/build-tree fork nodco --disable-dco

check: tree
	CHECK=1 $(CONTRIB)/build-tree fork

# t_lpback.sh and t_net.sh of the -O2 build 'make build' makes (the storms
# run it); not part of make test, where t_lpback.sh runs in asan-check and
# both package builds, and t_net.sh in the guest (storm-tnet).
check-quick: tree
	CHECK=scripts $(CONTRIB)/build-tree fork

# the unit tests of a --disable-dco build (with DCO compiled out they test
# other code); t_lpback.sh runs the same userspace data path as in
# asan-check, where DCO is not available on this host either.  The test
# drivers compile every daemon source but openvpn.c themselves, so the
# daemon is not built (MAKE_DIRS): that compiled them all a second time.
check-nodco: tree
	QUICK=1 CHECK=unit MAKE_DIRS=src/compat $(CONTRIB)/build-tree fork nodco --disable-dco

check-series: tree
	$(CONTRIB)/check-series fork

prove-tests: deps fetch
	$(CONTRIB)/prove-tests

# mutation testing of the fork-only code against the fake-kernel tests
# (tests/mutate/mutate.py; MUTATE_MAX, MUTATE_SEED); not in 'make test'
.PHONY: mutate
mutate: tree
	nice -n 10 tests/mutate/mutate.py

# the test of each security fix fails without the fix (contrib/prove-security)
prove-security: tree
	$(CONTRIB)/prove-security

# the tree now is what patches/ holds: no reassembly for the new mtimes
export:
	$(CONTRIB)/export-series
	test ! -d build/fork/tree/.git || touch build/fork/tree/.git/assembled

# the whole queue on pristine 2.6.14 for vendors: the upstream commits taken
# from Debian (0000-dNN-*), then our series under its own numbers (00NN-*,
# as in patches/); doc/consuming.md, "Patch numbers"
queue: tree
	$(CONTRIB)/export-queue build/fork/tree build/queue

roundtrip: tree
	$(CONTRIB)/roundtrip

# the DCO hardening for upstream's 2.6.20+ (doc/release-2.6.md): the export
# needs upstream's repository (UPSTREAM_GIT); its check needs no upstream
# source and runs in make test
.PHONY: export-2.6 check-export
export-2.6: tree
	$(CONTRIB)/export-2.6

check-export:
	$(CONTRIB)/check-export --prove

# series release N into build/release/: the dist tarball (make distcheck,
# then ./configure && make check in a clean directory), the queue tarball,
# SHA256SUMS, the NEWS entry (contrib/make-release; RELEASE_TAG=1 also tags
# HEAD).  Not on 'tree' or 'queue': those would reassemble or export
# build/fork/tree, a maintainer's work tree; the script clones it when it
# matches patches/ and otherwise assembles its own in build/release-work/.
.PHONY: release
release: fetch
	$(CONTRIB)/make-release

flavors: tree-debian13 tree-debian12 tree-stock

refresh-lock: deps
	$(CONTRIB)/refresh-lock

# the ledger, doc/backports.md and patches/ agree (contrib/check-ledger)
check-ledger:
	$(CONTRIB)/check-ledger --prove

lint:
	$(CONTRIB)/install-deps lint
	shellcheck -x $(filter-out %.mk %.awk,$(wildcard $(CONTRIB)/*)) .ci/run \
		$(wildcard tests/*/*.sh)
	$(CONTRIB)/check-docs --prove
	$(CONTRIB)/check-identity --prove
	tests/storm/stale-build-test.sh

# Every test.  One step after the other, except where bg-start-X starts
# step X in the background and bg-wait-X waits for it and shows its log
# (contrib/background): the Debian 13 guest and both build chroots
# ('caches', mostly downloads) are built while the series is checked,
# fuzz-ci runs beside asan-check and debian12 beside autopkgtest-vm-debian13; on
# two cores each of these steps leaves one idle.  The full 'make check'
# of the tip runs in asan-check, and in debian12's and debian13's package
# builds; 'build' makes the -O2 build the storms use.  Its t_lpback.sh
# (check-quick) would be a fourth run of that test on the tip, and
# t_net.sh needs dummy interfaces, so it runs in the guest (storm-tnet).
# storm-test runs storm-ci, storm-tnet and storm-debian13 on one boot of the
# guest.
test: deps lint check-ledger check-fetch watch-debian roundtrip check-export bg-start-caches check-series build check-nodco \
	prove-tests prove-security flavors review-series bg-start-fuzz-ci asan-check bg-wait-fuzz-ci \
	bg-wait-caches debian13 storm-test bg-start-debian12 autopkgtest-vm-debian13 bg-wait-debian12

# what the background steps of 'make test' build: the Debian 13 guest
# (tests/vm/), the build chroots of both Debian flavors
caches: vm-guest chroot-debian13 chroot-debian12

chroot-debian12 chroot-debian13: chroot-%: fetch
	$(CONTRIB)/debian-package $* chroot

bg-start-%:
	$(CONTRIB)/background start $* $(MAKE) --no-print-directory $*

bg-wait-%:
	$(CONTRIB)/background wait $*

# cross-build the tree for arm64, armhf and s390x with Debian's cross
# toolchains, every unit test driver under qemu-user, and the DCO ifmode
# check with and without #13 (tests/cross/README.md).  Not in make test:
# about 5 minutes for the three, but 'deps' adds foreign architectures to
# the host and holds its libssl3 at bookworm's s390x version, which a CI
# host must not be left with (tests/cross/RESULTS.md).
CROSS_ARCHS := arm64 armhf s390x
.PHONY: cross $(CROSS_ARCHS:%=cross-%)
cross: tree
	tests/cross/cross.sh deps $(CROSS_ARCHS)
	tests/cross/cross.sh run $(CROSS_ARCHS)

$(CROSS_ARCHS:%=cross-%): cross-%: tree
	tests/cross/cross.sh deps $(CROSS_ARCHS)
	tests/cross/cross.sh run $*

clean:
	rm -rf build

include contrib/packaging.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
include tests/storm/storm.mk
include tests/vm/vm.mk

# the rig runs the binaries these build (tests/storm/lib.sh)
storm-ci: build
storm-soak: build
storm-drain: build
storm storm-scale: build build-stock build-upstream26
storm-tnet: build
storm-float: build
storm-bench-debian12: build debian12
storm-bench-debian12-fixed: build debian12 dkms-debian12
storm-debian13: debian13
storm-test: build debian13
storm storm-scale: build build-stock build-upstream26

# The fork's signed apt repository of both Debian releases in build/apt-repo/
# (doc/apt.md; APT_REPO_KEY signs with a distributor's key); the packages
# are built first only when they are missing.  apt-repo-test proves its
# policy in the Debian 12 and 13 guests (not in 'make test': two boots).
.PHONY: apt-repo apt-repo-test
DKMS_DEBIAN12_DEB := $(PKG_DIR)/dkms-debian12/openvpn-dco-dkms_$(shell awk '$$1 == "dkms" && $$2 == "debian12" { print $$3 "+dcofork" $$5 }' sources.lock)_all.deb
$(DKMS_DEBIAN12_DEB):
	$(CONTRIB)/dkms-package debian12
apt-repo: | $(DEBIAN12_CHANGES) $(DEBIAN13_CHANGES) $(DKMS_DEBIAN12_DEB)
	$(CONTRIB)/apt-repo
apt-repo-test: apt-repo
	tests/apt/apt-repo-test.sh
