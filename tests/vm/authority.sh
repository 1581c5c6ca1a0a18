# SPDX-License-Identifier: GPL-2.0
#
# nfsd stays the authority, request by request: the scenarios t30 runs on
# the data export's `auth` sub-export and t70 on the pnfs export (where the
# writes are data-server I/O). Each scenario opens one file, writes to it
# (so that LOCALIO holds the file), changes the server, writes once more,
# and compares the answer with what localio=off (RPC) and the built-in C
# LOCALIO answer. Sourced by the test files that use it.
#
# The export a matrix runs on: AUTH_DIR (its path on the server), AUTH_DIR_OPTS
# (its options less rw/ro and the squash option), AUTH_MNT_PREFIX (the
# mounts are $MNT/$AUTH_MNT_PREFIX<mode><vers>, mounted by the caller) and
# AUTH_CLIENT (client_counter's version key whose local writes say that
# I/O is local again: the NFS major version, or 3-ds for data-server I/O).

MIB=1048576

# --- one open file, a request at a time (tests/vm/stepio.py) -------------
step_start() {    # USER PATH
	if [ "$1" = root ]; then
		coproc STEP { exec /usr/bin/python3 "$TOP/tests/vm/stepio.py" "$2" 2>/dev/null; }
	else
		coproc STEP { exec setpriv --reuid="$1" --regid="$1" --clear-groups \
			/usr/bin/python3 "$TOP/tests/vm/stepio.py" "$2" 2>/dev/null; }
	fi
}
# step COMMAND...: sends one command; the answer is in $answer.
step() {
	echo "$*" >&"${STEP[1]}" 2>/dev/null || { answer=DEAD; return; }
	read -r -t 120 answer <&"${STEP[0]}" || answer=TIMEOUT
}
step_stop() {
	local pid=$STEP_PID
	echo q >&"${STEP[1]}" 2>/dev/null
	wait "$pid" 2>/dev/null
}

auth_export() { exportfs -o "$1,$AUTH_DIR_OPTS" "127.0.0.1:$AUTH_DIR"; }
auth_default() { auth_export rw,no_root_squash; }
# exports_set FROM TO: edits the export's line in /etc/exports, exportfs -r.
exports_set() { sed -i "s|^\($AUTH_DIR .*\)($1,|\1($2,|" /etc/exports; exportfs -r; }
local_writes() { client_counter "$AUTH_CLIENT" local_write; }

# How each change is made and undone, and who owns the file and writes.
# name|owner:mode|writer|change|revert
AUTH_SCENARIOS=(
	"unexport|0:0644|root|exportfs -u 127.0.0.1:\$AUTH_DIR|auth_default"
	"read-only|0:0644|root|auth_export ro,no_root_squash|auth_default"
	"root_squash|0:0644|root|auth_export rw,root_squash|auth_default"
	"all_squash|0:0644|root|auth_export rw,all_squash|auth_default"
	"client-removed|0:0644|root|exportfs -u 127.0.0.1:\$AUTH_DIR; exportfs -o rw,\$AUTH_DIR_OPTS 10.0.0.9:\$AUTH_DIR|exportfs -u 10.0.0.9:\$AUTH_DIR; auth_default"
	"sec=krb5p|0:0644|root|auth_export rw,no_root_squash,sec=krb5p|auth_default"
	"exports-edited|0:0644|root|exports_set rw ro|exports_set ro rw"
	"chmod|1000:0666|2000|chmod 0644 \$f|chmod 0666 \$f"
	"acl|1000:0640|2000|setfacl -x u:2000 \$f|setfacl -m u:2000:rw \$f"
	"acl-swap|1000:0640|2000|setfacl -x u:2000 \$f; setfacl -m u:3000:rw \$f|setfacl -x u:3000 \$f; setfacl -m u:2000:rw \$f"
	"unlink|0:0644|root|rm -f \$f|:"
	"rename-over|0:0644|root|head -c 4M /dev/zero >\$f.new; mv \$f.new \$f|:"
)

# Scenarios after which the file handle is gone for good (over RPC too:
# the client marks the file stale), so no local I/O is to resume.
AUTH_GONE_FOR_GOOD="unlink rename-over moved-out parent-noexec"

# On an export with subtree_check, nfsd also checks on every request that
# the file is inside the exported subtree and that the directories above
# it grant search permission: two changes no file attribute shows.
SUBTREE_SCENARIOS=(
	"moved-out|0:0644|root|mv \$f \$AUTH_DIR/../moved-out|mv \$AUTH_DIR/../moved-out \$f"
	"parent-noexec|1000:0666|2000|chmod 1776 \$AUTH_DIR|chmod 1777 \$AUTH_DIR"
)

# run_scenario MODE VERS SPEC: the answers before, at and after the change;
# sets $answer_at, $untouched (the server's bytes of the refused write are
# still zero), $resumed (a localio=on mount wrote locally again after the
# revert) and $freed_mb (space the server got back within a second).
run_scenario() {
	local mode=$1 v=$2 name owner writer change revert
	IFS='|' read -r name owner writer change revert <<<"$3"
	local dir=$MNT/$AUTH_MNT_PREFIX$mode${v/./} base=f-$name-$mode${v/./} i
	f=$AUTH_DIR/$base
	# A file an earlier localio=on run unlinked is let go at the reaper's
	# next tick, about a second later: wait for it, so that its space is
	# not counted as this scenario's.
	for i in $(seq 30); do
		[ "$(client_counter "$AUTH_CLIENT" open_files)" -gt 0 ] 2>/dev/null || break
		sleep 0.1
	done
	head -c 4M /dev/zero >"$f"
	chown "${owner%%:*}:${owner%%:*}" "$f"
	chmod "${owner#*:}" "$f"
	[ "${name#acl}" = "$name" ] || setfacl -m u:2000:rw "$f"
	sync
	step_start "$writer" "$dir/$base"
	step w 0; step w $MIB
	[ "$answer" = ok ] || say "$name on $mode v$v: writes before the change failed: $answer"
	local used0 used1
	used0=$(df -k --output=used "$AUTH_DIR" | tail -n1)
	eval "$change" >/dev/null 2>&1
	step w $((2 * MIB))
	answer_at=$answer
	sync
	used1=$(df -k --output=used "$AUTH_DIR" | tail -n1)
	freed_mb=$(( (used0 - used1) / 1024 ))
	untouched=yes
	if [ -e "$f" ] && [ "$answer_at" != ok ] && [ "$name" != rename-over ]; then
		cmp -s -n $MIB <(tail -c +$((2 * MIB + 1)) "$f") /dev/zero || untouched=no
	fi
	eval "$revert" >/dev/null 2>&1
	resumed=no
	# Only localio=on has local I/O to resume.
	if [ "$mode" = on ] && ! [[ " $AUTH_GONE_FOR_GOOD " == *" $name "* ]]; then
		local i l0
		for i in 1 2 3 4 5 6; do
			l0=$(local_writes)
			step w $((3 * MIB))
			[ "$answer" = ok ] || { sleep 0.5; continue; }
			[ "${l0:-0}" -lt "$(local_writes)" ] && { resumed=yes; break; }
			sleep 0.5
		done
	fi
	step_stop
	rm -f "$f"
}

# The modes each scenario runs in: the checks compare localio=on with
# localio=off; the built-in path's answer is only reported, so it runs
# under SOAK=1, off the suite's time budget.
AUTH_MODES="off on"
[ "${SOAK:-0}" = 0 ] || AUTH_MODES="off c on"

# authority_matrix LABEL VERS NAME...: the named scenarios (all when none
# is named) on NFS version VERS, each in localio=off, localio=on and with
# SOAK=1 built-in, with the checks; LABEL starts each check's name.
authority_matrix() {
	local label=$1 v=$2 spec name mode
	shift 2
	local -A got
	for spec in "${AUTH_SCENARIOS[@]}"; do
		name=${spec%%|*}
		[ $# -eq 0 ] || [[ " $* " == *" $name "* ]] || continue
		got[$name.c]="not run (SOAK=1)"
		for mode in $AUTH_MODES; do
			run_scenario "$mode" "$v" "$spec"
			got[$name.$mode]=$answer_at
			got[$name.$mode.untouched]=$untouched
			got[$name.$mode.resumed]=$resumed
			got[$name.$mode.freed]=$freed_mb
		done
		say "$label $name: localio=off ${got[$name.off]}, built-in ${got[$name.c]}, localio=on ${got[$name.on]}"
		check "$label $name: the next localio=on write answers as over RPC (${got[$name.off]})" \
			test "${got[$name.on]}" = "${got[$name.off]}"
		[ "${got[$name.off]}" != ok ] || say "$label $name: over RPC the write still succeeds"
		check "$label $name: nothing written by the refused request" \
			test "${got[$name.on.untouched]}" = yes
		case "$name" in
		unlink|rename-over)
			say "$label $name: space freed at once: off ${got[$name.off.freed]} MiB, on ${got[$name.on.freed]} MiB"
			# At most the file's own 4 MiB: what else the RPC run saw freed
			# (a file of the scenario before, let go late) is not this one's.
			local want=${got[$name.off.freed]}
			[ "$want" -le 4 ] || want=4
			check "$label $name: localio=on does not keep the unlinked file's space" \
				test "${got[$name.on.freed]}" -ge "$((want - 1))"
			;;
		moved-out|parent-noexec) ;;
		*)
			check "$label $name: when access is given back, local I/O resumes" \
				test "${got[$name.on.resumed]}" = yes
			;;
		esac
	done
}
