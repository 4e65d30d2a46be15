#!/usr/bin/python3
"""Collect storm run directories into a table (Markdown), JSON and a PNG.

    report.py [--expect-clean N STORMS] OUTPREFIX RUNDIR...

Each RUNDIR is what `storm.sh run` wrote: storms.jsonl, samples.csv
(time,nclients,status_clients), kpeers.log (time peers, guest clock),
events.csv.  Writes OUTPREFIX.json, OUTPREFIX.md and OUTPREFIX.png, and
where a build and scenario ran at several N, OUTPREFIX-scale.md and
OUTPREFIX-scale.png (drain time against N).

--expect-clean N STORMS (ci.sh): print one line per storm instead of the
table and exit 1 unless there are STORMS storms and every one ended with
0 stale instances, 0 max-clients rejections, all N clients reconnected and
the server alive, without a death or a missing overrun in its outcome; a
"sigterm" storm must end with a clean exit; in an "overrun" storm some of
the kernel's own DEL_PEERs must have been lost and the resync must have
confirmed and reaped every client whose DEL_PEER was lost, and no other;
a run whose server was built with sanitizers (storm.sh, STORM_SANITIZE=1)
must have left no report (sanitizer.txt), and one with a module package
of ours in the guest (module-package) no kernel oops/BUG/WARNING line;
a soak (soak.csv) must end with soak.py's verdict "flat" (soak.md).
"""
import calendar
import functools
import json
import os
import sys
import time

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
    ("reap_secs", "s from the kernel's first deletion to 0 instances"),
    ("drain_secs", "s from the kernel's table empty (last unhash) to 0 instances"),
    ("notify_drain_secs", "s from the kernel's last DEL_PEER notification to 0 instances"),
    ("delayed_exits", "delayed exits (mixed): notified, closed by it within 5+1 s, slowest s"),
    ("server_cpu_secs", "server CPU s, trigger to measurement"),
    ("server_alive", "server alive"),
    ("outcome", "outcome"),
]

# Scenarios whose kernel peers all go at a moment the rig does not control
# (expiry, a kill): their drain time says how far the server lags behind
# the kernel.  In overrun and sighup the server is stopped meanwhile.
DRAIN_SCENARIOS = ("storm", "storm-poll", "tcp")


def read_rows(d):
    rows = []
    p = os.path.join(d, "storms.jsonl")
    if os.path.exists(p):
        with open(p) as f:
            rows = [json.loads(x) for x in f if x.strip()]
    return rows


@functools.lru_cache(maxsize=None)  # add_drain() and plot() read the same files
def read_series(path, sep):
    out = []
    if not os.path.exists(path):
        return ()
    with open(path) as f:
        for ln in f:
            parts = ln.strip().split(sep)
            if len(parts) >= 2:
                try:
                    out.append((float(parts[0]), int(parts[1])))
                except ValueError:
                    pass
    return tuple(out)


def read_notify(d):
    """(time, peer-id) of each DEL_PEER the kernel sent for the server's
    interface (notify.log of dco_peers --monitor), its overrun lines
    (peer-id -1) left out."""
    return [(t, v) for t, v in read_series(os.path.join(d, "notify.log"), " ") if v >= 0]


def add_drain(rows, d):
    """Set each storm row's drain_secs: seconds from the first kernel-peer
    sample of 0 (guest clock, dco_peers every second) to the first
    management sample of 0 instances (host clock), both after the storm's
    trigger and before the next storm's; and reap_secs: the same from the
    kernel's first deletion; and notify_drain_secs: the same from the last
    DEL_PEER notification the kernel sent for the server's interface before
    0 instances (notify.log, a real-time listener in the guest; the module
    sends it after the peer left its table, so this column measures the
    server, the drain column the server and the module).  The clocks agree
    to about 1 s."""
    kpeers = read_series(os.path.join(d, "kpeers.log"), " ")
    notify = read_notify(d)
    samples = read_series(os.path.join(d, "samples.csv"), ",")
    starts = [r["t_storm"] for r in rows] + [float("inf")]
    for i, r in enumerate(rows):
        if r["scenario"] not in DRAIN_SCENARIOS:
            continue
        r["drain_secs"] = None
        r["reap_secs"] = None
        if notify:  # runs before release 10 have no notify.log: "-"
            r["notify_drain_secs"] = None
        lo, hi = starts[i], starts[i + 1]
        tk = next((t for t, v in kpeers if lo <= t < hi and v == 0), None)
        ti = next((t for t, v in samples if lo <= t < hi and v == 0), None)
        t1 = next((t for t, v in kpeers if lo <= t < hi and 0 <= v < r["n"]), None)
        if tk is not None and ti is not None:
            r["drain_secs"] = round(max(ti - tk, 0.0), 1)
        if t1 is not None and ti is not None:
            r["reap_secs"] = round(max(ti - t1, 0.0), 1)
        tn = [t for t, _ in notify if lo <= t < hi and (ti is None or t <= ti + 1.0)]
        if tn and ti is not None:
            r["notify_drain_secs"] = round(max(ti - max(tn), 0.0), 1)
            r["notifications"] = len(tn)


def add_delayed_exits(rows, d):
    """For mixed: from the server log (verb 3), per instance that logged
    'Delayed exit in S seconds' while the storm restarted its clients (from
    its trigger to 2 s after its 'other half restarted' event; the server
    log is on the guest clock, about 1 s off the host's; the rig's
    teardown, which stops every client with an exit notification, comes
    later and is left out), whether
    its 'SIGTERM[soft,delayed-exit] received, client-instance exiting'
    came within S + 1 s (the log has whole seconds; a client sends its
    notification up to three times, the first one counts).  Sets
    delayed_exits to "instances notified/closed in time, slowest s"
    (slowest: "never" if one did not close at all)."""
    if not any(r["scenario"] == "mixed" for r in rows):
        return
    armed, fired, ends = {}, {}, {}
    path = os.path.join(d, "server.log")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            for ln in f:
                parts = ln.split(" ", 3)
                if len(parts) < 4:
                    continue
                peer, text = parts[2], parts[3]
                arm = text.startswith("Delayed exit in ")
                if not arm and not text.startswith("SIGTERM[soft,delayed-exit] received, client-instance exiting"):
                    continue
                try:
                    t = calendar.timegm(time.strptime(parts[0] + " " + parts[1], "%Y-%m-%d %H:%M:%S"))
                except ValueError:
                    continue
                if arm:
                    armed.setdefault(peer, []).append((t, int(text.split()[3])))
                else:
                    fired.setdefault(peer, []).append(t)
    path = os.path.join(d, "events.csv")
    if os.path.exists(path):
        with open(path) as f:
            for ln in f:
                t, _, text = ln.partition(",")
                head, _, rest = text.partition(": ")
                if head.startswith("storm ") and rest.startswith("other half restarted"):
                    ends[int(head.split()[1])] = float(t) + 2
    for r in rows:
        if r["scenario"] != "mixed":
            continue
        lo, hi = int(r["t_storm"]), ends.get(r["storm"], float("inf"))
        n = ok = 0
        slowest = 0
        for peer, arms in armed.items():
            first = next(((t, secs) for t, secs in arms if lo <= t <= hi), None)
            if first is None:
                continue
            t, secs = first
            n += 1
            f = next((x for x in fired.get(peer, []) if x >= t), None)
            if f is None:
                slowest = float("inf")
                continue
            slowest = max(slowest, f - t)
            if f - t <= secs + 1:
                ok += 1
        r["delayed_exits"] = "%d/%d, %s" % (n, ok, "never" if slowest == float("inf") else "%d" % slowest)


def scale_report(prefix, rows):
    """For every build and scenario measured at more than one N: a table of
    stale instances, rejections, reap and drain time and server CPU against
    N (PREFIX-scale.md) and a plot of reap and drain time against N
    (PREFIX-scale.png)."""
    groups = {}
    for r in rows:
        groups.setdefault((r["build"], r["scenario"]), []).append(r)
    groups = {k: v for k, v in groups.items() if len({r["n"] for r in v}) > 1}
    if not groups:
        return
    lines = ["| build | scenario | N | storms | stale (max) | rejections (sum) | reap s: kernel's first deletion to 0 instances (max) | drain s: kernel's table empty (last unhash) to 0 instances (max) | s: kernel's last DEL_PEER notification to 0 instances (max) | server CPU s (max) | server CPU ms per peer |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (b, sc), rs in sorted(groups.items()):
        for n in sorted({r["n"] for r in rs}):
            at = [r for r in rs if r["n"] == n]
            stale = [r["stale"] for r in at if r["stale"] is not None]
            drain = [r["drain_secs"] for r in at if r.get("drain_secs") is not None]
            reap = [r["reap_secs"] for r in at if r.get("reap_secs") is not None]
            ndrain = [r["notify_drain_secs"] for r in at if r.get("notify_drain_secs") is not None]
            cpu = [r["server_cpu_secs"] for r in at if r.get("server_cpu_secs") is not None]
            cmax = max(cpu) if cpu else None
            lines.append("| %s | %s | %d | %d | %s | %d | %s | %s | %s | %s | %s |" % (
                b, sc, n, len(at), max(stale) if stale else "-",
                sum(r["rejections"] for r in at), fmt(max(reap) if reap else None, "drain_secs"),
                fmt(max(drain) if drain else None, "drain_secs"),
                fmt(max(ndrain) if ndrain else None, "notify_drain_secs") if any("notify_drain_secs" in r for r in at) else "-",
                fmt(cmax),
                "%.2f" % (cmax * 1000.0 / n) if cmax is not None else "-"))
    with open(prefix + "-scale.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (b, sc), rs in sorted(groups.items()):
        for key, style, what in (("reap_secs", "-", "first"), ("drain_secs", "--", "last")):
            pts = sorted((r["n"], r[key]) for r in rs if r.get(key) is not None)
            if pts:
                ax.plot([n for n, _ in pts], [v for _, v in pts], marker="o", ls=style,
                        label="%s, %s: from the kernel's %s deletion" % (b, sc, what))
    ax.set_xlabel("N (peers deleted by the kernel at once)")
    ax.set_ylabel("s to 0 instances")
    ax.set_title("time to 0 instances against N (stale instances never get there: no point)", fontsize=9)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(prefix + "-scale.png", dpi=90)


def fmt(v, key=""):
    if v is None:
        return "never" if key in ("secs_expiry_to_zero", "reconnect_secs", "drain_secs", "reap_secs",
                                  "notify_drain_secs") else "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    return str(v)


def check_clean(rows, n, expected):
    """Print a verdict per storm; return the number of failed storms."""
    passed = failed = 0
    for r in rows:
        bad = []
        outcome = r.get("outcome", "")
        name = "%s storm %d" % (r["scenario"], r["storm"])
        if r["scenario"] == "sigterm":
            if outcome != "clean exit":
                bad.append(outcome)
        else:
            if r["stale"] != 0:
                bad.append("stale=%s" % r["stale"])
            if r["rejections"] != 0:
                bad.append("rejections=%d" % r["rejections"])
            if r["reconnected"] != n:
                bad.append("reconnected=%d/%d" % (r["reconnected"], n))
            if not r["server_alive"]:
                bad.append("server died")
            if outcome.startswith(("died", "NO OVERRUN")):
                bad.append(outcome)
            if r["scenario"] == "overrun" and not outcome.startswith("died"):
                # the real DEL_PEERs must have been lost, and the resync
                # must have confirmed and reaped exactly those clients
                lost, reaped = r.get("lost", -1), r.get("resync_reaped", -1)
                if lost <= 0:
                    bad.append("no real notification lost (kernel deleted %s, %s closed by "
                               "their DEL_PEER)" % (r.get("kernel_deleted"), r.get("notified")))
                elif reaped != lost or r.get("resync_confirmed", -1) != lost:
                    bad.append("resync confirmed %s and reaped %s of %s clients whose "
                               "notification was lost (%s closed otherwise)"
                               % (r.get("resync_confirmed"), reaped, lost, r.get("other_closed")))
        if bad:
            failed += 1
            print("FAIL %s: %s" % (name, ", ".join(bad)))
        elif r["scenario"] == "sigterm":
            passed += 1
            print("ok   %s: %s" % (name, outcome))
        elif r["scenario"] == "overrun":
            passed += 1
            print("ok   %s: 0 stale, 0 rejections, %d/%d reconnected; %d of %d notifications "
                  "lost, the resync confirmed and reaped all %d (%s)"
                  % (name, n, n, r["lost"], r["kernel_deleted"], r["resync_reaped"], outcome))
        else:
            passed += 1
            print("ok   %s: 0 stale, 0 rejections, %d/%d reconnected (%s)" % (name, n, n, outcome))
    missing = expected - len(rows)
    if missing > 0:
        failed += missing
        print("FAIL %d storm(s) produced no result" % missing)
    print("storm-ci: %d passed, %d failed" % (passed, failed))
    return failed


def main():
    args = sys.argv[1:]
    expect = None
    if args[:1] == ["--expect-clean"]:
        expect = (int(args[1]), int(args[2]))
        args = args[3:]
    prefix, dirs = args[0], args[1:]
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

    for _, rows, d in runs:
        add_drain(rows, d)
        add_delayed_exits(rows, d)
    all_rows = [r for _, rows, _ in runs for r in rows]
    with open(prefix + ".json", "w") as f:
        json.dump({"runs": [m for m, _, _ in runs], "storms": all_rows}, f, indent=1)

    lines = ["| " + " | ".join(h for _, h in COLS) + " |",
             "|" + "|".join("---" for _ in COLS) + "|"]
    for r in all_rows:
        lines.append("| " + " | ".join(fmt(r[k], k) if k in r else "-" for k, _ in COLS) + " |")
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    if expect is None:
        print("\n".join(lines))
    plot(prefix, runs)
    if expect is None:
        scale_report(prefix, all_rows)
    if expect is not None:
        dirs = [d for _, _, d in runs]
        failed = (check_clean(all_rows, *expect) + check_sanitizer(dirs) + check_module(dirs)
                  + check_soak(dirs))
        if failed:
            sys.exit(1)


def check_soak(dirs):
    """A soak run (soak.csv) must end with soak.py's verdict "flat"
    (soak.md); one without a verdict did not finish."""
    failed = 0
    for d in dirs:
        if not os.path.exists(os.path.join(d, "soak.csv")):
            continue
        verdict = "no verdict (the soak did not finish)"
        md = os.path.join(d, "soak.md")
        if os.path.exists(md):
            with open(md) as f:
                last = [x.strip() for x in f if x.strip()]
            verdict = last[-1] if last else verdict
        if ", flat," in verdict:
            print("ok   %s: %s" % (os.path.basename(d.rstrip("/")), verdict))
        else:
            print("FAIL %s: %s" % (os.path.basename(d.rstrip("/")), verdict))
            failed += 1
    return failed


def check_module(dirs):
    """With a module package of ours in the guest (storm.sh writes its
    name to module-package), any oops/BUG/WARNING/hung-task line of the
    guest kernel (kernel.txt) fails the run."""
    failed = 0
    for d in dirs:
        pkg, ktxt = os.path.join(d, "module-package"), os.path.join(d, "kernel.txt")
        if os.path.exists(pkg) and os.path.exists(ktxt) and os.path.getsize(ktxt) > 0:
            with open(pkg) as f, open(ktxt, errors="replace") as k:
                print("FAIL %s: the guest kernel complained with our module %s: %s"
                      % (os.path.basename(d.rstrip("/")), f.read().strip(), k.readline().strip()[:120]))
            failed += 1
    return failed


def check_sanitizer(dirs):
    """A server built with ASan+UBSan (STORM_SANITIZE=1) leaves its
    reports in sanitizer.txt: any report fails the run."""
    failed = 0
    for d in dirs:
        p = os.path.join(d, "sanitizer.txt")
        if os.path.exists(p) and os.path.getsize(p) > 0:
            with open(p, errors="replace") as f:
                first = next((x.strip() for x in f if "ERROR" in x or "runtime error" in x), "a report")
            print("FAIL %s: sanitizer: %s" % (os.path.basename(d.rstrip("/")), first))
            failed += 1
    return failed


def plot(prefix, runs):
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
              "debian13": "tab:green"}
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
            notify = read_notify(d)
            if notify and rows:
                # per storm: the peers the kernel has not notified yet
                starts = [r["t_storm"] for r in rows] + [float("inf")]
                label = "%s: kernel peers not yet notified (DEL_PEER sent)" % m["build"]
                for i, r in enumerate(rows):
                    ts = sorted(t for t, _ in notify if starts[i] <= t < starts[i + 1])
                    if not ts:
                        continue
                    ax.step([r["t_storm"] - t0] + [t - t0 for t in ts],
                            [n - k for k in range(len(ts) + 1)], where="post", color=c,
                            lw=1, ls="-.", alpha=0.8, label=label)
                    label = None
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
