# shellcheck shell=bash
# Common helpers of the fork's build scripts.  Sourced, never run.

# Repository root and the directory everything generated goes to.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP/build}
LOCK_FILE=${LOCK_FILE:-$TOP/sources.lock}
DL_DIR=$BUILD_DIR/sources

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

# verify_file FILE: check FILE (in DL_DIR) against its pinned sum.
verify_file()
{
    local name=$1 want have
    want=$(lock_lines sha256 | awk -v n="$name" '$2 == n { print $3; exit }')
    [ -n "$want" ] || die "$name has no sha256 in $LOCK_FILE"
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
# read from /etc/apt (deb822 .sources files and one-line .list files).
apt_archive_uris()
{
    local files=()
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] || die "no apt sources found in /etc/apt"
    awk '
        function emit(uri, suite) {
            if (uri == "" || suite == "") return
            if (suite ~ /-security$/) { if (!sec) sec = uri }
            else if (suite !~ /-/) { if (!main) main = uri }
        }
        FNR == 1 { flush() }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[[:space:]]*$/) { flush(); next }
            if ($1 == "Types:") { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
            if ($1 == "URIs:") { uris = $2 }
            if ($1 == "Suites:") { suites = $0; sub(/^Suites:[[:space:]]*/, "", suites) }
            if ($1 == "Enabled:" && $2 == "no") { deb = 0 }
            next
        }
        function flush(   n, i, s) {
            if (deb && uris != "") {
                n = split(suites, s, /[[:space:]]+/)
                for (i = 1; i <= n; i++) emit(uris, s[i])
            }
            deb = 0; uris = ""; suites = ""
        }
        /^[[:space:]]*deb[[:space:]]/ {
            i = 2
            if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            emit($i, $(i + 1))
        }
        END {
            flush()
            if (main) print "main", main
            if (sec) print "security", sec
        }
    ' "${files[@]}"
}

# Set up the private apt directory with deb-src entries for every suite
# the lock names, then update its lists.
apt_setup()
{
    need_tool apt-get apt
    local uris main sec suites=() s
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
    apt_private apt-get -qq update \
        || die "apt-get update of the source lists failed"
}

# Versions of the openvpn source package the archive offers now.
apt_available_versions()
{
    apt_private apt-cache showsrc openvpn 2>/dev/null \
        | awk '$1 == "Version:" { print $2 }' | sort -u
}
