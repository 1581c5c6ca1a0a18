# SPDX-License-Identifier: GPL-2.0
#
# A failing disk under the export: with the export's XFS on a device-mapper
# device whose table the test swaps (linear when healthy, dm-flakey failing
# writes or all I/O to one file's data when not), a write or read that
# fails below XFS must reach the application as the same errno at the same
# call (write, fsync, close, read) as over RPC, and a write the application
# was told succeeded must be on the disk. A lower XFS that shuts down fails
# every later request cleanly, with nothing hung, and the module still
# unloads. Once the disk is healthy again (and XFS mounted again), I/O is
# local again with no module reload. Sourced by tests/vm/guest.sh after t80.

modules_load
modprobe dm-flakey

FD=/tmp/failing                    # tmpfs: the disk image
FD_EXPORT=$EXPORT_ROOT/failing
FD_DEV=faildisk
# The suite runs a subset; SOAK=1 every case on both versions, and the
# built-in path beside them.
FD_MODES=${FD_MODES:-off on}
FD_CASES=${FD_CASES:-"3:direct:writes 3:buffered:writes 3:read:all 4.2:direct:writes 4.2:buffered:writes"}
if [ "${SOAK:-0}" != 0 ]; then
	FD_MODES="off c on" FD_CASES=
	for v in 3 4.2; do
		FD_CASES+=" $v:direct:writes $v:dsync:writes $v:buffered:writes $v:read:all"
	done
fi
mkdir -p "$FD" "$FD_EXPORT"
mountpoint -q "$FD" || mount -t tmpfs -o size=256m failing "$FD"
truncate -s 64M "$FD/disk.img"
fd_loop=$(losetup -f --show "$FD/disk.img")
fd_size=$(blockdev --getsz "$fd_loop")
errio=("$TOP/tests/vm/errio.py")
MIB=1048576

# fd_table healthy|writes|all: the device's table: as the disk, or with
# the data blocks of the export's file f failing writes (reads pass) or
# all I/O. Only f's blocks: a log write failing in the window would shut
# XFS down (the case below), after which every call fails, whichever
# call the data's error would have reached; whether one falls in the
# window is timing (the debug kernel's slower guest catches one).
fd_table() {
	case $1 in
	healthy) echo "0 $fd_size linear $fd_loop 0";;
	writes) fd_file_table " 1 error_writes";;
	all) fd_file_table "";;
	esac
}
# fd_file_table FEATURES: one line per stretch of the disk: flakey with
# FEATURES over each extent of f (from its block map, in 512-byte sectors
# of this device), linear between.
fd_file_table() {
	local at=0 first last
	while read -r first last; do
		[ "$first" -le "$at" ] ||
			echo "$at $((first - at)) linear $fd_loop $at"
		echo "$first $((last - first + 1)) flakey $fd_loop $first 0 3600$1"
		at=$((last + 1))
	done < <(xfs_io -r -c bmap "$FD_EXPORT/f" |
		sed -n 's/^.*: \[[0-9]*\.\.[0-9]*\]: \([0-9]*\)\.\.\([0-9]*\)$/\1 \2/p' | sort -n)
	[ "$at" -ge "$fd_size" ] || echo "$at $((fd_size - at)) linear $fd_loop $at"
}
# The table is made before the suspend: reading f's block map may read
# the disk, and I/O to a suspended device waits for its resume.
# --noflush: a plain suspend first flushes the device, which fails while
# it fails writes. The table on stdin: it may be more than one line.
fd_set() {
	local table
	table=$(fd_table "$1") &&
		dmsetup --noudevsync suspend --noflush "$FD_DEV" &&
		printf '%s\n' "$table" | dmsetup --noudevsync load "$FD_DEV" &&
		dmsetup --noudevsync resume "$FD_DEV"
}
dmsetup --noudevsync create "$FD_DEV" --table "$(fd_table healthy)" && dmsetup mknodes "$FD_DEV"

# fd_server_up [mkfs]: the export mounted (made afresh with mkfs) and
# exported; fd_server_down: the reverse.
fd_server_up() {
	[ "${1:-}" != mkfs ] ||
		TEST_DIR=$FD TEST_DEV=/dev/mapper/$FD_DEV QA_CHECK_FS=1 \
			mkfs.xfs -f -q "/dev/mapper/$FD_DEV"
	mount -t xfs "/dev/mapper/$FD_DEV" "$FD_EXPORT" || return 1
	chmod 1777 "$FD_EXPORT"
	exportfs -o rw,fsid=8,no_subtree_check,no_root_squash,insecure "127.0.0.1:$FD_EXPORT"
}
fd_server_down() {
	exportfs -u "127.0.0.1:$FD_EXPORT"
	umount_retry "$FD_EXPORT"
}
fd_local_writes() { client_counter "${1%%.*}" local_write; }

# fd_prepare VERS MODE PREFIX: a fresh XFS on the healthy disk with a 4 MiB
# file, mounted at $fd_mnt ($MNT/PREFIX-<mode><vers>) and written once
# through the mount, so that LOCALIO holds it.
fd_prepare() {
	local v=$1 mode=$2 opts
	case $mode in on) opts=localio=on;; off) opts=localio=off;; c) opts=;; esac
	fd_set healthy
	fd_server_up mkfs
	head -c $((4 * MIB)) /dev/urandom >"$FD_EXPORT/f"
	sync
	fd_mnt=$MNT/$3-$mode${v/./}
	nfs_mount "$v" "$3-$mode${v/./}" "$opts" "$FD_EXPORT"
	python3 "${errio[@]}" "$fd_mnt/f" direct 0 >/dev/null
}

# fd_scenario VERS MODE KIND FAULT: fd_prepare, caches dropped, the disk
# set to FAULT, one errio.py KIND at 1 MiB; the disk healthy again, XFS
# mounted again.
# Sets fd_answer and fd_on_disk (yes when the 1 MiB written is on the
# disk afterwards).
fd_scenario() {
	local v=$1 mode=$2 kind=$3 fault=$4 m
	fd_prepare "$v" "$mode" fail
	m=$fd_mnt
	drop_caches
	fd_set "$fault"
	fd_answer=$(timeout 120 python3 "${errio[@]}" "$m/f" "$kind" $MIB || echo TIMEOUT)
	fd_set healthy
	timeout 60 umount "$m" || umount -l "$m"
	fd_server_down
	fd_server_up
	fd_on_disk=no
	cmp -s -n $MIB <(tail -c +$((MIB + 1)) "$FD_EXPORT/f") <(head -c $MIB /dev/zero | tr '\0' '\245') &&
		fd_on_disk=yes
	fd_server_down
}

declare -A fd_got
for spec in $FD_CASES; do
	IFS=: read -r v kind fault <<<"$spec"
	for mode in $FD_MODES; do
		d0=$(direct_taken)
		fd_scenario "$v" "$mode" "$kind" "$fault"
		fd_got[$mode]=$fd_answer fd_got[$mode.disk]=$fd_on_disk
		fd_got[$mode.direct]=$(( $(direct_taken) - d0 ))
	done
	say "v$v $kind I/O on a disk failing $fault: localio=off '${fd_got[off]}'," \
		"localio=on '${fd_got[on]}'${fd_got[c]:+, built-in '${fd_got[c]}'}"
	check "v$v $kind I/O, disk failing $fault: localio=on fails at the same call as over RPC" \
		test "${fd_got[on]}" = "${fd_got[off]}"
	# O_DIRECT (kinds direct and read): through the direct path.
	[ "$kind" = buffered ] || [ "$kind" = dsync ] ||
		check "v$v $kind I/O, disk failing $fault: localio=on's O_DIRECT went through the direct path" \
			test "${fd_got[on.direct]}" -gt 0
	if [ "$kind" != read ]; then
		# Told it was written (every call ok): it must be on the disk.
		told=no
		[[ "${fd_got[on]}" == *=E* || "${fd_got[on]}" == TIMEOUT ]] || told=yes
		check "v$v $kind write, disk failing $fault: never reported written when it was not" \
			test "$told" = no -o "${fd_got[on.disk]}" = yes
	fi
	fd_got=()
done

# --- the lower XFS shuts down ---------------------------------------------
fd_shutdown() {
	local v=$1 mode=$2 m
	fd_prepare "$v" "$mode" shut
	m=$fd_mnt
	xfs_io -x -c "shutdown" "$FD_EXPORT"
	fd_answer="$(timeout 120 python3 "${errio[@]}" "$m/f" direct $MIB || echo TIMEOUT);"
	fd_answer+="$(timeout 120 python3 "${errio[@]}" "$m/f" read $MIB || echo TIMEOUT)"
	fd_unhung=yes
	timeout 60 umount "$m" || { fd_unhung=no; umount -l "$m"; }
	fd_server_down || fd_unhung=no
}
for v in 3 4.2; do
	for mode in $FD_MODES; do
		fd_shutdown "$v" "$mode"
		fd_got[$mode]=$fd_answer fd_got[$mode.unhung]=$fd_unhung
	done
	say "v$v after an XFS shutdown: localio=off '${fd_got[off]}', localio=on '${fd_got[on]}'"
	check "v$v XFS shut down: localio=on's write and read fail as over RPC" \
		test "${fd_got[on]}" = "${fd_got[off]}"
	check "v$v XFS shut down: the mount and the export come down, nothing hangs" \
		test "${fd_got[on.unhung]}" = yes
	fd_got=()
done
check "after an XFS shutdown under it, the client module unloads" \
	sh -c 'rmmod localio_rs_client'
modules_load

# --- healthy again: local again, with no reload ----------------------------
fd_local_again() {
	local m=$MNT/again3 w0 rc=1 fd_failed fd_again
	fd_set healthy
	fd_server_up mkfs
	head -c $((4 * MIB)) /dev/urandom >"$FD_EXPORT/f"
	sync
	nfs_mount 3 again3 localio=on "$FD_EXPORT"
	python3 "${errio[@]}" "$m/f" direct 0 >/dev/null
	fd_set writes
	fd_failed=$(python3 "${errio[@]}" "$m/f" direct $MIB)
	fd_set healthy
	w0=$(fd_local_writes 3)
	fd_again=$(python3 "${errio[@]}" "$m/f" direct $((2 * MIB)))
	say "v3 a write while f's blocks failed: '$fd_failed'; healthy again: '$fd_again'"
	[ "$fd_failed" = "open=ok write=EIO close=ok" ] &&
		[ "$fd_again" = "open=ok write=ok close=ok" ] &&
		[ "$(fd_local_writes 3)" -gt "${w0:-0}" ] && rc=0
	umount "$m"
	fd_server_down
	return $rc
}
check "v3 the disk healthy again: the next write is local, no module reload" fd_local_again

dmsetup --noudevsync remove "$FD_DEV"
losetup -d "$fd_loop"
umount "$FD" && rmdir "$FD"
rmdir "$FD_EXPORT"
check_no_kernel_reports t81
