#!/usr/bin/env python3
"""bench/compare-table.py RESULTS: the tables of bench/compare.sh from its measurements.

RESULTS has one line per measurement, KIND|NAME|MTU|DIR|FIELDS, where KIND is ours, gvisor, kernel, streams, other
or lat, DIR is up, down or lat, and FIELDS are what bench/measure.py printed (GBPS BYTES PROC_S SOFTIRQ_S ALL_S, or
MEDIAN_US P99_US for DIR lat). Every figure shown is the median over the rounds; s/GB is (PROC_S + SOFTIRQ_S) per
1e9 bytes received, all/GB is ALL_S per 1e9 bytes (see compare.sh's header).
"""
import math
import statistics
import sys

rows, order, latency = {}, [], {}
for line in open(sys.argv[1]):
    kind, name, mtu, direction, fields = line.rstrip("\n").split("|")
    values = [float(v) for v in fields.split()]
    if any(math.isnan(v) for v in values):
        continue
    if direction == "lat":
        latency.setdefault(name, []).append(values)
        continue
    key = (name, int(mtu))
    if key not in rows:
        rows[key] = {"kind": kind, "up": [], "down": []}
        order.append(key)
    gbps, nbytes, proc, sirq, busy = values
    gb = nbytes / 1e9
    rows[key][direction].append((gbps, (proc + sirq) / gb if gb else math.nan, busy / gb if gb else math.nan))


def med(key, d, i):
    vals = [v[i] for v in rows.get(key, {}).get(d, []) if not math.isnan(v[i])]
    return statistics.median(vals) if vals else None


def f(v, fmt="%.2f"):
    return "-" if v is None else fmt % v


def ratio(a, b):
    return None if a is None or not b else a / b


def gvisor_best(mtu, d, i, pick):
    vals = [med(k, d, i) for k in order if rows[k]["kind"] == "gvisor" and k[1] == mtu]
    vals = [v for v in vals if v is not None]
    return pick(vals) if vals else None


W = 44
print()
print("%-*s %6s %8s %6s %6s %8s %6s %6s" % (W, "throughput (Gbit/s) and CPU (s/GB), medians", "MTU",
                                            "up", "s/GB", "all/GB", "down", "s/GB", "all/GB"))
for key in order:
    name, mtu = key
    print("%-*s %6d %8s %6s %6s %8s %6s %6s" % (W, name, mtu,
        f(med(key, "up", 0)), f(med(key, "up", 1)), f(med(key, "up", 2)),
        f(med(key, "down", 0)), f(med(key, "down", 1)), f(med(key, "down", 2))))

lo = ("kernel loopback", 65536)
print()
print("ratios: gV = gVisor's best variant in the same cell (MTU, direction): the highest Gbit/s, for cpu the lowest")
print("s/GB; lo = kernel loopback")
print("%-*s %6s %7s %7s %7s %7s %10s %10s" % (W, "", "MTU", "up/gV", "dn/gV", "up/lo", "dn/lo", "cpu up/gV", "cpu dn/gV"))
for key in order:
    if rows[key]["kind"] not in ("ours", "gvisor", "kernel", "other") or key[0].startswith("in-process"):
        continue
    name, mtu = key
    print("%-*s %6d %7s %7s %7s %7s %10s %10s" % (W, name, mtu,
        f(ratio(med(key, "up", 0), gvisor_best(mtu, "up", 0, max)), "%.3f"),
        f(ratio(med(key, "down", 0), gvisor_best(mtu, "down", 0, max)), "%.3f"),
        f(ratio(med(key, "up", 0), med(lo, "up", 0)), "%.3f"),
        f(ratio(med(key, "down", 0), med(lo, "down", 0)), "%.3f"),
        f(ratio(med(key, "up", 1), gvisor_best(mtu, "up", 1, min)), "%.3f"),
        f(ratio(med(key, "down", 1), gvisor_best(mtu, "down", 1, min)), "%.3f")))

veth = med(("kernel veth", 65520), "up", 0)
ours65520 = [k for k in order if rows[k]["kind"] == "ours" and k[1] == 65520]
if veth and ours65520:
    print()
    veth_rounds = [v[0] for v in rows[("kernel veth", 65520)]["up"]]
    for key in ours65520:
        ours_rounds = [v[0] for v in rows[key]["up"]]
        # Round by round as well: the two rows ran seconds apart in each round, so these ratios show the spread
        # that the ratio of the medians hides (only when no round of either failed, so rounds pair up).
        each = " ".join("%.2f" % (o / v) for o, v in zip(ours_rounds, veth_rounds)) if len(ours_rounds) == len(veth_rounds) else "-"
        print("%s, MTU 65520 up / kernel veth MTU 65520 up: %s (round by round: %s)"
              % (key[0], f(ratio(med(key, "up", 0), veth), "%.3f"), each))

if latency:
    print()
    ref = latency.get("kernel veth, pingpong vs sockperf sr")
    ref = statistics.median(v[0] for v in ref) if ref else None
    print("%-*s %6s %10s %10s %14s" % (W, "latency, MTU 1500, 64 B (µs, medians)", "", "median", "p99", "median/kernel"))
    for name, vals in latency.items():
        m, p99 = statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals)
        print("%-*s %6s %10s %10s %14s" % (W, name, "", f(m), f(p99), f(ratio(m, ref), "%.3f")))
