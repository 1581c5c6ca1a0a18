# SPDX-License-Identifier: GPL-2.0
#
# NFSv4 lease and lock state: a localio=on mount must keep, lose and
# report its NFSv4 state exactly as localio=off (RPC) does. See
# Documentation/nfsv4-state.md. Sourced by tests/vm/guest.sh after t50.
#
# For NFSv4.0 and 4.2, and localio=off then localio=on (one mount at a
# time: the lease belongs to the nfs_client, which mounts of one server and
# version share, so another mount's RPCs would renew it), a writer on the
# client opens a file O_DIRECT, takes an fcntl write lock on it and writes
# 1 MiB every second:
#
#  A. 13 s after the lock (more than the VM's 10 s lease), a process on the
#     server asks for a conflicting fcntl lock on the exported file, once a
#     second for 7 s. Over RPC every WRITE renews the lease (4.0: the
#     stateid's clientid; 4.1+: the SEQUENCE), nfsd keeps the lock, and the
#     server's lock is refused.
#  B. Then the client's state is taken away on the server
#     (/proc/fs/nfsd/clients/*/ctl "expire"): the server process gets the
#     lock and writes 4 MiB of 0xbb under it. Over RPC the client's next
#     WRITE finds its state gone, recovery cannot get the lock back
#     (nfs.recover_lost_locks=N) and every later write under that lock
#     fails with EIO; nfsd keeps the server process's data.
#
# localio=on must give the same: the same lock outcome in A and B, the
# same outcome of the writes issued from T60_LATE seconds after the expiry
# (a lease plus two renewal periods: time for a client that does not send
# its writes to learn of the loss at its next lease renewal), and the same
# bytes in the file on the server.

t60_lsmod() { lsmod | awk '$1 ~ /^localio_rs_/ {print $1}' | sort | tr '\n' ' '; }
t60_modules_before=$(t60_lsmod)
modules_load

T60_PY=$WORK/t60-lock.py
T60_LATE=${T60_LATE:-12}
cat >"$T60_PY" <<'EOF'
import errno, fcntl, mmap, os, sys, time
MIB = 1 << 20
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
if sys.argv[1] == "writer":
    # writer PATH SECONDS: lock the whole file, write 1 MiB of 0x5a every
    # second (O_DIRECT: one WRITE each); one line per write:
    # "w <seconds since the lock> <ok|ERRNO>".
    path, secs = sys.argv[2], float(sys.argv[3])
    fd = os.open(path, os.O_RDWR | os.O_DIRECT)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        print("lockfail", name(e), flush=True)
        sys.exit(1)
    print("locked", flush=True)
    buf = mmap.mmap(-1, MIB)
    buf.write(b"\x5a" * MIB)
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < secs:
        t = time.monotonic() - t0
        try:
            r = "ok" if os.pwritev(fd, [buf], (i % 4) * MIB) == MIB else "short"
        except OSError as e:
            r = name(e)
        print("w %.1f %s" % (t, r), flush=True)
        i += 1
        time.sleep(max(0.0, t0 + i - time.monotonic()))
    try:
        os.close(fd)
    except OSError:
        pass
    print("done", flush=True)
else:
    # server PATH TRIES: ask for a write lock once a second; when granted,
    # write 4 MiB of 0xbb under it and hold it until killed.
    path, tries = sys.argv[2], int(sys.argv[3])
    fd = os.open(path, os.O_RDWR)
    for k in range(tries):
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            time.sleep(1)
            continue
        print("granted", flush=True)
        os.pwrite(fd, b"\xbb" * (4 * MIB), 0)
        os.fsync(fd)
        time.sleep(3600)
    print("refused", flush=True)
EOF

# Grace periods: nfsd refuses new NFSv4 locks (NFS4ERR_GRACE, which the
# client retries) while any lock manager of the net namespace is in grace,
# lockd's included (5 * nlm_timeout = 50 s after nfsd starts); a server
# process meanwhile gets its lock at once. End nfsd's own grace here, and
# start each scenario's clock only when the writer holds its lock.
echo Y >/proc/fs/nfsd/v4_end_grace 2>/dev/null

t60_expire_clients() {
	local c
	for c in /proc/fs/nfsd/clients/*/ctl; do
		[ -e "$c" ] && echo expire >"$c" 2>/dev/null
	done
	return 0
}
# t60_wait_for FILE PATTERN SECONDS
t60_wait_for() {
	local i
	for i in $(seq $(( $3 * 10 ))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# t60_run VERS MODE: sets r_A (granted|refused), r_B, r_late (the writes
# from T60_LATE s after the expiry: "EIO", "ok", or a mix such as
# "ok,EIO"), r_data (what the server's first 4 MiB hold), r_local (writes
# served by our provider), r_deleg (a delegation was held).
t60_run() {
	local v=$1 mode=$2 base f m=$MNT/t60 out=$WORK/t60-w.out wpid apid bpid= lw0
	base=t60-${v/./}-$mode
	f=$EXPORT/$base
	r_A=none r_B=none r_late=none r_data=none r_local=0 r_deleg=no r_stateid=0
	head -c 4M /dev/zero >"$f"
	sync
	nfs_mount "$v" t60 "localio=$mode" || { say "v$v localio=$mode: mount failed"; return; }
	lw0=$(counter local_write) ds0=$(counter declined_stateid) dw0=$(counter direct_write)
	python3 "$T60_PY" writer "$m/$base" 40 >"$out" 2>&1 &
	wpid=$!
	if ! t60_wait_for "$out" '^locked' 120; then
		say "v$v localio=$mode: the writer got no lock: $(head -c 200 "$out")"
		kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
		umount "$m"; rm -f "$f"
		return
	fi
	! grep -qs 'type: deleg' /proc/fs/nfsd/clients/*/states || r_deleg=yes
	# A: 13 s after the lock, 7 tries.
	sleep 13
	python3 "$T60_PY" server "$f" 7 >"$WORK/t60-a.out" 2>&1 &
	apid=$!
	t60_wait_for "$WORK/t60-a.out" 'granted\|refused' 15
	r_A=$(head -n1 "$WORK/t60-a.out")
	# B: at about 21 s, the client's state goes.
	if [ "$r_A" = granted ]; then
		say "v$v localio=$mode: the server got the lock while the client held it"
		t60_expire_clients
		r_B=held
	else
		t60_expire_clients
		python3 "$T60_PY" server "$f" 8 >"$WORK/t60-b.out" 2>&1 &
		bpid=$!
		t60_wait_for "$WORK/t60-b.out" 'granted\|refused' 15
		r_B=$(head -n1 "$WORK/t60-b.out")
	fi
	wait "$wpid"
	[ -z "$apid" ] || kill "$apid" 2>/dev/null
	[ -z "$bpid" ] || kill "$bpid" 2>/dev/null
	wait "$apid" ${bpid:+"$bpid"} 2>/dev/null
	r_late=$(awk -v t=$(( 21 + T60_LATE )) '$1 == "w" && $2 >= t {print $3}' "$out" | sort -u | paste -sd, -)
	say "v$v localio=$mode writes (s: result): $(awk '$1 == "w" {printf "%s:%s ", int($2), $3}' "$out")"
	r_local=$(( $(counter local_write) - lw0 ))
	r_stateid=$(( $(counter declined_stateid) - ds0 ))
	r_direct=$(( $(counter direct_write) - dw0 ))
	umount "$m"
	r_data=$(od -An -tx1 -w1 -v "$f" | sort | uniq -c | awk '{printf "%s*%s ", $2, $1}')
	rm -f "$f"
	say "v$v localio=$mode: A $r_A, B $r_B, writes from $(( 21 + T60_LATE )) s: ${r_late:-none}, data ${r_data}, local writes $r_local, stateids refused $r_stateid, delegation $r_deleg"
}

declare -A t60
# NFSv4.0 by default (its WRITEs renew the lease, which local I/O must not
# stand in for); NFSv4.2 as well under SOAK=1, for the suite's time budget
# (t22 and t30 run the direct path's NFSv4.2 stateid checks).
T60_VERS=4.0
[ "${SOAK:-0}" = 0 ] || T60_VERS="4.0 4.2"
for v in $T60_VERS; do
	for mode in off on; do
		t60_run "$v" "$mode"
		t60[$v.$mode.A]=$r_A t60[$v.$mode.B]=$r_B t60[$v.$mode.late]=$r_late
		t60[$v.$mode.data]=$r_data t60[$v.$mode.local]=$r_local
		t60[$v.$mode.stateid]=$r_stateid t60[$v.$mode.direct]=$r_direct
	done
	# What the RPC path does, which the rest compares against.
	check "v$v RPC: while the client writes, its lease holds and the server's conflicting lock is refused" \
		test "${t60[$v.off.A]}" = refused
	check "v$v RPC: once the client's state is expired, the server's lock is granted" \
		test "${t60[$v.off.B]}" = granted
	check "v$v RPC: the client's writes under the lost lock fail with EIO" \
		test "${t60[$v.off.late]}" = EIO
	check "v$v localio=on: the writes were served locally" \
		test "${t60[$v.on.local]}" -gt 0
	check "v$v localio=on: its O_DIRECT writes went through the direct path" \
		test "${t60[$v.on.direct]}" -gt 0
	check "v$v localio=on: the server's conflicting lock is ${t60[$v.off.A]} while the client writes, as over RPC" \
		test "${t60[$v.on.A]}" = "${t60[$v.off.A]}"
	check "v$v localio=on: writes under the lost lock answer ${t60[$v.off.late]}, as over RPC" \
		test "${t60[$v.on.late]}" = "${t60[$v.off.late]}"
	# After the server revokes the client's state within a valid lease,
	# only nfsd knows: it checks the stateid of every local READ and WRITE
	# as of every RPC (patch 0010), and the first write after the expiry
	# goes to nfsd, which fails it. Before that check, local writes went on
	# until the client's next renewal and overwrote the server process's
	# data. See nfsv4-state.md.
	check "v$v localio=on: the server's file holds the same bytes as over RPC (${t60[$v.off.data]})" \
		test "${t60[$v.on.data]}" = "${t60[$v.off.data]}"
	check "v$v localio=on: nfsd refused the revoked stateid of a local write" \
		test "${t60[$v.on.stateid]}" -gt 0
done

nfs_umount_all
rm -f "$T60_PY" "$WORK"/t60-*.out
[ -n "$t60_modules_before" ] || modules_unload
check_no_kernel_reports t60
