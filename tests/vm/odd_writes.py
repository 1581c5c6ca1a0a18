# SPDX-License-Identifier: GPL-2.0
"""fsstress's write operation, alone: writes of random sizes at random
offsets into one file opened write-only, with an fsync every few writes.

Write-only matters on NFS: a file opened for reading too has the client
read a partial page before writing into it, so every WRITE it sends
covers whole pages; write-only, the client sends just the bytes written,
which start and end anywhere (fsstress opens its files O_WRONLY).

usage: odd_writes.py FILE REFERENCE|- WRITES MAX_BYTES FILE_BYTES SEED FSYNC_EVERY

Writes the same bytes into REFERENCE (a local file) unless it is "-", and
prints "WRITES BYTES": the writes made and the bytes they wrote.
"""
import os
import random
import sys


def main():
    path, ref, writes, max_bytes, file_bytes, seed, every = sys.argv[1:8]
    writes, max_bytes, file_bytes = int(writes), int(max_bytes), int(file_bytes)
    rng, every = random.Random(int(seed)), int(every)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o644)
    rd = os.open(ref, flags, 0o644) if ref != "-" else -1
    total = 0
    for i in range(1, writes + 1):
        size = rng.randint(1, max_bytes)
        offset = rng.randrange(0, file_bytes - size)
        data = rng.randbytes(size)
        assert os.pwrite(fd, data, offset) == size
        if rd >= 0:
            os.pwrite(rd, data, offset)
        total += size
        if every and i % every == 0:
            os.fsync(fd)
    os.fsync(fd)
    os.close(fd)
    if rd >= 0:
        os.close(rd)
    print(writes, total)


main()
