// SPDX-License-Identifier: GPL-2.0

//! The task that offers a request, as the kernel describes it: the facts
//! the rule on who submits its I/O rests on. Plain
//! `core`: `task.rs` fills it in the module, the host tests by hand.

/// What the task offering a request is, as far as submitting its I/O
/// inline is concerned; read from the kernel's own state when the offer
/// arrives (before the provider changes any of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submitter {
    /// `in_task()` with interrupts on.
    pub may_block: bool,
    /// `PF_WQ_WORKER`.
    pub workqueue_worker: bool,
    /// `PF_KTHREAD` (workers included).
    pub kernel_thread: bool,
    /// `PF_MEMALLOC` or `PF_KSWAPD`.
    pub reclaim: bool,
    /// `PF_LOCAL_THROTTLE`, `PF_MEMALLOC_NOIO` or `PF_MEMALLOC_NOFS`.
    pub nested_io: bool,
    /// Bytes of kernel stack below the offer's frame.
    pub stack_left: usize,
    /// The task's whole kernel stack (`THREAD_SIZE`).
    pub stack_size: usize,
}
