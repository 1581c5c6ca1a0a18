// SPDX-License-Identifier: GPL-2.0

//! Who finishes an asynchronous I/O: the task that submitted it, or its
//! `ki_complete`.
//!
//! A filesystem may call `ki_complete` before its `->read_iter` or
//! `->write_iter` has returned (a RAM disk, or a fast device, completes
//! the bio inside `submit_bio()`), or long after, from interrupt context.
//! A [`Handoff`] settles with one compare-and-exchange on each side which
//! of the two owns the I/O afterwards: the submitter, while its call has
//! not returned (it then finishes the I/O in place, with no queue hop),
//! else the completion. Whoever loses the exchange owns nothing.

use core::sync::atomic::{AtomicIsize, AtomicU8, Ordering};

/// Not yet handed to the filesystem.
const QUEUED: u8 = 0;
/// Inside `->read_iter`/`->write_iter`: a `ki_complete` now leaves the
/// I/O to the submitter, which finishes it when the call returns.
const SUBMITTING: u8 = 1;
/// The call returned `-EIOCBQUEUED` first: `ki_complete` owns the I/O.
const SUBMITTED: u8 = 2;
/// `ki_complete` ran; `result` holds its result.
const COMPLETED: u8 = 3;

/// The state an asynchronous I/O's submitter and completion share.
pub(crate) struct Handoff {
    state: AtomicU8,
    result: AtomicIsize,
}

impl Handoff {
    /// Not yet submitted.
    pub(crate) const fn new() -> Self {
        Self {
            state: AtomicU8::new(QUEUED),
            result: AtomicIsize::new(0),
        }
    }

    /// The submitter is about to call the filesystem.
    pub(crate) fn submitting(&self) {
        self.state.store(SUBMITTING, Ordering::Relaxed);
    }

    /// The call returned `-EIOCBQUEUED`: `Ok` if the I/O is now the
    /// completion's, or the completion's result if it ran within the call
    /// and left the I/O to the submitter.
    pub(crate) fn submitted(&self) -> Result<(), isize> {
        match self.state.compare_exchange(
            SUBMITTING,
            SUBMITTED,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(()),
            Err(_) => Err(self.result.load(Ordering::Relaxed)),
        }
    }

    /// `ki_complete` with `result`: whether the completion now owns the
    /// I/O (the call had returned), rather than its submitter.
    pub(crate) fn completed(&self, result: isize) -> bool {
        self.result.store(result, Ordering::Relaxed);
        if self
            .state
            .compare_exchange(SUBMITTING, COMPLETED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return false;
        }
        self.state.store(COMPLETED, Ordering::Relaxed);
        true
    }

    /// The completion's result, once it ran (for the worker that finishes
    /// a completed I/O or else submits it).
    pub(crate) fn result(&self) -> Option<isize> {
        (self.state.load(Ordering::Acquire) == COMPLETED)
            .then(|| self.result.load(Ordering::Relaxed))
    }
}
