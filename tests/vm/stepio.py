# SPDX-License-Identifier: GPL-2.0
"""One open file, driven a request at a time, for tests that change the
server between two requests and look at what the next one does.

usage: stepio.py PATH
Reads commands from stdin, one per line, and answers each with one line:
"ok", or the errno's name (ESTALE, EACCES, ...):
  w OFFSET   write 1 MiB of 0x5a at OFFSET (O_DIRECT: one NFS WRITE)
  r OFFSET   read 1 MiB at OFFSET (O_DIRECT: one NFS READ)
  q          close and quit
The file is opened O_RDWR | O_DIRECT before the first command.
"""
import errno
import mmap
import os
import sys

MIB = 1 << 20


def main():
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
    wbuf = mmap.mmap(-1, MIB)
    wbuf.write(b"\x5a" * MIB)
    rbuf = mmap.mmap(-1, MIB)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "q":
            break
        try:
            offset = int(words[1])
            if words[0] == "w":
                done = os.pwritev(fd, [wbuf], offset)
            else:
                done = os.preadv(fd, [rbuf], offset)
            answer = "ok" if done == MIB else f"short:{done}"
        except OSError as e:
            answer = errno.errorcode.get(e.errno, str(e.errno))
        print(answer, flush=True)
    os.close(fd)


main()
