// SPDX-License-Identifier: GPL-2.0

//! A reference on a module, held by whatever must not outlive its code.

use super::bindings as b;
use kernel::ThisModule;

/// One reference on a module, dropped with this value.
///
/// # Invariants
///
/// `module` is a loaded module on which this value holds one reference.
pub(crate) struct ModuleRef {
    module: *mut b::module,
}

// SAFETY: Module references may be dropped from any task.
unsafe impl Send for ModuleRef {}

impl ModuleRef {
    /// Another reference on `module`, which the caller's own code shows to
    /// be loaded.
    pub(crate) fn new(module: &'static ThisModule) -> Self {
        let module = module.as_ptr();
        // SAFETY: Running code of `module` means it is loaded (and
        // `__module_get` accepts NULL, for built-in code).
        unsafe { b::__module_get(module) };
        // INVARIANT: Taken above.
        Self { module }
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        // SAFETY: Ours (type invariant), dropped once.
        unsafe { b::module_put(self.module) };
    }
}
