// SPDX-License-Identifier: GPL-2.0

//! The current task: what it is, as the rule on who submits a request's
//! I/O asks ([`current_submitter`]), and scoped changes of its flags
//! ([`TaskFlagsScope`], the only code in this project that writes
//! `current->flags`).

use super::submitter::Submitter;
use core::marker::PhantomData;
use kernel::bindings;

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
pub(crate) struct TaskFlagsScope {
    set: u32,
    saved: u32,
    _not_send: PhantomData<*mut ()>,
}

impl TaskFlagsScope {
    /// Marks the current task as a nested I/O worker:
    /// `PF_LOCAL_THROTTLE | PF_MEMALLOC_NOIO`, the loop driver's model.
    pub(crate) fn io_worker() -> Self {
        Self::enter(IO_WORKER_FLAGS)
    }

    /// Makes every allocation of the current task behave as `GFP_NOIO`
    /// (`PF_MEMALLOC_NOIO`), for code that runs in the NFS client's
    /// writeback path.
    pub(crate) fn memalloc_noio() -> Self {
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

/// The current task's identity (its `task_struct`'s address): compared,
/// never dereferenced; never 0.
pub(crate) fn current_task_id() -> usize {
    // SAFETY: `get_current` only reads the per-CPU current task pointer.
    unsafe { bindings::get_current() as usize }
}

/// Task flags that make a task someone else's nested I/O submitter or put
/// it inside a NOIO/NOFS scope of its own.
const NESTED_IO_FLAGS: u32 =
    bindings::PF_LOCAL_THROTTLE | bindings::PF_MEMALLOC_NOIO | bindings::PF_MEMALLOC_NOFS;

/// The current task as the submission rule judges it: its
/// flags, whether it may block, and how much of its kernel stack is left
/// below the caller's frame.
///
/// Read before the caller changes any of the flags itself.
pub(crate) fn current_submitter() -> Submitter {
    let here = 0u8;
    let sp = core::ptr::addr_of!(here) as usize;
    // SAFETY: `get_current` returns the running task, which outlives this
    // call; its `flags` are only written by itself, and `stack` is fixed
    // for its life.
    let (flags, stack) = unsafe {
        let task = bindings::get_current();
        ((*task).flags, (*task).stack as usize)
    };
    // SAFETY: Only reads the preempt count and the interrupt flag.
    let may_block = unsafe { super::bindings::localio_rs_may_block() };
    let stack_size = super::bindings::LOCALIO_RS_THREAD_SIZE;
    Submitter {
        may_block,
        workqueue_worker: flags & bindings::PF_WQ_WORKER != 0,
        kernel_thread: flags & bindings::PF_KTHREAD != 0,
        reclaim: flags & (bindings::PF_MEMALLOC | bindings::PF_KSWAPD) != 0,
        nested_io: flags & NESTED_IO_FLAGS != 0,
        // The stack grows down from `stack + THREAD_SIZE` on x86_64.
        stack_left: sp.saturating_sub(stack).min(stack_size),
        stack_size,
    }
}
