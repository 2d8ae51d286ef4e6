//! `syscluster record`: run a program under `strace -f -k` and write its syscall graph.
//!
//! strace writes its trace into a FIFO that a second thread parses while the program runs, so
//! neither memory nor disk grows with the length of the run. With `--recorder perf`, `perf record`
//! takes the calls from the kernel's tracepoints instead, and `perf script`'s output is read after
//! the run (`perf.rs`). The program keeps its own stdin,
//! stdout and stderr, and `record` exits with the program's exit status (128 + N when signal N
//! killed it). `record`'s own failures exit with 125, a program that cannot be found with 127.
//!
//! A SIGINT, SIGTERM, SIGHUP or SIGQUIT that a process sends to `record` (`kill`) is forwarded to
//! every process of the program; one the kernel sends (^C or a hangup on the terminal) reaches the
//! whole foreground process group, the program included, and is not sent again. Either way `record`
//! goes on until strace has seen the last of the program's processes exit, then writes the profile
//! of what ran. `record` is a child subreaper (`PR_SET_CHILD_SUBREAPER`): processes the program
//! leaves behind stay below it, are signalled with the rest, and are reaped.

use crate::ingest;
use crate::perf;
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::OsString;
use std::io::BufReader;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use syscluster_profile::format::Profile;

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
    /// Add this run to the profile at the output path when that file exists (as `merge` would)
    /// instead of replacing it.
    #[arg(long)]
    append: bool,
    /// What records the calls: strace (ptrace; paths, buffers' sizes and results as strace prints
    /// them) or perf (the kernel's raw_syscalls tracepoints with DWARF call chains; much less
    /// slowdown, arguments as numbers only).
    #[arg(long, value_enum, default_value_t = Recorder::Strace)]
    recorder: Recorder,
    /// The strace to run.
    #[arg(long, default_value = "strace", env = "SYSCLUSTER_STRACE")]
    strace: PathBuf,
    /// The perf to run (with `--recorder perf`).
    #[arg(long, default_value = "perf", env = "SYSCLUSTER_PERF")]
    perf: PathBuf,
    /// The program and its arguments.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true, value_name = "PROGRAM")]
    command: Vec<OsString>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Recorder {
    Strace,
    Perf,
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

/// strace's signal filter under `-k`: every signal but the interval timers'.
const TIMER_SIGNALS_UNSEEN: &str = "signal=!SIGALRM,SIGVTALRM,SIGPROF";

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

/// The signals `record` forwards to the program.
const FORWARDED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// Signals received from another process and not forwarded yet (bit N: signal N).
static TO_FORWARD: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t for the handler's duration.
    let code = unsafe { info.as_ref() }.map_or(0, |i| i.si_code);
    // SI_USER, SI_QUEUE, SI_TKILL and the other codes <= 0 mean a process sent it; > 0 (SI_KERNEL
    // for the terminal's ^C and hangup) means the kernel signalled the whole process group.
    if code <= 0 && (0..32).contains(&sig) {
        TO_FORWARD.fetch_or(1 << sig, Ordering::SeqCst);
    }
}

/// While the program runs, `record` must live to write the profile: the forwarded signals get a
/// handler that only notes them (a handler, unlike SIG_IGN, is reset to the default in the exec'd
/// strace and program). `record` also becomes a child subreaper, so that processes the program
/// orphans stay its descendants.
fn handle_signals() -> Result<()> {
    for sig in FORWARDED {
        // SAFETY: a zeroed sigaction is a valid starting value; the handler only touches an atomic
        // (async-signal-safe) and reads the siginfo the kernel passes.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(sig, &action, std::ptr::null_mut()) != 0 {
                bail!(
                    "cannot handle signal {sig}: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
    }
    // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory of ours.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        bail!(
            "cannot become a child subreaper: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

/// The parent of process `pid`, from `/proc/PID/stat` (`PID (COMM) STATE PPID ...`: COMM may hold
/// spaces and parentheses, so the fields are split after the last `)`).
fn parent_of(pid: libc::pid_t) -> Option<libc::pid_t> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The processes below `record` (strace, the program and whatever it started), parents first.
fn descendants() -> Vec<libc::pid_t> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parents: Vec<(libc::pid_t, libc::pid_t)> = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        if let Some(ppid) = parent_of(pid) {
            parents.push((pid, ppid));
        }
    }
    // SAFETY: getpid has no preconditions.
    let mut found = vec![unsafe { libc::getpid() }];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// Sends the signals `record` received from other processes to the program's processes (all
/// descendants but the recorder, strace or perf, which stops by itself once they are gone). A signal that arrives before
/// the program has started waits for it.
fn forward_signals(recorder: libc::pid_t) {
    let pending = TO_FORWARD.swap(0, Ordering::SeqCst);
    if pending == 0 {
        return;
    }
    let targets: Vec<libc::pid_t> = descendants()
        .into_iter()
        .filter(|&p| p != recorder)
        .collect();
    if targets.is_empty() {
        TO_FORWARD.fetch_or(pending, Ordering::SeqCst);
        return;
    }
    for sig in FORWARDED {
        if pending & (1 << sig) != 0 {
            for &pid in &targets {
                // SAFETY: kill takes plain integers; a process that exited meanwhile gives ESRCH.
                unsafe {
                    libc::kill(pid, sig);
                }
            }
        }
    }
}

/// Reaps the children `record` inherited as a subreaper (strace's own status is already taken).
fn reap_orphans() {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only into `status`, which outlives the call.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
    }
}

/// A progress line on stderr (calls seen, time elapsed) while the program runs, when stderr is a
/// terminal.
struct Progress {
    shown: bool,
    start: Instant,
    last: Instant,
}

impl Progress {
    fn new() -> Progress {
        let now = Instant::now();
        Progress {
            // SAFETY: isatty takes a file descriptor number and touches no memory of ours.
            shown: unsafe { libc::isatty(2) } == 1,
            start: now,
            last: now,
        }
    }

    fn tick(&mut self, calls: Option<&AtomicU64>) {
        if !self.shown || self.last.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.last = Instant::now();
        let seconds = self.start.elapsed().as_secs();
        match calls {
            Some(c) => eprint!(
                "\r\x1b[Ksyscluster: recording: {} calls, {seconds} s",
                c.load(Ordering::Relaxed)
            ),
            None => eprint!("\r\x1b[Ksyscluster: recording: {seconds} s"),
        }
    }

    fn done(&self) {
        if self.shown && self.last != self.start {
            eprint!("\r\x1b[K");
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
    let output = output_path(&args, &program)?;
    let earlier = if args.append {
        earlier_runs(&output, &program_name)?
    } else {
        None
    };
    let dir = TempDir::create()?;
    let (status, ingested) = match args.recorder {
        Recorder::Strace => record_strace(&args, &dir, &program_name)?,
        Recorder::Perf => record_perf(&args, &dir, &program_name)?,
    };
    if ingested.stats.calls == 0 {
        return Err(anyhow!(
            "no system calls of {program_name} were recorded ({status}): see the recorder's message above"
        )
        .into());
    }
    write_profile(ingested, !args.no_symbolize, earlier, &output)?;
    Ok(exit_code(status, &program_name))
}

/// Runs the program under strace, parsing the trace from a FIFO while it runs.
fn record_strace(
    args: &RecordArgs,
    dir: &TempDir,
    program_name: &str,
) -> Result<(std::process::ExitStatus, ingest::Ingested)> {
    let stacks = strace_supports_stacks(&args.strace)?;
    if !stacks {
        eprintln!(
            "syscluster: warning: {} cannot print stack traces (-k): call sites will be unknown",
            args.strace.display()
        );
    }
    let fifo = dir.fifo("trace")?;
    let calls = Arc::new(AtomicU64::new(0));
    let reader = spawn_reader(
        fifo.clone(),
        args.keep_trace.clone(),
        args.strict,
        program_name.to_string(),
        calls.clone(),
    );
    let mut cmd = Command::new(&args.strace);
    cmd.args(["-f", "-q", "-X", "raw", "-s", "0"]);
    if stacks {
        cmd.arg("-k");
        // With -k strace unwinds the stack at every signal it shows as well as at every call:
        // a program whose interval timer fires every millisecond or two then spends each
        // interval in strace and never gets on. Timer signals stay out of the trace; their
        // handlers' returns (rt_sigreturn) are no step of the sequence (profile::graph).
        cmd.args(["-e", TIMER_SIGNALS_UNSEEN]);
    }
    cmd.arg("-o").arg(&fifo).arg("--").args(&args.command);
    let status = handle_signals().and_then(|()| {
        run_recorder(cmd, Some(&calls), &mut |_| {})
            .with_context(|| format!("cannot run {}", args.strace.display()))
    });
    release_reader(&reader, &fifo);
    let status = status?;
    let ingested = match reader.join() {
        Ok(r) => r?,
        Err(_) => bail!("the trace reader crashed"),
    };
    Ok((status, ingested))
}

/// Runs the program under `perf record`, then reads `perf script`'s output as a trace.
fn record_perf(
    args: &RecordArgs,
    dir: &TempDir,
    program_name: &str,
) -> Result<(std::process::ExitStatus, ingest::Ingested)> {
    let perf = args.perf.display();
    let version = Command::new(&args.perf)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status();
    if !version.map(|s| s.success()).unwrap_or(false) {
        bail!("cannot run {perf} --version; install perf (Debian: linux-perf)");
    }
    let data = dir.0.join("perf.data");
    let mut cmd = Command::new(&args.perf);
    cmd.args(perf::record_args(&data)).args(&args.command);
    handle_signals()?;
    let inherited = perf::inherited_fds();
    let mut leaked: Option<Vec<i32>> = None;
    let mut check_leak = |recorder: libc::pid_t| {
        if leaked.is_some() {
            return;
        }
        // perf's child: the program (or perf's fork of itself just before exec'ing it).
        if let Some(&child) = descendants()
            .iter()
            .find(|&&p| parent_of(p) == Some(recorder))
        {
            leaked = Some(perf::leaked_fds(child, &inherited));
        }
    };
    let status =
        run_recorder(cmd, None, &mut check_leak).with_context(|| format!("cannot run {perf}"))?;
    if let Some(fds) = leaked.filter(|f| !f.is_empty()) {
        let list: Vec<String> = fds.iter().map(|fd| fd.to_string()).collect();
        eprintln!(
            "syscluster: warning: {perf} left descriptor {} (an eventfd) open in the program: \
             descriptors the program opened from that number up are numbered one higher than \
             without perf, and so are the profile's descriptor arguments",
            list.join(", ")
        );
    }
    if std::fs::metadata(&data).map(|m| m.len()).unwrap_or(0) == 0 {
        bail!(
            "{perf} recorded nothing ({status}): see its message above (raw_syscalls tracepoints need \
             root, or kernel.perf_event_paranoid at -1 and a readable tracefs)"
        );
    }
    let mut script = Command::new(&args.perf)
        .args(perf::script_args(&data))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {perf} script"))?;
    let Some(out) = script.stdout.take() else {
        bail!("{perf} script has no output pipe");
    };
    let lost = Arc::new(AtomicU64::new(0));
    let trace = perf::PerfTrace::new(BufReader::with_capacity(1 << 16, out), lost.clone());
    let ingested = ingest_from(
        trace,
        args.keep_trace.as_deref(),
        "perf script",
        program_name,
        args.strict,
        None,
    );
    let finished = script.wait();
    let ingested = ingested?;
    let finished = finished.with_context(|| format!("{perf} script did not finish"))?;
    if !finished.success() {
        bail!("{perf} script failed ({finished})");
    }
    let lost = lost.load(Ordering::Relaxed);
    if lost > 0 {
        eprintln!(
            "syscluster: warning: perf lost {lost} records (the program made calls faster than perf \
             could write them): the profile misses some calls and edges; record a shorter run, or \
             use --recorder strace, which loses none"
        );
    }
    Ok((status, ingested))
}

/// With `--append`: the profile already at `output`, if any, checked before the run so that a
/// profile of another program or a damaged file stops `record` before the program runs.
fn earlier_runs(output: &Path, program_name: &str) -> Result<Option<Profile>> {
    if !output.exists() {
        return Ok(None);
    }
    let earlier = Profile::load(output)?;
    let base = |p: &str| Path::new(p).file_name().map(|s| s.to_os_string());
    if base(&earlier.program) != base(program_name) {
        bail!(
            "cannot append a run of {program_name} to {}: it is a profile of {}",
            output.display(),
            earlier.program
        );
    }
    Ok(Some(earlier))
}

/// Fails with "not found" (exit 127) when the program cannot be run.
fn check_program(program: &Path, name: &str) -> Result<(), Failure> {
    if find_program(program).is_some() {
        return Ok(());
    }
    Err(Failure::NotFound(format!(
        "{name}: no such program (not a runnable file{})",
        if name.contains('/') {
            ""
        } else {
            ", nor on $PATH"
        }
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
    calls: Arc<AtomicU64>,
) -> std::thread::JoinHandle<Result<ingest::Ingested>> {
    std::thread::spawn(move || -> Result<ingest::Ingested> {
        let f = std::fs::File::open(&fifo).context("cannot open the trace FIFO")?;
        ingest_from(
            f,
            keep.as_deref(),
            "trace",
            &program_name,
            strict,
            Some(&calls),
        )
    })
}

/// Parses a trace (saving a copy into `keep`, `--keep-trace`); `origin` names it in messages when
/// no copy is kept.
fn ingest_from(
    trace: impl std::io::Read,
    keep: Option<&Path>,
    origin: &str,
    program_name: &str,
    strict: bool,
    calls: Option<&AtomicU64>,
) -> Result<ingest::Ingested> {
    let ingest = |r: &mut dyn std::io::Read, origin: &str| {
        ingest::ingest(
            BufReader::with_capacity(1 << 16, r),
            origin,
            Some(program_name),
            strict,
            calls,
        )
    };
    match keep {
        Some(path) => {
            let copy = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            ingest(
                &mut Tee {
                    inner: trace,
                    copy: std::io::BufWriter::new(copy),
                },
                &path.display().to_string(),
            )
        }
        None => ingest(&mut { trace }, origin),
    }
}

/// Runs the recorder (strace or perf, with the program) until it exits, which it does once the
/// last of the program's processes has exited, forwarding signals and showing progress meanwhile
/// (with the number of calls read so far, when the trace is read while the program runs).
fn run_recorder(
    mut cmd: Command,
    calls: Option<&AtomicU64>,
    on_tick: &mut dyn FnMut(libc::pid_t),
) -> std::io::Result<std::process::ExitStatus> {
    let mut child = cmd.spawn()?;
    let recorder = child.id() as libc::pid_t;
    let mut progress = Progress::new();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        forward_signals(recorder);
        on_tick(recorder);
        progress.tick(calls);
        std::thread::sleep(Duration::from_millis(20));
    };
    progress.done();
    reap_orphans();
    Ok(status)
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

/// Symbolizes and saves the profile (added to `earlier`, with `--append`).
fn write_profile(
    ingested: ingest::Ingested,
    symbolize: bool,
    earlier: Option<Profile>,
    output: &Path,
) -> Result<()> {
    let mut profile = ingest::finish(ingested, symbolize);
    if let Some(mut earlier) = earlier {
        earlier.merge(&profile)?;
        profile = earlier;
    }
    profile.save(output).context("cannot save the profile")?;
    eprintln!(
        "syscluster: {} run{}, {} calls, {} nodes, {} edges -> {}",
        profile.runs,
        if profile.runs == 1 { "" } else { "s" },
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
