//! Building the syscall graph from trace events, and looking at it.
//!
//! [`Builder`] takes the events of [`crate::strace`] one by one (memory grows with the number of
//! distinct nodes and threads, not with the trace): each call becomes a node keyed by its system
//! call, its file-descriptor arguments (the paper's `read(3, ...)`) and its site frame; an edge a -> b
//! counts how often b came right after a in the same thread. Per node it keeps a bounded value
//! profile of the scalar arguments and results. [`Builder::finish`] symbolizes the site frames and
//! returns the [`Profile`].
//!
//! [`to_petgraph`] and [`to_dot`] turn a profile into a petgraph graph and a Graphviz drawing in the
//! style of the paper's Figure 5c.

use crate::catalogue::{self, ArgKind, Syscall};
use crate::format::{
    sort_counts, ArgValue, Edge, Node, Profile, ValueCount, ValueProfile, VALUES_KEPT,
};
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::strace::{Call, Event, Outcome};
use crate::symbolize::{NoSite, Symbolizer};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// How many candidate values a node tracks per argument while reading (space-saving counters).
const VALUE_SLOTS: usize = 8;
/// Values longer than this are cut (long paths, big structures).
const VALUE_MAX_LEN: usize = 200;

/// Approximate top-k counting in bounded memory (the space-saving algorithm).
#[derive(Debug, Clone, Default)]
struct TopValues {
    slots: Vec<(String, u64)>,
}

/// Integers as decimal (`0x22` -> `34`, `0666` -> `438`), anything else as printed: values compare
/// the same whatever notation strace chose.
pub fn normalize_value(v: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let b = v.as_bytes();
    if b.is_empty() || !(b[0].is_ascii_digit() || b[0] == b'-') {
        return Cow::Borrowed(v);
    }
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    let parsed = if let Some(hex) = digits.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8).ok()
    } else {
        return Cow::Borrowed(v);
    };
    match parsed {
        Some(n) if neg => Cow::Owned(format!("-{n}")),
        Some(n) => Cow::Owned(n.to_string()),
        None => Cow::Borrowed(v),
    }
}

impl TopValues {
    fn add(&mut self, value: &str) {
        let value = normalize_value(value);
        let value = value.as_ref();
        if let Some(slot) = self.slots.iter_mut().find(|(v, _)| v == value) {
            slot.1 += 1;
            return;
        }
        let value = match value.char_indices().nth(VALUE_MAX_LEN) {
            Some((i, _)) => &value[..i],
            None => value,
        };
        if self.slots.len() < VALUE_SLOTS {
            self.slots.push((value.to_string(), 1));
        } else if let Some(min) = self.slots.iter_mut().min_by_key(|(_, c)| *c) {
            *min = (value.to_string(), min.1 + 1);
        }
    }

    fn top(&self) -> Vec<ValueCount> {
        let mut v: Vec<ValueCount> = self
            .slots
            .iter()
            .map(|(value, count)| ValueCount {
                value: value.clone(),
                count: *count,
            })
            .collect();
        sort_counts(&mut v);
        v.truncate(VALUES_KEPT);
        v
    }
}

struct Acc {
    syscall: &'static Syscall,
    /// (object index, file offset, strace's symbol)
    frame: Option<(usize, u64, String)>,
    args: Vec<ArgValue>,
    count: u64,
    errors: u64,
    values: Vec<(u32, TopValues)>,
    results: TopValues,
}

/// Which arguments go into the value profile: scalars and paths, not buffers or pointers.
fn profiled(kind: ArgKind) -> bool {
    !matches!(
        kind,
        ArgKind::BufIn | ArgKind::BufOut | ArgKind::BufInOut | ArgKind::Ptr | ArgKind::Addr
    )
}

/// What the builder noticed besides the graph.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// System call names the catalogue does not know, with how often they appeared.
    pub unknown_syscalls: BTreeMap<String, u64>,
    /// How the first process ended: exit status or signal name.
    pub exit_code: Option<i32>,
    pub exit_signal: Option<String>,
    pub threads: u64,
    pub calls: u64,
    /// Problems with symbolizing (one message per object).
    pub warnings: Vec<String>,
    /// Objects with call sites that have no source location.
    pub no_debug: Vec<Unlocated>,
}

/// The call sites of one object that have no source location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocated {
    pub object: String,
    /// How many distinct call sites (site frames) the object has in all.
    pub sites: usize,
    /// The sites without a location, by offset: strace's frame for each (`_start+0x25`, or the
    /// offset when strace knew no symbol) and why the symbolizer had no location for it.
    pub missing: Vec<(String, NoSite)>,
}

/// Builds a syscall graph from trace events.
#[derive(Default)]
pub struct Builder {
    program: Option<String>,
    nodes: Vec<Acc>,
    index: FxHashMap<String, usize>,
    key: String,
    objects: Vec<String>,
    object_ids: FxHashMap<String, usize>,
    last: FxHashMap<u32, usize>,
    /// Per thread, the last call before each signal delivery whose handler has not returned
    /// yet (`rt_sigreturn`), innermost last.
    interrupted: FxHashMap<u32, Vec<Option<usize>>>,
    edges: FxHashMap<(usize, usize), u64>,
    first_pid: Option<u32>,
    threads: FxHashSet<u32>,
    pub summary: Summary,
}

/// Signal deliveries remembered per thread while their handlers run; a delivery to no
/// handler is never returned from, so the oldest are forgotten beyond this many.
const MAX_NESTED_SIGNALS: usize = 64;

impl Builder {
    /// A builder; `program` names the profile (else the trace's first successful execve does).
    pub fn new(program: Option<&str>) -> Builder {
        Builder {
            program: program.map(str::to_string),
            ..Builder::default()
        }
    }

    /// Takes one event (bad lines are the caller's business and are ignored here).
    pub fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Call(call) => self.call(call),
            Event::Exit { pid, code, signal } => {
                self.last.remove(pid);
                self.interrupted.remove(pid);
                if Some(*pid) == self.first_pid || (self.first_pid.is_none() && *pid == 0) {
                    self.summary.exit_code = *code;
                    self.summary.exit_signal = signal.map(str::to_string);
                }
            }
            Event::Renamed { from, to } => {
                if let Some(n) = self.last.remove(from) {
                    self.last.insert(*to, n);
                }
                if let Some(stack) = self.interrupted.remove(from) {
                    self.interrupted.insert(*to, stack);
                }
                if self.first_pid == Some(*from) {
                    self.first_pid = Some(*to);
                }
                self.threads.remove(from);
                self.threads.insert(*to);
            }
            Event::Signal { pid, .. } => {
                // A handler's calls are a sequence of their own: the program's sequence goes
                // on after its rt_sigreturn from the call before the signal. (A signal with
                // no handler returns nowhere; its entry is dropped when too many pile up.)
                let stack = self.interrupted.entry(*pid).or_default();
                if stack.len() == MAX_NESTED_SIGNALS {
                    stack.remove(0);
                }
                stack.push(self.last.remove(pid));
            }
            Event::Bad(_) => {}
        }
    }

    fn call(&mut self, call: &Call<'_>) {
        let Some(syscall) = catalogue::resolve_trace_name(call.name) else {
            *self
                .summary
                .unknown_syscalls
                .entry(call.name.to_string())
                .or_default() += 1;
            return;
        };
        self.summary.calls += 1;
        if self.first_pid.is_none() {
            self.first_pid = Some(call.pid);
        }
        self.threads.insert(call.pid);
        if self.program.is_none() && syscall.name == "execve" && call.outcome == Outcome::Value("0")
        {
            if let Some(path) = call.args.first() {
                self.program = Some(unquote(path));
            }
        }
        // The node key: number, fd arguments, site frame.
        self.key.clear();
        push_decimal(&mut self.key, syscall.nr as u64);
        for (i, kind) in syscall.args.iter().enumerate() {
            if *kind == ArgKind::Fd {
                if let Some(v) = call.args.get(i) {
                    self.key.push('\x1f');
                    push_decimal(&mut self.key, i as u64);
                    self.key.push('=');
                    self.key.push_str(v);
                }
            }
        }
        let object = match call.site {
            Some(f) => {
                let id = match self.object_ids.get(&f.object) {
                    Some(&id) => id,
                    None => {
                        self.objects.push(f.object.clone());
                        self.object_ids
                            .insert(f.object.clone(), self.objects.len() - 1);
                        self.objects.len() - 1
                    }
                };
                self.key.push('\x1e');
                push_decimal(&mut self.key, id as u64);
                self.key.push('@');
                push_decimal(&mut self.key, f.offset);
                Some(id)
            }
            None => None,
        };
        let n = match self.index.get(self.key.as_str()) {
            Some(&n) => n,
            None => {
                let args = syscall
                    .args
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| **k == ArgKind::Fd)
                    .filter_map(|(i, _)| {
                        call.args.get(i).map(|v| ArgValue {
                            index: i as u32,
                            value: v.to_string(),
                        })
                    })
                    .collect();
                let values = syscall
                    .args
                    .iter()
                    .enumerate()
                    .filter(|(i, k)| profiled(**k) && *i < call.args.len())
                    .map(|(i, _)| (i as u32, TopValues::default()))
                    .collect();
                self.nodes.push(Acc {
                    syscall,
                    frame: call
                        .site
                        .zip(object)
                        .map(|(f, id)| (id, f.offset, f.symbol.clone())),
                    args,
                    count: 0,
                    errors: 0,
                    values,
                    results: TopValues::default(),
                });
                self.index.insert(self.key.clone(), self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        let acc = &mut self.nodes[n];
        acc.count += 1;
        for (i, top) in acc.values.iter_mut() {
            if let Some(v) = call.args.get(*i as usize) {
                // A path's value is its text: a pointer (a path strace could not read, or a trace
                // of numbers only) says nothing about it.
                if acc.syscall.args[*i as usize] != ArgKind::Path || v.starts_with('"') {
                    top.add(v);
                }
            }
        }
        match call.outcome {
            Outcome::Value(v) => acc.results.add(v),
            Outcome::Error(e) => {
                acc.errors += 1;
                let mut s = String::with_capacity(e.len() + 1);
                s.push('-');
                s.push_str(e);
                acc.results.add(&s);
            }
            Outcome::Unknown => acc.results.add("?"),
        }
        // Back from a handler whose signal the trace does not show (the recorder leaves
        // timer signals out): the handler is taken to have made no call, and the return is
        // no step of the sequence, which goes on from the call before it.
        let unseen_signal = syscall.name == "rt_sigreturn"
            && self
                .interrupted
                .get(&call.pid)
                .is_none_or(|stack| stack.is_empty());
        if unseen_signal {
            return;
        }
        if let Some(prev) = self.last.insert(call.pid, n) {
            *self.edges.entry((prev, n)).or_default() += 1;
        }
        if syscall.name == "rt_sigreturn" {
            // Back from a handler: the next call follows the one the signal interrupted.
            match self.interrupted.get_mut(&call.pid).and_then(Vec::pop) {
                Some(Some(before)) => {
                    self.last.insert(call.pid, before);
                }
                Some(None) => {
                    self.last.remove(&call.pid);
                }
                None => {}
            }
        }
    }

    /// The profile, with sites from `symbolizer` (or only raw caller frames without one).
    pub fn finish(mut self, symbolizer: Option<&Symbolizer>) -> (Profile, Summary) {
        self.summary.threads = self.threads.len() as u64;
        // Symbolize every distinct site frame, one symbolizer run per object.
        let mut sites: HashMap<(usize, u64), crate::format::Site> = HashMap::new();
        if let Some(sym) = symbolizer {
            // Per object: (offset, strace's symbol) of each distinct site frame.
            let mut per_object: BTreeMap<usize, Vec<(u64, &str)>> = BTreeMap::new();
            for acc in &self.nodes {
                if let Some((obj, off, symbol)) = &acc.frame {
                    per_object.entry(*obj).or_default().push((*off, symbol));
                }
            }
            for (obj, mut frames) in per_object {
                frames.sort_unstable_by_key(|(off, _)| *off);
                frames.dedup_by_key(|(off, _)| *off);
                let offsets: Vec<u64> = frames.iter().map(|(off, _)| *off).collect();
                let path = &self.objects[obj];
                match sym.symbolize(Path::new(path), &offsets) {
                    Ok(found) => {
                        let mut missing = Vec::new();
                        for (&(off, symbol), site) in frames.iter().zip(found) {
                            match site {
                                Ok(s) => {
                                    sites.insert((obj, off), s);
                                }
                                Err(why) if symbol.is_empty() => {
                                    missing.push((format!("{off:#x}"), why))
                                }
                                Err(why) => missing.push((symbol.to_string(), why)),
                            }
                        }
                        if !missing.is_empty() {
                            self.summary.no_debug.push(Unlocated {
                                object: path.clone(),
                                sites: offsets.len(),
                                missing,
                            });
                        }
                    }
                    Err(e) => self
                        .summary
                        .warnings
                        .push(format!("call sites in {path} are unknown: {e}")),
                }
            }
        }
        let mut profile = Profile::new(self.program.as_deref().unwrap_or("unknown"));
        for acc in &self.nodes {
            let mut node = Node::new(acc.syscall.name, acc.syscall.nr);
            node.count = acc.count;
            node.errors = acc.errors;
            node.args = acc.args.clone();
            node.values = acc
                .values
                .iter()
                .map(|(index, top)| ValueProfile {
                    index: *index,
                    top: top.top(),
                })
                .filter(|v| !v.top.is_empty())
                .collect();
            node.results = acc.results.top();
            if let Some((obj, off, symbol)) = &acc.frame {
                match sites.get(&(*obj, *off)) {
                    Some(site) => node.site = Some(site.clone()),
                    None => {
                        let base = self.objects[*obj]
                            .rsplit('/')
                            .next()
                            .unwrap_or("")
                            .to_string();
                        node.caller = Some(if symbol.is_empty() {
                            format!("{base}+{off:#x}")
                        } else {
                            format!("{base}({symbol})")
                        });
                    }
                }
            }
            profile.nodes.push(node);
        }
        profile.edges = self
            .edges
            .iter()
            .map(|(&(from, to), &weight)| Edge { from, to, weight })
            .collect();
        // Frames that symbolize to the same site (or no site) are one node.
        profile.normalize();
        (profile, self.summary)
    }
}

/// Appends `n` in decimal without going through `fmt`.
fn push_decimal(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// `"./copy"` -> `./copy` (strace's quoting, with the common escapes undone).
pub fn unquote(s: &str) -> String {
    let s = s.trim_end_matches("...");
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The profile as a petgraph graph: node weights are indices into `profile.nodes`, edge weights
/// are transition counts.
pub fn to_petgraph(profile: &Profile) -> petgraph::graph::DiGraph<usize, u64> {
    let mut g = petgraph::graph::DiGraph::with_capacity(profile.nodes.len(), profile.edges.len());
    let ids: Vec<_> = (0..profile.nodes.len()).map(|i| g.add_node(i)).collect();
    for e in &profile.edges {
        if e.from < ids.len() && e.to < ids.len() {
            g.add_edge(ids[e.from], ids[e.to], e.weight);
        }
    }
    g
}

/// A Graphviz drawing of the graph like the paper's Figure 5c: nodes are calls with their site,
/// edge labels are weights, heavy edges are thick and red. Edges lighter than `min_weight` are left
/// out, and so are nodes left without edges (unless the graph has no edges at all).
pub fn to_dot(profile: &Profile, min_weight: u64) -> String {
    let g = to_petgraph(profile);
    let max = profile
        .edges
        .iter()
        .map(|e| e.weight)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut keep = vec![profile.edges.is_empty(); profile.nodes.len()];
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).unwrap_or_default();
        if g[e] >= min_weight {
            keep[g[a]] = true;
            keep[g[b]] = true;
        }
    }
    let mut out = String::new();
    let title = escape(&profile.program);
    let _ = writeln!(out, "digraph syscalls {{");
    let _ = writeln!(
        out,
        "  label=\"{title}: {} calls, {} transitions\"; labelloc=t;",
        profile.calls(),
        profile.transitions()
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];");
    for (i, node) in profile.nodes.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        let site = match &node.site {
            Some(s) => {
                let file = Path::new(&s.file)
                    .file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or(&s.file);
                format!("\\n{}:{}:{}", escape(file), s.line, s.column)
            }
            None => node
                .caller
                .as_deref()
                .map(|c| format!("\\n{}", escape(c)))
                .unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "  n{i} [label=\"{}{}\\n× {}\"];",
            escape(&node.label()),
            site,
            node.count
        );
    }
    for e in &profile.edges {
        if e.weight < min_weight || !keep[e.from] || !keep[e.to] {
            continue;
        }
        let share = e.weight as f64 / max as f64;
        let width = 1.0 + 4.0 * share;
        let color = if share >= 0.5 {
            "red"
        } else if share >= 0.1 {
            "darkorange"
        } else {
            "gray40"
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\", penwidth={width:.1}, color={color}, fontcolor={color}];",
            e.from, e.to, e.weight
        );
    }
    out.push_str("}\n");
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strace::parse_reader;

    fn build(trace: &str) -> (Profile, Summary) {
        let mut b = Builder::new(None);
        parse_reader(trace.as_bytes(), &mut |e| b.event(&e)).unwrap();
        b.finish(None)
    }

    #[test]
    fn edges_are_per_thread() {
        let (p, s) = build(
            "1 execve(\"./x\", [\"./x\"], 0x0 /* 1 var */) = 0\n\
             1 read(3, \"a\", 1) = 1\n\
             2 write(4, \"b\", 1) = 1\n\
             1 read(3, \"\", 1) = 0\n\
             2 write(4, \"b\", 1) = -1 EPIPE (Broken pipe)\n\
             1 +++ exited with 3 +++\n",
        );
        assert_eq!(p.program, "./x");
        assert_eq!(s.exit_code, Some(3));
        assert_eq!(s.threads, 2);
        let labels: Vec<String> = p.nodes.iter().map(|n| n.label()).collect();
        assert_eq!(labels, ["execve()", "read(3)", "write(4)"]);
        assert_eq!(
            p.edges,
            vec![
                Edge {
                    from: 0,
                    to: 1,
                    weight: 1
                },
                Edge {
                    from: 1,
                    to: 1,
                    weight: 1
                },
                Edge {
                    from: 2,
                    to: 2,
                    weight: 1
                }
            ]
        );
        let w = &p.nodes[2];
        assert_eq!((w.count, w.errors), (2, 1));
        assert_eq!(
            w.values_of(2)[0],
            ValueCount {
                value: "1".into(),
                count: 2
            }
        );
        assert!(w.results.iter().any(|r| r.value == "-EPIPE"));
        assert!(w.values_of(1).is_empty(), "buffers are not profiled");
    }

    #[test]
    fn sites_split_nodes_and_unknown_calls_are_counted() {
        let (p, s) = build(
            "close(3) = 0\n > /bin/x(main+0x5) [0x1005]\nclose(3) = 0\n > /bin/x(main+0x9) [0x1009]\n\
             close(3) = 0\n > /bin/x(main+0x5) [0x1005]\nfrobnicate(1) = 0\n",
        );
        assert_eq!(p.nodes.len(), 2);
        assert_eq!(p.nodes[0].caller.as_deref(), Some("x(main+0x5)"));
        assert_eq!(p.nodes[0].count, 2);
        assert_eq!(s.unknown_syscalls.get("frobnicate"), Some(&1));
    }

    #[test]
    fn a_signal_handler_does_not_break_the_sequence() {
        let (p, _) = build(
            "1 read(3, \"a\", 1) = 1\n\
             1 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---\n\
             1 getpid() = 1\n\
             1 rt_sigreturn({mask=[]}) = 1\n\
             1 write(4, \"a\", 1) = 1\n\
             1 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---\n\
             1 rt_sigreturn({mask=[]}) = 1\n\
             1 read(3, \"\", 1) = 0\n",
        );
        let name = |i: usize| p.nodes[i].syscall.as_str();
        let edges: Vec<(&str, &str, u64)> = p
            .edges
            .iter()
            .map(|e| (name(e.from), name(e.to), e.weight))
            .collect();
        assert!(edges.contains(&("read", "write", 1)), "{edges:?}");
        assert!(edges.contains(&("write", "read", 1)), "{edges:?}");
        assert!(
            edges.contains(&("getpid", "rt_sigreturn", 1)),
            "the handler's own sequence: {edges:?}"
        );
        assert!(
            !edges.iter().any(|e| e.0 == "read" && e.1 != "write"),
            "nothing follows read but write: {edges:?}"
        );
        assert!(
            !edges.iter().any(|e| e.1 == "read" && e.0 == "rt_sigreturn"),
            "{edges:?}"
        );
    }

    #[test]
    fn a_return_from_an_unseen_signal_is_no_step_of_the_sequence() {
        // The recorder leaves timer signals out of the trace: only their handlers' returns
        // show.
        let (p, _) = build(
            "1 read(3, \"a\", 1) = 1\n\
             1 rt_sigreturn({mask=[]}) = 1\n\
             1 write(4, \"a\", 1) = 1\n\
             1 rt_sigreturn({mask=[]}) = 1\n\
             1 read(3, \"\", 1) = 0\n",
        );
        let name = |i: usize| p.nodes[i].syscall.as_str();
        let edges: Vec<(&str, &str, u64)> = p
            .edges
            .iter()
            .map(|e| (name(e.from), name(e.to), e.weight))
            .collect();
        assert_eq!(
            edges,
            vec![("read", "write", 1), ("write", "read", 1)],
            "{edges:?}"
        );
    }

    #[test]
    fn value_profile_keeps_the_most_frequent() {
        let mut t = TopValues::default();
        for i in 0..100 {
            t.add("4096");
            t.add(&format!("{i}"));
        }
        let top = t.top();
        assert_eq!(top[0].value, "4096");
        assert!(top[0].count >= 100);
        assert!(top.len() <= VALUES_KEPT);
    }

    #[test]
    fn paths_profile_their_text_not_pointers() {
        let (p, _) = build(
            "openat(-100, \"/etc/a\", 0) = 3\nopenat(-100, 0x7ffd1000, 0) = 3\nopenat(-100, NULL, 0) = -1 EFAULT (Bad address)\n",
        );
        let open = p.nodes.iter().find(|n| n.syscall == "openat").unwrap();
        assert_eq!(open.count, 3);
        let paths = open.values_of(1);
        assert_eq!(paths.len(), 1, "{paths:?}");
        assert_eq!((paths[0].value.as_str(), paths[0].count), ("\"/etc/a\"", 1));
        assert_eq!(open.values_of(2)[0].count, 3);
    }

    #[test]
    fn dot_filters_light_edges() {
        let (p, _) = build("read(3, \"a\", 1) = 1\nwrite(4, \"a\", 1) = 1\nread(3, \"a\", 1) = 1\nwrite(4, \"a\", 1) = 1\nclose(3) = 0\n");
        let dot = to_dot(&p, 2);
        assert!(dot.contains("n0 -> n1 [label=\"2\""), "{dot}");
        assert!(!dot.contains("close"), "{dot}");
        assert!(to_dot(&p, 1).contains("close(3)"));
    }

    #[test]
    fn values_are_normalized() {
        assert_eq!(normalize_value("0x22"), "34");
        assert_eq!(normalize_value("0666"), "438");
        assert_eq!(normalize_value("0"), "0");
        assert_eq!(normalize_value("-100"), "-100");
        assert_eq!(normalize_value("4096"), "4096");
        assert_eq!(normalize_value("\"a\""), "\"a\"");
        assert_eq!(normalize_value("0xzz"), "0xzz");
        assert_eq!(normalize_value("O_RDONLY|O_CLOEXEC"), "O_RDONLY|O_CLOEXEC");
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote("\"./a b\\\"c\""), "./a b\"c");
        assert_eq!(unquote("0x1234"), "0x1234");
    }
}
