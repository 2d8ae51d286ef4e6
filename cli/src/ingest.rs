//! Reading a trace into a graph builder, with the reporting of malformed lines shared by `record`
//! and `import`.

use anyhow::{bail, Result};
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use syscluster_profile::format::Profile;
use syscluster_profile::graph::Builder;
use syscluster_profile::strace::{Event, LineReader, Parser, Stats};
use syscluster_profile::symbolize::Symbolizer;

/// How many malformed lines are printed one by one before only counting them.
const BAD_LINES_SHOWN: u64 = 10;

pub struct Ingested {
    pub builder: Builder,
    pub stats: Stats,
}

/// Parses a whole trace. Malformed lines are reported on stderr as `origin:line: message`; with
/// `strict` the first one is an error. `progress`, when given, follows the number of calls read.
pub fn ingest(
    reader: impl BufRead,
    origin: &str,
    program: Option<&str>,
    strict: bool,
    progress: Option<&AtomicU64>,
) -> Result<Ingested> {
    let mut parser = Parser::new();
    let mut builder = Builder::new(program);
    let mut bad = BadLines {
        origin,
        strict,
        first: None,
        count: 0,
    };
    let mut lines = LineReader::new(reader);
    while let Some(line) = lines.next_line()? {
        parser.feed(line, &mut |e| bad.take(&mut builder, e));
        if let Some(p) = progress {
            p.store(parser.stats.calls, Ordering::Relaxed);
        }
        if strict && bad.first.is_some() {
            break;
        }
    }
    if !(strict && bad.first.is_some()) {
        parser.finish(&mut |e| bad.take(&mut builder, e));
    }
    if strict {
        if let Some(msg) = bad.first {
            bail!("{msg} (--strict stops here; leave it out to skip malformed lines)");
        }
    }
    if bad.count > BAD_LINES_SHOWN {
        eprintln!(
            "syscluster: {origin}: {} malformed lines skipped in all",
            bad.count
        );
    }
    Ok(Ingested {
        builder,
        stats: parser.stats,
    })
}

struct BadLines<'o> {
    origin: &'o str,
    strict: bool,
    first: Option<String>,
    count: u64,
}

impl BadLines<'_> {
    /// Reports a malformed line (or keeps it for `--strict`), and passes every event to the builder.
    fn take(&mut self, builder: &mut Builder, e: Event<'_>) {
        if let Event::Bad(err) = &e {
            let msg = format!("{}:{}: {}", self.origin, err.line, err.message);
            if !self.strict && self.count < BAD_LINES_SHOWN {
                eprintln!("syscluster: {msg} (line skipped)");
            }
            if self.first.is_none() {
                self.first = Some(msg);
            }
            self.count += 1;
        }
        builder.event(&e);
    }
}

/// Symbolizes (when asked and possible) and returns the profile, printing warnings.
pub fn finish(ingested: Ingested, symbolize: bool) -> Profile {
    let symbolizer = if symbolize {
        match Symbolizer::find() {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("syscluster: warning: {e}; call sites stay raw frames");
                None
            }
        }
    } else {
        None
    };
    let (profile, summary) = ingested.builder.finish(symbolizer.as_ref());
    if !summary.no_debug.is_empty() {
        let list: Vec<String> = summary
            .no_debug
            .iter()
            .map(|(object, missing, all)| {
                let base = object.rsplit('/').next().unwrap_or(object);
                if missing == all {
                    format!("{base} ({missing})")
                } else {
                    format!("{base} ({missing} of {all})")
                }
            })
            .collect();
        eprintln!(
            "syscluster: call sites without debug location (they keep raw frames; build with -g for file:line:column): {}",
            list.join(", ")
        );
    }
    for w in &summary.warnings {
        eprintln!("syscluster: warning: {w}");
    }
    if !summary.unknown_syscalls.is_empty() {
        let names: Vec<String> = summary
            .unknown_syscalls
            .iter()
            .map(|(n, c)| format!("{n} ({c}x)"))
            .collect();
        eprintln!(
            "syscluster: warning: calls the x86-64 catalogue does not know were left out: {}",
            names.join(", ")
        );
    }
    profile
}
