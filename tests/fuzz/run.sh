#!/bin/bash
# Run the fuzz_dco_netlink libFuzzer harness (built by tests/fuzz/build.sh).
#
# Usage: tests/fuzz/run.sh ci|long
#   ci    short run for CI: FUZZ_CI_SECONDS (default 60) on a scratch copy of
#         the seeds and the saved corpus; fails on any crash, sanitizer
#         report, leak, timeout or harness finding
#   long  FUZZ_SECONDS (default 600, 0 = until interrupted) on the saved
#         corpus build/fuzz/corpus, which keeps growing; libFuzzer prints
#         execs/s and coverage (cov:, ft:) as it goes, this script a summary
#         at the end
# Environment: FUZZ_DIR (default build/fuzz), FUZZ_ARGS (extra libFuzzer
#   arguments), FUZZ_JOBS (long mode: parallel jobs via -fork, default 1).
# Crashing inputs are written to $FUZZ_DIR/artifacts/ and shown as a hex
# dump; reproduce one with: $FUZZ_DIR/fuzz_dco_netlink <file>
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fuzz_dir=${FUZZ_DIR:-$top/build/fuzz}
bin=$fuzz_dir/fuzz_dco_netlink
mode=${1:-}
# step, die
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

[ -x "$bin" ] || die "$bin is missing (make fuzz-build)"
[ -d "$fuzz_dir/seeds" ] || die "no seeds in $fuzz_dir/seeds (make fuzz-build)"

# every sanitizer report is fatal; leaks are reported (libFuzzer checks
# each input that allocated more than it freed)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

artifacts=$fuzz_dir/artifacts
mkdir -p "$artifacts" "$fuzz_dir/corpus"
read -r -a extra <<<"${FUZZ_ARGS:-}"
common=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts/")

case "$mode" in
    ci)
        secs=${FUZZ_CI_SECONDS:-60}
        corpus=$(mktemp -d "$fuzz_dir/ci-corpus.XXXXXX")
        log=$fuzz_dir/fuzz-ci.log
        args=("${common[@]}" -max_total_time="$secs" "${extra[@]}"
            "$corpus" "$fuzz_dir/seeds" "$fuzz_dir/corpus")
        ;;
    long)
        secs=${FUZZ_SECONDS:-600}
        corpus=$fuzz_dir/corpus
        log=$fuzz_dir/fuzz-long.log
        args=("${common[@]}" -max_total_time="$secs" -print_pcs=0 "${extra[@]}")
        if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
            args+=(-fork="$FUZZ_JOBS")
        fi
        args+=("$corpus" "$fuzz_dir/seeds")
        ;;
    *)
        die "usage: $0 ci|long"
        ;;
esac

marker=$fuzz_dir/.run-start
touch "$marker"
printf '==> fuzz_dco_netlink %s run (%s s), log %s\n' "$mode" "$secs" "$log" >&2
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
printf '==> summary (%s): %s s, %s execs, %s exec/s, %s, %s, %s, exit %s\n' \
    "$mode" "$((end - start))" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" \
    "${ft:-ft: ?}" "${corp:-corp: ?}" "$rc" >&2

mapfile -t new < <(find "$artifacts" -type f -newer "$marker" | sort)
if [ "$rc" != 0 ] || [ "${#new[@]}" != 0 ]; then
    for f in "${new[@]}"; do
        printf '==> crashing input %s:\n' "$f" >&2
        od -A x -t x1z -v "$f" | head -n 40 >&2
    done
    die "fuzz_dco_netlink found a problem (exit $rc), see $log and $artifacts/"
fi
