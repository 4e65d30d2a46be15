#!/bin/bash
# Cross-build the fork for the appliance architectures with Debian 12's
# cross toolchains and multiarch libraries, run every unit test driver
# under qemu-user (binfmt_misc), and run tests/cross/test_dco_ifmode.c
# (the ovpn-dco interface mode on the wire, series #13) with and without
# #13.  tests/cross/README.md explains it; tests/cross/RESULTS.md has the
# last results.
#
# Usage: tests/cross/cross.sh deps ARCH...   install what the ARCHs need (root)
#        tests/cross/cross.sh run ARCH...    build and test each ARCH
#   ARCH: arm64, armhf (little-endian), s390x (big-endian)
# Environment:
#   CROSS_DIR   work directory (default build/cross)
#   CROSS_TREE  git tree to build (default build/fork/tree), REV its commit
#               (default: the branch dco-fork/2.6.14)
#   CROSS_CFLAGS  compiler flags (default QUICK_CFLAGS, -O0 -g0)
# Output: $CROSS_DIR/<arch>/ (the build, its logs), $CROSS_DIR/results.tsv
#   (one line per run: date, arch, commit, result, figures).  Fails if the
#   build, a unit test driver or the ifmode check fails, or if the ifmode
#   check without #13 does not fail on big-endian (or fails on little-endian).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# step, die, need_tool, host_apt, CONFIGURE_ARGS, QUICK_CFLAGS, FORK_BRANCH
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

cross_dir=$(realpath -m "${CROSS_DIR:-$BUILD_DIR/cross}")
tree=${CROSS_TREE:-$BUILD_DIR/fork/tree}
cflags=${CROSS_CFLAGS:-$QUICK_CFLAGS}
# the subject of series #13 (upstream a2037b26)
fix13_subject='DCO Linux: Fix setting DCO ifmode failing on big endian archs'

# triplet ARCH, qemu ARCH, endian ARCH
triplet()
{
    case "$1" in
        arm64) echo aarch64-linux-gnu ;;
        armhf) echo arm-linux-gnueabihf ;;
        s390x) echo s390x-linux-gnu ;;
        *) die "unknown architecture '$1' (arm64, armhf, s390x)" ;;
    esac
}

qemu_name()
{
    case "$1" in
        arm64) echo aarch64 ;;
        armhf) echo arm ;;
        s390x) echo s390x ;;
    esac
}

endian()
{
    case "$1" in
        s390x) echo big ;;
        *) echo little ;;
    esac
}

# the build dependencies of the fork, for a foreign architecture.  Not
# libpam0g-dev: the host's libpam0g (amd64) comes from bookworm-security,
# which has no s390x, and Multi-Arch: same needs one version for all; the
# PAM plugin is not built (--disable-plugin-auth-pam), nothing of DCO uses it
cross_libs=(pkg-config liblzo2-dev liblz4-dev libnl-genl-3-dev libcap-ng-dev libpkcs11-helper1-dev libcmocka-dev)

# deps ARCH...: dpkg --add-architecture, the cross toolchain, the libraries
# of each ARCH, qemu-user-static and binfmt-support.  libssl3 and
# libssl-dev are Multi-Arch: same, so every architecture (amd64 included)
# must have the same version; bookworm-security carries no s390x, so with
# s390x that is the version bookworm's point release has for s390x.
deps()
{
    local a want=() ver p status missing=()
    [ "$#" -gt 0 ] || die "deps: name the architectures"
    for a in "$@"; do
        triplet "$a" >/dev/null
    done
    # the installed state first: nothing to do if everything is there
    want=(qemu-user-static binfmt-support autoconf automake libtool pkg-config make libssl-dev)
    for a in "$@"; do
        want+=("crossbuild-essential-$a" "libssl-dev:$a")
        for p in "${cross_libs[@]}"; do
            want+=("$p:$a")
        done
    done
    for p in "${want[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
        [[ "$status" == *"install ok installed"* ]] || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        step "cross dependencies ($*) already installed"
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}; run 'tests/cross/cross.sh deps $*' as root"
    for a in "$@"; do
        case " $(dpkg --print-foreign-architectures | paste -sd ' ') " in
            *" $a "*) ;;
            *) dpkg --add-architecture "$a" ;;
        esac
    done
    host_apt update -qq || die "apt-get update failed"
    ver=
    case " $* " in
        *" s390x "*)
            ver=$(apt-cache policy libssl-dev:s390x | awk '$1 == "Candidate:" { print $2 }')
            if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
                die "Debian offers no libssl-dev:s390x"
            fi
            ;;
    esac
    want=(qemu-user-static binfmt-support autoconf automake libtool pkg-config make)
    if [ -n "$ver" ]; then
        want+=("libssl3=$ver" "libssl-dev=$ver")
    else
        want+=(libssl-dev)
    fi
    for a in "$@"; do
        want+=("crossbuild-essential-$a")
        if [ -n "$ver" ]; then
            want+=("libssl3:$a=$ver" "libssl-dev:$a=$ver")
        else
            want+=("libssl-dev:$a")
        fi
        for p in "${cross_libs[@]}"; do
            want+=("$p:$a")
        done
    done
    step "installing ${want[*]}"
    host_apt install -y -qq --no-install-recommends "${want[@]}" >/dev/null \
        || die "apt-get install failed (libssl: amd64 newer than ${ver:-the candidate}? see tests/cross/README.md)"
}

# binfmt ARCH: the kernel must run ARCH's binaries through qemu-user
binfmt()
{
    local q entry
    q=$(qemu_name "$1")
    entry=/proc/sys/fs/binfmt_misc/qemu-$q
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        [ "$(id -u)" = 0 ] || die "binfmt_misc is not mounted (as root: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)"
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
            || die "cannot mount binfmt_misc"
    fi
    if [ ! -e "$entry" ]; then
        need_tool update-binfmts binfmt-support
        update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || true
    fi
    if [ ! -e "$entry" ] || ! grep -qx enabled "$entry"; then
        die "no enabled binfmt_misc entry qemu-$q (update-binfmts --enable qemu-$q)"
    fi
    grep -q '^flags: .*F' "$entry" \
        || die "binfmt_misc entry qemu-$q lacks the F flag (qemu-user-static registers it with F)"
}

# ifmode_harness SRC OUT NETWORKING_SITNL_C: build test_dco_ifmode for the
# configured tree SRC, with NETWORKING_SITNL_C as the daemon's sitnl code
ifmode_harness()
{
    local src=$1 out=$2 sitnl=$3 o flags
    o=$src/src/openvpn
    read -r -a flags <<<"$cflags"
    # shellcheck disable=SC2046  # pkg-config prints several words
    "$cc" "${flags[@]}" -DHAVE_CONFIG_H -I"$src" -I"$src/include" -I"$src/src/compat" -I"$o" \
        -I"$src/tests/unit_tests/openvpn" $("$pkgconf" --cflags libnl-genl-3.0 openssl) \
        "$here/test_dco_ifmode.c" "$src/tests/unit_tests/openvpn/mock_msg.c" "$sitnl" \
        "$o/buffer.c" "$o/crypto.c" "$o/crypto_openssl.c" "$o/crypto_mbedtls.c" \
        "$o/fdmisc.c" "$o/otime.c" "$o/packet_id.c" "$o/platform.c" \
        -Wl,--wrap=socket,--wrap=bind,--wrap=getsockname,--wrap=sendmsg,--wrap=recvmsg \
        -lcmocka $("$pkgconf" --libs openssl libnl-genl-3.0 libcap-ng) -o "$out"
}

now()
{
    date +%s
}

# expected_drivers SRC: the test drivers that 'make check' in
# SRC/tests/unit_tests runs (TESTS of each directory, as configured), one
# a line
expected_drivers()
{
    local d
    for d in "$1"/tests/unit_tests/example_test "$1"/tests/unit_tests/openvpn \
        "$1"/tests/unit_tests/plugins/auth-pam; do
        [ -f "$d/Makefile" ] || continue
        # shellcheck disable=SC2016  # $(TESTS) is make's, not the shell's
        printf 'cross-print-tests:\n\t@echo $(TESTS)\n' \
            | make -s --no-print-directory -C "$d" -f Makefile -f - cross-print-tests
    done | tr -s ' ' '\n' | sed '/^$/d'
}

run_arch()
{
    local arch=$1 trip src rev fix13 t0 t1 t2 t3 t4 log n_pass n_other drivers rc d
    local with_rc without_rc verdict=pass expect
    trip=$(triplet "$arch")
    cc=$trip-gcc
    pkgconf=$trip-pkg-config
    need_tool "$cc" "crossbuild-essential-$arch ('tests/cross/cross.sh deps $arch')"
    need_tool "$pkgconf" "pkg-config"
    need_tool "qemu-$(qemu_name "$arch")-static" qemu-user-static
    binfmt "$arch"
    rev=$(git -C "$tree" rev-parse --verify "${REV:-refs/heads/$FORK_BRANCH}^{commit}") \
        || die "no commit ${REV:-$FORK_BRANCH} in $tree"
    fix13=$(git -C "$tree" log --format=%H -n1 --fixed-strings --grep="$fix13_subject" "$rev")
    [ -n "$fix13" ] || die "$tree at ${rev:0:12} has no commit '$fix13_subject'"

    src=$cross_dir/$arch/src
    log=$cross_dir/$arch
    step "$arch ($trip, $(endian "$arch")-endian): exporting ${rev:0:12} to $src"
    rm -rf "${cross_dir:?}/$arch"
    mkdir -p "$src"
    t0=$(now)
    git -C "$tree" archive --format=tar "$rev" | tar -x -m -C "$src"
    (
        cd "$src"
        autoreconf -fi >"$log/autoreconf.log" 2>&1 || die "$arch: autoreconf failed, see $log/autoreconf.log"
        step "$arch: configure --host=$trip ${CONFIGURE_ARGS[*]} --disable-plugin-auth-pam"
        ./configure --host="$trip" CC="$cc" PKG_CONFIG="$pkgconf" CFLAGS="$cflags" \
            "${CONFIGURE_ARGS[@]}" --disable-plugin-auth-pam >"$log/configure.log" 2>&1 \
            || die "$arch: configure failed, see $log/configure.log"
        grep -q '^#define ENABLE_DCO 1' config.h || die "$arch: configure did not enable DCO"
    )
    t1=$(now)
    step "$arch: make"
    nice -n 10 make -C "$src" -j"$(nproc)" >"$log/make.log" 2>&1 \
        || { tail -n 30 "$log/make.log" >&2; die "$arch: build failed, see $log/make.log"; }
    file -b "$src/src/openvpn/openvpn" >"$log/file.txt" 2>/dev/null || true
    t2=$(now)
    step "$arch: make check in tests/unit_tests (drivers under qemu-$(qemu_name "$arch") via binfmt_misc)"
    rc=0
    nice -n 10 make -C "$src/tests/unit_tests" -j"$(nproc)" check >"$log/check.log" 2>&1 || rc=$?
    t3=$(now)
    # automake's result lines (one word after the result; the drivers' own
    # log lines such as "ERROR: could not crypt: ..." are not results)
    grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR): [^ ]+$' "$log/check.log" >"$log/drivers.txt" || true
    cat "$log/drivers.txt" >&2
    # every driver automake runs must have run and passed
    expected_drivers "$src" >"$log/expected.txt"
    drivers=$(wc -l <"$log/expected.txt")
    n_pass=0
    while read -r d; do
        if grep -Fqx "PASS: $d" "$log/drivers.txt"; then
            n_pass=$((n_pass + 1))
        else
            step "$arch: $d did not pass"
        fi
    done <"$log/expected.txt"
    n_other=$(grep -vc '^PASS: ' "$log/drivers.txt") || n_other=0
    if [ "$rc" != 0 ] || [ "$n_other" != 0 ] || [ "$drivers" -lt 1 ] || [ "$n_pass" != "$drivers" ]; then
        tail -n 40 "$log/check.log" >&2
        verdict=fail
        step "$arch: unit tests FAILED ($n_pass of $drivers passed), see $log/check.log"
    fi
    for d in dco_linux_testdriver ssl_session_testdriver; do
        grep -q "^PASS: $d\$" "$log/drivers.txt" || { verdict=fail; step "$arch: $d did not pass"; }
    done

    step "$arch: test_dco_ifmode with and without #13 (${fix13:0:12})"
    mkdir -p "$log/no13"
    cp "$src/src/openvpn/networking_sitnl.c" "$log/no13/networking_sitnl.c"
    git -C "$tree" diff "$fix13^" "$fix13" -- src/openvpn/networking_sitnl.c \
        | patch -s -R -p3 -d "$log/no13" --fuzz=0 >/dev/null \
        || die "$arch: cannot revert #13 in a copy of networking_sitnl.c"
    ifmode_harness "$src" "$log/test_dco_ifmode" "$src/src/openvpn/networking_sitnl.c" \
        >"$log/ifmode-build.log" 2>&1 || { cat "$log/ifmode-build.log" >&2; die "$arch: harness build failed"; }
    ifmode_harness "$src" "$log/test_dco_ifmode-no13" "$log/no13/networking_sitnl.c" \
        >>"$log/ifmode-build.log" 2>&1 || { cat "$log/ifmode-build.log" >&2; die "$arch: harness build (no #13) failed"; }
    with_rc=0
    "$log/test_dco_ifmode" >"$log/ifmode.log" 2>&1 || with_rc=$?
    without_rc=0
    "$log/test_dco_ifmode-no13" >"$log/ifmode-no13.log" 2>&1 || without_rc=$?
    t4=$(now)
    sed 's/^/    with #13: /' "$log/ifmode.log" >&2
    sed 's/^/    without #13: /' "$log/ifmode-no13.log" >&2
    [ "$with_rc" = 0 ] || { verdict=fail; step "$arch: test_dco_ifmode FAILED with #13"; }
    if [ "$(endian "$arch")" = big ]; then
        expect="fails without #13"
        [ "$without_rc" != 0 ] || { verdict=fail; step "$arch: test_dco_ifmode passed without #13 on big-endian: it does not catch the bug"; }
    else
        expect="passes without #13"
        [ "$without_rc" = 0 ] || { verdict=fail; step "$arch: test_dco_ifmode failed without #13 on little-endian"; }
    fi
    printf '%s\t%s\t%s\t%s\tdrivers %s/%s passed\tifmode with #13 %s, without #13 %s (%s expected)\tconfigure %ss build %ss check %ss ifmode %ss total %ss\t%s\n' \
        "$(date -u +%Y-%m-%dT%H:%MZ)" "$arch" "${rev:0:12}" "$verdict" "$n_pass" "$drivers" \
        "$([ "$with_rc" = 0 ] && echo pass || echo fail)" \
        "$([ "$without_rc" = 0 ] && echo pass || echo fail)" "$expect" \
        $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t4 - t0)) \
        "$(cut -d, -f1-2 "$log/file.txt")" | tee -a "$cross_dir/results.tsv" >&2
    [ "$verdict" = pass ]
}

cmd=${1:-}
[ "$#" -gt 0 ] && shift
case "$cmd" in
    deps) deps "$@" ;;
    run-one) run_arch "$1" ;;
    run)
        [ "$#" -gt 0 ] || die "run: name the architectures (arm64 armhf s390x)"
        [ -d "$tree/.git" ] || die "no tree in $tree (run 'make tree' first)"
        for t in autoreconf:autoconf automake:automake libtoolize:libtool make:make patch:patch file:file; do
            need_tool "${t%%:*}" "${t#*:}"
        done
        mkdir -p "$cross_dir"
        failed=()
        # each architecture in a process of its own: errexit holds there
        # (it does not in a function called before ||)
        for a in "$@"; do
            "$0" run-one "$a" || failed+=("$a")
        done
        [ "${#failed[@]}" -eq 0 ] || die "cross: failed for ${failed[*]}"
        step "cross: passed for $*"
        ;;
    *) die "usage: $0 deps|run ARCH..." ;;
esac
