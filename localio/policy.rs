// SPDX-License-Identifier: GPL-2.0

//! Decision logic of the LOCALIO client, free of kernel dependencies.
//!
//! Everything here is plain `core` Rust so that it builds both inside the
//! module and on the host, where `cargo test` (tests/host) checks it in
//! seconds without a VM.

use core::sync::atomic::{AtomicU64, Ordering};

/// The kind of NFS request nfs.ko offers to the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A READ pageio header.
    Read,
    /// A WRITE pageio header.
    Write,
    /// A COMMIT.
    Commit,
}

impl RequestKind {
    /// All kinds, in the order the counters are reported.
    pub const ALL: [RequestKind; 3] = [RequestKind::Read, RequestKind::Write, RequestKind::Commit];

    /// Name used in the statistics file.
    pub const fn name(self) -> &'static str {
        match self {
            RequestKind::Read => "read",
            RequestKind::Write => "write",
            RequestKind::Commit => "commit",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Why a request went out as a normal RPC instead of being served locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclineReason {
    /// This build has no local data path yet: everything goes over RPC.
    NoLocalPath,
}

impl DeclineReason {
    /// All reasons, in the order the counters are reported.
    pub const ALL: [DeclineReason; 1] = [DeclineReason::NoLocalPath];

    /// Name used in the statistics file.
    pub const fn name(self) -> &'static str {
        match self {
            DeclineReason::NoLocalPath => "no_local_path",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// What the provider does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send it as a normal RPC, for this reason.
    Decline(DeclineReason),
}

/// Decides what to do with an offered request.
pub fn decide(_kind: RequestKind, _bytes: u64) -> Decision {
    Decision::Decline(DeclineReason::NoLocalPath)
}

const KINDS: usize = RequestKind::ALL.len();
const REASONS: usize = DeclineReason::ALL.len();

/// Request accounting, updated concurrently by every offer.
///
/// Counters only grow; readers see each counter's own latest value, not a
/// consistent snapshot across counters.
pub struct Counters {
    offered: [AtomicU64; KINDS],
    offered_bytes: [AtomicU64; KINDS],
    declined: [AtomicU64; REASONS],
}

impl Counters {
    /// All counters at zero.
    pub const fn new() -> Self {
        const ZERO: AtomicU64 = AtomicU64::new(0);
        Self {
            offered: [ZERO; KINDS],
            offered_bytes: [ZERO; KINDS],
            declined: [ZERO; REASONS],
        }
    }

    /// Accounts one offered request of `bytes` and what was decided for it.
    pub fn record(&self, kind: RequestKind, bytes: u64, decision: Decision) {
        self.offered[kind.index()].fetch_add(1, Ordering::Relaxed);
        self.offered_bytes[kind.index()].fetch_add(bytes, Ordering::Relaxed);
        match decision {
            Decision::Decline(reason) => {
                self.declined[reason.index()].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Requests of `kind` offered so far.
    pub fn offered(&self, kind: RequestKind) -> u64 {
        self.offered[kind.index()].load(Ordering::Relaxed)
    }

    /// Bytes in requests of `kind` offered so far.
    pub fn offered_bytes(&self, kind: RequestKind) -> u64 {
        self.offered_bytes[kind.index()].load(Ordering::Relaxed)
    }

    /// Requests declined for `reason` so far.
    pub fn declined(&self, reason: DeclineReason) -> u64 {
        self.declined[reason.index()].load(Ordering::Relaxed)
    }
}

impl Default for Counters {
    fn default() -> Self {
        Self::new()
    }
}
