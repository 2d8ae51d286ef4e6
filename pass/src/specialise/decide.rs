//! Deciding merged-flag specialisations: which entries of a straight plan are a call that
//! makes a descriptor followed by `fcntl`s that set a flag the call itself can set, and, for
//! each candidate that cannot merge, the typed reason.
//!
//! Exactness rests on three facts, checked here:
//!
//! - the descriptor is fresh: `socket`, `accept` and `open`/`openat` return a new file whose
//!   status flags are its access mode only (`O_RDWR` for a socket: `sock_alloc_file`), and
//!   whose descriptor flags are empty; `dup2(a, b)` with `a != b` installs `b` without
//!   `FD_CLOEXEC` (`do_dup2`), which is what the run-time guard of the rewrite ensures;
//! - the `fcntl` cannot fail on it: `F_SETFD` never fails on an open descriptor, and
//!   `F_SETFL` of `O_NONBLOCK` (with access-mode bits, which it ignores) on a socket changes
//!   no bit that `setfl` checks (`O_APPEND`, `O_NOATIME`, `O_DIRECT`, `FASYNC`), so it
//!   returns 0 and leaves `O_RDWR | O_NONBLOCK`, which is what `SOCK_NONBLOCK` gives;
//! - the `fcntl` runs exactly when the call succeeded: the call's entry stops on
//!   `result < 0`, so by linearity (legality) the program leaves the path on every error
//!   and continues on every descriptor, 0 included; an `fcntl` after a failed call (no
//!   check), or only after a positive one (`result <= 0`), would differ.

use thiserror::Error;

use crate::ir;
use crate::plan::{ArgSource, Entry, Stop, Straight};
use crate::sites::Site;

/// x86-64 Linux values.
pub(crate) const O_ACCMODE: i64 = 0o3;
pub(crate) const O_NONBLOCK: i64 = 0o4000;
pub(crate) const O_CLOEXEC: i64 = 0o2000000;
pub(crate) const FD_CLOEXEC: i64 = 1;
const F_SETFD: i64 = 2;
const F_SETFL: i64 = 4;
const NR_OPEN: u32 = 2;
const NR_DUP2: u32 = 33;
const NR_SOCKET: u32 = 41;
const NR_ACCEPT: u32 = 43;
const NR_FCNTL: u32 = 72;
const NR_OPENAT: u32 = 257;

/// The call that makes the descriptor, and how the merged call is made from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Creator {
    /// `socket(d, t, p)` -> `socket(d, t | flags, p)`.
    Socket,
    /// `accept(fd, a, l)` -> `accept4(fd, a, l, flags)`.
    Accept,
    /// `open(p, f, m)` or `openat(d, p, f, m)`: `f | O_CLOEXEC`; the index of `f`.
    Open { flags_arg: usize },
    /// `dup2(a, b)` -> `dup3(a, b, O_CLOEXEC)` when `a != b` at run time.
    Dup2,
    /// `pipe(fds)` -> `pipe2(fds, flags)`; found by `pipe.rs`, never by [`Creator::of`] (the
    /// `fcntl`s' descriptors are loads from `fds`, not the call's result).
    Pipe,
}

impl Creator {
    /// The creator a site is, when it is a libc wrapper this module rewrites; `Err` for a
    /// call of the same system call it does not (`syscall()`, a fortified `__open_2`).
    pub(super) fn of(site: &Site) -> Option<Result<Creator, Refusal>> {
        let c = match site.nr? {
            NR_SOCKET => Creator::Socket,
            NR_ACCEPT => Creator::Accept,
            NR_OPEN => Creator::Open { flags_arg: 1 },
            // glibc's `open(p, f, m)` is `openat(AT_FDCWD, p, f, m)`: the flags are its
            // wrapper's second argument.
            NR_OPENAT if matches!(site.callee.as_str(), "open" | "open64") => {
                Creator::Open { flags_arg: 1 }
            }
            NR_OPENAT => Creator::Open { flags_arg: 2 },
            NR_DUP2 => Creator::Dup2,
            _ => return None,
        };
        let wrappers: &[&str] = match c {
            Creator::Socket => &["socket"],
            Creator::Accept => &["accept"],
            Creator::Open { flags_arg: 1 } => &["open", "open64"],
            Creator::Open { .. } => &["openat", "openat64"],
            Creator::Dup2 => &["dup2"],
            Creator::Pipe => &["pipe"],
        };
        let same_types = || {
            let types: Vec<_> = site
                .args
                .iter()
                .flatten()
                .map(|&v| ir::type_of(v))
                .collect();
            types.len() == 2 && types[0] == types[1]
        };
        Some(if !wrappers.contains(&site.callee.as_str()) {
            Err(Refusal::NotWrapper {
                callee: site.callee.clone(),
            })
        } else if c == Creator::Dup2 && !same_types() {
            Err(Refusal::Dup2Types)
        } else {
            Ok(c)
        })
    }

    /// The merged call, for remarks.
    pub(crate) fn merged_call(self, flags: Flags) -> String {
        match self {
            Creator::Socket => format!("socket(d, t | {}, p)", flags.sock_names()),
            Creator::Accept => format!("accept4(fd, a, l, {})", flags.sock_names()),
            Creator::Open { flags_arg: 1 } => "open(p, f | O_CLOEXEC, m)".into(),
            Creator::Open { .. } => "openat(d, p, f | O_CLOEXEC, m)".into(),
            Creator::Dup2 => "dup3(a, b, O_CLOEXEC) when a != b at run time (dup2 and the fcntl otherwise, where dup3 would fail with EINVAL)".into(),
            Creator::Pipe => format!("pipe2(fds, {})", flags.open_names()),
        }
    }
}

/// The flags the merged call sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub cloexec: bool,
    pub nonblock: bool,
}

impl Flags {
    /// `SOCK_CLOEXEC` (= `O_CLOEXEC`) and `SOCK_NONBLOCK` (= `O_NONBLOCK`) as one mask.
    pub(crate) fn mask(self) -> i64 {
        (if self.cloexec { O_CLOEXEC } else { 0 }) | (if self.nonblock { O_NONBLOCK } else { 0 })
    }
    /// The flags as `open`/`pipe2` names them.
    pub(crate) fn open_names(self) -> &'static str {
        match (self.cloexec, self.nonblock) {
            (true, true) => "O_NONBLOCK | O_CLOEXEC",
            (false, true) => "O_NONBLOCK",
            _ => "O_CLOEXEC",
        }
    }
    fn sock_names(self) -> &'static str {
        match (self.cloexec, self.nonblock) {
            (true, true) => "SOCK_NONBLOCK | SOCK_CLOEXEC",
            (false, true) => "SOCK_NONBLOCK",
            _ => "SOCK_CLOEXEC",
        }
    }
}

/// Why an `fcntl` on a fresh descriptor is not merged into the call that made it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub(crate) enum Refusal {
    #[error("'{callee}' is not the libc wrapper the merged call replaces")]
    NotWrapper { callee: String },
    #[error("the call's entry stops on {stop}, not on result < 0: the fcntl runs after a failed call, or not after every descriptor, where the merged call would have set the flag")]
    CreatorUnchecked { stop: Stop },
    #[error("fcntl command {cmd} sets no flag the call can set (only F_SETFD and F_SETFL merge)")]
    Command { cmd: i64 },
    #[error("fcntl's argument {value} is not a constant")]
    ArgNotConstant { value: String },
    #[error("F_SETFD with {arg}, which is not FD_CLOEXEC")]
    NotCloexec { arg: i64 },
    #[error("F_SETFL with {arg:#o}: only O_NONBLOCK (with access-mode bits, which F_SETFL ignores) merges")]
    NotNonblock { arg: i64 },
    #[error("F_SETFL after {callee}: only a socket's status flags are known to be O_RDWR alone, and O_NONBLOCK at open time changes what open does")]
    SetflNotSocket { callee: String },
    #[error("dup2's two descriptors are of different IR types: the guard a != b compares them")]
    Dup2Types,
    #[error("the path from F_GETFL to F_SETFL is not a straight line of computations and branches on F_GETFL's result")]
    GetflPath,
    #[error(
        "the socket's type is not a constant without SOCK_NONBLOCK: F_GETFL's result is not known"
    )]
    SocketType,
    #[error("an entry of the multi-call uses the fcntl's result")]
    ResultReferenced,
    #[error("pipe's result is not checked before this fcntl (result < 0 leaving): the fcntl runs after a failed pipe, where pipe2 would set no flag")]
    PipeUnchecked,
    #[error(
        "the fcntls after pipe set flags on one end of the pipe only: pipe2 sets its flags on both"
    )]
    PipeOneEnd,
    #[error("the fcntls after pipe set {read} on the read end and {write} on the write end: pipe2 sets the same flags on both")]
    PipeDifferent {
        read: &'static str,
        write: &'static str,
    },
    #[error("no fcntl on fds[0] or fds[1] follows pipe on a straight line of loads, computations and decided branches")]
    PipeEnds,
    #[error("a merged call is in a looped multi-call, or an entry of its multi-call uses a merged fcntl's result")]
    PipeHeld,
    #[error("the earlier fcntl's entry stops on {stop}: the program may leave before this fcntl")]
    EarlierStops { stop: Stop },
}

/// One merge: the entries `first..first + 1 + fcntls.len()` of a straight plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Merge {
    /// The creator's site.
    pub creator: usize,
    pub kind: Creator,
    /// The merged `fcntl`s' sites, in order.
    pub fcntls: Vec<usize>,
    pub flags: Flags,
    /// The creator's position in the plan.
    pub first: usize,
    /// Whether the merge is the whole plan (no multi-call remains).
    pub whole: bool,
    /// An `fcntl(r, F_GETFL)` whose result becomes `O_RDWR`, a fresh socket's flags
    /// (`getfl`: the merge then spans two plans).
    pub getfl: Option<usize>,
}

/// A candidate that did not merge: the creator's site, the `fcntl`'s site and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    pub creator: usize,
    pub fcntl: usize,
    pub reason: Refusal,
}

/// The decisions for one straight plan: merges in plan order, and refused candidates.
pub(crate) fn decide(sites: &[Site], plan: &Straight) -> (Vec<Merge>, Vec<Refused>) {
    let entries = &plan.entries;
    let (mut merges, mut refused) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < entries.len() {
        let Some(kind) = Creator::of(&sites[entries[i].site]) else {
            i += 1;
            continue;
        };
        let run = fcntl_run(sites, entries, i);
        if run.is_empty() {
            i += 1;
            continue;
        }
        let refuse = |j: usize, reason: Refusal| Refused {
            creator: entries[i].site,
            fcntl: entries[j].site,
            reason,
        };
        let kind = match kind {
            Ok(k) => k,
            Err(reason) => {
                refused.push(refuse(run[0], reason));
                i += 1;
                continue;
            }
        };
        if entries[i].stop != Stop::Neg {
            refused.push(refuse(
                run[0],
                Refusal::CreatorUnchecked {
                    stop: entries[i].stop,
                },
            ));
            i += 1;
            continue;
        }
        let mut flags = Flags::default();
        let mut merged = Vec::new();
        for &j in &run {
            let earlier = j - 1;
            let verdict =
                if earlier > i && !matches!(entries[earlier].stop, Stop::Never | Stop::Neg) {
                    Err(Refusal::EarlierStops {
                        stop: entries[earlier].stop,
                    })
                } else if entries[j + 1..]
                    .iter()
                    .any(|e| e.args.contains(&ArgSource::Ref(j)))
                {
                    Err(Refusal::ResultReferenced)
                } else {
                    flag_of(&sites[entries[j].site], kind, &sites[entries[i].site])
                };
            match verdict {
                Ok(f) => {
                    flags.cloexec |= f.cloexec;
                    flags.nonblock |= f.nonblock;
                    merged.push(entries[j].site);
                }
                Err(reason) => {
                    refused.push(refuse(j, reason));
                    break;
                }
            }
        }
        if merged.is_empty() {
            i += 1;
            continue;
        }
        let n = merged.len();
        merges.push(Merge {
            creator: entries[i].site,
            kind,
            fcntls: merged,
            flags,
            first: i,
            whole: n + 1 == entries.len(),
            getfl: None,
        });
        i += n + 1;
    }
    (merges, refused)
}

/// The positions after `i` of the consecutive `fcntl` entries on the descriptor entry `i`
/// made (its result, or `dup2`'s target).
fn fcntl_run(sites: &[Site], entries: &[Entry], i: usize) -> Vec<usize> {
    let creator = &sites[entries[i].site];
    let on_fd = |e: &Entry| match e.args.first() {
        Some(ArgSource::Ref(m)) => *m == i,
        Some(ArgSource::Value(v)) if creator.nr == Some(NR_DUP2) => {
            creator.args.get(1).copied().flatten().is_some_and(|b| {
                b == *v || (ir::const_int(b).is_some() && ir::const_int(b) == ir::const_int(*v))
            })
        }
        _ => false,
    };
    (i + 1..entries.len())
        .take_while(|&j| sites[entries[j].site].nr == Some(NR_FCNTL) && on_fd(&entries[j]))
        .collect()
}

/// The flag an `fcntl` site sets on a fresh descriptor from `kind`, or why it does not merge.
pub(super) fn flag_of(site: &Site, kind: Creator, creator: &Site) -> Result<Flags, Refusal> {
    let arg = |k: usize| site.args.get(k).copied().flatten();
    // The site lowers only with a constant command (sites::fcntl_refusal).
    let cmd = arg(1).and_then(ir::const_int).unwrap_or(-1);
    let value = match arg(2) {
        None => 0,
        Some(v) => ir::const_int(v).ok_or_else(|| Refusal::ArgNotConstant {
            value: ir::describe(v),
        })?,
    };
    match cmd {
        F_SETFD if value & FD_CLOEXEC != 0 => Ok(Flags {
            cloexec: true,
            nonblock: false,
        }),
        F_SETFD => Err(Refusal::NotCloexec { arg: value }),
        F_SETFL if !matches!(kind, Creator::Socket | Creator::Accept | Creator::Pipe) => {
            Err(Refusal::SetflNotSocket {
                callee: creator.callee.clone(),
            })
        }
        F_SETFL if value & !O_ACCMODE == O_NONBLOCK => Ok(Flags {
            cloexec: false,
            nonblock: true,
        }),
        F_SETFL => Err(Refusal::NotNonblock { arg: value }),
        _ => Err(Refusal::Command { cmd }),
    }
}
