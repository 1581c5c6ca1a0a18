// SPDX-License-Identifier: GPL-2.0

//! The submission context of the LOCALIO I/O workers.
//!
//! LOCALIO re-enters a filesystem (the one nfsd exports) from the back end of
//! another (the NFS client's writeback). The loop driver solved the same
//! nesting long ago, and the linux-xfs discussion this project starts from
//! ("xfs: enable WQ_MEM_RECLAIM on m_sync_workqueue") recommends its model:
//!
//! - a plain unbound queue, *without* `WQ_MEM_RECLAIM`: a rescuer thread does
//!   not help queue-based submission, and a reclaim-context queue that
//!   flushes the lower filesystem's non-reclaim work trips the workqueue
//!   flush-dependency check;
//! - workers marked `PF_LOCAL_THROTTLE | PF_MEMALLOC_NOIO`, so the lower
//!   filesystem's dirty throttling lets them drain the upper one, and their
//!   allocations never recurse into I/O that waits on them.
//!
//! [`IoQueue`] is the only code in this project that calls
//! `alloc_workqueue`/`destroy_workqueue`; its workers' flags are set by
//! [`super::task::TaskFlagsScope`]. [`Ticker`] runs periodic work (the file cache's reaper) only while there
//! is work for it.

use core::ptr::NonNull;
use kernel::{
    bindings, c_str,
    prelude::*,
    str::CStr,
    sync::Arc,
    time::{msecs_to_jiffies, Jiffies},
    types::Opaque,
};

/// A dedicated unbound work queue without a rescuer, destroyed on drop.
///
/// # Invariants
///
/// `ptr` points to a work queue returned by `alloc_workqueue` that is owned
/// by this value and has not been destroyed.
pub(crate) struct IoQueue {
    ptr: NonNull<bindings::workqueue_struct>,
}

// SAFETY: A `workqueue_struct` may be used and destroyed from any thread.
unsafe impl Send for IoQueue {}
// SAFETY: Queueing work is internally synchronised by the workqueue core.
unsafe impl Sync for IoQueue {}

impl IoQueue {
    /// Allocates an unbound queue named `name` with the default concurrency.
    pub(crate) fn new_unbound(name: &'static CStr) -> Result<Self> {
        // SAFETY: The format is a valid "%s" C string and `name` is a valid
        // NUL-terminated string for the one `%s` it consumes; `alloc_workqueue`
        // copies the resulting name.
        let raw = unsafe {
            bindings::alloc_workqueue(
                c_str!("%s").as_char_ptr(),
                bindings::wq_flags_WQ_UNBOUND,
                0,
                name.as_char_ptr(),
            )
        };
        let ptr = NonNull::new(raw).ok_or(ENOMEM)?;
        // INVARIANT: `ptr` was just returned by `alloc_workqueue`.
        Ok(Self { ptr })
    }
}

impl IoQueue {
    /// The queue as a plain pointer, for code that must reach it without a
    /// borrow (completions in interrupt context).
    pub(crate) fn as_ptr(&self) -> *mut bindings::workqueue_struct {
        self.ptr.as_ptr()
    }
}

impl Drop for IoQueue {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a live queue; it is destroyed
        // once. `destroy_workqueue` drains it first, so no work item queued
        // on it runs after this returns.
        unsafe { bindings::destroy_workqueue(self.ptr.as_ptr()) };
    }
}

/// What a [`Ticker`] does on every tick.
pub(crate) trait Tick: Send + Sync + 'static {
    /// One tick, on a system worker; returns whether to tick again.
    fn tick(&self) -> bool;
}

/// Calls [`Tick::tick`] on a `T` every interval from a [`Ticker::kick`]
/// for as long as the tick asks for more, until dropped. Idle, it costs
/// no wakeups.
///
/// # Invariants
///
/// `dwork` is initialised with [`Ticker::run`] as its function, and is
/// cancelled (synchronously) before the value is freed.
#[pin_data(PinnedDrop)]
pub(crate) struct Ticker<T: Tick> {
    #[pin]
    dwork: Opaque<bindings::delayed_work>,
    data: Arc<T>,
    interval: Jiffies,
    /// Ticks may block for long (`system_long_wq`), or not (`system_wq`).
    long: bool,
}

// SAFETY: The delayed work may be queued and cancelled from any task; `T`
// is `Send + Sync`.
unsafe impl<T: Tick> Send for Ticker<T> {}
// SAFETY: As above.
unsafe impl<T: Tick> Sync for Ticker<T> {}

impl<T: Tick> Ticker<T> {
    /// A ticker with a tick every `interval_ms` milliseconds once kicked,
    /// on the system queue.
    pub(crate) fn new(data: Arc<T>, interval_ms: u32) -> Result<Pin<KBox<Self>>> {
        Self::with_queue(data, interval_ms, false)
    }

    /// As [`Ticker::new`], on the queue for work that may block for long
    /// (a synchronous RPC to a server that does not answer).
    pub(crate) fn new_long(data: Arc<T>, interval_ms: u32) -> Result<Pin<KBox<Self>>> {
        Self::with_queue(data, interval_ms, true)
    }

    fn with_queue(data: Arc<T>, interval_ms: u32, long: bool) -> Result<Pin<KBox<Self>>> {
        KBox::pin_init(
            pin_init!(Self {
                // SAFETY: `dwork` is initialised in place, with our function.
                dwork <- Opaque::ffi_init(|dwork| unsafe {
                    super::bindings::localio_rs_init_delayed_work(dwork, Some(Self::run))
                }),
                data,
                interval: msecs_to_jiffies(interval_ms),
                long,
            }),
            GFP_KERNEL,
        )
    }

    /// Makes sure a tick comes within one interval. A tick that is running
    /// and asks for no more still leaves this one queued: what made the
    /// caller kick is seen by the next tick.
    pub(crate) fn kick(&self) {
        self.schedule();
    }

    fn schedule(&self) {
        // SAFETY: `dwork` is initialised (type invariant) and pinned; it is
        // cancelled before it is freed. Queueing work that is pending
        // already does nothing.
        unsafe {
            let queue = if self.long {
                bindings::system_long_wq
            } else {
                bindings::system_wq
            };
            bindings::queue_delayed_work_on(
                bindings::wq_misc_consts_WORK_CPU_UNBOUND as i32,
                queue,
                self.dwork.get(),
                self.interval,
            )
        };
    }

    /// # Safety
    ///
    /// `work` must be the `work` of a live `Ticker<T>`'s `dwork`.
    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        let offset = core::mem::offset_of!(Self, dwork)
            + core::mem::offset_of!(bindings::delayed_work, work);
        // SAFETY: `work` is at `offset` in a live `Ticker<T>` (our
        // contract), which `drop` keeps alive until this has returned.
        let this = unsafe { &*work.cast::<u8>().sub(offset).cast::<Self>() };
        if this.data.tick() {
            this.schedule();
        }
    }
}

#[pinned_drop]
impl<T: Tick> PinnedDrop for Ticker<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Initialised (type invariant); this waits for a running
        // tick and keeps it from queueing itself again.
        unsafe { bindings::cancel_delayed_work_sync(self.dwork.get()) };
    }
}
