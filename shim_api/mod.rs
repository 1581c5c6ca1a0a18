// SPDX-License-Identifier: GPL-2.0

//! The interface `localio_rs_nfsd_shim.ko` offers the client module: the
//! only path from our client to nfsd.
//!
//! Both modules compile this file (each as a sibling of its own generated
//! `bindings` module), so the table's layout has one definition. The shim
//! exports one [`ShimOps`] under [`SYMBOL`]; the client looks it up by name
//! at run time (`symbol_get`), so the two modules load in either order, and
//! refuses a table whose [`VERSION`] it does not know. Raise the version on
//! any change below.

use super::bindings;
use core::ffi::{c_int, c_void, CStr};

/// The version of the table described here.
pub(crate) const VERSION: u32 = 6;

/// The name the shim exports the table under.
pub(crate) const SYMBOL: &CStr = c"localio_rs_shim_ops";

/// What nfsd's decision to open a file rested on, as the shim saw it when
/// the open succeeded. The client keeps it with the file and hands it back
/// to [`ShimOps::check`]; only the shim looks inside.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant {
    /// nfsd's export generation, read before the open.
    pub(crate) export_gen: u64,
    /// The inode's cached access ACL, by identity: in an [`Opened`], a
    /// reference the shim holds until [`ShimOps::release`], so that no
    /// other ACL can take its address meanwhile.
    pub(crate) acl: *const c_void,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) mode: u32,
    /// `S_IMMUTABLE` and `S_APPEND`.
    pub(crate) flags: u32,
}

/// What [`ShimOps::open`] fills in.
#[repr(C)]
pub(crate) struct Opened {
    /// The open file; dropped with [`ShimOps::release`].
    pub(crate) nf: *mut bindings::nfsd_file,
    /// The exported file, owned by `nf`.
    pub(crate) file: *mut bindings::file,
    /// nfsd's net, pinned while `nf` lives.
    pub(crate) net: *mut bindings::net,
    /// Direct I/O alignment of `file`; 0 and 0: no direct I/O.
    pub(crate) dio_mem: u32,
    pub(crate) dio_offset: u32,
    pub(crate) grant: Grant,
    /// Whether a request must break leases on the file first, as nfsd's
    /// open for it would: NFSv3. An NFSv4 client's OPEN already did, and
    /// nfsd breaks none for an NFSv4 READ or WRITE (patch 0002).
    pub(crate) break_leases: bool,
    /// Whether the file may serve more than the request it was opened
    /// for: not on an export that checks the subtree (patch 0013), where
    /// nfsd's verdict rests on the file's path, which [`ShimOps::check`]
    /// cannot see.
    pub(crate) keep: bool,
}

impl Opened {
    /// Nothing opened yet.
    // The client's side: the shim fills what the client hands it.
    #[allow(dead_code)]
    pub(crate) const fn empty() -> Self {
        Self {
            nf: core::ptr::null_mut(),
            file: core::ptr::null_mut(),
            net: core::ptr::null_mut(),
            dio_mem: 0,
            dio_offset: 0,
            grant: Grant {
                export_gen: 0,
                acl: core::ptr::null(),
                uid: 0,
                gid: 0,
                mode: 0,
                flags: 0,
            },
            break_leases: true,
            keep: false,
        }
    }
}

/// The table. Every function may be called from any task context.
#[repr(C)]
pub(crate) struct ShimOps {
    pub(crate) version: u32,
    /// Opens `fh` through nfsd as `cred` would over the wire, so export
    /// options, squashing and permissions are nfsd's decisions. Returns 0
    /// and fills `opened`, or a negative errno: `-ENXIO` when nfsd is not
    /// running for this client's server, `-ESTALE` when the file has been
    /// unlinked on the server, what nfsd refused with otherwise.
    pub(crate) open: unsafe extern "C" fn(
        clp: *mut bindings::nfs_client,
        cred: *const bindings::cred,
        fh: *const bindings::nfs_fh,
        mode: u32,
        opened: *mut Opened,
    ) -> c_int,
    /// Whether `opened`, open for `mode`, may serve the next request as it
    /// is: 0 if nothing nfsd based the open on has changed since; `-ESTALE`
    /// if something has (export table, owner, mode, ACL, the file
    /// unlinked): open it through nfsd again. With `for_request`, also
    /// `-EAGAIN` if a lease or delegation on the file has to be broken
    /// first, as nfsd's open would (`opened.break_leases`): send the
    /// request to nfsd, which answers with NFS4ERR_DELAY/JUKEBOX
    /// meanwhile. That part may sleep; without
    /// `for_request` (the client's reaper) this never sleeps.
    pub(crate) check:
        unsafe extern "C" fn(opened: *const Opened, mode: u32, for_request: bool) -> c_int,
    /// Whether nfsd still serves `net`, which an open file pins. Once it
    /// says no, nfsd is shutting down and waits for every file the client
    /// holds: release them.
    pub(crate) serving: unsafe extern "C" fn(net: *mut bindings::net) -> bool,
    /// The write verifier nfsd's replies carry now.
    pub(crate) write_verifier: unsafe extern "C" fn(net: *mut bindings::net, verf: *mut [u8; 8]),
    /// A local write or commit failed with `err`: as nfsd does for its own.
    pub(crate) write_failed: unsafe extern "C" fn(net: *mut bindings::net, err: c_int),
    /// Whether nfsd would take `stateid` (as sent on the wire) on an NFSv4
    /// READ or, with `write`, WRITE of the file `opened` holds, from a
    /// client of NFSv4 minor version `minor_version`: nfsd's stateid checks
    /// of the RPC, which also renew the client's lease. False when it would
    /// not, or cannot tell (an nfsd without NFSv4, a special stateid): send
    /// the request to nfsd. May not be called in atomic context.
    pub(crate) stateid_ok: unsafe extern "C" fn(
        opened: *const Opened,
        stateid: *const [u8; 16],
        minor_version: u32,
        write: bool,
    ) -> bool,
    /// Drops what `open` filled `opened` with: the file, the net reference
    /// and the ACL reference with it.
    pub(crate) release: unsafe extern "C" fn(opened: *const Opened),
}
