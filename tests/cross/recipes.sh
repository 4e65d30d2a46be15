#!/bin/bash
# Check the recipes of doc/consuming.md against the distributions' real
# trees: apply the queue (make queue) to pristine 2.6.14 after the build
# system's own patches, in its order and with its tool, for the commits
# doc/consuming.md names.  Only trees that ship (or shipped) 2.6.14 can
# take the queue; the others are listed there as "not applied".
#
# Usage: tests/cross/recipes.sh QUEUE_DIR
# Environment (git directories of the distributions' trees; a check whose
# tree is not given is skipped):
#   BUILDROOT_GIT  buildroot/buildroot        (tag 2025.02.8, the last with 2.6.14)
#   MOE_GIT        openembedded/meta-openembedded (branch scarthgap)
#   OPENWRT_GIT    openwrt/packages            (openwrt-24.10 at b446c2e9e5, the last 2.6.14)
#   RECIPES_DIR    work directory (default build/cross/recipes)
# Output: one line per check on stdout and in $RECIPES_DIR/results.txt;
#   fails if a check that doc/consuming.md says applies does not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=contrib/lib.sh
. "$top/contrib/lib.sh"

queue=$(realpath "${1:?usage: $0 QUEUE_DIR (from make queue)}")
[ -f "$queue/series" ] || die "$queue has no series file"
work=$(realpath -m "${RECIPES_DIR:-$BUILD_DIR/cross/recipes}")
tarball=$DL_DIR/$(orig_tarball)
# Debian's orig tarball, checked through the pinned .dsc, is upstream's
# release tarball: the sum Yocto's SRC_URI and OpenWrt's PKG_HASH pin
verify_dsc "openvpn_$(debian_version debian13).dsc"
upstream_sum=9eb6a6618352f9e7b771a9d38ae1631b5edfeed6d40233e243e602ddf2195e7a
[ "$(sha256sum "$tarball" | awk '{ print $1 }')" = "$upstream_sum" ] \
    || die "$tarball is not upstream's openvpn-2.6.14.tar.gz ($upstream_sum)"
need_tool quilt quilt
need_tool patch patch
rm -rf "$work"
mkdir -p "$work"
results=$work/results.txt
: >"$results"
failed=0

mapfile -t series < <(awk 'NF && $1 !~ /^#/ { print $1 }' "$queue/series")

# qnum PATCH: the patch's number in the queue (doc/consuming.md, "Patch
# numbers"): 0030 for series patch #30 (0030-<slug>.patch), d02 for the
# second upstream commit taken from Debian (0000-d02-<slug>.patch)
qnum()
{
    local n=${1%%-*}
    if [ "$n" = 0000 ]; then
        n=${1#0000-}
        n=${n%%-*}
    fi
    printf '%s\n' "$n"
}

# the queue's patches that change autotools input (doc/consuming.md)
for p in "${series[@]}"; do
    f=$(awk '/^diff --git / && ($3 ~ /(Makefile\.am|configure\.ac|\.m4)$/) { sub(/^a\//, "", $3); printf "%s ", $3 }' "$queue/$p")
    [ -z "$f" ] || printf 'autotools input: %s: %s\n' "$p" "$f"
done

report()
{
    printf '%s\n' "$*" | tee -a "$results"
}

# unpack DIR: pristine 2.6.14 in DIR/openvpn-2.6.14
unpack()
{
    mkdir -p "$1"
    tar -xzf "$tarball" -C "$1"
}

# -------------------------------------------------------------- Buildroot
# support/scripts/apply-patches.sh of the tag itself: package/openvpn/*.patch
# (none at 2025.02.8), then $(BR2_GLOBAL_PATCH_DIR)/openvpn/*.patch in
# name order, 'patch -g0 -p1 -E --no-backup-if-mismatch -t -N', any reject
# fatal.
buildroot()
{
    local git=$1 tag=2025.02.8 rev d skip=${2:-} name=${3:-the queue} p out
    rev=$(git --git-dir="$git" rev-parse "$tag^{commit}")
    d=$work/buildroot-$tag${skip:+-no$skip}
    unpack "$d"
    git --git-dir="$git" show "$rev:support/scripts/apply-patches.sh" >"$d/apply-patches.sh"
    mkdir -p "$d/global/openvpn" "$d/pkg"
    git --git-dir="$git" show "$rev:package/openvpn/openvpn.mk" | grep -q '^OPENVPN_VERSION = 2\.6\.14$' \
        || die "Buildroot $tag does not ship 2.6.14"
    for p in "${series[@]}"; do
        [ -n "$skip" ] && [ "$(qnum "$p")" = "$skip" ] && continue
        cp "$queue/$p" "$d/global/openvpn/"
    done
    if out=$(bash "$d/apply-patches.sh" "$d/openvpn-2.6.14" "$d/global/openvpn" 2>&1); then
        report "buildroot $tag ($rev): $name: applies ($(grep -c '^Applying ' <<<"$out") patches)"
        return 0
    fi
    report "buildroot $tag ($rev): $name: FAILS at $(grep '^Applying ' <<<"$out" | tail -n 1 | sed 's/^Applying \([^ ]*\).*/\1/; s|.*/||')"
    return 1
}

# ------------------------------------------------------------------ Yocto
# do_patch: the SRC_URI *.patch entries in SRC_URI order (the recipe's,
# then the bbappend's SRC_URI +=), with quilt, -p1; OE-core fails a patch
# that needs fuzz (the patch-fuzz QA check), so --fuzz=0.
yocto()
{
    local git=$1 branch=scarthgap drop=${2:-} name=$3 remove=${4:-} rev d recipe f p n out
    rev=$(git --git-dir="$git" rev-parse "$branch^{commit}")
    recipe=meta-networking/recipes-support/openvpn/openvpn_2.6.14.bb
    d=$work/yocto-$branch-$name
    unpack "$d"
    mkdir -p "$d/openvpn-2.6.14/patches"
    n=0
    # the recipe's own patches, in its SRC_URI order
    while read -r f; do
        # the bbappend's SRC_URI:remove
        [ "$f" = "$remove" ] && continue
        git --git-dir="$git" show "$rev:meta-networking/recipes-support/openvpn/openvpn/$f" \
            >"$d/openvpn-2.6.14/patches/$f"
        echo "$f" >>"$d/openvpn-2.6.14/patches/series"
        n=$((n + 1))
    done < <(git --git-dir="$git" show "$rev:$recipe" | sed -n 's|.*file://\([^ ]*\.patch\).*|\1|p')
    for p in "${series[@]}"; do
        [[ " $drop " == *" $(qnum "$p") "* ]] && continue
        cp "$queue/$p" "$d/openvpn-2.6.14/patches/"
        echo "$p" >>"$d/openvpn-2.6.14/patches/series"
    done
    if out=$(cd "$d/openvpn-2.6.14" && QUILT_PATCHES=patches quilt push -a --fuzz=0 2>&1); then
        report "yocto $branch ($rev): $name: applies with quilt --fuzz=0 ($n recipe patches, then $(($(wc -l <"$d/openvpn-2.6.14/patches/series") - n)) of the queue)"
        return 0
    fi
    report "yocto $branch ($rev): $name: FAILS at $(grep '^Applying patch ' <<<"$out" | tail -n 1 | sed 's/^Applying patch //; s|.*/||')"
    return 1
}

# ---------------------------------------------------------------- OpenWrt
# net/openvpn/patches/*.patch in file-name order with patch -p1 (OpenWrt's
# Build/Patch); ours copied in as 900-<queue file name> after its 1xx (the
# queue's own names sort in its order, so the prefix keeps it and its
# numbers); checked with --fuzz=0.
openwrt()
{
    local git=$1 rev=b446c2e9e5 d f p out
    rev=$(git --git-dir="$git" rev-parse "$rev^{commit}")
    git --git-dir="$git" show "$rev:net/openvpn/Makefile" | grep -q '^PKG_VERSION:=2\.6\.14$' \
        || die "OpenWrt packages $rev does not ship 2.6.14"
    d=$work/openwrt-24.10
    unpack "$d"
    mkdir -p "$d/patches"
    while read -r f; do
        git --git-dir="$git" show "$rev:$f" >"$d/patches/${f##*/}"
    done < <(git --git-dir="$git" ls-tree --name-only "$rev" net/openvpn/patches/)
    for p in "${series[@]}"; do
        cp "$queue/$p" "$d/patches/900-$p"
    done
    for f in "$d"/patches/*.patch; do
        if ! out=$(patch -d "$d/openvpn-2.6.14" -p1 --fuzz=0 --no-backup-if-mismatch -s <"$f" 2>&1); then
            report "openwrt 24.10 packages ($rev): 1xx then ours as 900-: FAILS at ${f##*/}: $out"
            return 1
        fi
    done
    report "openwrt 24.10 packages ($rev): applies with patch -p1 --fuzz=0 ($(find "$d/patches" -name '1*.patch' | wc -l) OpenWrt patches, then ${#series[@]} of the queue)"
}

if [ -n "${BUILDROOT_GIT:-}" ]; then
    buildroot "$BUILDROOT_GIT" || failed=1
    # leaving the fake-kernel test patch out (what doc/consuming.md said
    # until issue 29): later patches must fail, so the doc must not say it
    fk=$(grep -l '^Subject: .*tests: fake-kernel unit tests' "$queue"/*.patch | head -n 1)
    fk=$(qnum "${fk##*/}")
    if buildroot "$BUILDROOT_GIT" "$fk" "the queue without $fk (fake-kernel tests)"; then
        failed=1
        report "  (unexpected: without the fake-kernel tests the queue applied)"
    fi
fi
if [ -n "${MOE_GIT:-}" ]; then
    # the whole queue: must fail where the recipe's CVE-2025-13086.patch
    # already made the change
    if yocto "$MOE_GIT" "" whole-queue; then
        failed=1
        report "  (unexpected: the whole queue applied on top of the recipe's patches)"
    fi
    # without the queue's own CVE-2025-13086 patch: its prerequisite
    # 68c01720 (check-message-id) conflicts with the recipe's backport
    # made without it, and without both the queue loses 68c01720
    cve=$(grep -l '^Subject: .*Fix memcmp check for the hmac verification' "$queue"/*.patch | head -n 1)
    cve=$(qnum "${cve##*/}")
    pre=$(grep -l '^Subject: .*Check message id/acked ids too' "$queue"/*.patch | head -n 1)
    pre=$(qnum "${pre##*/}")
    if yocto "$MOE_GIT" "$cve" "queue-without-$cve"; then
        failed=1
        report "  (unexpected: the queue without $cve applied)"
    fi
    if yocto "$MOE_GIT" "$pre $cve" "queue-without-$pre-$cve"; then
        report "  (applies, but loses 68c01720, which the recipe does not carry)"
    fi
    # what doc/consuming.md prescribes: the bbappend removes the recipe's
    # CVE-2025-13086.patch (the queue carries the same upstream fix,
    # fa6a1824, after its prerequisite) and appends the whole queue
    yocto "$MOE_GIT" "" "SRC_URI-remove-CVE-2025-13086.patch-whole-queue" CVE-2025-13086.patch || failed=1
fi
if [ -n "${OPENWRT_GIT:-}" ]; then
    openwrt "$OPENWRT_GIT" || failed=1
fi
[ "$failed" = 0 ] || die "a recipe check did not give the documented result (see $results)"
step "recipe checks done: $results"
