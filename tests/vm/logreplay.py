# SPDX-License-Identifier: GPL-2.0
"""Replays a dm-log-writes log onto an image, up to a mark: the disk as a
power cut at that mark would have left it.

usage: logreplay.py LOG IMAGE MARK     replay the writes before MARK
       logreplay.py LOG --marks        list the marks, in order
       logreplay.py --lost DIR WANTDIR FILE[:WANT]...
                                       bytes of WANTDIR/want.WANT (WANT
                                       defaults to FILE) that DIR/FILE
                                       does not hold at the same offset,
                                       plus any it holds past the end,
                                       summed over the files

dm-log-writes (Documentation/admin-guide/device-mapper/log-writes.rst)
logs a write only once it is on stable storage: a FUA write when it
completes, any other write when the next flush completes. So the writes
logged before a mark are exactly what had reached stable storage when
the mark was set, and everything still only in a volatile cache is not
there. The image must hold what the device held when logging started.

The log: a superblock in the first block, then per entry one block with
its header (a mark's name follows the header) and, for a write, its
data in the blocks after it. Sizes are in units of the logged device's
logical block size (the superblock's sectorsize).
"""
import os
import struct
import sys

MAGIC = 0x6A736677736872
FLAG_DISCARD = 1 << 2
FLAG_MARK = 1 << 3
SUPER = struct.Struct("<QQQI")
ENTRY = struct.Struct("<QQQQ")


def entries(log):
    """(flags, sector, nr_sectors, data or mark name) per entry, in order."""
    head = os.pread(log, SUPER.size, 0)
    magic, version, nr_entries, bsize = SUPER.unpack(head)
    if magic != MAGIC or version != 1:
        sys.exit("logreplay: not a dm-log-writes log")
    pos = bsize
    for _ in range(nr_entries):
        sector, nr, flags, data_len = ENTRY.unpack(os.pread(log, ENTRY.size, pos))
        pos += bsize
        if flags & FLAG_MARK:
            name = os.pread(log, data_len, pos - bsize + ENTRY.size)
            yield flags, 0, 0, name.decode()
        elif flags & FLAG_DISCARD or nr == 0:
            yield flags, sector * bsize, nr * bsize, None
        else:
            yield flags, sector * bsize, nr * bsize, os.pread(log, nr * bsize, pos)
            pos += nr * bsize


def lost(want, got):
    """Bytes of file `want` missing or different in file `got`, and bytes
    `got` has past the end of `want` (a size never acknowledged)."""
    with open(want, "rb") as f:
        expected = f.read()
    try:
        with open(got, "rb") as f:
            actual = f.read()
    except FileNotFoundError:
        return len(expected)
    if actual == expected:
        return 0
    extra = max(0, len(actual) - len(expected))
    missing = max(0, len(expected) - len(actual))
    return extra + missing + sum(1 for a, b in zip(expected, actual) if a != b)


def main():
    if sys.argv[1] == "--lost":
        root, wants = sys.argv[2], sys.argv[3]
        total = 0
        for spec in sys.argv[4:]:
            name, _, want = spec.partition(":")
            total += lost(os.path.join(wants, "want." + (want or name)),
                          os.path.join(root, name))
        print(total)
        return 0
    log = os.open(sys.argv[1], os.O_RDONLY)
    if sys.argv[2] == "--marks":
        for flags, _, _, name in entries(log):
            if flags & FLAG_MARK:
                print(name)
        return 0
    image = os.open(sys.argv[2], os.O_WRONLY)
    mark = sys.argv[3]
    writes = 0
    for flags, offset, length, data in entries(log):
        if flags & FLAG_MARK:
            if data == mark:
                os.fsync(image)
                print(f"replayed {writes} writes up to mark {mark}")
                return 0
        elif flags & FLAG_DISCARD:
            # What a discarded range reads back as is the device's
            # choice; zeros is one.
            os.pwrite(image, bytes(length), offset)
        elif data:
            os.pwrite(image, data, offset)
            writes += 1
    sys.exit(f"logreplay: no mark {mark} in the log")


if __name__ == "__main__":
    sys.exit(main())
