// SPDX-License-Identifier: GPL-2.0

//! The client's trace events (`trace.h`, system `localio_rs`): a request's
//! offer, decline or acceptance, submission and completion, the file
//! cache's opens and releases, and handshakes. 6.12 has no Rust
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

/// A READ, WRITE or COMMIT offered.
pub(crate) fn offer(who: &Who<'_>, kind: &str, offset: u64, count: u32) {
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

/// The C helper of an outcome event: decline or accept.
type OutcomeEvent =
    unsafe extern "C" fn(*const b::nfs_client, u64, *const u8, u32, u64, u32, u32, *const u8, u32);

/// Fires `event` for the request `who`, `kind`, `offset`, `count`.
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
    // SAFETY: As in `offer`, and `what` is `what_len` bytes.
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

/// An offered request left to nfsd, for `reason`.
pub(crate) fn decline(who: &Who<'_>, kind: &str, offset: u64, count: u32, reason: &str) {
    outcome(
        b::localio_rs_trace_decline,
        who,
        kind,
        (offset, count),
        0,
        reason,
    );
}

/// An offered request taken, `served` bytes of it, to be submitted by
/// `path` (`inline`, or why it is queued).
pub(crate) fn accept(who: &Who<'_>, kind: &str, offset: u64, count: u32, served: u32, path: &str) {
    outcome(
        b::localio_rs_trace_accept,
        who,
        kind,
        (offset, count),
        served,
        path,
    );
}

/// The I/O of a taken request going to `file`, from a worker (`queued`) or
/// the task that offered it.
pub(crate) fn submit(file: &LowerFile<'_>, kind: &str, offset: u64, served: u32, queued: bool) {
    let (kind, kind_len) = name(kind);
    // SAFETY: `file` is open (`LowerFile`); `kind` is `kind_len` bytes.
    unsafe { b::localio_rs_trace_submit(file.as_ptr(), kind, kind_len, offset, served, queued) }
}

/// Whether the completion event is on, so that the offer's time is worth
/// taking.
pub(crate) fn complete_enabled() -> bool {
    // SAFETY: Reads the event's static key.
    unsafe { b::localio_rs_trace_complete_enabled() }
}

/// When a request starts, for its completion event: now, or 0 while that
/// event is off (no clock read per request then).
pub(crate) fn started() -> u64 {
    match complete_enabled() {
        true => super::clock::now_ns(),
        false => 0,
    }
}

/// Nanoseconds since `at`, a [`started`] reading (0: none).
pub(crate) fn elapsed_since(at: u64) -> u64 {
    match at {
        0 => 0,
        at => super::clock::now_ns().saturating_sub(at),
    }
}

/// The exported filesystem's `result` for a taken request, `ns` after its
/// offer (0: not measured).
pub(crate) fn complete(
    file: &LowerFile<'_>,
    kind: &str,
    offset: u64,
    served: u32,
    result: i64,
    ns: u64,
) {
    let (kind, kind_len) = name(kind);
    // SAFETY: As in `submit`.
    unsafe {
        b::localio_rs_trace_complete(file.as_ptr(), kind, kind_len, offset, served, result, ns)
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
