#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make xfstests XFSTESTS=<xfstests checkout>`: builds the given xfstests
# tree on the host (the guest runs the host's root filesystem, so the
# guest runs that build), then boots the VM once and runs xfstests with
# FSTYP=nfs against each mode in turn (tests/xfstests/guest.sh), and
# prints the modes side by side (tests/xfstests/compare.py). Not part of
# CI: xfstests is not on any package registry. See Documentation/xfstests.md.
#
#   XFSTESTS=DIR          the xfstests tree (git clone of
#                         git://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git)
#   XFSTESTS_ARGS="..."   check's arguments instead of the project's list
#                         (e.g. "-g quick", or a few test names)
#   XFSTESTS_LIST=FILE    the list of tests to run (default:
#                         tests/xfstests/default.list)
#   XFSTESTS_MODES="..."  default "v3-on v3-off v3-c v4.2-on v4.2-off v4.2-c"
#   XFSTESTS_MODE_TIMEOUT seconds one mode may take in the guest (default 3600)
#   XFSTESTS_SCRATCH_MB   size of the scratch export's XFS (default 1024)
#   XFSTESTS_DEPS=0       do not check/install the Debian packages
#   RAMDISK_MB            size of the test export's RAM disk (default 1536)
#   KDIR, RESULTS_DIR, VM_* as for tests/vm/run.sh; results in
#                         $RESULTS_DIR/xfstests/, the table in table.txt there
#
# The exit status is non-zero when the VM job failed (a kernel splat, no
# result) or when a localio=on mode failed a test that localio=off passed
# on the same NFS version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/toolchain.sh"

xfstests=${XFSTESTS:-}
[ -n "$xfstests" ] || die "set XFSTESTS to an xfstests checkout (see Documentation/xfstests.md)"
[ -x "$xfstests/check" ] || die "$xfstests is not an xfstests tree (no ./check)"
xfstests=$(cd "$xfstests" && pwd)

[ "${XFSTESTS_DEPS:-1}" = 0 ] || "$here/install-deps.sh"

results=${RESULTS_DIR:-$top/results}
mkdir -p "$results"
results=$(cd "$results" && pwd)
out=$results/xfstests
rm -rf "$out"
mkdir -p "$out"

log "building xfstests in $xfstests (log: $out/build.log)"
make -C "$xfstests" -j"$(nproc)" >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; die "xfstests build failed"; }

if [ -n "${XFSTESTS_ARGS:-}" ]; then
	read -r -a check_args <<<"$XFSTESTS_ARGS"
else
	list=${XFSTESTS_LIST:-$here/default.list}
	mapfile -t check_args < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")
	# In the list's order (check sorts by name otherwise), so that a mode
	# cut short by its timeout has run the list's first tests.
	! grep -q -- '--exact-order' "$xfstests/check" ||
		check_args=(--exact-order "${check_args[@]}")
fi
[ ${#check_args[@]} -gt 0 ] || die "nothing to run"

modes=${XFSTESTS_MODES:-v3-on v3-off v3-c v4.2-on v4.2-off v4.2-c}
mode_timeout=${XFSTESTS_MODE_TIMEOUT:-3600}
n_modes=$(wc -w <<<"$modes")
{
	printf 'XFSTESTS=%q\n' "$xfstests"
	printf 'XFSTESTS_CHECK_ARGS=('; printf ' %q' "${check_args[@]}"; printf ' )\n'
	printf 'XFSTESTS_MODES=%q\n' "$modes"
	printf 'XFSTESTS_MODE_TIMEOUT=%q\n' "$mode_timeout"
	printf 'XFSTESTS_SCRATCH_MB=%q\n' "${XFSTESTS_SCRATCH_MB:-1024}"
} >"$out/job.env"
printf '%s\n' "xfstests $(git -C "$xfstests" describe --always --dirty 2>/dev/null || echo '(not a git tree)')" \
	"check ${check_args[*]}" "modes $modes" >"$out/what"

log "xfstests: ${#check_args[@]} argument(s) to check, modes: $modes"
start=$(date +%s)
rc=0
# The guest bounds each mode, the guest job all modes, and the host the
# whole VM a little above (run.sh's default job timeout is the suite's,
# far too short for xfstests).
guest_timeout=${GUEST_JOB_TIMEOUT:-$(( n_modes * (mode_timeout + 120) + 300 ))}
VM_SCRIPT=$here/guest.sh GUEST_JOB_TIMEOUT=$guest_timeout \
	VM_WALL_TIMEOUT=${VM_WALL_TIMEOUT:-$(( guest_timeout + 600 ))} \
	"$top/tests/vm/run.sh" script || rc=$?
echo "wall_seconds=$(( $(date +%s) - start ))" >>"$out/what"
cp "$results/script.log" "$out/vm.log" 2>/dev/null || true

cmp=0
python3 "$here/compare.py" "$out" >"$out/table.txt" || cmp=$?
cat "$out/table.txt"
[ "$rc" = 0 ] || log "the VM job failed: see $out/vm.log"
[ "$rc" = 0 ] && [ "$cmp" = 0 ]
