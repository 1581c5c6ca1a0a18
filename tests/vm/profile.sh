# SPDX-License-Identifier: GPL-2.0
#
# Where the instructions go: one benchmark workload (WORKLOAD, default
# rand-read-4k-qd16) under `perf record -a -e cpu-clock` in the mode asked
# for (MODE, default on) and, for comparison, in c-odirect and xfs. Under
# the instruction-count clock (the default for `make profile`) a cpu-clock
# sample is taken every N guest instructions, so the profile is weighted by
# instructions, not by TCG's host time. Prints the top kernel functions of
# each mode side by side. Run by tests/vm/guest.sh; `make profile` on the
# host. Not a test.
set -uo pipefail
. "$TOP/tests/vm/lib.sh"
. "$TOP/tests/vm/workloads.sh"

workload=${WORKLOAD:-rand-read-4k-qd16}
[ -n "$workload" ] || workload=rand-read-4k-qd16
mode=${MODE:-on}
[ -n "$mode" ] || mode=on
top_n=${PROFILE_TOP:-25}
args=$(workload_args "$workload") || { echo "unknown workload '$workload'"; exit 1; }
case " ${BENCH_MODES[*]} " in *" $mode "*) ;; *) echo "unknown mode '$mode'"; exit 1;; esac
perf=$(command -v perf_6.1 || command -v perf) || { echo "perf is not installed (linux-perf)"; exit 1; }
out=$RESULTS/profile
mkdir -p "$out"
rm -f "$out"/*

# Kernel addresses for perf, as root.
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid

modes=("$mode")
for m in c-odirect xfs; do [ "$m" = "$mode" ] || modes+=("$m"); done

bench_mounts
bench_prefill "bench.$workload"
for m in "${modes[@]}"; do
	bench_select_mode "$m"
	drop_caches
	say "perf record: fio $workload on $m"
	# shellcheck disable=SC2086
	"$perf" record -a -N -q -e cpu-clock -F 2000 -o "$out/$m.perf.data" -- \
		fio --name="$workload" --filename="$(mode_dir "$m")/bench.$workload" \
		--size="${BENCH_SIZE_MB}M" $args --output-format=json \
		--output="$out/$m.fio.json" >/dev/null 2>&1 ||
		say "perf record of $m failed"
	"$perf" report -i "$out/$m.perf.data" --stdio --no-children --sort sym \
		--kallsyms=/proc/kallsyms --percent-limit 0.2 2>/dev/null |
		grep -F '[k]' >"$out/$m.top.txt"
done
rm -f "$EXPORT/bench.$workload"
bench_select_mode off

/usr/bin/python3 - "$out" "$workload" "$top_n" "${modes[@]}" <<'PY' | tee "$out/profile.txt"
import json, os, sys
out, workload, top_n, modes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
cols = {}
for m in modes:
    rows = []
    try:
        for line in open(os.path.join(out, f"{m}.top.txt")):
            pct, _, sym = line.split(None, 2)
            rows.append(f"{pct:>7} {sym.strip()[:34]}")
    except OSError:
        pass
    cols[m] = rows[:top_n]
    try:
        side = json.load(open(os.path.join(out, f"{m}.fio.json")))["jobs"][0]
        side = side["write"] if "write" in workload else side["read"]
        cols[m].insert(0, f"  {side['iops']:.0f} IOPS, {side['bw'] / 1024:.0f} MiB/s")
    except (OSError, ValueError, KeyError, IndexError):
        cols[m].insert(0, "  (fio failed)")
print(f"Top kernel functions, share of all cpu-clock samples (all CPUs), fio {workload}:")
width = 44
print("".join(f"{m:<{width}}" for m in modes))
for i in range(max(len(c) for c in cols.values())):
    print("".join(f"{(cols[m][i] if i < len(cols[m]) else ''):<{width}}" for m in modes))
PY
nfs_umount_all
modules_unload
