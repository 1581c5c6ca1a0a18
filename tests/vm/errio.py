# SPDX-License-Identifier: GPL-2.0
"""One I/O pattern on one file, reporting the answer of every call, for
tests that compare where an error surfaces.

usage: errio.py PATH KIND [OFFSET]
KIND is one of
  buffered   open O_RDWR, write 1 MiB at OFFSET, fsync, close
  direct     open O_RDWR|O_DIRECT, write 1 MiB at OFFSET, close
  dsync      open O_RDWR|O_DSYNC, write 1 MiB at OFFSET, close
  read       open O_RDONLY|O_DIRECT, read 1 MiB at OFFSET, close
Prints one line, "open=ok write=EIO close=ok" and so on; a call after a
failed open is not made. The data written is 1 MiB of 0xa5.
"""
import errno
import mmap
import os
import sys

MIB = 1 << 20


def answer(fn):
    try:
        done = fn()
        if isinstance(done, int) and done != MIB:
            return f"short:{done}"
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def main():
    path, kind = sys.argv[1], sys.argv[2]
    offset = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    flags = {"buffered": os.O_RDWR, "direct": os.O_RDWR | os.O_DIRECT,
             "dsync": os.O_RDWR | os.O_DSYNC,
             "read": os.O_RDONLY | os.O_DIRECT}[kind]
    buf = mmap.mmap(-1, MIB)
    if kind != "read":
        buf.write(b"\xa5" * MIB)
    out = []
    fd = None

    def do_open():
        nonlocal fd
        fd = os.open(path, flags)

    out.append("open=" + answer(do_open))
    if fd is not None:
        if kind == "read":
            out.append("read=" + answer(lambda: os.preadv(fd, [buf], offset)))
        else:
            out.append("write=" + answer(lambda: os.pwritev(fd, [buf], offset)))
        if kind == "buffered":
            out.append("fsync=" + answer(lambda: os.fsync(fd)))
        out.append("close=" + answer(lambda: os.close(fd)))
    print(" ".join(out), flush=True)


if __name__ == "__main__":
    main()
