#!/bin/bash
# Small CI pass, fork only: N=64 clients; K=1 storm of the field scenario
# "storm", then one storm each of the fork-only scenarios (overrun, sighup,
# sigterm, tcp-setup; see storm.sh), then a short soak: 3 cycles (storm,
# overrun, SIGUSR1) on one server process, whose RSS, fds and per-client
# bookkeeping must stay flat (storm.sh scenario soak, soak.py).  Builds the guest if not cached, boots
# it, runs, tears everything down.  Fails (exit 1) unless every storm ends
# with 0 stale instances, 0 max-clients rejections, all N clients
# reconnected, the server alive and no assertion or fatal error in its log;
# "overrun" must really have overrun the server's netlink queue, and
# "sigterm" must end with a clean exit.
# Env: STORM_CI_N (64), STORM_CI_K (1), STORM_CI_SCENARIOS ("storm"),
#      STORM_CI_EXTRA ("overrun sighup sigterm tcp-setup", one storm each),
#      STORM_CI_SOAK (3: the soak's cycles; 0: no soak),
#      STORM_CI_BUILD (fork; debian13 runs the server from the 'make debian13'
#      package installed in the guest), FORK_OPENVPN,
#      STORM_RESULTS (./storm-results), STORM_KEEPALIVE ("5 15").
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# The pass asks whether every expired peer is reaped, not how long the
# kernel takes to expire one: half the benchmark's keepalive (a server
# timeout of 30 s, not 60 s) halves the wait of each storm.
export STORM_KEEPALIVE=${STORM_KEEPALIVE:-5 15}
N=${STORM_CI_N:-64}
K=${STORM_CI_K:-1}
SOAK=${STORM_CI_SOAK:-3}
read -r -a SCENARIOS <<<"${STORM_CI_SCENARIOS:-storm}"
read -r -a EXTRA <<<"${STORM_CI_EXTRA-overrun sighup sigterm tcp-setup}"
BUILD=${STORM_CI_BUILD:-fork}
RES=${STORM_RESULTS:-$PWD/storm-results}/ci-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RES"
T0=$SECONDS
[[ $BUILD != fork || -x $FORK_OPENVPN ]] || die "FORK_OPENVPN not built: $FORK_OPENVPN"

storm_exit_hook() {
    log "storm CI finished in $((SECONDS - T0)) s (rc=$1)"
}
storm_guest_for_script
runs=()
ci_run() { # scenario k
    local d="$RES/$BUILD-$1-$N"
    STORM_OUT=$d "$STORM_DIR/storm.sh" run "$BUILD" "$1" "$N" "$2" || log "run $BUILD $1 exited non-zero"
    runs+=("$d")
}
for sc in "${SCENARIOS[@]}"; do ci_run "$sc" "$K"; done
for sc in ${EXTRA[@]+"${EXTRA[@]}"}; do ci_run "$sc" 1; done
if ((SOAK > 0)); then ci_run soak "$SOAK"; fi
"$PY" "$STORM_DIR/report.py" --expect-clean "$N" "$((K * ${#SCENARIOS[@]} + ${#EXTRA[@]} + SOAK))" \
    "$RES/storm" "${runs[@]}"
