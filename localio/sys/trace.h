/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of localio_rs_client.ko: the life of each READ, WRITE and
 * COMMIT nfs.ko offers it (offered, declined or accepted, submitted,
 * completed), its file cache and its LOCALIO handshakes.
 *
 * 6.12 gives Rust no tracepoints, so they are defined here and fired
 * through the one-line helpers in trace.c (declared in helpers.h). Every
 * value is computed in Rust but the client's identity, read off the
 * nfs_client as nfs.ko's own events do (so that an event that is off
 * costs no string walk); names (request kind, decline and release
 * reasons) are the statistics file's, passed as (pointer, length).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM localio_rs

#if !defined(_LOCALIO_RS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _LOCALIO_RS_TRACE_H

#include <linux/fs.h>
#include <linux/nfs_fs.h>
#include <linux/tracepoint.h>

/* One request: its client (server, NFS version, data server or not). */
DECLARE_EVENT_CLASS(localio_rs_request_class,
	TP_PROTO(const struct nfs_client *clp, u64 fileid,
		 const char *kind, u32 kind_len, u64 offset, u32 count),
	TP_ARGS(clp, fileid, kind, kind_len, offset, count),
	TP_STRUCT__entry(
		__string(server, clp->cl_hostname ?: "?")
		__field(u32, vers)
		__field(bool, ds)
		__field(u64, fileid)
		__string_len(kind, kind, kind_len)
		__field(u64, offset)
		__field(u32, count)
	),
	TP_fast_assign(
		__assign_str(server);
		__entry->vers = clp->rpc_ops->version;
		__entry->ds = test_bit(NFS_CS_DS, &clp->cl_flags);
		__entry->fileid = fileid;
		__assign_str(kind);
		__entry->offset = offset;
		__entry->count = count;
	),
	TP_printk("server=%s nfsv%u%s fileid=%llu %s offset=%llu count=%u",
		  __get_str(server), __entry->vers, __entry->ds ? "-ds" : "",
		  __entry->fileid, __get_str(kind), __entry->offset, __entry->count)
);

DEFINE_EVENT(localio_rs_request_class, localio_rs_offer,
	TP_PROTO(const struct nfs_client *clp, u64 fileid,
		 const char *kind, u32 kind_len, u64 offset, u32 count),
	TP_ARGS(clp, fileid, kind, kind_len, offset, count));

/*
 * What became of a request: sent to nfsd, @name being its declined_
 * counter's reason (@served 0), or taken, @served bytes of it here (nfs.ko
 * sends the rest) and @name where it is submitted: "inline" or the queued_
 * counter's reason.
 */
DECLARE_EVENT_CLASS(localio_rs_outcome_class,
	TP_PROTO(const struct nfs_client *clp, u64 fileid,
		 const char *kind, u32 kind_len, u64 offset, u32 count,
		 u32 served, const char *name, u32 name_len),
	TP_ARGS(clp, fileid, kind, kind_len, offset, count, served, name,
		name_len),
	TP_STRUCT__entry(
		__string(server, clp->cl_hostname ?: "?")
		__field(u32, vers)
		__field(bool, ds)
		__field(u64, fileid)
		__string_len(kind, kind, kind_len)
		__field(u64, offset)
		__field(u32, count)
		__field(u32, served)
		__string_len(name, name, name_len)
	),
	TP_fast_assign(
		__assign_str(server);
		__entry->vers = clp->rpc_ops->version;
		__entry->ds = test_bit(NFS_CS_DS, &clp->cl_flags);
		__entry->fileid = fileid;
		__assign_str(kind);
		__entry->offset = offset;
		__entry->count = count;
		__entry->served = served;
		__assign_str(name);
	),
	TP_printk("server=%s nfsv%u%s fileid=%llu %s offset=%llu count=%u served=%u %s",
		  __get_str(server), __entry->vers, __entry->ds ? "-ds" : "",
		  __entry->fileid, __get_str(kind), __entry->offset,
		  __entry->count, __entry->served, __get_str(name))
);

DEFINE_EVENT_PRINT(localio_rs_outcome_class, localio_rs_decline,
	TP_PROTO(const struct nfs_client *clp, u64 fileid,
		 const char *kind, u32 kind_len, u64 offset, u32 count,
		 u32 served, const char *name, u32 name_len),
	TP_ARGS(clp, fileid, kind, kind_len, offset, count, served, name,
		name_len),
	TP_printk("server=%s nfsv%u%s fileid=%llu %s offset=%llu count=%u reason=%s",
		  __get_str(server), __entry->vers, __entry->ds ? "-ds" : "",
		  __entry->fileid, __get_str(kind), __entry->offset,
		  __entry->count, __get_str(name)));

DEFINE_EVENT_PRINT(localio_rs_outcome_class, localio_rs_accept,
	TP_PROTO(const struct nfs_client *clp, u64 fileid,
		 const char *kind, u32 kind_len, u64 offset, u32 count,
		 u32 served, const char *name, u32 name_len),
	TP_ARGS(clp, fileid, kind, kind_len, offset, count, served, name,
		name_len),
	TP_printk("server=%s nfsv%u%s fileid=%llu %s offset=%llu count=%u served=%u submit=%s",
		  __get_str(server), __entry->vers, __entry->ds ? "-ds" : "",
		  __entry->fileid, __get_str(kind), __entry->offset,
		  __entry->count, __entry->served, __get_str(name)));

/* The I/O goes to the exported filesystem, from the offering task or not. */
TRACE_EVENT(localio_rs_submit,
	TP_PROTO(const struct file *file, const char *kind, u32 kind_len,
		 u64 offset, u32 served, bool queued),
	TP_ARGS(file, kind, kind_len, offset, served, queued),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, ino)
		__string_len(kind, kind, kind_len)
		__field(u64, offset)
		__field(u32, served)
		__field(bool, queued)
	),
	TP_fast_assign(
		__entry->dev = file_inode(file)->i_sb->s_dev;
		__entry->ino = file_inode(file)->i_ino;
		__assign_str(kind);
		__entry->offset = offset;
		__entry->served = served;
		__entry->queued = queued;
	),
	TP_printk("dev=%d:%d ino=%llu %s offset=%llu served=%u from=%s",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->ino,
		  __get_str(kind), __entry->offset, __entry->served,
		  __entry->queued ? "worker" : "offering-task")
);

/*
 * The exported filesystem's result (bytes, or a negative errno) and the
 * time since the offer; @ns is 0 when this event was off at the offer.
 */
TRACE_EVENT(localio_rs_complete,
	TP_PROTO(const struct file *file, const char *kind, u32 kind_len,
		 u64 offset, u32 served, s64 result, u64 ns),
	TP_ARGS(file, kind, kind_len, offset, served, result, ns),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, ino)
		__string_len(kind, kind, kind_len)
		__field(u64, offset)
		__field(u32, served)
		__field(s64, result)
		__field(u64, ns)
	),
	TP_fast_assign(
		__entry->dev = file_inode(file)->i_sb->s_dev;
		__entry->ino = file_inode(file)->i_ino;
		__assign_str(kind);
		__entry->offset = offset;
		__entry->served = served;
		__entry->result = result;
		__entry->ns = ns;
	),
	TP_printk("dev=%d:%d ino=%llu %s offset=%llu served=%u result=%lld ns=%llu",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->ino,
		  __get_str(kind), __entry->offset, __entry->served,
		  __entry->result, __entry->ns)
);

/*
 * The file cache: @what is open, reuse, reopen (what nfsd's open rested on
 * changed) or release, with the released_ counter's @reason.
 */
TRACE_EVENT(localio_rs_file,
	TP_PROTO(const char *server, u32 vers, const struct file *file,
		 const char *what, u32 what_len,
		 const char *reason, u32 reason_len),
	TP_ARGS(server, vers, file, what, what_len, reason, reason_len),
	TP_STRUCT__entry(
		__string(server, server)
		__field(u32, vers)
		__field(dev_t, dev)
		__field(u64, ino)
		__string_len(what, what, what_len)
		__string_len(reason, reason, reason_len)
	),
	TP_fast_assign(
		__assign_str(server);
		__entry->vers = vers;
		__entry->dev = file_inode(file)->i_sb->s_dev;
		__entry->ino = file_inode(file)->i_ino;
		__assign_str(what);
		__assign_str(reason);
	),
	TP_printk("server=%s nfsv%u dev=%d:%d ino=%llu %s%s%s",
		  __get_str(server), __entry->vers,
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->ino,
		  __get_str(what), __get_str(reason)[0] ? " reason=" : "",
		  __get_str(reason))
);

/* A LOCALIO handshake redone, and whether it found nfsd in this kernel. */
TRACE_EVENT(localio_rs_handshake,
	TP_PROTO(const char *server, u32 vers, bool local),
	TP_ARGS(server, vers, local),
	TP_STRUCT__entry(
		__string(server, server)
		__field(u32, vers)
		__field(bool, local)
	),
	TP_fast_assign(
		__assign_str(server);
		__entry->vers = vers;
		__entry->local = local;
	),
	TP_printk("server=%s nfsv%u local=%s", __get_str(server),
		  __entry->vers, __entry->local ? "yes" : "no")
);

#endif /* _LOCALIO_RS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
