# SPDX-License-Identifier: GPL-2.0
"""Compares the engines of one A/B run (tests/vm/ab.sh) and prints the
side-by-side table and TAP; the last line is "N passed, N failed", the exit
status non-zero on any failure.

usage: ab_compare.py OUT LABEL...

OUT/LABEL/ holds one engine's results: SET.json per workload set (written
by tests/vm/ab_io.py), stats (the debugfs stats after all sets) and
modules (each module's name and the start of its .ko's sha256). The first
LABEL is the reference the others are compared with. OUT/splats holds the
run's kernel log warnings, if any.

Compared between engines: every counter named offered_*, local_*
(requests, bytes, errors, local_split) and declined_*, module-wide per
phase and in total, and per NFS client in total; a counter an engine does
not have counts as 0. Not compared, only shown: file_opens, file_reuses,
file_reopens and open_files (the client lets go of a kept file once it has
been idle 2 s, so how many opens a run needs depends on how fast it ran),
and completed_inline / completed_async, which only the new engine has and
whose split depends on whether the loop device finished a bio before its
submission returned. Each of these two must be > 0 over the run in an
engine that has them, and an engine labelled "rust" must have them.

Where the engines differ by design: in the phases of WRITEs that start or
end inside an alignment unit (PIECES), this engine writes those pieces
buffered to the export, where the reference engine sent them to nfsd. In
those phases, and in the totals, only the READ counters and the bytes
nfsd read must be identical; nfsd must write no more for this engine
than for the reference, and the file checksums are identical as
everywhere.
"""
import json
import os
import re
import sys

COMPARED = re.compile(r"^(offered_|local_|declined_)")
READS = re.compile(r"^(offered|local)_read(_bytes|_errors)?$")
PIECES = {"buffered-odd-fsync", "direct-odd"}
COMPLETION = ("completed_inline", "completed_async")
out, labels = sys.argv[1], sys.argv[2:]

tap_n = tap_fail = 0


def tap(good, desc, diag=()):
    global tap_n, tap_fail
    tap_n += 1
    tap_fail += not good
    print(f"{'ok' if good else 'not ok'} {tap_n} - {desc}")
    for line in list(diag)[:20]:
        print(f"# {line}")


def parse_stats(path):
    """Module-wide counters as NAME, per-client ones as nfsvN/NAME."""
    stats = {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return stats
    for line in lines:
        p = line.split()
        if len(p) == 2:
            stats[p[0]] = int(p[1])
        elif len(p) > 3 and p[0] == "client":
            for kv in p[3:]:
                k, _, v = kv.partition("=")
                if v.lstrip("-").isdigit():
                    stats[f"{p[2]}/{k}"] = int(v)
    return stats


def load(label):
    d = os.path.join(out, label)
    sets = {}
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else ():
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                sets[name[:-5]] = json.load(f)
    modules = {}
    try:
        with open(os.path.join(d, "modules")) as f:
            modules = dict(line.split()[:2] for line in f if len(line.split()) >= 2)
    except OSError:
        pass
    return {"sets": sets, "stats": parse_stats(os.path.join(d, "stats")),
            "modules": modules}


def compared(counters):
    return {k: v for k, v in counters.items()
            if COMPARED.match(k.rpartition("/")[2])}


def reads(counters):
    return {k: v for k, v in counters.items()
            if READS.match(k.rpartition("/")[2])}


def differences(a, b, what, only=compared):
    """Lines naming each compared counter whose value differs (absent = 0)."""
    a, b = only(a), only(b)
    return [f"{what}{k}: {a.get(k, 0)} vs {b.get(k, 0)}"
            for k in sorted(set(a) | set(b)) if a.get(k, 0) != b.get(k, 0)]


runs = {label: load(label) for label in labels}
ref = labels[0]
set_names = sorted({s for r in runs.values() for s in r["sets"]})
phase_names = []
for r in runs.values():
    for s in r["sets"].values():
        for p in s["phases"]:
            if p not in phase_names:
                phase_names.append(p)


def phase(label, s, p):
    return runs[label]["sets"].get(s, {}).get("phases", {}).get(p)


def has_completion(label):
    return any(k in runs[label]["stats"] for k in COMPLETION)


# --- the table ------------------------------------------------------------
w = max(14, *(len(x) + 2 for x in labels))
first = 44


def row(name, cells):
    print(f"{name:<{first}}" + "".join(f"{c:>{w}}" for c in cells))


print()
row("engine", labels)
for m in ("localio_rs_nfsd_shim", "localio_rs_client"):
    row(f"{m}.ko sha256", [runs[x]["modules"].get(m, "?")[:w - 2] for x in labels])
print()
print("module-wide counters after all sets (* = compared)")
keys = sorted({k for x in labels for k in runs[x]["stats"] if "/" not in k})
for k in keys:
    mark = "*" if COMPARED.match(k) else " "
    row(f" {mark} {k}", [str(runs[x]["stats"].get(k, "-")) for x in labels])
print()
print("bytes through nfsd, read/written, per set and phase")
for s in set_names:
    for p in phase_names:
        if not any(phase(x, s, p) for x in labels):
            continue
        row(f"   {s} {p}"[:first - 1],
            [f"{ph['nfsd_read']}/{ph['nfsd_written']}" if ph else "-"
             for ph in (phase(x, s, p) for x in labels)])
shown = [x for x in labels if has_completion(x)]
if shown:
    print()
    print("lower I/O completions, inline/async (completed_inline/completed_async)")
    for s in set_names:
        for p in phase_names:
            if not any(phase(x, s, p) for x in labels):
                continue
            cells = []
            for x in labels:
                ph = phase(x, s, p)
                c = ph["counters"] if ph else {}
                cells.append(f"{c.get(COMPLETION[0], 0)}/{c.get(COMPLETION[1], 0)}"
                             if x in shown and ph else "-")
            row(f"   {s} {p}"[:first - 1], cells)
print()

# --- the checks -----------------------------------------------------------
for x in labels:
    r = runs[x]
    missing = [s for s in set_names if s not in r["sets"]]
    tap(not missing and r["stats"] != {}, f"{x}: results of every set and its counters",
        [f"no results for set {s}" for s in missing] +
        (["no stats"] if not r["stats"] else []))
    errors = [f"{s} {p}: {ph['error']}" for s, d in r["sets"].items()
              for p, ph in d["phases"].items() if ph["error"]]
    errors += [f"{s}: {m}" for s, d in r["sets"].items()
               for m in d["read_mismatches"]]
    tap(not errors, f"{x}: every phase ran without an I/O error, "
        "every read returned the data written", errors)
    for s in set_names:
        files = r["sets"].get(s, {}).get("files", {})
        bad = [f"{f}: expected {v['expected'][:12]} mount {str(v['mount'])[:12]} "
               f"export {v['export'][:12]}" for f, v in files.items()
               if not v["expected"] == v["mount"] == v["export"]]
        tap(files and not bad, f"{x} {s}: {len(files)} files, through the mount "
            "and on the export, hold the expected content", bad)
    moved = [f"{s} {p}: {ph['nfsd_read']} read, {ph['nfsd_written']} written"
             for s, d in r["sets"].items() for p, ph in d["phases"].items()
             if p.endswith("-aligned") and ph["nfsd_read"] + ph["nfsd_written"]]
    tap(not moved, f"{x}: phases of aligned requests moved 0 bytes through nfsd", moved)
    if has_completion(x) or x == "rust":
        for k in COMPLETION:
            v = r["stats"].get(k)
            tap(v is not None and v > 0, f"{x}: {k} > 0 over the run ({v})")
    else:
        print(f"# {x}: no {'/'.join(COMPLETION)} counters (not exposed by this engine)")

a = runs[ref]
for x in labels[1:]:
    b = runs[x]
    diff = []
    for s in set_names:
        fa = a["sets"].get(s, {}).get("files", {})
        fb = b["sets"].get(s, {}).get("files", {})
        for f in sorted(set(fa) | set(fb)):
            for where in ("mount", "export"):
                va, vb = fa.get(f, {}).get(where), fb.get(f, {}).get(where)
                if va != vb:
                    diff.append(f"{s} {f} ({where}): {str(va)[:12]} vs {str(vb)[:12]}")
    tap(not diff, f"{x} vs {ref}: identical file checksums, through the mount "
        "and on the export", diff)
    diff = []
    for s in set_names:
        for p in phase_names:
            pa, pb = phase(ref, s, p), phase(x, s, p)
            if pa is None and pb is None:
                continue
            if pa is None or pb is None:
                diff.append(f"{s} {p}: ran in one engine only")
            elif p in PIECES and (pb["nfsd_read"] != pa["nfsd_read"]
                                  or pb["nfsd_written"] > pa["nfsd_written"]):
                diff.append(f"{s} {p}: {pa['nfsd_read']}/{pa['nfsd_written']} vs "
                            f"{pb['nfsd_read']}/{pb['nfsd_written']} (read must be equal, "
                            "written no more)")
            elif p not in PIECES and (pa["nfsd_read"], pa["nfsd_written"]) != (
                    pb["nfsd_read"], pb["nfsd_written"]):
                diff.append(f"{s} {p}: {pa['nfsd_read']}/{pa['nfsd_written']} vs "
                            f"{pb['nfsd_read']}/{pb['nfsd_written']}")
    tap(not diff, f"{x} vs {ref}: identical bytes through nfsd in every set and phase "
        f"(in {', '.join(sorted(PIECES))}: no more written)", diff)
    diff = []
    for s in set_names:
        for p in phase_names:
            pa, pb = phase(ref, s, p), phase(x, s, p)
            if pa and pb:
                only = reads if p in PIECES else compared
                diff += differences(pa["counters"], pb["counters"], f"{s} {p}: ", only)
    tap(not diff, f"{x} vs {ref}: identical offered_/local_/declined_ counters "
        f"in every set and phase (in {', '.join(sorted(PIECES))}: the READ ones)", diff)
    diff = differences(a["stats"], b["stats"], "", reads)
    tap(not diff, f"{x} vs {ref}: identical READ counters in total, module-wide and "
        "per client", diff)

try:
    with open(os.path.join(out, "splats")) as f:
        splats = f.read().splitlines()
except OSError:
    splats = ["no kernel log record"]
tap(not splats, "no WARN/BUG/lockdep/hung-task report in dmesg", splats)

print(f"1..{tap_n}")
print(f"{tap_n - tap_fail} passed, {tap_fail} failed")
sys.exit(1 if tap_fail else 0)
