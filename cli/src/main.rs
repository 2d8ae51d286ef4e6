//! `syscluster`: record a program's system calls into a profile, and look at profiles.
//!
//! - `record` runs a program under `strace -f -k` (or `perf record` of the `raw_syscalls`
//!   tracepoints, `--recorder perf`) and writes its syscall graph (exit code: the program's; 125
//!   when syscluster itself fails, 127 when the program does not exist).
//! - `import` builds a profile from an existing `strace -f -k` trace.
//! - `show` prints the hottest edges with their call sites; `graph` draws the graph with Graphviz;
//!   `merge` adds profiles of several runs.
//! - `build` runs a program's own build with the pass and a profile and sums up what the pass did;
//!   `cc` and `c++` are the compiler wrappers it puts in `CC` and `CXX`.

mod build;
mod ingest;
mod perf;
mod record;
mod report;
mod runtime_archive;
mod show;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use syscluster_profile::format::Profile;
use syscluster_profile::graph;

#[derive(Parser)]
#[command(
    name = "syscluster",
    version,
    about = "Profile-directed system call clustering: record and inspect syscall graphs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a program under strace and write its syscall graph.
    Record(record::RecordArgs),
    /// Build a profile from an existing `strace -f -k` trace (`-` reads standard input).
    Import(ImportArgs),
    /// Print the hottest edges of a profile with their call sites.
    Show(ShowArgs),
    /// Draw a profile's syscall graph with Graphviz (the paper's Figure 5c).
    Graph(GraphArgs),
    /// Add the runs of several profiles of one program.
    Merge(MergeArgs),
    /// Run a program's build (make, configure, cmake, a compile) with the pass and a profile.
    Build(build::BuildArgs),
    /// The C compiler wrapper that `build` puts in CC (`syscluster cc ARGS...`).
    Cc,
    /// The C++ compiler wrapper that `build` puts in CXX (`syscluster c++ ARGS...`).
    #[command(name = "c++")]
    Cxx,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The trace file, or `-` for standard input.
    trace: PathBuf,
    /// Where to write the profile.
    #[arg(short, long)]
    output: PathBuf,
    /// The program's name in the profile (default: the trace's first execve).
    #[arg(long)]
    program: Option<String>,
    /// Stop at the first malformed line instead of reporting it and going on.
    #[arg(long)]
    strict: bool,
    /// Do not look up call sites with llvm-symbolizer (keep strace's raw caller frames).
    #[arg(long)]
    no_symbolize: bool,
    /// Print how fast the trace was read (lines per second) and the peak memory.
    #[arg(long)]
    stats: bool,
}

#[derive(clap::Args)]
struct ShowArgs {
    profile: PathBuf,
    /// How many of the heaviest edges to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
struct GraphArgs {
    profile: PathBuf,
    /// Output file; its extension picks the format (.dot, .svg, .png, .pdf).
    #[arg(short, long)]
    output: PathBuf,
    /// Leave out edges lighter than this (and the nodes left without edges).
    #[arg(long, default_value_t = 1)]
    min_weight: u64,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// Profiles to add.
    #[arg(required = true, num_args = 1..)]
    profiles: Vec<PathBuf>,
    /// Where to write the sum.
    #[arg(short, long)]
    output: PathBuf,
    /// Merge even profiles of differently named programs.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    // The compiler wrappers take the compiler's own arguments, which clap must not read.
    let mut argv = std::env::args();
    if let Some(mode) = argv.nth(1).filter(|m| m == "cc" || m == "c++") {
        return build::wrap_compiler(mode == "c++", argv.collect());
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Record(args) => return record::run(args),
        Command::Import(args) => import(args),
        Command::Show(args) => {
            show::run(&args.profile, args.top, matches!(args.format, Format::Json))
        }
        Command::Graph(args) => draw(args),
        Command::Merge(args) => merge(args),
        Command::Build(args) => match build::build(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Cc | Command::Cxx => Err(anyhow::anyhow!(
            "`cc` and `c++` must be the first argument: syscluster cc COMPILER-ARGS..."
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away (`syscluster show P | head`): what it
        // wanted is printed.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("syscluster: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether the error is a write to a pipe whose reader has closed it.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn import(args: ImportArgs) -> Result<()> {
    let name = args.trace.display().to_string();
    let reader: Box<dyn std::io::BufRead> = if name == "-" {
        Box::new(std::io::BufReader::with_capacity(1 << 16, std::io::stdin()))
    } else {
        let f = std::fs::File::open(&args.trace)
            .with_context(|| format!("cannot open trace {name}"))?;
        Box::new(std::io::BufReader::with_capacity(1 << 16, f))
    };
    let origin = if name == "-" {
        "<stdin>".to_string()
    } else {
        name
    };
    let start = std::time::Instant::now();
    let out = ingest::ingest(reader, &origin, args.program.as_deref(), args.strict, None)?;
    if args.stats {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "syscluster: ingest: {} lines ({} calls, {} frames) in {:.3} s = {:.2} M lines/s; peak memory {} KiB",
            out.stats.lines,
            out.stats.calls,
            out.stats.frames,
            secs,
            out.stats.lines as f64 / secs.max(1e-9) / 1e6,
            peak_memory_kib().map(|k| k.to_string()).unwrap_or_else(|| "unknown".into())
        );
    }
    if out.stats.calls == 0 {
        bail!("{origin} has no system calls: is it the output of `strace -f -k`?");
    }
    let profile = ingest::finish(out, !args.no_symbolize);
    profile.save(&args.output)?;
    eprintln!(
        "syscluster: {} calls, {} nodes, {} edges -> {}",
        profile.calls(),
        profile.nodes.len(),
        profile.edges.len(),
        args.output.display()
    );
    Ok(())
}

/// The process's peak resident memory (VmHWM in /proc/self/status).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn draw(args: GraphArgs) -> Result<()> {
    let profile = Profile::load(&args.profile)?;
    let dot = graph::to_dot(&profile, args.min_weight);
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "dot" | "gv" => std::fs::write(&args.output, dot)
            .with_context(|| format!("cannot write {}", args.output.display())),
        "svg" | "png" | "pdf" => render(&dot, &ext, &args.output),
        _ => bail!(
            "cannot tell the format of {} from its extension: use .dot, .svg, .png or .pdf",
            args.output.display()
        ),
    }
}

/// Runs Graphviz `dot -T<format>`.
fn render(dot: &str, format: &str, output: &Path) -> Result<()> {
    use std::io::Write;
    let mut child = std::process::Command::new("dot")
        .arg(format!("-T{format}"))
        .arg("-o")
        .arg(output)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .context("cannot run Graphviz `dot` (install graphviz, or write a .dot file)")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(dot.as_bytes())
            .context("cannot feed Graphviz dot")?;
    }
    let status = child.wait().context("Graphviz dot did not finish")?;
    if !status.success() {
        bail!(
            "Graphviz dot failed ({status}) writing {}",
            output.display()
        );
    }
    Ok(())
}

fn merge(args: MergeArgs) -> Result<()> {
    let mut sum: Option<Profile> = None;
    for path in &args.profiles {
        let p = Profile::load(path)?;
        match sum.as_mut() {
            None => sum = Some(p),
            Some(s) if args.force => s.merge_unchecked(&p),
            Some(s) => s.merge(&p).with_context(|| {
                format!("merging {} (use --force to merge anyway)", path.display())
            })?,
        }
    }
    let Some(sum) = sum else {
        bail!("no profiles to merge")
    };
    sum.save(&args.output)?;
    eprintln!(
        "syscluster: {} runs, {} calls, {} nodes, {} edges -> {}",
        sum.runs,
        sum.calls(),
        sum.nodes.len(),
        sum.edges.len(),
        args.output.display()
    );
    Ok(())
}
