// SPDX-License-Identifier: GPL-2.0

//! Credentials: a counted reference, and running as other credentials for
//! a scope.

use super::bindings as b;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A reference to a `struct cred`.
///
/// # Invariants
///
/// `cred` is a live cred on which this value holds one reference.
pub(crate) struct Cred {
    cred: NonNull<b::cred>,
}

// SAFETY: Credentials are immutable once published and refcounted
// atomically.
unsafe impl Send for Cred {}
// SAFETY: As above.
unsafe impl Sync for Cred {}

impl Cred {
    /// Takes a reference to `cred`.
    ///
    /// # Safety
    ///
    /// `cred` must be live for the duration of this call.
    pub(super) unsafe fn get(cred: *const b::cred) -> Option<Self> {
        let cred = NonNull::new(cred.cast_mut())?;
        // SAFETY: Live (our contract).
        unsafe { b::localio_rs_get_cred(cred.as_ptr()) };
        // INVARIANT: The reference taken above is ours.
        Some(Self { cred })
    }
}

impl Cred {
    /// The `struct cred`, live as long as `self`.
    pub(super) fn as_ptr(&self) -> *const b::cred {
        self.cred.as_ptr()
    }
}

impl Drop for Cred {
    fn drop(&mut self) {
        // SAFETY: Our reference (type invariant), dropped once.
        unsafe { b::localio_rs_put_cred(self.cred.as_ptr()) };
    }
}

/// The current task runs with other credentials until this is dropped.
///
/// # Invariants
///
/// `saved` is what `override_creds` returned on this task, which drops the
/// guard (it is neither `Send` nor `Sync`).
pub(super) struct CredOverride {
    saved: *const b::cred,
    _not_send: PhantomData<*mut ()>,
}

impl CredOverride {
    /// # Safety
    ///
    /// `cred` must stay live until the guard is dropped.
    pub(super) unsafe fn new(cred: *const b::cred) -> Self {
        // SAFETY: Live (our contract); reverted by `drop` on this task.
        let saved = unsafe { b::override_creds(cred) };
        Self {
            saved,
            _not_send: PhantomData,
        }
    }
}

impl Drop for CredOverride {
    fn drop(&mut self) {
        // SAFETY: `saved` came from `override_creds` on this task (type
        // invariant).
        unsafe { b::revert_creds(self.saved) };
    }
}
