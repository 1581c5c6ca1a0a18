// SPDX-License-Identifier: GPL-2.0

//! The kernel layer the client stands on, as rnull.rs stands on
//! rust/kernel: every `unsafe` of the client module is here, each file one
//! concept documenting its types' invariants, and nothing here imports the
//! driver's logic above it. `pages.rs`, `hash.rs`, `file_key.rs` and
//! `submitter.rs` are plain `core`, so the host tests compile them too.

// nfs.ko: the provider hooks, the requests they offer, and the I/O that
// serves them on the exported file.
pub(crate) mod direct;
pub(crate) mod local_io;
pub(crate) mod provider;
pub(crate) mod request;

// nfsd, through the shim module's table.
pub(crate) mod shim;
#[path = "../../shim_api/mod.rs"]
pub(crate) mod shim_api;

// The exported file and the memory its I/O moves.
pub(crate) mod bounce;
pub(crate) mod cred;
pub(crate) mod file;
pub mod pages;

// Who runs what: tasks, workqueues, the clock.
pub(crate) mod clock;
pub mod submitter;
pub(crate) mod task;
pub(crate) mod workqueue;

// Sharing between CPUs and between a submitter and its completion.
pub mod file_key;
pub(crate) mod handoff;
pub mod hash;
pub(crate) mod percpu;
pub(crate) mod rcu;

// The module itself: its references, debugfs, trace events, bindings.
pub(crate) mod bindings;
pub(crate) mod debugfs;
pub(crate) mod module_ref;
pub(crate) mod trace;
