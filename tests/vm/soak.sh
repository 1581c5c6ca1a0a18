#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak (`make soak`, not part of CI): rounds of fio verify through
# localio=on mounts while the world changes under them, for SOAK_MINUTES
# (default 30). Run by tests/vm/guest.sh in the VM, meant for the
# lockdep+KASAN kernel:
#
#   KERNEL_VARIANT=debug make soak
#
# Each round loads the modules, mounts the RAM-disk export (which completes
# direct I/O within the submission) and the loop-device export (which
# completes it later, through ki_complete) over NFSv3 and NFSv4.2, and runs
# four fio writers with verification at a random iodepth of 64 to 512: an
# aligned direct writer (served locally) and a misaligned one (1000-byte
# blocks: sent to nfsd, or split) per export. Meanwhile it restarts nfsd,
# freezes and thaws the export, and at the end of the round unmounts and
# unloads the modules. A round passes when every fio verifies (0
# mismatches, no I/O error), every freeze returns, and dmesg has no
# WARN/BUG/lockdep/KASAN/hung-task report. Prints KTAP; the last line is
# "N passed, N failed".
set -uo pipefail
. "$TOP/tests/vm/lib.sh"

minutes=${SOAK_MINUTES:-30}
deadline=$((SECONDS + minutes * 60))
round=0
tap_start
say "soak: $minutes minutes of rounds"

# disturb SECONDS: restarts nfsd and freezes/thaws the export, in turn,
# until SECONDS have passed.
disturb() {
	local until=$((SECONDS + $1)) step=0
	while [ "$SECONDS" -lt "$until" ]; do
		sleep $((5 + RANDOM % 10))
		case $((step++ % 2)) in
		0)	rpc.nfsd 0; sleep 2; rpc.nfsd -V 3 -V 4.2 4;;
		1)	if timeout 30 fsfreeze -f "$EXPORT"; then
				sleep 2
				fsfreeze -u "$EXPORT"
			else
				echo "freeze-hung" >>"$WORK/soak-events"
				fsfreeze -u "$EXPORT" 2>/dev/null
			fi;;
		esac
	done
}

while [ "$SECONDS" -lt "$deadline" ]; do
	round=$((round + 1))
	mark=$(log_mark)
	: >"$WORK/soak-events"
	modules_load
	pids=()
	names=()
	for v in 3 4.2; do
		n=${v/./}
		for exp in "$EXPORT" "$SMALL_EXPORT"; do
			tag=v$n-$(basename "$exp")
			nfs_mount "$v" "soak-$tag" localio=on "$exp"
			depth=$((64 + RANDOM % 449))
			for how in aligned misaligned; do
				if [ "$how" = aligned ]; then bs=64k size=48m; else bs=1000 size=4m; fi
				fio --name="$how" --filename="$MNT/soak-$tag/$how" --rw=randwrite \
					--bs="$bs" --size="$size" --direct=1 --ioengine=libaio \
					--iodepth="$depth" --verify=crc32c --verify_fatal=1 \
					--output="$WORK/soak-$tag-$how.fio" >/dev/null 2>&1 &
				pids+=($!)
				names+=("$tag $how qd$depth")
			done
		done
	done
	disturb 60 &
	dpid=$!
	failed=()
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || failed+=("${names[$i]}")
	done
	wait "$dpid"
	for f in "${failed[@]}"; do say "round $round: fio failed: $f"; done
	check "round $round: every fio writer verified (${#pids[@]} writers)" test "${#failed[@]}" -eq 0
	check "round $round: every freeze of the export returned" \
		test "$(grep -c freeze-hung "$WORK/soak-events")" -eq 0
	nfs_umount_all
	modules_unload
	splats=$(dmesg | tail -n +"$((mark + 1))" | grep -E 'WARNING:|BUG:|Oops|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked|Call Trace' || true)
	[ -z "$splats" ] || printf '%s\n' "$splats" | head -n 40 | sed 's/^/# dmesg: /'
	check "round $round: no WARN/BUG/lockdep/KASAN/hung-task report" test -z "$splats"
	rm -f "$EXPORT"/soak-* "$SMALL_EXPORT"/soak-* 2>/dev/null
	find "$EXPORT" "$SMALL_EXPORT" -maxdepth 1 -name '*aligned' -delete 2>/dev/null
done
say "soak: $round rounds in $((SECONDS / 60)) minutes"
tap_summary
