# SPDX-License-Identifier: GPL-2.0
#
# nfsd stays the authority: for a file a localio=on client keeps open, the
# next request after a change on the server behaves as it does over RPC.
# The scenarios (tests/vm/authority.sh) run on mounts of $AUTH_EXPORT, on
# NFSv3 and NFSv4.2. Sourced by tests/vm/guest.sh after t20.

modules_load

. "$TOP/tests/vm/authority.sh"
AUTH_DIR=$AUTH_EXPORT AUTH_DIR_OPTS=$AUTH_OPTS AUTH_MNT_PREFIX=auth-

t30_direct0=$(direct_taken)
for v in 3 4.2; do
	n=${v/./}
	for mode in off c on; do
		case "$mode" in
		off) nfs_mount "$v" "auth-$mode$n" localio=off "$AUTH_EXPORT";;
		c) nfs_mount "$v" "auth-$mode$n" "" "$AUTH_EXPORT";;
		on) nfs_mount "$v" "auth-$mode$n" localio=on "$AUTH_EXPORT";;
		esac
	done
	AUTH_CLIENT=${v%%.*}
	# NFSv4.2 runs the scenarios whose answer involves its state or
	# squashing; all of them under SOAK=1 (the suite's time budget).
	if [ "$v" = 3 ] || [ "${SOAK:-0}" != 0 ]; then
		authority_matrix "v$v" "$v"
	else
		authority_matrix "v$v" "$v" unexport root_squash chmod acl-swap unlink
	fi
done
# The scenarios' requests are 1 MiB O_DIRECT from page-aligned memory:
# what the direct path takes whole, so its answers are the ones above.
check "the scenarios' O_DIRECT requests went through the direct path" \
	test "$(direct_taken)" -gt "$t30_direct0"
auth_default
AUTH_CLIENT=3

# --- subtree_check: the file's path is part of nfsd's verdict ----------
SUBTREE=$EXPORT/subtree
mkdir -p "$SUBTREE"
chmod 1777 "$SUBTREE"
saved_scenarios=("${AUTH_SCENARIOS[@]}")
AUTH_SCENARIOS=("${SUBTREE_SCENARIOS[@]}")
AUTH_DIR=$SUBTREE AUTH_DIR_OPTS=fsid=7,subtree_check,insecure AUTH_MNT_PREFIX=sub-
auth_default
r0=$(counter released_subtree_check)
# Over NFSv4.2 neither change refuses the next WRITE, over RPC or ours
# (the open stateid's file serves it): that version only under SOAK=1.
SUBTREE_VERS=3
[ "${SOAK:-0}" = 0 ] || SUBTREE_VERS="3 4.2"
for v in $SUBTREE_VERS; do
	n=${v/./}
	nfs_mount "$v" "sub-off$n" localio=off "$SUBTREE"
	nfs_mount "$v" "sub-on$n" localio=on "$SUBTREE"
	AUTH_CLIENT=${v%%.*}
	authority_matrix "v$v subtree_check" "$v"
done
check "subtree_check: files of such an export serve one request per open through nfsd" \
	test "$(counter released_subtree_check)" -gt "$r0"
exportfs -u "127.0.0.1:$SUBTREE"
AUTH_SCENARIOS=("${saved_scenarios[@]}")
AUTH_DIR=$AUTH_EXPORT AUTH_DIR_OPTS=$AUTH_OPTS AUTH_MNT_PREFIX=auth-
AUTH_CLIENT=3

# --- nfs.localio_enabled=N turns our path off as well --------------------
enabled=/sys/module/nfs/parameters/localio_enabled
localio_param_holds() {
	local dir=$MNT/auth-on3 io0 l0 rc=0 i
	step_start root "$dir/param"
	head -c 4M /dev/zero >"$AUTH_EXPORT/param"
	step w 0
	echo N >"$enabled"
	io0=$(nfsd_io); l0=$(local_writes)
	step w $MIB
	[ "$answer" = ok ] || { say "write failed: $answer"; rc=1; }
	[ "$(local_writes)" -eq "$l0" ] || { say "served locally with localio_enabled=N"; rc=1; }
	[ "$(( $(nfsd_io) - io0 ))" -ge $MIB ] || { say "did not go through nfsd"; rc=1; }
	echo Y >"$enabled"
	for i in $(seq 10); do
		l0=$(local_writes)
		step w $((2 * MIB))
		[ "$(local_writes)" -gt "$l0" ] && break
		sleep 1
	done
	[ "$(local_writes)" -gt "$l0" ] || { say "not local again after Y"; rc=1; }
	step_stop
	rm -f "$AUTH_EXPORT/param"
	return $rc
}
d0=$(counter declined_disabled)
check "nfs.localio_enabled=N: localio=on writes go through nfsd, and local again after Y" \
	localio_param_holds
check "nfs.localio_enabled=N: counted as declined_disabled" \
	test "$(counter declined_disabled)" -gt "$d0"
echo Y >"$enabled"

# --- one verifier domain: a file written partly locally, partly by RPC ---
# 2 MiB written unstable locally, then 2 MiB unstable through nfsd (LOCALIO
# turned off in between), then one COMMIT: both halves must carry nfsd's
# verifier, or the COMMIT's never matches one of them and the client
# writes it again.
verifier_mix() {    # FILE: writes it as above, the bytes into $WORK/verf
	/usr/bin/python3 - "$1" "$WORK/verf" "$enabled" <<'PY'
import ctypes, os, sys
path, ref, enabled = sys.argv[1:4]
data = os.urandom(4 << 20)
open(ref, "wb").write(data)
libc = ctypes.CDLL(None, use_errno=True)
def push(fd, offset, length):
    # SYNC_FILE_RANGE_WAIT_BEFORE | _WRITE | _WAIT_AFTER: written, no
    # COMMIT (Python's os has no sync_file_range).
    if libc.sync_file_range(fd, ctypes.c_int64(offset), ctypes.c_int64(length), 7):
        raise OSError(ctypes.get_errno(), "sync_file_range")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
try:
    # Two WRITEs per push: the first leaves pages to commit, so both go
    # UNSTABLE (nfs.ko's FLUSH_COND_STABLE).
    os.pwrite(fd, data[:2 << 20], 0)
    push(fd, 0, 2 << 20)
    open(enabled, "w").write("N")
    os.pwrite(fd, data[2 << 20:], 2 << 20)
    push(fd, 2 << 20, 2 << 20)
finally:
    open(enabled, "w").write("Y")
os.fsync(fd)
os.close(fd)
PY
}
for v in 3 4.2; do
	n=${v/./}
	dir=$MNT/auth-on$n
	io0=$(nfsd_io); b0=$(counter local_write_bytes); c0=$(counter local_commit)
	verifier_mix "$dir/verf"
	nfsd_bytes=$(( $(nfsd_io) - io0 )) local_bytes=$(( $(counter local_write_bytes) - b0 ))
	say "v$v 2 MiB locally then 2 MiB by RPC, unstable, one COMMIT: $local_bytes bytes written" \
		"locally, $nfsd_bytes through nfsd, $(( $(counter local_commit) - c0 )) local COMMITs"
	check "v$v one verifier domain: the local half is written once" test "$local_bytes" -eq $((2 * MIB))
	check "v$v one verifier domain: the RPC half goes through nfsd once" test "$nfsd_bytes" -eq $((2 * MIB))
	check "v$v one verifier domain: the data is intact" \
		test "$(cold_sum "$AUTH_EXPORT/verf")" = "$(sum "$WORK/verf")"
	rm -f "$AUTH_EXPORT/verf"
done

nfs_umount_all
check_no_kernel_reports t30
