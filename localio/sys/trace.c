// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events of trace.h, and one helper per event for Rust (trace.rs),
 * which cannot expand the trace_*() static inlines. No logic: each helper
 * fires its event with what it is given.
 */
#include <linux/fs.h>

#define CREATE_TRACE_POINTS
#include "trace.h"
#include "helpers.h"

void localio_rs_trace_offer(const struct nfs_client *clp, u64 fileid,
			    const char *kind, u32 kind_len, u64 offset,
			    u32 count)
{
	trace_localio_rs_offer(clp, fileid, kind, kind_len, offset, count);
}

void localio_rs_trace_decline(const struct nfs_client *clp, u64 fileid,
			      const char *kind, u32 kind_len, u64 offset,
			      u32 count, u32 served, const char *reason,
			      u32 reason_len)
{
	trace_localio_rs_decline(clp, fileid, kind, kind_len, offset, count,
				 served, reason, reason_len);
}

void localio_rs_trace_accept(const struct nfs_client *clp, u64 fileid,
			     const char *kind, u32 kind_len, u64 offset,
			     u32 count, u32 served, const char *path,
			     u32 path_len)
{
	trace_localio_rs_accept(clp, fileid, kind, kind_len, offset, count,
				served, path, path_len);
}

void localio_rs_trace_submit(const struct file *file, const char *kind,
			     u32 kind_len, u64 offset, u32 served, bool queued)
{
	trace_localio_rs_submit(file, kind, kind_len, offset, served, queued);
}

bool localio_rs_trace_requests_enabled(void)
{
	return trace_localio_rs_offer_enabled() ||
	       trace_localio_rs_decline_enabled() ||
	       trace_localio_rs_accept_enabled() ||
	       trace_localio_rs_submit_enabled() ||
	       trace_localio_rs_complete_enabled();
}

bool localio_rs_trace_complete_enabled(void)
{
	return trace_localio_rs_complete_enabled();
}

void localio_rs_trace_complete(const struct file *file, const char *kind,
			       u32 kind_len, u64 offset, u32 served,
			       s64 result, u64 ns)
{
	trace_localio_rs_complete(file, kind, kind_len, offset, served, result,
				  ns);
}

void localio_rs_trace_file(const char *server, u32 vers,
			   const struct file *file, const char *what,
			   u32 what_len, const char *reason, u32 reason_len)
{
	trace_localio_rs_file(server, vers, file, what, what_len, reason,
			      reason_len);
}

void localio_rs_trace_handshake(const char *server, u32 vers, bool local)
{
	trace_localio_rs_handshake(server, vers, local);
}
