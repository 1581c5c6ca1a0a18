# SPDX-License-Identifier: GPL-2.0
#
# The A/B check: the same deterministic workloads through two (or more)
# builds of the modules, one after the other in one VM, and their results
# side by side: file checksums (through the mount and on the export, each
# against the content the workload generator says it must be), the debugfs
# counters, and the bytes that went through nfsd. Run by tests/vm/guest.sh
# as the job `ab`; `make ab` on the host (tests/vm/ab_ref.sh builds the
# previous engine for it).
#
# AB_ENGINES="LABEL:DIR ...": DIR holds localio_rs_nfsd_shim.ko and
# localio_rs_client.ko, directly or in a module tree's nfsd_shim/ and
# localio/. The first engine is the reference. Per engine: the other
# engine's modules are unloaded and its own loaded, the workload folders
# on the exports are made afresh, and tests/vm/ab_io.py runs the same
# workloads on four localio=on mounts (NFSv3 and NFSv4.2 of the XFS on the
# RAM disk, and of the XFS on a loop device, whose I/O completes from the
# loop worker rather than in the submitting call). tests/vm/ab_compare.py
# then prints the table and the TAP.
set -uo pipefail
. "$TOP/tests/vm/lib.sh"

out=$RESULTS/ab
rm -rf "$out"
mkdir -p "$out"
engines=${AB_ENGINES:-}
[ -n "$engines" ] || { echo "AB_ENGINES is empty: LABEL:DIR ..."; exit 1; }

# SET|NFS version|export|scale of the sizes|with the fio phase
# (tests/vm/ab_io.py)
AB_SETS=(
	"brd-v3|3|$EXPORT|2|1"
	"brd-v42|4.2|$EXPORT|2|0"
	"loop-v3|3|$SMALL_EXPORT|1|0"
	"loop-v42|4.2|$SMALL_EXPORT|1|0"
)

# engine_ko DIR NAME: the path of NAME.ko in an engine's folder.
engine_ko() {
	local f
	for f in "$1/$2.ko" "$1/localio/$2.ko" "$1/nfsd_shim/$2.ko"; do
		[ ! -f "$f" ] || { echo "$f"; return 0; }
	done
	echo "no $2.ko in $1" >&2
	return 1
}

# engine_load DIR: unloads whatever engine is loaded, loads this one.
engine_load() {
	local shim client
	shim=$(engine_ko "$1" localio_rs_nfsd_shim) &&
		client=$(engine_ko "$1" localio_rs_client) &&
		modules_unload && insmod "$shim" && insmod "$client" &&
		test -r "$STATS"
}

# engine_run LABEL DIR: the workload sets on fresh folders, through the
# engine loaded (from DIR); results in $out/LABEL.
engine_run() {
	local label=$1 m s name vers export scale fio sub specs
	mkdir -p "$out/$label"
	for m in localio_rs_nfsd_shim localio_rs_client; do
		echo "$m $(sha256sum <"$(engine_ko "$2" "$m")" | cut -c1-12)"
	done >"$out/$label/modules"
	for s in "${AB_SETS[@]}"; do
		IFS='|' read -r name vers export _ _ <<<"$s"
		sub=ab/$name
		rm -rf "${export:?}/$sub"
		mkdir -p "$export/$sub"
		chmod 1777 "$export/$sub"
		nfs_mount "$vers" "ab-$name" localio=on "$export" || return 1
	done
	specs=()
	for s in "${AB_SETS[@]}"; do
		IFS='|' read -r name vers export scale fio <<<"$s"
		specs+=("$name|$MNT/ab-$name/ab/$name|$export/ab/$name|$scale|$fio")
	done
	say "$label: sets ${AB_SETS[*]%%|*}"
	/usr/bin/python3 "$TOP/tests/vm/ab_io.py" "$out/$label" "${specs[@]}" ||
		say "$label: ab_io.py failed"
	# The counters with every mount still up: the per-client lines go
	# with the NFS clients.
	cat "$STATS" >"$out/$label/stats"
	nfs_umount_all
}

# No NFSv4 delegations (no leases for nfsd to hand out): with them, some
# of the NFSv4.2 buffered WRITEs are declined (open_failed, then
# refused_recently) and go to nfsd, and how many differs from run to run
# with the same engine.
leases_off

labels=()
for e in $engines; do
	label=${e%%:*} dir=${e#*:}
	labels+=("$label")
	say "=== engine $label: $dir"
	nfs_umount_all
	if ! engine_load "$dir"; then
		say "engine $label: could not load its modules from $dir"
		continue
	fi
	engine_run "$label" "$dir" || say "engine $label: mounting failed"
done
nfs_umount_all
modules_unload
leases_restore
dmesg_splats >"$out/splats"
/usr/bin/python3 "$TOP/tests/vm/ab_compare.py" "$out" "${labels[@]}" | tee "$out/report.txt"
