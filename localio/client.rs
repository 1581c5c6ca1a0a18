// SPDX-License-Identifier: GPL-2.0

//! NFS LOCALIO provider, client side.
//!
//! Registers with nfs.ko (through the hook series in `patches/`) as the
//! provider for `localio=on` mounts. For each READ, WRITE and COMMIT it is
//! offered, it finds the file opened through the nfsd shim for the same
//! caller and filehandle (`clients.rs`) or opens it, asks the plan
//! (`plan.rs`) how much of the request direct I/O can serve, and either
//! declines it (nfs.ko then sends the RPC) or takes it and starts a
//! [`LocalIo`]. An application's own I/O (`submit::submit_inline`) is
//! submitted by the offering task itself, as direct I/O on the exported
//! filesystem would be; writeback, reclaim and every other kernel context
//! hand it to the dedicated I/O queue, whose workers do the same. Either
//! submits async direct I/O as a nested I/O submitter; the result comes
//! back to [`Job::done`] (in place when the filesystem completed it within
//! the submission), which completes the NFS request as nfsd's reply would
//! have.
//!
//! A request goes offer -> cache -> plan -> (queue ->) submit ->
//! completion -> finish, all in this crate; what touches C is in `sys/`,
//! and nothing beside this file holds `unsafe`.

use core::fmt::Write;
use core::pin::Pin;
use kernel::{c_str, prelude::*, sync::Arc, time::Ktime};

#[path = "clients.rs"]
pub mod clients;
#[path = "lifetime.rs"]
pub mod lifetime;
#[path = "outcome.rs"]
pub mod outcome;
#[path = "path_state.rs"]
pub mod path_state;
#[path = "plan.rs"]
pub mod plan;
#[path = "reply.rs"]
pub mod reply;
#[path = "stats.rs"]
pub mod stats;
#[path = "submit.rs"]
pub mod submit;
#[path = "sys/mod.rs"]
pub mod sys;

use clients::{Client, ClientCounters, Clients, FileInUse, Handshakes, OpenFile, Opens};
use outcome::{DeclineReason, DirectDecline, RequestKind};
use path_state::PathState;
use plan::Request;
use stats::STATEID_CHOSEN_AGAIN;
use stats::{DECLINED, DIRECT, DIRECT_DECLINED, OFFERED, RPC_BYTES, SERVED_BYTES, SPLIT};
use submit::{QueueReason, Submitter};
use sys::debugfs::{DebugfsFile, SeqFile, Show};
use sys::direct::{DirectIo, DirectJob, DirectOffer, DirectSlot};
use sys::file::LowerFile;
use sys::local_io::{IoJob, IoSlot, LocalIo, LocalIoQueue, Op};
use sys::provider::{Provider, Registration};
use sys::request::{
    Accepted, ClientId, CommitRequest, Declined, NfsClient, Offer, OfferFacts, Pages, ReadRequest,
    Stable, Verifier, WriteRequest,
};
use sys::task::{current_submitter, TaskFlagsScope};
use sys::trace;
use sys::workqueue::Ticker;

module! {
    type: LocalioClient,
    name: "localio_rs_client",
    author: "nfs-localio-rs developers",
    description: "NFS LOCALIO provider for localio=on mounts (Rust)",
    license: "GPL",
}

/// How often cached files are checked: idle ones are closed, and so are all
/// of a server whose nfsd is shutting down, which waits for them.
const REAP_INTERVAL_MS: u32 = 1000;

/// The provider's state: every client it has seen, and their files, the
/// reaper that lets go of those no longer used, and the work that redoes
/// LOCALIO handshakes.
struct Localio {
    clients: Arc<Clients>,
    /// Ticks while any client has a cache entry.
    reaper: Pin<KBox<Ticker<Clients>>>,
    /// Runs once per kick, on a queue for long work.
    handshakes: Pin<KBox<Ticker<Handshakes>>>,
    /// Opens files for offers from tasks that may not open them; once
    /// per kick, on a queue for long work.
    opens: Pin<KBox<Ticker<Opens>>>,
}

/// Fields drop in order: no more offers, no statistics; then the last
/// reference to the provider goes (the reaper stops, the clients' files
/// are let go), and the queue drains last.
struct LocalioClient {
    _registration: Registration<Localio>,
    _stats: DebugfsFile<Localio>,
    _io_queue: LocalIoQueue,
}

impl kernel::Module for LocalioClient {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // The queue and the clients exist before nfs.ko can offer the first
        // request.
        let io_queue = LocalIoQueue::new(c_str!("localio_rs_io"))?;
        let totals = Arc::new(ClientCounters::per_cpu()?, GFP_KERNEL)?;
        let clients = Arc::pin_init(Clients::new(totals), GFP_KERNEL)?;
        let reaper = Ticker::new(clients.clone(), REAP_INTERVAL_MS)?;
        let handshakes = Ticker::new_long(Arc::new(Handshakes(clients.clone()), GFP_KERNEL)?, 0)?;
        let opens = Ticker::new_long(Arc::new(Opens(clients.clone()), GFP_KERNEL)?, 0)?;
        let localio = Arc::new(
            Localio {
                clients,
                reaper,
                handshakes,
                opens,
            },
            GFP_KERNEL,
        )?;
        let stats = DebugfsFile::new(module, c"localio_rs", c"stats", localio.clone())?;
        let registration = Registration::new(c"localio_rs_client", localio)?;
        Ok(Self {
            _registration: registration,
            _stats: stats,
            _io_queue: io_queue,
        })
    }
}

/// A request taken from nfs.ko, by kind.
enum Taken {
    Read(ReadRequest),
    Write(WriteRequest),
    Commit(CommitRequest),
}

/// One accepted request on its way through a [`LocalIo`].
struct Job {
    request: Taken,
    /// Bytes served here; nfs.ko sends the rest of a READ or WRITE.
    served: u32,
    /// For a WRITE: nfsd's verifier when it was taken, and what it
    /// promises once done.
    written: (Verifier, Stable),
    /// The file, kept open (and busy) until the request is done.
    file: FileInUse,
    client: Arc<Client>,
    /// Where the I/O starts in the file (for a COMMIT, its range's start).
    offset: u64,
    /// When it was offered, for the completion's trace event (0 when that
    /// event was off).
    offered_ns: u64,
}

impl Job {
    fn kind(&self) -> RequestKind {
        match self.request {
            Taken::Read(_) => RequestKind::Read,
            Taken::Write(_) => RequestKind::Write,
            Taken::Commit(_) => RequestKind::Commit,
        }
    }
}

impl IoJob for Job {
    fn pages(&self) -> Pages<'_> {
        match &self.request {
            Taken::Read(request) => request.pages(),
            Taken::Write(request) => request.pages(),
            Taken::Commit(_) => Pages::NONE,
        }
    }

    fn file(&self) -> LowerFile<'_> {
        self.file.lower_file()
    }

    fn submitting(&self, queued: bool) {
        let kind = self.kind().name();
        trace::submit(
            &self.file.lower_file(),
            kind,
            self.offset,
            self.served,
            queued,
        );
    }

    fn write_as_nfsd(&self, result: isize) -> bool {
        reply::write_as_nfsd(result as i64)
    }

    fn buffered(&self, bytes: isize) {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        self.client.count(|c| c.buffer(bytes));
    }

    fn done(io: Pin<KBox<LocalIo<Self>>>, result: isize, inline: bool) {
        let result = result as i64;
        let kind = io.job().kind();
        io.job().client.count(|c| c.complete(kind, result, inline));
        let job = LocalIo::into_job(io, result as isize);
        let lower = job.file.lower_file();
        let elapsed = match job.offered_ns {
            0 => 0,
            at => now_ns().saturating_sub(at),
        };
        trace::complete(&lower, kind.name(), job.offset, job.served, result, elapsed);
        let nfsd = job.file.nfsd();
        let errno = |status: i64| reply::client_errno(status);
        match job.request {
            Taken::Read(request) => {
                let (offset, _, _) = request.range();
                let got = u64::try_from(result).unwrap_or(0);
                let eof = reply::read_eof(offset, job.served, got, lower.size());
                request.complete(u64::try_from(result).map_err(|_| errno(result)), eof);
            }
            Taken::Write(mut request) => {
                // nfsd's rule for its own writes: a short one is no failure;
                // nfsd judges the lower filesystem's error itself.
                if result < 0 {
                    nfsd.write_failed(lower_errno(result));
                }
                // All of the part served here is a complete reply: nfs.ko
                // sends the rest. Short of that part is ENOSPC, as ever.
                let (_, count, _) = request.range();
                let mut status = result;
                if result != i64::from(job.served) || job.served == count {
                    status = request.short_write_status(result);
                }
                let outcome = u64::try_from(status).map_err(|_| errno(status));
                request.complete(outcome, job.written, &lower);
            }
            Taken::Commit(request) => {
                // A COMMIT reports the verifier after its sync, as nfsd.
                let outcome = if result < 0 {
                    nfsd.write_failed(lower_errno(result));
                    Err(errno(result))
                } else {
                    Ok(nfsd.write_verifier())
                };
                request.complete(outcome);
            }
        }
    }
}

/// An application's O_DIRECT request taken whole, on its way through a
/// [`DirectIo`].
struct Whole {
    kind: RequestKind,
    /// The file, kept open (and busy) until the request is done.
    file: FileInUse,
    client: Arc<Client>,
    offset: u64,
    count: u32,
    /// As for [`Job`].
    offered_ns: u64,
}

impl DirectJob for Whole {
    fn file(&self) -> LowerFile<'_> {
        self.file.lower_file()
    }

    /// Accounts and traces the result, and answers as nfsd's replies
    /// would: its errno as the client would see it, and for a failed
    /// write a new write verifier, as nfsd resets it.
    fn done(&self, result: isize, inline: bool) -> isize {
        let result = result as i64;
        self.client.count(|c| c.complete(self.kind, result, inline));
        let elapsed = match self.offered_ns {
            0 => 0,
            at => now_ns().saturating_sub(at),
        };
        let name = direct_name(self.kind);
        let lower = self.file.lower_file();
        trace::complete(&lower, name, self.offset, self.count, result, elapsed);
        if result >= 0 {
            return result as isize;
        }
        if self.kind == RequestKind::Write {
            self.file.nfsd().write_failed(lower_errno(result));
        }
        reply::client_errno(result) as isize
    }

    fn write_as_nfsd(&self, result: isize) -> bool {
        reply::write_as_nfsd(result as i64)
    }

    /// nfsd's rule (`reply::read_eof`), against the size after the read.
    fn read_on(&self, pos: u64, count: usize, got: usize) -> bool {
        let requested = u32::try_from(count).unwrap_or(u32::MAX);
        !reply::read_eof(pos, requested, got as u64, self.file.lower_file().size())
    }

    fn buffered(&self, bytes: isize) {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        self.client.count(|c| c.buffer(bytes));
    }
}

/// The trace events' name of an O_DIRECT request of `kind` offered whole.
fn direct_name(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Write => "direct_write",
        _ => "direct_read",
    }
}

/// The monotonic clock, in nanoseconds.
fn now_ns() -> u64 {
    u64::try_from(Ktime::ktime_get().to_ns()).unwrap_or(0)
}

/// A lower filesystem's negative result, as the errno it is.
fn lower_errno(result: i64) -> i32 {
    i32::try_from(result).unwrap_or(EIO.to_errno())
}

#[vtable]
impl Provider for Localio {
    fn offer<'a>(&self, offer: Offer<'a>) -> Result<Accepted<'a>, Declined<'a>> {
        // Who is asking decides where the I/O is submitted: read before
        // this task's flags change below.
        let submitter = current_submitter();
        // nfs.ko offers WRITEs from writeback: no allocation may recurse
        // into I/O.
        let _noio = TaskFlagsScope::memalloc_noio();
        let kind = match &offer {
            Offer::Read(_) => RequestKind::Read,
            Offer::Write(_) => RequestKind::Write,
            Offer::Commit(_) => RequestKind::Commit,
        };
        let offered_ns = if trace::complete_enabled() {
            now_ns()
        } else {
            0
        };
        let facts = offer.facts();
        let who = trace::Who {
            client: offer.client(),
            fileid: facts.fileid,
        };
        trace::offer(&who, kind.name(), facts.offset, facts.count);
        let client = self.clients.get_or_add(offer.client());
        self.clients
            .count(client.as_deref(), |c| c.bump(OFFERED, kind));
        let outcome = match &client {
            Some(client) => serve(offer, &facts, kind, &submitter, client, self, offered_ns),
            None => Err((offer.decline(), DeclineReason::NoMemory)),
        };
        let (answer, noted) = match outcome {
            Ok(accepted) => (Ok(accepted), Ok(())),
            Err((declined, reason)) => {
                trace::decline(&who, kind.name(), facts.offset, facts.count, reason.name());
                let bytes = match kind {
                    RequestKind::Commit => 0,
                    _ => u64::from(facts.count),
                };
                self.clients.count(client.as_deref(), |c| {
                    c.bump(DECLINED, reason);
                    c.add(RPC_BYTES, kind, bytes);
                });
                (Err(declined), Err(reason))
            }
        };
        if let Some(client) = &client {
            client.note(noted);
        }
        answer
    }

    fn direct<'a>(&self, offer: DirectOffer<'a>) -> Result<(Accepted<'a>, isize), Declined<'a>> {
        let submitter = current_submitter();
        let kind = if offer.is_write() {
            RequestKind::Write
        } else {
            RequestKind::Read
        };
        let offered_ns = if trace::complete_enabled() {
            now_ns()
        } else {
            0
        };
        let (pos, count) = (
            offer.pos(),
            u32::try_from(offer.count()).unwrap_or(u32::MAX),
        );
        let who = trace::Who {
            client: offer.client(),
            fileid: offer.fileid(),
        };
        trace::offer(&who, direct_name(kind), pos, count);
        let client = self.clients.get_or_add(offer.client());
        let outcome = match &client {
            Some(client) => serve_direct(offer, kind, &submitter, client, self, offered_ns),
            None => Err((offer.decline(), DirectDecline::NoMemory)),
        };
        outcome.map_err(|(declined, reason)| {
            trace::decline(&who, direct_name(kind), pos, count, reason.name());
            self.clients
                .count(client.as_deref(), |c| c.bump(DIRECT_DECLINED, reason));
            declined
        })
    }

    fn client_release(&self, client: ClientId) {
        self.clients.remove(client);
    }

    /// `local=yes|no|unknown [reason=STATE]`, then the client's bytes
    /// served here and sent to nfsd, and the files it holds open. Per NFS
    /// client: mounts of one server share it.
    fn show_stats(&self, w: &mut SeqFile<'_>, nfs_client: &NfsClient) -> core::fmt::Result {
        let client = self.clients.find(nfs_client);
        let last = client
            .as_ref()
            .map_or(PathState::Unknown, |c| c.path_state());
        let (local, state) = PathState::for_mount(
            nfs_client.handshake_found_local(),
            nfs_client.localio_enabled(),
            last,
        );
        write!(w, "local={local}")?;
        if !state.is_local() {
            write!(w, " reason={}", state.name())?;
        }
        let Some(client) = client else {
            return Ok(());
        };
        let c = &client.counters;
        for kind in [RequestKind::Read, RequestKind::Write] {
            let name = kind.name();
            write!(w, " local_{name}_bytes={}", c.get(SERVED_BYTES, kind))?;
            write!(w, " rpc_{name}_bytes={}", c.get(RPC_BYTES, kind))?;
        }
        write!(w, " open_files={}", client.open_files())
    }
}

/// Serves `offer` (whose `facts` the caller read) from `client`'s file for it, or says
/// why not.
fn serve<'a>(
    mut offer: Offer<'a>,
    facts: &OfferFacts,
    kind: RequestKind,
    submitter: &Submitter,
    client: &Arc<Client>,
    localio: &Localio,
    offered_ns: u64,
) -> Result<Accepted<'a>, (Declined<'a>, DeclineReason)> {
    let nfs_client = offer.client();
    let OfferFacts {
        offset,
        count,
        pgbase,
        nr_pages,
        fileid,
        direct,
    } = *facts;
    let decline = |offer: Offer<'a>, reason| Err((offer.decline(), reason));
    // nfs.ko's LOCALIO handshake (UUID_IS_LOCAL) found nfsd in this kernel
    if !nfs_client.handshake_found_local() {
        if client.want_handshake(nfs_client, clients::NOT_LOCAL_HANDSHAKE_NS) {
            localio.handshakes.kick();
        }
        return decline(offer, DeclineReason::NotLocal);
    }
    // ... and the administrator has not turned LOCALIO off (nfs.ko)
    if !nfs_client.localio_enabled() {
        return decline(offer, DeclineReason::Disabled);
    }
    if offer.is_swap() {
        return decline(offer, DeclineReason::Swap);
    }
    let mut missed = false;
    let mut queued_open = false;
    let key = offer.key();
    let found = client.file_for(nfs_client, &key, || {
        missed = true;
        if submitter.reclaim {
            return Err(DeclineReason::Reclaim.into());
        }
        // The flusher, nfsiod, rpciod or another kernel thread: a worker
        // of ours opens the file for the next requests (`open_inline`).
        if submit::open_inline(submitter).is_err() {
            // As an open here would say: no worker can do better.
            if !sys::shim::loaded() {
                return Err(DeclineReason::NoShim.into());
            }
            queued_open = client.queue_open(&key, &offer.opener());
            return Err(DeclineReason::OpenQueued.into());
        }
        OpenFile::open(&offer.opener(), &key)
    });
    // A miss may have cached a file or a refusal, or queued an open (the
    // reaper must tick), or found nfsd gone and asked for a handshake.
    if missed {
        localio.reaper.kick();
        if client.handshake_pending() {
            localio.handshakes.kick();
        }
    }
    if queued_open {
        localio.opens.kick();
    }
    let file = match found {
        Ok(file) => file,
        Err(reason) => return decline(offer, reason),
    };
    let request = Request {
        kind,
        offset,
        count,
        pgbase,
    };
    let plan = match plan::plan(&request, file.dio(), file.lower_file().block_size()) {
        Ok(plan) => plan,
        Err(reason) => return decline(offer, reason),
    };
    let served = plan.bytes;
    // nfsd checks the stateid of every NFSv4 READ and WRITE: state it
    // revoked while the client's lease runs is news only it can tell.
    if let Some(state) = offer.nfs4_state() {
        if !file.nfsd().stateid_ok(&state) {
            // The stateid was chosen when nfs.ko offered the request. A
            // delegation the client returned since (its DELEGRETURN racing
            // writeback of the file) is gone at nfsd, and the RPC would not
            // carry it: its ->rpc_call_prepare chooses again when it is
            // sent. So choose again, once, before sending it to nfsd.
            let fresh = offer
                .choose_nfs4_state_again()
                .filter(|fresh| fresh.stateid != state.stateid);
            match fresh {
                Some(fresh) if file.nfsd().stateid_ok(&fresh) => {
                    client.count(|c| c.bump(STATEID_CHOSEN_AGAIN, ()));
                }
                _ => return decline(offer, DeclineReason::Stateid),
            }
        }
    }
    // Taken before the request is: without memory, nfs.ko sends it.
    let bounce_bytes = if plan.bounce { served } else { 0 };
    let Ok(slot) = IoSlot::<Job>::reserve(nr_pages, bounce_bytes) else {
        return decline(offer, DeclineReason::NoMemory);
    };
    if served < count {
        client.count(|c| c.bump(SPLIT, ()));
    }
    if plan.bounce {
        client.count(|c| c.bounce(served));
    }
    if plan.buffered.any() {
        client.count(|c| c.buffer(plan.buffered.bytes()));
    }
    let (request, accepted, op, written) = match offer {
        Offer::Read(o) => {
            let (request, accepted) = o.accept();
            let op = Op::Read {
                pos: offset,
                buffered: plan.buffered.any(),
            };
            (
                Taken::Read(request),
                accepted,
                op,
                ([0; 8], Stable::Unstable),
            )
        }
        Offer::Write(o) => {
            let (request, accepted) = o.accept();
            // A WRITE served in part is made stable: NFS resends the rest
            // of a short stable write, but all of a short unstable one.
            let stable = match request.stable() {
                Stable::Unstable if served < count => Stable::DataSync,
                asked => asked,
            };
            let op = Op::Write {
                pos: offset,
                dsync: stable != Stable::Unstable,
                sync: stable == Stable::FileSync,
                buffered: plan.buffered,
            };
            // As nfsd, the verifier is taken before the write: a reset
            // during it makes the client resend.
            let verifier = file.nfsd().write_verifier();
            (Taken::Write(request), accepted, op, (verifier, stable))
        }
        Offer::Commit(o) => {
            let (request, accepted) = o.accept();
            let (start, end) = plan::commit_range(offset, count);
            let op = Op::Sync { start, end };
            (
                Taken::Commit(request),
                accepted,
                op,
                ([0; 8], Stable::FileSync),
            )
        }
    };
    let job = Job {
        request,
        served,
        written,
        file: FileInUse::new(file),
        client: client.clone(),
        offset,
        offered_ns,
    };
    let writeback = kind == RequestKind::Write && !direct;
    let inline = submit::submit_inline(submitter, writeback, job.file.lower_file().stack_depth());
    client.count(|c| c.submission(inline));
    let who = trace::Who {
        client: nfs_client,
        fileid,
    };
    let by = inline.map_or_else(QueueReason::name, |()| "inline");
    trace::accept(&who, kind.name(), offset, count, served, by);
    LocalIo::start(slot.fill(job, op, pgbase, served), inline.is_ok());
    Ok(accepted)
}

/// Serves an application's O_DIRECT `offer` whole from `client`'s file for
/// it, submitted by the offering task, or says why nfs.ko's pageio path
/// is to serve it instead.
fn serve_direct<'a>(
    offer: DirectOffer<'a>,
    kind: RequestKind,
    submitter: &Submitter,
    client: &Arc<Client>,
    localio: &Localio,
    offered_ns: u64,
) -> Result<(Accepted<'a>, isize), (Declined<'a>, DirectDecline)> {
    let decline = |offer: DirectOffer<'a>, reason| Err((offer.decline(), reason));
    let nfs_client = offer.client();
    if !nfs_client.handshake_found_local() || !nfs_client.localio_enabled() {
        return decline(offer, DirectDecline::Off);
    }
    // Only the application's own task submits it here: any other leaves
    // it to the pageio path, whose queue submits what it may not.
    if submit::submit_inline(submitter, false, 0).is_err() {
        return decline(offer, DirectDecline::Submitter);
    }
    let mut missed = false;
    let key = offer.key();
    let found = client.file_for(nfs_client, &key, || {
        missed = true;
        OpenFile::open(&offer.opener(), &key)
    });
    // The pageio path, which a decline hands the request to, asks for the
    // handshake and says in the log why LOCALIO went off.
    if missed {
        localio.reaper.kick();
    }
    let Ok(file) = found else {
        return decline(offer, DirectDecline::NoFile);
    };
    if file.lower_file().stack_depth() > 0 {
        return decline(offer, DirectDecline::Submitter);
    }
    let (pos, count) = (offer.pos(), offer.count());
    let fits = plan::direct_fits(pos, count, file.dio(), |addr_mask, len_mask| {
        offer.segments_aligned(addr_mask, len_mask)
    });
    let bounce = match plan::direct_route(fits, count, offer.is_async(), offer.is_write()) {
        Ok(bounce) => bounce,
        Err(reason) => return decline(offer, reason),
    };
    // nfsd checks the stateid of every NFSv4 READ and WRITE.
    if let Some(state) = offer.nfs4_state() {
        if !file.nfsd().stateid_ok(&state) {
            return decline(offer, DirectDecline::Stateid);
        }
    }
    let Ok(slot) = DirectSlot::reserve(&offer, bounce) else {
        return decline(offer, DirectDecline::NoMemory);
    };
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    client.count(|c| {
        c.bump(OFFERED, kind);
        c.bump(DIRECT, kind);
        c.submission(Ok(()));
        if bounce {
            c.bounce(count);
        }
    });
    client.note(Ok(()));
    let who = trace::Who {
        client: nfs_client,
        fileid: offer.fileid(),
    };
    trace::accept(&who, direct_name(kind), pos, count, count, "inline");
    trace::submit(&file.lower_file(), direct_name(kind), pos, count, false);
    let (request, accepted) = offer.accept();
    let job = Whole {
        kind,
        file: FileInUse::new(file),
        client: client.clone(),
        offset: pos,
        count,
        offered_ns,
    };
    Ok((accepted, DirectIo::run(slot, request, job)))
}

impl Show for Localio {
    /// Module-wide totals, a `name value` line each, then one line per
    /// client: `client SERVER nfsvN name=value ...` (`nfsv3-ds` for a pNFS
    /// data server's client).
    fn show(&self, w: &mut SeqFile<'_>) -> core::fmt::Result {
        self.clients.totals().write_to(w, "", ' ', "\n")?;
        let (in_flight, peak) = sys::local_io::in_flight();
        writeln!(w, "io_in_flight {in_flight}")?;
        writeln!(w, "io_in_flight_peak {peak}")?;
        writeln!(w, "reaper_ticks {}", self.clients.ticks())?;
        self.clients.for_each(|client| {
            let (server, version) = client.server();
            let role = if client.data_server() { "-ds" } else { "" };
            write!(w, "client {server} nfsv{version}{role}")?;
            client.counters.write_to(w, " ", '=', "")?;
            writeln!(w, " open_files={}", client.open_files())
        })
    }
}
