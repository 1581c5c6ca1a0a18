# SPDX-License-Identifier: GPL-2.0
#
# nfsd stays the authority: for a file a localio=on client keeps open, the
# next request after a change on the server behaves as it does over RPC.
# Each scenario opens one file on a mount of $AUTH_EXPORT, writes to it
# (so that LOCALIO holds the file), changes the server, writes once more,
# and compares the answer with what localio=off (RPC) and the built-in C
# LOCALIO answer. Sourced by tests/vm/guest.sh after t20.

modules_load
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

auth_export() { exportfs -o "$1,$AUTH_OPTS" "127.0.0.1:$AUTH_EXPORT"; }
auth_default() { auth_export rw,no_root_squash; }
# exports_set FROM TO: edits the export's line in /etc/exports, exportfs -r.
exports_set() { sed -i "s|^\($AUTH_EXPORT .*\)($1,|\1($2,|" /etc/exports; exportfs -r; }
local_writes() { client_counter "$1" local_write; }

# How each change is made and undone, and who owns the file and writes.
# name|owner:mode|writer|change|revert
scenarios=(
	"unexport|0:0644|root|exportfs -u 127.0.0.1:\$AUTH_EXPORT|auth_default"
	"read-only|0:0644|root|auth_export ro,no_root_squash|auth_default"
	"root_squash|0:0644|root|auth_export rw,root_squash|auth_default"
	"all_squash|0:0644|root|auth_export rw,all_squash|auth_default"
	"client-removed|0:0644|root|exportfs -u 127.0.0.1:\$AUTH_EXPORT; exportfs -o rw,\$AUTH_OPTS 10.0.0.9:\$AUTH_EXPORT|exportfs -u 10.0.0.9:\$AUTH_EXPORT; auth_default"
	"sec=krb5p|0:0644|root|auth_export rw,no_root_squash,sec=krb5p|auth_default"
	"exports-edited|0:0644|root|exports_set rw ro|exports_set ro rw"
	"chmod|1000:0666|2000|chmod 0644 \$f|chmod 0666 \$f"
	"acl|1000:0640|2000|setfacl -x u:2000 \$f|setfacl -m u:2000:rw \$f"
	"unlink|0:0644|root|rm -f \$f|:"
	"rename-over|0:0644|root|head -c 4M /dev/zero >\$f.new; mv \$f.new \$f|:"
)

# run_scenario MODE VERS SPEC: the answers before, at and after the change;
# sets $answer_at, $untouched (the server's bytes of the refused write are
# still zero), $resumed (a localio=on mount wrote locally again after the
# revert) and $freed_mb (space the server got back within a second).
run_scenario() {
	local mode=$1 v=$2 name owner writer change revert
	IFS='|' read -r name owner writer change revert <<<"$3"
	local dir=$MNT/auth-$mode${v/./} major=${v%%.*} base=f-$name-$mode${v/./}
	f=$AUTH_EXPORT/$base
	head -c 4M /dev/zero >"$f"
	chown "${owner%%:*}:${owner%%:*}" "$f"
	chmod "${owner#*:}" "$f"
	[ "$name" != acl ] || setfacl -m u:2000:rw "$f"
	sync
	step_start "$writer" "$dir/$base"
	step w 0; step w $MIB
	[ "$answer" = ok ] || say "$name on $mode v$v: writes before the change failed: $answer"
	local used0 used1
	used0=$(df -k --output=used "$EXPORT" | tail -n1)
	eval "$change" >/dev/null 2>&1
	step w $((2 * MIB))
	answer_at=$answer
	sync
	used1=$(df -k --output=used "$EXPORT" | tail -n1)
	freed_mb=$(( (used0 - used1) / 1024 ))
	untouched=yes
	if [ -e "$f" ] && [ "$answer_at" != ok ] && [ "$name" != rename-over ]; then
		cmp -s -n $MIB <(tail -c +$((2 * MIB + 1)) "$f") /dev/zero || untouched=no
	fi
	eval "$revert" >/dev/null 2>&1
	resumed=no
	# Only localio=on has local I/O to resume.
	if [ "$mode" = on ] && [ "$name" != unlink ] && [ "$name" != rename-over ]; then
		local i l0
		for i in 1 2 3 4 5 6; do
			l0=$(local_writes "$major")
			step w $((3 * MIB))
			[ "$answer" = ok ] || { sleep 0.5; continue; }
			[ "${l0:-0}" -lt "$(local_writes "$major")" ] && { resumed=yes; break; }
			sleep 0.5
		done
	fi
	step_stop
	rm -f "$f"
}

declare -A got
for v in 3 4.2; do
	n=${v/./}
	for mode in off c on; do
		case "$mode" in
		off) nfs_mount "$v" "auth-$mode$n" localio=off "$AUTH_EXPORT";;
		c) nfs_mount "$v" "auth-$mode$n" "" "$AUTH_EXPORT";;
		on) nfs_mount "$v" "auth-$mode$n" localio=on "$AUTH_EXPORT";;
		esac
	done
	for spec in "${scenarios[@]}"; do
		name=${spec%%|*}
		for mode in off c on; do
			run_scenario "$mode" "$v" "$spec"
			got[$name.$mode]=$answer_at
			got[$name.$mode.untouched]=$untouched
			got[$name.$mode.resumed]=$resumed
			got[$name.$mode.freed]=$freed_mb
		done
		say "v$v $name: localio=off ${got[$name.off]}, built-in ${got[$name.c]}, localio=on ${got[$name.on]}"
		check "v$v $name: the next localio=on write answers as over RPC (${got[$name.off]})" \
			test "${got[$name.on]}" = "${got[$name.off]}"
		[ "${got[$name.off]}" != ok ] || say "v$v $name: over RPC the write still succeeds"
		check "v$v $name: nothing written by the refused request" \
			test "${got[$name.on.untouched]}" = yes
		case "$name" in
		unlink|rename-over)
			say "v$v $name: space freed at once: off ${got[$name.off.freed]} MiB, on ${got[$name.on.freed]} MiB"
			check "v$v $name: localio=on does not keep the unlinked file's space" \
				test "${got[$name.on.freed]}" -ge "$(( ${got[$name.off.freed]} - 1 ))"
			;;
		*)
			check "v$v $name: when access is given back, local I/O resumes" \
				test "${got[$name.on.resumed]}" = yes
			;;
		esac
	done
done
auth_default

# --- nfs.localio_enabled=N turns our path off as well --------------------
enabled=/sys/module/nfs/parameters/localio_enabled
localio_param_holds() {
	local dir=$MNT/auth-on3 io0 l0 rc=0 i
	step_start root "$dir/param"
	head -c 4M /dev/zero >"$AUTH_EXPORT/param"
	step w 0
	echo N >"$enabled"
	io0=$(nfsd_io); l0=$(local_writes 3)
	step w $MIB
	[ "$answer" = ok ] || { say "write failed: $answer"; rc=1; }
	[ "$(local_writes 3)" -eq "$l0" ] || { say "served locally with localio_enabled=N"; rc=1; }
	[ "$(( $(nfsd_io) - io0 ))" -ge $MIB ] || { say "did not go through nfsd"; rc=1; }
	echo Y >"$enabled"
	for i in $(seq 10); do
		l0=$(local_writes 3)
		step w $((2 * MIB))
		[ "$(local_writes 3)" -gt "$l0" ] && break
		sleep 1
	done
	[ "$(local_writes 3)" -gt "$l0" ] || { say "not local again after Y"; rc=1; }
	step_stop
	rm -f "$AUTH_EXPORT/param"
	return $rc
}
d0=$(counter declined_disabled)
check "nfs.localio_enabled=N: localio=on writes go through nfsd, and local again after Y" \
	localio_param_holds
check "nfs.localio_enabled=N: counted as declined_disabled" \
	test "$(counter declined_disabled)" -gt "$d0"
echo Y >"$enabled"

# --- one verifier domain: a file written partly locally, partly by RPC ---
# 1 MiB + 100 bytes through the page cache: the aligned MiB is written
# locally, the 100-byte tail by nfsd; both must carry nfsd's verifier, or
# the COMMIT of one never matches the other and it is written again.
for v in 3 4.2; do
	n=${v/./}
	major=${v%%.*}
	dir=$MNT/auth-on$n
	io0=$(nfsd_io); b0=$(counter local_write_bytes)
	head -c $((MIB + 100)) /dev/urandom >"$WORK/verf"
	dd if="$WORK/verf" of="$dir/verf" bs=$((MIB + 100)) status=none
	sync; sleep 2; sync
	nfsd_bytes=$(( $(nfsd_io) - io0 )) local_bytes=$(( $(counter local_write_bytes) - b0 ))
	say "v$v 1 MiB + 100 bytes, buffered: $local_bytes bytes written locally, $nfsd_bytes through nfsd"
	check "v$v one verifier domain: the local body is written once" test "$local_bytes" -eq $MIB
	check "v$v one verifier domain: the 100-byte tail goes through nfsd once" test "$nfsd_bytes" -eq 100
	check "v$v one verifier domain: the data is intact" \
		test "$(cold_sum "$AUTH_EXPORT/verf")" = "$(sum "$WORK/verf")"
	rm -f "$AUTH_EXPORT/verf"
done

nfs_umount_all
check_no_kernel_reports t30
