#!/usr/bin/env python3
"""Per-phase timeline of `berth run --rm busybox true`.

Inputs: `perf script` text of a system-wide `perf record -k CLOCK_REALTIME` over the runs
(sched fork/exec/exit + a few syscall tracepoints; no ptrace, so the daemon is not slowed),
and one `strace -ttt` of the berth CLI per run (client HTTP markers, realtime clock). perf's
clock is monotonic: each run's offset comes from the client's own exec, seen by both.
Usage: timeline.py PERF_SCRIPT.txt CLIENT_DIR RUNS BERTHD_PID
"""
import collections
import os
import re
import statistics
import sys

perf_txt, client_dir, runs, berthd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

# ---------------------------------------------------------------- perf events
# perf script -F comm,pid,tid,time,event,trace:   comm PID/TID TIME: EVENT: fields
line_re = re.compile(r"^\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+([\w:]+):\s*(.*)$")
events = []
parent = {}
for line in open(perf_txt, errors="replace"):
    m = line_re.match(line)
    if not m:
        continue
    comm, pid, tid, t, ev, rest = m.groups()
    t = float(t)
    if ev == "sched:sched_process_fork":
        cm = re.search(r"pid=(\d+) child_comm=.* child_pid=(\d+)", rest)
        if cm:
            parent[cm.group(2)] = pid  # child tid -> parent tgid
        continue
    events.append((t, ev, pid, tid, comm, rest))
events.sort()


def descends(pid, ancestor):
    seen = 0
    while pid and seen < 64:
        if pid == ancestor:
            return True
        pid = parent.get(pid)
        seen += 1
    return False


client_exec = {}  # pid -> perf time of the CLI's exec
execs = []  # (t, pid, filename)
exits = {}  # pid -> t (main thread)
for t, ev, pid, tid, comm, rest in events:
    if ev == "sched:sched_process_exec":
        fm = re.search(r"filename=(\S+) pid=(\d+)", rest)
        if fm and descends(fm.group(2), berthd):
            execs.append((t, fm.group(2), fm.group(1)))
        elif fm:
            client_exec.setdefault(fm.group(2), t)
    elif ev == "sched:sched_process_exit" and pid == tid:
        exits.setdefault(pid, t)
        exits[pid] = t


def first(pred, after, before=float("inf")):
    for e in events:
        if e[0] >= after and e[0] <= before and pred(e):
            return e
    return None


# ---------------------------------------------------------------- client markers
def client_marks(path):
    marks = {}
    offset = None
    for line in open(path, errors="replace"):
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        if offset is None:
            if parts[0] not in client_exec:
                return {}
            offset = float(parts[1]) - client_exec[parts[0]]
        t, rest = float(parts[1]) - offset, parts[2]
        marks.setdefault("exec", t)
        if rest.startswith("+++ exited"):
            marks["end"] = t
        elif "/containers/create" in rest and rest.startswith(("sendto", "write", "sendmsg")):
            marks.setdefault("create_sent", t)
        elif "HTTP/1.1 201" in rest:
            marks.setdefault("created", t)
        elif re.search(r"/containers/\w+/start", rest) and rest.startswith(("sendto", "write", "sendmsg")):
            marks.setdefault("start_sent", t)
        elif "HTTP/1.1 204" in rest and "start_sent" in marks:
            marks.setdefault("started", t)
        elif "StatusCode" in rest:
            marks.setdefault("status", t)
    return marks


phases = collections.OrderedDict()
def add(name, a, b):
    if a is not None and b is not None:
        phases.setdefault(name, []).append((b - a) * 1000.0)

detail_run = None
for i in range(1, runs + 1):
    path = os.path.join(client_dir, f"client.{i}")
    if not os.path.exists(path):
        continue
    c = client_marks(path)
    if not all(k in c for k in ("exec", "create_sent", "created", "start_sent", "status", "end")):
        continue
    lo, hi = c["start_sent"], c["end"] + 0.2
    mount = first(lambda e: e[1] == "syscalls:sys_enter_mount" and e[2] == berthd, lo, hi)
    shim = next(((t, p) for t, p, f in execs if lo <= t <= hi and f.endswith("berth-shim")), None)
    if not mount or not shim:
        continue
    spid = shim[1]
    mine = [(t, p, f) for t, p, f in execs if t >= shim[0] and t <= hi and descends(p, spid)]
    runcs = [(t, p) for t, p, f in mine if f.endswith("/runc")]
    init = next(((t, p) for t, p, f in mine if f == "/proc/self/exe"), None)
    ctr = next(((t, p) for t, p, f in mine if f in ("/bin/true", "/usr/bin/true")), None)
    if not runcs or not ctr:
        continue
    # Without a TTY the shim runs the container with one `runc run -d` at start; with one,
    # `runc create` at launch and `runc start` at start. The next runc after those is delete.
    before = [r for r in runcs if r[0] < ctr[0]]
    if not before:
        continue
    create = before[0]
    start = before[1] if len(before) > 1 else None
    used = {r[1] for r in before}
    delete = next((r for r in runcs if r[1] not in used), None)
    # runc delete may be berthd's child rather than the shim's
    if delete is None:
        delete = next(((t, p) for t, p, f in execs if t > ctr[0] and t <= hi and f.endswith("/runc") and p not in used), None)
    ctr_exit = exits.get(ctr[1])
    umount = first(lambda e: e[1] == "syscalls:sys_enter_umount" and e[2] == berthd, ctr[0], hi)
    rmdir = first(lambda e: e[1] == "syscalls:sys_enter_rmdir" and e[2] == berthd, umount[0] if umount else ctr[0], hi)
    fsyncs = [e for e in events if lo - 0.5 <= e[0] <= c["end"] and e[2] == berthd and e[1] in ("syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync")]
    fsyncs_run = [e for e in events if c["exec"] <= e[0] <= c["end"] and e[2] == berthd and e[1] in ("syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync")]
    add("client: exec -> create request sent (start-up, /_ping)", c["exec"], c["create_sent"])
    add("daemon: create API (request -> 201)", c["create_sent"], c["created"])
    add("client: 201 -> start sent (attach + wait requests)", c["created"], c["start_sent"])
    add("start: request -> overlay mount", c["start_sent"], mount[0])
    add("start: mount -> shim exec (/etc files, spec, config.json+fsync, spawn)", mount[0], shim[0])
    first_runc = "runc create" if start else "runc run -d"
    add(f"start: shim exec -> {first_runc} exec (shim start-up, attach, start RPC)", shim[0], create[0])
    add(f"start: {first_runc} exec -> runc init exec", create[0], init[0] if init else None)
    if start:
        add("start: runc init exec -> runc create exit", init[0] if init else None, exits.get(create[1]))
        add("start: runc create exit -> runc start exec (report, attach, start RPC)", exits.get(create[1]), start[0])
        add("start: runc start exec -> container exec", start[0], ctr[0])
        add("start: runc start exit -> client gets 204", exits.get(start[1]), c.get("started"))
    else:
        add("start: runc init exec -> container exec", init[0] if init else None, ctr[0])
        add("start: container exec -> runc run -d exit", ctr[0], exits.get(create[1]))
        add("start: runc run -d exit -> client gets 204", exits.get(create[1]), c.get("started"))
    add("run:   container exec -> container exit", ctr[0], ctr_exit)
    if delete:
        add("exit:  container exit -> runc delete exec", ctr_exit, delete[0])
        add("exit:  runc delete (exec -> exit)", delete[0], exits.get(delete[1]))
        add("rm:    runc delete exit -> berthd umount rootfs", exits.get(delete[1]), umount[0] if umount else None)
    else:
        add("exit:  container exit -> berthd umount rootfs", ctr_exit, umount[0] if umount else None)
    add("rm:    umount -> first rmdir of container dir", umount[0] if umount else None, rmdir[0] if rmdir else None)
    add("rm:    first rmdir -> client gets exit status", rmdir[0] if rmdir else None, c["status"])
    add("client: exit status -> client exit", c["status"], c["end"])
    add("TOTAL (client exec -> client exit)", c["exec"], c["end"])
    add("  sum start: request -> container exec", c["start_sent"], ctr[0])
    add("  sum exit+rm: container exit -> client gets status", ctr_exit, c["status"])
    phases.setdefault("  berthd fsync/fdatasync calls per run", []).append(float(len(fsyncs_run)))
    if detail_run is None:
        detail_run = (i, c, mount, shim, create, init, start, ctr, ctr_exit, delete, umount, rmdir,
                      parent.get(delete[1]) if delete else None)

print(f"run --rm timeline over {len(phases.get('TOTAL (client exec -> client exit)', []))} runs "
      f"(perf sched/syscall tracepoints on the daemon side; client under strace -ttt)")
print(f"  {'phase':<74} {'median':>8} {'p90':>8}")
for name, v in phases.items():
    if name.startswith("  berthd fsync"):
        print(f"  {name:<74} {statistics.median(v):8.0f}")
        continue
    s = sorted(v)
    p90 = s[min(len(s) - 1, int(0.9 * len(s)))]
    print(f"  {name:<74} {statistics.median(v):7.1f}ms {p90:7.1f}ms")
if detail_run:
    i, c, mount, shim, create, init, start, ctr, ctr_exit, delete, umount, rmdir, dparent = detail_run
    print(f"  (runc delete's parent: {'berthd' if dparent == berthd else 'berth-shim' if dparent == shim[1] else dparent})")
