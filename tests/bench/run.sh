#!/bin/bash
# make bench-reap: what reaping N DCO clients costs the server, per close
# path (tests/bench/bench_reap.c), for three states of the series:
#   upstream26  the series up to the 7791f535 backport (upstream's 2.6)
#   before      release 4 of the fork (up to 8bf8bead, before #46/#43)
#   fork        the tip of build/fork/tree
# For each state, path and N: GET_PEER dumps and single requests, dump
# entries and netlink bytes openvpn read, M_WARN messages (counted by the
# fake kernel), and the instructions of the reap phase (callgrind), per
# reaped peer.  Results: build/bench/reap.tsv, then tests/bench/report.py
# writes the table (build/bench/reap.md) and the plot (build/bench/reap.png).
#
# Environment: BENCH_N (default "64 256 1024 4096"), BENCH_STATES
#   (default "upstream26 before fork"), BENCH_CALLGRIND_MAX_ENTRIES
#   (default 2000000: a run whose phase parses more dump entries than that
#   takes tens of minutes under callgrind; its instructions are left out,
#   its counted work is still shown).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

tree=$BUILD_DIR/fork/tree
out=$BUILD_DIR/bench
[ -d "$tree/.git" ] || die "no fork tree in $tree (run 'make tree' first)"
need_tool valgrind valgrind
need_tool /usr/bin/python3 python3
read -r -a ns <<<"${BENCH_N:-64 256 1024 4096}"
read -r -a states <<<"${BENCH_STATES:-upstream26 before fork}"
max_entries=${BENCH_CALLGRIND_MAX_ENTRIES:-2000000}

# state_rev STATE: the commit of build/fork/tree the state is
state_rev()
{
    local subject
    case "$1" in
        upstream26) subject='dco: process messages immediately after read' ;;
        before) subject='mudp: fix unaligned 32-bit read when parsing peer ID' ;;
        fork) git -C "$tree" rev-parse HEAD; return ;;
        *) die "unknown state $1 (upstream26, before, fork)" ;;
    esac
    git -C "$tree" log --format=%H -n1 --fixed-strings --grep="$subject" \
        | grep . || die "no commit '$subject' in $tree"
}

mkdir -p "$out"
tsv=$out/reap.tsv
printf 'state\tpath\tn\tdumps\tsingles\tentries\tbytes\twarnings\tinstructions\n' >"$tsv.new"
total=$(( ${#states[@]} * 4 * ${#ns[@]} ))
i=0
for state in "${states[@]}"; do
    rev=$(state_rev "$state")
    step "bench-reap: building $state (${rev:0:12} $(git -C "$tree" log -1 --format=%s "$rev"))"
    FUZZ_DIR=$out/$state FUZZ_TREE=$tree REV=$rev HARNESS=bench_reap \
        "$top/tests/fuzz/build.sh" >"$out/$state.build.log" 2>&1 \
        || { tail -n 20 "$out/$state.build.log" >&2; die "building bench_reap for $state failed"; }
    bin=$out/$state/bench_reap
    for path in event deferred shutdown userspace; do
        for n in "${ns[@]}"; do
            i=$((i + 1))
            read -r _ _ dumps singles entries bytes warnings < <("$bin" "$path" "$n") \
                || die "bench_reap $path $n failed for $state"
            ir=-
            if [ "$entries" -le "$max_entries" ]; then
                cg=$out/$state/callgrind.$path.$n
                valgrind --tool=callgrind --collect-atstart=no \
                    --toggle-collect=bench_reap_phase --callgrind-out-file="$cg" \
                    "$bin" "$path" "$n" >/dev/null 2>"$cg.log" \
                    || die "callgrind run of $path $n failed for $state, see $cg.log"
                ir=$(awk '$1 == "totals:" { print $2 }' "$cg")
                [ -n "$ir" ] || die "no totals in $cg"
            fi
            step "[$i/$total] $state $path N=$n: $dumps dumps, $singles single GET_PEERs, $entries entries, $bytes bytes, $warnings warnings, $ir instructions"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$state" "$path" "$n" \
                "$dumps" "$singles" "$entries" "$bytes" "$warnings" "$ir" >>"$tsv.new"
        done
    done
done
mv "$tsv.new" "$tsv"
/usr/bin/python3 "$here/report.py" "$tsv" "$out/reap.md" "$out/reap.png"
cat "$out/reap.md"
