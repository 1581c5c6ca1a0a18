# SPDX-License-Identifier: GPL-2.0
#
# What a RAM disk under the export cannot show, and whose I/O it is
# (issue 31): the export on QEMU's NVMe (4-byte DMA alignment, 512- and
# 4096-byte logical blocks, completions from interrupts) and on dm-delay
# (every completion after submit_bio() returned); writeback that one task
# flushes for another under a small RLIMIT_FSIZE or while being killed;
# opens never run by the flusher; a read racing a file's growth; rmmod
# racing I/O; an export with no direct I/O (tmpfs). Sourced by
# tests/vm/guest.sh after t20.

modules_load
direct_count() { echo $(( $(counter direct_read) + $(counter direct_write) )); }
T25_MB=${T25_MB:-8}
[ "${SOAK:-0}" = 0 ] || T25_MB=64
head -c $((T25_MB << 20)) /dev/urandom >"$WORK/t25.ref"
head -c 1000 /dev/urandom >>"$WORK/t25.ref"
# 1000-byte O_DIRECT records are stable WRITEs, each synced on its own:
# 1 MiB of them is enough (ext4 on a loop device pays a journal commit
# for each).
head -c $((1 << 20)) "$WORK/t25.ref" >"$WORK/t25.odd"

# --- O_DIRECT from memory the device takes but its blocks do not --------
# NVMe takes buffers at any 4-byte address, but iomap checks each bio_vec
# segment's length against the logical block: a buffer at page offset 16
# makes a first segment of 4080 bytes. Such I/O must be served (through
# the bounce buffer), not fail with EINVAL as neither RPC nor XFS fails it.
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs none /dev/hugepages 2>/dev/null
echo 4 >/proc/sys/vm/nr_hugepages 2>/dev/null
for disk in nvme512 nvme4k; do
	if ! export_on "$disk"; then
		skip "$disk: O_DIRECT from page offsets 4, 16, 100 and 2048" "no $disk disk"
		continue
	fi
	export_disk_facts
	nfs_mount 3 on3 localio=on
	for off in 4 16 100 2048; do
		# One iovec: taken whole by the direct path, as XFS's own
		# O_DIRECT takes it (4-byte aligned, whole blocks).
		io0=$(nfsd_io); b0=$(counter local_bounced); d0=$(direct_count)
		got=$(python3 "$TOP/tests/vm/dioio.py" "$MNT/on3/dio$off" $((64 << 10)) "$off")
		say "$disk: 64 KiB O_DIRECT from page offset $off: $got," \
			"$(( $(direct_count) - d0 )) taken whole, $(( $(nfsd_io) - io0 )) bytes through nfsd"
		check "$disk: O_DIRECT from page offset $off: written and read back, no EINVAL" test "$got" = ok
		check "$disk: O_DIRECT from page offset $off: taken whole by the direct path, not bounced" \
			eval '[ $(( $(nfsd_io) - io0 )) -eq 0 ] && [ "$(counter local_bounced)" -eq "$b0" ] &&
				[ "$(direct_count)" -ge $((d0 + 2)) ]'
		# Cut at the page boundary: a segment of 4096 - offset bytes,
		# which the device takes whole where it is a multiple of the
		# logical block; else the data goes through a bounce buffer (the
		# direct path's: the writer and the reader copy it themselves).
		io0=$(nfsd_io); b0=$(counter local_bounced); d0=$(direct_count)
		got=$(python3 "$TOP/tests/vm/dioio.py" "$MNT/on3/dio$off" $((64 << 10)) "$off" split)
		bounce=$(( (4096 - off) % ${EXPORT_DIO_OFFSET:-512} != 0 ))
		say "$disk: 64 KiB O_DIRECT from page offset $off in two iovecs: $got," \
			"$(( $(counter local_bounced) - b0 )) bounced, $(( $(nfsd_io) - io0 )) bytes through nfsd"
		check "$disk: O_DIRECT from page offset $off in two iovecs: written and read back" test "$got" = ok
		check "$disk: O_DIRECT from page offset $off in two iovecs: taken whole$([ $bounce = 1 ] && echo ', bounced')" \
			eval '[ $(( $(nfsd_io) - io0 )) -eq 0 ] && [ "$(direct_count)" -ge $((d0 + 2)) ] &&
				[ $(( $(counter local_bounced) > b0 )) -eq $bounce ]'
	done
	for off in 0 100; do
		io0=$(nfsd_io)
		got=$(python3 "$TOP/tests/vm/dioio.py" "$MNT/on3/huge$off" $((1 << 20)) "$off" huge)
		if [ "${got#mmap}" != "$got" ]; then
			skip "$disk: O_DIRECT from a huge page at offset $off" "$got"
			continue
		fi
		check "$disk: 1 MiB O_DIRECT from a huge page at offset $off: intact, served locally ($got)" \
			eval '[ "$got" = ok ] && [ $(( $(nfsd_io) - io0 )) -eq 0 ]'
	done
	# aio from an odd address: the reads complete from the device's
	# interrupt, where the reader's memory is out of reach; their data
	# lands in the reader's pages, held from the submission, from the
	# module's queue.
	io0=$(nfsd_io); b0=$(counter local_bounced); r0=$(counter direct_read)
	fio --output="$WORK/fio.out" --eta=never --verify=crc32c --do_verify=1 --verify_state_save=0 \
		--verify_fatal=1 --filename="$MNT/on3/aio-odd" --name=aio-odd --rw=randwrite --bs=64k \
		--size=2M --direct=1 --ioengine=libaio --iodepth=4 --mem_align=3 &&
		! grep -q "verify:.*bad" "$WORK/fio.out"
	got=$?
	say "$disk: 2 MiB of 64 KiB aio from an odd address: fio $got," \
		"$(( $(counter direct_read) - r0 )) reads taken whole, $(( $(counter local_bounced) - b0 )) bounced," \
		"$(( $(nfsd_io) - io0 )) bytes through nfsd"
	check "$disk: aio O_DIRECT from an odd address: written, read back intact, all bounced by the direct path" \
		eval '[ "$got" -eq 0 ] && [ $(( $(nfsd_io) - io0 )) -eq 0 ] &&
			[ "$(counter direct_read)" -ge $((r0 + 32)) ] && [ "$(counter local_bounced)" -ge $((b0 + 64)) ]'
	nfs_umount_all
done

# --- the flusher's limits, signals and cgroups are not the writer's -------
# A writes buffered and keeps the file open; B, under a 1 MiB
# RLIMIT_FSIZE, opens it read-only and calls fsync(), which writes back
# A's pages. Over RPC B's fsync succeeds; so must ours, every byte on the
# server, nobody killed by SIGXFSZ.
export_on nvme512 || export_on brd
limits_hold() {    # VERS
	local dir=$MNT/lim${1/./} f rc=0 pid
	nfs_mount "$1" "lim${1/./}" localio=on
	wait_local "$dir" || { say "v$1: LOCALIO never came on for the mount"; rc=1; }
	f=$dir/limited
	python3 - "$f" "$WORK/t25.ref" <<-'PY' &
	import mmap, os, sys, time
	data = open(sys.argv[2], "rb").read()
	fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
	# Its first block with O_DIRECT, by this task: the file is opened in
	# the provider early, and let go as idle before the flush (see
	# queued_flush below).
	dfd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
	block = mmap.mmap(-1, 4096)
	block.write(data[:4096])
	os.write(dfd, block)
	os.close(dfd)
	os.write(fd, data)
	open(sys.argv[1] + ".ready", "w").close()
	while not os.path.exists(sys.argv[1] + ".done"):
	    time.sleep(0.1)
	os.close(fd)    # close() returns 0 or raises
	open(sys.argv[1] + ".closed", "w").close()
	PY
	pid=$!
	while [ ! -e "$f.ready" ]; do sleep 0.1; done
	q0=$(queued_flush) s0=$(counter submitted_inline) c0=$(counter offered_commit)
	counters_now "$WORK/t25.counters"
	bash -c 'ulimit -f 1024; exec python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)" "$1"' \
		_ "$f" || { say "v$1: B's fsync under ulimit -f 1024 failed ($?)"; rc=1; }
	# What B's fsync queued and submitted, before A's close(), whose own
	# flush A may submit itself.
	q1=$(queued_flush) s1=$(counter submitted_inline) c1=$(counter offered_commit)
	touch "$f.done"
	wait "$pid" || { say "v$1: A's close failed"; rc=1; }
	[ -e "$f.closed" ] || rc=1
	[ "$(cold_sum "$EXPORT/limited")" = "$(sum "$WORK/t25.ref")" ] || { say "v$1: the server lost bytes"; rc=1; }
	rm -f "$f" "$f".*
	nfs_umount_all
	return $rc
}
# A's pages are written back by B's fsync or, if it comes first, by the
# flusher: either way queued (for writeback, for a worker, or, where less
# than half the stack is left at that depth (KASAN's larger frames), for
# the stack), never submitted by the flushing task. A writes the first
# block with O_DIRECT, which opens the file in the provider; the flush
# uses the same key (A's credentials, FMODE_WRITE, the filehandle) but
# still opens it once: buffered writes never reach the provider, so the
# file is unused from A's O_DIRECT write until the flush, seconds later
# under TCG, and the reaper lets it go as idle after FILE_IDLE_TICKS
# (released_idle below). If the flusher's WRITE comes first, it may not
# open: it is held (held_for_open) while a worker opens it.
# The check does not rest on either.
queued_flush() {
	echo $(( $(counter queued_writeback) + $(counter queued_worker) + $(counter queued_stack) ))
}
for v in 3 4.2; do
	check "v$v fsync by a task under a small RLIMIT_FSIZE of pages another wrote: succeeds, all on the server" \
		limits_hold "$v"
	say "v$v B's fsync: $(( q1 - q0 )) requests queued, $(( s1 - s0 )) submitted inline, $(( c1 - c0 )) COMMITs;" \
		"then A's close: $(( $(counter submitted_inline) - s1 )) submitted inline;" \
		"grown: $(counters_grown "$WORK/t25.counters" '^(offered_|declined_|queued_|file_opens|released_|stateid)')"
	# B's COMMIT is B's own (design.md, "Whose I/O it is"): B may submit
	# it; nothing else.
	check "v$v that writeback was queued, not submitted by the flushing task" \
		test "$q1" -gt "$q0" -a $(( s1 - s0 )) -le $(( c1 - c0 ))
done

# A task killed while its fsync() flushes a file others wrote: nothing it
# flushed may be lost. The export is frozen so that the flush blocks
# (deterministically) where the lower write takes freeze protection; the
# flusher gets SIGKILL there, then the export thaws. The file is 64
# records of 1000 bytes, 64 KiB apart: each is a WRITE of its own that is
# all buffered piece, the part of the lower write path that stops on a
# fatal signal.
killed_flusher_loses_nothing() {    # VERS
	local dir=$MNT/kill${1/./} f rc=0 pid
	nfs_mount "$1" "kill${1/./}" localio=on
	f=$dir/killed
	python3 - "$f" "$WORK/killed.ref" <<-'PY' &
	import os, sys, time
	rec = os.urandom(64 * 1000)
	fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) for p in sys.argv[1:3]]
	for fd in fds:
	    for k in range(64):
	        os.pwrite(fd, rec[k * 1000:(k + 1) * 1000], k << 16)
	open(sys.argv[1] + ".ready", "w").close()
	while not os.path.exists(sys.argv[1] + ".done"):
	    time.sleep(0.1)
	for fd in fds:
	    os.close(fd)
	PY
	pid=$!
	while [ ! -e "$f.ready" ]; do sleep 0.1; done
	fsfreeze -f "$EXPORT"
	python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)' "$f" &
	local flusher=$!
	sleep 2
	kill -9 "$flusher" 2>/dev/null
	sleep 1
	fsfreeze -u "$EXPORT"
	wait "$flusher" 2>/dev/null
	touch "$f.done"
	wait "$pid" || { say "v$1: the writer's close failed"; rc=1; }
	[ "$(cold_sum "$EXPORT/killed")" = "$(sum "$WORK/killed.ref")" ] || { say "v$1: bytes lost"; rc=1; }
	rm -f "$f" "$f".* "$WORK/killed.ref"
	nfs_umount_all
	return $rc
}
# NFSv3 lost bytes this way before the fix; NFSv4.2 did not in our runs:
# it runs under SOAK=1 only.
KILL_VERS=3
[ "${SOAK:-0}" = 0 ] || KILL_VERS="3 4.2"
for v in $KILL_VERS; do
	check "v$v a flusher killed during fsync under a frozen export: every byte on the server" \
		killed_flusher_loses_nothing "$v"
done

# --- no open through nfsd from the flusher ------------------------------
# A file written buffered and never opened by us yet: the flusher's offers
# (sync(2) with the file still open) must not open it themselves; a worker
# of ours opens it while they are held (held_for_open), and hands them
# back to nfs.ko, which offers them again: served locally, none to nfsd.
flusher_never_opens() {
	local f=$MNT/fl3/flushed rc=0
	nfs_mount 3 fl3 localio=on
	head -c $(((4 << 20) + 1000)) "$WORK/t25.ref" >"$WORK/t25.flush"
	python3 - "$f" "$WORK/t25.flush" <<-'PY'
	import os, sys
	data = open(sys.argv[2], "rb").read()
	fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
	half = len(data) // 2
	os.write(fd, data[:half])
	os.sync()            # the flusher: held, the open queued
	os.write(fd, data[half:])
	os.sync()            # the flusher again: the file is open by now
	os.close(fd)
	PY
	[ "$(cold_sum "$EXPORT/flushed")" = "$(sum "$WORK/t25.flush")" ] || { say "data differs"; rc=1; }
	rm -f "$f"
	nfs_umount_all
	return $rc
}
d0=$(counter declined_open_queued) q0=$(counter file_opens_queued) w0=$(counter queued_worker)
h0=$(counter held_for_open) io0=$(nfsd_io)
check "flusher writeback of a file not open yet: intact" flusher_never_opens
held=$(( $(counter held_for_open) - h0 )) via=$(( $(nfsd_io) - io0 ))
say "flusher: $held requests held for an open, $(( $(counter declined_open_queued) - d0 )) sent to nfsd for want of one," \
	"$(( $(counter file_opens_queued) - q0 )) opens by our worker, $(( $(counter queued_worker) - w0 )) queued; nfsd moved $via bytes"
check "flusher writeback: the flusher did not open the file, a worker of ours did while its WRITEs were held" \
	eval '[ "$held" -gt 0 ] && [ $(( $(counter file_opens_queued) - q0 )) -gt 0 ]'
check "flusher writeback: the held WRITEs were served once offered again, none sent to nfsd for want of an open" \
	eval '[ $(( $(counter queued_worker) - w0 )) -gt 0 ] && [ $(( $(counter declined_open_queued) - d0 )) -eq 0 ]'

# A held WRITE whose open nfsd refuses: handed back, it goes to nfsd,
# which refuses the WRITE as well, so the writer's fsync() fails as over
# RPC. uid 2000 writes buffered to a file of uid 1000's, mode 0666; the
# server's file then loses its write bit for others (chmod 0644 on the
# export), and uid 2000 calls sync(2): the flusher writes back.
flusher_refused() {    # OPTION: prints what fsync() said, and the size on the server
	local f=$MNT/flr/refused answer
	nfs_mount 3 flr "$1"
	: >"$EXPORT/refused" && chown 1000:1000 "$EXPORT/refused" && chmod 0666 "$EXPORT/refused"
	coproc FLR { exec setpriv --reuid=2000 --regid=2000 --clear-groups python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, os.urandom(1 << 20))
print("written", flush=True)
sys.stdin.readline()
os.sync()
try:
    os.fsync(fd)
    print("ok", flush=True)
except OSError as e:
    print(os.strerror(e.errno), flush=True)
' "$f"; }
	read -r -t 60 answer <&"${FLR[0]}"
	chmod 0644 "$EXPORT/refused"
	echo go >&"${FLR[1]}"
	read -r -t 120 answer <&"${FLR[0]}" || answer=TIMEOUT
	wait "$FLR_PID" 2>/dev/null
	echo "$answer, $(stat -c %s "$EXPORT/refused") bytes on the server"
	rm -f "$EXPORT/refused"
	nfs_umount_all
}
h0=$(counter held_for_open)
refused_off=$(flusher_refused localio=off)
refused_on=$(flusher_refused localio=on)
held=$(( $(counter held_for_open) - h0 ))
say "flusher, open refused: localio=off: $refused_off; localio=on: $refused_on, $held requests held"
check "flusher writeback whose open nfsd refuses: held, then refused by nfsd as over RPC" \
	eval '[ "$held" -gt 0 ] && [ "$refused_on" = "$refused_off" ] && [ "${refused_off%%,*}" = "Permission denied" ]'

# --- completions after submit_bio(): dm-delay ---------------------------
if export_on delay; then
	export_disk_facts
	nfs_mount 3 d3 localio=on
	# A READ the lower filesystem cuts at the size it sampled, of a file
	# that grows before the READ completes: nfsd reports EOF only if the
	# read reached the size after it, and the client then asks for the
	# rest. Reads are delayed 200 ms here, and the file grows 50 ms into
	# its only READ: a 64 KiB O_DIRECT read of a 100-byte file must
	# return all 64 KiB, not the 100 bytes sampled (nor zeros).
	delay_reads() {    # MS
		dmsetup --noudevsync suspend "$DELAY_DEV" &&
			dmsetup --noudevsync load "$DELAY_DEV" --table \
				"0 $(blockdev --getsz /dev/ram0) delay /dev/ram0 0 $1 /dev/ram0 0 $DELAY_MS" &&
			dmsetup --noudevsync resume "$DELAY_DEV"
	}
	grows_during_read() {
		local f=$EXPORT/grow got
		head -c 100 "$WORK/t25.ref" >"$f"
		sync
		delay_reads 200
		got=$(python3 - "$MNT/d3/grow" "$f" "$WORK/t25.ref" <<-'PY'
		import mmap, os, sys, threading, time
		buf = mmap.mmap(-1, 65536)
		ref = open(sys.argv[3], "rb").read(65536)
		fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
		def grow():
		    time.sleep(0.05)
		    with open(sys.argv[2], "ab") as f:
		        f.write(ref[100:])
		t = threading.Thread(target=grow)
		t.start()
		n = os.preadv(fd, [buf], 0)
		t.join()
		print(n, "same" if bytes(buf[:n]) == ref[:n] else "differs")
		PY
		)
		delay_reads "$DELAY_MS"
		rm -f "$f"
		say "a 64 KiB O_DIRECT read of a 100-byte file growing to 64 KiB meanwhile: $got"
		# The direct path's synchronous read holds XFS's iolock, so the
		# append is ordered after it, as after nfsd's own read: 100 bytes,
		# at EOF. A read the append overtakes (the pageio path's, whose
		# async submission drops the iolock) must go on to all 64 KiB.
		# Never zeros, never a short read said to be the end when the size
		# after the read is larger (reply::read_eof, host-tested).
		[ "$got" = "65536 same" ] || [ "$got" = "100 same" ]
	}
	check "a READ racing the file's growth returns what the exported filesystem ordered, never zeros" \
		grows_during_read

	# rmmod racing I/O whose completions come late: an offer that arrives
	# after try_stop_module() still submits, and its completion must find
	# the queue; nothing may complete in interrupt context.
	rmmod_races_io() {
		local f=$MNT/d3/rm pid i unloaded=0 rc=0
		dd if="$WORK/t25.ref" of="$f" bs=64k oflag=direct count=$((T25_MB * 16)) status=none &
		pid=$!
		for i in $(seq 2000); do
			kill -0 "$pid" 2>/dev/null || break
			if rmmod localio_rs_client 2>/dev/null; then
				unloaded=$((unloaded + 1))
				insmod "$client_ko" || rc=1
			fi
		done
		wait "$pid" || { say "dd failed"; rc=1; }
		say "rmmod succeeded $unloaded times while dd wrote"
		[ "$(cold_sum "$EXPORT/rm")" = "$(head -c $((T25_MB << 20)) "$WORK/t25.ref" | md5sum | cut -d' ' -f1)" ] ||
			{ say "data differs"; rc=1; }
		rm -f "$f"
		[ "$unloaded" -gt 0 ] || say "never unloaded while busy: the race was not reached"
		return $rc
	}
	check "rmmod racing I/O on a disk that completes late: data intact" rmmod_races_io
	modules_load
	nfs_umount_all
else
	skip "the delayed disk: growing-file read, rmmod racing I/O" "no dm-delay"
fi

# --- other exported filesystems: tmpfs (no direct I/O), ext4 -----------
# tmpfs reports no direct I/O: served through its page cache, as nfsd
# would; ext4 (on a loop device, which completes from a worker) by direct
# I/O like XFS. Data checked on the server and through the mount; nothing
# may go through nfsd.
OTHER_EXPORT=$EXPORT_ROOT/other
other_fs_served() {    # FS VERS
	local fs=$1 v=$2 d f ok_all=yes io0 p0 b0 through
	nfs_mount "$v" "other${v/./}" localio=on "$OTHER_EXPORT"
	d=$MNT/other${v/./}
	io0=$(nfsd_io); p0=$(counter local_buffered_bytes); b0=$(counter local_write_bytes)
	dd if="$WORK/t25.ref" of="$d/buffered" bs=1M conv=fsync status=none
	dd if="$WORK/t25.ref" of="$d/direct" bs=1M oflag=direct status=none
	dd if="$WORK/t25.odd" of="$d/odd" bs=1000 oflag=direct status=none
	drop_caches
	for f in buffered direct odd; do
		local want=$WORK/t25.ref
		[ "$f" != odd ] || want=$WORK/t25.odd
		[ "$(sum "$d/$f")" = "$(sum "$want")" ] || ok_all=no
		[ "$(sum "$OTHER_EXPORT/$f")" = "$(sum "$want")" ] || ok_all=no
	done
	through=$(( $(nfsd_io) - io0 ))
	say "v$v $fs export: $through bytes through nfsd, $(( $(counter local_write_bytes) - b0 ))" \
		"written locally, $(( $(counter local_buffered_bytes) - p0 )) of it and the reads buffered"
	rm -f "$d"/buffered "$d"/direct "$d"/odd
	nfs_umount_all
	[ "$ok_all" = yes ] || { say "v$v $fs: data differs"; return 1; }
	[ "$through" -eq 0 ]
}
mkdir -p "$OTHER_EXPORT"
OTHER_VERS=3
[ "${SOAK:-0}" = 0 ] || OTHER_VERS="3 4.2"
for fs in tmpfs ext4; do
	case $fs in
	tmpfs) mount -t tmpfs -o size=256m other "$OTHER_EXPORT";;
	ext4)
		modprobe ext4
		truncate -s 256M "$WORK/ext4.img"
		mkfs.ext4 -q -F "$WORK/ext4.img" && mount -o loop "$WORK/ext4.img" "$OTHER_EXPORT";;
	esac || { skip "$fs export" "cannot make one"; continue; }
	chmod 1777 "$OTHER_EXPORT"
	exportfs -o rw,fsid=8,no_subtree_check,no_root_squash,insecure "127.0.0.1:$OTHER_EXPORT"
	# The server's path is the same for both versions: NFSv4.2 under SOAK=1.
	for v in $OTHER_VERS; do
		check "v$v $fs export: buffered, O_DIRECT and 1000-byte O_DIRECT data intact, nothing through nfsd" \
			other_fs_served "$fs" "$v"
	done
	exportfs -u "127.0.0.1:$OTHER_EXPORT"
	umount_retry "$OTHER_EXPORT"
	rm -f "$WORK/ext4.img"
done

export_on brd
check_no_kernel_reports t25
