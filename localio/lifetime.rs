// SPDX-License-Identifier: GPL-2.0

//! How long an open file is kept, and when an open nfsd refused is asked
//! again: the reaper's and the refusal memory's rules. Pure: the host
//! tests check them.

use crate::outcome::DeclineReason;

/// Whether something last done at `last_used` (nanoseconds, monotonic)
/// is at least `idle` old by `now`. A clock read that went backwards
/// counts as "just done".
pub fn idle_expired(last_used: u64, now: u64, idle: u64) -> bool {
    now.checked_sub(last_used).is_some_and(|age| age >= idle)
}

/// Reaper ticks in a row that must find a cached file unused before it is
/// let go. Idleness is counted in ticks, not read off a clock: a guest or
/// host stall delays the ticks with everything else, so it cannot make a
/// file that requests used a moment ago look idle.
pub const FILE_IDLE_TICKS: u8 = 2;

/// Why the cache let go of an open file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseReason {
    /// Unused for [`FILE_IDLE_TICKS`] reaper ticks.
    Idle,
    /// nfsd stopped serving the file's network namespace (its shutdown
    /// waits for every file we hold).
    NotServing,
    /// What nfsd's open rested on changed (export table, owner, mode,
    /// ACL, flags, unlink): nfsd decides again with a fresh open.
    Changed,
    /// nfs.ko let go of the `nfs_client` the file was opened for.
    ClientGone,
    /// The client's cache was full: the file served its request only.
    Full,
    /// The module was unloaded.
    Unload,
    /// Its export checks the subtree (`subtree_check`): nfsd's verdict
    /// rests on the file's path, which no kept file can watch, so the
    /// file served the request it was opened for only.
    SubtreeCheck,
}

impl ReleaseReason {
    /// All reasons, in the order of the statistics file.
    pub const ALL: [ReleaseReason; 7] = [
        ReleaseReason::Idle,
        ReleaseReason::NotServing,
        ReleaseReason::Changed,
        ReleaseReason::ClientGone,
        ReleaseReason::Full,
        ReleaseReason::Unload,
        ReleaseReason::SubtreeCheck,
    ];

    /// Name used in the statistics file (`released_<name>`).
    pub const fn name(self) -> &'static str {
        match self {
            ReleaseReason::Idle => "idle",
            ReleaseReason::NotServing => "not_serving",
            ReleaseReason::Changed => "changed",
            ReleaseReason::ClientGone => "client_gone",
            ReleaseReason::Full => "full",
            ReleaseReason::Unload => "unload",
            ReleaseReason::SubtreeCheck => "subtree_check",
        }
    }
}

/// What one reaper tick sees of a cached open file.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileAtTick {
    /// A request is using it now.
    pub in_use: bool,
    /// A request started or finished with it since the previous tick.
    pub referenced: bool,
    /// nfsd still serves its network namespace.
    pub serving: bool,
    /// What nfsd's open rested on has changed.
    pub changed: bool,
}

/// The reaper's verdict on a cached file at one tick: let go, and why, or
/// keep. `idle_ticks` is the number of ticks in a row that found the file
/// unused before this one, which this updates (second chance: a use since
/// the last tick starts the count again). A request in flight keeps its
/// file however long it takes.
pub fn sweep_file(file: FileAtTick, idle_ticks: &mut u8) -> Option<ReleaseReason> {
    if !file.serving {
        return Some(ReleaseReason::NotServing);
    }
    if file.changed {
        return Some(ReleaseReason::Changed);
    }
    if file.in_use || file.referenced {
        *idle_ticks = 0;
        return None;
    }
    *idle_ticks = idle_ticks.saturating_add(1);
    (*idle_ticks >= FILE_IDLE_TICKS).then_some(ReleaseReason::Idle)
}

/// How long a refused open is remembered: requests for the same caller,
/// mode and file go to nfsd without another open in the meantime. Sending
/// a request to nfsd is always correct; this only bounds how soon access
/// granted again (a `chmod`, a re-export) is served locally again.
pub const REFUSAL_MEMORY_NS: u64 = 1_000_000_000;

/// Refused opens in a row after which the next requests skip the open.
/// The first open after any change of nfsd's export table fails even when
/// access is granted (nfsd's export cache is refilled only by an RPC,
/// which the refused request then sends), so one refusal proves nothing.
pub const REFUSALS_TO_REMEMBER: u32 = 2;

/// Whether `refusals` refused opens in a row, the last at `refused_at`,
/// mean that a request at `now` goes to nfsd without trying to open.
pub fn refusal_blocks(refusals: u32, refused_at: u64, now: u64) -> bool {
    refusals >= REFUSALS_TO_REMEMBER && refusal_current(refused_at, now)
}

/// Whether a refusal at `refused_at` still counts at `now`, towards
/// [`REFUSALS_TO_REMEMBER`] or as remembered.
pub fn refusal_current(refused_at: u64, now: u64) -> bool {
    !idle_expired(refused_at, now, REFUSAL_MEMORY_NS)
}

/// What to do with a cached open file before it serves the next request,
/// from what the nfsd shim says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// Nothing nfsd's open rested on has changed: use it.
    Use,
    /// The export table, the file's owner, mode or ACL changed, or it was
    /// unlinked: let it go and let nfsd decide again with a fresh open.
    Reopen,
    /// Send this request to nfsd; keep the file.
    Decline(DeclineReason),
}
