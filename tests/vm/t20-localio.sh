# SPDX-License-Identifier: GPL-2.0
#
# The Rust LOCALIO data path: what a localio=on mount serves locally, what
# it sends back to RPC, and that the data is right either way. Sourced by
# tests/vm/guest.sh in the VM after t10 (which leaves nothing mounted).

SIZE_MB=$(( ${SOAK:-0} != 0 ? 256 : 32 ))
head -c ${SIZE_MB}M /dev/urandom >"$WORK/ref"
ref=$(sum "$WORK/ref")
modules_load

local_bytes() { echo $(( $(counter local_read_bytes) + $(counter local_write_bytes) )); }
cold_sum() { drop_caches; sum "$1"; }

for v in 3 4.2; do
	n=${v/./}
	nfs_mount "$v" "on$n" localio=on
	nfs_mount "$v" "off$n" localio=off
	on=$MNT/on$n off=$MNT/off$n

	# Aligned O_DIRECT: served locally, nfsd moves nothing.
	io0=$(nfsd_io); b0=$(local_bytes)
	dd if="$WORK/ref" of="$on/direct" bs=1M oflag=direct status=none
	drop_caches
	dd if="$on/direct" of="$WORK/back" bs=1M iflag=direct status=none
	check "v$v aligned O_DIRECT: data intact through the mount" test "$(sum "$WORK/back")" = "$ref"
	check "v$v aligned O_DIRECT: data intact on the server" test "$(cold_sum "$EXPORT/direct")" = "$ref"
	check "v$v aligned O_DIRECT: nfsd's io counters stayed flat" test "$(nfsd_io)" -eq "$io0"
	check "v$v aligned O_DIRECT: our counters moved every byte" \
		test "$(( $(local_bytes) - b0 ))" -ge $((2 * SIZE_MB * 1048576))

	# Buffered writes: page-cache writeback and COMMIT, served locally.
	io0=$(nfsd_io); c0=$(counter local_commit)
	dd if="$WORK/ref" of="$on/buffered" bs=1M conv=fsync status=none
	check "v$v buffered writeback: data intact on the server" test "$(cold_sum "$EXPORT/buffered")" = "$ref"
	check "v$v buffered writeback: data intact through localio=off" test "$(cold_sum "$off/buffered")" = "$ref"
	check "v$v buffered writeback: COMMIT served locally" test "$(counter local_commit)" -gt "$c0"
	check "v$v buffered writeback: no WRITE went through nfsd" test "$(( $(nfsd_io) - io0 ))" -lt $((SIZE_MB * 1048576))

	# Misaligned O_DIRECT (1000-byte records): declined, sent as RPC.
	io0=$(nfsd_io); m0=$(counter declined_misaligned)
	dd if="$WORK/ref" of="$on/odd" bs=1000 oflag=direct status=none
	check "v$v misaligned O_DIRECT: declined as misaligned" test "$(counter declined_misaligned)" -gt "$m0"
	check "v$v misaligned O_DIRECT: went through nfsd" test "$(( $(nfsd_io) - io0 ))" -ge $((SIZE_MB * 1048576))
	check "v$v misaligned O_DIRECT: data intact on the server" test "$(cold_sum "$EXPORT/odd")" = "$ref"
	check "v$v misaligned O_DIRECT: data intact through the mount" test "$(cold_sum "$on/odd")" = "$ref"
	rm -f "$on/direct" "$on/buffered" "$on/odd"
done

check "no local request failed" test "$(( $(counter local_read_errors) + $(counter local_write_errors) + $(counter local_commit_errors) ))" -eq 0
say "client counters:"; sed 's/^/#   /' "$STATS"
nfs_umount_all
modules_unload
splats=$(dmesg_splats)
[ -z "$splats" ] || printf '%s\n' "$splats" | sed 's/^/# dmesg: /'
check "t20: no WARN/BUG/lockdep/hung-task report in dmesg" test -z "$splats"
