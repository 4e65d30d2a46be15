# Make targets for the DCO deletion-storm rig (issue 3).
# Included by the top-level Makefile; every target works from the repo root.
#   make storm-guest       build (or reuse) the cached Debian 13 guest
#   make storm-up / storm-down   boot / stop the guest (netns + tap + qemu)
#   make storm             full benchmark (table, JSON, PNG): stock vs fork,
#                          then the failure scenarios with upstream-2.6 too
#   make storm-ci          small fork-only pass (N=64): 2 storms, overrun,
#                          sighup, sigterm, tcp-setup; fails on stale
#                          instances, rejections, crashes, unclean exits
#   make storm-deb13       one N=64 storm with the server from the Debian 13
#                          package of 'make deb13' (what users install)
#   make storm-tnet        upstream's t_net.sh (sitnl vs iproute2 on dummy
#                          interfaces, which the host cannot create) in the
#                          guest; fails unless all its cases ran and passed
# Knobs (make VAR=... or env): STORM_N, STORM_K, STORM_SCENARIOS, STORM_BUILDS,
#   STORM_EXTRA_*, STORM_CI_*, STORM_RESULTS, FORK_OPENVPN, STOCK_OPENVPN,
#   UPSTREAM26_OPENVPN, STORM_DEB13_DIR, STORM_CACHE_ROOT (doc/storm.md).
STORM_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: storm storm-ci storm-deb13 storm-tnet storm-guest storm-up storm-down storm-lint

storm-guest:
	$(STORM_MK_DIR)/build-guest.sh

storm-up:
	$(STORM_MK_DIR)/guest.sh up

storm-down:
	$(STORM_MK_DIR)/guest.sh down

storm:
	$(STORM_MK_DIR)/bench.sh

storm-ci:
	$(STORM_MK_DIR)/ci.sh

storm-deb13:
	STORM_CI_BUILD=deb13 STORM_CI_K=1 STORM_CI_EXTRA= $(STORM_MK_DIR)/ci.sh

storm-tnet:
	$(STORM_MK_DIR)/tnet.sh

storm-lint:
	shellcheck $(STORM_MK_DIR)/*.sh
