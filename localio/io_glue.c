// SPDX-License-Identifier: GPL-2.0
/*
 * The LOCALIO data path's C half: what Rust in 6.12 cannot express (kiocb,
 * iov_iter and bio_vec set-up, credentials, NFS header layouts, the shim
 * lookup). Each function is one step that client.rs sequences; none of
 * them decides policy.
 *
 * Life of a request: localio_rs_io_describe() says which file it needs ->
 * (Rust finds it in the client's file cache, or has localio_rs_file_open()
 * open it through the shim; checks alignment) -> localio_rs_io_prepare()
 * builds the I/O -> (Rust queues a work item) ->
 * localio_rs_io_submit() on the I/O queue, inside the worker scope ->
 * (->ki_complete -> localio_rs_io_completed() requeues it) ->
 * localio_rs_io_finish() completes the NFS request and frees everything.
 */
#include <linux/bvec.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/nfs_common.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_page.h>
#include <linux/nfs_xdr.h>
#include <linux/nfslocalio.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "../nfsd_shim/shim_api.h"
#include "glue.h"

/* A file opened through the shim; the Rust file cache owns it. */
struct localio_rs_file {
	const struct localio_rs_shim_ops *shim;	/* a symbol_get() reference */
	struct nfsd_file *nf;
	struct localio_rs_opened how;	/* the file, its net, nfsd's grant */
	fmode_t mode;
	const struct cred *cred;	/* the cache key's; held for its identity */
};

struct localio_rs_io {
	struct kiocb kiocb;
	struct iov_iter iter;
	u32 kind;
	void *req;	/* nfs_pgio_header or nfs_commit_data */
	const struct rpc_call_ops *call_ops;
	struct localio_rs_file *lf;	/* kept alive by the caller */
	struct file *file;	/* lf's */
	void *owner;	/* the Rust work item, handed back on completion */
	long result;
	u32 served;	/* bytes done here; nfs.ko sends the rest to nfsd */
	enum nfs3_stable_how stable;	/* what a WRITE promises when done */
	u8 verf[8];	/* nfsd's write verifier when a WRITE was submitted */
	struct bio_vec bvec[];	/* over the request's pages; none for COMMIT */
};

static struct nfs_pgio_header *io_hdr(struct localio_rs_io *io)
{
	return io->req;
}

static struct nfs_commit_data *io_commit(struct localio_rs_io *io)
{
	return io->req;
}

static const struct localio_rs_shim_ops *shim_get(void)
{
	const struct localio_rs_shim_ops *shim = symbol_get(localio_rs_shim_ops);

	if (shim && shim->version != LOCALIO_RS_SHIM_VERSION) {
		symbol_put(localio_rs_shim_ops);
		shim = NULL;
	}
	return shim;
}

/*
 * Ask nfs.ko to redo the LOCALIO handshake, as its built-in path does when
 * an open fails, so LOCALIO resumes once nfsd is back and stays off for a
 * server that is not (or no longer) in this kernel. The handshake is a
 * synchronous RPC to that server: at most once per @interval, for all
 * clients together.
 */
static void client_reprobe(struct nfs_client *clp, unsigned long *last,
			   unsigned long interval)
{
	unsigned long now = jiffies;
	unsigned long prev = READ_ONCE(*last);

	if (time_before(now, prev + interval) ||
	    cmpxchg(last, prev, now) != prev)
		return;
	nfs_local_probe(clp);
}

/* An open failed because nfsd went away (stopped, restarted, net gone). */
static void client_open_failed(struct nfs_client *clp, long err)
{
	static unsigned long last;

	if (err == -ENXIO || err == -ENOENT || err == -ENOMEM)
		client_reprobe(clp, &last, HZ);
}

/* The handshake says "not local": nfsd may have been restarted since. */
static void client_not_local(struct nfs_client *clp)
{
	static unsigned long last;

	client_reprobe(clp, &last, 5 * HZ);
}

/* Who asks for which file, and how: the parts of a request we use. */
struct io_request {
	struct nfs_client *clp;
	const struct nfs_fh *fh;
	const struct cred *cred;
	fmode_t mode;
};

static void io_request(void *req, u32 kind, struct io_request *r,
		       struct localio_rs_facts *facts)
{
	if (kind == LOCALIO_RS_COMMIT) {
		struct nfs_commit_data *data = req;

		r->clp = NFS_SERVER(data->inode)->nfs_client;
		r->fh = data->args.fh;
		r->cred = data->cred;
		r->mode = data->context->mode;
		facts->offset = data->args.offset;
		facts->count = data->args.count;
		facts->pgbase = 0;
	} else {
		struct nfs_pgio_header *hdr = req;

		r->clp = NFS_SERVER(hdr->inode)->nfs_client;
		r->fh = hdr->args.fh;
		r->cred = hdr->cred;
		r->mode = hdr->args.context->mode;
		facts->offset = hdr->args.offset;
		facts->count = hdr->args.count;
		facts->pgbase = hdr->args.pgbase;
	}
	r->mode &= FMODE_READ | FMODE_WRITE;
}

int localio_rs_io_describe(void *req, u32 kind, struct localio_rs_facts *facts)
{
	struct io_request r;

	BUILD_BUG_ON(sizeof(r.fh->data) != LOCALIO_RS_FH_MAX);
	BUILD_BUG_ON(sizeof(facts->key) != 8 + 4 + 4 + LOCALIO_RS_FH_MAX);
	io_request(req, kind, &r, facts);
	facts->client = r.clp;
	/* The unused tail of fh[] is part of the compared key. */
	memset(&facts->key, 0, sizeof(facts->key));
	facts->key.cred = r.cred;
	facts->key.mode = (__force u32)r.mode;
	facts->key.fh_len = min_t(u32, r.fh->size, sizeof(facts->key.fh));
	memcpy(facts->key.fh, r.fh->data, facts->key.fh_len);

	/* nfs.ko's LOCALIO handshake (UUID_IS_LOCAL) found nfsd in this kernel */
	if (!test_bit(NFS_CS_LOCAL_IO, &r.clp->cl_flags)) {
		client_not_local(r.clp);
		return LOCALIO_RS_DECLINE_NOT_LOCAL;
	}
	/* ... and the administrator has not turned LOCALIO off (nfs.ko) */
	if (!nfs_server_is_local(r.clp))
		return LOCALIO_RS_DECLINE_DISABLED;
	return LOCALIO_RS_GO_ON;
}

int localio_rs_file_open(void *req, u32 kind,
			 struct localio_rs_opened_file *opened)
{
	struct localio_rs_facts facts;
	struct localio_rs_opened how;
	struct localio_rs_file *lf;
	struct io_request r;
	int decline;

	io_request(req, kind, &r, &facts);
	lf = kzalloc(sizeof(*lf), GFP_NOIO);
	if (!lf)
		return LOCALIO_RS_DECLINE_NO_MEMORY;
	lf->shim = shim_get();
	if (!lf->shim) {
		decline = LOCALIO_RS_DECLINE_NO_SHIM;
		goto out_free;
	}
	lf->nf = lf->shim->open(r.clp, r.cred, r.fh, r.mode, &how);
	if (IS_ERR(lf->nf)) {
		long err = PTR_ERR(lf->nf);

		client_open_failed(r.clp, err);
		decline = err == -ENXIO ? LOCALIO_RS_DECLINE_NFSD_DOWN :
					  LOCALIO_RS_DECLINE_OPEN_FAILED;
		symbol_put(localio_rs_shim_ops);
		goto out_free;
	}
	lf->how = how;
	lf->mode = r.mode;
	lf->cred = get_cred(r.cred);
	opened->file = lf;
	opened->dio_mem = how.dio_mem;
	opened->dio_offset = how.dio_offset;
	return LOCALIO_RS_GO_ON;

out_free:
	kfree(lf);
	return decline;
}

bool localio_rs_file_serving(struct localio_rs_file *lf)
{
	return lf->shim->serving(lf->how.net);
}

int localio_rs_file_check(struct localio_rs_file *lf, bool for_request)
{
	switch (lf->shim->check(&lf->how, lf->mode, for_request)) {
	case 0:
		return LOCALIO_RS_GO_ON;
	case -EAGAIN:
		return LOCALIO_RS_DECLINE_LEASE;
	default:
		return LOCALIO_RS_REOPEN;
	}
}

void localio_rs_file_release(struct localio_rs_file *lf)
{
	lf->shim->release(lf->nf);
	symbol_put(localio_rs_shim_ops);
	put_cred(lf->cred);
	kfree(lf);
}

const char *localio_rs_client_server(struct nfs_client *clp)
{
	return clp->cl_hostname ?: "?";
}

u32 localio_rs_client_nfs_version(struct nfs_client *clp)
{
	return clp->rpc_ops->version;
}

struct localio_rs_io *localio_rs_io_prepare(void *req, u32 kind,
					    const struct rpc_call_ops *call_ops,
					    struct localio_rs_file *lf,
					    u32 served)
{
	struct nfs_pgio_header *hdr = req;
	unsigned int i, npages = 0;
	struct localio_rs_io *io;

	if (kind != LOCALIO_RS_COMMIT)
		npages = hdr->page_array.npages;
	/* One allocation per request: the bio_vec array comes with it. */
	io = kzalloc(struct_size(io, bvec, npages), GFP_NOIO);
	if (!io)
		return NULL;
	io->req = req;
	io->kind = kind;
	io->call_ops = call_ops;
	io->lf = lf;
	io->file = lf->how.file;
	io->served = served;
	for (i = 0; i < npages; i++)
		bvec_set_page(&io->bvec[i], hdr->page_array.pagevec[i],
			      PAGE_SIZE, 0);
	return io;
}

void localio_rs_io_abort(struct localio_rs_io *io)
{
	kfree(io);
}

void localio_rs_io_set_owner(struct localio_rs_io *io, void *owner)
{
	/* Held until localio_rs_io_finish(): no unload with I/O in flight. */
	__module_get(THIS_MODULE);
	io->owner = owner;
}

static void io_aio_complete(struct kiocb *kiocb, long ret)
{
	struct localio_rs_io *io = container_of(kiocb, struct localio_rs_io,
						kiocb);

	/* Possibly in interrupt context: finish on the queue. */
	io->result = ret;
	localio_rs_io_completed(io->owner);
}

long localio_rs_io_submit(struct localio_rs_io *io)
{
	struct nfs_pgio_header *hdr = io_hdr(io);
	const struct cred *saved;
	unsigned int dir;
	ssize_t ret;

	if (io->kind == LOCALIO_RS_COMMIT) {
		struct nfs_commit_data *data = io_commit(io);
		loff_t end = LLONG_MAX;

		if (data->args.count > 0 &&
		    data->args.offset + data->args.count > data->args.offset)
			end = data->args.offset + data->args.count - 1;
		saved = override_creds(io->file->f_cred);
		ret = vfs_fsync_range(io->file, data->args.offset, end, 0);
		revert_creds(saved);
		return ret;
	}

	dir = io->kind == LOCALIO_RS_WRITE ? ITER_SOURCE : ITER_DEST;
	iov_iter_bvec(&io->iter, dir, io->bvec, hdr->page_array.npages,
		      io->served + hdr->args.pgbase);
	iov_iter_advance(&io->iter, hdr->args.pgbase);

	init_sync_kiocb(&io->kiocb, io->file);
	io->kiocb.ki_pos = hdr->args.offset;
	io->kiocb.ki_flags |= IOCB_DIRECT;
	io->kiocb.ki_flags &= ~IOCB_APPEND;
	io->kiocb.ki_complete = io_aio_complete;

	saved = override_creds(io->file->f_cred);
	if (io->kind == LOCALIO_RS_WRITE) {
		/*
		 * A WRITE served in part is made stable: NFS resends the rest
		 * of a short stable write, but all of a short unstable one.
		 */
		io->stable = hdr->args.stable;
		if (io->served < hdr->args.count && io->stable == NFS_UNSTABLE)
			io->stable = NFS_DATA_SYNC;
		if (io->stable == NFS_DATA_SYNC)
			io->kiocb.ki_flags |= IOCB_DSYNC;
		else if (io->stable == NFS_FILE_SYNC)
			io->kiocb.ki_flags |= IOCB_DSYNC | IOCB_SYNC;
		/*
		 * Freeze protection is held until the write completes, as
		 * aio does: a freeze must wait for our in-flight direct
		 * writes. @io may be gone as soon as ->write_iter() has
		 * queued the I/O; localio_rs_io_finish() ends the write.
		 */
		io->kiocb.ki_flags |= IOCB_WRITE;
		/* As nfsd: a reset during the write makes the client resend */
		io->lf->shim->write_verifier(io->lf->how.net, io->verf);
		kiocb_start_write(&io->kiocb);
		ret = io->file->f_op->write_iter(&io->kiocb, &io->iter);
	} else {
		ret = io->file->f_op->read_iter(&io->kiocb, &io->iter);
	}
	revert_creds(saved);
	return ret;
}

long localio_rs_io_result(struct localio_rs_io *io)
{
	return io->result;
}

/*
 * nfsd's own write verifier, so that a file whose requests go partly to
 * nfsd and partly to us commits once: one verifier domain per server.
 * A WRITE reports the one it was submitted under, as nfsd does; a COMMIT
 * the one after its sync.
 */
static void io_set_verifier(struct localio_rs_io *io,
			    struct nfs_writeverf *verf,
			    enum nfs3_stable_how how)
{
	BUILD_BUG_ON(sizeof(verf->verifier.data) != sizeof(io->verf));
	if (io->kind == LOCALIO_RS_WRITE)
		memcpy(verf->verifier.data, io->verf, sizeof(io->verf));
	else
		io->lf->shim->write_verifier(io->lf->how.net,
					     verf->verifier.data);
	verf->committed = how;
}

/*
 * Results as the built-in path (and so nfsd) reports them: nfs.ko's
 * nfs_localio_*() helpers do the short-write and attribute bookkeeping;
 * the verifier and the errno are the ones nfsd's reply would have
 * carried.
 */
static void io_finish_pgio(struct localio_rs_io *io, long result)
{
	struct nfs_pgio_header *hdr = io_hdr(io);

	if (io->kind == LOCALIO_RS_WRITE) {
		/* nfsd's rule for its own writes: a short one is no failure */
		if (result < 0)
			io->lf->shim->write_failed(io->lf->how.net, result);
		/*
		 * All of the part served here is a complete reply: nfs.ko
		 * sends the rest. Short of that part is ENOSPC, as ever.
		 */
		if (result != io->served || io->served == hdr->args.count)
			result = nfs_localio_write_result(hdr, result);
	}
	if (result >= 0) {
		hdr->res.count = result;
		hdr->res.op_status = NFS4_OK;
		hdr->task.tk_status = 0;
	} else {
		result = localio_rs_client_errno(result);
		hdr->res.op_status = nfs_localio_errno_to_nfs4_stat(result);
		hdr->task.tk_status = result;
	}

	if (io->kind == LOCALIO_RS_READ) {
		hdr->res.replen = 0;
		hdr->res.eof = localio_rs_read_eof(hdr->args.offset,
						   io->served,
						   result < 0 ? 0 : result,
						   i_size_read(file_inode(io->file)));
	} else {
		if (result >= 0)
			io_set_verifier(io, hdr->res.verf, io->stable);
		nfs_localio_set_fattr(hdr, io->file);
	}
}

static void io_finish_commit(struct localio_rs_io *io, long result)
{
	struct nfs_commit_data *data = io_commit(io);

	if (result >= 0) {
		io_set_verifier(io, data->res.verf, NFS_FILE_SYNC);
		data->res.op_status = NFS4_OK;
		data->task.tk_status = 0;
	} else {
		io->lf->shim->write_failed(io->lf->how.net, result);
		result = localio_rs_client_errno(result);
		data->res.op_status = nfs_localio_errno_to_nfs4_stat(result);
		data->task.tk_status = result;
	}
}

void localio_rs_io_finish(struct localio_rs_io *io, long result)
{
	void *req = io->req;
	u32 kind = io->kind;
	const struct rpc_call_ops *call_ops = io->call_ops;

	if (kind == LOCALIO_RS_COMMIT)
		io_finish_commit(io, result);
	else
		io_finish_pgio(io, result);
	if (io->kiocb.ki_flags & IOCB_WRITE)
		kiocb_end_write(&io->kiocb);
	kfree(io);
	if (kind == LOCALIO_RS_COMMIT)
		nfs_localio_provider_commit_done(req, call_ops);
	else
		nfs_localio_provider_pgio_done(req, call_ops);
	module_put(THIS_MODULE);
}
