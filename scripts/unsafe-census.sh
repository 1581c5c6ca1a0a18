#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the unsafe code and the C of the two modules are, per file: unsafe
# blocks, unsafe impls, unsafe functions, and C lines. Documentation/
# design.md's "Where the unsafe lives" table is this output.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '| file | unsafe blocks | unsafe impl | unsafe fn | C lines |\n'
printf '| --- | --- | --- | --- | --- |\n'
for f in localio/*.rs localio/sys/*.rs nfsd_shim/*.rs shim_api/*.rs \
	localio/sys/*.[ch] nfsd_shim/*.[ch]; do
	case "$f" in *bindings_generated.rs|*.mod.c) continue;; esac
	[ -f "$f" ] || continue
	if [[ "$f" == *.rs ]]; then
		# Code only: comments and doc comments mention `unsafe` too.
		code=$(sed -e 's://.*$::' "$f")
		blocks=$({ grep -oE 'unsafe \{' <<<"$code" || true; } | wc -l)
		impls=$(grep -cE '^\s*unsafe impl' <<<"$code" || true)
		fns=$(grep -cE 'unsafe (extern "C" )?fn ' <<<"$code" || true)
		printf '| `%s` | %s | %s | %s | |\n' "$f" "$blocks" "$impls" "$fns"
	else
		printf '| `%s` | | | | %s |\n' "$f" "$(wc -l <"$f")"
	fi
done
