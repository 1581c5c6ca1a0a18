// SPDX-License-Identifier: GPL-2.0

//! O_DIRECT requests nfs.ko offers whole, and their I/O on the exported
//! file.
//!
//! `nfs_file_direct_read()` and `nfs_file_direct_write()` offer the
//! application's `kiocb` and `iov_iter` (patch 0014) before nfs.ko builds
//! an `nfs_direct_req`, an `nfs_page` per page or a pageio header. A
//! [`DirectOffer`] is that offer, borrowed for the hook call; declined, it
//! is left untouched and nfs.ko serves it as it would without the hook.
//! Taken, it becomes a [`DirectRequest`] that [`DirectIo::run`] hands,
//! iterator and all, to the exported file's `->read_iter` or
//! `->write_iter` with a `kiocb` of ours: the exported filesystem pins the
//! application's pages itself, as for direct I/O on it.
//!
//! A synchronous request is submitted with a synchronous `kiocb` on the
//! stack, and the exported filesystem waits for it in the application's
//! task. An asynchronous one (aio, io_uring) gets one allocation with an
//! asynchronous `kiocb`; its completion, which may come from interrupt
//! context, finishes it in place when it may sleep and else on the
//! module's I/O queue. Either way the request is ended once, with
//! `nfs_localio_provider_direct_done()` (the inode's attributes and size,
//! as a WRITE reply updates them, and the end of the direct I/O nfs.ko
//! began), before the application's `kiocb` is completed.

use super::bindings as b;
use super::bounce::{Bounce, HeldPages};
use super::cred::CredOverride;
use super::file::{end_write_once, LowerFile};
use super::handoff::{completed, Handoff};
use super::local_io::{enqueue_io, InFlight};
use super::request::{
    file_key, Accepted, Declined, Invariant, KeyRef, Nfs4State, NfsClient, Opener,
};
use super::task::TaskFlagsScope;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::pin::Pin;
use core::ptr::NonNull;
use kernel::{
    init::InPlaceWrite,
    prelude::*,
    types::Opaque,
    workqueue::{impl_has_work, new_work, Work, WorkItem},
};

/// An O_DIRECT read or write offered whole.
///
/// # Invariants
///
/// `iocb`, `iter` and `dio` are what nfs.ko offered to the `direct` hook,
/// valid and untouched by anyone else for `'a`, the hook call; `iocb`'s
/// file is a file of an NFS mount. `count` is `iter`'s count.
pub(crate) struct DirectOffer<'a> {
    iocb: NonNull<b::kiocb>,
    iter: NonNull<b::iov_iter>,
    dio: NonNull<b::nfs_localio_direct>,
    count: u64,
    _call: Invariant<'a>,
}

impl<'a> DirectOffer<'a> {
    /// # Safety
    ///
    /// The pointers must be what nfs.ko passed the `direct` hook, valid
    /// and left to the hook for `'a`.
    pub(super) unsafe fn from_raw(
        iocb: *mut b::kiocb,
        iter: *mut b::iov_iter,
        dio: *const b::nfs_localio_direct,
    ) -> Option<Self> {
        let iter = NonNull::new(iter)?;
        // SAFETY: Valid for the call (our contract).
        let count = unsafe { b::localio_rs_iov_iter_count(iter.as_ptr()) } as u64;
        // INVARIANT: From our contract; nobody changes the iterator
        // meanwhile, so its count stays `count`.
        Some(Self {
            iocb: NonNull::new(iocb)?,
            iter,
            dio: NonNull::new(dio.cast_mut())?,
            count,
            _call: PhantomData,
        })
    }

    fn dio(&self) -> &b::nfs_localio_direct {
        // SAFETY: Valid for the call (type invariant).
        unsafe { self.dio.as_ref() }
    }

    fn inode(&self) -> *mut b::inode {
        // SAFETY: The offered kiocb's file is open for the call (type
        // invariant), and so is its inode.
        unsafe { (*(*self.iocb.as_ptr()).ki_filp).f_inode }
    }

    /// The client of the request's mount.
    pub(crate) fn client(&self) -> &'a NfsClient {
        // SAFETY: An NFS inode's superblock's `s_fs_info` is its
        // `nfs_server`, whose client outlives the mount's open files.
        unsafe {
            let server = (*(*self.inode()).i_sb).s_fs_info.cast::<b::nfs_server>();
            NfsClient::from_raw((*server).nfs_client)
        }
    }

    /// Whether it is a write.
    pub(crate) fn is_write(&self) -> bool {
        self.dio().write
    }

    /// Where it starts in the file.
    pub(crate) fn pos(&self) -> u64 {
        // SAFETY: Valid for the call (type invariant).
        u64::try_from(unsafe { (*self.iocb.as_ptr()).ki_pos }).unwrap_or(u64::MAX)
    }

    /// How many bytes it moves.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The NFS inode's number (the fileid on 64-bit kernels).
    pub(crate) fn fileid(&self) -> u64 {
        // SAFETY: Alive for the call (see `inode`).
        u64::try_from(unsafe { (*self.inode()).i_ino }).unwrap_or(0)
    }

    /// Whether the application completes it through `ki_complete` (aio,
    /// io_uring) rather than waiting for it in the call.
    pub(crate) fn is_async(&self) -> bool {
        // SAFETY: Valid for the call (type invariant).
        unsafe { (*self.iocb.as_ptr()).ki_complete.is_some() }
    }

    /// Whether every segment of the data starts on a multiple of
    /// `addr_mask + 1` in memory and is a multiple of `len_mask + 1` long:
    /// what direct I/O on a block device asks of its buffers.
    pub(crate) fn segments_aligned(&self, addr_mask: u32, len_mask: u32) -> bool {
        // SAFETY: Valid for the call (type invariant); only read.
        unsafe { b::iov_iter_is_aligned(self.iter.as_ptr(), addr_mask, len_mask) }
    }

    /// Whether the pages of its data can be held from its submission to
    /// its completion: user memory or pages.
    pub(crate) fn pages_holdable(&self) -> bool {
        // SAFETY: Valid for the call (type invariant).
        unsafe { HeldPages::can_hold(self.iter.as_ptr()) }
    }

    fn cred(&self) -> *const b::cred {
        // SAFETY: The open context lives while its file is open.
        unsafe { (*self.dio().ctx).cred }
    }

    fn mode(&self) -> u32 {
        let modes = b::LOCALIO_RS_FMODE_READ | b::LOCALIO_RS_FMODE_WRITE;
        // SAFETY: As in `cred`.
        unsafe { (*self.dio().ctx).mode & modes }
    }

    /// Which file it needs: the same as its pageio headers would.
    pub(crate) fn key(&self) -> KeyRef<'a> {
        // SAFETY: The offered filehandle is the inode's, valid and unchanged
        // for the call.
        unsafe { file_key(self.cred(), self.mode(), self.dio().fh) }
    }

    /// What it takes to open its file.
    pub(crate) fn opener(&self) -> Opener<'a> {
        Opener {
            client: self.client(),
            cred: self.cred(),
            fh: self.dio().fh,
            mode: self.mode(),
        }
    }

    /// The NFSv4 state its RPCs would be sent under; `None` on NFSv3.
    pub(crate) fn nfs4_state(&self) -> Option<Nfs4State> {
        let client = self.client();
        if client.nfs_version() != 4 {
            return None;
        }
        // SAFETY: nfs.ko's `->localio_direct_check` set the stateid the
        // RPCs would carry before offering an NFSv4 request; `data` is the
        // whole of it as bytes.
        let data = unsafe { &*self.dio().stateid.__bindgen_anon_1.data };
        Some(Nfs4State {
            stateid: *data,
            minor_version: client.minor_version(),
            write: self.is_write(),
        })
    }

    /// Leaves the request to nfs.ko, untouched.
    pub(crate) fn decline(self) -> Declined<'a> {
        Declined::token()
    }

    /// Takes the request: the provider now ends it.
    pub(crate) fn accept(self) -> (DirectRequest<'a>, Accepted<'a>) {
        let request = DirectRequest {
            iocb: self.iocb,
            iter: self.iter,
            pos: self.pos(),
            count: usize::try_from(self.count()).unwrap_or(usize::MAX),
            write: self.is_write(),
            _call: PhantomData,
        };
        (request, Accepted::token())
    }
}

/// A taken O_DIRECT request, during the hook call that took it.
///
/// # Invariants
///
/// As for [`DirectOffer`]; taken by the provider, which ends it once
/// through [`DirectIo::run`].
pub(crate) struct DirectRequest<'a> {
    iocb: NonNull<b::kiocb>,
    iter: NonNull<b::iov_iter>,
    pos: u64,
    count: usize,
    write: bool,
    _call: Invariant<'a>,
}

/// The application's `kiocb` of an asynchronous request, past the hook
/// call: what its completion needs.
///
/// # Invariants
///
/// `iocb` is a taken request's asynchronous `kiocb`, alive until it is
/// ended, which [`Self::end`] does once (`drop` ends it with `-EIO`).
struct AsyncEnd {
    iocb: NonNull<b::kiocb>,
    pos: u64,
    write: bool,
}

// SAFETY: The kiocb of a queued request belongs to its completion, which
// may run in any task.
unsafe impl Send for AsyncEnd {}

impl AsyncEnd {
    /// Ends the request with `result` and completes the application's
    /// `kiocb`; `file` is the exported file it was served from. Task
    /// context.
    fn end(self, file: &LowerFile<'_>, result: isize) {
        let this = ManuallyDrop::new(self);
        // SAFETY: Taken and not yet ended (type invariant), ended once here;
        // the file is open; task context.
        unsafe {
            end_direct(
                this.iocb.as_ptr(),
                file.as_ptr(),
                this.pos,
                result,
                this.write,
            );
            let iocb = this.iocb.as_ptr();
            if let Some(complete) = (*iocb).ki_complete {
                complete(iocb, result);
            }
        }
    }
}

impl Drop for AsyncEnd {
    fn drop(&mut self) {
        let iocb = self.iocb.as_ptr();
        // SAFETY: Not ended (else `end` forgot `self`): end it, once, as
        // failed, which reads no file.
        unsafe {
            end_direct(
                iocb,
                core::ptr::null_mut(),
                self.pos,
                -(b::EIO as isize),
                self.write,
            );
            if let Some(complete) = (*iocb).ki_complete {
                complete(iocb, -(b::EIO as isize));
            }
        }
    }
}

/// `nfs_localio_provider_direct_done()`.
///
/// # Safety
///
/// `iocb` must be a taken request's, not yet ended; `file`, read only for
/// a write that moved bytes, an open file; task context.
unsafe fn end_direct(
    iocb: *mut b::kiocb,
    file: *mut b::file,
    pos: u64,
    result: isize,
    write: bool,
) {
    let pos = i64::try_from(pos).unwrap_or(i64::MAX);
    // SAFETY: Our contract.
    unsafe { b::nfs_localio_provider_direct_done(iocb, file, pos, result, write) };
}

/// What owns a [`DirectIo`]: the exported file, kept open, and the
/// accounting of the result.
pub(crate) trait DirectJob: Send + Sized + 'static {
    /// The exported file the I/O is on.
    fn file(&self) -> LowerFile<'_>;

    /// The I/O is over with `result` (bytes moved, or the exported
    /// filesystem's negative errno), `inline`: within its submission.
    /// Returns what the application is to see. Task context.
    fn done(&self, result: isize, inline: bool) -> isize;

    /// Whether a direct write refused with `result` is to be written as
    /// nfsd writes it instead: through the page cache, synced.
    fn write_as_nfsd(&self, result: isize) -> bool;

    /// Whether a read of `count` bytes at `pos` that got `got` is short of
    /// the end of the file as it is now, so the rest is to be read.
    fn read_on(&self, pos: u64, count: usize, got: usize) -> bool;

    /// `bytes` of the write were written through the exported file's page
    /// cache instead ([`Self::write_as_nfsd`]).
    fn buffered(&self, bytes: isize);
}

/// The memory a taken request's I/O needs, reserved before it is taken,
/// so that running out of it leaves the request to nfs.ko.
pub(crate) struct DirectSlot<J: DirectJob> {
    /// An asynchronous request's allocation; a synchronous one's `kiocb`
    /// is on the stack.
    io: Option<KBox<MaybeUninit<DirectIo<J>>>>,
    /// The data's way through memory of ours, if its own is not aligned
    /// as the device takes it; boxed, so that the [`DirectIo`] of every
    /// other request stays small (one `kmalloc` size class down).
    bounce: Option<KBox<DirectBounce>>,
}

/// A bounce buffer and the `bio_vec`s over it, which a bio may point to
/// until the I/O is over; for an asynchronous read, the application's
/// pages its data lands in.
pub(crate) struct DirectBounce {
    buffer: Bounce,
    bvecs: KVec<b::bio_vec>,
    held: Option<HeldPages>,
}

impl DirectBounce {
    /// Sets `own` up over the buffer for `request`, a write's data copied
    /// in first and an asynchronous read's pages held; returns it, or
    /// `-EFAULT` if the data could not be read or no page held.
    ///
    /// # Safety
    ///
    /// `own` must be valid for writes; the request's iterator valid, its
    /// memory the current task's.
    unsafe fn iter(
        &mut self,
        own: *mut b::iov_iter,
        request: &DirectRequest<'_>,
        asynchronous: bool,
    ) -> Result<*mut b::iov_iter, isize> {
        let count = request.count;
        let fault = -(b::EFAULT as isize);
        let dir = if request.write {
            // SAFETY: Our contract; the buffer is idle.
            let copied = unsafe { self.buffer.fill_from(request.iter.as_ptr(), count) };
            if copied != count {
                return Err(fault);
            }
            b::ITER_SOURCE
        } else {
            if asynchronous {
                // SAFETY: A read's iterator is a destination, its memory
                // the current task's (our contract) or pages
                // (`direct_route` took it so).
                let held = unsafe { HeldPages::hold(request.iter.as_ptr(), count) };
                self.held = Some(held.map_err(|_| fault)?);
            }
            b::ITER_DEST
        };
        // SAFETY: `own` is ours; the bvecs cover the buffer's pages, which
        // hold at least `count` bytes (`reserve`).
        unsafe { b::iov_iter_bvec(own, dir, self.bvecs.as_ptr(), self.bvecs.len(), count) };
        Ok(own)
    }

    /// What a read of `result` through the buffer shows the application
    /// once `copy(buffer, bytes)` has copied its data out: the bytes
    /// copied, or `-EFAULT` if none could be.
    fn read_out(&self, result: isize, copy: impl FnOnce(&Bounce, usize) -> usize) -> isize {
        let Ok(got) = usize::try_from(result) else {
            return result;
        };
        match copy(&self.buffer, got) {
            0 if got > 0 => -(b::EFAULT as isize),
            n => n as isize,
        }
    }
}

impl<J: DirectJob> DirectSlot<J> {
    /// What `offer` needs, through a bounce buffer if `bounce`.
    pub(crate) fn reserve(offer: &DirectOffer<'_>, bounce: bool) -> Result<Self> {
        let bounce = match bounce {
            true => {
                let bytes = u32::try_from(offer.count()).map_err(|_| EINVAL)?;
                let buffer = Bounce::new(bytes)?;
                let bvecs = buffer.bvecs(bytes as usize)?;
                let bounce = DirectBounce {
                    buffer,
                    bvecs,
                    held: None,
                };
                Some(KBox::new(bounce, GFP_KERNEL)?)
            }
            false => None,
        };
        let io = match offer.is_async() {
            true => Some(KBox::new_uninit(GFP_KERNEL)?),
            false => None,
        };
        Ok(Self { io, bounce })
    }
}

/// The lower I/O of a taken O_DIRECT request.
///
/// # Invariants
///
/// For an asynchronous request: from the call of `->read_iter` /
/// `->write_iter` the allocation is the [`Handoff`]'s: whoever of the
/// submission and `ki_complete` drops its last reference owns it. `write_started` says whether
/// `kiocb_start_write` was called and not yet balanced.
#[pin_data(PinnedDrop)]
pub(crate) struct DirectIo<J: DirectJob> {
    #[pin]
    work: Work<DirectIo<J>>,
    #[pin]
    kiocb: Opaque<b::kiocb>,
    handoff: Handoff,
    write_started: bool,
    end: Option<AsyncEnd>,
    /// Kept until the I/O is over: its bio_vecs may be the bio's own.
    bounce: Option<KBox<DirectBounce>>,
    job: J,
    _in_flight: InFlight,
}

impl_has_work! {
    impl{J: DirectJob} HasWork<Self> for DirectIo<J> { self.work }
}

// SAFETY: Whichever task runs it owns all of it: the kiocb is handed to the
// filesystem and back, never shared; `J` is `Send`.
unsafe impl<J: DirectJob> Send for DirectIo<J> {}

impl<J: DirectJob> DirectIo<J> {
    /// Runs `request` on `job`'s file from the offering task, which must
    /// be the application's own, in `slot`,
    /// reserved for it. Returns what the hook returns: the result, or
    /// `-EIOCBQUEUED` once an asynchronous request is the filesystem's.
    pub(crate) fn run(slot: DirectSlot<J>, request: DirectRequest<'_>, job: J) -> isize {
        let _flags = TaskFlagsScope::io_worker();
        let DirectSlot { io, mut bounce } = slot;
        let mut own = MaybeUninit::<b::iov_iter>::uninit();
        let iter = match &mut bounce {
            None => request.iter.as_ptr(),
            Some(bounce) => {
                // SAFETY: The request's iterator is the application's, for
                // this task to read or write; `own` is ours to initialise
                // and lives until the submission has returned, the last
                // use of an iterator by the filesystem.
                match unsafe { bounce.iter(own.as_mut_ptr(), &request, io.is_some()) } {
                    Ok(iter) => iter,
                    Err(fault) => return Self::end_now(request, &job, fault),
                }
            }
        };
        let Some(slot) = io else {
            return Self::run_sync(request, job, iter, bounce.as_deref());
        };
        let end = AsyncEnd {
            iocb: request.iocb,
            pos: request.pos,
            write: request.write,
        };
        let init = pin_init!(DirectIo {
            work <- new_work!("localio_rs::DirectIo"),
            kiocb: Opaque::uninit(),
            handoff: Handoff::new(),
            write_started: false,
            end: Some(end),
            bounce,
            job,
            _in_flight: InFlight::new(),
        });
        let io = match slot.write_pin_init(init) {
            Ok(io) => io,
            Err(never) => match never {},
        };
        Self::submit(io, &request, iter)
    }

    /// Ends `request` with `result` before any I/O, in the offering task.
    fn end_now(request: DirectRequest<'_>, job: &J, result: isize) -> isize {
        let result = job.done(result, true);
        // SAFETY: Taken and ended once, here; task context.
        unsafe {
            end_direct(
                request.iocb.as_ptr(),
                job.file().as_ptr(),
                request.pos,
                result,
                request.write,
            )
        };
        result
    }

    /// A synchronous request: the filesystem waits for its I/O, from or
    /// into `iter`, in this call; then the request is ended here, a read
    /// through `bounce` copied out first.
    fn run_sync(
        request: DirectRequest<'_>,
        job: J,
        iter: *mut b::iov_iter,
        bounce: Option<&DirectBounce>,
    ) -> isize {
        let mut kiocb = MaybeUninit::<b::kiocb>::uninit();
        let kiocb = kiocb.as_mut_ptr();
        let file = job.file();
        // SAFETY: Ours to initialise, on the stack until this returns.
        unsafe { init_kiocb(kiocb, &file, &request, None) };
        // SAFETY: A bitwise copy of a valid iterator, to start again from.
        let mut saved = unsafe { core::ptr::read(iter) };
        // SAFETY: `kiocb` is set up for `file`, which the job keeps open;
        // the iterator is valid for the call (`run`).
        let mut result = unsafe { submit_raw(kiocb, iter, &file, request.write) };
        if request.write {
            // SAFETY: Started by `submit_raw` for this write, balanced here.
            unsafe { b::localio_rs_kiocb_end_write(kiocb) };
            // SAFETY: `saved` is the iterator before the write, whose
            // memory is this task's; the job keeps the file open.
            result = unsafe { Self::refused_as_nfsd(&job, &file, result, &mut saved, request.pos) };
        }
        if !request.write {
            // SAFETY: The iterator is valid for the call, advanced by what
            // was read, its memory this task's; the job keeps the file open.
            result = unsafe { Self::read_rest(&job, &file, iter, &request, result) };
        }
        if let (Some(bounce), false) = (bounce, request.write) {
            // SAFETY: The read is over; the application's iterator is for
            // this task to write.
            result = bounce.read_out(result, |buffer, got| unsafe {
                buffer.copy_to(request.iter.as_ptr(), got)
            });
        }
        Self::end_now(request, &job, result)
    }

    /// A read cut short (`got`) of a file that has grown since (the
    /// exported filesystem stops at the size it sampled) goes on while
    /// the job says the file reaches further, as nfs.ko asks for the rest
    /// of a READ that nfsd says is short of EOF: the rest is read as nfsd
    /// reads, through the page cache, since it starts where the sampled
    /// size ended, on no block boundary; the total read.
    ///
    /// # Safety
    ///
    /// `iter` must be the read's destination iterator, advanced by `got`,
    /// its memory the current task's; `file` open.
    unsafe fn read_rest(
        job: &J,
        file: &LowerFile<'_>,
        iter: *mut b::iov_iter,
        request: &DirectRequest<'_>,
        got: isize,
    ) -> isize {
        let mut total = got;
        while let Ok(done) = usize::try_from(total) {
            if done == 0 || done >= request.count || !job.read_on(request.pos, request.count, done)
            {
                break;
            }
            let mut at = i64::try_from(request.pos + done as u64).unwrap_or(i64::MAX);
            // SAFETY: Our contract; task context.
            let more = unsafe {
                let _cred = CredOverride::new(file.opener_cred());
                b::vfs_iter_read(file.as_ptr(), iter, &mut at, 0)
            };
            match more {
                1.. => total += more,
                _ => break,
            }
        }
        total
    }

    /// A direct write the exported filesystem refused with `result` where
    /// the job says nfsd's own write could succeed
    /// ([`DirectJob::write_as_nfsd`]) is written as nfsd writes a
    /// FILE_SYNC WRITE, through the page cache and synced, from `saved`;
    /// else `result` stands.
    ///
    /// # Safety
    ///
    /// `saved` must be a copy of the write's source iterator taken before
    /// it was submitted, its memory the current task's; `file` open.
    unsafe fn refused_as_nfsd(
        job: &J,
        file: &LowerFile<'_>,
        result: isize,
        saved: &mut b::iov_iter,
        pos: u64,
    ) -> isize {
        if !job.write_as_nfsd(result) {
            return result;
        }
        let mut at = i64::try_from(pos).unwrap_or(i64::MAX);
        // SAFETY: Our contract; task context.
        let written = unsafe {
            let _cred = CredOverride::new(file.opener_cred());
            b::vfs_iter_write(file.as_ptr(), saved, &mut at, b::LOCALIO_RS_RWF_SYNC)
        };
        if written > 0 {
            job.buffered(written);
        }
        written
    }

    /// Submits an asynchronous request's I/O; see [`Self::run`].
    fn submit(
        mut this: Pin<KBox<Self>>,
        request: &DirectRequest<'_>,
        iter: *mut b::iov_iter,
    ) -> isize {
        // SAFETY: Not moved out of; `kiocb` is `Opaque`, initialised in
        // place, and `write_started` is not structurally pinned.
        let io = unsafe { this.as_mut().get_unchecked_mut() };
        let file = io.job.file();
        let kiocb = io.kiocb.get();
        // SAFETY: `kiocb` is ours to initialise, in the pinned allocation.
        unsafe { init_kiocb(kiocb, &file, request, Some(Self::complete)) };
        io.write_started = request.write;
        let (file, write) = (file.as_ptr(), request.write);
        // SAFETY: A bitwise copy of a valid iterator, to start again from.
        let mut saved = unsafe { core::ptr::read(iter) };
        // From here the filesystem may own the allocation: give up the box.
        // SAFETY: Rebuilt below or by `complete` from the same pointer; the
        // allocation is never moved.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(this) });
        // SAFETY: The kiocb is set up for the file, which the job keeps
        // open; the iterator is the request's, ours for the call.
        let result = unsafe {
            let lower = LowerFile::from_raw(file);
            match lower {
                Some(lower) => submit_raw(kiocb, iter, &lower, write),
                None => -(b::EINVAL as isize),
            }
        };
        // SAFETY: Nothing frees `raw` while the submission holds its
        // reference (type invariant); only its handoff is touched.
        let Some(result) = (unsafe { (*raw).handoff.settle(result) }) else {
            return result;
        };
        // SAFETY: Completed within the call, so this is again the only
        // owner of `raw`, which came from `into_raw`.
        let this = unsafe { Pin::new_unchecked(KBox::from_raw(raw)) };
        // SAFETY: `saved` is the iterator before a write, whose memory is
        // this (the submitting) task's.
        unsafe { Self::end_inline(this, result, write.then_some(&mut saved), request.pos) }
    }

    /// Ends a request whose I/O completed within its submission, in the
    /// offering task; the application's kiocb is completed by its caller
    /// with what the hook returns, which this returns.
    ///
    /// # Safety
    ///
    /// `saved`, given for a write, must be the iterator before the write,
    /// its memory the current task's.
    unsafe fn end_inline(
        mut this: Pin<KBox<Self>>,
        result: isize,
        saved: Option<&mut b::iov_iter>,
        pos: u64,
    ) -> isize {
        // SAFETY: Not moved out of.
        let io = unsafe { this.as_mut().get_unchecked_mut() };
        io.end_write();
        let result = match saved {
            // SAFETY: Our contract; the job keeps the file open.
            Some(saved) => unsafe {
                Self::refused_as_nfsd(&io.job, &io.job.file(), result, saved, pos)
            },
            None => io.landed(result),
        };
        let result = io.job.done(result, true);
        if let Some(end) = io.end.take() {
            let end = ManuallyDrop::new(end);
            let lower = io.job.file();
            // SAFETY: Taken and ended once, here; the job keeps the file
            // open; task context (the offering task).
            unsafe {
                end_direct(
                    end.iocb.as_ptr(),
                    lower.as_ptr(),
                    end.pos,
                    result,
                    end.write,
                )
            };
        }
        result
    }

    /// An asynchronous read's `result`, its data copied from the bounce
    /// buffer, if it went through one, into the application's held pages.
    /// Task context.
    fn landed(&self, result: isize) -> isize {
        let Some(bounce) = &self.bounce else {
            return result;
        };
        match &bounce.held {
            Some(held) => bounce.read_out(result, |buffer, got| held.fill(buffer, got)),
            None => result,
        }
    }

    fn end_write(&mut self) {
        // SAFETY: `self` is a live `DirectIo`, borrowed uniquely.
        unsafe { Self::end_write_raw(self) };
    }

    /// # Safety
    ///
    /// `this` must be a live `DirectIo` whose `write_started` and `kiocb`
    /// nobody else uses during the call.
    unsafe fn end_write_raw(this: *mut Self) {
        // SAFETY: Live, and these fields are ours (our contract);
        // `write_started` is set only while the kiocb holds the protection
        // (type invariant).
        unsafe {
            let started = core::ptr::addr_of_mut!((*this).write_started);
            end_write_once(started, (*this).kiocb.get());
        }
    }

    /// Ends a request whose I/O completed after its submission returned.
    /// Task context.
    fn finish(mut this: Pin<KBox<Self>>, result: isize) {
        // SAFETY: Not moved out of.
        let io = unsafe { this.as_mut().get_unchecked_mut() };
        let result = io.landed(result);
        let result = io.job.done(result, false);
        if let Some(end) = io.end.take() {
            end.end(&io.job.file(), result);
        }
    }

    /// `ki_complete`: any context, interrupts included.
    ///
    /// # Safety
    ///
    /// `kiocb` must be the `kiocb` of a [`DirectIo`] that `submit` handed
    /// to the filesystem; called once.
    unsafe extern "C" fn complete(kiocb: *mut b::kiocb, result: isize) {
        let offset = core::mem::offset_of!(Self, kiocb);
        // SAFETY: `kiocb` is the field at `offset` of a `DirectIo` (our
        // contract), whose allocation the filesystem hands back here.
        let raw = unsafe { kiocb.cast::<u8>().sub(offset).cast::<Self>() };
        // SAFETY: `raw` is a `DirectIo` that `submit` handed to the
        // filesystem (our contract); its submitter touches only the handoff
        // from there on.
        let handoff = unsafe { core::ptr::addr_of!((*raw).handoff) };
        // SAFETY: As above; `end_write_raw` touches only its kiocb and
        // `write_started`.
        let Some(this) = (unsafe { completed(raw, handoff, result, Self::end_write_raw) }) else {
            return;
        };
        // SAFETY: Only reads the preempt count and the interrupt flag.
        if unsafe { b::localio_rs_may_block() } {
            Self::finish(this, result);
        } else if let Err(this) = enqueue_io(this) {
            // The queue outlives every I/O (`LocalIoQueue::drop`); finishing
            // here could sleep in interrupt context, so leak rather than
            // free (the module cannot unload then).
            core::mem::forget(this);
        }
    }
}

impl<J: DirectJob> WorkItem for DirectIo<J> {
    type Pointer = Pin<KBox<DirectIo<J>>>;

    fn run(this: Pin<KBox<Self>>) {
        // Queued only once completed.
        let result = this.handoff.result().unwrap_or(-(b::EIO as isize));
        Self::finish(this, result);
    }
}

#[pinned_drop]
impl<J: DirectJob> PinnedDrop for DirectIo<J> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Only `write_started` and the kiocb are used.
        let io = unsafe { self.get_unchecked_mut() };
        io.end_write();
    }
}

/// Sets `kiocb` up for `request`'s I/O on `file`: direct, at the request's
/// position, with the application's I/O priority; a write is durable when
/// it completes, as nfs.ko's direct writes are.
///
/// # Safety
///
/// `kiocb` must be valid for writes; `file` open while it is used.
unsafe fn init_kiocb(
    kiocb: *mut b::kiocb,
    file: &LowerFile<'_>,
    request: &DirectRequest<'_>,
    complete: Option<unsafe extern "C" fn(*mut b::kiocb, isize)>,
) {
    // SAFETY: Our contract; the application's kiocb is valid for the call.
    unsafe {
        b::localio_rs_init_sync_kiocb(kiocb, file.as_ptr());
        (*kiocb).ki_pos = i64::try_from(request.pos).unwrap_or(i64::MAX);
        (*kiocb).ki_ioprio = (*request.iocb.as_ptr()).ki_ioprio;
        (*kiocb).ki_flags |= b::IOCB_DIRECT as i32;
        (*kiocb).ki_flags &= !b::LOCALIO_RS_IOCB_APPEND;
        if request.write {
            (*kiocb).ki_flags |=
                b::IOCB_WRITE as i32 | b::LOCALIO_RS_IOCB_DSYNC | b::LOCALIO_RS_IOCB_SYNC;
        }
        (*kiocb).ki_complete = complete;
    }
}

/// `->read_iter` or `->write_iter` of `iter` with `kiocb` on `file`, as
/// the file's opener; a write under freeze protection, which its caller
/// ends once the write is over.
///
/// # Safety
///
/// `kiocb` must be set up by [`init_kiocb`] for `file`, which must stay
/// open until the I/O is over; `iter` valid for the call.
unsafe fn submit_raw(
    kiocb: *mut b::kiocb,
    iter: *mut b::iov_iter,
    file: &LowerFile<'_>,
    write: bool,
) -> isize {
    // SAFETY: Our contract.
    unsafe {
        if write {
            b::localio_rs_kiocb_start_write(kiocb);
        }
        file.rw_iter(kiocb, iter, write)
    }
}
