#!/usr/bin/python3
"""Poll an OpenVPN management interface (the rig's only management client).

    mgmt.py HOST PORT OUT.csv [--interval S] [--status] [--bytecount N]
            [--duration S]

Every interval: `load-stats` (-> nclients), optionally `status 3` (counts
CLIENT_LIST rows).  With --bytecount N it enables `bytecount N` so the server
queries per-peer counters (with DCO: netlink GET_PEER per peer) all the time.
Writes "unix_time,nclients,status_clients" lines (-1 when unknown), flushed
each sample, reconnecting if the server goes away.  Stops on SIGTERM or after
--duration seconds (bounded in any case).
"""
import argparse
import signal
import socket
import sys
import time

STOP = False


def on_term(*_):
    global STOP
    STOP = True


class Mgmt:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("management closed")
            self.buf += data
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode(errors="replace").rstrip("\r")

    def cmd(self, text, multiline=False):
        self.sock.sendall(text.encode() + b"\n")
        out = []
        while True:
            ln = self.line()
            if ln.startswith(">"):  # real-time notification, not ours
                continue
            if not multiline:
                return ln
            if ln == "END":
                return out
            if ln.startswith("ERROR"):
                return [ln]
            out.append(ln)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("out")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--status", action="store_true")
    ap.add_argument("--bytecount", type=int, default=0)
    ap.add_argument("--duration", type=float, default=4 * 3600)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    end = time.time() + a.duration
    m = None
    with open(a.out, "a", buffering=1) as out:
        while not STOP and time.time() < end:
            t = time.time()
            ncl, nst = -1, -1
            try:
                if m is None:
                    m = Mgmt(a.host, a.port)
                    if a.bytecount:
                        m.cmd("bytecount %d" % a.bytecount)
                r = m.cmd("load-stats")
                if r.startswith("SUCCESS:"):
                    for kv in r.split(":", 1)[1].strip().split(","):
                        k, _, v = kv.partition("=")
                        if k == "nclients":
                            ncl = int(v)
                if a.status:
                    rows = m.cmd("status 3", multiline=True)
                    nst = sum(1 for x in rows if x.startswith("CLIENT_LIST\t"))
            except (OSError, ConnectionError, ValueError) as e:
                print("mgmt: %s" % e, file=sys.stderr)
                if m:
                    m.close()
                m = None
            out.write("%.3f,%d,%d\n" % (t, ncl, nst))
            delay = a.interval - (time.time() - t)
            if delay > 0:
                time.sleep(delay)
    if m:
        m.close()


if __name__ == "__main__":
    main()
