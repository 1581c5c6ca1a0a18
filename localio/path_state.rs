// SPDX-License-Identifier: GPL-2.0

//! How LOCALIO last fared for one NFS client (the kernel log and the
//! mount's `localio:` line say it), and the rate of the handshakes redone
//! for it.

use crate::outcome::DeclineReason;

/// How LOCALIO last fared for one NFS client, as far as the client as a
/// whole is concerned. The kernel log says so each time it changes, once
/// per change, not per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PathState {
    /// Nothing offered yet.
    Unknown = 0,
    /// Requests are served locally.
    Local = 1,
    /// The LOCALIO handshake does not find the server in this kernel.
    NotLocal = 2,
    /// The nfsd shim module is not loaded.
    NoShim = 3,
    /// nfsd is in this kernel but not serving.
    NfsdDown = 4,
    /// nfs.ko's `localio_enabled` parameter is off.
    Disabled = 5,
}

impl PathState {
    /// The state with code `code` (as stored by [`PathState::code`]).
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => PathState::Local,
            2 => PathState::NotLocal,
            3 => PathState::NoShim,
            4 => PathState::NfsdDown,
            5 => PathState::Disabled,
            _ => PathState::Unknown,
        }
    }

    /// The code to store in an atomic.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The state a request's outcome shows, or `None` when the outcome is
    /// about that request only (alignment, permissions, memory, ...).
    pub fn shown_by(outcome: Result<(), DeclineReason>) -> Option<Self> {
        match outcome {
            Ok(()) => Some(PathState::Local),
            Err(DeclineReason::NotLocal) => Some(PathState::NotLocal),
            Err(DeclineReason::NoShim) => Some(PathState::NoShim),
            Err(DeclineReason::NfsdDown) => Some(PathState::NfsdDown),
            Err(DeclineReason::Disabled) => Some(PathState::Disabled),
            Err(_) => None,
        }
    }

    /// Whether LOCALIO is in use in this state.
    pub const fn is_local(self) -> bool {
        matches!(self, PathState::Local)
    }

    /// Its name, for the mount's `localio:` line in mountstats.
    pub const fn name(self) -> &'static str {
        match self {
            PathState::Unknown => "no_io_yet",
            PathState::Local => "local",
            PathState::NotLocal => "not_local",
            PathState::NoShim => "no_shim",
            PathState::NfsdDown => "nfsd_down",
            PathState::Disabled => "disabled",
        }
    }

    /// What a mount's `localio:` line says of its client: whether its I/O
    /// is served locally now (`yes`, `no`, or `unknown` before its first
    /// request) and, when not `yes`, the state that says why. nfs.ko's own
    /// view (the handshake found nfsd here; LOCALIO not turned off) comes
    /// first: our last outcome may be older than a handshake redone since.
    pub fn for_mount(
        handshake_local: bool,
        enabled: bool,
        last: PathState,
    ) -> (&'static str, Self) {
        let now = match (handshake_local, enabled) {
            (false, _) => PathState::NotLocal,
            (true, false) => PathState::Disabled,
            (true, true) => last,
        };
        let local = match now {
            PathState::Local => "yes",
            PathState::Unknown => "unknown",
            _ => "no",
        };
        (local, now)
    }

    /// Why, for the kernel log.
    pub const fn why(self) -> &'static str {
        match self {
            PathState::Unknown => "no request seen yet",
            PathState::Local => "nfsd is in this kernel",
            PathState::NotLocal => "the LOCALIO handshake does not find the server in this kernel",
            PathState::NoShim => "localio_rs_nfsd_shim is not loaded",
            PathState::NfsdDown => "nfsd is not serving (stopped or restarting)",
            PathState::Disabled => "nfs.localio_enabled is off",
        }
    }
}

/// Whether a rate-limited action last taken at `last` (nanoseconds,
/// monotonic; 0: never) may be taken again at `now`, `interval` later.
pub fn due(last: u64, now: u64, interval: u64) -> bool {
    last == 0 || now.saturating_sub(last) >= interval
}
