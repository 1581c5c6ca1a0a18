#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (see tests/vm/run.sh): sets up nfsd on an XFS RAM disk,
# mounts it over 127.0.0.1 and runs one job. The job's exit status is left
# in $RESULTS/<job>.status for the host.
set -uo pipefail
export TOP=$(pwd)
job=${1:?job}
. "$TOP/tests/vm/lib.sh"

finish() {
	local rc=$1
	echo "$rc" >"$RESULTS/$job.status"
	dmesg >"$RESULTS/$job.dmesg"
	exit "$rc"
}

# The host tells a guest that never got here (a failed boot) from a job
# that failed.
: >"$RESULTS/$job.started"

if ! server_setup >"$RESULTS/$job.setup.log" 2>&1; then
	cat "$RESULTS/$job.setup.log"
	echo "guest setup failed"
	finish 1
fi

case "$job" in
probe) finish 0;;
script) timeout "$GUEST_JOB_TIMEOUT" bash "$VM_SCRIPT"; finish $?;;
demo) timeout "$GUEST_JOB_TIMEOUT" bash "$TOP/tests/vm/demo.sh"; finish $?;;
bench) timeout "$GUEST_JOB_TIMEOUT" bash "$TOP/tests/vm/bench.sh"; finish $?;;
profile) timeout "$GUEST_JOB_TIMEOUT" bash "$TOP/tests/vm/profile.sh"; finish $?;;
ab) timeout "$GUEST_JOB_TIMEOUT" bash "$TOP/tests/vm/ab.sh"; finish $?;;
soak) timeout "$GUEST_JOB_TIMEOUT" bash "$TOP/tests/vm/soak.sh"; finish $?;;
test)
	# The test files share one TAP stream and one summary: they are sourced
	# in order into this shell (run.sh bounds the whole VM's run time).
	# VM_TESTS (e.g. "t20" or "t20 t50") runs only the files whose names
	# start so; a prefix that names no file fails the run.
	tap_start
	files=()
	for prefix in ${VM_TESTS:-t[0-9][0-9]}; do
		matched=("$TOP"/tests/vm/$prefix-*.sh)
		if [ -e "${matched[0]}" ]; then
			files+=("${matched[@]}")
		else
			not_ok "VM_TESTS: no test file starts with '$prefix'"
		fi
	done
	for t in "${files[@]}"; do
		say "=== $(basename "$t")"
		file_started=$SECONDS
		# The first file's log starts at boot: it answers for boot's too.
		[ "$t" = "${files[0]}" ] || FILE_LOG_SINCE=$(log_time)
		. "$t"
		say "=== $(basename "$t") took $((SECONDS - file_started)) s"
	done
	tap_summary
	finish $?
	;;
esac
