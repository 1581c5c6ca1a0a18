// SPDX-License-Identifier: GPL-2.0

//! NFS LOCALIO provider, client side.
//!
//! Registers with nfs.ko (through the hook series in `patches/`) as the
//! provider for `localio=on` mounts. For each READ, WRITE and COMMIT it is
//! offered, it finds the file opened through the nfsd shim for the same
//! caller and filehandle (`clients.rs`) or opens it, asks the policy
//! (`policy.rs`) whether the request can be served with direct I/O, and
//! either declines it (nfs.ko then sends the RPC) or queues it on the
//! dedicated I/O queue. There a worker, marked as a nested I/O submitter,
//! submits async direct I/O to the exported filesystem; the completion,
//! which may arrive in interrupt context, is finished on the same queue.

use core::ffi::{c_char, c_int, c_long, c_void};
use core::fmt::Write;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use kernel::{
    bindings, c_str,
    prelude::*,
    workqueue::{impl_has_work, new_work, Queue, Work, WorkItem},
};

#[path = "clients.rs"]
pub mod clients;
#[path = "policy.rs"]
pub mod policy;
#[path = "../workqueue/mod.rs"]
pub mod workqueue;

use clients::{Client, Clients, FileInUse, OpenFile};
use kernel::sync::Arc;
use policy::{Counters, DeclineReason, Request, RequestKind};
use workqueue::{IoQueue, TaskFlagsScope};

module! {
    type: LocalioClient,
    name: "localio_rs_client",
    author: "nfs-localio-rs developers",
    description: "NFS LOCALIO provider for localio=on mounts (Rust)",
    license: "GPL",
}

/// Module-wide totals; each client's own are in [`Client::counters`].
static COUNTERS: Counters = Counters::new();

/// The clients' state, for the entry points nfs.ko and the reaper call.
/// Set while the module is initialised.
static CLIENTS: AtomicPtr<Clients> = AtomicPtr::new(core::ptr::null_mut());

/// The I/O queue, for completions that arrive without a borrow of the
/// module (from `ki_complete`). Set while the module is initialised.
static IO_QUEUE: AtomicPtr<bindings::workqueue_struct> = AtomicPtr::new(core::ptr::null_mut());

/// The C half (glue.h). Each call's contract is documented there.
mod glue {
    use core::ffi::{c_char, c_int, c_long, c_void};

    /// Opaque `struct localio_rs_io`.
    #[repr(C)]
    pub(crate) struct Io {
        _private: [u8; 0],
    }

    /// Opaque `struct localio_rs_file`.
    #[repr(C)]
    pub(crate) struct File {
        _private: [u8; 0],
    }

    /// Opaque `struct nfs_client`.
    #[repr(C)]
    pub(crate) struct NfsClient {
        _private: [u8; 0],
    }

    /// `LOCALIO_RS_FH_MAX`.
    pub(crate) const FH_MAX: usize = 128;

    /// `LOCALIO_RS_GO_ON`: the request may go on.
    pub(crate) const GO_ON: c_int = -1;

    /// `LOCALIO_RS_REOPEN`: open the file through nfsd again.
    pub(crate) const REOPEN: c_int = -2;

    /// `struct localio_rs_file_key`; the credentials by address.
    #[repr(C)]
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct FileKey {
        pub(crate) cred: usize,
        pub(crate) mode: u32,
        pub(crate) fh_len: u32,
        pub(crate) fh: [u8; FH_MAX],
    }

    // The C side checks the same size (`BUILD_BUG_ON` in io_glue.c).
    kernel::static_assert!(core::mem::size_of::<FileKey>() == 8 + 4 + 4 + FH_MAX);

    /// `struct localio_rs_facts`.
    #[repr(C)]
    pub(crate) struct Facts {
        pub(crate) client: *mut NfsClient,
        pub(crate) offset: u64,
        pub(crate) count: u32,
        pub(crate) pgbase: u32,
        pub(crate) key: FileKey,
    }

    impl Default for Facts {
        fn default() -> Self {
            Self {
                client: core::ptr::null_mut(),
                offset: 0,
                count: 0,
                pgbase: 0,
                key: FileKey {
                    cred: 0,
                    mode: 0,
                    fh_len: 0,
                    fh: [0; FH_MAX],
                },
            }
        }
    }

    /// `struct localio_rs_opened_file`.
    #[repr(C)]
    #[derive(Default)]
    pub(crate) struct OpenedFile {
        pub(crate) file: *mut File,
        pub(crate) dio_mem: u32,
        pub(crate) dio_offset: u32,
    }

    extern "C" {
        pub(crate) fn localio_rs_glue_register() -> c_int;
        pub(crate) fn localio_rs_glue_unregister();
        pub(crate) fn localio_rs_io_describe(
            req: *mut c_void,
            kind: u32,
            facts: *mut Facts,
        ) -> c_int;
        pub(crate) fn localio_rs_file_open(
            req: *mut c_void,
            kind: u32,
            opened: *mut OpenedFile,
        ) -> c_int;
        pub(crate) fn localio_rs_file_serving(file: *mut File) -> bool;
        pub(crate) fn localio_rs_file_check(file: *mut File, for_request: bool) -> c_int;
        pub(crate) fn localio_rs_file_release(file: *mut File);
        pub(crate) fn localio_rs_client_server(clp: *mut NfsClient) -> *const c_char;
        pub(crate) fn localio_rs_client_nfs_version(clp: *mut NfsClient) -> u32;
        pub(crate) fn localio_rs_io_prepare(
            req: *mut c_void,
            kind: u32,
            call_ops: *const c_void,
            file: *mut File,
            served: u32,
        ) -> *mut Io;
        pub(crate) fn localio_rs_io_abort(io: *mut Io);
        pub(crate) fn localio_rs_io_set_owner(io: *mut Io, owner: *mut c_void);
        pub(crate) fn localio_rs_io_submit(io: *mut Io) -> c_long;
        pub(crate) fn localio_rs_io_result(io: *mut Io) -> c_long;
        pub(crate) fn localio_rs_io_finish(io: *mut Io, result: c_long);
    }
}

struct LocalioClient {
    /// Reached through [`CLIENTS`]; dropped (files released) after `drop`
    /// has unregistered.
    _clients: Pin<KBox<Clients>>,
    /// Dropped (drained, destroyed) last.
    _io_queue: IoQueue,
}

impl kernel::Module for LocalioClient {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The queue and the clients exist before nfs.ko can offer the first
        // request.
        let io_queue = IoQueue::new_unbound(c_str!("localio_rs_io"))?;
        let clients = KBox::pin_init(Clients::new(), GFP_KERNEL)?;
        IO_QUEUE.store(io_queue.as_ptr(), Ordering::Release);
        let clients_ptr: *const Clients = &*clients;
        CLIENTS.store(clients_ptr.cast_mut(), Ordering::Release);
        // SAFETY: Called once, from module init; paired with the unregister
        // in `drop`, which runs only if this succeeded.
        if let Err(e) = kernel::error::to_result(unsafe { glue::localio_rs_glue_register() }) {
            CLIENTS.store(core::ptr::null_mut(), Ordering::Release);
            IO_QUEUE.store(core::ptr::null_mut(), Ordering::Release);
            return Err(e);
        }
        Ok(Self {
            _clients: clients,
            _io_queue: io_queue,
        })
    }
}

impl Drop for LocalioClient {
    fn drop(&mut self) {
        // SAFETY: `init` registered successfully, or `self` would not exist.
        // After this returns neither nfs.ko nor the reaper calls into this
        // module.
        unsafe { glue::localio_rs_glue_unregister() };
        // Every accepted request holds a module reference until it has
        // completed, so none is in flight now; the clients' files are
        // released next, and the queue drains on drop.
        CLIENTS.store(core::ptr::null_mut(), Ordering::Release);
        IO_QUEUE.store(core::ptr::null_mut(), Ordering::Release);
    }
}

fn clients() -> &'static Clients {
    let ptr = CLIENTS.load(Ordering::Acquire);
    // SAFETY: The entry points that call this run only while the provider
    // is registered (nfs.ko's hooks, the reaper, debugfs), i.e. between
    // `init` storing the pointer and `drop` unregistering, and the pinned
    // box it points to lives until after `drop`.
    unsafe { &*ptr }
}

fn io_queue() -> &'static Queue {
    let ptr = IO_QUEUE.load(Ordering::Acquire);
    // SAFETY: Requests are offered only between init and drop, and each
    // accepted one keeps the module (and so the queue) alive until it has
    // completed; `ptr` is the live queue for all of that time.
    unsafe { Queue::from_raw(ptr) }
}

/// A C request object owned by one [`IoWork`].
struct IoHandle(*mut glue::Io);

// SAFETY: The C object is used by one work item at a time, on whichever
// worker runs it; it has no thread affinity.
unsafe impl Send for IoHandle {}

/// One accepted request on its way through the I/O queue: queued once to
/// submit, and once more if the lower filesystem completes it
/// asynchronously.
#[pin_data]
struct IoWork {
    #[pin]
    work: Work<IoWork>,
    io: IoHandle,
    kind: RequestKind,
    submitted: AtomicBool,
    /// The file `io` reads or writes, kept open (and busy) until the
    /// request is done.
    file: FileInUse,
    client: Arc<Client>,
}

impl_has_work! {
    impl HasWork<Self> for IoWork { self.work }
}

impl WorkItem for IoWork {
    type Pointer = Pin<KBox<IoWork>>;

    fn run(this: Pin<KBox<IoWork>>) {
        let _flags = TaskFlagsScope::io_worker();
        let io = this.io.0;
        if this.submitted.swap(true, Ordering::Relaxed) {
            // SAFETY: `io` is owned by this work item; its I/O completed.
            let result = unsafe { glue::localio_rs_io_result(io) };
            finish(this, result);
            return;
        }
        // Once submitted, an async completion may requeue this item before
        // `localio_rs_io_submit` returns: give up the box first.
        // SAFETY: The box is not moved; it is rebuilt below or by
        // `localio_rs_io_completed` from the same pointer.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(this) });
        // SAFETY: `io` was prepared for this request and not yet submitted.
        let result = unsafe { glue::localio_rs_io_submit(io) };
        if result == -(bindings::EIOCBQUEUED as c_long) {
            return;
        }
        // SAFETY: Completed synchronously: `ki_complete` will not run, so
        // this is the only owner of `raw`, which came from `into_raw`.
        let this = unsafe { Pin::new_unchecked(KBox::from_raw(raw)) };
        finish(this, result);
    }
}

// `c_long` is `i64` only on LP64 targets; the conversion is for the others.
#[allow(clippy::useless_conversion)]
fn finish(this: Pin<KBox<IoWork>>, result: c_long) {
    COUNTERS.complete(this.kind, result.into());
    this.client.counters.complete(this.kind, result.into());
    // SAFETY: `io` is owned by this work item and freed by this call, which
    // completes the NFS request; nothing uses it afterwards. `this.file`
    // keeps the file it used open until after the call.
    unsafe { glue::localio_rs_io_finish(this.io.0, result) };
}

/// Called from `ki_complete` (any context, interrupts included) with the
/// `owner` given to `localio_rs_io_set_owner`: finishes on the I/O queue.
///
/// # Safety
///
/// `owner` must be the pointer of an [`IoWork`] whose submission returned
/// `-EIOCBQUEUED`, passed here exactly once.
#[no_mangle]
pub unsafe extern "C" fn localio_rs_io_completed(owner: *mut c_void) {
    // SAFETY: Per the contract `owner` came from `KBox::into_raw` in
    // `IoWork::run` and nothing else owns it; it was pinned before.
    let work = unsafe { Pin::new_unchecked(KBox::from_raw(owner.cast::<IoWork>())) };
    io_queue().enqueue(work);
}

/// Called by nfs.ko, through the glue, for every request of a `localio=on`
/// mount. Returns 0 when the request was taken (it is completed later) or
/// a negative errno when nfs.ko should send it as an RPC.
///
/// # Safety
///
/// `req` must be the `nfs_pgio_header` (READ, WRITE) or `nfs_commit_data`
/// (COMMIT) nfs.ko offered with `call_ops`, untouched by anyone else until
/// it is completed or declined.
#[no_mangle]
pub unsafe extern "C" fn localio_rs_offer(
    req: *mut c_void,
    kind: u32,
    call_ops: *const c_void,
    sync: bool,
) -> c_int {
    let Some(kind) = RequestKind::from_code(kind) else {
        return -(bindings::EINVAL as c_int);
    };
    // nfs.ko offers WRITEs from writeback: no allocation may recurse into
    // I/O.
    let _noio = TaskFlagsScope::memalloc_noio();
    let mut facts = glue::Facts::default();
    // SAFETY: `req` is what nfs.ko offered as `kind` (our contract);
    // `facts` is a valid out-parameter.
    let described = unsafe { glue::localio_rs_io_describe(req, kind as u32, &mut facts) };
    // SAFETY: `facts.client` is the live nfs_client of an offered request,
    // and nfs.ko reports its release through `localio_rs_client_gone`.
    let client = unsafe { clients().get_or_add(facts.client) };
    COUNTERS.offer(kind);
    if let Some(client) = &client {
        client.counters.offer(kind);
    }
    let outcome = match (described, &client) {
        // SAFETY: Forwarded from this function's own contract.
        (glue::GO_ON, Some(client)) => unsafe { accept(req, kind, call_ops, sync, &facts, client) },
        (glue::GO_ON, None) => Err(DeclineReason::NoMemory),
        (code, _) => Err(DeclineReason::from_code(code).unwrap_or(DeclineReason::NotLocal)),
    };
    if let Some(client) = &client {
        client.note(outcome);
    }
    match outcome {
        Ok(()) => 0,
        Err(reason) => {
            COUNTERS.decline(reason);
            if let Some(client) = &client {
                client.counters.decline(reason);
            }
            -(bindings::EOPNOTSUPP as c_int)
        }
    }
}

/// Serves an offered request from `client`'s file for it, or says why not.
///
/// # Safety
///
/// As [`localio_rs_offer`]; `facts` describes `req`.
unsafe fn accept(
    req: *mut c_void,
    kind: RequestKind,
    call_ops: *const c_void,
    sync: bool,
    facts: &glue::Facts,
    client: &Arc<Client>,
) -> Result<(), DeclineReason> {
    let request = Request {
        kind,
        offset: facts.offset,
        count: facts.count,
        pgbase: facts.pgbase,
    };
    // SAFETY: `req` is a live offered request of `kind` (our contract).
    let file = client.file_for(&facts.key, &COUNTERS, || unsafe {
        OpenFile::open(req, kind)
    })?;
    let served = policy::check(&request, file.dio(), sync)?;
    if served < request.count {
        COUNTERS.split();
        client.counters.split();
    }
    // SAFETY: `req` and `call_ops` are what nfs.ko offered (our contract);
    // `file` is open and outlives the I/O, which holds it below.
    let io = unsafe { glue::localio_rs_io_prepare(req, kind as u32, call_ops, file.raw(), served) };
    if io.is_null() {
        return Err(DeclineReason::NoMemory);
    }
    let work = KBox::pin_init(
        pin_init!(IoWork {
            work <- new_work!("localio_rs::IoWork"),
            io: IoHandle(io),
            kind,
            submitted: AtomicBool::new(false),
            file: FileInUse::new(file),
            client: client.clone(),
        }),
        GFP_KERNEL,
    );
    let work = match work {
        Ok(work) => work,
        Err(_) => {
            // SAFETY: `io` was prepared above and is not queued.
            unsafe { glue::localio_rs_io_abort(io) };
            return Err(DeclineReason::NoMemory);
        }
    };
    let owner: *const IoWork = &*work;
    // SAFETY: `io` is prepared and owned by `work`, whose pinned address is
    // what the completion hands back.
    unsafe { glue::localio_rs_io_set_owner(io, owner.cast_mut().cast()) };
    io_queue().enqueue(work);
    Ok(())
}

/// nfs.ko's `client_release` hook: `clp` is about to be freed.
#[no_mangle]
pub extern "C" fn localio_rs_client_gone(clp: *mut c_void) {
    clients().remove(clp as usize);
}

/// The reaper's tick (every second): lets go of files idle for
/// [`clients::FILE_IDLE_NS`] and of those nfsd no longer serves.
#[no_mangle]
pub extern "C" fn localio_rs_reap() {
    clients().reap();
}

/// The errno the application would get from nfsd for the lower
/// filesystem's error `lower` (see [`policy::client_errno`]).
#[no_mangle]
#[allow(clippy::useless_conversion)] // `c_long` is `i64` only on LP64.
pub extern "C" fn localio_rs_client_errno(lower: c_long) -> c_int {
    policy::client_errno(lower.into())
}

/// Whether a READ reached end of file (see [`policy::read_eof`]).
#[no_mangle]
pub extern "C" fn localio_rs_read_eof(offset: u64, requested: u32, got: u64, size: u64) -> bool {
    policy::read_eof(offset, requested, got, size)
}

/// Formats the counters into the C buffer `buf` of `len` bytes.
///
/// Returns the number of bytes written, or `-EOVERFLOW` if they do not fit.
///
/// # Safety
///
/// `buf` must be valid for writes of `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn localio_rs_format_stats(buf: *mut c_char, len: usize) -> isize {
    // SAFETY: The caller guarantees `buf` is valid for `len` bytes of writes.
    let out = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
    let mut writer = SliceWriter { buf: out, used: 0 };
    match write_stats(&mut writer) {
        Ok(()) => writer.used as isize,
        Err(_) => -(bindings::EOVERFLOW as isize),
    }
}

/// Module-wide totals, a `name value` line each, then one line per client:
/// `client SERVER nfsvN name=value ...`.
fn write_stats(w: &mut impl Write) -> core::fmt::Result {
    write_counters(w, &COUNTERS, "", ' ', "\n")?;
    clients().for_each(|client| {
        let (server, version) = client.server();
        write!(w, "client {server} nfsv{version}")?;
        write_counters(w, &client.counters, " ", '=', "")?;
        writeln!(w, " open_files={}", client.open_files())
    })
}

fn write_counters(
    w: &mut impl Write,
    c: &Counters,
    start: &str,
    sep: char,
    end: &str,
) -> core::fmt::Result {
    for kind in RequestKind::ALL {
        let name = kind.name();
        write!(w, "{start}offered_{name}{sep}{}{end}", c.offered(kind))?;
        write!(w, "{start}local_{name}{sep}{}{end}", c.served(kind))?;
        write!(
            w,
            "{start}local_{name}_bytes{sep}{}{end}",
            c.served_bytes(kind)
        )?;
        write!(w, "{start}local_{name}_errors{sep}{}{end}", c.errors(kind))?;
    }
    for reason in DeclineReason::ALL {
        write!(
            w,
            "{start}declined_{}{sep}{}{end}",
            reason.name(),
            c.declined(reason)
        )?;
    }
    write!(w, "{start}file_opens{sep}{}{end}", c.file_opens())?;
    write!(w, "{start}file_reuses{sep}{}{end}", c.file_reuses())?;
    write!(w, "{start}file_reopens{sep}{}{end}", c.file_reopens())?;
    write!(w, "{start}local_split{sep}{}{end}", c.splits())
}

/// A `fmt::Write` sink over a fixed byte buffer that fails when full.
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    used: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.used.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.used..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.used = end;
        Ok(())
    }
}
