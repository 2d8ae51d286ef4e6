//! Writes `multicall.pc` (pkg-config) next to the libraries this build produces, in
//! `${CARGO_TARGET_DIR:-target}/<profile>/`, so that after `cargo build --release`
//!
//! ```sh
//! PKG_CONFIG_PATH=$PWD/target/release cc prog.c $(pkg-config --cflags --libs multicall)
//! ```
//!
//! builds a C program against libmulticall. `multicall.pc` links the shared library, whose
//! soname is its own absolute path (set here): the program names it by that path and the
//! dynamic loader opens it at once, where an rpath would have it try some twenty directories
//! first (glibc-hwcaps and the legacy `tls`/`haswell`/`avx512_1`/`x86_64` ones) and look for
//! libc there too; with `-static` the same flags take the archive. `multicall-static.pc`
//! links the static archive by its path.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// What a Rust static library needs from the system (`--print native-static-libs` says
/// `-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc`). The unwinder (`-lgcc_s`) is left to the
/// compiler driver, which links libgcc_s for dynamic programs and libgcc_eh with `-static`;
/// naming it here would break `-static` links.
const NATIVE_STATIC_LIBS: &str = "-lutil -lrt -lpthread -lm -ldl -lc";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=include/multicall.h");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        println!("cargo:warning=OUT_DIR is not set: multicall.pc not written");
        return;
    };
    // OUT_DIR is <target>/<profile>/build/multicall-<hash>/out.
    let Some(profile_dir) = out_dir.ancestors().nth(3) else {
        println!("cargo:warning=unexpected OUT_DIR layout: multicall.pc not written");
        return;
    };
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,-soname,{}",
        profile_dir.join("libmulticall.so").display()
    );
    let include = manifest.join("include");
    let uapi = manifest.join("../kmod/include/uapi");
    let uapi = uapi.canonicalize().unwrap_or(uapi);
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_else(|_| "0".into());
    let common = format!(
        "libdir={libdir}\nincludedir={include}\nuapidir={uapi}\n\n\
         Name: multicall\n\
         Description: libmulticall: runs a batch of system calls in one kernel crossing\n\
         Version: {version}\n\
         Cflags: -I${{includedir}} -I${{uapidir}}\n",
        libdir = profile_dir.display(),
        include = include.display(),
        uapi = uapi.display(),
    );
    let shared = format!(
        "{common}Libs: -L${{libdir}} -lmulticall\n\
         Libs.private: {NATIVE_STATIC_LIBS}\n"
    );
    let common_static = common.replacen("Name: multicall\n", "Name: multicall-static\n", 1);
    let archive = format!("{common_static}Libs: ${{libdir}}/libmulticall.a {NATIVE_STATIC_LIBS}\n");
    write(&profile_dir.join("multicall.pc"), &shared);
    write(&profile_dir.join("multicall-static.pc"), &archive);
}

fn write(path: &Path, text: &str) {
    if fs::read_to_string(path).ok().as_deref() == Some(text) {
        return;
    }
    if let Err(err) = fs::write(path, text) {
        println!("cargo:warning=cannot write {}: {err}", path.display());
    }
}
