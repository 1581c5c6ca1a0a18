# SPDX-License-Identifier: GPL-2.0
#
# The benchmark: the same fio workloads against the XFS export directly and
# through each NFS mode (tests/vm/workloads.sh), in one run, printed side by
# side with each figure also as a ratio to the XFS-direct figure. Not a
# test: no thresholds. Run by tests/vm/guest.sh; `make bench` on the host.
#
# Each workload's file is written once in full before its first round;
# then BENCH_ROUNDS rounds each run every mode once, interleaved, on that
# file, and the table shows the median round. Under the instruction-count
# clock (VM_CLOCK=icount, the default for `make bench`) rounds repeat
# within about 1%, and the table says how far they spread.
#
# Besides throughput, each run records what it cost and where the bytes
# went: guest time per I/O (under icount, 2^ICOUNT_SHIFT ns per instruction
# executed on any vCPU), bytes nfsd read or wrote, and how much the lower
# XFS file's page cache grew (double caching on the server).
set -uo pipefail
. "$TOP/tests/vm/lib.sh"
. "$TOP/tests/vm/workloads.sh"
. "$TOP/tests/vm/pgbench.sh"

ROUNDS=${BENCH_ROUNDS:-3}
[ -n "$ROUNDS" ] || ROUNDS=3
out=$RESULTS/bench
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.cost

# lower_cached FILE: bytes of FILE in the page cache.
lower_cached() {
	local b
	b=$(fincore --bytes --noheadings --output RES "$1" 2>/dev/null | tr -d ' ')
	echo "${b:-0}"
}

# lower_cached_tree DIR: bytes of all files under DIR in the page cache.
lower_cached_tree() {
	find "$1" -type f -print0 | xargs -0r fincore --bytes --noheadings --output RES 2>/dev/null |
		awk '{ b += $1 } END { printf "%.0f\n", b }'
}

# busy_ns: guest time all vCPUs spent not idle since boot (/proc/stat, in
# USER_HZ ticks: user, nice, system, irq, softirq, steal).
busy_ns() { awk '/^cpu / { printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 10000000 }' /proc/stat; }

# guest_ns: the guest's clock (under icount, instructions executed).
guest_ns() { date +%s%N; }

# files_settle: syncs, then waits out the file caches that close files
# late (nfsd's, whose collector runs every 2 s and frees an entry on its
# second pass, and ours), so that closing and freeing the last run's
# inodes is not counted in the next. Idle guest time costs nothing under
# icount.
files_settle() { sync; sleep 6; sync; }

# nfs3_calls: the NFSv3 client's call count of each procedure, in order.
nfs3_calls() { awk '/^proc3/ {for (i = 3; i <= NF; i++) printf "%s ", $i}' /proc/net/rpc/nfs; }

# record_as_fio FILE SIDE IOS BYTES RUNTIME_NS: a run that is not fio's,
# written as the part of fio's JSON that bench_table.py reads (SIDE is
# read or write), so that every row is read alike.
record_as_fio() {
	/usr/bin/python3 - "$2" "$3" "$4" "$5" >"$1" <<'PY'
import json, sys
side, ios, size, ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
secs = ns / 1e9
job = {"read": {"total_ios": 0}, "write": {"total_ios": 0}}
job[side] = {"total_ios": ios, "io_bytes": size, "runtime": ns / 1e6,
             "iops": ios / secs, "bw": size / 1024 / secs}
print(json.dumps({"jobs": [job]}))
PY
}

# say_calls_per_file LABEL BEFORE AFTER: the NFSv3 calls made per file
# between two nfs3_calls, by procedure (what a small file costs besides
# its bytes).
say_calls_per_file() {
	say "$1, NFSv3 calls per file: $(/usr/bin/python3 - "$2" "$3" "$BENCH_FILES" <<'PY'
import sys
names = ("null getattr setattr lookup access readlink read write create mkdir symlink"
         " mknod remove rmdir rename link readdir readdirplus fsstat fsinfo pathconf"
         " commit").split()
a, b, files = sys.argv[1].split(), sys.argv[2].split(), int(sys.argv[3])
print(" ".join(f"{n}={(int(y) - int(x)) / files:.2f}"
               for n, x, y in zip(names, a, b) if int(y) != int(x)) or "none")
PY
)"
}

# files_run MODE NAME ROUND: one tar run of a files-* row, recorded as fio
# would (one I/O per file), and its cost record; only the timed part
# counts.
files_run() {
	local mode=$1 name=$2 round=$3 dir side t0 ns io0 calls0 cached=0 busy0
	dir=$(mode_dir "$mode")/bench.$name
	rm -rf "$dir" && mkdir -p "$dir"
	if [ "$name" = files-unpack ]; then
		side=write
		calls0=$(nfs3_calls) io0=$(nfsd_io) busy0=$(busy_ns) t0=$(guest_ns)
		tar -C "$dir" -xf "$WORK/bench-tree.tar" && sync
	else
		side=read
		tar -C "$dir" -xf "$WORK/bench-tree.tar" && files_settle
		drop_caches
		calls0=$(nfs3_calls) io0=$(nfsd_io) busy0=$(busy_ns) t0=$(guest_ns)
		tar -C "$dir" -cf - tree | wc -c >/dev/null
	fi
	ns=$(( $(guest_ns) - t0 )) busy0=$(( $(busy_ns) - busy0 ))
	# What the unpack left in the exported files' page cache.
	[ "$side" != write ] || cached=$(lower_cached_tree "$BENCH_EXPORT/bench.$name")
	[ "$mode" = xfs ] || [ "$BENCH_NFS_VERS" != 3 ] ||
		say_calls_per_file "$mode $name round $round" "$calls0" "$(nfs3_calls)"
	echo "nfsd_bytes=$(( $(nfsd_io) - io0 )) lower_cached=$cached busy_ns=$busy0" \
		>"$out/$mode.$name.$round.cost"
	rm -rf "$dir" && files_settle
	record_as_fio "$out/$mode.$name.$round.json" "$side" "$BENCH_FILES" \
		"$bench_tree_bytes" "$ns"
}

# odd_run MODE NAME ROUND: one run of odd_writes.py, recorded as fio would
# (one I/O per write), and its cost record.
odd_run() {
	local mode=$1 name=$2 round=$3 file t0 ns io0 writes bytes busy0
	file=$(mode_dir "$mode")/bench.$name
	rm -f "$file"
	io0=$(nfsd_io) busy0=$(busy_ns) t0=$(guest_ns)
	read -r writes bytes < <(/usr/bin/python3 "$TOP/tests/vm/odd_writes.py" "$file" - \
		"$BENCH_ODD_WRITES" 16384 $((32 << 20)) 1 16)
	ns=$(( $(guest_ns) - t0 )) busy0=$(( $(busy_ns) - busy0 ))
	echo "nfsd_bytes=$(( $(nfsd_io) - io0 ))" \
		"lower_cached=$(lower_cached "$BENCH_EXPORT/bench.$name") busy_ns=$busy0" \
		>"$out/$mode.$name.$round.cost"
	rm -f "$file"
	record_as_fio "$out/$mode.$name.$round.json" write "${writes:-0}" "${bytes:-0}" "$ns"
}

# bench_run MODE NAME ROUND: one fio run, its JSON, and its cost record.
bench_run() {
	local mode=$1 name=$2 round=$3 args io0
	args=$(workload_args "$name")
	# xfs-sync is the durable reference of the O_DIRECT rows that write.
	if [ "$mode" = xfs-sync ]; then
		case "$args" in
		*--direct=1*--rw=*write*|*--rw=*write*--direct=1*|*--rw=randrw*) args+=" --sync=sync";;
		*) return;;
		esac
	fi
	bench_select_mode "$mode"
	drop_caches
	case "$args" in
	small-files)
		say "tar $name on $mode, round $round"
		files_run "$mode" "$name" "$round"
		return;;
	odd-writes)
		say "random-size writes on $mode, round $round"
		odd_run "$mode" "$name" "$round"
		return;;
	pgbench)
		say "pgbench on $mode, round $round"
		pgbench_run "$mode" "$name" "$round"
		return;;
	esac
	say "fio $name on $mode, round $round"
	io0=$(nfsd_io)
	# shellcheck disable=SC2086
	fio --name="$name" --filename="$(mode_dir "$mode")/bench.$name" \
		--size="${BENCH_SIZE_MB}M" $args --output-format=json \
		--output="$out/$mode.$name.$round.json" >/dev/null 2>&1 ||
		say "fio $name on $mode failed"
	echo "nfsd_bytes=$(( $(nfsd_io) - io0 ))" \
		"lower_cached=$(lower_cached "$BENCH_EXPORT/bench.$name")" \
		>"$out/$mode.$name.$round.cost"
}

bench_mounts
selected=${BENCH_WORKLOADS:-}
names=()
for w in "${BENCH_WORKLOAD_LIST[@]}"; do
	name=${w%%|*}
	[ -z "$selected" ] || [[ " $selected " == *" $name "* ]] || continue
	names+=("$name")
done
bench_tree_bytes=0
if [[ " ${names[*]} " == *" files-"* ]]; then
	read -r _ bench_tree_bytes < <(small_file_tree "$WORK/bench-tree.tar" "$BENCH_FILES" 4096)
	say "small-file tree: $BENCH_FILES files, $bench_tree_bytes bytes"
fi
for name in "${names[@]}"; do
	case "$(workload_args "$name")" in
	small-files|pgbench|odd-writes) ;;
	*) bench_prefill "bench.$name";;
	esac
	for round in $(seq "$ROUNDS"); do
		# Every other round in reverse, so that no mode always follows
		# the same one (a random write leaves XFS's log busier for the
		# next).
		order=("${BENCH_MODES[@]}")
		[ $(( round % 2 )) = 1 ] || order=($(printf '%s\n' "${BENCH_MODES[@]}" | tac))
		for mode in "${order[@]}"; do
			bench_run "$mode" "$name" "$round"
		done
	done
	rm -rf "$BENCH_EXPORT/bench.$name"
	[ "$name" != pgbench ] || pg_cleanup
done
bench_select_mode off

/usr/bin/python3 "$TOP/tests/vm/bench_table.py" "$out" "$BENCH_SIZE_MB" \
	"$BENCH_RUNTIME" "$ROUNDS" "${VM_CLOCK:-wall}" "${ICOUNT_SHIFT:-}" \
	"${BENCH_MODES[*]}" "${names[@]}" | tee "$out/table.txt"
nfs_umount_all
leases_restore
modules_unload
