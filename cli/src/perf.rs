//! `record --recorder perf`: the program's system calls from the kernel's `raw_syscalls`
//! tracepoints (`perf record`), turned into the lines `strace -f -k -X raw` prints so that the one
//! trace parser, graph builder and symbolizer make the profile.
//!
//! `perf record -e raw_syscalls:sys_enter/call-graph=dwarf/ -e raw_syscalls:sys_exit/` copies a
//! little of the user stack at each call's entry and no more: the program is not stopped per call
//! as under ptrace. `perf script` unwinds those stacks afterwards (DWARF call frame information), and
//! prints each entry with its tid, number, six raw arguments and call chain, and each exit with its
//! result. [`PerfTrace`] pairs them per thread and writes
//! `TID NAME(ARGS) = RESULT` and ` > OBJECT(SYMBOL+0xOFF) [0xFILEOFFSET]` lines. What perf cannot
//! give: the contents of paths and buffers (arguments are numbers; a path is its pointer, which the
//! value profile leaves out), and signals and exits of processes.

use std::collections::{BTreeMap, HashMap};
use std::ffi::CStr;
use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use syscluster_profile::catalogue::{self, ArgKind};

/// Bytes of user stack copied at each call: enough for the libc wrapper's frame, its callers
/// inside the C library, and the program's frame that called it.
pub const STACK_BYTES: u32 = 2048;

/// The `perf record` arguments that record the program's system calls into `data` (the program
/// and its arguments follow). perf enables the events when its child execs the program, so the
/// trace starts with the exit of that execve.
pub fn record_args(data: &std::path::Path) -> Vec<std::ffi::OsString> {
    vec![
        "record".into(),
        "-q".into(),
        "-o".into(),
        data.into(),
        "-e".into(),
        format!("raw_syscalls:sys_enter/call-graph=dwarf,stack-size={STACK_BYTES}/").into(),
        "-e".into(),
        "raw_syscalls:sys_exit/call-graph=no/".into(),
        "--".into(),
    ]
}

/// The `perf script` arguments that print what [`PerfTrace`] reads.
pub fn script_args(data: &std::path::Path) -> Vec<std::ffi::OsString> {
    vec![
        "script".into(),
        "-i".into(),
        data.into(),
        "--no-inline".into(),
        "--show-lost-events".into(),
        "-F".into(),
        "trace:tid,event,trace,ip,sym,symoff,dso".into(),
    ]
}

/// The descriptors of this process that a program it starts inherits (those without close-on-exec).
pub fn inherited_fds() -> Vec<i32> {
    fd_links(std::process::id() as i32)
        .into_iter()
        .map(|(fd, _)| fd)
        // SAFETY: F_GETFD on a descriptor number only reads the descriptor's flags.
        .filter(|&fd| {
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            flags >= 0 && flags & libc::FD_CLOEXEC == 0
        })
        .collect()
}

/// The descriptors of process `pid` with what they refer to (`/proc/PID/fd`).
fn fd_links(pid: i32) -> Vec<(i32, String)> {
    let dir = format!("/proc/{pid}/fd");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let fd = e.file_name().to_str()?.parse().ok()?;
            let link = std::fs::read_link(e.path()).ok()?;
            Some((fd, link.display().to_string()))
        })
        .collect()
}

/// The eventfds that process `pid` (perf's child, about to become the program) holds besides the
/// descriptors `record` passed on: perf 6.1 leaves one open in the program it starts, which moves
/// the numbers the program's own descriptors get from it up.
pub fn leaked_fds(pid: i32, inherited: &[i32]) -> Vec<i32> {
    let mut fds: Vec<i32> = fd_links(pid)
        .into_iter()
        .filter(|(fd, link)| !inherited.contains(fd) && link == "anon_inode:[eventfd]")
        .map(|(fd, _)| fd)
        .collect();
    fds.sort_unstable();
    fds
}

/// A call whose exit has not been read yet.
struct Entry {
    /// Order of entry, so that calls left open at the end come out in the order they started.
    seq: u64,
    nr: u32,
    args: Vec<u64>,
    frames: String,
}

/// Reads `perf script` output and yields strace lines (a `Read`, to go where a trace goes).
pub struct PerfTrace<R> {
    lines: R,
    line: String,
    out: Vec<u8>,
    pos: usize,
    open: HashMap<u32, Entry>,
    /// The thread whose entry the call chain lines being read belong to.
    chain_of: Option<u32>,
    seq: u64,
    done: bool,
    /// Whether the program runs yet: calls before the execve that starts it are not the program's.
    started: bool,
    /// Records perf lost (its buffers were full: the program made calls faster than perf wrote them).
    lost: Arc<AtomicU64>,
}

impl<R: BufRead> PerfTrace<R> {
    /// `lost` counts the records perf says it lost.
    pub fn new(lines: R, lost: Arc<AtomicU64>) -> PerfTrace<R> {
        PerfTrace {
            lines,
            line: String::new(),
            out: Vec::new(),
            pos: 0,
            open: HashMap::new(),
            chain_of: None,
            seq: 0,
            done: false,
            started: false,
            lost,
        }
    }

    /// Reads input lines until some output is ready or the input ends.
    fn fill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.done {
            self.line.clear();
            if self.lines.read_line(&mut self.line)? == 0 {
                self.done = true;
                self.flush_open();
                break;
            }
            let line = std::mem::take(&mut self.line);
            self.take_line(line.trim_end_matches(['\n', '\r']));
            self.line = line;
        }
        Ok(())
    }

    fn take_line(&mut self, line: &str) {
        if line.starts_with('\t') {
            if let Some(tid) = self.chain_of {
                if let Some(e) = self.open.get_mut(&tid) {
                    if let Some(frame) = chain_frame(line, e.frames.is_empty()) {
                        e.frames.push_str(&frame);
                    }
                }
            }
            return;
        }
        self.chain_of = None;
        let Some((tid, event, rest)) = header(line) else {
            return;
        };
        if event == "PERF_RECORD_LOST" {
            // `TID PERF_RECORD_LOST lost N`. The thread's open call may have lost its exit.
            if let Some(n) = rest
                .strip_prefix("lost ")
                .and_then(|n| n.trim().parse::<u64>().ok())
            {
                self.lost.fetch_add(n, Ordering::Relaxed);
            }
            return;
        }
        match event {
            "raw_syscalls:sys_enter:" => {
                let Some((nr, args)) = enter(rest) else {
                    return;
                };
                // A thread enters a call only after the last one returned: one still open never
                // returned (exit_group, a successful execve in another thread).
                if let Some(old) = self.open.remove(&tid) {
                    self.emit(tid, &old, None);
                }
                self.seq += 1;
                self.open.insert(
                    tid,
                    Entry {
                        seq: self.seq,
                        nr,
                        args,
                        frames: String::new(),
                    },
                );
                self.chain_of = Some(tid);
            }
            "raw_syscalls:sys_exit:" => {
                let Some((nr, ret)) = exit(rest) else {
                    return;
                };
                if !self.started {
                    // The execve that starts the program is its first call (as under strace),
                    // without the frames of whatever made it.
                    self.open.remove(&tid);
                    if nr == libc::SYS_execve as u32 && ret == 0 {
                        self.started = true;
                        self.out
                            .extend_from_slice(format!("{tid} execve() = 0\n").as_bytes());
                    }
                    return;
                }
                // An exit without its entry (the call began before recording did) says nothing.
                if let Some(e) = self.open.remove(&tid) {
                    self.emit(tid, &e, Some(ret));
                }
            }
            _ => {}
        }
    }

    /// The calls still open at the end, as calls that did not return.
    fn flush_open(&mut self) {
        let open: BTreeMap<u64, (u32, Entry)> = self
            .open
            .drain()
            .map(|(tid, e)| (e.seq, (tid, e)))
            .collect();
        for (tid, e) in open.values() {
            self.emit(*tid, e, None);
        }
    }

    fn emit(&mut self, tid: u32, e: &Entry, ret: Option<i64>) {
        use std::io::Write;
        let (name, kinds) = match catalogue::by_nr(e.nr) {
            Some(s) => (s.name.to_string(), s.args),
            None => (format!("syscall_{:#x}", e.nr), &[][..]),
        };
        if !self.started {
            return;
        }
        let n = if kinds.is_empty() { 6 } else { kinds.len() };
        let args: Vec<String> = e
            .args
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, &v)| format_arg(kinds.get(i).copied(), v))
            .collect();
        let _ = writeln!(
            self.out,
            "{tid} {name}({}) = {}",
            args.join(", "),
            format_result(ret)
        );
        self.out.extend_from_slice(e.frames.as_bytes());
    }
}

impl<R: BufRead> Read for PerfTrace<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.out.len() {
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// `  TID EVENT: REST` -> (tid, event with its colon, rest).
fn header(line: &str) -> Option<(u32, &str, &str)> {
    let line = line.trim_start();
    let (tid, rest) = line.split_once(' ')?;
    let tid = tid.parse().ok()?;
    let rest = rest.trim_start();
    let (event, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((tid, event, rest.trim_start()))
}

/// `NR 0 (3, 7ffce43927a8, 340, 0, 7ffce4392787, 0)` -> (0, [3, 0x7ffce43927a8, ...]).
fn enter(rest: &str) -> Option<(u32, Vec<u64>)> {
    let rest = rest.strip_prefix("NR ")?;
    let (nr, rest) = rest.split_once(' ')?;
    let nr = nr.parse().ok()?;
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let args = inner
        .split(',')
        .map(|a| u64::from_str_radix(a.trim(), 16).ok())
        .collect::<Option<Vec<u64>>>()?;
    Some((nr, args))
}

/// `NR 0 = -2 ...` -> (0, -2).
fn exit(rest: &str) -> Option<(u32, i64)> {
    let rest = rest.strip_prefix("NR ")?;
    let (nr, rest) = rest.split_once(" = ")?;
    Some((
        nr.parse().ok()?,
        rest.split_whitespace().next()?.parse().ok()?,
    ))
}

/// A call chain line `\t    93e main+0x5e (/tmp/copy)` -> ` > /tmp/copy(main+0x5f) [0x93f]\n`.
/// perf prints a user frame's address as an offset into the object's file, as strace does, but
/// for every frame after the first (`innermost` false) the address of the call instruction (its
/// return address minus one) where strace prints the return address: that one is added back.
/// Kernel and unknown frames are left out.
fn chain_frame(line: &str, innermost: bool) -> Option<String> {
    let line = line.trim();
    let (addr, rest) = line.split_once(' ')?;
    // A kernel frame's address may be the top of the address space: no overflow, it is left out.
    let addr = u64::from_str_radix(addr, 16)
        .ok()?
        .checked_add(u64::from(!innermost))?;
    let open = rest.rfind(" (")?;
    let object = rest[open + 2..].strip_suffix(')')?;
    if !object.starts_with('/') {
        return None;
    }
    let symbol = match &rest[..open] {
        "[unknown]" => String::new(),
        s if innermost => s.to_string(),
        s => with_offset_plus_one(s),
    };
    Some(format!(" > {object}({symbol}) [{addr:#x}]\n"))
}

/// `main+0x5e` -> `main+0x5f`.
fn with_offset_plus_one(symbol: &str) -> String {
    match symbol.rsplit_once("+0x") {
        Some((name, off)) => match u64::from_str_radix(off, 16) {
            Ok(off) => format!("{name}+{:#x}", off + 1),
            Err(_) => symbol.to_string(),
        },
        None => symbol.to_string(),
    }
}

/// An argument the way `strace -X raw` prints it: descriptors and signed C `int`s in decimal,
/// counts, flags and offsets as numbers, memory as a pointer (`NULL` for 0).
fn format_arg(kind: Option<ArgKind>, v: u64) -> String {
    use ArgKind::*;
    match kind {
        Some(Fd | Int | Pid | Signal | Whence | Uid | Gid) => (v as u32 as i32).to_string(),
        Some(Offset) => (v as i64).to_string(),
        Some(Len | Uint | Flags | Mode | Cmd) => v.to_string(),
        Some(BufIn | BufOut | BufInOut | Path | Ptr | Addr) | None => {
            if v == 0 {
                "NULL".into()
            } else {
                format!("{v:#x}")
            }
        }
    }
}

/// A result the way strace prints it: `-1 ENOENT (...)` for an error, `?` without one.
fn format_result(ret: Option<i64>) -> String {
    let Some(ret) = ret else {
        return "?".into();
    };
    if !(-4095..0).contains(&ret) {
        return ret.to_string();
    }
    let errno = -ret as i32;
    // The kernel's restart codes, which no C library names.
    let restart = match errno {
        512 => Some("ERESTARTSYS"),
        513 => Some("ERESTARTNOINTR"),
        514 => Some("ERESTARTNOHAND"),
        516 => Some("ERESTART_RESTARTBLOCK"),
        _ => None,
    };
    if let Some(name) = restart {
        return format!("? {name} (interrupted)");
    }
    match errno_name(errno) {
        Some(name) => format!("-1 {name} (error)"),
        None => ret.to_string(),
    }
}

extern "C" {
    /// glibc 2.32 and later: `"ENOENT"` for 2, NULL for a number it does not know.
    fn strerrorname_np(errnum: libc::c_int) -> *const libc::c_char;
}

fn errno_name(errno: i32) -> Option<String> {
    // SAFETY: strerrorname_np returns NULL or a pointer to a static NUL-terminated string.
    let p = unsafe { strerrorname_np(errno) };
    if p.is_null() {
        return None;
    }
    // SAFETY: p is non-null and points to a static NUL-terminated string (above).
    let name = unsafe { CStr::from_ptr(p) };
    name.to_str().ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert_counting(text: &str) -> (String, u64) {
        let mut out = String::new();
        let lost = Arc::new(AtomicU64::new(0));
        PerfTrace::new(text.as_bytes(), lost.clone())
            .read_to_string(&mut out)
            .unwrap();
        (out, lost.load(Ordering::Relaxed))
    }

    fn convert(text: &str) -> String {
        convert_counting(text).0
    }

    #[test]
    fn entries_and_exits_become_strace_lines() {
        let out = convert(
            " 2054 raw_syscalls:sys_enter: NR 3 (4, 0, 0, 0, 0, 0)\n\
             \t             93e main+0x5e (/usr/bin/syscluster)\n\
             \x20 2054  raw_syscalls:sys_exit: NR 3 = 0\n\
             \x20 2054 raw_syscalls:sys_enter: NR 59 (55d0, 7ffd, 7ffe, 0, 0, 0)\n\
             \t             93e main+0x5e (/usr/bin/syscluster)\n\
             \x20 2054  raw_syscalls:sys_exit: NR 59 = 0\n\
             \x20 2054 raw_syscalls:sys_enter: NR 0 (3, 7fff0010, 1000, 0, 0, 0)\n\
             \tffffffff81417d70 syscall_trace_enter+0x180 ([kernel.kallsyms])\n\
             \t           f82ad __GI___libc_read+0xd (/usr/lib/x86_64-linux-gnu/libc.so.6)\n\
             \t             93e main+0x5e (/tmp/copy)\n\
             \tffffffffffffffff [unknown] ([unknown])\n\
             \n\
             \x20 2055 raw_syscalls:sys_enter: NR 257 (ffffffffffffff9c, 7fbbe1d800b1, 80000, 0, 0, 0)\n\
             \n\
             \x20 2054  raw_syscalls:sys_exit: NR 0 = 4096 ffffffff81417e9c syscall_exit_work+0xbc ([kernel.kallsyms])\n\
             \n\
             \x20 2055  raw_syscalls:sys_exit: NR 257 = -2\n\
             \x20 2054 raw_syscalls:sys_enter: NR 231 (0, 0, 0, 0, 0, 0)\n\
             \t             a10 demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x32 (/tmp/copy)\n",
        );
        assert_eq!(
            out,
            "2054 execve() = 0\n\
             2054 read(3, 0x7fff0010, 4096) = 4096\n \
             > /usr/lib/x86_64-linux-gnu/libc.so.6(__GI___libc_read+0xd) [0xf82ad]\n \
             > /tmp/copy(main+0x5f) [0x93f]\n\
             2055 openat(-100, 0x7fbbe1d800b1, 524288, 0) = -1 ENOENT (error)\n\
             2054 exit_group(0) = ?\n \
             > /tmp/copy(demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x32) [0xa10]\n"
        );
    }

    #[test]
    fn the_parser_reads_what_comes_out() {
        use syscluster_profile::strace::{parse_reader, Event, Outcome};
        let (out, lost) = convert_counting(
            " 7 PERF_RECORD_LOST lost 3\n\
             \x20 7 raw_syscalls:sys_enter: NR 59 (55d0, 7ffd, 7ffe, 0, 0, 0)\n\
             \x20 7  raw_syscalls:sys_exit: NR 59 = 0\n\
             \x20 7 raw_syscalls:sys_enter: NR 1 (1, 5000, 4, 0, 0, 0)\n\
             \t  1232 put(int)+0x32 (/tmp/t)\n\
             \x20 7  raw_syscalls:sys_exit: NR 1 = 4\n\
             \x20 7 raw_syscalls:sys_enter: NR 7 (0, 1, ffffffff, 0, 0, 0)\n\
             \x20 7  raw_syscalls:sys_exit: NR 7 = -512\n",
        );
        assert_eq!(lost, 3);
        let mut calls = Vec::new();
        parse_reader(out.as_bytes(), &mut |e| match e {
            Event::Call(c) if c.name == "execve" => {}
            Event::Call(c) => calls.push((
                c.name.to_string(),
                c.args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                match c.outcome {
                    Outcome::Value(v) => v.to_string(),
                    Outcome::Error(e) => e.to_string(),
                    Outcome::Unknown => "?".into(),
                },
                c.site.map(|f| (f.object.clone(), f.offset)),
            )),
            other => panic!("{other:?}"),
        })
        .unwrap();
        assert_eq!(
            calls,
            [
                (
                    "write".to_string(),
                    vec!["1".to_string(), "0x5000".into(), "4".into()],
                    "4".to_string(),
                    Some(("/tmp/t".to_string(), 0x1232))
                ),
                (
                    "poll".to_string(),
                    vec!["NULL".to_string(), "1".into(), "-1".into()],
                    "ERESTARTSYS".to_string(),
                    None
                ),
            ]
        );
    }
}
