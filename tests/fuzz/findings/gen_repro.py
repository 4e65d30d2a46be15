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
Then: build/fuzz/fuzz_dco_netlink OUTDIR/finding-N
F1-F3 and F5 are the inputs libFuzzer saved (byte for byte); F4 is built
with the seed generator's helpers.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gen_seeds as g  # noqa: E402

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
    for name, data in sorted(inputs.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
