// SPDX-License-Identifier: GPL-2.0

//! NFS LOCALIO provider, client side.
//!
//! Registers with nfs.ko (through the hook series in `patches/`) as the
//! provider for `localio=on` mounts. This build accounts every READ, WRITE
//! and COMMIT it is offered and declines it, so nfs.ko sends it as a normal
//! RPC; the local data path arrives on top of this plumbing.

use core::ffi::c_char;
use core::fmt::Write;
use kernel::{bindings, c_str, prelude::*};

#[path = "policy.rs"]
pub mod policy;
#[path = "../workqueue/mod.rs"]
pub mod workqueue;

use policy::{Counters, Decision, DeclineReason, RequestKind};

module! {
    type: LocalioClient,
    name: "localio_rs_client",
    author: "nfs-localio-rs developers",
    description: "NFS LOCALIO provider for localio=on mounts (Rust)",
    license: "GPL",
}

static COUNTERS: Counters = Counters::new();

mod glue {
    extern "C" {
        pub(crate) fn localio_rs_glue_register() -> core::ffi::c_int;
        pub(crate) fn localio_rs_glue_unregister();
    }
}

struct LocalioClient {
    _io_queue: workqueue::IoQueue,
}

impl kernel::Module for LocalioClient {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The queue exists before nfs.ko can offer the first request.
        let io_queue = workqueue::IoQueue::new_unbound(c_str!("localio_rs_io"))?;
        // SAFETY: Called once, from module init; paired with the unregister
        // in `drop`, which runs only if this succeeded.
        kernel::error::to_result(unsafe { glue::localio_rs_glue_register() })?;
        Ok(Self {
            _io_queue: io_queue,
        })
    }
}

impl Drop for LocalioClient {
    fn drop(&mut self) {
        // SAFETY: `init` registered successfully, or `self` would not exist.
        // After this returns nfs.ko makes no further call into this module.
        unsafe { glue::localio_rs_glue_unregister() };
    }
}

/// Maps the C request kind from glue.h to [`RequestKind`].
fn request_kind(kind: u32) -> Option<RequestKind> {
    RequestKind::ALL.get(kind as usize).copied()
}

/// Called by nfs.ko, through the glue, for every request of a `localio=on`
/// mount. Returns 0 to accept the request or a negative errno to decline it.
#[no_mangle]
pub extern "C" fn localio_rs_offer(kind: u32, bytes: u64) -> core::ffi::c_int {
    let Some(kind) = request_kind(kind) else {
        return EINVAL.to_errno();
    };
    let decision = policy::decide(kind, bytes);
    COUNTERS.record(kind, bytes, decision);
    match decision {
        Decision::Decline(_) => -(bindings::EOPNOTSUPP as core::ffi::c_int),
    }
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

fn write_stats(w: &mut impl Write) -> core::fmt::Result {
    for kind in RequestKind::ALL {
        writeln!(w, "offered_{} {}", kind.name(), COUNTERS.offered(kind))?;
        writeln!(
            w,
            "offered_{}_bytes {}",
            kind.name(),
            COUNTERS.offered_bytes(kind)
        )?;
    }
    for reason in DeclineReason::ALL {
        writeln!(
            w,
            "declined_{} {}",
            reason.name(),
            COUNTERS.declined(reason)
        )?;
    }
    Ok(())
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
