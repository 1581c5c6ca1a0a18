/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the client's NFS abstractions (localio/sys/) need that 6.12's
 * kernel crate has no bindings for: the NFS client's request and client
 * structures, the LOCALIO provider hooks, sunrpc's task, debugfs.
 */
#include <linux/debugfs.h>
#include <linux/nfs.h>
#include <linux/nfs_common.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_fs_sb.h>
#include <linux/nfs_page.h>
#include <linux/nfs_xdr.h>
#include <linux/nfslocalio.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sunrpc/clnt.h>
#include <linux/sunrpc/sched.h>

#include "helpers.h"

/* Values behind __force casts, which bindgen cannot evaluate. */
const unsigned int LOCALIO_RS_FMODE_READ = (__force unsigned int)FMODE_READ;
const unsigned int LOCALIO_RS_FMODE_WRITE = (__force unsigned int)FMODE_WRITE;
const int LOCALIO_RS_IOCB_DSYNC = IOCB_DSYNC;
const int LOCALIO_RS_IOCB_SYNC = IOCB_SYNC;
const int LOCALIO_RS_IOCB_APPEND = IOCB_APPEND;
const int LOCALIO_RS_RWF_SYNC = (__force int)RWF_SYNC;
const unsigned long LOCALIO_RS_THREAD_SIZE = THREAD_SIZE;
/* Kernel-internal errno (include/linux/errno.h), not in the uapi set. */
const int LOCALIO_RS_EJUKEBOX = EJUKEBOX;
