#!/bin/bash
# Build (or reuse from cache) a guest for the storm rig, by default Debian 13:
#   kernel + initrd, a raw ext4 root image with openvpn runtime libraries,
#   the ovpn-dco-v2 module built by dkms for that kernel, stress-ng, nftables,
#   openssh-server and python3, plus an ssh key for root; also the test
#   dependencies of Debian's isolation-machine autopkgtests for openvpn
#   (easy-rsa, openssl, apt-utils), because the guest has no archive access.
# STORM_GUEST_FLAVOR=bookworm builds the Debian 12 guest from the same recipe
#   and versions-bookworm.env (an empty GUEST_DCO_DKMS would leave out the
#   module and the storm tools).  STORM_DCO_DKMS_DEB installs a local
#   openvpn-dco-dkms package instead of the pinned one (tests/storm/lib.sh).
# Output: $STORM_CACHE_ROOT/guest-<key>/{vmlinuz,initrd.img,rootfs.img,id_ed25519}
# The key hashes the flavor's pin file, this script and STORM_DCO_DKMS_DEB,
# so any change rebuilds.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

GD=$(guest_dir)
# one build at a time per guest: make test starts one in the background
# (contrib/background) and the storm steps wait for it here
mkdir -p "$STORM_CACHE_ROOT"
exec {lock}>"$GD.lock"
if ! flock -n "$lock"; then
    log "waiting for the build of $GD that is under way"
    flock "$lock"
fi
if [[ -f $GD/ok && ${STORM_REBUILD:-0} != 1 ]]; then
    log "guest cached: $GD"
    exit 0
fi

ensure_host_tools
MIRROR=$(debian_mirror) || die "cannot derive a Debian mirror from /etc/apt (set STORM_MIRROR)"
WORK="$STORM_CACHE_ROOT/tmp-$$"
ROOT="$WORK/root"
T0=$SECONDS

cleanup() {
    local m
    for m in dev/pts dev proc sys; do
        if mountpoint -q "$ROOT/$m" 2>/dev/null; then umount -l "$ROOT/$m" || true; fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK"
log "step 1/5: debootstrap $GUEST_SUITE (minbase) from the host's configured mirror"
debootstrap --variant=minbase "$GUEST_SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; die "debootstrap failed"; }
log "  debootstrap done ($((SECONDS - T0)) s)"

mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"

inchroot() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

log "step 2/5: apt-get install kernel $GUEST_LINUX_META, openvpn-dco-dkms ${STORM_DCO_DKMS_DEB:-${GUEST_DCO_DKMS:-(none)}}, openvpn $GUEST_OPENVPN, autopkgtest deps, tools"
inchroot apt-get update -qq
PINNED=("linux-image-amd64=$GUEST_LINUX_META" "openvpn=$GUEST_OPENVPN"
    "easy-rsa=$GUEST_EASY_RSA" "openssl=$GUEST_OPENSSL" "apt-utils=$GUEST_APT_UTILS")
TOOLS=(systemd-sysv udev kmod iproute2 openssh-server procps zstd)
if [[ -n $GUEST_DCO_DKMS ]]; then
    # the module is built by dkms against the headers; the storm tools
    PINNED+=("linux-headers-amd64=$GUEST_LINUX_META")
    if [[ -n $STORM_DCO_DKMS_DEB ]]; then
        [[ -f $STORM_DCO_DKMS_DEB ]] || die "STORM_DCO_DKMS_DEB=$STORM_DCO_DKMS_DEB does not exist"
        cp "$STORM_DCO_DKMS_DEB" "$ROOT/tmp/"
        TOOLS+=("/tmp/${STORM_DCO_DKMS_DEB##*/}")
    else
        PINNED+=("openvpn-dco-dkms=$GUEST_DCO_DKMS")
    fi
    TOOLS+=(nftables stress-ng python3-minimal)
fi
# without dkms (which brings it), autopkgtest's dpkg-source needs it
if [[ -n ${GUEST_DPKG_DEV:-} ]]; then PINNED+=("dpkg-dev=$GUEST_DPKG_DEV"); fi
for p in "${PINNED[@]}"; do
    if ! inchroot apt-cache show "$p" >/dev/null 2>&1; then
        inchroot apt-cache policy "${p%%=*}" >&2 || true
        die "pinned $p not in the archive; update ${STORM_PINS#"$STORM_REPO/"}"
    fi
done
inchroot apt-get install -y -q --no-install-recommends "${PINNED[@]}" "${TOOLS[@]}" \
    >"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log"; die "apt-get install in chroot failed"; }
rm -f "$ROOT"/tmp/*.deb
log "  packages installed ($((SECONDS - T0)) s)"

KVER=$(find "$ROOT/lib/modules" -mindepth 1 -maxdepth 1 -name "*-amd64" -printf "%f\n" -quit)
[[ -n $KVER ]] || die "no kernel in $ROOT/lib/modules after the install"
if [[ -n $GUEST_DCO_DKMS ]]; then
    log "step 3/5: dkms module for the guest kernel"
    if [[ -z $(find "$ROOT/lib/modules/$KVER" -name 'ovpn-dco-v2.ko*' -print -quit) ]]; then
        inchroot dkms autoinstall -k "$KVER" >"$WORK/dkms.log" 2>&1 || { tail -30 "$WORK/dkms.log"; die "dkms build failed"; }
    fi
    MOD=$(find "$ROOT/lib/modules/$KVER" -name 'ovpn-dco-v2.ko*' -print -quit)
    [[ -n $MOD ]] || die "ovpn-dco-v2 module missing after dkms"
    log "  module: ${MOD#"$ROOT"} ($((SECONDS - T0)) s)"
    # Build toolchain and headers are not needed at run time: drop them to
    # keep the image small.
    inchroot apt-get purge -y -q --auto-remove linux-headers-amd64 "linux-headers-$KVER" >/dev/null 2>&1 || true
else
    log "step 3/5: no ovpn-dco for $GUEST_SUITE (GUEST_DCO_DKMS is empty)"
fi
inchroot apt-get clean
# The guest never reaches an archive.  Without sources, 'apt-get update'
# (autopkgtest runs it when it resets the testbed's apt configuration)
# succeeds instead of failing on unreachable mirrors, and apt installs only
# what is in the image or what autopkgtest publishes from the host.
rm -f "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list "$ROOT"/etc/apt/sources.list.d/*.sources
find "$ROOT/var/lib/apt/lists" -maxdepth 1 -type f -delete

log "step 4/5: configure guest (static 10.77.0.x, no gateway, IPv6 off, root ssh key)"
echo storm-guest >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n%s storm-guest\n' "$STORM_GUEST_IP" >"$ROOT/etc/hosts"
printf '/dev/vda / ext4 rw,noatime 0 1\n' >"$ROOT/etc/fstab"
printf 'net.ipv6.conf.all.disable_ipv6=1\nnet.core.rmem_max=8388608\nkernel.printk=3 4 1 3\n' \
    >"$ROOT/etc/sysctl.d/90-storm.conf"
if [[ -n $GUEST_DCO_DKMS ]]; then echo ovpn-dco-v2 >"$ROOT/etc/modules-load.d/ovpn-dco.conf"; fi
cat >"$ROOT/etc/systemd/system/storm-net.service" <<EOF
[Unit]
Description=static storm rig network
Before=network.target ssh.service
Wants=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link set lo up
ExecStart=/sbin/ip link set eth0 up
ExecStart=/sbin/ip addr add $STORM_GUEST_IP/24 dev eth0
[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/storm-net.service "$ROOT/etc/systemd/system/multi-user.target.wants/storm-net.service"
# Nothing should time-sync or update behind our back.
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done
mkdir -p "$ROOT/root/.ssh" "$ROOT/etc/ssh/sshd_config.d"
rm -f "$WORK/id_ed25519" "$WORK/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_ed25519"
cp "$WORK/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
chmod 700 "$ROOT/root/.ssh"
chmod 600 "$ROOT/root/.ssh/authorized_keys"
printf 'UseDNS no\nPermitRootLogin prohibit-password\nMaxSessions 64\nMaxStartups 64\n' \
    >"$ROOT/etc/ssh/sshd_config.d/storm.conf"
inchroot passwd -d root >/dev/null
# Kernel and initrd out of the tree; initrd must carry virtio_blk.
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >>"$ROOT/etc/initramfs-tools/modules"
inchroot update-initramfs -u -k "$KVER" >/dev/null 2>&1
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd.img"
printf '%s\n' "$KVER" >"$WORK/kernel-version"

for m in dev/pts dev proc sys; do umount -l "$ROOT/$m"; done

log "step 5/5: root image (ext4, 3 GiB sparse)"
truncate -s 3G "$WORK/rootfs.img"
mkfs.ext4 -q -F -L stormroot -d "$ROOT" "$WORK/rootfs.img"

mkdir -p "$GD"
mv "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/rootfs.img" "$WORK/id_ed25519" \
    "$WORK/id_ed25519.pub" "$WORK/kernel-version" "$GD/"
cp "$STORM_PINS" "$GD/"
touch "$GD/ok"
log "guest ready in $GD ($((SECONDS - T0)) s total, kernel $KVER)"
