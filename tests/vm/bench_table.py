# SPDX-License-Identifier: GPL-2.0
"""Prints the benchmark table from the per-run fio JSON and cost records
that tests/vm/bench.sh leaves in its output folder.

usage: bench_table.py OUT SIZE_MB RUNTIME ROUNDS CLOCK SHIFT "MODES" NAME...
"""
import json
import os
import re
import statistics
import sys

out, size, runtime, rounds, clock, shift = sys.argv[1:7]
rounds = int(rounds)
modes = sys.argv[7].split()
names = sys.argv[8:]


def runs(mode, name):
    """Per round: (figure, guest us per I/O, nfsd bytes per byte moved,
    lower page-cache growth per byte moved)."""
    result = []
    for r in range(1, rounds + 1):
        base = os.path.join(out, f"{mode}.{name}.{r}")
        try:
            with open(base + ".json") as f:
                job = json.load(f)["jobs"][0]
            with open(base + ".cost") as f:
                cost = {k: int(v) for k, v in re.findall(r"(\w+)=\s*(-?\d+)", f.read())}
        except (OSError, ValueError, KeyError, IndexError):
            continue
        # A mixed workload counts both directions; the others the one
        # they move.
        sides = [job[d] for d in ("read", "write") if job[d].get("total_ios")]
        if not sides:
            continue
        ios = sum(d["total_ios"] for d in sides)
        moved = sum(d["io_bytes"] for d in sides)
        if not moved:
            continue  # a failed job (fio exits early, e.g. on EINVAL)
        runtime_ms = max(d["runtime"] for d in sides)
        clat = sides[0].get("clat_ns", {}).get("percentile", {})
        result.append((
            sum(d["iops"] for d in sides) if by_iops(name) else sum(d["bw"] for d in sides) / 1024.0,
            runtime_ms * 1000.0 / ios,
            cost["nfsd_bytes"] / moved,
            cost["lower_cached"] / moved,
            clat.get("50.000000", 0) / 1000.0,
            clat.get("99.000000", 0) / 1000.0,
            cost["busy_ns"] / 1000.0 / ios if "busy_ns" in cost else None,
        ))
    return result


def by_iops(name):
    """Small-block workloads are reported in IOPS (files/s for the files-*
    rows, writes/s for odd-writes, transactions/s for pgbench), the
    others in MiB/s."""
    return ("4k" in name or "8k" in name or name.startswith("files-")
            or name in ("pgbench", "odd-writes"))


def median(values):
    return statistics.median(values) if values else None


def spread(values):
    """(max - min) / median, in percent."""
    m = median(values)
    return 100.0 * (max(values) - min(values)) / m if m else 0.0


table = {(m, n): runs(m, n) for m in modes for n in names}
col = 18

if clock == "icount":
    ns = 2 ** int(shift or 3)
    print(f"Clock: QEMU instruction count (icount shift={shift}, sleep=off): guest time")
    print(f"advances {ns} ns per instruction executed on any vCPU; idle time is skipped.")
else:
    print("Clock: wall (plain TCG): figures swing between runs; compare within a run.")
print(f"fio, {size} MiB file (written in full before round 1), {runtime} s of guest time")
vers = os.environ.get("BENCH_NFS_VERS") or "3"
if os.environ.get("BENCH_PNFS") == "1":
    vers += " pNFS flexfiles (data server: this nfsd over NFSv3)"
print(f"per time-based job, NFSv{vers} over 127.0.0.1, XFS on a RAM disk, 2 vCPUs;")
print(f"median of {rounds} interleaved rounds, every other one in reverse order.")
if "on-ref" in modes:
    print(f"on-ref: localio=on served by the modules of commit {os.environ.get('BENCH_REF') or '?'}.")
print()


def print_table(cell):
    """One row per workload, one column per mode; `cell(mode, name)` is the
    text of a cell, right-aligned in `col` characters."""
    print(f"{'workload':<22}" + "".join(f"{m:>{col}}" for m in modes))
    for n in names:
        print(f"{n:<22}" + "".join(f"{cell(m, n):>{col}}" for m in modes))


def throughput(m, n):
    base = median([r[0] for r in table[("xfs", n)]]) if ("xfs", n) in table else None
    v = [r[0] for r in table[(m, n)]]
    if not v and m == "xfs-sync":
        return "-"  # runs only for the fio rows that write
    if len(v) < rounds:
        return "failed"
    v = median(v)
    return f"{v:.0f} ({v / base:4.2f})" if base else f"{v:.0f}"


def per_io(m, n):
    rs = table[(m, n)]
    return f"{median([r[1] for r in rs]):.1f}" if rs else "-"


def busy_per_io(m, n):
    rs = [r[6] for r in table[(m, n)] if r[6] is not None]
    return f"{median(rs):.1f}" if rs else "-"


def bytes_and_cache(m, n):
    rs = table[(m, n)]
    if not rs:
        return "-"
    if n == "pgbench":
        return f"{median([r[2] for r in rs]) / 1024:.1f} KiB/tx"
    nfsd = 1024 * median([r[2] for r in rs])
    cache = 1024 * median([r[3] for r in rs])
    return f"{nfsd:.0f} / {cache:<6.0f}"


def round_spread(m, n):
    v = [r[0] for r in table[(m, n)]]
    return f"{spread(v):.1f}%" if len(v) >= 2 else "-"


print("Throughput: MiB/s for 1M and 128k workloads, IOPS for 4k and 8k (both")
print("directions of a mixed one), files per guest second for files-*")
print("(tar x + sync, or cold tar c), writes per guest second for odd-writes,")
print("transactions per guest second for pgbench; (x) = ratio to xfs.")
print_table(throughput)

if clock == "icount":
    ns = 2 ** int(shift or 3)
    print("\nGuest time per I/O, us (run time / I/Os; per file for files-*, per write")
    print("for odd-writes): the")
    print(f"instructions all vCPUs execute per I/O x {ns} ns (1 us = {1000 // ns} instructions),")
    print("plus any time all vCPUs sat idle until a timer (none expected: a RAM disk")
    print("never makes them wait).")
else:
    print("\nGuest time per I/O, us (wall clock: not a cost measure).")
print_table(per_io)

busy_rows = [n for n in names if any(r[6] is not None for m in modes for r in table[(m, n)])]
if busy_rows:
    print("\nBusy guest time per I/O, us, of the rows above that wait (tar, odd-writes,")
    print("pgbench): as above but without the time all vCPUs sat idle, which in")
    print("these rows is most of it (NFS and XFS waits that end on a timer) and")
    print("moves with the rows before them; from /proc/stat, 10 ms resolution.")
    print(f"{'workload':<22}" + "".join(f"{m:>{col}}" for m in modes))
    for n in busy_rows:
        print(f"{n:<22}" + "".join(f"{busy_per_io(m, n):>{col}}" for m in modes))

qd1 = [n for n in names if "qd1" in n and "qd16" not in n]
if qd1:
    print("\nCompletion latency of the qd1 rows, p50 / p99, guest us (fio clat):")
    print(f"{'workload':<22}" + "".join(f"{m:>{col}}" for m in modes))
    for n in qd1:
        def lat(m):
            rs = table[(m, n)]
            if not rs:
                return "-"
            return f"{median([r[4] for r in rs]):.1f} / {median([r[5] for r in rs]):.1f}"
        print(f"{n:<22}" + "".join(f"{lat(m):>{col}}" for m in modes))

print("\nMiB through nfsd per GiB moved / MiB of lower-XFS page cache per GiB moved")
print("(double caching on the server; for xfs the page cache is the file's own);")
print("pgbench: KiB through nfsd per transaction.")
print_table(bytes_and_cache)

print("\nRounds agree within (max-min)/median of throughput, percent:")
print_table(round_spread)
worst = max((spread(v) for v in ([r[0] for r in rs] for rs in table.values()) if len(v) >= 2),
            default=0.0)
print(f"\nlargest spread between rounds: {worst:.1f}%")
