// SPDX-License-Identifier: GPL-2.0

//! An application's O_DIRECT request offered whole (patch 0014), before
//! nfs.ko builds any pageio request for it: served from the exported file
//! by the application's own task with the application's own iterator, or
//! left to the pageio path (`offer.rs`) with one record of why.

use crate::clients::{Client, FileInUse, OpenFile};
use crate::outcome::{DirectDecline, RequestKind};
use crate::state::Localio;
use crate::stats::{DIRECT, DIRECT_DECLINED, OFFERED};
use crate::submit::{self, Submitter};
use crate::sys::direct::{DirectIo, DirectJob, DirectOffer, DirectSlot};
use crate::sys::file::LowerFile;
use crate::sys::request::{Accepted, Declined};
use crate::sys::task::current_submitter;
use crate::sys::trace;
use crate::{plan, reply};
use kernel::{prelude::*, sync::Arc};

/// `->direct`: serves `offer` whole, or declines it to the pageio path.
pub(crate) fn offer<'a>(
    localio: &Localio,
    offer: DirectOffer<'a>,
) -> Result<(Accepted<'a>, isize), Declined<'a>> {
    let submitter = current_submitter();
    let kind = match offer.is_write() {
        true => RequestKind::Write,
        false => RequestKind::Read,
    };
    let events = trace::Events::start();
    let (pos, count) = (
        offer.pos(),
        u32::try_from(offer.count()).unwrap_or(u32::MAX),
    );
    let asked = Asked { kind, pos, count };
    let who = trace::Who {
        client: offer.client(),
        fileid: offer.fileid(),
    };
    events.offer(&who, name(kind), pos, count);
    let client = localio.clients.get_or_add(offer.client());
    let ready = match &client {
        Some(client) => prepare(&offer, &submitter, client, localio),
        None => Err(DirectDecline::NoMemory),
    };
    let outcome = ready
        .as_ref()
        .map(|ready| ready.bounce)
        .map_err(|reason| *reason);
    record(localio, client.as_deref(), (&who, &events), &asked, outcome);
    match (ready, client) {
        (Ok(ready), Some(client)) => {
            events.submit(&ready.file.lower_file(), name(kind), pos, count, false);
            let (request, accepted) = offer.accept();
            let job = Whole {
                kind,
                file: FileInUse::new(ready.file),
                client,
                offset: pos,
                count,
                events,
            };
            Ok((accepted, DirectIo::run(ready.slot, request, job)))
        }
        _ => Err(offer.decline()),
    }
}

/// The trace events' name of an O_DIRECT request of `kind` offered whole.
fn name(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Write => "direct_write",
        _ => "direct_read",
    }
}

/// What was offered: the kind, where and how much.
struct Asked {
    kind: RequestKind,
    pos: u64,
    count: u32,
}

/// Notes the outcome of an offer once: its trace event, its counters and,
/// when taken (`Ok`: through a bounce buffer or not), that LOCALIO serves
/// the client. A decline says nothing of the client's state: the pageio
/// path it goes to does.
fn record(
    localio: &Localio,
    client: Option<&Client>,
    (who, events): (&trace::Who<'_>, &trace::Events),
    asked: &Asked,
    outcome: Result<bool, DirectDecline>,
) {
    let Asked { kind, pos, count } = *asked;
    match outcome {
        Ok(bounce) => {
            events.accept(who, name(kind), (pos, count), count, "inline");
            localio.clients.count(client, |c| {
                c.bump(OFFERED, kind);
                c.bump(DIRECT, kind);
                c.submission(Ok(()));
                if bounce {
                    c.bounce(count);
                }
            });
            if let Some(client) = client {
                client.note(Ok(()));
            }
        }
        Err(reason) => {
            events.decline(who, name(kind), (pos, count), reason.name());
            localio
                .clients
                .count(client, |c| c.bump(DIRECT_DECLINED, reason));
        }
    }
}

/// An O_DIRECT request about to be taken: its file and the memory its I/O
/// needs, through a bounce buffer or not.
struct Ready {
    file: Arc<OpenFile>,
    slot: DirectSlot<Whole>,
    bounce: bool,
}

/// Everything that decides whether `offer` is served whole, in order:
/// LOCALIO on, the offering task's own submission, the file, alignment
/// and stateid, memory; or the reason the pageio path serves it.
fn prepare(
    offer: &DirectOffer<'_>,
    submitter: &Submitter,
    client: &Client,
    localio: &Localio,
) -> Result<Ready, DirectDecline> {
    let nfs_client = offer.client();
    if !nfs_client.handshake_found_local() || !nfs_client.localio_enabled() {
        return Err(DirectDecline::Off);
    }
    // Only the application's own task submits it here: any other leaves
    // it to the pageio path, whose queue submits what it may not.
    if submit::submit_inline(submitter, false, 0).is_err() {
        return Err(DirectDecline::Submitter);
    }
    let file = find_file(offer, client, localio)?;
    let bounce = route(offer, &file)?;
    let slot = DirectSlot::reserve(offer, bounce).map_err(|_| DirectDecline::NoMemory)?;
    Ok(Ready { file, slot, bounce })
}

/// The file cached for `offer`'s caller and filehandle, opened here if it
/// is not; the pageio path, which a decline hands the request to, asks
/// for a handshake and says in the log why LOCALIO went off.
fn find_file(
    offer: &DirectOffer<'_>,
    client: &Client,
    localio: &Localio,
) -> Result<Arc<OpenFile>, DirectDecline> {
    let mut missed = false;
    let found = client.file_for(offer.client(), offer.key(), |key| {
        missed = true;
        OpenFile::open(&offer.opener(), key)
    });
    if missed {
        localio.reaper.kick();
    }
    let file = found.map_err(|_| DirectDecline::NoFile)?;
    if file.lower_file().stack_depth() > 0 {
        return Err(DirectDecline::Submitter);
    }
    Ok(file)
}

/// Whether `offer` is served from its own memory (`false`) or through a
/// bounce buffer, or why not at all; and whether nfsd takes the NFSv4
/// stateid its RPCs would carry, as it checks every READ's and WRITE's.
fn route(offer: &DirectOffer<'_>, file: &OpenFile) -> Result<bool, DirectDecline> {
    let (pos, count) = (offer.pos(), offer.count());
    let fits = plan::direct_fits(pos, count, file.dio(), |addr_mask, len_mask| {
        offer.segments_aligned(addr_mask, len_mask)
    });
    let bounce = plan::direct_route(
        fits,
        count,
        offer.is_write(),
        offer.is_async(),
        offer.pages_holdable(),
    )?;
    if let Some(state) = offer.nfs4_state() {
        if !file.nfsd().stateid_ok(&state) {
            return Err(DirectDecline::Stateid);
        }
    }
    Ok(bounce)
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
    /// Its trace events.
    events: trace::Events,
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
        let lower = self.file.lower_file();
        let kind = name(self.kind);
        self.events
            .complete(&lower, kind, self.offset, self.count, result);
        if result >= 0 {
            return result as isize;
        }
        if self.kind == RequestKind::Write {
            self.file.nfsd().write_failed(reply::lower_errno(result));
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

// One `kmalloc-192` object per asynchronous O_DIRECT request (larger with
// lockdep's map in its work item): the bounce buffer is boxed for it.
#[cfg(not(CONFIG_LOCKDEP))]
kernel::static_assert!(core::mem::size_of::<DirectIo<Whole>>() <= 192);
