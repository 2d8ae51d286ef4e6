//! Streaming parser of `strace -f -k` output.
//!
//! Reads a trace line by line in constant memory (apart from one pending call per thread) and hands
//! every completed system call, signal and exit to a callback. It understands the line shapes strace
//! prints with and without `-f` (`PID ` prefixes with `-o FILE`, `[pid N] ` prefixes on stderr),
//! `-t`/`-tt`/`-ttt`/`-r` timestamps, `-T` durations, `-X raw` numbers, `<unfinished ...>` lines and
//! their `<... NAME resumed>` continuations (joined into one call), stack frames printed by `-k` on
//! lines starting with ` > ` after each call, signals (`--- SIGCHLD {...} ---`), exits
//! (`+++ exited with 0 +++`, `+++ killed by SIGKILL +++`), and `strace: Process N attached` notes,
//! even where strace printed them in the middle of a call line.
//!
//! Of the stack frames only one is kept per call: the *site frame*, the innermost frame outside the
//! C runtime (libc, the dynamic loader, libpthread, libmulticall): the program's own call site of the
//! libc wrapper. The frames after it cost almost nothing to skip.

use crate::fxhash::{FxHashMap, FxHashSet};
use std::io::BufRead;

/// A malformed line: where, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// One stack frame of `-k` output: `OBJECT(SYMBOL+0xOFF) [0xADDR]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StackFrame {
    /// The binary or shared object, as strace names it (an absolute path).
    pub object: String,
    /// `main+0x26`, or empty when strace did not know the symbol.
    pub symbol: String,
    /// The address strace printed: an offset into the object's file (of the return address).
    pub offset: u64,
}

/// What a call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// A value as strace printed it (`3`, `0x7f48070b2000`).
    Value(&'a str),
    /// `-1 ENOENT (...)`: the error's name.
    Error(&'a str),
    /// `?`: no return (exit, execve in another thread, a process that vanished).
    Unknown,
}

/// A completed system call.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// The thread (strace's pid column); 0 for lines without one.
    pub pid: u32,
    pub name: &'a str,
    /// The arguments as printed, trimmed (at most [`MAX_ARGS`]).
    pub args: &'a [&'a str],
    pub outcome: Outcome<'a>,
    /// The innermost frame outside the C runtime, when `-k` printed frames.
    pub site: Option<&'a StackFrame>,
    /// True when the call had stack frames but all were inside the C runtime.
    pub runtime_only: bool,
    /// The line where the call (or its first part) started.
    pub line: u64,
}

/// Something the trace says.
#[derive(Debug)]
pub enum Event<'a> {
    Call(Call<'a>),
    /// `--- SIGNAME {...} ---`
    Signal {
        pid: u32,
        name: &'a str,
    },
    /// `+++ exited with N +++` or `+++ killed by SIG +++`
    Exit {
        pid: u32,
        code: Option<i32>,
        signal: Option<&'a str>,
    },
    /// Lines without a pid so far belong to thread `to` (strace started prefixing the first process).
    Renamed {
        from: u32,
        to: u32,
    },
    /// A line that is not what strace prints.
    Bad(LineError),
}

/// The most arguments a call keeps (strace prints at most 6, plus named extras for a few calls).
pub const MAX_ARGS: usize = 8;

/// Counts of what a parse saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: u64,
    pub calls: u64,
    pub frames: u64,
    pub bad_lines: u64,
}

/// Decides whether a frame belongs to the runtime (skipped when looking for a site): a frame in a
/// runtime object, or in libmulticall's functions linked statically into the program (its C entry
/// points `multicall*` and its Rust code, crate `multicall`).
pub fn is_runtime_frame(frame: &StackFrame) -> bool {
    let s = frame.symbol.as_str();
    is_runtime_object(&frame.object) || s.starts_with("multicall") || s.starts_with("_ZN9multicall")
}

/// Decides which objects belong to the C runtime (their frames are skipped when looking for a site).
pub fn is_runtime_object(object: &str) -> bool {
    let base = object.rsplit('/').next().unwrap_or(object);
    const PREFIXES: [&str; 8] = [
        "libc.so",
        "libc-",
        "ld-linux",
        "ld-2.",
        "libpthread",
        "librt.so",
        "libdl.so",
        "libmulticall",
    ];
    PREFIXES.iter().any(|p| base.starts_with(p)) || base == "[vdso]" || !object.starts_with('/')
}

struct Pending {
    pid: u32,
    line: u64,
    text: String,
    site: Option<StackFrame>,
    had_frames: bool,
}

/// The parser. Feed it lines with [`Parser::feed`], then call [`Parser::finish`].
#[derive(Default)]
pub struct Parser {
    line: u64,
    pending: Option<Pending>,
    unfinished: FxHashMap<u32, (u64, String)>,
    /// A call line that strace cut with a `strace: Process N attached` note; the rest is on the
    /// next line.
    carry: Option<String>,
    /// Pids created by clone/fork (to tell which prefixed pid the unprefixed first process is).
    children: FxHashSet<u32>,
    /// The pid that lines without a prefix belong to, once known.
    main_pid: Option<u32>,
    unprefixed: bool,
    renamed: Option<(u32, u32)>,
    spare: String,
    pub stats: Stats,
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Parses one line (without its newline).
    pub fn feed(&mut self, raw: &[u8], sink: &mut dyn FnMut(Event<'_>)) {
        self.line += 1;
        self.stats.lines += 1;
        // Stack frames are most of a `-k` trace: handle them before anything else.
        if let Some(frame) = raw.strip_prefix(b" > ") {
            self.frame(frame, sink);
            return;
        }
        let owned;
        let text: &str = match std::str::from_utf8(raw) {
            Ok(s) => s,
            Err(_) => {
                owned = String::from_utf8_lossy(raw).into_owned();
                &owned
            }
        };
        let text = text.trim_end_matches('\r');
        self.flush(sink);
        if text.trim().is_empty() {
            return;
        }
        // `strace: Process N attached` may cut a call line in two.
        let joined;
        let text = match self.carry.take() {
            Some(mut carry) => {
                carry.push_str(text.trim_start());
                joined = carry;
                joined.as_str()
            }
            None => text,
        };
        if self.attach_note(text) {
            return;
        }
        let Some((pid, rest)) = self.split_prefix(text) else {
            let line = self.line;
            self.bad(sink, line, "no system call, signal or exit on this line");
            return;
        };
        let line = self.line;
        if let Some((from, to)) = self.renamed.take() {
            sink(Event::Renamed { from, to });
        }
        if let Some(sig) = rest.strip_prefix("--- ") {
            let name = sig.split([' ', '{']).next().unwrap_or("");
            sink(Event::Signal { pid, name });
        } else if let Some(ex) = rest.strip_prefix("+++ ") {
            self.exit(pid, ex, line, sink);
        } else if let Some(res) = rest.strip_prefix("<... ") {
            self.resumed(pid, res, line, sink);
        } else if rest.trim_end().ends_with("<unfinished ...>") {
            self.unfinished(pid, rest, line, sink);
        } else if rest.contains('(') {
            self.call(pid, rest, line);
        } else {
            self.bad(sink, line, "no system call, signal or exit on this line");
        }
    }

    /// A ` > ` stack frame line (`frame` is the text after the marker): keeps the pending call's
    /// site frame, the first frame outside the runtime.
    fn frame(&mut self, frame: &[u8], sink: &mut dyn FnMut(Event<'_>)) {
        self.stats.frames += 1;
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        p.had_frames = true;
        if p.site.is_some() {
            return;
        }
        match std::str::from_utf8(frame).ok().and_then(parse_frame) {
            Some(f) if !is_runtime_frame(&f) => p.site = Some(f),
            Some(_) => {}
            None => {
                let line = self.line;
                self.bad(
                    sink,
                    line,
                    "a stack frame that is not `OBJECT(SYMBOL+0xOFF) [0xADDR]`",
                );
            }
        }
    }

    /// Handles a `strace: ...` note: true when the line is used up (a note of its own, or a call
    /// line that a `Process N attached` note cut, kept to be joined with the next line).
    fn attach_note(&mut self, text: &str) -> bool {
        // (Only lines ending in `attached`/`detached` can hold a cutting note: skip the search
        // otherwise.)
        let note = text.ends_with(" attached") || text.ends_with(" detached");
        if let Some(pos) = note.then(|| text.find("strace: Process ")).flatten() {
            if pos == 0 {
                return true;
            }
            if text[pos..].ends_with(" attached") || text[pos..].ends_with(" detached") {
                self.carry = Some(text[..pos].to_string());
                return true;
            }
        }
        text.starts_with("strace: ")
    }

    /// `<... NAME resumed>REST` (`res` is the text after `<... `): joins the call with its start.
    fn resumed(&mut self, pid: u32, res: &str, line: u64, sink: &mut dyn FnMut(Event<'_>)) {
        let Some(end) = res.find(" resumed>") else {
            self.bad(sink, line, "a `<... NAME resumed>` line without `resumed>`");
            return;
        };
        let name = &res[..end];
        let tail = &res[end + " resumed>".len()..];
        let Some((start, mut head)) = self.unfinished.remove(&pid) else {
            // The trace started in the middle of this call: nothing to join it with.
            self.bad(
                sink,
                line,
                &format!("`{name}` resumed, but its start is not in the trace"),
            );
            return;
        };
        if !head.starts_with(name) {
            self.bad(
                sink,
                line,
                &format!("`{name}` resumed, but thread {pid} was in another call"),
            );
            return;
        }
        if tail.trim_end().ends_with("<unfinished ...>") {
            // Resumed and cut again (e.g. by another signal): keep waiting.
            head.push_str(strip_unfinished(tail));
            self.unfinished.insert(pid, (start, head));
            return;
        }
        head.push_str(tail);
        self.pending = Some(Pending {
            pid,
            line: start,
            text: head,
            site: None,
            had_frames: false,
        });
    }

    /// `NAME(ARGS <unfinished ...>`: keeps the start of the call until it resumes.
    fn unfinished(&mut self, pid: u32, rest: &str, line: u64, sink: &mut dyn FnMut(Event<'_>)) {
        if let Some((start, old)) = self
            .unfinished
            .insert(pid, (line, strip_unfinished(rest).to_string()))
        {
            // Its previous call never resumed: report it as it is.
            self.pending = Some(Pending {
                pid,
                line: start,
                text: old + ") = ?",
                site: None,
                had_frames: false,
            });
            self.flush(sink);
        }
    }

    /// A whole call line: pending until its frames (if any) have been read.
    fn call(&mut self, pid: u32, rest: &str, line: u64) {
        // Reuse the last call's buffer: no allocation per line.
        let mut text = std::mem::take(&mut self.spare);
        text.clear();
        text.push_str(rest);
        self.pending = Some(Pending {
            pid,
            line,
            text,
            site: None,
            had_frames: false,
        });
    }

    /// Reports what is still pending at the end of the trace.
    pub fn finish(&mut self, sink: &mut dyn FnMut(Event<'_>)) {
        self.flush(sink);
        if let Some(carry) = self.carry.take() {
            let line = self.line;
            self.bad(
                sink,
                line,
                &format!("the trace ends in the middle of a call: `{carry}`"),
            );
        }
        let mut left: Vec<(u32, (u64, String))> = self.unfinished.drain().collect();
        left.sort_by_key(|(_, (line, _))| *line);
        for (pid, (line, text)) in left {
            // Calls that never returned (the trace was cut, or the process was killed).
            self.pending = Some(Pending {
                pid,
                line,
                text: text + ") = ?",
                site: None,
                had_frames: false,
            });
            self.flush(sink);
        }
    }

    fn bad(&mut self, sink: &mut dyn FnMut(Event<'_>), line: u64, message: &str) {
        self.stats.bad_lines += 1;
        sink(Event::Bad(LineError {
            line,
            message: message.to_string(),
        }));
    }

    fn exit(&mut self, pid: u32, ex: &str, line: u64, sink: &mut dyn FnMut(Event<'_>)) {
        if let Some((start, text)) = self.unfinished.remove(&pid) {
            self.pending = Some(Pending {
                pid,
                line: start,
                text: text + ") = ?",
                site: None,
                had_frames: false,
            });
            self.flush(sink);
        }
        let ex = ex.trim_end().trim_end_matches("+++").trim_end();
        if let Some(code) = ex.strip_prefix("exited with ") {
            match code.trim().parse() {
                Ok(code) => sink(Event::Exit {
                    pid,
                    code: Some(code),
                    signal: None,
                }),
                Err(_) => self.bad(sink, line, "an exit status that is not a number"),
            }
        } else if let Some(sig) = ex.strip_prefix("killed by ") {
            let sig = sig.split(' ').next().unwrap_or(sig);
            sink(Event::Exit {
                pid,
                code: None,
                signal: Some(sig),
            });
        } else {
            self.bad(
                sink,
                line,
                "a `+++` line that is neither `exited with N` nor `killed by SIG`",
            );
        }
    }

    /// Splits `[pid N] `, `N `, and a timestamp off the front of a line.
    fn split_prefix<'t>(&mut self, text: &'t str) -> Option<(u32, &'t str)> {
        let mut rest = text.trim_start();
        let mut pid = None;
        if let Some(r) = rest.strip_prefix("[pid ") {
            let end = r.find(']')?;
            pid = Some(r[..end].trim().parse().ok()?);
            rest = r[end + 1..].trim_start();
        } else {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && rest.as_bytes().get(digits) == Some(&b' ') {
                pid = Some(rest[..digits].parse().ok()?);
                rest = rest[digits..].trim_start();
            }
        }
        // A timestamp: 04:54:46.214483, 1700000000.123456, or 0.000123 (-r).
        let b = rest.as_bytes();
        if b.first().is_some_and(u8::is_ascii_digit) {
            let len = b
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == b':' || **c == b'.')
                .count();
            if b.get(len) == Some(&b' ') {
                rest = rest[len..].trim_start();
            }
        }
        let pid = match pid {
            Some(p) => {
                // Lines before the first prefix belong to the first process; with output on stderr
                // strace prefixes it too once there are more, so the first prefixed pid that no clone
                // created is that process.
                if self.main_pid.is_none() && !self.children.contains(&p) {
                    self.main_pid = Some(p);
                    if self.unprefixed {
                        self.rename_pid(0, p);
                    }
                }
                p
            }
            None => {
                self.unprefixed = true;
                self.main_pid.unwrap_or(0)
            }
        };
        Some((pid, rest))
    }

    fn rename_pid(&mut self, from: u32, to: u32) {
        self.renamed = Some((from, to));
        if let Some(u) = self.unfinished.remove(&from) {
            self.unfinished.insert(to, u);
        }
        if let Some(p) = self.pending.as_mut() {
            if p.pid == from {
                p.pid = to;
            }
        }
    }

    /// Emits the pending call, if any.
    fn flush(&mut self, sink: &mut dyn FnMut(Event<'_>)) {
        let Some(p) = self.pending.take() else { return };
        match parse_call(&p.text) {
            Ok((name, args, outcome)) => {
                if matches!(name, "clone" | "clone3" | "fork" | "vfork") {
                    if let Outcome::Value(v) = outcome {
                        if let Ok(child) = v.parse() {
                            self.children.insert(child);
                        }
                    }
                }
                self.stats.calls += 1;
                let call = Call {
                    pid: p.pid,
                    name,
                    args: &args.items[..args.len],
                    outcome,
                    site: p.site.as_ref(),
                    runtime_only: p.had_frames && p.site.is_none(),
                    line: p.line,
                };
                sink(Event::Call(call));
            }
            Err(message) => {
                self.stats.bad_lines += 1;
                sink(Event::Bad(LineError {
                    line: p.line,
                    message,
                }));
            }
        }
        self.spare = p.text;
    }
}

fn strip_unfinished(s: &str) -> &str {
    let s = s.trim_end();
    let s = &s[..s.len() - "<unfinished ...>".len()];
    // strace puts one space before the marker.
    s.strip_suffix(' ').unwrap_or(s)
}

/// Parses `OBJECT(SYMBOL+0xOFF) [0xADDR]` (the text after ` > `). The symbol may hold parentheses
/// of its own (C++: `player(InitPictImages(vid_stream*, int, int)+0x86) [0x4a1b]`), and so may the
/// object's path (`/opt/a (b)/prog() [0x10]`): the symbol's `(` is the one that balances the `)`
/// before the address.
pub fn parse_frame(s: &str) -> Option<StackFrame> {
    let s = s.trim_end();
    let open = s.rfind(" [0x")?;
    let addr = s[open + 4..].strip_suffix(']')?;
    let offset = u64::from_str_radix(addr, 16).ok()?;
    let head = &s[..open];
    let (object, symbol) = match head.strip_suffix(')') {
        Some(h) => {
            let p = symbol_open(h)?;
            (&h[..p], &h[p + 1..])
        }
        None => (head, ""),
    };
    Some(StackFrame {
        object: object.to_string(),
        symbol: symbol.to_string(),
        offset,
    })
}

/// In `OBJECT(SYMBOL` (the frame without its closing `)`), the position of the `(` that opens the
/// symbol: scanning back from the end, the first `(` that no `)` of the symbol's own balances. A
/// symbol whose parentheses do not balance (none that a compiler emits) falls back to the first `(`.
fn symbol_open(h: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in h.bytes().enumerate().rev() {
        match c {
            b')' => depth += 1,
            b'(' if depth == 0 => return Some(i),
            b'(' => depth -= 1,
            _ => {}
        }
    }
    h.find('(')
}

struct Args<'a> {
    items: [&'a str; MAX_ARGS],
    len: usize,
}

/// Parses `name(arg, arg, ...) = result [ERRNO (text)] [<duration>]`.
fn parse_call(text: &str) -> Result<(&str, Args<'_>, Outcome<'_>), String> {
    let open = text
        .find('(')
        .ok_or_else(|| "no `(` after the call name".to_string())?;
    let name = text[..open].trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'?')
    {
        return Err(format!("`{}` is not a system call name", truncate(name)));
    }
    let b = text.as_bytes();
    let mut args = Args {
        items: [""; MAX_ARGS],
        len: 0,
    };
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut i = open + 1;
    let mut close = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= b.len() {
                    return Err(
                        "a string argument without its closing quote (a truncated line?)".into(),
                    );
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .ok_or_else(|| "a comment without `*/`".to_string())?;
                i += 2 + end + 1;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' if depth == 0 => {
                close = Some(i);
                break;
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                push_arg(&mut args, &text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let close = close
        .ok_or_else(|| "the argument list has no closing `)` (a truncated line?)".to_string())?;
    let last = text[start..close].trim();
    if !(last.is_empty() && args.len == 0) {
        push_arg(&mut args, last);
    }
    let rest = text[close + 1..].trim_start();
    let rest = rest
        .strip_prefix('=')
        .ok_or_else(|| "no ` = result` after the arguments (a truncated line?)".to_string())?;
    let rest = rest.trim_start();
    let value = rest.split(' ').next().unwrap_or("");
    if value.is_empty() {
        return Err("an empty result after ` = `".into());
    }
    // `-1 ENOENT (...)`, or `? ERESTARTSYS (...)` for a call a signal interrupted.
    let after = rest[value.len()..].trim_start();
    let errno = after.split(' ').next().unwrap_or("");
    let is_errno = errno.len() > 1
        && errno.starts_with('E')
        && errno[1..]
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let outcome = if (value.starts_with('-') || value == "?") && is_errno {
        Outcome::Error(errno)
    } else if value == "?" {
        Outcome::Unknown
    } else {
        Outcome::Value(value)
    };
    Ok((name, args, outcome))
}

fn push_arg<'a>(args: &mut Args<'a>, s: &'a str) {
    if args.len < MAX_ARGS {
        args.items[args.len] = s.trim();
        args.len += 1;
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Lines of a trace without their newlines, from one reused buffer (a trace may be larger than
/// memory, and lines need not be UTF-8).
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R) -> LineReader<R> {
        LineReader {
            reader,
            buf: Vec::with_capacity(4096),
        }
    }

    /// The next line, or `None` at the end.
    pub fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        Ok(Some(&self.buf))
    }
}

/// Reads a whole trace from `reader`, line by line, handing events to `sink`.
pub fn parse_reader<R: BufRead>(
    reader: R,
    sink: &mut dyn FnMut(Event<'_>),
) -> std::io::Result<Stats> {
    let mut parser = Parser::new();
    let mut lines = LineReader::new(reader);
    while let Some(line) = lines.next_line()? {
        parser.feed(line, sink);
    }
    parser.finish(sink);
    Ok(parser.stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Owned {
        pid: u32,
        name: String,
        args: Vec<String>,
        outcome: String,
        site: Option<String>,
    }

    fn parse(text: &str) -> (Vec<Owned>, Vec<String>) {
        let mut calls = Vec::new();
        let mut other = Vec::new();
        parse_reader(text.as_bytes(), &mut |e| match e {
            Event::Call(c) => calls.push(Owned {
                pid: c.pid,
                name: c.name.to_string(),
                args: c.args.iter().map(|s| s.to_string()).collect(),
                outcome: match c.outcome {
                    Outcome::Value(v) => v.to_string(),
                    Outcome::Error(e) => format!("-{e}"),
                    Outcome::Unknown => "?".into(),
                },
                site: c
                    .site
                    .map(|f| format!("{}:{}:{:#x}", f.object, f.symbol, f.offset)),
            }),
            Event::Signal { pid, name } => other.push(format!("{pid} signal {name}")),
            Event::Exit { pid, code, signal } => {
                other.push(format!("{pid} exit {code:?} {signal:?}"))
            }
            Event::Bad(e) => other.push(format!("bad {e}")),
            Event::Renamed { from, to } => other.push(format!("renamed {from} {to}")),
        })
        .unwrap();
        (calls, other)
    }

    #[test]
    fn plain_call_with_frames() {
        let (calls, other) = parse(
            "123 04:51:51.889421 openat(-100, \"in, (dat)\", 0) = 3 <0.000022>\n \
             > /usr/lib/x86_64-linux-gnu/libc.so.6(__open64+0x51) [0xf8011]\n \
             > /tmp/pt/copy(main+0x26) [0x11c6]\n \
             > /usr/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x85) [0x27305]\n",
        );
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(calls.len(), 1);
        let c = &calls[0];
        assert_eq!((c.pid, c.name.as_str()), (123, "openat"));
        assert_eq!(c.args, ["-100", "\"in, (dat)\"", "0"]);
        assert_eq!(c.outcome, "3");
        assert_eq!(c.site.as_deref(), Some("/tmp/pt/copy:main+0x26:0x11c6"));
    }

    #[test]
    fn errors_unknown_results_and_escapes() {
        let (calls, _) = parse(
            "access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or directory)\n\
             write(1, \"a\\\"b\\\\\\n)\"..., 6) = 6\n\
             exit_group(0) = ?\n\
             accept(3, NULL, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n\
             execve(\"./x\", [\"./x\"], 0x7ffd /* 35 vars */) = 0\n",
        );
        assert_eq!(calls[0].outcome, "-ENOENT");
        assert_eq!(calls[1].args, ["1", "\"a\\\"b\\\\\\n)\"...", "6"]);
        assert_eq!(calls[2].outcome, "?");
        assert_eq!(calls[3].outcome, "-ERESTARTSYS");
        assert_eq!(calls[4].args.len(), 3);
        assert_eq!(calls[4].pid, 0);
    }

    #[test]
    fn unfinished_and_resumed_are_joined_per_thread() {
        let (calls, other) = parse(
            "[pid 7] read(3,  <unfinished ...>\n\
             [pid 8] rt_sigprocmask(SIG_BLOCK, ~[],  <unfinished ...>\n\
             [pid 7] <... read resumed>\"abc\", 64) = 3 <0.1>\n \
             > /bin/x(main+0x5) [0x1005]\n\
             [pid 8] <... rt_sigprocmask resumed>[], 8) = 0\n\
             [pid 8] +++ exited with 0 +++\n",
        );
        assert!(other.iter().all(|o| !o.starts_with("bad")), "{other:?}");
        assert_eq!(calls[0].name, "read");
        assert_eq!(calls[0].args, ["3", "\"abc\"", "64"]);
        assert_eq!(calls[0].site.as_deref(), Some("/bin/x:main+0x5:0x1005"));
        assert_eq!(calls[1].args, ["SIG_BLOCK", "~[]", "[]", "8"]);
        assert_eq!(other, ["8 exit Some(0) None"]);
    }

    #[test]
    fn exit_during_unfinished_call() {
        let (calls, other) = parse(
            "5 exit_group(0 <unfinished ...>\n5 +++ exited with 0 +++\n6 --- SIGCHLD {si_signo=SIGCHLD} ---\n6 +++ killed by SIGKILL (core dumped) +++\n",
        );
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "exit_group");
        assert_eq!(calls[0].outcome, "?");
        assert_eq!(
            other,
            [
                "5 exit Some(0) None",
                "6 signal SIGCHLD",
                "6 exit None Some(\"SIGKILL\")"
            ]
        );
    }

    #[test]
    fn attach_note_in_the_middle_of_a_line() {
        let (calls, other) = parse(
            "clone3({flags=CLONE_VM, child_tid=0x1}strace: Process 41 attached\n \
             => {parent_tid=[41]}, 88) = 41 <0.000095>\n\
             [pid 41] gettid() = 41\n\
             [pid 40] getpid() = 40\n",
        );
        assert_eq!(other, ["renamed 0 40"]);
        assert_eq!(calls[0].name, "clone3");
        assert_eq!(calls[0].outcome, "41");
        // The unprefixed first process is the first prefixed pid that no clone created.
        assert_eq!(calls[0].pid, 0);
        assert_eq!(calls[1].pid, 41);
        assert_eq!(calls[2].pid, 40);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let (calls, other) = parse(
            "read(3, \"abc\", 3) = 3\nthis is not strace\nwrite(1, \"abc\n<... nothing resumed>) = 0\nclose(3) = 0\n",
        );
        assert_eq!(calls.len(), 2);
        assert_eq!(other.len(), 3, "{other:?}");
        assert!(other[0].starts_with("bad line 2:"), "{other:?}");
        assert!(
            other[1].starts_with("bad line 3:") && other[1].contains("closing quote"),
            "{other:?}"
        );
        assert!(
            other[2].starts_with("bad line 4:") && other[2].contains("not in the trace"),
            "{other:?}"
        );
    }

    #[test]
    fn cxx_frames_keep_their_object() {
        let f = parse_frame("/path/player(InitPictImages(vid_stream*, int, int)+0x86) [0x4a1b]")
            .unwrap();
        assert_eq!(
            (f.object.as_str(), f.symbol.as_str(), f.offset),
            (
                "/path/player",
                "InitPictImages(vid_stream*, int, int)+0x86",
                0x4a1b
            )
        );
        let f = parse_frame(
            "/tmp/t(demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x32) [0x1232]",
        )
        .unwrap();
        assert_eq!(f.object, "/tmp/t");
        assert_eq!(
            f.symbol,
            "demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x32"
        );
        // Parentheses in the path and in the symbol, a call operator, a lambda, a function pointer.
        for (line, object, symbol) in [
            (
                "/opt/a (b)/prog((anonymous namespace)::f(int (*)(int))+0x9) [0x20]",
                "/opt/a (b)/prog",
                "(anonymous namespace)::f(int (*)(int))+0x9",
            ),
            (
                "/bin/p(main::{lambda()#1}::operator()() const+0x11) [0x30]",
                "/bin/p",
                "main::{lambda()#1}::operator()() const+0x11",
            ),
            ("/opt/a (b)/prog() [0x10]", "/opt/a (b)/prog", ""),
        ] {
            let f = parse_frame(line).unwrap();
            assert_eq!((f.object.as_str(), f.symbol.as_str()), (object, symbol));
        }
        // The site of a call from C++ code is that frame, in the program.
        let (calls, other) = parse(
            "9 write(1, \"\"..., 4) = 4\n \
             > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x10) [0xf8350]\n \
             > /tmp/t(demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x32) [0x1232]\n \
             > /tmp/t(main+0x44) [0x11b4]\n",
        );
        assert!(other.is_empty(), "{other:?}");
        assert_eq!(
            calls[0].site.as_deref(),
            Some("/tmp/t:demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x32:0x1232")
        );
    }

    #[test]
    fn frames() {
        let f = parse_frame("/usr/lib/libc.so.6(__open64+0x51) [0xf8011]").unwrap();
        assert_eq!(
            (f.object.as_str(), f.symbol.as_str(), f.offset),
            ("/usr/lib/libc.so.6", "__open64+0x51", 0xf8011)
        );
        let f = parse_frame("/opt/a (b)/prog() [0x10]").unwrap();
        assert_eq!(
            (f.object.as_str(), f.symbol.as_str()),
            ("/opt/a (b)/prog", "")
        );
        assert!(parse_frame("garbage").is_none());
        assert!(parse_frame("/bin/x(main+0x5) [0xzz]").is_none());
        assert!(parse_frame("/bin/x main+0x5) [0x10]").is_none());
        assert!(is_runtime_object("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        assert!(is_runtime_object("unexpected_backtracing_error"));
        assert!(!is_runtime_object("/tmp/pt/copy"));
        let frame = |symbol: &str| StackFrame {
            object: "/tmp/prog".into(),
            symbol: symbol.into(),
            offset: 0,
        };
        assert!(is_runtime_frame(&frame("multicall_loop+0x10")));
        assert!(is_runtime_frame(&frame("multicall::direct::run+0x10")));
        assert!(is_runtime_frame(&frame(
            "_ZN9multicall6direct3run17h0123456789abcdefE+0x5"
        )));
        assert!(!is_runtime_frame(&frame("main+0x26")));
    }
}
