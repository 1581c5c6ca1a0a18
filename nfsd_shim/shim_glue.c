// SPDX-License-Identifier: GPL-2.0
/*
 * nfsd side of LOCALIO: the one place in this project that calls nfsd's
 * LOCALIO operations (nfs_to, through nfs_common's nfs_open_local_fh()).
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/nfs_fs.h>
#include <linux/nfslocalio.h>
#include <linux/stat.h>

#include "shim_api.h"

static void shim_dio_align(struct file *file, struct localio_rs_dio_align *dio)
{
	struct kstat stat;

	dio->mem = 0;
	dio->offset = 0;
	if (vfs_getattr(&file->f_path, &stat, STATX_DIOALIGN,
			AT_STATX_SYNC_AS_STAT))
		return;
	if (!(stat.result_mask & STATX_DIOALIGN) || !stat.dio_mem_align ||
	    !stat.dio_offset_align)
		return;
	dio->mem = stat.dio_mem_align;
	dio->offset = stat.dio_offset_align;
}

static struct nfsd_file *shim_open(struct nfs_client *clp,
				   const struct cred *cred,
				   const struct nfs_fh *fh, fmode_t mode,
				   struct file **filp,
				   struct localio_rs_dio_align *dio)
{
	struct nfsd_file *nf;

	nf = nfs_open_local_fh(&clp->cl_uuid, clp->cl_rpcclient, cred, fh,
			       mode);
	if (IS_ERR(nf))
		return nf;
	*filp = nfs_to->nfsd_file_file(nf);
	shim_dio_align(*filp, dio);
	return nf;
}

static void shim_release(struct nfsd_file *nf)
{
	nfs_to_nfsd_file_put_local(nf);
}

const struct localio_rs_shim_ops localio_rs_shim_v1 = {
	.version	= LOCALIO_RS_SHIM_VERSION,
	.open		= shim_open,
	.release	= shim_release,
};
EXPORT_SYMBOL_GPL(localio_rs_shim_v1);
