# SPDX-License-Identifier: GPL-2.0
#
# pNFS flexfiles with the data server in the same kernel: nfsd is the
# metadata server of a `pnfs` export and, over NFSv3, its data server
# (CONFIG_NFSD_FLEXFILELAYOUT), so an NFSv4.1 or 4.2 mount gets a flexfiles
# layout and nfs.ko sends READ, WRITE and COMMIT to an NFSv3 data-server
# client of 127.0.0.1. With localio=on that client's I/O must be served by
# our provider (its own line in the stats, `nfsv3-ds`), with nfsd moving no
# bytes for aligned I/O and data intact for aligned, split and misaligned
# I/O, buffered and O_DIRECT; with no option the built-in path serves it
# (nfsd flat as well); with localio=off every byte goes through nfsd.
# Sourced by tests/vm/guest.sh after t60.

modules_load
pnfs_export_setup

T70_MB=${T70_MB:-8}
head -c ${T70_MB}M /dev/urandom >"$WORK/t70.ref"
t70_ref=$(sum "$WORK/t70.ref")

# t70_op MOUNTPOINT OP: how many OP calls the mount made (mountstats).
t70_op() {
	awk -v m="$1" -v op="$2:" '$1 == "device" { f = ($5 == m); next }
		f && $1 == op { print $2; exit }' /proc/self/mountstats
}
# t70_layout MOUNTPOINT: the layout driver the mount uses.
t70_layout() {
	awk -v m="$1" '$1 == "device" { f = ($5 == m); next }
		f && $1 == "nfsv4:" { if (match($0, /pnfs=[A-Z_a-z ]*/))
			print substr($0, RSTART + 5, RLENGTH - 5); exit }' /proc/self/mountstats
}
# t70_ds NAME: a counter of the data server's client (0 if it has none).
t70_ds() { local n; n=$(client_counter 3-ds "$1"); echo "${n:-0}"; }

# t70_io DIR NAME: O_DIRECT 1 MiB writes (aligned: local on `on`), a
# buffered write + fsync (writeback and COMMIT), a 1000-byte-block direct
# write (misaligned: to nfsd), and an aligned direct write with a 100-byte
# tail (split: the body local, the tail to nfsd); then cold reads of each
# through the mount and on the server. True when every copy matches.
t70_io() {
	local d=$1 f=$2 odd=$((T70_MB * 1024 * 1024 + 100))
	head -c "$odd" "$WORK/t70.ref" >"$WORK/t70.odd" 2>/dev/null ||
		return 1
	head -c 100 /dev/urandom >>"$WORK/t70.odd"
	dd if="$WORK/t70.ref" of="$d/$f.direct" bs=1M oflag=direct status=none &&
		dd if="$WORK/t70.ref" of="$d/$f.buffered" bs=1M conv=fsync status=none &&
		dd if="$WORK/t70.ref" of="$d/$f.misaligned" bs=1000 count=256 \
			oflag=direct status=none &&
		dd if="$WORK/t70.odd" of="$d/$f.split" bs=1M oflag=direct status=none &&
		drop_caches &&
		[ "$(sum "$d/$f.direct")" = "$t70_ref" ] &&
		[ "$(dd if="$d/$f.direct" bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1)" = "$t70_ref" ] &&
		[ "$(sum "$d/$f.buffered")" = "$t70_ref" ] &&
		[ "$(sum "$d/$f.misaligned")" = "$(head -c 256000 "$WORK/t70.ref" | md5sum | cut -d' ' -f1)" ] &&
		[ "$(sum "$d/$f.split")" = "$(sum "$WORK/t70.odd")" ] &&
		[ "$(sum "$PNFS_EXPORT/$f.direct")" = "$t70_ref" ] &&
		[ "$(sum "$PNFS_EXPORT/$f.buffered")" = "$t70_ref" ] &&
		[ "$(sum "$PNFS_EXPORT/$f.split")" = "$(sum "$WORK/t70.odd")" ]
}

# t70_aligned DIR NAME: nfsd's bytes moved by an aligned O_DIRECT write and
# read of the reference file (and its layout's opens), printed.
t70_aligned() {
	local d=$1 f=$2 before
	before=$(nfsd_io)
	dd if="$WORK/t70.ref" of="$d/$f.aligned" bs=1M oflag=direct status=none &&
		dd if="$d/$f.aligned" of=/dev/null bs=1M iflag=direct status=none
	echo $(( $(nfsd_io) - before ))
}

for v in 4.1 4.2; do
	n=${v/./}
	for mode in on off plain; do
		case $mode in
		on) opts=localio=on;;
		off) opts=localio=off;;
		plain) opts=;;
		esac
		m=$MNT/pnfs$mode$n
		nfs_mount "$v" "pnfs$mode$n" "$opts" "$PNFS_EXPORT"
		ds_writes0=$(t70_ds local_write_bytes)
		ds_reads0=$(t70_ds local_read_bytes)
		ds_commits0=$(t70_ds local_commit)
		check "v$v $mode: data intact through a flexfiles layout (direct, buffered, misaligned, split)" \
			t70_io "$m" "t70-$mode$n"
		layout=$(t70_layout "$m")
		check "v$v $mode: the mount uses the flexfiles layout (pnfs=$layout)" \
			test "$layout" = LAYOUT_FLEX_FILES
		gets=$(t70_op "$m" LAYOUTGET)
		check "v$v $mode: the layout was got from nfsd ($gets LAYOUTGETs)" \
			test "${gets:-0}" -gt 0
		moved=$(t70_aligned "$m" "t70-$mode$n")
		ds_w=$(( $(t70_ds local_write_bytes) - ds_writes0 ))
		ds_r=$(( $(t70_ds local_read_bytes) - ds_reads0 ))
		ds_c=$(( $(t70_ds local_commit) - ds_commits0 ))
		say "v$v $mode: nfsd moved $moved bytes for ${T70_MB} MiB written and read aligned;" \
			"the data server's client served $ds_w bytes written, $ds_r read, $ds_c COMMITs locally"
		case $mode in
		on)
			check "v$v on: aligned data-server I/O bypassed nfsd" test "$moved" -eq 0
			check "v$v on: the data server's client wrote locally" \
				test "$ds_w" -ge $((3 * T70_MB * 1024 * 1024))
			check "v$v on: ... read locally" test "$ds_r" -ge $((T70_MB * 1024 * 1024))
			check "v$v on: ... and committed locally" test "$ds_c" -gt 0
			;;
		off)
			check "v$v off: every byte went through nfsd" \
				test "$moved" -ge $((2 * T70_MB * 1024 * 1024))
			check "v$v off: nothing served by the provider" \
				test "$((ds_w + ds_r + ds_c))" -eq 0
			;;
		plain)
			check "v$v no option: the built-in path bypassed nfsd" test "$moved" -eq 0
			check "v$v no option: nothing served by the provider" \
				test "$((ds_w + ds_r + ds_c))" -eq 0
			;;
		esac
		rm -f "$m"/t70-*
		umount "$m"
	done
done
check "the kernel log says LOCALIO is on for the data server" \
	sh -c 'dmesg | grep -q "LOCALIO on for server 127.0.0.1 (NFSv3 data server)"'

# --- the client's own write delegation, recalled by its data server ------
# An NFSv4.2 OPEN for reading and writing can get a write delegation. The
# layout's data server is the same file over NFSv3, whose first WRITE
# breaks that delegation, over RPC as through LOCALIO: nfsd recalls it
# and answers "not yet" (NFS3ERR_JUKEBOX; the LOCALIO open -EJUKEBOX)
# until the client returns it. Such an open is no refusal to remember:
# the WRITEs issued before the DELEGRETURN go to nfsd (as the built-in
# path's do), those after it must be local again, not sent to nfsd for
# the second that two refused opens in a row are remembered.
# 8 copies of 8 MiB: the writeback burst of 64 WRITEs is all issued
# before the DELEGRETURN here; with 32 (T70_DELEG_COPIES=32) the later
# WRITEs show the writeback local again after it.
T70_DELEG_COPIES=${T70_DELEG_COPIES:-8}
nfs_mount 4.2 pnfsdeleg localio=on "$PNFS_EXPORT"
# t70_deleg_write FILE COPIES: writes COPIES copies of the reference data
# to FILE, opened for reading and writing (what nfsd gives a write
# delegation for), then fsyncs.
t70_deleg_write() {
	python3 - "$1" "$2" "$WORK/t70.ref" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
ref = open(sys.argv[3], "rb").read()
for _ in range(int(sys.argv[2])):
    os.write(fd, ref)
os.fsync(fd)
os.close(fd)
PY
}
t70_deleg_name=deleg.$$
# Created on the export, then opened through the mount: a file no recall
# has touched yet, whose delegation nfsd's filter of recalled handles
# does not block.
: >"$PNFS_EXPORT/$t70_deleg_name"
chmod 666 "$PNFS_EXPORT/$t70_deleg_name"
t70_deleg_returns0=$(t70_op "$MNT/pnfsdeleg" DELEGRETURN)
t70_deleg_remembered0=$(t70_ds declined_refused_recently)
t70_deleg_written0=$(t70_ds local_write_bytes)
t70_deleg_write "$MNT/pnfsdeleg/$t70_deleg_name" "$T70_DELEG_COPIES"
t70_deleg_returns=$(( $(t70_op "$MNT/pnfsdeleg" DELEGRETURN) - t70_deleg_returns0 ))
t70_deleg_local=$(( $(t70_ds local_write_bytes) - t70_deleg_written0 ))
t70_deleg_remembered=$(( $(t70_ds declined_refused_recently) - t70_deleg_remembered0 ))
say "delegations returned: $t70_deleg_returns; written locally: $t70_deleg_local bytes," \
	"refusals remembered: $t70_deleg_remembered, lease declines: $(t70_ds declined_lease)"
# A delegation returned during the write is one the data server recalled.
if [ "$t70_deleg_returns" -gt 0 ]; then
	check "v4.2 on: a recalled delegation's refused opens are not remembered" \
		test "$t70_deleg_remembered" -eq 0
else
	skip "v4.2 on: a recalled delegation's refused opens are not remembered" \
		"nfsd granted no write delegation"
fi
t70_deleg_sum=$(for _ in $(seq "$T70_DELEG_COPIES"); do cat "$WORK/t70.ref"; done | md5sum | cut -d' ' -f1)
check "v4.2 on: the file written under a recalled delegation is intact" \
	test "$(cold_sum "$MNT/pnfsdeleg/$t70_deleg_name")" = "$t70_deleg_sum" -a \
	"$(sum "$PNFS_EXPORT/$t70_deleg_name")" = "$t70_deleg_sum"
rm -f "$PNFS_EXPORT/$t70_deleg_name"
umount "$MNT/pnfsdeleg"

# --- the data server (and metadata server) restarted under I/O ---------
# nfsd's shutdown waits for the files LOCALIO holds for the data server's
# client; the writer must come through (locally, or by RPC once nfsd is
# back and the layout is got again) with its data intact, and nothing may
# hang.
nfs_mount 4.2 pnfsrestart localio=on "$PNFS_EXPORT"
t70_restart() {
	local pid rc=0 t0 t1
	dd if="$WORK/t70.ref" of="$MNT/pnfsrestart/restart" bs=1M oflag=direct status=none
	dd if="$WORK/t70.ref" of="$MNT/pnfsrestart/restart" bs=256k oflag=direct \
		conv=notrunc status=none &
	pid=$!
	sleep 1
	t0=$(date +%s)
	timeout 60 rpc.nfsd 0 || rc=1
	t1=$(date +%s)
	sleep 2
	rpc.nfsd -V 3 -V 4.2 4
	wait "$pid" || rc=$?
	say "rpc.nfsd 0 under data-server I/O took $((t1 - t0)) s; the writer exited $rc"
	[ "$rc" -eq 0 ] && [ $((t1 - t0)) -le 10 ] &&
		[ "$(cold_sum "$PNFS_EXPORT/restart")" = "$t70_ref" ]
}
check "v4.2 on: nfsd restarted under data-server I/O: nothing lost, nothing hung" t70_restart
t70_local_again() {
	local i w0
	for i in $(seq 20); do
		w0=$(t70_ds local_write_bytes)
		dd if="$WORK/t70.ref" of="$MNT/pnfsrestart/again" bs=1M count=1 \
			oflag=direct status=none
		[ "$(t70_ds local_write_bytes)" -gt "$w0" ] && return 0
		sleep 1
	done
	return 1
}
check "v4.2 on: data-server I/O is local again after the restart" t70_local_again
rm -f "$MNT/pnfsrestart"/*
umount "$MNT/pnfsrestart"

# --- a layout recalled under running I/O --------------------------------
# nfsd's flexfiles layouts are recalled only by a conflicting LAYOUTGET
# (nfsd4_recall_conflict(): another client's layout of the same file); an
# NFSv4.1 and an NFSv4.2 mount are two clients to nfsd (the minor version
# is part of the client owner string). A v4.2 writer overwrites a file with
# the same bytes while a v4.1 reader reads it: each one's LAYOUTGET
# recalls the other's layout, so both keep losing their layout and getting
# it again in the middle of their I/O, which must stay intact, local and
# unhung.
nfs_mount 4.2 pnfsrecall42 localio=on "$PNFS_EXPORT"
nfs_mount 4.1 pnfsrecall41 localio=on "$PNFS_EXPORT"
t70_recall() {
	local w=$MNT/pnfsrecall42 r=$MNT/pnfsrecall41 pid rc=0 bad=0 i
	local wg0 rg0 wg rg lw0 lr0 lw lr t0=$SECONDS
	dd if="$WORK/t70.ref" of="$w/recall" bs=1M oflag=direct status=none
	wg0=$(t70_op "$w" LAYOUTGET) rg0=$(t70_op "$r" LAYOUTGET)
	lw0=$(t70_ds local_write) lr0=$(t70_ds local_read)
	(for i in $(seq 8); do
		dd if="$WORK/t70.ref" of="$w/recall" bs=256k oflag=direct \
			conv=notrunc status=none || exit 1
	done) &
	pid=$!
	for i in $(seq 8); do
		[ "$(dd if="$r/recall" bs=256k iflag=direct status=none | md5sum |
			cut -d' ' -f1)" = "$t70_ref" ] || bad=$((bad + 1))
	done
	timeout 120 tail --pid="$pid" -f /dev/null
	wait "$pid" || rc=$?
	wg=$(( $(t70_op "$w" LAYOUTGET) - wg0 )) rg=$(( $(t70_op "$r" LAYOUTGET) - rg0 ))
	lw=$(( $(t70_ds local_write) - lw0 )) lr=$(( $(t70_ds local_read) - lr0 ))
	say "layout ping-pong: the writer got its layout $wg more times, the reader $rg;" \
		"writer exit $rc, $bad of 8 reads differed, $lw writes and $lr reads local, $((SECONDS - t0)) s"
	[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$wg" -ge 2 ] && [ "$rg" -ge 2 ] &&
		[ "$lw" -gt 0 ] && [ "$lr" -gt 0 ] &&
		[ "$(cold_sum "$PNFS_EXPORT/recall")" = "$t70_ref" ]
}
check "v4.1 reader and v4.2 writer recall each other's layout under I/O: data intact, still local, nothing hung" \
	t70_recall
rm -f "$MNT/pnfsrecall42/recall"
umount "$MNT/pnfsrecall41" "$MNT/pnfsrecall42"

# --- nfsd is the authority over data-server I/O too ----------------------
# The scenarios of t30 (tests/vm/authority.sh) on the pnfs export over
# NFSv4.2, where the write after the change is a data-server WRITE through
# a file LOCALIO already holds. The layout's credential is the file
# owner's, so after chmod nfsd's owner override lets the write through
# over RPC too. (exports-edited needs an /etc/exports line, which this
# export does not have.)
. "$TOP/tests/vm/authority.sh"
AUTH_DIR=$PNFS_EXPORT AUTH_DIR_OPTS=fsid=6,no_subtree_check,insecure,pnfs
AUTH_MNT_PREFIX=pnfsauth- AUTH_CLIENT=3-ds
nfs_mount 4.2 pnfsauth-off42 localio=off "$PNFS_EXPORT"
nfs_mount 4.2 pnfsauth-c42 "" "$PNFS_EXPORT"
nfs_mount 4.2 pnfsauth-on42 localio=on "$PNFS_EXPORT"
authority_matrix "v4.2 pnfs" 4.2 unexport read-only root_squash client-removed chmod unlink
auth_default
umount "$MNT/pnfsauth-off42" "$MNT/pnfsauth-c42" "$MNT/pnfsauth-on42"

pnfs_export_teardown
check_no_kernel_reports t70
