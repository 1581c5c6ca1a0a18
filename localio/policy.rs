// SPDX-License-Identifier: GPL-2.0

//! Decision logic of the LOCALIO client, free of kernel dependencies.
//!
//! Everything here is plain `core` Rust so that it builds both inside the
//! module and on the host, where `cargo test` (tests/host) checks it in
//! seconds without a VM: which requests may be served locally, what the
//! application sees when the lower filesystem fails, where a read hits
//! EOF, and the accounting.

use core::sync::atomic::{AtomicU64, Ordering};

/// Page size of the target (x86_64); NFS request buffers are page arrays.
pub const PAGE_SIZE: u32 = 4096;

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

    const fn index(self) -> usize {
        self as usize
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
    /// the RPC with NFS4ERR_DELAY/JUKEBOX until it is.
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
    /// nfsd's first, then the policy's own.
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

    const fn index(self) -> usize {
        self as usize
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

    const fn index(self) -> usize {
        self as usize
    }
}

/// Whether direct I/O on the exported file takes an O_DIRECT request of
/// `count` bytes at `pos` whole, as direct I/O on the exported filesystem
/// itself would: position and length multiples of the file's unit
/// (`dio.offset`), and every segment of the buffer starting on a multiple
/// of `dio.mem` and a whole number of units long, which
/// `segments_aligned(addr_mask, len_mask)` checks of the request's
/// iterator (the check iomap makes of a block device's I/O, with the
/// file's unit for the device's logical block). What fails goes through
/// nfs.ko's pageio path, whose bounce buffer and pieces serve it.
pub fn direct_fits(
    pos: u64,
    count: u64,
    dio: DioAlignment,
    segments_aligned: impl FnOnce(u32, u32) -> bool,
) -> Result<(), DirectDecline> {
    if dio.offset == 0 {
        return Err(DirectDecline::NoDirectIo);
    }
    if !dio.offset.is_power_of_two()
        || !is_multiple(pos, dio.offset)
        || !is_multiple(count, dio.offset)
    {
        return Err(DirectDecline::Misaligned);
    }
    let mem = dio.mem.max(1);
    if !mem.is_power_of_two() || !segments_aligned(mem - 1, dio.offset - 1) {
        return Err(DirectDecline::Memory);
    }
    Ok(())
}

/// How an O_DIRECT request offered whole is served, given what
/// [`direct_fits`] said of it: from and into its own buffer (`Ok(false)`),
/// or through a bounce buffer of ours (`Ok(true)`) when only its memory is
/// off, it is at most [`BOUNCE_MAX`] bytes long, and its data can be
/// copied by the application's own task: a write (copied in before it is
/// submitted) or a read the application waits for. An asynchronous read
/// completes where the application's memory may be out of reach, so it is
/// left to the pageio path, whose bounce buffer copies into pinned pages.
pub fn direct_route(
    fits: Result<(), DirectDecline>,
    count: u64,
    asynchronous: bool,
    write: bool,
) -> Result<bool, DirectDecline> {
    match fits {
        Ok(()) => Ok(false),
        Err(DirectDecline::Memory)
            if count <= u64::from(BOUNCE_MAX) && (write || !asynchronous) =>
        {
            Ok(true)
        }
        Err(reason) => Err(reason),
    }
}

/// Whether a direct write the exported filesystem refused with `result`
/// is to be written as nfsd writes it instead: through the page cache,
/// synced. Direct I/O reserves more than the data it writes (XFS: the
/// extent tree blocks an allocation may need, charged to the quota and
/// the free space up front), where nfsd's buffered write reserves the
/// data alone; close to a quota or a full filesystem the direct write is
/// refused a write nfsd would take. Asked again the way nfsd asks, the
/// filesystem answers as it answers nfsd.
pub fn write_as_nfsd(result: i64) -> bool {
    result == -i64::from(errno::EDQUOT) || result == -i64::from(errno::ENOSPC)
}

/// Direct I/O alignment of the opened lower file (`STATX_DIOALIGN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DioAlignment {
    /// Required alignment of buffer addresses and segment lengths; 0: none.
    pub mem: u32,
    /// Required alignment of file offsets and lengths; 0: no direct I/O.
    pub offset: u32,
}

/// An offered request, as far as the policy is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// READ, WRITE or COMMIT.
    pub kind: RequestKind,
    /// File offset in bytes.
    pub offset: u64,
    /// Length in bytes (0 for a COMMIT of the whole file).
    pub count: u32,
    /// Offset of the data in the first page of the request's page array.
    pub pgbase: u32,
}

/// Whether `value` is a multiple of `align`; never of 0.
fn is_multiple(value: u64, align: u32) -> bool {
    value.checked_rem(u64::from(align)) == Some(0)
}

/// Greatest common divisor; `gcd(a, 0) == a`.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while let Some(r) = a.checked_rem(b) {
        a = b;
        b = r;
    }
    a
}

/// Least common multiple; `None` if either is 0 or it overflows (no
/// arithmetic here can panic).
fn lcm(a: u64, b: u64) -> Option<u64> {
    a.checked_div(gcd(a, b))
        .and_then(|f| f.checked_mul(b))
        .filter(|&m| m != 0)
}

/// What the lengths of direct I/O on a file with alignment `dio` must be
/// multiples of: both alignments' least common multiple (`None` if it
/// overflows or there is no direct I/O).
fn length_unit(dio: DioAlignment) -> Option<u64> {
    lcm(u64::from(dio.offset), u64::from(dio.mem.max(1)))
}

/// Decides how much of `req` can be served locally with direct I/O on a
/// lower file with alignment `dio`: `Ok(n)` to serve its first `n` bytes
/// (all of it, or for a READ or WRITE the longest prefix that meets the
/// alignment; nfs.ko sends the rest to nfsd), or the reason to send all of
/// it to nfsd. A COMMIT needs no alignment (nfs.ko never offers one its
/// caller waits for in place).
///
/// A READ or WRITE goes through a bio_vec over whole pages starting at
/// `pgbase`: every segment starts at `pgbase` or a page boundary and ends
/// at a page boundary or `pgbase + n`. The block layer checks each
/// segment's start against the memory alignment and, since iomap checks
/// the iterator with `bdev_iter_is_aligned()`, each segment's *length*
/// against the logical block size, which is the offset alignment. So the
/// memory alignment is not enough when the I/O spans pages: an NVMe disk
/// takes buffers at any 4-byte address, but a buffer at page offset 16
/// makes a first segment of 4080 bytes, which no 512-byte-block device
/// takes. Hence [`segments_fit`]. A request whose start is misaligned
/// goes to nfsd whole: its tail alone would be no cheaper to send.
pub fn check(req: &Request, dio: DioAlignment) -> Result<u32, DeclineReason> {
    if req.kind == RequestKind::Commit {
        return Ok(req.count);
    }
    if req.count == 0 {
        return Err(DeclineReason::Empty);
    }
    if dio.offset == 0 {
        return Err(DeclineReason::NoDirectIo);
    }
    let mem = dio.mem.max(1);
    let start_aligned = is_multiple(req.offset, dio.offset)
        && is_multiple(req.pgbase.into(), mem)
        && is_multiple(PAGE_SIZE.into(), mem);
    if !start_aligned {
        return Err(DeclineReason::Misaligned);
    }
    let count = u64::from(req.count);
    let tail = length_unit(dio).and_then(|unit| count.checked_rem(unit));
    let prefix = match tail.map(|tail| u32::try_from(count - tail)) {
        Some(Ok(0)) => return Err(DeclineReason::BelowAlignment),
        Some(Ok(prefix)) => prefix,
        _ => return Err(DeclineReason::Misaligned),
    };
    if !segments_fit(req.pgbase, prefix, dio) {
        return Err(DeclineReason::Misaligned);
    }
    Ok(prefix)
}

/// Whether every segment of a bio_vec over whole pages, `len` bytes from
/// `pgbase` into the first, has a length the lower device takes: a
/// multiple of the offset alignment (the logical block size). `len` is
/// one (a single segment). With more than one segment, all but the last
/// end at a page boundary, so the first is `PAGE_SIZE - pgbase` long and
/// the middle ones a page.
fn segments_fit(pgbase: u32, len: u32, dio: DioAlignment) -> bool {
    let single = u64::from(pgbase) + u64::from(len) <= u64::from(PAGE_SIZE);
    single || (is_multiple(pgbase.into(), dio.offset) && is_multiple(PAGE_SIZE.into(), dio.offset))
}

/// The most bytes of one READ or WRITE served through a bounce buffer: a
/// full NFS transfer (1 MiB). A longer request is served in part and its
/// rest offered again, so memory a request pins for its bounce stays
/// bounded.
pub const BOUNCE_MAX: u32 = 1 << 20;

/// The order of the next chunk of a bounce buffer that still needs `left`
/// pages: the largest power of two of pages that does not exceed `left`,
/// at most `max_order`, so that no chunk has pages the buffer does not
/// use.
pub fn bounce_chunk_order(left: usize, max_order: u32) -> u32 {
    match left {
        0 | 1 => 0,
        n => n.ilog2().min(max_order),
    }
}

/// How a READ or WRITE is served: its first `bytes` locally, straight from
/// and into its own pages, or (`bounce`) through pages of the provider's
/// own, because its pages are not aligned in memory as direct I/O needs;
/// for a WRITE, the pieces at either end of `bytes` that fill no whole
/// block of the lower filesystem (`buffered`) through its page cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Serve {
    /// Bytes served locally, from the start; nfs.ko sends the rest.
    pub bytes: u32,
    /// Copied through an aligned bounce buffer.
    pub bounce: bool,
    /// Written with buffered writes instead of direct I/O; for a READ,
    /// all of it (as `head`) or nothing: read through the page cache of a
    /// lower file that has no direct I/O.
    pub buffered: Pieces,
}

/// The bytes at the start (`head`) and at the end (`tail`) of a WRITE that
/// are written buffered, because they start or end inside a block of the
/// lower filesystem ([`write_pieces`]). Each is shorter than one block, so
/// that what a request puts in the lower page cache is bounded; a WRITE
/// with no whole block in it is all head.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pieces {
    /// Bytes before the first block boundary.
    pub head: u32,
    /// Bytes after the last block boundary.
    pub tail: u32,
}

impl Pieces {
    /// Whether there is anything to write buffered.
    pub const fn any(&self) -> bool {
        self.head != 0 || self.tail != 0
    }

    /// Their bytes.
    pub const fn bytes(&self) -> u32 {
        self.head + self.tail
    }
}

/// [`check`], and for a READ or WRITE whose file offset is aligned but
/// whose memory is not (an O_DIRECT buffer at any address: NFS accepts
/// them), service through a page-aligned bounce buffer of at most
/// [`BOUNCE_MAX`] bytes: read into it and copy out, or copy in and write
/// from it. The page cache stays out of it either way.
///
/// A WRITE that does not start or end on the alignment (the last WRITE of
/// a file whose size is not aligned, a partial page an application wrote,
/// a small file) is served whole: its body of whole blocks of the lower
/// filesystem (`block` bytes each) with direct I/O, and the pieces before
/// and after it with buffered writes of less than one block each
/// ([`write_pieces`]), instead of sending them to nfsd.
///
/// A lower file without direct I/O (`dio.offset` 0: tmpfs) is read and
/// written whole through its page cache: a READ or WRITE whose
/// `buffered.head` is all of it.
pub fn plan(req: &Request, dio: DioAlignment, block: u32) -> Result<Serve, DeclineReason> {
    let served = |bytes, bounce| Serve {
        bytes,
        bounce,
        buffered: Pieces::default(),
    };
    if dio.offset == 0 && req.kind != RequestKind::Commit && req.count != 0 {
        // No direct I/O on the lower file (tmpfs, and any filesystem that
        // reports no STATX_DIOALIGN): all of it through its page cache, as
        // nfsd does. A memory filesystem has no second cache to avoid;
        // loop.c does the same without direct I/O.
        return Ok(Serve {
            bytes: req.count,
            bounce: false,
            buffered: Pieces {
                head: req.count,
                tail: 0,
            },
        });
    }
    let checked = check(req, dio);
    if req.kind == RequestKind::Write && checked != Ok(req.count) {
        if let Some(buffered) = write_pieces(req, dio, block) {
            return Ok(Serve {
                bytes: req.count,
                bounce: false,
                buffered,
            });
        }
    }
    match checked {
        Ok(bytes) => Ok(served(bytes, false)),
        Err(DeclineReason::Misaligned) if only_memory_misaligned(req, dio) => {
            // A bounce buffer starts at a page boundary.
            let bounced = Request {
                pgbase: 0,
                count: req.count.min(BOUNCE_MAX),
                ..*req
            };
            check(&bounced, dio).map(|bytes| served(bytes, true))
        }
        Err(reason) => Err(reason),
    }
}

/// The pieces of a WRITE to write buffered so that the rest, if any, is
/// one body of whole blocks of the lower filesystem that direct I/O takes
/// from the request's own pages; `None` when no such split exists (the
/// lower file takes no direct I/O, the body would start misaligned in
/// memory, or nothing is to be written).
///
/// The head runs to the first block boundary and the tail from the last
/// (block: `block` rounded up to a multiple of the direct I/O length
/// unit); with no body between them the whole WRITE is one buffered
/// piece (then under two blocks long). Whole blocks, not just aligned
/// sectors, because the page cache reads and writes back blocks: a piece
/// never shares a block with a body, of this WRITE or of another one
/// that does not overlap it, so no buffered write reads a block that our
/// direct I/O is writing (and the lower filesystem takes the body by its
/// aligned direct I/O path, with no sub-block zeroing).
pub fn write_pieces(req: &Request, dio: DioAlignment, block: u32) -> Option<Pieces> {
    if req.kind != RequestKind::Write || req.count == 0 {
        return None;
    }
    let sector = length_unit(dio)?;
    let unit = lcm(u64::from(block), sector).unwrap_or(sector);
    let count = u64::from(req.count);
    let head = ((unit - req.offset % unit) % unit).min(count);
    let body_and_tail = count - head;
    let tail = body_and_tail % unit;
    let body = body_and_tail - tail;
    if body == 0 {
        return Some(Pieces {
            head: req.count,
            tail: 0,
        });
    }
    // Each is at most `count`, a u32.
    let (head, body, tail) = (
        u32::try_from(head).ok()?,
        u32::try_from(body).ok()?,
        u32::try_from(tail).ok()?,
    );
    let aligned_body = Request {
        kind: req.kind,
        offset: req.offset + u64::from(head),
        count: body,
        pgbase: req.pgbase.checked_add(head)?,
    };
    (check(&aligned_body, dio) == Ok(body)).then_some(Pieces { head, tail })
}

/// Whether only the memory of `req` keeps it from direct I/O: its file
/// offset is aligned, and a page-aligned buffer would be (its segments
/// all start at page boundaries and, but for the last, are whole pages).
fn only_memory_misaligned(req: &Request, dio: DioAlignment) -> bool {
    req.kind != RequestKind::Commit
        && dio.offset != 0
        && is_multiple(req.offset, dio.offset)
        && is_multiple(PAGE_SIZE.into(), dio.mem.max(1))
        && is_multiple(PAGE_SIZE.into(), dio.offset)
}

/// One step of a copy between two runs of pages: `len` bytes from byte
/// `src_at` of source page `src_page` to byte `dst_at` of destination page
/// `dst_page`, none crossing a page boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageCopy {
    /// Index of the destination page in its run.
    pub dst_page: usize,
    /// Byte offset in that page.
    pub dst_at: u32,
    /// Index of the source page in its run.
    pub src_page: usize,
    /// Byte offset in that page.
    pub src_at: u32,
    /// Bytes to copy.
    pub len: u32,
}

/// The steps of copying `len` bytes that start `src_off` bytes into a run of
/// pages to `dst_off` bytes into another.
pub fn page_copies(dst_off: u32, src_off: u32, len: u32) -> impl Iterator<Item = PageCopy> {
    let (mut dst, mut src, end) = (
        u64::from(dst_off),
        u64::from(src_off),
        u64::from(src_off) + u64::from(len),
    );
    let page = u64::from(PAGE_SIZE);
    core::iter::from_fn(move || {
        if src >= end {
            return None;
        }
        let n = (page - dst % page).min(page - src % page).min(end - src);
        let step = PageCopy {
            dst_page: (dst / page) as usize,
            dst_at: (dst % page) as u32,
            src_page: (src / page) as usize,
            src_at: (src % page) as u32,
            len: n as u32,
        };
        dst += n;
        src += n;
        Some(step)
    })
}

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

    const fn index(self) -> usize {
        self as usize
    }
}

/// What the task offering a request is, as far as submitting its I/O
/// inline is concerned; read from the kernel's own state when the offer
/// arrives (before the provider changes any of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submitter {
    /// `in_task()` with interrupts on.
    pub may_block: bool,
    /// `PF_WQ_WORKER`.
    pub workqueue_worker: bool,
    /// `PF_KTHREAD` (workers included).
    pub kernel_thread: bool,
    /// `PF_MEMALLOC` or `PF_KSWAPD`.
    pub reclaim: bool,
    /// `PF_LOCAL_THROTTLE`, `PF_MEMALLOC_NOIO` or `PF_MEMALLOC_NOFS`.
    pub nested_io: bool,
    /// Bytes of kernel stack below the offer's frame.
    pub stack_left: usize,
    /// The task's whole kernel stack (`THREAD_SIZE`).
    pub stack_size: usize,
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

/// Linux errno values (asm-generic, as on x86_64).
pub mod errno {
    #![allow(missing_docs)]
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const ENXIO: i32 = 6;
    pub const EACCES: i32 = 13;
    pub const EEXIST: i32 = 17;
    pub const EXDEV: i32 = 18;
    pub const ENODEV: i32 = 19;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const EFBIG: i32 = 27;
    pub const ENOSPC: i32 = 28;
    pub const EROFS: i32 = 30;
    pub const EMLINK: i32 = 31;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOTEMPTY: i32 = 39;
    pub const ESTALE: i32 = 116;
    pub const EDQUOT: i32 = 122;
}

/// The error the application would see had nfsd met `lower` (a negative
/// errno from the lower filesystem) and replied over the wire.
///
/// nfsd turns errnos it has an NFS status for into that status and the
/// client turns the status back into the same errno; everything else
/// becomes NFSERR_IO, i.e. EIO.
pub fn client_errno(lower: i64) -> i32 {
    use errno::*;
    const PASSED_THROUGH: [i32; 18] = [
        EPERM,
        ENOENT,
        EIO,
        ENXIO,
        EACCES,
        EEXIST,
        EXDEV,
        ENODEV,
        ENOTDIR,
        EISDIR,
        EINVAL,
        EFBIG,
        ENOSPC,
        EROFS,
        EMLINK,
        ENAMETOOLONG,
        ENOTEMPTY,
        EDQUOT,
    ];
    match lower.checked_neg().map(i32::try_from) {
        Some(Ok(e)) if PASSED_THROUGH.contains(&e) || e == ESTALE => -e,
        _ => -EIO,
    }
}

/// Whether a READ of `requested` bytes at `offset` that returned `got`
/// bytes, on a file `size` bytes long after the read, reached end of
/// file, as nfsd tells (`nfsd_eof_on_read()`): nothing read of something
/// asked for, or the read reached the size. A read cut short at the size
/// the lower filesystem sampled, of a file that has grown since, is not
/// at EOF: nfs.ko asks for the rest, as over the wire.
pub fn read_eof(offset: u64, requested: u32, got: u64, size: u64) -> bool {
    (requested != 0 && got == 0) || offset.saturating_add(got) >= size
}

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

    const fn index(self) -> usize {
        self as usize
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

/// How LOCALIO last fared for one NFS client, as far as the client as a
/// whole is concerned. The kernel log says so each time it changes, once
/// per change, not per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PathState {
    /// Nothing offered yet.
    Unknown = 0,
    /// Requests are served locally.
    Local = 1,
    /// The LOCALIO handshake does not find the server in this kernel.
    NotLocal = 2,
    /// The nfsd shim module is not loaded.
    NoShim = 3,
    /// nfsd is in this kernel but not serving.
    NfsdDown = 4,
    /// nfs.ko's `localio_enabled` parameter is off.
    Disabled = 5,
}

impl PathState {
    /// The state with code `code` (as stored by [`PathState::code`]).
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => PathState::Local,
            2 => PathState::NotLocal,
            3 => PathState::NoShim,
            4 => PathState::NfsdDown,
            5 => PathState::Disabled,
            _ => PathState::Unknown,
        }
    }

    /// The code to store in an atomic.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The state a request's outcome shows, or `None` when the outcome is
    /// about that request only (alignment, permissions, memory, ...).
    pub fn shown_by(outcome: Result<(), DeclineReason>) -> Option<Self> {
        match outcome {
            Ok(()) => Some(PathState::Local),
            Err(DeclineReason::NotLocal) => Some(PathState::NotLocal),
            Err(DeclineReason::NoShim) => Some(PathState::NoShim),
            Err(DeclineReason::NfsdDown) => Some(PathState::NfsdDown),
            Err(DeclineReason::Disabled) => Some(PathState::Disabled),
            Err(_) => None,
        }
    }

    /// Whether LOCALIO is in use in this state.
    pub const fn is_local(self) -> bool {
        matches!(self, PathState::Local)
    }

    /// Its name, for the mount's `localio:` line in mountstats.
    pub const fn name(self) -> &'static str {
        match self {
            PathState::Unknown => "no_io_yet",
            PathState::Local => "local",
            PathState::NotLocal => "not_local",
            PathState::NoShim => "no_shim",
            PathState::NfsdDown => "nfsd_down",
            PathState::Disabled => "disabled",
        }
    }

    /// What a mount's `localio:` line says of its client: whether its I/O
    /// is served locally now (`yes`, `no`, or `unknown` before its first
    /// request) and, when not `yes`, the state that says why. nfs.ko's own
    /// view (the handshake found nfsd here; LOCALIO not turned off) comes
    /// first: our last outcome may be older than a handshake redone since.
    pub fn for_mount(
        handshake_local: bool,
        enabled: bool,
        last: PathState,
    ) -> (&'static str, Self) {
        let now = match (handshake_local, enabled) {
            (false, _) => PathState::NotLocal,
            (true, false) => PathState::Disabled,
            (true, true) => last,
        };
        let local = match now {
            PathState::Local => "yes",
            PathState::Unknown => "unknown",
            _ => "no",
        };
        (local, now)
    }

    /// Why, for the kernel log.
    pub const fn why(self) -> &'static str {
        match self {
            PathState::Unknown => "no request seen yet",
            PathState::Local => "nfsd is in this kernel",
            PathState::NotLocal => "the LOCALIO handshake does not find the server in this kernel",
            PathState::NoShim => "localio_rs_nfsd_shim is not loaded",
            PathState::NfsdDown => "nfsd is not serving (stopped or restarting)",
            PathState::Disabled => "nfs.localio_enabled is off",
        }
    }
}

/// The byte range `start..=end` a COMMIT of `count` bytes at `offset`
/// syncs: a count of 0, or one that runs past the end of the offsets,
/// means to the end of the file (`i64::MAX`, the kernel's `LLONG_MAX`).
pub fn commit_range(offset: u64, count: u32) -> (u64, u64) {
    const END_OF_FILE: u64 = i64::MAX as u64;
    let end = match offset.checked_add(u64::from(count)) {
        Some(past) if count > 0 => past - 1,
        _ => END_OF_FILE,
    };
    (offset, end.min(END_OF_FILE))
}

/// Whether a rate-limited action last taken at `last` (nanoseconds,
/// monotonic; 0: never) may be taken again at `now`, `interval` later.
pub fn due(last: u64, now: u64, interval: u64) -> bool {
    last == 0 || now.saturating_sub(last) >= interval
}

/// Where a hash of `bytes` puts it among a small table's slots: a word at
/// a time, multiplied and folded so that keys differing in any byte (file
/// handles differ mostly in their last words) land apart.
pub fn slot_hash(bytes: &[u8]) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = bytes.len() as u64;
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(MIX);
        h ^= h >> 29;
    }
    h ^ (h >> 32)
}

const KINDS: usize = RequestKind::ALL.len();
const REASONS: usize = DeclineReason::ALL.len();
const RELEASES: usize = ReleaseReason::ALL.len();
const QUEUE_REASONS: usize = QueueReason::ALL.len();
const DIRECT_REASONS: usize = DirectDecline::ALL.len();

/// Where [`Counters`] keep their values: [`COUNTER_SLOTS`] cells of `u64`
/// that are only ever added to.
///
/// The module keeps a cell per CPU (`nfs/percpu.rs`), so that a request
/// writes only lines of its own CPU and the sum is paid by the reader of
/// the statistics; host tests keep them in atomics ([`AtomicCells`]).
pub trait CounterCells {
    /// Adds `n` to cell `slot` (`slot < COUNTER_SLOTS`).
    fn add(&self, slot: usize, n: u64);
    /// What cell `slot` has been added so far.
    fn read(&self, slot: usize) -> u64;
}

/// One shared atomic per counter: what a single-CPU user (and the host
/// tests) needs, and what every CPU would write under load.
pub struct AtomicCells([AtomicU64; COUNTER_SLOTS]);

impl AtomicCells {
    /// All cells at zero.
    pub const fn new() -> Self {
        Self([const { AtomicU64::new(0) }; COUNTER_SLOTS])
    }
}

impl Default for AtomicCells {
    fn default() -> Self {
        Self::new()
    }
}

impl CounterCells for AtomicCells {
    fn add(&self, slot: usize, n: u64) {
        self.0[slot].fetch_add(n, Ordering::Relaxed);
    }

    fn read(&self, slot: usize) -> u64 {
        self.0[slot].load(Ordering::Relaxed)
    }
}

// Where each counter lives among the cells, arrays by index.
const OFFERED: usize = 0;
const SERVED: usize = OFFERED + KINDS;
const SERVED_BYTES: usize = SERVED + KINDS;
const ERRORS: usize = SERVED_BYTES + KINDS;
const DECLINED: usize = ERRORS + KINDS;
const FILE_OPENS: usize = DECLINED + REASONS;
const FILE_REUSES: usize = FILE_OPENS + 1;
const FILE_REOPENS: usize = FILE_REUSES + 1;
const RELEASED: usize = FILE_REOPENS + 1;
const SPLIT: usize = RELEASED + RELEASES;
const HANDSHAKES: usize = SPLIT + 1;
const COMPLETED_INLINE: usize = HANDSHAKES + 1;
const COMPLETED_ASYNC: usize = COMPLETED_INLINE + 1;
const SUBMITTED_INLINE: usize = COMPLETED_ASYNC + 1;
const QUEUED: usize = SUBMITTED_INLINE + 1;
const STATEID_AGAIN: usize = QUEUED + QUEUE_REASONS;
const RPC_BYTES: usize = STATEID_AGAIN + 1;
const BOUNCED: usize = RPC_BYTES + KINDS;
const BOUNCED_BYTES: usize = BOUNCED + 1;
const BUFFERED: usize = BOUNCED_BYTES + 1;
const BUFFERED_BYTES: usize = BUFFERED + 1;
const OPENS_QUEUED: usize = BUFFERED_BYTES + 1;
const DIRECT: usize = OPENS_QUEUED + 1;
const DIRECT_DECLINED: usize = DIRECT + KINDS;

/// Cells a [`Counters`] needs.
pub const COUNTER_SLOTS: usize = DIRECT_DECLINED + DIRECT_REASONS;

/// Request accounting, updated concurrently from every offer and
/// completion.
///
/// Counters only grow; readers see each counter's own latest value, not a
/// consistent snapshot across counters.
pub struct Counters<C = AtomicCells> {
    cells: C,
}

impl Counters<AtomicCells> {
    /// All counters at zero, in atomics.
    pub const fn new() -> Self {
        Self::with_cells(AtomicCells::new())
    }
}

impl Default for Counters<AtomicCells> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: CounterCells> Counters<C> {
    /// Counters kept in `cells`, which start at zero.
    pub const fn with_cells(cells: C) -> Self {
        Self { cells }
    }

    fn bump(&self, slot: usize) {
        self.cells.add(slot, 1);
    }

    fn get(&self, slot: usize) -> u64 {
        self.cells.read(slot)
    }

    /// Accounts one LOCALIO handshake redone.
    pub fn handshake(&self) {
        self.bump(HANDSHAKES);
    }

    /// LOCALIO handshakes redone so far.
    pub fn handshakes(&self) -> u64 {
        self.get(HANDSHAKES)
    }

    /// Accounts `files` cached files let go for `reason`.
    pub fn release(&self, reason: ReleaseReason, files: u64) {
        self.cells.add(RELEASED + reason.index(), files);
    }

    /// Cached files let go so far for `reason`.
    pub fn released(&self, reason: ReleaseReason) -> u64 {
        self.get(RELEASED + reason.index())
    }

    /// Accounts one READ or WRITE served locally in part: its aligned
    /// body here, the rest sent to nfsd.
    pub fn split(&self) {
        self.bump(SPLIT);
    }

    /// Requests served locally in part so far.
    pub fn splits(&self) -> u64 {
        self.get(SPLIT)
    }

    /// Accounts one cached file let go because what nfsd's open rested on
    /// changed (it is then opened again, and that open counted as such).
    pub fn file_reopen(&self) {
        self.bump(FILE_REOPENS);
    }

    /// Cached files let go so far because nfsd had to decide again.
    pub fn file_reopens(&self) -> u64 {
        self.get(FILE_REOPENS)
    }

    /// Accounts one file opened through nfsd for a request.
    pub fn file_open(&self) {
        self.bump(FILE_OPENS);
    }

    /// Accounts one open through nfsd run by a worker of ours for an offer
    /// whose task may not open ([`open_inline`]); also one of
    /// [`Self::file_open`] when it succeeds.
    pub fn file_open_queued(&self) {
        self.bump(OPENS_QUEUED);
    }

    /// Opens run by a worker for offers that may not open.
    pub fn file_opens_queued(&self) -> u64 {
        self.get(OPENS_QUEUED)
    }

    /// Accounts one request served by a file opened for an earlier one.
    pub fn file_reuse(&self) {
        self.bump(FILE_REUSES);
    }

    /// Files opened through nfsd so far.
    pub fn file_opens(&self) -> u64 {
        self.get(FILE_OPENS)
    }

    /// Requests that reused an already opened file so far.
    pub fn file_reuses(&self) -> u64 {
        self.get(FILE_REUSES)
    }

    /// Accounts one offered request.
    pub fn offer(&self, kind: RequestKind) {
        self.bump(OFFERED + kind.index());
    }

    /// Accounts one request sent back to RPC.
    pub fn decline(&self, reason: DeclineReason) {
        self.bump(DECLINED + reason.index());
    }

    /// Accounts the `bytes` of a declined READ or WRITE, which nfs.ko sends
    /// to nfsd (the rest of a request served in part is offered, and so
    /// counted, on its own).
    pub fn rpc_bytes(&self, kind: RequestKind, bytes: u64) {
        self.cells.add(RPC_BYTES + kind.index(), bytes);
    }

    /// Bytes of declined requests of `kind` so far.
    pub fn rpc_bytes_of(&self, kind: RequestKind) -> u64 {
        self.get(RPC_BYTES + kind.index())
    }

    /// Accounts one READ or WRITE taken to be served through a bounce
    /// buffer, `bytes` of it.
    pub fn bounce(&self, bytes: u32) {
        self.bump(BOUNCED);
        self.cells.add(BOUNCED_BYTES, u64::from(bytes));
    }

    /// Requests taken to be served through a bounce buffer so far.
    pub fn bounced(&self) -> u64 {
        self.get(BOUNCED)
    }

    /// Their bytes.
    pub fn bounced_bytes(&self) -> u64 {
        self.get(BOUNCED_BYTES)
    }

    /// Accounts one WRITE taken with `bytes` of it to be written through
    /// the lower page cache ([`Pieces`]).
    pub fn buffer(&self, bytes: u32) {
        self.bump(BUFFERED);
        self.cells.add(BUFFERED_BYTES, u64::from(bytes));
    }

    /// WRITEs taken with buffered pieces so far.
    pub fn buffered(&self) -> u64 {
        self.get(BUFFERED)
    }

    /// Their buffered bytes.
    pub fn buffered_bytes(&self) -> u64 {
        self.get(BUFFERED_BYTES)
    }

    /// Accounts one NFSv4 request whose stateid nfsd refused but that was
    /// served under the one nfs.ko chose again.
    pub fn stateid_chosen_again(&self) {
        self.bump(STATEID_AGAIN);
    }

    /// Requests served under a stateid chosen again so far.
    pub fn stateids_chosen_again(&self) -> u64 {
        self.get(STATEID_AGAIN)
    }

    /// Accounts one request completed locally with `result` (bytes moved,
    /// or a negative errno).
    pub fn complete(&self, kind: RequestKind, result: i64) {
        let i = kind.index();
        self.bump(SERVED + i);
        match u64::try_from(result) {
            Ok(bytes) => self.cells.add(SERVED_BYTES + i, bytes),
            Err(_) => self.bump(ERRORS + i),
        }
    }

    /// Accounts how a local I/O completed: `inline`, within its submission
    /// (and always for a COMMIT's sync), or later through `ki_complete`.
    pub fn completion(&self, inline: bool) {
        self.bump(if inline {
            COMPLETED_INLINE
        } else {
            COMPLETED_ASYNC
        });
    }

    /// Local I/Os completed within their submission.
    pub fn completed_inline(&self) -> u64 {
        self.get(COMPLETED_INLINE)
    }

    /// Local I/Os completed later, through `ki_complete`.
    pub fn completed_async(&self) -> u64 {
        self.get(COMPLETED_ASYNC)
    }

    /// Accounts where a taken request's I/O was submitted: `Ok` by the
    /// offering task itself, or on the queue, and why.
    pub fn submission(&self, path: Result<(), QueueReason>) {
        self.bump(match path {
            Ok(()) => SUBMITTED_INLINE,
            Err(reason) => QUEUED + reason.index(),
        });
    }

    /// I/Os submitted by the task that offered them.
    pub fn submitted_inline(&self) -> u64 {
        self.get(SUBMITTED_INLINE)
    }

    /// I/Os handed to the queue for `reason`.
    pub fn queued(&self, reason: QueueReason) -> u64 {
        self.get(QUEUED + reason.index())
    }

    /// Requests of `kind` offered so far.
    pub fn offered(&self, kind: RequestKind) -> u64 {
        self.get(OFFERED + kind.index())
    }

    /// Requests of `kind` completed locally so far.
    pub fn served(&self, kind: RequestKind) -> u64 {
        self.get(SERVED + kind.index())
    }

    /// Bytes moved by requests of `kind` completed locally.
    pub fn served_bytes(&self, kind: RequestKind) -> u64 {
        self.get(SERVED_BYTES + kind.index())
    }

    /// Local completions of `kind` that failed.
    pub fn errors(&self, kind: RequestKind) -> u64 {
        self.get(ERRORS + kind.index())
    }

    /// Requests declined for `reason` so far.
    pub fn declined(&self, reason: DeclineReason) -> u64 {
        self.get(DECLINED + reason.index())
    }

    /// Accounts one application's O_DIRECT READ or WRITE taken whole (and
    /// so also offered, served and completed as one request of `kind`).
    pub fn direct(&self, kind: RequestKind) {
        self.bump(DIRECT + kind.index());
    }

    /// O_DIRECT requests of `kind` taken whole so far.
    pub fn directs(&self, kind: RequestKind) -> u64 {
        self.get(DIRECT + kind.index())
    }

    /// Accounts one O_DIRECT request offered whole and left to the pageio
    /// path for `reason`.
    pub fn direct_decline(&self, reason: DirectDecline) {
        self.bump(DIRECT_DECLINED + reason.index());
    }

    /// O_DIRECT requests left to the pageio path for `reason` so far.
    pub fn direct_declined(&self, reason: DirectDecline) -> u64 {
        self.get(DIRECT_DECLINED + reason.index())
    }
}
