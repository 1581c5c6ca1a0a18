// SPDX-License-Identifier: GPL-2.0

//! The kernel layer the client stands on, as rnull.rs stands on
//! rust/kernel: nfs.ko's provider hooks and request structures, the
//! exported file's direct and buffered I/O, credentials, the nfsd shim,
//! tasks and workqueues, debugfs, trace events, per-CPU cells, RCU slots.
//! Each file is one concept and documents its types' invariants; every
//! `unsafe` of the client module is here, and nothing here imports the
//! driver's logic above it. `pages.rs`, `hash.rs` and `submitter.rs` are
//! plain `core`, so the host tests compile them too.

pub(crate) mod bindings;
pub(crate) mod bounce;
pub(crate) mod clock;
pub(crate) mod cred;
pub(crate) mod debugfs;
pub(crate) mod direct;
pub(crate) mod file;
pub(crate) mod handoff;
pub mod hash;
pub(crate) mod local_io;
pub(crate) mod module_ref;
pub mod pages;
pub(crate) mod percpu;
pub(crate) mod provider;
pub(crate) mod rcu;
pub(crate) mod request;
pub(crate) mod shim;
#[path = "../../shim_api/mod.rs"]
pub(crate) mod shim_api;
pub mod submitter;
pub(crate) mod task;
pub(crate) mod trace;
pub(crate) mod workqueue;
