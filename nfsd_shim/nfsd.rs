// SPDX-License-Identifier: GPL-2.0

//! Safe types over what the shim touches in nfsd, nfs_common, RCU and the
//! VFS.
//!
//! nfsd's LOCALIO operations (`nfs_to`) come with lifetime rules that C
//! states in comments only: `nfs_to` may be called only while something
//! keeps nfsd loaded, a client's `nfs_uuid_t::net` is no reference and may
//! be used only under RCU until `nfsd_net_try_get()` pins it, and the
//! `nfsd_file` an open returns owns that pin until it is put; the client's
//! `nfs_uuid_t::dom` is the same: nfs_common puts it when the client's
//! handshake is redone or undone, so the open takes its own reference
//! under the same RCU section (`auth_domain`s are freed after a grace
//! period). The types
//! here carry those rules, so that the logic in `shim.rs` is safe Rust and
//! every `unsafe` of the module, apart from the entry points that take the
//! client's raw pointers, is in this file.

use crate::bindings;
use core::{
    ffi::{c_int, c_uint, c_void},
    marker::PhantomData,
    mem::ManuallyDrop,
    ops::Deref,
    ptr::{self, NonNull},
};
use kernel::{
    error::{from_err_ptr, Error, Result},
    prelude::*,
    types::Opaque,
};

// The static inlines bindgen cannot reach, wrapped in `helpers.c`. Only
// pointers cross, so what `inode` reaches (`struct module`'s
// `mod_arch_specific`, empty on x86) need not be FFI-safe; `bindings.rs`
// allows the same for the generated declarations.
#[allow(improper_ctypes)]
extern "C" {
    fn localio_rs_shim_rcu_read_lock();
    fn localio_rs_shim_rcu_read_unlock();
    fn localio_rs_shim_auth_domain_tryget(dom: *mut bindings::auth_domain) -> bool;
    fn localio_rs_shim_break_lease(inode: *mut bindings::inode, mode: c_uint) -> c_int;
    fn localio_rs_shim_get_cached_acl(inode: *mut bindings::inode) -> *mut c_void;
    fn localio_rs_shim_put_acl(acl: *mut c_void);
    fn localio_rs_shim_nfsd_net_put(net: *mut bindings::net);
    fn localio_rs_shim_nfsd_file_put_local(nf: *mut bindings::nfsd_file);
}

/// nfsd's LOCALIO operations.
///
/// # Safety
///
/// nfsd must have published them and must not be able to go away during
/// the caller's use of them: the caller holds a reference on an nfsd net
/// (a [`NetRef`], or one an [`NfsdFile`] owns), or is inside an RCU
/// read-side critical section in which it found an `nfs_uuid_t::net` set.
unsafe fn nfs_to() -> &'static bindings::nfsd_localio_operations {
    // SAFETY: nfsd sets `nfs_to` in its init, before it can tell any client
    // its net (`nfs_uuid_is_local()`, which also takes a reference on nfsd's
    // module for nfs_common), and only ever to its own static table. By the
    // caller's guarantee that has happened and the table stays: the read
    // races with no write and the reference is valid for as long as used.
    unsafe { &*bindings::nfs_to }
}

/// An RCU read-side critical section, as long as the guard lives.
///
/// # Invariants
///
/// `rcu_read_lock()` was called when the guard was created, by the task
/// that holds it (the guard is `!Send`), and `rcu_read_unlock()` is called
/// only when it is dropped.
pub(crate) struct RcuReadGuard(PhantomData<*mut ()>);

impl RcuReadGuard {
    /// Enters an RCU read-side critical section. Do not sleep until the
    /// guard is dropped.
    pub(crate) fn new() -> Self {
        // SAFETY: Always callable; the matching unlock is in `drop`.
        unsafe { localio_rs_shim_rcu_read_lock() };
        // INVARIANT: Locked just above, by the current task.
        Self(PhantomData)
    }
}

impl Drop for RcuReadGuard {
    fn drop(&mut self) {
        // SAFETY: By the type invariant, this task entered the section in
        // `new` and has not left it.
        unsafe { localio_rs_shim_rcu_read_unlock() };
    }
}

/// The NFS client (`struct nfs_client`) a LOCALIO open is for.
///
/// # Invariants
///
/// The `nfs_client` is initialised and stays so (not freed) for as long as
/// a `&NfsClient` exists.
#[repr(transparent)]
pub(crate) struct NfsClient(Opaque<bindings::nfs_client>);

impl NfsClient {
    /// # Safety
    ///
    /// `ptr` must point to an initialised `nfs_client` that stays valid for
    /// `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::nfs_client) -> &'a Self {
        // SAFETY: `NfsClient` is a transparent wrapper of `nfs_client`, and
        // the caller guarantees the pointee valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Whether the client does its I/O under NFSv4 open or delegation
    /// state, whose OPEN broke the leases and delegations in its way.
    pub(crate) fn has_open_state(&self) -> bool {
        // SAFETY: `rpc_ops` is set when the client is created and points to
        // a static table (type invariant: the client is initialised).
        unsafe { (*(*self.0.get()).rpc_ops).version >= 4 }
    }

    /// nfsd's net for this client's server, pinned, and the client's
    /// domain in it, referenced; `None` if nfsd does not serve this client
    /// locally or is shutting down, or the handshake is being redone.
    pub(crate) fn nfsd_net(&self) -> Option<(NetRef, DomainRef)> {
        // `cl_uuid.net` and `cl_uuid.dom` are no references of ours:
        // nfs_common clears them when nfsd lets go of the net or the
        // client's handshake is redone (`nfs_local_probe()`), and only RCU
        // keeps them valid until they are pinned.
        let _rcu = RcuReadGuard::new();
        // SAFETY: `self.0` is a valid `nfs_client` by the type invariant.
        // `cl_uuid.net` is an RCU pointer and `cl_uuid.dom` is set before
        // it is published: read once each (`rcu_dereference()`,
        // `READ_ONCE()`), inside the read-side section just entered.
        let (net, dom) = unsafe {
            let uuid = ptr::addr_of!((*self.0.get()).cl_uuid);
            (
                ptr::addr_of!((*uuid).net).read_volatile(),
                ptr::addr_of!((*uuid).dom).read_volatile(),
            )
        };
        let net = NonNull::new(net)?;
        let dom = NonNull::new(dom)?;
        // SAFETY: We are in an RCU read-side section in which the client's
        // `nfs_uuid_t::net` was set: nfsd has published `nfs_to` (and sets
        // every operation), and the net stays valid until the section ends,
        // which is what `nfsd_net_try_get()` asks of its caller.
        let pinned = unsafe { nfs_to().nfsd_net_try_get.unwrap_unchecked()(net.as_ptr()) };
        if !pinned {
            // No `NetRef` here: dropping it would put a reference never had.
            return None;
        }
        // INVARIANT: `nfsd_net_try_get()` succeeded, so the reference is ours.
        let net = NetRef(net);
        // SAFETY: Read under this RCU section, in which a domain whose last
        // reference goes stays allocated: nfs.ko handshakes over AUTH_SYS
        // only, so the domain is a "unix" one, which sunrpc frees after a
        // grace period (`svcauth_unix_domain_release()`). Its count can be
        // tried.
        if !unsafe { localio_rs_shim_auth_domain_tryget(dom.as_ptr()) } {
            return None;
        }
        // INVARIANT: The reference was taken just above.
        Some((net, DomainRef(dom)))
    }
}

/// A reference on the `auth_domain` nfsd knows a client by.
///
/// # Invariants
///
/// `self.0` points to an `auth_domain` on which this value owns one
/// reference, dropped with `auth_domain_put()`.
pub(crate) struct DomainRef(NonNull<bindings::auth_domain>);

impl Drop for DomainRef {
    fn drop(&mut self) {
        // SAFETY: We own the reference (type invariant).
        unsafe { bindings::auth_domain_put(self.0.as_ptr()) };
    }
}

/// The credentials (`struct cred`) an open is done as.
///
/// # Invariants
///
/// The `cred` is valid for as long as a `&Cred` exists.
#[repr(transparent)]
pub(crate) struct Cred(Opaque<bindings::cred>);

impl Cred {
    /// # Safety
    ///
    /// `ptr` must point to a valid `cred` that stays valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::cred) -> &'a Self {
        // SAFETY: `Cred` is a transparent wrapper of `cred`, and the caller
        // guarantees the pointee valid for `'a`.
        unsafe { &*ptr.cast() }
    }
}

/// An NFS filehandle (`struct nfs_fh`).
///
/// # Invariants
///
/// The `nfs_fh` is valid for as long as a `&NfsFh` exists.
#[repr(transparent)]
pub(crate) struct NfsFh(Opaque<bindings::nfs_fh>);

impl NfsFh {
    /// # Safety
    ///
    /// `ptr` must point to a valid `nfs_fh` that stays valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::nfs_fh) -> &'a Self {
        // SAFETY: `NfsFh` is a transparent wrapper of `nfs_fh`, and the
        // caller guarantees the pointee valid for `'a`.
        unsafe { &*ptr.cast() }
    }
}

/// nfsd's network namespace, pinned by someone.
///
/// # Invariants
///
/// For as long as a `&Net` exists, a reference from `nfsd_net_try_get()` on
/// the net is held (by a [`NetRef`], an [`NfsdFile`], or the client's open
/// file): nfsd, its per-net state and `nfs_to` stay.
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// # Safety
    ///
    /// `ptr` must point to a net on which a reference from
    /// `nfsd_net_try_get()` is held for all of `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Self {
        // SAFETY: `Net` is a transparent wrapper of `net`; the caller
        // guarantees the type invariant for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The raw pointer, as the client is given it.
    pub(crate) fn as_ptr(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// nfsd's export generation: increases whenever the export table may
    /// have changed.
    pub(crate) fn export_generation(&self) -> u64 {
        // SAFETY: The net is pinned (type invariant), so `nfs_to` is valid
        // and may be called with it; nfsd sets every operation.
        unsafe { nfs_to().nfsd_export_generation.unwrap_unchecked()(self.as_ptr()) }
    }

    /// Whether nfsd still serves this net: `false` once its shutdown has
    /// begun, which then waits for every reference to be dropped.
    pub(crate) fn serving(&self) -> bool {
        // nfsd's get and put expect RCU held, as nfs_common calls them.
        let _rcu = RcuReadGuard::new();
        let net = NonNull::from(self).cast();
        // SAFETY: The net is pinned (type invariant), so `nfs_to` is valid
        // and may be called with it; nfsd sets every operation.
        let live = unsafe { nfs_to().nfsd_net_try_get.unwrap_unchecked()(net.as_ptr()) };
        if live {
            // INVARIANT: `nfsd_net_try_get()` succeeded, so the reference is
            // ours; put it again inside the section, as nfs_common would.
            drop(NetRef(net));
        }
        live
    }

    /// Copies the write verifier nfsd's replies carry now into `verf`.
    pub(crate) fn write_verifier(&self, verf: &mut [u8; 8]) {
        // SAFETY: The net is pinned (type invariant), so `nfs_to` is valid
        // and may be called with it; nfsd sets every operation. nfsd copies
        // 8 bytes (`nfsd_copy_write_verifier()` is a memcpy, so `verf` needs
        // no more than byte alignment), and `verf` is 8 writable bytes.
        unsafe {
            nfs_to().nfsd_write_verifier.unwrap_unchecked()(self.as_ptr(), verf.as_mut_ptr().cast())
        }
    }

    /// Tells nfsd that a local write or commit failed with `err`.
    pub(crate) fn write_failed(&self, err: c_int) {
        // SAFETY: The net is pinned (type invariant), so `nfs_to` is valid
        // and may be called with it; nfsd sets every operation.
        unsafe { nfs_to().nfsd_write_failed.unwrap_unchecked()(self.as_ptr(), err) }
    }

    /// Whether the export `fh` belongs to, as nfsd finds it for the client
    /// known as `dom`, checks the subtree on every access
    /// (`subtree_check`); true when nfsd cannot tell.
    pub(crate) fn subtree_checked(&self, dom: &DomainRef, fh: &NfsFh) -> bool {
        // SAFETY: The net is pinned (type invariant), so `nfs_to` is valid.
        let Some(subtree_checked) = (unsafe { nfs_to().nfsd_subtree_checked }) else {
            return true;
        };
        // SAFETY: As above; `dom` is referenced and `fh` valid for the call
        // (their type invariants); nfsd only reads them.
        unsafe { subtree_checked(self.as_ptr(), dom.0.as_ptr(), fh.0.get()) }
    }

    /// Whether nfsd would take `stateid` on an NFSv4 READ (or, with
    /// `write`, WRITE) of the file `nf` holds, from a client of NFSv4 minor
    /// version `minor_version`. False from an nfsd built without NFSv4,
    /// which sets no such operation.
    ///
    /// # Safety
    ///
    /// `nf` must be an `nfsd_file` opened on this net and held for the call.
    pub(crate) unsafe fn stateid_ok(
        &self,
        nf: *mut bindings::nfsd_file,
        stateid: &[u8; 16],
        minor_version: u32,
        write: bool,
    ) -> bool {
        // SAFETY: The net is pinned (type invariant), so `nfs_to` is valid.
        let Some(stateid_ok) = (unsafe { nfs_to().nfsd_stateid_ok }) else {
            return false;
        };
        // SAFETY: As above; `nf` is held for the call (our contract) and
        // nfsd reads the 16 bytes of `stateid` only during it.
        unsafe { stateid_ok(self.as_ptr(), nf, stateid.as_ptr(), minor_version, write) }
    }
}

/// A reference on nfsd's net, from `nfsd_net_try_get()`.
///
/// # Invariants
///
/// `self.0` points to a net on which this value owns one reference from
/// `nfsd_net_try_get()`, dropped with `nfs_to_nfsd_net_put()` in `drop` or
/// handed to an [`NfsdFile`].
pub(crate) struct NetRef(NonNull<bindings::net>);

impl Deref for NetRef {
    type Target = Net;

    fn deref(&self) -> &Net {
        // SAFETY: By the type invariant, the reference this value owns pins
        // the net for as long as the borrow of `self`.
        unsafe { Net::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for NetRef {
    fn drop(&mut self) {
        // SAFETY: By the type invariant, we own the reference. The helper
        // takes RCU around the put, so that nfsd's put returns safely even
        // if it was the last thing keeping nfsd loaded.
        unsafe { localio_rs_shim_nfsd_net_put(self.0.as_ptr()) };
    }
}

/// A file nfsd opened for LOCALIO (`struct nfsd_file`).
///
/// # Invariants
///
/// `self.0` points to an `nfsd_file` returned by `nfsd_open_local_fh()`, of
/// which this value owns the reference the open returned and the net
/// reference the open was made under; both are dropped with
/// `nfs_to_nfsd_file_put_local()`.
pub(crate) struct NfsdFile(NonNull<bindings::nfsd_file>);

impl NfsdFile {
    /// Opens `fh` through nfsd as `cred` would over the wire, on `net`, for
    /// `mode` (an `fmode_t`). Gives `net`'s reference to the file on
    /// success, drops it on failure.
    pub(crate) fn open(
        net: NetRef,
        dom: &DomainRef,
        clp: &NfsClient,
        cred: &Cred,
        fh: &NfsFh,
        mode: u32,
    ) -> Result<Self> {
        let clp = clp.0.get();
        // SAFETY: `net` is pinned, so `nfs_to` is valid and may be called
        // with it; nfsd sets every operation. `dom` is referenced (type
        // invariant) for the call, unlike the client's `cl_uuid.dom`, which
        // a concurrent handshake may put; `clp`, `cred` and `fh` are valid
        // by their type invariants.
        let nf = unsafe {
            nfs_to().nfsd_open_local_fh.unwrap_unchecked()(
                net.as_ptr(),
                dom.0.as_ptr(),
                (*clp).cl_rpcclient,
                cred.0.get(),
                fh.0.get(),
                mode,
            )
        };
        // On error, dropping `net` puts its reference.
        let nf = NonNull::new(from_err_ptr(nf)?).ok_or(EINVAL)?;
        // The net reference now belongs to the file (see the invariant).
        core::mem::forget(net);
        // INVARIANT: A file from `nfsd_open_local_fh()`, which now owns the
        // net reference too.
        Ok(Self(nf))
    }

    /// The open file nfsd holds in the `nfsd_file`.
    pub(crate) fn file(&self) -> &File {
        // SAFETY: The net reference we own (type invariant) keeps `nfs_to`
        // valid; nfsd sets every operation. The `nfsd_file` holds its file
        // open until its last reference goes, so the file outlives the
        // borrow of `self`.
        unsafe { File::from_raw(nfs_to().nfsd_file_file.unwrap_unchecked()(self.0.as_ptr())) }
    }

    /// Gives up ownership, for the client to hand back to [`Self::from_raw`].
    pub(crate) fn into_raw(self) -> *mut bindings::nfsd_file {
        ManuallyDrop::new(self).0.as_ptr()
    }

    /// # Safety
    ///
    /// `nf` must come from [`Self::into_raw`] and not have been given to
    /// this function since: the returned value owns what the original did.
    pub(crate) unsafe fn from_raw(nf: *mut bindings::nfsd_file) -> Self {
        // INVARIANT: The caller hands back the ownership `into_raw` gave up.
        // SAFETY: `into_raw` only returns non-null pointers.
        Self(unsafe { NonNull::new_unchecked(nf) })
    }
}

impl Drop for NfsdFile {
    fn drop(&mut self) {
        // SAFETY: We own the file's reference and its net reference (type
        // invariant). The helper puts the file outside RCU, as it may sleep
        // deep in the filesystem, then the net under RCU.
        unsafe { localio_rs_shim_nfsd_file_put_local(self.0.as_ptr()) };
    }
}

/// An inode's access ACL as `get_cached_acl()` returned it: a reference on
/// a `struct posix_acl`, or null, or one of the markers the cache holds
/// instead of an ACL (not cached, not to cache), which need none.
///
/// # Invariants
///
/// `self.0` is null, an uncached-ACL marker, or a `posix_acl` on which
/// this value owns one reference, put by `drop`.
pub(crate) struct AclRef(*mut c_void);

impl AclRef {
    /// Its address, for comparison with [`Inode::acl`].
    pub(crate) fn as_ptr(&self) -> *const c_void {
        self.0
    }

    /// Gives up ownership, for [`Self::from_raw`].
    pub(crate) fn into_raw(self) -> *const c_void {
        ManuallyDrop::new(self).0
    }

    /// # Safety
    ///
    /// `acl` must come from [`Self::into_raw`] and not have been given to
    /// this function since.
    pub(crate) unsafe fn from_raw(acl: *const c_void) -> Self {
        // INVARIANT: The caller hands back what `into_raw` gave up.
        Self(acl.cast_mut())
    }
}

impl Drop for AclRef {
    fn drop(&mut self) {
        // SAFETY: Null, a marker, or our reference (type invariant): the
        // helper puts only the last.
        unsafe { localio_rs_shim_put_acl(self.0) };
    }
}

/// An open file (`struct file`).
///
/// # Invariants
///
/// The file is held open by someone for as long as a `&File` exists.
#[repr(transparent)]
pub(crate) struct File(Opaque<bindings::file>);

impl File {
    /// # Safety
    ///
    /// `ptr` must point to a file that stays open for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::file) -> &'a Self {
        // SAFETY: `File` is a transparent wrapper of `file`; the caller
        // guarantees the type invariant for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The raw pointer, as the client is given it.
    pub(crate) fn as_ptr(&self) -> *mut bindings::file {
        self.0.get()
    }

    /// The file's inode (`file_inode()`).
    pub(crate) fn inode(&self) -> &Inode {
        // SAFETY: The file is open (type invariant); `f_inode` is set when
        // it is opened and never changes, and an open file pins its inode,
        // so the inode outlives the borrow of `self`.
        unsafe { Inode::from_raw((*self.as_ptr()).f_inode) }
    }

    /// The file's direct I/O alignment, memory then offset, as `statx()`
    /// reports it (`STATX_DIOALIGN`); `None` if getattr fails or the
    /// filesystem does not report it. Either value may be 0. May sleep.
    pub(crate) fn dio_alignment(&self) -> Option<(u32, u32)> {
        let mut stat = bindings::kstat::default();
        // SAFETY: The file is open (type invariant), so its path is valid;
        // `stat` is a `kstat` on our stack that `vfs_getattr()` fills in.
        let err = unsafe {
            bindings::vfs_getattr(
                ptr::addr_of!((*self.as_ptr()).f_path),
                &mut stat,
                bindings::STATX_DIOALIGN,
                bindings::AT_STATX_SYNC_AS_STAT,
            )
        };
        (err == 0 && stat.result_mask & bindings::STATX_DIOALIGN != 0)
            .then_some((stat.dio_mem_align, stat.dio_offset_align))
    }
}

/// An inode (`struct inode`), pinned by an open file.
///
/// Its attributes change under us (`chmod`, `chown`, `unlink`, ...): each
/// accessor reads its field once (`READ_ONCE()`), and two calls may differ.
///
/// # Invariants
///
/// The inode stays allocated for as long as an `&Inode` exists.
#[repr(transparent)]
pub(crate) struct Inode(Opaque<bindings::inode>);

/// Reads one field of an [`Inode`] once, as `READ_ONCE()` does.
macro_rules! read_once {
    ($inode:expr, $($field:tt)+) => {
        // SAFETY: The inode is allocated (type invariant) and the field an
        // aligned scalar of it; a volatile read sees one value however the
        // field changes meanwhile.
        unsafe { ptr::addr_of!((*$inode.0.get()).$($field)+).read_volatile() }
    };
}

impl Inode {
    /// # Safety
    ///
    /// `ptr` must point to an inode that stays allocated for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::inode) -> &'a Self {
        // SAFETY: `Inode` is a transparent wrapper of `inode`; the caller
        // guarantees the type invariant for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The number of links: 0 once the file is unlinked.
    pub(crate) fn nlink(&self) -> u32 {
        read_once!(self, __bindgen_anon_1.i_nlink)
    }

    /// The owner (a `kuid_t`'s raw value).
    pub(crate) fn uid(&self) -> u32 {
        read_once!(self, i_uid.val)
    }

    /// The group (a `kgid_t`'s raw value).
    pub(crate) fn gid(&self) -> u32 {
        read_once!(self, i_gid.val)
    }

    /// The file type and permission bits.
    pub(crate) fn mode(&self) -> u32 {
        read_once!(self, i_mode).into()
    }

    /// The inode flags (`S_*`).
    pub(crate) fn flags(&self) -> u32 {
        read_once!(self, i_flags)
    }

    /// The cached access ACL, counted: while the reference is held, no
    /// other ACL can be allocated at its address, so comparing a later
    /// [`Inode::acl`] with it by address tells whether the inode's ACL was
    /// replaced (`setfacl`), however often meanwhile. May spin briefly,
    /// never sleeps.
    pub(crate) fn cached_acl(&self) -> AclRef {
        // SAFETY: The inode is allocated (type invariant); `get_cached_acl()`
        // takes the reference under RCU, or returns a marker that needs none.
        let acl = unsafe { localio_rs_shim_get_cached_acl(self.0.get()) };
        // INVARIANT: A counted ACL, null, or an uncached-ACL marker.
        AclRef(acl)
    }

    /// The cached access ACL, for comparison by address only with an
    /// [`AclRef`] held since (a new ACL is a new object, and the held one
    /// keeps its address from being reused). Null without POSIX ACL
    /// support.
    pub(crate) fn acl(&self) -> *const c_void {
        #[cfg(CONFIG_FS_POSIX_ACL)]
        {
            read_once!(self, i_acl).cast_const().cast()
        }
        #[cfg(not(CONFIG_FS_POSIX_ACL))]
        {
            ptr::null()
        }
    }

    /// `break_lease(inode, mode)`: starts breaking the leases and
    /// delegations an open with `mode` (`O_*` flags) conflicts with. With
    /// `O_NONBLOCK`, returns an error instead of waiting for them to go.
    /// May sleep.
    pub(crate) fn break_lease(&self, mode: c_uint) -> Result {
        // SAFETY: The inode is allocated (type invariant).
        match unsafe { localio_rs_shim_break_lease(self.0.get(), mode) } {
            0 => Ok(()),
            err => Err(Error::from_errno(err)),
        }
    }
}
