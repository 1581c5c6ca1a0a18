# SPDX-License-Identifier: GPL-2.0
#
# The Rust LOCALIO data path: what a localio=on mount serves locally, what
# it sends back to RPC, and that the data is right either way. Sourced by
# tests/vm/guest.sh in the VM after t10 (which leaves nothing mounted).
# The data export is on an NVMe disk with 512-byte blocks (export_on in
# lib.sh): 4-byte DMA alignment, completions from interrupts.

export_for t20 nvme512

SIZE_MB=$(( ${SOAK:-0} != 0 ? 256 : 16 ))
ODD_MB=$(( ${SOAK:-0} != 0 ? 32 : 1 ))   # 1000-byte RPCs are slow under TCG
head -c ${SIZE_MB}M /dev/urandom >"$WORK/ref"
ref=$(sum "$WORK/ref")
head -c ${ODD_MB}M "$WORK/ref" >"$WORK/ref_odd"
ref_odd=$(sum "$WORK/ref_odd")
modules_load

local_bytes() { echo $(( $(counter local_read_bytes) + $(counter local_write_bytes) )); }

# Every local completion that fails is traced, so that a failure below
# says which request it was.
failed_events=/sys/kernel/tracing/events/localio_rs/localio_rs_complete
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
echo 'result < 0' >"$failed_events/filter"
echo 1 >"$failed_events/enable"

for v in 3 4.2; do
	n=${v/./}
	major=${v%%.*}
	mark=$(log_mark)
	nfs_mount "$v" "on$n" localio=on
	nfs_mount "$v" "off$n" localio=off
	on=$MNT/on$n off=$MNT/off$n

	# Aligned O_DIRECT: served locally, nfsd moves nothing.
	io0=$(nfsd_io); b0=$(local_bytes); o0=$(counter file_opens); u0=$(counter file_reuses)
	idle0=$(counter released_idle)
	i0=$(counter submitted_inline)
	dd if="$WORK/ref" of="$on/direct" bs=1M oflag=direct status=none
	drop_caches
	# How many files the client holds, sampled while the read runs and
	# once after it: on a slow guest (the debug kernel under TCG) the
	# reaper may rightly let go before a single sample after it.
	dd if="$on/direct" of="$WORK/back" bs=1M iflag=direct status=none &
	pid=$! held=0
	while :; do
		running=0; kill -0 "$pid" 2>/dev/null && running=1
		h=$(client_counter "$major" open_files)
		[ "${h:-0}" -le "$held" ] || held=$h
		[ "$running" = 1 ] || break
	done
	wait "$pid"
	opens=$(( $(counter file_opens) - o0 )) reuses=$(( $(counter file_reuses) - u0 ))
	idle=$(( $(counter released_idle) - idle0 ))
	say "v$v aligned O_DIRECT: $opens opens through nfsd, $reuses reuses, $idle let go as idle"
	check "v$v aligned O_DIRECT: data intact through the mount" test "$(sum "$WORK/back")" = "$ref"
	check "v$v aligned O_DIRECT: data intact on the server" test "$(cold_sum "$EXPORT/direct")" = "$ref"
	check "v$v aligned O_DIRECT: nfsd's io counters stayed flat" test "$(nfsd_io)" -eq "$io0"
	check "v$v aligned O_DIRECT: our counters moved every byte" \
		test "$(( $(local_bytes) - b0 ))" -ge $((2 * SIZE_MB * 1048576))
	# One open per (caller, mode, file): the write's and the read's, not
	# one per 1 MiB request; again only after the reaper let it go as idle
	# (two ticks that saw no request: on a loaded host the vCPU running
	# dd can stall that long while the other one ticks).
	check "v$v aligned O_DIRECT: nfsd opened the file once per open mode" \
		eval '[ "$opens" -ge 1 ] && [ "$opens" -le $((2 + idle)) ] && [ "$reuses" -ge $((2 * SIZE_MB - 2 - idle)) ]'
	# An application's own direct I/O needs no queue: dd submits it.
	check "v$v aligned O_DIRECT: the application submitted its own I/O (inline)" \
		test "$(( $(counter submitted_inline) - i0 ))" -ge $((2 * SIZE_MB))
	check "v$v per-client counters: this client's line shows its local writes" \
		test "$(client_counter "$major" local_write)" -ge "$SIZE_MB"
	check "v$v the client holds its files while in use" test "${held:-0}" -ge 1
	# nfsd opens as the caller's fsuid, fsgid and groups, nothing else of
	# its credentials: two processes of one user share the file opened
	# for the first (or for the read above), another user has its own.
	# Each may be let go as idle in between on a stalled vCPU.
	chmod 644 "$on/direct"
	o0=$(counter file_opens) idle0=$(counter released_idle)
	for _ in 1 2; do
		dd if="$on/direct" of=/dev/null bs=64k count=4 iflag=direct status=none
	done
	same=$(( $(counter file_opens) - o0 ))
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		dd if="$on/direct" of=/dev/null bs=64k count=4 iflag=direct status=none
	other=$(( $(counter file_opens) - o0 - same )) idle=$(( $(counter released_idle) - idle0 ))
	say "v$v two processes of root: $same opens; then nobody: $other; $idle let go as idle"
	check "v$v two processes of one user share one nfsd open, another user has its own" \
		eval '[ "$same" -le $((1 + idle)) ] && [ "$other" -ge 1 ] && [ $((same + other)) -le $((2 + idle)) ]'
	# Idle for 2 s, then the next reaper tick (every second) lets go.
	files_released() {
		local i
		for i in $(seq 10); do
			sleep 1
			[ "$(client_counter "$major" open_files)" -eq 0 ] && { say "released after $i s"; return 0; }
		done
		return 1
	}
	check "v$v the client lets go of its files once idle" files_released
	check "v$v the files let go are counted as idle" \
		test "$(client_counter "$major" released_idle)" -ge "$opens"
	# Nothing cached (the refusals of t10 are long forgotten): the reaper
	# stops ticking.
	ticks_stop() {
		local t0
		sleep 2
		t0=$(counter reaper_ticks)
		sleep 3
		[ "$(counter reaper_ticks)" -eq "$t0" ]
	}
	check "v$v with no file cached the reaper stops ticking" ticks_stop

	# Buffered writes: page-cache writeback and COMMIT, served locally.
	io0=$(nfsd_io); c0=$(counter local_commit)
	dd if="$WORK/ref" of="$on/buffered" bs=1M conv=fsync status=none
	io1=$(nfsd_io)
	check "v$v buffered writeback: data intact on the server" test "$(cold_sum "$EXPORT/buffered")" = "$ref"
	check "v$v buffered writeback: data intact through localio=off" test "$(cold_sum "$off/buffered")" = "$ref"
	check "v$v buffered writeback: COMMIT served locally" test "$(counter local_commit)" -gt "$c0"
	check "v$v buffered writeback: no WRITE went through nfsd" test "$io1" -eq "$io0"

	# Writeback by the flusher (a WQ_MEM_RECLAIM worker) never submits to
	# the export itself: sync(2) with the file still open has the flusher
	# write it back (no close-time flush by the writer), through our queue.
	# The writer's fsync of its first MiB opens the file (the flusher
	# never opens one: t25), so the flusher's WRITEs find it open.
	q0=$(counter queued_worker)
	python3 -c '
import os, sys
data = open(sys.argv[2], "rb").read(4 << 20)
with open(sys.argv[1], "wb") as f:
    f.write(data[:1 << 20])
    f.flush()
    os.fsync(f.fileno())
    f.write(data[1 << 20:])
    f.flush()
    os.sync()
    print(os.fstat(f.fileno()).st_size)
' "$on/flusher" "$WORK/ref" >/dev/null
	check "v$v flusher writeback: queued, not submitted by the worker itself" \
		test "$(counter queued_worker)" -gt "$q0"
	check "v$v flusher writeback: data intact on the server" \
		test "$(cold_sum "$EXPORT/flusher")" = "$(ref_head_sum 4)"
	rm -f "$on/flusher"

	# Misaligned O_DIRECT (1000-byte records): none holds a whole 4 KiB
	# block of the export, so each is one buffered write to it (t40 tests
	# such pieces); nothing goes through nfsd.
	io0=$(nfsd_io); p0=$(counter local_buffered_bytes); w0=$(counter local_write_bytes)
	dd if="$WORK/ref_odd" of="$on/odd" bs=1000 oflag=direct status=none
	check "v$v misaligned O_DIRECT: all of it written locally, buffered, nothing through nfsd" \
		eval '[ $(( $(nfsd_io) - io0 )) -eq 0 ] &&
			[ $(( $(counter local_buffered_bytes) - p0 )) -eq $((ODD_MB * 1048576)) ] &&
			[ $(( $(counter local_write_bytes) - w0 )) -eq $((ODD_MB * 1048576)) ]'
	check "v$v misaligned O_DIRECT: data intact on the server" test "$(cold_sum "$EXPORT/odd")" = "$ref_odd"
	check "v$v misaligned O_DIRECT: data intact through the mount" test "$(cold_sum "$on/odd")" = "$ref_odd"

	# fio with crc32c verification: aligned O_DIRECT, buffered, misaligned,
	# and aligned and misaligned writers on one file; then the server's
	# view and a localio=off mount's view must agree byte for byte.
	fio_ok() {
		fio --output="$WORK/fio.out" --eta=never --verify=crc32c --do_verify=1 --verify_state_save=0 \
			--verify_fatal=1 --filename="$1" "${@:2}" &&
			! grep -q "verify:.*bad" "$WORK/fio.out"
	}
	same_everywhere() { [ "$(cold_sum "$EXPORT/$1")" = "$(cold_sum "$off/$1")" ]; }
	check "v$v fio verify: aligned O_DIRECT random writes" fio_ok "$on/f-direct" \
		--name=direct --rw=randwrite --bs=64k --size=8M --direct=1 --ioengine=libaio --iodepth=8
	check "v$v fio verify: buffered writes" fio_ok "$on/f-buffered" \
		--name=buffered --rw=write --bs=64k --size=8M --end_fsync=1
	check "v$v fio verify: misaligned O_DIRECT (1000-byte blocks)" fio_ok "$on/f-odd" \
		--name=odd --rw=write --bs=1000 --size=1000000 --direct=1
	check "v$v fio verify: aligned and misaligned writers on one file" fio_ok "$on/f-mixed" \
		--direct=1 --name=aligned --bs=4k --offset=0 --size=2M --rw=randwrite \
		--name=odd --bs=1000 --offset=4M --size=1000000 --rw=write
	# O_DIRECT from buffers at an odd address: aligned on disk, not in
	# memory even for NVMe (4 bytes), which XFS's own direct I/O refuses
	# and NFS accepts. Requests of up to 1 MiB are bounced by the direct
	# path (a write copied in by its writer, an aio read copied into the
	# reader's pages, held from its submission, wherever it completes),
	# larger ones by the pageio path. Written and read back verified, all
	# but nothing local.
	io0=$(nfsd_io); b0=$(counter local_bounced); l0=$(local_bytes)
	dw0=$(counter direct_write) dr0=$(counter direct_read) dm0=$(counter direct_declined_memory)
	check "v$v fio verify: O_DIRECT from buffers at an odd address" fio_ok "$on/f-memoff" \
		--name=memoff --rw=randwrite --bs=64k --size=8M --direct=1 --ioengine=libaio \
		--iodepth=4 --mem_align=3
	check "v$v fio verify: 2 MiB O_DIRECT requests from buffers at an odd address" \
		fio_ok "$on/f-memoff2" --name=memoff2 --rw=write --bs=2m --size=8M --direct=1 \
		--ioengine=libaio --iodepth=2 --mem_align=3
	via=$(( $(nfsd_io) - io0 )) bounced=$(( $(counter local_bounced) - b0 ))
	served=$(( $(local_bytes) - l0 )) writes=$(( $(counter direct_write) - dw0 ))
	reads=$(( $(counter direct_read) - dr0 )) paged=$(( $(counter direct_declined_memory) - dm0 ))
	say "v$v odd address: $served bytes served locally, $bounced requests bounced" \
		"($writes writes and $reads aio reads by the direct path, $paged requests left to the pageio path), $via through nfsd"
	check "v$v odd address: up to 1 MiB bounced by the direct path, aio reads included, larger by the pageio path, under 1% via nfsd" \
		eval '[ "$served" -ge $((4 * 8 * 1048576)) ] && [ "$((via * 100))" -lt "$served" ] &&
			[ "$writes" -ge 128 ] && [ "$reads" -ge 128 ] && [ "$paged" -ge 8 ] &&
			[ "$bounced" -ge $((writes + reads + paged)) ]'
	check "v$v fio files: server and localio=off views agree" \
		eval 'same_everywhere f-direct && same_everywhere f-buffered && same_everywhere f-odd && same_everywhere f-mixed && same_everywhere f-memoff &&
			same_everywhere f-memoff2'

	# Attributes right after a local write, as nfsd would report them.
	rm -f "$on/attr"
	dd if="$WORK/ref" of="$on/attr" bs=1M count=1 seek=3 oflag=direct status=none
	check "v$v size seen by the client right after a local write" \
		test "$(stat -c %s "$on/attr")" -eq 4194304
	check "v$v mtime seen by the client matches the server's" \
		test "$(stat -c %Y "$on/attr")" -eq "$(stat -c %Y "$EXPORT/attr")"

	# O_SYNC (FILE_SYNC writes) and O_DSYNC buffered, served locally.
	w0=$(counter local_write)
	dd if="$WORK/ref" of="$on/sync" bs=1M count=8 oflag=direct,sync status=none
	dd if="$WORK/ref" of="$on/dsync" bs=1M count=8 oflag=dsync status=none
	check "v$v O_SYNC/O_DSYNC writes served locally" test "$(counter local_write)" -gt "$w0"
	check "v$v O_SYNC/O_DSYNC data intact on the server" \
		eval '[ "$(cold_sum "$EXPORT/sync")" = "$(ref_head_sum 8)" ] && [ "$(cold_sum "$EXPORT/dsync")" = "$(ref_head_sum 8)" ]'
	rm -f "$on"/f-* "$on/attr" "$on/sync" "$on/dsync"
	rm -f "$on/direct" "$on/buffered" "$on/odd"
	# Hundreds of requests, one notice: when LOCALIO went on, not per I/O.
	check "v$v the kernel log says once that LOCALIO is on for this client" \
		test "$(log_count_since "$mark" "LOCALIO on for server 127.0.0.1 (NFSv$major): nfsd is in this kernel")" -eq 1
done

failed=$(( $(counter local_read_errors) + $(counter local_write_errors) + $(counter local_commit_errors) ))
[ "$failed" -eq 0 ] || grep -F localio_rs_complete /sys/kernel/tracing/trace | tail -n 5 | sed 's/^/# /'
check "no local request failed so far" test "$failed" -eq 0
echo 0 >"$failed_events/enable"
echo 0 >"$failed_events/filter"
nfs_umount_all

# --- nfsd's decisions hold for local I/O: ro export, root_squash ----------
echo data >"$EXPORT/ro/file"
nfs_mount 3 ro localio=on "$EXPORT/ro"
ro_refused() {
	! dd if="$WORK/ref" of="$MNT/ro/file" bs=1M count=1 oflag=direct conv=notrunc \
		status=none 2>/dev/null && [ "$(cat "$EXPORT/ro/file")" = data ]
}
check "read-only export refuses writes through localio=on" ro_refused
check "read-only export still serves reads" test "$(cat "$MNT/ro/file")" = data
install -m 0644 -o root /dev/null "$EXPORT/squash/rootfile"
nfs_mount 3 squash localio=on "$EXPORT/squash"
squash_holds() {
	! dd if="$WORK/ref" of="$MNT/squash/rootfile" bs=1M count=1 oflag=direct \
		conv=notrunc status=none 2>/dev/null && [ ! -s "$EXPORT/squash/rootfile" ]
}
check "root_squash: client root cannot write a root-owned 0644 file" squash_holds
squashed_owner() {
	dd if="$WORK/ref" of="$MNT/squash/new" bs=1M count=1 oflag=direct status=none &&
		[ "$(stat -c %u "$EXPORT/squash/new")" -eq 65534 ] &&
		[ "$(cold_sum "$EXPORT/squash/new")" = "$(ref_head_sum 1)" ]
}
check "root_squash: root's new file belongs to nobody, data intact" squashed_owner
nfs_umount_all

# --- ENOSPC on a small export --------------------------------------------
small=$SMALL_EXPORT
check "ENOSPC: a 300 MiB XFS export is mounted for it" mountpoint -q "$small"
nfs_mount 3 small localio=on "$small"
dd if="$WORK/ref" of="$MNT/small/keep" bs=1M count=8 oflag=direct status=none
keep=$(ref_head_sum 8)
e0=$(counter local_write_errors)
enospc_reported() {
	! dd if=/dev/zero of="$MNT/small/fill" bs=1M oflag=direct status=none 2>"$WORK/dd.err" &&
		grep -q "No space left on device" "$WORK/dd.err"
}
check "ENOSPC: a full export reports ENOSPC to the application" enospc_reported
check "ENOSPC: the local write path saw the error" test "$(counter local_write_errors)" -gt "$e0"
check "ENOSPC: data written before is intact" \
	eval '[ "$(cold_sum "$MNT/small/keep")" = "$keep" ] && [ "$(cold_sum "$small/keep")" = "$keep" ]'
rm -f "$MNT/small/fill"

# --- a frozen export holds local writes until it is thawed ---------------
# A local direct write keeps the export's freeze protection until the write
# completes, as aio does: no write lands on a frozen filesystem, none is
# lost across the freeze.
nfs_mount 3 frozen localio=on
frozen_holds_writes() {
	local pid rc=0 w0 o0
	dd if="$WORK/ref" of="$MNT/frozen/f" bs=1M count=1 oflag=direct status=none
	w0=$(counter local_write) o0=$(counter offered_write)
	fsfreeze -f "$EXPORT"
	dd if="$WORK/ref" of="$MNT/frozen/f" bs=1M count=8 oflag=direct conv=notrunc status=none &
	pid=$!
	sleep 2
	if ! kill -0 "$pid" 2>/dev/null; then say "the write finished on a frozen export"; rc=1; fi
	# Completed local writes are counted: none may complete while frozen.
	[ "$(counter local_write)" -eq "$w0" ] || { say "a local write completed while frozen"; rc=1; }
	# ... though the first one reached us and waits in our queue.
	[ "$(counter offered_write)" -gt "$o0" ] || { say "no write was offered while frozen"; rc=1; }
	fsfreeze -u "$EXPORT"
	wait "$pid" || { say "the writer failed after the thaw"; rc=1; }
	[ "$(counter local_write)" -ge $((w0 + 8)) ] || { say "not served locally"; rc=1; }
	[ "$(cold_sum "$EXPORT/f")" = "$(ref_head_sum 8)" ] || { say "data differs"; rc=1; }
	rm -f "$EXPORT/f"
	return $rc
}
check "frozen export: local writes wait for the thaw, then land intact" frozen_holds_writes
nfs_umount_all

# --- nfsd stopped and restarted during I/O --------------------------------
nfs_mount 3 on3 localio=on
mark=$(log_mark)
# nfsd's shutdown waits for every file LOCALIO holds open: the client must
# let go promptly, not after its idle time or never.
nfsd_stops_promptly() {
	local t0 t1
	dd if="$WORK/ref" of="$MNT/on3/held" bs=1M count=4 oflag=direct status=none
	[ "$(client_counter 3 open_files)" -ge 1 ] || { say "no file held: $(grep '^client' "$STATS")"; return 1; }
	t0=$(date +%s)
	timeout 60 rpc.nfsd 0 || return 1
	t1=$(date +%s)
	say "rpc.nfsd 0 with files held took $((t1 - t0)) s"
	rpc.nfsd -V 3 -V 4.2 4
	[ $((t1 - t0)) -le 10 ]
}
check "nfsd stops within 10 s while LOCALIO holds files open" nfsd_stops_promptly
# A direct write on a file opened before nfsd stopped reaches the provider
# while nfsd is down (an open would wait for nfsd in its GETATTR first).
write_while_nfsd_down() {
	local pid rc=0
	rm -f "$WORK/opened" "$WORK/go"
	python3 - "$MNT/on3/held" "$WORK" <<-'PY' &
	import mmap, os, sys, time
	fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
	open(sys.argv[2] + "/opened", "w").close()
	while not os.path.exists(sys.argv[2] + "/go"):
	    time.sleep(0.1)
	buf = mmap.mmap(-1, 1 << 20)
	buf.write(b"x" * (1 << 20))
	sys.exit(0 if os.write(fd, buf) == 1 << 20 else 1)
	PY
	pid=$!
	while [ ! -e "$WORK/opened" ]; do sleep 0.1; done
	sleep 3    # the file LOCALIO held goes idle
	rpc.nfsd 0
	touch "$WORK/go"
	sleep 2
	rpc.nfsd -V 3 -V 4.2 4
	wait "$pid" || rc=$?
	[ $rc -eq 0 ] && [ "$(head -c 1M "$EXPORT/held" | tr -d x | wc -c)" -eq 0 ]
}
d0=$(counter declined_nfsd_down)
check "a write while nfsd is down waits for nfsd and lands intact" write_while_nfsd_down
check "it was declined because nfsd was down" test "$(counter declined_nfsd_down)" -gt "$d0"
check "the kernel log said LOCALIO went off because nfsd was not serving" \
	test "$(log_count_since "$mark" "LOCALIO off for server 127.0.0.1 (NFSv3): nfsd is not serving")" -ge 1
restart_safe() {
	local pid rc=0
	dd if="$WORK/ref" of="$MNT/on3/restart" bs=1M oflag=direct status=none &
	pid=$!
	sleep 1
	rpc.nfsd 0
	sleep 2
	rpc.nfsd -V 3 -V 4.2 4
	wait "$pid" || rc=$?
	say "dd across the nfsd restart exited $rc"
	# Completed (locally or by RPC) or failed cleanly; if completed, intact.
	[ $rc -ne 0 ] || [ "$(cold_sum "$EXPORT/restart")" = "$ref" ]
}
check "nfsd restart during localio=on I/O: no hang, data intact" restart_safe
# Re-detection is rate-limited (a handshake at most every 5 s when the
# server looked remote): give it up to 15 s of I/O.
localio_resumes() {
	local i b0
	for i in $(seq 15); do
		b0=$(local_bytes)
		dd if="$WORK/ref" of="$MNT/on3/after" bs=1M count=1 oflag=direct status=none
		[ "$(local_bytes)" -gt "$b0" ] && { say "LOCALIO back after $i s"; return 0; }
		sleep 1
	done
	return 1
}
check "after the nfsd restart LOCALIO resumes" localio_resumes
# ... because the handshake was redone, off the I/O path.
check "the handshake was redone off the I/O path" test "$(client_counter 3 handshakes)" -ge 1
check "the kernel log said LOCALIO is on again" \
	test "$(log_count_since "$mark" "LOCALIO on for server 127.0.0.1 (NFSv3)")" -ge 1
nfs_umount_all

# --- unmount and unload while busy or holding files ------------------------
nfs_mount 3 busy localio=on
umount_while_busy() {
	local pid rc=0 want
	# The writer holds the file open across both unmounts and writes half
	# before and half after them, so the refusal does not depend on how
	# fast the disk is.
	want=$(cat "$WORK/ref" "$WORK/ref" "$WORK/ref" "$WORK/ref" | md5sum | cut -d' ' -f1)
	rm -f "$WORK/ready" "$WORK/go"
	mkfifo "$WORK/ready" "$WORK/go"
	(
		ok=0
		exec 3>"$MNT/busy/f" && ok=1
		[ $ok = 1 ] && { cat "$WORK/ref" "$WORK/ref" | dd of=/dev/fd/3 bs=1M \
			iflag=fullblock oflag=direct conv=notrunc status=none || ok=0; }
		echo >"$WORK/ready"
		read -r _ <"$WORK/go"
		[ $ok = 1 ] && cat "$WORK/ref" "$WORK/ref" | dd of=/dev/fd/3 bs=1M \
			iflag=fullblock oflag=direct conv=notrunc seek=$((2 * SIZE_MB)) \
			status=none
	) &
	pid=$!
	read -r _ <"$WORK/ready"
	if umount "$MNT/busy" 2>/dev/null; then say "umount with a file open succeeded"; rc=1; fi
	umount -l "$MNT/busy" || rc=1
	echo >"$WORK/go"
	wait "$pid" || { say "writer failed after the lazy unmount"; rc=1; }
	[ "$(cold_sum "$EXPORT/f")" = "$want" ] || { say "data differs"; rc=1; }
	rm -f "$EXPORT/f" "$WORK/ready" "$WORK/go"
	return $rc
}
check "unmount while a localio=on writer holds its file: refused; lazy unmount lets it finish intact" umount_while_busy
client_forgotten() {
	local i
	for i in $(seq 10); do
		[ -z "$(client_counter 3 open_files)" ] && return 0
		sleep 1
	done
	return 1
}
check "once the last mount is gone the client's state and files are gone" client_forgotten
nfs_mount 3 on3 localio=on
dd if="$WORK/ref" of="$MNT/on3/held" bs=1M count=4 oflag=direct status=none
check "rmmod of the client while it holds files open succeeds" \
	eval '[ "$(client_counter 3 open_files)" -ge 1 ] && rmmod localio_rs_client'
check "and the shim unloads after it: every file was released" rmmod localio_rs_nfsd_shim
modules_load
b0=$(local_bytes)
dd if="$WORK/ref" of="$MNT/on3/held" bs=1M count=4 oflag=direct status=none
check "reloaded modules serve the same mount locally again" test "$(local_bytes)" -gt "$b0"
# Without the shim: declined, and the log says why, once; back when it is.
mark=$(log_mark)
shim_gone_and_back() {
	local i n0
	for i in $(seq 10); do
		rmmod localio_rs_nfsd_shim 2>/dev/null && break    # files idle first
		sleep 1
	done
	lsmod | grep -q '^localio_rs_nfsd_shim ' && { say "shim still in use"; return 1; }
	n0=$(counter declined_no_shim)
	dd if="$WORK/ref" of="$MNT/on3/held" bs=1M count=4 oflag=direct status=none
	[ "$(counter declined_no_shim)" -ge $((n0 + 4)) ] || { say "not declined as no_shim"; return 1; }
	insmod "$shim_ko"
	dd if="$WORK/ref" of="$MNT/on3/held" bs=1M count=4 oflag=direct status=none
	[ "$(log_count_since "$mark" "LOCALIO off for server 127.0.0.1 (NFSv3): localio_rs_nfsd_shim is not loaded")" -eq 1 ] &&
		[ "$(log_count_since "$mark" "LOCALIO on for server 127.0.0.1 (NFSv3)")" -eq 1 ]
}
check "shim unloaded: declined as no_shim, logged once, LOCALIO back with it" shim_gone_and_back

say "client counters:"; sed 's/^/#   /' "$STATS"
nfs_umount_all
modules_unload
export_back t20
check_no_kernel_reports t20
