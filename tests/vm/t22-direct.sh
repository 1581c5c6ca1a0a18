# SPDX-License-Identifier: GPL-2.0
#
# An application's O_DIRECT served whole (patch 0014): handed to the
# exported file before nfs.ko builds any request, and what the
# application sees of it the same as over RPC: attributes on this and a
# second mount, a buffered reader's view, reads at end of file, RWF_APPEND,
# RWF_NOWAIT and RWF_HIPRI, EDQUOT; aio and io_uring completions from the
# NVMe disk's interrupts; what the path leaves to the pageio path, and why.
# Sourced by tests/vm/guest.sh after t20.

modules_load
export_on nvme512 || export_on brd
T22=$WORK/t22
mkdir -p "$T22"
head -c 4M /dev/urandom >"$T22/ref"
# stat's view of a file: size, then mtime and ctime to the nanosecond.
attrs() { stat -c '%s %.9Y %.9Z' "$1"; }
t22_fio_ok() {
	fio --output="$WORK/fio.out" --eta=never --verify=crc32c --do_verify=1 --verify_state_save=0 \
		--verify_fatal=1 --filename="$1" "${@:2}" &&
		! grep -q "verify:.*bad" "$WORK/fio.out"
}

for v in 3 4.2; do
	n=${v/./}
	other=$([ "$v" = 3 ] && echo 4.2 || echo 3)
	nfs_mount "$v" "d-on$n" localio=on
	nfs_mount "$v" "d-off$n" localio=off
	nfs_mount "$other" "d-other$n" localio=off
	on=$MNT/d-on$n off=$MNT/d-off$n second=$MNT/d-other$n

	io0=$(nfsd_io) w0=$(counter direct_write) r0=$(counter direct_read)
	dd if="$T22/ref" of="$on/whole" bs=1M oflag=direct status=none &&
		dd if="$on/whole" of="$T22/back" bs=1M iflag=direct status=none
	check "v$v 4 MiB O_DIRECT, 1 MiB at a time: taken whole, intact, nothing through nfsd" \
		eval 'cmp -s "$T22/ref" "$T22/back" && cmp -s "$T22/ref" "$EXPORT/whole" &&
			[ $(( $(counter direct_write) - w0 )) -eq 4 ] &&
			[ $(( $(counter direct_read) - r0 )) -ge 4 ] && [ "$(nfsd_io)" -eq "$io0" ]'

	# Attributes after an extending, then an overwriting direct write: on
	# this mount at once, and on a second mount (the other version) once
	# it opens the file, what the server has.
	attrs_as_server() {
		local f=$1 rc=0
		dd if="$T22/ref" of="$on/$f" bs=4k count=3 seek="$2" oflag=direct conv=notrunc status=none
		[ "$(attrs "$on/$f")" = "$(attrs "$EXPORT/$f")" ] ||
			{ say "this mount: $(attrs "$on/$f"), server: $(attrs "$EXPORT/$f")"; rc=1; }
		cat "$second/$f" >/dev/null
		[ "$(attrs "$second/$f")" = "$(attrs "$EXPORT/$f")" ] ||
			{ say "second mount: $(attrs "$second/$f"), server: $(attrs "$EXPORT/$f")"; rc=1; }
		return $rc
	}
	dd if="$T22/ref" of="$on/attr" bs=4k count=4 oflag=direct status=none
	cat "$second/attr" >/dev/null
	sleep 0.1
	check "v$v extending O_DIRECT write: size, mtime and ctime as the server has them, here and on a v$other mount" \
		attrs_as_server attr 6
	sleep 0.1
	check "v$v overwriting O_DIRECT write: mtime and ctime as the server has them, here and on a v$other mount" \
		attrs_as_server attr 1

	# Reads at the end of the file, RWF_APPEND, RWF_NOWAIT/RWF_HIPRI, and a
	# buffered reader of a file written O_DIRECT: the same as over RPC.
	mkdir -p "$on/sem" "$off/sem"
	d0=$(direct_taken)
	sem_on=$(python3 "$TOP/tests/vm/directsem.py" "$on/sem" 2>&1)
	sem_off=$(python3 "$TOP/tests/vm/directsem.py" "$off/sem" 2>&1)
	say "v$v localio=on:  $sem_on"
	say "v$v localio=off: $sem_off"
	check "v$v EOF reads, RWF_APPEND, RWF_NOWAIT, RWF_HIPRI, a buffered reader: as over RPC" \
		eval '[ "$sem_on" = "$sem_off" ] && [[ "$sem_on" == *coherent=yes* ]]'
	check "v$v ... and served by the direct path" test "$(direct_taken)" -gt "$d0"

	# mountstats counts it: nfs.ko's direct bytes, and our localio: line.
	direct_bytes() { awk -v m="$on" '$1 == "device" {dev = ($5 == m)} dev && $1 == "bytes:" {print $4 + $5}' /proc/self/mountstats; }
	local_line() { awk -v m="$on" '$1 == "device" {dev = ($5 == m)} dev && $1 == "localio:"' /proc/self/mountstats | grep -o 'local_write_bytes=[0-9]*' | cut -d= -f2; }
	b0=$(direct_bytes) l0=$(local_line)
	dd if="$T22/ref" of="$on/counted" bs=1M count=2 oflag=direct status=none
	check "v$v mountstats: nfs.ko's direct byte counters and the localio: line count it" \
		eval '[ $(( $(direct_bytes) - b0 )) -eq $((2 << 20)) ] && [ $(( $(local_line) - l0 )) -eq $((2 << 20)) ]'

	# aio and io_uring, completions from the disk's interrupts.
	a0=$(counter completed_async) d0=$(direct_taken)
	for engine in libaio io_uring; do
		check "v$v fio verify, $engine qd16 4k random writes: intact" t22_fio_ok "$on/f-$engine" \
			--name=$engine --rw=randwrite --bs=4k --size=4M --direct=1 --ioengine=$engine --iodepth=16
	done
	say "v$v async: $(( $(direct_taken) - d0 )) taken whole, $(( $(counter completed_async) - a0 )) completed after their submission returned"
	check "v$v aio and io_uring went through the direct path" test "$(direct_taken)" -gt $((d0 + 2048))
	nfs_umount_all
done

# --- left to the pageio path, each for its reason --------------------------
nfs_mount 3 d-on3 localio=on
on=$MNT/d-on3
tracing=/sys/kernel/tracing
echo 1 >"$tracing/events/localio_rs/localio_rs_decline/enable"
: >"$tracing/trace"
m0=$(counter direct_declined_misaligned) io0=$(nfsd_io)
dd if="$T22/ref" of="$on/odd" bs=1000 count=100 oflag=direct status=none
check "1000-byte O_DIRECT writes: left to the pageio path as misaligned, served there, traced" \
	eval '[ "$(counter direct_declined_misaligned)" -ge $((m0 + 100)) ] &&
		grep -q "direct_write.*misaligned" "$tracing/trace" &&
		cmp -s <(head -c 100000 "$T22/ref") "$EXPORT/odd"'
echo 0 >"$tracing/events/localio_rs/localio_rs_decline/enable"
# A loop device with direct I/O on a file of the mount: its worker is no
# application, so the pageio path's queue submits its I/O.
s0=$(counter direct_declined_submitter)
truncate -s 16M "$on/loopimg"
loopdev=$(losetup --direct-io=on -f --show "$on/loopimg")
dd if="$T22/ref" of="$loopdev" bs=1M oflag=direct status=none
sync
check "a loop device's direct I/O on the mount: left to the pageio path (not the application), intact" \
	eval '[ "$(counter direct_declined_submitter)" -gt "$s0" ] &&
		cmp -s "$T22/ref" <(head -c 4M "$EXPORT/loopimg")'
losetup -d "$loopdev"
nfs_umount_all

# --- EDQUOT, as over RPC ----------------------------------------------------
# A user with a 1 MiB block quota writes 1 MiB O_DIRECT records until
# refused: the same call fails, with the same errno, on both paths.
quota_img=$WORK/t22-quota.img
truncate -s 320M "$quota_img"    # the smallest XFS mkfs.xfs makes
mkfs.xfs -f -q "$quota_img"
QUOTA_EXPORT=$EXPORT_ROOT/quota
mkdir -p "$QUOTA_EXPORT"
if mount -o loop,uquota "$quota_img" "$QUOTA_EXPORT"; then
	chmod 1777 "$QUOTA_EXPORT"
	xfs_quota -x -c 'limit -u bhard=1m nobody' "$QUOTA_EXPORT"
	exportfs -o rw,fsid=9,no_subtree_check,insecure "127.0.0.1:$QUOTA_EXPORT"
	quota_run() {    # MODE direct|buffered
		nfs_mount 3 "q-$1" "localio=$1" "$QUOTA_EXPORT"
		setpriv --reuid=65534 --regid=65534 --clear-groups python3 - "$MNT/q-$1/f-$1" "$2" <<-'PY'
		import errno, mmap, os, sys
		direct = os.O_DIRECT if sys.argv[2] == "direct" else 0
		fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | direct, 0o644)
		buf = mmap.mmap(-1, 1 << 20)
		for i in range(4):
		    try:
		        os.pwrite(fd, buf, i << 20)
		        os.fsync(fd)
		    except OSError as e:
		        print(f"record {i}: {errno.errorcode[e.errno]}")
		        break
		else:
		    print("no error")
		PY
		umount "$MNT/q-$1"
		rm -f "$QUOTA_EXPORT/f-$1"    # its blocks back to the quota
	}
	for kind in direct buffered; do
		w0=$(counter direct_write) p0=$(counter local_buffered_bytes)
		q_off=$(quota_run off $kind) q_on=$(quota_run on $kind)
		say "EDQUOT, $kind: localio=off: $q_off; localio=on: $q_on ($(( $(counter direct_write) - w0 ))" \
			"taken whole, $(( $(counter local_buffered_bytes) - p0 )) bytes written as nfsd writes)"
		check "EDQUOT: a $kind writer over its quota fails at the same call, with the same errno, as over RPC" \
			eval '[ "$q_on" = "$q_off" ] && [[ "$q_on" == *EDQUOT* ]]'
	done
	exportfs -u "127.0.0.1:$QUOTA_EXPORT"
	umount "$QUOTA_EXPORT"
else
	skip "EDQUOT: an O_DIRECT writer over its quota fails as over RPC" "no uquota mount"
fi
rm -f "$quota_img"

export_back t22
check_no_kernel_reports t22
