#!/bin/bash
# Run upstream's tests/t_net.sh in the storm guest (issue 3).
#
# t_net.sh drives sitnl (openvpn's netlink code) through the
# networking_testdriver on a dummy interface and compares the resulting
# link, address and route state with what the equivalent iproute2 commands
# produce.  The host kernel cannot create dummy interfaces, so there the
# test SKIPs (exit 77); the guest's Debian 13 kernel can.
#
# The script builds the testdriver in the fork's build tree (the one
# FORK_OPENVPN lives in, default build/fork/dco), copies t_net.sh, the
# testdriver, openvpn and any shared library the guest lacks into the guest
# in upstream's layout, runs t_net.sh there as root and fails unless it
# exits 0 *and* printed "Test N: OK" for every case 0..LAST_TEST it
# declares: a SKIP (77) or a silent early exit cannot pass.
#
# Boots the guest if none is running (and stops it again afterwards).  The
# IPv6 cases need the guest's IPv6 stack, so the guest is booted with
# VM_IPV6=1 (no ipv6.disable=1 on its kernel command line); a
# guest that is already running without it is refused with a message.
#
# Env: FORK_OPENVPN (see lib.sh), TNET_BUILD (the build tree; default: the
#      one FORK_OPENVPN is in), plus lib.sh's VM_NS, VM_RUN, ...
#
# Proof that it can fail (not part of the default path): TNET_BREAK=1
# runs a copy of t_net.sh whose iproute2 reference for case 1 sets MTU 1280
# where sitnl set 1281.  Test 0 passes, then t_net.sh and this script exit 1:
#   state 0 mismatching after '  ip link set ovpn-dummy0 up ;  ip link set ovpn-dummy0 mtu 1280 ;'
#   after unit-test:
#   ovpn-dummy0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1281 qdisc noqueue state UP ...
#   after iproute command:
#   ovpn-dummy0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1280 qdisc noqueue state UP ...
#   ERROR: t_net.sh FAILED (exit 1); 1 of 9 cases passed
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BUILD=${TNET_BUILD:-${FORK_OPENVPN%/src/openvpn/openvpn}}
DRIVER_DIR=$BUILD/tests/unit_tests/openvpn
GDIR=/root/tnet
IFACES=(ovpn-dummy0 dummy0815)
# guest command deleting t_net.sh's dummy interfaces
DEL_IFACES="ip link del ${IFACES[0]} 2>/dev/null; ip link del ${IFACES[1]} 2>/dev/null"
T0=$SECONDS

[[ -f $BUILD/tests/t_net.sh ]] || die "no tests/t_net.sh in $BUILD (run 'make build')"
[[ -x $BUILD/src/openvpn/openvpn ]] || die "no openvpn built in $BUILD (run 'make build')"

log "building networking_testdriver in $DRIVER_DIR"
make -C "$DRIVER_DIR" networking_testdriver >"$DRIVER_DIR/networking_testdriver.make.log" 2>&1 ||
    { tail -n 30 "$DRIVER_DIR/networking_testdriver.make.log" >&2; die "networking_testdriver build failed"; }
DRIVER=$DRIVER_DIR/networking_testdriver
# A libtool wrapper script would not run once copied; this one links no
# libtool library, so it must be the ELF itself.
LC_ALL=C read -r -n 4 magic <"$DRIVER" || true
[[ $magic == $'\x7fELF' ]] || die "$DRIVER is not an ELF executable (libtool wrapper?)"

STAGE=$(mktemp -d)
GUEST_V6_DEFAULT=
GUEST_DIRTY=0
# Leave a guest we did not boot as we found it.
cleanup_guest() {
    local cmd="$DEL_IFACES; rm -rf $GDIR"
    if [[ -n $GUEST_V6_DEFAULT ]]; then
        cmd+="; sysctl -q -w net.ipv6.conf.default.disable_ipv6=$GUEST_V6_DEFAULT"
    fi
    gssh "$cmd" || true
    GUEST_DIRTY=0
}
storm_exit_hook() {
    # runs after storm_script_exit stopped a guest we booted
    if ((GUEST_DIRTY && !STORM_STARTED_GUEST)); then cleanup_guest; fi
    rm -rf "$STAGE"
    log "tnet finished in $((SECONDS - T0)) s (rc=$1)"
}
# The guest's stack is needed for t_net.sh's IPv6 cases (tests/vm/vm.sh).
export VM_IPV6=1
storm_guest_for_script
ssh_setup

# The guest's IPv6 stack must exist: t_net.sh adds v6 addresses and routes.
if ! gssh 'test -d /proc/sys/net/ipv6'; then
    die "the running guest has no IPv6 stack (booted with ipv6.disable=1); t_net.sh needs it." \
        "Stop it ('$VM_DIR/vm.sh down') and rerun: this script boots it with VM_IPV6=1"
fi

# upstream's layout: t_net.sh runs in tests/ with top_builddir=..
mkdir -p "$STAGE/tests/unit_tests/openvpn" "$STAGE/src/openvpn" "$STAGE/lib"
cp "$BUILD/tests/t_net.sh" "$STAGE/tests/"
cp "$DRIVER" "$STAGE/tests/unit_tests/openvpn/"
cp "$BUILD/src/openvpn/openvpn" "$STAGE/src/openvpn/"
if [[ ${TNET_BREAK:-0} == 1 ]]; then
    log "TNET_BREAK=1: the iproute2 reference of case 1 sets MTU 1280, sitnl 1281; t_net.sh must FAIL"
    # shellcheck disable=SC2016  # the $ are t_net.sh's, not ours
    sed -i 's|^\( *\)CMD="$CMD $RUN_SUDO $NEW ;"|\1NEW=${NEW/mtu 1281/mtu 1280}\n&|' "$STAGE/tests/t_net.sh"
    grep -q 'mtu 1280' "$STAGE/tests/t_net.sh" || die "TNET_BREAK: t_net.sh changed, the edit did not apply"
fi

GUEST_DIRTY=1
gssh "rm -rf $GDIR && mkdir -p $GDIR"
tar -C "$STAGE" -cf - . | gssh "tar -xf - -C $GDIR"
# Libraries the testdriver needs and the guest lacks (libcmocka: it is a
# test library, not an openvpn runtime dependency): copy the host's.
mapfile -t guest_lacks < <(gssh "ldd $GDIR/tests/unit_tests/openvpn/networking_testdriver" |
    awk '/not found/ { print $1 }')
for so in "${guest_lacks[@]}"; do
    path=$(ldd "$DRIVER" | awk -v so="$so" '$1 == so { print $3 }')
    [[ -f $path ]] || die "the guest lacks $so and the host has none to copy"
    log "guest lacks $so: copying the host's $path"
    gscp_to "$path" "$GDIR/lib/$so"
done
if gssh "LD_LIBRARY_PATH=$GDIR/lib ldd $GDIR/tests/unit_tests/openvpn/networking_testdriver" | grep 'not found'; then
    die "networking_testdriver cannot be loaded in the guest"
fi

# The image's sysctl has IPv6 off on every interface, new ones included;
# t_net.sh's dummy interfaces need it on.  Stale interfaces of an earlier
# failed run would make t_net.sh's probe SKIP.
GUEST_V6_DEFAULT=$(gssh 'sysctl -n net.ipv6.conf.default.disable_ipv6')
gssh "$DEL_IFACES; sysctl -q -w net.ipv6.conf.default.disable_ipv6=0" || true

log "running t_net.sh in the guest ($(gssh 'uname -r'))"
rc=0
out=$(gssh "cd $GDIR/tests && LD_LIBRARY_PATH=$GDIR/lib srcdir=. top_builddir=.. bash ./t_net.sh 2>&1") || rc=$?
cleanup_guest
printf '%s\n' "$out" | sed 's/^/    t_net.sh: /'

last=$(sed -n 's/^LAST_TEST=\([0-9]\+\)$/\1/p' "$STAGE/tests/t_net.sh")
[[ -n $last ]] || die "cannot read LAST_TEST from t_net.sh"
ok=0
for ((i = 0; i <= last; i++)); do
    if grep -qx "Test $i: OK" <<<"$out"; then ok=$((ok + 1)); fi
done
if ((rc == 77)); then
    die "t_net.sh SKIPPED (exit 77) in the guest; $ok of $((last + 1)) cases ran"
elif ((rc != 0)); then
    die "t_net.sh FAILED (exit $rc); $ok of $((last + 1)) cases passed"
elif ((ok != last + 1)); then
    die "t_net.sh exited 0 but only $ok of $((last + 1)) cases reported OK"
fi
log "t_net.sh PASSED in the guest: $ok of $((last + 1)) cases OK"
