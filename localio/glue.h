/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boundary between the Rust client (client.rs) and the C side of the
 * module (provider_glue.c). C owns what Rust cannot reach in 6.12: the
 * nfs.ko provider registration, NFS structure layouts and debugfs.
 */
#ifndef LOCALIO_RS_GLUE_H
#define LOCALIO_RS_GLUE_H

#include <linux/types.h>

/* Must match `RequestKind` in policy.rs. */
enum localio_rs_kind {
	LOCALIO_RS_READ = 0,
	LOCALIO_RS_WRITE = 1,
	LOCALIO_RS_COMMIT = 2,
};

/* Implemented in C, called from Rust. */
int localio_rs_glue_register(void);
void localio_rs_glue_unregister(void);

/* Implemented in Rust, called from C. */
int localio_rs_offer(u32 kind, u64 bytes);
ssize_t localio_rs_format_stats(char *buf, size_t len);

#endif /* LOCALIO_RS_GLUE_H */
