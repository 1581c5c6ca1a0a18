// SPDX-License-Identifier: GPL-2.0

//! The client's abstractions over C: nfs.ko's provider hooks and request
//! structures, the lower filesystem's direct I/O, credentials, the nfsd
//! shim, debugfs, per-CPU counters, RCU slots. Shaped as a future
//! `kernel::nfs` would be: each file one concept, each type documenting
//! its invariants, and every `unsafe` of the client module here (or in
//! `../../workqueue/`), so the logic in `client.rs`, `clients.rs` and `policy.rs` is safe Rust.

pub(crate) mod bindings;
pub(crate) mod bounce;
pub(crate) mod cred;
pub(crate) mod debugfs;
pub(crate) mod direct;
pub(crate) mod file;
pub(crate) mod handoff;
pub(crate) mod local_io;
pub(crate) mod module_ref;
pub(crate) mod percpu;
pub(crate) mod provider;
pub(crate) mod rcu;
pub(crate) mod request;
pub(crate) mod shim;
#[path = "../../shim_api/mod.rs"]
pub(crate) mod shim_api;
pub(crate) mod trace;
