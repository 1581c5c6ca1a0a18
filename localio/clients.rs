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
//! - no request has used it for [`FILE_IDLE_NS`], counted from when the
//!   last one finished (the reaper, every second);
//! - nfsd stops serving the file's network namespace: nfsd's shutdown waits
//!   for every file we hold, so both the next request and the reaper check;
//! - the `nfs_client` goes away (nfs.ko's `client_release` hook), or the
//!   module unloads.
//!
//! After [`REFUSALS_TO_REMEMBER`](crate::policy::REFUSALS_TO_REMEMBER)
//! refused opens in a row, the refusal is remembered for
//! [`REFUSAL_MEMORY_NS`](crate::policy::REFUSAL_MEMORY_NS): the requests
//! meanwhile go to nfsd without paying for another open.

use core::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use kernel::{
    fmt, new_spinlock,
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    str::{CStr, CString},
    sync::{Arc, SpinLock},
    time::Ktime,
};

use crate::nfs::file::LowerFile;
use crate::nfs::request::{ClientId, FileKey, NfsClient, Opener};
use crate::nfs::shim::{Check, NfsdFile, OpenError};
use crate::policy::{
    due, file_reapable, refusal_blocks, refusal_current, Counters, DeclineReason, DioAlignment,
    PathState, Reuse,
};

/// How long an unused file stays open.
pub(crate) const FILE_IDLE_NS: u64 = 2_000_000_000;

/// Files kept per client at most; further ones serve their request only.
const MAX_FILES_PER_CLIENT: usize = 256;

fn now_ns() -> u64 {
    u64::try_from(Ktime::ktime_get().to_ns()).unwrap_or(0)
}

/// A file opened through the nfsd shim, released when the last user lets
/// go.
pub(crate) struct OpenFile {
    nfsd: NfsdFile,
    dio: DioAlignment,
    /// When a request last started or finished with the file.
    last_used_ns: AtomicU64,
    /// Requests using the file now (see [`FileInUse`]).
    in_flight: AtomicU32,
}

/// When an open failure last had nfs.ko redo the handshake.
static OPEN_FAILED_PROBE_NS: AtomicU64 = AtomicU64::new(0);
/// When a "not local" answer last had nfs.ko redo the handshake.
static NOT_LOCAL_PROBE_NS: AtomicU64 = AtomicU64::new(0);

/// Asks nfs.ko to redo the LOCALIO handshake, as its built-in path does
/// when an open fails, so LOCALIO resumes once nfsd is back and stays off
/// for a server that is not (or no longer) in this kernel. The handshake
/// is a synchronous RPC to that server: at most once per `interval_ns`
/// for all clients together.
fn reprobe(client: &NfsClient, last: &AtomicU64, interval_ns: u64) {
    let now = now_ns();
    let prev = last.load(Ordering::Relaxed);
    if !due(prev, now, interval_ns)
        || last
            .compare_exchange(prev, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    client.probe();
}

/// The handshake said "not local": nfsd may have been restarted since.
pub(crate) fn not_local(client: &NfsClient) {
    reprobe(client, &NOT_LOCAL_PROBE_NS, 5_000_000_000);
}

impl OpenFile {
    /// Opens `opener`'s file through the shim.
    pub(crate) fn open(opener: &Opener<'_>) -> Result<Arc<Self>, DeclineReason> {
        let nfsd = match NfsdFile::open(opener) {
            Ok(nfsd) => nfsd,
            Err(OpenError::NoShim) => return Err(DeclineReason::NoShim),
            Err(OpenError::Refused(errno)) => {
                // nfsd went away (stopped, restarted, its net gone).
                let gone = [
                    kernel::bindings::ENXIO,
                    kernel::bindings::ENOENT,
                    kernel::bindings::ENOMEM,
                ];
                if gone.iter().any(|&e| errno == -(e as i32)) {
                    reprobe(opener.client, &OPEN_FAILED_PROBE_NS, 1_000_000_000);
                }
                return Err(if errno == -(kernel::bindings::ENXIO as i32) {
                    DeclineReason::NfsdDown
                } else {
                    DeclineReason::OpenFailed
                });
            }
        };
        let (mem, offset) = nfsd.dio_alignment();
        let file = OpenFile {
            nfsd,
            dio: DioAlignment { mem, offset },
            last_used_ns: AtomicU64::new(now_ns()),
            in_flight: AtomicU32::new(0),
        };
        // On failure `file` is dropped, which releases it.
        Arc::new(file, GFP_KERNEL).map_err(|_| DeclineReason::NoMemory)
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

    fn idle(&self, now: u64) -> bool {
        file_reapable(
            self.in_flight.load(Ordering::Relaxed),
            self.last_used_ns.load(Ordering::Relaxed),
            now,
            FILE_IDLE_NS,
        )
    }

    fn touch(&self) {
        self.last_used_ns.store(now_ns(), Ordering::Relaxed);
    }
}

/// One request's use of an [`OpenFile`], from acceptance until it is
/// finished: keeps the file open and, however long the I/O takes, never
/// idle; the idle time counts from when the last request let go.
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
    /// The file nfsd opened for it.
    Open(Arc<OpenFile>),
    /// nfsd refused to open it `refusals` times in a row, the last at
    /// `at` (nanoseconds, monotonic).
    Refused { at: u64, refusals: u32 },
}

impl Entry {
    fn open_file(&self) -> Option<&Arc<OpenFile>> {
        match self {
            Entry::Open(file) => Some(file),
            Entry::Refused { .. } => None,
        }
    }

    /// Whether the reaper may drop the entry at `now`.
    fn stale(&self, now: u64) -> bool {
        match self {
            Entry::Open(file) => file.idle(now) || !file.serving() || file.changed(),
            Entry::Refused { at, .. } => !refusal_current(*at, now),
        }
    }
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
    /// The server's name, for the log and statistics.
    server: CString,
    nfs_version: u32,
    /// Requests of this client, as the module-wide totals count them.
    pub(crate) counters: Counters,
    path: AtomicU8,
    #[pin]
    table: SpinLock<FileTable>,
}

impl Client {
    /// The opened file for a request with `key`: the cached one, or one
    /// `open` opens now (and which is cached when there is room). Counted in
    /// this client's counters and in `totals`.
    pub(crate) fn file_for(
        &self,
        key: &FileKey,
        totals: &Counters,
        open: impl FnOnce() -> Result<Arc<OpenFile>, DeclineReason>,
    ) -> Result<Arc<OpenFile>, DeclineReason> {
        let now = now_ns();
        let mut refusals = 0;
        let cached = match self.table.lock().files.get(key) {
            Some(Entry::Open(file)) => Some(file.clone()),
            Some(Entry::Refused { at, refusals: n }) => {
                if refusal_blocks(*n, *at, now) {
                    return Err(DeclineReason::RecentlyRefused);
                }
                if refusal_current(*at, now) {
                    refusals = *n;
                }
                None
            }
            None => None,
        };
        if let Some(file) = cached {
            // nfsd is shutting down and waits for this file: let go now,
            // and let the open below tell the caller what nfsd says.
            let reuse = if file.serving() {
                file.reuse()
            } else {
                Reuse::Reopen
            };
            match reuse {
                Reuse::Use => {
                    file.touch();
                    self.counters.file_reuse();
                    totals.file_reuse();
                    return Ok(file);
                }
                Reuse::Decline(reason) => return Err(reason),
                Reuse::Reopen => {
                    self.counters.file_reopen();
                    totals.file_reopen();
                    self.forget(key, &file);
                    // Our hold may be what keeps an unlinked file reachable
                    // by its filehandle: gone before nfsd looks again.
                    drop(file);
                }
            }
        }
        let file = match open() {
            Ok(file) => file,
            Err(DeclineReason::OpenFailed) => {
                let refused = Entry::Refused {
                    at: now_ns(),
                    refusals: refusals.saturating_add(1),
                };
                self.remember(key, refused);
                return Err(DeclineReason::OpenFailed);
            }
            Err(reason) => return Err(reason),
        };
        self.counters.file_open();
        totals.file_open();
        self.remember(key, Entry::Open(file.clone()));
        Ok(file)
    }

    /// Keeps `entry` for `key` if there is room, in place of what was there.
    fn remember(&self, key: &FileKey, entry: Entry) {
        let opens = usize::from(entry.open_file().is_some());
        let Ok(node) = RBTreeNode::new(*key, entry, GFP_KERNEL) else {
            return;
        };
        let displaced = {
            let mut table = self.table.lock();
            if table.len >= MAX_FILES_PER_CLIENT && table.files.get(key).is_none() {
                None
            } else {
                let displaced = table.files.insert(node).map(|n| n.to_key_value().1);
                match &displaced {
                    None => table.len += 1,
                    Some(old) if old.open_file().is_some() => table.open -= 1,
                    Some(_) => {}
                }
                table.open += opens;
                displaced
            }
        };
        // A racing request cached the same key first; this one wins.
        // Released outside the lock: closing may sleep.
        drop(displaced);
    }

    /// Drops the cache's hold on `file` if it is still the one for `key`.
    fn forget(&self, key: &FileKey, file: &Arc<OpenFile>) {
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
            removed
        };
        drop(removed);
    }

    /// Lets go of the files idle since `now - FILE_IDLE_NS` and of those
    /// nfsd no longer serves, and forgets refusals that are old enough.
    fn reap(&self, now: u64) {
        loop {
            let removed = {
                let mut table = self.table.lock();
                let stale = table
                    .files
                    .iter()
                    .find(|(_, e)| e.stale(now))
                    .map(|(k, _)| *k);
                let removed = stale.and_then(|k| table.files.remove(&k));
                if let Some(entry) = &removed {
                    table.len -= 1;
                    if entry.open_file().is_some() {
                        table.open -= 1;
                    }
                }
                removed
            };
            // Released outside the lock: closing may sleep.
            match removed {
                Some(entry) => drop(entry),
                None => break,
            }
        }
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
        pr_info!(
            "LOCALIO {onoff} for server {server} (NFSv{version}): {}\n",
            state.why()
        );
    }

    /// The server's name and the NFS version, for the log and statistics.
    pub(crate) fn server(&self) -> (&CStr, u32) {
        (&self.server, self.nfs_version)
    }

    /// Files this client holds open now.
    pub(crate) fn open_files(&self) -> usize {
        self.table.lock().open
    }
}

/// Every client LOCALIO has seen, by `nfs_client` address.
#[pin_data]
pub(crate) struct Clients {
    #[pin]
    map: SpinLock<RBTree<ClientId, Arc<Client>>>,
}

impl Clients {
    /// No clients yet.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            map <- new_spinlock!(RBTree::new(), "localio_rs::Clients::map"),
        })
    }

    /// The state of `nfs_client`, created on its first request.
    pub(crate) fn get_or_add(&self, nfs_client: &NfsClient) -> Option<Arc<Client>> {
        let id = nfs_client.id();
        if let Some(client) = self.map.lock().get(&id) {
            return Some(client.clone());
        }
        let name = nfs_client.server().to_str().unwrap_or("?");
        let server = CString::try_from_fmt(fmt!("{name}")).ok()?;
        let client = Arc::pin_init(
            pin_init!(Client {
                id,
                server,
                nfs_version: nfs_client.nfs_version(),
                counters: Counters::new(),
                path: AtomicU8::new(PathState::Unknown.code()),
                table <- new_spinlock!(
                    FileTable { files: RBTree::new(), len: 0, open: 0 },
                    "localio_rs::Client::table"
                ),
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
        Some(client)
    }

    /// Forgets the client `id` and lets go of its files.
    pub(crate) fn remove(&self, id: ClientId) {
        let removed = self.map.lock().remove(&id);
        // Released outside the lock: closing files may sleep.
        drop(removed);
    }

    /// Runs [`Client::reap`] on every client.
    pub(crate) fn reap(&self) {
        let now = now_ns();
        let mut next = ClientId::MIN;
        loop {
            let client = {
                let mut map = self.map.lock();
                match map.cursor_lower_bound(&next) {
                    Some(cursor) => cursor.current().1.clone(),
                    None => break,
                }
            };
            client.reap(now);
            match client.id.next() {
                Some(n) => next = n,
                None => break,
            }
        }
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
