#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs what is missing to build the kernel and the modules and to run the
# VM tests, from Debian's packages, crates.io and PyPI only. Idempotent: when
# everything is present it only checks versions and returns.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/toolchain.sh"

apt_pkgs=(
	"rustc-web=$RUSTC_WEB_VERSION"
	"rust-web-src=$RUSTC_WEB_VERSION"
	"rustfmt-web=$RUSTC_WEB_VERSION"
	"rust-web-clippy=$RUSTC_WEB_VERSION"
	clang-19 lld-19 llvm-19 libclang-19-dev
	make flex bison bc cpio kmod libelf-dev libssl-dev python3
	qemu-system-x86 nfs-kernel-server rpcbind xfsprogs fio acl
	# perf for `make profile` (the guest runs the host's binaries)
	linux-perf
	# PostgreSQL's server and pgbench for the bench's database row
	postgresql-15
)

missing=()
for p in "${apt_pkgs[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	have=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	ii*) [ "$want" = "$p" ] || [ "${have#ii }" = "$want" ] || missing+=("$p");;
	*) missing+=("$p");;
	esac
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The kernel source. The version asked for (the pin, unless
# LINUX_SOURCE_VERSION says otherwise) when the archive still has it;
# otherwise the newest 6.12.y it has, with a warning, so a fresh machine can
# still build after Debian drops the pinned point release.
have_src=$(linux_source_installed)
if [ "$LINUX_SOURCE_VERSION" != "$have_src" ]; then
	apt-get update -qq
	want_src=$(apt-cache madison "$LINUX_SOURCE_PKG" |
		awk -F' *[|] *' '{ print $2 }' |
		linux_source_choose "$LINUX_SOURCE_VERSION") ||
		die "the archive offers no $LINUX_SOURCE_PKG"
	if [ "$want_src" != "$have_src" ]; then
		log "installing $LINUX_SOURCE_PKG $want_src (was: $have_src)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends --allow-downgrades \
			"$LINUX_SOURCE_PKG=$want_src" >/dev/null
	fi
fi

# The Debian nfs-kernel-server must not run on the host: the tests start
# their own nfsd inside the guest.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now nfs-kernel-server >/dev/null 2>&1 || true
fi

/usr/bin/rustc --version | grep -q "^rustc 1\.96\." ||
	die "/usr/bin/rustc is not Debian's rustc-web 1.96"

bindgen_have=$("$NFS_LOCALIO_CACHE/tools/bin/bindgen" --version 2>/dev/null || true)
if ! grep -q " $BINDGEN_VERSION\$" <<<"$bindgen_have"; then
	log "installing bindgen-cli $BINDGEN_VERSION from crates.io"
	LIBCLANG_PATH=/usr/lib/llvm-19/lib cargo install --quiet --locked \
		--root "$NFS_LOCALIO_CACHE/tools" bindgen-cli --version "$BINDGEN_VERSION"
fi

vng_have=$(python3 -m pip show virtme-ng 2>/dev/null || true)
if ! grep -q "^Version: $VIRTME_NG_VERSION\$" <<<"$vng_have"; then
	log "installing virtme-ng $VIRTME_NG_VERSION from PyPI"
	python3 -m pip install --quiet --root-user-action=ignore \
		"virtme-ng==$VIRTME_NG_VERSION"
fi
log "dependencies present"
