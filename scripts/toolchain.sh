# SPDX-License-Identifier: GPL-2.0
#
# Toolchain and cache locations shared by every script in this project.
# Sourced, not executed. The Debian rustc-web 1.96 is used for everything:
# the rustc first on PATH (rustup) is a different version without rust-src.

: "${NFS_LOCALIO_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/nfs-localio-rs}"
: "${KERNEL_VARIANT:=default}"

# The kernel source: a pinned Debian point release by default, so builds
# repeat. Debian's security archive keeps only recent 6.12.y releases; when
# the pinned one is gone, install-deps.sh takes the newest 6.12.y it offers
# and says so. LINUX_SOURCE_VERSION=<debian version> chooses another one,
# LINUX_SOURCE_VERSION=newest the newest. The version built is part of the
# kernel cache key (kernel/build.sh) and is printed by every VM job.
LINUX_SOURCE_PKG=linux-source-6.12
LINUX_SOURCE_PINNED=6.12.118-1~deb12u1
: "${LINUX_SOURCE_VERSION:=$LINUX_SOURCE_PINNED}"
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

# The linux-source-6.12 version installed now ("none" if it is not).
linux_source_installed() {
	dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$LINUX_SOURCE_PKG" \
		2>/dev/null | sed -n 's/^ii *//p' | grep . || echo none
}

# linux_source_choose WANT: the linux-source-6.12 version to build, given
# the versions the archive offers on stdin, one a line. WANT itself when the
# archive has it; the newest offered for WANT=newest, or with a warning on
# stderr when WANT is gone. Fails when the archive offers none.
linux_source_choose() {
	local want=$1 offered newest
	offered=$(sort -V | grep .) || return 1
	newest=$(tail -n1 <<<"$offered")
	if [ "$want" = newest ]; then
		echo "$newest"
	elif grep -qxF -- "$want" <<<"$offered"; then
		echo "$want"
	else
		echo "warning: $LINUX_SOURCE_PKG $want is no longer in the archive;" \
			"building $newest instead (LINUX_SOURCE_VERSION= picks another)" >&2
		echo "$newest"
	fi
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
