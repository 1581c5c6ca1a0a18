// SPDX-License-Identifier: GPL-2.0

//! The hash that places file handles and clients among RCU slots. Plain
//! `core`: the host tests check it.

/// Where a hash of `bytes` puts it among a small table's slots: a word at
/// a time, multiplied and folded so that keys differing in any byte (file
/// handles differ mostly in their last words) land apart.
///
/// Runs for every request: whole words are loaded as words (no copy), and
/// only a tail under eight bytes is gathered byte by byte, as if padded
/// with zeroes.
pub fn slot_hash(bytes: &[u8]) -> u64 {
    let (words, tail) = bytes.as_chunks::<8>();
    let mut h = words
        .iter()
        .fold(bytes.len() as u64, |h, word| mix(h, u64::from_le_bytes(*word)));
    if !tail.is_empty() {
        let word = tail
            .iter()
            .rev()
            .fold(0u64, |word, &byte| (word << 8) | u64::from(byte));
        h = mix(h, word);
    }
    h ^ (h >> 32)
}

/// One word into the hash so far.
fn mix(h: u64, word: u64) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let h = (h ^ word).wrapping_mul(MIX);
    h ^ (h >> 29)
}
