# make bench-reap: the userspace cost of reaping N DCO clients per close
# path, for upstream's 2.6 state, fork release 4 and this tree
# (tests/bench/run.sh; counted work and callgrind instruction counts, no
# wall time).  Knobs: BENCH_N, BENCH_STATES, BENCH_CALLGRIND_MAX_ENTRIES.
BENCH_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: bench-reap

bench-reap: tree
	$(CONTRIB)/install-deps bench
	$(BENCH_MK_DIR)/run.sh
