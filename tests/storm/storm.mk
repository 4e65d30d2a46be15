# Make targets for the DCO deletion-storm rig (issue 3).
# Included by the top-level Makefile; every target works from the repo root.
#   make storm-guest       build (or reuse) the cached Debian 13 guest
#   make storm-up / storm-down   boot / stop the guest (netns + tap + qemu)
#   make storm             full stock-vs-fork benchmark (table, JSON, PNG)
#   make storm-ci          small fork-only pass (N=64, K=2); fails on stale
#                          instances or max-clients rejections
# Knobs (make VAR=... or env): STORM_N, STORM_K, STORM_SCENARIOS, STORM_BUILDS,
#   STORM_RESULTS, FORK_OPENVPN, STOCK_OPENVPN, STORM_CACHE_ROOT.
STORM_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: storm storm-ci storm-guest storm-up storm-down storm-lint

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

storm-lint:
	shellcheck $(STORM_MK_DIR)/*.sh
