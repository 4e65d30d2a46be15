# shellcheck shell=bash
# The storm server from a Debian package, installed in the guest: what
# users install is what the storm tests.  Sourced by storm.sh (BUILD debian12,
# debian13 or debian-archive), after lib.sh and ssh_setup; not executable on its own.
#
#   gbin=$(guest_install_deb debian12|debian13)
#
# finds $PKG_DIR/debian1N/openvpn_<version>_amd64.deb (PKG_DIR: contrib/lib.sh), the package
# 'make debian12' or 'make debian13' builds (env STORM_DEB_DIR overrides the
# directory), for the release of the guest it runs in (debian12 in the
# Debian 12 guest, VM_RELEASE=debian12; debian13 in the Debian 13
# one), copies it into the guest, installs it with dpkg -i over the
# guest's own Debian openvpn (same dependencies, already in the image: the
# guest has no archive access), checks that dpkg reports exactly the
# built version, that the binary says 'dco-fork' and that no openvpn was
# started by the package's maintainer scripts, and prints the server path
# (/usr/sbin/openvpn) on stdout.  Everything else goes to stderr.
#
#   gbin=$(guest_debian_openvpn)
#
# is Debian's own package as the guest image has it (GUEST_OPENVPN of the
# pin file: 2.6.14-0+deb12u2 or 2.6.14-1+deb13u3), checked with dpkg-query.

# deb_flavor BUILD: the Debian flavor a package build is for (its suite
# from sources.lock, debian_suite), checked against the guest's release.
deb_flavor() {
    local want
    want=$(debian_suite "$1")
    [[ -n $want ]] || die "no Debian package build '$1' (debian12 or debian13)"
    [[ $GUEST_SUITE == "$want" ]] ||
        die "BUILD $1 needs the $want guest, this is the $GUEST_SUITE one (VM_RELEASE=$1)"
    printf "%s\n" "$1"
}

# deb_package BUILD: print the path of the one openvpn_*_amd64.deb in the
# package directory (not the -dbgsym one), or fail saying how to make it.
deb_package() {
    local debs=() f flavor dir
    flavor=$(deb_flavor "$1") || exit 1
    dir=${STORM_DEB_DIR:-$PKG_DIR/$flavor}
    [[ -d $dir ]] ||
        die "no $flavor packages: $dir does not exist (run 'make $1', or set STORM_DEB_DIR)"
    for f in "$dir"/openvpn_*_amd64.deb; do
        [[ -f $f ]] && debs+=("$f")
    done
    ((${#debs[@]} > 0)) ||
        die "no openvpn_*_amd64.deb in $dir (run 'make $1', or set STORM_DEB_DIR)"
    ((${#debs[@]} == 1)) ||
        die "more than one openvpn_*_amd64.deb in $dir (${debs[*]##*/}); rebuild with 'make $1'"
    printf '%s\n' "${debs[0]}"
}

# Called as $(guest_install_deb BUILD), where bash does not inherit
# 'set -e': every step checks its own status.
guest_install_deb() {
    local deb pkg ver arch gdeb=/root/storm/deb got out
    deb=$(deb_package "$1") || exit 1
    pkg=$(dpkg-deb -f "$deb" Package) || die "cannot read $deb"
    ver=$(dpkg-deb -f "$deb" Version) || die "cannot read $deb"
    arch=$(dpkg-deb -f "$deb" Architecture) || die "cannot read $deb"
    [[ $pkg == openvpn && $arch == amd64 ]] || die "$deb is $pkg/$arch, not openvpn/amd64"
    [[ $ver == *+dcofork* ]] || die "$deb has version $ver, not a +dcoforkN version of this fork"
    log "installing the $GUEST_SUITE package ${deb##*/} ($ver) in the guest with dpkg -i"
    gssh "rm -rf $gdeb && mkdir -p $gdeb" || die "cannot reach the guest"
    # Debian's binary is kept first, for BUILD debian-archive later in this boot
    gssh "[ -e $DEBIAN_OPENVPN_COPY ] || [ \"\$(dpkg-query -W -f='\${Version}' openvpn)\" != '$GUEST_OPENVPN' ] ||
        { mkdir -p ${DEBIAN_OPENVPN_COPY%/*} && cp -p /usr/sbin/openvpn $DEBIAN_OPENVPN_COPY; }" ||
        die "cannot keep Debian's /usr/sbin/openvpn in the guest"
    gscp_to "$deb" "$gdeb/${deb##*/}" || die "cannot copy ${deb##*/} into the guest"
    # policy-rc.d forbids the maintainer scripts to start or stop services
    # (invoke-rc.d / deb-systemd-invoke honour it), so the package cannot
    # start openvpn.service or an openvpn@ instance behind the rig's back.
    # The guest's openvpn is Debian's of its release, with the same dependencies as our
    # build: dpkg -i needs nothing from an archive.
    out=$(gssh "set -e
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        rc=0
        DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold $gdeb/${deb##*/} || rc=\$?
        rm -f /usr/sbin/policy-rc.d
        exit \$rc" 2>&1) || { printf '%s\n' "$out" >&2; die "dpkg -i ${deb##*/} failed in the guest"; }
    printf '%s\n' "$out" | sed 's/^/  dpkg: /' >&2 || true
    got=$(gssh "dpkg-query -W -f='\${db:Status-Abbrev} \${Version}' openvpn") ||
        die "dpkg-query openvpn failed in the guest"
    [[ $got == "ii  $ver" ]] ||
        die "the guest's openvpn is '$got' after dpkg -i, expected 'ii  $ver'"
    out=$(gssh "/usr/sbin/openvpn --version" 2>&1 || true)
    grep -q 'dco-fork' <<<"$out" ||
        { printf '%s\n' "$out" | head -n 3 >&2; die "/usr/sbin/openvpn in the guest does not say dco-fork"; }
    log "  dpkg-query: openvpn $ver installed; $(head -n 1 <<<"$out")"
    # Nothing may run that the rig did not start: storm.sh stopped its
    # server before calling us, so any openvpn now came from the package.
    out=$(gssh "pgrep -a -x openvpn; systemctl list-units --no-legend --state=active 'openvpn@*' 'openvpn-server@*' 'openvpn-client@*'" || true)
    [[ -z $out ]] || { printf '%s\n' "$out" >&2; die "an openvpn is running in the guest after dpkg -i"; }
    gssh "rm -rf $gdeb" || true
    printf '/usr/sbin/openvpn\n'
}

# Where guest_install_deb keeps Debian's /usr/sbin/openvpn before it
# replaces the package (the guest image is pristine at every boot).
DEBIAN_OPENVPN_COPY=/root/storm/debian/openvpn

# Called as $(guest_debian_openvpn): Debian's own openvpn of the guest's
# release, unchanged: the package's binary, or the copy guest_install_deb
# kept when it installed one of ours earlier in this boot.
guest_debian_openvpn() {
    local got out bin=/usr/sbin/openvpn
    got=$(gssh "dpkg-query -W -f='\${db:Status-Abbrev} \${Version}' openvpn") ||
        die "dpkg-query openvpn failed in the guest"
    if [[ $got != "ii  $GUEST_OPENVPN" ]]; then
        gssh "test -x $DEBIAN_OPENVPN_COPY" ||
            die "the guest's openvpn is '$got', not Debian's 'ii  $GUEST_OPENVPN', and no copy of Debian's binary was kept"
        bin=$DEBIAN_OPENVPN_COPY
    fi
    out=$(gssh "$bin --version" 2>&1 || true)
    if grep -q 'dco-fork' <<<"$out"; then die "$bin in the guest is the fork's, not Debian's"; fi
    log "  Debian's openvpn $GUEST_OPENVPN of the guest image ($bin); $(head -n 1 <<<"$out")"
    printf '%s\n' "$bin"
}
