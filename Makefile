# SPDX-License-Identifier: GPL-2.0
#
# nfs-localio-rs top-level driver.
#
#   make                 install what is missing, build the kernel (cached),
#                        build both modules
#   make KDIR=<tree>     build the modules against any prepared Rust kernel
#                        tree (no dependency install, no kernel build)
#   make demo            boot the VM: a plain mount next to localio=on
#   make test            everything CI runs: host tests, style, VM tests
#   make bench           the benchmark table (in the VM, instruction clock)
#   make profile         perf profile of one workload: WORKLOAD=... MODE=...
#   make ab              A/B check in the VM: the previous engine vs this one
#   make soak            fio verify rounds under nfsd restarts, freezes and
#                        module reloads, SOAK_MINUTES (30) (not in CI; meant
#                        for KERNEL_VARIANT=debug)
#   make xfstests XFSTESTS=<xfstests checkout>
#                        xfstests in the VM, localio=on next to localio=off
#                        and the built-in path, NFSv3 and v4.2 (not in CI)
#   make host-test       `cargo test` of the pure decision logic
#   make rustfmtcheck    rustfmt check of the module sources
#   make clippy          build the modules with CLIPPY=1
#   make rust-analyzer   rust-project.json for editors

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# The cached tree's path depends on the installed toolchain, so it is asked
# for when a recipe runs (after `deps`), not when this file is parsed.
ifeq ($(KDIR),)
KDIR_NOW := $$($(TOP)/kernel/build.sh --kdir)
KERNEL_DEP := kernel
else
KDIR_NOW := $(KDIR)
endif

# The Debian rustc-web toolchain, named explicitly: the rustc, rustfmt and
# clippy-driver first on PATH may be rustup's, of another version.
# bindgen is the pinned one install-deps.sh put in the cache; the modules
# generate their own NFS bindings with it (scripts/bindgen.mk).
NFS_LOCALIO_CACHE ?= $(HOME)/.cache/nfs-localio-rs
BINDGEN ?= $(NFS_LOCALIO_CACHE)/tools/bin/bindgen
KMAKE := LIBCLANG_PATH=/usr/lib/llvm-19/lib $(MAKE) -C $(KDIR_NOW) M=$(TOP) \
	LLVM=-19 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc \
	RUSTDOC=/usr/bin/rustdoc RUSTFMT=/usr/bin/rustfmt \
	CLIPPY_DRIVER=/usr/bin/clippy-driver BINDGEN=$(BINDGEN)

RUST_SOURCES := $(filter-out %/bindings_generated.rs,$(wildcard \
	$(TOP)/localio/*.rs $(TOP)/localio/sys/*.rs $(TOP)/nfsd_shim/*.rs \
	$(TOP)/shim_api/*.rs $(TOP)/tests/host/*.rs))
# Our C, not what modpost generates next to it (*.mod.c).
C_SOURCES := $(filter-out %.mod.c %/trace.h,$(wildcard $(TOP)/localio/sys/*.[ch] \
	$(TOP)/nfsd_shim/*.[ch]))
# Trace headers are laid out as TRACE_EVENT() wants, as every trace header
# in the kernel is, which --strict's parenthesis checks do not know.
TRACE_HEADERS := $(wildcard $(TOP)/localio/sys/trace.h)

.PHONY: all deps kernel modules clean demo test vm-test bench profile host-test \
	rustfmt rustfmtcheck clippy rust-analyzer checkpatch ab xfstests soak

all: modules

deps:
	$(TOP)/scripts/install-deps.sh

kernel: deps
	$(TOP)/kernel/build.sh

modules: $(KERNEL_DEP)
	$(KMAKE) modules

clippy: $(KERNEL_DEP)
	$(KMAKE) CLIPPY=1 modules

# The kernel's own rustfmtcheck only walks the kernel tree; this applies
# the same rustfmt and the kernel's .rustfmt.toml to our sources.
rustfmtcheck: $(KERNEL_DEP)
	/usr/bin/rustfmt --check --edition 2021 \
		--config-path $(KDIR_NOW)/.rustfmt.toml $(RUST_SOURCES)

rustfmt: $(KERNEL_DEP)
	/usr/bin/rustfmt --edition 2021 \
		--config-path $(KDIR_NOW)/.rustfmt.toml $(RUST_SOURCES)

rust-analyzer: $(KERNEL_DEP)
	$(KMAKE) rust-analyzer

# CAMELCASE is ignored for the series only: its new Opt_localio* constants
# follow fs/nfs/fs_context.c's existing Opt_* naming. UNKNOWN_COMMIT_ID
# too: the fixes' Fixes: tags name mainline commits, which the unpacked
# Debian source (no git history) cannot look up.
# The series is the list kernel/build.sh applies, not a glob of its own.
checkpatch: $(KERNEL_DEP)
	cd $(KDIR_NOW) && for p in $$($(TOP)/kernel/build.sh --series); do \
		perl scripts/checkpatch.pl --strict --quiet \
			--ignore CAMELCASE,UNKNOWN_COMMIT_ID $$p || exit 1; \
	done
	cd $(KDIR_NOW) && perl scripts/checkpatch.pl --strict --quiet -f \
		$(C_SOURCES)
	cd $(KDIR_NOW) && perl scripts/checkpatch.pl --strict --quiet -f \
		--ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE $(TRACE_HEADERS)

host-test:
	cargo test --quiet --manifest-path $(TOP)/tests/host/Cargo.toml
	bash $(TOP)/tests/host/linux-source-choice.sh

demo: modules
	$(TOP)/tests/vm/run.sh demo

vm-test: modules
	$(TOP)/tests/vm/run.sh test

# The table has a column `on-ref` for the modules of commit BENCH_REF
# (built once into the cache by ab_ref.sh), next to this tree's:
# a change's before and after in one run. BENCH_REF_ENGINE= leaves it out.
BENCH_REF ?= 284fc93
BENCH_REF_ENV = BENCH_REF=$(BENCH_REF) \
	BENCH_REF_ENGINE=$${BENCH_REF_ENGINE-$$(AB_REF=$(BENCH_REF) $(TOP)/tests/vm/ab_ref.sh)}
bench: modules
	$(BENCH_REF_ENV) $(TOP)/tests/vm/run.sh bench

profile: modules
	$(BENCH_REF_ENV) $(TOP)/tests/vm/run.sh profile

# The reference engine (AB_REF, default 6a2ecaf) is built once into the
# cache; AB_ENGINES="LABEL:DIR ..." overrides the pair compared.
ab: modules
	$(TOP)/tests/vm/ab_ref.sh --run

test: modules
	$(TOP)/tests/run-all.sh

SOAK_MINUTES ?= 30
soak: modules
	SOAK_MINUTES=$(SOAK_MINUTES) \
	GUEST_JOB_TIMEOUT=$${GUEST_JOB_TIMEOUT:-$$(( $(SOAK_MINUTES) * 60 + 1800 ))} \
		$(TOP)/tests/vm/run.sh soak

# Not part of CI or of `make test`: xfstests is not on any package registry.
# XFSTESTS_ARGS, XFSTESTS_LIST, XFSTESTS_MODES: see tests/xfstests/run.sh.
xfstests: modules
	XFSTESTS="$(XFSTESTS)" $(TOP)/tests/xfstests/run.sh

clean:
	$(KMAKE) clean
