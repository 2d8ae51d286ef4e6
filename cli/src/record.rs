//! `syscluster record`: run a program under `strace -f -k` and write its syscall graph.
//!
//! strace writes its trace into a FIFO that a second thread parses while the program runs, so
//! neither memory nor disk grows with the length of the run. The program keeps its own stdin,
//! stdout and stderr, and `record` exits with the program's exit status (128 + N when signal N
//! killed it). `record`'s own failures exit with 125, a program that cannot be found with 127.

use crate::ingest;
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::OsString;
use std::io::BufReader;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Exit status of `record` when it fails itself (as `env` and `timeout` do).
const EXIT_OWN_FAILURE: u8 = 125;
/// Exit status when the program does not exist (as a shell's).
const EXIT_NOT_FOUND: u8 = 127;

#[derive(clap::Args)]
pub struct RecordArgs {
    /// Where to write the profile (default: PROGRAM.prof.json in the current directory).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also keep strace's raw trace in this file.
    #[arg(long)]
    keep_trace: Option<PathBuf>,
    /// Stop at the first malformed trace line (it would be a bug in syscluster or strace).
    #[arg(long)]
    strict: bool,
    /// Do not look up call sites with llvm-symbolizer (keep strace's raw caller frames).
    #[arg(long)]
    no_symbolize: bool,
    /// The strace to run.
    #[arg(long, default_value = "strace", env = "SYSCLUSTER_STRACE")]
    strace: PathBuf,
    /// The program and its arguments.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true, value_name = "PROGRAM")]
    command: Vec<OsString>,
}

pub fn run(args: RecordArgs) -> ExitCode {
    match record(args) {
        Ok(code) => code,
        Err(Failure::NotFound(msg)) => {
            eprintln!("syscluster: {msg}");
            ExitCode::from(EXIT_NOT_FOUND)
        }
        Err(Failure::Own(e)) => {
            eprintln!("syscluster: {e:#}");
            ExitCode::from(EXIT_OWN_FAILURE)
        }
    }
}

enum Failure {
    NotFound(String),
    Own(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Own(e)
    }
}

/// Finds a program the way `execvp` would: a name with a slash as it is, else along `$PATH`.
fn find_program(name: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if name.as_os_str().to_string_lossy().contains('/') {
        return runnable(name).then(|| name.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| runnable(p))
}

/// Checks that strace runs and whether it can print stack traces (`-k`).
fn strace_supports_stacks(strace: &Path) -> Result<bool> {
    let out = Command::new(strace)
        .arg("-V")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            anyhow!(
                "cannot run {}: {e}; install strace (scripts/setup.sh installs it)",
                strace.display()
            )
        })?;
    if !out.status.success() {
        bail!(
            "{} -V failed ({}): is it strace?",
            strace.display(),
            out.status
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).contains("stack-trace"))
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// While the program runs, ^C and ^\ are for it (and strace); `record` must live to write the
/// profile. A handler (not SIG_IGN) is reset to the default in the exec'd program.
fn survive_interrupts() {
    for sig in [libc::SIGINT, libc::SIGQUIT] {
        // SAFETY: installs an async-signal-safe handler that does nothing; no Rust state is touched.
        unsafe {
            libc::signal(sig, ignore_signal as *const () as libc::sighandler_t);
        }
    }
}

/// A private temporary directory, removed with everything in it when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> Result<TempDir> {
        let dir = std::env::temp_dir().join(format!(
            "syscluster-record-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(TempDir(dir))
    }

    /// Makes a FIFO called `name` in the directory.
    fn fifo(&self, name: &str) -> Result<PathBuf> {
        let fifo = self.0.join(name);
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes())
            .context("temporary path has a NUL byte")?;
        // SAFETY: c_path is a valid NUL-terminated string that outlives the call.
        if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } != 0 {
            bail!(
                "cannot create a FIFO in {}: {}",
                self.0.display(),
                std::io::Error::last_os_error()
            );
        }
        Ok(fifo)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn record(args: RecordArgs) -> Result<ExitCode, Failure> {
    let program = PathBuf::from(&args.command[0]);
    let program_name = program.display().to_string();
    check_program(&program, &program_name)?;
    let stacks = strace_supports_stacks(&args.strace)?;
    if !stacks {
        eprintln!(
            "syscluster: warning: {} cannot print stack traces (-k): call sites will be unknown",
            args.strace.display()
        );
    }
    let output = output_path(&args, &program)?;
    let dir = TempDir::create()?;
    let fifo = dir.fifo("trace")?;
    let reader = spawn_reader(
        fifo.clone(),
        args.keep_trace.clone(),
        args.strict,
        program_name.clone(),
    );
    let status = run_strace(&args, stacks, &fifo);
    release_reader(&reader, &fifo);
    let status = status.with_context(|| format!("cannot run {}", args.strace.display()))?;
    let ingested = match reader.join() {
        Ok(r) => r?,
        Err(_) => return Err(anyhow!("the trace reader crashed").into()),
    };
    if ingested.stats.calls == 0 {
        return Err(anyhow!(
            "strace recorded no system calls of {program_name} ({status}): see strace's message above"
        )
        .into());
    }
    write_profile(ingested, !args.no_symbolize, &output)?;
    Ok(exit_code(status, &program_name))
}

/// Fails with "not found" (exit 127) when the program cannot be run.
fn check_program(program: &Path, name: &str) -> Result<(), Failure> {
    if find_program(program).is_some() {
        return Ok(());
    }
    Err(Failure::NotFound(format!(
        "{name}: no such program (not a runnable file{})",
        if name.contains('/') { "" } else { ", nor on $PATH" }
    )))
}

/// Where the profile goes; fails before the run, not after it, when it cannot be written there.
fn output_path(args: &RecordArgs, program: &Path) -> Result<PathBuf> {
    let output = args.output.clone().unwrap_or_else(|| {
        let base = program
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "program".into());
        PathBuf::from(format!("{base}.prof.json"))
    });
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        bail!(
            "cannot write {}: {} is not a directory",
            output.display(),
            parent.display()
        );
    }
    Ok(output)
}

/// The reader: parses the trace from the FIFO while the program runs.
fn spawn_reader(
    fifo: PathBuf,
    keep: Option<PathBuf>,
    strict: bool,
    program_name: String,
) -> std::thread::JoinHandle<Result<ingest::Ingested>> {
    std::thread::spawn(move || -> Result<ingest::Ingested> {
        let f = std::fs::File::open(&fifo).context("cannot open the trace FIFO")?;
        let origin = keep
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "trace".into());
        let ingest = |r: &mut dyn std::io::Read| {
            ingest::ingest(
                BufReader::with_capacity(1 << 16, r),
                &origin,
                Some(&program_name),
                strict,
            )
        };
        match keep {
            Some(path) => {
                let copy = std::fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                ingest(&mut Tee {
                    inner: f,
                    copy: std::io::BufWriter::new(copy),
                })
            }
            None => ingest(&mut { f }),
        }
    })
}

/// Runs the program under strace, writing the trace into `fifo`, until strace exits.
fn run_strace(
    args: &RecordArgs,
    stacks: bool,
    fifo: &Path,
) -> std::io::Result<std::process::ExitStatus> {
    let mut cmd = Command::new(&args.strace);
    cmd.args(["-f", "-q", "-X", "raw", "-s", "0"]);
    if stacks {
        cmd.arg("-k");
    }
    cmd.arg("-o").arg(fifo).arg("--").args(&args.command);
    survive_interrupts();
    cmd.status()
}

/// Whatever happened, lets the reader see the end of the trace. If strace never opened the FIFO,
/// the reader still waits in open(): a writer that comes and goes releases it. A non-blocking
/// open fails while no reader is there, so try until the reader is done.
fn release_reader<T>(reader: &std::thread::JoinHandle<T>, fifo: &Path) {
    while !reader.is_finished() {
        use std::os::unix::fs::OpenOptionsExt;
        drop(
            std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(fifo),
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Symbolizes and saves the profile.
fn write_profile(ingested: ingest::Ingested, symbolize: bool, output: &Path) -> Result<()> {
    let profile = ingest::finish(ingested, symbolize);
    profile.save(output).context("cannot save the profile")?;
    eprintln!(
        "syscluster: {} calls, {} nodes, {} edges -> {}",
        profile.calls(),
        profile.nodes.len(),
        profile.edges.len(),
        output.display()
    );
    Ok(())
}

/// `record`'s exit code: the program's. strace exits with the program's status, and kills itself
/// with the program's fatal signal.
fn exit_code(status: std::process::ExitStatus, program_name: &str) -> ExitCode {
    if let Some(sig) = status.signal() {
        eprintln!("syscluster: {program_name} was killed by signal {sig}; the profile has its calls up to then");
        return ExitCode::from(128u8.wrapping_add(sig as u8));
    }
    let code = status.code().unwrap_or(1);
    if code != 0 {
        eprintln!("syscluster: {program_name} exited with status {code}; the profile is written all the same");
    }
    ExitCode::from(code as u8)
}

/// Copies what it reads into a file (`--keep-trace`).
struct Tee<R: std::io::Read, W: std::io::Write> {
    inner: R,
    copy: W,
}

impl<R: std::io::Read, W: std::io::Write> std::io::Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        if n == 0 {
            self.copy.flush()?;
        }
        Ok(n)
    }
}
