#!/bin/bash
# Full stock-vs-fork benchmark: for each scenario, run the stock and the fork
# server with N clients and K storms, then build the table/JSON/plot.
#   bench.sh                        (defaults below; override with env)
# Env: STORM_N (1024), STORM_K (2), STORM_SCENARIOS ("storm storm-poll"),
#      STORM_BUILDS ("stock fork"), STORM_RESULTS (./storm-results),
#      FORK_OPENVPN, STOCK_OPENVPN (server binaries, host paths).
# Output: $STORM_RESULTS/bench-<UTC time>/{<build>-<scenario>-<N>/,storm.md,storm.json,storm.png}
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=${STORM_N:-1024}
K=${STORM_K:-2}
read -r -a SCENARIOS <<<"${STORM_SCENARIOS:-storm storm-poll}"
read -r -a BUILDS <<<"${STORM_BUILDS:-stock fork}"
RES=${STORM_RESULTS:-$PWD/storm-results}/bench-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RES"
for b in "${BUILDS[@]}"; do
    case $b in
        fork) [[ -x $FORK_OPENVPN ]] || die "FORK_OPENVPN not built: $FORK_OPENVPN" ;;
        stock) [[ -x $STOCK_OPENVPN ]] || die "STOCK_OPENVPN not built: $STOCK_OPENVPN" ;;
    esac
done

storm_guest_for_script

T0=$SECONDS
runs=()
total=$((${#SCENARIOS[@]} * ${#BUILDS[@]}))
i=0
for sc in "${SCENARIOS[@]}"; do
    for b in "${BUILDS[@]}"; do
        i=$((i + 1))
        log "bench run $i/$total: $b $sc N=$N K=$K ($((SECONDS - T0)) s elapsed)"
        d="$RES/$b-$sc-$N"
        STORM_OUT=$d "$STORM_DIR/storm.sh" run "$b" "$sc" "$N" "$K" 2>&1 | tee "$RES/$b-$sc-$N.log" >&2 ||
            log "run $b $sc exited non-zero (kept its partial results)"
        runs+=("$d")
    done
done
"$PY" "$STORM_DIR/report.py" "$RES/storm" "${runs[@]}"
log "benchmark done in $((SECONDS - T0)) s: $RES/storm.md, storm.json, storm.png"
