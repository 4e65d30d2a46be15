#!/bin/bash
# Start / stop the storm guest (STORM_GUEST_FLAVOR picks which, see lib.sh).
#   guest.sh up      build (cached) + create netns/tap + boot qemu + wait for ssh
#   guest.sh down    stop qemu (by its pid file), ssh master, remove tap + netns
#   guest.sh ssh ... run a command in the guest
#   guest.sh status
#   guest.sh with CMD...  boot the guest unless it runs, run CMD, stop the
#                    guest again if this call booted it (make test's storm
#                    steps share one boot this way; the storm scripts use
#                    a running guest and leave it running)
# The netns holds only the tap (host side 10.77.0.1 and .3, guest .2) and no
# route out; qemu, the clients, ssh and the management poller all run in it.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

qemu_pid() {
    local p
    [[ -f $STORM_RUN/qemu.pid ]] || return 1
    p=$(<"$STORM_RUN/qemu.pid")
    [[ -n $p ]] && kill -0 "$p" 2>/dev/null && printf '%s\n' "$p"
}

ns_up() {
    if ip netns list | grep -w "$STORM_NS" >/dev/null; then
        log "netns $STORM_NS exists already (stale?); recreating"
        ns_down
    fi
    ip netns add "$STORM_NS"
    in_ns ip link set lo up
    in_ns ip tuntap add dev "$STORM_TAP" mode tap
    in_ns ip addr add "$STORM_HOST_IP/24" dev "$STORM_TAP"
    in_ns ip addr add "$STORM_HOST_IP2/24" dev "$STORM_TAP"
    in_ns ip link set "$STORM_TAP" up
    # Lots of UDP clients on one host address: make room for them.
    in_ns sysctl -q -w net.ipv4.ip_local_port_range="20000 60999"
}

ns_down() {
    if ip netns list | grep -w "$STORM_NS" >/dev/null; then
        in_ns ip link del "$STORM_TAP" 2>/dev/null || true
        ip netns del "$STORM_NS"
    fi
}

ssh_master_stop() {
    local out pid
    [[ -S $STORM_RUN/ssh.ctl ]] || return 0
    out=$(in_ns ssh "${SSH_OPTS[@]}" -O check "root@$STORM_GUEST_IP" 2>&1 || true)
    pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$STORM_RUN/ssh.ctl"
}

up() {
    local gd pid t0
    "$STORM_DIR/build-guest.sh"
    gd=$(guest_dir)
    mkdir -p "$STORM_RUN"
    if pid=$(qemu_pid); then
        log "guest already running (qemu pid $pid)"
        return 0
    fi
    # From here on, a failed boot must not leave qemu or the netns behind.
    trap 'rc=$?; if ((rc)); then log "boot failed, cleaning up"; down; fi' EXIT
    ns_up
    # tnet.sh needs the IPv6 stack (t_net.sh adds v6 addresses and routes);
    # the image's sysctl keeps IPv6 off on every interface all the same
    local v6=ipv6.disable=1
    if [[ ${STORM_GUEST_IPV6:-0} == 1 ]]; then v6=; fi
    log "booting guest (TCG, ${STORM_GUEST_CPUS} vCPU, ${STORM_GUEST_MEM} MiB)"
    rm -f "$STORM_RUN/qemu.pid" "$STORM_RUN/console.log"
    in_ns qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
        -smp "$STORM_GUEST_CPUS" -m "$STORM_GUEST_MEM" \
        -kernel "$gd/vmlinuz" -initrd "$gd/initrd.img" \
        -append "root=/dev/vda rw console=ttyS0 net.ifnames=0 ${v6:+$v6 }quiet" \
        -drive "file=$gd/rootfs.img,if=virtio,format=raw,snapshot=on" \
        -netdev "tap,id=n0,ifname=$STORM_TAP,script=no,downscript=no" \
        -device virtio-net-pci,netdev=n0 \
        -display none -monitor none -serial "file:$STORM_RUN/console.log" \
        -pidfile "$STORM_RUN/qemu.pid" -daemonize
    pid=$(qemu_pid) || die "qemu did not start"
    log "qemu pid $pid; waiting for ssh"
    ssh_setup
    t0=$SECONDS
    until gssh true 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -20 "$STORM_RUN/console.log" >&2 || true
            die "qemu exited during boot"
        fi
        if ((SECONDS - t0 > ${STORM_BOOT_TIMEOUT:-240})); then
            tail -20 "$STORM_RUN/console.log" >&2 || true
            die "guest not reachable by ssh after $((SECONDS - t0)) s"
        fi
        sleep 2
        log "  ... $((SECONDS - t0)) s"
    done
    # a guest built without ovpn-dco (empty GUEST_DCO_DKMS) is only a testbed
    local dco="no ovpn-dco ($GUEST_SUITE)"
    if [[ -n $GUEST_DCO_DKMS ]]; then
        gscp_to "$STORM_DIR/dco_peers.py" /usr/local/bin/dco_peers
        gssh 'chmod +x /usr/local/bin/dco_peers; modprobe ovpn-dco-v2'
        dco="ovpn-dco-v2 $(gssh 'cat /sys/module/ovpn_dco_v2/version 2>/dev/null || echo loaded') (openvpn-dco-dkms $(gssh "dpkg-query -W -f='\${Version}' openvpn-dco-dkms" 2>/dev/null || echo '?'))"
    fi
    trap - EXIT
    log "guest up after $((SECONDS - t0)) s: kernel $(gssh 'uname -r'), $dco"
}

down() {
    local pid i
    mkdir -p "$STORM_RUN"
    ssh_setup
    ssh_master_stop
    if pid=$(qemu_pid); then
        log "stopping qemu pid $pid"
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$STORM_RUN/qemu.pid"
    ns_down
    log "guest down, netns removed"
}

case ${1:-} in
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
        echo "usage: $0 up|down|ssh CMD|status|with CMD..." >&2
        exit 2
        ;;
esac
