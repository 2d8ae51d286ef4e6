//! Builds the C++ shim (pass/shim/shim.cpp, pass/shim/backup.cpp) against the host's LLVM
//! headers.
//!
//! The LLVM used is found through `$LLVM_CONFIG`, else `llvm-config-19`, else
//! `/usr/lib/llvm-19/bin/llvm-config`. The plugin does not link LLVM: opt/clang supply it.
use std::path::PathBuf;
use std::process::Command;

fn llvm_config() -> Result<(String, String), String> {
    let mut candidates = Vec::new();
    if let Ok(c) = std::env::var("LLVM_CONFIG") {
        candidates.push(c);
    }
    candidates.push("llvm-config-19".into());
    candidates.push("/usr/lib/llvm-19/bin/llvm-config".into());
    for c in &candidates {
        if let Ok(out) = Command::new(c).arg("--cxxflags").output() {
            if out.status.success() {
                return Ok((c.clone(), String::from_utf8_lossy(&out.stdout).into_owned()));
            }
        }
    }
    Err(format!(
        "no usable llvm-config (tried {}): install llvm-19-dev (scripts/setup.sh) or set LLVM_CONFIG",
        candidates.join(", ")
    ))
}

fn main() {
    println!("cargo:rerun-if-changed=shim/shim.cpp");
    println!("cargo:rerun-if-changed=shim/backup.cpp");
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
    let (tool, cxxflags) = match llvm_config() {
        Ok(v) => v,
        Err(e) => {
            println!("cargo:warning={e}");
            std::process::exit(1);
        }
    };
    let rtti = Command::new(&tool)
        .arg("--has-rtti")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "YES")
        .unwrap_or(true);
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file(PathBuf::from("shim/shim.cpp"))
        .file(PathBuf::from("shim/backup.cpp"))
        .warnings(false);
    for flag in cxxflags.split_whitespace() {
        build.flag(flag);
    }
    if !rtti {
        build.flag("-fno-rtti");
    }
    build
        .flag("-fvisibility=hidden")
        .flag("-fvisibility-inlines-hidden");
    build.compile("syscluster_shim");
    // Bind LLVM's symbols lazily, so that a plugin loaded into another LLVM reaches the
    // version check in llvmGetPassPluginInfo instead of failing inside the dynamic loader
    // on the first C++ symbol that differs.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,lazy");
    // Unit-test executables contain the shim too; there no opt or clang supplies LLVM, so
    // they link the shared library.
    if let Ok(out) = Command::new(&tool).args(["--libdir", "--version"]).output() {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines();
        if let (Some(libdir), Some(version)) = (lines.next(), lines.next()) {
            let major = version.split('.').next().unwrap_or("19");
            println!("cargo:rustc-link-arg-tests=-Wl,-rpath,{libdir}");
            println!("cargo:rustc-link-arg-tests=-L{libdir}");
            println!("cargo:rustc-link-arg-tests=-lLLVM-{major}");
        }
    }
}
