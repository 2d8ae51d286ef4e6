//! The runtime archive that `syscluster build` links into clustered programs: the code of
//! `libmulticall.a` that its C API reaches, with a private copy of the unwinder, as one
//! relocatable object in an archive of its own.
//!
//! Cargo's `libmulticall.a` holds Rust's standard library, whose precompiled objects call
//! the unwinder (`_Unwind_Resume` in their cleanup code, `_Unwind_RaiseException` to start a
//! panic, `_Unwind_Backtrace` for a panic's backtrace). Linked as it is, those references make
//! the linker keep `libgcc_s.so.1` (the compiler driver passes it inside `--as-needed`), and a
//! C program that never loaded it pays for loading it (8 crossings and its constructor) at
//! every start. Here the references are resolved once, when the build starts, against the
//! compiler's static unwinder (`libgcc_eh.a`, whose symbols are hidden), and every symbol but
//! the C API (`multicall*`) is made local:
//!
//! - the program's own references to the unwinder (C++, C with `-fexceptions`) still go to
//!   the unwinder it would have had: the runtime's copy is visible to the runtime only;
//! - the runtime still unwinds as Rust expects (a panic reaching a C entry point aborts);
//! - an archive member is still linked only when the program calls the runtime, so a
//!   program in which nothing was clustered is linked exactly as the original.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The prefix of every symbol of the runtime's C API (`runtime/include/multicall.h`).
const API_PREFIX: &str = "multicall";
/// Lists an archive's symbols, also of members that carry LLVM bitcode.
const NM: &str = "llvm-nm-19";
/// Makes all but the API's symbols local.
const OBJCOPY: &str = "llvm-objcopy-19";
/// The system linker, for the relocatable (`-r`) link.
const LD: &str = "ld";
/// Makes the archive of one member.
const AR: &str = "llvm-ar-19";
/// Sections of embedded bitcode that no link uses (Rust's `-C embed-bitcode`).
const DROPPED_SECTIONS: [&str; 2] = [".llvmbc", ".llvmcmd"];

/// Builds the archive in `dir` from `runtime` (cargo's `libmulticall.a`), finding the
/// static unwinder with the C compiler `cc`, and returns its path.
pub fn private_runtime(runtime: &Path, cc: &str, dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let api = api_symbols(runtime)?;
    let unwinder = static_unwinder(cc)?;
    let linked = dir.join("multicall-linked.o");
    let object = dir.join("multicall.o");
    let keep = dir.join("api-symbols");
    let archive = dir.join("libmulticall.a");

    // The API's symbols are the roots of `--gc-sections`, as when rustc links an executable
    // or a shared library from the same objects: two thirds of the code goes, and with it
    // relocations the loader would apply at every start.
    let mut ld = Command::new(LD);
    ld.args(["-r", "--gc-sections", "-o"]).arg(&linked);
    for sym in &api {
        ld.arg("-u").arg(sym);
    }
    ld.arg(runtime).arg(&unwinder);
    run(&mut ld)?;

    fs::write(&keep, api.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", keep.display()))?;
    let mut objcopy = Command::new(OBJCOPY);
    objcopy.arg(format!("--keep-global-symbols={}", keep.display()));
    for section in DROPPED_SECTIONS {
        objcopy.arg(format!("--remove-section={section}"));
    }
    objcopy.arg(&linked).arg(&object);
    run(&mut objcopy)?;
    // Only the archive is linked; a failed removal of the intermediate files costs disk
    // space, nothing else.
    let _ = fs::remove_file(&linked);

    let _ = fs::remove_file(&archive);
    run(Command::new(AR).arg("rcs").arg(&archive).arg(&object))?;
    let _ = fs::remove_file(&object);
    Ok(archive)
}

/// The C API's symbols that `runtime` defines.
fn api_symbols(runtime: &Path) -> Result<Vec<String>> {
    let out = output(
        Command::new(NM)
            .args(["--defined-only", "--extern-only", "--format=just-symbols"])
            .arg(runtime),
    )?;
    let mut api: Vec<String> = out
        .lines()
        .filter(|s| {
            s.starts_with(API_PREFIX) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .map(str::to_string)
        .collect();
    api.sort();
    api.dedup();
    if api.is_empty() {
        bail!(
            "{} defines no {API_PREFIX}* symbol: not the runtime archive",
            runtime.display()
        );
    }
    Ok(api)
}

/// The path of the compiler's static unwinder, `libgcc_eh.a`.
fn static_unwinder(cc: &str) -> Result<PathBuf> {
    let out = output(Command::new(cc).arg("-print-file-name=libgcc_eh.a"))?;
    let path = PathBuf::from(out.trim());
    // A compiler that does not know the file prints its bare name.
    if !path.is_absolute() || !path.is_file() {
        bail!("{cc} knows no libgcc_eh.a (it printed {:?})", out.trim());
    }
    Ok(path)
}

fn run(cmd: &mut Command) -> Result<()> {
    output(cmd).map(drop)
}

/// Runs `cmd` and returns its standard output; fails with its standard error.
fn output(cmd: &mut Command) -> Result<String> {
    let what = format!("{cmd:?}");
    let out = cmd.output().with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
