// SPDX-License-Identifier: GPL-2.0

//! Page-aligned memory of the provider's own for direct I/O whose own
//! buffer is not aligned in memory as the exported filesystem's device
//! takes it: the pageio path's READs and WRITEs (`local_io.rs`) and
//! O_DIRECT requests served whole (`direct.rs`) move their data through
//! it.

use super::bindings as b;
use super::pages;
use core::mem::MaybeUninit;
use core::ptr::NonNull;
use kernel::prelude::*;

/// Page-aligned memory of the provider's own that an I/O moves its data
/// through when the request's own pages are not aligned in memory as
/// direct I/O needs. Taken in chunks of up to
/// [`BOUNCE_CHUNK_ORDER`] (64 KiB, 16 allocations for a 1 MiB request
/// where single pages took 256), each falling back to smaller ones when
/// memory is fragmented.
///
/// # Invariants
///
/// Each of `chunks` is an allocation of `1 << order` pages, owned here;
/// `pages` lists every page of them, in order.
pub(crate) struct Bounce {
    chunks: KVec<(NonNull<b::page>, u32)>,
    pages: KVec<*mut b::page>,
}

/// The largest chunk of a bounce buffer: 16 pages.
const BOUNCE_CHUNK_ORDER: u32 = 4;

impl Bounce {
    /// Pages for `bytes`, taken in the offering task's NOIO scope, so the
    /// allocation never recurses into I/O.
    pub(crate) fn new(bytes: u32) -> Result<Self> {
        let count = (bytes as usize).div_ceil(kernel::page::PAGE_SIZE);
        let mut this = Self {
            chunks: KVec::with_capacity(count.div_ceil(1 << BOUNCE_CHUNK_ORDER), GFP_KERNEL)?,
            pages: KVec::with_capacity(count, GFP_KERNEL)?,
        };
        while this.pages.len() < count {
            let left = count - this.pages.len();
            let mut order = pages::bounce_chunk_order(left, BOUNCE_CHUNK_ORDER);
            let chunk = loop {
                // SAFETY: Any order and flags may be asked for; a larger
                // one fails quietly and quickly (`__GFP_NORETRY`).
                let page = unsafe { b::localio_rs_alloc_pages(order) };
                match NonNull::new(page) {
                    Some(page) => break page,
                    None if order > 0 => order -= 1,
                    None => return Err(ENOMEM),
                }
            };
            // INVARIANT: Owned from here; freed by `drop` with its order.
            this.chunks.push((chunk, order), GFP_KERNEL)?;
            for i in 0..1usize << order {
                // SAFETY: `i` is within the chunk just allocated.
                let page = unsafe { b::localio_rs_nth_page(chunk.as_ptr(), i) };
                this.pages.push(page, GFP_KERNEL)?;
            }
        }
        Ok(this)
    }

    /// How many pages it has.
    pub(crate) fn len(&self) -> usize {
        self.pages.len()
    }

    pub(crate) fn page(&self, i: usize) -> *mut b::page {
        self.pages[i]
    }
}

// SAFETY: The pages are owned by the buffer and used by whichever task
// runs its I/O, one at a time.
unsafe impl Send for Bounce {}

impl Drop for Bounce {
    fn drop(&mut self) {
        for &(chunk, order) in self.chunks.iter() {
            // SAFETY: Allocated with this order by `new` and owned here
            // (type invariant); the I/O that used it is over.
            unsafe { b::__free_pages(chunk.as_ptr(), order) };
        }
    }
}

impl Bounce {
    /// A `bio_vec` per page, over the first `bytes`.
    pub(crate) fn bvecs(&self, bytes: usize) -> Result<KVec<b::bio_vec>> {
        let count = bytes.div_ceil(kernel::page::PAGE_SIZE).min(self.len());
        let mut vecs = KVec::with_capacity(count, GFP_KERNEL)?;
        for i in 0..count {
            vecs.push(
                b::bio_vec {
                    bv_page: self.page(i),
                    bv_len: kernel::page::PAGE_SIZE as u32,
                    bv_offset: 0,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(vecs)
    }

    /// Copies the next `bytes` of `iter` into the buffer, from its start;
    /// returns how many it copied (fewer on a fault).
    ///
    /// # Safety
    ///
    /// `iter` must be a valid source iterator whose memory the current
    /// task may read; the buffer not in use by any I/O.
    pub(crate) unsafe fn fill_from(&self, iter: *mut b::iov_iter, bytes: usize) -> usize {
        // SAFETY: Valid (our contract); only the type is read.
        let user = matches!(
            unsafe { (*iter).iter_type } as b::iter_type,
            b::iter_type_ITER_UBUF | b::iter_type_ITER_IOVEC
        );
        if user {
            // SAFETY: Our contract.
            return unsafe { self.fill_from_user(iter, bytes) };
        }
        // SAFETY: Our contract; each step stays within one page of ours.
        unsafe {
            self.each_page(bytes, |page, len| {
                b::copy_page_from_iter(page, 0, len, iter)
            })
        }
    }

    /// [`Self::fill_from`] for an iterator over user memory: its pages are
    /// pinned a batch at a time and copied from with `memcpy`, cheaper
    /// than a user copy of the same bytes where `rep movs` is slow.
    ///
    /// # Safety
    ///
    /// As for [`Self::fill_from`].
    unsafe fn fill_from_user(&self, iter: *mut b::iov_iter, bytes: usize) -> usize {
        let copy = |pages: &[*mut b::page], start: usize, got: usize, done: usize| {
            // SAFETY: The pages are held and hold `got` bytes from `start`;
            // the buffer's pages hold `bytes`, of which `done + got` at most
            // are written, and are ours (idle, our contract). The
            // references are ours to drop.
            unsafe {
                copy_pages(
                    |i| self.page(i),
                    done as u32,
                    |i| pages[i],
                    start as u32,
                    got as u32,
                );
                for &page in pages {
                    b::localio_rs_put_page(page);
                }
            }
            true
        };
        // SAFETY: Our contract.
        unsafe { in_page_batches(iter, bytes, copy) }
    }

    /// Copies the buffer's first `bytes` to the next `bytes` of `iter`;
    /// returns how many it copied (fewer on a fault).
    ///
    /// # Safety
    ///
    /// `iter` must be a valid destination iterator whose memory the
    /// current task may write; the buffer not in use by any I/O.
    pub(crate) unsafe fn copy_to(&self, iter: *mut b::iov_iter, bytes: usize) -> usize {
        // SAFETY: Our contract; each step stays within one page of ours.
        unsafe { self.each_page(bytes, |page, len| b::copy_page_to_iter(page, 0, len, iter)) }
    }

    /// Runs `copy(page, len)` over the first `bytes`, a page at a time,
    /// until one copies less than asked; returns the total copied.
    ///
    /// # Safety
    ///
    /// `copy` must copy at most `len` bytes within the page it is given.
    unsafe fn each_page(&self, bytes: usize, copy: impl Fn(*mut b::page, usize) -> usize) -> usize {
        let mut done = 0;
        for i in 0..self.len() {
            let len = (bytes - done).min(kernel::page::PAGE_SIZE);
            if len == 0 {
                break;
            }
            let copied = copy(self.page(i), len);
            done += copied;
            if copied != len {
                break;
            }
        }
        done
    }
}

/// The pages of an application's buffer that a bounced read is to land
/// in, each held by a reference from the read's submission, made by the
/// application's task, until its data is copied in: an asynchronous
/// read completes where the application's memory may be out of reach,
/// its pages not.
///
/// # Invariants
///
/// Each of `pieces` lies within one page, on which it holds a reference
/// of its own, dropped by `drop`.
pub(crate) struct HeldPages {
    pieces: KVec<b::bio_vec>,
}

// SAFETY: The references may be dropped, and the pages written through
// kernel mappings, by any task.
unsafe impl Send for HeldPages {}

impl HeldPages {
    /// Holds the pages of the next `bytes` of `iter`, advancing it past
    /// them; fewer if the memory faults part way (none: `EFAULT`).
    ///
    /// # Safety
    ///
    /// `iter` must be a valid destination iterator over user memory the
    /// current task may write, or over pages ([`Self::can_hold`]).
    pub(crate) unsafe fn hold(iter: *mut b::iov_iter, bytes: usize) -> Result<Self> {
        let pages = bytes.div_ceil(kernel::page::PAGE_SIZE);
        let mut this = Self {
            pieces: KVec::with_capacity(pages + 1, GFP_KERNEL)?,
        };
        let keep = |pages: &[*mut b::page], start: usize, got: usize, _: usize| {
            // SAFETY: The pages hold `got` bytes from `start`, each with a
            // reference, now ours.
            unsafe { this.keep(pages, start, got) }.is_ok()
        };
        // SAFETY: Our contract.
        unsafe { in_page_batches(iter, bytes, keep) };
        if this.pieces.is_empty() && bytes > 0 {
            return Err(EFAULT);
        }
        Ok(this)
    }

    /// Keeps `pages`, which hold `bytes` from `start` in the first, as
    /// pieces; if there is no memory for all of them, drops their
    /// references from the first not kept on, so that what is held stays
    /// a prefix of the buffer.
    ///
    /// # Safety
    ///
    /// Each page must come with a reference, now ours; `start + bytes`
    /// within the pages.
    unsafe fn keep(&mut self, pages: &[*mut b::page], start: usize, bytes: usize) -> Result {
        let page_size = kernel::page::PAGE_SIZE;
        let mut left = bytes;
        for (i, &page) in pages.iter().enumerate() {
            let offset = if i == 0 { start } else { 0 };
            let len = (page_size - offset).min(left);
            let piece = b::bio_vec {
                bv_page: page,
                bv_len: len as u32,
                bv_offset: offset as u32,
            };
            // INVARIANT: The page's reference is the piece's.
            if let Err(e) = self.pieces.push(piece, GFP_KERNEL) {
                for &page in &pages[i..] {
                    // SAFETY: Ours (our contract), not kept: dropped here.
                    unsafe { b::localio_rs_put_page(page) };
                }
                return Err(e.into());
            }
            left -= len;
        }
        Ok(())
    }

    /// Whether [`Self::hold`] can hold the pages of `iter`: user memory or
    /// pages, not kernel addresses.
    ///
    /// # Safety
    ///
    /// `iter` must be valid.
    pub(crate) unsafe fn can_hold(iter: *const b::iov_iter) -> bool {
        // SAFETY: Valid (our contract); only the type is read.
        let kind = unsafe { (*iter).iter_type } as b::iter_type;
        matches!(
            kind,
            b::iter_type_ITER_UBUF | b::iter_type_ITER_IOVEC | b::iter_type_ITER_BVEC
        )
    }

    /// Copies the first `bytes` of `buffer` into the held pages and marks
    /// the pages written dirty; returns how many it copied (fewer where
    /// fewer pages are held). Task context.
    pub(crate) fn fill(&self, buffer: &Bounce, bytes: usize) -> usize {
        let held: usize = self.pieces.iter().map(|p| p.bv_len as usize).sum();
        let bytes = bytes.min(held);
        let mut iter = MaybeUninit::<b::iov_iter>::uninit();
        // SAFETY: `iter` is ours to initialise; the pieces are held pages
        // (type invariant), covering at least `bytes`.
        unsafe {
            b::iov_iter_bvec(
                iter.as_mut_ptr(),
                b::ITER_DEST,
                self.pieces.as_ptr(),
                self.pieces.len(),
                bytes,
            )
        };
        // SAFETY: A destination iterator over held pages, which kernel
        // mappings reach from any task; the read into `buffer` is over.
        let copied = unsafe { buffer.copy_to(iter.as_mut_ptr(), bytes) };
        let mut left = copied;
        for piece in self.pieces.iter() {
            if left == 0 {
                break;
            }
            left = left.saturating_sub(piece.bv_len as usize);
            // SAFETY: A held page (type invariant), written above; task
            // context, as the page lock may be waited for.
            unsafe { b::set_page_dirty_lock(piece.bv_page) };
        }
        copied
    }
}

impl Drop for HeldPages {
    fn drop(&mut self) {
        for piece in self.pieces.iter() {
            // SAFETY: The piece's own reference (type invariant), dropped
            // once.
            unsafe { b::localio_rs_put_page(piece.bv_page) };
        }
    }
}

/// Takes the pages of the next `bytes` of `iter` a batch at a time, each
/// with a reference, advancing the iterator, and hands each batch to
/// `take(pages, start, got, done)`: the pages, where the data starts in
/// the first, its bytes, and the bytes of the batches before. `take` owns
/// the references and says whether to go on. Returns the bytes of the
/// batches taken; fewer than `bytes` where the memory faults.
///
/// # Safety
///
/// `iter` must be valid, over user memory the current task may access as
/// its direction says, or over pages.
unsafe fn in_page_batches(
    iter: *mut b::iov_iter,
    bytes: usize,
    mut take: impl FnMut(&[*mut b::page], usize, usize, usize) -> bool,
) -> usize {
    const BATCH: usize = 16;
    let mut pages = [core::ptr::null_mut::<b::page>(); BATCH];
    let mut done = 0;
    while done < bytes {
        let mut start = 0usize;
        // SAFETY: `pages` has room for `BATCH` pages; the iterator is valid
        // (our contract). It advances by what it returns, with a reference
        // on each page.
        let got = unsafe {
            b::iov_iter_get_pages2(
                iter,
                pages.as_mut_ptr(),
                bytes - done,
                BATCH as u32,
                &mut start,
            )
        };
        let got = match usize::try_from(got) {
            Ok(got) if got > 0 => got,
            _ => break,
        };
        let held = (start + got).div_ceil(kernel::page::PAGE_SIZE).min(BATCH);
        if !take(&pages[..held], start, got, done) {
            break;
        }
        done += got;
    }
    done
}

/// Copies `len` bytes from `src_off` into the pages `src` to `dst_off`
/// into the pages `dst`.
///
/// # Safety
///
/// Every page the range touches must be live for the call, the
/// destination's not read or written by anyone else meanwhile.
pub(crate) unsafe fn copy_pages(
    dst: impl Fn(usize) -> *mut b::page,
    dst_off: u32,
    src: impl Fn(usize) -> *mut b::page,
    src_off: u32,
    len: u32,
) {
    for step in pages::page_copies(dst_off, src_off, len) {
        // SAFETY: Within one page of each (`page_copies`), both live and
        // the destination ours (our contract).
        unsafe {
            b::localio_rs_memcpy_page(
                dst(step.dst_page),
                step.dst_at as usize,
                src(step.src_page),
                step.src_at as usize,
                step.len as usize,
            )
        };
    }
}
