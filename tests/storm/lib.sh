# shellcheck shell=bash
# Common settings and helpers for the DCO deletion-storm rig.
# Sourced by the other scripts in tests/storm/; not executable on its own.

STORM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STORM_REPO=$(cd "$STORM_DIR/../.." && pwd)
# the guest (tests/vm/README.md: VM_RELEASE picks Debian 13, the default,
# Debian 12 or debian13-bpo), its ssh helpers and log/die
VM_LOG_TAG=storm
# shellcheck source=../vm/lib.sh
. "$STORM_REPO/tests/vm/lib.sh"

STORM_MGMT_PORT=${STORM_MGMT_PORT:-7505}
STORM_VPN_PORT=${STORM_VPN_PORT:-1194}

# Binaries under test (host paths; copied into the guest).
# Defaults: the top-level build's DCO-enabled trees (first one that exists).
first_existing() {
    local f
    for f in "$@"; do
        if [[ -x $f ]]; then printf '%s\n' "$f"; return; fi
    done
    printf '%s\n' "$1"
}
if [[ -z ${FORK_OPENVPN:-} ]]; then
    FORK_OPENVPN=$(first_existing "$STORM_REPO/build/fork/src/src/openvpn/openvpn" \
        "$STORM_REPO/build/fork/dco/src/openvpn/openvpn")
    # shellcheck disable=SC2034  # used by storm.sh, which sources this file
    FORK_OPENVPN_IS_DEFAULT=1
fi
# fork_build_stale BIN [TREE]: BIN (under a contrib/build-tree directory,
# whose .dco-fork-build stamp names the commit it built) was not built
# from the head of TREE (build/fork/tree).  A rig run of such a binary
# measures another release than the one the tree holds (it happened: a
# soak of release 12's tree ran release 10's server).  Not a build-tree
# build, or no tree: nothing to compare, not stale.
# Tested by tests/storm/stale-build-test.sh (make lint).
fork_build_stale() {
    local stamp head built
    stamp=$(dirname "$(dirname "$(dirname "$1")")")/.dco-fork-build
    [[ -f $stamp ]] || return 1
    head=$(git -C "${2:-$STORM_REPO/build/fork/tree}" rev-parse --verify -q HEAD 2>/dev/null) || return 1
    read -r built _ <"$stamp"
    [[ $built != "$head" ]]
}
STOCK_OPENVPN=${STOCK_OPENVPN:-$(first_existing "$STORM_REPO/build/stock/src/src/openvpn/openvpn" \
    "$STORM_REPO/build/stock/dco/src/openvpn/openvpn")}
UPSTREAM26_OPENVPN=${UPSTREAM26_OPENVPN:-$STORM_REPO/build/fork/upstream26/src/openvpn/openvpn}
# Host-side client binary (clients are not under test; same for both builds).
CLIENT_OPENVPN=${CLIENT_OPENVPN:-$FORK_OPENVPN}

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

# Boot the guest for the calling script unless one is running already.  A
# guest booted here is stopped when the script exits, failure included;
# the script may define storm_exit_hook (called with the exit status)
# to report before that.
storm_guest_for_script() {
    # the storm scripts need ovpn-dco, or the kernel's own ovpn (debian13-bpo)
    [[ -n $GUEST_DCO_DKMS$GUEST_KMOD ]] ||
        die "the storm scripts need a guest with ovpn-dco; the $VM_RELEASE guest has none (GUEST_DCO_DKMS, GUEST_KMOD)"
    "$STORM_REPO/contrib/install-deps" storm >&2
    export STORM_DEPS_INSTALLED=1 # the storm.sh runs of this script need not check again
    STORM_STARTED_GUEST=0
    trap storm_script_exit EXIT
    trap 'exit 130' INT TERM
    if [[ $("$VM_DIR/vm.sh" status) != running* ]]; then
        STORM_STARTED_GUEST=1
        "$VM_DIR/vm.sh" up
    fi
}

storm_script_exit() {
    local rc=$?
    # a failed run says whether the guest is the cause: a guest that
    # panicked or hangs ends every ssh within 50 s (ServerAlive*), and its
    # console shows why
    if ((rc != 0)) && [[ -s $VM_RUN/console.log ]]; then
        if grep -q -m1 -E 'Kernel panic|BUG:|Oops|INFO: task .* blocked' "$VM_RUN/console.log"; then
            log "the guest kernel failed; the end of its console ($VM_RUN/console.log):"
        else
            log "run failed; the end of the guest console ($VM_RUN/console.log):"
        fi
        tail -n 30 "$VM_RUN/console.log" >&2 || true
    fi
    if ((STORM_STARTED_GUEST)); then "$VM_DIR/vm.sh" down || true; fi
    if declare -F storm_exit_hook >/dev/null; then storm_exit_hook "$rc"; fi
    exit "$rc"
}
