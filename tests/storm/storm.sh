#!/bin/bash
# Deletion-storm scenarios against an openvpn DCO server running in the guest.
#
#   storm.sh run BUILD SCENARIO [N] [K]
#     BUILD     fork | stock | upstream-2.6 | debian12 | debian13 | debian-archive | /path/to/openvpn
#               (upstream-2.6: the series up to the backport of 7791f535,
#               i.e. what upstream's own 2.6 branch has; 'make build-upstream26')
#               (debian12, debian13: the openvpn package from 'make debian12' or
#               'make debian13', installed with dpkg in the guest of its
#               release; debian-archive: Debian's own openvpn package of the
#               guest's release as the image has it; see guest-openvpn.sh)
#     SCENARIO  storm       UDP; N clients, CPU load, drop inbound VPN UDP,
#                           wait past the keepalive timeout, count, un-drop,
#                           all reconnect; K storms on one server process
#               storm-poll  same, plus status file every second and a
#                           management poller doing status + bytecount
#               tcp         TCP server; all clients killed at once (kernel
#                           sees N transport disconnects), then restarted
#               mixed       UDP; half the clients (source 10.77.0.3) expire
#                           while the other half is restarted (exit-notify,
#                           new process, new port) and reconnects
#               overrun     UDP; server SIGSTOPped, its netlink queue filled
#                           by STORM_FLOOD foreign DEL_PEERs (a second ovpn-dco
#                           interface in the guest) before any peer expires,
#                           then all N peers expire (their DEL_PEERs are
#                           dropped), SIGCONT: the server must survive and
#                           its resync must confirm and reap every client
#                           whose DEL_PEER was lost, and no other
#               sighup      UDP; server SIGSTOPped, all N peers expire (their
#                           DEL_PEERs queue up), SIGHUP + SIGCONT: the server
#                           restarts with the storm queued; clients come back
#               sigterm     the same with SIGTERM: the server must exit cleanly
#               stopdrain   the same without a signal, and SIGCONT only once
#                           the kernel has sent every DEL_PEER (notify.log
#                           stops growing): the time from SIGCONT to 0
#                           instances is the server's alone (issue 32)
#               tcp-setup   TCP; established clients killed while N more
#                           clients are each killed 0.1-3 s into their setup
#                           (TLS, push, NEW_PEER/NEW_KEY); then N reconnect
#               soak        UDP; K cycles on one server process, each a
#                           storm (as above) except one overrun (cycle
#                           K/3) and one SIGUSR1 (cycle 2K/3: the server
#                           restarts in place, every instance closes, the
#                           clients reconnect by ping-restart); after each
#                           cycle (and before the first) the server's RSS,
#                           open fds and SIGUSR2 bookkeeping line go to
#                           soak.csv (soak.py: table, plot, flat-or-fail)
#               float       no storm: the reproduction of doc/ovpn-dco-float.md.
#                           One forged P_DATA_V2 datagram from 10.77.0.3
#                           with a connected client's peer-id; exit 0 if
#                           the kernel moved that peer to the forger before
#                           authenticating the packet (reproduced), 3 if
#                           not (the module is fixed); float.json
#     Results go to $STORM_OUT (default ./storm-results/<build>-<scenario>-<N>):
#       storms.jsonl (one JSON object per storm), samples.csv (management
#       poll: time,nclients,status_clients), kpeers.log (guest: time peers),
#       notify.log (guest: time peer-id reason of each DEL_PEER the kernel
#       sent for the server's interface),
#       events.csv (time,event), server.log, clients/.
#   The guest must be up (tests/vm/vm.sh up) unless STORM_AUTO_GUEST=1.
#
# Tunables (env): STORM_KEEPALIVE="10 30" (server-side timeout is 2x the
# second number), STORM_GRACE=30 (s past the expected expiry to wait for 0),
# STORM_RECONNECT_TIMEOUT=180, STORM_CONNECT_RATE=40 (clients/s),
# STORM_FLOOD=3000 (foreign DEL_PEERs queued in 'overrun'),
# STORM_UDP_RMEM=4194304 (guest net.core.rmem_default, see doc/storm.md),
# STORM_HAND_WINDOW=90 (the clients' --hand-window, see start_client()),
# STORM_SERVER=guest (the server is the guest image's own /usr/sbin/openvpn,
# Debian's package of the pin file's GUEST_OPENVPN as dpkg-query reports it,
# run as it is, nothing copied in; BUILD then only names the results:
# 'VM_RELEASE=debian13-bpo STORM_SERVER=guest storm.sh run openvpn-2.7.8
# storm 64' storms trixie-backports' openvpn 2.7.8 on kernel 7.3's in-tree
# ovpn module, doc/storm-ovpn-2.7.md; the default, STORM_SERVER=rig, is
# BUILD as above).  On a guest with the in-kernel ovpn module (GUEST_KMOD,
# debian13-bpo) the server's interface must be of kind ovpn instead of
# ovpn-dco, and overrun and soak (a second ovpn-dco interface and
# dco_peers --flood; the fork's SIGUSR2 bookkeeping) are refused.  The
# server configuration is the same for every server: openvpn 2.7.8 takes
# it unchanged (doc/storm-ovpn-2.7.md: what 2.7 does differently with it).
# STORM_SANITIZE=1 (the server binary is built with ASan+UBSan, e.g. by
# 'make storm-asan': every report is fatal, leaks are checked when it
# exits, and the reports are copied to $OUT/sanitizer.txt; the run exits
# 4 if there is any).  With VM_DCO_DKMS_DEB (a module package of ours in
# the guest) any oops/BUG/WARNING/hung-task line of the guest kernel
# fails the run (exit 6; report.py fails it too).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KEEPALIVE=${STORM_KEEPALIVE:-10 30}
read -r KA_PING KA_TIMEOUT <<<"$KEEPALIVE"
SERVER_TIMEOUT=$((2 * KA_TIMEOUT)) # --keepalive doubles the timeout on the server
GRACE=${STORM_GRACE:-30}
RECONNECT_TIMEOUT=${STORM_RECONNECT_TIMEOUT:-180}
CONNECT_RATE=${STORM_CONNECT_RATE:-40}
HAND_WINDOW=${STORM_HAND_WINDOW:-90}
GDIR=/root/storm          # working dir in the guest
DEV=ovpnstorm             # server's DCO interface name
REJECT_PAT='would exceed maximum number of clients'
FLOOD=${STORM_FLOOD:-3000}
UDP_RMEM=${STORM_UDP_RMEM:-4194304}
FLOOD_DEV=ovpnflood       # foreign ovpn-dco interface no openvpn uses
STORM_SERVER=${STORM_SERVER:-rig}
# The link kind of the server's DCO interface: ovpn-dco-v2's, or that of
# the kernel's own module (debian13-bpo: ovpn, tests/vm/lib.sh GUEST_KMOD).
DCO_KIND=ovpn-dco
if [[ -z $GUEST_DCO_DKMS && $GUEST_KMOD == ovpn ]]; then DCO_KIND=ovpn; fi

# What one storm of each scenario does (one_storm): whether the guest's
# CPU is loaded meanwhile (stress-ng; not while the server is stopped),
# the trigger (trigger_*: it sets T_DROP, T_EXP, the moment the reap time
# counts from, T_FROM, and how many instances must remain, LEFT) and how
# the clients come back (restore_*).  float has no storm.
declare -A PLAN=(
    [storm]="stress drop_all undrop"
    [storm-poll]="stress drop_all undrop"
    [mixed]="stress drop_half undrop"
    [tcp]="stress kill_all restart"
    [tcp-setup]="stress kill_churn restart"
    [overrun]="- queue undrop"
    [sighup]="- queue undrop"
    [sigterm]="- queue -"
    [stopdrain]="- queue undrop"
    [sigusr1]="- usr1 none"
    [soak]="per cycle: soak_kind()"
)

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }

[[ ${1:-} == run ]] || usage
BUILD=${2:?build}
SCENARIO=${3:?scenario}
N=${4:-64}
K=${5:-2}
[[ $STORM_SERVER == rig || $STORM_SERVER == guest ]] || die "STORM_SERVER=$STORM_SERVER: unknown (rig or guest)"
case $STORM_SERVER:$BUILD in
    guest:*) BIN="" ;;
    *:fork) BIN=$FORK_OPENVPN ;;
    *:stock) BIN=$STOCK_OPENVPN ;;
    *:upstream-2.6) BIN=$UPSTREAM26_OPENVPN ;;
    *:debian12 | *:debian13 | *:debian-archive) BIN="" ;;
    *) BIN=$BUILD; BUILD=$(basename "$(dirname "$BIN")") ;;
esac
BUILD_LABEL=${STORM_BUILD_LABEL:-$BUILD}
[[ -n ${PLAN[$SCENARIO]:-} || $SCENARIO == float ]] || usage
if [[ $DCO_KIND == ovpn && ($SCENARIO == overrun || $SCENARIO == soak) ]]; then
    die "$SCENARIO needs ovpn-dco-v2 (a second ovpn-dco interface, dco_peers --flood); the $VM_RELEASE guest has the in-kernel ovpn"
fi
[[ -z $BIN || -x $BIN ]] || die "openvpn binary for '$BUILD' not found: $BIN (set FORK_OPENVPN/STOCK_OPENVPN)"
if [[ $BIN == "$FORK_OPENVPN" && ${FORK_OPENVPN_IS_DEFAULT:-0} == 1 ]] && fork_build_stale "$BIN"; then
    die "$BIN was not built from the head of build/fork/tree: run 'make' first (or set FORK_OPENVPN to test that binary on purpose)"
fi
[[ -x $CLIENT_OPENVPN ]] || die "client openvpn not found: $CLIENT_OPENVPN (set CLIENT_OPENVPN)"
PROTO=udp
[[ $SCENARIO == tcp* ]] && PROTO=tcp
OUT=${STORM_OUT:-$PWD/storm-results/$BUILD_LABEL-$SCENARIO-$N}
SOAK=0
if [[ $SCENARIO == soak ]]; then SOAK=1; fi
rm -rf "$OUT"
mkdir -p "$OUT/clients" "$VM_RUN"
ssh_setup

STARTED_GUEST=0
SERVER_PID=""     # pid inside the guest
KPEERS_PID=""     # pid inside the guest
NOTIFY_PID=""     # pid inside the guest
STRESS_PID=""     # pid inside the guest
POLLER_PID=""     # host
declare -A CPID=()  # client index -> host pid

cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    for i in "${!CPID[@]}"; do kill "${CPID[$i]}" 2>/dev/null; done
    for i in "${!CPID[@]}"; do wait "${CPID[$i]}" 2>/dev/null; done
    if [[ -n $POLLER_PID ]]; then kill "$POLLER_PID" 2>/dev/null; wait "$POLLER_PID" 2>/dev/null; fi
    if [[ $(guest_alive) == 1 ]]; then
        gssh "nft delete table inet storm 2>/dev/null; ip link del $FLOOD_DEV 2>/dev/null; for p in $STRESS_PID $KPEERS_PID $NOTIFY_PID $SERVER_PID; do kill -CONT \$p 2>/dev/null; kill \$p 2>/dev/null; done; true"
        stop_server_wait
        gscp_from "$GDIR/server.log" "$OUT/server.log" 2>/dev/null
        gscp_from "$GDIR/kpeers.log" "$OUT/kpeers.log" 2>/dev/null
        gscp_from "$GDIR/notify.log" "$OUT/notify.log" 2>/dev/null
        gscp_from "$GDIR/status.log" "$OUT/status.log" 2>/dev/null
        gssh "dmesg" >"$OUT/dmesg.log" 2>/dev/null
        if [[ ${STORM_SANITIZE:-0} == 1 ]]; then
            gssh "cat $GDIR/sanitizer.* 2>/dev/null; true" >"$OUT/sanitizer.txt"
            if [[ -s $OUT/sanitizer.txt ]]; then
                log "SANITIZER REPORT from the server (sanitizer.txt):"
                head -n 20 "$OUT/sanitizer.txt" >&2
                rc=4
            else
                log "sanitizer: no report from the server (ASan+UBSan, leaks checked at exit)"
            fi
        fi
    fi
    # what the guest kernel said: oopses, BUGs, warnings, hung tasks
    cp "$VM_RUN/console.log" "$OUT/console.log" 2>/dev/null
    cat "$OUT/dmesg.log" "$OUT/console.log" 2>/dev/null |
        grep -E 'Oops|BUG:|WARNING:|blocked for more than|general protection|Kernel panic|Call Trace' >"$OUT/kernel.txt"
    log "guest kernel: $(wc -l <"$OUT/kernel.txt") oops/BUG/WARNING/hung-task lines (kernel.txt; dmesg.log, console.log)"
    # A module package of ours (VM_DCO_DKMS_DEB: make dkms-debian12,
    # dkms-debian13) must not make the kernel complain at all; Debian's
    # own module is measured, not judged (doc/ovpn-dco-debian13.md).
    if [[ -n $VM_DCO_DKMS_DEB ]]; then
        printf '%s\n' "${VM_DCO_DKMS_DEB##*/}" >"$OUT/module-package"
        if [[ -s $OUT/kernel.txt ]]; then
            log "FAIL: the guest kernel complained with our module package ${VM_DCO_DKMS_DEB##*/}:"
            head -n 5 "$OUT/kernel.txt" >&2
            rc=6
        fi
    fi
    if ((STARTED_GUEST)); then "$VM_DIR/vm.sh" down; fi
    log "run finished (rc=$rc); results in $OUT"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

guest_alive() { if gssh true 2>/dev/null; then echo 1; else echo 0; fi; }

event() { printf '%.3f,%s\n' "$(date +%s.%N)" "$1" >>"$OUT/events.csv"; log "$1"; }

# ---------------------------------------------------------------- PKI ----
pki() {
    local d=$VM_RUN/pki
    if [[ -f $d/ok ]]; then return; fi
    log "generating EC test PKI in $d"
    rm -rf "$d"
    mkdir -p "$d"
    (
        cd "$d"
        openssl ecparam -name prime256v1 -genkey -noout -out ca.key
        openssl req -x509 -new -key ca.key -days 3650 -subj /CN=storm-ca -out ca.crt
        for n in server client; do
            openssl ecparam -name prime256v1 -genkey -noout -out "$n.key"
            openssl req -new -key "$n.key" -subj "/CN=storm-$n" -out "$n.csr"
            if [[ $n == server ]]; then eku=serverAuth; else eku=clientAuth; fi
            printf 'extendedKeyUsage=%s\nkeyUsage=digitalSignature,keyAgreement\n' "$eku" >"$n.ext"
            openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
                -days 3650 -extfile "$n.ext" -out "$n.crt" 2>/dev/null
        done
    ) >/dev/null 2>&1
    touch "$d/ok"
}

# -------------------------------------------------------------- server ----
STATUS_IV=5
[[ $SCENARIO == storm-poll ]] && STATUS_IV=1
server_conf() {
    cat <<EOF
mode server
tls-server
proto ${PROTO}$([[ $PROTO == tcp ]] && echo -server)
local $VM_GUEST_IP
port $STORM_VPN_PORT
dev $DEV
dev-type tun
topology subnet
server 10.8.0.0 255.255.0.0
keepalive $KA_PING $KA_TIMEOUT
max-clients $N
duplicate-cn
ca $GDIR/ca.crt
cert $GDIR/server.crt
key $GDIR/server.key
dh none
data-ciphers AES-256-GCM
management $VM_GUEST_IP $STORM_MGMT_PORT
status $GDIR/status.log $STATUS_IV
status-version 2
writepid $GDIR/server.pid
log $GDIR/server.log
verb 3
mute-replay-warnings
EOF
}

stop_server_wait() {
    # Wait until the previous server process is gone (else the new one
    # cannot bind the management port).
    gssh "p=\$(cat $GDIR/server.pid 2>/dev/null); [ -n \"\$p\" ] || exit 0; kill \$p 2>/dev/null; for i in \$(seq 100); do kill -0 \$p 2>/dev/null || exit 0; sleep 0.2; done; kill -9 \$p 2>/dev/null; true" || true
}

start_server() {
    local gbin=$GDIR/openvpn
    gssh "mkdir -p $GDIR; rm -f $GDIR/server.log $GDIR/status.log $GDIR/kpeers.log $GDIR/notify.log"
    # The server's UDP socket takes the default receive buffer (openvpn
    # sets none unless --rcvbuf is given).  208 KiB overflows under TCG
    # when N clients handshake at once; stalled handshakes then leave
    # half-open instances that count against max-clients.  Only sockets
    # that set no size of their own get this: the netlink socket keeps
    # whatever openvpn asks for (capped by net.core.rmem_max).
    gssh "sysctl -q -w net.core.rmem_default=$UDP_RMEM"
    stop_server_wait
    if [[ -z $BIN ]]; then
        # shellcheck source=guest-openvpn.sh
        . "$STORM_DIR/guest-openvpn.sh"
        if [[ $STORM_SERVER == guest || $BUILD == debian-archive ]]; then
            gbin=$(guest_debian_openvpn)
        else
            gbin=$(guest_install_deb "$BUILD")
        fi
    else
        log "installing server binary ($BIN) and config in the guest"
        gscp_to "$BIN" "$gbin"
    fi
    local f
    for f in ca.crt server.crt server.key; do gscp_to "$VM_RUN/pki/$f" "$GDIR/$f"; done
    server_conf >"$OUT/server.conf"
    gscp_to "$OUT/server.conf" "$GDIR/server.conf"
    local senv=""
    if [[ ${STORM_SANITIZE:-0} == 1 ]]; then
        gssh "rm -f $GDIR/sanitizer.*"
        senv="ASAN_OPTIONS=log_path=$GDIR/sanitizer:halt_on_error=1:abort_on_error=1:detect_leaks=1"
        senv+=" UBSAN_OPTIONS=log_path=$GDIR/sanitizer:halt_on_error=1:print_stacktrace=1"
    fi
    gssh "ulimit -n 65536; $senv $gbin --config $GDIR/server.conf --daemon storm-server" ||
        { gscp_from "$GDIR/server.log" "$OUT/server.log" || true; die "server failed to start"; }
    sleep 2
    SERVER_PID=$(gssh "cat $GDIR/server.pid")
    gssh "kill -0 $SERVER_PID" || { gscp_from "$GDIR/server.log" "$OUT/server.log" || true; die "server exited"; }
    # DCO must really be in use: the interface must be an ovpn-dco one (of
    # kind ovpn on a guest with the in-kernel module).
    local link
    link=$(gssh "ip -d link show dev $DEV" 2>/dev/null) || link=""
    if [[ $DCO_KIND == ovpn-dco && $link != *ovpn-dco* ]] ||
        [[ $DCO_KIND == ovpn && ! $link =~ (^|[[:space:]])ovpn([[:space:]]|$) ]]; then
        gscp_from "$GDIR/server.log" "$OUT/server.log" || true
        gssh "ip -d link show dev $DEV" >&2 || true
        die "server is NOT using $DCO_KIND (fell back to userspace?); see $OUT/server.log"
    fi
    log "server pid $SERVER_PID (guest), $DEV is $DCO_KIND: $(gssh "grep -m1 -o 'DCO version.*' $GDIR/server.log" || true)"
    KPEERS_PID=$(gssh "nohup dco_peers --loop $DEV 1 >$GDIR/kpeers.log 2>/dev/null </dev/null & echo \$!")
    # every DEL_PEER notification the kernel sends for $DEV, timed as a
    # real-time listener receives it (stress-ng must not delay it)
    NOTIFY_PID=$(gssh "nohup chrt -f 10 dco_peers --monitor $DEV >$GDIR/notify.log 2>/dev/null </dev/null & echo \$!")
    local extra=()
    if [[ $SCENARIO == storm-poll ]]; then extra=(--status --bytecount 1); fi
    ip netns exec "$VM_NS" "$PY" "$STORM_DIR/mgmt.py" "$VM_GUEST_IP" "$STORM_MGMT_PORT" "$OUT/samples.csv" \
        --interval 1 "${extra[@]}" >/dev/null 2>>"$OUT/mgmt.err" </dev/null &
    POLLER_PID=$!
}

server_alive() { if gssh "kill -0 $SERVER_PID" 2>/dev/null; then echo true; else echo false; fi; }
nclients() { tail -n1 "$OUT/samples.csv" 2>/dev/null | cut -d, -f2; }
kpeers() { # one number; -1 if the interface/module cannot be queried
    local k
    k=$(gssh "dco_peers $DEV 2>/dev/null; true" 2>/dev/null | tail -n1)
    [[ $k =~ ^-?[0-9]+$ ]] || k=-1
    printf '%s\n' "$k"
}
status_file_clients() { gssh "grep -c '^CLIENT_LIST,' $GDIR/status.log; true" 2>/dev/null || echo -1; }
udp_rcvbuf_errors() { gssh "nstat -az UdpRcvbufErrors | awk '/UdpRcvbufErrors/ { print \$2 }'" 2>/dev/null || echo -1; }
rejections_total() { gssh "grep -c '$REJECT_PAT' $GDIR/server.log; true" 2>/dev/null || echo 0; }

# ------------------------------------------------------------- clients ----
start_client() {
    local i=$1 src=()
    if [[ $SCENARIO == mixed ]] && ((i < N / 2)); then
        src=(--local "$VM_HOST_IP2" --lport 0)
    else
        src=(--nobind)
    fi
    # ip netns exec execs the program: $! is the client's own pid.
    # --hand-window 90 (> the server's 60): a client whose handshake is slow
    # under a reconnect surge must not give up and retry from a new port while
    # the server still holds its half-open instance, or that duplicate would
    # count against max-clients and look like a leak.  Under TCG the server
    # completes about 10 handshakes a second, so at N=4096 a reconnect
    # queues for minutes: STORM_HAND_WINDOW raises it for such runs.
    ip netns exec "$VM_NS" "$CLIENT_OPENVPN" --client --dev null --disable-dco --ifconfig-noexec --route-noexec \
        --proto "$PROTO" --remote "$VM_GUEST_IP" "$STORM_VPN_PORT" "${src[@]}" \
        --ca "$VM_RUN/pki/ca.crt" --cert "$VM_RUN/pki/client.crt" --key "$VM_RUN/pki/client.key" \
        --remote-cert-tls server --data-ciphers AES-256-GCM \
        --hand-window "$HAND_WINDOW" --connect-retry 1 5 --explicit-exit-notify 1 \
        --verb 2 --log "$OUT/clients/c$i.log" >/dev/null 2>&1 </dev/null &
    CPID[$i]=$!
}

start_clients() { # from to
    local i n=0 batch=$((CONNECT_RATE / 4 > 0 ? CONNECT_RATE / 4 : 1))
    for ((i = $1; i < $2; i++)); do
        start_client "$i"
        n=$((n + 1))
        if ((n % batch == 0)); then sleep 0.25; fi
    done
}

kill_clients() { # from to signal
    local i
    for ((i = $1; i < $2; i++)); do kill "-$3" "${CPID[$i]}" 2>/dev/null || true; done
    if [[ $3 == KILL || $3 == TERM ]]; then
        for ((i = $1; i < $2; i++)); do wait "${CPID[$i]}" 2>/dev/null || true; unset "CPID[$i]"; done
    fi
}

wait_connected() { # want timeout -> sets WAITED seconds; returns 1 on timeout
    local want=$1 to=$2 t0=$SECONDS k=-1 last=-1
    while ((SECONDS - t0 < to)); do
        k=$(kpeers)
        if ((k != last)); then log "  connected (kernel peers) $k/$want, instances $(nclients), $((SECONDS - t0)) s"; last=$k; fi
        if ((k >= want)); then WAITED=$((SECONDS - t0)); return 0; fi
        sleep 2
    done
    WAITED=$((SECONDS - t0))
    return 1
}

# ---------------------------------------------------------------- storm ----
nft_drop() { # nft match expression whose packets are dropped on input
    gssh "nft add table inet storm && nft add chain inet storm in '{ type filter hook input priority -10; policy accept; }' && nft add rule inet storm in $1 drop" ||
        die "nft drop failed"
    # Output captured first: 'ssh | grep -q' under pipefail fails when grep
    # exits before ssh has written everything (SIGPIPE).
    [[ $(gssh "nft list table inet storm") == *drop* ]] || die "nft drop rule missing"
}

json_row() { # storm# stale kpeers inst status_file t0s rej reconnected alive reconnect_s outcome server_cpu_s
    printf '{"build":"%s","scenario":"%s","n":%d,"storm":%d,"stale":%s,"kernel_peers":%d,"instances":%d,"status_file_clients":%d,"secs_expiry_to_zero":%s,"rejections":%d,"reconnected":%d,"reconnect_secs":%s,"server_alive":%s,"outcome":"%s","initial_connected":%d,"t_storm":%s,"t_expected_expiry":%s,"server_cpu_secs":%s%s}\n' \
        "$BUILD_LABEL" "$SCENARIO" "$N" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "${10}" "$9" "${11//[\"\\]/}" "$INIT_CONNECTED" "$T_DROP" "$T_EXP" "${12:-null}" "${OV_JSON:+,$OV_JSON}" >>"$OUT/storms.jsonl"
}

# The server's CPU time so far (user + system, seconds; /proc/PID/stat
# fields 14 and 15), empty if it cannot be read.
server_cpu() {
    gssh "awk -v t=\$(getconf CLK_TCK) '{ sub(/^.*\\) /, \"\"); printf \"%.2f\\n\", (\$12 + \$13) / t }' /proc/$SERVER_PID/stat" 2>/dev/null || true
}

# first sample time at/after $1 with nclients <= $2, or empty
first_time_at_most() {
    awk -F, -v t="$1" -v w="$2" '$1 >= t && $2 >= 0 && $2 <= w { print $1; exit }' "$OUT/samples.csv"
}

# Drops and queued bytes on the server's generic-netlink sockets (libnl's
# port id is the pid plus a counter in the top bits).
netlink_sock() { # column: 5 = Rmem (queued bytes), 9 = Drops
    gssh "awk -v p=$SERVER_PID 'NR > 1 && \$2 == 16 && \$3 % 4194304 == p { d += \$$1 } END { print d + 0 }' /proc/net/netlink" 2>/dev/null || echo -1
}

# The server log line that says why it did not survive, or nothing: an
# assertion or crash line itself, else the line before "Exiting due to
# fatal error" (the M_FATAL/M_ERR message).
crash_line() {
    local cmd="grep -E -m1 'Assertion failed|Segmentation|Aborted' $GDIR/server.log ||"
    cmd+=" grep -B1 -m1 'Exiting due to fatal error' $GDIR/server.log | head -n1; true"
    gssh "$cmd" 2>/dev/null | cut -c21- | cut -c1-100
}

# Clients killed during setup: each is SIGKILLed 0.1-3 s after it starts,
# i.e. somewhere in its TLS handshake, push or the server's NEW_PEER/NEW_KEY.
declare -A DUE=()
kill_due() {
    local j now
    now=$(date +%s%3N)
    for j in "${!DUE[@]}"; do
        if ((DUE[$j] <= now)); then
            kill -KILL "${CPID[$j]}" 2>/dev/null || true
            wait "${CPID[$j]}" 2>/dev/null || true
            unset "CPID[$j]" "DUE[$j]"
        fi
    done
}
churn_clients() { # from to
    local i n=0 batch=$((CONNECT_RATE / 4 > 0 ? CONNECT_RATE / 4 : 1))
    for ((i = $1; i < $2; i++)); do
        start_client "$i"
        DUE[$i]=$(($(date +%s%3N) + 100 + RANDOM % 2900))
        n=$((n + 1))
        if ((n % batch == 0)); then sleep 0.25; kill_due; fi
    done
    while ((${#DUE[@]})); do sleep 0.1; kill_due; done
}

# Triggers: each sets T_DROP (the trigger), T_EXP (the expected last
# expiry, or the end of the trigger), T_FROM (where the reap time counts
# from: the trigger, or its end where that is a known moment) and LEFT.
at_plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
trigger_drop_all() {
    nft_drop "udp dport $STORM_VPN_PORT"
    T_DROP=$(date +%s.%N) T_FROM=$T_DROP
    T_EXP=$(at_plus "$T_DROP" "$SERVER_TIMEOUT")
    event "storm $1: inbound VPN UDP dropped; expected last expiry +${SERVER_TIMEOUT}s"
}
# mixed: half the clients expire while the other half is restarted
# (explicit exit notify + reconnect) around the expiry time.
trigger_drop_half() {
    local hi=$((N / 2)) t0
    nft_drop "ip saddr $VM_HOST_IP2 udp dport $STORM_VPN_PORT"
    T_DROP=$(date +%s.%N) T_FROM=$T_DROP LEFT=$((N - N / 2))
    T_EXP=$(at_plus "$T_DROP" "$SERVER_TIMEOUT")
    event "storm $1: inbound VPN UDP from half the clients ($VM_HOST_IP2) dropped"
    sleep $((SERVER_TIMEOUT - 12))
    event "storm $1: restarting the other half (SIGTERM with exit-notify, new process) while the first half expires"
    kill_clients "$hi" "$N" TERM
    # Their exit notifications close the old instances within a few
    # seconds; new ones before that would only measure max-clients
    # against instances that are on their way out.
    t0=$SECONDS
    while (($(nclients) > hi && SECONDS - t0 < 10)); do sleep 0.5; done
    start_clients "$hi" "$N"
    event "storm $1: other half restarted ($(nclients) instances when they started)"
}
trigger_kill_all() {
    T_DROP=$(date +%s.%N) T_EXP=$T_DROP T_FROM=$T_DROP
    kill_clients 0 "$N" KILL
    event "storm $1: all $N TCP clients killed at once"
}
trigger_kill_churn() {
    T_DROP=$(date +%s.%N)
    kill_clients 0 "$N" KILL
    event "storm $1: all $N TCP clients killed; $N more each killed 0.1-3 s into its setup"
    churn_clients "$N" $((2 * N))
    T_EXP=$(date +%s.%N) T_FROM=$T_EXP
    event "storm $1: setup churn done"
}
# overrun/sighup/sigterm: stop the server, let every peer expire while it
# cannot read (their DEL_PEERs queue up on its netlink socket, or are
# dropped once the queue is full), then let it continue.  overrun fills
# the queue first, with foreign DEL_PEERs, and only then lets the peers
# expire: the server's own N DEL_PEERs are the ones the kernel drops, so
# only the resync can reap their clients (overrun_counts).
trigger_queue() {
    local s=$1 t0 sig="" round nn last=-1 still=0
    gssh "kill -STOP $SERVER_PID" || die "cannot stop the server"
    event "storm $s: server stopped (SIGSTOP)"
    KP_BEFORE=$(kpeers)
    LOG0=$(gssh "wc -l <$GDIR/server.log")
    if [[ $SCENARIO == overrun ]]; then
        gssh "ip link del $FLOOD_DEV 2>/dev/null; ip link add dev $FLOOD_DEV type ovpn-dco" ||
            die "cannot create $FLOOD_DEV"
        # until the queue is full: the kernel has dropped a foreign one
        for ((round = 1; round <= 4; round++)); do
            event "storm $s: $(gssh "dco_peers --flood $FLOOD_DEV $FLOOD") on $FLOOD_DEV"
            DROPS0=$(netlink_sock 9)
            ((DROPS0 > 0)) && break
        done
        gssh "ip link del $FLOOD_DEV"
        DROPS0=$(netlink_sock 9)
        event "storm $s: before any peer expires: kernel peers $(kpeers), server's netlink queue $(netlink_sock 5) bytes, $DROPS0 foreign notifications dropped"
    fi
    nft_drop "udp dport $STORM_VPN_PORT"
    T_DROP=$(date +%s.%N)
    event "storm $s: inbound VPN UDP dropped; the kernel expires every peer within ${SERVER_TIMEOUT}s"
    t0=$SECONDS
    while (($(kpeers) > 0 && SECONDS - t0 < SERVER_TIMEOUT + GRACE)); do sleep 2; done
    sleep 2
    if [[ $SCENARIO == stopdrain ]]; then
        # the module sends a peer's DEL_PEER after it left the table:
        # wait until no notification came for 6 s
        while ((SECONDS - t0 < SERVER_TIMEOUT + GRACE + 600)); do
            nn=$(gssh "wc -l <$GDIR/notify.log" 2>/dev/null) || nn=-1
            if ((nn == last)); then still=$((still + 1)); else still=0 last=$nn; fi
            ((still >= 3)) && break
            sleep 2
        done
        event "storm $s: $last DEL_PEER notifications sent for $DEV so far, none for 6 s"
    fi
    DROPS=$(netlink_sock 9)
    KP_AT_CONT=$(kpeers)
    event "storm $s: kernel peers $KP_AT_CONT; server's netlink queue $(netlink_sock 5) bytes, $DROPS dropped"
    case $SCENARIO in
        sighup) sig=HUP ;;
        sigterm) sig=TERM ;;
    esac
    if [[ -n $sig ]]; then gssh "kill -$sig $SERVER_PID"; fi
    gssh "kill -CONT $SERVER_PID"
    T_EXP=$(date +%s.%N) T_FROM=$T_EXP
    event "storm $s: server continued (SIGCONT${sig:+ after SIG$sig})"
}

# soak: the server restarts in place; the clients notice by their
# ping-restart and reconnect by themselves.
trigger_usr1() {
    gssh "kill -USR1 $SERVER_PID" || die "cannot signal the server"
    # the clients start coming back within seconds: sample until the
    # instances and the kernel's peers agree, as in mixed (RESAMPLE), or
    # the management sample's lag behind a reconnect surge reads as stale
    T_DROP=$(date +%s.%N) T_EXP=$T_DROP T_FROM=$T_DROP RESAMPLE=1
    event "storm $1: SIGUSR1: the server restarts in place and closes every instance"
}

# How the clients come back.  Rejections count from here where the
# clients are restarted: the setup churn of tcp-setup exceeds max-clients
# on purpose, and nobody connects between killing them and now otherwise.
restore_undrop() {
    gssh "nft delete table inet storm" || die "nft un-drop failed"
    event "storm $1: un-dropped"
}
restore_none() { event "storm $1: the clients come back by themselves"; }
restore_restart() {
    REJ0=$(rejections_total)
    start_clients 0 "$N"
    event "storm $1: $N clients restarted"
}

# sigterm: the server must exit by itself, without an assertion.
sigterm_result() {
    local s=$1 i out
    for ((i = 0; i < 150; i++)); do
        gssh "kill -0 $SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    out=$(crash_line)
    if gssh "kill -0 $SERVER_PID" 2>/dev/null; then
        out="NOT exited 30 s after SIGTERM"
    elif [[ -z $out ]]; then
        if [[ $(gssh "tail -n 3 $GDIR/server.log") == *'process exiting'* ]]; then
            out="clean exit"
        else
            out="exited without 'process exiting': $(gssh "tail -n1 $GDIR/server.log" | cut -c21- | cut -c1-80)"
        fi
    else
        out="died: $out"
    fi
    event "storm $s: after SIGTERM: $out"
    json_row "$s" null "$(kpeers)" -1 -1 null 0 0 false null "$out"
}

# float (doc/ovpn-dco-float.md): the kernel's peer table before and after
# one forged P_DATA_V2 datagram (opcode 9, key-id 0, the victim's 3-byte
# peer-id, 32 random bytes: no valid tag) from the second host address,
# then until the victim's own next keepalive moves it back.
float_addr() { gssh "dco_peers --peers $DEV" | awk -v v="$1" '$1 == v { print $2 }'; }
float_check() {
    local before victim vaddr fport now back="" t0 decrypt res rc
    before=$(gssh "dco_peers --peers $DEV") || die "dco_peers --peers $DEV failed in the guest"
    printf '%s\n' "$before" >"$OUT/float-before.txt"
    read -r victim vaddr <<<"$before"
    [[ -n $victim && $vaddr == "$VM_HOST_IP:"* ]] || die "no kernel peer at $VM_HOST_IP to forge for: $before"
    fport=$(in_ns "$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(bytes([9 << 3]) + int(sys.argv[2]).to_bytes(3, "big") + os.urandom(32), (sys.argv[3], int(sys.argv[4])))
print(s.getsockname()[1])' "$VM_HOST_IP2" "$victim" "$VM_GUEST_IP" "$STORM_VPN_PORT") ||
        die "could not send the forged datagram"
    event "float: forged P_DATA_V2 for peer-id $victim (at $vaddr) sent from $VM_HOST_IP2:$fport"
    sleep 1
    now=$(float_addr "$victim")
    gssh "dco_peers --peers $DEV" >"$OUT/float-after.txt" 2>&1 || true
    event "float: the kernel has peer $victim at ${now:-nothing} 1 s later"
    t0=$SECONDS
    while ((SECONDS - t0 < 2 * KA_PING + 5)); do
        back=$(float_addr "$victim")
        [[ $back == "$vaddr" ]] && break
        sleep 1
    done
    event "float: peer $victim at ${back:-nothing} after $((SECONDS - t0)) s more (the client's keepalive is ${KA_PING}s)"
    decrypt=$(gssh "dmesg | grep -c 'error during decryption for peer $victim'; true" 2>/dev/null || echo -1)
    if [[ $now == "$VM_HOST_IP2:$fport" ]]; then
        res="reproduced: one forged datagram moved peer $victim from $vaddr to $now before authentication ($decrypt decryption errors logged for it)"
        rc=0
    else
        res="not reproduced: peer $victim stayed at ${now:-nothing}; the module authenticates before it floats"
        rc=3
    fi
    event "float: $res"
    printf '{"build":"%s","victim":%s,"victim_addr":"%s","forger":"%s:%s","after_forgery":"%s","after_keepalive":"%s","decrypt_errors":%s,"reproduced":%s}\n' \
        "$BUILD_LABEL" "$victim" "$vaddr" "$VM_HOST_IP2" "$fport" "$now" "$back" "$decrypt" \
        "$([[ $rc == 0 ]] && echo true || echo false)" >"$OUT/float.json"
    return "$rc"
}

# overrun: whose notification was lost, and who reaped them.  The kernel
# deleted KP_BEFORE - KP_AT_CONT peers while the server was stopped; the
# server log since then says which clients were closed by their DEL_PEER
# (the kernel's reason), which by the resync ("peer gone from kernel,
# notification lost", after a GET_PEER said -ENOENT) and which otherwise
# (e.g. its own ping-restart timer).  Lost = deleted - notified; storm-ci
# wants lost > 0 and every lost one reaped by the resync, no more
# (report.py): a resync that reaped a client whose peer the kernel still
# had would count one more.
overrun_counts() {
    local c
    c=$(gssh "tail -n +$((LOG0 + 1)) $GDIR/server.log | awk '
        /,ovpn-dco: peer gone from kernel, notification lost\] received, client-instance/ { r++; next }
        /,ovpn-dco: [^]]*\] received, client-instance/ { n++; next }
        /received, client-instance (exiting|restarting)/ { o++; next }
        /resync: peer-id [0-9]+ is gone from the kernel/ { g++ }
        END { print n + 0, r + 0, o + 0, g + 0 }'") || c="-1 -1 -1 -1"
    read -r OV_NOTIFIED OV_REAPED OV_OTHER OV_CONFIRMED <<<"$c"
    OV_DELETED=$((KP_BEFORE - KP_AT_CONT))
    OV_LOST=$((OV_DELETED - OV_NOTIFIED))
    OV_JSON=$(printf '"kernel_deleted":%d,"notified":%d,"lost":%d,"resync_confirmed":%d,"resync_reaped":%d,"other_closed":%d' \
        "$OV_DELETED" "$OV_NOTIFIED" "$OV_LOST" "$OV_CONFIRMED" "$OV_REAPED" "$OV_OTHER")
    event "storm $s: overrun: the kernel deleted $OV_DELETED peers while the server was stopped; $OV_NOTIFIED closed by their DEL_PEER, so $OV_LOST notifications lost; the resync confirmed $OV_CONFIRMED gone and reaped $OV_REAPED; $OV_OTHER closed otherwise"
}

one_storm() {
    local s=$1 load trigger restore now kp_after stale t_zero secs inst kp stf rej alive reconn outcome cpu0 cpu1 cpu t1
    read -r load trigger restore <<<"${PLAN[$SCENARIO]}"
    T_DROP=0 T_EXP=0 T_FROM=0 LEFT=0 RESAMPLE=0 DROPS="" OV_JSON=""
    log "=== storm $s/$K ($BUILD_LABEL, $SCENARIO, N=$N) ==="
    if [[ $load == stress ]]; then
        STRESS_PID=$(gssh "nohup stress-ng --cpu $VM_CPUS --timeout $((SERVER_TIMEOUT + GRACE + 20))s >/dev/null 2>&1 </dev/null & echo \$!")
        event "storm $s: stress-ng cpu load in guest (pid $STRESS_PID)"
        sleep 3
    fi
    REJ0=$(rejections_total)
    UDPERR0=$(udp_rcvbuf_errors)
    cpu0=$(server_cpu)
    "trigger_$trigger" "$s"
    if [[ $SCENARIO == sigterm ]]; then
        sigterm_result "$s"
        return 1 # the server is gone: no further storm
    fi
    # Wait until the instance count reaches what must remain, or expiry +
    # grace.  Where some must remain (mixed), always the latter: the
    # restarted half's old sessions can expire in the kernel just then
    # too, and the server reaps them a second or two behind it, so it
    # samples again until both agree; a difference that closes within
    # 20 s is that lag, a lost DEL_PEER never closes.
    while :; do
        now=$(date +%s)
        if ((LEFT == 0)) && [[ $(nclients) == 0 ]] && awk -v n="$now" -v e="$T_EXP" 'BEGIN{exit !(n >= e - 5)}'; then break; fi
        if awk -v n="$now" -v e="$T_EXP" -v g="$GRACE" 'BEGIN{exit !(n >= e + g)}'; then break; fi
        sleep 1
    done
    ((LEFT == 0)) || sleep 5
    sleep $((STATUS_IV + 1)) # let the status file catch up
    t1=$SECONDS
    while :; do
        inst=$(nclients); inst=${inst:--1}; kp=$(kpeers)
        if (((LEFT == 0 && !RESAMPLE) || inst == kp || SECONDS - t1 >= 20)); then break; fi
        sleep 2
    done
    stf=$(status_file_clients)
    t_zero=$(first_time_at_most "$T_FROM" "$LEFT")
    secs=null
    if [[ -n $t_zero ]]; then secs=$(awk -v z="$t_zero" -v e="$T_EXP" 'BEGIN{printf "%.1f", z-e}'); fi
    cpu1=$(server_cpu)
    cpu=null
    if [[ -n $cpu0 && -n $cpu1 ]]; then cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }'); fi
    event "storm $s: after expiry: instances=$inst kernel_peers=$kp status_file=$stf (to-zero: $secs s, server CPU $cpu s)"
    if [[ -n $STRESS_PID ]]; then gssh "kill $STRESS_PID 2>/dev/null; true"; fi
    STRESS_PID=""
    "restore_$restore" "$s"
    reconn=null
    if [[ $(server_alive) != true ]]; then
        log "  server is gone: nobody can reconnect"
    elif wait_connected "$N" "$RECONNECT_TIMEOUT"; then
        reconn=$WAITED
    fi
    sleep 2
    kp_after=$(kpeers)
    rej=$(($(rejections_total) - REJ0))
    alive=$(server_alive)
    outcome=$(crash_line)
    if [[ -n $outcome ]]; then
        outcome="died: $outcome"
    elif [[ $alive != true ]]; then
        outcome="died: $(gssh "tail -n1 $GDIR/server.log" 2>/dev/null | cut -c21- | cut -c1-80)"
    elif [[ $SCENARIO == overrun ]]; then
        overrun_counts
        outcome="$DROPS notifications dropped; resync: $(gssh "grep -o -m1 'resynchronized with the kernel after netlink overrun: .*' $GDIR/server.log; true" | sed 's/.*overrun: //' | cut -c1-80)"
        [[ $DROPS -gt 0 ]] || outcome="NO OVERRUN (rig did not fill the queue): $outcome"
    elif [[ $SCENARIO == stopdrain ]]; then
        outcome="ok; the server's netlink queue dropped $DROPS notifications while it was stopped"
    else
        outcome=ok
    fi
    event "storm $s: reconnected=$kp_after/$N in ${reconn} s, instances=$(nclients), max-clients rejections=$rej, server alive=$alive, $outcome, guest UDP receive-buffer drops $(($(udp_rcvbuf_errors) - UDPERR0))"
    stale=null
    if ((inst >= 0 && kp >= 0)); then stale=$((inst - kp)); fi
    json_row "$s" "$stale" "$kp" "$inst" "$stf" "$secs" "$rej" "$kp_after" "$alive" "$reconn" "$outcome" "$cpu"
    [[ $alive == true ]]
}

# ----------------------------------------------------------------- soak ----
# What cycle $1 of K is: one overrun at K/3, one SIGUSR1 at 2K/3 (cycles
# 2 and 3 when K=3), storms otherwise.
soak_kind() {
    local ov=$((K / 3 > 2 ? K / 3 : 2)) usr=$((2 * K / 3 > 3 ? 2 * K / 3 : 3))
    if (($1 == ov)); then
        echo overrun
    elif (($1 == usr)); then
        echo sigusr1
    else
        echo storm
    fi
}
# After cycle $1 (0: before the first): the server's resident memory and
# open fds (/proc), and its own count of what it keeps per client (the
# line SIGUSR2 logs: instances, clients, free peer-ids, deferred DEL_PEERs
# and their room, resync pending), with the kernel's peers.
soak_sample() {
    local s=$1 kind=$2 line bk
    gssh "kill -USR2 $SERVER_PID" || die "cannot signal the server"
    sleep 2
    line=$(gssh "awk '/^VmRSS:/ { r = \$2 } END { print r }' /proc/$SERVER_PID/status; ls /proc/$SERVER_PID/fd | wc -l; grep 'Bookkeeping: ' $GDIR/server.log | tail -n 1") ||
        die "cannot sample the server"
    bk=$(printf '%s\n' "$line" | sed -n 's/.*Bookkeeping: //p' | tr ' /' ',,' |
        sed 's/instances=//; s/clients=//; s/free_peer_ids=//; s/deferred=//; s/resync_pending=//')
    [[ -n $bk ]] || die "the server logged no bookkeeping line on SIGUSR2 (not the fork?)"
    if [[ ! -s $OUT/soak.csv ]]; then
        echo "cycle,kind,time,rss_kib,fds,instances,clients,free_peer_ids,peer_ids,deferred,deferred_room,resync_pending,kernel_peers" >"$OUT/soak.csv"
    fi
    printf '%d,%s,%s,%s,%s,%s,%s\n' "$s" "$kind" "$(date +%s)" "$(sed -n 1p <<<"$line")" \
        "$(sed -n 2p <<<"$line")" "$bk" "$(kpeers)" >>"$OUT/soak.csv"
    event "soak after cycle $s ($kind): $(tail -n 1 "$OUT/soak.csv")"
}

# ----------------------------------------------------------------- main ----
[[ ${STORM_DEPS_INSTALLED:-0} == 1 ]] || "$STORM_REPO/contrib/install-deps" storm >&2
if [[ $(guest_alive) != 1 ]]; then
    if [[ ${STORM_AUTO_GUEST:-0} == 1 ]]; then
        STARTED_GUEST=1
        "$VM_DIR/vm.sh" up
    else
        die "guest not running: tests/vm/vm.sh up (or STORM_AUTO_GUEST=1)"
    fi
fi
# the rig's kernel-side counter and flooder (the guest image is the same
# for every user of tests/vm/)
gscp_to "$STORM_DIR/dco_peers.py" /usr/local/bin/dco_peers
gssh 'chmod +x /usr/local/bin/dco_peers'
pki
start_server
: >"$OUT/events.csv"
event "start: $N clients ($PROTO), keepalive $KA_PING $KA_TIMEOUT (server timeout ${SERVER_TIMEOUT}s), max-clients $N, clients' hand-window ${HAND_WINDOW}s"
start_clients 0 "$N"
INIT_CONNECTED=$N
if ! wait_connected "$N" $((N / 10 + 120)); then
    # Not fatal: a server that loses peers already while they connect (stock
    # under load) is part of what we measure.  Record it and go on.
    INIT_CONNECTED=$(kpeers)
    event "WARNING: only $INIT_CONNECTED/$N clients connected initially (instances $(nclients)); storming anyway"
else
    event "all $N connected after ${WAITED}s"
fi
sleep 3
if [[ $SCENARIO == float ]]; then
    float_check
    exit $?
fi
if ((SOAK)); then soak_sample 0 start; fi
for ((s = 1; s <= K; s++)); do
    if ((SOAK)); then SCENARIO=$(soak_kind "$s"); fi
    one_storm "$s" || { log "server died in storm $s"; break; }
    if ((SOAK)); then soak_sample "$s" "$SCENARIO"; fi
done
if ((SOAK)); then
    "$PY" "$STORM_DIR/soak.py" "$OUT/soak.csv" "$OUT/soak" || exit 5
fi
log "summary:"
cat "$OUT/storms.jsonl" >&2
