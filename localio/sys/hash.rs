// SPDX-License-Identifier: GPL-2.0

//! The hash that places file handles and clients among RCU slots. Plain
//! `core`: the host tests check it.

/// Where a hash of `bytes` puts it among a small table's slots: a word at
/// a time, multiplied and folded so that keys differing in any byte (file
/// handles differ mostly in their last words) land apart.
pub fn slot_hash(bytes: &[u8]) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = bytes.len() as u64;
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(MIX);
        h ^= h >> 29;
    }
    h ^ (h >> 32)
}
