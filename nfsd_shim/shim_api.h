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

#define LOCALIO_RS_SHIM_VERSION 2

/* What open() hands back besides the nfsd_file. */
struct localio_rs_opened {
	struct file *file;	/* the exported file, owned by the nfsd_file */
	struct net *net;	/* nfsd's net; pinned while the nfsd_file lives */
	u32 dio_mem;		/* direct I/O alignment; 0 and 0: none */
	u32 dio_offset;
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
				  struct localio_rs_opened *opened);
	/*
	 * Whether nfsd still serves @net, which an open nfsd_file pins. Once
	 * it says no, nfsd is shutting down and waits for every nfsd_file
	 * the client holds: release them.
	 */
	bool (*serving)(struct net *net);
	/* Drops what open() returned, and the net reference with it. */
	void (*release)(struct nfsd_file *nf);
};

extern const struct localio_rs_shim_ops localio_rs_shim_ops;

#endif /* LOCALIO_RS_SHIM_API_H */
