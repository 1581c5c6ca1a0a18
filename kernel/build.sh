#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the 6.12 kernel this project runs on, with Rust, our nfs.ko hook
# series applied and the minimal configuration in kernel/config/.
#
# The build lives outside the repository, in
#   $NFS_LOCALIO_CACHE/kernel/<source version>-<variant>-<tree key>/linux
# where <tree key> hashes the configuration fragments and the toolchain. The
# patch series is tracked inside the tree: when only the patches change, the
# old series is reverted and the new one applied, so make rebuilds just what
# the patches touch. A file `.localio-build-key` records the full key (source,
# patches, config, toolchain); when it matches, the build is a no-op.
#
#   kernel/build.sh            build (or confirm) the kernel, print nothing
#   kernel/build.sh --kdir     print the tree path (for `make KDIR=...`)
#   kernel/build.sh --series   print the series' patch files, in order
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$top/scripts/toolchain.sh"

fragments=("$here/config/localio-vm.config")
[ "$KERNEL_VARIANT" = default ] || fragments+=("$here/config/$KERNEL_VARIANT.config")
for f in "${fragments[@]}"; do [ -f "$f" ] || die "no fragment $f"; done
shopt -s nullglob
# The series in order; 0000 is the cover letter.
patches=()
for p in "$top"/patches/linux-6.12/[0-9][0-9][0-9][0-9]-*.patch; do
	[[ $(basename "$p") == 0000-* ]] || patches+=("$p")
done
shopt -u nullglob
if [ "${1:-}" = --series ]; then
	[ ${#patches[@]} -eq 0 ] || printf '%s\n' "${patches[@]}"
	exit 0
fi

toolchain_id() {
	/usr/bin/rustc --version
	clang-19 --version | head -n1
	"$NFS_LOCALIO_CACHE/tools/bin/bindgen" --version 2>/dev/null || echo "bindgen ?"
}
src_version=$(linux_source_installed)
tree_key=$( { cat "${fragments[@]}"; toolchain_id; } | sha256sum | cut -c1-12)
patch_key=$( { [ ${#patches[@]} -eq 0 ] || cat "${patches[@]}"; } | sha256sum | cut -c1-12)
tree_dir="$NFS_LOCALIO_CACHE/kernel/${src_version//[~:]/_}-$KERNEL_VARIANT-$tree_key"
ksrc="$tree_dir/linux"
full_key="$src_version $KERNEL_VARIANT $tree_key $patch_key"

if [ "${1:-}" = --kdir ]; then
	echo "$ksrc"
	exit 0
fi

if [ -f "$ksrc/.localio-build-key" ] &&
   [ "$(cat "$ksrc/.localio-build-key")" = "$full_key" ] &&
   [ -f "$ksrc/arch/x86/boot/bzImage" ]; then
	log "kernel up to date: $ksrc"
	exit 0
fi

kmake() {
	LIBCLANG_PATH=/usr/lib/llvm-19/lib \
		make -C "$ksrc" -j"$(nproc)" "${KMAKE_VARS[@]}" "$@"
}

unpack() {
	log "unpacking $LINUX_SOURCE_PKG $src_version into $tree_dir"
	rm -rf "$tree_dir"
	mkdir -p "$tree_dir"
	tar -C "$tree_dir" -xf "/usr/src/$LINUX_SOURCE_PKG.tar.xz"
	mv "$tree_dir/$LINUX_SOURCE_PKG" "$ksrc"
	mkdir -p "$ksrc/.localio-patches"
}

# Bring the tree's patch series in line with patches/linux-6.12/.
sync_patches() {
	local applied=("$ksrc"/.localio-patches/*.patch) p
	if [ -e "${applied[0]}" ]; then
		if cmp -s <(cat "${applied[@]}") <(cat "${patches[@]}" 2>/dev/null); then
			return 0
		fi
		for ((i = ${#applied[@]} - 1; i >= 0; i--)); do
			p=${applied[i]}
			log "reverting $(basename "$p")"
			if ! patch -d "$ksrc" -p1 -R -s --no-backup-if-mismatch <"$p"; then
				log "cannot revert $(basename "$p"): starting from a fresh tree"
				unpack
				break
			fi
			rm -f "$p"
		done
	fi
	for p in "${patches[@]}"; do
		log "applying $(basename "$p")"
		patch -d "$ksrc" -p1 -s -N --no-backup-if-mismatch <"$p" ||
			die "$(basename "$p") does not apply to $src_version"
		cp "$p" "$ksrc/.localio-patches/"
	done
}

[ "$src_version" != none ] || die "$LINUX_SOURCE_PKG is not installed: run make deps"
[ -f "$ksrc/Makefile" ] || unpack
mkdir -p "$ksrc/.localio-patches"
sync_patches
rm -f "$ksrc/.localio-build-key"

if ! [ -f "$ksrc/.config" ] || ! [ -f "$ksrc/.localio-config-done" ]; then
	log "configuring: tinyconfig + ${fragments[*]##*/}"
	kmake -s tinyconfig >/dev/null
	KCONFIG_CONFIG="$ksrc/.config" "$ksrc/scripts/kconfig/merge_config.sh" \
		-m -O "$ksrc" "$ksrc/.config" "${fragments[@]}" >/dev/null
	kmake -s olddefconfig >/dev/null
	# A fragment line that did not survive olddefconfig is a dependency we
	# got wrong: fail loudly instead of building a kernel without it.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qxF "$line" "$ksrc/.config" ||
			{ log "config: $line did not stick"; bad=1; };;
		esac
	done < <(cat "${fragments[@]}")
	[ $bad -eq 0 ] || die "configuration fragment does not apply cleanly"
	touch "$ksrc/.localio-config-done"
fi

log "building kernel in $ksrc"
start=$(date +%s)
kmake -s bzImage modules
kmake -s rust-analyzer >/dev/null 2>&1 || true
echo "$full_key" >"$ksrc/.localio-build-key"
log "kernel built in $(( $(date +%s) - start )) s"
