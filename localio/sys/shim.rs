// SPDX-License-Identifier: GPL-2.0

//! The client's side of the nfsd shim (`shim_api`): finding the shim
//! module's table, and files opened through it.

use super::bindings as b;
use super::cred::Cred;
use super::file::LowerFile;
use super::request::{Nfs4State, Opener, Verifier};
use super::shim_api::{Opened, ShimOps, SYMBOL, VERSION};
use core::ffi::c_int;
use core::ptr::NonNull;

/// The shim module's table, held (`symbol_get`) so the module stays loaded.
///
/// # Invariants
///
/// `ops` is the table [`SYMBOL`] names, of our [`VERSION`], on which this
/// value holds one `symbol_get` reference.
struct Shim {
    ops: NonNull<ShimOps>,
}

// SAFETY: The table is immutable and its functions may be called from any
// task; the reference may be dropped from any task.
unsafe impl Send for Shim {}
// SAFETY: As above.
unsafe impl Sync for Shim {}

impl Shim {
    /// The loaded shim, if there is one of our version.
    fn get() -> Option<Self> {
        // SAFETY: `SYMBOL` is a NUL-terminated name.
        let raw = unsafe { b::__symbol_get(SYMBOL.as_ptr().cast()) };
        let ops = NonNull::new(raw.cast::<ShimOps>())?;
        // SAFETY: A symbol of this name is the shim's `ShimOps` table,
        // whose first field is the version, of every version.
        let version = unsafe { ops.as_ref().version };
        // INVARIANT: Held by the `symbol_get` above, dropped if refused.
        let shim = Self { ops };
        (version == VERSION).then_some(shim)
    }

    fn ops(&self) -> &ShimOps {
        // SAFETY: Held, and of our version (type invariant).
        unsafe { self.ops.as_ref() }
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        // SAFETY: Our `symbol_get` reference (type invariant), dropped once.
        unsafe { b::__symbol_put(SYMBOL.as_ptr().cast()) };
    }
}

/// Whether a shim of our version is loaded now: what an open would find
/// first. Never sleeps.
pub(crate) fn loaded() -> bool {
    Shim::get().is_some()
}

/// Why a file could not be opened through the shim.
pub(crate) enum OpenError {
    /// No shim module (of our version) is loaded.
    NoShim,
    /// nfsd said not yet (`-EJUKEBOX`, NFS3ERR_JUKEBOX), as while a lease
    /// or delegation on the file is being broken: the same open may
    /// succeed moments later.
    Delayed,
    /// nfsd said no, with this errno.
    Refused(c_int),
}

/// What [`NfsdFile::check`] found.
pub(crate) enum Check {
    /// Nothing nfsd's open rested on has changed.
    Unchanged,
    /// Something has: open the file through nfsd again.
    Changed,
    /// A lease must be broken first: this request goes to nfsd.
    LeaseBreaking,
}

/// A file nfsd opened for one caller and mode, with the caller's
/// credentials held so that their address keeps naming them.
///
/// # Invariants
///
/// `opened` was filled by a successful `open` of `shim`, and is released
/// once, by `drop`.
pub(crate) struct NfsdFile {
    opened: Opened,
    mode: u32,
    _cred: Cred,
    shim: Shim,
}

// SAFETY: nfsd's file may be used and released from any task; `opened` is
// read-only after open.
unsafe impl Send for NfsdFile {}
// SAFETY: As above.
unsafe impl Sync for NfsdFile {}

impl NfsdFile {
    /// Opens `opener`'s file through nfsd.
    pub(crate) fn open(opener: &Opener<'_>) -> Result<Self, OpenError> {
        let shim = Shim::get().ok_or(OpenError::NoShim)?;
        // SAFETY: The opener's credentials are live while its offer is.
        let cred =
            unsafe { Cred::get(opener.cred) }.ok_or(OpenError::Refused(-(b::EINVAL as c_int)))?;
        let mut opened = Opened::empty();
        // SAFETY: All pointers come from a live offer; `opened` is a valid
        // out-parameter.
        let status = unsafe {
            (shim.ops().open)(
                opener.client.as_raw(),
                opener.cred,
                opener.fh,
                opener.mode,
                &mut opened,
            )
        };
        if status == -b::LOCALIO_RS_EJUKEBOX {
            return Err(OpenError::Delayed);
        }
        if status != 0 || opened.nf.is_null() || opened.file.is_null() {
            return Err(OpenError::Refused(status));
        }
        // INVARIANT: Opened above; released by `drop`.
        Ok(Self {
            opened,
            mode: opener.mode,
            _cred: cred,
            shim,
        })
    }

    /// Whether the file may serve more requests than the one it was
    /// opened for: not on an export that checks the subtree on every
    /// access, which nfsd's open must then repeat for each request.
    pub(crate) fn keep(&self) -> bool {
        self.opened.keep
    }

    /// `(memory, offset)` alignment of direct I/O; `(0, 0)`: none.
    pub(crate) fn dio_alignment(&self) -> (u32, u32) {
        (self.opened.dio_mem, self.opened.dio_offset)
    }

    /// The exported file, open while `self` is.
    pub(crate) fn lower_file(&self) -> LowerFile<'_> {
        // SAFETY: Open while `self` is (type invariant); `open` refused a
        // NULL file, so this is never `None`.
        unsafe { LowerFile::from_raw(self.opened.file) }.unwrap_or_else(|| unreachable!())
    }

    /// Whether nfsd still serves the file's network namespace.
    pub(crate) fn serving(&self) -> bool {
        // SAFETY: The net is pinned while the file is open.
        unsafe { (self.shim.ops().serving)(self.opened.net) }
    }

    /// Whether the file may serve the next request as nfsd opened it. With
    /// `for_request` this may sleep, to start breaking a lease.
    pub(crate) fn check(&self, for_request: bool) -> Check {
        // SAFETY: `opened` is what the shim filled in and still open.
        match unsafe { (self.shim.ops().check)(&self.opened, self.mode, for_request) } {
            0 => Check::Unchanged,
            status if status == -(b::EAGAIN as c_int) => Check::LeaseBreaking,
            _ => Check::Changed,
        }
    }

    /// The write verifier nfsd's replies carry now.
    pub(crate) fn write_verifier(&self) -> Verifier {
        let mut verf = [0u8; 8];
        // SAFETY: The net is pinned while the file is open; `verf` is valid.
        unsafe { (self.shim.ops().write_verifier)(self.opened.net, &mut verf) };
        verf
    }

    /// Tells nfsd a local write or commit failed with `errno`.
    pub(crate) fn write_failed(&self, errno: c_int) {
        // SAFETY: The net is pinned while the file is open.
        unsafe { (self.shim.ops().write_failed)(self.opened.net, errno) };
    }

    /// Whether nfsd would take the NFSv4 READ or WRITE `state` describes
    /// for this file, as it checks the stateid of every such RPC. May sleep.
    pub(crate) fn stateid_ok(&self, state: &Nfs4State) -> bool {
        // SAFETY: `opened` is what the shim filled in and still open;
        // `state.stateid` is 16 bytes valid for the call.
        unsafe {
            (self.shim.ops().stateid_ok)(
                &self.opened,
                &state.stateid,
                state.minor_version,
                state.write,
            )
        }
    }
}

impl Drop for NfsdFile {
    fn drop(&mut self) {
        // SAFETY: Opened by `open` and released once, here (type
        // invariant); `shim` is dropped after, keeping the module loaded.
        unsafe { (self.shim.ops().release)(&self.opened) };
    }
}
