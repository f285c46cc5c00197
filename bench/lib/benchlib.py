#!/usr/bin/env python3
"""Helpers for bench/run-rm: interleaved latency runs, process memory, process lookup, report.

Subcommands
  latency OUT.json RUNS WARMUP NAME=CMD ...   run each CMD (shlex-split, no shell) RUNS times,
                                               interleaved round by round (the starting variant
                                               rotates each round), after WARMUP untimed runs each
  mem PID ...                                  JSON {pid: {rss_kib, pss_kib, comm}} to stdout
  memgroup NAME=PID[,PID...] ...               summed RSS/PSS per named group, JSON to stdout
  pids --exe NAME [--contains S] [--ppid P]    PIDs whose argv[0] basename is NAME (and whose
                                               command line contains S / whose parent is P)
  report RESULTS.json                          the summary table and the targets
"""
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def percentile(samples, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(samples)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def summarize(samples):
    return {
        "n": len(samples),
        "median_ms": statistics.median(samples),
        "p90_ms": percentile(samples, 90),
        "mean_ms": statistics.fmean(samples),
        "min_ms": min(samples),
        "max_ms": max(samples),
        "stdev_ms": statistics.stdev(samples) if len(samples) > 1 else 0.0,
    }


def run_once(argv):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t0) * 1000.0
    return dt, p.returncode, (p.stdout + p.stderr).decode(errors="replace").strip()


def cmd_latency(args):
    out, runs, warmup = args[0], int(args[1]), int(args[2])
    variants = []
    for spec in args[3:]:
        name, _, cmd = spec.partition("=")
        variants.append((name, cmd, shlex.split(cmd)))
    failures = {name: [] for name, _, _ in variants}
    for _ in range(warmup):
        for name, _, argv in variants:
            _, rc, text = run_once(argv)
            if rc != 0:
                failures[name].append(f"warm-up rc={rc}: {text[-300:]}")
    samples = {name: [] for name, _, _ in variants}
    n = len(variants)
    for r in range(runs):
        for i in range(n):
            name, _, argv = variants[(r + i) % n]
            dt, rc, text = run_once(argv)
            if rc != 0:
                failures[name].append(f"run {r} rc={rc}: {text[-300:]}")
                continue
            samples[name].append(dt)
        print(f"\r  round {r + 1}/{runs}", end="", file=sys.stderr, flush=True)
    print("", file=sys.stderr)
    result = {}
    for name, cmd, _ in variants:
        entry = {"cmd": cmd, "failures": failures[name], "samples_ms": samples[name]}
        if samples[name]:
            entry.update(summarize(samples[name]))
        result[name] = entry
        if failures[name]:
            print(f"  {name}: {len(failures[name])} failed runs, first: {failures[name][0]}", file=sys.stderr)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


def proc_mem(pid):
    rss = pss = None
    comm = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Name:"):
                    comm = line.split(None, 1)[1].strip()
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return {"rss_kib": rss, "pss_kib": pss, "comm": comm}


def cmd_mem(args):
    json.dump({pid: proc_mem(pid) for pid in args}, sys.stdout)
    print()


def cmd_memgroup(args):
    """NAME=PID[,PID...] ...: summed RSS/PSS per group, as JSON."""
    out = {}
    for spec in args:
        name, _, pids = spec.partition("=")
        pids = [p for p in pids.replace(" ", ",").split(",") if p]
        mems = [proc_mem(p) for p in pids]
        out[name] = {
            "pids": pids,
            "rss_kib": sum(m["rss_kib"] or 0 for m in mems),
            "pss_kib": sum(m["pss_kib"] or 0 for m in mems),
            "each": mems,
        }
    json.dump(out, sys.stdout)
    print()


def cmd_pids(args):
    exe = contains = ppid = None
    i = 0
    while i < len(args):
        if args[i] == "--exe":
            exe = args[i + 1]
        elif args[i] == "--contains":
            contains = args[i + 1]
        elif args[i] == "--ppid":
            ppid = args[i + 1]
        i += 2
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            if not argv or not argv[0]:
                continue
            if exe and os.path.basename(argv[0].decode(errors="replace")) != exe:
                continue
            if contains and contains.encode() not in b" ".join(argv):
                continue
            if ppid:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                if stat[stat.rindex(")") + 2:].split()[1] != ppid:
                    continue
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        print(entry)


def mib(kib):
    return kib / 1024.0


def cmd_report(args):
    with open(args[0]) as f:
        r = json.load(f)
    lat = r["latency"]
    floor = r.get("floor", {})
    w = print
    w("")
    w("=" * 78)
    w(f"Berth vs dockerd — {r['host']}")
    w(f"runs per variant: {r['runs']} (+{r['warmup']} warm-up), interleaved round-robin")
    w("=" * 78)
    w("")
    w("1. `run --rm busybox true` latency (wall clock of the client process)")
    w(f"  {'variant':<40} {'median':>8} {'p90':>8} {'min':>8} {'mean':>8} {'fail':>5}")
    for name, e in list(lat.items()) + list(floor.items()):
        if "median_ms" in e:
            w(f"  {name:<40} {e['median_ms']:7.1f}ms {e['p90_ms']:7.1f}ms {e['min_ms']:7.1f}ms {e['mean_ms']:7.1f}ms {len(e['failures']):>5}")
        else:
            w(f"  {name:<40} {'(all runs failed)':>35} {len(e['failures']):>5}")
    w("")
    w("2. idle daemon memory (after the latency runs, idle a few seconds)")
    idle = r["idle"]
    w(f"  {'process':<40} {'RSS':>10} {'PSS':>10}")
    for name, m in idle["procs"].items():
        w(f"  {name:<40} {mib(m['rss_kib']):8.1f}MiB {mib(m['pss_kib']):8.1f}MiB")
    w("")
    w(f"3. per running container ({r['per_container']['count']} × `sleep 600` each)")
    pc = r["per_container"]
    w(f"  {'':<40} {'RSS':>10} {'PSS':>10}")
    for side in ("berth", "docker"):
        s = pc[side]
        w(f"  {s['shim_name'] + ' (mean of ' + str(s['shims']) + ')':<40} {mib(s['shim_rss_kib'] / max(1, s['shims'])):8.2f}MiB {mib(s['shim_pss_kib'] / max(1, s['shims'])):8.2f}MiB")
        w(f"  {s['daemon_name'] + ' growth / container':<40} {mib(s['daemon_growth_rss_kib'] / pc['count']):8.2f}MiB {mib(s['daemon_growth_pss_kib'] / pc['count']):8.2f}MiB")
    w("")
    w("SUMMARY")
    w(f"  {'metric':<44} {'berth':>10} {'docker':>10} {'ratio':>7} {'target':>9}  result")
    rows = []
    b = lat.get("berth cli -> berthd", {})
    d = lat.get("docker cli -> dockerd", {})
    if "median_ms" in b and "median_ms" in d:
        ratio = b["median_ms"] / d["median_ms"]
        rows.append(("run --rm true, median (ms)", b["median_ms"], d["median_ms"], ratio, "<= 0.25x", ratio <= 0.25))
        ratio90 = b["p90_ms"] / d["p90_ms"]
        rows.append(("run --rm true, p90 (ms)", b["p90_ms"], d["p90_ms"], ratio90, "(info)", None))
    dn = lat.get("docker cli -> dockerd --network none", {})
    if "median_ms" in b and "median_ms" in dn:
        rows.append(("  vs dockerd --network none, median (ms)", b["median_ms"], dn["median_ms"], b["median_ms"] / dn["median_ms"], "(info)", None))
    db = lat.get("docker cli -> berthd", {})
    if "median_ms" in db and "median_ms" in d:
        rows.append(("  docker cli -> berthd vs -> dockerd (ms)", db["median_ms"], d["median_ms"], db["median_ms"] / d["median_ms"], "(info)", None))
    bb = lat.get("[baseline] berth cli -> baseline berthd", {})
    if "median_ms" in b and "median_ms" in bb:
        rows.append(("  this build vs the --baseline build (ms)", b["median_ms"], bb["median_ms"], b["median_ms"] / bb["median_ms"], "(info)", None))
    rf = floor.get("[floor] runc run, berthd's spec, no daemon", {})
    if "median_ms" in rf and "median_ms" in d:
        rows.append(("  runc run alone (berth's spec) vs dockerd", rf["median_ms"], d["median_ms"], rf["median_ms"] / d["median_ms"], "(floor)", None))
    bi, di = idle["berth_total"], idle["docker_total"]
    rows.append(("idle daemon RSS (MiB)", mib(bi["rss_kib"]), mib(di["rss_kib"]), bi["rss_kib"] / di["rss_kib"], "<= 0.35x", bi["rss_kib"] / di["rss_kib"] <= 0.35))
    rows.append(("idle daemon PSS (MiB)", mib(bi["pss_kib"]), mib(di["pss_kib"]), bi["pss_kib"] / di["pss_kib"], "<= 0.35x", bi["pss_kib"] / di["pss_kib"] <= 0.35))
    bs, ds = pc["berth"], pc["docker"]
    n = pc["count"]
    b_rss = bs["shim_rss_kib"] / max(1, bs["shims"])
    d_rss = ds["shim_rss_kib"] / max(1, ds["shims"])
    b_pss = bs["shim_pss_kib"] / max(1, bs["shims"])
    d_pss = ds["shim_pss_kib"] / max(1, ds["shims"])
    rows.append(("shim RSS per container (MiB)", mib(b_rss), mib(d_rss), b_rss / d_rss, "<= 5 MB", b_rss * 1024 <= 5e6))
    rows.append(("shim PSS per container (MiB)", mib(b_pss), mib(d_pss), b_pss / d_pss, "<= 5 MB", b_pss * 1024 <= 5e6))
    b_all = (bs["shim_pss_kib"] + max(0, bs["daemon_growth_pss_kib"])) / n
    d_all = (ds["shim_pss_kib"] + max(0, ds["daemon_growth_pss_kib"])) / n
    rows.append(("shim PSS + daemon PSS growth per ctr (MiB)", mib(b_all), mib(d_all), b_all / d_all, "<= 5 MB", b_all * 1024 <= 5e6))
    for name, bv, dv, ratio, target, ok in rows:
        res = "" if ok is None else ("PASS" if ok else "MISS")
        w(f"  {name:<44} {bv:10.1f} {dv:10.1f} {ratio:6.2f}x {target:>9}  {res}")
    w("")
    w("targets: run --rm <= 0.25x dockerd's median; idle berthd <= 0.35x dockerd+containerd;")
    w("         <= 5 MB (5e6 bytes) per running container (shim; the last row adds daemon growth).")
    w("ratios are berth / docker; docker figures are dockerd 20.10 + containerd 1.6 + runc.")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"latency": cmd_latency, "mem": cmd_mem, "memgroup": cmd_memgroup, "pids": cmd_pids, "report": cmd_report}[cmd](args)


if __name__ == "__main__":
    main()
