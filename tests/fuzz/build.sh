#!/bin/bash
# Build a harness that links the daemon's objects against a fake ovpn-dco
# kernel (fake_ovpn_dco.h beside this script), against a commit of the
# assembled fork tree:
#   HARNESS=fuzz_dco_netlink (default): the libFuzzer harness, with clang:
#     the daemon sources with -fsanitize=fuzzer-no-link,address,undefined,
#     the harness with -fsanitize=fuzzer, and the seed corpus;
#   HARNESS=fuzz_control_channel: the libFuzzer harness of the server's
#     pre-authentication control channel (same flags), its keys (the
#     tree's sample keys, tls-crypt-v2 keys generated with the built
#     openvpn into $FUZZ_DIR/keys) and seed corpus ($FUZZ_DIR/cc-seeds);
#   HARNESS=bench_reap: tests/bench/bench_reap.c, the cost of reaping N
#     clients per close path (make bench-reap), with gcc -O2, no sanitizer.
#
# Usage: tests/fuzz/build.sh
# Environment:
#   FUZZ_DIR   work directory (default build/fuzz)
#   FUZZ_TREE  git tree to build (default build/fork/tree), REV its commit
#   CC         compiler (fuzz: clang, else clang-14; bench_reap: gcc)
#   FUZZ_SANITIZERS  sanitizers of the libFuzzer builds (default
#              address,undefined; "undefined" builds a harness about 2.4
#              times as fast that still stops on UBSan reports, SIGSEGV and
#              ASSERT, but not on memory errors that do not fault: use it in
#              its own FUZZ_DIR, see tests/fuzz/README.md)
#   FUZZ_PATCHES  patch files (-p1) applied
#              to the exported copy, to fuzz past findings whose fixes are
#              not in the tree yet; the tree itself is never changed
# Output: $FUZZ_DIR/$HARNESS, its seeds ($FUZZ_DIR/seeds/ or cc-seeds/)
#
# The tree is exported (git archive) into $FUZZ_DIR/src, never built in
# place; configure runs again only when the exported commit changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fuzz_dir=$(realpath -m "${FUZZ_DIR:-$top/build/fuzz}")
tree=${FUZZ_TREE:-$top/build/fork/tree}
src=$fuzz_dir/src
# step, die
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

harness=${HARNESS:-fuzz_dco_netlink}
case "$harness" in
    fuzz_dco_netlink) harness_src=$here/fuzz_dco_netlink.c ;;
    fuzz_control_channel) harness_src=$here/fuzz_control_channel.c ;;
    bench_reap) harness_src=$top/tests/bench/bench_reap.c ;;
    *) die "unknown HARNESS $harness (fuzz_dco_netlink, fuzz_control_channel, bench_reap)" ;;
esac
libfuzzer=false
case "$harness" in
    fuzz_*) libfuzzer=true ;;
esac

cc=${CC:-}
if [ "$harness" = bench_reap ]; then
    cc=${cc:-gcc}
    command -v "$cc" >/dev/null 2>&1 || die "$cc is missing"
fi
if [ -z "$cc" ]; then
    for c in clang clang-14; do
        if command -v "$c" >/dev/null 2>&1; then
            cc=$c
            break
        fi
    done
fi
[ -n "$cc" ] || die "clang is missing (apt-get install clang libclang-rt-14-dev)"
if $libfuzzer; then
    ccver=$("$cc" --version) || ccver=
    grep -q clang <<<"$ccver" || die "$cc is not clang"
fi
for t in autoreconf make python3 git; do
    command -v "$t" >/dev/null 2>&1 || die "required tool '$t' is missing"
done
[ -d "$tree/.git" ] || die "no tree in $tree (run 'make tree' first)"

if $libfuzzer; then
    # the libFuzzer runtime ships with libclang-rt-*-dev
    probe=$(mktemp -d)
    trap 'rm -rf "$probe"' EXIT
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long s) { (void)d; (void)s; return 0; }\n' \
        >"$probe/p.c"
    "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err" \
        || { cat "$probe/err" >&2; die "$cc cannot link libFuzzer (apt-get install libclang-rt-14-dev)"; }
    sanitizers=${FUZZ_SANITIZERS:-address,undefined}
    case "$sanitizers" in
        address,undefined | undefined) ;;
        *) die "FUZZ_SANITIZERS=$sanitizers: use address,undefined or undefined" ;;
    esac
    san="-fsanitize=$sanitizers -fno-sanitize-recover=undefined"
    cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san"
    link_flags=(-g -fsanitize=fuzzer)
    read -r -a san_flags <<<"$san"
    link_flags+=("${san_flags[@]}")
    compile_flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer "${san_flags[@]}")
    if [ "$harness" = fuzz_control_channel ]; then
        # the clock, randomness and the server socket's reads, writes and
        # accepts are the harness'
        wrapped="x_msg assert_failed gettimeofday time rand_bytes recvfrom
            sendto accept"
    else
        wrapped="nl_send_auto nl_recvmsgs genl_ctrl_resolve nl_socket_add_membership
            net_iface_new net_iface_del if_nametoindex x_msg assert_failed
            nla_get_u8 nla_get_u16 nla_get_u32 nla_get_u64 poll"
    fi
else
    cflags="-g -O2"
    link_flags=(-g)
    compile_flags=(-g -O2)
    wrapped="nl_send_auto genl_ctrl_resolve nl_socket_add_membership
        net_iface_new net_iface_del if_nametoindex x_msg assert_failed poll"
fi
rev=$(git -C "$tree" rev-parse --verify "${REV:-HEAD}^{commit}") || die "no commit ${REV:-HEAD} in $tree"
read -r -a patches <<<"${FUZZ_PATCHES:-}"
stamp="$rev $cc $cflags"
for p in "${patches[@]}"; do
    [ -f "$p" ] || die "no patch $p"
    stamp="$stamp $(sha256sum <"$p" | cut -c1-16)"
done

mkdir -p "$fuzz_dir"
if [ ! -f "$src/.fuzz-stamp" ] || [ "$(cat "$src/.fuzz-stamp")" != "$stamp" ]; then
    step "exporting ${rev:0:12} ($(git -C "$tree" log -1 --format=%s "$rev")) to $src"
    rm -rf "$src"
    mkdir -p "$src"
    git -C "$tree" archive --format=tar "$rev" | tar -x -m -C "$src"
    for p in "${patches[@]}"; do
        step "applying $p to the exported copy"
        patch -s -p1 -d "$src" <"$p" || die "$p does not apply"
    done
    step "autoreconf + configure (CC=$cc, $cflags)"
    (
        cd "$src"
        autoreconf -fi >autoreconf.log 2>&1 || die "autoreconf failed, see $src/autoreconf.log"
        CC=$cc CFLAGS=$cflags ./configure --enable-dco --enable-pkcs11 \
            --with-crypto-library=openssl --enable-lz4 --enable-lzo \
            >configure.log 2>&1 || die "configure failed, see $src/configure.log"
    )
    grep -q '^#define ENABLE_DCO 1' "$src/config.h" || die "configure did not enable DCO (libnl-genl-3-dev missing?)"
    printf '%s\n' "$stamp" >"$src/.fuzz-stamp"
fi

step "building the daemon objects ($cflags)"
jobs=$(nproc)
make -C "$src/src/compat" -j"$jobs" >"$fuzz_dir/make.log" 2>&1 \
    || { tail -n 30 "$fuzz_dir/make.log" >&2; die "build of libcompat failed"; }
make -C "$src/src/openvpn" -j"$jobs" openvpn >>"$fuzz_dir/make.log" 2>&1 \
    || { tail -n 30 "$fuzz_dir/make.log" >&2; die "build of the daemon failed"; }

# object list and libraries exactly as automake links the daemon
# shellcheck disable=SC2016 # a make recipe: $(...) is for make
printf 'print-%%:\n\t@echo $($*)\n' >"$fuzz_dir/print.mk"
query()
{
    make -s --no-print-directory -C "$src/src/openvpn" -f Makefile -f "$fuzz_dir/print.mk" "print-$1"
}
# main() is left out, and the sources the harness #includes for their
# static functions
included="openvpn.o mudp.o"
if [ "$harness" = fuzz_control_channel ]; then
    included="$included init.o mtcp.o ssl_pkt.o"
fi
objs=()
for o in $(query am_openvpn_OBJECTS); do
    case " $included " in
        *" $o "*) ;;
        *) objs+=("$src/src/openvpn/$o") ;;
    esac
done
read -r -a libs <<<"$(query LIBS) $(query OPTIONAL_LZO_LIBS) $(query OPTIONAL_LZ4_LIBS) \
    $(query OPTIONAL_PKCS11_HELPER_LIBS) $(query OPTIONAL_CRYPTO_LIBS) \
    $(query OPTIONAL_SELINUX_LIBS) $(query OPTIONAL_SYSTEMD_LIBS) \
    $(query OPTIONAL_DL_LIBS) $(query OPTIONAL_INOTIFY_LIBS)"
read -r -a nl_cflags <<<"$(query LIBNL_GENL_CFLAGS) $(query OPTIONAL_CRYPTO_CFLAGS)"

wraps=()
for w in $wrapped; do
    wraps+=("-Wl,--wrap=$w")
done

# features of the tree the harness adapts to
defs=()
if grep -q resync_pending "$src/src/openvpn/dco_linux.h"; then
    defs+=(-DFUZZ_HAVE_RESYNC)
fi
if grep -q free_peer_ids "$src/src/openvpn/multi.h"; then
    defs+=(-DFUZZ_HAVE_PEER_ID_FIFO)
fi
if grep -q 'struct dco_request' "$src/src/openvpn/dco_linux.h"; then
    defs+=(-DFUZZ_HAVE_REQUEST_SEQ)
fi

if [ "$harness" = fuzz_control_channel ]; then
    # the server's certificate and tls-auth/tls-crypt key are the tree's
    # sample keys; the tls-crypt-v2 keys are generated with the openvpn
    # just built (nothing secret is committed)
    keys=$fuzz_dir/keys
    if [ ! -f "$keys/.stamp" ] || [ "$(cat "$keys/.stamp")" != "$stamp" ]; then
        step "keys for the control channel harness in $keys"
        rm -rf "$keys"
        mkdir -p "$keys"
        for k in ca.crt server-ec.crt server-ec.key ta.key; do
            cp "$src/sample/sample-keys/$k" "$keys/$k"
        done
        ovpn=$src/src/openvpn/openvpn
        ASAN_OPTIONS=detect_leaks=0 "$ovpn" --genkey tls-crypt-v2-server "$keys/tc2-server.key" \
            >"$keys/genkey.log" 2>&1 || { cat "$keys/genkey.log" >&2; die "openvpn --genkey failed"; }
        ASAN_OPTIONS=detect_leaks=0 "$ovpn" --tls-crypt-v2 "$keys/tc2-server.key" \
            --genkey tls-crypt-v2-client "$keys/tc2-client.key" \
            >>"$keys/genkey.log" 2>&1 || { cat "$keys/genkey.log" >&2; die "openvpn --genkey failed"; }
        chmod 600 "$keys"/*.key
        printf '%s\n' "$stamp" >"$keys/.stamp"
    fi
    defs+=("-DFUZZ_KEY_DIR=\"$keys\"")
fi

step "building $harness"
"$cc" "${compile_flags[@]}" \
    "${defs[@]}" -DHAVE_CONFIG_H -I"$here" -I"$src" -I"$src/include" -I"$src/src/compat" -I"$src/src/openvpn" \
    "${nl_cflags[@]}" -DPLUGIN_LIBDIR='"/usr/lib/openvpn/plugins"' \
    -c "$harness_src" -o "$fuzz_dir/$harness.o"
"$cc" "${link_flags[@]}" -o "$fuzz_dir/$harness" \
    "$fuzz_dir/$harness.o" "${objs[@]}" "$src/src/compat/.libs/libcompat.a" \
    "${wraps[@]}" "${libs[@]}"
if [ "$harness" = bench_reap ]; then
    step "built $fuzz_dir/$harness"
    exit 0
fi

step "generating seeds"
if [ "$harness" = fuzz_control_channel ]; then
    seeds=$fuzz_dir/cc-seeds
    gen=$here/gen_seeds_cc.py
else
    seeds=$fuzz_dir/seeds
    gen=$here/gen_seeds.py
fi
rm -rf "$seeds"
python3 "$gen" "$seeds"
step "built $fuzz_dir/$harness ($(find "$seeds" -type f | wc -l) seeds in $seeds)"
