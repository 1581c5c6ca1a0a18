#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# What an application sees of O_DIRECT on an NFS mount, as one line to
# compare between a localio=on and a localio=off mount of the same export
# (tests/vm/t22-direct.sh):
#
#   directsem.py DIR
#
# In DIR (a fresh directory on the mount) it runs, each on a file of its
# own: reads at, across and past the end of a 10000-byte file; an
# O_DIRECT write with RWF_APPEND; preadv2 with RWF_NOWAIT and with RWF_HIPRI;
# and a buffered reader's view of bytes written O_DIRECT over what it had
# read (nfs.ko invalidates its page cache after a direct write). Prints
# "name=result" pairs, a result being a byte count, a checksum or an
# errno's name.
import errno
import hashlib
import mmap
import os
import sys

BLOCK = 4096


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def aligned(size):
    return mmap.mmap(-1, max(size, BLOCK))


def digest(b):
    return hashlib.md5(b).hexdigest()[:8]


def eof_reads(d, out):
    path = os.path.join(d, "eof")
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * 39 + bytes(16))     # 10000 bytes
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    buf = aligned(16384)
    for label, off, size in (("eof_whole", 0, 16384), ("eof_across", 8192, 4096),
                             ("eof_past", 16384, 4096)):
        try:
            got = os.preadv(fd, [memoryview(buf)[:size]], off)
            out.append(f"{label}={got}:{digest(bytes(buf[:got]))}")
        except OSError as e:
            out.append(f"{label}={name(e)}")
    os.close(fd)


def append(d, out):
    path = os.path.join(d, "append")
    with open(path, "wb") as f:
        f.write(b"\x11" * 8192)
    # NFS refuses O_APPEND with O_DIRECT at open; RWF_APPEND is per call.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_DIRECT))
        out.append("append_open=ok")
    except OSError as e:
        out.append(f"append_open={name(e)}")
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    buf = aligned(BLOCK)
    buf.write(b"\x22" * BLOCK)
    try:
        done = os.pwritev(fd, [buf], 0, os.RWF_APPEND)
        out.append(f"append={done}")
    except OSError as e:
        out.append(f"append={name(e)}")
    os.close(fd)
    with open(path, "rb") as f:
        data = f.read()
    out.append(f"append_file={len(data)}:{digest(data)}")


def rwf_flags(d, out):
    path = os.path.join(d, "flags")
    with open(path, "wb") as f:
        f.write(b"\x33" * 8192)
    fd = os.open(path, os.O_RDWR | os.O_DIRECT)
    buf = aligned(BLOCK)
    for label, flag in (("nowait", os.RWF_NOWAIT), ("hipri", os.RWF_HIPRI)):
        for op in ("read", "write"):
            try:
                if op == "read":
                    got = os.preadv(fd, [buf], 0, flag)
                else:
                    got = os.pwritev(fd, [buf], BLOCK, flag)
                out.append(f"{label}_{op}={got}")
            except OSError as e:
                out.append(f"{label}_{op}={name(e)}")
    os.close(fd)


def coherence(d, out):
    path = os.path.join(d, "coherent")
    with open(path, "wb") as f:
        f.write(b"\x44" * 65536)
    reader = os.open(path, os.O_RDONLY)
    os.pread(reader, 65536, 0)          # into the client's page cache
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    buf = aligned(2 * BLOCK)
    buf.write(b"\x55" * (2 * BLOCK))
    os.pwrite(fd, buf, BLOCK)
    os.close(fd)
    seen = os.pread(reader, 65536, 0)
    os.close(reader)
    want = b"\x44" * BLOCK + b"\x55" * (2 * BLOCK) + b"\x44" * (65536 - 3 * BLOCK)
    out.append("coherent=" + ("yes" if seen == want else "stale"))


def main():
    d = sys.argv[1]
    out = []
    for step in (eof_reads, append, rwf_flags, coherence):
        step(d, out)
    print(" ".join(out))


if __name__ == "__main__":
    main()
