// SPDX-License-Identifier: GPL-2.0

//! The requests nfs.ko offers a LOCALIO provider, as Rust types.
//!
//! An offer is borrowed for the duration of the provider hook: it can be
//! read, and then either declined (nfs.ko sends the RPC) or accepted, which
//! turns it into an owned request. READ, WRITE and COMMIT are separate types,
//! so that what only a WRITE has (its stability, its verifier) cannot be
//! asked of a READ. An owned request is completed exactly once: by its
//! `complete` method or, if it is dropped, with `-EIO`, so that nfs.ko is
//! never left waiting for a request its provider lost.

use super::bindings as b;
use super::cred::Cred;
use super::file::LowerFile;
use super::file_key::FH_MAX;
pub(crate) use super::file_key::{FileKey, KeyRef};
use super::hash::slot_hash;
use core::ffi::{c_int, CStr};
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

// Filehandles are copied by length, up to `NFS_MAXFHSIZE`, a whole
// number of words.
kernel::static_assert!(FH_MAX == b::NFS_MAXFHSIZE as usize);
kernel::static_assert!(FH_MAX % 8 == 0);

/// Ties the tokens of one hook call to that call: `'a` is invariant, so a
/// token from another call cannot stand in for this one's.
pub(super) type Invariant<'a> = PhantomData<fn(&'a ()) -> &'a ()>;

/// An `nfs_client` as seen from inside a provider hook, or held past it
/// through an `ARef<NfsClient>` (a reference on `cl_count`).
#[repr(transparent)]
pub(crate) struct NfsClient(Opaque<b::nfs_client>);

// SAFETY: An `nfs_client` is shared by every mount of its server and used
// from any task; what `NfsClient` does with it is safe from any of them.
unsafe impl Send for NfsClient {}
// SAFETY: As above.
unsafe impl Sync for NfsClient {}

// SAFETY: `cl_count` counts an `nfs_client`'s references: `inc_ref` takes
// one on a live client, `dec_ref` puts one with `nfs_put_client()`, which
// frees the client with the last (and tells the provider first, through
// `client_release`).
unsafe impl AlwaysRefCounted for NfsClient {
    fn inc_ref(&self) {
        // SAFETY: `&self` is a live client, which has a reference to take
        // another from.
        unsafe { b::localio_rs_nfs_client_get(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up a reference it owns. Dropped from
        // task context only: the last may free the client, which sleeps.
        unsafe { b::nfs_put_client(obj.as_ptr().cast()) };
    }
}

/// An `nfs_client`'s identity, valid as a key until nfs.ko's
/// `client_release` hook has reported it gone.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ClientId(usize);

impl ClientId {
    /// The next identity in order, for walking a map of them.
    pub(crate) fn next(self) -> Option<ClientId> {
        self.0.checked_add(1).map(ClientId)
    }

    /// The lowest identity.
    pub(crate) const MIN: ClientId = ClientId(0);

    /// Where the client goes among [`RcuSlots`](super::rcu::RcuSlots).
    pub(crate) fn slot_hash(self) -> u64 {
        slot_hash(&self.0.to_ne_bytes())
    }

    /// # Safety
    ///
    /// `clp` must be an `nfs_client` that nfs.ko handed a provider hook.
    pub(super) unsafe fn from_raw(clp: *mut b::nfs_client) -> Self {
        ClientId(clp as usize)
    }
}

impl NfsClient {
    /// # Safety
    ///
    /// `clp` must point to an `nfs_client` that stays alive for `'a`.
    pub(super) unsafe fn from_raw<'a>(clp: *mut b::nfs_client) -> &'a Self {
        // SAFETY: `NfsClient` is a transparent wrapper of the live object.
        unsafe { &*clp.cast::<Self>() }
    }

    pub(super) fn as_raw(&self) -> *mut b::nfs_client {
        self.0.get()
    }

    /// Its identity.
    pub(crate) fn id(&self) -> ClientId {
        ClientId(self.as_raw() as usize)
    }

    /// The server's name, as mounted.
    pub(crate) fn server(&self) -> &CStr {
        // SAFETY: The client is alive for `&self`; its hostname is set
        // before it serves any request and never changed.
        let name = unsafe { (*self.as_raw()).cl_hostname };
        if name.is_null() {
            return c"?";
        }
        // SAFETY: A non-NULL `cl_hostname` is a NUL-terminated string owned
        // by the client.
        unsafe { CStr::from_ptr(name.cast()) }
    }

    /// The NFS major version.
    pub(crate) fn nfs_version(&self) -> u32 {
        // SAFETY: `rpc_ops` is set at creation and points to a static table.
        unsafe { (*(*self.as_raw()).rpc_ops).version }
    }

    /// The NFS minor version (NFSv4.x).
    pub(crate) fn minor_version(&self) -> u32 {
        // SAFETY: Set at creation, never changed.
        unsafe { (*self.as_raw()).cl_minorversion }
    }

    /// Whether nfs.ko's LOCALIO handshake found this client's server in
    /// this kernel (`NFS_CS_LOCAL_IO`).
    pub(crate) fn handshake_found_local(&self) -> bool {
        // SAFETY: `cl_flags` is a word of atomically updated bits; a
        // volatile read of it is what `test_bit` does.
        let flags = unsafe { core::ptr::addr_of!((*self.as_raw()).cl_flags).read_volatile() };
        flags & (1 << b::NFS_CS_LOCAL_IO) != 0
    }

    /// Whether the client is a pNFS data server's (`NFS_CS_DS`), which only
    /// a layout's I/O uses.
    pub(crate) fn is_data_server(&self) -> bool {
        // SAFETY: As in `handshake_found_local`.
        let flags = unsafe { core::ptr::addr_of!((*self.as_raw()).cl_flags).read_volatile() };
        flags & (1 << b::NFS_CS_DS) != 0
    }

    /// Whether LOCALIO is on for this client: handshake done and not turned
    /// off since.
    pub(crate) fn localio_enabled(&self) -> bool {
        // SAFETY: The client is alive for `&self`.
        unsafe { b::nfs_server_is_local(self.as_raw()) }
    }

    /// Redoes the LOCALIO handshake: a synchronous RPC to the server, and
    /// meanwhile LOCALIO is off for every mount of the client. Only off
    /// the I/O path. May sleep.
    pub(crate) fn redo_handshake(&self) {
        // SAFETY: The client is alive for `&self`; callers run in task
        // context.
        unsafe { b::nfs_local_probe(self.as_raw()) }
    }
}

/// The NFSv4 state a READ or WRITE is sent under, for nfsd to check.
pub(crate) struct Nfs4State {
    /// The stateid the RPC would carry, as on the wire.
    pub(crate) stateid: [u8; 16],
    /// The client's NFSv4 minor version.
    pub(crate) minor_version: u32,
    /// A WRITE (else a READ).
    pub(crate) write: bool,
}

/// What the nfsd shim needs to open a request's file as nfsd would: the
/// client, the caller's credentials, the filehandle and the open mode, all
/// borrowed from an offer.
pub(crate) struct Opener<'a> {
    /// The client.
    pub(crate) client: &'a NfsClient,
    pub(super) cred: *const b::cred,
    pub(super) fh: *const b::nfs_fh,
    pub(super) mode: u32,
}

impl Opener<'_> {
    /// The same, owned: references on the client and the credentials, and
    /// a copy of the filehandle, for an open after the offer has returned
    /// (on a worker); `None` without credentials.
    pub(crate) fn to_owned(&self) -> Option<OwnedOpener> {
        // SAFETY: The offer's credentials live as long as the offer, which
        // `self` borrows from.
        let cred = unsafe { Cred::get(self.cred) }?;
        // SAFETY: The offer's filehandle is valid for reads as long.
        let fh = unsafe { *self.fh };
        Some(OwnedOpener {
            client: ARef::from(self.client),
            cred,
            fh,
            mode: self.mode,
        })
    }
}

/// An [`Opener`] that owns what it names.
pub(crate) struct OwnedOpener {
    client: ARef<NfsClient>,
    cred: Cred,
    fh: b::nfs_fh,
    mode: u32,
}

// SAFETY: The client and the credentials are held by counted references,
// usable from any task; the filehandle is plain bytes.
unsafe impl Send for OwnedOpener {}
// SAFETY: As above; nothing is written through a shared reference.
unsafe impl Sync for OwnedOpener {}

impl OwnedOpener {
    /// As the offer's [`Opener`].
    pub(crate) fn opener(&self) -> Opener<'_> {
        Opener {
            client: &self.client,
            cred: self.cred.as_ptr(),
            fh: &self.fh,
            mode: self.mode,
        }
    }

    /// The client it opens for.
    pub(crate) fn client(&self) -> &NfsClient {
        &self.client
    }
}

/// READ or WRITE, for the types they share.
pub(crate) trait Direction: Send + 'static {}

/// A READ.
pub(crate) struct Read;
/// A WRITE.
pub(crate) struct Write;

impl Direction for Read {}
impl Direction for Write {}

/// Given up for an accepted offer: the request now completes through the
/// provider.
pub(crate) struct Accepted<'a>(Invariant<'a>);

impl Accepted<'_> {
    /// The token of an offer of another kind (an O_DIRECT request offered
    /// whole) taken by its own type.
    pub(super) fn token() -> Self {
        Accepted(PhantomData)
    }
}

/// Given up for a declined offer: nfs.ko sends the request as an RPC.
pub(crate) struct Declined<'a>(Invariant<'a>);

impl Declined<'_> {
    /// The token of an offer of another kind (an O_DIRECT request offered
    /// whole) left to nfs.ko by its own type.
    pub(super) fn token() -> Self {
        Declined(PhantomData)
    }
}

/// A READ or WRITE offered to the provider.
///
/// # Invariants
///
/// `hdr` and `call_ops` are what nfs.ko offered for `D` and stay untouched
/// by anyone else for `'a`, the duration of the hook call.
pub(crate) struct PgioOffer<'a, D: Direction> {
    hdr: NonNull<b::nfs_pgio_header>,
    call_ops: *const b::rpc_call_ops,
    _call: Invariant<'a>,
    _dir: PhantomData<D>,
}

/// A COMMIT offered to the provider.
///
/// # Invariants
///
/// As for [`PgioOffer`], with `data`.
pub(crate) struct CommitOffer<'a> {
    data: NonNull<b::nfs_commit_data>,
    call_ops: *const b::rpc_call_ops,
    _call: Invariant<'a>,
}

/// Any offer.
pub(crate) enum Offer<'a> {
    Read(PgioOffer<'a, Read>),
    Write(PgioOffer<'a, Write>),
    Commit(CommitOffer<'a>),
}

/// What every offer tells, whatever its kind.
#[derive(Clone, Copy)]
pub(crate) struct OfferFacts {
    /// File offset in bytes.
    pub(crate) offset: u64,
    /// Length in bytes (0 for a COMMIT of the whole file).
    pub(crate) count: u32,
    /// Where the data starts in the first page (0 for a COMMIT).
    pub(crate) pgbase: u32,
    /// How many pages the data is in (none for a COMMIT).
    pub(crate) nr_pages: usize,
    /// The file's NFS fileid (its inode number on the server), for
    /// tracing.
    pub(crate) fileid: u64,
    /// An application's O_DIRECT I/O (nfs.ko's `nfs_direct_req`): its own
    /// bytes, not pages of the page cache that any task may have written.
    pub(crate) direct: bool,
}

impl<'a> Offer<'a> {
    /// The client the request is for.
    pub(crate) fn client(&self) -> &'a NfsClient {
        match self {
            Offer::Read(o) => o.client(),
            Offer::Write(o) => o.client(),
            Offer::Commit(o) => o.client(),
        }
    }

    /// Which file the request needs.
    pub(crate) fn key(&self) -> KeyRef<'_> {
        match self {
            Offer::Read(o) => o.key(),
            Offer::Write(o) => o.key(),
            Offer::Commit(o) => o.key(),
        }
    }

    /// Whether the request is I/O to an active swap file.
    pub(crate) fn is_swap(&self) -> bool {
        match self {
            Offer::Read(o) => o.is_swap(),
            Offer::Write(o) => o.is_swap(),
            Offer::Commit(o) => o.is_swap(),
        }
    }

    /// What it takes to open the request's file.
    pub(crate) fn opener(&self) -> Opener<'a> {
        match self {
            Offer::Read(o) => o.opener(),
            Offer::Write(o) => o.opener(),
            Offer::Commit(o) => o.opener(),
        }
    }

    /// The NFSv4 state a READ or WRITE is sent under, which nfsd checks on
    /// every such RPC; `None` on NFSv3 and for a COMMIT, which carries none.
    pub(crate) fn nfs4_state(&self) -> Option<Nfs4State> {
        match self {
            Offer::Read(o) => o.nfs4_state(false),
            Offer::Write(o) => o.nfs4_state(true),
            Offer::Commit(_) => None,
        }
    }

    /// Has nfs.ko choose the stateid of an NFSv4 READ or WRITE again, as
    /// its `->rpc_call_prepare` chooses one for the RPC when it is sent, and
    /// returns the state it is now under; `None` when nfs.ko would not send
    /// the request under any (state lost, recovery, lease past), and for
    /// what [`Self::nfs4_state`] has no state for.
    pub(crate) fn choose_nfs4_state_again(&mut self) -> Option<Nfs4State> {
        match self {
            Offer::Read(o) => o.choose_nfs4_state_again(false),
            Offer::Write(o) => o.choose_nfs4_state_again(true),
            Offer::Commit(_) => None,
        }
    }

    /// Its range and shape.
    pub(crate) fn facts(&self) -> OfferFacts {
        let pgio = |(offset, count, pgbase), nr_pages, fileid, direct| OfferFacts {
            offset,
            count,
            pgbase,
            nr_pages,
            fileid,
            direct,
        };
        match self {
            Offer::Read(o) => pgio(o.range(), o.nr_pages(), o.fileid(), o.is_direct()),
            Offer::Write(o) => pgio(o.range(), o.nr_pages(), o.fileid(), o.is_direct()),
            Offer::Commit(o) => {
                let (offset, count) = o.range();
                OfferFacts {
                    offset,
                    count,
                    pgbase: 0,
                    nr_pages: 0,
                    fileid: o.fileid(),
                    direct: false,
                }
            }
        }
    }

    /// Leaves the request to nfs.ko.
    pub(crate) fn decline(self) -> Declined<'a> {
        Declined(PhantomData)
    }

    /// Takes a READ or WRITE to hold until it can be served: see [`Held`].
    /// A COMMIT is given back.
    pub(crate) fn hold(self) -> Result<(Held, Accepted<'a>), Self> {
        let (hdr, call_ops) = match &self {
            Offer::Read(o) => (o.hdr, o.call_ops),
            Offer::Write(o) => (o.hdr, o.call_ops),
            Offer::Commit(_) => return Err(self),
        };
        // INVARIANT: Accepted once, here; the offer is consumed.
        Ok((Held { hdr, call_ops }, Accepted(PhantomData)))
    }
}

/// The file key of a request for `fh` with `cred` (null: a key no file
/// is opened for, as no open succeeds without credentials) and `mode`,
/// read in place.
///
/// # Safety
///
/// `cred`, unless null, must be valid for reads; `fh` valid for reads and
/// unchanged for `'a`.
pub(super) unsafe fn file_key<'a>(
    cred: *const b::cred,
    mode: u32,
    fh: *const b::nfs_fh,
) -> KeyRef<'a> {
    // SAFETY: Valid unless null (our contract); a cred is not changed
    // once published.
    let (ids, groups) = match unsafe { cred.as_ref() } {
        Some(cred) => (
            (u64::from(cred.fsuid.val) << 32) | u64::from(cred.fsgid.val),
            cred.group_info as usize,
        ),
        None => (u64::MAX, 0),
    };
    // SAFETY: Valid and unchanged for `'a` (our contract).
    let fh = unsafe { &*fh };
    KeyRef::new(
        ids,
        groups,
        mode,
        &fh.data[..usize::from(fh.size).min(FH_MAX)],
    )
}

const OPEN_MODES: u32 = b::LOCALIO_RS_FMODE_READ | b::LOCALIO_RS_FMODE_WRITE;

/// Whether `inode` is an active swap file (`IS_SWAPFILE()`).
///
/// # Safety
///
/// `inode` must be the inode of an offered request (alive for the call).
unsafe fn is_swapfile(inode: *const b::inode) -> bool {
    // SAFETY: Alive (our contract); `i_flags` is read once, as the C
    // macro does.
    let flags = unsafe { core::ptr::addr_of!((*inode).i_flags).read_volatile() };
    flags & b::S_SWAPFILE != 0
}

impl<'a, D: Direction> PgioOffer<'a, D> {
    /// # Safety
    ///
    /// `hdr` and `call_ops` must be a READ (`D` = [`Read`]) or WRITE
    /// request nfs.ko offered, untouched by anyone else for `'a`.
    pub(super) unsafe fn from_raw(
        hdr: *mut b::nfs_pgio_header,
        call_ops: *const b::rpc_call_ops,
    ) -> Option<Self> {
        // INVARIANT: From our contract.
        Some(Self {
            hdr: NonNull::new(hdr)?,
            call_ops,
            _call: PhantomData,
            _dir: PhantomData,
        })
    }

    fn hdr(&self) -> &b::nfs_pgio_header {
        // SAFETY: Offered to us and untouched by others (type invariant).
        unsafe { self.hdr.as_ref() }
    }

    /// The client the request is for: the mount's, or for pNFS the data
    /// server's.
    pub(crate) fn client(&self) -> &'a NfsClient {
        let ds = self.hdr().ds_clp;
        if !ds.is_null() {
            // SAFETY: The header holds a reference on its data server's
            // client until it completes.
            return unsafe { NfsClient::from_raw(ds) };
        }
        // SAFETY: The request's inode is an NFS inode, whose superblock's
        // `s_fs_info` is its `nfs_server`; the client outlives the request.
        unsafe {
            let server = (*(*self.hdr().inode).i_sb)
                .s_fs_info
                .cast::<b::nfs_server>();
            NfsClient::from_raw((*server).nfs_client)
        }
    }

    /// Whether the request is for a pNFS data server.
    pub(crate) fn is_data_server(&self) -> bool {
        !self.hdr().ds_clp.is_null()
    }

    /// The credentials the RPC would carry: the caller's, or for a data
    /// server the layout's (nfs.ko holds them for the request).
    fn cred(&self) -> *const b::cred {
        let hdr = self.hdr();
        if hdr.ds_clp.is_null() || hdr.ds_cred.is_null() {
            hdr.cred
        } else {
            hdr.ds_cred
        }
    }

    fn mode(&self) -> u32 {
        // A data server is opened as the layout driver would open it: for
        // what the request does, which is what the layout's credential is
        // good for (nfsd gives a read layout no write permission).
        if self.is_data_server() {
            return if self.hdr().rw_mode & b::LOCALIO_RS_FMODE_WRITE != 0 {
                OPEN_MODES
            } else {
                b::LOCALIO_RS_FMODE_READ
            };
        }
        // SAFETY: An offered READ/WRITE has its open context set.
        unsafe { (*self.hdr().args.context).mode & OPEN_MODES }
    }

    /// `(offset, count, pgbase)`.
    pub(crate) fn range(&self) -> (u64, u32, u32) {
        let args = &self.hdr().args;
        (args.offset, args.count, args.pgbase)
    }

    /// The NFS inode's number, which on 64-bit kernels is the fileid.
    fn fileid(&self) -> u64 {
        // SAFETY: An offered request's inode lives until it completes.
        u64::try_from(unsafe { (*self.hdr().inode).i_ino }).unwrap_or(0)
    }

    /// Which file the request needs.
    pub(crate) fn key(&self) -> KeyRef<'_> {
        // SAFETY: An offered request's filehandle is valid, and unchanged,
        // while the request is offered.
        unsafe { file_key(self.cred(), self.mode(), self.hdr().args.fh) }
    }

    /// Whether the request is swap I/O (the file is an active swap file).
    pub(crate) fn is_swap(&self) -> bool {
        // SAFETY: An offered request's inode.
        unsafe { is_swapfile(self.hdr().inode) }
    }

    /// Whether the request is part of an O_DIRECT read or write, whose
    /// pages are the application's own buffer.
    fn is_direct(&self) -> bool {
        !self.hdr().dreq.is_null()
    }

    /// How many pages the request's data is in.
    pub(crate) fn nr_pages(&self) -> usize {
        // SAFETY: Offered to us (type invariant).
        unsafe { page_array(self.hdr()) }.len()
    }

    /// What it takes to open the request's file.
    pub(crate) fn opener(&self) -> Opener<'a> {
        Opener {
            client: self.client(),
            cred: self.cred(),
            fh: self.hdr().args.fh,
            mode: self.mode(),
        }
    }

    /// The NFSv4 state the request is sent under; `None` on NFSv3.
    pub(crate) fn nfs4_state(&self, write: bool) -> Option<Nfs4State> {
        let client = self.client();
        if client.nfs_version() != 4 {
            return None;
        }
        // SAFETY: nfs.ko's `->localio_pgio_check` left in `args.stateid` the
        // stateid the RPC would carry before offering an NFSv4 request;
        // `data` is the whole of it as bytes.
        let data = unsafe { &*self.hdr().args.stateid.__bindgen_anon_1.data };
        Some(Nfs4State {
            stateid: *data,
            minor_version: client.minor_version(),
            write,
        })
    }

    fn choose_nfs4_state_again(&mut self, write: bool) -> Option<Nfs4State> {
        // A data server's stateid is the layout driver's, not the open
        // state's that nfs.ko's check chooses.
        if self.is_data_server() {
            return None;
        }
        let client = self.client();
        // SAFETY: `rpc_ops` is set at creation and points to a static table.
        let check = unsafe { (*(*client.as_raw()).rpc_ops).localio_pgio_check }?;
        // SAFETY: The header is ours for the hook call (type invariant);
        // this is the check nfs.ko made of it before offering it, which
        // reads the client's state and rewrites only `args.stateid`.
        if unsafe { check(self.hdr.as_ptr()) } != 0 {
            return None;
        }
        self.nfs4_state(write)
    }

    /// Takes the request: it is now the provider's to complete.
    pub(crate) fn accept(self) -> (PgioRequest<D>, Accepted<'a>) {
        // INVARIANT: Accepted once, here; the offer is consumed.
        let request = PgioRequest {
            hdr: self.hdr,
            call_ops: self.call_ops,
            _dir: PhantomData,
        };
        (request, Accepted(PhantomData))
    }
}

/// The pages of an accepted READ or WRITE, borrowed from it: they stay
/// until it is completed.
#[derive(Clone, Copy)]
pub(crate) struct Pages<'a>(&'a [*mut b::page]);

impl Pages<'_> {
    /// No pages (a COMMIT's).
    pub(crate) const NONE: Pages<'static> = Pages(&[]);

    pub(super) fn as_slice(&self) -> &[*mut b::page] {
        self.0
    }
}

/// # Safety
///
/// `hdr` must be an offered or accepted request, not yet completed.
unsafe fn page_array(hdr: &b::nfs_pgio_header) -> &[*mut b::page] {
    let array = &hdr.page_array;
    let Ok(len) = usize::try_from(array.npages) else {
        return &[];
    };
    if array.pagevec.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: nfs.ko set up `npages` page pointers at `pagevec` for the
    // request (our contract), unchanged until it is completed.
    unsafe { core::slice::from_raw_parts(array.pagevec, len) }
}

impl<'a> CommitOffer<'a> {
    /// # Safety
    ///
    /// `data` and `call_ops` must be a COMMIT nfs.ko offered, untouched by
    /// anyone else for `'a`.
    pub(super) unsafe fn from_raw(
        data: *mut b::nfs_commit_data,
        call_ops: *const b::rpc_call_ops,
    ) -> Option<Self> {
        // INVARIANT: From our contract.
        Some(Self {
            data: NonNull::new(data)?,
            call_ops,
            _call: PhantomData,
        })
    }

    fn data(&self) -> &b::nfs_commit_data {
        // SAFETY: Offered to us and untouched by others (type invariant).
        unsafe { self.data.as_ref() }
    }

    /// The client the request is for: the mount's, or for pNFS the data
    /// server's.
    pub(crate) fn client(&self) -> &'a NfsClient {
        let ds = self.data().ds_clp;
        if !ds.is_null() {
            // SAFETY: The COMMIT holds a reference on its data server's
            // client until it completes.
            return unsafe { NfsClient::from_raw(ds) };
        }
        // SAFETY: As for `PgioOffer::client`.
        unsafe {
            let server = (*(*self.data().inode).i_sb)
                .s_fs_info
                .cast::<b::nfs_server>();
            NfsClient::from_raw((*server).nfs_client)
        }
    }

    fn mode(&self) -> u32 {
        // A data server's file is opened for writing to commit it, as the
        // layout driver would.
        if !self.data().ds_clp.is_null() {
            return OPEN_MODES;
        }
        // SAFETY: An offered COMMIT has its open context set.
        unsafe { (*self.data().context).mode & OPEN_MODES }
    }

    /// `(offset, count)`; a count of 0 means to the end of the file.
    pub(crate) fn range(&self) -> (u64, u32) {
        (self.data().args.offset, self.data().args.count)
    }

    /// As [`PgioOffer::fileid`].
    fn fileid(&self) -> u64 {
        // SAFETY: An offered COMMIT's inode lives until it completes.
        u64::try_from(unsafe { (*self.data().inode).i_ino }).unwrap_or(0)
    }

    /// Whether the COMMIT is for an active swap file.
    pub(crate) fn is_swap(&self) -> bool {
        // SAFETY: An offered COMMIT's inode.
        unsafe { is_swapfile(self.data().inode) }
    }

    /// Which file the request needs.
    pub(crate) fn key(&self) -> KeyRef<'_> {
        // SAFETY: An offered request's filehandle is valid, and unchanged,
        // while the request is offered.
        unsafe { file_key(self.data().cred, self.mode(), self.data().args.fh) }
    }

    /// What it takes to open the request's file.
    pub(crate) fn opener(&self) -> Opener<'a> {
        Opener {
            client: self.client(),
            cred: self.data().cred,
            fh: self.data().args.fh,
            mode: self.mode(),
        }
    }

    /// Takes the request: it is now the provider's to complete.
    pub(crate) fn accept(self) -> (CommitRequest, Accepted<'a>) {
        // INVARIANT: Accepted once, here; the offer is consumed.
        let request = CommitRequest {
            data: self.data,
            call_ops: self.call_ops,
        };
        (request, Accepted(PhantomData))
    }
}

/// What a WRITE promises about its data once done (`enum nfs3_stable_how`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stable {
    Unstable,
    DataSync,
    FileSync,
}

impl Stable {
    fn to_raw(self) -> b::nfs3_stable_how {
        match self {
            Stable::Unstable => b::nfs3_stable_how_NFS_UNSTABLE,
            Stable::DataSync => b::nfs3_stable_how_NFS_DATA_SYNC,
            Stable::FileSync => b::nfs3_stable_how_NFS_FILE_SYNC,
        }
    }
}

/// A write verifier, as nfsd's replies carry it.
pub(crate) type Verifier = [u8; 8];

/// An accepted READ or WRITE.
///
/// # Invariants
///
/// `hdr` was offered as `D` and accepted, and is completed exactly once:
/// by `complete` or `drop`, after which nobody here touches it.
pub(crate) struct PgioRequest<D: Direction> {
    hdr: NonNull<b::nfs_pgio_header>,
    call_ops: *const b::rpc_call_ops,
    _dir: PhantomData<D>,
}

/// An accepted READ.
pub(crate) type ReadRequest = PgioRequest<Read>;
/// An accepted WRITE.
pub(crate) type WriteRequest = PgioRequest<Write>;

// SAFETY: nfs.ko hands an accepted request over entirely until its
// completion; it may be completed from any task.
unsafe impl<D: Direction> Send for PgioRequest<D> {}

impl<D: Direction> PgioRequest<D> {
    fn hdr(&self) -> &b::nfs_pgio_header {
        // SAFETY: Ours until completed (type invariant).
        unsafe { self.hdr.as_ref() }
    }

    /// `(offset, count, pgbase)`.
    pub(crate) fn range(&self) -> (u64, u32, u32) {
        let args = &self.hdr().args;
        (args.offset, args.count, args.pgbase)
    }

    /// The request's pages, which it keeps until it is completed.
    pub(crate) fn pages(&self) -> Pages<'_> {
        // SAFETY: Ours until completed (type invariant).
        Pages(unsafe { page_array(self.hdr()) })
    }

    /// Records the outcome of the part of the request served here and hands
    /// the request back to nfs.ko, which resends the rest of a short one.
    fn finish(self, result: Result<u64, c_int>) {
        let hdr = self.hdr.as_ptr();
        // SAFETY: Ours until `pgio_done` below (type invariant).
        unsafe {
            match result {
                Ok(count) => {
                    (*hdr).res.count = count;
                    (*hdr).res.op_status = b::nfsstat4_NFS4_OK;
                    (*hdr).task.tk_status = 0;
                }
                Err(errno) => {
                    (*hdr).res.op_status = b::nfs_localio_errno_to_nfs4_stat(errno);
                    (*hdr).task.tk_status = errno;
                }
            }
        }
        let call_ops = self.call_ops;
        core::mem::forget(self);
        // SAFETY: Completed once, here; `forget` keeps `drop` from doing it
        // again.
        unsafe { b::nfs_localio_provider_pgio_done(hdr, call_ops) };
    }
}

impl PgioRequest<Read> {
    /// Completes the READ with the bytes read or an errno, and whether it
    /// reached end of file.
    pub(crate) fn complete(self, result: Result<u64, c_int>, eof: bool) {
        let hdr = self.hdr.as_ptr();
        // SAFETY: A READ's result union is the `replen`/`eof` member; ours
        // until `finish` (type invariant).
        unsafe {
            let res = &mut (*hdr).res.__bindgen_anon_1.__bindgen_anon_1;
            res.replen = 0;
            res.eof = c_int::from(eof);
        }
        self.finish(result);
    }
}

impl PgioRequest<Write> {
    /// What the writer asked the data to be once the WRITE is done.
    pub(crate) fn stable(&self) -> Stable {
        // SAFETY: A WRITE's argument union is the `stable` member.
        let how = unsafe { self.hdr().args.__bindgen_anon_1.__bindgen_anon_1.stable };
        match how {
            b::nfs3_stable_how_NFS_FILE_SYNC => Stable::FileSync,
            b::nfs3_stable_how_NFS_DATA_SYNC => Stable::DataSync,
            _ => Stable::Unstable,
        }
    }

    /// nfs.ko's own bookkeeping of a WRITE's status, as its built-in path
    /// does it: a short write of all that was asked is `-ENOSPC`.
    pub(crate) fn short_write_status(&mut self, status: i64) -> i64 {
        let status = isize::try_from(status).unwrap_or(-(b::EIO as isize));
        // SAFETY: Ours until completed (type invariant).
        unsafe { b::nfs_localio_write_result(self.hdr.as_ptr(), status) as i64 }
    }

    /// Completes the WRITE: its byte count and the verifier and stability
    /// it was written under, or an errno; with the file's attributes after
    /// the write, as the reply carries them.
    pub(crate) fn complete(
        self,
        result: Result<u64, c_int>,
        written: (Verifier, Stable),
        file: &LowerFile<'_>,
    ) {
        let hdr = self.hdr.as_ptr();
        // SAFETY: A WRITE's result union is the `verf` member, pointing to
        // the header's own verifier; ours until `finish` (type invariant);
        // `file` is a live file.
        unsafe {
            if result.is_ok() {
                let verf = (*hdr).res.__bindgen_anon_1.__bindgen_anon_2.verf;
                set_verifier(verf, written.0, written.1);
            }
            b::nfs_localio_set_fattr(hdr, file.as_ptr());
        }
        self.finish(result);
    }
}

/// # Safety
///
/// `verf` must be valid for writes.
unsafe fn set_verifier(verf: *mut b::nfs_writeverf, data: Verifier, how: Stable) {
    // SAFETY: Valid (our contract).
    unsafe {
        (*verf).verifier.data = data;
        (*verf).committed = how.to_raw();
    }
}

impl<D: Direction> Drop for PgioRequest<D> {
    fn drop(&mut self) {
        // Lost on the way (an error path that forgot it): fail it rather
        // than leave nfs.ko waiting.
        let request = PgioRequest::<D> {
            hdr: self.hdr,
            call_ops: self.call_ops,
            _dir: PhantomData,
        };
        request.finish(Err(-(b::EIO as c_int)));
    }
}

/// An accepted READ or WRITE held until it can be served (its file is
/// being opened), then handed back to nfs.ko when dropped: nfs.ko sends it
/// again as it was offered, to the provider first, else as an RPC. Never
/// completed here, so a request held is never failed. Dropped in task
/// context, outside every lock the provider's offers take (the hand-back
/// offers it again in the dropping task).
///
/// # Invariants
///
/// `hdr` was offered as a READ or WRITE with `call_ops` and accepted, and
/// is handed back exactly once, by `drop`.
pub(crate) struct Held {
    hdr: NonNull<b::nfs_pgio_header>,
    call_ops: *const b::rpc_call_ops,
}

// SAFETY: As for `PgioRequest`: nfs.ko hands an accepted request over
// entirely, and it may be handed back from any task.
unsafe impl Send for Held {}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: Accepted and not completed (type invariant); handed back
        // once, here, after which nothing here touches it.
        unsafe { b::nfs_localio_provider_pgio_return(self.hdr.as_ptr(), self.call_ops) };
    }
}

/// An accepted COMMIT.
///
/// # Invariants
///
/// As for [`PgioRequest`], with `data`.
pub(crate) struct CommitRequest {
    data: NonNull<b::nfs_commit_data>,
    call_ops: *const b::rpc_call_ops,
}

// SAFETY: As for `PgioRequest`.
unsafe impl Send for CommitRequest {}

impl CommitRequest {
    /// Completes the COMMIT with the verifier after its sync, or an errno.
    pub(crate) fn complete(self, result: Result<Verifier, c_int>) {
        let data = self.data.as_ptr();
        // SAFETY: Ours until `commit_done` (type invariant); the result's
        // verifier pointer is the request's own.
        unsafe {
            match result {
                Ok(verifier) => {
                    set_verifier((*data).res.verf, verifier, Stable::FileSync);
                    (*data).res.op_status = b::nfsstat4_NFS4_OK;
                    (*data).task.tk_status = 0;
                }
                Err(errno) => {
                    (*data).res.op_status = b::nfs_localio_errno_to_nfs4_stat(errno);
                    (*data).task.tk_status = errno;
                }
            }
        }
        let call_ops = self.call_ops;
        core::mem::forget(self);
        // SAFETY: Completed once, here; `forget` keeps `drop` from doing it
        // again.
        unsafe { b::nfs_localio_provider_commit_done(data, call_ops) };
    }
}

impl Drop for CommitRequest {
    fn drop(&mut self) {
        let request = CommitRequest {
            data: self.data,
            call_ops: self.call_ops,
        };
        request.complete(Err(-(b::EIO as c_int)));
    }
}
