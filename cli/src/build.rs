//! The build driver: `syscluster build -- COMMAND...` and the compiler wrapper `syscluster cc`.
//!
//! `build` runs a program's own build (`make`, `./configure && make`, `cmake --build`, a plain
//! compile) with `CC`/`CXX` pointing at two small wrapper scripts that call `syscluster cc` and
//! `syscluster c++`. The wrapper decides per compiler invocation:
//!
//! - a configure or CMake test program (`conftest.c`, `CMakeFiles/CMakeScratch/...`), a
//!   preprocessor run (`-E`, `-M`), or a run without a profile: the real compiler, unchanged;
//! - a compile of sources: the real compiler with the plugin, the profile and the pass's
//!   remarks saved as YAML into the build's log directory;
//! - a link: the real compiler plus the runtime's static archive, inside `--as-needed`, so that
//!   a program or library links libmulticall only when one of its objects calls it: a program
//!   in which nothing was clustered is linked exactly as the original.
//!
//! When the build ends, `build` reads every module's remarks and prints one summary for the
//! whole build: modules compiled with the pass, clusters formed, hot edges refused by reason
//! with their weights, and hot edges that match no call site in any module.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use syscluster_profile::format::Profile;

use crate::runtime_archive::private_runtime;

/// Environment of the compiler wrapper, set by `build` (or by hand for `CC="syscluster cc"`).
const ENV_PROFILE: &str = "SYSCLUSTER_PROFILE";
const ENV_LOG: &str = "SYSCLUSTER_LOG";
const ENV_PLUGIN: &str = "SYSCLUSTER_PLUGIN";
const ENV_RUNTIME: &str = "SYSCLUSTER_RUNTIME";
const ENV_CC: &str = "SYSCLUSTER_CC";
const ENV_CXX: &str = "SYSCLUSTER_CXX";
const ENV_OFF: &str = "SYSCLUSTER_OFF";
const ENV_VERIFY: &str = "SYSCLUSTER_VERIFY";
const ENV_OPT: &str = "SYSCLUSTER_OPT";
/// `1`: compile to LLVM bitcode (`-flto`) and run the pass when linking, over the whole program.
const ENV_LTO: &str = "SYSCLUSTER_LTO";
/// The linker that runs the pass at link time (it loads pass plugins: `--load-pass-plugin`).
const LTO_LINKER: &str = "lld";
/// Archivers that index bitcode members, for the build's static libraries under `--lto`.
const LTO_AR: &str = "llvm-ar-19";
const LTO_RANLIB: &str = "llvm-ranlib-19";

#[derive(Args)]
pub struct BuildArgs {
    /// The profile to cluster with (from `syscluster record`).
    #[arg(short, long)]
    profile: PathBuf,
    /// Directory for the build's remarks and summary (emptied first).
    #[arg(long, default_value = "syscluster-build")]
    log: PathBuf,
    /// Hot edges listed per reason in the summary.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Check the pass's output: every module compiled with the pass runs LLVM's IR verifier
    /// after each pass (`-fverify-intermediate-code`), and every module the pass changed is
    /// compiled again to bitcode and checked by `opt -passes=verify` on its own (with
    /// `--lto`, LLVM's verifier ends the link's pipeline instead). The build fails when a
    /// check does.
    #[arg(long)]
    verify: bool,
    /// Link-time optimisation: compile to bitcode (`-flto`) and run the pass when each
    /// program is linked (with lld), over the whole program, so that a hot edge between
    /// helpers of different source files can be clustered.
    #[arg(long)]
    lto: bool,
    /// The build command, e.g. `make -j2`, `sh -c './configure && make'`.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<OsString>,
}

/// This executable's path, which the wrappers call.
fn own_exe() -> Result<PathBuf> {
    std::env::current_exe().context("cannot find the syscluster executable's path")
}

/// A file the wrapper needs: the path in the environment variable `var`, or `name` beside
/// this executable, where `cargo build` puts the plugin and the runtime too.
fn beside_exe(var: &str, name: &str) -> Result<PathBuf> {
    match std::env::var_os(var) {
        Some(p) => Ok(PathBuf::from(p)),
        None => Ok(own_exe()?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join(name)),
    }
}

fn plugin_path() -> Result<PathBuf> {
    beside_exe(ENV_PLUGIN, "libsyscluster_pass.so")
}

fn runtime_path() -> Result<PathBuf> {
    beside_exe(ENV_RUNTIME, "libmulticall.a")
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot make {} absolute", path.display()))
}

fn write_wrapper(bin: &Path, name: &str, exe: &Path, mode: &str) -> Result<PathBuf> {
    let path = bin.join(name);
    let script = format!(
        "#!/bin/sh\n# The syscall-cluster compiler wrapper of `syscluster build`.\nexec '{}' {mode} \"$@\"\n",
        exe.display().to_string().replace('\'', "'\\''")
    );
    fs::write(&path, script).with_context(|| format!("cannot write {}", path.display()))?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))?;
    Ok(path)
}

/// `syscluster build`.
pub fn build(args: BuildArgs) -> Result<ExitCode> {
    let profile = absolute(&args.profile)?;
    let recorded = Profile::load(&profile).with_context(|| {
        format!(
            "cannot use the profile {}: record one with `syscluster record -o {} -- PROGRAM ARGS`",
            profile.display(),
            args.profile.display()
        )
    })?;
    let plugin = plugin_path()?;
    if !plugin.is_file() {
        bail!(
            "no pass plugin at {}: run `cargo build --release`, or set {ENV_PLUGIN}",
            plugin.display()
        );
    }
    let runtime = runtime_path()?;
    if !runtime.is_file() {
        bail!(
            "no runtime archive at {}: run `cargo build --release`, or set {ENV_RUNTIME}",
            runtime.display()
        );
    }
    let log = absolute(&args.log)?;
    if log.exists() {
        fs::remove_dir_all(&log).with_context(|| format!("cannot empty {}", log.display()))?;
    }
    let bin = log.join("bin");
    fs::create_dir_all(log.join("remarks"))
        .and_then(|()| fs::create_dir_all(&bin))
        .with_context(|| format!("cannot create {}", log.display()))?;
    // The copy of the runtime that programs link: the unwinder resolved inside it, so that
    // a C program loads no libgcc_s it did not load before (cli/src/runtime_archive.rs).
    let c_compiler = real_compiler(false);
    let runtime = match private_runtime(&runtime, &c_compiler, &log.join("runtime")) {
        Ok(archive) => archive,
        Err(err) => {
            eprintln!(
                "syscluster build: linking {} as it is, so clustered programs load libgcc_s: {err:#}",
                runtime.display()
            );
            runtime
        }
    };
    let exe = own_exe()?;
    let cc = write_wrapper(&bin, "cc", &exe, "cc")?;
    let cxx = write_wrapper(&bin, "c++", &exe, "c++")?;

    let mut command = args.command.clone();
    // A command that is itself a compile (`syscluster build -p P -- clang-19 -O2 -g prog.c -o
    // prog`) sets no `CC` to read: it runs as the wrapper instead.
    if let Some(lang) = compiler_language(&command[0]) {
        let (wrapper, mode, real) = match lang {
            Lang::C => (&cc, "cc", ENV_CC),
            Lang::Cxx => (&cxx, "c++", ENV_CXX),
        };
        eprintln!(
            "syscluster build: the command is a compiler: running it as `syscluster {mode}` (the compiler {}, which {real} sets)",
            real_compiler(lang == Lang::Cxx)
        );
        command[0] = wrapper.clone().into();
    }
    // make's own CC (`CC = gcc` in a Makefile) beats the environment; a command-line
    // assignment beats both.
    let is_make = Path::new(&command[0])
        .file_name()
        .is_some_and(|n| n == "make" || n == "gmake");
    if is_make {
        command.push(format!("CC={}", cc.display()).into());
        command.push(format!("CXX={}", cxx.display()).into());
        if args.lto {
            command.push(format!("AR={LTO_AR}").into());
            command.push(format!("RANLIB={LTO_RANLIB}").into());
        }
    }
    eprintln!(
        "syscluster build: {} (profile {}, remarks in {})",
        command
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        profile.display(),
        log.display()
    );
    let mut run = Command::new(&command[0]);
    if args.lto {
        run.env(ENV_LTO, "1")
            .env("AR", LTO_AR)
            .env("RANLIB", LTO_RANLIB);
    }
    let status = run
        .args(&command[1..])
        .env("CC", &cc)
        .env("CXX", &cxx)
        .env(ENV_PROFILE, &profile)
        .env(ENV_LOG, &log)
        .env(ENV_PLUGIN, &plugin)
        .env(ENV_RUNTIME, &runtime)
        .env(ENV_VERIFY, if args.verify { "1" } else { "0" })
        .status()
        .with_context(|| format!("cannot run {}", command[0].to_string_lossy()))?;

    let mut summary = Summary::read(&log)?;
    summary.coverage = coverage(&recorded);
    let text = summary.render(args.top);
    eprint!("{text}");
    fs::write(log.join("summary.txt"), &text)
        .and_then(|()| fs::write(log.join("summary.json"), summary.to_json()))
        .with_context(|| format!("cannot write the summary into {}", log.display()))?;
    crate::report::write(&log, &recorded, &summary)?;
    if summary.modules == 0 && status.success() {
        eprintln!(
            "syscluster build: no compile ran through the wrapper: the build must compile with $CC or $CXX (make, ./configure and cmake do; a script that names its compiler does not: name the wrapper, {}, there)",
            cc.display()
        );
    }
    if !status.success() {
        eprintln!("syscluster build: the build command failed ({status})");
        return Ok(ExitCode::from(
            status.code().map_or(1, |c| c.clamp(1, 255) as u8),
        ));
    }
    if !summary.verify_failed.is_empty() {
        eprintln!(
            "syscluster build: {} modules changed by the pass fail `opt -passes=verify` (see {})",
            summary.verify_failed.len(),
            log.join("verify").display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The language of a compiler driver named by a build command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    C,
    Cxx,
}

/// Whether `program` names a C or C++ compiler driver (`cc`, `gcc`, `clang`, `clang-19`,
/// `c++`, `g++-12`, `clang++`, `/usr/bin/x86_64-linux-gnu-gcc`), and which.
pub fn compiler_language(program: &std::ffi::OsStr) -> Option<Lang> {
    let name = Path::new(program).file_name()?.to_str()?;
    // A target triple before the name, a version after it.
    let name = name.rsplit_once("-linux-gnu-").map_or(name, |(_, n)| n);
    let base = match name.split_once('-') {
        Some((b, version)) if version.chars().all(|c| c.is_ascii_digit() || c == '.') => b,
        Some(_) => return None,
        None => name,
    };
    match base {
        "cc" | "gcc" | "clang" => Some(Lang::C),
        "c++" | "g++" | "clang++" => Some(Lang::Cxx),
        _ => None,
    }
}

/// What a compiler invocation does, as far as the wrapper cares.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    /// Indices (into the arguments) of the source files.
    pub sources: Vec<usize>,
    /// The `-o` argument.
    pub output: Option<String>,
    /// Whether it links (no `-c`, `-S`, `-E`, `-M`, `-MM`, `-fsyntax-only`).
    pub links: bool,
    /// Whether it only preprocesses or checks (`-E`, `-M`, `-MM`, `-fsyntax-only`).
    pub no_codegen: bool,
}

const SOURCE_EXTENSIONS: &[&str] = &["c", "cc", "cpp", "cxx", "c++", "C", "cp", "i", "ii"];

/// Options whose value is the next argument.
const TAKES_VALUE: &[&str] = &[
    "-o",
    "-I",
    "-D",
    "-U",
    "-include",
    "-imacros",
    "-isystem",
    "-iquote",
    "-idirafter",
    "-iprefix",
    "-isysroot",
    "-x",
    "-MF",
    "-MT",
    "-MQ",
    "-L",
    "-l",
    "-Xlinker",
    "-Xclang",
    "-Xassembler",
    "-Xpreprocessor",
    "-mllvm",
    "-arch",
    "-target",
    "--param",
    "-z",
    "-u",
    "-T",
    "-e",
    "-B",
    "-G",
];

impl Invocation {
    pub fn classify(args: &[String]) -> Invocation {
        let mut inv = Invocation {
            links: true,
            ..Invocation::default()
        };
        let mut language_forced = false;
        let mut inputs = 0;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-c" | "-S" => inv.links = false,
                "-E" | "-M" | "-MM" | "-fsyntax-only" => {
                    inv.links = false;
                    inv.no_codegen = true;
                }
                "-o" => inv.output = args.get(i + 1).cloned(),
                "-x" => {
                    language_forced = args
                        .get(i + 1)
                        .is_some_and(|l| l.starts_with('c') || l == "cpp-output");
                }
                _ => {}
            }
            if TAKES_VALUE.contains(&a) {
                i += 2;
                continue;
            }
            if a.starts_with("-l") {
                inputs += 1;
            }
            if !a.starts_with('-') || a == "-" {
                inputs += 1;
                let ext = Path::new(a).extension().and_then(|e| e.to_str());
                if (language_forced && a != "-")
                    || ext.is_some_and(|e| SOURCE_EXTENSIONS.contains(&e))
                {
                    inv.sources.push(i);
                } else if a == "-" {
                    // Standard input (configure's `-E -`): never ours.
                    inv.no_codegen = true;
                }
            }
            i += 1;
        }
        // No input at all (`cc -v`, `--version`, `-print-file-name=libgcc.a`, `-dumpmachine`):
        // a query of the compiler, which a link's added arguments would turn into a link of
        // nothing.
        if inputs == 0 {
            inv.links = false;
            inv.no_codegen = true;
        }
        inv
    }

    /// Whether this is a build system's probe rather than the program: autoconf's
    /// `conftest.c`, CMake's try-compile and compiler-identification projects, meson's.
    pub fn is_probe(&self, args: &[String], cwd: &Path) -> bool {
        let probe_path = |p: &str| {
            let name = Path::new(p)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("");
            name.starts_with("conftest")
                || name.starts_with("CMakeCCompilerId")
                || name.starts_with("CMakeCXXCompilerId")
                || p.contains("CMakeScratch")
                || p.contains("CMakeTmp")
                || p.contains("meson-private")
        };
        self.sources.iter().any(|&i| probe_path(&args[i]))
            || self.output.as_deref().is_some_and(probe_path)
            || probe_path(&cwd.to_string_lossy())
    }
}

/// `syscluster cc ARGS...` / `syscluster c++ ARGS...`: the compiler wrapper. Never returns on
/// success (it replaces itself with the compiler).
pub fn wrap_compiler(cxx: bool, args: Vec<String>) -> ExitCode {
    match wrap(cxx, args) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "syscluster cc: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The real C (or C++) compiler the wrapper runs: `SYSCLUSTER_CC` (`SYSCLUSTER_CXX`), else
/// `clang-19` (`clang++-19`).
fn real_compiler(cxx: bool) -> String {
    if cxx {
        std::env::var(ENV_CXX).unwrap_or_else(|_| "clang++-19".into())
    } else {
        std::env::var(ENV_CC).unwrap_or_else(|_| "clang-19".into())
    }
}

fn wrap(cxx: bool, args: Vec<String>) -> Result<ExitCode> {
    let compiler = real_compiler(cxx);
    let cwd = std::env::current_dir().unwrap_or_default();
    let inv = Invocation::classify(&args);
    let profile = std::env::var_os(ENV_PROFILE).filter(|p| !p.is_empty());
    let off = std::env::var_os(ENV_OFF).is_some_and(|v| v != "0");
    let verify = std::env::var_os(ENV_VERIFY).is_some_and(|v| v == "1");
    let lto = std::env::var_os(ENV_LTO).is_some_and(|v| v != "0");
    let mut extra: Vec<String> = Vec::new();
    let mut after: Vec<String> = Vec::new();
    let mut log_line = None;
    let mut yaml_path = None;
    let mut split: Option<PathBuf> = None;
    // An --lto link with --verify runs LLVM's verifier itself, at the end of its pipeline.
    let mut verified_in_link = false;
    if let (Some(profile), false) = (profile, off || inv.no_codegen || inv.is_probe(&args, &cwd)) {
        if lto {
            extra.push("-flto".into());
            if inv.links {
                let (flags, log, yaml) = lto_link(&args, &inv, &cwd, Path::new(&profile), verify)?;
                after.extend(flags);
                log_line = log;
                yaml_path = yaml;
                verified_in_link = verify;
            }
        } else if !inv.sources.is_empty() {
            let plugin = plugin_path()?;
            let p = plugin.display();
            extra.extend([
                format!("-fplugin={p}"),
                format!("-fpass-plugin={p}"),
                "-mllvm".into(),
                format!("-syscluster-profile={}", Path::new(&profile).display()),
                "-Wno-unused-command-line-argument".into(),
            ]);
            if verify {
                extra.push("-fverify-intermediate-code".into());
            }
            let log = std::env::var_os(ENV_LOG);
            if let (Some(log), true) = (&log, inv.links && inv.sources.len() > 1) {
                // Several sources compiled and linked in one command: each module's remarks
                // need a file of their own, so each source is compiled apart into an object
                // beside them, and the objects are linked as the command links its sources.
                if !forces_language(&args) {
                    split = Some(PathBuf::from(log));
                }
            }
            if let (Some(log), [source]) = (log, inv.sources.as_slice()) {
                let what = cwd.join(inv.output.as_deref().unwrap_or(&args[*source]));
                let (key, yaml) = remark_file(Path::new(&log), &what);
                extra.extend(record_flags(&yaml));
                log_line = Some((PathBuf::from(log), format!("{key}\t{}", what.display())));
                yaml_path = Some((yaml, what));
            }
        }
        if inv.links {
            let runtime = runtime_path()?;
            // Members of an archive are linked only when referenced, and --as-needed keeps
            // the libraries the runtime needs out of a program that does not call it.
            after.extend([
                "-Wl,--push-state,--as-needed".into(),
                runtime.display().to_string(),
                "-lpthread".into(),
                "-ldl".into(),
                "-lm".into(),
                "-Wl,--pop-state".into(),
            ]);
        }
    }
    if let Some(log) = split {
        let mut linked = args.clone();
        for &source in &inv.sources {
            let one = one_source(&args, &inv, source);
            match compile_apart(&compiler, &extra, &one, &args[source], &cwd, &log, verify)? {
                Ok(object) => linked[source] = object.display().to_string(),
                Err(code) => return Ok(code),
            }
        }
        let err = Command::new(&compiler).args(&linked).args(&after).exec();
        bail!("cannot run the compiler {compiler}: {err}")
    }
    let mut cmd = Command::new(&compiler);
    cmd.args(&extra).args(&args).args(&after);
    if let Some((log, line)) = log_line {
        // Record the module, then compile; the summary reads the YAML the compile writes.
        append_line(&log, "modules", &line)?;
    }
    let Some((yaml, what)) = yaml_path.filter(|_| verify) else {
        let err = cmd.exec();
        bail!("cannot run the compiler {compiler}: {err}")
    };
    // --verify: compile as a child, then check the module on its own when the pass changed it.
    let status = cmd
        .status()
        .with_context(|| format!("cannot run the compiler {compiler}"))?;
    if status.success() && changed_by_pass(&yaml) {
        let log = yaml
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        let output = inv.output.as_deref();
        let checked = if verified_in_link {
            Ok(())
        } else {
            verify_module(&compiler, &extra, &args, output, &yaml)
        };
        record_verified(log, checked, &what)?;
    }
    Ok(ExitCode::from(
        status.code().map_or(1, |c| c.clamp(0, 255) as u8),
    ))
}

/// Whether the arguments name a language for the inputs after it (`-x c`, `-xc`): an object
/// put in a source's place would be read as that language.
fn forces_language(args: &[String]) -> bool {
    args.iter().any(|a| a.starts_with("-x"))
}

/// The arguments of a compile+link command for compiling `source` alone: without the other
/// sources and without the output (`-o F`, `-oF`).
fn one_source(args: &[String], inv: &Invocation, source: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-o" {
            i += 2;
            continue;
        }
        let other_source = i != source && inv.sources.contains(&i);
        let joined_output = a.len() > 2 && a.starts_with("-o") && inv.output.is_none();
        if !other_source && !joined_output {
            out.push(a.clone());
        }
        i += 1;
    }
    out
}

/// Compiles one source of a compile+link command apart (`args`: the command's arguments for
/// it alone, [`one_source`]) with the pass and its remarks recorded as for a compile of its
/// own, into an object under the log's `objects/`; the object, or the compiler's exit code
/// when it failed. With `verify`, a module the pass changed is checked as [`wrap`] does.
fn compile_apart(
    compiler: &str,
    extra: &[String],
    args: &[String],
    source: &str,
    cwd: &Path,
    log: &Path,
    verify: bool,
) -> Result<std::result::Result<PathBuf, ExitCode>> {
    let what = cwd.join(source);
    let (key, yaml) = remark_file(log, &what);
    let objects = log.join("objects");
    fs::create_dir_all(&objects).with_context(|| format!("cannot create {}", objects.display()))?;
    let object = objects.join(format!("{key}.o"));
    append_line(log, "modules", &format!("{key}\t{}", what.display()))?;
    let status = Command::new(compiler)
        .args(extra)
        .args(record_flags(&yaml))
        .args(args)
        .arg("-c")
        .arg("-o")
        .arg(&object)
        .status()
        .with_context(|| format!("cannot run the compiler {compiler}"))?;
    if !status.success() {
        return Ok(Err(ExitCode::from(
            status.code().map_or(1, |c| c.clamp(1, 255) as u8),
        )));
    }
    if verify && changed_by_pass(&yaml) {
        let checked = verify_module(compiler, extra, args, None, &yaml);
        record_verified(log, checked, &what)?;
    }
    Ok(Ok(object))
}

/// Appends the verification of module `what` to the log's `verify` file: `ok`, or `FAIL`
/// with why, on one line.
fn record_verified(log: &Path, checked: Result<()>, what: &Path) -> Result<()> {
    let line = match checked {
        Ok(()) => "ok".to_string(),
        Err(why) => format!("FAIL ({})", format!("{why:#}").replace(['\n', '\t'], " ")),
    };
    append_line(log, "verify", &format!("{line}\t{}", what.display()))
}

/// The key that names module `what` in the log (a hash of its path) and the file its
/// remarks go to (`remarks/KEY.yaml`).
fn remark_file(log: &Path, what: &Path) -> (String, PathBuf) {
    let key = format!("{:016x}", fnv64(what.to_string_lossy().as_bytes()));
    let yaml = log.join("remarks").join(format!("{key}.yaml"));
    (key, yaml)
}

/// The compiler flags that record the pass's remarks into `yaml`.
fn record_flags(yaml: &Path) -> [String; 3] {
    [
        "-fsave-optimization-record=yaml".into(),
        format!("-foptimization-record-file={}", yaml.display()),
        "-foptimization-record-passes=syscall-cluster".into(),
    ]
}

/// Appends `line` to the log's file `name`: one write of one short line, atomic among
/// parallel compiles (O_APPEND).
fn append_line(log: &Path, name: &str, line: &str) -> Result<()> {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log.join(name))
        .with_context(|| format!("cannot write into {}", log.display()))?;
    f.write_all(format!("{line}\n").as_bytes())
        .with_context(|| format!("cannot write into {}", log.display()))
}

/// Whether a module's remarks say the pass changed it.
fn changed_by_pass(yaml: &Path) -> bool {
    fs::read_to_string(yaml).is_ok_and(|t| t.lines().any(|l| l.starts_with("--- !Passed")))
}

/// Compiles the module again to bitcode (the same flags without the output and any link,
/// `-c -emit-llvm` into a file beside its remarks) and runs `opt -passes=verify` on it.
fn verify_module(
    compiler: &str,
    extra: &[String],
    args: &[String],
    output: Option<&str>,
    yaml: &Path,
) -> Result<()> {
    let bc = yaml.with_extension("bc");
    let mut rest = Vec::with_capacity(args.len());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-o" {
            it.next();
        } else if output.is_none_or(|o| a.strip_prefix("-o") != Some(o)) {
            rest.push(a.as_str());
        }
    }
    // The first compile wrote the module's remarks; this one must not add them again.
    let extra = extra.iter().filter(|a| {
        !a.starts_with("-fsave-optimization-record") && !a.starts_with("-foptimization-record-")
    });
    let out = Command::new(compiler)
        .args(extra)
        .args(&rest)
        .args(["-c", "-emit-llvm", "-o"])
        .arg(&bc)
        .output()
        .with_context(|| format!("cannot run the compiler {compiler}"))?;
    if !out.status.success() {
        let _ = fs::remove_file(&bc);
        bail!(
            "the bitcode compile failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let opt = std::env::var(ENV_OPT).unwrap_or_else(|_| "opt-19".into());
    let checked = Command::new(&opt)
        .args(["-passes=verify", "-disable-output"])
        .arg(&bc)
        .output()
        .with_context(|| format!("cannot run {opt} (set {ENV_OPT})"));
    let _ = fs::remove_file(&bc);
    let checked = checked?;
    if !checked.status.success() {
        bail!("{}", String::from_utf8_lossy(&checked.stderr).trim());
    }
    Ok(())
}

/// A line of the log's module list: the log directory and the line.
type ModuleLine = (PathBuf, String);
/// What a link with `--lto` adds: its flags, the line that records the program as a module,
/// and where its remarks go with the program's path.
type LtoLink = (Vec<String>, Option<ModuleLine>, Option<(PathBuf, PathBuf)>);

/// The link flags that run the pass at the end of the full LTO pipeline, over the whole
/// program, and the line for the log's module list (its remarks file).
///
/// lld 19 parses `-mllvm` before it loads pass plugins, so the profile reaches the pass as a
/// parameter of the pass in lld's own LTO pipeline: `lto<O2>` (what lld runs by default),
/// then `syscall-cluster<profile=F>`.
fn lto_link(
    args: &[String],
    inv: &Invocation,
    cwd: &Path,
    profile: &Path,
    verify: bool,
) -> Result<LtoLink> {
    let profile = profile.display().to_string();
    if profile.contains([',', ';', '<', '>']) {
        bail!("the profile's path {profile} contains one of , ; < > which a pass pipeline cannot hold: move the profile (--lto)");
    }
    // The optimisation level of the link, as clang reads it: the last -O.
    let level = args
        .iter()
        .rev()
        .find_map(|a| match a.strip_prefix("-O")? {
            "" | "1" => Some("O1"),
            "0" => Some("O0"),
            "2" => Some("O2"),
            "s" => Some("Os"),
            "z" => Some("Oz"),
            _ => Some("O3"),
        })
        .unwrap_or("O2");
    let plugin = plugin_path()?;
    let mut flags = vec![
        format!("-fuse-ld={LTO_LINKER}"),
        format!("-Wl,--load-pass-plugin={}", plugin.display()),
        "-Xlinker".into(),
        // With --verify, LLVM's verifier ends the pipeline: a broken module stops the link
        // ("Broken module found"), as `opt -passes=verify` stops a compile's check.
        format!(
            "--lto-newpm-passes=lto<{level}>,syscall-cluster<profile={profile}>{}",
            if verify { ",verify" } else { "" }
        ),
    ];
    let mut log_line = None;
    let mut yaml_path = None;
    if let Some(log) = std::env::var_os(ENV_LOG) {
        let what = cwd.join(inv.output.as_deref().unwrap_or("a.out"));
        let (key, yaml) = remark_file(Path::new(&log), &what);
        flags.extend([
            format!("-Wl,--opt-remarks-filename,{}", yaml.display()),
            "-Wl,--opt-remarks-passes,syscall-cluster".into(),
        ]);
        log_line = Some((PathBuf::from(log), format!("{key}\t{}", what.display())));
        yaml_path = Some((yaml, what));
    }
    Ok((flags, log_line, yaml_path))
}

/// FNV-1a, 64 bits: a stable name for a module's remark file.
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One remark from a module's YAML optimization record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remark {
    pub kind: String,
    pub name: String,
    pub location: String,
    pub function: String,
    pub message: String,
}

/// Parses the remarks of clang's `-fsave-optimization-record=yaml` output.
pub fn parse_remarks(text: &str) -> Vec<Remark> {
    let mut out = Vec::new();
    let mut cur: Option<Remark> = None;
    // A flow mapping `{ File: ..., Line: ..., Column: ... }` that the writer wrapped (a long
    // file name, as lld's remarks have): its text so far.
    let mut wrapped: Option<String> = None;
    // A message the writer gave as a block scalar (`- String: |`, for a string with line
    // breaks): the indentation of its `- String:` line; its text is the lines indented deeper,
    // joined with spaces (a summary line is one line).
    let mut block: Option<usize> = None;
    for line in text.lines() {
        if let Some(indent) = block {
            let deeper = line.len() - line.trim_start().len() > indent;
            if deeper || line.trim().is_empty() {
                if let Some(r) = cur.as_mut() {
                    let part = line.trim();
                    if !part.is_empty() {
                        if !r.message.is_empty() && !r.message.ends_with(' ') {
                            r.message.push(' ');
                        }
                        r.message.push_str(part);
                    }
                }
                continue;
            }
            block = None;
        }
        if let Some(mut loc) = wrapped.take() {
            loc.push(' ');
            loc.push_str(line.trim());
            match cur.as_mut() {
                Some(r) if loc.contains('}') => r.location = debug_loc(&loc),
                Some(_) => wrapped = Some(loc),
                None => {}
            }
            continue;
        }
        if let Some(kind) = line.strip_prefix("--- !") {
            out.extend(cur.take());
            cur = Some(Remark {
                kind: kind.trim().to_string(),
                name: String::new(),
                location: String::new(),
                function: String::new(),
                message: String::new(),
            });
            continue;
        }
        let Some(r) = cur.as_mut() else { continue };
        let indent = line.len() - line.trim_start().len();
        let line = line.trim_start();
        if let Some(v) = line.strip_prefix("Name:") {
            r.name = unquote(v.trim());
        } else if let Some(v) = line.strip_prefix("Function:") {
            r.function = unquote(v.trim());
        } else if let Some(v) = line.strip_prefix("DebugLoc:") {
            if v.contains('}') {
                r.location = debug_loc(v.trim());
            } else {
                wrapped = Some(v.trim().to_string());
            }
        } else if let Some(v) = line.strip_prefix("- String:") {
            match v.trim() {
                // Literal or folded, with or without a chomping indicator.
                "|" | "|-" | "|+" | ">" | ">-" | ">+" => block = Some(indent),
                v => r.message.push_str(&unquote(v)),
            }
        }
    }
    out.extend(cur);
    out
}

fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else if let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        inner.replace("\\\"", "\"")
    } else {
        v.to_string()
    }
}

/// `{ File: copy.c, Line: 35, Column: 14 }` as `copy.c:35:14`.
fn debug_loc(v: &str) -> String {
    let inner = v.trim_start_matches('{').trim_end_matches('}');
    let mut file = String::new();
    let mut line = String::new();
    let mut column = String::new();
    for part in inner.split(", ") {
        if let Some((k, val)) = part.split_once(':') {
            let val = unquote(val.trim());
            match k.trim() {
                "File" => file = val,
                "Line" => line = val,
                "Column" => column = val,
                _ => {}
            }
        }
    }
    // One file named two ways (`./safe-read.c` by one compile, `safe-read.c` by another)
    // is one place.
    let mut file = file.as_str();
    while let Some(rest) = file.strip_prefix("./") {
        file = rest;
    }
    format!("{file}:{line}:{column}")
}

/// How many calls a `Clustered` remark names: `clustered ...: read -> write (stop: ...)`.
fn chain_length(message: &str) -> u64 {
    message
        .split_once(": ")
        .and_then(|(_, rest)| rest.split(" (stop").next())
        .map_or(0, |chain| chain.split(" -> ").count() as u64)
}

/// The weight a remark's message states, `(weight N)`.
fn weight_of(message: &str) -> u64 {
    message
        .split("(weight ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The profile node a `ProfileMatch` remark names: `profile node read(3) (12 calls) is ...`.
fn matched_node(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("profile node ")?;
    let end = rest.find(" calls) is ")?;
    let open = rest[..end].rfind(" (")?;
    Some(&rest[..open])
}

/// The two node labels of `hot edge A -> B (weight N)`.
fn edge_ends(edge: &str) -> Option<(&str, &str)> {
    let rest = edge.strip_prefix("hot edge ")?;
    let rest = &rest[..rest.rfind(" (weight ").unwrap_or(rest.len())];
    rest.split_once(" -> ")
}

/// A hot edge refused for one reason, once per location and message.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub location: String,
    pub weight: u64,
    pub message: String,
}

/// What the pass did over a whole build.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub modules: usize,
    pub modules_without_record: usize,
    pub modules_changed: usize,
    /// Of the modules changed, those with no cluster and no merged call: the pass transformed
    /// their code (copied blocks, inlined a helper, moved code) for hot edges that legality
    /// then refused all the same; with the number of each transformation's remarks there.
    pub changed_without_cluster: usize,
    pub transformations_without_cluster: BTreeMap<String, usize>,
    pub clusters: Vec<Refused>,
    /// Of the clusters, whole loops lowered to one looped multi-call.
    pub looped: usize,
    pub calls_clustered: u64,
    /// Calls of helpers the pass inlined to bring a hot edge into one function.
    pub inlined: usize,
    /// Calls merged with the `fcntl`s that follow them into one system call (`Specialised`).
    pub specialised: Vec<Refused>,
    /// Hot edges the pass refused (a missed remark that states the edge's weight), by reason.
    pub refused: BTreeMap<String, Vec<Refused>>,
    /// The other missed remarks, by name: transformations not applied (a loop not rotated, a
    /// variable not kept in a register), which refuse no hot edge themselves; weight 0.
    pub notes: BTreeMap<String, Vec<Refused>>,
    /// Hot edges with no call site in any module, with how many modules said so.
    pub unmatched: Vec<(String, u64, usize)>,
    /// Of those, the ones the profile records at calls of library functions in the program
    /// (`'fwrite' at lz4io.c:892:34`: stdio makes the system call), by edge.
    pub unmatched_through: BTreeMap<String, String>,
    /// Hot edges whose ends are call sites of different modules, none holding both (calls
    /// in different translation units, which `--lto` brings into one module), with their
    /// weights, heaviest first.
    pub cross_unit: Vec<(String, u64)>,
    /// Transitions of the profile by where they run: the program's own code, or a shared
    /// object, heaviest first.
    pub coverage: Vec<(String, u64)>,
    /// With `--verify`: modules the pass changed that `opt -passes=verify` accepted, and the
    /// ones it did not (with its message).
    pub verified: usize,
    pub verify_failed: Vec<String>,
    /// Every remark of the build's modules, each module once, in the order they were
    /// compiled: what the report (`report.rs`) maps onto the profile's edges.
    #[serde(skip)]
    pub remarks: Vec<Remark>,
}

/// What the profile's transitions run in: `own code` when both calls have a source site (code
/// built with -g), else the object (shared library, loader, binary without debug information)
/// of the first end that has none.
pub fn coverage(profile: &Profile) -> Vec<(String, u64)> {
    let owner = |n: usize| -> Option<String> {
        let node = profile.nodes.get(n)?;
        if node.site.is_some() {
            return None;
        }
        Some(match node.caller.as_deref() {
            Some(frame) => {
                let object = frame.split('(').next().unwrap_or(frame).trim();
                object.rsplit('/').next().unwrap_or(object).to_string()
            }
            None => "code without a stack frame (the loader, libc start-up)".to_string(),
        })
    };
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for e in &profile.edges {
        let key = owner(e.from)
            .or_else(|| owner(e.to))
            .unwrap_or_else(|| OWN_CODE.to_string());
        let w = by.entry(key).or_default();
        *w = w.saturating_add(e.weight);
    }
    let mut v: Vec<(String, u64)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

const OWN_CODE: &str = "the program's own code";

impl Summary {
    pub fn read(log: &Path) -> Result<Summary> {
        let mut s = Summary::default();
        let modules = match fs::read_to_string(log.join("modules")) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}/modules", log.display()))
            }
        };
        match fs::read_to_string(log.join("verify")) {
            Ok(t) => {
                for line in t.lines() {
                    if line.starts_with("ok\t") {
                        s.verified += 1;
                    } else if !line.is_empty() {
                        s.verify_failed.push(line.to_string());
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}/verify", log.display()))
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut unmatched: BTreeMap<String, (u64, usize)> = BTreeMap::new();
        let mut remarks = Vec::new();
        let mut matched = std::collections::HashSet::new();
        for line in modules.lines() {
            let Some((key, _what)) = line.split_once('\t') else {
                continue;
            };
            if !seen.insert(key.to_string()) {
                continue;
            }
            s.modules += 1;
            match fs::read_to_string(log.join("remarks").join(format!("{key}.yaml"))) {
                Ok(text) => remarks.push(parse_remarks(&text)),
                Err(_) => s.modules_without_record += 1,
            }
        }
        s.remarks = remarks.iter().flatten().cloned().collect();
        // The nodes each module matched, for the edges no one module holds both ends of.
        let mut matched_in: Vec<std::collections::HashSet<String>> = Vec::new();
        for module in remarks {
            let mut here = std::collections::HashSet::new();
            for r in &module {
                if (r.kind.as_str(), r.name.as_str()) == ("Analysis", "ProfileMatch") {
                    if let Some(label) = matched_node(&r.message) {
                        here.insert(label.to_string());
                    }
                }
            }
            matched_in.push(here);
            if module.iter().any(|r| r.kind == "Passed") {
                s.modules_changed += 1;
                let clusters = module.iter().any(|r| {
                    r.kind == "Passed" && matches!(r.name.as_str(), "Clustered" | "Specialised")
                });
                if !clusters {
                    s.changed_without_cluster += 1;
                    for r in module.iter().filter(|r| r.kind == "Passed") {
                        *s.transformations_without_cluster
                            .entry(r.name.clone())
                            .or_default() += 1;
                    }
                }
            }
            for r in module {
                match (r.kind.as_str(), r.name.as_str()) {
                    ("Passed", "Inlined") => s.inlined += 1,
                    ("Passed", "Specialised") => s.specialised.push(Refused {
                        location: r.location,
                        weight: 0,
                        message: r.message,
                    }),
                    // The pass's other passed remarks are code motion (`Motion`): a module
                    // they changed, but no cluster.
                    ("Passed", "Clustered") => {
                        s.calls_clustered += chain_length(&r.message);
                        if r.message.starts_with("clustered the whole loop") {
                            s.looped += 1;
                        }
                        s.clusters.push(Refused {
                            location: r.location,
                            weight: weight_of(&r.message),
                            message: r.message,
                        });
                    }
                    ("Passed", _) => {}
                    ("Analysis", "ProfileMatch") => {
                        if let Some(label) = matched_node(&r.message) {
                            matched.insert(label.to_string());
                        }
                    }
                    // The module's summary of them; each edge is an analysis remark.
                    ("Missed", "UnmatchedEdges") => {}
                    (_, "UnmatchedEdge") => {
                        let edge = r
                            .message
                            .split(" matches no call site")
                            .next()
                            .unwrap_or(&r.message)
                            .to_string();
                        if let Some(through) = r
                            .message
                            .split_once("; the profile records it at ")
                            .and_then(|(_, rest)| rest.split(": the function called there").next())
                        {
                            s.unmatched_through
                                .insert(edge.clone(), through.to_string());
                        }
                        let entry = unmatched.entry(edge).or_insert((weight_of(&r.message), 0));
                        entry.1 += 1;
                    }
                    ("Missed", name) => {
                        let weight = weight_of(&r.message);
                        let by = if weight > 0 {
                            &mut s.refused
                        } else {
                            &mut s.notes
                        };
                        let list = by.entry(name.to_string()).or_default();
                        if !list
                            .iter()
                            .any(|x| x.location == r.location && x.message == r.message)
                        {
                            list.push(Refused {
                                location: r.location.clone(),
                                weight,
                                message: r.message,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        for list in s
            .refused
            .values_mut()
            .chain(s.notes.values_mut())
            .chain([&mut s.clusters])
        {
            list.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.location.cmp(&b.location)));
        }
        // An edge that one module cannot place may be another module's: keep only edges with
        // an end that no module matched. Of the others, those no one module holds both ends
        // of run between translation units.
        let mut cross_unit = Vec::new();
        s.unmatched = unmatched
            .into_iter()
            .filter(|(edge, (weight, _))| match edge_ends(edge) {
                Some((a, b)) if matched.contains(a) && matched.contains(b) => {
                    if !matched_in.iter().any(|m| m.contains(a) && m.contains(b)) {
                        cross_unit.push((edge.clone(), *weight));
                    }
                    false
                }
                _ => true,
            })
            .map(|(e, (w, n))| (e, w, n))
            .collect();
        cross_unit.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        s.cross_unit = cross_unit;
        s.unmatched
            .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(s)
    }

    pub fn render(&self, top: usize) -> String {
        let mut o = String::new();
        let mut line = |l: String| {
            o.push_str(&l);
            o.push('\n');
        };
        line(format!(
            "syscluster build: {} modules compiled with the pass, {} changed; {} clusters ({} looped multi-calls), {} system calls clustered{}",
            self.modules,
            self.modules_changed,
            self.clusters.len(),
            self.looped,
            self.calls_clustered,
            match self.specialised.len() {
                0 => String::new(),
                n => format!("; {n} calls merged with their fcntls"),
            }
        ));
        if self.verified > 0 || !self.verify_failed.is_empty() {
            line(format!(
                "  opt -passes=verify: {} changed modules passed, {} failed",
                self.verified,
                self.verify_failed.len()
            ));
            for f in &self.verify_failed {
                line(format!("    {f}"));
            }
        }
        if self.changed_without_cluster > 0 {
            let each: Vec<String> = self
                .transformations_without_cluster
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect();
            line(format!(
                "  {} changed modules hold no cluster: the pass transformed them ({}) for hot edges it then refused (below)",
                self.changed_without_cluster,
                each.join(", ")
            ));
        }
        if self.modules_without_record > 0 {
            line(format!(
                "  {} modules left no remarks (a failed compile, or several sources in one command)",
                self.modules_without_record
            ));
        }
        // Heaviest first: the message ends with the weight of its hottest edge.
        for c in &self.clusters {
            line(format!("  clustered at {}: {}", c.location, c.message));
        }
        for c in &self.specialised {
            line(format!("  specialised at {}: {}", c.location, c.message));
        }
        if self.inlined > 0 {
            line(format!(
                "  {} helper calls inlined to bring hot edges into one function",
                self.inlined
            ));
        }
        for (reason, list) in &self.refused {
            let weight: u64 = list
                .iter()
                .fold(0u64, |sum, r| sum.saturating_add(r.weight));
            line(format!(
                "  refused for {reason}: {} hot edges, total weight {weight}",
                list.len()
            ));
            for r in list.iter().take(top) {
                line(format!("    {}: {}", r.location, r.message));
            }
        }
        for (name, list) in &self.notes {
            line(format!("  not applied ({name}): {} remarks", list.len()));
            for r in list.iter().take(top) {
                line(format!("    {}: {}", r.location, r.message));
            }
        }
        let total: u64 = self
            .coverage
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(c.1));
        if total > 0 {
            let own = self
                .coverage
                .iter()
                .find(|c| c.0 == OWN_CODE)
                .map_or(0, |c| c.1);
            let elsewhere: Vec<String> = self
                .coverage
                .iter()
                .filter(|c| c.0 != OWN_CODE)
                .take(top)
                .map(|(what, w)| format!("{what} {:.0}%", 100.0 * *w as f64 / total as f64))
                .collect();
            line(format!(
                "  profile: {total} transitions, {:.0}% between call sites of the program's own code{}",
                100.0 * own as f64 / total as f64,
                if elsewhere.is_empty() {
                    String::new()
                } else {
                    format!("; the rest in {}", elsewhere.join(", "))
                }
            ));
        }
        if !self.cross_unit.is_empty() {
            let weight: u64 = self
                .cross_unit
                .iter()
                .fold(0u64, |sum, u| sum.saturating_add(u.1));
            line(format!(
                "  {} hot edges run between translation units (total weight {weight}): no module holds both calls; `syscluster build --lto` links them into one module, where the pass can bring them together",
                self.cross_unit.len()
            ));
            for (edge, _) in self.cross_unit.iter().take(top) {
                line(format!("    {edge}"));
            }
        }
        if !self.unmatched.is_empty() {
            let weight: u64 = self
                .unmatched
                .iter()
                .fold(0u64, |sum, u| sum.saturating_add(u.1));
            line(format!(
                "  {} hot edges match no call site in any module (total weight {weight}): they run in shared libraries, the loader, code built without -g, or optnone code (-O0)",
                self.unmatched.len()
            ));
            for (edge, _, _) in self.unmatched.iter().take(top) {
                match self.unmatched_through.get(edge) {
                    Some(through) => line(format!(
                        "    {edge}: recorded at {through}, whose callee makes the system call"
                    )),
                    None => line(format!("    {edge}")),
                }
            }
        }
        o
    }

    fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn compiler_commands() {
        let lang = |s: &str| compiler_language(std::ffi::OsStr::new(s));
        for c in [
            "cc",
            "gcc",
            "clang",
            "clang-19",
            "gcc-12",
            "/usr/bin/clang-19.1",
            "x86_64-linux-gnu-gcc-12",
        ] {
            assert_eq!(lang(c), Some(Lang::C), "{c}");
        }
        for c in ["c++", "g++", "clang++-19", "/usr/lib/llvm-19/bin/clang++"] {
            assert_eq!(lang(c), Some(Lang::Cxx), "{c}");
        }
        for c in [
            "make",
            "sh",
            "./build.sh",
            "clang-format-19",
            "gcc-ar",
            "cmake",
            "ccache",
        ] {
            assert_eq!(lang(c), None, "{c}");
        }
    }

    #[test]
    fn one_source_of_a_compile_and_link() {
        let a = args("-O2 -g -o prog main.c -Iinc loop.c -lm");
        let inv = Invocation::classify(&a);
        assert_eq!(inv.sources, vec![4, 6]);
        assert_eq!(one_source(&a, &inv, 4), args("-O2 -g main.c -Iinc -lm"));
        assert_eq!(one_source(&a, &inv, 6), args("-O2 -g -Iinc loop.c -lm"));
        let a = args("-oprog a.c b.c");
        let inv = Invocation::classify(&a);
        assert_eq!(one_source(&a, &inv, 1), args("a.c"));
        assert!(!forces_language(&a));
        assert!(forces_language(&args("-x c a.c b.c")));
        assert!(forces_language(&args("-xc a.c b.c")));
    }

    #[test]
    fn classifies_compiles_links_and_probes() {
        let a = args("-O2 -g -c -o foo.o foo.c");
        let inv = Invocation::classify(&a);
        assert_eq!(inv.sources, vec![5]);
        assert!(!inv.links);
        assert_eq!(inv.output.as_deref(), Some("foo.o"));
        assert!(!inv.is_probe(&a, Path::new("/src")));

        let a = args("-o prog main.o util.o -L. -lfoo");
        let inv = Invocation::classify(&a);
        assert!(inv.sources.is_empty() && inv.links);

        let a = args("-I include -DX=1 prog.c -o prog");
        let inv = Invocation::classify(&a);
        assert_eq!(inv.sources, vec![3]);
        assert!(inv.links);

        let a = args("-o conftest -g -O2 conftest.c");
        assert!(Invocation::classify(&a).is_probe(&a, Path::new("/src")));
        let a = args("-c x.c");
        assert!(Invocation::classify(&a)
            .is_probe(&a, Path::new("/b/CMakeFiles/CMakeScratch/TryCompile-1")));

        let a = args("-E -");
        assert!(Invocation::classify(&a).no_codegen);
        let a = args("-x c -c weird.src");
        assert_eq!(Invocation::classify(&a).sources, vec![3]);
        let a = args("-MM -MF deps.d a.cc");
        let inv = Invocation::classify(&a);
        assert!(inv.no_codegen && !inv.links);

        // Queries of the compiler: no input, no link.
        for q in [
            "-v",
            "--version",
            "-print-file-name=libgcc_eh.a",
            "-dumpmachine",
            "-O2 -g -V",
        ] {
            let inv = Invocation::classify(&args(q));
            assert!(inv.no_codegen && !inv.links, "{q}");
        }
        assert!(Invocation::classify(&args("-o prog -lfoo")).links);
    }

    #[test]
    fn code_motion_is_no_cluster() {
        let yaml = "--- !Passed\nPass:            syscall-cluster\nName:            Motion\nDebugLoc:        { File: copy.c, Line: 30, Column: 14 }\nFunction:        main\nArgs:\n  - String:          'moved ''%18 = load ptr, ptr %17, align 8'' above ''open'' at copy.c:25:8, out of the gap between ''open'' at copy.c:25:8 and ''creat'' at copy.c:30:8'\n...\n";
        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(dir.join("remarks/00000000000000aa.yaml"), yaml).unwrap();
        fs::write(dir.join("modules"), "00000000000000aa\t/x/a.o\n").unwrap();
        let s = Summary::read(&dir).unwrap();
        assert_eq!((s.modules, s.modules_changed), (1, 1));
        assert_eq!((s.clusters.len(), s.calls_clustered, s.looped), (0, 0, 0));
        assert_eq!(s.changed_without_cluster, 1);
        assert!(
            s.render(5).contains(
                "1 changed modules hold no cluster: the pass transformed them (Motion 1) for hot edges it then refused"
            ),
            "{}",
            s.render(5)
        );
    }

    #[test]
    fn parses_remarks_and_summarises() {
        let yaml = "--- !Passed\nPass:            syscall-cluster\nName:            Clustered\nDebugLoc:        { File: copy.c, Line: 35, Column: 14 }\nFunction:        main\nArgs:\n  - String:          'clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference) (weight 300)'\n...\n--- !Missed\nPass:            syscall-cluster\nName:            Dominance\nDebugLoc:        { File: copy.c, Line: 35, Column: 14 }\nFunction:        main\nArgs:\n  - String:          'not clustered: write -> read (weight 256) breaks dominance: ''write'' at copy.c:36:7'\n...\n--- !Analysis\nPass:            syscall-cluster\nName:            UnmatchedEdge\nFunction:        main\nArgs:\n  - String:          'hot edge fstat -> read (weight 9) matches no call site here: no site for fstat'\n...\n--- !Missed\nPass:            syscall-cluster\nName:            UnmatchedEdges\nFunction:        main\nArgs:\n  - String:          '1 hot edges (total weight 9) match no call site in this module, heaviest fstat -> read (9): ...'\n...\n";
        let r = parse_remarks(yaml);
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].location, "copy.c:35:14");
        assert!(r[1].message.contains("'write' at"));
        assert_eq!(weight_of(&r[1].message), 256);

        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(dir.join("remarks/00000000000000aa.yaml"), yaml).unwrap();
        fs::write(
            dir.join("remarks/00000000000000bb.yaml"),
            &yaml[yaml.find("--- !Missed").unwrap()..],
        )
        .unwrap();
        fs::write(
            dir.join("modules"),
            "00000000000000aa\t/x/a.o\n00000000000000bb\t/x/b.o\n00000000000000cc\t/x/c.o\n",
        )
        .unwrap();
        let s = Summary::read(&dir).unwrap();
        assert_eq!(
            (s.modules, s.modules_changed, s.modules_without_record),
            (3, 1, 1)
        );
        assert_eq!(s.calls_clustered, 2);
        assert_eq!(
            s.clusters[0].weight, 300,
            "a cluster has its hottest edge's weight"
        );
        assert_eq!(
            s.changed_without_cluster, 0,
            "its one changed module clustered"
        );
        assert_eq!(
            s.refused["Dominance"].len(),
            1,
            "the same refusal in two modules is one"
        );
        assert_eq!(
            s.refused.len(),
            1,
            "a module's summary of unmatched edges is no refusal"
        );
        assert_eq!(
            s.unmatched,
            vec![("hot edge fstat -> read (weight 9)".to_string(), 9, 2)]
        );
        let text = s.render(5);
        assert!(
            text.contains("1 clusters (0 looped multi-calls), 2 system calls clustered"),
            "{text}"
        );
        assert_eq!(chain_length("clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)"), 2);
        assert_eq!(
            chain_length(
                "clustered 3 system calls into one multi-call: open -> fstat -> read (stop: never)"
            ),
            3
        );
        assert!(
            text.contains("refused for Dominance: 1 hot edges, total weight 256"),
            "{text}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_transformation_not_applied_is_no_refused_edge() {
        let yaml = "--- !Missed\nPass:            syscall-cluster\nName:            Rotation\nDebugLoc:        { File: io.c, Line: 9, Column: 14 }\nFunction:        main\nArgs:\n  - String:          'did not rotate the loop of ''write'' at io.c:10:7 -> ''read'' at io.c:9:14 across its back edge: the header does not end with a conditional branch'\n...\n";
        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(dir.join("remarks/00000000000000aa.yaml"), yaml).unwrap();
        fs::write(dir.join("modules"), "00000000000000aa\t/x/io.o\n").unwrap();
        let s = Summary::read(&dir).unwrap();
        assert!(s.refused.is_empty());
        assert_eq!(s.notes["Rotation"].len(), 1);
        let text = s.render(5);
        assert!(text.contains("not applied (Rotation): 1 remarks"), "{text}");
        assert!(!text.contains("refused for Rotation"), "{text}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn one_file_named_two_ways_is_one_place() {
        assert_eq!(
            debug_loc("{ File: ./safe-read.c, Line: 52, Column: 9 }"),
            "safe-read.c:52:9"
        );
        assert_eq!(
            debug_loc("{ File: safe-read.c, Line: 52, Column: 9 }"),
            "safe-read.c:52:9"
        );
        assert_eq!(
            debug_loc("{ File: ../lib/x.c, Line: 1, Column: 2 }"),
            "../lib/x.c:1:2"
        );
    }

    #[test]
    fn an_edge_between_translation_units_says_so() {
        let module = |node: &str, other: &str, hint: &str| {
            format!("--- !Analysis\nPass:            syscall-cluster\nName:            ProfileMatch\nFunction:        f\nArgs:\n  - String:          'profile node {node} (9 calls) is ''x'' at a.c:1:1 (by debug location)'\n...\n--- !Analysis\nPass:            syscall-cluster\nName:            UnmatchedEdge\nFunction:        f\nArgs:\n  - String:          'hot edge read(5) -> recvfrom(3) (weight 1713) matches no call site here: no site for {other}{hint}'\n...\n")
        };
        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(
            dir.join("remarks/00000000000000aa.yaml"),
            module("read(5)", "recvfrom(3)", "; its call site is in ''diag_flush'', which this module does not define: link-time optimisation (syscluster build --lto) brings it in reach"),
        )
        .unwrap();
        fs::write(
            dir.join("remarks/00000000000000bb.yaml"),
            module("recvfrom(3)", "read(5)", ""),
        )
        .unwrap();
        fs::write(
            dir.join("modules"),
            "00000000000000aa\t/x/a.o\n00000000000000bb\t/x/b.o\n",
        )
        .unwrap();
        let s = Summary::read(&dir).unwrap();
        let text = s.render(5);
        assert!(
            text.contains("  1 hot edges run between translation units (total weight 1713): no module holds both calls; `syscluster build --lto`"),
            "{text}"
        );
        assert!(
            text.contains("    hot edge read(5) -> recvfrom(3) (weight 1713)\n"),
            "{text}"
        );
        assert!(!text.contains("match no call site"), "{text}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_edge_through_a_library_call_says_so() {
        let yaml = "--- !Analysis\nPass:            syscall-cluster\nName:            UnmatchedEdge\nFunction:        LZ4IO_fwriteSparse\nArgs:\n  - String:          'hot edge write(1) -> write(1) (weight 632) matches no call site here: no site for write(1); the profile records it at ''fwrite'' at lz4io.c:892:34: the function called there makes the system call (a library''s, or a helper of another translation unit that tail-calls it), and the pass clusters calls of system-call wrappers and syscall() only'\n...\n--- !Analysis\nPass:            syscall-cluster\nName:            UnmatchedEdge\nFunction:        main\nArgs:\n  - String:          'hot edge brk() -> brk() (weight 4) matches no call site here: no site for brk()'\n...\n";
        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(dir.join("remarks/00000000000000aa.yaml"), yaml).unwrap();
        fs::write(dir.join("modules"), "00000000000000aa\t/x/lz4io.o\n").unwrap();
        let s = Summary::read(&dir).unwrap();
        let text = s.render(5);
        assert!(
            text.contains("    hot edge write(1) -> write(1) (weight 632): recorded at 'fwrite' at lz4io.c:892:34, whose callee makes the system call\n"),
            "{text}"
        );
        assert!(
            text.contains("    hot edge brk() -> brk() (weight 4)\n"),
            "{text}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_block_scalar_message_is_one_line() {
        // The YAML writer gives a string with line breaks as a literal block scalar.
        let yaml = "--- !Missed\nPass:            syscall-cluster\nName:            Linearity\nDebugLoc:        { File: file_io.c, Line: 1152, Column: 7 }\nFunction:        io_read\nArgs:\n  - String:           |\n      not clustered: read -> poll (weight 69) breaks linearity: 'switch i64 %14, label %62 [\n          i64 0, label %70\n        ]' between 'read' and 'poll'\n\n...\n--- !Missed\nPass:            syscall-cluster\nName:            Dominance\nFunction:        io_read\nArgs:\n  - String:          'not clustered: poll -> read (weight 69) breaks dominance'\n...\n";
        let r = parse_remarks(yaml);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].location, "file_io.c:1152:7");
        assert_eq!(
            r[0].message,
            "not clustered: read -> poll (weight 69) breaks linearity: 'switch i64 %14, label %62 [ i64 0, label %70 ]' between 'read' and 'poll'"
        );
        assert_eq!(weight_of(&r[0].message), 69);
        assert_eq!(r[1].name, "Dominance");
        assert_eq!(
            r[1].message,
            "not clustered: poll -> read (weight 69) breaks dominance"
        );
    }

    #[test]
    fn lto_remarks_wrap_locations_and_count_inlining() {
        // lld writes absolute file names, and the YAML writer wraps the long flow mapping.
        let yaml = "--- !Passed\nPass:            syscall-cluster\nName:            Inlined\nDebugLoc:        { File: '/a/long/path/to/the/sources/of/the/program/copyhelpers.c', \n                   Line: 51, Column: 7 }\nFunction:        main\nArgs:\n  - String:          'inlined ''my_write'' (31 instructions) into ''main'' so that the hot edge read(3) -> write(4) (weight 74) runs in one function'\n...\n--- !Passed\nPass:            syscall-cluster\nName:            Clustered\nDebugLoc:        { File: '/a/long/path/to/the/sources/of/the/program/copyio.c', \n                   Line: 18, Column: 9 }\nFunction:        main\nArgs:\n  - String:          'clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)'\n...\n";
        let r = parse_remarks(yaml);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].location,
            "/a/long/path/to/the/sources/of/the/program/copyhelpers.c:51:7"
        );
        assert_eq!(r[1].function, "main");
        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(dir.join("remarks/00000000000000aa.yaml"), yaml).unwrap();
        fs::write(dir.join("modules"), "00000000000000aa\t/x/prog\n").unwrap();
        let s = Summary::read(&dir).unwrap();
        assert_eq!((s.clusters.len(), s.inlined, s.calls_clustered), (1, 1, 2));
        assert!(s
            .render(5)
            .contains("1 helper calls inlined to bring hot edges into one function"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn merged_flags_are_counted_and_listed() {
        // A merge that was a whole cluster leaves a `Specialised` remark and no `Clustered` one.
        let yaml = "--- !Passed\nPass:            syscall-cluster\nName:            Specialised\nDebugLoc:        { File: mini_httpd.c, Line: 1172, Column: 10 }\nFunction:        main\nArgs:\n  - String:          'merged flags: socket(2) and fcntl(F_SETFD) run as socket(.., SOCK_STREAM|SOCK_CLOEXEC, ..); the fcntl''s result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call'\n...\n";
        let dir = tempdir();
        fs::create_dir_all(dir.join("remarks")).unwrap();
        fs::write(dir.join("remarks/00000000000000ab.yaml"), yaml).unwrap();
        fs::write(dir.join("modules"), "00000000000000ab\t/x/prog\n").unwrap();
        let s = Summary::read(&dir).unwrap();
        assert_eq!((s.clusters.len(), s.specialised.len()), (0, 1));
        let text = s.render(5);
        assert!(
            text.contains("0 clusters (0 looped multi-calls), 0 system calls clustered; 1 calls merged with their fcntls"),
            "{text}"
        );
        assert!(
            text.contains("specialised at mini_httpd.c:1172:10: merged flags: socket(2)"),
            "{text}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lto_link_runs_the_pass_with_the_profile() {
        let a = args("-O3 -g main.o io.o -o prog");
        let inv = Invocation::classify(&a);
        let flags = |profile: &str, verify: bool| {
            lto_link(&a, &inv, Path::new("/b"), Path::new(profile), verify).map(|(f, _, _)| f)
        };
        let pipeline = "--lto-newpm-passes=lto<O3>,syscall-cluster<profile=/p/prog.prof.json>";
        let plain = flags("/p/prog.prof.json", false).unwrap();
        assert!(plain.contains(&"-fuse-ld=lld".to_string()), "{plain:?}");
        assert!(plain.contains(&pipeline.to_string()), "{plain:?}");
        // --verify: LLVM's verifier ends the link's pipeline.
        let verified = flags("/p/prog.prof.json", true).unwrap();
        assert!(
            verified.contains(&format!("{pipeline},verify")),
            "{verified:?}"
        );
        assert!(flags("/p/a;b.json", false).is_err());
    }

    #[test]
    fn coverage_attributes_transitions() {
        use syscluster_profile::format::{Edge, Node, Site};
        let mut p = Profile::new("prog");
        let mut own = Node::new("read", 0);
        own.site = Some(Site {
            function: "main".into(),
            file: "a.c".into(),
            line: 3,
            column: 4,
            inlined_at: Vec::new(),
            object: None,
        });
        let mut libc = Node::new("read", 0);
        libc.caller = Some("/usr/lib/x86_64-linux-gnu/libc.so.6(fread+0x10) [0x1]".into());
        let loader = Node::new("mmap", 9);
        p.nodes = vec![own.clone(), own, libc, loader];
        p.edges = vec![
            Edge {
                from: 0,
                to: 1,
                weight: 6,
            },
            Edge {
                from: 1,
                to: 2,
                weight: 3,
            },
            Edge {
                from: 3,
                to: 3,
                weight: 1,
            },
        ];
        let c = coverage(&p);
        assert_eq!(c[0], (OWN_CODE.to_string(), 6));
        assert_eq!(c[1], ("libc.so.6".to_string(), 3));
        assert_eq!(c.len(), 3);
    }

    /// A directory of its own for each test: the tests of one process run in parallel.
    fn tempdir() -> PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d =
            std::env::temp_dir().join(format!("syscluster-build-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }
}
