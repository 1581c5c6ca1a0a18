// SPDX-License-Identifier: GPL-2.0

//! A READ, WRITE or COMMIT taken from nfs.ko's pageio path, from its
//! acceptance (`offer.rs`) to its reply: the [`Job`] a [`LocalIo`] runs
//! for, and its end, which completes the NFS request as nfsd's reply
//! would have.

use crate::clients::{Client, FileInUse};
use crate::outcome::RequestKind;
use crate::reply;
use crate::sys::file::LowerFile;
use crate::sys::local_io::{IoJob, LocalIo};
use crate::sys::request::{CommitRequest, Pages, ReadRequest, Stable, Verifier, WriteRequest};
use crate::sys::trace;
use core::pin::Pin;
use kernel::{prelude::*, sync::Arc};

/// A request taken from nfs.ko, by kind.
pub(crate) enum NfsRequest {
    Read(ReadRequest),
    Write(WriteRequest),
    Commit(CommitRequest),
}

/// One accepted request on its way through a [`LocalIo`].
pub(crate) struct Job {
    pub(crate) request: NfsRequest,
    /// Bytes served here; nfs.ko sends the rest of a READ or WRITE.
    pub(crate) served: u32,
    /// For a WRITE: nfsd's verifier when it was taken, and what it
    /// promises once done.
    pub(crate) written: (Verifier, Stable),
    /// The file, kept open (and busy) until the request is done.
    pub(crate) file: FileInUse,
    pub(crate) client: Arc<Client>,
    /// Where the I/O starts in the file (for a COMMIT, its range's start).
    pub(crate) offset: u64,
    /// Its trace events.
    pub(crate) events: trace::Events,
}

impl Job {
    pub(crate) fn kind(&self) -> RequestKind {
        match self.request {
            NfsRequest::Read(_) => RequestKind::Read,
            NfsRequest::Write(_) => RequestKind::Write,
            NfsRequest::Commit(_) => RequestKind::Commit,
        }
    }
}

impl IoJob for Job {
    fn pages(&self) -> Pages<'_> {
        match &self.request {
            NfsRequest::Read(request) => request.pages(),
            NfsRequest::Write(request) => request.pages(),
            NfsRequest::Commit(_) => Pages::NONE,
        }
    }

    fn file(&self) -> LowerFile<'_> {
        self.file.lower_file()
    }

    fn submitting(&self, queued: bool) {
        let kind = self.kind().name();
        self.events.submit(
            &self.file.lower_file(),
            kind,
            self.offset,
            self.served,
            queued,
        );
    }

    fn write_as_nfsd(&self, result: isize) -> bool {
        reply::write_as_nfsd(result as i64)
    }

    fn buffered(&self, bytes: isize) {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        self.client.count(|c| c.buffer(bytes));
    }

    fn done(io: Pin<KBox<LocalIo<Self>>>, result: isize, inline: bool) {
        let result = result as i64;
        let kind = io.job().kind();
        io.job().client.count(|c| c.complete(kind, result, inline));
        let job = LocalIo::into_job(io, result as isize);
        let lower = job.file.lower_file();
        job.events
            .complete(&lower, kind.name(), job.offset, job.served, result);
        match job.request {
            NfsRequest::Read(request) => {
                let (offset, _, _) = request.range();
                let got = u64::try_from(result).unwrap_or(0);
                let eof = reply::read_eof(offset, job.served, got, lower.size());
                let outcome = u64::try_from(result).map_err(|_| reply::client_errno(result));
                request.complete(outcome, eof);
            }
            NfsRequest::Write(request) => {
                reply_write(request, result, job.served, job.written, &job.file)
            }
            NfsRequest::Commit(request) => reply_commit(request, result, &job.file),
        }
    }
}

/// Completes a WRITE whose served part moved `result`, as nfsd replies.
fn reply_write(
    mut request: WriteRequest,
    result: i64,
    served: u32,
    written: (Verifier, Stable),
    file: &FileInUse,
) {
    // nfsd's rule for its own writes: a short one is no failure; nfsd
    // judges the lower filesystem's error itself.
    if result < 0 {
        file.nfsd().write_failed(reply::lower_errno(result));
    }
    // All of the part served here is a complete reply: nfs.ko sends the
    // rest. Short of that part is ENOSPC, as ever.
    let (_, count, _) = request.range();
    let mut status = result;
    if result != i64::from(served) || served == count {
        status = request.short_write_status(result);
    }
    let outcome = u64::try_from(status).map_err(|_| reply::client_errno(status));
    request.complete(outcome, written, &file.lower_file());
}

/// Completes a COMMIT whose sync returned `result`: the verifier after
/// its sync, as nfsd replies.
fn reply_commit(request: CommitRequest, result: i64, file: &FileInUse) {
    let nfsd = file.nfsd();
    let outcome = if result < 0 {
        nfsd.write_failed(reply::lower_errno(result));
        Err(reply::client_errno(result))
    } else {
        Ok(nfsd.write_verifier())
    };
    request.complete(outcome);
}

// One `kmalloc-512` object per pageio request (lockdep's map in the work
// item makes it larger in a debug kernel): what the inline `bio_vec`s are
// sized for.
#[cfg(not(CONFIG_LOCKDEP))]
kernel::static_assert!(core::mem::size_of::<LocalIo<Job>>() <= 512);
