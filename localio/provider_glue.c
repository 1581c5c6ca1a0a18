// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the LOCALIO client: registers with nfs.ko as the LOCALIO
 * provider, hands each offered request and each departing nfs_client to
 * the Rust client, ticks the file cache's reaper, and publishes the
 * counters in debugfs (<debugfs>/localio_rs/stats).
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_xdr.h>
#include <linux/nfslocalio.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "glue.h"

static struct dentry *localio_rs_debugfs;

/*
 * How often cached files are checked: idle ones are closed, and so are all
 * of a server whose nfsd is shutting down, which waits for them.
 */
#define LOCALIO_RS_REAP_INTERVAL HZ

static void reap_tick(struct work_struct *work);
static DECLARE_DELAYED_WORK(localio_rs_reaper, reap_tick);

static void reap_tick(struct work_struct *work)
{
	localio_rs_reap();
	schedule_delayed_work(&localio_rs_reaper, LOCALIO_RS_REAP_INTERVAL);
}

static void localio_rs_client_release(struct nfs_client *clp)
{
	localio_rs_client_gone(clp);
}

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
	.client_release = localio_rs_client_release,
	.pgio	= localio_rs_pgio,
	.commit	= localio_rs_commit,
};

/* The Rust side formats into a flat buffer: grow it until all fits. */
static int stats_show(struct seq_file *m, void *unused)
{
	size_t size = PAGE_SIZE;
	ssize_t len;
	char *buf;

	for (;;) {
		buf = kvmalloc(size, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		len = localio_rs_format_stats(buf, size);
		if (len != -EOVERFLOW || size >= SZ_4M)
			break;
		kvfree(buf);
		size *= 2;
	}
	if (len >= 0)
		seq_write(m, buf, len);
	kvfree(buf);
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
	if (ret) {
		debugfs_remove(localio_rs_debugfs);
		return ret;
	}
	schedule_delayed_work(&localio_rs_reaper, LOCALIO_RS_REAP_INTERVAL);
	return 0;
}

/* After this, nothing calls into the Rust client from nfs.ko or a timer. */
void localio_rs_glue_unregister(void)
{
	nfs_localio_unregister_provider(&localio_rs_provider);
	cancel_delayed_work_sync(&localio_rs_reaper);
	debugfs_remove(localio_rs_debugfs);
}
