// SPDX-License-Identifier: GPL-2.0

//! Pages: the size of one, the chunks of a bounce buffer, the steps of a
//! copy between two runs of pages, the pieces of a write that go through
//! the page cache. Plain `core`: the host tests check it.

/// Page size of the target (x86_64); NFS request buffers are page arrays.
pub const PAGE_SIZE: u32 = 4096;

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

/// The bytes at the start (`head`) and at the end (`tail`) of a WRITE that
/// are written buffered, because they start or end inside a block of the
/// lower filesystem. Each is shorter than one block, so
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
