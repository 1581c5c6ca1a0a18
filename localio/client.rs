// SPDX-License-Identifier: GPL-2.0

//! NFS LOCALIO provider, client side.
//!
//! Registers with nfs.ko (through the hook series in `patches/`) as the
//! provider for `localio=on` mounts; the C entry points are the
//! [`Provider`] methods below. Each concept is a file beside this one:
//!
//! - `offer.rs`: a READ, WRITE or COMMIT of nfs.ko's pageio path, gate ->
//!   file -> plan -> stateid -> accept, or declined to an RPC;
//! - `whole.rs`: an application's O_DIRECT request offered whole;
//! - `job.rs`: a taken pageio request until its reply;
//! - `clients.rs`: what is kept per NFS client: the files opened through
//!   nfsd, refusals, counters, the LOCALIO state and handshakes;
//!   `state.rs`: the provider's state every offer is served with;
//! - pure rules, which the host tests compile: `plan.rs` (how much direct
//!   I/O serves, and how), `submit.rs` (who submits: the offering task or
//!   the queue), `reply.rs` (what the application sees), `lifetime.rs`
//!   (how long a file is kept), `path_state.rs`, `outcome.rs` and
//!   `stats.rs` (every counter, declared once);
//! - `sys/`: the kernel layer, which holds every `unsafe` and imports
//!   nothing from the files above.
//!
//! A request (nfs.ko's) becomes a job (ours), whose I/O
//! ([`LocalIo`](sys::local_io::LocalIo) or
//! [`DirectIo`](sys::direct::DirectIo)) is submitted to the exported file
//! by the offering task or a worker of the queue, and ends in one place,
//! which replies as nfsd would have.

#[path = "clients.rs"]
pub mod clients;
#[path = "job.rs"]
pub mod job;
#[path = "lifetime.rs"]
pub mod lifetime;
#[path = "offer.rs"]
pub mod offer;
#[path = "outcome.rs"]
pub mod outcome;
#[path = "path_state.rs"]
pub mod path_state;
#[path = "plan.rs"]
pub mod plan;
#[path = "reply.rs"]
pub mod reply;
#[path = "state.rs"]
pub mod state;
#[path = "stats.rs"]
pub mod stats;
#[path = "submit.rs"]
pub mod submit;
#[path = "sys/mod.rs"]
pub mod sys;
#[path = "whole.rs"]
pub mod whole;

use core::fmt::Write;

use kernel::{c_str, prelude::*, sync::Arc};

use clients::{ClientCounters, Clients, Handshakes, Opens};
use outcome::RequestKind;
use path_state::PathState;
use state::Localio;
use stats::{RPC_BYTES, SERVED_BYTES};
use sys::debugfs::{DebugfsFile, SeqFile, Show};
use sys::direct::DirectOffer;
use sys::local_io::LocalIoQueue;
use sys::provider::{Provider, Registration};
use sys::request::{Accepted, ClientId, Declined, NfsClient, Offer};
use sys::workqueue::Ticker;

module! {
    type: LocalioClient,
    name: "localio_rs_client",
    author: "nfs-localio-rs developers",
    description: "NFS LOCALIO provider for localio=on mounts (Rust)",
    license: "GPL",
}

/// How often cached files are checked: idle ones are closed, and so are all
/// of a server whose nfsd is shutting down, which waits for them.
const REAP_INTERVAL_MS: u32 = 1000;

/// Fields drop in order: no more offers, no statistics; then the last
/// reference to the provider goes (the reaper stops, the clients' files
/// are let go), and the queue drains last.
struct LocalioClient {
    _registration: Registration<Localio>,
    _stats: DebugfsFile<Localio>,
    _io_queue: LocalIoQueue,
}

impl kernel::Module for LocalioClient {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // The queue and the clients exist before nfs.ko can offer the first
        // request.
        let io_queue = LocalIoQueue::new(c_str!("localio_rs_io"))?;
        let totals = Arc::new(ClientCounters::per_cpu()?, GFP_KERNEL)?;
        let clients = Arc::pin_init(Clients::new(totals), GFP_KERNEL)?;
        let reaper = Ticker::new(clients.clone(), REAP_INTERVAL_MS)?;
        let handshakes = Ticker::new_long(Arc::new(Handshakes(clients.clone()), GFP_KERNEL)?, 0)?;
        let opens = Ticker::new_long(Arc::new(Opens(clients.clone()), GFP_KERNEL)?, 0)?;
        let localio = Arc::new(
            Localio {
                clients,
                reaper,
                handshakes,
                opens,
            },
            GFP_KERNEL,
        )?;
        let stats = DebugfsFile::new(module, c"localio_rs", c"stats", localio.clone())?;
        let registration = Registration::new(c"localio_rs_client", localio)?;
        Ok(Self {
            _registration: registration,
            _stats: stats,
            _io_queue: io_queue,
        })
    }
}

#[vtable]
impl Provider for Localio {
    fn offer<'a>(&self, offer: Offer<'a>) -> Result<Accepted<'a>, Declined<'a>> {
        offer::offer(self, offer)
    }

    fn direct<'a>(&self, offer: DirectOffer<'a>) -> Result<(Accepted<'a>, isize), Declined<'a>> {
        whole::offer(self, offer)
    }

    fn client_release(&self, client: ClientId) {
        self.clients.remove(client);
    }

    /// `local=yes|no|unknown [reason=STATE]`, then the client's bytes
    /// served here and sent to nfsd, and the files it holds open. Per NFS
    /// client: mounts of one server share it.
    fn show_stats(&self, w: &mut SeqFile<'_>, nfs_client: &NfsClient) -> core::fmt::Result {
        let client = self.clients.find(nfs_client);
        let last = client
            .as_ref()
            .map_or(PathState::Unknown, |c| c.path_state());
        let (local, state) = PathState::for_mount(
            nfs_client.handshake_found_local(),
            nfs_client.localio_enabled(),
            last,
        );
        write!(w, "local={local}")?;
        if !state.is_local() {
            write!(w, " reason={}", state.name())?;
        }
        let Some(client) = client else {
            return Ok(());
        };
        let c = &client.counters;
        for kind in [RequestKind::Read, RequestKind::Write] {
            let name = kind.name();
            write!(w, " local_{name}_bytes={}", c.get(SERVED_BYTES, kind))?;
            write!(w, " rpc_{name}_bytes={}", c.get(RPC_BYTES, kind))?;
        }
        write!(w, " open_files={}", client.open_files())
    }
}

impl Show for Localio {
    /// Module-wide totals, a `name value` line each, then one line per
    /// client: `client SERVER nfsvN name=value ...` (`nfsv3-ds` for a pNFS
    /// data server's client).
    fn show(&self, w: &mut SeqFile<'_>) -> core::fmt::Result {
        self.clients.totals().write_to(w, "", ' ', "\n")?;
        let (in_flight, peak) = sys::local_io::in_flight();
        writeln!(w, "io_in_flight {in_flight}")?;
        writeln!(w, "io_in_flight_peak {peak}")?;
        writeln!(w, "reaper_ticks {}", self.clients.ticks())?;
        self.clients.for_each(|client| {
            let (server, version) = client.server();
            let role = if client.data_server() { "-ds" } else { "" };
            write!(w, "client {server} nfsv{version}{role}")?;
            client.counters.write_to(w, " ", '=', "")?;
            writeln!(w, " open_files={}", client.open_files())
        })
    }
}
