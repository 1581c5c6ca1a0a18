// SPDX-License-Identifier: GPL-2.0

//! Who submits a taken request's I/O: the offering task itself, as an
//! application doing direct I/O on the exported filesystem would, or the
//! queue's workers (the seed thread's rule: no front-end I/O from
//! writeback or reclaim). Pure: the host tests check it.

pub use crate::sys::submitter::Submitter;

/// Why a taken request's I/O is handed to the module's queue instead of
/// being submitted by the task that offered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueReason {
    /// A workqueue worker: the flusher's writeback (`bdi_wq`), nfsiod and
    /// rpciod are `WQ_MEM_RECLAIM` queues, which must not submit
    /// front-end filesystem I/O themselves (the seed thread's rule).
    Worker,
    /// Another kernel thread (kswapd, khugepaged, nfsd, ...): not an
    /// application's I/O, and no telling what it holds.
    KernelThread,
    /// The task is reclaiming memory (`PF_MEMALLOC`, kswapd).
    Reclaim,
    /// The task is already a nested I/O submitter or inside a NOIO/NOFS
    /// scope of its own (a loop worker, a filesystem transaction, or a
    /// rest of a request resent from our own inline completion).
    NestedIo,
    /// Not in task context, or interrupts are off: it may not block.
    Atomic,
    /// Less stack left than the lower filesystem may need.
    Stack,
    /// The exported filesystem is itself stacked on another (overlayfs):
    /// its stack use is not bounded by one filesystem's.
    StackedLower,
    /// A WRITE of the page cache: whoever flushes it (`fsync()`,
    /// `close()`, `msync()`, `sync_file_range()`) writes pages other
    /// tasks may have dirtied, and the lower write path would apply the
    /// flusher's file size limit, pending signals and cgroup charges to
    /// them.
    Writeback,
}

impl QueueReason {
    /// All reasons, in the order of the statistics file.
    pub const ALL: [QueueReason; 8] = [
        QueueReason::Worker,
        QueueReason::KernelThread,
        QueueReason::Reclaim,
        QueueReason::NestedIo,
        QueueReason::Atomic,
        QueueReason::Stack,
        QueueReason::StackedLower,
        QueueReason::Writeback,
    ];

    /// Name used in the statistics file (`queued_<name>`).
    pub const fn name(self) -> &'static str {
        match self {
            QueueReason::Worker => "worker",
            QueueReason::KernelThread => "kthread",
            QueueReason::Reclaim => "reclaim",
            QueueReason::NestedIo => "nested_io",
            QueueReason::Atomic => "atomic",
            QueueReason::Stack => "stack",
            QueueReason::StackedLower => "stacked_lower",
            QueueReason::Writeback => "writeback",
        }
    }
}

/// Whether the offering task may submit the I/O itself, as an
/// application doing direct I/O on the exported filesystem would, or why
/// the I/O goes through the queue. `writeback`: the request is a WRITE of
/// page-cache pages (not an application's O_DIRECT buffer).
/// `lower_stack_depth` is the exported filesystem's `s_stack_depth`.
///
/// The I/O must be the task's own: its O_DIRECT READ or WRITE, a READ
/// into the page cache it asked for (a fault, `read()`, readahead), or
/// the COMMIT of its `fsync()`. A WRITE of the page cache is not: the
/// flush writes every dirty page of the file, other writers' too, and the
/// lower write path applies the submitting task's `RLIMIT_FSIZE`
/// (`-EFBIG` and `SIGXFSZ`), stops a buffered write when a fatal signal
/// is pending and charges the lower page cache and the bios to its
/// cgroups; a worker has none of those, as nfsd has none over RPC.
///
/// The task must be an ordinary one that may block: no worker (writeback
/// and the NFS client's own queues are memory-reclaim contexts), no other
/// kernel thread, not in reclaim, not already inside someone's nested-I/O
/// or NOFS scope. And at least half of its stack must be left: the NFS
/// client's deepest I/O path (writeback from `fsync`) is well within the
/// first half, and the exported filesystem's own deepest direct I/O path
/// (an allocating write with a btree split, into the block layer) must fit
/// in the rest, as it does under a system call.
pub fn submit_inline(
    task: &Submitter,
    writeback: bool,
    lower_stack_depth: u32,
) -> Result<(), QueueReason> {
    open_inline(task)?;
    if task.nested_io {
        return Err(QueueReason::NestedIo);
    }
    if writeback {
        return Err(QueueReason::Writeback);
    }
    if lower_stack_depth > 0 {
        return Err(QueueReason::StackedLower);
    }
    Ok(())
}

/// Whether the offering task may open a file through nfsd itself, or why
/// not. An open is an `fh_verify()` (export and dentry lookups, maybe
/// inode reads), a permission check and a `dentry_open()`, which runs the
/// LSM hooks and fanotify's `FS_OPEN_PERM`, which may wait for a daemon
/// in userspace: the front-end work the seed thread keeps out of
/// writeback and reclaim, and a stall no flusher may wait behind. So only
/// a task that could submit I/O itself ([`submit_inline`]) opens; for any
/// other the request goes to nfsd and a worker of ours opens the file for
/// the next ones. Unlike submitting, opening is an application's own
/// business even when it flushes others' pages (the open is done with the
/// request's credentials, and nfsd decides it), and inside a NOFS or NOIO
/// scope of its own (readahead holds one while it reads a file's first
/// pages): the scope only keeps the open's allocations from recursing
/// into filesystem reclaim.
pub fn open_inline(task: &Submitter) -> Result<(), QueueReason> {
    if !task.may_block {
        return Err(QueueReason::Atomic);
    }
    if task.reclaim {
        return Err(QueueReason::Reclaim);
    }
    if task.workqueue_worker {
        return Err(QueueReason::Worker);
    }
    if task.kernel_thread {
        return Err(QueueReason::KernelThread);
    }
    if task.stack_left < task.stack_size / 2 {
        return Err(QueueReason::Stack);
    }
    Ok(())
}
