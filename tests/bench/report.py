#!/usr/bin/python3
"""Table and plot of make bench-reap (tests/bench/run.sh), and the table
of make bench-status (tests/bench/status.sh).

Usage: report.py REAP.TSV OUT.MD OUT.PNG
       report.py --status STATUS.TSV OUT.MD

--status: per status-version, before and after "multi: write the status
file with one write() per interval", the instructions of one interval
per client at each N, the ratio of the largest N to the smallest (flat:
about 1), the system calls per client at the largest N, and per interval
there the write()s to the file and the localtime() calls (each one stat()
of /etc/localtime).

The table gives, per close path and state, the instructions of the reap
phase per reaped peer at each N and the ratio of the largest N to the
smallest (flat work per disconnect: about 1), then the counted work at
the largest N: GET_PEER dumps and single requests, dump entries, MB of
netlink data read, M_WARN messages.  Instructions are left out ("-")
where run.sh skipped callgrind because the phase parses too many dump
entries; the counted work is always there.  The plot shows instructions
per peer (where measured) and netlink bytes per peer against N.
"""

import csv
import sys

STATES = ["upstream26", "before", "fork"]
STATE_NAMES = {
    "upstream26": "upstream 2.6 (series to 7791f535)",
    "before": "fork release 4",
    "fork": "fork (this tree)",
}
PATHS = ["event", "deferred", "shutdown", "userspace"]
PATH_NAMES = {
    "event": "DEL_PEERs read by the event loop",
    "deferred": "DEL_PEERs that arrived during a request",
    "shutdown": "shutdown / SIGHUP (multi_uninit())",
    "userspace": "userspace-initiated closes",
}


def fmt_instr(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2f M" % (v / 1e6)
    return "%.0f k" % (v / 1e3)


def status_report(tsv, md):
    rows = {}
    ns = set()
    with open(tsv, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            n = int(r["n"])
            ns.add(n)
            rows[(r["state"], int(r["version"]), n)] = {
                "bytes": int(r["bytes"]),
                "writes": int(r["writes"]),
                "localtimes": int(r["localtimes"]),
                "syscalls": int(r["syscalls"]),
                "ir": int(r["instructions"]),
            }
    ns = sorted(ns)
    nmin, nmax = ns[0], ns[-1]
    versions = sorted({k[1] for k in rows})
    head = ["status-version", "state"] + ["instr/client N=%d" % n for n in ns]
    head += ["N=%d / N=%d" % (nmax, nmin),
             "system calls/client N=%d" % nmax,
             "at N=%d: write()s, localtime()s per interval, file bytes" % nmax]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for v in versions:
        for s in ["before", "after"]:
            if not any(k[0] == s and k[1] == v for k in rows):
                continue
            cells = [str(v), s]
            per = {}
            for n in ns:
                r = rows.get((s, v, n))
                per[n] = r["ir"] / n if r else None
                cells.append("%.1f k" % (per[n] / 1e3) if per[n] else "-")
            if per[nmin] and per[nmax]:
                cells.append("**%.2f**" % (per[nmax] / per[nmin]))
            else:
                cells.append("-")
            r = rows.get((s, v, nmax))
            cells.append("%.3f" % (r["syscalls"] / nmax) if r else "-")
            cells.append("%d, %d, %d" % (r["writes"], r["localtimes"], r["bytes"]) if r else "-")
            out.append("| " + " | ".join(cells) + " |")
    with open(md, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--status":
        status_report(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    rows = {}
    ns = set()
    with open(sys.argv[1], newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            n = int(r["n"])
            ns.add(n)
            rows[(r["state"], r["path"], n)] = {
                "dumps": int(r["dumps"]),
                "singles": int(r["singles"]),
                "entries": int(r["entries"]),
                "bytes": int(r["bytes"]),
                "warnings": int(r["warnings"]),
                "ir": None if r["instructions"] == "-" else int(r["instructions"]),
            }
    ns = sorted(ns)
    states = [s for s in STATES if any(k[0] == s for k in rows)]
    nmin, nmax = ns[0], ns[-1]

    out = []
    head = ["close path", "state"] + ["instr/peer N=%d" % n for n in ns]
    head += ["N=%d / N=%d" % (nmax, nmin), "at N=%d: dumps, single GET_PEERs, entries, MB read, warnings" % nmax]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for p in PATHS:
        for s in states:
            cells = [PATH_NAMES[p], STATE_NAMES[s]]
            per = {}
            for n in ns:
                r = rows.get((s, p, n))
                v = r["ir"] / n if r and r["ir"] is not None else None
                per[n] = v
                cells.append(fmt_instr(v))
            if per[nmin] and per[nmax]:
                cells.append("**%.2f**" % (per[nmax] / per[nmin]))
            else:
                r0, r1 = rows.get((s, p, nmin)), rows.get((s, p, nmax))
                if r0 and r1 and r0["bytes"]:
                    cells.append("(bytes/peer: %.1f)" % ((r1["bytes"] / nmax) / (r0["bytes"] / nmin)))
                else:
                    cells.append("-")
            r = rows.get((s, p, nmax))
            if r:
                cells.append("%d, %d, %d, %.1f, %d" % (r["dumps"], r["singles"], r["entries"],
                                                       r["bytes"] / 1e6, r["warnings"]))
            else:
                cells.append("-")
            out.append("| " + " | ".join(cells) + " |")
    text = "\n".join(out) + "\n"
    with open(sys.argv[2], "w") as f:
        f.write(text)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
        return
    fig, axes = plt.subplots(2, len(PATHS), figsize=(16, 7), squeeze=False)
    for j, p in enumerate(PATHS):
        for s in states:
            xs = [n for n in ns if (s, p, n) in rows and rows[(s, p, n)]["ir"] is not None]
            axes[0][j].plot(xs, [rows[(s, p, n)]["ir"] / n for n in xs], marker="o", label=STATE_NAMES[s])
            xs = [n for n in ns if (s, p, n) in rows]
            axes[1][j].plot(xs, [max(rows[(s, p, n)]["bytes"] / n, 1) for n in xs], marker="o",
                            label=STATE_NAMES[s])
        for i in range(2):
            axes[i][j].set_xscale("log", base=2)
            axes[i][j].set_yscale("log")
            axes[i][j].set_xlabel("N (peers reaped)")
            axes[i][j].grid(True, which="both", alpha=0.3)
        axes[0][j].set_title(PATH_NAMES[p], fontsize=9)
        axes[0][j].set_ylabel("instructions per peer")
        axes[1][j].set_ylabel("netlink bytes read per peer")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("make bench-reap: userspace work per reaped DCO peer")
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=90)


if __name__ == "__main__":
    main()
