# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's database row: PostgreSQL's pgbench (TPC-B-like, scale
# BENCH_PG_SCALE, BENCH_PG_CLIENTS clients for BENCH_RUNTIME s of guest
# time) with the cluster's data directory on each mode's mount, reported
# in transactions per guest second. PostgreSQL writes its WAL and data
# files through the page cache and fsyncs them (fdatasync for the WAL),
# so this row is buffered writes, COMMITs and small reads, as a database
# does them. Sourced by tests/vm/bench.sh after workloads.sh.

BENCH_PG_SCALE=${BENCH_PG_SCALE:-1}
BENCH_PG_CLIENTS=${BENCH_PG_CLIENTS:-4}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_SOCKET=/tmp/bench-pg

# pg_as_owner CMD...: CMD as the cluster's owner (PostgreSQL refuses root).
pg_as_owner() { runuser -u postgres -- "$@"; }

# pg_cluster_dir MODE: where MODE's cluster lives; one per mount.
pg_cluster_dir() { echo "$(mode_dir "$1")/bench.pgbench.$1"; }

# pg_prepare MODE: a cluster on MODE's mount with pgbench's tables, made
# once per mode (untimed) and kept for every round.
pg_prepare() {
	local dir
	dir=$(pg_cluster_dir "$1")
	[ -f "$dir/PG_VERSION" ] && return 0
	mkdir -p "$dir" "$PG_SOCKET" && chown postgres: "$dir" "$PG_SOCKET" &&
		chmod 700 "$dir" &&
		pg_as_owner "$PG_BIN/initdb" -D "$dir" -A trust --no-sync >/dev/null &&
		pg_start "$1" &&
		pg_as_owner "$PG_BIN/pgbench" -h "$PG_SOCKET" -i -q -s "$BENCH_PG_SCALE" \
			postgres >/dev/null 2>&1
	local rc=$?
	pg_stop "$1"
	return $rc
}

# pg_start MODE / pg_stop MODE: the server of MODE's cluster, on a Unix
# socket only.
pg_start() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$(pg_cluster_dir "$1")" -w -s \
		-l "$WORK/pg.$1.log" \
		-o "-k $PG_SOCKET -c listen_addresses= -c shared_buffers=32MB" start
}
pg_stop() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$(pg_cluster_dir "$1")" -w -s -m fast stop \
		>/dev/null 2>&1 || true
}

# pgbench_run MODE NAME ROUND: one pgbench run, recorded as fio would (one
# I/O per transaction, record_as_fio in bench.sh), and its cost record.
# The rate is pgbench's own, over its run time without the connections'
# start (guest time: under icount, instructions).
pgbench_run() {
	local mode=$1 name=$2 round=$3 io0 busy0 report tx tps
	if [ -z "$PG_BIN" ]; then
		say "pgbench: PostgreSQL is not installed"
		return 1
	fi
	pg_prepare "$mode" || { say "pgbench: no cluster on $mode"; return 1; }
	pg_start "$mode" || { say "pgbench: the server on $mode did not start"; return 1; }
	io0=$(nfsd_io) busy0=$(busy_ns)
	report=$(pg_as_owner "$PG_BIN/pgbench" -h "$PG_SOCKET" -n -c "$BENCH_PG_CLIENTS" \
		-T "$BENCH_RUNTIME" postgres 2>/dev/null)
	echo "nfsd_bytes=$(( $(nfsd_io) - io0 )) lower_cached=0 busy_ns=$(( $(busy_ns) - busy0 ))" \
		>"$out/$mode.$name.$round.cost"
	pg_stop "$mode"
	tx=$(awk '/^number of transactions actually processed:/ {print $6}' <<<"$report")
	tps=$(awk '/^tps = .*without initial connection time/ {print $3}' <<<"$report")
	[ -n "$tx" ] && [ -n "$tps" ] || { say "pgbench on $mode failed"; return 1; }
	# io_bytes is the transaction count: the table prints nfsd's bytes per
	# transaction for this row.
	record_as_fio "$out/$mode.$name.$round.json" write "$tx" "$tx" \
		"$(awk -v tx="$tx" -v tps="$tps" 'BEGIN {printf "%.0f", tx / tps * 1e9}')"
}

# pg_cleanup: every mode's cluster, once the row is done.
pg_cleanup() {
	local m
	for m in "${BENCH_MODES[@]}"; do
		pg_stop "$m"
		rm -rf "$(pg_cluster_dir "$m")"
	done
}
