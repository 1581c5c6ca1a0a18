# SPDX-License-Identifier: GPL-2.0
#
# The benchmark: the same fio workloads against the XFS export directly and
# through each NFS mode, in one run, printed side by side with each figure
# also as a ratio to the XFS-direct figure. Not a test: no thresholds.
# Run by tests/vm/guest.sh; `make bench` on the host.
#
# TCG's speed drifts during a run, so the modes are interleaved: for each
# workload, BENCH_ROUNDS rounds each run every mode once, on the same file
# (all modes reach the same XFS file), and the table shows the median
# round with the spread (min-max) below it.
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
RUNTIME=${BENCH_RUNTIME:-4}
[ -n "$RUNTIME" ] || RUNTIME=4
ROUNDS=${BENCH_ROUNDS:-3}
[ -n "$ROUNDS" ] || ROUNDS=3
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

for w in "${workloads[@]}"; do
	name=${w%%|*}
	args=${w#*|}
	file=bench.$name
	for round in $(seq "$ROUNDS"); do
		for mode in "${modes[@]}"; do
			[ "$mode" = c-odirect ] && echo Y >"$odirect" || echo N >"$odirect"
			drop_caches
			say "fio $name on $mode, round $round"
			# shellcheck disable=SC2086
			fio --name="$name" --filename="$(mode_dir "$mode")/$file" \
				--size=${SIZE_MB}M $args --output-format=json \
				--output="$out/$mode.$name.$round.json" >/dev/null 2>&1 ||
				say "fio $name on $mode failed"
		done
	done
	rm -f "$EXPORT/$file"
done
echo N >"$odirect"

/usr/bin/python3 - "$out" "$SIZE_MB" "$RUNTIME" "$ROUNDS" "${modes[*]}" "${workloads[@]%%|*}" <<'PY' | tee "$out/table.txt"
import json, os, statistics, sys
out, size, runtime, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
modes, workloads = sys.argv[5].split(), sys.argv[6:]
def figure(mode, name, r):
    try:
        job = json.load(open(os.path.join(out, f"{mode}.{name}.{r}.json")))["jobs"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    side = job["write"] if "write" in name else job["read"]
    return side["iops"] if "4k" in name else side["bw"] / 1024.0
def runs(mode, name):
    return [v for v in (figure(mode, name, r) for r in range(1, rounds + 1)) if v is not None]
print(f"fio, {size} MiB file, {runtime} s per time-based job, NFSv3 over 127.0.0.1,")
print(f"XFS on a RAM disk, QEMU TCG guest with 2 vCPUs; median of {rounds} interleaved rounds.")
print("MiB/s for 1M workloads, IOPS for 4k; (x) = ratio to the xfs column.\n")
print(f"{'workload':<22}" + "".join(f"{m:>18}" for m in modes))
for name in workloads:
    base = runs("xfs", name)
    base = statistics.median(base) if base else None
    row = f"{name:<22}"
    for m in modes:
        v = runs(m, name)
        if len(v) < rounds:
            row += f"{'failed':>18}"
            continue
        v = statistics.median(v)
        row += f"{v:>10.0f} ({v / base:4.2f})" if base else f"{v:>18.0f}"
    print(row)
print("\nspread across rounds (min-max):")
for name in workloads:
    row = f"{name:<22}"
    for m in modes:
        v = runs(m, name)
        row += f"{(f'{min(v):.0f}-{max(v):.0f}' if v else '-'):>18}"
    print(row)
PY
nfs_umount_all
modules_unload
