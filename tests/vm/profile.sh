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
case "$args" in small-files|pgbench|odd-writes)
	echo "profile runs fio workloads; '$workload' is a row of make bench only"; exit 1;;
esac
case " ${BENCH_MODES[*]} " in *" $mode "*) ;; *) echo "unknown mode '$mode'"; exit 1;; esac
perf=$(command -v perf_6.1 || command -v perf) || { echo "perf is not installed (linux-perf)"; exit 1; }
out=$RESULTS/profile
mkdir -p "$out"
rm -f "$out"/*

# Kernel addresses for perf, as root.
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid

# PROFILE_SWITCHES=1: also where tasks leave the CPU. A second fio run per
# mode records sched:sched_switch with kernel call chains; the most
# frequent chains (PROFILE_TOP of them, folded from the switch up, leaf
# first) land in <mode>.switches.txt, with switches per I/O.
switches=${PROFILE_SWITCHES:-0}
# PROFILE_CHILDREN=1: record kernel call chains too, and print (and keep
# in <mode>.children.txt) the functions' shares including their callees:
# what a function of ours costs with what it calls (inlined callees count
# as the function's own). The chains cost: perf copying user stacks and
# writing more data shows up in the shares, so read them against each
# other, not against a profile without chains.
children=${PROFILE_CHILDREN:-0}
# PROFILE_OFFSETS=PATTERN: also where, inside the functions whose names
# contain PATTERN, the samples land: a count per function+offset in
# <mode>.offsets.txt (the first PROFILE_TOP printed), to read beside
# `objdump -d` of the module on the host. Inlined code is its caller's.
offsets=${PROFILE_OFFSETS:-}
graph=
[ "$children" != 1 ] || graph=-g
# PROFILE_ALSO: the modes profiled next to MODE (default: c-odirect xfs).
modes=("$mode")
for m in ${PROFILE_ALSO:-c-odirect xfs}; do
	case " ${BENCH_MODES[*]} " in *" $m "*) ;; *) echo "unknown mode '$m'"; exit 1;; esac
	[ "$m" = "$mode" ] || modes+=("$m")
done

# fold_switches FIO_JSON N: perf script's sched_switch samples on stdin;
# prints switches per I/O and the N most frequent kernel chains, each as
# the switching task's name and its frames below __schedule, up to 8.
fold_switches() {
	/usr/bin/python3 -c '
import collections, json, sys
fio, n = sys.argv[1], int(sys.argv[2])
chains, cur = collections.Counter(), None
def flush():
    if cur:
        frames = [f for f in cur[1] if f not in ("__traceiter_sched_switch", "__schedule", "__sched_text_start")]
        chains[cur[0] + ": " + " < ".join(frames[:8])] += 1
for line in sys.stdin:
    if not line.strip():
        flush(); cur = None
    elif not line.startswith((" ", "\t")):
        flush(); cur = (line.split()[0], [])
    elif cur is not None:
        parts = line.split()
        if len(parts) > 1:
            cur[1].append(parts[1].split("+")[0])
flush()
total = sum(chains.values())
try:
    job = json.load(open(fio))["jobs"][0]
    ios = job["read"]["total_ios"] + job["write"]["total_ios"]
except (OSError, ValueError, KeyError, IndexError):
    ios = 0
print(f"{total} switches" + (f", {total / ios:.2f} per I/O ({ios} I/Os)" if ios else ""))
for chain, count in chains.most_common(n):
    print(f"{count:8d}  {chain}")
' "$1" "$2"
}

# fio_for MODE OUTPUT: sets fio_cmd to the workload's fio job on MODE's
# mount, its report in OUTPUT (JSON). As in the bench, xfs-sync is xfs
# with the durability of NFS's O_DIRECT writes.
fio_for() {
	# shellcheck disable=SC2206
	fio_cmd=(fio --name="$workload" --filename="$(mode_dir "$1")/bench.$workload"
		--size="${BENCH_SIZE_MB}M" $args --output-format=json --output="$2")
	[ "$1" != xfs-sync ] || fio_cmd+=(--sync=sync)
}

bench_mounts
bench_prefill "bench.$workload"
for m in "${modes[@]}"; do
	bench_select_mode "$m"
	drop_caches
	say "perf record: fio $workload on $m"
	# perf.data stays in the guest's tmpfs: writing it to the 9p results
	# folder while recording would be profiled too.
	fio_for "$m" "$out/$m.fio.json"
	# shellcheck disable=SC2086
	"$perf" record -a -N -q $graph -e cpu-clock -F 2000 -o "$WORK/$m.perf.data" -- \
		"${fio_cmd[@]}" >/dev/null 2>&1 || say "perf record of $m failed"
	"$perf" report -i "$WORK/$m.perf.data" --stdio --no-children --sort sym \
		--kallsyms=/proc/kallsyms --percent-limit 0.01 2>/dev/null |
		grep -F '[k]' >"$out/$m.top.txt"
	if [ "$children" = 1 ]; then
		"$perf" report -i "$WORK/$m.perf.data" --stdio --children --sort sym -g none \
			--kallsyms=/proc/kallsyms --percent-limit 0.05 2>/dev/null |
			grep -F '[k]' | grep -v -e pv_native_safe_halt -e do_idle -e cpu_startup_entry \
			-e start_secondary -e common_startup_64 -e default_idle -e rest_init \
			-e start_kernel -e x86_64_start >"$out/$m.children.txt"
		say "$m: share of all samples including callees (children, self, function):" \
			"the first $top_n, then every one of LOCALIO's and NFS's"
		head -n "$top_n" "$out/$m.children.txt"
		tail -n +"$((top_n + 1))" "$out/$m.children.txt" | grep -E '\] (_R|localio|nfs|shim)'
	fi
	if [ -n "$offsets" ]; then
		"$perf" script -i "$WORK/$m.perf.data" --kallsyms=/proc/kallsyms -F ip,sym,symoff 2>/dev/null |
			awk 'NF > 1 { print $2 }' | grep -F -- "$offsets" | sort | uniq -c | sort -rn \
			>"$out/$m.offsets.txt"
		say "$m: samples by offset in functions matching '$offsets' (of $(
			awk '{ n += $1 } END { print n + 0 }' "$out/$m.offsets.txt"))"
		head -n "$top_n" "$out/$m.offsets.txt"
	fi
	rm -f "$WORK/$m.perf.data"
	[ "$switches" = 1 ] || continue
	drop_caches
	say "perf record: sched_switch call chains, fio $workload on $m"
	fio_for "$m" "$out/$m.sw.fio.json"
	"$perf" record -a -q -g -e sched:sched_switch -o "$WORK/$m.sw.data" -- \
		"${fio_cmd[@]}" >/dev/null 2>&1 || say "perf record of $m's switches failed"
	"$perf" script -i "$WORK/$m.sw.data" --kallsyms=/proc/kallsyms -F comm,ip,sym 2>/dev/null |
		fold_switches "$out/$m.sw.fio.json" "$top_n" >"$out/$m.switches.txt"
	rm -f "$WORK/$m.sw.data"
	cat "$out/$m.switches.txt"
done
rm -f "$BENCH_EXPORT/bench.$workload"
bench_select_mode off

/usr/bin/python3 - "$out" "$workload" "$top_n" "${modes[@]}" <<'PY' | tee "$out/profile.txt"
import json, os, re, sys
out, workload, top_n, modes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
# The idle vCPU's samples land in the halt: shares are of the busy ones.
IDLE = {"pv_native_safe_halt", "default_idle", "native_safe_halt", "cpu_idle_poll"}
cols = {}
for m in modes:
    rows = []
    try:
        entries = []
        for line in open(os.path.join(out, f"{m}.top.txt")):
            pct, _, sym = line.split(None, 2)
            entries.append((float(pct.rstrip("%")), sym.strip()))
        idle = sum(p for p, s in entries if s in IDLE)
        busy = 100.0 - idle
        for p, s in entries:
            if s not in IDLE:
                rows.append(f"{100.0 * p / busy:6.2f}% {s[:34]}")
        rows.insert(0, f"  ({busy:.0f}% of samples busy)")
    except (OSError, ValueError, ZeroDivisionError):
        pass
    cols[m] = rows[: top_n + 1]
    try:
        side = json.load(open(os.path.join(out, f"{m}.fio.json")))["jobs"][0]
        side = side["write"] if "write" in workload else side["read"]
        cols[m].insert(0, f"  {side['iops']:.0f} IOPS, {side['bw'] / 1024:.0f} MiB/s")
    except (OSError, ValueError, KeyError, IndexError):
        cols[m].insert(0, "  (fio failed)")
# Where the busy samples go, by area (first matching pattern wins).
AREAS = [
    ("LOCALIO provider (ours)", r"localio_rs|^_R"),
    ("built-in LOCALIO", r"^nfs_local|^nfsd_file|^nfs_to"),
    ("NFS client", r"^nfs|^rpc_|^xprt|^__rpc|^put_nfs|^get_nfs"),
    ("nfsd, sunrpc server", r"^nfsd|^svc|^fh_|^exp_|^cache_check"),
    ("network (loopback TCP)", r"^tcp|^__tcp|^ip_|^__ip|^skb|^__skb|^sk_|^sock|^inet|^netif|^__netif|^net_|^loopback|^__dev_queue|^kfree_skb"),
    ("XFS, iomap, block, RAM disk", r"^xfs|^iomap|^__iomap|^brd|^bio|^__bio|^blk|^__blk|^submit_bio|^__submit_bio"),
    ("allocation (slab, pages)", r"slab|^kmem_cache|^kfree|^kmalloc|^__kmalloc|^alloc_pages|^__alloc_pages|^free_unref|^get_page_from|^clear_page|^new_slab"),
    ("copies (memcpy, memset)", r"^memcpy|^memset|^rep_movs|^copy_|^_copy"),
    ("workqueue, scheduler, wakeups", r"queue_work|work|^finish_task_switch|^__schedule|^schedule|wake|^__cond_resched|^dequeue|^enqueue|^pick_next|^update_curr|^raw_spin_rq|^ttwu"),
    ("aio, syscalls, user page pinning", r"aio|iocb|^io_|^__x64_sys|^do_syscall|^syscall|^entry_|gup|^pin_user|^irqentry"),
    ("9p (the test harness's root fs)", r"^p9|^v9fs|^virtqueue|^vring"),
]
areas = {}
for m in modes:
    sums = {}
    try:
        for line in open(os.path.join(out, f"{m}.top.txt")):
            pct, _, sym = line.split(None, 2)
            sym = sym.strip()
            if sym in IDLE:
                continue
            area = next((a for a, rx in AREAS if re.search(rx, sym)), "other")
            sums[area] = sums.get(area, 0.0) + float(pct.rstrip("%"))
    except (OSError, ValueError):
        pass
    total = sum(sums.values()) or 1.0
    areas[m] = {a: 100.0 * v / total for a, v in sums.items()}
names = [a for a, _ in AREAS] + ["other"]
print(f"Busy samples by area (functions above 0.01%), fio {workload}:")
print(f"{'':<34}" + "".join(f"{m:>12}" for m in modes))
for a in names:
    print(f"{a:<34}" + "".join(f"{areas[m].get(a, 0.0):>11.1f}%" for m in modes))
print()
print(f"Top kernel functions, share of the busy cpu-clock samples (all vCPUs), fio {workload}:")
width = 44
print("".join(f"{m:<{width}}" for m in modes))
for i in range(max(len(c) for c in cols.values())):
    print("".join(f"{(cols[m][i] if i < len(cols[m]) else ''):<{width}}" for m in modes))
PY
nfs_umount_all
leases_restore
modules_unload
