# SPDX-License-Identifier: GPL-2.0
#
# Guest-side helpers: the NFS server/client setup every VM job shares, and a
# small TAP producer. Sourced by tests/vm/guest.sh inside the VM.

TOP=${TOP:-$(pwd)}
EXPORT_ROOT=/tmp/nfsroot           # NFSv4 pseudo-root (tmpfs, fsid=0)
EXPORT=$EXPORT_ROOT/xfs            # the data export: XFS on /dev/ram0 (see export_on)
SMALL_EXPORT=$EXPORT_ROOT/small    # 300 MiB XFS on a loop device
AUTH_EXPORT=$EXPORT/auth           # its options change under running I/O
AUTH_OPTS=fsid=5,no_subtree_check,insecure
MNT=/tmp/mnt                       # client mount points live below
WORK=/tmp/work                     # tmpfs for reference data
STATS=/sys/kernel/debug/localio_rs/stats
RAMDISK_MB=${RAMDISK_MB:-1536}

say() { printf '# %s\n' "$*"; }

# --- KTAP --------------------------------------------------------------
# What kselftest tooling reads: a version line, one result line per check,
# SKIP directives, the plan (at the end: the checks are counted as they
# run) and kselftest's totals line. The last line is our own summary.
tap_n=0
tap_fail=0
tap_skip=0
tap_xfail=0
tap_xpass=0
tap_start() { echo 'TAP version 13'; }
ok() { tap_n=$((tap_n + 1)); printf 'ok %d - %s\n' "$tap_n" "$*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); printf 'not ok %d - %s\n' "$tap_n" "$*"; }
# skip "description" "reason": a check that cannot run here.
skip() {
	tap_n=$((tap_n + 1)); tap_skip=$((tap_skip + 1))
	printf 'ok %d - %s # SKIP %s\n' "$tap_n" "$1" "$2"
}
# check_todo "description" "why" command...: a known gap, reported with a
# KTAP TODO directive (xfail when the command fails, xpass when it
# succeeds), never counted as passed or failed.
check_todo() {
	local desc=$1 why=$2; shift 2
	tap_n=$((tap_n + 1))
	if "$@"; then
		tap_xpass=$((tap_xpass + 1))
		printf 'ok %d - %s # TODO %s\n' "$tap_n" "$desc" "$why"
	else
		tap_xfail=$((tap_xfail + 1))
		printf 'not ok %d - %s # TODO %s\n' "$tap_n" "$desc" "$why"
	fi
}
# check "description" command...: passes when the command succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
tap_summary() {
	printf '1..%d\n' "$tap_n"
	local pass=$((tap_n - tap_fail - tap_skip - tap_xfail - tap_xpass))
	printf '# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:0\n' \
		"$pass" "$tap_fail" "$tap_xfail" "$tap_xpass" "$tap_skip"
	# Skipped and TODO checks are neither.
	printf '%d passed, %d failed\n' "$pass" "$tap_fail"
	[ "$tap_fail" -eq 0 ]
}

# --- server ------------------------------------------------------------
server_setup() {
	mkdir -p "$WORK" "$MNT" "$EXPORT_ROOT"
	mountpoint -q "$WORK" || mount -t tmpfs -o size=1g work "$WORK"
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	modprobe brd rd_nr=2 rd_size=$((RAMDISK_MB * 1024))
	modprobe loop
	mount -t tmpfs -o size=1m nfsroot "$EXPORT_ROOT"
	mkdir -p "$EXPORT"
	export_mkfs /dev/ram0
	export_disk=brd
	# A 300 MiB XFS (the smallest mkfs.xfs makes) for ENOSPC tests.
	mkdir -p /tmp/smallimg "$SMALL_EXPORT"
	mount -t tmpfs -o size=310m smallimg /tmp/smallimg
	truncate -s 300M /tmp/smallimg/xfs.img
	mkfs.xfs -f -q /tmp/smallimg/xfs.img
	mount -o loop /tmp/smallimg/xfs.img "$SMALL_EXPORT"
	chmod 1777 "$SMALL_EXPORT"
	cat >/etc/exports <<-EOT
	$EXPORT_ROOT 127.0.0.1(rw,fsid=0,crossmnt,no_subtree_check,no_root_squash,insecure)
	$EXPORT 127.0.0.1(rw,fsid=1,no_subtree_check,no_root_squash,insecure)
	$SMALL_EXPORT 127.0.0.1(rw,fsid=2,no_subtree_check,no_root_squash,insecure)
	$EXPORT/ro 127.0.0.1(ro,fsid=3,no_subtree_check,no_root_squash,insecure)
	$EXPORT/squash 127.0.0.1(rw,fsid=4,no_subtree_check,root_squash,insecure)
	$AUTH_EXPORT 127.0.0.1(rw,no_root_squash,$AUTH_OPTS)
	EOT
	modprobe nfsd
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
	# The shortest grace period nfsd accepts, so NFSv4 opens do not stall.
	echo 10 >/proc/fs/nfsd/nfsv4gracetime
	echo 10 >/proc/fs/nfsd/nfsv4leasetime
	mkdir -p /run/rpcbind /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery
	rpcbind -w 2>/dev/null || rpcbind
	exportfs -ra
	rpc.mountd
	rpc.nfsd -V 3 -V 4.2 4
	modprobe nfs
	modprobe nfsv3
	modprobe nfsv4
}

# export_mkfs DEV: a fresh XFS on DEV mounted as the data export, with the
# sub-exports whose rules nfsd must keep enforcing for local I/O.
export_mkfs() {
	mkfs.xfs -f -q "$1" &&
		mount -t xfs "$1" "$EXPORT" &&
		chmod 1777 "$EXPORT" &&
		mkdir -p "$EXPORT/ro" "$EXPORT/squash" "$AUTH_EXPORT" &&
		chmod 1777 "$EXPORT/squash" "$AUTH_EXPORT"
}

# --- the disk under the data export ------------------------------------
# server_setup puts $EXPORT on a RAM disk (brd), which completes every bio
# inside submit_bio() and reports a 512-byte DMA alignment. export_on DISK
# moves it, fresh and empty, with its sub-exports and their /etc/exports
# entries, onto another disk:
#   brd      /dev/ram0 (where server_setup leaves it)
#   nvme512  QEMU's NVMe, 512-byte logical blocks (tests/vm/run.sh attaches
#            it): 4-byte DMA alignment, completions from interrupts
#   nvme4k   the same with 4096-byte logical blocks (4Kn)
#   delay    dm-delay over /dev/ram0, DELAY_MS (3) on every read, write
#            and flush: each completion comes after submit_bio() returned
#            (from dm-delay's worker)
# NFS mounts of it ($MNT/*) are unmounted first; the rest of the server is
# left as it was. A test file that moves it moves it back to brd at its
# end (export_for, export_back). Fails, leaving the export on brd or where
# it was, when the disk is missing or nfsd does not let go of the export.
export_disk=brd                    # where $EXPORT is now
DELAY_DEV=exportdelay
DELAY_MS=${DELAY_MS:-3}
# export_dev DISK: the device node of DISK; NVMe namespaces are told apart
# by their logical block size, not by probe order.
export_dev() {
	local b want
	case $1 in
	brd) echo /dev/ram0;;
	delay) echo "/dev/mapper/$DELAY_DEV";;
	nvme512|nvme4k)
		want=512
		[ "$1" = nvme512 ] || want=4096
		for b in /sys/block/nvme*; do
			[ -e "$b/queue/logical_block_size" ] &&
				[ "$(cat "$b/queue/logical_block_size")" = "$want" ] &&
				[ -b "/dev/${b##*/}" ] && { echo "/dev/${b##*/}"; return 0; }
		done
		return 1;;
	*) return 1;;
	esac
}
export_on() {
	local disk=$1 dev
	case $disk in brd|delay) ;;
	nvme512|nvme4k) export_dev "$disk" >/dev/null || { say "export_on: no $disk disk in this VM"; return 1; };;
	*) say "export_on: unknown disk '$disk'"; return 1;;
	esac
	nfs_umount_all
	exportfs -ua
	if ! umount_retry "$EXPORT"; then
		say "export_on $disk: nfsd does not let go of $EXPORT; it stays on $export_disk"
		exportfs -ra
		return 1
	fi
	if [ "$export_disk" = delay ]; then
		dmsetup --noudevsync remove "$DELAY_DEV" || say "export_on: dmsetup remove $DELAY_DEV failed"
	fi
	export_disk=none
	if [ "$disk" = delay ]; then
		modprobe dm-delay &&
			dmsetup --noudevsync create "$DELAY_DEV" --table \
				"0 $(blockdev --getsz /dev/ram0) delay /dev/ram0 0 $DELAY_MS" &&
			dmsetup mknodes "$DELAY_DEV" || say "export_on: no dm-delay device"
	fi
	if dev=$(export_dev "$disk") && [ -b "$dev" ] && export_mkfs "$dev"; then
		export_disk=$disk
	else
		say "export_on $disk: no XFS on ${dev:-it}; back on brd"
		! mountpoint -q "$EXPORT" || umount "$EXPORT"
		[ "$disk" != delay ] || dmsetup --noudevsync remove "$DELAY_DEV" 2>/dev/null
		export_mkfs /dev/ram0 && export_disk=brd
	fi
	exportfs -ra
	[ "$export_disk" = "$disk" ]
}
# export_disk_facts: one "# " line on the disk under $EXPORT: its device,
# logical block size and DMA alignment, and the STATX_DIOALIGN of a file
# on it (xfs_io 6.1's statx does not print those fields, and Python 3.11
# has no os.statx: libc's statx through ctypes). Sets EXPORT_DIO_MEM and
# EXPORT_DIO_OFFSET (empty when statx does not say).
export_disk_facts() {
	local majmin q probe=$EXPORT/.dio-facts
	majmin=$(mountpoint -d "$EXPORT") q=/sys/dev/block/$majmin/queue
	: >"$probe"
	read -r EXPORT_DIO_MEM EXPORT_DIO_OFFSET < <(/usr/bin/python3 - "$probe" <<-'PY'
	import ctypes, os, sys
	libc = ctypes.CDLL(None, use_errno=True)
	buf = ctypes.create_string_buffer(256)    # struct statx
	STATX_DIOALIGN = 0x2000
	AT_FDCWD = -100
	if libc.statx(AT_FDCWD, os.fsencode(sys.argv[1]), 0, STATX_DIOALIGN, buf) != 0:
	    sys.exit(print(" "))
	word = lambda at: int.from_bytes(buf.raw[at:at + 4], "little")
	if not word(0) & STATX_DIOALIGN:
	    sys.exit(print(" "))
	print(word(152), word(156))    # stx_dio_mem_align, stx_dio_offset_align
	PY
	)
	rm -f "$probe"
	say "export on $export_disk: $(findmnt -n -o SOURCE "$EXPORT") ($majmin)," \
		"logical_block_size=$(cat "$q/logical_block_size") dma_alignment=$(cat "$q/dma_alignment")," \
		"STATX_DIOALIGN of a file: mem=${EXPORT_DIO_MEM:-?} offset=${EXPORT_DIO_OFFSET:-?}"
}
# export_for FILE DISK: at the start of test file FILE (t20, ...), the data
# export moved to DISK, as a check, and its facts logged. EXPORT_DISK, when
# set (run.sh passes it on), overrides every file's DISK: EXPORT_DISK=brd
# runs the suite as before the NVMe disks. export_back FILE: at its end, the
# export back on brd for the next file.
export_for() {
	local disk=${EXPORT_DISK:-$2}
	if [ "$disk" != "$export_disk" ]; then
		check "$1: the data export moved to $disk" export_on "$disk"
	fi
	export_disk_facts
}
export_back() {
	[ "$export_disk" = brd ] || check "$1: the data export moved back to brd" export_on brd
}

# pnfs_export_setup / pnfs_export_teardown: a `pnfs` export on its own XFS
# (the second RAM disk), so that NFSv4.1+ mounts of it get flexfiles
# layouts whose data server is this nfsd over NFSv3. Its own filesystem:
# NFSv4 reaches a sub-export only across a mount, and `pnfs` on the data
# export would make every NFSv4.1+ test a pNFS test.
PNFS_EXPORT=$EXPORT_ROOT/pnfs
# umount_retry DIR: unmounts an exported filesystem once nfsd has let go of
# its files: nfsd's file cache keeps an NFSv3 file open for a few seconds
# after its last use, so an umount right after the client's can find it
# busy. Each try is bounded, so a hang still shows.
umount_retry() {
	local i
	for i in $(seq 20); do
		timeout 60 umount "$1" 2>/dev/null && return 0
		sleep 1
	done
	timeout 60 umount "$1"
}
pnfs_export_setup() {
	mkfs.xfs -f -q /dev/ram1
	mkdir -p "$PNFS_EXPORT"
	mount -t xfs /dev/ram1 "$PNFS_EXPORT"
	chmod 1777 "$PNFS_EXPORT"
	exportfs -o rw,fsid=6,no_subtree_check,no_root_squash,insecure,pnfs \
		"127.0.0.1:$PNFS_EXPORT"
}
pnfs_export_teardown() {
	exportfs -u "127.0.0.1:$PNFS_EXPORT"
	umount_retry "$PNFS_EXPORT"
	rmdir "$PNFS_EXPORT"
}

# nfsd's "io" line: bytes read and written through nfsd since it started.
# leases_off: no leases, so no NFSv4 delegations for nfsd to hand out,
# until leases_restore puts back what leases_off found.
leases_saved=
leases_off() {
	leases_saved=$(cat /proc/sys/fs/leases-enable)
	echo 0 >/proc/sys/fs/leases-enable
}
leases_restore() {
	[ -z "$leases_saved" ] || echo "$leases_saved" >/proc/sys/fs/leases-enable
}
nfsd_io() { awk '/^io /{printf "%.0f\n", $2 + $3}' /proc/net/rpc/nfsd; }

# --- our modules -------------------------------------------------------
client_ko=$TOP/localio/localio_rs_client.ko
shim_ko=$TOP/nfsd_shim/localio_rs_nfsd_shim.ko
modules_load() {
	lsmod | grep -q '^localio_rs_nfsd_shim ' || insmod "$shim_ko"
	lsmod | grep -q '^localio_rs_client ' || insmod "$client_ko"
}
modules_unload() {
	! lsmod | grep -q '^localio_rs_client ' || rmmod localio_rs_client
	! lsmod | grep -q '^localio_rs_nfsd_shim ' || rmmod localio_rs_nfsd_shim
}
# counter NAME: one counter of the client module, 0 when it is not loaded.
counter() { awk -v k="$1" '$1 == k {print $2; f=1} END {if (!f) print 0}' "$STATS" 2>/dev/null || echo 0; }
# counters_now FILE: the module-wide counters now, into FILE.
counters_now() { awk 'NF == 2 && $2 ~ /^[0-9]+$/' "$STATS" >"$1" 2>/dev/null || : >"$1"; }
# counters_grown FILE PATTERN: the counters matching PATTERN (a regex)
# that grew since counters_now FILE, as "name=+delta ...".
counters_grown() {
	awk -v re="$2" 'NR == FNR { was[$1] = $2; next }
		$1 ~ re && $2 > was[$1] + 0 { printf "%s=+%d ", $1, $2 - was[$1] }' "$1" "$STATS" 2>/dev/null
}
# client_counter NFSVERS NAME: one counter of the client module's line for
# the NFS client of 127.0.0.1 with major version NFSVERS, empty if none.
client_counter() {
	awk -v v="nfsv$1" -v k="$2" '$1 == "client" && $2 == "127.0.0.1" && $3 == v {
		for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$STATS" 2>/dev/null
}
# log_count_since MARK PATTERN: kernel log lines after line MARK matching PATTERN.
log_count_since() { dmesg | tail -n +"$(( $1 + 1 ))" | grep -c -- "$2"; }
log_mark() { dmesg | wc -l; }
offered_total() { echo $(( $(counter offered_read) + $(counter offered_write) + $(counter offered_commit) )); }
# O_DIRECT requests the direct path took whole (patch 0014).
direct_taken() { echo $(( $(counter direct_read) + $(counter direct_write) )); }
served_total() { echo $(( $(counter local_read) + $(counter local_write) + $(counter local_commit) )); }

# --- client ------------------------------------------------------------
# nfs_mount VERS NAME [OPTIONS [EXPORT_DIR]]: mounts an export (default
# $EXPORT) at $MNT/NAME.
nfs_mount() {
	local vers=$1 name=$2 opts=${3:-} dir=${4:-$EXPORT} src
	case "$vers" in
	3) src=127.0.0.1:$dir; opts="vers=3,nolock${opts:+,$opts}";;
	4*) src=127.0.0.1:/${dir#"$EXPORT_ROOT"/}; opts="vers=$vers${opts:+,$opts}";;
	esac
	mkdir -p "$MNT/$name"
	mount -t nfs -o "$opts" "$src" "$MNT/$name"
}
# wait_local DIR: until a 4 KiB O_DIRECT write on the localio=on mount on
# DIR is served without nfsd (its client's LOCALIO handshake is done), at
# most 30 s; fails if it never is.
wait_local() {
	local i io0 rc=1
	for i in $(seq 30); do
		io0=$(nfsd_io)
		dd if=/dev/zero of="$1/.wait-local" bs=4096 count=1 oflag=direct conv=notrunc status=none &&
			[ "$(nfsd_io)" = "$io0" ] && { rc=0; break; }
		sleep 1
	done
	rm -f "$1/.wait-local"
	return $rc
}
nfs_umount_all() {
	local m
	for m in "$MNT"/*; do mountpoint -q "$m" && umount "$m"; done
	return 0
}
mount_opts() { awk -v m="$1" '$2 == m {print $4}' /proc/mounts; }
# small_file_tree TAR COUNT ALIGN: a tar of COUNT files under tree/ whose
# sizes are drawn like a source tree's (log-normal, median about 4 KiB, at
# most 1 MiB; the same tree for the same COUNT); prints the bytes in
# sub-ALIGN tails and the total.
small_file_tree() {
	local dir
	dir=$(mktemp -d)
	/usr/bin/python3 - "$dir/tree" "$2" "$3" <<'PY'
import os, random, sys
root, count, align = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
tails = total = 0
for i in range(count):
    d = os.path.join(root, f"d{i % 50:02d}", f"s{i % 7}")
    os.makedirs(d, exist_ok=True)
    size = min(int(rng.lognormvariate(8.3, 1.3)), 1 << 20)
    with open(os.path.join(d, f"f{i}.c"), "wb") as f:
        f.write(rng.randbytes(size))
    tails += size % align
    total += size
print(tails, total)
PY
	tar -C "$dir" -cf "$1" tree
	rm -rf "$dir"
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
sum() { md5sum <"$1" | cut -d' ' -f1; }
# cold_sum FILE: checksum read after dropping the page cache.
cold_sum() { drop_caches; sum "$1"; }
# ref_head_sum MB: checksum of the first MB MiB of the reference data.
ref_head_sum() { head -c "$1M" "$WORK/ref" | md5sum | cut -d' ' -f1; }

# What fails any run: warnings, bugs, lockdep reports, hung tasks, and the
# NFS client seeing a file change identity under it (bad attributes).
SPLAT_RE='WARNING:|BUG:|Oops|general protection|UBSAN|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked|workqueue: .* is flushing|Call Trace|NFS: server .* error: fileid changed'
dmesg_splats() { dmesg | grep -E "$SPLAT_RE" || true; }
# log_time: the timestamp of the kernel log's last line. log_since TIME:
# the log's lines after TIME (all of it for 0). (A line count, log_mark,
# stops growing once the 128 KiB log wraps, which a long run does.)
log_time() { dmesg | sed -n '$s/^\[ *\([0-9]*\.[0-9]*\)\].*/\1/p'; }
log_since() {
	dmesg | awk -v t="${1:-0}" '
		match($0, /^\[ *[0-9]+\.[0-9]+\]/) { s = substr($0, 2, RLENGTH - 2) + 0 }
		s > t + 0'
}
# Where the running test file's kernel log starts (guest.sh sets it as
# each file after the first starts; 0, boot, for the first): a report
# fails the file whose run logged it, not every file after it.
FILE_LOG_SINCE=0
# check_no_kernel_reports FILE: one check that nothing in the kernel log
# since FILE started (FILE_LOG_SINCE) matches SPLAT_RE, for the test file
# FILE (t10, t20, ...); what matches goes to the log, and the whole
# kernel log, with the reports' call traces, to $RESULTS/FILE.dmesg.
check_no_kernel_reports() {
	local splats
	splats=$(log_since "$FILE_LOG_SINCE" | grep -E "$SPLAT_RE" || true)
	[ -z "$splats" ] || printf '%s\n' "$splats" | sed 's/^/# dmesg: /'
	[ -z "$splats" ] || dmesg >"$RESULTS/$1.dmesg" 2>/dev/null || true
	check "$1: no WARN/BUG/lockdep/hung-task report in dmesg" test -z "$splats"
}
