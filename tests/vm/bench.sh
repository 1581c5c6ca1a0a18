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

# bench_run MODE NAME ROUND: one fio run, its JSON, and its cost record.
bench_run() {
	local mode=$1 name=$2 round=$3 args io0
	args=$(workload_args "$name")
	bench_select_mode "$mode"
	drop_caches
	say "fio $name on $mode, round $round"
	io0=$(nfsd_io)
	# shellcheck disable=SC2086
	fio --name="$name" --filename="$(mode_dir "$mode")/bench.$name" \
		--size="${BENCH_SIZE_MB}M" $args --output-format=json \
		--output="$out/$mode.$name.$round.json" >/dev/null 2>&1 ||
		say "fio $name on $mode failed"
	echo "nfsd_bytes=$(( $(nfsd_io) - io0 ))" \
		"lower_cached=$(lower_cached "$EXPORT/bench.$name")" \
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
for name in "${names[@]}"; do
	bench_prefill "bench.$name"
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
	rm -f "$EXPORT/bench.$name"
done
bench_select_mode off

/usr/bin/python3 "$TOP/tests/vm/bench_table.py" "$out" "$BENCH_SIZE_MB" \
	"$BENCH_RUNTIME" "$ROUNDS" "${VM_CLOCK:-wall}" "${ICOUNT_SHIFT:-}" \
	"${BENCH_MODES[*]}" "${names[@]}" | tee "$out/table.txt"
nfs_umount_all
modules_unload
