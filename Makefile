# The one entry point of the DCO maintenance fork of OpenVPN 2.6.14.
# Everything generated goes to build/ (never committed).  'make help'
# lists the targets; README.md explains them.

SHELL := /bin/bash
CONTRIB := contrib

.PHONY: all help deps fetch tree tree-stock tree-debian13 tree-debian12 \
	build build-stock build-upstream26 build-nodco check check-quick check-nodco check-series export queue \
	roundtrip prove-tests flavors refresh-lock lint check-ledger test clean caches chroot-deb13

all: build

help:
	@echo 'make [build]      install deps, fetch + verify inputs, assemble and build the fork'
	@echo 'make test         every test: lint, series round trip, each commit built and'
	@echo '                  checked, --disable-dco build, Debian flavors, storm CI pass'
	@echo 'make deps         install build dependencies (apt, as root)'
	@echo 'make fetch        download Debian'"'"'s inputs and verify them against sources.lock'
	@echo 'make tree         assemble build/fork/tree: pristine 2.6.14 + patches/series'
	@echo 'make tree-stock | tree-debian13 | tree-debian12   the other flavors'
	@echo 'make build-stock  build pristine 2.6.14 with the same options (reference)'
	@echo 'make build-upstream26  the series up to the 7791f535 backport (upstream 2.6 state)'
	@echo 'make check        build the fork and run its make check'
	@echo 'make check-quick  t_lpback.sh and t_net.sh of the -O2 build'
	@echo 'make check-nodco  the unit tests of a --disable-dco build'
	@echo 'make check-series build and make check every commit of the series'
	@echo 'make prove-tests  the DCO unit tests must fail on unpatched 2.6.14'
	@echo 'make check-ledger doc/upstream-2.6.md, doc/backports.md and patches/ agree'
	@echo 'make export       write build/fork/tree back to patches/'
	@echo 'make queue        the whole queue for vendors (Debian-taken fixes + series) in build/queue/'
	@echo 'make roundtrip    assemble + export must reproduce patches/ byte for byte'
	@echo 'make refresh-lock pin the Debian revisions the archive offers now'
	@echo 'make deb12 | deb13  Debian packages: Debian'"'"'s source + our series as DEP-3 quilt patches'
	@echo 'make autopkgtest  Debian'"'"'s autopkgtests against the packages built last'
	@echo 'make autopkgtest-vm  Debian 12'"'"'s and 13'"'"'s isolation-machine autopkgtests, each in'
	@echo '                  a qemu guest of its release (autopkgtest-vm-deb12 | -deb13)'
	@echo 'make review-series  git am + build on clean v2.6.14, format-patch + cover letter'
	@echo 'make asan-check   the fork built with ASan+UBSan, its make check, any report fatal'
	@echo 'make fuzz-ci | fuzz  libFuzzer on the netlink parse-and-process path: short / long run'
	@echo 'make bench-reap   userspace work per reaped DCO peer, per close path, N=64..4096'
	@echo 'make storm        stock-vs-fork deletion-storm benchmark (real ovpn-dco in qemu)'
	@echo 'make storm-ci     small storm pass on the fork: N=64, K=2 storms + overrun, sighup,'
	@echo '                  sigterm, tcp-setup (part of make test)'
	@echo 'make storm-tnet   upstream t_net.sh in the guest, where dummy interfaces exist'
	@echo 'make storm-deb13  one storm with the server from the make deb13 package'
	@echo 'make storm-guest | storm-up | storm-down  build / boot / stop the qemu guest'

deps:
	$(CONTRIB)/install-deps build

fetch: deps
	$(CONTRIB)/fetch-sources

# The fork tree is kept if it holds work not yet exported (see assemble-tree).
build/fork/tree/.git: | fetch
	$(CONTRIB)/assemble-tree fork

tree: fetch
	$(CONTRIB)/assemble-tree fork

tree-stock tree-debian13 tree-debian12: fetch
	$(CONTRIB)/assemble-tree $(@:tree-%=%)

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

prove-tests: fetch
	$(CONTRIB)/prove-dco-tests

export:
	$(CONTRIB)/export-series

# the whole queue on pristine 2.6.14 for vendors: the upstream commits taken
# from Debian, then our series (doc/consuming.md)
queue: tree
	FROM=v$$(awk '$$1 == "upstream" { print $$2 }' sources.lock) \
		$(CONTRIB)/export-series build/fork/tree build/queue

roundtrip: tree
	$(CONTRIB)/roundtrip

flavors: tree-debian13 tree-debian12 tree-stock

refresh-lock: deps
	$(CONTRIB)/refresh-lock

# the ledger, doc/backports.md and patches/ agree (contrib/check-ledger)
check-ledger:
	$(CONTRIB)/check-ledger --prove

lint:
	$(CONTRIB)/install-deps lint
	shellcheck -x $(filter-out %.mk,$(wildcard $(CONTRIB)/*)) .ci/run \
		$(wildcard tests/storm/*.sh) $(wildcard tests/fuzz/*.sh) $(wildcard tests/bench/*.sh)

# Every test.  One step after the other, except where bg-start-X starts
# step X in the background and bg-wait-X waits for it and shows its log
# (contrib/background): the storm guest and the Debian 13 build chroot
# ('caches', mostly downloads) are built while the series is checked,
# fuzz-ci runs beside asan-check and deb12 beside autopkgtest-vm-deb13; on
# two cores each of these steps leaves one idle.  The full 'make check'
# of the tip runs in asan-check, and in deb12's and deb13's package
# builds; 'build' makes the -O2 build the storms use.  Its t_lpback.sh
# (check-quick) would be a fourth run of that test on the tip, and
# t_net.sh needs dummy interfaces, so it runs in the guest (storm-tnet).
# storm-test runs storm-ci, storm-tnet and storm-deb13 on one boot of the
# guest.
test: deps lint check-ledger roundtrip bg-start-caches check-series build check-nodco \
	prove-tests flavors review-series bg-start-fuzz-ci asan-check bg-wait-fuzz-ci \
	bg-wait-caches deb13 storm-test bg-start-deb12 autopkgtest-vm-deb13 bg-wait-deb12

# what the background steps of 'make test' build: the storm guest, the
# Debian 13 build chroot
caches: storm-guest chroot-deb13

chroot-deb13: fetch
	$(CONTRIB)/debian-package debian13 chroot

bg-start-%:
	$(CONTRIB)/background start $* $(MAKE) --no-print-directory $*

bg-wait-%:
	$(CONTRIB)/background wait $*

clean:
	rm -rf build

include contrib/packaging.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
include tests/storm/storm.mk

# the rig runs the binaries these build (tests/storm/lib.sh)
storm-ci: build
storm-tnet: build
storm-float: build
storm-bench-deb12: build deb12
storm-bench-deb12-fixed: build deb12 dkms-deb12
storm-deb13: deb13
storm-test: build deb13
storm: build build-stock build-upstream26
