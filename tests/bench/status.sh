#!/bin/bash
# make bench-status: what one interval of the status file costs a DCO
# server with N clients, per client (tests/bench/bench_status.c), before
# and after "multi: write the status file with one write() per interval":
#   before   the parent of that commit
#   after    that commit
# For each state, status-version and N: the instructions of the interval
# (callgrind, multi_print_status() with its GET_PEER dump), the write()s to
# the file, the localtime() calls (each a stat() of /etc/localtime) and
# all system calls (callgrind --collect-systime) per interval.  Counted, no
# wall time.  Results: build/bench/status.tsv, then tests/bench/report.py
# --status writes the table (build/bench/status.md).
#
# Environment: BENCH_N (default "64 256 1024 4096"), BENCH_VERSIONS
#   (default "1 2 3"), BENCH_TREE (default build/fork/tree),
#   BENCH_STATUS_REVS ("BEFORE AFTER" commits, instead of finding them by
#   the commit's subject).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

tree=${BENCH_TREE:-$BUILD_DIR/fork/tree}
out=$BUILD_DIR/bench
[ -d "$tree/.git" ] || die "no fork tree in $tree (run 'make tree' first)"
need_tool valgrind valgrind
need_tool /usr/bin/python3 python3
read -r -a ns <<<"${BENCH_N:-64 256 1024 4096}"
read -r -a versions <<<"${BENCH_VERSIONS:-1 2 3}"
subject='multi: write the status file with one write() per interval'

if [ -n "${BENCH_STATUS_REVS:-}" ]; then
    read -r before after <<<"$BENCH_STATUS_REVS"
else
    after=$(git -C "$tree" log --format=%H -n1 --fixed-strings --grep="$subject" | grep .) \
        || die "no commit '$subject' in $tree"
    before=$after^
fi
before=$(git -C "$tree" rev-parse --verify "$before^{commit}")
after=$(git -C "$tree" rev-parse --verify "$after^{commit}")

# build STATE REV: bench_status of REV in $out/status-STATE
build()
{
    local state=$1 rev=$2 dir=$out/status-$1
    step "bench-status: building $state (${rev:0:12} $(git -C "$tree" log -1 --format=%s "$rev"))"
    # the daemon objects, as for bench_reap
    FUZZ_DIR=$dir FUZZ_TREE=$tree REV=$rev HARNESS=bench_reap \
        "$top/tests/fuzz/build.sh" >"$dir.build.log" 2>&1 \
        || { tail -n 20 "$dir.build.log" >&2; die "building the objects for $state failed"; }
    local src=$dir/src
    # shellcheck disable=SC2016 # a make recipe: $(...) is for make
    printf 'print-%%:\n\t@echo $($*)\n' >"$dir/print.mk"
    query()
    {
        make -s --no-print-directory -C "$src/src/openvpn" -f Makefile -f "$dir/print.mk" "print-$1"
    }
    local objs=() o
    for o in $(query am_openvpn_OBJECTS); do
        case "$o" in
            openvpn.o | mudp.o) ;;
            *) objs+=("$src/src/openvpn/$o") ;;
        esac
    done
    local libs nl_cflags defs=() wraps=() w
    read -r -a libs <<<"$(query LIBS) $(query OPTIONAL_LZO_LIBS) $(query OPTIONAL_LZ4_LIBS) \
        $(query OPTIONAL_PKCS11_HELPER_LIBS) $(query OPTIONAL_CRYPTO_LIBS) \
        $(query OPTIONAL_SELINUX_LIBS) $(query OPTIONAL_SYSTEMD_LIBS) \
        $(query OPTIONAL_DL_LIBS) $(query OPTIONAL_INOTIFY_LIBS)"
    read -r -a nl_cflags <<<"$(query LIBNL_GENL_CFLAGS) $(query OPTIONAL_CRYPTO_CFLAGS)"
    grep -q resync_pending "$src/src/openvpn/dco_linux.h" && defs+=(-DFUZZ_HAVE_RESYNC)
    grep -q free_peer_ids "$src/src/openvpn/multi.h" && defs+=(-DFUZZ_HAVE_PEER_ID_FIFO)
    grep -q 'struct dco_request' "$src/src/openvpn/dco_linux.h" && defs+=(-DFUZZ_HAVE_REQUEST_SEQ)
    for w in nl_send_auto genl_ctrl_resolve nl_socket_add_membership net_iface_new \
        net_iface_del if_nametoindex x_msg assert_failed poll write localtime; do
        wraps+=("-Wl,--wrap=$w")
    done
    gcc -g -O2 "${defs[@]}" -DHAVE_CONFIG_H -I"$here" -I"$top/tests/fuzz" -I"$src" \
        -I"$src/include" -I"$src/src/compat" -I"$src/src/openvpn" "${nl_cflags[@]}" \
        -DPLUGIN_LIBDIR='"/usr/lib/openvpn/plugins"' \
        -c "$here/bench_status.c" -o "$dir/bench_status.o"
    gcc -g -o "$dir/bench_status" "$dir/bench_status.o" "${objs[@]}" \
        "$src/src/compat/.libs/libcompat.a" "${wraps[@]}" "${libs[@]}"
}

mkdir -p "$out"
build before "$before"
build after "$after"

tsv=$out/status.tsv
printf 'state\tversion\tn\tbytes\twrites\tlocaltimes\tsyscalls\tinstructions\n' >"$tsv.new"
total=$(( 2 * ${#versions[@]} * ${#ns[@]} ))
i=0
for state in before after; do
    bin=$out/status-$state/bench_status
    for v in "${versions[@]}"; do
        for n in "${ns[@]}"; do
            i=$((i + 1))
            read -r _ _ bytes writes lts < <(env -u TZ "$bin" "$v" "$n") \
                || die "bench_status $v $n failed for $state"
            cg=$out/status-$state/callgrind.$v.$n
            env -u TZ valgrind --tool=callgrind --collect-atstart=no --collect-systime=yes \
                --toggle-collect=bench_status_phase --callgrind-out-file="$cg" \
                "$bin" "$v" "$n" >/dev/null 2>"$cg.log" \
                || die "callgrind run of $v $n failed for $state, see $cg.log"
            read -r ir sys < <(awk '$1 == "totals:" { print $2, $3 }' "$cg")
            if [ -z "$ir" ] || [ -z "$sys" ]; then
                die "no totals in $cg"
            fi
            step "[$i/$total] $state version $v N=$n: $bytes bytes, $writes writes, $lts localtime() calls, $sys system calls, $ir instructions ($((ir / n)) per client)"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$state" "$v" "$n" "$bytes" \
                "$writes" "$lts" "$sys" "$ir" >>"$tsv.new"
        done
    done
done
mv "$tsv.new" "$tsv"
/usr/bin/python3 "$here/report.py" --status "$tsv" "$out/status.md"
cat "$out/status.md"
