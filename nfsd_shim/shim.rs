// SPDX-License-Identifier: GPL-2.0

//! NFS LOCALIO provider, server side: the nfsd shim.
//!
//! The one module of this project that knows nfsd's LOCALIO operations
//! (`nfs_to` in nfs_common): it opens a file by filehandle through nfsd, so
//! that export options, root squash and permissions stay nfsd's decisions,
//! and hands the client a small, versioned table over that ([`ShimOps`],
//! laid out in `shim_api/mod.rs`). The client never calls into nfsd
//! directly. It loads independently of the client module; the client treats
//! an absent shim as "serve everything by RPC".
//!
//! Beyond what nfs_common's `nfs_open_local_fh()` gives, an open here tells
//! the client which net the file pins, so that it can ask whether nfsd
//! still serves it and let go before nfsd's shutdown waits for it, and what
//! nfsd's decision to open rested on, so that the client can tell when a
//! file it keeps must be opened through nfsd again (`check`).
//!
//! The entry points only turn the client's raw pointers into the types of
//! [`nfsd`], where the unsafe code is; the logic below them is safe.

use core::ffi::c_int;
use kernel::prelude::*;

mod bindings;
mod nfsd;
#[path = "../shim_api/mod.rs"]
mod shim_api;

use nfsd::{AclRef, Cred, File, Inode, Net, NfsClient, NfsFh, NfsdFile};
use shim_api::{Grant, Opened, ShimOps};

module! {
    type: NfsdShim,
    name: "localio_rs_nfsd_shim",
    author: "nfs-localio-rs developers",
    description: "NFS LOCALIO provider: nfsd shim (Rust)",
    license: "GPL",
}

struct NfsdShim;

impl kernel::Module for NfsdShim {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(NfsdShim)
    }
}

/// The table, under the name the client looks up; `helpers.c` exports it.
#[no_mangle]
static localio_rs_shim_ops: ShimOps = ShimOps {
    version: shim_api::VERSION,
    open: shim_open,
    check: shim_check,
    serving: shim_serving,
    write_verifier: shim_write_verifier,
    write_failed: shim_write_failed,
    stateid_ok: shim_stateid_ok,
    release: shim_release,
};

/// Whether `a` and `b` hold the same bytes, where `==` is not `const`.
const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// The client finds the table by `shim_api::SYMBOL`, we define it by the
// static's name: keep the two the same.
static_assert!(same_bytes(
    shim_api::SYMBOL.to_bytes(),
    b"localio_rs_shim_ops"
));

/// `-ESTALE`, which 6.12's `kernel::error::code` lacks.
fn estale() -> Error {
    Error::from_errno(-(bindings::ESTALE as c_int))
}

/// The table's convention: 0 or a negative errno.
fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

/// What nfsd's permission check at open rested on, besides the export and
/// the credentials (which the client keys its files by): the inputs of
/// `nfsd_permission()`, as they are now. `acl` is the ACL an [`Opened`]
/// holds (the one it compares with) or, to compare, the inode's now.
fn grant(export_gen: u64, inode: &Inode, acl: *const core::ffi::c_void) -> Grant {
    Grant {
        export_gen,
        acl,
        uid: inode.uid(),
        gid: inode.gid(),
        mode: inode.mode(),
        flags: inode.flags() & (bindings::S_IMMUTABLE | bindings::S_APPEND),
    }
}

/// Direct I/O alignment, memory then offset; `(0, 0)` unless the
/// filesystem gives both.
fn dio_alignment(file: &File) -> (u32, u32) {
    match file.dio_alignment() {
        Some((mem, offset)) if mem != 0 && offset != 0 => (mem, offset),
        _ => (0, 0),
    }
}

/// [`ShimOps::open`].
fn open(clp: &NfsClient, cred: &Cred, fh: &NfsFh, mode: u32) -> Result<Opened> {
    let (net, dom) = clp.nfsd_net().ok_or(ENXIO)?;
    // Read before the open: an export change while nfsd opens the file then
    // shows at the first check and costs one more open; read after, it
    // could go unnoticed for as long as the client keeps the file.
    let export_gen = net.export_generation();
    let net_ptr = net.as_ptr();
    let nf = NfsdFile::open(net, &dom, clp, cred, fh, mode)?;
    // SAFETY: `nf` owns the net reference the open was made under
    // (`NfsdFile`'s invariant) and outlives every use of `pinned` here.
    let pinned = unsafe { Net::from_raw(net_ptr) };
    // Asked after the open, which filled nfsd's export cache for it.
    let keep = !pinned.subtree_checked(&dom, fh);
    let file = nf.file();
    let inode = file.inode();
    // An unlinked file is reachable by its filehandle only while someone
    // holds it, and a file the client keeps would be one more hold, making
    // the answer depend on our cache: never serve it locally; nfsd answers
    // the RPC itself. Dropping `nf` lets go of it.
    if inode.nlink() == 0 {
        return Err(estale());
    }
    // Held until `release`: the address `check` compares with stays this
    // ACL's, however often the inode's ACL is replaced meanwhile.
    let acl = inode.cached_acl();
    let grant = grant(export_gen, inode, acl.as_ptr());
    let (dio_mem, dio_offset) = dio_alignment(file);
    let file = file.as_ptr();
    Ok(Opened {
        nf: nf.into_raw(),
        file,
        net: net_ptr,
        dio_mem,
        dio_offset,
        // The reference is the table's until `release`.
        grant: Grant {
            acl: acl.into_raw(),
            ..grant
        },
        break_leases: !clp.has_open_state(),
        keep,
    })
}

/// [`ShimOps::check`] of the file open as `file` on `net`.
fn check(opened: &Opened, file: &File, net: &Net, mode: u32, for_request: bool) -> Result {
    let granted = &opened.grant;
    let inode = file.inode();
    if net.export_generation() != granted.export_gen || inode.nlink() == 0 {
        return Err(estale());
    }
    if grant(granted.export_gen, inode, inode.acl()) != *granted {
        return Err(estale());
    }
    // As nfsd_open_break_lease() does on every NFSv3 open through nfsd,
    // and so the built-in path on every NFSv3 request. Not for NFSv4, whose
    // OPEN broke what conflicts (nfsd's open for it does not break leases,
    // patch 0002): that would only recall the client's own delegation. Only
    // for a request: the client's reaper stands in for no open, and must
    // not sleep.
    if for_request && opened.break_leases {
        let access = if mode & bindings::LOCALIO_RS_SHIM_FMODE_WRITE != 0 {
            bindings::O_WRONLY
        } else {
            bindings::O_RDONLY
        };
        inode
            .break_lease(access | bindings::O_NONBLOCK)
            .map_err(|_| EAGAIN)?;
    }
    Ok(())
}

/// # Safety
///
/// As [`ShimOps::open`]: `clp`, `cred` and `fh` valid for the call, and
/// `opened` writable.
unsafe extern "C" fn shim_open(
    clp: *mut bindings::nfs_client,
    cred: *const bindings::cred,
    fh: *const bindings::nfs_fh,
    mode: u32,
    opened: *mut Opened,
) -> c_int {
    // SAFETY: The client passes pointers valid for the whole call.
    let (clp, cred, fh) = unsafe {
        (
            NfsClient::from_raw(clp),
            Cred::from_raw(cred),
            NfsFh::from_raw(fh),
        )
    };
    match open(clp, cred, fh, mode) {
        Ok(result) => {
            // SAFETY: `opened` is writable, perhaps uninitialised: written
            // without reading or dropping what was there.
            unsafe { opened.write(result) };
            0
        }
        Err(err) => err.to_errno(),
    }
}

/// # Safety
///
/// As [`ShimOps::check`]: `opened` filled in by [`shim_open`] and its file
/// not released yet.
unsafe extern "C" fn shim_check(opened: *const Opened, mode: u32, for_request: bool) -> c_int {
    // SAFETY: `opened` is what `open()` filled in and its `nf` has not been
    // released: it holds `file` open and pins `net` during the call.
    let (opened, file, net) = unsafe {
        let opened = &*opened;
        (
            opened,
            File::from_raw(opened.file),
            Net::from_raw(opened.net),
        )
    };
    errno(check(opened, file, net, mode, for_request))
}

/// # Safety
///
/// As [`ShimOps::serving`]: `net` pinned by a file the client holds.
unsafe extern "C" fn shim_serving(net: *mut bindings::net) -> bool {
    // SAFETY: An open file of the client pins `net` during the call.
    unsafe { Net::from_raw(net) }.serving()
}

/// # Safety
///
/// As [`ShimOps::write_verifier`]: `net` pinned by a file the client holds,
/// `verf` writable.
unsafe extern "C" fn shim_write_verifier(net: *mut bindings::net, verf: *mut [u8; 8]) {
    // SAFETY: An open file of the client pins `net`, and `verf` is 8
    // writable bytes no one else accesses, during the call.
    let (net, verf) = unsafe { (Net::from_raw(net), &mut *verf) };
    net.write_verifier(verf)
}

/// # Safety
///
/// As [`ShimOps::write_failed`]: `net` pinned by a file the client holds.
unsafe extern "C" fn shim_write_failed(net: *mut bindings::net, err: c_int) {
    // SAFETY: An open file of the client pins `net` during the call.
    unsafe { Net::from_raw(net) }.write_failed(err)
}

/// # Safety
///
/// As [`ShimOps::stateid_ok`]: `opened` filled in by [`shim_open`] and its
/// file not released yet, `stateid` 16 readable bytes.
unsafe extern "C" fn shim_stateid_ok(
    opened: *const Opened,
    stateid: *const [u8; 16],
    minor_version: u32,
    write: bool,
) -> bool {
    // SAFETY: `opened` is what `open()` filled in and its `nf` has not been
    // released: it is held and pins `net` during the call; `stateid` is
    // readable during the call.
    unsafe {
        let opened = &*opened;
        Net::from_raw(opened.net).stateid_ok(opened.nf, &*stateid, minor_version, write)
    }
}

/// # Safety
///
/// As [`ShimOps::release`]: `opened` filled in by [`shim_open`], released
/// once.
unsafe extern "C" fn shim_release(opened: *const Opened) {
    // SAFETY: `nf` and the ACL are what `open()` gave up ownership of,
    // handed back once. The file goes first: the ACL reference only keeps
    // an address unique.
    unsafe {
        let opened = &*opened;
        drop(NfsdFile::from_raw(opened.nf));
        drop(AclRef::from_raw(opened.grant.acl));
    }
}
