#!/bin/bash
# Full stock-vs-fork benchmark: for each scenario, run the stock and the fork
# server with N clients and K storms, then build the table/JSON/plot.
# A second phase runs the fork-only failure scenarios (overrun, sighup,
# sigterm, tcp-setup; see storm.sh) once each, with the upstream-2.6
# build too, since that is where upstream's own 2.6 branch stands.
#   bench.sh                        (defaults below; override with env)
# Env: STORM_N (1024; a list such as "256 1024 2048" runs the first phase
#      at each N, and report.py adds the drain time against N), STORM_K (2), STORM_SCENARIOS ("storm storm-poll"),
#      STORM_BUILDS ("stock fork"), STORM_EXTRA_N (256),
#      STORM_EXTRA_SCENARIOS ("overrun sighup sigterm tcp-setup"),
#      STORM_EXTRA_BUILDS ("stock upstream-2.6 fork"),
#      STORM_RESULTS (./storm-results), FORK_OPENVPN, STOCK_OPENVPN,
#      UPSTREAM26_OPENVPN (server binaries, host paths).  An empty list
#      skips its phase.
# Output: $STORM_RESULTS/bench-<UTC time>/{<build>-<scenario>-<N>/,storm.md,storm.json,storm.png}
#         (and storm-scale.{md,png} with several N)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

read -r -a NS <<<"${STORM_N:-1024}"
K=${STORM_K:-2}
read -r -a SCENARIOS <<<"${STORM_SCENARIOS-storm storm-poll}"
read -r -a BUILDS <<<"${STORM_BUILDS-stock fork}"
XN=${STORM_EXTRA_N:-256}
read -r -a XSCENARIOS <<<"${STORM_EXTRA_SCENARIOS-overrun sighup sigterm tcp-setup}"
read -r -a XBUILDS <<<"${STORM_EXTRA_BUILDS-stock upstream-2.6 fork}"
RES=${STORM_RESULTS:-$PWD/storm-results}/bench-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RES"
# the builds of a phase that runs (an empty scenario list skips it)
need=()
if ((${#SCENARIOS[@]})); then need+=(${BUILDS[@]+"${BUILDS[@]}"}); fi
if ((${#XSCENARIOS[@]})); then need+=(${XBUILDS[@]+"${XBUILDS[@]}"}); fi
for b in ${need[@]+"${need[@]}"}; do
    case $b in
        fork) [[ -x $FORK_OPENVPN ]] || die "FORK_OPENVPN not built: $FORK_OPENVPN" ;;
        stock) [[ -x $STOCK_OPENVPN ]] || die "STOCK_OPENVPN not built: $STOCK_OPENVPN (make build-stock)" ;;
        upstream-2.6) [[ -x $UPSTREAM26_OPENVPN ]] ||
            die "UPSTREAM26_OPENVPN not built: $UPSTREAM26_OPENVPN (make build-upstream26)" ;;
    esac
done

storm_guest_for_script

T0=$SECONDS
runs=()
total=$((${#NS[@]} * ${#SCENARIOS[@]} * ${#BUILDS[@]} + ${#XSCENARIOS[@]} * ${#XBUILDS[@]}))
i=0
bench_run() { # build scenario n k
    i=$((i + 1))
    log "bench run $i/$total: $1 $2 N=$3 K=$4 ($((SECONDS - T0)) s elapsed)"
    local d="$RES/$1-$2-$3"
    # a guest that panicked in the run before (the TCG race, doc/storm.md)
    # would fail every run after it
    if ! "$VM_DIR/vm.sh" ssh true 2>/dev/null; then
        log "the guest does not answer (console: $VM_RUN/console.log); booting it again"
        "$VM_DIR/vm.sh" down
        "$VM_DIR/vm.sh" up
    fi
    STORM_OUT=$d "$STORM_DIR/storm.sh" run "$1" "$2" "$3" "$4" 2>&1 | tee "$RES/$1-$2-$3.log" >&2 ||
        log "run $1 $2 exited non-zero (kept its partial results)"
    runs+=("$d")
}
for n in "${NS[@]}"; do
    for sc in ${SCENARIOS[@]+"${SCENARIOS[@]}"}; do
        for b in ${BUILDS[@]+"${BUILDS[@]}"}; do bench_run "$b" "$sc" "$n" "$K"; done
    done
done
for sc in ${XSCENARIOS[@]+"${XSCENARIOS[@]}"}; do
    for b in ${XBUILDS[@]+"${XBUILDS[@]}"}; do bench_run "$b" "$sc" "$XN" 1; done
done
"$PY" "$STORM_DIR/report.py" "$RES/storm" "${runs[@]}"
log "benchmark done in $((SECONDS - T0)) s: $RES/storm.md, storm.json, storm.png"
