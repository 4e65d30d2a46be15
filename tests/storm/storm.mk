# Make targets of the DCO deletion-storm rig (tests/storm/, doc/storm.md).
# Included by the top-level Makefile; every target works from the repo root.
# What each target does: doc/targets.md ('make help' prints it).
# Knobs (make VAR=... or env): STORM_N, STORM_K, STORM_SCENARIOS, STORM_BUILDS,
#   STORM_EXTRA_*, STORM_CI_*, STORM_RESULTS, FORK_OPENVPN, STOCK_OPENVPN,
#   UPSTREAM26_OPENVPN, STORM_DEB_DIR (doc/storm.md); the guest's VM_*
#   (tests/vm/README.md).
STORM_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: storm storm-scale storm-ci storm-debian13 storm-tnet storm-test storm-float storm-bench-debian12 storm-bench-debian12-fixed storm-asan storm-soak storm-ci-dkms13 storm-drain

storm:
	$(STORM_MK_DIR)/bench.sh

# the field storm at several N for stock, upstream-2.6 and the fork, one
# storm each: stale instances, rejections, drain time and server CPU
# against N (storm-scale.{md,png}; STORM_N etc. as for storm)
storm-scale:
	STORM_N="$${STORM_N-256 1024 2048}" STORM_K="$${STORM_K-1}" STORM_SCENARIOS="$${STORM_SCENARIOS-storm}" \
		STORM_BUILDS="$${STORM_BUILDS-stock upstream-2.6 fork}" STORM_EXTRA_SCENARIOS= \
		$(STORM_MK_DIR)/bench.sh

STORM_CI_RUN = $(STORM_MK_DIR)/ci.sh
STORM_DEBIAN13_RUN = env STORM_CI_BUILD=debian13 STORM_CI_K=1 STORM_CI_EXTRA= STORM_CI_SOAK=0 $(STORM_MK_DIR)/ci.sh
STORM_TNET_RUN = $(STORM_MK_DIR)/tnet.sh
# the sanitized server through one sighup storm at N=64: the regression
# test of series #63 (the session-id HMAC leaked at every restart)
STORM_ASAN_CI_RUN = env STORM_CI_N=64 STORM_CI_SCENARIOS=sighup STORM_CI_EXTRA= $(STORM_MK_DIR)/asan.sh

storm-ci:
	$(STORM_CI_RUN)

# storm-ci's storms in the Debian 13 guest with the module package of
# 'make dkms-debian13' (the guest image is built with it); any kernel
# oops/BUG/WARNING fails it (storm.sh, report.py; doc/ovpn-dco-debian13.md)
storm-ci-dkms13: dkms-debian13
	VM_DCO_DKMS_DEB="$$(ls $(PKG_DIR)/dkms-debian13/openvpn-dco-dkms_*_all.deb)" $(STORM_CI_RUN)

# one fork server process through STORM_SOAK_K (20) cycles at STORM_SOAK_N
# (512) clients: storms, one overrun, one SIGUSR1; fails unless its RSS,
# fds and per-client bookkeeping stay flat (storm.sh scenario soak,
# soak.py; results: doc/storm.md)
storm-soak:
	STORM_KEEPALIVE="$${STORM_KEEPALIVE-5 15}" STORM_AUTO_GUEST=1 \
		$(STORM_MK_DIR)/storm.sh run fork soak $${STORM_SOAK_N-512} $${STORM_SOAK_K-20}

# issue 32's measurement, fork only, at STORM_N (2048): the field storm
# with every DEL_PEER notification timed by a real-time listener in the
# guest (notify.log), then stopdrain (the server stopped until the kernel
# has notified every peer, then continued: the drain is userspace alone);
# table with both drain columns, and a plot with the peers not yet
# notified (doc/storm.md, "Where the drain time goes")
storm-drain:
	STORM_N="$${STORM_N-2048}" STORM_K=1 STORM_SCENARIOS="storm stopdrain" STORM_BUILDS=fork \
		STORM_EXTRA_SCENARIOS= STORM_CONNECT_RATE="$${STORM_CONNECT_RATE-20}" \
		STORM_GRACE="$${STORM_GRACE-120}" STORM_RECONNECT_TIMEOUT="$${STORM_RECONNECT_TIMEOUT-600}" \
		STORM_HAND_WINDOW="$${STORM_HAND_WINDOW-600}" $(STORM_MK_DIR)/bench.sh

# the fork's server built with ASan+UBSan through storm, overrun, sighup,
# sigterm and tcp-setup at N=256 on the real module; any sanitizer report
# fails it (tests/storm/asan.sh; results: doc/storm.md)
storm-asan:
	$(STORM_MK_DIR)/asan.sh

storm-debian13:
	$(STORM_DEBIAN13_RUN)

storm-tnet:
	$(STORM_TNET_RUN)

# the storm steps of 'make test' on one boot of the guest (storm-ci,
# storm-tnet, storm-debian13 and the sanitized server's sighup storm), booted with the
# IPv6 stack that storm-tnet needs (the image's sysctl keeps IPv6 off on
# every interface, so the storms see no difference).  The three scripts
# run in one shell, not through a second make, which would build debian13
# again (its target is phony).
storm-test:
	VM_IPV6=1 tests/vm/vm.sh with bash -c \
		'$(STORM_CI_RUN) && $(STORM_TNET_RUN) && $(STORM_DEBIAN13_RUN) && $(STORM_ASAN_CI_RUN)'

# Debian 12: Debian's own openvpn 2.6.14-0+deb12u2 against the package of
# 'make debian12', in the Debian 12 guest (Debian 12's kernel), with
# bookworm's openvpn-dco-dkms (storm-bench-debian12) and with the one of
# 'make dkms-debian12' (storm-bench-debian12-fixed).  STORM_N etc. as for storm.
DEBIAN12_BENCH = VM_RELEASE=debian12 STORM_BUILDS="debian-archive debian12" \
	STORM_SCENARIOS="$${STORM_SCENARIOS-storm storm-poll tcp}" STORM_EXTRA_BUILDS="debian-archive debian12" \
	STORM_EXTRA_SCENARIOS="$${STORM_EXTRA_SCENARIOS-overrun sighup}"

storm-bench-debian12:
	$(DEBIAN12_BENCH) $(STORM_MK_DIR)/bench.sh

storm-bench-debian12-fixed:
	$(DEBIAN12_BENCH) VM_DCO_DKMS_DEB="$$(ls $(PKG_DIR)/dkms-debian12/openvpn-dco-dkms_*_all.deb)" \
		$(STORM_MK_DIR)/bench.sh

# the reproduction of doc/ovpn-dco-float.md (exit 3: not reproduced)
storm-float:
	STORM_AUTO_GUEST=1 $(STORM_MK_DIR)/storm.sh run fork float 2 1
