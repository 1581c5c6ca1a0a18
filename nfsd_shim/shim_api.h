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
#include <linux/uidgid.h>

struct cred;
struct file;
struct nfs_client;
struct nfs_fh;
struct nfsd_file;

#define LOCALIO_RS_SHIM_VERSION 3

/*
 * What nfsd's decision to open a file rested on, as the shim saw it when
 * the open succeeded. The client keeps it with the file and hands it back
 * to check(); only the shim looks inside.
 */
struct localio_rs_grant {
	u64 export_gen;		/* nfsd's export generation, read before */
	const void *acl;	/* the inode's cached access ACL */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	unsigned int flags;	/* S_IMMUTABLE and S_APPEND */
};

/* What open() hands back besides the nfsd_file. */
struct localio_rs_opened {
	struct file *file;	/* the exported file, owned by the nfsd_file */
	struct net *net;	/* nfsd's net; pinned while the nfsd_file lives */
	u32 dio_mem;		/* direct I/O alignment; 0 and 0: none */
	u32 dio_offset;
	struct localio_rs_grant grant;
};

struct localio_rs_shim_ops {
	u32 version;
	/*
	 * Opens @fh through nfsd as @cred would over the wire, so export
	 * options, squashing and permissions are nfsd's decisions. Returns
	 * an nfsd_file holding a reference on nfsd's net, or an ERR_PTR
	 * (-ENXIO when nfsd is not running for this client's server,
	 * -ESTALE when the file has been unlinked on the server).
	 */
	struct nfsd_file *(*open)(struct nfs_client *clp,
				  const struct cred *cred,
				  const struct nfs_fh *fh, fmode_t mode,
				  struct localio_rs_opened *opened);
	/*
	 * Whether @opened, open for @mode, may serve the next request as
	 * it is: 0 if nothing nfsd based the open on has changed since;
	 * -ESTALE if something has (export table, owner, mode, ACL, the
	 * file unlinked): open it through nfsd again. With @for_request,
	 * also -EAGAIN if a lease or delegation on the file has to be broken
	 * first, as nfsd's open would: send the request to nfsd, which
	 * answers with NFS4ERR_DELAY/JUKEBOX meanwhile. That part may sleep;
	 * without @for_request (the client's reaper) this never sleeps.
	 */
	int (*check)(const struct localio_rs_opened *opened, fmode_t mode,
		     bool for_request);
	/*
	 * Whether nfsd still serves @net, which an open nfsd_file pins. Once
	 * it says no, nfsd is shutting down and waits for every nfsd_file
	 * the client holds: release them.
	 */
	bool (*serving)(struct net *net);
	/* The write verifier nfsd's replies carry now (8 bytes at @verf). */
	void (*write_verifier)(struct net *net, u8 *verf);
	/* A local write or commit failed with @err: as nfsd does for its own. */
	void (*write_failed)(struct net *net, int err);
	/* Drops what open() returned, and the net reference with it. */
	void (*release)(struct nfsd_file *nf);
};

extern const struct localio_rs_shim_ops localio_rs_shim_ops;

#endif /* LOCALIO_RS_SHIM_API_H */
