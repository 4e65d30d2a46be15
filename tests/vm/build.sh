#!/bin/bash
# Build (or reuse from cache) the guest of VM_RELEASE (tests/vm/README.md):
#   kernel + initrd, a raw ext4 root image made with mmdebstrap (variant
#   required, the pinned packages of tests/vm/<release>.env), an ssh key
#   for root.  With a pinned GUEST_DCO_DKMS: the ovpn-dco-v2 module built
#   by dkms for the guest kernel, and the storm rig's tools (stress-ng,
#   nftables, python3).  Always: the test dependencies of Debian's
#   isolation-machine autopkgtests of openvpn (easy-rsa, openssl,
#   apt-utils), because the guest has no archive access.  VM_DCO_DKMS_DEB
#   installs a local openvpn-dco-dkms package instead of the pinned one.
# Output: $VM_CACHE_ROOT/guest-<key>/{vmlinuz,initrd.img,rootfs.img,id_ed25519}
# The key hashes the release's pins, this script and VM_DCO_DKMS_DEB.
#
# build.sh customize ROOT is mmdebstrap's customize hook (run inside the
# mmdebstrap call below, with /dev, /proc and /sys mounted in ROOT).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

inchroot() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

# The hook: module, clean-up, configuration, kernel and initrd out.
customize() {
    local kver mod u
    kver=$(find "$ROOT/lib/modules" -mindepth 1 -maxdepth 1 -name "*-amd64" -printf "%f\n" -quit)
    [[ -n $kver ]] || die "no kernel in $ROOT/lib/modules after the install"
    if [[ -n $VM_DCO_DKMS_DEB ]]; then
        inchroot apt-get install -y -q --no-install-recommends "/tmp/${VM_DCO_DKMS_DEB##*/}" >&2
        rm -f "$ROOT/tmp/${VM_DCO_DKMS_DEB##*/}"
    fi
    if [[ -n $GUEST_DCO_DKMS ]]; then
        if [[ -z $(find "$ROOT/lib/modules/$kver" -name 'ovpn-dco-v2.ko*' -print -quit) ]]; then
            inchroot dkms autoinstall -k "$kver" >&2 || die "dkms build failed"
        fi
        mod=$(find "$ROOT/lib/modules/$kver" -name 'ovpn-dco-v2.ko*' -print -quit)
        [[ -n $mod ]] || die "ovpn-dco-v2 module missing after dkms"
        log "  module: ${mod#"$ROOT"}"
        # the headers are not needed at run time
        inchroot apt-get purge -y -q --auto-remove linux-headers-amd64 "linux-headers-$kver" >/dev/null 2>&1 || true
        echo ovpn-dco-v2 >"$ROOT/etc/modules-load.d/ovpn-dco.conf"
    fi
    # >>> kmod: a guest whose kernel has the module in-tree (GUEST_KMOD, e.g.
    # debian13-bpo.env: ovpn), from GUEST_BACKPORTS.  guest_key (lib.sh)
    # leaves these '# >>> kmod' blocks out of the key of the releases that
    # set neither, so their cached images stay valid: the blocks do nothing
    # there.
    if [[ -n ${GUEST_KMOD:-} ]]; then
        mod=$(find "$ROOT/lib/modules/$kver" -name "$GUEST_KMOD.ko*" -print -quit)
        [[ -n $mod ]] || die "kernel module $GUEST_KMOD missing in $kver"
        log "  module: ${mod#"$ROOT"} (in-tree)"
        echo "$GUEST_KMOD" >"$ROOT/etc/modules-load.d/$GUEST_KMOD.conf"
    fi
    # <<< kmod
    inchroot apt-get clean
    # The guest never reaches an archive.  Without sources, 'apt-get
    # update' (autopkgtest runs it when it resets the testbed's apt
    # configuration) succeeds instead of failing on unreachable mirrors,
    # and apt installs only what is in the image or what autopkgtest
    # publishes from the host.
    rm -f "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list "$ROOT"/etc/apt/sources.list.d/*.sources
    find "$ROOT/var/lib/apt/lists" -maxdepth 1 -type f -delete

    log "  configuring: static $VM_GUEST_IP, no gateway, IPv6 off, root ssh key"
    echo dcofork-vm >"$ROOT/etc/hostname"
    printf '127.0.0.1 localhost\n%s dcofork-vm\n' "$VM_GUEST_IP" >"$ROOT/etc/hosts"
    printf '/dev/vda / ext4 rw,noatime 0 1\n' >"$ROOT/etc/fstab"
    printf 'net.ipv6.conf.all.disable_ipv6=1\nnet.core.rmem_max=8388608\nkernel.printk=3 4 1 3\n' \
        >"$ROOT/etc/sysctl.d/90-vm.conf"
    cat >"$ROOT/etc/systemd/system/vm-net.service" <<EOF
[Unit]
Description=static network of the dcofork test guest
Before=network.target ssh.service
Wants=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link set lo up
ExecStart=/sbin/ip link set eth0 up
ExecStart=/sbin/ip addr add $VM_GUEST_IP/24 dev eth0
[Install]
WantedBy=multi-user.target
EOF
    ln -sf /etc/systemd/system/vm-net.service "$ROOT/etc/systemd/system/multi-user.target.wants/vm-net.service"
    # >>> kmod: the guest's address from the kernel command line (vm.sh
    # boots with dcofork.vm_ip=VM_GUEST_IP), the built-in one without it, so
    # that this guest can run on another subnet next to a default one
    if [[ -n ${GUEST_KMOD:-} ]]; then
        cat >"$ROOT/usr/local/sbin/vm-net-addr" <<EOF
#!/bin/sh
ip=\$(sed -n 's/.*dcofork[.]vm_ip=\\([0-9.]*\\).*/\\1/p' /proc/cmdline)
exec /sbin/ip addr add "\${ip:-$VM_GUEST_IP}/24" dev eth0
EOF
        chmod 755 "$ROOT/usr/local/sbin/vm-net-addr"
        sed -i "s|^ExecStart=/sbin/ip addr add .*|ExecStart=/usr/local/sbin/vm-net-addr|" "$ROOT/etc/systemd/system/vm-net.service"
    fi
    # <<< kmod
    # Nothing should time-sync or update behind our back.
    for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer; do
        ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
    done
    mkdir -p "$ROOT/root/.ssh" "$ROOT/etc/ssh/sshd_config.d"
    cp "$WORK/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
    chmod 700 "$ROOT/root/.ssh"
    chmod 600 "$ROOT/root/.ssh/authorized_keys"
    printf 'UseDNS no\nPermitRootLogin prohibit-password\nMaxSessions 64\nMaxStartups 64\n' \
        >"$ROOT/etc/ssh/sshd_config.d/vm.conf"
    inchroot passwd -d root >/dev/null
    # Kernel and initrd out of the tree; the initrd must carry virtio_blk.
    printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >>"$ROOT/etc/initramfs-tools/modules"
    inchroot update-initramfs -u -k "$kver" >/dev/null 2>&1
    cp "$ROOT/boot/vmlinuz-$kver" "$WORK/vmlinuz"
    cp "$ROOT/boot/initrd.img-$kver" "$WORK/initrd.img"
    printf '%s\n' "$kver" >"$WORK/kernel-version"
}

if [[ ${1:-} == customize ]]; then
    ROOT=$2
    customize
    exit 0
fi

GD=$(guest_dir)
# one build at a time per guest: make test starts one in the background
# (contrib/background) and the storm steps wait for it here
mkdir -p "$VM_CACHE_ROOT"
exec {lock}>"$GD.lock"
if ! flock -n "$lock"; then
    log "waiting for the build of $GD that is under way"
    flock "$lock"
fi
if [[ -f $GD/ok && ${VM_REBUILD:-0} != 1 ]]; then
    log "guest cached: $GD"
    exit 0
fi

"$VM_REPO/contrib/install-deps" vm >&2
MIRROR=$(debian_mirror) || die "cannot derive a Debian mirror from /etc/apt (set VM_MIRROR)"
WORK="$VM_CACHE_ROOT/tmp-$$"
ROOT="$WORK/root"
T0=$SECONDS
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"

PKGS=("linux-image-amd64=$GUEST_LINUX_META" "openvpn=$GUEST_OPENVPN"
    "easy-rsa=$GUEST_EASY_RSA" "openssl=$GUEST_OPENSSL" "apt-utils=$GUEST_APT_UTILS"
    systemd-sysv udev kmod iproute2 openssh-server procps zstd)
if [[ -n $GUEST_DCO_DKMS ]]; then
    # the module is built by dkms against the headers; the storm tools
    PKGS+=("linux-headers-amd64=$GUEST_LINUX_META" nftables stress-ng python3-minimal)
    if [[ -n $VM_DCO_DKMS_DEB ]]; then
        [[ -f $VM_DCO_DKMS_DEB ]] || die "VM_DCO_DKMS_DEB=$VM_DCO_DKMS_DEB does not exist"
        # its dependencies, so that the hook installs it without an archive
        PKGS+=(dkms)
    else
        PKGS+=("openvpn-dco-dkms=$GUEST_DCO_DKMS")
    fi
fi
# >>> kmod: the storm tools without dkms or headers; initramfs-tools, which
# the customize hook uses (the backports kernel names dracut first); the
# backports kernel's linux-base
if [[ -n ${GUEST_KMOD:-} ]]; then PKGS+=(nftables stress-ng python3-minimal initramfs-tools); fi
if [[ -n ${GUEST_LINUX_BASE:-} ]]; then PKGS+=("linux-base=$GUEST_LINUX_BASE"); fi
# <<< kmod
# without dkms (which brings it), autopkgtest's dpkg-source needs it
if [[ -n ${GUEST_DPKG_DEV:-} ]]; then PKGS+=("dpkg-dev=$GUEST_DPKG_DEV"); fi
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_ed25519"

log "building the $VM_RELEASE guest: mmdebstrap $GUEST_SUITE (${#PKGS[@]} packages pinned or named; log $WORK/mmdebstrap.log)"
HOOKS=()
if [[ -n $VM_DCO_DKMS_DEB ]]; then HOOKS+=(--customize-hook="copy-in $VM_DCO_DKMS_DEB /tmp"); fi
HOOKS+=(--customize-hook="'$VM_DIR/build.sh' customize \"\$1\"")
# >>> kmod: the second suite (its pinned versions win by '='; the rest
# stays trixie's, backports having apt's priority 100); the customize hook
# removes the list with the others
if [[ -n ${GUEST_BACKPORTS:-} ]]; then
    HOOKS+=(--setup-hook="printf 'deb %s %s main\\n' '$MIRROR' '$GUEST_BACKPORTS' >\"\$1/etc/apt/sources.list.d/backports.list\"")
fi
# <<< kmod
# the hook runs build.sh again, in mmdebstrap's environment: the same
# guest, and WORK says where the key is and where kernel and initrd go
export VM_RELEASE VM_DCO_DKMS_DEB VM_GUEST_IP WORK
if ! mmdebstrap --variant=required --mode=root --format=directory \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    --include="$(IFS=,; printf '%s' "${PKGS[*]}")" "${HOOKS[@]}" \
    "$GUEST_SUITE" "$ROOT" "$MIRROR" >"$WORK/mmdebstrap.log" 2>&1; then
    if grep -E "Version '.*' for '.*' was not found" "$WORK/mmdebstrap.log" >&2; then
        die "a pinned version is not in the archive any more: update ${VM_PINS#"$VM_REPO/"} (apt-cache policy in a $GUEST_SUITE system names the candidate)"
    fi
    tail -n 30 "$WORK/mmdebstrap.log" >&2
    die "mmdebstrap failed (the log is above)"
fi
log "  root tree ready ($((SECONDS - T0)) s)"

log "  root image (ext4, 3 GiB sparse)"
truncate -s 3G "$WORK/rootfs.img"
mkfs.ext4 -q -F -L vmroot -d "$ROOT" "$WORK/rootfs.img"

mkdir -p "$GD"
mv "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/rootfs.img" "$WORK/id_ed25519" \
    "$WORK/id_ed25519.pub" "$WORK/kernel-version" "$GD/"
cp "$VM_PINS" "$GD/"
touch "$GD/ok"
log "guest ready in $GD ($((SECONDS - T0)) s total, kernel $(<"$GD/kernel-version"))"
