//! What LLVM calls into: the plugin entry point `llvmGetPassPluginInfo`, and the two functions
//! the C++ shim (pass/shim/shim.cpp) calls back, one to check the parameters of
//! `syscall-cluster<...>` when the pipeline is parsed and one to run the pass on a module.
//!
//! The shim registers the pass where it runs: by name in a pipeline (`opt -passes=`, lld's
//! `--lto-newpm-passes=`), at the OptimizerLast extension point (`clang -fpass-plugin`), and
//! at the end of the full LTO pipeline when `-syscluster-profile` names a profile (a linker or
//! `opt -passes='lto<O2>'` that parses the option), where the whole program is one module.
//!
//! The shim is compiled into this cdylib; its C++ symbols are hidden, so the entry point LLVM
//! looks up by name is defined here and returns the shim's struct. Nothing else of the pass
//! imports this module.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use llvm_sys::prelude::LLVMModuleRef;

use crate::shim::Shim;

/// `llvm::PassPluginLibraryInfo` (llvm/Passes/PassPlugin.h).
#[repr(C)]
pub struct PassPluginLibraryInfo {
    api_version: u32,
    plugin_name: *const c_char,
    plugin_version: *const c_char,
    register_callbacks: Option<unsafe extern "C" fn(*mut c_void)>,
}

extern "C" {
    fn syscluster_shim_built_major() -> c_uint;
    fn syscluster_shim_host_major() -> c_uint;
    fn syscluster_shim_register_options();
    fn syscluster_shim_plugin_info() -> PassPluginLibraryInfo;
}

/// The entry point LLVM's `PassPlugin::Load` calls right after `dlopen`.
///
/// It first checks that the host LLVM is the major the plugin was built for: a plugin loaded
/// into another LLVM would otherwise crash in the first C++ call whose layout differs.
#[no_mangle]
pub extern "C" fn llvmGetPassPluginInfo() -> PassPluginLibraryInfo {
    // SAFETY: both functions only read compile-time constants or call LLVMGetVersion, which
    // has had the same C signature since it exists (the shim checks that it exists).
    let (built, host) = unsafe { (syscluster_shim_built_major(), syscluster_shim_host_major()) };
    if host != built {
        let host = if host == 0 {
            "older than 16".to_string()
        } else {
            host.to_string()
        };
        eprintln!(
            "error: syscall-cluster plugin was built for LLVM {built} but this program runs LLVM {host}; \
             use opt-{built}/clang-{built}, or rebuild the plugin against this LLVM (LLVM_CONFIG=... cargo build)"
        );
        return PassPluginLibraryInfo {
            api_version: 0,
            plugin_name: c"syscall-cluster".as_ptr(),
            plugin_version: c"0.1.0".as_ptr(),
            register_callbacks: None,
        };
    }
    // SAFETY: the host LLVM matches the headers the shim was compiled with, so creating its
    // cl::opt objects and returning its registration struct is the ordinary plugin protocol.
    unsafe {
        syscluster_shim_register_options();
        syscluster_shim_plugin_info()
    }
}

/// Called by the shim when it parses `syscall-cluster<...>`: 1 when the parameters are valid,
/// else 0 with a message in `err` (NUL-terminated, truncated to `err_len`).
///
/// # Safety
/// `params` is a NUL-terminated string and `err` a buffer of `err_len` bytes, both live for
/// the call (the shim's contract).
#[no_mangle]
pub unsafe extern "C" fn syscluster_rust_check_params(
    params: *const c_char,
    err: *mut c_char,
    err_len: usize,
) -> c_int {
    // SAFETY: the shim passes a NUL-terminated string it owns for the duration of the call.
    let params = unsafe { CStr::from_ptr(params) }.to_string_lossy();
    match crate::config::Params::parse(&params) {
        Ok(_) => 1,
        Err(e) => {
            let msg = e.to_string();
            let n = msg.len().min(err_len.saturating_sub(1));
            // SAFETY: the shim's buffer holds err_len bytes; we write n + 1 <= err_len.
            unsafe {
                std::ptr::copy_nonoverlapping(msg.as_ptr(), err.cast::<u8>(), n);
                *err.add(n) = 0;
            }
            0
        }
    }
}

/// Called by the shim's pass object for each module: 1 when the module changed.
///
/// # Safety
/// `module` is the module the pass manager runs the pass on, `ctx` the shim's context for this
/// run and `params` a NUL-terminated string, all live for the call (the shim's contract).
#[no_mangle]
pub unsafe extern "C" fn syscluster_rust_run(
    module: LLVMModuleRef,
    ctx: *mut c_void,
    params: *const c_char,
) -> c_int {
    // SAFETY: the shim passes a NUL-terminated string it owns for the duration of the call.
    let params = unsafe { CStr::from_ptr(params) }
        .to_string_lossy()
        .into_owned();
    let shim = Shim::new(ctx);
    // A panic must not unwind into C++.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::driver::run(module, &shim, &params)
    }));
    match result {
        Ok(changed) => changed as c_int,
        Err(_) => {
            shim.error("internal error (panic) in the pass; the module was left unchanged or partly rewritten, please report it");
            0
        }
    }
}
