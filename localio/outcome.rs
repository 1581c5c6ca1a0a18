// SPDX-License-Identifier: GPL-2.0

//! What becomes of a request nfs.ko offers: its kind, and why it is sent
//! to nfsd (pageio offers, [`DeclineReason`]) or left to the pageio path
//! (O_DIRECT offered whole, [`DirectDecline`]). Their names are the
//! statistics file's and the trace events'.

/// The kind of NFS request nfs.ko offers to the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A READ pageio header.
    Read,
    /// A WRITE pageio header.
    Write,
    /// A COMMIT.
    Commit,
}

impl RequestKind {
    /// All kinds, in the order the statistics list them.
    pub const ALL: [RequestKind; 3] = [RequestKind::Read, RequestKind::Write, RequestKind::Commit];

    /// Name used in the statistics file.
    pub const fn name(self) -> &'static str {
        match self {
            RequestKind::Read => "read",
            RequestKind::Write => "write",
            RequestKind::Commit => "commit",
        }
    }
}

/// Why a request went out as a normal RPC instead of being served locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclineReason {
    /// The server is not nfsd in this kernel (or LOCALIO is off for it).
    NotLocal,
    /// localio_rs_nfsd_shim.ko is not loaded, or speaks another version.
    NoShim,
    /// nfsd refused to open the file (permissions, stale filehandle, ...).
    OpenFailed,
    /// No memory for the request's bookkeeping.
    NoMemory,
    /// nfsd does not serve this client's server right now (stopped,
    /// restarting, or its network namespace is going away).
    NfsdDown,
    /// The administrator turned LOCALIO off in nfs.ko
    /// (`nfs.localio_enabled=N`).
    Disabled,
    /// A lease or delegation on the file is being broken; nfsd answers
    /// the RPC with NFS4ERR_DELAY/JUKEBOX until it is. Also any open that
    /// nfsd answered so: not remembered as a refusal, since the next open
    /// may succeed.
    Lease,
    /// The exported filesystem cannot do direct I/O on this file.
    NoDirectIo,
    /// Offset or buffer start do not meet the direct I/O alignment.
    Misaligned,
    /// Aligned, but shorter than one alignment unit: a small file's only
    /// WRITE, or the rest of a request whose aligned body was served here.
    BelowAlignment,
    /// Nothing to transfer.
    Empty,
    /// nfsd refused to open the file for this caller moments ago; asking
    /// again for every request would cost a full open each time.
    RecentlyRefused,
    /// I/O to an active swap file: swap over NFS relies on sunrpc's
    /// forward-progress guarantees (`PF_MEMALLOC` tasks, reserves), which
    /// a queue without a rescuer and `PF_MEMALLOC_NOIO` workers lack.
    Swap,
    /// The file is not open yet and the caller is reclaiming memory: an
    /// open through nfsd (lookups, allocations, maybe I/O) is no work for
    /// someone else's reclaim.
    Reclaim,
    /// nfsd would not take the NFSv4 stateid the READ or WRITE is sent
    /// under (revoked, expired, of another file, or one nfsd checks only
    /// on the wire): nfsd answers the RPC.
    Stateid,
    /// The file is not open yet and the offering task may not open it
    /// ([`open_inline`]: the flusher, nfsiod, rpciod, another kernel
    /// thread): a worker of ours opens it for the requests that follow.
    OpenQueued,
}

impl DeclineReason {
    /// All reasons, in the order of the statistics file: the client's and
    /// nfsd's first, then the plan's own.
    pub const ALL: [DeclineReason; 16] = [
        DeclineReason::NotLocal,
        DeclineReason::NoShim,
        DeclineReason::OpenFailed,
        DeclineReason::NoMemory,
        DeclineReason::NfsdDown,
        DeclineReason::Disabled,
        DeclineReason::Lease,
        DeclineReason::NoDirectIo,
        DeclineReason::Misaligned,
        DeclineReason::BelowAlignment,
        DeclineReason::Empty,
        DeclineReason::RecentlyRefused,
        DeclineReason::Swap,
        DeclineReason::Reclaim,
        DeclineReason::Stateid,
        DeclineReason::OpenQueued,
    ];

    /// Name used in the statistics file.
    pub const fn name(self) -> &'static str {
        match self {
            DeclineReason::NotLocal => "not_local",
            DeclineReason::NoShim => "no_shim",
            DeclineReason::OpenFailed => "open_failed",
            DeclineReason::NoMemory => "no_memory",
            DeclineReason::NfsdDown => "nfsd_down",
            DeclineReason::Disabled => "disabled",
            DeclineReason::Lease => "lease",
            DeclineReason::NoDirectIo => "no_direct_io",
            DeclineReason::Misaligned => "misaligned",
            DeclineReason::BelowAlignment => "below_alignment",
            DeclineReason::Empty => "empty",
            DeclineReason::RecentlyRefused => "refused_recently",
            DeclineReason::Swap => "swap",
            DeclineReason::Reclaim => "reclaim",
            DeclineReason::Stateid => "stateid",
            DeclineReason::OpenQueued => "open_queued",
        }
    }
}

/// Why an application's O_DIRECT request, offered whole, is left to
/// nfs.ko's pageio path, which then offers its READs and WRITEs one by one
/// (served, bounced, cut into pieces or declined, each for its own reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectDecline {
    /// LOCALIO is not on for the client now (no local server, turned off
    /// by the administrator, no shim): the pageio path says which.
    Off,
    /// The offering task may not submit the I/O itself ([`submit_inline`]:
    /// a kernel thread, a worker, reclaim, a nested submitter, a stacked
    /// exported filesystem); the pageio path queues it.
    Submitter,
    /// No file to serve it from: not cached and not to be opened here, or
    /// nfsd refused it (the pageio path asks again and counts why).
    NoFile,
    /// The exported filesystem has no direct I/O for the file.
    NoDirectIo,
    /// Its position or length is not a multiple of the exported file's
    /// direct-I/O unit.
    Misaligned,
    /// A segment of its buffer is not aligned in memory, or not a whole
    /// number of units long, as the exported filesystem's device takes it.
    Memory,
    /// nfsd would not take the NFSv4 stateid its RPCs would carry.
    Stateid,
    /// No memory for its bookkeeping.
    NoMemory,
}

impl DirectDecline {
    /// All reasons, in the order of the statistics file.
    pub const ALL: [DirectDecline; 8] = [
        DirectDecline::Off,
        DirectDecline::Submitter,
        DirectDecline::NoFile,
        DirectDecline::NoDirectIo,
        DirectDecline::Misaligned,
        DirectDecline::Memory,
        DirectDecline::Stateid,
        DirectDecline::NoMemory,
    ];

    /// Name used in the statistics file (`direct_declined_<name>`) and
    /// the decline trace event.
    pub const fn name(self) -> &'static str {
        match self {
            DirectDecline::Off => "off",
            DirectDecline::Submitter => "submitter",
            DirectDecline::NoFile => "no_file",
            DirectDecline::NoDirectIo => "no_direct_io",
            DirectDecline::Misaligned => "misaligned",
            DirectDecline::Memory => "memory",
            DirectDecline::Stateid => "stateid",
            DirectDecline::NoMemory => "no_memory",
        }
    }
}
