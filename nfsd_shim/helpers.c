// SPDX-License-Identifier: GPL-2.0
/*
 * What the Rust of this module cannot reach through bindgen: static inlines,
 * wrapped one line each as rust/helpers/ does (declared to Rust in nfsd.rs),
 * and the export of the table shim.rs defines.
 */
#include <linux/filelock.h>
#include <linux/module.h>
#include <linux/nfslocalio.h>
#include <linux/posix_acl.h>
#include <linux/rcupdate.h>
#include <linux/sunrpc/svcauth.h>

#include "helpers.h"

void localio_rs_shim_rcu_read_lock(void) { rcu_read_lock(); }
void localio_rs_shim_rcu_read_unlock(void) { rcu_read_unlock(); }

bool localio_rs_shim_auth_domain_tryget(struct auth_domain *dom)
{
	return kref_get_unless_zero(&dom->ref);
}

int localio_rs_shim_break_lease(struct inode *inode, unsigned int mode)
{
	return break_lease(inode, mode);
}

void *localio_rs_shim_get_cached_acl(struct inode *inode)
{
	return IS_ENABLED(CONFIG_FS_POSIX_ACL) ? get_cached_acl(inode, ACL_TYPE_ACCESS) : NULL;
}

void localio_rs_shim_put_acl(void *acl)
{
	if (acl && !is_uncached_acl(acl))
		posix_acl_release(acl);
}

void localio_rs_shim_nfsd_net_put(struct net *net)
{
	nfs_to_nfsd_net_put(net);
}

void localio_rs_shim_nfsd_file_put_local(struct nfsd_file *nf)
{
	nfs_to_nfsd_file_put_local(nf);
}

/* 6.12 gives a Rust module no way to export a symbol itself. */
EXPORT_SYMBOL_GPL(localio_rs_shim_ops);
