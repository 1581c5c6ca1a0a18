// SPDX-License-Identifier: GPL-2.0
/*
 * nfsd side of LOCALIO: the one place in this project that calls nfsd's
 * LOCALIO operations (nfs_to, set up by nfs_common and nfsd).
 */
#include <linux/fs.h>
#include <linux/module.h>
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

/*
 * nfs_common's nfs_open_local_fh(), except that the caller learns which
 * net the nfsd_file pins, so that it can later ask whether nfsd still
 * serves it (shim_serving()) and let go before nfsd's shutdown waits.
 */
static struct nfsd_file *shim_open(struct nfs_client *clp,
				   const struct cred *cred,
				   const struct nfs_fh *fh, fmode_t mode,
				   struct localio_rs_opened *opened)
{
	nfs_uuid_t *uuid = &clp->cl_uuid;
	struct nfsd_file *nf;
	struct net *net;

	rcu_read_lock();
	net = rcu_dereference(uuid->net);
	if (!net || !nfs_to->nfsd_net_try_get(net)) {
		rcu_read_unlock();
		return ERR_PTR(-ENXIO);
	}
	rcu_read_unlock();
	/* nfsd_net_try_get() pins the net until nfs_to_nfsd_net_put() */
	nf = nfs_to->nfsd_open_local_fh(net, uuid->dom, clp->cl_rpcclient,
					cred, fh, mode);
	if (IS_ERR(nf)) {
		nfs_to_nfsd_net_put(net);
		return nf;
	}
	opened->file = nfs_to->nfsd_file_file(nf);
	opened->net = net;
	shim_dio_align(opened->file, opened);
	return nf;
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

static void shim_release(struct nfsd_file *nf)
{
	nfs_to_nfsd_file_put_local(nf);
}

const struct localio_rs_shim_ops localio_rs_shim_ops = {
	.version	= LOCALIO_RS_SHIM_VERSION,
	.open		= shim_open,
	.serving	= shim_serving,
	.release	= shim_release,
};
EXPORT_SYMBOL_GPL(localio_rs_shim_ops);
