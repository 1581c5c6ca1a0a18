/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface localio_rs_nfsd_shim.ko offers the client module: the only
 * path from our client to nfsd. Versioned: the client looks the table up
 * by name at run time (symbol_get), so the two modules load in either
 * order, and refuses a table whose version it does not know.
 */
#ifndef LOCALIO_RS_SHIM_API_H
#define LOCALIO_RS_SHIM_API_H

#include <linux/types.h>

struct cred;
struct file;
struct nfs_client;
struct nfs_fh;
struct nfsd_file;

#define LOCALIO_RS_SHIM_VERSION 1

/* Direct I/O alignment of an opened file; 0 and 0 when it cannot do it. */
struct localio_rs_dio_align {
	u32 mem;
	u32 offset;
};

struct localio_rs_shim_ops {
	u32 version;
	/*
	 * Opens @fh through nfsd as @cred would over the wire, so export
	 * options, squashing and permissions are nfsd's decisions. Returns
	 * an nfsd_file holding a reference on nfsd's net, or an ERR_PTR
	 * (-ENXIO when nfsd is not running for this client's server).
	 */
	struct nfsd_file *(*open)(struct nfs_client *clp,
				  const struct cred *cred,
				  const struct nfs_fh *fh, fmode_t mode,
				  struct file **filp,
				  struct localio_rs_dio_align *dio);
	/* Drops what open() returned, and the net reference with it. */
	void (*release)(struct nfsd_file *nf);
};

extern const struct localio_rs_shim_ops localio_rs_shim_v1;

#endif /* LOCALIO_RS_SHIM_API_H */
