#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The side-by-side table of an xfstests run in the VM
# (tests/xfstests/run.sh, `make xfstests`): per test, pass / fail / notrun
# in each mode, the tests where the modes differ first; then per mode the
# totals, the time taken, the bytes nfsd read and wrote (its "io" line in
# /proc/net/rpc/nfsd) and what our provider counted
# (/sys/kernel/debug/localio_rs/stats), both as the change over the mode.
#
#   tests/xfstests/compare.py RESULTS_DIR/xfstests
#
# Exit status 1 when a localio=on mode failed a test that the localio=off
# mode of the same NFS version did not fail (our failures must be a subset
# of the RPC path's), or a mode's kernel log had a report (lib.sh's
# dmesg_splats).
import os
import re
import sys

TEST_RE = re.compile(r"^([a-z0-9]+/\d{3,})\b(.*)$")
# The counters shown per mode (module-wide, changes over the mode); any
# declined_* or *_errors counter that moved is shown as well.
SHOWN = ["offered_read", "local_read", "local_read_bytes",
         "offered_write", "local_write", "local_write_bytes",
         "offered_commit", "local_commit", "file_opens"]


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def kv_file(path):
    """`key=value` lines (mode.info) or `key value` lines (stats)."""
    d = {}
    for line in read(path).splitlines():
        parts = re.split(r"[= ]", line.strip(), maxsplit=1)
        if len(parts) == 2 and not line.startswith("client "):
            d[parts[0]] = parts[1].strip()
    return d


def nfsd_io(path):
    for line in read(path).splitlines():
        f = line.split()
        if f and f[0] == "io":
            return int(f[1]), int(f[2])
    return None


def parse_check(text):
    """Per test: (status, detail) from check's output. The summary lines
    (Ran:, Not run:, Failures:) decide where present; a test that started
    and never finished (the mode's timeout) is 'killed'. check lists the
    test it was interrupted in under Ran: and not under Failures:, so
    that one stays 'killed'."""
    status, detail, order = {}, {}, []
    current = None
    summary = {}
    interrupted = False
    for line in text.splitlines():
        line = line.rstrip()
        if line == "Interrupted!":
            interrupted = True
        for key in ("Ran:", "Not run:", "Failures:"):
            if line.startswith(key):
                summary.setdefault(key, []).extend(line[len(key):].split())
        m = TEST_RE.match(line)
        if m:
            name, rest = m.group(1), m.group(2)
            if name not in status:
                order.append(name)
            current = name
            if "[not run]" in rest:
                status[name] = "notrun"
                detail[name] = rest.split("[not run]", 1)[1].strip()
            elif "[expunged]" in rest:
                status[name] = "expunged"
            elif ("output mismatch" in rest or "[failed" in rest
                  or "_check_" in rest):
                status[name] = "fail"
                detail[name] = rest.strip()
            elif re.search(r"\d+s$", rest):
                status[name] = "pass"
            else:
                status[name] = "killed"
            continue
        # A failure's reason can follow on the next lines.
        if current and status.get(current) == "killed" and (
                "output mismatch" in line or "[failed" in line
                or "_check_" in line):
            status[current] = "fail"
            detail[current] = line.strip()
    if "Ran:" in summary:
        notrun = set(summary.get("Not run:", []))
        failed = set(summary.get("Failures:", []))
        last = summary["Ran:"][-1]
        for t in summary["Ran:"]:
            if t not in status:
                order.append(t)
            if t in failed:
                status[t] = "fail"
            elif t in notrun:
                status[t] = "notrun"
            elif interrupted and t == last and status.get(t) == "killed":
                pass
            elif status.get(t) != "fail":
                status[t] = "pass"
    return order, status, detail


def size(n):
    """Bytes, in binary units: 0, 2.7K, 376.4M, 1.2G."""
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}{unit}"
    return str(n)


def main():
    out = sys.argv[1]
    what = read(os.path.join(out, "what")).strip()
    env = read(os.path.join(out, "job.env"))
    m = re.search(r"^XFSTESTS_MODES=(.*)$", env, re.M)
    modes = m.group(1).strip("'\"").replace("\\ ", " ").split() if m else []
    # The list of tests asked for, when check was given names.
    m = re.search(r"^XFSTESTS_CHECK_ARGS=\((.*)\)$", env, re.M)
    asked = [a for a in (m.group(1).split() if m else []) if TEST_RE.match(a)]

    results = {}
    for mode in modes:
        d = os.path.join(out, mode)
        if not os.path.isdir(d):
            results[mode] = None
            continue
        order, status, detail = parse_check(read(os.path.join(d, "check.out")))
        info = kv_file(os.path.join(d, "mode.info"))
        before = kv_file(os.path.join(d, "stats.before"))
        after = kv_file(os.path.join(d, "stats.after"))
        counters = {}
        for k, v in after.items():
            try:
                counters[k] = int(v) - int(before.get(k, 0))
            except ValueError:
                pass
        io0 = nfsd_io(os.path.join(d, "nfsd.before"))
        io1 = nfsd_io(os.path.join(d, "nfsd.after"))
        io = (io1[0] - io0[0], io1[1] - io0[1]) if io0 and io1 else None
        splats = [s for s in read(os.path.join(d, "splats")).splitlines() if s]
        results[mode] = dict(order=order, status=status, detail=detail,
                             info=info, counters=counters, io=io,
                             splats=splats)

    tests = list(asked)
    for mode in modes:
        r = results[mode]
        for t in (r["order"] if r else []):
            if t not in tests:
                tests.append(t)

    def st(mode, t):
        r = results[mode]
        if r is None:
            return "-"
        return r["status"].get(t, "-")

    # Modes are VERSION-KIND (v3-on, v4.2-c, ...). What matters is a
    # difference between the kinds (on/off/c) on one NFS version; a test
    # that only differs between versions (most often: NFSv3 has no
    # fallocate, so it is not run there) is listed after those.
    versions = {}
    for mo in modes:
        if results[mo] is not None:
            versions.setdefault(mo.split("-", 1)[0], []).append(mo)
    ran = [mo for group in versions.values() for mo in group]

    def kinds_differ(t):
        return any(len({st(mo, t) for mo in group}) > 1
                   for group in versions.values())

    differ = [t for t in tests if kinds_differ(t)]
    by_version = [t for t in tests if t not in differ
                  and len({st(mo, t) for mo in ran}) > 1]
    same = [t for t in tests if t not in differ and t not in by_version]

    print()
    for line in what.splitlines():
        print(line)
    w = max([len(t) for t in tests] + [24]) + 2
    cw = max([len(mo) for mo in modes] + [7]) + 2
    head = "test".ljust(w) + "".join(mo.rjust(cw) for mo in modes)
    print()
    print(head)
    print("-" * len(head))
    for title, group in (
            ("differ between on/off/c on one NFS version", differ),
            ("differ only between NFS versions", by_version),
            ("same in every mode", same)):
        print(f"# {title} ({len(group)})")
        for t in group:
            print(t.ljust(w) + "".join(st(mo, t).rjust(cw) for mo in modes))
    print("-" * len(head))
    for s in ("pass", "fail", "notrun", "killed"):
        row = [sum(1 for t in tests if st(mo, t) == s) for mo in modes]
        if s in ("pass", "fail", "notrun") or any(row):
            print(s.ljust(w) + "".join(str(n).rjust(cw) for n in row))

    def row(label, fn):
        print(label.ljust(w) + "".join(
            (fn(results[mo]) if results[mo] else "-").rjust(cw) for mo in modes))

    print()
    row("seconds", lambda r: r["info"].get("seconds", "?"))
    row("check status", lambda r: r["info"].get("check_status", "?"))
    row("layout", lambda r: r["info"].get("layout", "?"))
    row("nfsd read", lambda r: size(r["io"][0]) if r["io"] else "?")
    row("nfsd written", lambda r: size(r["io"][1]) if r["io"] else "?")
    shown = list(SHOWN)
    for mo in modes:
        r = results[mo]
        for k, v in sorted((r["counters"] if r else {}).items()):
            if v and k not in shown and (k.startswith("declined_")
                                         or k.endswith("_errors")):
                shown.append(k)
    for k in shown:
        if k.endswith("_bytes"):
            row(k, lambda r, k=k: size(r["counters"].get(k, 0)))
        else:
            row(k, lambda r, k=k: str(r["counters"].get(k, 0)))
    row("kernel reports", lambda r: str(len(r["splats"])))
    print()
    print("nfsd read/written: change of nfsd's 'io' line (bytes) over the "
          "mode;\nthe rest: change of the module-wide counters in "
          "/sys/kernel/debug/localio_rs/stats.")

    # What check said about every test that did not pass somewhere, the
    # modes that said the same thing together.
    said = {}
    for t in tests:
        for mo in modes:
            r = results[mo]
            if r and r["status"].get(t) in ("fail", "notrun", "killed"):
                what = f"{r['status'][t]} {r['detail'].get(t, '')}".rstrip()
                said.setdefault((t, what), []).append(mo)
    if said:
        print("\nWhat check said where a test did not pass:")
        for (t, what), mos in said.items():
            print(f"  {t} {','.join(mos)}: {what}")

    rc = 0
    for mo in modes:
        r = results[mo]
        if r is None:
            print(f"\n{mo}: no results")
            rc = 1
        elif not r["order"]:
            print(f"\n{mo}: check ran no test (see {mo}/check.out)")
            rc = 1
        elif r["splats"]:
            print(f"\n{mo}: kernel reports:")
            for s in r["splats"][:20]:
                print("  " + s)
            rc = 1
    for mo in modes:
        if not mo.endswith("-on"):
            continue
        base = mo[:-3] + "-off"
        if base not in modes or not results[mo] or not results[base]:
            continue
        bad = [t for t in tests if st(mo, t) in ("fail", "killed")
               and st(base, t) not in ("fail", "killed")]
        if bad:
            print(f"\n{mo} fails where {base} does not: {' '.join(bad)}")
            rc = 1
        else:
            print(f"\n{mo}: failures are a subset of {base}'s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
