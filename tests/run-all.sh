#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The full test suite (`make test`, and what CI runs): host checks first,
# as TAP, then the VM suite, whose TAP follows. The last line is the total,
# "N passed, N failed"; the exit status is non-zero on any failure.
#
# Host checks: cargo test of the pure decision logic, rustfmt, clippy (no
# warnings), checkpatch --strict on the nfs.ko series and our C, and a
# warning-free module build. The VM suite boots the kernel under TCG.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
log_dir=${RESULTS_DIR:-$top/results}
mkdir -p "$log_dir"

n=0 failed=0 passed_extra=0 failed_extra=0
step() {
	local desc=$1 logf=$log_dir/host-$((n + 1)).log
	shift
	n=$((n + 1))
	if "$@" >"$logf" 2>&1; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		sed 's/^/# /' "$logf" | tail -n 40
	fi
}
no_warnings() { ! grep -E '(^|: )warning[:\[]' "$1"; }

host_cargo_tests() {
	local out
	out=$(cargo test --manifest-path "$top/tests/host/Cargo.toml" 2>&1)
	local rc=$?
	echo "$out"
	# Each cargo test counts in the total, not just the step.
	read -r p f < <(awk '/^test result:/ {p += $4; f += $6} END {print p + 0, f + 0}' <<<"$out")
	passed_extra=$((passed_extra + p)); failed_extra=$((failed_extra + f))
	return $rc
}
clippy_clean() { make -s clippy >"$log_dir/clippy.out" 2>&1 && no_warnings "$log_dir/clippy.out"; }
build_clean() { make -s modules >"$log_dir/build.out" 2>&1 && no_warnings "$log_dir/build.out"; }

echo "# host checks"
# cargo's own tests count one by one in the total; the other checks are
# one TAP line each.
if host_cargo_tests >"$log_dir/cargo-test.log" 2>&1; then
	echo "ok - host: cargo test of the pure decision logic ($passed_extra tests)"
else
	echo "not ok - host: cargo test of the pure decision logic"
	tail -n 30 "$log_dir/cargo-test.log" | sed 's/^/# /'
	[ "$failed_extra" -gt 0 ] || failed_extra=1
fi
step "style: rustfmt --check on the module sources" make -s rustfmtcheck
step "style: checkpatch.pl --strict on patches/ and our C" make -s checkpatch
step "style: clippy build of both modules, no warnings" clippy_clean
step "build: both modules build without warnings" build_clean
step "host: make deps picks the pinned kernel source, or the newest when it is gone" \
	bash "$here/host/linux-source-choice.sh"

vm_passed=0 vm_failed=0
# vm_job NAME JOB CMD...: runs CMD, a VM job whose guest writes TAP to
# $log_dir/JOB.log ending in "N passed, N failed", and relays its lines,
# numbered NAME.N, into the total.
vm_job() {
	local name=$1 job=$2 rc=0 summary p=0 f=0
	shift 2
	"$@" >"$log_dir/vm-$job-run.log" 2>&1 || rc=1
	# The guest's console ends lines with CR LF.
	tr -d '\r' <"$log_dir/$job.log" >"$log_dir/vm-$job-tap.log" 2>/dev/null
	grep -E '^(not )?ok [0-9]+|^# |^Bail out!' "$log_dir/vm-$job-tap.log" |
		sed -E "s/^ok ([0-9]+)/ok $name.\1/; s/^not ok ([0-9]+)/not ok $name.\1/"
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log_dir/vm-$job-tap.log" | tail -n1)
	[ -z "$summary" ] || read -r p _ f _ <<<"${summary//,/}"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# The VM did not get as far as a summary: one failure.
		echo "not ok $name - VM job '$job' did not complete (see $log_dir/vm-$job-run.log)"
		tail -n 30 "$log_dir/vm-$job-run.log" | sed 's/^/# /'
		f=1
	fi
	vm_passed=$((vm_passed + p)); vm_failed=$((vm_failed + f))
}

echo "# VM test suite (tests/vm, QEMU TCG)"
vm_job vm test tests/vm/run.sh test
echo "# A/B: the C engine of commit 6a2ecaf against this tree's (tests/vm/ab.sh)"
vm_job ab ab tests/vm/ab_ref.sh --run

total_passed=$(( (n - failed) + passed_extra + vm_passed ))
total_failed=$(( failed + failed_extra + vm_failed ))
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
