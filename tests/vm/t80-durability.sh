# SPDX-License-Identifier: GPL-2.0
#
# Acknowledged means durable: what fsync(), O_DIRECT, O_DSYNC, a COMMIT
# or a FILE_SYNC WRITE reported as written through a mount survives a
# power cut of the disk under the export. The export's XFS sits on
# dm-log-writes, which logs a write only once it is on stable storage (a
# FUA write when it completes, any other at the next flush); after each
# acknowledged step the test sets a mark, and tests/vm/logreplay.py
# rebuilds the disk as a power cut at that mark would have left it. XFS
# recovers its log on mount, and every byte acknowledged by then must be
# there, at its size, not zeros or stale. localio=on must lose nothing;
# what localio=off (RPC) and the built-in path lose is reported, and we
# must not lose more. Sourced by tests/vm/guest.sh after t70.

modules_load
modprobe dm-log-writes

DUR=/tmp/durable                   # tmpfs: the images and the log
DUR_EXPORT=$EXPORT_ROOT/durable
DUR_DEV=durlog
DUR_MIB=${DUR_MIB:-1}              # size of each workload's file
# The built-in path only under SOAK=1 (with bigger files): 30-40 s per run.
DUR_MODES=${DUR_MODES:-off on}
[ "${SOAK:-0}" = 0 ] || { DUR_MODES="off c on"; DUR_MIB=${SOAK_DUR_MIB:-8}; }
mkdir -p "$DUR" "$DUR_EXPORT"
mountpoint -q "$DUR" || mount -t tmpfs -o size=2g durable "$DUR"
# 64 MiB per MiB of workload, so that each replay copies and recovers
# little: mkfs.xfs makes an XFS below its 300 MiB minimum when it runs for
# fstests (these variables).
truncate -s $((64 * DUR_MIB))M "$DUR/data.img"
TEST_DIR=$DUR TEST_DEV=$DUR/data.img QA_CHECK_FS=1 mkfs.xfs -f -q "$DUR/data.img"
cp --sparse=always "$DUR/data.img" "$DUR/base.img"
head -c $((8 * DUR_MIB))M /dev/urandom >"$WORK/dur.ref"

replay=("$TOP/tests/vm/logreplay.py")
mib=$((DUR_MIB * 1048576))

# dur_expect NAME FROM LEN: the bytes a workload's file must hold once its
# step is acknowledged (LEN bytes of the reference from offset FROM).
dur_expect() {
	dd if="$WORK/dur.ref" of="$DUR/want.$1" iflag=skip_bytes,count_bytes \
		skip="$2" count="$3" status=none
}
# dur_ack MARK FILE...: the step is acknowledged: a mark in the log, and
# the files it names must hold their expected bytes at that mark.
dur_marks=()
declare -A dur_files
dur_ack() {
	dmsetup message "$DUR_DEV" 0 mark "$1"
	dur_marks+=("$1")
	dur_files[$1]="$*"
}

# dur_workloads DIR: (a) buffered writes + fsync; (b) O_DIRECT writes,
# which NFS completes stable; (c) O_DSYNC writes; (d) unstable WRITEs of
# the page cache (pushed out by sync_file_range) and the COMMIT of fsync;
# (f) O_DSYNC writes of 100001 bytes, so that all but the first start and
# end inside an alignment unit: stable WRITEs with buffered pieces; (g)
# the same sizes written unstable, then fsync (a COMMIT over buffered
# pieces); (e) a file that grows by appends, each followed by fsync.
dur_workloads() {
	local d=$1 i
	dur_marks=()
	dur_files=()
	# The control: written on the server through its page cache, never
	# synced, so at its mark it is not on the disk. A replay that found
	# it there would not be modelling a power cut.
	dd if="$WORK/dur.ref" of="$DUR_EXPORT/z" bs=64k count=$((16 * DUR_MIB)) status=none &&
		dur_expect z 0 $mib && dmsetup message "$DUR_DEV" 0 mark z
	dd if="$WORK/dur.ref" of="$d/a" bs=64k count=$((16 * DUR_MIB)) conv=fsync status=none &&
		dur_expect a 0 $mib && dur_ack a a
	dd if="$WORK/dur.ref" of="$d/b" bs=64k count=$((16 * DUR_MIB)) skip=$((16 * DUR_MIB)) \
		oflag=direct status=none &&
		dur_expect b $mib $mib && dur_ack b a b
	dd if="$WORK/dur.ref" of="$d/c" bs=64k count=$((16 * DUR_MIB)) skip=$((32 * DUR_MIB)) \
		oflag=dsync status=none &&
		dur_expect c $((2 * mib)) $mib && dur_ack c a b c
	xfs_io -f -c "pwrite -q -i $WORK/dur.ref -s $((3 * mib)) 0 $mib" \
		-c "sync_range -w 0 $mib" -c fsync "$d/d" &&
		dur_expect d $((3 * mib)) $mib && dur_ack d a b c d
	dd if="$WORK/dur.ref" of="$d/f" bs=100001 count=10 iflag=skip_bytes skip=$((5 * mib)) \
		oflag=dsync status=none &&
		dur_expect f $((5 * mib)) 1000010 && dur_ack f a b c d f
	xfs_io -f -c "pwrite -q -i $WORK/dur.ref -s $((6 * mib)) -b 100001 0 $((mib + 777))" \
		-c fsync "$d/g" &&
		dur_expect g $((6 * mib)) $((mib + 777)) && dur_ack g a b c d f g
	for i in 0 1 2 3; do
		dd if="$WORK/dur.ref" of="$d/e" bs=$((mib / 4)) count=1 skip=$((16 + i)) seek=$i \
			conv=notrunc,fsync status=none || return 1
		[ "$i" = 0 ] || [ "$i" = 2 ] || {
			dur_expect e $((4 * mib)) $(((i + 1) * mib / 4))
			cp "$DUR/want.e" "$DUR/want.e$i"
			dur_ack "e$i" a b c d f g "e:e$i"
		}
	done
}

# dur_lost MARK: bytes lost at MARK over the files acknowledged by then.
dur_lost() {
	local mark=$1 total
	cp --sparse=always "$DUR/base.img" "$DUR/replay.img"
	python3 "${replay[@]}" "$DUR/log.img" "$DUR/replay.img" "$mark" >/dev/null || { echo -1; return; }
	mkdir -p "$DUR/replay"
	mount -o loop,nouuid "$DUR/replay.img" "$DUR/replay" 2>/dev/null || { echo -1; return; }
	# shellcheck disable=SC2086
	total=$(python3 "${replay[@]}" --lost "$DUR/replay" "$DUR" ${dur_files[$mark]#* })
	umount "$DUR/replay"
	echo "$total"
}

# dur_run VERS MODE: one power-cut experiment; sets dur_report and
# dur_lost_total.
dur_run() {
	local v=$1 mode=$2 opts m io0 b0 p0 mark lost t0=$SECONDS t1
	case $mode in on) opts=localio=on;; off) opts=localio=off;; c) opts=;; esac
	cp --sparse=always "$DUR/base.img" "$DUR/data.img"
	truncate -s 0 "$DUR/log.img"; truncate -s 512M "$DUR/log.img"
	local data log
	data=$(losetup -f --show "$DUR/data.img") log=$(losetup -f --show "$DUR/log.img")
	# No udev in the guest: dmsetup makes the /dev/mapper node itself.
	dmsetup --noudevsync create "$DUR_DEV" \
		--table "0 $(blockdev --getsz "$data") log-writes $data $log" &&
		dmsetup mknodes "$DUR_DEV" &&
		mount -t xfs "/dev/mapper/$DUR_DEV" "$DUR_EXPORT" || {
		say "v$v $mode: no dm-log-writes device"
		dmsetup --noudevsync remove "$DUR_DEV" 2>/dev/null
		losetup -d "$data" "$log"
		dur_report=" (not run)" dur_lost_total=1000000000 dur_nfsd=0 dur_local=0 dur_buffered=0 dur_direct=0
		return
	}
	chmod 1777 "$DUR_EXPORT"
	exportfs -o rw,fsid=7,no_subtree_check,no_root_squash,insecure "127.0.0.1:$DUR_EXPORT"
	m=$MNT/dur-$mode${v/./}
	nfs_mount "$v" "dur-$mode${v/./}" "$opts" "$DUR_EXPORT"
	io0=$(nfsd_io) b0=$(counter local_write_bytes) p0=$(counter local_buffered_bytes)
	d0=$(counter direct_write)
	dur_workloads "$m" || say "v$v $mode: a workload failed"
	dur_nfsd=$(( $(nfsd_io) - io0 )) dur_local=$(( $(counter local_write_bytes) - b0 ))
	dur_direct=$(( $(counter direct_write) - d0 ))
	dur_buffered=$(( $(counter local_buffered_bytes) - p0 ))
	umount "$m"
	exportfs -u "127.0.0.1:$DUR_EXPORT"
	umount_retry "$DUR_EXPORT"
	dmsetup --noudevsync remove "$DUR_DEV"
	losetup -d "$data" "$log"
	t1=$SECONDS
	dur_report= dur_lost_total=0
	for mark in "${dur_marks[@]}"; do
		lost=$(dur_lost "$mark")
		dur_report+=" $mark=$lost"
		[ "$lost" -ge 0 ] && dur_lost_total=$((dur_lost_total + lost)) ||
			dur_lost_total=$((dur_lost_total + 1000000000))
	done
	dur_files[z]="z z"
	dur_control=$(dur_lost z)
	dur_secs="$((t1 - t0)) s to write, $((SECONDS - t1)) s to replay"
	# The steps: a b c d f g e1 e3.
	[ "${#dur_marks[@]}" -eq 8 ] || dur_lost_total=$((dur_lost_total + 1000000000))
}

declare -A dur_result
dur_control_ok=yes
for v in 3 4.2; do
	for mode in $DUR_MODES; do
		dur_run "$v" "$mode"
		dur_result[$v.$mode]=$dur_lost_total
		say "v$v $mode: bytes lost at each acknowledged step after a power cut:$dur_report" \
			"(nfsd moved $dur_nfsd bytes, $dur_local written locally by us, $dur_buffered of them buffered," \
			"$dur_direct O_DIRECT writes taken whole; $dur_secs);" \
			"the unsynced control lost $dur_control of $mib"
		[ "$dur_control" -gt 0 ] || dur_control_ok=no
		[ "$mode" != on ] || check "v$v localio=on: the workloads were served locally, the odd sizes' pieces buffered" \
			eval '[ "$dur_local" -ge $((4 * mib)) ] && [ "$dur_buffered" -gt 0 ]'
		[ "$mode" != on ] || check "v$v localio=on: its O_DIRECT writes went through the direct path" \
			test "$dur_direct" -gt 0
	done
	check "v$v localio=on: nothing acknowledged is lost in a power cut (fsync, O_DIRECT, O_DSYNC, COMMIT, odd sizes, appends)" \
		test "${dur_result[$v.on]}" -eq 0
	check "v$v localio=on loses no more than localio=off (${dur_result[$v.off]} bytes)" \
		test "${dur_result[$v.on]}" -le "${dur_result[$v.off]}"
done

check "the replay loses what was never flushed (the unsynced control, every run)" \
	test "$dur_control_ok" = yes

umount "$DUR" && rmdir "$DUR"
rmdir "$DUR_EXPORT"
check_no_kernel_reports t80
