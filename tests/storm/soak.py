#!/usr/bin/python3
"""The soak's verdict, table and plot (storm.sh, scenario soak).

    soak.py SOAK.CSV OUTPREFIX

SOAK.CSV has one row per cycle (cycle 0: before the first storm): the
server's RSS (KiB) and open fds, its SIGUSR2 bookkeeping line (instances,
clients, free peer-ids out of all, deferred DEL_PEERs and their room,
resync pending) and the kernel's peers.  Writes OUTPREFIX.md (table) and
OUTPREFIX.png, prints the table and exits 1 unless, after every cycle:
instances = clients = kernel peers (0 stale, nobody missing), the free
peer-ids are exactly those no instance holds (the FIFO lost none),
nothing is deferred and no resync is pending; the open fds never exceed
those after cycle 1; the RSS is not higher in the second half of the
cycles than in the first (within 5%: malloc's arenas settle over the
first cycles); and the deferred queue's room stays within 2N.  The room
is a high-water mark, not a count: ovpn_defer_msg() doubles it when the
DEL_PEERs deferred at one time outgrow it and never shrinks it, so one
storm that goes through the queue raises it once, to at most the power
of two above N; it is bounded by 2N unless something keeps entries.  (The
first 20-cycle run, 7 Dec 2026, failed an earlier rule, "no higher in the
second half", with 0 -> 256 at N=512: doc/storm.md, "Soak".)
"""
import csv
import sys


def main():
    path, prefix = sys.argv[1], sys.argv[2]
    with open(path) as f:
        rows = [{k: (v if k == "kind" else int(v)) for k, v in r.items()} for r in csv.DictReader(f)]
    cycles = [r for r in rows if r["cycle"] > 0]
    bad = []
    for r in cycles:
        c = r["cycle"]
        if not r["instances"] == r["clients"] == r["kernel_peers"]:
            bad.append("cycle %d: instances %d, clients %d, kernel peers %d"
                       % (c, r["instances"], r["clients"], r["kernel_peers"]))
        if r["free_peer_ids"] != r["peer_ids"] - r["instances"]:
            bad.append("cycle %d: %d peer-ids free, but %d of %d are not held by an instance"
                       % (c, r["free_peer_ids"], r["peer_ids"] - r["instances"], r["peer_ids"]))
        if r["deferred"] or r["resync_pending"]:
            bad.append("cycle %d: %d DEL_PEERs still deferred, resync pending %d"
                       % (c, r["deferred"], r["resync_pending"]))
    if not cycles:
        bad.append("no cycle sampled")
    else:
        fds0 = cycles[0]["fds"]
        for r in cycles:
            if r["fds"] > fds0:
                bad.append("cycle %d: %d open fds, %d after cycle 1" % (r["cycle"], r["fds"], fds0))
        half = (len(cycles) + 1) // 2
        first, second = cycles[:half], cycles[half:]
        if second:
            rss1 = max(r["rss_kib"] for r in first)
            rss2 = max(r["rss_kib"] for r in second)
            if rss2 > rss1 * 1.05:
                bad.append("RSS grew: %d KiB at most in cycles %d-%d, %d KiB in cycles %d-%d"
                           % (rss1, first[0]["cycle"], first[-1]["cycle"], rss2,
                              second[0]["cycle"], second[-1]["cycle"]))
        n = max(r["kernel_peers"] for r in rows)
        room = max(r["deferred_room"] for r in cycles)
        if room > 2 * max(n, 32):
            bad.append("the deferred queue's room grew to %d, beyond 2N = %d" % (room, 2 * n))

    head = ["cycle", "kind", "RSS MiB", "open fds", "instances", "clients", "kernel peers",
            "free peer-ids", "deferred (room)", "resync pending"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        lines.append("| %d | %s | %.1f | %d | %d | %d | %d | %d/%d | %d (%d) | %d |" % (
            r["cycle"], r["kind"], r["rss_kib"] / 1024.0, r["fds"], r["instances"], r["clients"],
            r["kernel_peers"], r["free_peer_ids"], r["peer_ids"], r["deferred"],
            r["deferred_room"], r["resync_pending"]))
    verdict = "soak: %d cycles, %s" % (len(cycles), "FAIL: " + "; ".join(bad) if bad else "flat, 0 stale, nothing held")
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n\n" + verdict + "\n")
    print("\n".join(lines))
    print(verdict)
    plot(prefix, rows)
    sys.exit(1 if bad else 0)


def plot(prefix, rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("soak.py: matplotlib missing, no plot", file=sys.stderr)
        return
    x = [r["cycle"] for r in rows]
    fig, ax = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    ax[0].plot(x, [r["rss_kib"] / 1024.0 for r in rows], marker="o")
    ax[0].set_ylabel("server RSS (MiB)")
    ax[0].set_ylim(bottom=0)
    ax[1].plot(x, [r["fds"] for r in rows], marker="o", label="open fds")
    ax[1].plot(x, [r["deferred_room"] for r in rows], marker="x", label="deferred queue room")
    ax[1].set_ylim(bottom=0)
    ax[1].legend()
    ax[2].plot(x, [r["instances"] for r in rows], marker="o", label="instances")
    ax[2].plot(x, [r["kernel_peers"] for r in rows], marker="x", label="kernel peers")
    ax[2].plot(x, [r["free_peer_ids"] for r in rows], marker=".", label="free peer-ids")
    ax[2].set_ylim(bottom=0)
    ax[2].legend()
    ax[2].set_xlabel("cycle (0: before the first; overrun and SIGUSR1 cycles in the table)")
    fig.suptitle("soak: one server process through %d cycles" % (len(rows) - 1))
    fig.tight_layout()
    fig.savefig(prefix + ".png", dpi=80)


if __name__ == "__main__":
    main()
