// SPDX-License-Identifier: GPL-2.0

//! The file cache's keys: which of an nfs_client's files a request needs,
//! and for whom ([`FileKey`]), and the same read in place from a request
//! ([`KeyRef`]), which finds a cached file without building the key. Plain
//! `core`: the host tests check it.

use super::hash::{slot_hash, tail_word, word};

/// The largest filehandle, `NFS_MAXFHSIZE` (`request.rs` asserts it).
pub const FH_MAX: usize = 128;

/// Which of an nfs_client's files a request needs, and for whom: the
/// caller as nfsd sees it, the open mode and the filehandle.
///
/// nfsd opens a LOCALIO file as the caller's fsuid, fsgid and
/// supplementary groups and nothing else of its credentials (its own
/// file cache matches credentials by the same three), so callers alike in
/// them share a file: every process of a user, not only the threads of
/// one. The groups are keyed by their `group_info`, shared by the
/// processes forked with them (a `setgroups()` makes another, keyed
/// apart: an open more, never a wrong file); an opened file holds the
/// credentials of its opener, and with them that `group_info`, so its
/// address stays unique while the file is cached.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileKey {
    /// fsuid and fsgid, one word.
    ids: u64,
    /// The `group_info`'s address.
    groups: usize,
    mode: u32,
    fh_len: u32,
    fh: [u8; FH_MAX],
}

impl FileKey {
    /// The key as a request reads it in place.
    pub fn view(&self) -> KeyRef<'_> {
        KeyRef {
            ids: self.ids,
            groups: self.groups,
            mode: self.mode,
            fh: &self.fh[..(self.fh_len as usize).min(FH_MAX)],
        }
    }

    /// Whether `other` is the same key ([`KeyRef::matches`]).
    pub fn same(&self, other: &FileKey) -> bool {
        self.view().matches(other)
    }

    /// Where the key goes among a client's [`RcuSlots`](crate::sys::rcu::RcuSlots).
    pub fn slot_hash(&self) -> u64 {
        self.view().slot_hash()
    }
}

/// A request's [`FileKey`] read in place from the request: what finds its
/// file among the cached ones, for every request, without building the
/// key (its 128-byte handle zeroed, then copied), which only a file not
/// cached needs ([`Self::to_key`]).
#[derive(Clone, Copy)]
pub struct KeyRef<'a> {
    ids: u64,
    groups: usize,
    mode: u32,
    /// The handle's own bytes, at most [`FH_MAX`].
    fh: &'a [u8],
}

impl<'a> KeyRef<'a> {
    /// The key of a caller whose fsuid and fsgid are `ids` (one word) and
    /// whose `group_info` is at `groups`, for `mode` and the handle `fh`,
    /// whose bytes past [`FH_MAX`] are not part of it.
    pub fn new(ids: u64, groups: usize, mode: u32, fh: &'a [u8]) -> Self {
        Self {
            ids,
            groups,
            mode,
            fh: &fh[..fh.len().min(FH_MAX)],
        }
    }

    /// Whether `key` is this key: the handles compared a word at a time
    /// without a branch per word, their tails under a word folded as the
    /// hash folds them. Runs for every request.
    pub fn matches(&self, key: &FileKey) -> bool {
        let theirs = key.view().fh;
        if self.ids != key.ids
            || self.groups != key.groups
            || self.mode != key.mode
            || self.fh.len() != theirs.len()
        {
            return false;
        }
        let ours = self.fh.chunks_exact(8);
        let mut other = theirs.chunks_exact(8);
        let tails = tail_word(ours.remainder()) ^ tail_word(other.remainder());
        ours.fold(tails, |diff, w| {
            diff | (word(w) ^ other.next().map_or(0, word))
        }) == 0
    }

    /// Where the key goes among a client's [`RcuSlots`](crate::sys::rcu::RcuSlots).
    pub fn slot_hash(&self) -> u64 {
        let who = self.ids ^ (self.groups as u64).rotate_left(32) ^ (u64::from(self.mode) << 1);
        slot_hash(self.fh) ^ slot_hash(&who.to_ne_bytes()).rotate_left(17)
    }

    /// The key itself, for a file not cached: its open and the cache.
    pub fn to_key(self) -> FileKey {
        let len = self.fh.len().min(FH_MAX);
        let mut key = FileKey {
            ids: self.ids,
            groups: self.groups,
            mode: self.mode,
            // `len` is at most `FH_MAX`.
            fh_len: len as u32,
            fh: [0; FH_MAX],
        };
        key.fh[..len].copy_from_slice(&self.fh[..len]);
        key
    }
}
