// SPDX-License-Identifier: GPL-2.0

//! The provider's state, which every offer is served with.

use crate::clients::{Clients, Handshakes, Opens};
use crate::sys::workqueue::Ticker;
use core::pin::Pin;
use kernel::{prelude::*, sync::Arc};

/// The provider's state: every client it has seen, and their files, the
/// reaper that lets go of those no longer used, and the work that redoes
/// LOCALIO handshakes.
pub(crate) struct Localio {
    pub(crate) clients: Arc<Clients>,
    /// Ticks while any client has a cache entry.
    pub(crate) reaper: Pin<KBox<Ticker<Clients>>>,
    /// Runs once per kick, on a queue for long work.
    pub(crate) handshakes: Pin<KBox<Ticker<Handshakes>>>,
    /// Opens files for offers from tasks that may not open them; once
    /// per kick, on a queue for long work.
    pub(crate) opens: Pin<KBox<Ticker<Opens>>>,
}
