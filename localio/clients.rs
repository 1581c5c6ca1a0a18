// SPDX-License-Identifier: GPL-2.0

//! What the LOCALIO client keeps per NFS client: the files it opened
//! through nfsd for that client's requests, its counters, and what the
//! kernel log was last told about it.
//!
//! Opening a file through nfsd verifies the filehandle and the caller's
//! access; done per request, that is a fixed cost on every I/O, which
//! small I/O feels most. So a client keeps each file it opened, keyed by
//! the caller's credentials, the open mode and the filehandle, and lets go
//! of it when
//!
//! - what nfsd's open rested on has changed: before each reuse the nfsd
//!   shim compares nfsd's export generation (exportfs flushes nfsd's export
//!   caches on every change), the file's owner, group, mode, ACL and
//!   immutable/append flags with what they were at open, and whether the
//!   file is still linked; on any difference the file is let go and opened
//!   through nfsd again, so nfsd decides the next request as it would over
//!   RPC. A lease or delegation that has to be broken sends the request to
//!   nfsd instead;
//! - no request has used it for
//!   [`FILE_IDLE_TICKS`](crate::lifetime::FILE_IDLE_TICKS) ticks of the reaper in
//!   a row (a second chance: a use between two ticks starts the count
//!   again), which ticks every second while any file is cached and not at
//!   all while none is;
//! - nfsd stops serving the file's network namespace: nfsd's shutdown waits
//!   for every file we hold, so both the next request and the reaper check;
//! - the `nfs_client` goes away (nfs.ko's `client_release` hook), or the
//!   module unloads.
//!
//! Each let-go is counted by its [`ReleaseReason`] in the statistics.
//!
//! After [`REFUSALS_TO_REMEMBER`](crate::lifetime::REFUSALS_TO_REMEMBER)
//! refused opens in a row, the refusal is remembered for
//! [`REFUSAL_MEMORY_NS`](crate::lifetime::REFUSAL_MEMORY_NS): the requests
//! meanwhile go to nfsd without paying for another open.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use kernel::{
    fmt, new_spinlock,
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    str::{CStr, CString},
    sync::{Arc, SpinLock},
    types::ARef,
};

use crate::lifetime::{
    refusal_blocks, refusal_current, sweep_file, FileAtTick, ReleaseReason, Reuse,
};
use crate::outcome::DeclineReason;
use crate::path_state::{due, PathState};
use crate::plan::DioAlignment;
use crate::stats::{
    CounterCells, Counters, FILE_OPENS, FILE_OPENS_QUEUED, FILE_REOPENS, FILE_REUSES, HANDSHAKES,
    HELD_FOR_OPEN, RELEASED, SLOTS,
};
use crate::sys::clock::now_ns;
use crate::sys::file::LowerFile;
use crate::sys::percpu::PerCpuCells;
use crate::sys::rcu::{self, RcuSlots, Retired};
use crate::sys::request::{
    Accepted, ClientId, FileKey, Held, KeyRef, NfsClient, Offer, Opener, OwnedOpener,
};
use crate::sys::shim::{Check, NfsdFile, OpenError};
use crate::sys::task::current_task_id;
use crate::sys::trace;
use crate::sys::workqueue::Tick;

/// Counters as the module keeps them: a copy per CPU, so that requests on
/// different CPUs write no line in common.
pub(crate) type ClientCounters = Counters<PerCpuCells>;

/// The module's cells are per CPU.
impl CounterCells for PerCpuCells {
    #[inline]
    fn add(&self, slot: usize, n: u64) {
        PerCpuCells::add(self, slot, n);
    }

    fn read(&self, slot: usize) -> u64 {
        PerCpuCells::read(self, slot)
    }
}

impl ClientCounters {
    /// All at zero; may sleep.
    pub(crate) fn per_cpu() -> Result<Self> {
        Ok(Counters::with_cells(PerCpuCells::new(SLOTS)?))
    }
}

/// Files kept per client at most; further ones serve their request only.
const MAX_FILES_PER_CLIENT: usize = 256;
/// Slots of a client's lock-free index of its open files: one per file it
/// may keep (2 KiB a client), so that most find a slot of their own.
const FILE_SLOTS: usize = MAX_FILES_PER_CLIENT;
/// Slots of the lock-free index of clients: a host has few NFS servers.
const CLIENT_SLOTS: usize = 16;
/// Opens a client may have queued for a worker at once
/// ([`Client::queue_open`]); a miss beyond them goes to nfsd only.
const MAX_PENDING_OPENS: usize = 8;

/// Requests one queued open may hold until it is done
/// ([`Client::hold_for_open`]): as many WRITEs of wsize as a flusher sends
/// of a file in a burst; more go to nfsd.
const MAX_HELD_PER_OPEN: usize = 8;

/// An open queued for a worker: its key, what opens it, and the requests
/// held until it is done.
struct PendingOpen {
    key: FileKey,
    opener: OwnedOpener,
    held: [Option<Held>; MAX_HELD_PER_OPEN],
}

/// A client's queued opens.
type PendingOpens = [Option<PendingOpen>; MAX_PENDING_OPENS];

/// Whether `pending` has room for `key`: a free slot, and no open of the
/// same key waiting already.
fn room_for(pending: &PendingOpens, key: &FileKey) -> bool {
    pending.iter().any(Option::is_none) && !pending.iter().flatten().any(|p| p.key.same(key))
}

/// A file opened through the nfsd shim, released when the last user lets
/// go.
pub(crate) struct OpenFile {
    /// What it was opened for.
    key: FileKey,
    nfsd: NfsdFile,
    dio: DioAlignment,
    /// Whether a request started or finished with the file since the
    /// reaper's last tick.
    referenced: AtomicBool,
    /// Requests using the file now (see [`FileInUse`]).
    in_flight: AtomicU32,
}

/// How often a client whose handshake said "not local" redoes it: nfsd
/// may have been started since.
pub(crate) const NOT_LOCAL_HANDSHAKE_NS: u64 = 5_000_000_000;
/// How often a client whose opens find nfsd gone redoes the handshake, so
/// that LOCALIO resumes once nfsd is back.
const NFSD_GONE_HANDSHAKE_NS: u64 = 1_000_000_000;

/// Why an open through nfsd failed.
pub(crate) struct OpenFailure {
    reason: DeclineReason,
    /// nfsd looked gone (stopped, restarted, its net going away): the
    /// client's handshake should be redone.
    nfsd_gone: bool,
}

impl From<DeclineReason> for OpenFailure {
    fn from(reason: DeclineReason) -> Self {
        OpenFailure {
            reason,
            nfsd_gone: false,
        }
    }
}

impl OpenFile {
    /// Opens `opener`'s file, the one for `key`, through the shim.
    pub(crate) fn open(opener: &Opener<'_>, key: &FileKey) -> Result<Arc<Self>, OpenFailure> {
        let failed = OpenFailure::from;
        let nfsd = match NfsdFile::open(opener) {
            Ok(nfsd) => nfsd,
            Err(OpenError::NoShim) => return Err(failed(DeclineReason::NoShim)),
            // Not a refusal to remember: the next request opens again.
            Err(OpenError::Delayed) => return Err(failed(DeclineReason::Lease)),
            Err(OpenError::Refused(errno)) => {
                let gone = [
                    kernel::bindings::ENXIO,
                    kernel::bindings::ENOENT,
                    kernel::bindings::ENOMEM,
                ];
                let reason = if errno == -(kernel::bindings::ENXIO as i32) {
                    DeclineReason::NfsdDown
                } else {
                    DeclineReason::OpenFailed
                };
                return Err(OpenFailure {
                    reason,
                    nfsd_gone: gone.iter().any(|&e| errno == -(e as i32)),
                });
            }
        };
        let (mem, offset) = nfsd.dio_alignment();
        let file = OpenFile {
            key: *key,
            nfsd,
            dio: DioAlignment { mem, offset },
            referenced: AtomicBool::new(true),
            in_flight: AtomicU32::new(0),
        };
        // On failure `file` is dropped, which releases it.
        Arc::new(file, GFP_KERNEL).map_err(|_| failed(DeclineReason::NoMemory))
    }

    /// The file as nfsd opened it.
    pub(crate) fn nfsd(&self) -> &NfsdFile {
        &self.nfsd
    }

    /// The exported file, open while `self` is.
    pub(crate) fn lower_file(&self) -> LowerFile<'_> {
        self.nfsd.lower_file()
    }

    /// The file's direct I/O alignment.
    pub(crate) fn dio(&self) -> DioAlignment {
        self.dio
    }

    /// Whether nfsd still serves the file's network namespace.
    fn serving(&self) -> bool {
        self.nfsd.serving()
    }

    /// Whether what nfsd's open rested on has changed since; never sleeps.
    fn changed(&self) -> bool {
        !matches!(self.nfsd.check(false), Check::Unchanged)
    }

    /// Whether the file may serve the next request as nfsd opened it.
    /// May sleep (to start breaking a lease).
    fn reuse(&self) -> Reuse {
        match self.nfsd.check(true) {
            Check::Unchanged => Reuse::Use,
            Check::Changed => Reuse::Reopen,
            Check::LeaseBreaking => Reuse::Decline(DeclineReason::Lease),
        }
    }

    /// What the reaper sees of the file now; clears `referenced`.
    fn at_tick(&self) -> FileAtTick {
        FileAtTick {
            in_use: self.in_flight.load(Ordering::Relaxed) != 0,
            referenced: self.referenced.swap(false, Ordering::Relaxed),
            serving: self.serving(),
            changed: self.changed(),
        }
    }

    fn touch(&self) {
        // Read first: requests on a busy file do not all write its line.
        if !self.referenced.load(Ordering::Relaxed) {
            self.referenced.store(true, Ordering::Relaxed);
        }
    }
}

/// One request's use of an [`OpenFile`], from acceptance until it is
/// finished: keeps the file open and, however long the I/O takes, never
/// idle; idleness counts from the first tick after the last one let go.
pub(crate) struct FileInUse(Arc<OpenFile>);

impl FileInUse {
    pub(crate) fn new(file: Arc<OpenFile>) -> Self {
        file.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(file)
    }
}

impl core::ops::Deref for FileInUse {
    type Target = OpenFile;

    fn deref(&self) -> &OpenFile {
        &self.0
    }
}

impl Drop for FileInUse {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a client remembers for one key.
enum Entry {
    /// The file nfsd opened for it, and the reaper ticks in a row that
    /// found it unused.
    Open { file: Arc<OpenFile>, idle_ticks: u8 },
    /// nfsd refused to open it `refusals` times in a row, the last at
    /// `at` (nanoseconds, monotonic).
    Refused { at: u64, refusals: u32 },
}

impl Entry {
    fn open(file: Arc<OpenFile>) -> Self {
        Entry::Open {
            file,
            idle_ticks: 0,
        }
    }

    fn open_file(&self) -> Option<&Arc<OpenFile>> {
        match self {
            Entry::Open { file, .. } => Some(file),
            Entry::Refused { .. } => None,
        }
    }

    /// What the reaper does with the entry at its tick at `now`.
    fn sweep(&mut self, now: u64) -> Sweep {
        match self {
            Entry::Open { file, idle_ticks } => match sweep_file(file.at_tick(), idle_ticks) {
                Some(reason) => Sweep::Release(reason),
                None => Sweep::Keep,
            },
            Entry::Refused { at, .. } if !refusal_current(*at, now) => Sweep::Forget,
            Entry::Refused { .. } => Sweep::Keep,
        }
    }
}

/// The reaper's verdict on one entry.
enum Sweep {
    Keep,
    /// An old refusal: nothing to release.
    Forget,
    Release(ReleaseReason),
}

/// What one client remembers, by key.
struct FileTable {
    files: RBTree<FileKey, Entry>,
    /// Entries in `files`.
    len: usize,
    /// `Entry::Open` entries in `files`.
    open: usize,
}

/// LOCALIO's state for one `nfs_client`.
#[pin_data]
pub(crate) struct Client {
    id: ClientId,
    /// The module-wide counters, which count what `counters` does.
    totals: Arc<ClientCounters>,
    /// The server's name, for the log and statistics.
    server: CString,
    nfs_version: u32,
    /// A pNFS data server's client, which serves layouts' I/O only.
    data_server: bool,
    /// Requests of this client, as the module-wide totals count them.
    pub(crate) counters: ClientCounters,
    /// A handshake for the reaper to redo, with the reference on the
    /// client it needs (the reaper may run after the client's last mount
    /// has gone).
    #[pin]
    handshake: SpinLock<Option<ARef<NfsClient>>>,
    /// When a handshake was last asked for (nanoseconds; 0: never).
    handshake_asked_ns: AtomicU64,
    path: AtomicU8,
    #[pin]
    table: SpinLock<FileTable>,
    /// The open files of `table`, for lookups without its lock: each is an
    /// `Entry::Open` of `table`, changed only under its lock (or just after
    /// `table` let go of all of them).
    index: RcuSlots<OpenFile, FILE_SLOTS>,
    /// Files to open on a worker for offers from tasks that may not open
    /// ([`Client::queue_open`]): a fixed array, so queueing never
    /// allocates.
    #[pin]
    pending: SpinLock<PendingOpens>,
    /// Queued opens taken off `pending` and not yet cached or failed: with
    /// `pending`, what keeps the reaper ticking for the file to come.
    opening: AtomicU32,
    /// The task handing back what an open held, while it does
    /// ([`Client::hold_for_open`]); 0 otherwise.
    handing_back: AtomicUsize,
}

impl Client {
    /// Asks the reaper to redo `nfs_client`'s LOCALIO handshake, unless one
    /// was asked for less than `interval_ns` ago; says whether this asked.
    /// The handshake is a synchronous RPC to the server during which
    /// LOCALIO is off for all its mounts: never on the I/O path, and at
    /// most once per interval per client.
    pub(crate) fn want_handshake(&self, nfs_client: &NfsClient, interval_ns: u64) -> bool {
        let now = now_ns();
        let prev = self.handshake_asked_ns.load(Ordering::Relaxed);
        if !due(prev, now, interval_ns)
            || self
                .handshake_asked_ns
                .compare_exchange(prev, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return false;
        }
        let replaced = self.handshake.lock().replace(ARef::from(nfs_client));
        // Not the last reference: the request's mount holds the client.
        drop(replaced);
        true
    }

    /// Counts in this client's counters and in the module's.
    pub(crate) fn count(&self, f: impl Fn(&ClientCounters)) {
        f(&self.counters);
        f(&self.totals);
    }

    /// The opened file for a request of `nfs_client` with `key`: the
    /// cached one, or one `open` opens now for the key built (and which is
    /// cached when there is room). An open that finds nfsd gone asks for
    /// the handshake to be redone ([`Self::want_handshake`]).
    pub(crate) fn file_for(
        &self,
        nfs_client: &NfsClient,
        key: KeyRef<'_>,
        open: impl FnOnce(&FileKey) -> Result<Arc<OpenFile>, OpenFailure>,
    ) -> Result<Arc<OpenFile>, DeclineReason> {
        let (cached, refusals) = self.cached(key)?;
        if let Some(file) = cached {
            if let Some(file) = self.reuse(file)? {
                return Ok(file);
            }
        }
        self.open_and_keep(nfs_client, &key.to_key(), open, refusals)
    }

    /// The file cached for `key`, if any, and the refusals in a row still
    /// current now if none is; or why the request goes to nfsd without an
    /// open (refused too often, too recently). The clock is read only for
    /// a refusal.
    fn cached(&self, key: KeyRef<'_>) -> Result<(Option<Arc<OpenFile>>, u32), DeclineReason> {
        if let Some(file) = self
            .index
            .get(key.slot_hash(), |file| key.matches(&file.key))
        {
            return Ok((Some(file), 0));
        }
        let key = key.to_key();
        match self.table.lock().files.get(&key) {
            Some(Entry::Open { file, .. }) => Ok((Some(file.clone()), 0)),
            Some(Entry::Refused { at, refusals }) => {
                let now = now_ns();
                if refusal_blocks(*refusals, *at, now) {
                    return Err(DeclineReason::RecentlyRefused);
                }
                let current = if refusal_current(*at, now) {
                    *refusals
                } else {
                    0
                };
                Ok((None, current))
            }
            None => Ok((None, 0)),
        }
    }

    /// `file`, cached, if nothing nfsd's open rested on has changed; else
    /// it is let go (`None`: open again), or the request goes to nfsd.
    fn reuse(&self, file: Arc<OpenFile>) -> Result<Option<Arc<OpenFile>>, DeclineReason> {
        // nfsd is shutting down and waits for this file: let go now, and
        // let the open that follows tell the caller what nfsd says.
        let (reuse, why) = if file.serving() {
            (file.reuse(), ReleaseReason::Changed)
        } else {
            (Reuse::Reopen, ReleaseReason::NotServing)
        };
        match reuse {
            Reuse::Use => {
                file.touch();
                self.count(|c| c.bump(FILE_REUSES, ()));
                self.trace_file(&file, "reuse", None);
                Ok(Some(file))
            }
            Reuse::Decline(reason) => Err(reason),
            Reuse::Reopen => {
                self.count(|c| c.bump(FILE_REOPENS, ()));
                self.trace_file(&file, "reopen", None);
                if self.forget(&file.key, &file) {
                    self.count(|c| c.bump(RELEASED, why));
                    self.trace_file(&file, "release", Some(why));
                }
                // Our hold may be what keeps an unlinked file reachable by
                // its filehandle: gone before nfsd looks again (`file` is
                // dropped here).
                Ok(None)
            }
        }
    }

    /// Opens the file for `key` with `open` and keeps it if it may serve
    /// more requests and there is room; a refusal is remembered, one more
    /// after `refusals` in a row.
    fn open_and_keep(
        &self,
        nfs_client: &NfsClient,
        key: &FileKey,
        open: impl FnOnce(&FileKey) -> Result<Arc<OpenFile>, OpenFailure>,
        refusals: u32,
    ) -> Result<Arc<OpenFile>, DeclineReason> {
        let file = match open(key) {
            Ok(file) => file,
            Err(failure) => {
                if failure.nfsd_gone {
                    self.want_handshake(nfs_client, NFSD_GONE_HANDSHAKE_NS);
                }
                if failure.reason == DeclineReason::OpenFailed {
                    let refused = Entry::Refused {
                        at: now_ns(),
                        refusals: refusals.saturating_add(1),
                    };
                    self.remember(key, refused);
                }
                return Err(failure.reason);
            }
        };
        self.count(|c| c.bump(FILE_OPENS, ()));
        self.trace_file(&file, "open", None);
        let kept = file.nfsd.keep() && self.remember(key, Entry::open(file.clone()));
        if !kept {
            let why = match file.nfsd.keep() {
                true => ReleaseReason::Full,
                false => ReleaseReason::SubtreeCheck,
            };
            self.count(|c| c.bump(RELEASED, why));
            self.trace_file(&file, "release", Some(why));
        }
        Ok(file)
    }

    /// Keeps `entry` for `key` if there is room, in place of what was
    /// there; says whether it did.
    fn remember(&self, key: &FileKey, entry: Entry) -> bool {
        let opens = usize::from(entry.open_file().is_some());
        let Ok(node) = RBTreeNode::new(*key, entry, GFP_KERNEL) else {
            return false;
        };
        let hash = key.slot_hash();
        let (kept, displaced, retired) = {
            let mut table = self.table.lock();
            if table.len >= MAX_FILES_PER_CLIENT && table.files.get(key).is_none() {
                (false, None, None)
            } else {
                let displaced = table.files.insert(node).map(|n| n.to_key_value().1);
                let retired = displaced
                    .as_ref()
                    .and_then(Entry::open_file)
                    .and_then(|old| self.index.unpublish(hash, old));
                match &displaced {
                    None => table.len += 1,
                    Some(old) if old.open_file().is_some() => table.open -= 1,
                    Some(_) => {}
                }
                table.open += opens;
                if let Some(file) = table.files.get(key).and_then(Entry::open_file) {
                    self.index.publish(hash, file);
                }
                (true, displaced, retired)
            }
        };
        // A racing request cached the same key first; this one wins.
        // Released outside the lock: closing may sleep.
        drop(displaced);
        drop(retired);
        kept
    }

    /// Drops the cache's hold on `file` if it is still the one for `key`;
    /// says whether it did.
    fn forget(&self, key: &FileKey, file: &Arc<OpenFile>) -> bool {
        let removed = {
            let mut table = self.table.lock();
            let current = table
                .files
                .get(key)
                .and_then(Entry::open_file)
                .is_some_and(|f| Arc::ptr_eq(f, file));
            let removed = if current {
                table.files.remove(key)
            } else {
                None
            };
            if removed.is_some() {
                table.len -= 1;
                table.open -= 1;
            }
            (removed, self.index.unpublish(key.slot_hash(), file))
        };
        let forgot = removed.0.is_some();
        // Outside the lock: waiting for readers and closing may sleep.
        drop(removed);
        forgot
    }

    /// One reaper tick over this client's entries, in one walk: lets go
    /// of the files [`sweep_file`] says to, and forgets refusals that are
    /// old enough. Returns how many entries are left, queued opens
    /// included.
    fn reap(&self, now: u64) -> usize {
        // Room for all that may go, taken before the lock that offers take.
        let entries = self.table.lock().len;
        let Ok(mut gone) =
            KVec::<(Entry, Option<ReleaseReason>)>::with_capacity(entries, GFP_KERNEL)
        else {
            return entries;
        };
        let Ok(mut retired) = KVec::<Retired<OpenFile>>::with_capacity(entries, GFP_KERNEL) else {
            return entries;
        };
        let left = self.take_expired(now, &mut gone, &mut retired);
        for (entry, reason) in gone.iter() {
            if let Some(reason) = reason {
                self.count(|c| c.bump(RELEASED, *reason));
                if let Some(file) = entry.open_file() {
                    self.trace_file(file, "release", Some(*reason));
                }
            }
        }
        // Released outside the lock: closing may sleep.
        drop(gone);
        rcu::release_all(retired);
        // A queued open is an entry to come: the reaper waits for it.
        let pending = self.pending.lock().iter().flatten().count();
        left + pending + self.opening.load(Ordering::Relaxed) as usize
    }

    /// Takes the entries that go at `now` out of the table, under its
    /// lock, into `gone` (their files' RCU slots into `retired`), as many
    /// as `gone` has room for, without allocating; the entries left.
    fn take_expired(
        &self,
        now: u64,
        gone: &mut KVec<(Entry, Option<ReleaseReason>)>,
        retired: &mut KVec<Retired<OpenFile>>,
    ) -> usize {
        let mut table = self.table.lock();
        let mut cursor = table.files.cursor_front();
        // Entries added since `entries` was read wait for the next tick.
        while let Some(mut at) = cursor.filter(|_| gone.len() < gone.capacity()) {
            let reason = match at.current_mut().1.sweep(now) {
                Sweep::Keep => {
                    cursor = at.move_next();
                    continue;
                }
                Sweep::Forget => None,
                Sweep::Release(reason) => Some(reason),
            };
            // `remove_current` moves back to the previous entry when
            // there is no next one: that one was seen already.
            let last = at.peek_next().is_none();
            let (next, node) = at.remove_current();
            cursor = if last { None } else { next };
            let entry = node.to_key_value().1;
            if let Some(r) = entry
                .open_file()
                .and_then(|f| self.index.unpublish(f.key.slot_hash(), f))
            {
                // Within the capacity taken above: does not allocate
                // (and so cannot drop `r` here, under the lock).
                let _ = retired.push(r, GFP_NOWAIT);
            }
            // Within the capacity taken above: does not allocate.
            let _ = gone.push((entry, reason), GFP_NOWAIT);
        }
        let opens = gone.iter().filter(|(_, reason)| reason.is_some()).count();
        table.len -= gone.len();
        table.open -= opens;
        table.len
    }

    /// The file cache's trace event for `file`.
    fn trace_file(&self, file: &OpenFile, what: &str, reason: Option<ReleaseReason>) {
        let reason = reason.map_or("", ReleaseReason::name);
        trace::file(
            &self.server,
            self.nfs_version,
            &file.lower_file(),
            what,
            reason,
        );
    }

    /// Whether a handshake waits to be redone ([`Self::want_handshake`]).
    pub(crate) fn handshake_pending(&self) -> bool {
        self.handshake.lock().is_some()
    }

    /// Redoes the handshake asked for, if any. Never on the reaper: the
    /// handshake is an RPC that can block for minutes against an nfsd
    /// that is stopping, and that nfsd waits for the files the reaper
    /// lets go of.
    fn run_handshake(&self) {
        let pending = self.handshake.lock().take();
        if let Some(nfs_client) = pending {
            nfs_client.redo_handshake();
            self.count(|c| c.bump(HANDSHAKES, ()));
            trace::handshake(
                &self.server,
                self.nfs_version,
                nfs_client.handshake_found_local(),
            );
            // Outside every lock of ours: with the client's last mount gone,
            // this frees it, and nfs.ko tells us (`Clients::remove`).
            drop(nfs_client);
        }
    }

    /// Queues an open of `key`'s file, as `opener` would open it, for
    /// [`Client::run_opens`] on a worker; says whether it did (not when
    /// the same key waits already or the queue is full).
    pub(crate) fn queue_open(&self, key: &FileKey, opener: &Opener<'_>) -> bool {
        if !room_for(&self.pending.lock(), key) {
            return false;
        }
        // The references are taken, and dropped if the queue filled
        // meanwhile, outside the lock: the last reference on an
        // `nfs_client` may free it, which sleeps.
        let Some(owned) = opener.to_owned() else {
            return false;
        };
        let refused = {
            let mut pending = self.pending.lock();
            let free = room_for(&pending, key)
                .then(|| pending.iter().position(Option::is_none))
                .flatten();
            match free {
                Some(i) => {
                    pending[i] = Some(PendingOpen {
                        key: *key,
                        opener: owned,
                        held: [const { None }; MAX_HELD_PER_OPEN],
                    });
                    None
                }
                None => Some(owned),
            }
        };
        refused.is_none()
    }

    /// Holds the READ or WRITE `offer`, which missed its file, until the
    /// open [`Client::queue_open`] queued for its key is done; then it is
    /// handed back to nfs.ko, which offers it again ([`Held`]). Gives the
    /// offer back if it is a COMMIT, if the open is no longer queued or
    /// holds all it may, or if this task is handing back what an open held
    /// (which must not wait again for an open that just failed).
    pub(crate) fn hold_for_open<'a>(&self, offer: Offer<'a>) -> Result<Accepted<'a>, Offer<'a>> {
        if self.handing_back.load(Ordering::Relaxed) == current_task_id() {
            return Err(offer);
        }
        let key = offer.key();
        let mut pending = self.pending.lock();
        let Some(slot) = pending
            .iter_mut()
            .flatten()
            .find(|p| key.matches(&p.key))
            .and_then(|p| p.held.iter_mut().find(|h| h.is_none()))
        else {
            return Err(offer);
        };
        // Taken under the lock: nothing here sleeps or offers again.
        let (held, accepted) = offer.hold()?;
        *slot = Some(held);
        drop(pending);
        self.count(|c| c.bump(HELD_FOR_OPEN, ()));
        Ok(accepted)
    }

    /// Opens what [`Client::queue_open`] queued, on a worker of ours, and
    /// caches it as an offer's open would (or remembers the refusal); then
    /// hands back what each open held, to be offered again.
    pub(crate) fn run_opens(&self) {
        // As an offer's open: no allocation recurses into I/O.
        let _noio = crate::sys::task::TaskFlagsScope::memalloc_noio();
        loop {
            let next = {
                let mut pending = self.pending.lock();
                let next = pending.iter_mut().find_map(Option::take);
                if next.is_some() {
                    self.opening.fetch_add(1, Ordering::Relaxed);
                }
                next
            };
            let Some(PendingOpen { key, opener, held }) = next else {
                break;
            };
            self.count(|c| c.bump(FILE_OPENS_QUEUED, ()));
            let opened = self.file_for(opener.client(), key.view(), |key| {
                OpenFile::open(&opener.opener(), key)
            });
            drop(opened);
            self.opening.fetch_sub(1, Ordering::Relaxed);
            self.hand_back(held);
            // Outside every lock: may put the last reference on the client.
            drop(opener);
        }
    }

    /// Hands back what an open held, outside every lock: each is offered
    /// again in this task, and finds the file open, a refusal remembered,
    /// or (after an open that neither opened nor was refused) goes to nfsd.
    fn hand_back(&self, held: [Option<Held>; MAX_HELD_PER_OPEN]) {
        if held.iter().all(Option::is_none) {
            return;
        }
        self.handing_back
            .store(current_task_id(), Ordering::Relaxed);
        drop(held);
        self.handing_back.store(0, Ordering::Relaxed);
    }

    /// Lets go of every entry, counting the files for `reason`.
    fn release_all(&self, reason: ReleaseReason) {
        let (files, opens) = {
            let mut table = self.table.lock();
            let opens = table.open;
            table.len = 0;
            table.open = 0;
            (core::mem::take(&mut table.files), opens)
        };
        self.count(|c| c.add(RELEASED, reason, opens as u64));
        // Outside the lock, which the slots' memory may not be taken under.
        // A request that finds a file in its slot meanwhile is one that
        // came just before: it keeps its file until it is done.
        let mut retired = KVec::new();
        for file in files.values().filter_map(Entry::open_file) {
            self.trace_file(file, "release", Some(reason));
            if let Some(r) = self.index.unpublish(file.key.slot_hash(), file) {
                // Without memory, `push` drops `r`, which then waits for
                // its readers alone.
                let _ = retired.push(r, GFP_KERNEL);
            }
        }
        // Released outside the lock: closing may sleep.
        drop(files);
        rcu::release_all(retired);
    }

    /// Records what a request's outcome shows about this client, and says
    /// so in the kernel log when that changed.
    pub(crate) fn note(&self, outcome: Result<(), DeclineReason>) {
        let Some(state) = PathState::shown_by(outcome) else {
            return;
        };
        if self.path.load(Ordering::Relaxed) == state.code() {
            return;
        }
        let previous = PathState::from_code(self.path.swap(state.code(), Ordering::Relaxed));
        if previous == state {
            return;
        }
        let (server, version) = self.server();
        let onoff = if state.is_local() { "on" } else { "off" };
        let role = if self.data_server { " data server" } else { "" };
        pr_info!(
            "LOCALIO {onoff} for server {server} (NFSv{version}{role}): {}\n",
            state.why()
        );
    }

    /// How LOCALIO last fared for this client.
    pub(crate) fn path_state(&self) -> PathState {
        PathState::from_code(self.path.load(Ordering::Relaxed))
    }

    /// The server's name and the NFS version, for the log and statistics.
    pub(crate) fn server(&self) -> (&CStr, u32) {
        (&self.server, self.nfs_version)
    }

    /// Whether this is a pNFS data server's client.
    pub(crate) fn data_server(&self) -> bool {
        self.data_server
    }

    /// Files this client holds open now.
    pub(crate) fn open_files(&self) -> usize {
        self.table.lock().open
    }
}

/// Every client LOCALIO has seen, by `nfs_client` address.
#[pin_data(PinnedDrop)]
pub(crate) struct Clients {
    #[pin]
    map: SpinLock<RBTree<ClientId, Arc<Client>>>,
    /// The clients of `map`, for lookups without its lock; changed only
    /// under it.
    index: RcuSlots<Client, CLIENT_SLOTS>,
    /// Module-wide counters, which count what each client's do.
    totals: Arc<ClientCounters>,
    /// Reaper ticks so far.
    ticks: AtomicU64,
}

impl Clients {
    /// No clients yet; `totals` counts for all of them.
    pub(crate) fn new(totals: Arc<ClientCounters>) -> impl PinInit<Self> {
        pin_init!(Self {
            map <- new_spinlock!(RBTree::new(), "localio_rs::Clients::map"),
            index: RcuSlots::new(),
            totals,
            ticks: AtomicU64::new(0),
        })
    }

    /// The client kept for `nfs_client`, if it has been offered I/O: from
    /// the RCU index, or the map when the index had no room for it.
    pub(crate) fn find(&self, nfs_client: &NfsClient) -> Option<Arc<Client>> {
        let id = nfs_client.id();
        self.index
            .get(id.slot_hash(), |client| client.id == id)
            .or_else(|| self.map.lock().get(&id).cloned())
    }

    /// The state of `nfs_client`, created on its first request.
    pub(crate) fn get_or_add(&self, nfs_client: &NfsClient) -> Option<Arc<Client>> {
        if let Some(client) = self.find(nfs_client) {
            return Some(client);
        }
        let id = nfs_client.id();
        let hash = id.slot_hash();
        let name = nfs_client.server().to_str().unwrap_or("?");
        let server = CString::try_from_fmt(fmt!("{name}")).ok()?;
        let counters = ClientCounters::per_cpu().ok()?;
        let client = Arc::pin_init(
            pin_init!(Client {
                id,
                totals: self.totals.clone(),
                server,
                nfs_version: nfs_client.nfs_version(),
                data_server: nfs_client.is_data_server(),
                counters,
                handshake <- new_spinlock!(None, "localio_rs::Client::handshake"),
                handshake_asked_ns: AtomicU64::new(0),
                path: AtomicU8::new(PathState::Unknown.code()),
                table <- new_spinlock!(
                    FileTable { files: RBTree::new(), len: 0, open: 0 },
                    "localio_rs::Client::table"
                ),
                index: RcuSlots::new(),
                pending <- new_spinlock!(
                    [const { None }; MAX_PENDING_OPENS],
                    "localio_rs::Client::pending"
                ),
                opening: AtomicU32::new(0),
                handing_back: AtomicUsize::new(0),
            }),
            GFP_KERNEL,
        )
        .ok()?;
        let node = RBTreeNode::new(id, client.clone(), GFP_KERNEL).ok()?;
        let mut map = self.map.lock();
        if let Some(raced) = map.get(&id) {
            return Some(raced.clone());
        }
        map.insert(node);
        self.index.publish(hash, &client);
        Some(client)
    }

    /// Forgets the client `id` and lets go of its files now (requests in
    /// flight keep theirs until they finish).
    pub(crate) fn remove(&self, id: ClientId) {
        let (removed, retired) = {
            let mut map = self.map.lock();
            let removed = map.remove(&id);
            let retired = removed
                .as_ref()
                .and_then(|client| self.index.unpublish(id.slot_hash(), client));
            (removed, retired)
        };
        // Outside the lock: waiting for readers and closing files may sleep.
        drop(retired);
        if let Some(client) = removed {
            client.release_all(ReleaseReason::ClientGone);
        }
    }

    /// Calls `f` on every client in turn, each held by its own reference
    /// and outside the registry lock, so `f` may sleep; a client added or
    /// removed meanwhile may be seen or not.
    fn each_client_unlocked(&self, mut f: impl FnMut(&Client)) {
        let mut next = ClientId::MIN;
        loop {
            let client = {
                let mut map = self.map.lock();
                match map.cursor_lower_bound(&next) {
                    Some(cursor) => cursor.current().1.clone(),
                    None => break,
                }
            };
            f(&client);
            match client.id.next() {
                Some(n) => next = n,
                None => break,
            }
        }
    }

    /// Runs [`Client::reap`] on every client; says whether any entry is
    /// left for a later tick.
    fn reap(&self) -> bool {
        let now = now_ns();
        let mut left = 0;
        self.each_client_unlocked(|client| left += client.reap(now));
        left != 0
    }

    /// Redoes the handshakes clients asked for ([`Client::want_handshake`]).
    fn run_handshakes(&self) {
        self.each_client_unlocked(Client::run_handshake);
    }

    /// Counts in the module's counters and in `client`'s, if any.
    pub(crate) fn count(&self, client: Option<&Client>, f: impl Fn(&ClientCounters)) {
        match client {
            Some(client) => client.count(f),
            None => f(&self.totals),
        }
    }

    /// The module-wide counters.
    pub(crate) fn totals(&self) -> &ClientCounters {
        &self.totals
    }

    /// Reaper ticks so far: they stop while no client caches anything.
    pub(crate) fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    /// Calls `f` on every client, under the registry lock: `f` must not
    /// sleep.
    pub(crate) fn for_each<E>(&self, mut f: impl FnMut(&Client) -> Result<(), E>) -> Result<(), E> {
        let map = self.map.lock();
        for client in map.values() {
            f(client)?;
        }
        Ok(())
    }
}

impl Tick for Clients {
    /// The reaper's tick; it ticks again only while an entry is left. An
    /// offer that may have added one starts it again
    /// ([`Ticker::kick`](crate::sys::workqueue::Ticker::kick)).
    fn tick(&self) -> bool {
        self.ticks.fetch_add(1, Ordering::Relaxed);
        self.reap()
    }
}

/// The clients' queued opens ([`Client::queue_open`]), as a [`Tick`] of
/// its own on the queue for long work: an open may wait for an LSM or a
/// fanotify daemon, and the reaper must go on meanwhile.
pub(crate) struct Opens(pub(crate) Arc<Clients>);

impl Tick for Opens {
    /// Runs once per kick.
    fn tick(&self) -> bool {
        self.0.each_client_unlocked(Client::run_opens);
        false
    }
}

/// The clients' handshakes to redo, as a [`Tick`] of its own, on a queue
/// for long work: apart from the reaper, which must go on letting go of
/// files while a handshake waits for a server.
pub(crate) struct Handshakes(pub(crate) Arc<Clients>);

impl Tick for Handshakes {
    /// Runs once per kick.
    fn tick(&self) -> bool {
        self.0.run_handshakes();
        false
    }
}

#[pinned_drop]
impl PinnedDrop for Clients {
    fn drop(self: Pin<&mut Self>) {
        let clients = core::mem::take(&mut *self.map.lock());
        let before = self.totals.get(RELEASED, ReleaseReason::Unload);
        for client in clients.values() {
            client.release_all(ReleaseReason::Unload);
        }
        let files = self.totals.get(RELEASED, ReleaseReason::Unload) - before;
        if files != 0 {
            pr_info!("let go of {files} cached files at unload\n");
        }
    }
}
