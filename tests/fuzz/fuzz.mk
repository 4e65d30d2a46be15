# Make targets for sanitizers and fuzzing (tests/fuzz/README.md).
# Included by the top-level Makefile; every target works from the repo root.
# What each target does: doc/targets.md ('make help' prints it).
# They build what build/fork/tree holds, assembled first if it is missing
# or older than patches/ (the file target 'tree'; a maintainer's commits
# not yet exported are kept).
# Knobs (make VAR=... or env): FUZZ_CI_SECONDS, FUZZ_SECONDS, FUZZ_JOBS,
#   FUZZ_ARGS, FUZZ_DIR, ASAN_DETECT_LEAKS.  See tests/fuzz/README.md.
FUZZ_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: fuzz-build fuzz-ci fuzz fuzz-cc asan-check

# both libFuzzer harnesses; the second build reuses the daemon's objects
fuzz-build: tree
	$(CONTRIB)/install-deps fuzz
	$(FUZZ_MK_DIR)/build.sh
	HARNESS=fuzz_control_channel $(FUZZ_MK_DIR)/build.sh

fuzz-ci: fuzz-build
	$(FUZZ_MK_DIR)/run.sh ci

fuzz: fuzz-build
	$(FUZZ_MK_DIR)/run.sh long fuzz_dco_netlink

fuzz-cc: fuzz-build
	$(FUZZ_MK_DIR)/run.sh long fuzz_control_channel

asan-check: tree
	$(FUZZ_MK_DIR)/asan-check.sh
