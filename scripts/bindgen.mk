# SPDX-License-Identifier: GPL-2.0
#
# Module-generated bindings: each module lists the headers it needs in its
# bindings_helper.h and gets their declarations as Rust, generated from the
# tree being built (structure layouts depend on its configuration) with the
# flags rust/Makefile gives bindgen for the kernel crate. Only what those
# headers declare themselves is generated (--allowlist-file,
# --no-recursive-allowlist); every other type is the kernel crate's
# (`use kernel::bindings::*` around the include!), so moving a header's
# bindings into rust/bindings later is a matter of deleting lines here.
#
# Set by the including Kbuild: module_bindgen_allow (path regexes) and
# module_bindgen_types (single types those headers use and the kernel crate
# lacks).

module_bindgen_flags = --rust-target 1.68 --use-core --ctypes-prefix kernel::ffi \
	--with-derive-default --no-layout-tests --no-debug '.*' \
	--no-doc-comments --enable-function-attribute-detection \
	--no-recursive-allowlist --default-non-copy-union-style manually_drop \
	$(foreach f,$(module_bindgen_allow),--allowlist-file '$(f)') \
	$(foreach t,$(module_bindgen_types),--allowlist-type '$(t)') \
	--blocklist-function '__list_.*_report'

quiet_cmd_module_bindgen = BINDGEN $@
      cmd_module_bindgen = \
	$(BINDGEN) $< $(module_bindgen_flags) -o $@ -- \
		$(c_flags) -fno-builtin -D__BINDGEN__ -DMODULE
