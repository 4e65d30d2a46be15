#!/bin/bash
# Run the libFuzzer harnesses built by tests/fuzz/build.sh: fuzz_dco_netlink
# (the DCO netlink parser) and fuzz_control_channel (the server's
# pre-authentication control channel).
#
# Usage: tests/fuzz/run.sh ci|long [HARNESS]
#   ci    short run for CI: FUZZ_CI_SECONDS (default 60) in all, shared
#         equally by the harnesses (both, unless HARNESS is given), each
#         on a scratch copy of its seeds and saved corpus; fails on any
#         crash, sanitizer report, leak, timeout or harness finding
#   long  FUZZ_SECONDS (default 600, 0 = until interrupted) of one harness
#         (default fuzz_dco_netlink) on its saved corpus, which keeps
#         growing; libFuzzer prints execs/s and coverage (cov:, ft:) as it
#         goes, this script a summary at the end
# Environment: FUZZ_DIR (default build/fuzz), HARNESS (instead of the
#   argument), FUZZ_ARGS (extra libFuzzer arguments), FUZZ_JOBS (long
#   mode: parallel jobs via -fork, default 1), FUZZ_STATUS_EVERY.
# Per harness: seeds $FUZZ_DIR/seeds and corpus $FUZZ_DIR/corpus
# (fuzz_dco_netlink), $FUZZ_DIR/cc-seeds and cc-corpus
# (fuzz_control_channel).
# Crashing inputs are written to $FUZZ_DIR/artifacts/ (cc-artifacts/) and
# shown as a hex dump; reproduce one with: $FUZZ_DIR/<harness> <file>
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fuzz_dir=${FUZZ_DIR:-$top/build/fuzz}
mode=${1:-}
only=${2:-${HARNESS:-}}
# step, die
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

# every sanitizer report is fatal; leaks are reported (libFuzzer checks
# each input that allocated more than it freed)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

# run_one HARNESS MODE SECONDS
run_one()
{
    local name=$1 mode=$2 secs=$3
    local bin=$fuzz_dir/$name prefix=
    [ "$name" = fuzz_control_channel ] && prefix=cc-
    local seeds=$fuzz_dir/${prefix}seeds saved=$fuzz_dir/${prefix}corpus
    local artifacts=$fuzz_dir/${prefix}artifacts
    local corpus log extra args common

    [ -x "$bin" ] || die "$bin is missing (make fuzz-build)"
    [ -d "$seeds" ] || die "no seeds in $seeds (make fuzz-build)"
    mkdir -p "$artifacts" "$saved"
    read -r -a extra <<<"${FUZZ_ARGS:-}"
    common=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")

    case "$mode" in
        ci)
            corpus=$(mktemp -d "$fuzz_dir/ci-corpus.XXXXXX")
            log=$fuzz_dir/${prefix}fuzz-ci.log
            args=("${common[@]}" -max_total_time="$secs" "${extra[@]}"
                "$corpus" "$seeds" "$saved")
            ;;
        long)
            corpus=$saved
            log=$fuzz_dir/${prefix}fuzz-long.log
            args=("${common[@]}" -max_total_time="$secs" -print_pcs=0 "${extra[@]}")
            if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
                args+=(-fork="$FUZZ_JOBS")
            fi
            args+=("$corpus" "$seeds")
            ;;
    esac

    local marker=$fuzz_dir/.${prefix}run-start start end ticker status rc last execs rate cov ft corp new f
    touch "$marker"
    printf '==> %s %s run (%s s), log %s\n' "$name" "$mode" "$secs" "$log" >&2
    start=$(date +%s)
    # libFuzzer prints a status line on every new unit and at powers of two;
    # add one every FUZZ_STATUS_EVERY seconds so a long run shows its pace
    : >"$log"
    (
        while sleep "${FUZZ_STATUS_EVERY:-30}"; do
            line=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
            [ -n "$line" ] && printf '==> [%d s] %s\n' "$(($(date +%s) - start))" "$line" >&2
        done
    ) &
    ticker=$!
    set +e
    "$bin" "${args[@]}" 2>&1 | tee "$log" \
        | grep --line-buffered -E '^#[0-9]+|^==|ERROR|SUMMARY|FINDING|^stat::'
    status=("${PIPESTATUS[@]}")
    set -e
    kill "$ticker" 2>/dev/null || true
    wait "$ticker" 2>/dev/null || true
    rc=${status[0]}
    end=$(date +%s)
    [ "$mode" = ci ] && rm -rf "$corpus"

    # summary: the last status line of libFuzzer and its final statistics
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | tail -n 1 || true)
    ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | tail -n 1 || true)
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last" | tail -n 1 || true)
    printf '==> summary (%s %s): %s s, %s execs, %s exec/s, %s, %s, %s, exit %s\n' \
        "$name" "$mode" "$((end - start))" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" \
        "${ft:-ft: ?}" "${corp:-corp: ?}" "$rc" >&2

    mapfile -t new < <(find "$artifacts" -type f -newer "$marker" | sort)
    if [ "$rc" != 0 ] || [ "${#new[@]}" != 0 ]; then
        for f in "${new[@]}"; do
            printf '==> crashing input %s:\n' "$f" >&2
            od -A x -t x1z -v "$f" | head -n 40 >&2
        done
        die "$name found a problem (exit $rc), see $log and $artifacts/"
    fi
}

case "$mode" in
    ci)
        total=${FUZZ_CI_SECONDS:-60}
        if [ -n "$only" ]; then
            run_one "$only" ci "$total"
        else
            # both harnesses, each for its share of the time
            share=$(( (total + 1) / 2 ))
            run_one fuzz_dco_netlink ci "$share"
            run_one fuzz_control_channel ci "$share"
        fi
        ;;
    long)
        run_one "${only:-fuzz_dco_netlink}" long "${FUZZ_SECONDS:-600}"
        ;;
    *)
        die "usage: $0 ci|long [fuzz_dco_netlink|fuzz_control_channel]"
        ;;
esac
