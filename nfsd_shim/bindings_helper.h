/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the nfsd shim needs that 6.12's kernel crate has no bindings for:
 * nfs_common's LOCALIO operations (nfs_to) and the client structures the
 * open goes through (nfs_client, its nfs_uuid_t, nfs_fh). nfs_fs.h comes
 * before nfs_fs_sb.h, which needs what it includes.
 */
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/nfs.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_fs_sb.h>
#include <linux/nfslocalio.h>
#include <linux/sunrpc/clnt.h>

/* A macro with a cast, which bindgen cannot evaluate, as a constant. */
const fmode_t LOCALIO_RS_SHIM_FMODE_WRITE = FMODE_WRITE;
