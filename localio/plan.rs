// SPDX-License-Identifier: GPL-2.0

//! How much of a request direct I/O on the exported file serves, and how:
//! alignment, the body and its buffered pieces, the bounce buffer, an
//! O_DIRECT request taken whole, a COMMIT's range. Pure: the host tests
//! check it.

use crate::outcome::{DeclineReason, DirectDecline, RequestKind};
pub use crate::sys::pages::Pieces;
use crate::sys::pages::PAGE_SIZE;

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
/// copied where it must be: a write's by the writer before it is
/// submitted, a synchronous read's by the reader it returns to, an
/// asynchronous read's into the application's pages, held from its
/// submission (`holdable`: user memory or pages), wherever it completes.
pub fn direct_route(
    fits: Result<(), DirectDecline>,
    count: u64,
    write: bool,
    asynchronous: bool,
    holdable: bool,
) -> Result<bool, DirectDecline> {
    match fits {
        Ok(()) => Ok(false),
        Err(DirectDecline::Memory)
            if count <= u64::from(BOUNCE_MAX) && (write || !asynchronous || holdable) =>
        {
            Ok(true)
        }
        Err(reason) => Err(reason),
    }
}

/// Direct I/O alignment of the opened lower file (`STATX_DIOALIGN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DioAlignment {
    /// Required alignment of buffer addresses and segment lengths; 0: none.
    pub mem: u32,
    /// Required alignment of file offsets and lengths; 0: no direct I/O.
    pub offset: u32,
}

/// An offered request, as far as the plan is concerned.
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
