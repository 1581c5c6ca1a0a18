#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian packages an xfstests tree needs to build and to run
# against NFS in the VM (the guest runs the host's root filesystem, so
# host packages are the guest's). The list follows xfstests-dev's README
# (Debian section), without what only local block-device filesystems use
# (lvm2, exfatprogs, f2fs-tools, ...). Run as root; `make xfstests` runs it.
#
#   tests/xfstests/install-deps.sh
set -euo pipefail

pkgs=(acl attr automake bc dbench dump e2fsprogs fio gawk gcc git indent
	libacl1-dev libaio-dev libcap-dev libgdbm-dev libgdbm-compat-dev
	libtool libtool-bin liburing-dev libuuid1 make psmisc python3 quota
	sed sqlite3 uuid-dev uuid-runtime xfsprogs xfslibs-dev
	nfs-kernel-server nfs-common)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "xfstests: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
