# Make targets for sanitizers and fuzzing (issue "sanitizers and fuzzing").
# Included by the top-level Makefile; every target works from the repo root.
#   make fuzz-build   build the libFuzzer harness fuzz_dco_netlink (clang,
#                     ASAN+UBSAN) against build/fork/tree, and its seeds
#   make fuzz-ci      fuzz-build + a short run (FUZZ_CI_SECONDS, default 60);
#                     fails on any crash, sanitizer report or finding
#   make fuzz         fuzz-build + a long run (FUZZ_SECONDS, default 600,
#                     0 = until interrupted) on the saved corpus: execs/s and
#                     coverage as it goes, a summary at the end
#   make asan-check   the fork built with gcc -fsanitize=address,undefined
#                     (build/fork/asan) and its 'make check', every report
#                     fatal
#   make fuzz-lint    shellcheck the scripts
# They build whatever build/fork/tree holds (make tree first); they do not
# depend on the tree target so that the tree of a maintainer at work is
# never reassembled under them.
# Knobs (make VAR=... or env): FUZZ_CI_SECONDS, FUZZ_SECONDS, FUZZ_JOBS,
#   FUZZ_ARGS, FUZZ_DIR, ASAN_DETECT_LEAKS.  See tests/fuzz/README.md.
FUZZ_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: fuzz-build fuzz-ci fuzz asan-check fuzz-lint

fuzz-build:
	$(CONTRIB)/install-deps fuzz
	$(FUZZ_MK_DIR)/build.sh

fuzz-ci: fuzz-build
	$(FUZZ_MK_DIR)/run.sh ci

fuzz: fuzz-build
	$(FUZZ_MK_DIR)/run.sh long

asan-check:
	$(FUZZ_MK_DIR)/asan-check.sh

fuzz-lint:
	shellcheck $(FUZZ_MK_DIR)/*.sh
