#!/bin/bash
# Small CI pass, fork only: N=64 clients, K=2 storms (scenario "storm").
# Builds the guest if not cached, boots it, runs, tears everything down.
# Fails (exit 1) unless every storm ends with 0 stale instances, 0
# max-clients rejections, all N clients reconnected and the server alive.
# Env: STORM_CI_N (64), STORM_CI_K (2), STORM_CI_SCENARIOS ("storm"),
#      FORK_OPENVPN, STORM_RESULTS (./storm-results).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=${STORM_CI_N:-64}
K=${STORM_CI_K:-2}
read -r -a SCENARIOS <<<"${STORM_CI_SCENARIOS:-storm}"
RES=${STORM_RESULTS:-$PWD/storm-results}/ci-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RES"
T0=$SECONDS
[[ -x $FORK_OPENVPN ]] || die "FORK_OPENVPN not built: $FORK_OPENVPN"

storm_exit_hook() {
    log "storm CI finished in $((SECONDS - T0)) s (rc=$1)"
}
storm_guest_for_script
runs=()
for sc in "${SCENARIOS[@]}"; do
    d="$RES/fork-$sc-$N"
    STORM_OUT=$d "$STORM_DIR/storm.sh" run fork "$sc" "$N" "$K" || log "run fork $sc exited non-zero"
    runs+=("$d")
done
"$PY" "$STORM_DIR/report.py" "$RES/storm" "${runs[@]}" >/dev/null
"$PY" - "$N" "$K" "${#SCENARIOS[@]}" "$RES/storm.json" <<'PYEOF'
import json, sys
n, k, nsc, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = json.load(open(path))["storms"]
passed = failed = 0
for r in rows:
    bad = []
    if r["stale"] != 0: bad.append("stale=%s" % r["stale"])
    if r["rejections"] != 0: bad.append("rejections=%d" % r["rejections"])
    if r["reconnected"] != n: bad.append("reconnected=%d/%d" % (r["reconnected"], n))
    if not r["server_alive"]: bad.append("server died")
    name = "%s storm %d" % (r["scenario"], r["storm"])
    if bad:
        failed += 1
        print("FAIL %s: %s" % (name, ", ".join(bad)))
    else:
        passed += 1
        print("ok   %s: 0 stale, 0 rejections, %d/%d reconnected" % (name, n, n))
missing = k * nsc - len(rows)
if missing > 0:
    failed += missing
    print("FAIL %d storm(s) produced no result" % missing)
print("storm-ci: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF
