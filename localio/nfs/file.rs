// SPDX-License-Identifier: GPL-2.0

//! A counted reference to an open `struct file` of the exported (lower)
//! filesystem, for the I/O that reads or writes it after the hook that
//! found it has returned.

use super::bindings as b;
use core::ptr::NonNull;

/// A reference to an open file.
///
/// # Invariants
///
/// `file` is an open file on which this value holds one reference.
pub(crate) struct LowerFile {
    file: NonNull<b::file>,
}

// SAFETY: A file reference may be used and dropped from any task; `fput`
// defers the final close to task context when it must.
unsafe impl Send for LowerFile {}
// SAFETY: Shared use only reads the file's fields that do not change while
// it is open.
unsafe impl Sync for LowerFile {}

impl LowerFile {
    /// Takes a new reference to `file`.
    ///
    /// # Safety
    ///
    /// `file` must be an open file for the duration of this call.
    pub(super) unsafe fn get(file: *mut b::file) -> Option<Self> {
        let file = NonNull::new(file)?;
        // SAFETY: `file` is open (our contract); the helper takes a
        // reference.
        unsafe { b::localio_rs_get_file(file.as_ptr()) };
        // INVARIANT: The reference taken above is ours.
        Some(Self { file })
    }

    pub(super) fn as_ptr(&self) -> *mut b::file {
        self.file.as_ptr()
    }

    /// The credentials the file was opened with.
    pub(super) fn opener_cred(&self) -> *const b::cred {
        // SAFETY: Open (type invariant); `f_cred` is fixed at open.
        unsafe { (*self.as_ptr()).f_cred }
    }

    /// The file's size now.
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: Open (type invariant), so its inode is alive.
        let size = unsafe { b::localio_rs_i_size_read((*self.as_ptr()).f_inode) };
        u64::try_from(size).unwrap_or(0)
    }
}

impl Clone for LowerFile {
    fn clone(&self) -> Self {
        // SAFETY: Open while `self` holds its reference.
        unsafe { b::localio_rs_get_file(self.as_ptr()) };
        // INVARIANT: The reference taken above is the clone's.
        Self { file: self.file }
    }
}

impl Drop for LowerFile {
    fn drop(&mut self) {
        // SAFETY: Our reference (type invariant), dropped once.
        unsafe { b::fput(self.as_ptr()) };
    }
}
