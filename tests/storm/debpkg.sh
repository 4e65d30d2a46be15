# shellcheck shell=bash
# The storm server from the Debian 13 package that 'make deb13' builds
# (contrib/debian-package debian13 build): what users install is what the
# storm tests.  Sourced by storm.sh (BUILD 'deb13'), after lib.sh and
# ssh_setup; not executable on its own.
#
#   gbin=$(guest_install_deb13)
#
# finds build/debian-pkg/debian13/openvpn_<version>_amd64.deb (env
# STORM_DEB13_DIR overrides the directory), copies it into the guest,
# installs it with dpkg -i over the guest's own Debian 13 openvpn (same
# dependencies, already in the image: the guest has no archive access),
# checks that dpkg reports exactly the built version, that the binary
# says 'dco-fork' and that no openvpn was started by the package's
# maintainer scripts, and prints the server path (/usr/sbin/openvpn) on
# stdout.  Everything else goes to stderr.

STORM_DEB13_DIR=${STORM_DEB13_DIR:-$STORM_REPO/build/debian-pkg/debian13}

# deb13_package: print the path of the one openvpn_*_amd64.deb in
# STORM_DEB13_DIR (not the -dbgsym one), or fail saying how to make it.
deb13_package() {
    local debs=() f
    [[ -d $STORM_DEB13_DIR ]] ||
        die "no Debian 13 packages: $STORM_DEB13_DIR does not exist (run 'make deb13', or set STORM_DEB13_DIR)"
    for f in "$STORM_DEB13_DIR"/openvpn_*_amd64.deb; do
        [[ -f $f ]] && debs+=("$f")
    done
    ((${#debs[@]} > 0)) ||
        die "no openvpn_*_amd64.deb in $STORM_DEB13_DIR (run 'make deb13', or set STORM_DEB13_DIR)"
    ((${#debs[@]} == 1)) ||
        die "more than one openvpn_*_amd64.deb in $STORM_DEB13_DIR (${debs[*]##*/}); rebuild with 'make deb13'"
    printf '%s\n' "${debs[0]}"
}

# Called as $(guest_install_deb13), where bash does not inherit 'set -e':
# every step checks its own status.
guest_install_deb13() {
    local deb pkg ver arch gdeb=/root/storm/deb13 got out
    deb=$(deb13_package) || exit 1
    pkg=$(dpkg-deb -f "$deb" Package) || die "cannot read $deb"
    ver=$(dpkg-deb -f "$deb" Version) || die "cannot read $deb"
    arch=$(dpkg-deb -f "$deb" Architecture) || die "cannot read $deb"
    [[ $pkg == openvpn && $arch == amd64 ]] || die "$deb is $pkg/$arch, not openvpn/amd64"
    [[ $ver == *+dcofork* ]] || die "$deb has version $ver, not a +dcoforkN version of this fork"
    log "installing the Debian 13 package ${deb##*/} ($ver) in the guest with dpkg -i"
    gssh "rm -rf $gdeb && mkdir -p $gdeb" || die "cannot reach the guest"
    gscp_to "$deb" "$gdeb/${deb##*/}" || die "cannot copy ${deb##*/} into the guest"
    # policy-rc.d forbids the maintainer scripts to start or stop services
    # (invoke-rc.d / deb-systemd-invoke honour it), so the package cannot
    # start openvpn.service or an openvpn@ instance behind the rig's back.
    # The guest's openvpn is Debian 13's, with the same dependencies as our
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
