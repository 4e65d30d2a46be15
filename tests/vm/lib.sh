# shellcheck shell=bash
# Settings and helpers of the fork's qemu guest (tests/vm/README.md).
# Sourced by vm.sh and build.sh, and by the storm rig (tests/storm/lib.sh);
# the package tests use vm.sh only.  Not executable on its own.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_REPO=$(cd "$VM_DIR/../.." && pwd)
# the fork's build helpers (apt_archive_uris, host_apt); log and die are
# the guest's own, with a timestamp
# shellcheck source=contrib/lib.sh
. "$VM_REPO/contrib/lib.sh"

log() { printf '[%s %s] %s\n' "${VM_LOG_TAG:-vm}" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Which guest: debian13 (default; the storm rig's guest and the testbed of
# Debian 13's isolation-machine autopkgtests), debian12 (Debian 12's
# kernel and ovpn-dco: the storms of Debian 12's packages and Debian 12's
# autopkgtests) or debian13-bpo (trixie-backports' kernel 7.3 with its
# in-tree ovpn module and openvpn 2.7.8: doc/storm-ovpn-2.7.md).  Each is
# pinned in tests/vm/<release>.env.
VM_RELEASE=${VM_RELEASE:-debian13}
case $VM_RELEASE in
    debian12|debian13|debian13-bpo) VM_PINS=$VM_DIR/$VM_RELEASE.env ;;
    *)
        printf 'VM_RELEASE=%s: unknown (debian12, debian13 or debian13-bpo)\n' "$VM_RELEASE" >&2
        exit 1
        ;;
esac
# shellcheck source=tests/vm/debian13.env
. "$VM_PINS"
# Only debian13-bpo.env sets these (build.sh's '# >>> kmod' blocks): the
# module of the kernel itself to load (ovpn), and the second suite.
GUEST_KMOD=${GUEST_KMOD:-}
GUEST_BACKPORTS=${GUEST_BACKPORTS:-}

# Where built guests are cached (outside the repo), per-run state (pid
# file, ssh control socket, console log), and the network namespace and
# tap the guest lives on: nothing in the namespace routes anywhere.
VM_CACHE_ROOT=${VM_CACHE_ROOT:-/var/cache/dcofork-vm}
VM_RUN=${VM_RUN:-/run/dcofork-vm}
VM_NS=${VM_NS:-dcovm}
VM_TAP=${VM_TAP:-vmtap0}
VM_HOST_IP=${VM_HOST_IP:-10.77.0.1}
VM_HOST_IP2=${VM_HOST_IP2:-10.77.0.3}
VM_GUEST_IP=${VM_GUEST_IP:-10.77.0.2}
VM_MEM=${VM_MEM:-4096}
VM_CPUS=${VM_CPUS:-2}
# A locally built openvpn-dco-dkms package to install instead of the
# pinned GUEST_DCO_DKMS (make dkms-debian12: bookworm's module with Debian
# 13's fix for #1140548); it is part of the cache key.
VM_DCO_DKMS_DEB=${VM_DCO_DKMS_DEB:-}

# Cache key: the release's pins, the build recipe and the local module
# package if there is one; any change builds a new guest.  build.sh's
# '# >>> kmod' ... '# <<< kmod' blocks act only for a release that sets
# GUEST_KMOD or GUEST_BACKPORTS; the key of the others leaves them out
# (so that adding debian13-bpo kept the debian12/debian13 keys).
guest_recipe() {
    if [[ -n $GUEST_KMOD$GUEST_BACKPORTS ]]; then
        cat "$VM_DIR/build.sh"
    else
        sed '/^ *# >>> kmod/,/^ *# <<< kmod/d' "$VM_DIR/build.sh"
    fi
}
guest_key() {
    { cat "$VM_PINS"; guest_recipe; cat ${VM_DCO_DKMS_DEB:+"$VM_DCO_DKMS_DEB"} /dev/null; } |
        sha256sum | cut -c1-16
}
guest_dir() { printf '%s/guest-%s\n' "$VM_CACHE_ROOT" "$(guest_key)"; }

# Debian mirror for mmdebstrap: VM_MIRROR, or the archive this machine's
# apt uses (apt_archive_uris).  Never hard-coded.
debian_mirror() {
    local uri
    if [[ -n ${VM_MIRROR:-} ]]; then printf '%s\n' "$VM_MIRROR"; return; fi
    uri=$(apt_archive_uris | awk '$1 == "main" { print $2 }')
    [[ -n $uri ]] || return 1
    printf '%s\n' "$uri"
}

in_ns() { ip netns exec "$VM_NS" "$@"; }

SSH_OPTS=()
ssh_setup() {
    local gd
    gd=$(guest_dir)
    # ServerAlive*: a guest that died (kernel panic) or stopped answering
    # ends every ssh to it within 50 s instead of never
    SSH_OPTS=(-i "$gd/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
        -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes
        -o ServerAliveInterval=5 -o ServerAliveCountMax=10
        -o ControlMaster=auto -o ControlPath="$VM_RUN/ssh.ctl" -o ControlPersist=600)
}
gssh() { in_ns ssh "${SSH_OPTS[@]}" "root@$VM_GUEST_IP" "$@"; }
gscp_to() { in_ns scp -q "${SSH_OPTS[@]}" "$1" "root@$VM_GUEST_IP:$2"; }
gscp_from() { in_ns scp -q "${SSH_OPTS[@]}" "root@$VM_GUEST_IP:$1" "$2"; }
