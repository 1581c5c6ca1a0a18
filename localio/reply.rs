// SPDX-License-Identifier: GPL-2.0

//! What the application sees of a locally served request, as nfsd's reply
//! would tell it: the errno a lower error becomes, where a READ reached
//! EOF, and which refused writes are asked again as nfsd asks.

/// Whether a direct write the exported filesystem refused with `result`
/// is to be written as nfsd writes it instead: through the page cache,
/// synced. Direct I/O reserves more than the data it writes (XFS: the
/// extent tree blocks an allocation may need, charged to the quota and
/// the free space up front), where nfsd's buffered write reserves the
/// data alone; close to a quota or a full filesystem the direct write is
/// refused a write nfsd would take. Asked again the way nfsd asks, the
/// filesystem answers as it answers nfsd.
pub fn write_as_nfsd(result: i64) -> bool {
    result == -i64::from(errno::EDQUOT) || result == -i64::from(errno::ENOSPC)
}

/// Linux errno values (asm-generic, as on x86_64).
pub mod errno {
    #![allow(missing_docs)]
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const ENXIO: i32 = 6;
    pub const EACCES: i32 = 13;
    pub const EEXIST: i32 = 17;
    pub const EXDEV: i32 = 18;
    pub const ENODEV: i32 = 19;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const EFBIG: i32 = 27;
    pub const ENOSPC: i32 = 28;
    pub const EROFS: i32 = 30;
    pub const EMLINK: i32 = 31;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOTEMPTY: i32 = 39;
    pub const ESTALE: i32 = 116;
    pub const EDQUOT: i32 = 122;
}

/// The error the application would see had nfsd met `lower` (a negative
/// errno from the lower filesystem) and replied over the wire.
///
/// nfsd turns errnos it has an NFS status for into that status and the
/// client turns the status back into the same errno; everything else
/// becomes NFSERR_IO, i.e. EIO.
pub fn client_errno(lower: i64) -> i32 {
    use errno::*;
    const PASSED_THROUGH: [i32; 18] = [
        EPERM,
        ENOENT,
        EIO,
        ENXIO,
        EACCES,
        EEXIST,
        EXDEV,
        ENODEV,
        ENOTDIR,
        EISDIR,
        EINVAL,
        EFBIG,
        ENOSPC,
        EROFS,
        EMLINK,
        ENAMETOOLONG,
        ENOTEMPTY,
        EDQUOT,
    ];
    match lower.checked_neg().map(i32::try_from) {
        Some(Ok(e)) if PASSED_THROUGH.contains(&e) || e == ESTALE => -e,
        _ => -EIO,
    }
}

/// A lower filesystem's negative result, as the errno it is (EIO if it
/// is none).
pub fn lower_errno(result: i64) -> i32 {
    i32::try_from(result).unwrap_or(-errno::EIO)
}

/// Whether a READ of `requested` bytes at `offset` that returned `got`
/// bytes, on a file `size` bytes long after the read, reached end of
/// file, as nfsd tells (`nfsd_eof_on_read()`): nothing read of something
/// asked for, or the read reached the size. A read cut short at the size
/// the lower filesystem sampled, of a file that has grown since, is not
/// at EOF: nfs.ko asks for the rest, as over the wire.
pub fn read_eof(offset: u64, requested: u32, got: u64, size: u64) -> bool {
    (requested != 0 && got == 0) || offset.saturating_add(got) >= size
}
