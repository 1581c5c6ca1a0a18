// SPDX-License-Identifier: GPL-2.0

//! The provider's counters, declared once.
//!
//! Each row of the [`stats!`] table below is one counter, or one family of
//! counters with a member per value of an enum (one per [`RequestKind`],
//! per [`DeclineReason`], ...). From the table come the cells each counter
//! occupies, the typed bump and read-out ([`Counters::add`],
//! [`Counters::get`]: a family takes only its own enum), and the text of
//! the statistics file ([`Counters::write_to`]). A new counter is a row
//! and its bump site; the host tests check the table as a whole.

use crate::lifetime::ReleaseReason;
use crate::outcome::{DeclineReason, DirectDecline, RequestKind};
use crate::submit::QueueReason;
use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU64, Ordering};

/// What a family of counters has one member for: the values of an enum,
/// each with its name in the statistics file. `()` is the member of a
/// single counter.
pub trait Member: Copy + 'static {
    /// Every value, in the order of the statistics file.
    const ALL: &'static [Self];
    /// Its part of a counter's name.
    fn name(self) -> &'static str;
    /// Its position among [`Self::ALL`].
    fn index(self) -> usize;
}

impl Member for () {
    const ALL: &'static [Self] = &[()];
    fn name(self) -> &'static str {
        ""
    }
    fn index(self) -> usize {
        0
    }
}

macro_rules! members {
    ($($t:ty),*) => {$(
        impl Member for $t {
            const ALL: &'static [Self] = &<$t>::ALL;
            fn name(self) -> &'static str {
                <$t>::name(self)
            }
            fn index(self) -> usize {
                self as usize
            }
        }
    )*};
}

members!(
    RequestKind,
    DeclineReason,
    DirectDecline,
    QueueReason,
    ReleaseReason
);

/// One row of the table, whatever its members: where its cells start, how
/// many it has, and how its members' names read in the statistics file.
#[derive(Clone, Copy)]
pub struct Row {
    base: usize,
    /// Members shown, from the first (the READ and WRITE of a family by
    /// [`RequestKind`] whose COMMIT member is never bumped).
    shown: usize,
    prefix: &'static str,
    suffix: &'static str,
    name_of: fn(usize) -> &'static str,
}

impl Row {
    /// The name of its member `i` in the statistics file.
    pub fn name(&self, i: usize) -> Name {
        Name(self.prefix, (self.name_of)(i), self.suffix)
    }
}

/// A counter's name in the statistics file: prefix, member, suffix.
pub struct Name(&'static str, &'static str, &'static str);

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.0, self.1, self.2)
    }
}

/// A row of the table whose members are the values of `M`.
pub struct Stat<M> {
    /// Its place among the cells, and its names.
    pub row: Row,
    _member: PhantomData<fn(M)>,
}

impl<M> Clone for Stat<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Stat<M> {}

fn name_of<M: Member>(i: usize) -> &'static str {
    M::ALL[i].name()
}

/// The sum of the first `n` of `cells`.
const fn sum(cells: &[usize], n: usize) -> usize {
    let (mut total, mut i) = (0, 0);
    while i < n {
        total += cells[i];
        i += 1;
    }
    total
}

impl<M: Member> Stat<M> {
    const fn new(row: usize, shown: usize, prefix: &'static str, suffix: &'static str) -> Self {
        Self {
            row: Row {
                base: sum(CELLS, row),
                shown,
                prefix,
                suffix,
                name_of: name_of::<M>,
            },
            _member: PhantomData,
        }
    }
}

macro_rules! stats {
    ($($(#[$doc:meta])* $id:ident: $m:ty $([first $shown:literal])? = $prefix:literal, $suffix:literal;)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Id { $($id,)* }

        const CELLS: &[usize] = &[$(<$m as Member>::ALL.len()),*];

        $(
            $(#[$doc])*
            pub const $id: Stat<$m> =
                Stat::new(Id::$id as usize, stats!(@shown $m $(, $shown)?), $prefix, $suffix);
        )*

        /// Every row, in the order of the statistics file.
        pub const ROWS: &[Row] = &[$($id.row),*];
    };
    (@shown $m:ty) => { <$m as Member>::ALL.len() };
    (@shown $m:ty, $shown:literal) => { $shown };
}

stats! {
    /// Requests offered, by kind.
    OFFERED: RequestKind = "offered_", "";
    /// Requests completed locally (served or failed), by kind.
    SERVED: RequestKind = "local_", "";
    /// Bytes moved by requests completed locally.
    SERVED_BYTES: RequestKind = "local_", "_bytes";
    /// Local completions that failed.
    ERRORS: RequestKind = "local_", "_errors";
    /// Requests sent back to nfs.ko for an RPC, by reason.
    DECLINED: DeclineReason = "declined_", "";
    /// Files opened through nfsd for a request.
    FILE_OPENS: () = "file_opens", "";
    /// Opens run by a worker of ours for offers whose task may not open
    /// (`submit::open_inline`); each also a file open when it succeeds.
    FILE_OPENS_QUEUED: () = "file_opens_queued", "";
    /// READs and WRITEs held until such an open was done, then handed
    /// back to nfs.ko and offered again (and counted again): each offer
    /// is served, declined or held.
    HELD_FOR_OPEN: () = "held_for_open", "";
    /// Requests served by a file opened for an earlier one.
    FILE_REUSES: () = "file_reuses", "";
    /// Cached files let go because what nfsd's open rested on changed (then
    /// opened again, and that open counted as one).
    FILE_REOPENS: () = "file_reopens", "";
    /// Cached files let go, by reason.
    RELEASED: ReleaseReason = "released_", "";
    /// Bytes of declined READs and WRITEs, which nfs.ko sends to nfsd (the
    /// rest of a request served in part is offered, and counted, apart).
    RPC_BYTES: RequestKind [first 2] = "rpc_", "_bytes";
    /// NFSv4 requests whose stateid nfsd refused, served under the one
    /// nfs.ko chose again.
    STATEID_CHOSEN_AGAIN: () = "stateid_chosen_again", "";
    /// READs and WRITEs served through a bounce buffer.
    BOUNCED: () = "local_bounced", "";
    /// Their bytes.
    BOUNCED_BYTES: () = "local_bounced_bytes", "";
    /// WRITEs taken with pieces written through the lower page cache.
    BUFFERED: () = "local_buffered", "";
    /// Their buffered bytes.
    BUFFERED_BYTES: () = "local_buffered_bytes", "";
    /// READs and WRITEs served locally in part (nfs.ko sends the rest).
    SPLIT: () = "local_split", "";
    /// Applications' O_DIRECT requests taken whole (each also offered,
    /// served and completed as one request of its kind).
    DIRECT: RequestKind [first 2] = "direct_", "";
    /// O_DIRECT requests offered whole and left to the pageio path.
    DIRECT_DECLINED: DirectDecline = "direct_declined_", "";
    /// LOCALIO handshakes redone.
    HANDSHAKES: () = "handshakes", "";
    /// I/Os submitted by the task that offered them.
    SUBMITTED_INLINE: () = "submitted_inline", "";
    /// I/Os handed to the queue, by reason.
    QUEUED: QueueReason = "queued_", "";
    /// Local I/Os completed within their submission (a COMMIT's sync
    /// always).
    COMPLETED_INLINE: () = "completed_inline", "";
    /// Local I/Os completed later, through `ki_complete`.
    COMPLETED_ASYNC: () = "completed_async", "";
}

/// Cells a [`Counters`] needs: one per member of every row.
pub const SLOTS: usize = sum(CELLS, CELLS.len());

/// Where [`Counters`] keep their values: [`SLOTS`] cells of `u64` that
/// are only ever added to.
///
/// The module keeps a cell per CPU, so that a request writes only lines
/// of its own CPU and the sum is paid by the reader of the statistics;
/// host tests keep them in atomics ([`AtomicCells`]).
pub trait CounterCells {
    /// Adds `n` to cell `slot` (`slot < SLOTS`).
    fn add(&self, slot: usize, n: u64);
    /// What cell `slot` has been added so far.
    fn read(&self, slot: usize) -> u64;
}

/// One shared atomic per counter: what a single-CPU user (and the host
/// tests) needs, and what every CPU would write under load.
pub struct AtomicCells([AtomicU64; SLOTS]);

impl AtomicCells {
    /// All cells at zero.
    pub const fn new() -> Self {
        Self([const { AtomicU64::new(0) }; SLOTS])
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

    /// Adds `n` to `stat`'s counter for `member`.
    #[inline]
    pub fn add<M: Member>(&self, stat: Stat<M>, member: M, n: u64) {
        self.cells.add(stat.row.base + member.index(), n);
    }

    /// Adds one to `stat`'s counter for `member`.
    #[inline]
    pub fn bump<M: Member>(&self, stat: Stat<M>, member: M) {
        self.add(stat, member, 1);
    }

    /// `stat`'s counter for `member` so far.
    pub fn get<M: Member>(&self, stat: Stat<M>, member: M) -> u64 {
        self.cells.read(stat.row.base + member.index())
    }

    /// Accounts one request of `kind` completed locally with `result`
    /// (bytes moved, or a negative errno), `inline` within its submission
    /// or later through `ki_complete`.
    #[inline]
    pub fn complete(&self, kind: RequestKind, result: i64, inline: bool) {
        self.bump(SERVED, kind);
        match u64::try_from(result) {
            Ok(bytes) => self.add(SERVED_BYTES, kind, bytes),
            Err(_) => self.bump(ERRORS, kind),
        }
        let at = if inline {
            COMPLETED_INLINE
        } else {
            COMPLETED_ASYNC
        };
        self.bump(at, ());
    }

    /// Accounts where a taken request's I/O was submitted: `Ok` by the
    /// offering task itself, or on the queue, and why.
    #[inline]
    pub fn submission(&self, submit: Result<(), QueueReason>) {
        match submit {
            Ok(()) => self.bump(SUBMITTED_INLINE, ()),
            Err(reason) => self.bump(QUEUED, reason),
        }
    }

    /// Accounts one request served through a bounce buffer, `bytes` of it.
    pub fn bounce(&self, bytes: u32) {
        self.bump(BOUNCED, ());
        self.add(BOUNCED_BYTES, (), u64::from(bytes));
    }

    /// Accounts one WRITE with `bytes` of it written through the lower
    /// page cache.
    pub fn buffer(&self, bytes: u32) {
        self.bump(BUFFERED, ());
        self.add(BUFFERED_BYTES, (), u64::from(bytes));
    }

    /// Writes every counter shown, in the table's order, each as
    /// `{start}{name}{sep}{value}{end}`.
    pub fn write_to(
        &self,
        w: &mut impl fmt::Write,
        start: &str,
        sep: char,
        end: &str,
    ) -> fmt::Result {
        for row in ROWS {
            for i in 0..row.shown {
                let value = self.cells.read(row.base + i);
                write!(w, "{start}{}{sep}{value}{end}", row.name(i))?;
            }
        }
        Ok(())
    }
}
