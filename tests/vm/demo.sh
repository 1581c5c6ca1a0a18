# SPDX-License-Identifier: GPL-2.0
#
# The main job: one export, three NFSv3 mounts of it side by side, the same
# I/O through each, and where the bytes went. Run by tests/vm/guest.sh.
#
#   plain        no option: the kernel's built-in C LOCALIO
#   localio=off  always over the network (loopback RPC to nfsd)
#   localio=on   offered to our provider (localio_rs_client.ko)
set -uo pipefail
. "$TOP/tests/vm/lib.sh"

SIZE_MB=${DEMO_SIZE_MB:-128}
head -c ${SIZE_MB}M /dev/urandom >"$WORK/ref"
ref=$(sum "$WORK/ref")
modules_load
nfs_mount 3 plain
nfs_mount 3 off localio=off
nfs_mount 3 on localio=on

echo
echo "Mounts of 127.0.0.1:$EXPORT (NFSv3):"
for m in plain off on; do
	printf '  %-18s %s\n' "$MNT/$m" "$(mount_opts "$MNT/$m" | tr , '\n' | grep -E '^(vers|localio)=' | paste -sd, -)"
done
echo
echo "Each mount: ${SIZE_MB} MiB O_DIRECT write, then a cold read."
printf '\n%-12s %10s %10s %14s %15s %8s\n' mount "write MB/s" "read MB/s" "via nfsd (MiB)" "served locally" "data"
fail=0
for m in plain off on; do
	io0=$(nfsd_io); o0=$(served_total)
	t0=$(date +%s%N)
	dd if="$WORK/ref" of="$MNT/$m/demo" bs=1M oflag=direct status=none
	t1=$(date +%s%N)
	drop_caches
	t2=$(date +%s%N)
	got=$(sum "$MNT/$m/demo")
	t3=$(date +%s%N)
	[ "$got" = "$ref" ] && [ "$(sum "$EXPORT/demo")" = "$ref" ] && data=intact || { data=CORRUPT; fail=1; }
	printf '%-12s %10d %10d %14d %15d %8s\n' "$m" \
		$(( SIZE_MB * 1000000000 / (t1 - t0) )) $(( SIZE_MB * 1000000000 / (t3 - t2) )) \
		$(( ($(nfsd_io) - io0) / 1048576 )) $(( $(served_total) - o0 )) "$data"
done
echo
echo "via nfsd: bytes nfsd read or wrote for the client (/proc/net/rpc/nfsd 'io');"
echo "0 means the I/O bypassed the network. Served locally: READ/WRITE/COMMIT"
echo "requests localio_rs_client.ko served on the export itself: an O_DIRECT"
echo "write or read handed whole to the exported file, page-cache READs and"
echo "WRITEs with direct I/O. A WRITE's pieces below the direct-I/O alignment"
echo "are cut at the exported filesystem's blocks and written buffered, as nfsd"
echo "writes them; a READ's rest below it goes to nfsd."
echo "Figures are from a TCG VM: compare rows with each other, not with real"
echo "hardware."
echo
echo "What localio_rs_client.ko did, all mounts together:"
awk '$1 ~ /^((offered|local)_(read|write|commit)(_bytes)?|local_(bounced|buffered)_bytes)$/ && $2 > 0 {
	printf "  %-24s %s\n", $1, $2 }' "$STATS"
declined=$(awk '$1 ~ /^declined_/ && $2 > 0 { printf "  %-24s %s\n", $1, $2 }' "$STATS")
if [ -n "$declined" ]; then
	echo "Sent to nfsd instead, by reason (Documentation/design.md names them):"
	printf '%s\n' "$declined"
else
	echo "  (no request was declined: nothing went to nfsd that localio=on was offered)"
fi
echo "Every counter, module-wide and per NFS client: $STATS"
nfs_umount_all
modules_unload
splats=$(dmesg_splats)
[ -z "$splats" ] || { printf '%s\n' "$splats"; fail=1; }
exit $fail
