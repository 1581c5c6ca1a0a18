// SPDX-License-Identifier: GPL-2.0

//! The client's trace events (`trace.h`, system `localio_rs`): a request's
//! offer, decline or acceptance, submission and completion ([`Events`]),
//! the file cache's opens and releases, and handshakes. 6.12 has no Rust
//! tracepoints; these call the one-line C helpers of `trace.c`, each a call
//! and a patched-out branch while its event is off. Names are passed as
//! `(pointer, length)`: they are the caller's static names.

use super::bindings as b;
use super::file::LowerFile;
use super::request::NfsClient;
use kernel::str::CStr;

/// The client a request is for and its file, as the request events name
/// them (the event reads the server and version off the client).
#[derive(Clone, Copy)]
pub(crate) struct Who<'a> {
    pub(crate) client: &'a NfsClient,
    /// The file's NFS fileid.
    pub(crate) fileid: u64,
}

/// A name's pointer and length, for `__string_len`.
fn name(s: &str) -> (*const u8, u32) {
    (s.as_ptr(), u32::try_from(s.len()).unwrap_or(0))
}

/// The events of one request (offer, decline or accept, submit,
/// complete), on or off as decided once at its offer, with one call: a
/// request pays that call while tracing is off, its events each a branch.
/// An event turned on meanwhile starts with the next request.
#[derive(Clone, Copy)]
pub(crate) struct Events {
    on: bool,
    /// When it was offered, if the completion event was on then (else 0:
    /// no clock read).
    offered_ns: u64,
}

impl Events {
    /// A request's events, from its offer on.
    pub(crate) fn start() -> Self {
        // SAFETY: Reads the events' static keys.
        let on = unsafe { b::localio_rs_trace_requests_enabled() };
        // SAFETY: As above.
        let offered_ns = match on && unsafe { b::localio_rs_trace_complete_enabled() } {
            true => super::clock::now_ns(),
            false => 0,
        };
        Self { on, offered_ns }
    }

    /// The request, a READ, WRITE or COMMIT, offered.
    pub(crate) fn offer(&self, who: &Who<'_>, kind: &str, offset: u64, count: u32) {
        if !self.on {
            return;
        }
        let (kind, kind_len) = name(kind);
        // SAFETY: The client is alive for `who`'s borrow and `kind` is
        // `kind_len` bytes, both for the call, which copies what it keeps.
        unsafe {
            b::localio_rs_trace_offer(
                who.client.as_raw(),
                who.fileid,
                kind,
                kind_len,
                offset,
                count,
            )
        }
    }

    /// The offered request left to nfsd, for `reason`.
    pub(crate) fn decline(&self, who: &Who<'_>, kind: &str, range: (u64, u32), reason: &str) {
        if self.on {
            outcome(b::localio_rs_trace_decline, who, kind, range, 0, reason);
        }
    }

    /// The offered request taken, `served` bytes of it, to be submitted by
    /// `path` (`inline`, or why it is queued).
    pub(crate) fn accept(
        &self,
        who: &Who<'_>,
        kind: &str,
        range: (u64, u32),
        served: u32,
        path: &str,
    ) {
        if self.on {
            outcome(b::localio_rs_trace_accept, who, kind, range, served, path);
        }
    }

    /// Its I/O going to `file`, from a worker (`queued`) or the task that
    /// offered it.
    pub(crate) fn submit(
        &self,
        file: &LowerFile<'_>,
        kind: &str,
        offset: u64,
        served: u32,
        queued: bool,
    ) {
        if !self.on {
            return;
        }
        let (kind, kind_len) = name(kind);
        // SAFETY: `file` is open (`LowerFile`); `kind` is `kind_len` bytes.
        unsafe { b::localio_rs_trace_submit(file.as_ptr(), kind, kind_len, offset, served, queued) }
    }

    /// The exported filesystem's `result` for it, with the time since its
    /// offer (0: not measured).
    pub(crate) fn complete(
        &self,
        file: &LowerFile<'_>,
        kind: &str,
        offset: u64,
        served: u32,
        result: i64,
    ) {
        if !self.on {
            return;
        }
        let ns = match self.offered_ns {
            0 => 0,
            at => super::clock::now_ns().saturating_sub(at),
        };
        let (kind, kind_len) = name(kind);
        // SAFETY: As in `submit`.
        unsafe {
            b::localio_rs_trace_complete(file.as_ptr(), kind, kind_len, offset, served, result, ns)
        }
    }
}

/// The C helper of an outcome event: decline or accept.
type OutcomeEvent =
    unsafe extern "C" fn(*const b::nfs_client, u64, *const u8, u32, u64, u32, u32, *const u8, u32);

/// Fires `event` for the request `who`, `kind`, `range` (offset, count).
fn outcome(
    event: OutcomeEvent,
    who: &Who<'_>,
    kind: &str,
    range: (u64, u32),
    served: u32,
    what: &str,
) {
    let (kind, kind_len) = name(kind);
    let (what, what_len) = name(what);
    // SAFETY: The client is alive for `who`'s borrow, `kind` and `what`
    // their lengths, all for the call, which copies what it keeps.
    unsafe {
        event(
            who.client.as_raw(),
            who.fileid,
            kind,
            kind_len,
            range.0,
            range.1,
            served,
            what,
            what_len,
        )
    }
}

/// The file cache's `what` (open, reuse, reopen, release) for `file`, with
/// a release's `reason` (empty otherwise).
pub(crate) fn file(server: &CStr, vers: u32, file: &LowerFile<'_>, what: &str, reason: &str) {
    let (what, what_len) = name(what);
    let (reason, reason_len) = name(reason);
    // SAFETY: `server` is NUL-terminated, `file` open, the names their
    // lengths, all alive for the call.
    unsafe {
        b::localio_rs_trace_file(
            server.as_char_ptr(),
            vers,
            file.as_ptr(),
            what,
            what_len,
            reason,
            reason_len,
        )
    }
}

/// A handshake redone with `server`, and whether it found nfsd here.
pub(crate) fn handshake(server: &CStr, vers: u32, local: bool) {
    // SAFETY: `server` is NUL-terminated and alive for the call.
    unsafe { b::localio_rs_trace_handshake(server.as_char_ptr(), vers, local) }
}
