// SPDX-License-Identifier: GPL-2.0

//! Being nfs.ko's LOCALIO provider (the hook series in `patches/`).
//!
//! A [`Provider`] is offered every READ, WRITE and COMMIT of a
//! `localio=on` mount and answers each with a token: [`Accepted`] (it will
//! complete the request) or [`Declined`] (nfs.ko sends it as an RPC). The
//! tokens come only from the offer of the same call, so an answer cannot
//! disagree with what was done to the offer. A [`Registration`] registers
//! on creation and unregisters on drop; nfs.ko's unregister waits for hook
//! calls in flight, so none runs after it.

use super::bindings as b;
use super::debugfs::SeqFile;
use super::direct::DirectOffer;
use super::request::{Accepted, ClientId, CommitOffer, Declined, NfsClient, Offer, PgioOffer};
use core::ffi::{c_int, c_void, CStr};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::{prelude::*, sync::Arc};

/// A LOCALIO provider.
#[vtable]
pub(crate) trait Provider: Send + Sync + 'static {
    /// Serve `offer`, or leave it to nfs.ko. Runs in the context of the
    /// NFS client's I/O, writeback included.
    fn offer<'a>(&self, offer: Offer<'a>) -> Result<Accepted<'a>, Declined<'a>>;

    /// Serve an application's O_DIRECT read or write whole, or leave it to
    /// nfs.ko, which then offers its pageio headers to [`Self::offer`].
    /// Taken, with what `->read_iter`/`->write_iter` returns. Runs in the
    /// application's task, or whichever task submits its I/O.
    fn direct<'a>(&self, _offer: DirectOffer<'a>) -> Result<(Accepted<'a>, isize), Declined<'a>> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// nfs.ko is about to free the `nfs_client` `client`; no request of
    /// it is in flight.
    fn client_release(&self, _client: ClientId) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Writes, on one line, what the provider knows of `client` for a
    /// `localio=on` mount's `localio:` line in `/proc/self/mountstats`.
    fn show_stats(&self, _out: &mut SeqFile<'_>, _client: &NfsClient) -> core::fmt::Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// The registered provider's state, for the hooks (nfs.ko passes none).
/// One provider per module.
static REGISTERED: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// The provider registered with nfs.ko while this lives.
///
/// # Invariants
///
/// `ops` is registered with nfs.ko and [`REGISTERED`] points to the `T` in
/// `provider`, from `new` until `drop`.
pub(crate) struct Registration<T: Provider> {
    ops: KBox<b::nfs_localio_provider>,
    /// Reached through [`REGISTERED`].
    _provider: Arc<T>,
}

// SAFETY: The registered table is only read, by nfs.ko, from any task; it
// is unregistered from whichever task drops the registration.
unsafe impl<T: Provider> Send for Registration<T> {}
// SAFETY: Shared use only reads `provider`, which is `Sync`.
unsafe impl<T: Provider> Sync for Registration<T> {}

impl<T: Provider> Registration<T> {
    /// Registers `provider` as nfs.ko's LOCALIO provider.
    pub(crate) fn new(name: &'static CStr, provider: Arc<T>) -> Result<Self> {
        let ops = KBox::new(
            b::nfs_localio_provider {
                name: name.as_ptr().cast(),
                client_release: T::HAS_CLIENT_RELEASE.then_some(Self::client_release as _),
                show_stats: T::HAS_SHOW_STATS.then_some(Self::show_stats as _),
                pgio: Some(Self::pgio),
                commit: Some(Self::commit),
                direct: T::HAS_DIRECT.then_some(Self::direct as _),
            },
            GFP_KERNEL,
        )?;
        let state = (&*provider as *const T).cast_mut().cast::<c_void>();
        REGISTERED
            .compare_exchange(
                core::ptr::null_mut(),
                state,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map_err(|_| EBUSY)?;
        // SAFETY: `ops` lives (boxed) until `drop` unregisters it; the hooks
        // find the provider through `REGISTERED`, set above.
        let status = unsafe { b::nfs_localio_register_provider(&*ops) };
        if let Err(e) = kernel::error::to_result(status) {
            REGISTERED.store(core::ptr::null_mut(), Ordering::Release);
            return Err(e);
        }
        // INVARIANT: Registered above, and `REGISTERED` is set.
        Ok(Self {
            ops,
            _provider: provider,
        })
    }

    /// The registered provider.
    ///
    /// # Safety
    ///
    /// Only from a hook nfs.ko calls while a `Registration<T>` exists.
    unsafe fn registered<'a>() -> &'a T {
        // SAFETY: Hooks run only between register and unregister (our
        // contract), while `REGISTERED` points to the live `T`.
        unsafe { &*REGISTERED.load(Ordering::Acquire).cast::<T>() }
    }

    /// nfs.ko's `client_release` hook.
    ///
    /// # Safety
    ///
    /// Only called by nfs.ko, while registered, with a client it is about
    /// to free.
    unsafe extern "C" fn client_release(clp: *mut b::nfs_client) {
        // SAFETY: A hook of the registered provider, with a client nfs.ko
        // handed it.
        unsafe { Self::registered().client_release(ClientId::from_raw(clp)) };
    }

    /// nfs.ko's `show_stats` hook.
    ///
    /// # Safety
    ///
    /// Only called by nfs.ko, while registered, with the `seq_file` of
    /// `/proc/self/mountstats` being shown and a mount's live client.
    unsafe extern "C" fn show_stats(seq: *mut b::seq_file, clp: *mut b::nfs_client) {
        // SAFETY: nfs.ko's contract: the seq_file is ours to write for the
        // call, and the mount being shown holds the client.
        let (mut out, client) = unsafe { (SeqFile::from_raw(seq), NfsClient::from_raw(clp)) };
        // SAFETY: A hook of the registered provider. A full seq_file is
        // shown again with more room by its core: nothing to report here.
        let _ = unsafe { Self::registered() }.show_stats(&mut out, client);
    }

    /// nfs.ko's `pgio` hook.
    ///
    /// # Safety
    ///
    /// Only called by nfs.ko, while registered, with a READ or WRITE it
    /// offers for the duration of the call.
    unsafe extern "C" fn pgio(
        hdr: *mut b::nfs_pgio_header,
        call_ops: *const b::rpc_call_ops,
        _how: c_int,
    ) -> c_int {
        // SAFETY: nfs.ko offers `hdr` for the duration of this call.
        let write = unsafe { (*hdr).rw_mode } & b::LOCALIO_RS_FMODE_WRITE != 0;
        // SAFETY: As above; `rw_mode` says whether it is a READ or WRITE.
        let offer = unsafe {
            if write {
                PgioOffer::from_raw(hdr, call_ops).map(Offer::Write)
            } else {
                PgioOffer::from_raw(hdr, call_ops).map(Offer::Read)
            }
        };
        // SAFETY: A hook of the registered provider.
        unsafe { Self::answer(offer) }
    }

    /// nfs.ko's `commit` hook.
    ///
    /// # Safety
    ///
    /// Only called by nfs.ko, while registered, with a COMMIT it offers
    /// for the duration of the call (never a `FLUSH_SYNC` one, which it
    /// would wait for in place).
    unsafe extern "C" fn commit(
        data: *mut b::nfs_commit_data,
        call_ops: *const b::rpc_call_ops,
        _how: c_int,
    ) -> c_int {
        // SAFETY: nfs.ko offers `data` for the duration of this call.
        let offer = unsafe { CommitOffer::from_raw(data, call_ops) }.map(Offer::Commit);
        // SAFETY: A hook of the registered provider.
        unsafe { Self::answer(offer) }
    }

    /// nfs.ko's `direct` hook.
    ///
    /// # Safety
    ///
    /// Only called by nfs.ko, while registered, with an O_DIRECT request it
    /// offers for the duration of the call and a `result` valid for writes.
    unsafe extern "C" fn direct(
        iocb: *mut b::kiocb,
        iter: *mut b::iov_iter,
        dio: *const b::nfs_localio_direct,
        result: *mut isize,
    ) -> c_int {
        // SAFETY: nfs.ko offers these for the duration of this call.
        let Some(offer) = (unsafe { DirectOffer::from_raw(iocb, iter, dio) }) else {
            return -(b::EINVAL as c_int);
        };
        // SAFETY: A hook of the registered provider.
        match unsafe { Self::registered() }.direct(offer) {
            Ok((_, done)) => {
                // SAFETY: Valid for writes (our contract).
                unsafe { *result = done };
                0
            }
            Err(_) => -(b::EOPNOTSUPP as c_int),
        }
    }

    /// # Safety
    ///
    /// Only from a hook nfs.ko calls while a `Registration<T>` exists.
    unsafe fn answer(offer: Option<Offer<'_>>) -> c_int {
        let Some(offer) = offer else {
            return -(b::EINVAL as c_int);
        };
        // SAFETY: Our contract.
        match unsafe { Self::registered() }.offer(offer) {
            Ok(_) => 0,
            Err(_) => -(b::EOPNOTSUPP as c_int),
        }
    }
}

impl<T: Provider> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: Registered in `new` (type invariant); this waits for
        // hook calls in flight.
        unsafe { b::nfs_localio_unregister_provider(&*self.ops) };
        REGISTERED.store(core::ptr::null_mut(), Ordering::Release);
    }
}
