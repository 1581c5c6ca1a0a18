// SPDX-License-Identifier: GPL-2.0

//! A small read-mostly index, read under RCU: what lets a request find its
//! client and its cached file without taking a lock or writing a line that
//! another CPU's requests write.
//!
//! [`RcuSlots`] is a direct-mapped table of `Arc`s: a value lives in the
//! slot its hash picks, or not at all (a second value for the same slot
//! stays where its owner keeps it, under the owner's lock, and is found
//! there). Lookups take no lock and write only the found value's
//! reference count. A value taken out of its slot ([`Retired`]) is let go
//! only after an RCU grace period, so that a reader that loaded the slot
//! before it changed is done with it. 6.12's kernel crate has no RCU
//! types; this file is the one place that relies on RCU.

use super::bindings as b;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};

/// An RCU read-side critical section, from `new` to drop.
///
/// With 6.12's non-preemptible RCU this disables preemption: nothing done
/// while it lives may sleep.
struct ReadGuard {
    /// `rcu_read_unlock()` must run on the CPU and task that locked.
    _not_send: PhantomData<*mut ()>,
}

impl ReadGuard {
    fn new() -> Self {
        // SAFETY: Plain C call; paired with the unlock in `drop`.
        unsafe { b::localio_rs_rcu_read_lock() };
        Self {
            _not_send: PhantomData,
        }
    }
}

impl Drop for ReadGuard {
    fn drop(&mut self) {
        // SAFETY: Locked in `new`, by this task (the guard is not `Send`).
        unsafe { b::localio_rs_rcu_read_unlock() };
    }
}

/// `N` slots, each empty or holding a reference on a `T`.
///
/// Changes ([`Self::publish`], [`Self::unpublish`]) are serialised by the
/// owner (under the lock that guards what the slots index); lookups
/// ([`Self::get`]) need nothing.
///
/// # Invariants
///
/// A non-null slot holds a pointer from [`Arc::into_raw`], whose reference
/// the slot owns. A pointer taken out of a slot becomes a [`Retired`],
/// which gives the reference back only after an RCU grace period.
pub(crate) struct RcuSlots<T: Send + Sync, const N: usize> {
    slots: [AtomicPtr<T>; N],
}

impl<T: Send + Sync, const N: usize> RcuSlots<T, N> {
    /// All slots empty.
    pub(crate) const fn new() -> Self {
        Self {
            slots: [const { AtomicPtr::new(ptr::null_mut()) }; N],
        }
    }

    fn slot(&self, hash: u64) -> &AtomicPtr<T> {
        // Lossless: the remainder is below `N`, a `usize`.
        &self.slots[(hash % N as u64) as usize]
    }

    /// The value in `hash`'s slot, with a reference of its own, if `wanted`
    /// says it is the one. Takes no lock; `wanted` must not sleep.
    pub(crate) fn get(&self, hash: u64, wanted: impl FnOnce(&T) -> bool) -> Option<Arc<T>> {
        let _rcu = ReadGuard::new();
        let raw = self.slot(hash).load(Ordering::Acquire);
        if raw.is_null() {
            return None;
        }
        // SAFETY: From `Arc::into_raw` (type invariant). The slot held its
        // reference when this read-side section loaded it, and that
        // reference is given back only after a grace period that began
        // after the slot changed, so not before the guard drops, which is
        // after the `ArcBorrow`'s last use. Nothing makes a `UniqueArc` of
        // a shared value.
        let value = unsafe { ArcBorrow::from_raw(raw) };
        if !wanted(&value) {
            return None;
        }
        Some(value.into())
    }

    /// Puts a reference on `value` in `hash`'s slot if that is empty; says
    /// whether it did.
    pub(crate) fn publish(&self, hash: u64, value: &Arc<T>) -> bool {
        let raw = Arc::into_raw(value.clone()).cast_mut();
        // Release: a reader that loads `raw` sees the value initialised.
        match self.slot(hash).compare_exchange(
            ptr::null_mut(),
            raw,
            Ordering::Release,
            Ordering::Relaxed,
        ) {
            // INVARIANT: The slot owns the reference `into_raw` made.
            Ok(_) => true,
            Err(_) => {
                // SAFETY: From `into_raw` just above, and not stored: ours
                // to give back. Not the last reference (`value` holds one).
                drop(unsafe { Arc::from_raw(raw) });
                false
            }
        }
    }

    /// Takes `value` out of `hash`'s slot if it is there.
    pub(crate) fn unpublish(&self, hash: u64, value: &T) -> Option<Retired<T>> {
        let raw = ptr::from_ref(value).cast_mut();
        self.slot(hash)
            .compare_exchange(raw, ptr::null_mut(), Ordering::Relaxed, Ordering::Relaxed)
            .ok()
            .and_then(NonNull::new)
            // INVARIANT: The slot's reference moves to the `Retired`.
            .map(|raw| Retired { raw })
    }
}

impl<T: Send + Sync, const N: usize> Drop for RcuSlots<T, N> {
    fn drop(&mut self) {
        for slot in &mut self.slots {
            let raw = *slot.get_mut();
            if !raw.is_null() {
                // SAFETY: The slot's own reference (type invariant). No
                // reader is left: `get` borrows `self`, which is going.
                drop(unsafe { Arc::from_raw(raw) });
            }
        }
    }
}

/// A reference taken out of an [`RcuSlots`], which readers that loaded
/// the slot before may still be using without one.
///
/// Dropping it waits for those readers (`synchronize_rcu()`, so only where
/// sleeping is allowed) and then gives the reference back, which may be the
/// last. [`release_all`] waits once for many.
///
/// # Invariants
///
/// `raw` is from [`Arc::into_raw`], and this value owns its reference.
pub(crate) struct Retired<T> {
    raw: NonNull<T>,
}

// SAFETY: It stands for an `Arc<T>`, which may move between threads when
// `T: Send + Sync`.
unsafe impl<T: Send + Sync> Send for Retired<T> {}

impl<T> Retired<T> {
    /// Gives the reference back.
    ///
    /// # Safety
    ///
    /// An RCU grace period has passed since `self` was made.
    unsafe fn release_now(self) {
        let raw = self.raw.as_ptr();
        core::mem::forget(self);
        // SAFETY: Owned by `self` (type invariant), which is gone; no
        // reader is left (our contract).
        drop(unsafe { Arc::from_raw(raw) });
    }
}

impl<T> Drop for Retired<T> {
    fn drop(&mut self) {
        // SAFETY: Plain C call; callers drop a `Retired` where they may
        // sleep.
        unsafe { b::synchronize_rcu() };
        // SAFETY: Owned by `self` (type invariant); the grace period above
        // began after `self` was made.
        drop(unsafe { Arc::from_raw(self.raw.as_ptr()) });
    }
}

/// Drops every one of `retired` after one grace period for all; may sleep.
pub(crate) fn release_all<T>(retired: KVec<Retired<T>>) {
    if retired.is_empty() {
        return;
    }
    // SAFETY: Plain C call; callers may sleep.
    unsafe { b::synchronize_rcu() };
    for r in retired {
        // SAFETY: Each `Retired` existed before the grace period above.
        unsafe { r.release_now() };
    }
}
