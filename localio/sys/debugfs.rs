// SPDX-License-Identifier: GPL-2.0

//! A read-only debugfs file whose contents a Rust type formats.

use super::bindings as b;
use core::ffi::{c_int, c_void, CStr};
use core::fmt::{self, Write};
use core::marker::PhantomData;
use kernel::{prelude::*, sync::Arc, ThisModule};

/// What a [`DebugfsFile`] shows.
pub(crate) trait Show: Send + Sync + 'static {
    /// Writes the file's contents; may be called again with more room when
    /// they did not fit.
    fn show(&self, out: &mut SeqFile<'_>) -> fmt::Result;
}

/// The `seq_file` a [`Show`] writes to.
pub(crate) struct SeqFile<'a> {
    seq: *mut b::seq_file,
    _show: PhantomData<&'a mut b::seq_file>,
}

impl SeqFile<'_> {
    /// # Safety
    ///
    /// `seq` must be a `seq_file` being shown, written only through this
    /// for `'a`.
    pub(super) unsafe fn from_raw<'a>(seq: *mut b::seq_file) -> SeqFile<'a> {
        SeqFile {
            seq,
            _show: PhantomData,
        }
    }
}

impl Write for SeqFile<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `seq` is the seq_file of the `show` call borrowing it.
        let full = unsafe { b::seq_write(self.seq, s.as_ptr().cast(), s.len()) };
        // On overflow the seq_file core calls `show` again with more room.
        if full == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// `<debugfs>/<dir>/<name>`, showing a `T`; both removed on drop.
///
/// # Invariants
///
/// `dir` is the debugfs directory created for this value (or an error
/// value debugfs accepts back); `fops` and `data` outlive every call
/// debugfs makes into the file, which `debugfs_remove` waits for.
pub(crate) struct DebugfsFile<T: Show> {
    dir: *mut b::dentry,
    _fops: KBox<b::file_operations>,
    _data: Arc<T>,
}

// SAFETY: The dentry is only removed, from any task; `T` is `Send + Sync`.
unsafe impl<T: Show> Send for DebugfsFile<T> {}
// SAFETY: Shared use does nothing.
unsafe impl<T: Show> Sync for DebugfsFile<T> {}

impl<T: Show> DebugfsFile<T> {
    /// Creates the directory and the file in it (mode 0444). debugfs
    /// failures are not errors: the module works without its statistics.
    pub(crate) fn new(
        module: &'static ThisModule,
        dir: &'static CStr,
        name: &'static CStr,
        data: Arc<T>,
    ) -> Result<Self> {
        let fops = KBox::new(
            b::file_operations {
                owner: module.as_ptr(),
                open: Some(Self::open),
                read: Some(b::seq_read),
                llseek: Some(b::seq_lseek),
                release: Some(b::single_release),
                ..Default::default()
            },
            GFP_KERNEL,
        )?;
        // SAFETY: `dir` is a NUL-terminated name; NULL parent: the root.
        let dentry = unsafe { b::debugfs_create_dir(dir.as_ptr().cast(), core::ptr::null_mut()) };
        let private = (&*data as *const T).cast_mut().cast::<c_void>();
        // SAFETY: `fops` and `data` live until `drop` has removed the file
        // (type invariant); debugfs accepts an error `dentry` as parent.
        unsafe { b::debugfs_create_file(name.as_ptr().cast(), 0o444, dentry, private, &*fops) };
        // INVARIANT: The directory was created above for this value.
        Ok(Self {
            dir: dentry,
            _fops: fops,
            _data: data,
        })
    }

    /// # Safety
    ///
    /// debugfs's `open` of the file `new` created.
    unsafe extern "C" fn open(inode: *mut b::inode, file: *mut b::file) -> c_int {
        // SAFETY: debugfs calls `open` with the file's inode, whose private
        // data is the `T` set in `new`.
        unsafe { b::single_open(file, Some(Self::show), (*inode).i_private) }
    }

    /// # Safety
    ///
    /// The seq_file core's `show` of a file opened by [`Self::open`].
    unsafe extern "C" fn show(seq: *mut b::seq_file, _unused: *mut c_void) -> c_int {
        // SAFETY: `single_open` put the `T` in `private`; it outlives the
        // file (type invariant).
        let data = unsafe { &*(*seq).private.cast::<T>() };
        let mut out = SeqFile {
            seq,
            _show: PhantomData,
        };
        // A short write is retried by the seq_file core with more room.
        let _ = data.show(&mut out);
        0
    }
}

impl<T: Show> Drop for DebugfsFile<T> {
    fn drop(&mut self) {
        // SAFETY: Created in `new` (type invariant); waits for readers.
        unsafe { b::debugfs_remove(self.dir) };
    }
}
