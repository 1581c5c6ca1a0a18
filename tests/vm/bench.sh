# SPDX-License-Identifier: GPL-2.0
#
# The benchmark: the same fio workloads against the XFS export directly and
# through each NFS mode, in one run, printed side by side with each figure
# also as a ratio to the XFS-direct figure. Not a test: no thresholds.
# Run by tests/vm/guest.sh; `make bench` on the host.
#
#   xfs         fio on the exported XFS filesystem itself (the limit)
#   off         NFSv3 localio=off: loopback RPC to nfsd
#   c           no option: built-in C LOCALIO, buffered on the server
#   c-odirect   as c, with nfs.localio_O_DIRECT_semantics=Y
#   on          NFSv3 localio=on: our provider
set -uo pipefail
. "$TOP/tests/vm/lib.sh"

SIZE_MB=${BENCH_SIZE_MB:-256}
[ -n "$SIZE_MB" ] || SIZE_MB=256
RUNTIME=${BENCH_RUNTIME:-5}
[ -n "$RUNTIME" ] || RUNTIME=5
out=$RESULTS/bench
mkdir -p "$out"
rm -f "$out"/*.json

modules_load
nfs_mount 3 off localio=off
nfs_mount 3 c
nfs_mount 3 on localio=on
odirect=/sys/module/nfs/parameters/localio_O_DIRECT_semantics

# name|fio arguments
workloads=(
	"seq-write-1M-direct|--rw=write --bs=1M --direct=1 --ioengine=libaio --iodepth=8 --time_based --runtime=$RUNTIME"
	"seq-read-1M-direct|--rw=read --bs=1M --direct=1 --ioengine=libaio --iodepth=8 --time_based --runtime=$RUNTIME"
	"buffered-write-fsync|--rw=write --bs=1M --direct=0 --ioengine=psync --end_fsync=1"
	"rand-read-4k-qd16|--rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=$RUNTIME"
	"rand-write-4k-qd16|--rw=randwrite --bs=4k --direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=$RUNTIME"
)
modes=(xfs off c c-odirect on)

mode_dir() {
	case "$1" in
	xfs) echo "$EXPORT";;
	c|c-odirect) echo "$MNT/c";;
	*) echo "$MNT/$1";;
	esac
}

for mode in "${modes[@]}"; do
	[ "$mode" = c-odirect ] && echo Y >"$odirect" || echo N >"$odirect"
	dir=$(mode_dir "$mode")
	for w in "${workloads[@]}"; do
		name=${w%%|*}
		args=${w#*|}
		rm -f "$dir/bench.$name"
		drop_caches
		say "fio $name on $mode"
		# shellcheck disable=SC2086
		fio --name="$name" --filename="$dir/bench.$name" --size=${SIZE_MB}M \
			$args --output-format=json --output="$out/$mode.$name.json" >/dev/null 2>&1 ||
			say "fio $name on $mode failed"
		rm -f "$dir/bench.$name"
	done
done
echo N >"$odirect"

/usr/bin/python3 - "$out" "$SIZE_MB" "$RUNTIME" "${modes[*]}" "${workloads[@]%%|*}" <<'PY' | tee "$out/table.txt"
import json, os, sys
out, size, runtime, modes, workloads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5:]
def figure(mode, name):
    try:
        job = json.load(open(os.path.join(out, f"{mode}.{name}.json")))["jobs"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    side = job["write"] if "write" in name else job["read"]
    return side["iops"] if "4k" in name else side["bw"] / 1024.0
print(f"fio, {size} MiB file, {runtime} s per time-based job, NFSv3 over 127.0.0.1,")
print("XFS on a RAM disk, QEMU TCG guest with 2 vCPUs.")
print("MiB/s for 1M workloads, IOPS for 4k; (x) = ratio to the xfs column.\n")
print(f"{'workload':<22}" + "".join(f"{m:>18}" for m in modes))
for name in workloads:
    base = figure("xfs", name)
    row = f"{name:<22}"
    for m in modes:
        v = figure(m, name)
        if v is None:
            row += f"{'failed':>18}"
        elif base:
            row += f"{v:>10.0f} ({v / base:4.2f})"
        else:
            row += f"{v:>18.0f}"
    print(row)
PY
nfs_umount_all
modules_unload
