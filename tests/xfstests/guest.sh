#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (tests/vm/run.sh's `script` job, started by
# tests/xfstests/run.sh, which `make xfstests` runs): xfstests with
# FSTYP=nfs over 127.0.0.1, once per mode, one mode after the other.
#
#   v3-on    NFSv3,   localio=on:  our provider (localio_rs_client.ko)
#   v3-off   NFSv3,   localio=off: always RPC to nfsd, the baseline
#   v3-c     NFSv3,   no option:   the kernel's built-in C LOCALIO
#   v4.2-on, v4.2-off, v4.2-c     the same over NFSv4.2
#   v4.2pnfs-on, -off, -c         the same over NFSv4.2 with both exports
#                                 `pnfs`: a flexfiles layout whose data
#                                 server is this nfsd over NFSv3, so the I/O
#                                 is data-server I/O (v4.1pnfs-* for 4.1)
#
# What to run comes from $RESULTS/xfstests/job.env (written by the host:
# XFSTESTS, the tree; XFSTESTS_CHECK_ARGS, check's arguments; XFSTESTS_MODES;
# XFSTESTS_MODE_TIMEOUT, seconds per mode; XFSTESTS_SCRATCH_MB).
#
# TEST_DEV is guest.sh's data export (XFS on /dev/ram0); SCRATCH_DEV is an
# export of its own, an XFS of XFSTESTS_SCRATCH_MB on /dev/ram1 (the RAM
# disk lib.sh creates and leaves unused), small so that stress tests run
# near full. Both are emptied on the server before each mode. Our modules
# stay loaded for every mode (as in `make bench`): the `c` and `off` modes
# must leave their counters untouched.
#
# Per mode, in $RESULTS/xfstests/<mode>/: check's output (check.out), its
# results directory (results/), nfsd's io line and our stats file before
# and after (nfsd.before|after, stats.before|after: module-wide counters;
# check unmounts at its end, taking the per-client lines with it), the
# kernel log of the mode (dmesg) and the lines of it lib.sh's dmesg_splats
# picks (splats), its run time and check's exit status (mode.info). The
# host's tests/xfstests/compare.py turns these into the table.
set -uo pipefail
. "$TOP/tests/vm/lib.sh"

out=$RESULTS/xfstests
# shellcheck disable=SC1091
. "$out/job.env"
: "${XFSTESTS:?}" "${XFSTESTS_MODES:?}"
mode_timeout=${XFSTESTS_MODE_TIMEOUT:-3600}
scratch_mb=${XFSTESTS_SCRATCH_MB:-1024}

SCRATCH_EXPORT=$EXPORT_ROOT/scratch
TEST_MNT=$MNT/xfstests-test
SCRATCH_MNT_=$MNT/xfstests-scratch

# --- set-up shared by all modes ------------------------------------------
mkfs.xfs -f -q -d size=${scratch_mb}m /dev/ram1 || exit 1
mkdir -p "$SCRATCH_EXPORT" "$TEST_MNT" "$SCRATCH_MNT_"
mount -t xfs /dev/ram1 "$SCRATCH_EXPORT" || exit 1
chmod 1777 "$SCRATCH_EXPORT"
echo "$SCRATCH_EXPORT 127.0.0.1(rw,fsid=10,no_subtree_check,no_root_squash,insecure)" >>/etc/exports
exportfs -ra || exit 1

# The users and groups xfstests' permission tests ask for (/etc is a
# throw-away overlay in the guest).
for u in fsgqa fsgqa2 123456-fsgqa; do
	id "$u" >/dev/null 2>&1 || useradd -m -U "$u" >/dev/null 2>&1 || true
done
modules_load

# empty_export DIR: removes what a previous mode left, keeping lib.sh's
# sub-export directories.
empty_export() {
	find "$1" -mindepth 1 -maxdepth 1 ! -name ro ! -name squash ! -name auth \
		-exec rm -rf {} + 2>/dev/null
}

# pnfs_exports on|off: the `pnfs` export option on (or off) for both
# exports, for the next mount. Only the pnfs modes have it: on the other
# NFSv4 modes it would make every I/O data-server I/O.
pnfs_exports() {
	local opt=
	[ "$1" = off ] || opt=,pnfs
	sed -i -e "s|^\($EXPORT 127.0.0.1(rw,fsid=1\)[^)]*|\1,no_subtree_check,no_root_squash,insecure$opt|" \
		-e "s|^\($SCRATCH_EXPORT 127.0.0.1(rw,fsid=10\)[^)]*|\1,no_subtree_check,no_root_squash,insecure$opt|" \
		/etc/exports
	exportfs -ra
}

# mount_layout DEV OPTS: the pNFS layout driver a mount of DEV with OPTS
# gets once it has written (none for NFSv3 or no layout), so that a pnfs
# mode that silently lost its layouts says so in mode.info.
mount_layout() {
	local m=$MNT/xfstests-probe layout
	mkdir -p "$m"
	mount -t nfs -o "$2" "$1" "$m" || { echo unmounted; return; }
	dd if=/dev/zero of="$m/.layout-probe" bs=1M count=1 oflag=direct status=none
	layout=$(awk -v m="$m" '$1 == "device" { f = ($5 == m); next }
		f && $1 == "nfsv4:" && match($0, /pnfs=[A-Z_a-z]*/) {
			print substr($0, RSTART + 5, RLENGTH - 5); exit }' /proc/self/mountstats)
	rm -f "$m/.layout-probe"
	umount "$m"
	# nfs.ko says "pnfs=not configured" of a mount without a layout driver.
	[ "$layout" != not ] || layout=
	echo "${layout:-none}"
}

# --- one mode -------------------------------------------------------------
run_mode() {
	local mode=$1 vers kind opts test_dev scratch_dev dir mark start rc splats0 layout pnfs=off
	vers=${mode%%-*}; vers=${vers#v}; kind=${mode#*-}
	case "$vers" in
	4.[12]pnfs) vers=${vers%pnfs}; pnfs=on;;
	*pnfs) say "unknown mode $mode (pNFS needs NFSv4.1 or 4.2)"; return 1;;
	esac
	case "$vers" in
	3) opts="vers=3,nolock"
	   test_dev=127.0.0.1:$EXPORT scratch_dev=127.0.0.1:$SCRATCH_EXPORT;;
	4*) opts="vers=$vers"
	   test_dev=127.0.0.1:/${EXPORT#"$EXPORT_ROOT"/}
	   scratch_dev=127.0.0.1:/${SCRATCH_EXPORT#"$EXPORT_ROOT"/};;
	*) say "unknown mode $mode"; return 1;;
	esac
	case "$kind" in
	on) opts+=",localio=on";;
	off) opts+=",localio=off";;
	c) ;;
	*) say "unknown mode $mode"; return 1;;
	esac
	dir=$out/$mode
	mkdir -p "$dir/results"
	cat >"$dir/local.config" <<-EOT
	export FSTYP=nfs
	export TEST_DEV=$test_dev
	export TEST_DIR=$TEST_MNT
	export SCRATCH_DEV=$scratch_dev
	export SCRATCH_MNT=$SCRATCH_MNT_
	export NFS_MOUNT_OPTIONS="-o $opts"
	export RESULT_BASE=$dir/results
	EOT

	umount "$TEST_MNT" "$SCRATCH_MNT_" 2>/dev/null
	pnfs_exports "$pnfs" || return 1
	empty_export "$EXPORT"
	empty_export "$SCRATCH_EXPORT"
	# Tests nfsd's flexfiles server cannot run (tests/xfstests/pnfs.exclude).
	local exclude=()
	[ "$pnfs" = off ] || exclude=(-E "$TOP/tests/xfstests/pnfs.exclude")
	layout=$(mount_layout "$test_dev" "$opts")
	say "xfstests $mode: the test export's mounts get layout $layout"
	sync
	cat /proc/net/rpc/nfsd >"$dir/nfsd.before"
	cat "$STATS" >"$dir/stats.before" 2>/dev/null
	mark=$(log_mark)
	start=$SECONDS
	say "xfstests $mode: mount options $opts, check ${XFSTESTS_CHECK_ARGS[*]}"
	splats0=$(dmesg_splats | wc -l)
	# timeout runs check in a process group of its own and, when the
	# mode's time is up, signals all of it.
	(cd "$XFSTESTS" && HOST_OPTIONS=$dir/local.config \
		timeout -k 30 "$mode_timeout" ./check "${exclude[@]}" "${XFSTESTS_CHECK_ARGS[@]}") \
		2>&1 | tee "$dir/check.out"
	rc=${PIPESTATUS[0]}
	umount "$SCRATCH_MNT_" 2>/dev/null
	umount "$TEST_MNT" 2>/dev/null || umount -l "$TEST_MNT" 2>/dev/null
	cat /proc/net/rpc/nfsd >"$dir/nfsd.after"
	cat "$STATS" >"$dir/stats.after" 2>/dev/null
	dmesg | tail -n +"$((mark + 1))" >"$dir/dmesg"
	dmesg_splats | tail -n +"$((splats0 + 1))" >"$dir/splats"
	printf 'mode=%s\nopts=%s\npnfs=%s\nlayout=%s\nseconds=%d\ncheck_status=%d\n' \
		"$mode" "$opts" "$pnfs" "$layout" "$((SECONDS - start))" "$rc" >"$dir/mode.info"
	[ "$rc" != 124 ] || say "xfstests $mode: stopped after ${mode_timeout} s"
	say "xfstests $mode: $((SECONDS - start)) s, check exit status $rc"
}

for mode in $XFSTESTS_MODES; do
	run_mode "$mode"
done
nfs_umount_all
modules_unload
# Test failures are the table's business; the job fails only when the
# kernel reported a bug.
splats=$(dmesg_splats)
[ -z "$splats" ] || { printf '%s\n' "$splats"; exit 1; }
exit 0
