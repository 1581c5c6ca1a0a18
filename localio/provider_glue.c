// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the LOCALIO client: registers with nfs.ko as the LOCALIO
 * provider, hands each offered request to the Rust client, and publishes
 * the counters in debugfs (<debugfs>/localio_rs/stats).
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_xdr.h>
#include <linux/nfslocalio.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "glue.h"

static struct dentry *localio_rs_debugfs;

static int localio_rs_pgio(struct nfs_pgio_header *hdr,
			   const struct rpc_call_ops *call_ops, int how)
{
	u32 kind = (hdr->rw_mode & FMODE_WRITE) ? LOCALIO_RS_WRITE :
						  LOCALIO_RS_READ;

	return localio_rs_offer(hdr, kind, call_ops, false);
}

static int localio_rs_commit(struct nfs_commit_data *data,
			     const struct rpc_call_ops *call_ops, int how)
{
	return localio_rs_offer(data, LOCALIO_RS_COMMIT, call_ops,
				how & FLUSH_SYNC);
}

static const struct nfs_localio_provider localio_rs_provider = {
	.owner	= THIS_MODULE,
	.name	= KBUILD_MODNAME,
	.pgio	= localio_rs_pgio,
	.commit	= localio_rs_commit,
};

static int stats_show(struct seq_file *m, void *unused)
{
	size_t size = 4096;
	char *buf = kmalloc(size, GFP_KERNEL);
	ssize_t len;

	if (!buf)
		return -ENOMEM;
	len = localio_rs_format_stats(buf, size);
	if (len >= 0)
		seq_write(m, buf, len);
	kfree(buf);
	return len < 0 ? len : 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

int localio_rs_glue_register(void)
{
	int ret;

	localio_rs_debugfs = debugfs_create_dir("localio_rs", NULL);
	debugfs_create_file("stats", 0444, localio_rs_debugfs, NULL,
			    &stats_fops);
	ret = nfs_localio_register_provider(&localio_rs_provider);
	if (ret)
		debugfs_remove(localio_rs_debugfs);
	return ret;
}

void localio_rs_glue_unregister(void)
{
	nfs_localio_unregister_provider(&localio_rs_provider);
	debugfs_remove(localio_rs_debugfs);
}
