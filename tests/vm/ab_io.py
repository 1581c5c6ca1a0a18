# SPDX-License-Identifier: GPL-2.0
"""The A/B job's deterministic workloads (tests/vm/ab.sh).

usage: ab_io.py OUT_DIR NAME|MOUNT_DIR|EXPORT_DIR|SCALE|FIO ...

Runs each set in turn, one Python process for all (it takes seconds to
start under TCG), and leaves OUT_DIR/NAME.json per set. MOUNT_DIR is a
directory on a localio=on mount, EXPORT_DIR the same directory seen
directly on the exported filesystem. Every byte written is a function of
the file name and the operation's index (or, for the fio phase, of the
block's offset), so what each file must hold is known here without
reading anything back: the expected content is a model kept in memory,
never the data the engine returned. The request stream is the same from
run to run: single-threaded synchronous I/O in a fixed order, and one fio
job with a fixed seed and a random map (each block once, in the same
order).

Per phase it records the bytes nfsd read and wrote (/proc/net/rpc/nfsd
"io") and the change of every module-wide counter of
/sys/kernel/debug/localio_rs/stats; at the end, each file's sha256 as read
through the mount after dropping the caches, as found on the export, and
as the model says. SCALE (1, 2, ...) multiplies the sizes; FIO 0 leaves
out the fio phase (fio alone takes 10 to 20 s to run under TCG).
"""
import hashlib
import json
import mmap
import os
import random
import struct
import subprocess
import sys
import time

ALIGN = 512          # STATX_DIOALIGN of the VM's XFS exports
MIB = 1 << 20
STATS = "/sys/kernel/debug/localio_rs/stats"


def module_stats():
    """Module-wide counters: the stats file's two-field lines."""
    out = {}
    try:
        with open(STATS) as f:
            for line in f:
                p = line.split()
                if len(p) == 2 and p[1].lstrip("-").isdigit():
                    out[p[0]] = int(p[1])
    except OSError:
        pass
    return out


def nfsd_io():
    with open("/proc/net/rpc/nfsd") as f:
        for line in f:
            if line.startswith("io "):
                r, w = line.split()[1:3]
                return int(r), int(w)
    return 0, 0


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def uncache(fd):
    """Drops the file's (clean) pages from the page cache: the next access
    is cold, as after drop_caches, without emptying the whole cache."""
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def data(tag, n):
    """n bytes that depend on tag only."""
    return random.Random(tag).randbytes(n)


class Io:
    """O_DIRECT and buffered I/O on one mount, with the model of its files."""

    def __init__(self, mnt):
        self.mnt = mnt
        self.model = {}
        self.buf = mmap.mmap(-1, 8 * MIB)   # page aligned, for O_DIRECT
        self.mismatches = []

    def path(self, name):
        return os.path.join(self.mnt, name)

    def apply(self, name, off, b):
        m = self.model.setdefault(name, bytearray())
        if len(m) < off + len(b):
            m.extend(bytes(off + len(b) - len(m)))
        m[off:off + len(b)] = b

    def truncate(self, name, size):
        with open(self.path(name), "ab") as f:
            os.ftruncate(f.fileno(), size)
        m = self.model.setdefault(name, bytearray())
        del m[size:]
        m.extend(bytes(size - len(m)))

    def open(self, name, direct, flags=os.O_RDWR | os.O_CREAT):
        return os.open(self.path(name), flags | (os.O_DIRECT if direct else 0), 0o644)

    def pwrite(self, fd, name, off, b, direct):
        if direct:
            self.buf[:len(b)] = b
            n = os.pwrite(fd, memoryview(self.buf)[:len(b)], off)
        else:
            n = os.pwrite(fd, b, off)
        if n != len(b):
            raise OSError(f"short write to {name}: {n} of {len(b)} at {off}")
        self.apply(name, off, b)

    def pread_check(self, fd, name, off, n):
        """One O_DIRECT read, compared with the model."""
        mv = memoryview(self.buf)[:n]
        got = os.preadv(fd, [mv], off)
        want = bytes(self.model[name][off:off + n])
        if bytes(mv[:got]) != want:
            self.mismatches.append(f"{name}: read of {n} at {off} differs")


# --- phases: each a list of operations on the mount ----------------------
# Names ending in "-aligned" move only aligned requests: nfsd must move
# none of their bytes.

def seq_direct(io, scale):
    """1 MiB O_DIRECT writes, sequential, then the same reads."""
    name, n = "seq-1M", 8 * scale
    fd = io.open(name, True)
    try:
        for i in range(n):
            io.pwrite(fd, name, i * MIB, data(f"{name}:{i}", MIB), True)
        for i in range(n):
            io.pread_check(fd, name, i * MIB, MIB)
    finally:
        os.close(fd)


def rand_direct(io, scale):
    """4 KiB O_DIRECT writes at seeded random offsets (overwrites
    included), then seeded random reads, synchronous."""
    name, size, n = "rand-4k", 4 * MIB, 256 * scale
    io.truncate(name, size)
    rng = random.Random(f"{name}:offsets")
    fd = io.open(name, True)
    try:
        for i in range(n):
            off = rng.randrange(size // 4096) * 4096
            io.pwrite(fd, name, off, data(f"{name}:{i}", 4096), True)
        for i in range(n):
            io.pread_check(fd, name, rng.randrange(size // 4096) * 4096, 4096)
    finally:
        os.close(fd)


def fio_qd16(io, scale):
    """fio, libaio at queue depth 16: 4 KiB O_DIRECT random writes with a
    fixed seed and a random map (every block once, in the same order every
    run), then each block read back and verified; fio's "%o" pattern
    fills each block with its offset."""
    name, size = "fio-4k-qd16", MIB * scale
    subprocess.run(["fio", "--name=fio", "--eta=never", "--output=/dev/null",
                    f"--filename={io.path(name)}", f"--size={size}", "--bs=4k",
                    "--rw=randwrite", "--direct=1", "--ioengine=libaio",
                    "--iodepth=16", "--randrepeat=1", "--randseed=1234",
                    "--fallocate=none", "--verify=pattern", "--verify_pattern=%o",
                    "--do_verify=1", "--verify_fatal=1", "--verify_state_save=0"],
                   check=True)
    io.apply(name, 0, b"".join(struct.pack("<Q", off) * 512
                               for off in range(0, size, 4096)))


def buffered_fsync_aligned(io, scale):
    """Buffered writes of whole pages, then fsync: WRITEs and a COMMIT."""
    name = "buffered-aligned"
    fd = io.open(name, False)
    try:
        for i in range(2 * scale):
            io.pwrite(fd, name, i * MIB, data(f"{name}:{i}", MIB), False)
        os.fsync(fd)
    finally:
        os.close(fd)


ODD_SIZES = [300, 4097, 600 * ALIGN + 100, MIB + 511, 3 * MIB + 1234]


def buffered_odd(io, scale):
    """Odd-sized files written buffered and fsynced (aligned start,
    misaligned end: a buffered tail, or in engines before buffered pieces
    the split path); then, each on a cold page cache and fsynced, an append
    and an overwrite that start misaligned (a buffered head and tail, or
    whole to nfsd). Cold, and opened write-only: whether nfs.ko widens a write
    to the whole page depends on the page being cached and its attributes
    still valid, which depends on timing."""
    for size in ODD_SIZES:
        name = f"odd-{size}"
        b = data(name, size)
        steps = [[(off, b[off:off + 64 * 1024]) for off in range(0, size, 64 * 1024)],
                 [(size, data(f"{name}:append", 777))],
                 [(1000, data(f"{name}:overwrite", 5000))]]
        for writes in steps:
            fd = io.open(name, False, os.O_WRONLY | os.O_CREAT)
            try:
                for off, chunk in writes:
                    io.pwrite(fd, name, off, chunk, False)
                os.fsync(fd)
                uncache(fd)
            finally:
                os.close(fd)


def direct_odd(io, scale):
    """O_DIRECT with odd sizes and offsets: an aligned start with a
    misaligned length (a buffered tail; split in engines before buffered
    pieces), a misaligned start from page-aligned memory (whole to nfsd:
    the body would be misaligned in memory), and a read of the whole file
    (split)."""
    name = "direct-odd"
    fd = io.open(name, True)
    try:
        io.pwrite(fd, name, 0, data(f"{name}:0", 600 * ALIGN + 100), True)
        io.pwrite(fd, name, 1000, data(f"{name}:1", 3000), True)
        io.pwrite(fd, name, 4096, data(f"{name}:2", 64 * 1024 + 7), True)
        io.pread_check(fd, name, 0, len(io.model[name]))
    finally:
        os.close(fd)


PHASES = [
    ("seq-direct-1M-aligned", seq_direct),
    ("rand-direct-4k-aligned", rand_direct),
    ("fio-rand-4k-qd16-aligned", fio_qd16),
    ("buffered-fsync-aligned", buffered_fsync_aligned),
    ("buffered-odd-fsync", buffered_odd),
    ("direct-odd", direct_odd),
]


def file_sum(path, want, want_sum):
    """sha256 of a file's content; the model's (computed once) when the
    content is the model's, byte for byte."""
    with open(path, "rb") as f:
        got = f.read()
    return want_sum if got == want else hashlib.sha256(got).hexdigest()


def measure(fn):
    """Runs fn; returns its nfsd bytes and counter changes, and any error."""
    s0, (r0, w0), t0 = module_stats(), nfsd_io(), time.monotonic()
    err = None
    try:
        fn()
    except (OSError, subprocess.CalledProcessError) as e:
        err = str(e)
    s1, (r1, w1) = module_stats(), nfsd_io()
    return {
        "nfsd_read": r1 - r0, "nfsd_written": w1 - w0,
        "counters": {k: v - s0.get(k, 0) for k, v in s1.items()},
        "seconds": round(time.monotonic() - t0, 2), "error": err,
    }


def run_set(mnt, export, scale, fio):
    io = Io(mnt)
    result = {"phases": {}, "files": {}}
    for name, fn in PHASES:
        if fn is fio_qd16 and not fio:
            continue
        result["phases"][name] = measure(lambda: fn(io, scale))
    files = sorted(io.model)
    sums = {f: hashlib.sha256(io.model[f]).hexdigest() for f in files}
    # Read everything back cold, through the mount (a phase of its own:
    # buffered reads are served locally too), then on the export.
    drop_caches()
    through = {}
    result["phases"]["readback"] = measure(lambda: through.update(
        {f: file_sum(io.path(f), io.model[f], sums[f]) for f in files}))
    drop_caches()
    for f in files:
        result["files"][f] = {
            "expected": sums[f], "mount": through.get(f),
            "export": file_sum(os.path.join(export, f), io.model[f], sums[f]),
            "size": len(io.model[f]),
        }
    result["read_mismatches"] = io.mismatches
    return result


def main():
    out = sys.argv[1]
    for spec in sys.argv[2:]:
        name, mnt, export, scale, fio = spec.split("|")
        t0 = time.monotonic()
        print(f"# set {name}: {mnt}, scale {scale}{', with fio' if fio == '1' else ''}",
              flush=True)
        try:
            result = run_set(mnt, export, int(scale), fio == "1")
        except OSError as e:
            result = {"phases": {}, "files": {}, "read_mismatches": [f"set failed: {e}"]}
        result["seconds"] = round(time.monotonic() - t0, 2)
        print(f"# set {name} took {result['seconds']:.0f} s", flush=True)
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
