#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SQLite in WAL mode on an NFS mount, as an application uses it.

  sqlite_check.py write DB ROUNDS   transactions from two connections, then a
                                    writer killed in a transaction and one
                                    killed after its commit, before any
                                    checkpoint
  sqlite_check.py verify DB         integrity_check, and every committed row
                                    there with its content, nothing else

Rows carry blobs of odd sizes (so pages, WAL frames and the file's tail
are rarely aligned) and the SHA-256 of each blob; a manifest next to the
database records which transactions committed. verify exits non-zero and
says why when anything differs. Only the standard library: the guest runs
the host's python3.
"""

import hashlib
import json
import os
import random
import signal
import sqlite3
import sys


def connect(db):
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=full")
    return con


def blob(rng):
    return rng.randbytes(rng.choice((1, 37, 511, 4095, 4097, 12345, 65537)))


def transaction(con, rng, tx):
    """One transaction: inserts, an update and a delete of earlier rows."""
    con.execute("begin immediate")
    for n in range(rng.randint(1, 8)):
        b = blob(rng)
        con.execute("insert into t (id, tx, v, h) values (?, ?, ?, ?)",
                    (tx * 100 + n, tx, b, hashlib.sha256(b).hexdigest()))
    old = con.execute("select id from t where tx < ? order by random() limit 2",
                      (tx,)).fetchall()
    if old:
        b = blob(rng)
        con.execute("update t set v = ?, h = ? where id = ?",
                    (b, hashlib.sha256(b).hexdigest(), old[0][0]))
    if len(old) > 1:
        con.execute("delete from t where id = ?", (old[1][0],))
    con.execute("commit")


def killed_writer(db, tx, commit):
    """A child that writes one transaction and is killed by SIGKILL, before
    its commit or after it (then its frames are in the WAL only)."""
    pid = os.fork()
    if pid == 0:
        con = connect(db)
        con.execute("begin immediate")
        b = os.urandom(20000)
        con.execute("insert into t (id, tx, v, h) values (?, ?, ?, ?)",
                    (tx * 100, tx, b, hashlib.sha256(b).hexdigest()))
        if commit:
            con.execute("commit")
        os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if not os.WIFSIGNALED(status):
        raise SystemExit("killed writer exited with status %d" % status)


def write(db, rounds):
    rng = random.Random(751)
    cons = [connect(db), connect(db)]
    cons[0].execute("pragma wal_autocheckpoint=64")
    cons[0].execute("create table t (id integer primary key, tx integer, "
                    "v blob, h text)")
    for tx in range(1, rounds + 1):
        transaction(cons[tx % 2], rng, tx)
    for con in cons:
        con.close()
    # After the last checkpoint: what these leave is in the WAL only.
    killed_writer(db, rounds + 1, commit=False)
    killed_writer(db, rounds + 2, commit=True)
    con = sqlite3.connect(db)
    rows = con.execute("select id, h from t order by id").fetchall()
    con.close()
    with open(db + ".manifest", "w") as f:
        json.dump({"rows": rows, "uncommitted_tx": rounds + 1,
                   "committed_killed_tx": rounds + 2}, f)
    print("wrote %d rows" % len(rows))


def verify(db):
    with open(db + ".manifest") as f:
        manifest = json.load(f)
    con = connect(db)
    bad = []
    check = con.execute("pragma integrity_check").fetchall()
    if check != [("ok",)]:
        bad.append("integrity_check: %s" % check[:5])
    rows = con.execute("select id, h from t order by id").fetchall()
    want = [tuple(r) for r in manifest["rows"]]
    if rows != want:
        bad.append("%d rows, %d committed; first difference at %s" % (
            len(rows), len(want),
            next((w for r, w in zip(rows, want) if r != w), "the end")))
    for rid, v, h in con.execute("select id, v, h from t"):
        if hashlib.sha256(v).hexdigest() != h:
            bad.append("row %d: content does not match its hash" % rid)
            break
    tx = con.execute("select count(*) from t where tx = ?",
                     (manifest["uncommitted_tx"],)).fetchone()[0]
    if tx:
        bad.append("the killed uncommitted transaction is there")
    tx = con.execute("select count(*) from t where tx = ?",
                     (manifest["committed_killed_tx"],)).fetchone()[0]
    if tx != 1:
        bad.append("the killed committed transaction is missing")
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()
    for line in bad:
        print(line)
    if bad:
        raise SystemExit(1)
    print("%d rows verified" % len(rows))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify(sys.argv[2])
    else:
        raise SystemExit(__doc__)
