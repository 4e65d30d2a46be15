#!/usr/bin/python3
"""Collect storm run directories into a table (Markdown), JSON and a PNG.

    report.py OUTPREFIX RUNDIR...

Each RUNDIR is what `storm.sh run` wrote: storms.jsonl, samples.csv
(time,nclients,status_clients), kpeers.log (time peers, guest clock),
events.csv.  Writes OUTPREFIX.json, OUTPREFIX.md and OUTPREFIX.png.
"""
import json
import os
import sys

COLS = [
    ("build", "build"),
    ("scenario", "scenario"),
    ("n", "N"),
    ("initial_connected", "connected before storms"),
    ("storm", "storm #"),
    ("stale", "stale instances"),
    ("kernel_peers", "kernel peers"),
    ("instances", "instances held"),
    ("status_file_clients", "status-file clients"),
    ("secs_expiry_to_zero", "s from last expected expiry to 0 instances"),
    ("rejections", "reconnect rejections (max-clients)"),
    ("reconnected", "reconnected"),
    ("reconnect_secs", "s to reconnect all"),
    ("server_alive", "server alive"),
    ("outcome", "outcome"),
]


def read_rows(d):
    rows = []
    p = os.path.join(d, "storms.jsonl")
    if os.path.exists(p):
        with open(p) as f:
            rows = [json.loads(x) for x in f if x.strip()]
    return rows


def read_series(path, sep):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for ln in f:
            parts = ln.strip().split(sep)
            if len(parts) >= 2:
                try:
                    out.append((float(parts[0]), int(parts[1])))
                except ValueError:
                    pass
    return out


def fmt(v, key=""):
    if v is None:
        return "never" if key in ("secs_expiry_to_zero", "reconnect_secs") else "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    return str(v)


def main():
    prefix, dirs = sys.argv[1], sys.argv[2:]
    runs = []
    for d in dirs:
        rows = read_rows(d)
        meta = {"dir": d}
        if rows:
            meta.update(build=rows[0]["build"], scenario=rows[0]["scenario"], n=rows[0]["n"])
        else:
            # a run that produced no storm row (e.g. server died at start)
            base = os.path.basename(d.rstrip("/"))
            meta.update(build=base, scenario="?", n=0)
        runs.append((meta, rows, d))

    all_rows = [r for _, rows, _ in runs for r in rows]
    with open(prefix + ".json", "w") as f:
        json.dump({"runs": [m for m, _, _ in runs], "storms": all_rows}, f, indent=1)

    lines = ["| " + " | ".join(h for _, h in COLS) + " |",
             "|" + "|".join("---" for _ in COLS) + "|"]
    for r in all_rows:
        lines.append("| " + " | ".join(fmt(r.get(k), k) for k, _ in COLS) + " |")
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
        return

    scenarios = []
    for m, _, _ in runs:
        key = (m["scenario"], m["n"])
        if key not in scenarios:
            scenarios.append(key)
    fig, axes = plt.subplots(len(scenarios), 1, figsize=(11, 3.6 * len(scenarios)), squeeze=False)
    colors = {"stock": "tab:red", "upstream-2.6": "tab:orange", "fork": "tab:blue",
              "deb13": "tab:green"}
    for ax, (scen, n) in zip(axes[:, 0], scenarios):
        for m, rows, d in runs:
            if (m["scenario"], m["n"]) != (scen, n):
                continue
            samples = read_series(os.path.join(d, "samples.csv"), ",")
            kpeers = read_series(os.path.join(d, "kpeers.log"), " ")
            if not samples:
                continue
            t0 = rows[0]["t_storm"] if rows else samples[0][0]
            c = colors.get(m["build"], None)
            xs = [t - t0 for t, v in samples if v >= 0]
            ys = [v for _, v in samples if v >= 0]
            ax.plot(xs, ys, color=c, lw=1.6, label="%s: instances held (management)" % m["build"])
            if kpeers:
                ax.plot([t - t0 for t, _ in kpeers], [v for _, v in kpeers], color=c, lw=1,
                        ls="--", alpha=0.7, label="%s: kernel peers (ovpn-dco)" % m["build"])
            for r in rows:
                ax.axvline(r["t_storm"] - t0, color=c, ls=":", lw=0.8)
                ax.axvline(r["t_expected_expiry"] - t0, color=c, ls="-.", lw=0.8)
        ax.axhline(n, color="grey", lw=0.6)
        ax.set_title("%s, N=%d (dotted: storm starts, dash-dot: last expected expiry"
                     " or SIGCONT; grey: max-clients)" % (scen, n),
                     fontsize=9)
        ax.set_xlabel("seconds since first storm")
        ax.set_ylabel("count")
        ax.set_ylim(bottom=0, top=n * 1.08 + 1)
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(prefix + ".png", dpi=90)
    print("wrote %s.json %s.md %s.png" % (prefix, prefix, prefix))


if __name__ == "__main__":
    main()
