// SPDX-License-Identifier: GPL-2.0

//! One request's I/O on the exported filesystem, submitted inline or from a
//! work queue.
//!
//! A [`LocalIo`] is one allocation holding the work item, the `kiocb`, the
//! `iov_iter` and the `bio_vec`s over the NFS request's pages, and the
//! caller's job (which owns the NFS request, and so its pages). The task
//! that offered the request submits it itself when the inline-submission
//! rule allows, or queues it for a worker; either
//! submits it with `->read_iter` or `->write_iter` as async direct I/O (or
//! syncs the file, for a COMMIT), as a nested I/O submitter
//! ([`TaskFlagsScope::io_worker`]).
//!
//! A WRITE that starts or ends inside an alignment unit also has pieces
//! ([`Pieces`]) written through the lower page cache with
//! `vfs_iter_write()`, as nfsd writes: the head before the direct I/O is
//! submitted, the tail once it has completed in full, then, for a stable
//! WRITE, one sync of the whole range. They are written where the direct
//! I/O is submitted and completed, in the same nested-I/O scope: by the
//! offering task when it may submit inline (an application: as it would
//! write to the exported filesystem itself), else by a worker; never by
//! writeback's or reclaim's own context.
//!
//! If the filesystem completes it within the call, or calls `ki_complete`
//! before the call has returned (a RAM disk or a fast device completes the
//! bio inside `submit_bio()`), the submitter hands the result to
//! [`IoJob::done`] right there: no queue hop. Otherwise the I/O is the
//! filesystem's until `ki_complete`, which may run in interrupt context:
//! it ends a write's freeze protection there, as aio does, and queues the
//! I/O again, for [`IoJob::done`] on a worker. No completion waits for a
//! worker while holding what a blocked submitter waits for.

use super::bindings as b;
use super::bounce::{copy_pages, Bounce};
use super::cred::CredOverride;
use super::file::{end_write_once, LowerFile};
use super::handoff::{completed, Handoff};
use super::module_ref::ModuleRef;
use super::pages::Pieces;
use super::request::Pages;
use super::task::TaskFlagsScope;
use super::workqueue::IoQueue;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use kernel::{
    init::InPlaceWrite,
    prelude::*,
    str::CStr,
    types::Opaque,
    workqueue::{impl_has_work, new_work, Queue, RawWorkItem, Work, WorkItem},
};

/// What owns a [`LocalIo`] and finishes it.
pub(crate) trait IoJob: Send + Sized + 'static {
    /// The pages of the request the job owns, which the I/O reads into or
    /// writes from.
    fn pages(&self) -> Pages<'_>;

    /// The file the I/O is on, which the job keeps open.
    fn file(&self) -> LowerFile<'_>;

    /// Called with the I/O's result (bytes moved, or a negative errno) by
    /// its submitter, inline or on a worker, when the filesystem completed
    /// it within the submission (`inline`), or else on a worker.
    fn done(io: Pin<KBox<LocalIo<Self>>>, result: isize, inline: bool);

    /// Called just before the I/O goes to the filesystem, from a worker
    /// (`queued`) or the task that offered it (for tracing).
    fn submitting(&self, _queued: bool) {}

    /// Whether a direct write refused with `result` is to be written as
    /// nfsd writes it instead: through the page cache, synced.
    fn write_as_nfsd(&self, _result: isize) -> bool {
        false
    }

    /// `bytes` of a WRITE were written through the exported file's page
    /// cache instead ([`Self::write_as_nfsd`]).
    fn buffered(&self, _bytes: isize) {}
}

/// What a [`LocalIo`] does.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    /// Direct read into the pages from `pos`, or with `buffered` (a lower
    /// file without direct I/O) a read through its page cache.
    Read { pos: u64, buffered: bool },
    /// Direct write of the pages at `pos`; `dsync`: the data (and with
    /// `sync` also the metadata) is stable when it completes; `buffered`:
    /// the bytes at either end written through the page cache instead.
    Write {
        pos: u64,
        dsync: bool,
        sync: bool,
        buffered: Pieces,
    },
    /// `fsync` of the byte range `start..=end`.
    Sync { start: u64, end: u64 },
}

/// What is left of an I/O once what runs before its direct I/O has run.
enum Next {
    /// Nothing: it is over, with this result.
    Done(isize),
    /// No direct I/O (a WRITE that is all head): its end.
    Finish,
    /// The direct I/O at `pos`, with these kiocb flags.
    Direct { pos: u64, write: bool, flags: i32 },
}

/// The module's I/O queue while a [`LocalIoQueue`] publishes it.
static QUEUE: AtomicPtr<b::workqueue_struct> = AtomicPtr::new(core::ptr::null_mut());

/// [`LocalIo`]s allocated and not yet freed.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// The most [`LocalIo`]s there have been at once since the module loaded.
static IN_FLIGHT_PEAK: AtomicUsize = AtomicUsize::new(0);

/// I/Os allocated and not yet freed: now, and the most there have been.
pub(crate) fn in_flight() -> (usize, usize) {
    (
        IN_FLIGHT.load(Ordering::Relaxed),
        IN_FLIGHT_PEAK.load(Ordering::Relaxed),
    )
}

/// The queue every [`LocalIo`] of this module runs on. One per module.
///
/// # Invariants
///
/// `queue` is published in [`QUEUE`] from `new` until `drop`, which
/// destroys it only once no [`LocalIo`] is left (so none can still be
/// about to queue itself on it).
pub(crate) struct LocalIoQueue {
    /// Reached through [`QUEUE`]; destroyed (drained) after `drop`.
    _queue: IoQueue,
}

impl LocalIoQueue {
    /// A dedicated unbound queue (see [`IoQueue`]) named `name`.
    pub(crate) fn new(name: &'static CStr) -> Result<Self> {
        let queue = IoQueue::new_unbound(name)?;
        QUEUE
            .compare_exchange(
                core::ptr::null_mut(),
                queue.as_ptr(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map_err(|_| EBUSY)?;
        // INVARIANT: Published above.
        Ok(Self { _queue: queue })
    }
}

impl Drop for LocalIoQueue {
    fn drop(&mut self) {
        // The queue stays published until the last I/O is freed: an I/O's
        // `ki_complete`, which may run in interrupt context, must always
        // find it, so that it never finishes the request where it runs.
        // A module reference does not keep I/O away from here: an offer
        // that arrives after `try_stop_module()` still gets one (`__module_get`)
        // and may submit until the provider is unregistered, which the
        // module's fields do before this drop. So no new I/O starts now,
        // and what is in flight completes through the queue.
        while IN_FLIGHT.load(Ordering::Acquire) != 0 {
            // SAFETY: Sleeping is allowed here: module unload, task context.
            unsafe { b::msleep(1) };
        }
        QUEUE.store(core::ptr::null_mut(), Ordering::Release);
        // `queue` is destroyed next, after draining what is queued.
    }
}

/// Queues `item` on the module's I/O queue, or gives it back if there is
/// none: while an I/O counted in [`IN_FLIGHT`] is alive (`item` is one,
/// or is owned by one), the queue is.
pub(super) fn enqueue_io<W>(item: W) -> Result<(), W>
where
    W: RawWorkItem<0> + Send + 'static,
{
    let queue = QUEUE.load(Ordering::Acquire);
    if queue.is_null() {
        return Err(item);
    }
    // SAFETY: Published, and `LocalIoQueue::drop` does not destroy it while
    // an I/O counted in `IN_FLIGHT` exists; `item` is freed only by a
    // worker of the queue, after this call.
    let queue = unsafe { Queue::from_raw(queue) };
    let _ = queue.enqueue(item);
    Ok(())
}

/// One live I/O's share of [`IN_FLIGHT`] and of the module: held by every
/// [`LocalIo`] and every asynchronous direct request's I/O.
pub(super) struct InFlight {
    _module: ModuleRef,
}

impl InFlight {
    pub(super) fn new() -> Self {
        let now = IN_FLIGHT.fetch_add(1, Ordering::AcqRel) + 1;
        // Written only when a new peak is reached: no shared write per I/O.
        if now > IN_FLIGHT_PEAK.load(Ordering::Relaxed) {
            IN_FLIGHT_PEAK.fetch_max(now, Ordering::Relaxed);
        }
        Self {
            _module: ModuleRef::new(&crate::THIS_MODULE),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Request pages covered inline (48 KiB); larger requests get their own
/// array. As many as keep a [`LocalIo`] within `kmalloc-512`.
const INLINE_BVECS: usize = 12;

/// The `bio_vec` of a whole page.
fn page_vec(page: *mut b::page) -> b::bio_vec {
    b::bio_vec {
        bv_page: page,
        bv_len: kernel::page::PAGE_SIZE as u32,
        bv_offset: 0,
    }
}

/// The memory for one [`LocalIo`], taken before the NFS request is
/// accepted, so that running out of it leaves the request to nfs.ko.
pub(crate) struct IoSlot<J: IoJob> {
    slot: KBox<MaybeUninit<LocalIo<J>>>,
    /// For more pages than fit inline.
    heap: Option<KVec<b::bio_vec>>,
    /// Boxed: only a bounced request pays for it.
    bounce: Option<KBox<Bounce>>,
}

impl<J: IoJob> IoSlot<J> {
    /// Room for an I/O over up to `nr_pages` pages of the request, or, with
    /// `bounce_bytes` other than 0, through a bounce buffer of that size.
    pub(crate) fn reserve(nr_pages: usize, bounce_bytes: u32) -> Result<Self> {
        let bounce = match bounce_bytes {
            0 => None,
            bytes => Some(KBox::new(Bounce::new(bytes)?, GFP_KERNEL)?),
        };
        let vecs = bounce.as_ref().map_or(nr_pages, |bounce| bounce.len());
        let heap = if vecs > INLINE_BVECS {
            Some(KVec::with_capacity(vecs, GFP_KERNEL)?)
        } else {
            None
        };
        Ok(Self {
            heap,
            bounce,
            slot: KBox::new_uninit(GFP_KERNEL)?,
        })
    }

    /// The I/O `op` on `job`'s file, moving `len` bytes at `pgbase`
    /// into the pages of `job`'s request (none for [`Op::Sync`]), which
    /// the job keeps alive until it is done: it is owned by the I/O.
    ///
    /// With a bounce buffer, a WRITE's data is copied into it here and a
    /// READ's out of it by [`LocalIo::into_job`].
    pub(crate) fn fill(self, job: J, op: Op, pgbase: u32, len: u32) -> Pin<KBox<LocalIo<J>>> {
        if let (Some(bounce), Op::Write { .. }) = (&self.bounce, op) {
            let pages = job.pages();
            let pages = pages.as_slice();
            // SAFETY: The request's pages live as long as `job`; the bounce
            // pages are ours, sized for `len` (`reserve`), and `pages`
            // covers `pgbase + len` (nfs.ko's request).
            unsafe { copy_pages(|i| bounce.page(i), 0, |i| pages[i], pgbase, len) };
        }
        // The I/O starts where its buffer does: a bounce buffer at its start.
        let io_base = if self.bounce.is_some() { 0 } else { pgbase };
        let init = pin_init!(LocalIo {
            work <- new_work!("localio_rs::LocalIo"),
            kiocb: Opaque::uninit(),
            iter: Opaque::uninit(),
            inline_bvecs: MaybeUninit::uninit(),
            heap_bvecs: self.heap,
            bounce: self.bounce.map(|bounce| (bounce, pgbase)),
            nr_pages: 0,
            len,
            pgbase: io_base,
            op,
            handoff: Handoff::new(),
            write_started: false,
            taken: false,
            job: ManuallyDrop::new(job),
            in_flight: InFlight::new(),
        });
        let mut io = match self.slot.write_pin_init(init) {
            Ok(io) => io,
            Err(never) => match never {},
        };
        if !matches!(op, Op::Sync { .. }) {
            // SAFETY: Only the bio_vecs, which are not structurally pinned,
            // are written, in place.
            unsafe { io.as_mut().get_unchecked_mut() }.cover_pages();
        }
        io
    }
}

/// One I/O to the lower filesystem and the job it is for.
///
/// # Invariants
///
/// - the first `nr_pages` entries of `heap_bvecs` if it is `Some`, else
///   of `inline_bvecs`, are initialised and cover pages that `job` keeps
///   alive until the I/O has completed (the NFS request owns them).
/// - `kiocb` is initialised from the call of `->read_iter`/`->write_iter`,
///   from which the allocation is the [`Handoff`]'s: whoever of the
///   submission and `ki_complete` drops its last reference owns it; nothing
///   frees it before.
/// - `write_started` says whether `kiocb_start_write` was called and not
///   yet balanced; `complete`, `finish` (before a tail piece), `into_job`
///   or `drop` balances it, once.
#[pin_data(PinnedDrop)]
pub(crate) struct LocalIo<J: IoJob> {
    #[pin]
    work: Work<LocalIo<J>>,
    #[pin]
    kiocb: Opaque<b::kiocb>,
    #[pin]
    iter: Opaque<b::iov_iter>,
    /// Up to [`INLINE_BVECS`] pages, in place: one allocation per small
    /// request, and nothing to copy.
    inline_bvecs: MaybeUninit<[b::bio_vec; INLINE_BVECS]>,
    heap_bvecs: Option<KVec<b::bio_vec>>,
    /// What the bvecs cover instead of the request's pages, if anything,
    /// and where the data starts in the request's pages.
    bounce: Option<(KBox<Bounce>, u32)>,
    nr_pages: u32,
    /// The bytes at `pgbase` into the pages that the I/O moves.
    len: u32,
    pgbase: u32,
    op: Op,
    handoff: Handoff,
    write_started: bool,
    /// Whether `into_job` took `job`.
    taken: bool,
    job: ManuallyDrop<J>,
    in_flight: InFlight,
}

impl_has_work! {
    impl{J: IoJob} HasWork<Self> for LocalIo<J> { self.work }
}

// SAFETY: Whichever task runs it owns all of it: the kiocb, the iterator
// and the page references are handed from the submitting worker to the
// filesystem and back, never shared; `J` is `Send`.
unsafe impl<J: IoJob> Send for LocalIo<J> {}

impl<J: IoJob> LocalIo<J> {
    /// The job.
    pub(crate) fn job(&self) -> &J {
        &self.job
    }

    /// Submits the I/O from this task (`inline`) or queues it for a
    /// worker. Either way only while the module's queue is live: an
    /// inline submission may still complete through it.
    pub(crate) fn start(this: Pin<KBox<Self>>, inline: bool) {
        if inline && !QUEUE.load(Ordering::Acquire).is_null() {
            this.job.submitting(false);
            Self::submit(this);
        } else if let Err(this) = Self::enqueue(this) {
            Self::end(this, -(b::ESHUTDOWN as isize), true);
        }
    }

    /// Covers the job's pages, or the bounce buffer, with the bio_vecs, as
    /// many as there is room for.
    fn cover_pages(&mut self) {
        let request = self.job.pages();
        let request = request.as_slice();
        let (available, page_at): (usize, &dyn Fn(usize) -> *mut b::page) = match &self.bounce {
            Some((bounce, _)) => (bounce.len(), &|i| bounce.page(i)),
            None => (request.len(), &|i| request[i]),
        };
        let covered = match &mut self.heap_bvecs {
            Some(heap) => {
                let spare = heap.spare_capacity_mut();
                let count = available.min(spare.len());
                for (i, slot) in spare[..count].iter_mut().enumerate() {
                    slot.write(page_vec(page_at(i)));
                }
                // SAFETY: The first `count` spare entries are written above
                // (the vector was empty: filled once, here).
                unsafe { heap.set_len(count) };
                count
            }
            None => {
                let inline = self.inline_bvecs.as_mut_ptr().cast::<b::bio_vec>();
                let count = available.min(INLINE_BVECS);
                for i in 0..count {
                    // SAFETY: `i` is below `INLINE_BVECS`, within the array.
                    unsafe { inline.add(i).write(page_vec(page_at(i))) };
                }
                count
            }
        };
        // INVARIANT: The first `covered` entries are initialised above, over
        // the request's pages or the bounce buffer's, which lives as long as
        // the I/O.
        self.nr_pages = u32::try_from(covered).unwrap_or(0);
    }

    fn bvecs(&self) -> *const b::bio_vec {
        match &self.heap_bvecs {
            Some(heap) => heap.as_ptr(),
            None => self.inline_bvecs.as_ptr().cast(),
        }
    }

    /// Queues `this` on the module's queue, or gives it back if there is
    /// none.
    fn enqueue(this: Pin<KBox<Self>>) -> Result<(), Pin<KBox<Self>>> {
        enqueue_io(this)
    }

    /// Ends the I/O, which moved `moved` bytes (or failed), and returns the
    /// job. A READ through a bounce buffer is copied out to the request's
    /// pages here.
    pub(crate) fn into_job(mut this: Pin<KBox<Self>>, moved: isize) -> J {
        // SAFETY: Nothing is moved out of the pinned allocation: `job` is
        // not structurally pinned and is taken out of its `ManuallyDrop`
        // once (`taken`), so `drop` leaves it alone.
        let io = unsafe { this.as_mut().get_unchecked_mut() };
        io.end_write();
        if let (Some((bounce, request_base)), Op::Read { .. }) = (&io.bounce, io.op) {
            let got = u32::try_from(moved).unwrap_or(0).min(io.len);
            let pages = io.job.pages();
            let pages = pages.as_slice();
            // SAFETY: The I/O is over, so the bounce pages are ours again;
            // the request's pages live as long as `job` and cover
            // `request_base + len`.
            unsafe { copy_pages(|i| pages[i], *request_base, |i| bounce.page(i), 0, got) };
        }
        io.taken = true;
        // SAFETY: As above.
        unsafe { ManuallyDrop::take(&mut io.job) }
    }

    fn end_write(&mut self) {
        // SAFETY: `self` is a live `LocalIo`, borrowed uniquely.
        unsafe { Self::end_write_raw(self) };
    }

    /// [`Self::end_write`] through a pointer, for `ki_complete`, which may
    /// not borrow the whole I/O: the submitter may still be reading its
    /// handoff.
    ///
    /// # Safety
    ///
    /// `this` must be a live `LocalIo` whose `write_started` and `kiocb`
    /// nobody else uses during the call.
    unsafe fn end_write_raw(this: *mut Self) {
        // SAFETY: Live, and these fields are ours (our contract);
        // `write_started` is set only while `submit`'s kiocb holds the
        // protection (type invariant).
        unsafe {
            let started = core::ptr::addr_of_mut!((*this).write_started);
            end_write_once(started, (*this).kiocb.get());
        }
    }

    /// Runs the I/O on this task: the worker's, or the offering task's.
    fn submit(mut this: Pin<KBox<Self>>) {
        let _flags = TaskFlagsScope::io_worker();
        // SAFETY: Not moved out of; only fields that are not structurally
        // pinned are written.
        let io = unsafe { this.as_mut().get_unchecked_mut() };
        match io.before_direct() {
            Next::Done(result) => Self::end(this, result, true),
            Next::Finish => Self::finish(this, 0, true),
            Next::Direct { pos, write, flags } => Self::submit_direct(this, pos, write, flags),
        }
    }

    /// Runs what the I/O does before its direct I/O, or instead of it: a
    /// COMMIT's sync, a READ through the page cache, a WRITE's head piece.
    fn before_direct(&mut self) -> Next {
        match self.op {
            Op::Sync { start, end } => Next::Done(self.sync_range(start, end, false)),
            Op::Read {
                pos,
                buffered: true,
            } => Next::Done(self.read_buffered(pos)),
            Op::Read { pos, .. } => Next::Direct {
                pos,
                write: false,
                flags: 0,
            },
            Op::Write {
                pos,
                dsync,
                sync,
                buffered,
            } => {
                if buffered.head != 0 {
                    let written = self.write_buffered(0, buffered.head, pos);
                    // Short or failed: that is the WRITE's result. Past
                    // here the head is written in full.
                    if written != buffered.head as isize {
                        return Next::Done(written);
                    }
                }
                if self.body().1 == 0 {
                    return Next::Finish;
                }
                // With pieces, one sync after the last covers them all
                // (`finish_pieces`), not the body's own.
                let body_syncs = !buffered.any();
                let mut flags = 0;
                if dsync && body_syncs {
                    flags |= b::LOCALIO_RS_IOCB_DSYNC;
                }
                if sync && body_syncs {
                    flags |= b::LOCALIO_RS_IOCB_SYNC;
                }
                let pos = pos + u64::from(buffered.head);
                Next::Direct {
                    pos,
                    write: true,
                    flags,
                }
            }
        }
    }

    /// Submits the direct I/O at `pos` (`write` or read) with the kiocb's
    /// `flags`; it ends here if the filesystem completes it within the call,
    /// else in [`Self::complete`].
    fn submit_direct(mut this: Pin<KBox<Self>>, pos: u64, write: bool, flags: i32) {
        // SAFETY: Not moved out of; the fields written are not structurally
        // pinned or are `Opaque` and initialised in place.
        let io = unsafe { this.as_mut().get_unchecked_mut() };
        let (kiocb, iter) = io.set_up(pos, write, flags);
        // From here the filesystem may own the allocation: give up the box.
        // SAFETY: Rebuilt below or by `complete` from the same pointer; the
        // allocation is never moved.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(this) });
        // SAFETY: `kiocb` and `iter` are set up for the file, which the job
        // keeps open; nothing frees `raw` while the submission holds its
        // reference (type invariant), and only its handoff is touched
        // after the call.
        let settled = unsafe {
            let returned = (*raw).job.file().rw_iter(kiocb, iter, write);
            (*raw).handoff.settle(returned)
        };
        // The filesystem's until `ki_complete`.
        let Some(result) = settled else { return };
        // SAFETY: Completed within the call (`ki_complete` will not run, or
        // ran and gave it back), so this is again the only owner of `raw`,
        // which came from `into_raw`.
        let this = unsafe { Pin::new_unchecked(KBox::from_raw(raw)) };
        Self::finish(this, result, true);
    }

    /// Sets the kiocb and iterator up for the direct I/O at `pos`: over
    /// the body's bytes, never past the pages covered (a slot reserved for
    /// fewer pages than the job has makes a short I/O, which NFS resends
    /// the rest of); a write under freeze protection.
    fn set_up(&mut self, pos: u64, write: bool, flags: i32) -> (*mut b::kiocb, *mut b::iov_iter) {
        let (from, body) = self.body();
        let covered = self.nr_pages as usize * kernel::page::PAGE_SIZE;
        let start = self.pgbase as usize + from as usize;
        let end = (start + body as usize).min(covered);
        let start = start.min(end);
        let (kiocb, iter) = (self.kiocb.get(), self.iter.get());
        // SAFETY: `kiocb` and `iter` are ours to initialise; the bvecs
        // cover `nr_pages` live pages (type invariant); the file is open.
        unsafe {
            b::localio_rs_init_sync_kiocb(kiocb, self.job.file().as_ptr());
            (*kiocb).ki_pos = pos as i64;
            (*kiocb).ki_flags |= b::IOCB_DIRECT as i32 | flags;
            (*kiocb).ki_flags &= !b::LOCALIO_RS_IOCB_APPEND;
            (*kiocb).ki_complete = Some(Self::complete);
            let dir = if write { b::ITER_SOURCE } else { b::ITER_DEST };
            b::iov_iter_bvec(iter, dir, self.bvecs(), self.nr_pages as usize, end);
            b::iov_iter_advance(iter, start);
            if write {
                // Freeze protection is held until the write completes, as
                // aio does: a freeze waits for our in-flight writes.
                (*kiocb).ki_flags |= b::IOCB_WRITE as i32;
                b::localio_rs_kiocb_start_write(kiocb);
                self.write_started = true;
            }
        }
        (kiocb, iter)
    }

    /// Where the direct I/O's data starts in the I/O's bytes, and how long
    /// it is: all of them but a WRITE's buffered pieces.
    fn body(&self) -> (u32, u32) {
        match self.op {
            Op::Write { buffered, .. } => {
                (buffered.head, self.len.saturating_sub(buffered.bytes()))
            }
            _ => (0, self.len),
        }
    }

    /// Writes `len` of the I/O's bytes, from `from` bytes into them, at
    /// `pos` through the lower file's page cache, as nfsd writes; the bytes
    /// written, or a negative errno. Only where the direct I/O may be
    /// submitted (see the module documentation), and never while this
    /// I/O's own direct I/O is in flight.
    fn write_buffered(&self, from: u32, len: u32, pos: u64) -> isize {
        self.buffered(true, from, len, pos)
    }

    /// Reads all of the I/O's bytes at `pos` through the lower file's page
    /// cache, as nfsd reads a file without direct I/O; the bytes read, or
    /// a negative errno.
    fn read_buffered(&self, pos: u64) -> isize {
        self.buffered(false, 0, self.len, pos)
    }

    /// `vfs_iter_write()` (`write`) or `vfs_iter_read()` of `len` of the
    /// I/O's bytes, from `from` bytes into them, at `pos` in the lower
    /// file.
    fn buffered(&self, write: bool, from: u32, len: u32, pos: u64) -> isize {
        let covered = self.nr_pages as usize * kernel::page::PAGE_SIZE;
        let start = self.pgbase as usize + from as usize;
        let end = (start + len as usize).min(covered);
        if start >= end {
            return 0;
        }
        let iter = self.iter.get();
        let lower = self.job.file();
        let mut at = pos as i64;
        let dir = if write { b::ITER_SOURCE } else { b::ITER_DEST };
        // SAFETY: The iterator is ours and idle (no direct I/O of this
        // `LocalIo` is in flight); the bvecs cover `nr_pages` live pages
        // (type invariant) and `end` is within them; the file is open and
        // its credentials live as long.
        unsafe {
            b::iov_iter_bvec(iter, dir, self.bvecs(), self.nr_pages as usize, end);
            b::iov_iter_advance(iter, start);
            let _cred = CredOverride::new(lower.opener_cred());
            if write {
                b::vfs_iter_write(lower.as_ptr(), iter, &mut at, 0)
            } else {
                b::vfs_iter_read(lower.as_ptr(), iter, &mut at, 0)
            }
        }
    }

    /// The direct I/O moved `result` (or there was none, for a WRITE that
    /// is all head): writes a WRITE's tail piece and syncs a stable one
    /// that had pieces, then hands the result of the whole to the job.
    fn finish(mut this: Pin<KBox<Self>>, result: isize, inline: bool) {
        let result = match this.op {
            Op::Write {
                pos, dsync, sync, ..
            } if this.job.write_as_nfsd(result) => {
                // SAFETY: As below.
                let io = unsafe { this.as_mut().get_unchecked_mut() };
                io.end_write();
                io.write_all_as_nfsd(pos, dsync && !sync, dsync)
            }
            Op::Write {
                pos,
                dsync,
                sync,
                buffered,
            } if buffered.any() => {
                // SAFETY: Not moved out of; `end_write` touches only fields
                // that are not structurally pinned.
                let io = unsafe { this.as_mut().get_unchecked_mut() };
                // The body's freeze protection ends before the tail's
                // `vfs_iter_write()` takes its own: a second hold of it
                // would wait behind a freeze that waits for the first.
                // (A body completed within its submission still has it.)
                io.end_write();
                io.finish_pieces(result, pos, dsync && !sync, dsync, buffered)
            }
            _ => result,
        };
        Self::end(this, result, inline);
    }

    /// The one end of every I/O, whichever way it went: hands the result
    /// to the job, which finishes the NFS request.
    fn end(this: Pin<KBox<Self>>, result: isize, inline: bool) {
        J::done(this, result, inline);
    }

    /// [`Self::finish`] for a WRITE whose direct I/O the exported
    /// filesystem refused where nfsd's own write could succeed
    /// ([`IoJob::write_as_nfsd`]): all of it written as nfsd writes it,
    /// through the page cache, then synced (`datasync` or in full) when
    /// `sync`; the bytes written, or the errno nfsd would have had.
    fn write_all_as_nfsd(&self, pos: u64, datasync: bool, sync: bool) -> isize {
        let _flags = TaskFlagsScope::io_worker();
        let written = self.write_buffered(0, self.len, pos);
        if written <= 0 {
            return written;
        }
        self.job.buffered(written);
        match sync {
            true => self.sync_written(pos, written, datasync),
            false => written,
        }
    }

    /// Syncs the `written` bytes at `pos` of the lower file (`datasync`:
    /// their data only); `written`, or the sync's errno. Task context.
    fn sync_written(&self, pos: u64, written: isize, datasync: bool) -> isize {
        let end = pos + written as u64 - 1;
        match self.sync_range(pos, end, datasync) {
            0.. => written,
            errno => errno,
        }
    }

    /// `vfs_fsync_range()` of `start..=end` of the lower file, as its
    /// opener (`datasync`: the data only); 0 or a negative errno. Task
    /// context.
    fn sync_range(&self, start: u64, end: u64, datasync: bool) -> isize {
        let lower = self.job.file();
        // SAFETY: The file is open (the job holds it) and its credentials
        // live as long; task context.
        let synced = unsafe {
            let _cred = CredOverride::new(lower.opener_cred());
            b::vfs_fsync_range(lower.as_ptr(), start as i64, end as i64, datasync.into())
        };
        synced as isize
    }

    /// [`Self::finish`] for a WRITE with `pieces`: its total, the head's
    /// bytes included; short where a part was short, an errno where one
    /// failed. Synced (`datasync` or in full) when `sync`.
    fn finish_pieces(
        &self,
        body: isize,
        pos: u64,
        datasync: bool,
        sync: bool,
        pieces: Pieces,
    ) -> isize {
        if body < 0 {
            return body;
        }
        // Where the completion runs too (a worker, when it was queued), a
        // nested I/O submitter.
        let _flags = TaskFlagsScope::io_worker();
        let (from, body_len) = self.body();
        // The body was submitted only once the head was written in full.
        let mut total = pieces.head as isize + body;
        if body == body_len as isize && pieces.tail != 0 {
            let at = from + body_len;
            let written = self.write_buffered(at, pieces.tail, pos + u64::from(at));
            if written < 0 {
                return written;
            }
            total += written;
        }
        match sync && total > 0 {
            true => self.sync_written(pos, total, datasync),
            false => total,
        }
    }

    /// `ki_complete`: any context, interrupts included.
    ///
    /// # Safety
    ///
    /// `kiocb` must be the `kiocb` of a [`LocalIo`] that `submit` handed to
    /// the filesystem; called once.
    unsafe extern "C" fn complete(kiocb: *mut b::kiocb, result: isize) {
        let offset = core::mem::offset_of!(Self, kiocb);
        // SAFETY: `kiocb` is the field at `offset` of a `LocalIo` (our
        // contract), whose allocation the filesystem hands back here.
        let raw = unsafe { kiocb.cast::<u8>().sub(offset).cast::<Self>() };
        // SAFETY: `raw` is a `LocalIo` that `submit_direct` handed to the
        // filesystem (our contract); its submitter touches only the
        // handoff from there on.
        let handoff = unsafe { core::ptr::addr_of!((*raw).handoff) };
        // SAFETY: As above; `end_write_raw` touches only its kiocb and
        // `write_started`.
        let Some(this) = (unsafe { completed(raw, handoff, result, Self::end_write_raw) }) else {
            return;
        };
        // Never refused: `LocalIoQueue::drop` unpublishes the queue only
        // once every `LocalIo` is freed, and this one is not.
        if let Err(this) = Self::enqueue(this) {
            // Unreachable; finishing here could sleep in interrupt context,
            // so leak rather than free (the module cannot unload then).
            core::mem::forget(this);
        }
    }
}

impl<J: IoJob> WorkItem for LocalIo<J> {
    type Pointer = Pin<KBox<LocalIo<J>>>;

    fn run(this: Pin<KBox<Self>>) {
        match this.handoff.result() {
            Some(result) => Self::finish(this, result, false),
            None => {
                this.job.submitting(true);
                Self::submit(this)
            }
        }
    }
}

#[pinned_drop]
impl<J: IoJob> PinnedDrop for LocalIo<J> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Only fields that are not structurally pinned are used;
        // `job` is dropped here only if `into_job` did not take it.
        let io = unsafe { self.get_unchecked_mut() };
        io.end_write();
        if !io.taken {
            // SAFETY: Not taken, and dropped once, here.
            unsafe { ManuallyDrop::drop(&mut io.job) };
        }
    }
}
