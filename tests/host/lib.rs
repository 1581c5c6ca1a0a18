// SPDX-License-Identifier: GPL-2.0

//! Host build of the module's pure decision logic, for `cargo test`.

#[path = "../../localio/lifetime.rs"]
pub mod lifetime;
#[path = "../../localio/outcome.rs"]
pub mod outcome;
#[path = "../../localio/path_state.rs"]
pub mod path_state;
#[path = "../../localio/plan.rs"]
pub mod plan;
#[path = "../../localio/reply.rs"]
pub mod reply;
#[path = "../../localio/stats.rs"]
pub mod stats;
#[path = "../../localio/submit.rs"]
pub mod submit;

/// The kernel layer's plain-`core` files.
#[path = "../../localio/sys"]
pub mod sys {
    pub mod file_key;
    pub mod hash;
    pub mod pages;
    pub mod submitter;
}

#[cfg(test)]
mod tests {
    use super::lifetime::*;
    use super::outcome::*;
    use super::path_state::*;
    use super::plan::*;
    use super::reply::errno::*;
    use super::reply::*;
    use super::stats::*;
    use super::submit::*;
    use super::sys::file_key::*;
    use super::sys::hash::*;
    use super::sys::pages::*;

    const XFS_512: DioAlignment = DioAlignment {
        mem: 512,
        offset: 512,
    };

    fn rw(kind: RequestKind, offset: u64, count: u32, pgbase: u32) -> Request {
        Request {
            kind,
            offset,
            count,
            pgbase,
        }
    }

    #[test]
    fn aligned_reads_and_writes_are_served_locally() {
        for kind in [RequestKind::Read, RequestKind::Write] {
            assert_eq!(check(&rw(kind, 0, 1 << 20, 0), XFS_512), Ok(1 << 20));
            assert_eq!(check(&rw(kind, 4096, 4096, 0), XFS_512), Ok(4096));
            assert_eq!(check(&rw(kind, 512, 1536, 512), XFS_512), Ok(1536));
        }
    }

    #[test]
    fn an_aligned_start_serves_the_longest_aligned_prefix() {
        for kind in [RequestKind::Read, RequestKind::Write] {
            // A file's last writeback WRITE: size modulo wsize.
            assert_eq!(check(&rw(kind, 0, 4095, 0), XFS_512), Ok(3584));
            assert_eq!(check(&rw(kind, 1 << 20, 3000, 0), XFS_512), Ok(2560));
            // At most one alignment unit minus one byte is left for nfsd.
            assert_eq!(check(&rw(kind, 0, 1024 + 511, 0), XFS_512), Ok(1024));
        }
        let four_k = DioAlignment {
            mem: 512,
            offset: 4096,
        };
        assert_eq!(
            check(&rw(RequestKind::Write, 8192, 3 * 4096 + 4000, 0), four_k),
            Ok(3 * 4096)
        );
        // Both alignments bind the length: a multiple of each.
        let odd = DioAlignment {
            mem: 1024,
            offset: 512,
        };
        assert_eq!(check(&rw(RequestKind::Read, 0, 2560, 0), odd), Ok(2048));
    }

    #[test]
    fn a_misaligned_start_or_nothing_aligned_goes_to_rpc_whole() {
        let w = RequestKind::Write;
        for req in [
            rw(w, 1, 4096, 0), // odd offset
            rw(w, 0, 4096, 1), // buffer not aligned in its page
        ]
        .iter()
        {
            assert_eq!(
                check(req, XFS_512),
                Err(DeclineReason::Misaligned),
                "{req:?}"
            );
        }
        // An aligned start, but not one whole unit: a small file, or the
        // rest of a split request.
        for req in [rw(w, 4096, 100, 0), rw(w, 0, 511, 0)].iter() {
            assert_eq!(
                check(req, XFS_512),
                Err(DeclineReason::BelowAlignment),
                "{req:?}"
            );
        }
        // Block-sized offset alignment (4 KiB sectors, reflink) is stricter.
        let four_k = DioAlignment {
            mem: 512,
            offset: 4096,
        };
        assert_eq!(
            check(&rw(w, 512, 4096, 0), four_k),
            Err(DeclineReason::Misaligned)
        );
        assert_eq!(
            check(&rw(w, 0, 2048, 0), four_k),
            Err(DeclineReason::BelowAlignment)
        );
        assert_eq!(check(&rw(w, 8192, 4096, 0), four_k), Ok(4096));
    }

    #[test]
    fn no_direct_io_and_empty_requests_go_to_rpc() {
        let none = DioAlignment { mem: 0, offset: 0 };
        assert_eq!(
            check(&rw(RequestKind::Read, 0, 4096, 0), none),
            Err(DeclineReason::NoDirectIo)
        );
        assert_eq!(
            check(&rw(RequestKind::Read, 0, 0, 0), XFS_512),
            Err(DeclineReason::Empty)
        );
    }

    #[test]
    fn a_lower_file_without_direct_io_is_served_through_its_page_cache() {
        let none = DioAlignment { mem: 0, offset: 0 };
        for kind in [RequestKind::Read, RequestKind::Write] {
            for (offset, count, pgbase) in [(0, 4096, 0), (100, 1000, 100), (4096, 1 << 20, 0)] {
                let served = plan(&rw(kind, offset, count, pgbase), none, 4096).unwrap();
                assert_eq!(served.bytes, count);
                assert!(!served.bounce);
                assert_eq!(
                    served.buffered,
                    Pieces {
                        head: count,
                        tail: 0
                    }
                );
            }
        }
        assert_eq!(
            plan(&rw(RequestKind::Read, 0, 0, 0), none, 4096),
            Err(DeclineReason::Empty)
        );
    }

    #[test]
    fn memory_alignment_larger_than_a_page_is_refused() {
        let huge = DioAlignment {
            mem: 8192,
            offset: 512,
        };
        assert_eq!(
            check(&rw(RequestKind::Read, 0, 8192, 0), huge),
            Err(DeclineReason::Misaligned)
        );
    }

    #[test]
    fn commits_need_no_alignment() {
        let c = rw(RequestKind::Commit, 3, 7, 0);
        let none = DioAlignment { mem: 0, offset: 0 };
        assert_eq!(check(&c, none), Ok(7));
    }

    #[test]
    fn lower_errors_map_as_nfsd_would_report_them() {
        for e in [
            ENOSPC, EDQUOT, EROFS, EIO, EFBIG, EACCES, EPERM, ESTALE, EINVAL,
        ] {
            assert_eq!(client_errno(-(e as i64)), -e);
        }
        // No NFS status for these: nfsd says NFSERR_IO.
        for e in [
            12,  /* ENOMEM */
            11,  /* EAGAIN */
            110, /* ETIMEDOUT */
            4,   /* EINTR */
        ] {
            assert_eq!(client_errno(-(e as i64)), -EIO);
        }
        assert_eq!(client_errno(-100_000), -EIO);
        assert_eq!(client_errno(i64::MIN), -EIO);
    }

    #[test]
    fn a_lower_result_is_its_errno_or_eio() {
        assert_eq!(lower_errno(-(ENOSPC as i64)), -ENOSPC);
        assert_eq!(lower_errno(i64::MIN), -EIO);
    }

    #[test]
    fn read_eof_detection() {
        // Short read that reached the size: EOF.
        assert!(read_eof(0, 4096, 100, 100));
        // Full read ending exactly at the size: EOF.
        assert!(read_eof(4096, 4096, 4096, 8192));
        // Full read with more file after it: not EOF.
        assert!(!read_eof(0, 4096, 4096, 8192));
        // Read past the end entirely.
        assert!(read_eof(8192, 4096, 0, 4096));
        // No overflow at the top of the range.
        assert!(read_eof(u64::MAX - 1, 4096, 4096, u64::MAX));
    }

    #[test]
    fn a_short_read_of_a_file_that_grew_is_not_eof() {
        // The lower filesystem cut the read at the 100 bytes it sampled;
        // by completion the file is 8192 long: nfs.ko must ask for the
        // rest (nfsd_eof_on_read()), not zero-fill it.
        assert!(!read_eof(0, 4096, 100, 8192));
        // Nothing read of something asked for is EOF whatever the size.
        assert!(read_eof(0, 4096, 0, 8192));
    }

    /// An NVMe namespace as STATX_DIOALIGN reports it: 4-byte memory
    /// alignment (dma_alignment 3), 512- or 4096-byte logical blocks.
    const NVME_512: DioAlignment = DioAlignment {
        mem: 4,
        offset: 512,
    };
    const NVME_4K: DioAlignment = DioAlignment {
        mem: 4,
        offset: 4096,
    };

    #[test]
    fn segments_shorter_than_a_block_are_not_sent_to_the_device() {
        for kind in [RequestKind::Read, RequestKind::Write] {
            for dio in [NVME_512, NVME_4K] {
                for pgbase in [4, 16, 100, 2048 + 4, 2048 * (dio.offset / 4096)] {
                    if pgbase == 0 {
                        continue;
                    }
                    // 64 KiB from page offset `pgbase`: the first segment
                    // is 4096 - pgbase long, not a multiple of the block.
                    let req = rw(kind, 0, 64 << 10, pgbase);
                    assert_eq!(check(&req, dio), Err(DeclineReason::Misaligned));
                    // Served whole through the bounce buffer instead.
                    let plan = plan(&req, dio, dio.offset).unwrap();
                    assert_eq!((plan.bytes, plan.bounce), (64 << 10, true), "{pgbase}");
                    assert!(!plan.buffered.any());
                }
                // Within one page, one segment: the memory alignment is
                // all it needs.
                let one = rw(kind, 0, 512, 16);
                let fits = if dio.offset == 512 {
                    Ok(512)
                } else {
                    Err(DeclineReason::BelowAlignment)
                };
                assert_eq!(check(&one, dio), fits);
                // Block-aligned memory spanning pages: direct.
                let req = rw(kind, 0, 64 << 10, 0);
                assert_eq!(check(&req, dio), Ok(64 << 10));
            }
            // 512-byte blocks: a buffer at page offset 2048 has 2048-byte
            // segments, which fit.
            assert_eq!(
                check(
                    &rw(kind, 0, 64 << 10, 2048),
                    DioAlignment {
                        mem: 512,
                        offset: 512
                    }
                ),
                Ok(64 << 10)
            );
        }
    }

    #[test]
    fn a_ram_disk_keeps_its_answers() {
        // brd reports a 512-byte memory alignment: the segment rule adds
        // nothing there.
        for pgbase in [0, 512, 1024, 3584] {
            let req = rw(RequestKind::Read, 0, 64 << 10, pgbase);
            assert_eq!(check(&req, XFS_512), Ok(64 << 10));
        }
    }

    #[test]
    fn counters_account_offers_declines_and_completions() {
        let c = Counters::new();
        c.bump(OFFERED, RequestKind::Write);
        c.bump(OFFERED, RequestKind::Write);
        c.bump(OFFERED, RequestKind::Read);
        c.bump(DECLINED, DeclineReason::Misaligned);
        c.complete(RequestKind::Write, 1 << 20, true);
        c.complete(RequestKind::Read, -(ENOSPC as i64), false);
        assert_eq!(c.get(OFFERED, RequestKind::Write), 2);
        assert_eq!(c.get(OFFERED, RequestKind::Read), 1);
        assert_eq!(c.get(SERVED, RequestKind::Write), 1);
        assert_eq!(c.get(SERVED_BYTES, RequestKind::Write), 1 << 20);
        assert_eq!(c.get(SERVED, RequestKind::Read), 1);
        assert_eq!(c.get(SERVED_BYTES, RequestKind::Read), 0);
        assert_eq!(c.get(ERRORS, RequestKind::Read), 1);
        assert_eq!(c.get(DECLINED, DeclineReason::Misaligned), 1);
        assert_eq!(c.get(DECLINED, DeclineReason::NotLocal), 0);
        assert_eq!(c.get(COMPLETED_INLINE, ()), 1);
        assert_eq!(c.get(COMPLETED_ASYNC, ()), 1);
        c.submission(Ok(()));
        c.submission(Err(QueueReason::Worker));
        assert_eq!(c.get(SUBMITTED_INLINE, ()), 1);
        assert_eq!(c.get(QUEUED, QueueReason::Worker), 1);
        assert_eq!(c.get(QUEUED, QueueReason::Stack), 0);
        c.bounce(4096);
        c.bounce(100);
        c.buffer(300);
        assert_eq!((c.get(BOUNCED, ()), c.get(BOUNCED_BYTES, ())), (2, 4196));
        assert_eq!((c.get(BUFFERED, ()), c.get(BUFFERED_BYTES, ())), (1, 300));
    }

    #[test]
    fn counters_are_exact_under_concurrent_updates() {
        let c = std::sync::Arc::new(Counters::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        c.bump(OFFERED, RequestKind::Commit);
                        c.complete(RequestKind::Commit, 1, true);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.get(OFFERED, RequestKind::Commit), 40_000);
        assert_eq!(c.get(SERVED_BYTES, RequestKind::Commit), 40_000);
    }

    /// The statistics file as `name value` pairs, in order.
    fn stats_text(c: &Counters) -> Vec<(String, u64)> {
        let mut text = String::new();
        c.write_to(&mut text, "", ' ', "\n").unwrap();
        text.lines()
            .map(|l| {
                let (name, value) = l.split_once(' ').unwrap();
                (name.to_string(), value.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn every_counter_has_a_cell_and_a_name_of_its_own() {
        // Cell i is bumped i + 1 times: a shared or misplaced cell shows
        // as a wrong value under some name.
        let cells = AtomicCells::new();
        (0..SLOTS).for_each(|i| cells.add(i, i as u64 + 1));
        let c = Counters::with_cells(cells);
        let shown = stats_text(&c);
        let mut values: Vec<u64> = shown.iter().map(|(_, v)| *v).collect();
        values.sort();
        values.dedup();
        assert_eq!(values.len(), shown.len(), "two names show one cell");
        let names: Vec<&str> = shown.iter().map(|(n, _)| n.as_str()).collect();
        assert_distinct_and_lowercase(&names);
        // Every cell is shown but the COMMIT members of the two families
        // that only count READs and WRITEs.
        assert_eq!(shown.len(), SLOTS - 2);
    }

    #[test]
    fn the_statistics_file_keeps_its_names() {
        // The names the VM tests, the README and users' scripts read.
        let c = Counters::new();
        c.add(OFFERED, RequestKind::Write, 7);
        c.add(RPC_BYTES, RequestKind::Read, 9);
        c.add(DIRECT, RequestKind::Write, 11);
        c.add(DIRECT_DECLINED, DirectDecline::Memory, 13);
        c.add(RELEASED, ReleaseReason::SubtreeCheck, 15);
        c.add(QUEUED, QueueReason::KernelThread, 17);
        c.add(DECLINED, DeclineReason::RecentlyRefused, 19);
        c.add(ERRORS, RequestKind::Commit, 21);
        c.add(FILE_OPENS_QUEUED, (), 23);
        c.add(STATEID_CHOSEN_AGAIN, (), 25);
        let shown = stats_text(&c);
        let value = |name: &str| shown.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        assert_eq!(value("offered_write"), Some(7));
        assert_eq!(value("rpc_read_bytes"), Some(9));
        assert_eq!(value("direct_write"), Some(11));
        assert_eq!(value("direct_declined_memory"), Some(13));
        assert_eq!(value("released_subtree_check"), Some(15));
        assert_eq!(value("queued_kthread"), Some(17));
        assert_eq!(value("declined_refused_recently"), Some(19));
        assert_eq!(value("local_commit_errors"), Some(21));
        assert_eq!(value("file_opens_queued"), Some(23));
        assert_eq!(value("stateid_chosen_again"), Some(25));
        assert_eq!(value("local_read"), Some(0));
        assert_eq!(value("rpc_commit_bytes"), None);
        assert_eq!(value("direct_commit"), None);
        let mut per_client = String::new();
        c.write_to(&mut per_client, " ", '=', "").unwrap();
        assert!(per_client.starts_with(" offered_read=0 offered_write=7 "));
    }

    #[test]
    fn slot_hash_spreads_file_handles() {
        // XFS-like handles: a common prefix (fsid), inode numbers that
        // differ in a few low bits, generation numbers.
        let mut used = [false; 256];
        for ino in 0..256u64 {
            let mut fh = [0u8; 28];
            fh[..4].copy_from_slice(&[1, 0, 6, 1]);
            fh[4..12].copy_from_slice(&0x1234_5678_9abc_def0u64.to_le_bytes());
            fh[12..20].copy_from_slice(&(128 + 64 * ino).to_le_bytes());
            fh[20..24].copy_from_slice(&7u32.to_le_bytes());
            used[(slot_hash(&fh) % 256) as usize] = true;
        }
        // Random placement fills about 63% of the slots.
        let used = used.iter().filter(|u| **u).count();
        assert!(used >= 140, "{used} of 256 slots used");
        // Same bytes, same slot; a length change alone moves it.
        assert_eq!(slot_hash(b"abc"), slot_hash(b"abc"));
        assert_ne!(slot_hash(b"abc"), slot_hash(b"abc\0"));
    }

    #[test]
    fn slot_hash_pads_the_tail_with_zeroes() {
        // The definition: every word, the last one padded with zeroes.
        fn padded(bytes: &[u8]) -> u64 {
            let mut h = bytes.len() as u64;
            for chunk in bytes.chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                h = (h ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                h ^= h >> 29;
            }
            h ^ (h >> 32)
        }
        let bytes: Vec<u8> = (1..=130u8).map(|b| b.wrapping_mul(37)).collect();
        for len in 0..=bytes.len() {
            assert_eq!(
                slot_hash(&bytes[..len]),
                padded(&bytes[..len]),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn a_tail_word_is_its_bytes_padded_with_zeroes() {
        for len in 0..8 {
            for seed in 0..=255u8 {
                let tail: Vec<u8> = (0..len as u8).map(|i| seed ^ i.wrapping_mul(91)).collect();
                let mut padded = [0u8; 8];
                padded[..len].copy_from_slice(&tail);
                assert_eq!(tail_word(&tail), u64::from_le_bytes(padded), "{len} bytes");
            }
        }
    }

    #[test]
    fn a_key_read_in_place_finds_exactly_its_own() {
        let handle: Vec<u8> = (1..=140u16).map(|b| (b as u8).wrapping_mul(53)).collect();
        for len in 0..=FH_MAX {
            let asked = KeyRef::new(7 << 32 | 8, 0x1000, 1, &handle[..len]);
            let key = asked.to_key();
            // What a request finds is what the cache keeps: same key,
            // same slot, and the key built from either is one.
            assert!(asked.matches(&key), "{len} bytes");
            assert!(key.same(&key));
            assert_eq!(asked.slot_hash(), key.slot_hash(), "{len} bytes");
            assert!(key.view().to_key() == key);
            // Bytes of the request's buffer past the handle are not in it.
            let mut longer = handle.clone();
            longer[len..].fill(0xff);
            assert!(KeyRef::new(7 << 32 | 8, 0x1000, 1, &longer[..len]).matches(&key));
            // Any byte of the handle differing, in a whole word or in the
            // tail, is another file.
            for at in 0..len {
                let mut other = handle[..len].to_vec();
                other[at] ^= 0x40;
                let other = KeyRef::new(7 << 32 | 8, 0x1000, 1, &other);
                assert!(!other.matches(&key), "{len} bytes, byte {at}");
                assert!(other.to_key() != key);
            }
            // A prefix or an extension is another handle.
            if len > 0 {
                assert!(!KeyRef::new(7 << 32 | 8, 0x1000, 1, &handle[..len - 1]).matches(&key));
            }
            if len < FH_MAX {
                assert!(!KeyRef::new(7 << 32 | 8, 0x1000, 1, &handle[..len + 1]).matches(&key));
            }
            // Another caller as nfsd sees it, or another mode.
            assert!(!KeyRef::new(7 << 32 | 9, 0x1000, 1, &handle[..len]).matches(&key));
            assert!(!KeyRef::new(6 << 32 | 8, 0x1000, 1, &handle[..len]).matches(&key));
            assert!(!KeyRef::new(7 << 32 | 8, 0x2000, 1, &handle[..len]).matches(&key));
            assert!(!KeyRef::new(7 << 32 | 8, 0x1000, 2, &handle[..len]).matches(&key));
        }
        // A handle longer than the largest is cut there.
        assert!(KeyRef::new(0, 0, 0, &handle)
            .matches(&KeyRef::new(0, 0, 0, &handle[..FH_MAX]).to_key()));
    }

    #[test]
    fn commit_range_covers_what_was_asked() {
        assert_eq!(commit_range(0, 0), (0, i64::MAX as u64));
        assert_eq!(commit_range(4096, 0), (4096, i64::MAX as u64));
        assert_eq!(commit_range(4096, 4096), (4096, 8191));
        assert_eq!(commit_range(0, 1), (0, 0));
        assert_eq!(commit_range(u64::MAX, 10), (u64::MAX, i64::MAX as u64));
        assert_eq!(commit_range(i64::MAX as u64, 10).1, i64::MAX as u64);
    }

    #[test]
    fn due_limits_the_rate() {
        assert!(due(0, 5, 1_000));
        assert!(!due(1_000, 1_999, 1_000));
        assert!(due(1_000, 2_000, 1_000));
        // A clock that went backwards (another CPU's newer stamp) waits.
        assert!(!due(5_000, 4_000, 1_000));
    }

    /// An application thread deep in nothing: the one case that goes
    /// inline.
    fn application() -> Submitter {
        Submitter {
            may_block: true,
            workqueue_worker: false,
            kernel_thread: false,
            reclaim: false,
            nested_io: false,
            stack_left: 12 * 1024,
            stack_size: 16 * 1024,
        }
    }

    /// [`application`] with one thing changed.
    fn application_with(change: fn(&mut Submitter)) -> Submitter {
        let mut task = application();
        change(&mut task);
        task
    }

    #[test]
    fn an_application_submits_its_own_io() {
        assert_eq!(submit_inline(&application(), false, 0), Ok(()));
        // Exactly half the stack left is still enough.
        let half = Submitter {
            stack_left: 8 * 1024,
            ..application()
        };
        assert_eq!(submit_inline(&half, false, 0), Ok(()));
    }

    #[test]
    fn every_context_but_an_application_goes_through_the_queue() {
        let with = application_with;
        let cases = [
            // The flusher: a kworker of bdi_wq, a WQ_MEM_RECLAIM queue.
            (
                with(|t| (t.workqueue_worker, t.kernel_thread) = (true, true)),
                0,
                QueueReason::Worker,
            ),
            // kswapd, and an application in direct reclaim.
            (
                with(|t| (t.reclaim, t.kernel_thread) = (true, true)),
                0,
                QueueReason::Reclaim,
            ),
            (with(|t| t.reclaim = true), 0, QueueReason::Reclaim),
            (
                with(|t| t.kernel_thread = true),
                0,
                QueueReason::KernelThread,
            ),
            (with(|t| t.nested_io = true), 0, QueueReason::NestedIo),
            (with(|t| t.may_block = false), 0, QueueReason::Atomic),
            (with(|t| t.stack_left = 8 * 1024 - 1), 0, QueueReason::Stack),
            (application(), 1, QueueReason::StackedLower),
        ];
        for (task, lower_depth, why) in cases {
            assert_eq!(
                submit_inline(&task, false, lower_depth),
                Err(why),
                "{task:?}"
            );
        }
    }

    #[test]
    fn an_application_never_flushes_page_cache_writes_itself() {
        // fsync(), close(), msync() by a task that may not have written the
        // pages: the lower write path would apply its RLIMIT_FSIZE, its
        // fatal signal and its cgroups to other writers' bytes.
        assert_eq!(
            submit_inline(&application(), true, 0),
            Err(QueueReason::Writeback)
        );
        // A worker is counted as a worker, as before.
        let worker = Submitter {
            workqueue_worker: true,
            kernel_thread: true,
            ..application()
        };
        assert_eq!(submit_inline(&worker, true, 0), Err(QueueReason::Worker));
    }

    #[test]
    fn only_a_task_that_may_submit_opens_through_nfsd_itself() {
        // An application opens, even one flushing others' pages (the open
        // is done with the request's credentials, and nfsd decides it).
        assert_eq!(open_inline(&application()), Ok(()));
        // Readahead runs the application's read in a NOFS scope: it opens.
        let readahead = Submitter {
            nested_io: true,
            ..application()
        };
        assert_eq!(open_inline(&readahead), Ok(()));
        let with = application_with;
        // The flusher, nfsiod and rpciod; kthreads; reclaim; atomic
        // context: a worker of ours opens instead.
        let cases = [
            (
                with(|t| (t.workqueue_worker, t.kernel_thread) = (true, true)),
                QueueReason::Worker,
            ),
            (with(|t| t.kernel_thread = true), QueueReason::KernelThread),
            (with(|t| t.reclaim = true), QueueReason::Reclaim),
            (with(|t| t.may_block = false), QueueReason::Atomic),
            (with(|t| t.stack_left = 1024), QueueReason::Stack),
        ];
        for (task, why) in cases {
            assert_eq!(open_inline(&task), Err(why), "{task:?}");
        }
    }

    /// Statistics names: no two alike, lowercase and underscores only.
    fn assert_distinct_and_lowercase(names: &[&str]) {
        let mut sorted = names.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn queue_reasons_have_distinct_names() {
        // Listed as `queued_<name>`, apart from the decline reasons.
        let names: Vec<&str> = QueueReason::ALL.iter().map(|r| r.name()).collect();
        assert_distinct_and_lowercase(&names);
    }

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut names: Vec<&str> = RequestKind::ALL.iter().map(|k| k.name()).collect();
        names.extend(DeclineReason::ALL.iter().map(|r| r.name()));
        assert_distinct_and_lowercase(&names);
    }

    #[test]
    fn cached_files_expire_after_the_idle_time_only() {
        let idle = 2_000_000_000;
        assert!(!idle_expired(100, 100, idle));
        assert!(!idle_expired(100, 100 + idle - 1, idle));
        assert!(idle_expired(100, 100 + idle, idle));
        // A clock that appears to go backwards never expires an entry.
        assert!(!idle_expired(500, 100, idle));
    }

    fn unused() -> FileAtTick {
        FileAtTick {
            serving: true,
            ..FileAtTick::default()
        }
    }

    #[test]
    fn files_with_io_in_flight_are_never_idle() {
        let mut idle = 0;
        let busy = FileAtTick {
            in_use: true,
            ..unused()
        };
        // However many ticks a request takes, its file stays cached.
        for _ in 0..1000 {
            assert_eq!(sweep_file(busy, &mut idle), None);
        }
        assert_eq!(idle, 0);
    }

    #[test]
    fn an_unused_file_goes_at_the_idle_tick_count_only() {
        let mut idle = 0;
        for _ in 1..FILE_IDLE_TICKS {
            assert_eq!(sweep_file(unused(), &mut idle), None);
        }
        assert_eq!(sweep_file(unused(), &mut idle), Some(ReleaseReason::Idle));
    }

    #[test]
    fn a_use_between_ticks_gives_a_second_chance() {
        // However long the gap between two ticks (a stalled guest), a file
        // used in it is kept, and the count starts again.
        let mut idle = FILE_IDLE_TICKS - 1;
        let used = FileAtTick {
            referenced: true,
            ..unused()
        };
        assert_eq!(sweep_file(used, &mut idle), None);
        assert_eq!(idle, 0);
        for _ in 1..FILE_IDLE_TICKS {
            assert_eq!(sweep_file(unused(), &mut idle), None);
        }
        assert_eq!(sweep_file(unused(), &mut idle), Some(ReleaseReason::Idle));
    }

    #[test]
    fn nfsd_going_away_or_a_change_releases_even_a_busy_file() {
        let mut idle = 0;
        let gone = FileAtTick {
            in_use: true,
            serving: false,
            ..unused()
        };
        assert_eq!(sweep_file(gone, &mut idle), Some(ReleaseReason::NotServing));
        let changed = FileAtTick {
            referenced: true,
            changed: true,
            ..unused()
        };
        assert_eq!(sweep_file(changed, &mut idle), Some(ReleaseReason::Changed));
    }

    #[test]
    fn only_client_wide_outcomes_change_the_path_state() {
        assert_eq!(PathState::shown_by(Ok(())), Some(PathState::Local));
        assert_eq!(
            PathState::shown_by(Err(DeclineReason::NotLocal)),
            Some(PathState::NotLocal)
        );
        assert_eq!(
            PathState::shown_by(Err(DeclineReason::NoShim)),
            Some(PathState::NoShim)
        );
        assert_eq!(
            PathState::shown_by(Err(DeclineReason::NfsdDown)),
            Some(PathState::NfsdDown)
        );
        assert_eq!(
            PathState::shown_by(Err(DeclineReason::Disabled)),
            Some(PathState::Disabled)
        );
        for per_request in [
            DeclineReason::OpenFailed,
            DeclineReason::Lease,
            DeclineReason::RecentlyRefused,
            DeclineReason::NoMemory,
            DeclineReason::NoDirectIo,
            DeclineReason::Misaligned,
            DeclineReason::BelowAlignment,
            DeclineReason::Empty,
            DeclineReason::Swap,
            DeclineReason::Reclaim,
        ] {
            assert_eq!(
                PathState::shown_by(Err(per_request)),
                None,
                "{per_request:?}"
            );
        }
        for state in [
            PathState::Unknown,
            PathState::Local,
            PathState::NotLocal,
            PathState::NoShim,
            PathState::NfsdDown,
            PathState::Disabled,
        ] {
            assert_eq!(PathState::from_code(state.code()), state);
            assert_eq!(state.is_local(), state == PathState::Local);
        }
        assert_eq!(PathState::from_code(200), PathState::Unknown);
    }

    #[test]
    fn one_refusal_proves_nothing_two_are_remembered_for_a_while() {
        let t = 5_000_000_000;
        // The first open after an export change fails even when access is
        // granted: it must not keep the next request from trying again.
        assert!(!refusal_blocks(1, t, t));
        assert!(refusal_blocks(2, t, t));
        assert!(refusal_blocks(3, t, t + REFUSAL_MEMORY_NS - 1));
        assert!(!refusal_blocks(2, t, t + REFUSAL_MEMORY_NS));
        assert!(refusal_current(t, t + REFUSAL_MEMORY_NS - 1));
        assert!(!refusal_current(t, t + REFUSAL_MEMORY_NS));
        // A clock that went backwards counts as "just refused".
        assert!(refusal_blocks(2, t, t - 1));
    }

    #[test]
    fn a_mounts_state_puts_nfs_kos_view_first() {
        use PathState::*;
        assert_eq!(PathState::for_mount(true, true, Local), ("yes", Local));
        assert_eq!(
            PathState::for_mount(true, true, Unknown),
            ("unknown", Unknown)
        );
        assert_eq!(PathState::for_mount(true, true, NoShim), ("no", NoShim));
        assert_eq!(PathState::for_mount(true, true, NfsdDown), ("no", NfsdDown));
        // A handshake redone since our last request, or LOCALIO turned
        // off, is news our last outcome does not have yet.
        assert_eq!(PathState::for_mount(false, true, Local), ("no", NotLocal));
        assert_eq!(PathState::for_mount(false, false, Local), ("no", NotLocal));
        assert_eq!(PathState::for_mount(true, false, Local), ("no", Disabled));
        let names: Vec<&str> = [Unknown, Local, NotLocal, NoShim, NfsdDown, Disabled]
            .iter()
            .map(|s| s.name())
            .collect();
        assert_distinct_and_lowercase(&names);
    }

    #[test]
    fn memory_misaligned_requests_are_served_through_a_bounce_buffer() {
        let dio = DioAlignment {
            mem: 512,
            offset: 512,
        };
        let plan = |kind, offset, count, pgbase| {
            super::plan::plan(&rw(kind, offset, count, pgbase), dio, 4096)
        };
        // Aligned memory: straight from the request's pages.
        assert_eq!(
            plan(RequestKind::Write, 0, 65536, 0),
            Ok(Serve {
                bytes: 65536,
                bounce: false,
                buffered: Pieces::default(),
            })
        );
        // An O_DIRECT buffer at page offset 100, file offset aligned.
        assert_eq!(
            plan(RequestKind::Write, 4096, 65536, 100),
            Ok(Serve {
                bytes: 65536,
                bounce: true,
                buffered: Pieces::default(),
            })
        );
        assert_eq!(
            plan(RequestKind::Read, 0, 1000, 100),
            Ok(Serve {
                bytes: 512,
                bounce: true,
                buffered: Pieces::default(),
            })
        );
        // At most BOUNCE_MAX of it; nfs.ko offers the rest again.
        assert_eq!(
            plan(RequestKind::Read, 0, 2 * BOUNCE_MAX, 8),
            Ok(Serve {
                bytes: BOUNCE_MAX,
                bounce: true,
                buffered: Pieces::default(),
            })
        );
        // A misaligned file offset, or a READ of less than one unit,
        // still goes to nfsd: a bounce buffer cannot move the file offset.
        assert_eq!(
            plan(RequestKind::Read, 100, 65536, 100),
            Err(DeclineReason::Misaligned)
        );
        assert_eq!(
            plan(RequestKind::Read, 0, 100, 100),
            Err(DeclineReason::BelowAlignment)
        );
        // Memory alignment above a page: no page-aligned buffer meets it.
        let huge = DioAlignment {
            mem: 8192,
            offset: 512,
        };
        assert_eq!(
            super::plan::plan(&rw(RequestKind::Read, 0, 65536, 100), huge, 4096),
            Err(DeclineReason::Misaligned)
        );
    }

    #[test]
    fn writes_off_the_alignment_are_served_whole_with_buffered_pieces() {
        let plan = |offset, count, pgbase| {
            super::plan::plan(
                &rw(RequestKind::Write, offset, count, pgbase),
                XFS_512,
                4096,
            )
        };
        let pieces = |head, tail| Serve {
            bytes: 0,
            bounce: false,
            buffered: Pieces { head, tail },
        };
        let whole = |count, head, tail| {
            Ok(Serve {
                bytes: count,
                ..pieces(head, tail)
            })
        };
        // A file's last WRITE: body of whole 4 KiB blocks, the rest of the
        // last block through the page cache.
        assert_eq!(plan(0, 600 * 512 + 100, 0), whole(600 * 512 + 100, 0, 100));
        assert_eq!(plan(0, 601 * 512 + 100, 0), whole(601 * 512 + 100, 0, 612));
        // A partial page an application wrote (file offset and memory
        // agree, as in the page cache): head to the block boundary, one
        // block direct, the tail.
        assert_eq!(
            plan(4096 + 1000, 9000, 1000),
            whole(9000, 3096, 9000 - 3096 - 4096)
        );
        // Less than one block, aligned or not, and a request whose only
        // whole block would be empty: one buffered piece; so is a request
        // aligned to 512 bytes that direct I/O would take but for its
        // misaligned end, when it fills no block.
        assert_eq!(plan(0, 300, 0), whole(300, 300, 0));
        assert_eq!(plan(1000, 30, 1000), whole(30, 30, 0));
        assert_eq!(plan(1000, 524, 1000), whole(524, 524, 0));
        assert_eq!(plan(512, 1000, 512), whole(1000, 1000, 0));
        // Aligned for direct I/O: no pieces, even off the block (XFS takes
        // sub-block direct I/O).
        assert_eq!(plan(0, 65536, 0), whole(65536, 0, 0));
        assert_eq!(plan(512, 1024, 512), whole(1024, 0, 0));
        // The body would start misaligned in memory (an O_DIRECT buffer
        // unrelated to the file offset): to nfsd, as before.
        assert_eq!(plan(1000, 65536, 0), Err(DeclineReason::Misaligned));
        // Aligned on disk, not in memory: the bounce buffer, no pieces.
        assert_eq!(
            plan(4096, 65536, 100),
            Ok(Serve {
                bytes: 65536,
                bounce: true,
                buffered: Pieces::default(),
            })
        );
        // No direct I/O at all, or nothing to write: nothing to split.
        let none = DioAlignment { mem: 0, offset: 0 };
        let write = |offset, count| rw(RequestKind::Write, offset, count, 0);
        assert_eq!(write_pieces(&write(0, 100), none, 4096), None);
        assert_eq!(write_pieces(&write(0, 0), XFS_512, 4096), None);
        // Reads and COMMITs never.
        assert_eq!(
            write_pieces(&rw(RequestKind::Read, 0, 100, 0), XFS_512, 4096),
            None
        );
        // A block size not known: cut at the direct I/O alignment.
        assert_eq!(
            write_pieces(&rw(RequestKind::Write, 1000, 2000, 1000), XFS_512, 0),
            Some(Pieces {
                head: 24,
                tail: 2000 - 24 - 1536
            })
        );
        // Every piece is under one block (a lone piece under two), and the
        // body between them is whole blocks, aligned on disk and in memory.
        for block in [512u32, 4096, 65536] {
            for offset in [0u64, 1, 511, 512, 4095, 4096 + 7, 65536 + 3] {
                for count in [1u32, 100, 511, 512, 513, 4096, 65535, 1 << 20] {
                    let pgbase = (offset % 4096) as u32;
                    let req = rw(RequestKind::Write, offset, count, pgbase);
                    let what = format!("{block} {offset} {count}");
                    let p = write_pieces(&req, XFS_512, block).expect(&what);
                    let body = count - p.bytes();
                    let what = format!("{what} {p:?}");
                    if body == 0 {
                        assert!(p.head == count && count < 2 * block, "{what}");
                        continue;
                    }
                    assert!(p.head < block && p.tail < block, "{what}");
                    assert_eq!((offset + u64::from(p.head)) % u64::from(block), 0, "{what}");
                    assert_eq!(body % block, 0, "{what}");
                }
            }
        }
    }

    #[test]
    fn page_copies_cover_the_range_once_and_never_cross_a_page() {
        for (dst_off, src_off, len) in [
            (0, 100, 65536),
            (100, 0, 65536),
            (7, 4095, 9000),
            (0, 0, 4096),
            (5, 5, 0),
        ] {
            let steps: Vec<PageCopy> = page_copies(dst_off, src_off, len).collect();
            let mut at = 0u64;
            for s in &steps {
                assert!(
                    s.len > 0 && s.dst_at + s.len <= PAGE_SIZE && s.src_at + s.len <= PAGE_SIZE
                );
                assert_eq!(
                    s.src_page as u64 * 4096 + u64::from(s.src_at),
                    u64::from(src_off) + at
                );
                assert_eq!(
                    s.dst_page as u64 * 4096 + u64::from(s.dst_at),
                    u64::from(dst_off) + at
                );
                at += u64::from(s.len);
            }
            assert_eq!(at, u64::from(len));
        }
    }

    /// A model of `iov_iter_is_aligned()` over `(address, length)`
    /// segments.
    fn segments(segs: &'static [(u64, u64)]) -> impl Fn(u32, u32) -> bool {
        move |addr_mask, len_mask| {
            segs.iter().all(|&(addr, len)| {
                addr & u64::from(addr_mask) == 0 && len & u64::from(len_mask) == 0
            })
        }
    }

    #[test]
    fn direct_requests_are_taken_whole_only_as_the_exported_filesystem_takes_them() {
        const NVME_512: DioAlignment = DioAlignment {
            mem: 4,
            offset: 512,
        };
        const NVME_4K: DioAlignment = DioAlignment {
            mem: 4,
            offset: 4096,
        };
        let whole = |pos, count, dio, segs| direct_fits(pos, count, dio, segments(segs));
        // A page-aligned buffer, block-aligned on disk: taken.
        assert_eq!(whole(0, 1 << 20, XFS_512, &[(0x10000, 1 << 20)]), Ok(()));
        // NVMe takes a buffer at any 4-byte address in one segment, as
        // XFS's own O_DIRECT does: taken, no bounce.
        assert_eq!(whole(4096, 65536, NVME_512, &[(0x10010, 65536)]), Ok(()));
        assert_eq!(whole(4096, 65536, NVME_4K, &[(0x10064, 65536)]), Ok(()));
        // ... but not at an odd address, nor with a segment shorter than
        // a block (an iovec of 100 + 3996 bytes).
        assert_eq!(
            whole(0, 65536, NVME_512, &[(0x10001, 65536)]),
            Err(DirectDecline::Memory)
        );
        assert_eq!(
            whole(0, 4096, NVME_512, &[(0x10000, 100), (0x20000, 3996)]),
            Err(DirectDecline::Memory)
        );
        // The RAM disk wants 512-byte addresses.
        assert_eq!(
            whole(0, 4096, XFS_512, &[(0x10010, 4096)]),
            Err(DirectDecline::Memory)
        );
        // Off the unit on disk, in position or length: the pageio path's
        // pieces serve it.
        assert_eq!(
            whole(100, 4096, XFS_512, &[(0x10000, 4096)]),
            Err(DirectDecline::Misaligned)
        );
        assert_eq!(
            whole(4096, 1000, XFS_512, &[(0x10000, 1000)]),
            Err(DirectDecline::Misaligned)
        );
        assert_eq!(
            whole(512, 4096, NVME_4K, &[(0x10000, 4096)]),
            Err(DirectDecline::Misaligned)
        );
        // No direct I/O (tmpfs), or a unit that is no power of two.
        let none = DioAlignment { mem: 0, offset: 0 };
        assert_eq!(
            whole(0, 4096, none, &[(0x10000, 4096)]),
            Err(DirectDecline::NoDirectIo)
        );
        let odd = DioAlignment {
            mem: 512,
            offset: 1536,
        };
        assert_eq!(
            whole(0, 1536, odd, &[(0x10000, 1536)]),
            Err(DirectDecline::Misaligned)
        );
    }

    #[test]
    fn bounce_chunks_cover_exactly_with_few_allocations() {
        for pages in 1..=300usize {
            let (mut left, mut chunks) = (pages, 0);
            while left > 0 {
                let order = bounce_chunk_order(left, 4);
                assert!(order <= 4 && (1usize << order) <= left, "{pages}: {order}");
                left -= 1 << order;
                chunks += 1;
            }
            // Whole 16-page chunks, then at most one of each smaller size.
            assert!(chunks <= pages.div_ceil(16) + 4, "{pages}: {chunks} chunks");
        }
        assert_eq!(bounce_chunk_order(256, 4), 4);
        assert_eq!(bounce_chunk_order(0, 4), 0);
    }

    #[test]
    fn direct_requests_bounce_only_where_their_data_can_be_copied() {
        let memory = Err(DirectDecline::Memory);
        let (read, write, sync, aio) = (false, true, false, true);
        // Aligned: straight from the application's buffer.
        assert_eq!(direct_route(Ok(()), 4096, read, aio, false), Ok(false));
        // Memory off: a write is copied in by its writer, a synchronous
        // read copied out by its reader, an asynchronous one into the
        // pages held from its submission.
        assert_eq!(direct_route(memory, 1 << 20, write, aio, false), Ok(true));
        assert_eq!(direct_route(memory, 1 << 20, read, sync, false), Ok(true));
        assert_eq!(direct_route(memory, 1 << 20, read, aio, true), Ok(true));
        // An asynchronous read into memory whose pages cannot be held
        // (kernel addresses): the pageio path.
        assert_eq!(
            direct_route(memory, 4096, read, aio, false),
            memory.map(|()| false)
        );
        // Bounded as the pageio path's bounce buffer is.
        assert_eq!(
            direct_route(memory, (1 << 20) + 4096, write, sync, true),
            memory.map(|()| false)
        );
        // Anything else is not the memory's fault: no bounce helps.
        for reason in [DirectDecline::Misaligned, DirectDecline::NoDirectIo] {
            assert_eq!(
                direct_route(Err(reason), 4096, write, sync, true),
                Err(reason)
            );
        }
    }

    #[test]
    fn only_space_and_quota_refusals_are_asked_again_as_nfsd_asks() {
        assert!(write_as_nfsd(-(EDQUOT as i64)));
        assert!(write_as_nfsd(-(ENOSPC as i64)));
        for other in [0, 4096, -(EIO as i64), -(EFBIG as i64), -(EROFS as i64)] {
            assert!(!write_as_nfsd(other), "{other}");
        }
    }
}
