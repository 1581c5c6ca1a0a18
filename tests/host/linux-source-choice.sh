#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Which linux-source-6.12 make deps installs (linux_source_choose in
# scripts/toolchain.sh), against made-up archive listings: the pin while the
# archive has it, the newest with a warning once it is gone, the newest for
# LINUX_SOURCE_VERSION=newest, and an error when the archive has none.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/toolchain.sh"

failed=0
# expect DESC WANT OFFERED EXPECTED_VERSION EXPECTED_WARNING(0/1)
expect() {
	local got warn rc=0
	got=$(printf '%s\n' $3 | linux_source_choose "$2" 2>"$tmp") || rc=$?
	warn=0
	grep -q "no longer in the archive" "$tmp" && warn=1
	if [ "$rc" -eq 0 ] && [ "$got" = "$4" ] && [ "$warn" = "$5" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: got '$got' (rc $rc, warning $warn)"
		failed=1
	fi
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
listing="6.12.117-1~deb12u1 6.12.119-1~deb12u1 6.12.118-1~deb12u1"
expect "the pin, while the archive has it" 6.12.118-1~deb12u1 "$listing" \
	6.12.118-1~deb12u1 0
expect "a gone pin: the newest, with a warning" 6.12.110-1~deb12u1 "$listing" \
	6.12.119-1~deb12u1 1
expect "LINUX_SOURCE_VERSION=newest" newest "$listing" 6.12.119-1~deb12u1 0
expect "versions sort as Debian's do, not as text" newest \
	"6.12.9-1 6.12.10-1" 6.12.10-1 0
if printf '' | linux_source_choose 6.12.118-1~deb12u1 >/dev/null 2>&1; then
	echo "not ok - an empty archive is an error"
	failed=1
else
	echo "ok - an empty archive is an error"
fi
exit "$failed"
