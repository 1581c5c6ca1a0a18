/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boundary between the Rust client (client.rs) and the C side of the
 * module (provider_glue.c, io_glue.c). C owns what Rust cannot reach in
 * 6.12: the nfs.ko provider registration, NFS structure layouts, kiocb and
 * iov_iter set-up, credentials, the shim lookup and debugfs.
 */
#ifndef LOCALIO_RS_GLUE_H
#define LOCALIO_RS_GLUE_H

#include <linux/types.h>

struct nfs_client;
struct rpc_call_ops;
struct localio_rs_io;

/* Must match `RequestKind` in policy.rs. */
enum localio_rs_kind {
	LOCALIO_RS_READ = 0,
	LOCALIO_RS_WRITE = 1,
	LOCALIO_RS_COMMIT = 2,
};

/* Reasons C finds; must match `DeclineReason` in policy.rs. */
enum localio_rs_decline {
	LOCALIO_RS_DECLINE_NOT_LOCAL = 0,
	LOCALIO_RS_DECLINE_NO_SHIM = 1,
	LOCALIO_RS_DECLINE_OPEN_FAILED = 2,
	LOCALIO_RS_DECLINE_NO_MEMORY = 3,
};

/* What the policy needs to know about a request and its opened file. */
struct localio_rs_facts {
	u64 offset;
	u32 count;
	u32 pgbase;
	u32 dio_mem;	/* direct I/O alignment; 0: no direct I/O */
	u32 dio_offset;
	s32 decline;	/* enum localio_rs_decline, or -1 when prepared */
};

/* Exported by nfs.ko (declared in fs/nfs/internal.h): redo the handshake. */
void nfs_local_probe(struct nfs_client *clp);

/* Implemented in C, called from Rust. */
int localio_rs_glue_register(void);
void localio_rs_glue_unregister(void);
struct localio_rs_io *localio_rs_io_prepare(void *req, u32 kind,
					    const struct rpc_call_ops *call_ops,
					    struct localio_rs_facts *facts);
void localio_rs_io_abort(struct localio_rs_io *io);
void localio_rs_io_set_owner(struct localio_rs_io *io, void *owner);
long localio_rs_io_submit(struct localio_rs_io *io);
long localio_rs_io_result(struct localio_rs_io *io);
void localio_rs_io_finish(struct localio_rs_io *io, long result);

/* Implemented in Rust, called from C. */
int localio_rs_offer(void *req, u32 kind, const struct rpc_call_ops *call_ops,
		     bool sync);
void localio_rs_io_completed(void *owner);
int localio_rs_client_errno(long lower_errno);
bool localio_rs_read_eof(u64 offset, u32 requested, u64 got, u64 size);
ssize_t localio_rs_format_stats(char *buf, size_t len);

#endif /* LOCALIO_RS_GLUE_H */
