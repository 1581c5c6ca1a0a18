#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The reference engine of the A/B check (tests/vm/ab.sh) and of the
# benchmark's `on-ref` column: the two modules of commit AB_REF (default
# 6a2ecaf, the last build with the C engine; `make bench` asks for BENCH_REF),
# built once against the kernel the VM boots, into
# $NFS_LOCALIO_CACHE/ab/<commit>/ (~/.cache/nfs-localio-rs/ab/6a2ecaf/).
# The source is `git archive` of that commit, unpacked next to them, so
# neither the work tree nor its git state is touched; it is built again
# only when the kernel tree changes. Where the hook's interface changed
# since, the reference gets the same change, and nothing else.
#
#   tests/vm/ab_ref.sh         build if missing, print the folder
#   tests/vm/ab_ref.sh --run   then the A/B job in the VM (`make ab`), with
#                              AB_ENGINES="c:<that folder> rust:<this tree>"
#                              unless AB_ENGINES is set
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/toolchain.sh"

ref=${AB_REF:-6a2ecaf}
commit=$(git -C "$top" rev-parse --verify --short=7 "$ref^{commit}") ||
	die "AB_REF=$ref is not a commit of $top"
kdir=${KDIR:-$("$top/kernel/build.sh" --kdir)}
[ -f "$kdir/Module.symvers" ] || die "no kernel in $kdir: run make first"
dir=$NFS_LOCALIO_CACHE/ab/$commit
# The tree's build key names its series too: a patch that changes a
# structure the modules share with nfs.ko (the provider table) leaves
# Module.symvers as it was, and a module built before it would misread it.
stamp="$kdir $(cat "$kdir/.localio-build-key" 2>/dev/null) $(md5sum <"$kdir/Module.symvers" | cut -d' ' -f1)"

if [ "$(cat "$dir/kernel" 2>/dev/null)" != "$stamp" ] ||
	[ ! -f "$dir/localio_rs_client.ko" ] || [ ! -f "$dir/localio_rs_nfsd_shim.ko" ]; then
	log "building the A/B reference engine ($commit) into $dir"
	rm -rf "$dir"
	mkdir -p "$dir/src"
	git -C "$top" archive "$commit" | tar -x -C "$dir/src"
	# The hook's interface as it is now: the series' provider has no
	# `owner` field (nfs.ko takes no module reference per call).
	# (Only the C engine's commits have that file.)
	glue=$dir/src/localio/provider_glue.c
	[ ! -f "$glue" ] ||
		sed -i '/^[[:space:]]*\.owner[[:space:]]*=[[:space:]]*THIS_MODULE,$/d' "$glue"
	make -s -C "$dir/src" KDIR="$kdir" modules >"$dir/build.log" 2>&1 ||
		{ tail -n 30 "$dir/build.log" >&2; die "the reference engine ($commit) does not build"; }
	cp "$dir/src/localio/localio_rs_client.ko" "$dir/src/nfsd_shim/localio_rs_nfsd_shim.ko" "$dir/"
	echo "$stamp" >"$dir/kernel"
	rm -rf "$dir/src"
fi

if [ "${1:-}" != --run ]; then
	echo "$dir"
	exit 0
fi
log "A/B reference engine: $commit ($dir)"
AB_ENGINES=${AB_ENGINES:-"c:$dir rust:$top"} exec "$here/run.sh" ab
