# make bench-reap: the userspace cost of reaping N DCO clients per close
# path, for upstream's 2.6 state, fork release 4 and this tree
# (tests/bench/run.sh; counted work and callgrind instruction counts, no
# wall time).  Knobs: BENCH_N, BENCH_STATES, BENCH_CALLGRIND_MAX_ENTRIES.
# make bench-status: the status file's cost per client (below).
BENCH_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: bench-reap bench-status

bench-reap: tree
	$(CONTRIB)/install-deps bench
	$(BENCH_MK_DIR)/run.sh

# make bench-status: one interval of the status file (multi_print_status()
# with its GET_PEER dump) per client, N=64..4096, status-version 1-3,
# before and after the commit that writes it once per interval
# (tests/bench/status.sh; callgrind instructions, write() and localtime()
# calls counted, no wall time).  Knobs: BENCH_N, BENCH_VERSIONS,
# BENCH_TREE, BENCH_STATUS_REVS.
bench-status: tree
	$(CONTRIB)/install-deps bench
	$(BENCH_MK_DIR)/status.sh
