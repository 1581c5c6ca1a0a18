// SPDX-License-Identifier: GPL-2.0

//! An open `struct file` of the exported (lower) filesystem, borrowed from
//! what keeps it open (the nfsd file a request's job holds), so the I/O
//! path takes no reference of its own.

use super::bindings as b;
use super::cred::CredOverride;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// An open file, for `'a`.
///
/// # Invariants
///
/// `file` stays open for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct LowerFile<'a> {
    file: NonNull<b::file>,
    _open: PhantomData<&'a b::file>,
}

impl LowerFile<'_> {
    /// # Safety
    ///
    /// `file` must stay open for `'a`.
    pub(super) unsafe fn from_raw<'a>(file: *mut b::file) -> Option<LowerFile<'a>> {
        // INVARIANT: Open for `'a` (our contract).
        Some(LowerFile {
            file: NonNull::new(file)?,
            _open: PhantomData,
        })
    }

    pub(super) fn as_ptr(&self) -> *mut b::file {
        self.file.as_ptr()
    }

    /// The credentials the file was opened with.
    pub(super) fn opener_cred(&self) -> *const b::cred {
        // SAFETY: Open (type invariant); `f_cred` is fixed at open.
        unsafe { (*self.as_ptr()).f_cred }
    }

    /// How many filesystems the file's own is stacked on (`s_stack_depth`:
    /// 0 for XFS, 1 and up for overlayfs and the like).
    pub(crate) fn stack_depth(&self) -> u32 {
        // SAFETY: Open (type invariant), so its inode and superblock are
        // alive; `s_stack_depth` is set before the filesystem is mounted.
        let depth = unsafe { (*(*(*self.as_ptr()).f_inode).i_sb).s_stack_depth };
        u32::try_from(depth).unwrap_or(u32::MAX)
    }

    /// The block size of the file's filesystem (`i_blkbits`): the unit its
    /// page cache reads before a partial write and writes back.
    pub(crate) fn block_size(&self) -> u32 {
        // SAFETY: Open (type invariant), so its inode is alive; `i_blkbits`
        // is set when the inode is set up and not changed while it is open.
        let bits = unsafe { (*(*self.as_ptr()).f_inode).i_blkbits };
        1u32.checked_shl(bits.into()).unwrap_or(0)
    }

    /// `->write_iter` (`write`) or `->read_iter` of `iter` with `kiocb` on
    /// the file, as its opener: what the call returns.
    ///
    /// # Safety
    ///
    /// `kiocb` must be set up for this file, which must stay open until
    /// the I/O is over; `iter` valid for the call.
    pub(super) unsafe fn rw_iter(
        &self,
        kiocb: *mut b::kiocb,
        iter: *mut b::iov_iter,
        write: bool,
    ) -> isize {
        // SAFETY: Open (type invariant), so its credentials, fixed at open,
        // live as long; the rest is our contract.
        unsafe {
            let _cred = CredOverride::new(self.opener_cred());
            let fops = &*(*self.as_ptr()).f_op;
            let rw = if write {
                fops.write_iter
            } else {
                fops.read_iter
            };
            match rw {
                Some(rw) => rw(kiocb, iter),
                None => -(b::EINVAL as isize),
            }
        }
    }

    /// The file's size now.
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: Open (type invariant), so its inode is alive.
        let size = unsafe { b::localio_rs_i_size_read((*self.as_ptr()).f_inode) };
        u64::try_from(size).unwrap_or(0)
    }
}

/// Ends a write's freeze protection on the exported filesystem
/// (`kiocb_end_write()`) if `started` says it is held, and clears it: the
/// one balance of a `kiocb_start_write()`, whichever of the I/O's
/// completion, submitter or drop gets there first.
///
/// # Safety
///
/// `started` and `kiocb` must be fields of a live I/O that nobody else
/// uses during the call; `*started` true only while `kiocb` (initialised)
/// holds the protection.
pub(super) unsafe fn end_write_once(started: *mut bool, kiocb: *mut b::kiocb) {
    // SAFETY: Our contract.
    unsafe {
        if *started {
            *started = false;
            b::localio_rs_kiocb_end_write(kiocb);
        }
    }
}
