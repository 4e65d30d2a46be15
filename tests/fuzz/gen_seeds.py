#!/usr/bin/env python3
#  OpenVPN -- An application to securely tunnel IP networks
#
#  Copyright (C) 2026 The OpenVPN 2.6 DCO maintenance fork authors
#
#  This program is free software; you can redistribute it and/or modify
#  it under the terms of the GNU General Public License version 2
#  as published by the Free Software Foundation.
#
#  This program is distributed in the hope that it will be useful,
#  but WITHOUT ANY WARRANTY; without even the implied warranty of
#  MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
#  GNU General Public License for more details.
#
#  You should have received a copy of the GNU General Public License along
#  with this program; if not, write to the Free Software Foundation, Inc.,
#  51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA.
"""Write the seed corpus of fuzz_dco_netlink into a directory.

Usage: gen_seeds.py OUTDIR

Every seed is one fuzzer input: a flag byte (see fuzz_dco_netlink.c) and
one datagram, or length-prefixed datagrams when the split flag is set.  The
messages are what ovpn-dco (ovpn-dco-v2 netlink API) sends: DEL_PEER
notifications with every reason, GET_PEER replies (single and multi-part
dump frames), NLMSG_DONE, NLMSG_ERROR (ACK, error, extended ACK), and
datagrams mixing them.  The constants match the fuzz harness' fake kernel
(family 0x22, ifindex 42, peers 0-7 alive out of max-clients 16).
"""

import os
import struct
import sys

FAMILY = 0x22
GENL_ID_CTRL = 0x10
IFINDEX = 42
NLA_F_NESTED = 0x8000

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLM_F_MULTI = 0x2
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

CMD_NEW_PEER, CMD_SET_PEER, CMD_DEL_PEER = 1, 2, 3
CMD_NEW_KEY, CMD_SWAP_KEYS, CMD_DEL_KEY, CMD_GET_PEER = 4, 5, 6, 7

ATTR_IFINDEX, ATTR_DEL_PEER, ATTR_GET_PEER = 1, 4, 8
DEL_PEER_ATTR_REASON, DEL_PEER_ATTR_PEER_ID = 1, 2
REASONS = {"teardown": 0, "userspace": 1, "expired": 2,
           "transport_error": 3, "transport_disconnect": 4, "unknown": 9}
RESP_PEER_ID = 1
RESP_VPN_RX, RESP_VPN_TX, RESP_LINK_RX, RESP_LINK_TX = 9, 10, 13, 14

CTRL_CMD_NEWFAMILY = 1
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
NLMSGERR_ATTR_MSG = 1

# flag byte
P2P = 0x01
SPLIT = 0x10
REQ = {"none": 0, "dump": 1, "bytecount": 2, "close": 3, "set_peer": 4,
       "swap_keys": 5, "del_key": 6}


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def attr(atype, payload):
    return pad4(struct.pack("<HH", 4 + len(payload), atype) + payload)


def u8(atype, v):
    return attr(atype, struct.pack("<B", v))


def u16(atype, v):
    return attr(atype, struct.pack("<H", v))


def u32(atype, v):
    return attr(atype, struct.pack("<I", v))


def u64(atype, v):
    return attr(atype, struct.pack("<Q", v))


def nest(atype, *attrs):
    return attr(atype | NLA_F_NESTED, b"".join(attrs))


def nlmsg(mtype, flags, payload, seq=0):
    return pad4(struct.pack("<IHHII", 16 + len(payload), mtype, flags, seq, 0)
                + payload)


def genl(cmd, attrs, flags=0, seq=0, family=FAMILY):
    return nlmsg(family, flags, struct.pack("<BBH", cmd, 0, 0) + attrs, seq)


def del_peer(peer_id, reason, ifindex=IFINDEX):
    return genl(CMD_DEL_PEER,
                u32(ATTR_IFINDEX, ifindex)
                + nest(ATTR_DEL_PEER, u8(DEL_PEER_ATTR_REASON, reason),
                       u32(DEL_PEER_ATTR_PEER_ID, peer_id)))


def peer_stats(peer_id, flags=0, seq=0):
    return genl(CMD_GET_PEER,
                nest(ATTR_GET_PEER, u32(RESP_PEER_ID, peer_id),
                     u64(RESP_VPN_RX, 3000000 + peer_id),
                     u64(RESP_VPN_TX, 4000000 + peer_id),
                     u64(RESP_LINK_RX, 1000000 + peer_id),
                     u64(RESP_LINK_TX, 2000000 + peer_id)),
                flags, seq)


def done(seq=0):
    return nlmsg(NLMSG_DONE, NLM_F_MULTI, struct.pack("<i", 0), seq)


def request_hdr(cmd_len=36, seq=1):
    return struct.pack("<IHHII", cmd_len, FAMILY, 0x5, seq, 0)


def ack(error=0, seq=1):
    return nlmsg(NLMSG_ERROR, 0, struct.pack("<i", error) + request_hdr(), seq)


def ext_ack(error, text, capped=True, seq=1):
    """NLMSG_ERROR with NLM_F_ACK_TLVS and a NLMSGERR_ATTR_MSG"""
    flags = NLM_F_ACK_TLVS | (NLM_F_CAPPED if capped else 0)
    body = struct.pack("<i", error) + request_hdr(16 if not capped else 36)
    return nlmsg(NLMSG_ERROR, flags,
                 body + attr(NLMSGERR_ATTR_MSG, text.encode() + b"\0"), seq)


def ctrl_family():
    grp = nest(1, attr(CTRL_ATTR_MCAST_GRP_NAME, b"peers\0"),
               u32(CTRL_ATTR_MCAST_GRP_ID, 7))
    return genl(CTRL_CMD_NEWFAMILY,
                attr(CTRL_ATTR_FAMILY_NAME, b"ovpn-dco-v2\0")
                + u16(CTRL_ATTR_FAMILY_ID, FAMILY)
                + nest(CTRL_ATTR_MCAST_GROUPS, grp),
                family=GENL_ID_CTRL)


def split(*dgrams):
    return b"".join(struct.pack("<H", len(d)) + d for d in dgrams)


def seeds():
    s = {}
    for name, reason in REASONS.items():
        s["del_peer_%s" % name] = bytes([0]) + del_peer(1, reason)
        s["p2p_del_peer_%s" % name] = bytes([P2P]) + del_peer(3, reason)
    s["del_peer_foreign_ifindex"] = bytes([0]) + del_peer(2, 2, ifindex=43)
    s["del_peer_out_of_range"] = bytes([0]) + del_peer(21, 2)
    s["del_peer_no_instance"] = bytes([0]) + del_peer(9, 2)
    s["del_peer_negative_id"] = bytes([0]) + del_peer(0xffffffff, 2)
    s["del_peer_many_in_one"] = bytes([0]) + b"".join(
        del_peer(i, 2) for i in range(8))
    s["del_peer_storm_split"] = bytes([SPLIT]) + split(
        *[del_peer(i, 2) for i in range(8)])
    s["del_peer_duplicate"] = bytes([0]) + del_peer(1, 2) + del_peer(1, 2)
    s["get_peer_single"] = bytes([0]) + peer_stats(2)
    s["get_peer_single_reply"] = bytes([REQ["bytecount"] << 1]) + peer_stats(0)
    s["p2p_get_peer_single_reply"] = (bytes([P2P | REQ["bytecount"] << 1])
                                      + peer_stats(3))
    s["dump_frames_split"] = bytes([SPLIT | REQ["dump"] << 1]) + split(
        b"".join(peer_stats(i, NLM_F_MULTI) for i in range(0, 4)),
        b"".join(peer_stats(i, NLM_F_MULTI) for i in range(4, 8)),
        done())
    s["dump_frame_with_done"] = bytes([REQ["dump"] << 1]) + b"".join(
        peer_stats(i, NLM_F_MULTI) for i in range(8)) + done()
    s["dump_with_del_peer_between"] = bytes([SPLIT | REQ["dump"] << 1]) + split(
        b"".join(peer_stats(i, NLM_F_MULTI) for i in range(4)),
        del_peer(5, 2),
        b"".join(peer_stats(i, NLM_F_MULTI) for i in range(4, 8)))
    s["done"] = bytes([0]) + done()
    s["ack"] = bytes([0]) + ack()
    s["error"] = bytes([0]) + ack(-2)
    s["error_ext_ack"] = bytes([0]) + ext_ack(-22, "invalid peer")
    s["error_ext_ack_uncapped"] = bytes([0]) + ext_ack(-22, "bad", capped=False)
    s["noop_overrun"] = bytes([0]) + nlmsg(NLMSG_NOOP, 0, b"") + nlmsg(
        NLMSG_OVERRUN, 0, b"")
    s["ctrl_family"] = bytes([0]) + ctrl_family()
    s["mixed_unknown_then_del_peer"] = bytes([0]) + genl(
        CMD_SWAP_KEYS, u32(ATTR_IFINDEX, IFINDEX)) + del_peer(1, 2)
    s["mixed_malformed_then_del_peer"] = bytes([0]) + genl(
        CMD_DEL_PEER, nest(ATTR_DEL_PEER, u8(1, 2))) + del_peer(2, 2)
    s["mixed_stats_del_ack"] = bytes([0]) + peer_stats(1) + del_peer(
        1, 2) + ack()
    s["mixed_split"] = bytes([SPLIT]) + split(
        peer_stats(4), del_peer(4, 3) + done(), ack(), del_peer(6, 4))
    for name, req in REQ.items():
        if req:
            s["del_peer_during_%s" % name] = bytes([req << 1]) + del_peer(0, 2)
            s["p2p_del_peer_during_%s" % name] = (bytes([P2P | req << 1])
                                                  + del_peer(3, 2))
    s["del_peer_7_during_close"] = bytes([REQ["close"] << 1]) + del_peer(7, 2)
    return s


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_seeds.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
