#!/usr/bin/env python3
"""bench/measure.py: runs one benchmark client for bench/compare.sh and prints what it measured on one line.

    measure.py KIND [--pids PID,PID...] -- CMD...

KIND iperf3 (CMD prints iperf3 --json) or inprocess (CMD prints `netstack bench --json`) prints
    GBPS BYTES PROC_S SOFTIRQ_S ALL_S
  GBPS, BYTES  what the receiver counted (iperf3's sum_received; the in-process bench's measured window)
  PROC_S       CPU seconds (user + system) of the processes doing the work: CMD itself (getrusage of the child,
               so the namespace's iperf3 client) plus every process tree in --pids (the stack, an iperf3 server,
               pasta, ...) as the change in utime + stime (+ reaped children) of /proc/PID/stat across the run.
               For inprocess, the bench's own cpu_seconds over its measured window.
  SOFTIRQ_S    the change of the softirq column of /proc/stat's "cpu" line across the run (the whole machine)
  ALL_S        the change of all busy columns of that line (user nice system irq softirq steal): every CPU
               second the machine spent, a cross-check that only means something on an otherwise idle machine
KIND pingpong (CMD is bench/pingpong) or sockperf (CMD is `sockperf pp`) prints
    MEDIAN_US P99_US
Anything that fails prints nan in every field.
"""
import json
import os
import re
import resource
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")


def machine_ticks():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return softirq, user + nice + system + irq + softirq + steal


def process_tree_ticks(roots):
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # rest[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17
        stats[int(entry)] = (int(rest[1]), sum(int(v) for v in rest[11:15]))
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def throughput(kind, out, cpu):
    if kind == "iperf3":
        d = json.loads(out)
        if "error" in d:
            raise ValueError(d["error"])
        s = d["end"]["sum_received"]
        return s["bits_per_second"] / 1e9, s["bytes"], cpu
    d = json.loads(out)
    return d["gbps"], d["bytes"], d["cpu_seconds"]


def latency(kind, out):
    if kind == "pingpong":
        m = re.search(r"median_us=([\d.]+) p99_us=([\d.]+)", out)
        return float(m.group(1)), float(m.group(2))
    p50 = re.search(r"percentile 50\.000 =\s*([\d.]+)", out)
    p99 = re.search(r"percentile 99\.000 =\s*([\d.]+)", out)
    return float(p50.group(1)), float(p99.group(1))


def main(argv):
    kind, pids = argv[0], []
    rest = argv[1:]
    if rest and rest[0] == "--pids":
        pids = [int(p) for p in rest[1].split(",") if p]
        rest = rest[2:]
    cmd = rest[1:] if rest and rest[0] == "--" else rest
    fields = 5 if kind in ("iperf3", "inprocess") else 2
    try:
        sirq0, all0 = machine_ticks()
        tree0, child0 = process_tree_ticks(pids), children_cpu()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=600).stdout
        child1, tree1 = children_cpu(), process_tree_ticks(pids)
        sirq1, all1 = machine_ticks()
        if fields == 2:
            print("%.2f %.2f" % latency(kind, out))
            return
        cpu = child1 - child0 + (tree1 - tree0) / TICK
        gbps, nbytes, cpu = throughput(kind, out, cpu)
        print("%.3f %d %.3f %.3f %.3f" % (gbps, nbytes, cpu, (sirq1 - sirq0) / TICK, (all1 - all0) / TICK))
    except Exception:  # a failed run is a nan in the table, not the end of the benchmark
        print(" ".join(["nan"] * fields))


if __name__ == "__main__":
    main(sys.argv[1:])
