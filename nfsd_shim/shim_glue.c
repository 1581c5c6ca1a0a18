// SPDX-License-Identifier: GPL-2.0
/*
 * nfsd side of LOCALIO: the one place in this project that calls nfsd's
 * LOCALIO operations (nfs_to, set up by nfs_common and nfsd).
 */
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/posix_acl.h>
#include <linux/nfs_fs.h>
#include <linux/nfslocalio.h>
#include <linux/stat.h>

#include "shim_api.h"

static void shim_dio_align(struct file *file, struct localio_rs_opened *opened)
{
	struct kstat stat;

	opened->dio_mem = 0;
	opened->dio_offset = 0;
	if (vfs_getattr(&file->f_path, &stat, STATX_DIOALIGN,
			AT_STATX_SYNC_AS_STAT))
		return;
	if (!(stat.result_mask & STATX_DIOALIGN) || !stat.dio_mem_align ||
	    !stat.dio_offset_align)
		return;
	opened->dio_mem = stat.dio_mem_align;
	opened->dio_offset = stat.dio_offset_align;
}

/* What nfsd's permission check at open rested on, besides the export. */
static void shim_grant_inode(struct inode *inode, struct localio_rs_grant *g)
{
#ifdef CONFIG_FS_POSIX_ACL
	g->acl = READ_ONCE(inode->i_acl);
#else
	g->acl = NULL;
#endif
	g->uid = inode->i_uid;
	g->gid = inode->i_gid;
	g->mode = READ_ONCE(inode->i_mode);
	g->flags = READ_ONCE(inode->i_flags) & (S_IMMUTABLE | S_APPEND);
}

/*
 * nfs_common's nfs_open_local_fh(), except that the caller learns which
 * net the nfsd_file pins, so that it can later ask whether nfsd still
 * serves it (shim_serving()) and let go before nfsd's shutdown waits, and
 * what the open rested on, so that it can tell when to ask nfsd again
 * (shim_check()).
 */
static struct nfsd_file *shim_open(struct nfs_client *clp,
				   const struct cred *cred,
				   const struct nfs_fh *fh, fmode_t mode,
				   struct localio_rs_opened *opened)
{
	nfs_uuid_t *uuid = &clp->cl_uuid;
	struct nfsd_file *nf;
	struct net *net;
	u64 export_gen;

	rcu_read_lock();
	net = rcu_dereference(uuid->net);
	if (!net || !nfs_to->nfsd_net_try_get(net)) {
		rcu_read_unlock();
		return ERR_PTR(-ENXIO);
	}
	rcu_read_unlock();
	/* nfsd_net_try_get() pins the net until nfs_to_nfsd_net_put() */
	/* Read before the open: a change during it means one more open. */
	export_gen = nfs_to->nfsd_export_generation(net);
	nf = nfs_to->nfsd_open_local_fh(net, uuid->dom, clp->cl_rpcclient,
					cred, fh, mode);
	if (IS_ERR(nf)) {
		nfs_to_nfsd_net_put(net);
		return nf;
	}
	opened->file = nfs_to->nfsd_file_file(nf);
	/*
	 * An unlinked file is reachable by its filehandle only while someone
	 * holds it: never serve it locally; nfsd answers the RPC itself.
	 */
	if (!file_inode(opened->file)->i_nlink) {
		nfs_to_nfsd_file_put_local(nf);
		return ERR_PTR(-ESTALE);
	}
	opened->net = net;
	opened->grant.export_gen = export_gen;
	shim_grant_inode(file_inode(opened->file), &opened->grant);
	shim_dio_align(opened->file, opened);
	return nf;
}

static int shim_check(const struct localio_rs_opened *opened, fmode_t mode,
		      bool for_request)
{
	struct inode *inode = file_inode(opened->file);
	struct localio_rs_grant now;

	if (nfs_to->nfsd_export_generation(opened->net) !=
	    opened->grant.export_gen || !inode->i_nlink)
		return -ESTALE;
	shim_grant_inode(inode, &now);
	if (now.acl != opened->grant.acl || !uid_eq(now.uid, opened->grant.uid) ||
	    !gid_eq(now.gid, opened->grant.gid) ||
	    now.mode != opened->grant.mode || now.flags != opened->grant.flags)
		return -ESTALE;
	/*
	 * As nfsd_open_break_lease() does for every open through nfsd, and
	 * so for every request of the built-in path: it recalls this
	 * client's own delegation too, once.
	 */
	if (for_request &&
	    break_lease(inode, (mode & FMODE_WRITE ? O_WRONLY : O_RDONLY) |
			       O_NONBLOCK))
		return -EAGAIN;
	return 0;
}

static bool shim_serving(struct net *net)
{
	bool serving;

	rcu_read_lock();
	serving = nfs_to->nfsd_net_try_get(net);
	if (serving)
		nfs_to->nfsd_net_put(net);
	rcu_read_unlock();
	return serving;
}

static void shim_write_verifier(struct net *net, u8 *verf)
{
	nfs_to->nfsd_write_verifier(net, (__be32 *)verf);
}

static void shim_write_failed(struct net *net, int err)
{
	nfs_to->nfsd_write_failed(net, err);
}

static void shim_release(struct nfsd_file *nf)
{
	nfs_to_nfsd_file_put_local(nf);
}

const struct localio_rs_shim_ops localio_rs_shim_ops = {
	.version	= LOCALIO_RS_SHIM_VERSION,
	.open		= shim_open,
	.check		= shim_check,
	.serving	= shim_serving,
	.write_verifier	= shim_write_verifier,
	.write_failed	= shim_write_failed,
	.release	= shim_release,
};
EXPORT_SYMBOL_GPL(localio_rs_shim_ops);
