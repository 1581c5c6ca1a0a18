// SPDX-License-Identifier: GPL-2.0

//! A READ, WRITE or COMMIT nfs.ko offers from its pageio path.
//!
//! An offer goes gate -> file -> plan -> stateid -> accept: LOCALIO must
//! be on for the client ([`gate`]), the file open through nfsd for the
//! caller ([`find_file`]), the request served by direct I/O in whole or
//! in part (`plan::plan`), its NFSv4 stateid one nfsd takes
//! ([`check_stateid`]); then it is accepted as a [`Job`] whose
//! [`LocalIo`] is submitted by the offering task or queued
//! (`submit::submit_inline`). Anything else declines it, and nfs.ko sends
//! the RPC; [`record`] notes every outcome once, in the trace events, the
//! counters and the client's LOCALIO state.

use crate::clients::{self, Client, ClientCounters, FileInUse, OpenFile};
use crate::job::{Job, NfsRequest};
use crate::outcome::{DeclineReason, RequestKind};
use crate::plan::{self, Request, Serve};
use crate::state::Localio;
use crate::stats::{DECLINED, OFFERED, RPC_BYTES, SPLIT, STATEID_CHOSEN_AGAIN};
use crate::submit::{self, QueueReason, Submitter};
use crate::sys::local_io::{IoSlot, LocalIo, Op};
use crate::sys::request::{Accepted, Declined, Offer, OfferFacts, Stable, Verifier};
use crate::sys::task::{current_submitter, TaskFlagsScope};
use crate::sys::{shim, trace};
use kernel::{prelude::*, sync::Arc};

/// `->offer`: serves `offer`, or declines it to an RPC.
pub(crate) fn offer<'a>(
    localio: &Localio,
    mut offer: Offer<'a>,
) -> Result<Accepted<'a>, Declined<'a>> {
    // Who is asking decides where the I/O is submitted: read before this
    // task's flags change below.
    let submitter = current_submitter();
    // nfs.ko offers WRITEs from writeback: no allocation may recurse into
    // I/O.
    let _noio = TaskFlagsScope::memalloc_noio();
    let kind = match &offer {
        Offer::Read(_) => RequestKind::Read,
        Offer::Write(_) => RequestKind::Write,
        Offer::Commit(_) => RequestKind::Commit,
    };
    let facts = offer.facts();
    let asked = Asked {
        facts: &facts,
        kind,
        submitter: &submitter,
        events: trace::Events::start(),
    };
    let who = trace::Who {
        client: offer.client(),
        fileid: facts.fileid,
    };
    asked
        .events
        .offer(&who, kind.name(), facts.offset, facts.count);
    let client = localio.clients.get_or_add(offer.client());
    let ready = match &client {
        Some(client) => prepare(&mut offer, &asked, client, localio),
        None => Err(DeclineReason::NoMemory),
    };
    if let (Err(DeclineReason::OpenQueued), Some(client)) = (&ready, &client) {
        match client.hold_for_open(offer) {
            Ok(accepted) => {
                record_held(localio, client, &who, &asked);
                return Ok(accepted);
            }
            Err(given_back) => offer = given_back,
        }
    }
    let outcome = ready.as_ref().map_err(|reason| *reason);
    record(localio, client.as_deref(), &who, &asked, outcome);
    match (ready, client) {
        (Ok(ready), Some(client)) => Ok(ready.start(offer, &asked, client)),
        _ => Err(offer.decline()),
    }
}

/// What an offer asked for, and of whom.
struct Asked<'f> {
    facts: &'f OfferFacts,
    kind: RequestKind,
    submitter: &'f Submitter,
    /// Its trace events.
    events: trace::Events,
}

/// Notes the outcome of an offer once: its trace event, its counters
/// (a decline's bytes go to nfsd) and what it says of the client's
/// LOCALIO state.
fn record(
    localio: &Localio,
    client: Option<&Client>,
    who: &trace::Who<'_>,
    asked: &Asked<'_>,
    outcome: Result<&Ready, DeclineReason>,
) {
    let (kind, offset, count) = (asked.kind, asked.facts.offset, asked.facts.count);
    localio.clients.count(client, |c| c.bump(OFFERED, kind));
    match outcome {
        Ok(&Ready { plan, inline, .. }) => {
            let by = inline.map_or_else(QueueReason::name, |()| "inline");
            asked
                .events
                .accept(who, kind.name(), (offset, count), plan.bytes, by);
            localio.clients.count(client, |c| {
                c.submission(inline);
                count_plan(c, &plan, count);
            });
        }
        Err(reason) => {
            asked
                .events
                .decline(who, kind.name(), (offset, count), reason.name());
            let bytes = match kind {
                RequestKind::Commit => 0,
                _ => u64::from(count),
            };
            localio.clients.count(client, |c| {
                c.bump(DECLINED, reason);
                c.add(RPC_BYTES, kind, bytes);
            });
        }
    }
    if let Some(client) = client {
        client.note(outcome.map(|_| ()));
    }
}

/// Notes an offer held until its file is open (`Client::hold_for_open`):
/// neither served nor declined yet, it is offered again once the open is
/// done, and that offer's outcome is recorded then.
fn record_held(localio: &Localio, client: &Client, who: &trace::Who<'_>, asked: &Asked<'_>) {
    let (kind, offset, count) = (asked.kind, asked.facts.offset, asked.facts.count);
    localio
        .clients
        .count(Some(client), |c| c.bump(OFFERED, kind));
    asked
        .events
        .accept(who, kind.name(), (offset, count), 0, "held_for_open");
}

/// Accounts how a taken request is served: in part, bounced, with
/// buffered pieces.
fn count_plan(c: &ClientCounters, plan: &Serve, count: u32) {
    if plan.bytes < count {
        c.bump(SPLIT, ());
    }
    if plan.bounce {
        c.bounce(plan.bytes);
    }
    if plan.buffered.any() {
        c.buffer(plan.buffered.bytes());
    }
}

/// A request about to be taken: its file, its plan, the memory for its
/// I/O and who submits it.
struct Ready {
    file: Arc<OpenFile>,
    plan: Serve,
    slot: IoSlot<Job>,
    /// Who submits its I/O: `Ok`, the offering task; else why the queue
    /// does.
    inline: Result<(), QueueReason>,
}

/// Everything that decides whether `offer` is served here, in order:
/// gate, file, plan, stateid, memory; or the reason it is not.
fn prepare(
    offer: &mut Offer<'_>,
    asked: &Asked<'_>,
    client: &Client,
    localio: &Localio,
) -> Result<Ready, DeclineReason> {
    let facts = asked.facts;
    gate(offer, client, localio)?;
    let file = find_file(offer, asked.submitter, client, localio)?;
    let request = Request {
        kind: asked.kind,
        offset: facts.offset,
        count: facts.count,
        pgbase: facts.pgbase,
    };
    let plan = plan::plan(&request, file.dio(), file.lower_file().block_size())?;
    check_stateid(offer, &file, client)?;
    // Taken before the request is: without memory, nfs.ko sends it.
    let bounce_bytes = if plan.bounce { plan.bytes } else { 0 };
    let slot = IoSlot::<Job>::reserve(facts.nr_pages, bounce_bytes)
        .map_err(|_| DeclineReason::NoMemory)?;
    let writeback = asked.kind == RequestKind::Write && !facts.direct;
    let lower_depth = file.lower_file().stack_depth();
    let inline = submit::submit_inline(asked.submitter, writeback, lower_depth);
    Ok(Ready {
        file,
        plan,
        slot,
        inline,
    })
}

impl Ready {
    /// Takes the request from nfs.ko and starts its I/O: submitted by the
    /// offering task if it may, else queued.
    fn start<'a>(self, offer: Offer<'a>, asked: &Asked<'_>, client: Arc<Client>) -> Accepted<'a> {
        let facts = asked.facts;
        let (request, accepted, op, written) = accept(offer, &self.plan, &self.file, facts);
        let served = self.plan.bytes;
        let job = Job {
            request,
            served,
            written,
            file: FileInUse::new(self.file),
            client,
            offset: facts.offset,
            events: asked.events,
        };
        let io = self.slot.fill(job, op, facts.pgbase, served);
        LocalIo::start(io, self.inline.is_ok());
        accepted
    }
}

/// Whether LOCALIO is on for the offer's client: nfs.ko's handshake found
/// nfsd in this kernel (else a handshake is asked for, at a bounded rate),
/// the administrator has not turned it off, and it is no swap I/O.
fn gate(offer: &Offer<'_>, client: &Client, localio: &Localio) -> Result<(), DeclineReason> {
    let nfs_client = offer.client();
    if !nfs_client.handshake_found_local() {
        if client.want_handshake(nfs_client, clients::NOT_LOCAL_HANDSHAKE_NS) {
            localio.handshakes.kick();
        }
        return Err(DeclineReason::NotLocal);
    }
    if !nfs_client.localio_enabled() {
        return Err(DeclineReason::Disabled);
    }
    if offer.is_swap() {
        return Err(DeclineReason::Swap);
    }
    Ok(())
}

/// The file cached for the offer's caller and filehandle, or opened here
/// if the offering task may open (`submit::open_inline`); for any other
/// task a worker of ours opens it for the requests that follow.
fn find_file(
    offer: &Offer<'_>,
    submitter: &Submitter,
    client: &Client,
    localio: &Localio,
) -> Result<Arc<OpenFile>, DeclineReason> {
    let mut missed = false;
    let mut queued_open = false;
    let found = client.file_for(offer.client(), offer.key(), |key| {
        missed = true;
        if submitter.reclaim {
            return Err(DeclineReason::Reclaim.into());
        }
        if submit::open_inline(submitter).is_err() {
            // As an open here would say: no worker can do better.
            if !shim::loaded() {
                return Err(DeclineReason::NoShim.into());
            }
            queued_open = client.queue_open(key, &offer.opener());
            return Err(DeclineReason::OpenQueued.into());
        }
        OpenFile::open(&offer.opener(), key)
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
    found
}

/// nfsd checks the stateid of every NFSv4 READ and WRITE: state it revoked
/// while the client's lease runs is news only it can tell.
///
/// The stateid was chosen when nfs.ko offered the request. A delegation
/// the client returned since (its DELEGRETURN racing writeback of the
/// file) is gone at nfsd, and the RPC would not carry it: its
/// `->rpc_call_prepare` chooses again when it is sent. So a refused one is
/// chosen again, once, before the request goes to nfsd.
fn check_stateid(
    offer: &mut Offer<'_>,
    file: &OpenFile,
    client: &Client,
) -> Result<(), DeclineReason> {
    let Some(state) = offer.nfs4_state() else {
        return Ok(());
    };
    if file.nfsd().stateid_ok(&state) {
        return Ok(());
    }
    let fresh = offer
        .choose_nfs4_state_again()
        .filter(|fresh| fresh.stateid != state.stateid);
    match fresh {
        Some(fresh) if file.nfsd().stateid_ok(&fresh) => {
            client.count(|c| c.bump(STATEID_CHOSEN_AGAIN, ()));
            Ok(())
        }
        _ => Err(DeclineReason::Stateid),
    }
}

/// Takes the request from nfs.ko: the request, nfs.ko's token, the I/O
/// that serves it, and for a WRITE nfsd's verifier and what it promises.
fn accept<'a>(
    offer: Offer<'a>,
    plan: &Serve,
    file: &OpenFile,
    facts: &OfferFacts,
) -> (NfsRequest, Accepted<'a>, Op, (Verifier, Stable)) {
    let (pos, served) = (facts.offset, plan.bytes);
    match offer {
        Offer::Read(o) => {
            let (request, accepted) = o.accept();
            let buffered = plan.buffered.any();
            let op = Op::Read { pos, buffered };
            let written = ([0; 8], Stable::Unstable);
            (NfsRequest::Read(request), accepted, op, written)
        }
        Offer::Write(o) => {
            let (request, accepted) = o.accept();
            // A WRITE served in part is made stable: NFS resends the rest
            // of a short stable write, but all of a short unstable one.
            let stable = match request.stable() {
                Stable::Unstable if served < facts.count => Stable::DataSync,
                asked => asked,
            };
            let op = Op::Write {
                pos,
                dsync: stable != Stable::Unstable,
                sync: stable == Stable::FileSync,
                buffered: plan.buffered,
            };
            // As nfsd, the verifier is taken before the write: a reset
            // during it makes the client resend.
            let verifier = file.nfsd().write_verifier();
            (NfsRequest::Write(request), accepted, op, (verifier, stable))
        }
        Offer::Commit(o) => {
            let (request, accepted) = o.accept();
            let (start, end) = plan::commit_range(pos, facts.count);
            let written = ([0; 8], Stable::FileSync);
            (
                NfsRequest::Commit(request),
                accepted,
                Op::Sync { start, end },
                written,
            )
        }
    }
}
