# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's workloads and modes, shared by tests/vm/bench.sh and
# tests/vm/profile.sh so that a profile runs exactly what the table
# measured. Sourced in the guest after lib.sh.
#
#   xfs         fio on the exported XFS filesystem itself (the limit)
#   xfs-sync    as xfs with O_SYNC (fio --sync=sync), for the rows that
#               write: an NFS O_DIRECT write is on stable storage when it
#               completes (FILE_SYNC, or UNSTABLE then COMMIT) and plain
#               XFS O_DIRECT is not; this is the exported filesystem with
#               the same promise
#   off         localio=off: loopback RPC to nfsd
#   c           no option: built-in C LOCALIO, buffered on the server
#   c-odirect   as c, with nfs.localio_O_DIRECT_semantics=Y
#   on          localio=on: our provider
#   on-ref      as on, served by the modules in $BENCH_REF_ENGINE: those of
#               commit $BENCH_REF (tests/vm/ab_ref.sh), so that one run
#               shows a change's before and after; only when that is set
#               (`make bench` sets it)
#
# The NFS modes mount NFSv3 unless BENCH_NFS_VERS says otherwise (4.0,
# 4.1, 4.2: then every local READ and WRITE also asks nfsd about its
# stateid, which NFSv3 has none of). BENCH_PNFS=1 benchmarks pNFS
# flexfiles instead: the modes mount a `pnfs` export (lib.sh) over
# NFSv4.2 (or BENCH_NFS_VERS=4.1), whose data server is this nfsd over
# NFSv3, and `xfs` is that export's own XFS.

BENCH_SIZE_MB=${BENCH_SIZE_MB:-256}
BENCH_RUNTIME=${BENCH_RUNTIME:-4}
BENCH_PNFS=${BENCH_PNFS:-0}
BENCH_EXPORT=$EXPORT
if [ "$BENCH_PNFS" = 1 ]; then
	BENCH_NFS_VERS=${BENCH_NFS_VERS:-4.2}
	BENCH_EXPORT=$PNFS_EXPORT
fi
BENCH_NFS_VERS=${BENCH_NFS_VERS:-3}
case "$BENCH_PNFS:$BENCH_NFS_VERS" in
0:3|0:4.0|0:4.1|0:4.2|1:4.1|1:4.2) ;;
*) echo "BENCH_NFS_VERS must be 3, 4.0, 4.1 or 4.2 (4.1 or 4.2 with BENCH_PNFS=1), not '$BENCH_NFS_VERS'" >&2
   exit 2;;
esac
# For bench_table.py's header.
export BENCH_NFS_VERS BENCH_PNFS
BENCH_MODES=(xfs xfs-sync off c c-odirect on)
[ -z "${BENCH_REF_ENGINE:-}" ] || BENCH_MODES+=(on-ref)
ODIRECT_PARAM=/sys/module/nfs/parameters/localio_O_DIRECT_semantics

# Per-file costs (the metadata calls every NFS mode sends to nfsd, the
# sub-alignment tail, the open and the file cache entry) dominate small
# files, which no fio row sees: the files-*
# rows unpack BENCH_FILES files of t40's small-file tree with tar and
# sync (files-unpack), or read an unpacked tree back cold with tar
# (files-readback), and report files per guest second.
BENCH_FILES=${BENCH_FILES:-400}

# fsstress's write operation alone (tests/vm/odd_writes.py): BENCH_ODD_WRITES
# writes of 1 byte to 16 KiB at random offsets of a 32 MiB file opened
# write-only, an fsync every 16; nfs.ko sends WRITEs that start and end
# anywhere. Reported as writes per guest second.
BENCH_ODD_WRITES=${BENCH_ODD_WRITES:-2000}

# name|fio arguments, or `small-files` for the tar rows above, or
# `odd-writes` for the random-size writes above, or
# `pgbench` for the database row (tests/vm/pgbench.sh). The -memoff100
# rows are the -direct rows from buffers at page offset 100, which NFS
# accepts and XFS's direct I/O does not (their xfs column fails): against
# the -direct rows they give the cost of localio=on's bounce buffer.
BENCH_WORKLOAD_LIST=(
	"seq-write-1M-direct|--rw=write --bs=1M --direct=1 --ioengine=libaio --iodepth=8 --time_based --runtime=$BENCH_RUNTIME"
	"seq-read-1M-direct|--rw=read --bs=1M --direct=1 --ioengine=libaio --iodepth=8 --time_based --runtime=$BENCH_RUNTIME"
	"seq-write-1M-memoff100|--rw=write --bs=1M --direct=1 --ioengine=libaio --iodepth=8 --mem_align=100 --time_based --runtime=$BENCH_RUNTIME"
	"seq-read-1M-memoff100|--rw=read --bs=1M --direct=1 --ioengine=libaio --iodepth=8 --mem_align=100 --time_based --runtime=$BENCH_RUNTIME"
	"buffered-write-fsync|--rw=write --bs=1M --direct=0 --ioengine=psync --end_fsync=1"
	"rand-read-4k-qd16|--rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=$BENCH_RUNTIME"
	"rand-write-4k-qd16|--rw=randwrite --bs=4k --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=$BENCH_RUNTIME"
	"rand-read-4k-qd1|--rw=randread --bs=4k --direct=1 --ioengine=psync --time_based --runtime=$BENCH_RUNTIME"
	"rand-read-4k-4x-qd16|--rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth=16 --numjobs=4 --group_reporting --time_based --runtime=$BENCH_RUNTIME"
	"rand-read-128k-qd16|--rw=randread --bs=128k --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=$BENCH_RUNTIME"
	"rand-rw70-8k-qd16|--rw=randrw --rwmixread=70 --bs=8k --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=$BENCH_RUNTIME"
	"odd-writes|odd-writes"
	"files-unpack|small-files"
	"files-readback|small-files"
	"pgbench|pgbench"
)

# workload_args NAME: the fio arguments of a workload; fails for an unknown
# name.
workload_args() {
	local w
	for w in "${BENCH_WORKLOAD_LIST[@]}"; do
		[ "${w%%|*}" != "$1" ] || { echo "${w#*|}"; return 0; }
	done
	return 1
}

# All modes reach one XFS file per workload: the export's own path for
# `xfs`, the NFS mounts for the others.
mode_dir() {
	case "$1" in
	xfs|xfs-sync) echo "$BENCH_EXPORT";;
	c|c-odirect) echo "$MNT/c";;
	on-ref) echo "$MNT/on";;
	*) echo "$MNT/$1";;
	esac
}

# With BENCH_PNFS=1, no NFSv4 delegations (no leases for nfsd to hand
# out) while the bench runs. A fio OPEN for read and write gets a write
# delegation; the layout's data server is the same file over NFSv3, whose
# first READ or WRITE (or LOCALIO open) breaks that delegation: nfsd
# recalls it and answers NFS3ERR_JUKEBOX (the LOCALIO open fails), so the
# run's I/O goes to nfsd until the DELEGRETURN (design.md, "The client's
# own write delegation"). The recall also blocks delegations for that
# filehandle until nfsd's filter of recalled handles has swapped twice
# (it swaps at most every 30 s, on the next delegation asked for), so with
# runs more than 30 s apart every other OPEN of a file got one: which
# mode's run paid for it followed the order of the runs, not the mode.
bench_mounts() {
	modules_load
	if [ "$BENCH_PNFS" = 1 ]; then
		leases_off
		pnfs_export_setup
	fi
	nfs_mount "$BENCH_NFS_VERS" off localio=off "$BENCH_EXPORT"
	nfs_mount "$BENCH_NFS_VERS" c "" "$BENCH_EXPORT"
	nfs_mount "$BENCH_NFS_VERS" on localio=on "$BENCH_EXPORT"
}

# bench_prefill FILE: writes the workload's file once in full on the export,
# so that no mode pays for block allocation (or the RAM disk's first touch
# of a page) that the others then get for free.
bench_prefill() {
	fio --name=prefill --filename="$BENCH_EXPORT/$1" --size="${BENCH_SIZE_MB}M" \
		--rw=write --bs=1M --direct=1 --ioengine=psync --eta=never \
		--output=/dev/null
	sync
}

# bench_engine DIR: serves localio=on with the modules in DIR (flat, as
# ab_ref.sh leaves them), or with ours when DIR is empty. The mount stays:
# between the two, its requests go by RPC.
bench_engine_now=
bench_engine() {
	[ "$1" != "$bench_engine_now" ] || return 0
	modules_unload
	if [ -n "$1" ]; then
		insmod "$1/localio_rs_nfsd_shim.ko"
		insmod "$1/localio_rs_client.ko"
	else
		modules_load
	fi
	bench_engine_now=$1
}

# bench_select_mode MODE: the knobs that tell c from c-odirect and on from
# on-ref.
bench_select_mode() {
	if [ "$1" = c-odirect ]; then echo Y >"$ODIRECT_PARAM"; else echo N >"$ODIRECT_PARAM"; fi
	if [ "$1" = on-ref ]; then bench_engine "$BENCH_REF_ENGINE"; else bench_engine ""; fi
}
