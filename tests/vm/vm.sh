#!/bin/bash
# The fork's qemu guest (tests/vm/README.md): one Debian release with its
# own kernel (VM_RELEASE=debian13, the default, debian12 or debian13-bpo), booted under
# TCG on a tap in a network namespace of its own that routes nowhere.
#   vm.sh build      build the image unless it is cached (build.sh)
#   vm.sh up         build (cached), create netns + tap, boot, wait for ssh
#   vm.sh down       stop qemu (by its pid file), ssh master, remove netns
#   vm.sh ssh CMD... run CMD in the guest (as root)
#   vm.sh status     "running (qemu pid N)" or "not running"
#   vm.sh info       KEY=VALUE lines: what a user of the guest needs
#   vm.sh with CMD...  boot the guest unless it runs, run CMD, stop the
#                    guest again if this call booted it
# Every boot starts from the pristine image (snapshot=on).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

qemu_pid() {
    local p
    [[ -f $VM_RUN/qemu.pid ]] || return 1
    p=$(<"$VM_RUN/qemu.pid")
    [[ -n $p ]] && kill -0 "$p" 2>/dev/null && printf '%s\n' "$p"
}

ns_exists() {
    local out
    out=$(ip netns list)
    grep -qw "$VM_NS" <<<"$out"
}

ns_up() {
    if ns_exists; then
        log "netns $VM_NS exists already (stale?); recreating"
        ns_down
    fi
    ip netns add "$VM_NS"
    in_ns ip link set lo up
    in_ns ip tuntap add dev "$VM_TAP" mode tap
    in_ns ip addr add "$VM_HOST_IP/24" dev "$VM_TAP"
    in_ns ip addr add "$VM_HOST_IP2/24" dev "$VM_TAP"
    in_ns ip link set "$VM_TAP" up
    # Lots of UDP clients on one host address: make room for them.
    in_ns sysctl -q -w net.ipv4.ip_local_port_range="20000 60999"
}

ns_down() {
    if ns_exists; then
        in_ns ip link del "$VM_TAP" 2>/dev/null || true
        ip netns del "$VM_NS"
    fi
}

ssh_master_stop() {
    local out pid
    [[ -S $VM_RUN/ssh.ctl ]] || return 0
    out=$(in_ns ssh "${SSH_OPTS[@]}" -O check "root@$VM_GUEST_IP" 2>&1 || true)
    pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$VM_RUN/ssh.ctl"
}

# One boot of the guest image $1 (kernel arguments: $2 is the IPv6
# switch): 0 once ssh answers, 1 if the guest kernel panicked.  A
# debian13-bpo guest takes its address from dcofork.vm_ip (build.sh); the
# others have VM_GUEST_IP of their build in the image.
boot() {
    local pid t0
    log "booting the $VM_RELEASE guest (TCG, $VM_CPUS vCPU, $VM_MEM MiB)"
    rm -f "$VM_RUN/qemu.pid" "$VM_RUN/console.log"
    in_ns qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
        -smp "$VM_CPUS" -m "$VM_MEM" \
        -kernel "$1/vmlinuz" -initrd "$1/initrd.img" \
        -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 ${2:+$2 }${GUEST_KMOD:+dcofork.vm_ip=$VM_GUEST_IP }quiet" \
        -drive "file=$1/rootfs.img,if=virtio,format=raw,snapshot=on" \
        -netdev "tap,id=n0,ifname=$VM_TAP,script=no,downscript=no" \
        -device virtio-net-pci,netdev=n0 \
        -display none -monitor none -serial "file:$VM_RUN/console.log" \
        -pidfile "$VM_RUN/qemu.pid" -daemonize
    pid=$(qemu_pid) || die "qemu did not start"
    log "qemu pid $pid; waiting for ssh"
    ssh_setup
    t0=$SECONDS
    until gssh true 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -20 "$VM_RUN/console.log" >&2 || true
            die "qemu exited during boot"
        fi
        if ((SECONDS - t0 > ${VM_BOOT_TIMEOUT:-240})); then
            tail -20 "$VM_RUN/console.log" >&2 || true
            die "guest not reachable by ssh after $((SECONDS - t0)) s"
        fi
        # the qemu TCG text-patching race ("Oops: int3", doc/storm.md)
        # panics a guest now and then, early in its boot: boot again
        if grep -q 'Kernel panic' "$VM_RUN/console.log" 2>/dev/null; then
            grep -m1 -E 'Oops|BUG' "$VM_RUN/console.log" >&2 || true
            log "the guest kernel panicked after $((SECONDS - t0)) s; stopping qemu pid $pid"
            stop_qemu "$pid"
            return 1
        fi
        sleep 2
        log "  ... $((SECONDS - t0)) s"
    done
}

up() {
    local gd pid
    "$VM_DIR/build.sh"
    gd=$(guest_dir)
    mkdir -p "$VM_RUN"
    if pid=$(qemu_pid); then
        log "guest already running (qemu pid $pid)"
        return 0
    fi
    # From here on, a failed boot must not leave qemu or the netns behind.
    trap 'rc=$?; if ((rc)); then log "boot failed, cleaning up"; down; fi' EXIT
    ns_up
    # VM_IPV6=1 boots with the IPv6 stack (the storm rig's t_net.sh adds v6
    # addresses and routes); the image's sysctl keeps IPv6 off on every
    # interface all the same
    local v6=ipv6.disable=1
    if [[ ${VM_IPV6:-0} == 1 ]]; then v6=; fi
    local try t0=$SECONDS
    for try in 1 2 3; do
        boot "$gd" "$v6" && break
        ((try < 3)) || die "the guest kernel panicked during boot $try times (console: $VM_RUN/console.log)"
    done
    # a guest built without ovpn-dco (empty GUEST_DCO_DKMS) is only a testbed
    local dco="no ovpn-dco"
    if [[ -n $GUEST_DCO_DKMS ]]; then
        gssh 'modprobe ovpn-dco-v2'
        dco="ovpn-dco-v2 $(gssh 'cat /sys/module/ovpn_dco_v2/version 2>/dev/null || echo loaded') (openvpn-dco-dkms $(gssh "dpkg-query -W -f='\${Version}' openvpn-dco-dkms" 2>/dev/null || echo '?'))"
    fi
    # the kernel's own module (debian13-bpo: ovpn), loaded at boot already
    if [[ -n $GUEST_KMOD ]]; then
        gssh "modprobe $GUEST_KMOD"
        dco="in-kernel $GUEST_KMOD (openvpn $(gssh "dpkg-query -W -f='\${Version}' openvpn" 2>/dev/null || echo '?'))"
    fi
    trap - EXIT
    log "guest up after $((SECONDS - t0)) s: $GUEST_SUITE, kernel $(gssh 'uname -r'), $dco"
}

stop_qemu() { # pid
    local i
    log "stopping qemu pid $1"
    kill "$1" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$1" 2>/dev/null; then kill -9 "$1" 2>/dev/null || true; fi
    rm -f "$VM_RUN/qemu.pid"
}

down() {
    local pid
    mkdir -p "$VM_RUN"
    ssh_setup
    ssh_master_stop
    if pid=$(qemu_pid); then stop_qemu "$pid"; fi
    ns_down
    log "guest down, netns removed"
}

# What a user of the guest needs, without sourcing our internals.
info() {
    local gd
    gd=$(guest_dir)
    printf '%s=%s\n' VM_RELEASE "$VM_RELEASE" GUEST_SUITE "$GUEST_SUITE" \
        VM_NS "$VM_NS" VM_GUEST_IP "$VM_GUEST_IP" VM_SSH_KEY "$gd/id_ed25519" \
        VM_CONSOLE "$VM_RUN/console.log" VM_HAS_DCO "$([[ -n $GUEST_DCO_DKMS ]] && echo 1 || echo 0)" \
        VM_DCO_MODULE "$(if [[ -n $GUEST_DCO_DKMS ]]; then echo ovpn-dco-v2; else echo "$GUEST_KMOD"; fi)"
}

case ${1:-} in
    build) "$VM_DIR/build.sh" ;;
    up) up ;;
    down) down ;;
    ssh)
        shift
        ssh_setup
        gssh "$@"
        ;;
    status)
        if pid=$(qemu_pid); then echo "running (qemu pid $pid)"; else echo "not running"; fi
        ;;
    info) info ;;
    with)
        shift
        [[ $# -gt 0 ]] || die "usage: $0 with CMD..."
        if qemu_pid >/dev/null; then
            "$@"
        else
            trap 'exit 130' INT TERM
            up
            # after up(), which sets and clears a trap of its own
            trap down EXIT
            "$@"
        fi
        ;;
    *)
        echo "usage: $0 build|up|down|ssh CMD...|status|info|with CMD..." >&2
        exit 2
        ;;
esac
