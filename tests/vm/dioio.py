#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# O_DIRECT from and into memory at a chosen offset into a page, as data
# loaders and databases hand it: tests/vm/t25-devices.sh.
#
#   dioio.py FILE SIZE OFFSET [huge|split]
#
# Writes SIZE random bytes to FILE (created, O_DIRECT, at file offset 0)
# from a buffer that starts OFFSET bytes into an anonymous mapping (with
# `huge`, a 2 MiB huge page of hugetlbfs), reads them back O_DIRECT into
# the same place and compares. With `split` the buffer is handed as two
# iovecs, cut at the first page boundary, as a scatter-gather list of
# page-sized pieces would be. Prints "ok", or what failed (with the
# errno's name) and exits 1.
import errno
import mmap
import os
import sys

MAP_HUGETLB = 0x40000


def main():
    path, size, offset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else ""
    huge = mode == "huge"
    length = offset + size
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
    if huge:
        length = max(length, 2 << 20)
        length = (length + (2 << 20) - 1) & ~((2 << 20) - 1)
        flags |= MAP_HUGETLB
    try:
        area = mmap.mmap(-1, length, flags=flags)
    except OSError as e:
        print(f"mmap: {errno.errorcode.get(e.errno, e.errno)}")
        return 1
    data = os.urandom(size)
    view = memoryview(area)[offset:offset + size]
    view[:] = data
    cut = min(size, mmap.PAGESIZE - offset % mmap.PAGESIZE)
    iov = [view[:cut], view[cut:]] if mode == "split" and cut < size else [view]
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_DIRECT)
    try:
        try:
            done = os.pwritev(fd, iov, 0)
        except OSError as e:
            print(f"write: {errno.errorcode.get(e.errno, e.errno)}")
            return 1
        if done != size:
            print(f"write: short, {done} of {size}")
            return 1
        view[:] = bytes(size)
        try:
            got = os.preadv(fd, iov, 0)
        except OSError as e:
            print(f"read: {errno.errorcode.get(e.errno, e.errno)}")
            return 1
    finally:
        os.close(fd)
    if got != size or bytes(view) != data:
        print(f"read: {got} of {size} bytes, data {'same' if bytes(view) == data else 'differs'}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
