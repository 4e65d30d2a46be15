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
"""Write the inputs of the fuzz findings (see README.md) into a directory.

Usage: gen_repro.py OUTDIR
Then: build/fuzz/fuzz_dco_netlink OUTDIR/finding-N, and
build/fuzz/fuzz_control_channel OUTDIR/cc-finding-N*
F1-F3 and F5 are the inputs libFuzzer saved (byte for byte); F4 is built
with the seed generator's helpers.  C1 (the control channel harness):
cc-finding-1 is the minimised input libFuzzer saved, cc-finding-1-v2 the
first one it saved (byte for byte), cc-finding-1-tcp-none the sequence as
the issue describes it, built with gen_seeds_cc.py's helpers.  C2:
cc-finding-2 is the minimised input libFuzzer saved, cc-finding-2-none
the one-packet case, built with the helpers.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gen_seeds as g  # noqa: E402
import gen_seeds_cc as cc  # noqa: E402

FOUND = {
    # NLMSG_ERROR, NLM_F_REQUEST|NLM_F_ACK_TLVS (not capped), error -22,
    # echoed request nlmsg_len 0xafafafaf, then junk and an attribute
    "finding-1": "002c000000020000020100000000000000eaffffff100000afafafafaf"
                 "afafafafafafafafafafafafafafafafafafafafafafafafafaf002200"
                 "d6050001000000000000000800010062616400",
    # a 16 byte message of type 0x11: netlink header, no genl header
    "finding-2": "0010000000110000000000000000000001000010000000040000000000"
                 "000000000000",
    # extended NLMSG_ERROR (echoed header only) whose NLMSGERR_ATTR_MSG
    # "bad\x04" is not NUL terminated and ends the datagram
    "finding-3": "002c000000020000020100000000000000eaffffff1000000022000500"
                 "01000000000000000800010062616404",
    # flag 0x05 (server, bytecount request): NLMSG_ERROR with error INT_MIN
    # (0x80000000) in front of the GET_PEER reply, then junk
    "finding-5": "0524000000020000000100000000000000000000808080808000000000"
                 "000cffff5f30007384fd00050524000000020000000100000000000000"
                 "3a0c00000200000001ff0000000000000c00000000",
}


# fuzz_control_channel (flag byte, then ctl, u16 length, packet records)
FOUND_CC = {
    # TCP, tls-crypt, harness-wrapped: a truncated reset, a reset carrying
    # the early-negotiation TLV with EARLY_NEG_FLAG_RESEND_WKC, a 1-byte
    # packet; SIGSEGV (NULL WKc) in tls_wrap_control()
    "cc-finding-1": "0608000a38290000000000000000080014381122334455667788"
                    "000000000000010002000108000138",
    # UDP, tls-crypt-v2 (legacy packet-ids): V3 resets with the TLV; the
    # server appends its empty WKc (memcpy from NULL, UBSan)
    "cc-finding-1-v2": "0308001450112233445566778800000000000001000200014400"
                       "0008001450112233445566778800000000000001000200014400"
                       "00460000470000460000470000",
    # UDP, tls-crypt-v2 (legacy packet-ids), one record from 0.0.0.0 (ctl
    # bit 7): a V3 reset creates the instance, the server rejects the
    # next packet's source and reads the --remote list it has not
    # (SIGSEGV in link_socket_bad_incoming_addr())
    "cc-finding-2": "03ae000e5011223377010000" "44",
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_repro.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    inputs = {k: bytes.fromhex(v) for k, v in FOUND.items()}
    # DEL_PEER whose last attribute, the nested peer-id, has no payload
    inputs["finding-4-peer-id"] = bytes([0]) + g.genl(
        g.CMD_DEL_PEER,
        g.u32(g.ATTR_IFINDEX, g.IFINDEX)
        + g.nest(g.ATTR_DEL_PEER, g.u8(g.DEL_PEER_ATTR_REASON, 2),
                 g.attr(g.DEL_PEER_ATTR_PEER_ID, b"")))
    # DEL_PEER whose last attribute, the ifindex, has no payload
    inputs["finding-4-ifindex"] = bytes([0]) + g.genl(
        g.CMD_DEL_PEER,
        g.nest(g.ATTR_DEL_PEER, g.u8(g.DEL_PEER_ATTR_REASON, 2),
               g.u32(g.DEL_PEER_ATTR_PEER_ID, 1))
        + g.attr(g.ATTR_IFINDEX, b""))
    inputs.update({k: bytes.fromhex(v) for k, v in FOUND_CC.items()})
    # TCP, no wrap: the reset with the TLV, then an ACK of the server's
    # reset (SIGSEGV in write_outgoing_tls_ciphertext())
    inputs["cc-finding-1-tcp-none"] = (
        bytes([cc.TCP])
        + cc.rec(cc.control(cc.P_CONTROL_HARD_RESET_CLIENT_V2, 0,
                            cc.TLV_RESEND_WKC))
        + cc.rec(cc.ack([0])))
    # UDP, no wrap: one hard reset from 0.0.0.0; the HMAC cookie answer
    # ends the server in process_outgoing_link()'s ASSERT
    inputs["cc-finding-2-none"] = (
        bytes([0])
        + cc.rec(cc.control(cc.P_CONTROL_HARD_RESET_CLIENT_V2, 0, b""),
                 ctl=cc.UNSPEC_SRC))
    for name, data in sorted(inputs.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
