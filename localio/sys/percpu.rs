// SPDX-License-Identifier: GPL-2.0

//! Counter cells kept per CPU: `u64`s that are only ever added to.
//!
//! A request adds to its own CPU's copy as `this_cpu_add()` does (on x86-64
//! one `add` with a `%gs:` operand, inline: no lock prefix, no call, no line
//! shared with another CPU);
//! the reader of the statistics sums every possible CPU's copy. 6.12's
//! kernel crate has no per-CPU type, so this is the one place that holds
//! a `__percpu` pointer.

use super::bindings as b;
use core::ptr::NonNull;
use kernel::prelude::*;

/// `slots` cells of `u64` per possible CPU, all starting at zero.
///
/// # Invariants
///
/// `cells` is a live per-CPU allocation of `slots` `u64`s, owned by this
/// value.
pub(crate) struct PerCpuCells {
    cells: NonNull<u64>,
    slots: usize,
}

// SAFETY: The cells are plain integers, added to by `this_cpu_add()`
// (safe against preemption and interrupts on the same CPU) and read with
// `READ_ONCE()`; every CPU touches only its own copy for writing, so the
// value may move between and be used from any threads.
unsafe impl Send for PerCpuCells {}
// SAFETY: As above: `&PerCpuCells` offers only adds and reads.
unsafe impl Sync for PerCpuCells {}

impl PerCpuCells {
    /// Zeroed cells; may sleep.
    pub(crate) fn new(slots: usize) -> Result<Self> {
        // SAFETY: Plain allocation; the per-CPU allocator zeroes it.
        let cells = unsafe { b::localio_rs_alloc_percpu_u64(slots) };
        // INVARIANT: A live allocation of `slots` cells, owned from here.
        Ok(Self {
            cells: NonNull::new(cells).ok_or(ENOMEM)?,
            slots,
        })
    }
}

impl PerCpuCells {
    /// Adds `n` to this CPU's copy of cell `slot`; nothing if out of range.
    #[inline]
    pub(crate) fn add(&self, slot: usize, n: u64) {
        if slot >= self.slots {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            // A per-CPU address, not a pointer: never dereferenced as one.
            let cell = self.cells.as_ptr().wrapping_add(slot);
            // SAFETY: `cell` is cell `slot` of the allocation (type
            // invariant, bound checked above). On x86-64 every CPU's copy
            // of a per-CPU address is at `%gs:` plus it, and one `add` to
            // it is what `this_cpu_add()` emits there (arch/x86's
            // `percpu_add_op`): a single instruction, so neither preemption
            // nor an interrupt on this CPU can split it. Inline because a
            // call to the C helper costs more than the add.
            unsafe {
                core::arch::asm!(
                    "add qword ptr gs:[{cell}], {n}",
                    cell = in(reg) cell,
                    n = in(reg) n,
                    options(nostack),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: `slot` is within the allocation (type invariant).
        unsafe {
            b::localio_rs_this_cpu_add_u64(self.cells.as_ptr(), slot, n)
        };
    }

    /// The sum of every CPU's copy of cell `slot`; 0 if out of range.
    pub(crate) fn read(&self, slot: usize) -> u64 {
        if slot >= self.slots {
            return 0;
        }
        // SAFETY: `slot` is within the allocation (type invariant).
        unsafe { b::localio_rs_sum_percpu_u64(self.cells.as_ptr(), slot) }
    }
}

impl Drop for PerCpuCells {
    fn drop(&mut self) {
        // SAFETY: Ours to free (type invariant), and no longer used.
        unsafe { b::free_percpu(self.cells.as_ptr().cast()) };
    }
}
