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
#   make bench           the benchmark table (in the VM)
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

KMAKE := $(MAKE) -C $(KDIR_NOW) M=$(TOP) LLVM=-19 RUSTC=/usr/bin/rustc \
	HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc

.PHONY: all deps kernel modules clean demo test vm-test bench host-test \
	rustfmtcheck clippy rust-analyzer

all: modules

deps:
	$(TOP)/scripts/install-deps.sh

kernel: deps
	$(TOP)/kernel/build.sh

modules: $(KERNEL_DEP)
	$(KMAKE) modules

clippy: $(KERNEL_DEP)
	$(KMAKE) CLIPPY=1 modules

rustfmtcheck: $(KERNEL_DEP)
	$(KMAKE) rustfmtcheck

rust-analyzer: $(KERNEL_DEP)
	$(KMAKE) rust-analyzer

host-test:
	cargo test --quiet --manifest-path $(TOP)/tests/host/Cargo.toml

demo: modules
	$(TOP)/tests/vm/run.sh demo

vm-test: modules
	$(TOP)/tests/vm/run.sh test

bench: modules
	$(TOP)/tests/vm/run.sh bench

test: modules
	$(TOP)/tests/run-all.sh

clean:
	$(KMAKE) clean
