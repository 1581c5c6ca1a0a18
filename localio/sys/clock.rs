// SPDX-License-Identifier: GPL-2.0

//! The monotonic clock.

use kernel::time::Ktime;

/// The monotonic clock, in nanoseconds.
pub(crate) fn now_ns() -> u64 {
    u64::try_from(Ktime::ktime_get().to_ns()).unwrap_or(0)
}
