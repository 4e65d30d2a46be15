#!/bin/bash
# The fork's apt repository and its policy (doc/apt.md), proved in the
# qemu guests (tests/vm/) of Debian 12 and 13: from Debian's openvpn to the
# fork's through the repository of 'make apt-repo', then Debian's next
# security update (simulated) and the fork's rebuild on it.  The guard's
# warnings must appear at each step; the versions are checked by dpkg and by
# `openvpn --version`.
#
# Usage: tests/apt/apt-repo-test.sh [order|debian12|debian13]...
#   (default all three; order: only the version order of the Debian 12 to
#   13 upgrade, on the host, no guest)
# Environment: APT_REPO_DIR (default build/apt-repo, made by contrib/apt-repo
#   with its test key), VM_NS/VM_TAP/VM_RUN (default dcoapt, aptap0,
#   /run/dcofork-apt-vm: a guest of its own beside the storm rig's).
# Output: build/apt-repo-test/<release>.log, the transcript of each guest.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/lib.sh
. "$HERE/../../contrib/lib.sh"

export VM_NS=${VM_NS:-dcoapt} VM_TAP=${VM_TAP:-aptap0} VM_RUN=${VM_RUN:-/run/dcofork-apt-vm}
REPO=${APT_REPO_DIR:-$BUILD_DIR/apt-repo}
OUT=$BUILD_DIR/apt-repo-test
VM=$TOP/tests/vm/vm.sh
arch=$(dpkg --print-architecture)
release=$(awk '$1 == "release" { print $2 }' "$TOP/debian-fork/release")
export GNUPGHOME=$BUILD_DIR/apt-repo-testkey
[ -s "$REPO/dcofork-archive-keyring.gpg" ] || die "no repository in $REPO: run 'make apt-repo' first"
[ -d "$GNUPGHOME" ] || die "no test key in $GNUPGHOME: the test signs its stand-in of Debian's security suite with it ('make apt-repo' makes it)"
command -v reprepro >/dev/null 2>&1 || die "reprepro is missing ('make apt-repo' installs it)"
[ $# -gt 0 ] || set -- order debian12 debian13
mkdir -p "$OUT"

# The Debian 12 to 13 upgrade (doc/apt.md): the fork's bookworm openvpn
# sorts below Debian's trixie openvpn, which sorts below the fork's trixie
# build, and trixie's own module package replaces the fork's bookworm one.
check_order()
{
    local d12 d13 k12 k13 krel a b
    d12=$(debian_version debian12)
    d13=$(debian_version debian13)
    # dkms debian12 <bookworm's version> <trixie's, whose fixes it takes> <release>
    read -r _ _ k12 k13 krel < <(lock_lines dkms)
    set -- "$d12+dcofork$release" "$d13" "$d13+dcofork$release"
    if ! dpkg --compare-versions "$1" lt "$2" || ! dpkg --compare-versions "$2" lt "$3"; then
        die "12 to 13: expected $1 < $2 < $3"
    fi
    a=$k12+dcofork$krel b=$k13
    dpkg --compare-versions "$a" lt "$b" || die "12 to 13: expected openvpn-dco-dkms $a < $b"
    step "12 to 13: openvpn $1 < Debian's $2 < the fork's $3; openvpn-dco-dkms $a < trixie's $b"
}

# next_revision V: Debian's next update of V (its last number plus one)
next_revision()
{
    [[ $1 =~ ^(.*[^0-9])([0-9]+)$ ]] || die "cannot derive the next revision of $1"
    printf '%s%s\n' "${BASH_REMATCH[1]}" "$((BASH_REMATCH[2] + 1))"
}

# reversion DEB VERSION OUT: the same package under another version
reversion()
{
    local d
    d=$(mktemp -d)
    dpkg-deb -R "$1" "$d/p"
    sed -i "s/^Version: .*/Version: $2/" "$d/p/DEBIAN/control"
    dpkg-deb --root-owner-group -Zxz -b "$d/p" "$3" >/dev/null
    rm -rf "$d"
}

# make_repo DIR ORIGIN LABEL CODENAME DEB...: a signed reprepro repository
make_repo()
{
    local dir=$1 origin=$2 label=$3 codename=$4 key
    shift 4
    key=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" && !k { k = $10 } END { print k }')
    rm -rf "$dir" "$dir.work"
    mkdir -p "$dir.work/conf"
    printf 'Origin: %s\nLabel: %s\nCodename: %s\nArchitectures: %s\nComponents: main\nSignWith: %s\n' \
        "$origin" "$label" "$codename" "$arch" "$key" >"$dir.work/conf/distributions"
    reprepro --silent --basedir "$dir.work" --outdir "$dir" includedeb "$codename" "$@"
}

# Debian's own binary package of openvpn VERSION, with apt from Debian's
# archive (a private apt state under OUT; only amd64 lists)
debian_deb()
{
    local v=$1 suite=$2 d=$OUT/debian-apt uris main sec f
    mkdir -p "$OUT/debian"
    f=$(find "$OUT/debian" -name "openvpn_${v#*:}_$arch.deb" -print -quit)
    if [ -n "$f" ]; then printf '%s\n' "$f"; return; fi
    uris=$(apt_archive_uris)
    main=$(awk '$1 == "main" { print $2 }' <<<"$uris")
    sec=$(awk '$1 == "security" { print $2 }' <<<"$uris")
    mkdir -p "$d"/{etc/sources.list.d,etc/preferences.d,etc/apt.conf.d,state,lists/partial,cache/archives/partial}
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$main" "$suite" >"$d/etc/sources.list"
    [ -z "$sec" ] || printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s-security main\n' "$sec" "$suite" >>"$d/etc/sources.list"
    local apt=(apt-get -qq -o Dir::Etc="$d/etc" -o Dir::Etc::SourceList="$d/etc/sources.list"
        -o Dir::Etc::SourceParts="$d/etc/sources.list.d" -o Dir::State="$d/state"
        -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o APT::Architectures="$arch"
        -o APT::Sandbox::User=root -o Debug::NoLocking=1)
    "${apt[@]}" update >&2 || die "apt-get update of Debian's $suite failed"
    (cd "$OUT/debian" && "${apt[@]}" download "openvpn=$v" >&2) || die "Debian's openvpn $v is not in the archive"
    f=$(find "$OUT/debian" -name "openvpn_${v#*:}_$arch.deb" -print -quit)
    [ -n "$f" ] || die "apt-get download left no openvpn_${v#*:}_$arch.deb"
    printf '%s\n' "$f"
}

t0_all=$SECONDS
for flavor in "$@"; do
    if [ "$flavor" = order ]; then check_order; continue; fi
    t0=$SECONDS
    suite=$(debian_suite "$flavor")
    dver=$(debian_version "$flavor")
    next=$(next_revision "$dver")
    fork_deb=$PKG_DIR/$flavor/openvpn_$dver+dcofork${release}_$arch.deb
    [ -f "$fork_deb" ] || die "missing $fork_deb (make $flavor)"
    log=$OUT/$flavor.log
    : >"$log"
    step "$flavor: Debian's $dver, the fork's $dver+dcofork$release; Debian's next update simulated as $next"

    # the stand-ins: Debian's security suite with Debian's binary re-versioned
    # as the next revision (origin Debian, label Debian-Security, as
    # unattended-upgrades matches them), and the fork's repository after
    # the fork's rebuild on it (the fork's binary re-versioned)
    ddeb=$(debian_deb "$dver" "$suite")
    reversion "$ddeb" "$next" "$OUT/openvpn_${next}_$arch.deb"
    make_repo "$OUT/$flavor-security" Debian Debian-Security "$suite-security" "$OUT/openvpn_${next}_$arch.deb"
    reversion "$fork_deb" "$next+dcofork$release" "$OUT/openvpn_${next}+dcofork${release}_$arch.deb"
    rm -rf "$OUT/$flavor-fork-next" "$OUT/$flavor-fork-next.work"
    cp -a "$REPO" "$OUT/$flavor-fork-next"
    cp -a "$REPO.work" "$OUT/$flavor-fork-next.work"
    printf 'basedir %s\noutdir %s\n' "$OUT/$flavor-fork-next.work" "$OUT/$flavor-fork-next" >"$OUT/$flavor-fork-next.work/conf/options"
    reprepro --silent --basedir "$OUT/$flavor-fork-next.work" includedeb "$suite" "$OUT/openvpn_${next}+dcofork${release}_$arch.deb"
    gpgconf --kill gpg-agent

    export VM_RELEASE=$flavor
    trap '"$VM" down >/dev/null 2>&1 || true' EXIT
    "$VM" up
    g() { "$VM" ssh "$@"; }
    # G TITLE CMD: run CMD in the guest, transcript to the log and the screen
    G()
    {
        local title=$1 out rc=0
        shift
        printf '\n### %s\n# %s\n' "$title" "$*" >>"$log"
        out=$(g "{ $*; } 2>&1") || rc=$?
        # dpkg's "(Reading database ... 5%" progress, once per run, not 20 times
        out=$(printf '%s\n' "$out" | sed 's/(Reading database \.\.\. [0-9]*%//g')
        printf '%s\n' "$out" >>"$log"
        printf '[%s] ### %s\n%s\n' "$flavor" "$title" "$out" >&2
        [ "$rc" = 0 ] || die "$flavor: '$*' failed ($rc); transcript: $log"
        LAST=$out
    }
    expect() { grep -qF -- "$1" <<<"$LAST" || die "$flavor: expected '$1' in the output above; transcript: $log"; }
    absent() { ! grep -qF -- "$1" <<<"$LAST" || die "$flavor: '$1' must not appear above; transcript: $log"; }
    apt_get='DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confold'

    # copy both repositories and the public key in (file:// sources)
    tar -C "$REPO" -c . | g 'mkdir -p /srv/dcofork-apt && tar -C /srv/dcofork-apt -x'
    tar -C "$OUT/$flavor-fork-next" -c . | g 'mkdir -p /srv/dcofork-apt-next && tar -C /srv/dcofork-apt-next -x'
    tar -C "$OUT/$flavor-security" -c . | g 'mkdir -p /srv/debian-security-sim && tar -C /srv/debian-security-sim -x'
    g 'chmod -R a+rX /srv && cp /srv/dcofork-apt/dcofork-archive-keyring.gpg /usr/share/keyrings/'

    G "Debian's openvpn, one server instance running" \
        "install -d /etc/openvpn/server && openvpn --genkey secret /etc/openvpn/server/t.key &&
         printf 'dev null\nproto udp\nport 1194\nsecret t.key\ncipher AES-256-CBC\nauth SHA256\nverb 3\n' >/etc/openvpn/server/t.conf &&
         systemctl start openvpn-server@t && sleep 2 && systemctl is-active openvpn-server@t &&
         dpkg-query -W openvpn && openvpn --version | head -n1"
    expect "openvpn	$dver"
    absent "[dco-fork"

    G "add the fork's repository (doc/apt.md) and install the guard" \
        "printf 'Types: deb\nURIs: file:/srv/dcofork-apt\nSuites: $suite\nComponents: main\nSigned-By: /usr/share/keyrings/dcofork-archive-keyring.gpg\n' >/etc/apt/sources.list.d/dcofork.sources &&
         apt-get update && $apt_get install openvpn-dcofork-guard"
    expect "openvpn $dver is not the DCO fork's build"
    expect "'apt upgrade' installs the fork's $dver+dcofork$release"

    G "apt upgrade to the fork's openvpn" "$apt_get upgrade && dpkg-query -W openvpn"
    expect "openvpn	$dver+dcofork$release"
    expect "openvpn-server@t.service) still runs the binary the last upgrade replaced"

    G "restart as documented" \
        "systemctl restart openvpn-server@t && sleep 2 && systemctl is-active openvpn-server@t && openvpn --version | head -n1 && openvpn-dcofork-check && echo guard: nothing to report"
    expect "[dco-fork 2.6.14-$release]"
    expect "guard: nothing to report"

    G "Debian publishes $next in its security suite: apt update" \
        "printf 'Types: deb\nURIs: file:/srv/debian-security-sim\nSuites: $suite-security\nComponents: main\nSigned-By: /usr/share/keyrings/dcofork-archive-keyring.gpg\n' >/etc/apt/sources.list.d/debian-security-sim.sources &&
         apt-get update && apt-cache policy openvpn"
    expect "the next upgrade replaces the DCO fork's openvpn $dver+dcofork$release with Debian's $next"

    G "an operator who pinned the fork above Debian (doc/apt.md, not recommended) is told Debian's fix is held back" \
        "printf 'Package: openvpn\nPin: release o=dco-fork\nPin-Priority: 990\n' >/etc/apt/preferences.d/dcofork-prefer &&
         apt-get update && $apt_get upgrade && dpkg-query -W openvpn"
    expect "Debian's openvpn $next is newer than the DCO fork's $dver+dcofork$release and is held back (pinned)"
    expect "openvpn	$dver+dcofork$release"

    G "the recommended policy (no pin): apt upgrade takes Debian's security update" \
        "rm /etc/apt/preferences.d/dcofork-prefer && apt-get update && $apt_get upgrade && dpkg-query -W openvpn && openvpn --version | head -n1"
    expect "openvpn	$next"
    expect "openvpn $next is not the DCO fork's build: the fork's fixes are not installed; the fork's build of $next is not published yet"
    expect "still runs the binary the last upgrade replaced"
    absent "[dco-fork"

    G "the same warnings at login and in the journal" \
        "systemctl restart openvpn-server@t && sleep 1 && run-parts /etc/update-motd.d; journalctl -t openvpn-dcofork-guard -o cat | tail -n 4"
    expect "is not the DCO fork's build"

    G "the fork publishes its build on $next: apt update, apt upgrade, restart" \
        "sed -i 's|file:/srv/dcofork-apt\$|file:/srv/dcofork-apt-next|' /etc/apt/sources.list.d/dcofork.sources &&
         apt-get update && $apt_get upgrade && systemctl restart openvpn-server@t && sleep 2 &&
         systemctl is-active openvpn-server@t && dpkg-query -W openvpn && openvpn --version | head -n1 &&
         openvpn-dcofork-check && echo guard: nothing to report"
    expect "'apt upgrade' installs the fork's $next+dcofork$release"
    expect "openvpn	$next+dcofork$release"
    expect "[dco-fork 2.6.14-$release]"
    expect "guard: nothing to report"

    "$VM" down
    trap - EXIT
    printf '\n### PASS %s in %d s (%s)\n' "$flavor" "$((SECONDS - t0))" "$(date -u +%FT%TZ)" >>"$log"
    step "$flavor: PASS in $((SECONDS - t0)) s; transcript $log"
done
step "apt-repo-test: PASS ($*) in $((SECONDS - t0_all)) s"
