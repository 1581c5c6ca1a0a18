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
# mismatches, no I/O error), every freeze returns, every nfsd stop returns
# within 30 s, the mounts and modules go, and dmesg has no
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
# until SECONDS have passed. Logs what it did in $WORK/soak-events.
disturb() {
	local until=$((SECONDS + $1)) step=0 t0 pid
	while [ "$SECONDS" -lt "$until" ]; do
		sleep $((5 + RANDOM % 10))
		case $((step++ % 2)) in
		0)	# nfsd's stop waits for every nfsd_file LOCALIO holds: the
			# client must let go promptly (t20 measures about 1 s).
			t0=$SECONDS
			rpc.nfsd 0 &
			pid=$!
			while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - t0)) -lt 30 ]; do
				sleep 1
			done
			if kill -0 "$pid" 2>/dev/null; then
				# What LOCALIO holds, and where the blocked tasks wait.
				# (The dump's call traces fail the round's dmesg check too.)
				echo "stop-slow" >>"$WORK/soak-events"
				awk '$1 == "client" { l = "stop-slow-client " $2 " " $3
					for (i = 4; i <= NF; i++)
						if ($i ~ /^(open_files|handshakes|released_not_serving|declined_nfsd_down)=/)
							l = l " " $i
					print l }' "$STATS" >>"$WORK/soak-events" 2>/dev/null
				[ ! -w /proc/sysrq-trigger ] || echo w >/proc/sysrq-trigger
			fi
			wait "$pid"
			echo "restart $((SECONDS - t0))" >>"$WORK/soak-events"
			sleep 2
			rpc.nfsd -V 3 -V 4.2 4;;
		1)	echo freeze >>"$WORK/soak-events"
			if timeout 30 fsfreeze -f "$EXPORT"; then
				sleep 2
				fsfreeze -u "$EXPORT"
			else
				echo "freeze-hung" >>"$WORK/soak-events"
				fsfreeze -u "$EXPORT" 2>/dev/null
			fi;;
		esac
	done
}

# teardown: unmounts the round's mounts and unloads the modules; fails if
# a mount or a module is left (the next round would then not reload them).
teardown() {
	local m left=0
	nfs_umount_all
	modules_unload
	for m in "$MNT"/soak-*; do
		! mountpoint -q "$m" || { say "still mounted: $m"; left=1; }
	done
	! lsmod | grep -qE '^localio_rs_(client|nfsd_shim) ' || { say "modules still loaded"; left=1; }
	return "$left"
}

while [ "$SECONDS" -lt "$deadline" ]; do
	round=$((round + 1))
	round_started=$SECONDS
	since=$(log_time)
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
				# Both versions mount the same export: the file names
				# must differ, or two writers share (and lay out) a file.
				fio --name="$how" --filename="$MNT/soak-$tag/soak-$tag-$how" --rw=randwrite \
					--bs="$bs" --size="$size" --direct=1 --ioengine=libaio \
					--iodepth="$depth" --verify=crc32c --verify_fatal=1 \
					--output="$WORK/soak-$tag-$how.fio" \
					>/dev/null 2>"$WORK/soak-$tag-$how.err" &
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
	writers_took=$((SECONDS - round_started))
	wait "$dpid"
	say "round $round: ${#pids[@]} writers took $writers_took s;" \
		"$(grep -c '^restart ' "$WORK/soak-events") nfsd restarts" \
		"(stops took: $(awk '$1 == "restart" {printf "%s%s s", n++ ? ", " : "", $2}' "$WORK/soak-events"))," \
		"$(grep -cx freeze "$WORK/soak-events") freezes"
	grep '^stop-slow-client ' "$WORK/soak-events" | sed 's/^stop-slow-client/#   while nfsd stopped slowly, LOCALIO client/'
	for f in "${failed[@]}"; do
		say "round $round: fio failed: $f"
		set -- $f
		cat "$WORK/soak-$1-$2.err" 2>/dev/null | head -n 10 | sed 's/^/#   /'
		grep -iE 'err|verify|bad|mismatch' "$WORK/soak-$1-$2.fio" 2>/dev/null |
			head -n 10 | sed 's/^/#   /'
	done
	check "round $round: every fio writer verified (${#pids[@]} writers)" test "${#failed[@]}" -eq 0
	check "round $round: every freeze of the export returned" \
		test "$(grep -c freeze-hung "$WORK/soak-events")" -eq 0
	check "round $round: every nfsd stop returned within 30 s" \
		test "$(grep -cx stop-slow "$WORK/soak-events")" -eq 0
	check "round $round: unmounted and unloaded the modules" teardown
	# lib.sh's SPLAT_RE, in this round's part of the log.
	splats=$(log_since "$since" | grep -E "$SPLAT_RE" || true)
	[ -z "$splats" ] || printf '%s\n' "$splats" | head -n 40 | sed 's/^/# dmesg: /'
	check "round $round: no WARN/BUG/lockdep/KASAN/hung-task report" test -z "$splats"
	rm -f "$EXPORT"/soak-* "$SMALL_EXPORT"/soak-* 2>/dev/null
done
say "soak: $round rounds in $((SECONDS / 60)) minutes"
tap_summary
