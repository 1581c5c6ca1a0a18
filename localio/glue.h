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
struct localio_rs_file;
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
	LOCALIO_RS_DECLINE_NFSD_DOWN = 4,
	LOCALIO_RS_DECLINE_DISABLED = 5,
	LOCALIO_RS_DECLINE_LEASE = 6,
};

/* NFS_MAXFHSIZE, without pulling NFS headers into every user. */
#define LOCALIO_RS_FH_MAX 128

/*
 * Which opened file serves a request: the caller's credentials (by
 * identity: an open file holds a reference, so the pointer stays unique),
 * the open mode and the filehandle. Files are cached per nfs_client.
 */
struct localio_rs_file_key {
	const void *cred;
	u32 mode;
	u32 fh_len;
	u8 fh[LOCALIO_RS_FH_MAX];
};

/* What the policy and the file cache need to know about a request. */
struct localio_rs_facts {
	struct nfs_client *client;
	u64 offset;
	u32 count;
	u32 pgbase;
	struct localio_rs_file_key key;
};

/* A file opened through the shim, as the cache keeps it. */
struct localio_rs_opened_file {
	struct localio_rs_file *file;
	u32 dio_mem;	/* direct I/O alignment; 0: no direct I/O */
	u32 dio_offset;
};

/* Exported by nfs.ko (declared in fs/nfs/internal.h): redo the handshake. */
void nfs_local_probe(struct nfs_client *clp);
/* Exported by nfs.ko (fs/nfs/internal.h): handshake done, localio_enabled. */
bool nfs_server_is_local(const struct nfs_client *clp);

/*
 * Implemented in C, called from Rust. localio_rs_io_describe() and
 * localio_rs_file_open() return LOCALIO_RS_GO_ON, or the enum
 * localio_rs_decline reason the request must go out as an RPC.
 */
#define LOCALIO_RS_GO_ON (-1)
/* localio_rs_file_check(): open the file through nfsd again. */
#define LOCALIO_RS_REOPEN (-2)

int localio_rs_glue_register(void);
void localio_rs_glue_unregister(void);
int localio_rs_io_describe(void *req, u32 kind, struct localio_rs_facts *facts);
/* Opens the file @req needs through the shim (holds the shim module). */
int localio_rs_file_open(void *req, u32 kind,
			 struct localio_rs_opened_file *opened);
/* Whether nfsd still serves the file's net; never sleeps. */
bool localio_rs_file_serving(struct localio_rs_file *file);
/*
 * Whether the file may serve the next request as nfsd opened it:
 * LOCALIO_RS_GO_ON; LOCALIO_RS_REOPEN when what nfsd's open rested on has
 * changed; with @for_request, LOCALIO_RS_DECLINE_LEASE while a lease must
 * be broken (that may sleep; without @for_request this never sleeps).
 */
int localio_rs_file_check(struct localio_rs_file *file, bool for_request);
/* Drops the nfsd_file, nfsd's net reference, the shim, the cred; sleeps. */
void localio_rs_file_release(struct localio_rs_file *file);
/* The server's name and NFS major version, fixed for @clp's life. */
const char *localio_rs_client_server(struct nfs_client *clp);
u32 localio_rs_client_nfs_version(struct nfs_client *clp);
/*
 * Builds the I/O for the first @served bytes of @req (all of a COMMIT):
 * a READ or WRITE may be served in part, nfs.ko sends the rest to nfsd.
 */
struct localio_rs_io *localio_rs_io_prepare(void *req, u32 kind,
					    const struct rpc_call_ops *call_ops,
					    struct localio_rs_file *file,
					    u32 served);
void localio_rs_io_abort(struct localio_rs_io *io);
void localio_rs_io_set_owner(struct localio_rs_io *io, void *owner);
long localio_rs_io_submit(struct localio_rs_io *io);
long localio_rs_io_result(struct localio_rs_io *io);
void localio_rs_io_finish(struct localio_rs_io *io, long result);

/* Implemented in Rust, called from C. */
int localio_rs_offer(void *req, u32 kind, const struct rpc_call_ops *call_ops,
		     bool sync);
void localio_rs_client_gone(void *clp);	/* nfs.ko's client_release */
void localio_rs_reap(void);			/* every LOCALIO_RS_REAP_INTERVAL */
void localio_rs_io_completed(void *owner);
int localio_rs_client_errno(long lower_errno);
bool localio_rs_read_eof(u64 offset, u32 requested, u64 got, u64 size);
ssize_t localio_rs_format_stats(char *buf, size_t len);

#endif /* LOCALIO_RS_GLUE_H */
