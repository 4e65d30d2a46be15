# shellcheck shell=bash
# Common settings and helpers for the DCO deletion-storm rig.
# Sourced by the other scripts in tests/storm/; not executable on its own.

STORM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STORM_REPO=$(cd "$STORM_DIR/../.." && pwd)
# the fork's build helpers (apt_archive_uris); log and die are the rig's own
# shellcheck source=contrib/lib.sh
. "$STORM_REPO/contrib/lib.sh"

# Which guest: trixie (default) is the storm rig's Debian 13 guest, pinned in
# versions.env; bookworm is the Debian 12 guest, pinned in
# versions-bookworm.env, with Debian 12's kernel and ovpn-dco: the storm
# guest of Debian 12's packages and the testbed of Debian 12's
# isolation-machine autopkgtests (contrib/debian-package debian12
# autopkgtest-vm).
STORM_GUEST_FLAVOR=${STORM_GUEST_FLAVOR:-trixie}
case $STORM_GUEST_FLAVOR in
    trixie) STORM_PINS=$STORM_DIR/versions.env ;;
    bookworm) STORM_PINS=$STORM_DIR/versions-bookworm.env ;;
    *)
        printf 'STORM_GUEST_FLAVOR=%s: unknown (trixie or bookworm)\n' "$STORM_GUEST_FLAVOR" >&2
        exit 1
        ;;
esac
# shellcheck source=versions.env
. "$STORM_PINS"

# Where cached guest artifacts live (outside the repo).
STORM_CACHE_ROOT=${STORM_CACHE_ROOT:-/var/cache/dcofork-storm}
# Per-run state (pid files, ssh control socket, logs of the guest).
STORM_RUN=${STORM_RUN:-/run/dcofork-storm}
# Network namespace + tap the rig creates; nothing in it routes anywhere.
STORM_NS=${STORM_NS:-dcostorm}
STORM_TAP=${STORM_TAP:-stormtap0}
STORM_HOST_IP=${STORM_HOST_IP:-10.77.0.1}
STORM_HOST_IP2=${STORM_HOST_IP2:-10.77.0.3}
STORM_GUEST_IP=${STORM_GUEST_IP:-10.77.0.2}
STORM_MGMT_PORT=${STORM_MGMT_PORT:-7505}
STORM_VPN_PORT=${STORM_VPN_PORT:-1194}
STORM_GUEST_MEM=${STORM_GUEST_MEM:-4096}
STORM_GUEST_CPUS=${STORM_GUEST_CPUS:-2}

# Binaries under test (host paths; copied into the guest).
# Defaults: the top-level build's DCO-enabled trees (first one that exists).
first_existing() {
    local f
    for f in "$@"; do
        if [[ -x $f ]]; then printf '%s\n' "$f"; return; fi
    done
    printf '%s\n' "$1"
}
FORK_OPENVPN=${FORK_OPENVPN:-$(first_existing "$STORM_REPO/build/fork/src/src/openvpn/openvpn" \
    "$STORM_REPO/build/fork/dco/src/openvpn/openvpn")}
STOCK_OPENVPN=${STOCK_OPENVPN:-$(first_existing "$STORM_REPO/build/stock/src/src/openvpn/openvpn" \
    "$STORM_REPO/build/stock/dco/src/openvpn/openvpn")}
UPSTREAM26_OPENVPN=${UPSTREAM26_OPENVPN:-$STORM_REPO/build/fork/upstream26/src/openvpn/openvpn}
# Host-side client binary (clients are not under test; same for both builds).
CLIENT_OPENVPN=${CLIENT_OPENVPN:-$FORK_OPENVPN}

log() { printf '[storm %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A locally built openvpn-dco-dkms package to install instead of the
# archive's GUEST_DCO_DKMS (make dkms-deb12: bookworm's module with Debian
# 13's fix for #1140548); it is part of the cache key.
STORM_DCO_DKMS_DEB=${STORM_DCO_DKMS_DEB:-}

# Cache key: hash of the flavor's pins, of the guest build recipe and of
# the local module package if there is one.
guest_key() {
    cat "$STORM_PINS" "$STORM_DIR/build-guest.sh" ${STORM_DCO_DKMS_DEB:+"$STORM_DCO_DKMS_DEB"} |
        sha256sum | cut -c1-16
}
guest_dir() { printf '%s/guest-%s\n' "$STORM_CACHE_ROOT" "$(guest_key)"; }

# Debian mirror for debootstrap: STORM_MIRROR, or the archive this
# machine's apt uses (apt_archive_uris). Never hard-coded.
debian_mirror() {
    local uri
    if [[ -n ${STORM_MIRROR:-} ]]; then printf '%s\n' "$STORM_MIRROR"; return; fi
    uri=$(apt_archive_uris | awk '$1 == "main" { print $2 }')
    [[ -n $uri ]] || return 1
    printf '%s\n' "$uri"
}

# Install the host tools the rig needs (contrib/install-deps' storm group;
# nothing is done when they are there).
ensure_host_tools() {
    "$STORM_REPO/contrib/install-deps" storm >&2
}

# Python with matplotlib: Debian's, not a pyenv shim that lacks it.
# shellcheck disable=SC2034  # used by the scripts that source this file
PY=/usr/bin/python3

# ---- process bookkeeping: everything we start is killed by PID ----------
STORM_PIDS=()
track_pid() { STORM_PIDS+=("$1"); }
kill_tracked() {
    local p
    for p in "${STORM_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${STORM_PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    STORM_PIDS=()
}

in_ns() { ip netns exec "$STORM_NS" "$@"; }

SSH_OPTS=()
ssh_setup() {
    local gd
    gd=$(guest_dir)
    # ServerAlive*: a guest that died (kernel panic) or stopped answering
    # ends every ssh to it within 50 s instead of never
    SSH_OPTS=(-i "$gd/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
        -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes
        -o ServerAliveInterval=5 -o ServerAliveCountMax=10
        -o ControlMaster=auto -o ControlPath="$STORM_RUN/ssh.ctl" -o ControlPersist=600)
}
gssh() { in_ns ssh "${SSH_OPTS[@]}" "root@$STORM_GUEST_IP" "$@"; }
gscp_to() { in_ns scp -q "${SSH_OPTS[@]}" "$1" "root@$STORM_GUEST_IP:$2"; }
gscp_from() { in_ns scp -q "${SSH_OPTS[@]}" "root@$STORM_GUEST_IP:$1" "$2"; }

# Boot the guest for the calling script unless one is running already.  A
# guest booted here is stopped when the script exits, failure included;
# the script may define storm_exit_hook (called with the exit status)
# to report before that.
storm_guest_for_script() {
    # the storm scripts need ovpn-dco
    [[ -n $GUEST_DCO_DKMS ]] ||
        die "the storm scripts need a guest with ovpn-dco; the $STORM_GUEST_FLAVOR guest has none (GUEST_DCO_DKMS)"
    STORM_STARTED_GUEST=0
    trap storm_script_exit EXIT
    trap 'exit 130' INT TERM
    if [[ $("$STORM_DIR/guest.sh" status) != running* ]]; then
        STORM_STARTED_GUEST=1
        "$STORM_DIR/guest.sh" up
    fi
}

storm_script_exit() {
    local rc=$?
    # a failed run says whether the guest is the cause: a guest that
    # panicked or hangs ends every ssh within 50 s (ServerAlive*), and its
    # console shows why
    if ((rc != 0)) && [[ -s $STORM_RUN/console.log ]]; then
        if grep -q -m1 -E 'Kernel panic|BUG:|Oops|INFO: task .* blocked' "$STORM_RUN/console.log"; then
            log "the guest kernel failed; the end of its console ($STORM_RUN/console.log):"
        else
            log "run failed; the end of the guest console ($STORM_RUN/console.log):"
        fi
        tail -n 30 "$STORM_RUN/console.log" >&2 || true
    fi
    if ((STORM_STARTED_GUEST)); then "$STORM_DIR/guest.sh" down || true; fi
    if declare -F storm_exit_hook >/dev/null; then storm_exit_hook "$rc"; fi
    exit "$rc"
}
