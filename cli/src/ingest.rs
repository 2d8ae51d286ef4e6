//! Reading a trace into a graph builder, with the reporting of malformed lines shared by `record`
//! and `import`.

use anyhow::{bail, Result};
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use syscluster_profile::format::Profile;
use syscluster_profile::graph::Builder;
use syscluster_profile::strace::{Event, LineReader, Parser, Stats};
use syscluster_profile::graph::Unlocated;
use syscluster_profile::symbolize::{NoSite, Symbolizer};

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
    for unlocated in &summary.no_debug {
        eprintln!("syscluster: {}", describe_unlocated(unlocated));
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

/// How many frames a warning names before it only counts the rest.
const FRAMES_SHOWN: usize = 6;

/// Says which call sites of an object keep raw frames, and why: no debug information there (the
/// whole object built without `-g`, or start-up code such as `_start`), or line 0.
fn describe_unlocated(u: &Unlocated) -> String {
    let base = u.object.rsplit('/').next().unwrap_or(&u.object);
    let mut no_info = Vec::new();
    let mut line_zero = Vec::new();
    for (frame, why) in &u.missing {
        match why {
            NoSite::NoDebugInfo { .. } => no_info.push(frame.as_str()),
            NoSite::LineZero { .. } => line_zero.push(frame.as_str()),
        }
    }
    if no_info.len() == u.sites {
        return format!(
            "{base}: none of its {} call sites has debug information: they keep raw frames (build it with -g for file:line:column)",
            u.sites
        );
    }
    let list = |frames: &[&str]| {
        let mut text = frames[..frames.len().min(FRAMES_SHOWN)].join(", ");
        if frames.len() > FRAMES_SHOWN {
            text.push_str(&format!(" and {} more", frames.len() - FRAMES_SHOWN));
        }
        text
    };
    let mut parts = Vec::new();
    if !no_info.is_empty() {
        parts.push(format!(
            "{} without debug information (start-up code such as _start, or code built without -g): {}",
            no_info.len(),
            list(&no_info)
        ));
    }
    if !line_zero.is_empty() {
        parts.push(format!(
            "{} on line 0 (code the compiler attributes to no source line): {}",
            line_zero.len(),
            list(&line_zero)
        ));
    }
    format!(
        "{base}: {} of {} call sites keep raw frames; {}",
        u.missing.len(),
        u.sites,
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unlocated(sites: usize, missing: &[(&str, NoSite)]) -> Unlocated {
        Unlocated {
            object: "/tmp/copy".into(),
            sites,
            missing: missing
                .iter()
                .map(|(f, why)| (f.to_string(), why.clone()))
                .collect(),
        }
    }

    #[test]
    fn unlocated_sites_are_named_with_their_reason() {
        let start = NoSite::NoDebugInfo {
            function: Some("_start".into()),
        };
        let zero = NoSite::LineZero {
            function: "main".into(),
            file: "copy.c".into(),
        };
        let text = describe_unlocated(&unlocated(
            9,
            &[("_start+0x25", start.clone()), ("main+0x1a", zero)],
        ));
        assert_eq!(
            text,
            "copy: 2 of 9 call sites keep raw frames; 1 without debug information (start-up code such as _start, or code built without -g): _start+0x25; 1 on line 0 (code the compiler attributes to no source line): main+0x1a"
        );
        assert!(!text.contains("build it with -g"), "{text}");
        let text = describe_unlocated(&unlocated(2, &[("f+0x1", start.clone()), ("0x11c6", start)]));
        assert_eq!(
            text,
            "copy: none of its 2 call sites has debug information: they keep raw frames (build it with -g for file:line:column)"
        );
    }
}
