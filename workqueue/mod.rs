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
//! [`IoQueue`] and [`TaskFlagsScope`] are the only code in this project that
//! calls `alloc_workqueue`/`destroy_workqueue` or touches `current->flags`.

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use kernel::{bindings, c_str, prelude::*, str::CStr, workqueue::Queue};

/// A dedicated unbound work queue without a rescuer, destroyed on drop.
///
/// # Invariants
///
/// `ptr` points to a work queue returned by `alloc_workqueue` that is owned
/// by this value and has not been destroyed.
pub struct IoQueue {
    ptr: NonNull<bindings::workqueue_struct>,
}

// SAFETY: A `workqueue_struct` may be used and destroyed from any thread.
unsafe impl Send for IoQueue {}
// SAFETY: Queueing work is internally synchronised by the workqueue core.
unsafe impl Sync for IoQueue {}

impl IoQueue {
    /// Allocates an unbound queue named `name` with the default concurrency.
    pub fn new_unbound(name: &'static CStr) -> Result<Self> {
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
    pub fn as_ptr(&self) -> *mut bindings::workqueue_struct {
        self.ptr.as_ptr()
    }
}

impl Deref for IoQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: By the type invariant the queue stays valid until `drop`,
        // which cannot run while this borrow of `self` lives.
        unsafe { Queue::from_raw(self.ptr.as_ptr()) }
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

/// Task flags an I/O worker carries while it submits to the lower filesystem.
const IO_WORKER_FLAGS: u32 = bindings::PF_LOCAL_THROTTLE | bindings::PF_MEMALLOC_NOIO;

/// Sets task flags on the current task for as long as it lives.
///
/// Dropping the scope restores exactly the bits it set to what they were,
/// on every exit path, and leaves any other flag change alone.
///
/// # Invariants
///
/// `saved` holds the values of the `set` bits of `current->flags` at
/// creation, and the scope is dropped by the task that created it (it is
/// neither `Send` nor `Sync`).
pub struct TaskFlagsScope {
    set: u32,
    saved: u32,
    _not_send: PhantomData<*mut ()>,
}

impl TaskFlagsScope {
    /// Marks the current task as a nested I/O worker:
    /// `PF_LOCAL_THROTTLE | PF_MEMALLOC_NOIO`, the loop driver's model.
    pub fn io_worker() -> Self {
        Self::enter(IO_WORKER_FLAGS)
    }

    /// Makes every allocation of the current task behave as `GFP_NOIO`
    /// (`PF_MEMALLOC_NOIO`), for code that runs in the NFS client's
    /// writeback path.
    pub fn memalloc_noio() -> Self {
        Self::enter(bindings::PF_MEMALLOC_NOIO)
    }

    fn enter(set: u32) -> Self {
        // SAFETY: `get_current` returns the running task, which outlives
        // this call; only the task itself writes its own `flags`.
        let saved = unsafe {
            let task = bindings::get_current();
            let saved = (*task).flags & set;
            (*task).flags |= set;
            saved
        };
        // INVARIANT: `saved` holds the `set` bits as they were.
        Self {
            set,
            saved,
            _not_send: PhantomData,
        }
    }
}

impl Drop for TaskFlagsScope {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this runs on the task that entered
        // the scope, which is the only writer of its own `flags`.
        unsafe {
            let task = bindings::get_current();
            (*task).flags = ((*task).flags & !self.set) | self.saved;
        }
    }
}
