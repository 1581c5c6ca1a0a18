# SPDX-License-Identifier: GPL-2.0
#
# The nfs.ko hook and the module plumbing: the localio= option, the
# provider seeing exactly the localio=on mounts' requests (and, without the
# shim, declining them all to RPC with nothing lost), the built-in C LOCALIO
# untouched for mounts without the option, and clean module lifecycles.
# Sourced by tests/vm/guest.sh in the VM after the server setup.

# SOAK=1 (see README) moves sixteen times as much data through every path.
SIZE_MB=$(( ${SOAK:-0} != 0 ? 256 : 16 ))
head -c ${SIZE_MB}M /dev/urandom >"$WORK/ref"
ref=$(sum "$WORK/ref")
# A file run before this one (VM_TESTS picks the order) may have left
# both modules loaded, each holding nfs.ko.
modules_unload
nfs_refcnt0=$(cat /sys/module/nfs/refcnt)

# The client alone: every request it is offered must go back to RPC.
insmod "$client_ko"
check "client module loads without the shim" test -r "$STATS"

# --- the option --------------------------------------------------------
has_opt() { tr , '\n' <<<"$(mount_opts "$1")" | grep -qx "$2"; }
no_localio_opt() { ! mount_opts "$1" | grep -q 'localio='; }

for v in 3 4.2; do
	n=${v/./}
	nfs_mount "$v" "on$n" localio=on
	nfs_mount "$v" "off$n" localio=off
	nfs_mount "$v" "plain$n"
	check "v$v: localio=on is shown in /proc/mounts" has_opt "$MNT/on$n" localio=on
	check "v$v: localio=off is shown in /proc/mounts" has_opt "$MNT/off$n" localio=off
	check "v$v: no localio= shown when not given" no_localio_opt "$MNT/plain$n"
done

bad_value_rejected() {
	local seen
	seen=$(dmesg | wc -l)
	mkdir -p "$MNT/bad"
	! nfs_mount 3 bad localio=maybe 2>/dev/null &&
		! mountpoint -q "$MNT/bad" &&
		dmesg | tail -n +$((seen + 1)) | grep -q "Bad value for 'localio'"
}
check "localio=maybe is refused, with the reason in the kernel log" bad_value_rejected

# --- where the data goes -----------------------------------------------
# write_read DIR NAME: O_DIRECT write, buffered write + fsync, and cold
# reads of both; true when every copy matches the reference, seen through
# the mount and through the server-side path.
write_read() {
	local d=$1 f=$2
	dd if="$WORK/ref" of="$d/$f.direct" bs=1M oflag=direct status=none &&
		dd if="$WORK/ref" of="$d/$f.buffered" bs=1M conv=fsync status=none &&
		drop_caches &&
		[ "$(sum "$d/$f.direct")" = "$ref" ] &&
		[ "$(sum "$d/$f.buffered")" = "$ref" ] &&
		[ "$(sum "$EXPORT/$f.direct")" = "$ref" ] &&
		[ "$(sum "$EXPORT/$f.buffered")" = "$ref" ] &&
		rm -f "$d/$f.direct" "$d/$f.buffered"
}

for v in 3 4.2; do
	n=${v/./}
	io0=$(nfsd_io); r0=$(counter offered_read); w0=$(counter offered_write)
	c0=$(counter offered_commit); d0=$(counter declined_no_shim)
	check "v$v localio=on, no shim: data intact (client and server side)" write_read "$MNT/on$n" "on$n"
	io1=$(nfsd_io)
	check "v$v localio=on, no shim: provider was offered READs" test "$(counter offered_read)" -gt "$r0"
	check "v$v localio=on, no shim: provider was offered WRITEs" test "$(counter offered_write)" -gt "$w0"
	check "v$v localio=on, no shim: provider was offered COMMITs" test "$(counter offered_commit)" -gt "$c0"
	offered=$(( $(counter offered_read) + $(counter offered_write) + $(counter offered_commit) - r0 - w0 - c0 ))
	check "v$v localio=on, no shim: every offered request was declined" \
		test "$(( $(counter declined_no_shim) - d0 ))" -eq "$offered"
	check "v$v localio=on, no shim: declined I/O went through nfsd (RPC)" \
		test "$((io1 - io0))" -ge $((4 * SIZE_MB * 1048576))

	o0=$(offered_total); io0=$(nfsd_io)
	check "v$v localio=off: data intact" write_read "$MNT/off$n" "off$n"
	check "v$v localio=off: provider saw nothing" test "$(offered_total)" -eq "$o0"
	check "v$v localio=off: I/O went through nfsd" \
		test "$(( $(nfsd_io) - io0 ))" -ge $((4 * SIZE_MB * 1048576))

	o0=$(offered_total); io0=$(nfsd_io)
	check "v$v no option: data intact" write_read "$MNT/plain$n" "plain$n"
	check "v$v no option: provider saw nothing" test "$(offered_total)" -eq "$o0"
	check "v$v no option: built-in C LOCALIO bypassed nfsd (io counters flat)" \
		test "$(nfsd_io)" -eq "$io0"
done

# --- the mount's state in /proc/self/mountstats ------------------------
# localio_line DIR: the "localio:" line of the mount on DIR, as an
# unprivileged user reads it (empty when the mount has none).
localio_line() {
	setpriv --reuid=1000 --regid=1000 --clear-groups cat /proc/self/mountstats |
		awk -v d="$1" '$1 == "device" { m = ($5 == d) } m && $1 == "localio:" { $1 = ""; print substr($0, 2) }'
}
say "mountstats, no shim: $(localio_line "$MNT/on3")"
check "mountstats: a localio=on mount without the shim says it is not local, and why" \
	eval 'localio_line "$MNT/on3" | grep -Eq "^provider=localio_rs_client local=no reason=no_shim "'
check "mountstats: and counts the bytes nfs.ko sent to nfsd" \
	eval 'localio_line "$MNT/on3" | grep -Eq " rpc_write_bytes=[1-9][0-9]{6,} "'
check "mountstats: mounts without localio=on have no localio: line" \
	eval '[ -z "$(localio_line "$MNT/off3")" ] && [ -z "$(localio_line "$MNT/plain42")" ]'

# --- trace events ------------------------------------------------------
modules_load
TRACE=/sys/kernel/tracing
# trace_io: with every localio_rs event on, an aligned O_DIRECT write and
# cold read (served locally), a 100-byte write at offset 100 (served
# locally, as a buffered piece) and an O_DIRECT write at offset 1000 from
# page-aligned memory, whose whole block would start misaligned in memory
# (sent to nfsd); the events are left in $WORK/trace.
trace_io() {
	: >"$TRACE/trace"
	echo 1 >"$TRACE/events/localio_rs/enable" || return 1
	dd if="$WORK/ref" of="$MNT/on3/traced" bs=1M count=1 oflag=direct status=none &&
		drop_caches &&
		dd if="$MNT/on3/traced" of=/dev/null bs=1M iflag=direct status=none &&
		python3 -c 'import mmap, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"x" * 100, 100)
os.fsync(fd)
os.close(fd)
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 8192)
buf.write(b"y" * 8000)
os.pwrite(fd, memoryview(buf)[:8000], 1000)
os.close(fd)' "$MNT/on3/traced"
	local rc=$?
	echo 0 >"$TRACE/events/localio_rs/enable"
	cp "$TRACE/trace" "$WORK/trace"
	rm -f "$MNT/on3/traced"
	return $rc
}
# traced PATTERN: a line of the trace matches the extended regex.
traced() { grep -Eq -- "$1" "$WORK/trace"; }
check "trace events: I/O with every localio_rs event on" trace_io
say "trace events: $(grep -c localio_rs_ "$WORK/trace") lines, e.g. $(grep -m1 -o 'localio_rs_accept: .*' "$WORK/trace")"
# The aligned O_DIRECT requests are offered whole (direct_write,
# direct_read: the direct path), the others as pageio READs and WRITEs.
check "trace: offers name the client, file, kind and range" \
	traced 'localio_rs_offer: server=127\.0\.0\.1 nfsv3 fileid=[0-9]+ direct_write offset=0 count=1048576'
check "trace: the aligned write is accepted whole, submitted by the writer" \
	traced 'localio_rs_accept: .* direct_write offset=0 count=1048576 served=1048576 submit=inline'
check "trace: submission and completion, with the result and the time" \
	eval "traced 'localio_rs_submit: dev=[0-9]+:[0-9]+ ino=[0-9]+ direct_read offset=0' &&
		traced 'localio_rs_complete: .* direct_read offset=0 served=[0-9]+ result=[0-9]+ ns=[1-9]'"
check "trace: the 100-byte write is accepted whole, as a buffered piece" \
	traced 'localio_rs_accept: .* write offset=100 count=100 served=100 '
check "trace: the misaligned O_DIRECT write is declined, with its counter's reason" \
	eval "traced 'localio_rs_decline: .* direct_write offset=1000 count=8000 reason=misaligned' &&
		traced 'localio_rs_decline: .* fileid=[0-9]+ write offset=1000 count=8000 reason=misaligned'"
say "mountstats, with the shim: $(localio_line "$MNT/on3")"
check "mountstats: with the shim, the mount is local and counts what it served here" \
	eval 'localio_line "$MNT/on3" | grep -Eq "^provider=localio_rs_client local=yes local_read_bytes=[1-9][0-9]* .*local_write_bytes=[1-9]"'
check "trace: the file cache's open and reuse of the file" \
	eval "traced 'localio_rs_file: server=127\.0\.0\.1 nfsv3 dev=[0-9:]+ ino=[0-9]+ open' &&
		traced 'localio_rs_file: .* reuse'"

# --- lifecycle ---------------------------------------------------------
# On a disk that completes every request a few ms after submit_bio()
# returned (dm-delay over the RAM disk), so that the provider is removed
# while its requests are in flight below it, not between two of them.
export_for t10 delay
nfs_mount 3 on3 localio=on
rmmod_while_busy() {
	local pid rc=0 running
	dd if="$WORK/ref" of="$MNT/on3/busy" bs=64k oflag=direct status=none &
	pid=$!
	sleep 1
	running=no
	! kill -0 "$pid" 2>/dev/null || running=yes
	rmmod localio_rs_client 2>/dev/null && say "rmmod during I/O (writer running: $running): module removed" ||
		say "rmmod during I/O (writer running: $running): refused"
	wait "$pid" || rc=1
	drop_caches
	[ $rc -eq 0 ] && [ "$(sum "$EXPORT/busy")" = "$ref" ] &&
		[ "$(sum "$MNT/on3/busy")" = "$ref" ]
}
check "rmmod of the provider during localio=on I/O is refused or safe" rmmod_while_busy
modules_load

cycles_leave_nothing() {
	local i
	for i in 1 2 3 4 5; do
		modules_unload || return 1
		modules_load || return 1
		dd if="$WORK/ref" of="$MNT/on3/cycle" bs=1M count=4 oflag=direct status=none || return 1
	done
	modules_unload || return 1
	[ "$(localio_line "$MNT/on3")" = provider=none ] || { say "mountstats: $(localio_line "$MNT/on3")"; return 1; }
	! lsmod | grep -q '^localio_rs' &&
		[ ! -e /sys/kernel/debug/localio_rs ] &&
		modules_load && test -r "$STATS"
}
check "insmod/rmmod cycles under a localio=on mount leave nothing behind (mountstats: provider=none)" cycles_leave_nothing

unmount_and_unload() {
	nfs_umount_all && modules_unload && ! grep -q " $MNT/" /proc/mounts &&
		[ "$(cat /sys/module/nfs/refcnt)" -eq "$nfs_refcnt0" ]
}
check "unmount and module unload leave nfs.ko's refcount as found" unmount_and_unload

export_back t10
check_no_kernel_reports t10

# The report check reads each file's kernel log from the file's start
# (log_since FILE_LOG_SINCE): a line logged before that time is not in
# it, one after it is.
report_window_starts_at_the_file() {
	local line="localio-rs-test: window check $$" since
	echo "$line before" >/dev/kmsg || return 1
	since=$(log_time)
	sleep 0.1
	echo "$line after" >/dev/kmsg || return 1
	since=$(log_since "$since")
	! grep -qF "$line before" <<<"$since" && grep -qF "$line after" <<<"$since"
}
check "the report check reads the kernel log from the file's start on" report_window_starts_at_the_file
