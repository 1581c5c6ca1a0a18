// SPDX-License-Identifier: GPL-2.0

//! The hash that places file handles and clients among RCU slots, and the
//! word reads that it and the handles' comparison share. Plain `core`: the
//! host tests check it.

/// Where a hash of `bytes` puts it among a small table's slots: a word at
/// a time, multiplied and folded so that keys differing in any byte (file
/// handles differ mostly in their last words) land apart.
///
/// Runs for every request: whole words are loaded as words (no copy), and
/// only a tail under eight bytes is gathered byte by byte, as if padded
/// with zeroes.
pub fn slot_hash(bytes: &[u8]) -> u64 {
    let chunks = bytes.chunks_exact(8);
    let tail = chunks.remainder();
    let mut h = chunks.map(word).fold(bytes.len() as u64, mix);
    if !tail.is_empty() {
        h = mix(h, tail_word(tail));
    }
    h ^ (h >> 32)
}

/// The little-endian word of a `tail` under eight bytes, as if padded with
/// zeroes (its bytes only: no load past its end; 0 for eight bytes or
/// more, which [`slice::chunks_exact`] never leaves). Two loads of four bytes
/// from its ends, overlapping where the tail is shorter than eight, or of
/// its first, middle and last byte under four: the bytes read twice land
/// on the same bits, so or-ing them in changes nothing.
#[inline]
pub fn tail_word(tail: &[u8]) -> u64 {
    let n = tail.len();
    let at = |i: usize| u64::from(tail[i]);
    match n {
        0 => 0,
        1..=3 => at(0) | at(n / 2) << (8 * (n / 2)) | at(n - 1) << (8 * (n - 1)),
        4..=7 => {
            let ends = |i: usize| {
                u64::from(u32::from_le_bytes(
                    tail[i..i + 4].try_into().unwrap_or([0; 4]),
                ))
            };
            ends(0) | ends(n - 4) << (8 * (n - 4))
        }
        _ => 0,
    }
}

/// The little-endian word of an eight-byte `chunk` (0 for any other
/// length, which [`slice::chunks_exact`] never yields).
pub fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]))
}

/// One word into the hash so far.
fn mix(h: u64, word: u64) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let h = (h ^ word).wrapping_mul(MIX);
    h ^ (h >> 29)
}
