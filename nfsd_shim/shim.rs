// SPDX-License-Identifier: GPL-2.0

//! NFS LOCALIO provider, server side: the nfsd shim.
//!
//! The one module of this project that will know nfsd's LOCALIO operations
//! (`nfs_to` in nfs_common): opening a file by filehandle through nfsd, so
//! that export options, root squash and permissions stay nfsd's decisions,
//! and handing the client a small, versioned interface to it. The client
//! never calls into nfsd directly. It loads independently of the client
//! module; the client treats an absent shim as "serve everything by RPC".

use kernel::prelude::*;

module! {
    type: NfsdShim,
    name: "localio_rs_nfsd_shim",
    author: "nfs-localio-rs developers",
    description: "NFS LOCALIO provider: nfsd shim (Rust)",
    license: "GPL",
}

struct NfsdShim;

impl kernel::Module for NfsdShim {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(NfsdShim)
    }
}
