# shellcheck shell=bash
# Common helpers of the fork's build scripts.  Sourced, never run.

# Repository root and the directory everything generated goes to.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP/build}
LOCK_FILE=${LOCK_FILE:-$TOP/sources.lock}
DL_DIR=$BUILD_DIR/sources
# where the Debian packages are built (contrib/debian-package,
# contrib/dkms-package) and where the storm rig takes them from
PKG_DIR=${PKG_DIR:-$BUILD_DIR/debian-pkg}

# How every build of an assembled tree is configured (contrib/build-tree,
# contrib/check-series): DCO, OpenSSL, LZ4, LZO and PKCS#11.
# shellcheck disable=SC2034  # used by the scripts that source this file
CONFIGURE_ARGS=(--enable-dco --enable-pkcs11 --with-crypto-library=openssl --enable-lz4 --enable-lzo)

# Compiler flags of the builds that only ask "does it build and pass its
# tests" (the series check, the --disable-dco build, the proof build, the
# review build): three times faster to compile than Debian's -O2 -g.
# The tip as a distribution builds it ('make check', 'make build') keeps
# configure's defaults.
# shellcheck disable=SC2034  # used by the scripts that source this file
QUICK_CFLAGS="-O0 -g0"

# The builds run in different directories (build/<flavor>/<variant>, the
# series work tree): ccache hashes paths relative to build/ and not the
# directory itself, so the same source compiled elsewhere is a cache hit.
export CCACHE_BASEDIR=$BUILD_DIR CCACHE_NOHASHDIR=1

# tree_cc: the C compiler for those builds, gcc through ccache if it is there.
tree_cc()
{
    if command -v ccache >/dev/null 2>&1; then
        echo "ccache gcc"
    else
        echo gcc
    fi
}

# The branch name is what `openvpn --version` shows in its [git:...] tag
# when built from the assembled tree; keep it naming the fork.
FORK_BRANCH=${FORK_BRANCH:-dco-fork/2.6.14}

step()
{
    printf '==> %s\n' "$*" >&2
}

die()
{
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# series_release DIR UVER: the series release N that DIR/debian-fork/release
# names (DIR: this repository, or a checkout of one of its commits), once
# a patch of DIR/patches defines the version string "dco-fork UVER-N" that
# goes with it; the two must be equal (doc/support.md, "How fixes are
# added").
series_release()
{
    local dir=$1 uver=$2 release
    release=$(awk '$1 == "release" { print $2 }' "$dir/debian-fork/release")
    [ -n "$release" ] || die "no 'release' line in $dir/debian-fork/release"
    grep -qF "\"dco-fork $uver-$release\"" "$dir"/patches/*.patch \
        || die "debian-fork/release says release $release but no patch defines \"dco-fork $uver-$release\"; keep them equal"
    printf '%s\n' "$release"
}

# need_tool TOOL PACKAGE: stop with a message naming the missing tool.
need_tool()
{
    command -v "$1" >/dev/null 2>&1 \
        || die "required tool '$1' is missing (Debian package: $2; 'make deps' installs it)"
}

# lock_get KEY [FIELD...]: print lines of the lock file starting with KEY.
lock_lines()
{
    [ -r "$LOCK_FILE" ] || die "lock file $LOCK_FILE is missing"
    awk -v k="$1" '$1 == k' "$LOCK_FILE"
}

upstream_version()
{
    lock_lines upstream | awk '{ print $2; exit }'
}

# debian_version FLAVOR (debian13, debian12)
debian_version()
{
    local v
    v=$(lock_lines version | awk -v f="$1" '$2 == f { print $3; exit }')
    [ -n "$v" ] || die "no version pinned for flavor '$1' in $LOCK_FILE"
    printf '%s\n' "$v"
}

debian_suite()
{
    lock_lines version | awk -v f="$1" '$2 == f { print $4; exit }'
}

orig_tarball()
{
    printf 'openvpn_%s.orig.tar.gz\n' "$(upstream_version)"
}

# pinned_sum FILE: FILE's sha256 in the lock file; stops if it has none.
pinned_sum()
{
    local want
    want=$(lock_lines sha256 | awk -v n="$1" '$2 == n && !w { w = $3 } END { print w }')
    [ -n "$want" ] || die "$1 has no sha256 in $LOCK_FILE"
    printf '%s\n' "$want"
}

# dsc_files DSC: the files a .dsc in DL_DIR lists, one a line.
dsc_files()
{
    awk '/^Checksums-Sha256:/ { f = 1; next } /^[^ ]/ { f = 0 } f && NF == 3 { print $3 }' "$DL_DIR/$1"
}

# verify_dsc DSC: check DSC (in DL_DIR) against its pinned sum, then let
# dpkg-source check the sizes and sums of the files it lists (an extraction
# into a scratch directory).  The sums of the checked files are kept in a
# stamp next to them, so that later calls only compare those.
verify_dsc()
{
    local dsc=$1 stamp tmp f listed
    stamp=$DL_DIR/.${dsc%.dsc}.verified
    verify_file "$dsc"
    if [ -f "$stamp" ] && (cd "$DL_DIR" && sha256sum --quiet -c "$stamp") >/dev/null 2>&1; then
        return 0
    fi
    mapfile -t listed < <(dsc_files "$dsc")
    for f in "${listed[@]}"; do
        [ -f "$DL_DIR/$f" ] || die "$f, which $dsc lists, is missing from $DL_DIR (run 'make fetch')"
    done
    need_tool dpkg-source dpkg-dev
    tmp=$(mktemp -d)
    if ! dpkg-source --no-copy --skip-patches -x "$DL_DIR/$dsc" "$tmp/src" >"$tmp/log" 2>&1; then
        cat "$tmp/log" >&2
        rm -rf "$tmp"
        die "$dsc: dpkg-source found a file it lists corrupt or not the one it pins (delete the files and run 'make fetch'; if Debian published a new revision, see 'make refresh-lock')"
    fi
    rm -rf "$tmp"
    (cd "$DL_DIR" && sha256sum "$dsc" "${listed[@]}") >"$stamp"
}

# verify_file FILE: check FILE (in DL_DIR) against its pinned sum.
verify_file()
{
    local name=$1 want have
    want=$(pinned_sum "$name") || exit 1
    [ -f "$DL_DIR/$name" ] || die "$name is missing from $DL_DIR (run 'make fetch')"
    have=$(sha256sum "$DL_DIR/$name" | awk '{ print $1 }')
    if [ "$have" != "$want" ]; then
        die "$name: sha256 mismatch: expected $want, got $have; the file is corrupt or not the pinned input (delete it and run 'make fetch'; if Debian published a new revision, see 'make refresh-lock')"
    fi
}

# The apt client, pointed at a private state directory holding deb-src
# entries derived from this machine's own apt configuration.
APT_DIR=$BUILD_DIR/apt

apt_private()
{
    local tool=$1
    shift
    "$tool" -o Dir::Etc="$APT_DIR/etc" \
        -o Dir::Etc::SourceList="$APT_DIR/etc/sources.list" \
        -o Dir::Etc::SourceParts="$APT_DIR/etc/sources.list.d" \
        -o Dir::State="$APT_DIR/state" \
        -o Dir::State::Lists="$APT_DIR/lists" \
        -o Dir::Cache="$APT_DIR/cache" \
        -o APT::Sandbox::User=root \
        -o Debug::NoLocking=1 "$@"
}

# Print the archive URIs this machine uses: "main URI" and "security URI",
# as apt itself reads them from /etc/apt (`apt-get indextargets`, from the
# configuration alone: it needs no package lists).
apt_archive_uris()
{
    local targets
    # shellcheck disable=SC2016  # $(...) are apt's format fields
    targets=$(apt-get indextargets --no-release-info --format '$(TARGET_OF) $(REPO_URI) $(RELEASE)') \
        || die "apt-get indextargets failed: cannot read this machine's apt sources"
    awk '$1 == "deb" {
            uri = $2; sub(/\/$/, "", uri)
            if ($3 ~ /-security$/) { if (!sec) sec = uri }
            else if ($3 !~ /-/) { if (!main) main = uri }
        }
        END {
            if (main) print "main", main
            if (sec) print "security", sec
        }' <<<"$targets"
}

# Set up the private apt directory with deb-src entries for every suite
# the lock names, then update its lists.  With APT_UPDATE_STRICT=1
# (contrib/watch-debian) a suite whose lists could not be fetched fails the
# update instead of leaving its old lists in use (--error-on=any).
apt_setup()
{
    need_tool apt-get apt
    local uris main sec suites=() s out failed strict=()
    uris=$(apt_archive_uris)
    main=$(awk '$1 == "main" { print $2 }' <<<"$uris")
    sec=$(awk '$1 == "security" { print $2 }' <<<"$uris")
    [ -n "$main" ] || die "could not derive Debian's archive URI from /etc/apt"
    while read -r _ _ _ s; do
        suites+=("$s")
    done < <(lock_lines version)
    mkdir -p "$APT_DIR"/{etc/sources.list.d,etc/apt.conf.d,etc/preferences.d,state,lists/partial,cache/archives/partial}
    : >"$APT_DIR/etc/sources.list"
    {
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n' \
            "$main" "${suites[*]}"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        if [ -n "$sec" ]; then
            printf '\nTypes: deb-src\nURIs: %s\nSuites:' "$sec"
            for s in "${suites[@]}"; do
                printf ' %s-security' "$s"
            done
            printf '\nComponents: main\n'
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        fi
    } >"$APT_DIR/etc/sources.list.d/dco-fork-src.sources"
    step "updating the source package lists (${suites[*]})"
    [ "${APT_UPDATE_STRICT:-0}" != 1 ] || strict=(--error-on=any)
    if ! out=$(apt_private apt-get -qq "${strict[@]}" update 2>&1); then
        printf '%s\n' "$out" >&2
        # the suites named in apt's errors (".../dists/<suite>/...",
        # "'<uri> <suite> Release'")
        failed=$(sed -n -e 's|.*/dists/\([^/ ]*\)[/ ].*|\1|p' -e "s|.*'[^ ']* \([^ ']*\) Release'.*|\1|p" <<<"$out" \
            | sort -u | paste -sd ' ')
        die "apt-get update of the source lists failed: Debian's archive could not be asked for ${failed:-the suites ${suites[*]} and their -security suites}"
    fi
    [ -z "$out" ] || printf '%s\n' "$out" >&2
}

# Versions of the openvpn source package the archive offers now.
apt_available_versions()
{
    apt_private apt-cache showsrc openvpn 2>/dev/null \
        | awk '$1 == "Version:" { print $2 }' | sort -u
}

# apt_suite_versions PACKAGE: "suite version" for each version of the source
# package PACKAGE that the private lists offer, e.g. "trixie-security 2.6.14-1+deb13u3".
apt_suite_versions()
{
    apt_private apt-cache madison "$1" \
        | awk -F'|' '$3 ~ / Sources$/ { gsub(/[[:space:]]/, "", $2); split($3, a, " "); split(a[2], b, "/"); print b[1], $2 }'
}

# ------------------------------------------------------------------ series

SERIES_FILE=$TOP/patches/series
FROM_DEBIAN=${FROM_DEBIAN:-$TOP/patches/from-debian}
DEBIAN_ONLY=${DEBIAN_ONLY:-$TOP/patches/debian-only}

# series_patches: the patch files of patches/series, in order, one a line.
series_patches()
{
    [ -f "$SERIES_FILE" ] || die "patches/series is missing"
    awk '$1 !~ /^#/ && NF { print $1 }' "$SERIES_FILE"
}

# format_patches TREE OUTDIR RANGE [FORMAT-PATCH OPTION...]: git format-patch
# with the settings every export of ours shares: full blob ids, no rename
# detection, no signature, the same prefixes and abbreviation whatever the
# user's git configuration says.
format_patches()
{
    local tree=$1 outdir=$2 range=$3
    shift 3
    git -C "$tree" -c core.abbrev=12 -c diff.noprefix=false -c format.signOff=false \
        format-patch --quiet --no-signature --full-index --no-renames "$@" -o "$outdir" "$range"
}

# same_series DIR1 DIR2: true if both hold the same series and patch files
# (patches/from-debian and patches/debian-only are inputs of the assembly,
# not exported).
same_series()
{
    diff -ru -x from-debian -x debian-only "$1" "$2"
}

# upstream_claims PATCH: the upstream commits a patch of ours claims with
# '[ Upstream commit <40 hex> ]' lines, one a line.
upstream_claims()
{
    sed -n 's/^\[ Upstream commit \([0-9a-f]\{40\}\)\( .*\)\{0,1\} \]$/\1/p' "$1"
}

# patch_message PATCH: the commit message of a format-patch file (its
# subject line, then the body up to the '---' before the diffstat).
patch_message()
{
    awk '/^Subject: / { sub(/^Subject: (\[PATCH\] )?/, ""); on = 1 }
        on && /^---$/ { exit }
        on' "$1"
}

# list_lines FILE: the entries of one of our lists of Debian's patches,
# without comments and blank lines.
list_lines()
{
    [ -r "$1" ] || die "${1#"$TOP/"} is missing"
    awk '$1 !~ /^#/ && NF' "$1"
}

# from_debian_lines: "commit patch-id CVE file" for each upstream commit the
# fork takes from Debian's package (patches/from-debian).
from_debian_lines()
{
    list_lines "$FROM_DEBIAN"
}

# patch_id FILE: git's stable patch-id of a patch or mail file.  A quilt
# patch without git's 'diff --git' lines (most of Debian's DEP-3 patches),
# in which git patch-id finds no diff, gets the patch-id of the same change
# in git's form: a 'diff --git' line and a/, b/ prefixes for each '---'/'+++'
# pair (-p1), quilt's 'Index:' and '====' lines dropped.
patch_id()
{
    if grep -q '^diff --git ' "$1"; then
        cat "$1"
    else
        awk 'held != "" && /^\+\+\+ / {
                p = ($2 == "/dev/null") ? hp : $2
                sub(/^[^\/]*\//, "", p)
                print "diff --git a/" p " b/" p
                print (hp == "/dev/null" ? "--- /dev/null" : "--- a/" p)
                print ($2 == "/dev/null" ? "+++ /dev/null" : "+++ b/" p)
                held = ""
                next
            }
            held != "" { print held; held = "" }
            /^--- / { held = $0; hp = $2; next }
            /^(Index: |====|diff )/ { next }
            { print }
            END { if (held != "") print held }' "$1"
    fi | git patch-id --stable | awk 'NR == 1 { print $1 }'
}

# patch_commit FILE: the upstream commit a Debian patch says it is: the
# commit of a format-patch file ('From <40 hex> ...' first), or the commit
# (7 to 40 hex) that a DEP-3 header's 'Origin: upstream, ...' or 'Origin:
# backport, ...' names (e.g. .../commit/<sha>).  Empty if neither.
patch_commit()
{
    local sha
    sha=$(sed -n '1s/^From \([0-9a-f]\{40\}\) .*/\1/p' "$1")
    [ -n "$sha" ] || sha=$(sed -n -E '/^(---|Index:|diff )/q
        s/^Origin:[[:space:]]*(upstream|backport),(.*[^0-9a-f])?([0-9a-f]{7,40})([^0-9a-zA-Z].*)?$/\3/p' "$1")
    printf '%s\n' "$sha"
}

# debian_patches FLAVOR DIR: unpack the pinned Debian flavor's quilt
# patches (verified by fetch-sources) into DIR/debian/patches.
debian_patches()
{
    local dver
    dver=$(debian_version "$1")
    mkdir -p "$2"
    tar -xJf "$DL_DIR/openvpn_$dver.debian.tar.xz" -C "$2" debian/patches \
        || die "cannot unpack debian/patches from openvpn_$dver.debian.tar.xz"
}

# debian_upstream_index FLAVOR DIR: check every patch of DIR/debian/patches/series
# (unpacked with debian_patches) and print "commit patch-id file" for each
# that is an upstream commit (patch_commit).  Every patch Debian applies is
# decided: an upstream commit must be in patches/from-debian, any other
# patch in patches/debian-only (Debian's own changes), each with its
# patch-id.  A patch in neither list, or whose patch-id changed, stops
# here, so that no fix Debian adds is left out of the fork without a word.
debian_upstream_index()
{
    local flavor=$1 dir=$2/debian/patches dver p sha pid want only
    dver=$(debian_version "$flavor")
    [ -f "$dir/series" ] || die "Debian $dver has no debian/patches/series"
    only=$(list_lines "$DEBIAN_ONLY")
    while read -r p _; do
        case "$p" in ''|\#*) continue ;; esac
        [ -f "$dir/$p" ] || die "Debian $dver's series names $p, which its package lacks"
        pid=$(patch_id "$dir/$p")
        [ -n "$pid" ] || die "Debian $dver's debian/patches/$p holds no diff that git patch-id can read"
        want=$(awk -v f="$p" '$1 == f { printf "%s ", $2 }' <<<"$only")
        if [ -n "$want" ]; then
            grep -qw -- "$pid" <<<"$want" \
                || die "Debian $dver's debian/patches/$p changed (patch-id $pid, patches/debian-only lists $want): review Debian's change, then update its line there (doc/maintaining.md)"
            continue
        fi
        sha=$(patch_commit "$dir/$p")
        [ -n "$sha" ] \
            || die "Debian $dver applies debian/patches/$p (patch-id $pid), which is neither an upstream commit (no 'From <sha>' first line, no 'Origin: upstream|backport, ...<sha>' header) nor listed in patches/debian-only: decide it (doc/maintaining.md, 'When Debian publishes a new revision'): an upstream commit goes to patches/from-debian, a Debian-only change to patches/debian-only"
        want=$(from_debian_lines | awk -v c="$sha" 'index($1, c) == 1 && !w { w = $1 " " $2 } END { print w }')
        [ -n "$want" ] \
            || die "Debian $dver carries upstream commit ${sha:0:12} as debian/patches/$p, which patches/from-debian does not list: decide it (doc/maintaining.md, 'When Debian publishes a new revision'), add it there and to doc/upstream-2.6.md (or, if it is Debian's own change, to patches/debian-only)"
        [ "$pid" = "${want#* }" ] \
            || die "Debian $dver's debian/patches/$p is no longer upstream commit ${sha:0:12} byte for byte (patch-id $pid, listed ${want#* }): review Debian's change before taking it"
        printf '%s %s %s\n' "${want% *}" "$pid" "$p"
    done <"$dir/series"
}

# debian_carries PATCH INDEX: print the Debian patch file that carries a
# patch of ours, found by the upstream commit(s) it claims (all of them)
# or by its patch-id; INDEX is debian_upstream_index's output.  Fails when
# Debian does not carry it.
debian_carries()
{
    local f=$1 index=$2 claims c hit="" pid
    claims=$(upstream_claims "$f")
    if [ -n "$claims" ]; then
        for c in $claims; do
            hit=$(awk -v c="$c" '$1 == c { print $3; exit }' <<<"$index")
            [ -n "$hit" ] || break
        done
    fi
    if [ -z "$hit" ]; then
        pid=$(patch_id "$f")
        hit=$(awk -v p="$pid" '$2 == p { print $3; exit }' <<<"$index")
    fi
    [ -n "$hit" ] && printf '%s\n' "$hit"
}

LEDGER=${LEDGER:-$TOP/doc/upstream-2.6.md}

# ledger_rows [SECTION]: "hash carried" for every row of the ledger's tables
# (doc/upstream-2.6.md) whose first cell is a commit hash; with SECTION
# (an awk regex) only the rows under a '## ' heading matching it.
ledger_rows()
{
    [ -f "$LEDGER" ] || die "the ledger ${LEDGER#"$TOP/"} is missing"
    awk -F'|' -v want="${1:-}" '
        BEGIN { on = (want == "") }
        /^## / { on = (want == "" || $0 ~ want) }
        on && /^\|/ {
            h = $2; c = $5
            gsub(/[ `]/, "", h); gsub(/[ `*]/, "", c)
            if (h ~ /^[0-9a-f]+$/ && length(h) >= 8) print h, c
        }' "$LEDGER"
}

# ledger_find SHA ROWS: the row of ROWS (ledger_rows output) whose
# abbreviated hash SHA starts with, if any.
ledger_find()
{
    awk -v s="$1" 'index(s, $1) == 1 { print; exit }' <<<"$2"
}

# isolated COMMAND...: run COMMAND in a private network namespace with
# only loopback up.  Package builds run without network, like on Debian's
# buildds, and test suites (t_cltsrv.sh and t_lpback.sh listen on fixed
# loopback ports) cannot collide with other builds or tests on this host.
isolated()
{
    need_tool unshare util-linux
    need_tool ip iproute2
    unshare --net -- /bin/sh -euc 'ip link set lo up; exec "$@"' sh "$@"
}

# host_apt ARGS...: apt-get on this machine, one at a time.  make test runs
# some steps side by side (Makefile, contrib/background), and two apt-get
# or dpkg runs at once fail on dpkg's lock instead of waiting for it.
host_apt()
{
    need_tool flock util-linux
    DEBIAN_FRONTEND=noninteractive flock "${HOST_APT_LOCK:-/run/lock/dcofork-apt.lock}" \
        apt-get -o DPkg::Lock::Timeout=600 "$@"
}
