// SPDX-License-Identifier: GPL-2.0

//! Who finishes an asynchronous I/O: the task that submitted it, or its
//! `ki_complete`.
//!
//! Settled as loop.c settles it (`lo_rw_aio()`): the submission and the
//! completion each hold one of two references to the I/O, and whoever
//! drops the last finishes it. A filesystem may call `ki_complete` before
//! its `->read_iter` or `->write_iter` has returned (a RAM disk, or a fast
//! device, completes the bio inside `submit_bio()`): the submitter's
//! reference, dropped when the call returns, is then the last, and the
//! submitter finishes the I/O in place, with no queue hop. Otherwise
//! `ki_complete` drops the last one, maybe in interrupt context, and hands
//! the I/O on. A call that returns its result itself (not
//! `-EIOCBQUEUED`) has no `ki_complete`: its submitter finishes it.

use super::bindings as b;
use core::pin::Pin;
use core::sync::atomic::{AtomicIsize, AtomicU8, Ordering};
use kernel::prelude::*;

/// The references an asynchronous I/O's submitter and completion share.
pub(crate) struct Handoff {
    refs: AtomicU8,
    /// Written by `ki_complete` before it drops its reference.
    result: AtomicIsize,
}

impl Handoff {
    /// Both references held: not yet completed.
    pub(crate) const fn new() -> Self {
        Self {
            refs: AtomicU8::new(2),
            result: AtomicIsize::new(0),
        }
    }

    /// What the submitter's call `returned`: the I/O's result if the
    /// submitter owns it now (the call completed it, or `ki_complete` ran
    /// within the call), or `None` if the completion does.
    pub(crate) fn settle(&self, returned: isize) -> Option<isize> {
        if returned != -(b::EIOCBQUEUED as isize) {
            return Some(returned);
        }
        self.returned().err()
    }

    /// The submitter's call returned `-EIOCBQUEUED`: drops its reference.
    /// `Ok` if the I/O is now the completion's, or the completion's result
    /// if it ran within the call and so left the I/O to the submitter.
    fn returned(&self) -> Result<(), isize> {
        match self.refs.fetch_sub(1, Ordering::AcqRel) {
            1 => Err(self.result.load(Ordering::Relaxed)),
            _ => Ok(()),
        }
    }

    /// `ki_complete` with `result`: drops its reference; whether that was
    /// the last, so that the completion owns the I/O (the call had
    /// returned) rather than its submitter.
    pub(crate) fn completed(&self, result: isize) -> bool {
        self.result.store(result, Ordering::Relaxed);
        self.refs.fetch_sub(1, Ordering::AcqRel) == 1
    }

    /// The completion's result, once both references are dropped (for a
    /// worker, which finishes a completed I/O or else submits it).
    pub(crate) fn result(&self) -> Option<isize> {
        (self.refs.load(Ordering::Acquire) == 0).then(|| self.result.load(Ordering::Relaxed))
    }
}

/// What every `ki_complete` does first, for the I/O at `raw` whose handoff
/// is at `handoff`: ends the write's freeze protection with `end_write`
/// (where the filesystem completes, as aio ends it: a freeze of the export
/// waits for it, and a worker the completion is queued for may be queued
/// behind submitters the freeze blocks), then drops the completion's
/// reference. The I/O if that was the last (the submission had returned),
/// else `None`: the submitter finishes it in place.
///
/// # Safety
///
/// `raw` must be an I/O from `KBox::into_raw` whose submission handed its
/// kiocb to the filesystem, `handoff` its handoff, `end_write` safe to call
/// on it while its submitter touches only the handoff; called once, by its
/// `ki_complete`.
pub(crate) unsafe fn completed<T>(
    raw: *mut T,
    handoff: *const Handoff,
    result: isize,
    end_write: unsafe fn(*mut T),
) -> Option<Pin<KBox<T>>> {
    // SAFETY: Live until given back below (our contract).
    unsafe { end_write(raw) };
    // SAFETY: As above; the handoff is shared with the submitter.
    if !unsafe { (*handoff).completed(result) } {
        return None;
    }
    // SAFETY: The submission returned and left the I/O to the completion;
    // `raw` came from `into_raw` (our contract).
    Some(unsafe { Pin::new_unchecked(KBox::from_raw(raw)) })
}
