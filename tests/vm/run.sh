#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots the cached kernel in QEMU through virtme-ng, with the host root
# filesystem, and runs one guest job in it:
#
#   tests/vm/run.sh demo     a plain mount, a localio=off mount and a
#                            localio=on mount side by side
#   tests/vm/run.sh test     the VM test suite (TAP, ends "N passed, N failed")
#   tests/vm/run.sh bench    the benchmark table
#   tests/vm/run.sh profile  perf profile of one benchmark workload
#   tests/vm/run.sh ab       A/B check of engine builds (AB_ENGINES, ab.sh)
#   tests/vm/run.sh soak     fio verify rounds under nfsd restarts, freezes
#                            and module reloads (SOAK_MINUTES, soak.sh)
#   VM_SCRIPT=f tests/vm/run.sh script   run f in the set-up guest (debugging)
#
# VM_CLOCK picks the guest's clock. `wall` (default for tests, demo and
# scripts): guest time follows the host's. `icount` (default for bench and
# profile): QEMU's instruction-count clock, `-icount shift=N,sleep=off`: the
# guest clock advances 2^N ns (ICOUNT_SHIFT, default 3) per instruction any
# vCPU executes, and idle time is skipped to the next timer, so timings in
# the guest are instruction counts and repeat run to run. Guest time then
# runs faster than wall time by a factor that depends on the load, so under
# icount the guest-side job timeout (GUEST_JOB_TIMEOUT, guest seconds) is
# stretched by ICOUNT_TIMEOUT_SCALE (default 20) and the run is bounded on
# the host by VM_WALL_TIMEOUT (wall seconds; default GUEST_JOB_TIMEOUT
# + 300).
#
# TCG is the default: on these machines KVM guests hang while decompressing
# the kernel. VM_ACCEL=kvm uses KVM, but only after a short probe boot has
# succeeded; otherwise it falls back to TCG and says so.
#
# Every VM also gets two emulated NVMe controllers, one namespace each, for
# export_on (tests/vm/lib.sh) to put the data export on a disk that behaves
# like hardware: 4-byte DMA alignment and completions from interrupts, one
# with 512-byte logical and physical blocks (serial lionvme512), one with
# 4096-byte blocks (lionvme4k). Their backing files are sparse raw images
# (VM_NVME_SIZE each, default 2G; nothing on the host's disk until the
# guest writes), made empty at each boot in a directory of their own under
# VM_DISK_DIR (default $NFS_LOCALIO_CACHE/vm-disks) and removed when the
# VM exits. cache=unsafe: the host's page cache absorbs the writes and
# flushes are no-ops, as a disk's volatile cache would do them in a power
# cut nobody replays. The RAM disk stays where server_setup puts the
# export, and what bench, demo and the A/B job measure. RAMDISK_MB (passed
# on to the guest; default 1536, tests/vm/lib.sh) is the size of each of
# its two RAM disks, the export's and xfstests' scratch; their pages come
# from VM_MEMORY as they are written.
#
# Results land in $RESULTS_DIR (default: ./results), shared read-write with
# the guest; the exit status is that of the guest job.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/toolchain.sh"

job=${1:-test}
case "$job" in demo|test|bench|profile|probe|script|ab|soak) ;; *) die "unknown job '$job'";; esac
kdir=${KDIR:-$("$top/kernel/build.sh" --kdir)}
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel in $kdir: run make first"
# Which kernel the figures and results below come from.
if read -r kver kvariant _ <"$kdir/.localio-build-key" 2>/dev/null; then
	kpatches=$(ls "$kdir/.localio-patches" 2>/dev/null | sed -n '1s/-.*//p;$s/-.*//p' |
		paste -sd- -)
	log "kernel: $(make -s -C "$kdir" kernelversion 2>/dev/null) from" \
		"$LINUX_SOURCE_PKG $kver ($kvariant), patches ${kpatches:-none}"
else
	log "kernel: $kdir (not built by kernel/build.sh)"
fi
for ko in localio/localio_rs_client.ko nfsd_shim/localio_rs_nfsd_shim.ko; do
	[ -f "$top/$ko" ] || die "$ko not built: run make first"
done
results=${RESULTS_DIR:-$top/results}
mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -f "$results/$job.status"

vng_args=(--run "$kdir" --force-9p --cpus "${VM_CPUS:-2}" --memory "${VM_MEMORY:-6G}"
	--rwdir "$results" --user root --verbose --append loglevel=4)
# QEMU's TCG CPU offers 5-level paging; a KASAN kernel then reports a
# wild access in the early IRQ path before any of our code runs, and a
# first report turns KASAN's later ones off. Boot such a kernel (ours with
# KERNEL_VARIANT=debug, or any KDIR) with 4 levels.
! grep -qx 'CONFIG_KASAN=y' "$kdir/.config" || vng_args+=(--append no5lvl)

accel=${VM_ACCEL:-tcg}
if [ "$accel" = kvm ]; then
	if [ -w /dev/kvm ] && timeout 60 vng "${vng_args[@]}" --exec true >/dev/null 2>&1; then
		log "KVM probe boot succeeded: using KVM"
	else
		log "KVM probe boot failed: using TCG"
		accel=tcg
	fi
fi
[ "$accel" = kvm ] || vng_args+=(--disable-kvm)

# The NVMe backing files. vng joins --qemu-opts into a shell command line
# and QEMU splits -drive at commas: their path must need no quoting.
# One directory per run.sh (run.PID), so that VMs may run side by side;
# those of runs that are gone (killed before their EXIT trap) go first.
disk_root=${VM_DISK_DIR:-$NFS_LOCALIO_CACHE/vm-disks}
mkdir -p "$disk_root"
disk_root=$(cd "$disk_root" && pwd)
for d in "$disk_root"/run.*; do
	[ ! -d "$d" ] || kill -0 "${d##*.}" 2>/dev/null || rm -rf "$d"
done
disk_dir=$disk_root/run.$$
mkdir -p "$disk_dir"
trap 'rm -rf "$disk_dir"' EXIT
case "$disk_dir" in *[!A-Za-z0-9._/+-]*) die "VM disk directory '$disk_dir': only [A-Za-z0-9._/+-] (VM_DISK_DIR)";; esac
nvme_disks="nvme512:512 nvme4k:4096"
for spec in $nvme_disks; do
	name=${spec%%:*} lbs=${spec#*:}
	vng_args+=(--qemu-opts=-drive
		"--qemu-opts=file=$disk_dir/$name.img,if=none,id=$name,format=raw,cache=unsafe,aio=threads"
		--qemu-opts=-device
		"--qemu-opts=nvme,serial=lio$name,drive=$name,logical_block_size=$lbs,physical_block_size=$lbs")
done
# make_disks: the backing files, empty and sparse.
make_disks() {
	local spec
	for spec in $nvme_disks; do
		rm -f "$disk_dir/${spec%%:*}.img"
		truncate -s "${VM_NVME_SIZE:-2G}" "$disk_dir/${spec%%:*}.img"
	done
}

case "$job" in bench|profile) clock=${VM_CLOCK:-icount};; *) clock=${VM_CLOCK:-wall};; esac
guest_timeout=${GUEST_JOB_TIMEOUT:-2100}
wall_timeout=${VM_WALL_TIMEOUT:-$(( guest_timeout + 300 ))}
case "$clock" in
wall) ;;
icount)
	[ "$accel" = tcg ] || die "VM_CLOCK=icount needs TCG (VM_ACCEL=tcg)"
	shift_=${ICOUNT_SHIFT:-3}
	vng_args+=(--qemu-opts=-icount "--qemu-opts=shift=$shift_,sleep=off")
	guest_timeout=$(( guest_timeout * ${ICOUNT_TIMEOUT_SCALE:-20} ))
	;;
*) die "VM_CLOCK must be wall or icount, not '$clock'";;
esac

guest_cmd="cd '$top' && RESULTS='$results' GUEST_JOB_TIMEOUT='$guest_timeout' \
VM_CLOCK='$clock' ICOUNT_SHIFT='${shift_:-}' \
BENCH_SIZE_MB='${BENCH_SIZE_MB:-}' BENCH_RUNTIME='${BENCH_RUNTIME:-}' \
BENCH_ROUNDS='${BENCH_ROUNDS:-}' BENCH_WORKLOADS='${BENCH_WORKLOADS:-}' \
BENCH_NFS_VERS='${BENCH_NFS_VERS:-}' BENCH_PNFS='${BENCH_PNFS:-}' BENCH_FILES='${BENCH_FILES:-}' \
WORKLOAD='${WORKLOAD:-}' MODE='${MODE:-}' AB_ENGINES='${AB_ENGINES:-}' \
BENCH_REF_ENGINE='${BENCH_REF_ENGINE:-}' BENCH_REF='${BENCH_REF:-}' PROFILE_ALSO='${PROFILE_ALSO:-}' \
PROFILE_TOP='${PROFILE_TOP:-}' PROFILE_SWITCHES='${PROFILE_SWITCHES:-0}' PROFILE_CHILDREN='${PROFILE_CHILDREN:-0}' PROFILE_OFFSETS='${PROFILE_OFFSETS:-}' \
BENCH_PG_SCALE='${BENCH_PG_SCALE:-}' BENCH_PG_CLIENTS='${BENCH_PG_CLIENTS:-}' BENCH_ODD_WRITES='${BENCH_ODD_WRITES:-}' \
EXPORT_DISK='${EXPORT_DISK:-}' RAMDISK_MB='${RAMDISK_MB:-}' SOAK='${SOAK:-0}' SOAK_MINUTES='${SOAK_MINUTES:-30}' VM_TESTS='${VM_TESTS:-}' VM_SCRIPT='${VM_SCRIPT:-}' bash tests/vm/guest.sh '$job'"
# vng's own exit status does not carry the guest job's: the guest writes it.
# A guest that dies while booting under TCG (rare; seen once, silently, in
# under 10 s) never starts the job: that boot is retried once, and said so.
for attempt in 1 2; do
	rm -f "$results/$job.started"
	make_disks
	log "booting $(basename "$kdir") ($accel, $clock clock) for '$job'"
	start=$(date +%s)
	timeout --foreground "$wall_timeout" \
		vng "${vng_args[@]}" --exec "$guest_cmd" 2>&1 | tee "$results/$job.log" || true
	log "VM job '$job' took $(( $(date +%s) - start )) s"
	[ ! -e "$results/$job.started" ] || break
	log "the guest never started the job (boot failure, attempt $attempt)"
done
status=$(cat "$results/$job.status" 2>/dev/null || echo "missing")
[ "$status" = 0 ] || { log "guest job '$job' failed (status: $status)"; exit 1; }
