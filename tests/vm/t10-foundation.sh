# SPDX-License-Identifier: GPL-2.0
#
# The nfs.ko hook and the module plumbing: the localio= option, the
# provider seeing exactly the localio=on mounts' requests (and, without the
# shim, declining them all to RPC with nothing lost), the built-in C LOCALIO
# untouched for mounts without the option, and clean module lifecycles.
# Sourced by tests/vm/guest.sh in the VM after the server setup.

# SOAK=1 (see README) moves four times as much data through every path.
SIZE_MB=$(( ${SOAK:-0} != 0 ? 256 : 64 ))
head -c ${SIZE_MB}M /dev/urandom >"$WORK/ref"
ref=$(sum "$WORK/ref")
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

# --- lifecycle ---------------------------------------------------------
modules_load
rmmod_while_busy() {
	local pid rc=0
	dd if="$WORK/ref" of="$MNT/on3/busy" bs=64k oflag=direct status=none &
	pid=$!
	sleep 1
	rmmod localio_rs_client 2>/dev/null && say "rmmod during I/O: module removed" ||
		say "rmmod during I/O: refused"
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
	! lsmod | grep -q '^localio_rs' &&
		[ ! -e /sys/kernel/debug/localio_rs ] &&
		modules_load && test -r "$STATS"
}
check "insmod/rmmod cycles under a localio=on mount leave nothing behind" cycles_leave_nothing

unmount_and_unload() {
	nfs_umount_all && modules_unload && ! grep -q " $MNT/" /proc/mounts &&
		[ "$(cat /sys/module/nfs/refcnt)" -eq "$nfs_refcnt0" ]
}
check "unmount and module unload leave nfs.ko's refcount as found" unmount_and_unload

check_no_kernel_reports t10
