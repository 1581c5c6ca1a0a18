// SPDX-License-Identifier: GPL-2.0

//! Page-aligned memory of the provider's own for direct I/O whose own
//! buffer is not aligned in memory as the exported filesystem's device
//! takes it: the pageio path's READs and WRITEs (`local_io.rs`) and
//! O_DIRECT requests served whole (`direct.rs`) move their data through
//! it.

use super::bindings as b;
use super::pages;
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
        const BATCH: usize = 16;
        let mut pages = [core::ptr::null_mut::<b::page>(); BATCH];
        let mut done = 0;
        while done < bytes {
            let mut start = 0usize;
            // SAFETY: `pages` has room for `BATCH` pages; the iterator is
            // valid and its memory the current task's (our contract). It
            // advances by what it returns, with a reference on each page.
            let got = unsafe {
                b::iov_iter_get_pages2(
                    iter,
                    pages.as_mut_ptr(),
                    bytes - done,
                    BATCH as u32,
                    &mut start,
                )
            };
            let Ok(got) = usize::try_from(got) else {
                break;
            };
            if got == 0 {
                break;
            }
            let held = (start + got).div_ceil(kernel::page::PAGE_SIZE).min(BATCH);
            // SAFETY: The `held` pages are pinned and hold `got` bytes from
            // `start`; the buffer's pages hold `bytes`, of which `done + got`
            // at most are written, and are ours (idle, our contract).
            unsafe {
                copy_pages(
                    |i| self.page(i),
                    done as u32,
                    |i| pages[i],
                    start as u32,
                    got as u32,
                );
                for &page in &pages[..held] {
                    b::localio_rs_put_page(page);
                }
            }
            done += got;
        }
        done
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
