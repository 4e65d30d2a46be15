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
"""Write the seed corpus of fuzz_control_channel into a directory.

Usage: gen_seeds_cc.py OUTDIR

Every seed is one fuzzer input (see fuzz_control_channel.c): a flag byte
(wrap, TCP, early-negotiation packet-ids) and records (ctl, u16 big-endian
length, packet).  Packets are written in the clear, as the client's
control channel has them before the wrap; the harness wraps them with the
client key (ctl bit 3) and puts the server's session id where they say
"SERVERID".  Per mode (none, tls-auth, tls-crypt, tls-crypt-v2 x UDP,
TCP): the client's hard reset with and without the early-negotiation TLV,
a reset then an ACK of the server's reset, a reset then a P_CONTROL_V1
that ACKs it and starts a TLS ClientHello, retransmit and expiry timing.
On purpose there is no seed with a reset carrying the TLV *and* a later
ACK of the server's reset: that sequence crashes a release-8 server
(findings/README.md, C1) and the fuzzer has to find it.
"""

import os
import struct
import sys

# opcodes (ssl_pkt.h)
P_CONTROL_HARD_RESET_CLIENT_V2 = 7
P_CONTROL_SOFT_RESET_V1 = 3
P_CONTROL_V1 = 4
P_ACK_V1 = 5
P_CONTROL_HARD_RESET_CLIENT_V3 = 10
P_CONTROL_WKC_V1 = 11
P_DATA_V2 = 9

WRAPS = {"none": 0, "tls_auth": 1, "tls_crypt": 2, "tls_crypt_v2": 3}
TCP = 0x04
EARLY_NEG = 0x08

# ctl byte of a record
ADV = {0: 0, 1: 1, 2: 2, 5: 3, 10: 4, 31: 5, 65: 6, 3700: 7}
WRAP = 0x08
PEER2_RAW = 0x10
RECONNECT = 0x20
NO_PACKET = 0x40
UNSPEC_SRC = 0x80  # UDP: from 0.0.0.0 (no seed uses it: the fuzzer must find it)

CLIENT_SID = b"\x11\x22\x33\x44\x55\x66\x77\x88"
SERVER_SID = b"SERVERID"

# TLV_TYPE_EARLY_NEG_FLAGS, length 2, EARLY_NEG_FLAG_RESEND_WKC
TLV_RESEND_WKC = struct.pack(">HHH", 1, 2, 1)

# the first bytes of a TLS 1.2/1.3 ClientHello record (truncated: the
# fuzzer grows it; a whole one makes every execution pay for the
# handshake)
CLIENT_HELLO_START = bytes.fromhex(
    "16030100c4010000c00303" + "00" * 32 + "00" + "0008130213031301c02c"
    + "0100008f")


def header(op, key_id=0):
    return bytes([(op << 3) | key_id])


def control(op, pid, payload=b"", acks=(), sid=CLIENT_SID):
    """A control packet: opcode, session id, ACK array, packet-id, payload"""
    b = header(op) + sid + bytes([len(acks)])
    for a in acks:
        b += struct.pack(">I", a)
    if acks:
        b += SERVER_SID
    return b + struct.pack(">I", pid) + payload


def ack(acks, sid=CLIENT_SID):
    b = header(P_ACK_V1) + sid + bytes([len(acks)])
    for a in acks:
        b += struct.pack(">I", a)
    return b + SERVER_SID


def rec(pkt, ctl=0, adv=0):
    return bytes([ctl | ADV[adv]]) + struct.pack(">H", len(pkt)) + pkt


def tick(adv):
    return bytes([NO_PACKET | ADV[adv]]) + b"\0\0"


def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)

    for wname, wrap in WRAPS.items():
        for proto, pflag in (("udp", 0), ("tcp", TCP)):
            flags = wrap | pflag
            w = WRAP if wrap else 0
            reset_op = (P_CONTROL_HARD_RESET_CLIENT_V3 if wrap == 3
                        else P_CONTROL_HARD_RESET_CLIENT_V2)
            variants = [(flags, "")]
            if wrap == 3:
                variants.append((flags | EARLY_NEG, "_earlyneg"))
            for fl, suffix in variants:
                pre = bytes([fl])
                tag = f"{proto}_{wname}{suffix}"
                reset = control(reset_op, 0)
                reset_tlv = control(reset_op, 0, TLV_RESEND_WKC)
                write(outdir, f"{tag}_reset", pre + rec(reset, w))
                write(outdir, f"{tag}_reset_tlv", pre + rec(reset_tlv, w))
                write(outdir, f"{tag}_reset_ack",
                      pre + rec(reset, w) + rec(ack([0]), w))
                write(outdir, f"{tag}_reset_hello",
                      pre + rec(reset, w)
                      + rec(control(P_CONTROL_V1, 1, CLIENT_HELLO_START,
                                    acks=[0]), w))
                write(outdir, f"{tag}_reset_retransmit_expire",
                      pre + rec(reset, w) + tick(2) + tick(5)
                      + rec(reset, w) + tick(65))
                write(outdir, f"{tag}_reset_tlv_expire",
                      pre + rec(reset_tlv, w) + tick(10) + tick(65)
                      + tick(3700))
                write(outdir, f"{tag}_hello_ack_soft_reset",
                      pre + rec(reset, w)
                      + rec(control(P_CONTROL_V1, 1, CLIENT_HELLO_START,
                                    acks=[0]), w)
                      + rec(ack([1]), w, adv=1)
                      + rec(control(P_CONTROL_SOFT_RESET_V1, 2), w, adv=1))
                write(outdir, f"{tag}_data_before_auth",
                      pre + rec(reset, w)
                      + rec(header(P_DATA_V2) + b"\0\0\0" + b"\0" * 24))
            if wrap == 3:
                write(outdir, f"{proto}_{wname}_wkc",
                      bytes([flags | EARLY_NEG]) + rec(control(reset_op, 0), w)
                      + rec(control(P_CONTROL_WKC_V1, 1, CLIENT_HELLO_START,
                                    acks=[0]), w))
    # two UDP peers, one of them unwrapped garbage
    write(outdir, "udp_none_two_peers",
          bytes([0]) + rec(control(P_CONTROL_HARD_RESET_CLIENT_V2, 0))
          + rec(control(P_CONTROL_HARD_RESET_CLIENT_V2, 0), PEER2_RAW)
          + rec(ack([0])) + rec(ack([0]), PEER2_RAW))
    # TCP: two connections, a raw stream with two frames in one write
    two = control(P_CONTROL_HARD_RESET_CLIENT_V2, 0)
    write(outdir, "tcp_none_reconnect",
          bytes([TCP]) + rec(two) + rec(two, RECONNECT) + rec(ack([0])))
    write(outdir, "tcp_none_raw_stream",
          bytes([TCP]) + rec(struct.pack(">H", len(two)) + two
                             + struct.pack(">H", len(ack([0]))) + ack([0]),
                             PEER2_RAW))


if __name__ == "__main__":
    main()
