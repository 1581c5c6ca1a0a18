/* SPDX-License-Identifier: GPL-2.0 */
/* The table shim.rs defines (layout: shim_api/mod.rs), for helpers.c. */
#ifndef LOCALIO_RS_SHIM_HELPERS_H
#define LOCALIO_RS_SHIM_HELPERS_H

struct localio_rs_shim_ops;
extern const struct localio_rs_shim_ops localio_rs_shim_ops;

#endif /* LOCALIO_RS_SHIM_HELPERS_H */
