# SPDX-License-Identifier: GPL-2.0
#
# Pieces below the alignment. A WRITE that starts or ends inside a direct
# I/O alignment unit is served whole: its body of whole blocks of the
# exported XFS (4 KiB) with direct I/O, the pieces before and after it
# (under one block each) with buffered writes to the exported file,
# nothing through nfsd. A READ whose start
# meets the alignment is served locally for its longest aligned prefix,
# and only the rest (less than one unit) goes to nfsd, through nfs.ko's
# own resend of a short reply. Sourced by tests/vm/guest.sh after t30.
# The data export is on an NVMe disk with 4096-byte logical blocks
# (export_on in lib.sh), where the alignment unit is a whole block.

export_for t40 nvme4k
modules_load
# The direct I/O offset alignment (STATX_DIOALIGN) of the export's XFS:
# 512 on the RAM disk or nvme512, 4096 on nvme4k.
ALIGN=${EXPORT_DIO_OFFSET:-512}
local_written() { counter local_write_bytes; }
local_read() { counter local_read_bytes; }
buffered() { counter local_buffered_bytes; }

for v in 3 4.2; do
	n=${v/./}
	nfs_mount "$v" "part-on$n" localio=on
	nfs_mount "$v" "part-off$n" localio=off
	on=$MNT/part-on$n off=$MNT/part-off$n

	# One WRITE of N x ALIGN + r bytes (writeback of a fresh file of that
	# size, and the same as one O_DIRECT write; 600 x 512 is 75 blocks,
	# 600 x 4096 600): nothing through nfsd, the body with direct I/O and
	# the r-byte tail buffered, data intact.
	for r in 0 100 $((ALIGN - 1)); do
		size=$((600 * ALIGN + r))
		head -c "$size" /dev/urandom >"$WORK/part"
		want=$(sum "$WORK/part")
		for how in buffered direct; do
			io0=$(nfsd_io); b0=$(local_written); p0=$(buffered)
			if [ "$how" = buffered ]; then
				dd if="$WORK/part" of="$on/part-$how" bs="$size" conv=fsync status=none
			else
				dd if="$WORK/part" of="$on/part-$how" bs="$size" oflag=direct status=none
			fi
			sync
			via=$(( $(nfsd_io) - io0 )) loc=$(( $(local_written) - b0 ))
			buf=$(( $(buffered) - p0 ))
			say "v$v $how write of 600 x $ALIGN + $r bytes: $loc locally ($buf buffered), $via through nfsd"
			check "v$v $how write of 600 x $ALIGN + $r: nothing through nfsd" \
				test "$via" -eq 0
			check "v$v $how write of 600 x $ALIGN + $r: all of it written locally once, $r bytes buffered" \
				eval '[ "$loc" -eq "$size" ] && [ "$buf" -eq "$r" ]'
			check "v$v $how write of 600 x $ALIGN + $r: data intact on the server and through localio=off" \
				eval '[ "$(cold_sum "$EXPORT/part-$how")" = "$want" ] && [ "$(cold_sum "$off/part-$how")" = "$want" ]'
		done
		# One O_DIRECT READ of the whole file: the same split.
		drop_caches
		io0=$(nfsd_io); b0=$(local_read)
		dd if="$on/part-direct" of="$WORK/back" bs="$size" iflag=direct status=none
		via=$(( $(nfsd_io) - io0 )) loc=$(( $(local_read) - b0 ))
		check "v$v direct read of 600 x $ALIGN + $r: $r bytes through nfsd, the body locally, data intact" \
			eval '[ "$via" -eq "$r" ] && [ "$loc" -eq $((600 * ALIGN)) ] && [ "$(sum "$WORK/back")" = "$want" ]'
		rm -f "$on"/part-*
	done

	# Smaller than one alignment unit: one buffered write, nothing through
	# nfsd; then a server-side read of it sees the bytes (the lower page
	# cache is the exported file's), and after a drop of every cache too.
	head -c 300 /dev/urandom >"$WORK/small"
	io0=$(nfsd_io); b0=$(local_written); p0=$(buffered)
	dd if="$WORK/small" of="$on/small" conv=fsync status=none
	check "v$v a 300-byte file: all of it written locally and buffered, nothing through nfsd, intact" \
		eval '[ $(( $(nfsd_io) - io0 )) -eq 0 ] && [ $(( $(local_written) - b0 )) -eq 300 ] &&
			[ $(( $(buffered) - p0 )) -eq 300 ] &&
			[ "$(sum "$EXPORT/small")" = "$(sum "$WORK/small")" ] &&
			[ "$(cold_sum "$EXPORT/small")" = "$(sum "$WORK/small")" ]'
	rm -f "$on/small"

	# fsstress's write operation: random sizes at random offsets into a
	# file opened write-only, so that nfs.ko sends just the bytes written
	# (WRITEs that start and end anywhere), with an fsync every 16 writes.
	# Before buffered pieces, every such WRITE went to nfsd whole.
	io0=$(nfsd_io); b0=$(local_written); p0=$(buffered); m0=$(counter declined_misaligned)
	read -r _ odd_bytes < <(/usr/bin/python3 "$TOP/tests/vm/odd_writes.py" "$on/odd" "$WORK/odd" \
		400 16384 $((4 << 20)) "$n" 16)
	via=$(( $(nfsd_io) - io0 )) loc=$(( $(local_written) - b0 )) buf=$(( $(buffered) - p0 ))
	say "v$v random-size writes: $odd_bytes bytes written, $loc locally ($buf buffered), $via through nfsd," \
		"$(( $(counter declined_misaligned) - m0 )) WRITEs declined as misaligned"
	check "v$v random-size writes: data intact on the server and through localio=off" \
		eval '[ "$(cold_sum "$EXPORT/odd")" = "$(sum "$WORK/odd")" ] &&
			[ "$(cold_sum "$off/odd")" = "$(sum "$WORK/odd")" ]'
	check "v$v random-size writes: under 1% of the bytes through nfsd ($via of $loc)" \
		eval '[ "$buf" -gt 0 ] && [ $(( via * 100 )) -lt "$loc" ]'
	rm -f "$on/odd" "$WORK/odd"

	# Mixed sizes, misaligned and aligned, buffered and O_DIRECT, several
	# writers on one file: fio verifies every block, and the server's view
	# equals a localio=off mount's.
	fio_mixed() {
		fio --output="$WORK/fio.out" --eta=never --filename="$on/mixed-$1" --verify=crc32c \
			--do_verify=1 --verify_fatal=1 --bsrange=1k-300k --bs_unaligned=1 \
			--rw=write --direct="$2" --ioengine=psync \
			--name=a --offset=0 --size=6M --name=b --offset=6M --size=6M \
			--name=c --offset=12M --size=6M &&
			! grep -q "verify:.*bad" "$WORK/fio.out"
	}
	s0=$(counter local_split) p0=$(buffered)
	check "v$v fio verify: mixed sizes 1k-300k, three writers, buffered" fio_mixed buffered 0
	check "v$v fio verify: mixed sizes 1k-300k, three writers, O_DIRECT" fio_mixed direct 1
	check "v$v fio mixed sizes: some WRITEs had buffered pieces, some READs were split" \
		eval '[ "$(buffered)" -gt "$p0" ] && [ "$(counter local_split)" -gt "$s0" ]'
	check "v$v fio mixed sizes: server and localio=off views agree" \
		eval '[ "$(cold_sum "$EXPORT/mixed-buffered")" = "$(cold_sum "$off/mixed-buffered")" ] &&
			[ "$(cold_sum "$EXPORT/mixed-direct")" = "$(cold_sum "$off/mixed-direct")" ]'
	rm -f "$on"/mixed-*
	nfs_umount_all
done

# --- a real workload: unpacking many small files -------------------------
# A tree of files whose sizes are drawn like a source tree's (log-normal,
# median about 4 KiB), unpacked onto each mount, synced, read back cold.
# Each file's sub-alignment tail is written buffered; nothing goes through
# nfsd.
UNPACK_FILES=$(( ${SOAK:-0} != 0 ? 20000 : 1000 ))
small_file_tree "$WORK/tree.tar" "$UNPACK_FILES" "$ALIGN" >"$WORK/tree.tails"
read -r tails total <"$WORK/tree.tails"
tree_sum=$(tar -xOf "$WORK/tree.tar" | md5sum | cut -d' ' -f1)
say "unpack workload: $UNPACK_FILES files, $total bytes, of them $tails in sub-$ALIGN-byte tails"
unpack() {    # MOUNT_NAME: unpacks, syncs; sets via, loc, buf, secs, split, small, whole, writes
	local dir=$MNT/$1 io0 b0 p0 t0 s0 m0 w0 a0
	io0=$(nfsd_io); b0=$(local_written); p0=$(buffered); t0=$(date +%s%N)
	s0=$(counter local_split) m0=$(counter declined_misaligned) w0=$(counter offered_write)
	a0=$(counter declined_below_alignment)
	tar -C "$dir" -xf "$WORK/tree.tar" && sync
	secs=$(( ($(date +%s%N) - t0) / 1000000 ))
	via=$(( $(nfsd_io) - io0 )) loc=$(( $(local_written) - b0 )) buf=$(( $(buffered) - p0 ))
	split=$(( $(counter local_split) - s0 )) whole=$(( $(counter declined_misaligned) - m0 ))
	small=$(( $(counter declined_below_alignment) - a0 ))
	writes=$(( $(counter offered_write) - w0 ))
	drop_caches
	got=$(cd "$dir" && tar -cf - tree | tar -xOf - | md5sum | cut -d' ' -f1)
	rm -rf "${dir:?}/tree"
}
nfs_mount 3 unpack-on localio=on
# RPC's and the built-in path's shares are figures to compare with, not
# checks of ours: they run under SOAK=1, off the suite's time budget
# (each unpack takes about 2 minutes on the NVMe disk under TCG).
unpack_modes="on"
if [ "${SOAK:-0}" != 0 ]; then
	nfs_mount 3 unpack-off localio=off
	nfs_mount 3 unpack-c
	unpack_modes="off c on"
fi
got_c=$tree_sum via_c= got_off=$tree_sum
for m in $unpack_modes; do
	unpack "unpack-$m"
	eval "via_$m=$via loc_$m=$loc buf_$m=$buf secs_$m=$secs got_$m=$got"
	say "unpack on $m: $via bytes through nfsd, $loc written by our provider, $secs ms (wall, TCG)"
	[ "$m" != on ] || say "unpack on on: $writes WRITEs offered, $buf bytes of them written buffered; declined: $small shorter than $ALIGN bytes, $whole misaligned; $split split"
done
check "unpack localio=on: the tree reads back intact" test "$got_on" = "$tree_sum"
check "unpack localio=off and built-in (SOAK=1): the tree reads back intact" \
	eval '[ "$got_c" = "$tree_sum" ] && [ "$got_off" = "$tree_sum" ]'
check "unpack localio=on: nothing through nfsd ($via_on bytes), the tails written buffered" \
	eval '[ "$via_on" -eq 0 ] && [ "$buf_on" -ge "$tails" ]'
check "unpack localio=on: all of the bytes written locally ($loc_on of $total)" \
	test "$loc_on" -ge "$total"
builtin_share="not run (SOAK=1)"
[ -z "$via_c" ] || builtin_share="$(( (total - via_c) * 1000 / total / 10 ))%"
say "bypass share of written bytes: localio=on $(( loc_on * 1000 / total / 10 )).$(( loc_on * 1000 / total % 10 ))%," \
	"built-in $builtin_share, localio=off 0% (export on $export_disk, alignment $ALIGN)"
rm -f "$WORK/tree.tar"
nfs_umount_all
export_back t40
check_no_kernel_reports t40
