# SPDX-License-Identifier: GPL-2.0
#
# Toolchain and cache locations shared by every script in this project.
# Sourced, not executed. The Debian rustc-web 1.96 is used for everything:
# the rustc first on PATH (rustup) is a different version without rust-src.

: "${NFS_LOCALIO_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/nfs-localio-rs}"
: "${KERNEL_VARIANT:=default}"

LINUX_SOURCE_PKG=linux-source-6.12
LINUX_SOURCE_VERSION=6.12.117-1~deb12u1
RUSTC_WEB_VERSION=1.96.0+dfsg1-1~deb12u2
BINDGEN_VERSION=0.69.5
VIRTME_NG_VERSION=1.42

# Kernel make variables: LLVM=-19 picks clang-19/ld.lld-19, the rest pin the
# Rust side to the Debian toolchain.
KMAKE_VARS=(
	LLVM=-19
	RUSTC=/usr/bin/rustc
	HOSTRUSTC=/usr/bin/rustc
	RUSTDOC=/usr/bin/rustdoc
	RUSTFMT=/usr/bin/rustfmt
	CLIPPY_DRIVER=/usr/bin/clippy-driver
	BINDGEN="$NFS_LOCALIO_CACHE/tools/bin/bindgen"
)
export PATH="$NFS_LOCALIO_CACHE/tools/bin:$PATH"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
