#!/usr/bin/python3
"""Count the peers the ovpn-dco-v2 kernel module holds on an interface.

Runs inside the guest.  Sends OVPN_CMD_GET_PEER with NLM_F_DUMP over generic
netlink (family "ovpn-dco-v2") and counts the replies.  Where that family
does not exist, the in-kernel module of Linux 6.16 and later is used
instead (family "ovpn", include/uapi/linux/ovpn.h: OVPN_CMD_PEER_GET, and
OVPN_CMD_PEER_DEL_NTF with the peer nested for --monitor; not --flood).
Usage:
    dco_peers [IFNAME]          -> prints the number of peers
    dco_peers --loop IFNAME S   -> prints "<unix time> <peers>" every S seconds
    dco_peers --peers IFNAME    -> prints "<peer-id> <remote address:port>"
                                   per peer
    dco_peers --flood IFNAME M  -> on IFNAME (an ovpn-dco interface in p2p
                                   mode that no openvpn uses), add M peers
                                   one after the other; each replaces the
                                   last, so the kernel multicasts M-1
                                   DEL_PEER notifications (+1 for the final
                                   DEL_PEER) to every ovpn-dco listener
    dco_peers --monitor IFNAME  -> joins ovpn-dco's multicast group and
                                   prints "<unix time> <peer-id> <reason>"
                                   for every DEL_PEER notification the
                                   kernel sends for IFNAME (the interface
                                   is looked up again when it is made
                                   anew); "<unix time> -1 overrun" when
                                   its own socket overran
Exit status 2 if the family or interface does not exist (prints -1).
"""
import os
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_ID = 2
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1
SO_RCVBUFFORCE = 33
OVPN_DEL_PEER_ATTR_REASON = 1
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
OVPN_CMD_NEW_PEER, OVPN_CMD_DEL_PEER, OVPN_CMD_GET_PEER = 1, 3, 7
OVPN_ATTR_IFINDEX, OVPN_ATTR_NEW_PEER, OVPN_ATTR_DEL_PEER = 1, 2, 4
OVPN_NEW_PEER_ATTR_PEER_ID, OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE = 1, 2
OVPN_NEW_PEER_ATTR_SOCKET = 3
OVPN_DEL_PEER_ATTR_PEER_ID = 2
OVPN_ATTR_GET_PEER = 8
OVPN_GET_PEER_RESP_ATTR_PEER_ID, OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE = 1, 2
NLA_F_NESTED = 0x8000  # strict validation wants nests marked as such
# The in-kernel module (family "ovpn"): the numbers of include/uapi/linux/
# ovpn.h as Debian's linux-libc-dev 7.3.4-1~bpo13+1 ships it (generated from
# Documentation/netlink/specs/ovpn.yaml).  Its DEL_PEER reasons have the
# numbers of ovpn-dco-v2's (0 teardown, 1 userspace, 2 expired, 3 transport
# error, 4 transport disconnect).
OVPN_CMD_PEER_GET, OVPN_CMD_PEER_DEL_NTF = 3, 5
OVPN_A_IFINDEX, OVPN_A_PEER = 1, 2
OVPN_A_PEER_ID, OVPN_A_PEER_REMOTE_IPV4, OVPN_A_PEER_REMOTE_PORT = 1, 2, 5
OVPN_A_PEER_DEL_REASON = 15
# Which family answers: ovpn-dco-v2 first (the only one the rig knew
# before; its requests are unchanged), then the in-kernel one.
FAMILIES = ("ovpn-dco-v2", "ovpn")
FAMILY = [None]  # the one found, once found


def nla(atype, payload):
    ln = 4 + len(payload)
    return struct.pack("HH", ln, atype) + payload + b"\0" * ((4 - ln % 4) % 4)


def msg(mtype, flags, seq, cmd, attrs):
    body = struct.pack("BBH", cmd, 1, 0) + attrs
    return struct.pack("IHHII", 16 + len(body), mtype, flags, seq, 0) + body


def parse_attrs(data):
    out = {}
    i = 0
    while i + 4 <= len(data):
        ln, at = struct.unpack_from("HH", data, i)
        if ln < 4:
            break
        out[at & 0x3FFF] = data[i + 4:i + ln]
        i += (ln + 3) & ~3
    return out


def recv_all(sock, seq):
    """Yield (type, payload) of all messages answering seq until DONE/ERROR."""
    while True:
        data = sock.recv(1 << 20)
        i = 0
        while i + 16 <= len(data):
            ln, mtype, flags, mseq, _ = struct.unpack_from("IHHII", data, i)
            payload = data[i + 16:i + ln]
            i += (ln + 3) & ~3
            if mseq != seq:
                continue
            if mtype == NLMSG_DONE:
                return
            if mtype == NLMSG_ERROR:
                err = struct.unpack_from("i", payload)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return
            yield mtype, payload
            if not flags & 0x2:  # not NLM_F_MULTI: single answer
                return


def family_groups(sock, name):
    """The id of family name and of its multicast groups."""
    req = msg(GENL_ID_CTRL, NLM_F_REQUEST, 2, CTRL_CMD_GETFAMILY,
              nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
    sock.send(req)
    for _, payload in recv_all(sock, 2):
        attrs = parse_attrs(payload[4:])
        fid = struct.unpack("H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]
        groups = [struct.unpack("I", parse_attrs(g)[CTRL_ATTR_MCAST_GRP_ID][:4])[0]
                  for g in parse_attrs(attrs.get(CTRL_ATTR_MCAST_GROUPS, b"")).values()]
        return fid, groups
    raise OSError("no %s family" % name)


def mcast_groups(sock):
    """The ids of the family (FAMILY[0] once found) and its multicast groups."""
    names = [FAMILY[0]] if FAMILY[0] else FAMILIES
    for name in names:
        try:
            fid, groups = family_groups(sock, name)
        except OSError:
            if name == names[-1]:
                raise
            continue
        FAMILY[0] = name
        return fid, groups


def family_id(sock):
    return mcast_groups(sock)[0]


def monitor(ifname):
    """Print every DEL_PEER notification for ifname as it arrives."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    sock.bind((0, 0))
    fid, groups = mcast_groups(sock)
    for g in groups:
        sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g)
    ifindex = None
    ifindex_of = [None]  # the same, for monitor_ovpn()
    while True:
        try:
            data = sock.recv(1 << 20)
        except OSError as e:
            if e.errno == 105:  # ENOBUFS: notifications were lost here
                print("%.3f -1 overrun" % time.time(), flush=True)
                continue
            raise
        now = time.time()
        i = 0
        while i + 16 <= len(data):
            ln, mtype, _, _, _ = struct.unpack_from("IHHII", data, i)
            payload = data[i + 16:i + ln]
            i += (ln + 3) & ~3
            if FAMILY[0] == "ovpn":
                if mtype == fid and len(payload) >= 4 and payload[0] == OVPN_CMD_PEER_DEL_NTF:
                    monitor_ovpn(now, ifname, parse_attrs(payload[4:]), ifindex_of)
                continue
            if mtype != fid or len(payload) < 4 or payload[0] != OVPN_CMD_DEL_PEER:
                continue
            attrs = parse_attrs(payload[4:])
            ifx = struct.unpack("I", attrs.get(OVPN_ATTR_IFINDEX, b"\0\0\0\0")[:4])[0]
            if ifx != ifindex:
                try:
                    ifindex = socket.if_nametoindex(ifname)
                except OSError:
                    ifindex = None
                if ifx != ifindex:
                    continue
            peer = parse_attrs(attrs.get(OVPN_ATTR_DEL_PEER, b""))
            pid = struct.unpack("I", peer.get(OVPN_DEL_PEER_ATTR_PEER_ID, b"\xff\xff\xff\xff")[:4])[0]
            reason = peer.get(OVPN_DEL_PEER_ATTR_REASON, b"\xff")[0]
            print("%.3f %d %d" % (now, pid, reason), flush=True)


def monitor_ovpn(now, ifname, attrs, ifindex_of):
    """One OVPN_CMD_PEER_DEL_NTF of the in-kernel module, as monitor() prints."""
    ifx = struct.unpack("I", attrs.get(OVPN_A_IFINDEX, b"\0\0\0\0")[:4])[0]
    if ifx != ifindex_of[0]:
        try:
            ifindex_of[0] = socket.if_nametoindex(ifname)
        except OSError:
            ifindex_of[0] = None
        if ifx != ifindex_of[0]:
            return
    peer = parse_attrs(attrs.get(OVPN_A_PEER, b""))
    pid = struct.unpack("I", peer.get(OVPN_A_PEER_ID, b"\xff\xff\xff\xff")[:4])[0]
    r = peer.get(OVPN_A_PEER_DEL_REASON, b"\xff")
    reason = struct.unpack("I", r[:4])[0] if len(r) >= 4 else r[0]
    print("%.3f %d %d" % (now, pid, reason), flush=True)


def dump(ifname, seq=[10]):
    """The payloads of a GET_PEER dump of ifname, one per peer."""
    ifindex = socket.if_nametoindex(ifname)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.bind((0, 0))
        fid = family_id(sock)
        seq[0] += 1
        cmd = OVPN_CMD_PEER_GET if FAMILY[0] == "ovpn" else OVPN_CMD_GET_PEER
        sock.send(msg(fid, NLM_F_REQUEST | NLM_F_DUMP, seq[0], cmd,
                      nla(OVPN_ATTR_IFINDEX, struct.pack("I", ifindex))))
        return [payload for _, payload in recv_all(sock, seq[0])]
    finally:
        sock.close()


def count(ifname):
    return len(dump(ifname))


def peers(ifname):
    """(peer-id, "address:port") of every peer (IPv4 remotes)."""
    out = []
    payloads = dump(ifname)
    if FAMILY[0] == "ovpn":
        for payload in payloads:
            peer = parse_attrs(parse_attrs(payload[4:]).get(OVPN_A_PEER, b""))
            if OVPN_A_PEER_ID not in peer:
                continue
            pid = struct.unpack("I", peer[OVPN_A_PEER_ID][:4])[0]
            remote = "?"
            if len(peer.get(OVPN_A_PEER_REMOTE_IPV4, b"")) == 4 and OVPN_A_PEER_REMOTE_PORT in peer:
                remote = "%s:%d" % (socket.inet_ntoa(peer[OVPN_A_PEER_REMOTE_IPV4]),
                                    struct.unpack("!H", peer[OVPN_A_PEER_REMOTE_PORT][:2])[0])
            out.append((pid, remote))
        return sorted(out)
    for payload in payloads:
        peer = parse_attrs(parse_attrs(payload[4:]).get(OVPN_ATTR_GET_PEER, b""))
        if OVPN_GET_PEER_RESP_ATTR_PEER_ID not in peer:
            continue
        pid = struct.unpack("I", peer[OVPN_GET_PEER_RESP_ATTR_PEER_ID][:4])[0]
        sa = peer.get(OVPN_GET_PEER_RESP_ATTR_SOCKADDR_REMOTE, b"")
        remote = "?"
        if len(sa) >= 8 and struct.unpack_from("=H", sa)[0] == socket.AF_INET:
            remote = "%s:%d" % (socket.inet_ntoa(sa[4:8]), struct.unpack_from("!H", sa, 2)[0])
        out.append((pid, remote))
    return sorted(out)


def send(sock, fid, seq, cmd, attrs):
    """Send request seq, asking for an ack."""
    sock.send(msg(fid, NLM_F_REQUEST | NLM_F_ACK, seq, cmd, attrs))


def drain(sock, seq):
    """Read the answer to seq up to its ack; OSError if the ack is an error."""
    for _ in recv_all(sock, seq):
        pass


def request(sock, fid, seq, cmd, attrs):
    send(sock, fid, seq, cmd, attrs)
    drain(sock, seq)


def flood(ifname, m, window=64):
    """Add m peers in turn on a p2p interface: m DEL_PEER multicasts.

    Requests go out in windows of `window` before their acks are read, so
    the rate is bound by the kernel, not by round trips."""
    ifindex = socket.if_nametoindex(ifname)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    remote = (struct.pack("=H", socket.AF_INET) + struct.pack("!H", 9) +
              socket.inet_aton("127.0.0.1") + b"\0" * 8)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.bind((0, 0))
        fid = family_id(sock)
        if FAMILY[0] != "ovpn-dco-v2":
            raise OSError("--flood needs ovpn-dco-v2 (not the in-kernel ovpn)")
        ifattr = nla(OVPN_ATTR_IFINDEX, struct.pack("I", ifindex))
        for first in range(0, m, window):
            ids = range(first, min(first + window, m))
            for i in ids:
                peer = (nla(OVPN_NEW_PEER_ATTR_PEER_ID, struct.pack("I", i)) +
                        nla(OVPN_NEW_PEER_ATTR_SOCKET, struct.pack("I", udp.fileno())) +
                        nla(OVPN_NEW_PEER_ATTR_SOCKADDR_REMOTE, remote))
                send(sock, fid, 100 + i, OVPN_CMD_NEW_PEER,
                     ifattr + nla(OVPN_ATTR_NEW_PEER | NLA_F_NESTED, peer))
            for i in ids:
                drain(sock, 100 + i)
        request(sock, fid, 100 + m, OVPN_CMD_DEL_PEER,
                ifattr + nla(OVPN_ATTR_DEL_PEER | NLA_F_NESTED,
                             nla(OVPN_DEL_PEER_ATTR_PEER_ID, struct.pack("I", m - 1))))
    finally:
        sock.close()
        udp.close()


def main():
    args = sys.argv[1:]
    if args and args[0] == "--flood":
        m = int(args[2])
        t0 = time.time()
        flood(args[1], m)
        print("%d DEL_PEER notifications in %.1f s" % (m, time.time() - t0))
        return
    if args and args[0] == "--peers":
        for pid, remote in peers(args[1]):
            print(pid, remote)
        return
    if args and args[0] == "--monitor":
        monitor(args[1])
        return
    if args and args[0] == "--loop":
        ifname, period = args[1], float(args[2])
        while True:
            try:
                n = count(ifname)
            except OSError:
                n = -1
            print("%.3f %d" % (time.time(), n), flush=True)
            time.sleep(period)
    ifname = args[0] if args else "tun0"
    try:
        print(count(ifname))
    except OSError as e:
        print(-1)
        print("dco_peers: %s" % e, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
