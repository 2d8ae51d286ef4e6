//! Mapping profile nodes to IR sites.
//!
//! A node with a source site (`function`, `file`, `line:column`, inlined-at chain) matches the IR
//! sites whose debug location has the same frames: innermost function and line:column, the file
//! compared by path suffix (or, when that matches nothing, by file name alone: a profile recorded
//! on a build in another directory), and each inlined-at frame in turn; the IR's location may
//! have more inlined-at frames than the profile's (a helper inlined here and not where the
//! profile was recorded). A node without a site, or
//! whose site matches nothing (IR without debug info), falls back to the paper's mapping: every
//! site of the same system call within the function the node names (its site's outermost function,
//! or the function in the trace's caller frame `main+0x26`), or within the whole module when it
//! names none and the profile has no sites at all. (In a profile with sites, a node without site or
//! caller comes from code without debug information, such as the dynamic loader, and matches
//! nothing.)
//!
//! [`site_graph`] turns the mapped profile into what the rest of the pass works on: weighted
//! pairs of sites, self-loops and the hot edges that match no site.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use syscluster_profile::format::{Frame, Node, Profile};

use crate::ir;
use crate::shim::{DebugFrame, Shim};
use crate::sites::Site;

/// How a node was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    DebugLocation,
    /// The debug location with the file compared by its name alone: the profile was recorded
    /// on a build in another directory (another checkout, machine or build root).
    DebugLocationFileName,
    /// The debug location of the place a helper was inlined at, the helper's call being its
    /// last act (a tail call: the profile records the helper's caller as the site).
    TailCalledHelper,
    Name,
    Unmatched,
}

/// Sites matched by each node of the profile.
pub struct Mapping {
    pub node_sites: Vec<Vec<usize>>,
    pub how: Vec<MatchKind>,
}

/// Whether two source paths name the same file: equal, or one a path suffix of the other.
pub fn same_file(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let a = a.trim_start_matches("./");
    let b = b.trim_start_matches("./");
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}

fn full_path(f: &DebugFrame) -> String {
    if f.file.starts_with('/') || f.dir.is_empty() {
        f.file.clone()
    } else {
        format!("{}/{}", f.dir.trim_end_matches('/'), f.file)
    }
}

/// Whether the profile's function name names the IR frame's function: the same name, the
/// same linkage (mangled) name, or, for C++, the symbolizer's demangled qualified name
/// (`(anonymous namespace)::Copier::run() const`) whose unqualified part is the debug info's
/// name (`run`).
fn same_function(ir: &DebugFrame, name: &str) -> bool {
    ir.function == name
        || (!ir.linkage.is_empty() && ir.linkage == name)
        || (!ir.linkage.is_empty() && unqualified(name) == Some(ir.function.as_str()))
}

/// The unqualified name of a demangled C++ function: without its parameter list, qualifiers
/// after it, and the scopes before it. `None` for a name that is not of that form.
pub fn unqualified(demangled: &str) -> Option<&str> {
    // The parameter list is the last balanced "(...)" of the name.
    let close = demangled.rfind(')')?;
    let mut depth = 0usize;
    let mut open = None;
    for (i, c) in demangled[..=close].char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let head = &demangled[..open?];
    // The last "::" outside template arguments and parentheses.
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = head.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'<' | b'(' => depth += 1,
            b'>' | b')' => depth -= 1,
            b':' if depth == 0 && i + 1 < bytes.len() && bytes[i + 1] == b':' => start = i + 2,
            _ => {}
        }
    }
    let name = &head[start..];
    (!name.is_empty()).then_some(name)
}

/// How strictly a frame's file must agree with the profile's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileMatch {
    /// Equal paths, or one a path suffix of the other.
    Path,
    /// The same file name, in whatever directory.
    FileName,
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn frame_matches(
    ir: &DebugFrame,
    how: FileMatch,
    (function, file, line, column): (&str, &str, u32, u32),
) -> bool {
    let ir_file = full_path(ir);
    let file_ok = match how {
        FileMatch::Path => same_file(&ir_file, file),
        FileMatch::FileName => {
            ir_file.is_empty() || file.is_empty() || file_name(&ir_file) == file_name(file)
        }
    };
    same_function(ir, function)
        && file_ok
        && ir.line == line
        && (column == 0 || ir.column == 0 || ir.column == column)
}

/// Whether the IR frames match the profile's site; with `skip`, after leaving out the
/// innermost `skip` frames (the inlined body of a helper that tail-called the system call:
/// its frame is not on the recorded stack, so the profile names the place that called it).
fn site_matches(
    frames: &[DebugFrame],
    site: &syscluster_profile::format::Site,
    how: FileMatch,
    skip: usize,
) -> bool {
    let frames = frames.get(skip..).unwrap_or(&[]);
    let Some(inner) = frames.first() else {
        return false;
    };
    if !frame_matches(
        inner,
        how,
        (&site.function, &site.file, site.line, site.column),
    ) {
        return false;
    }
    // The IR may have more frames than the profile: a call recorded in a helper that was
    // not inlined there and is inlined here (by clang, at link time, or by the pass's own
    // inliner) is the same call of the source. The profile's frames are then the innermost.
    if frames.len() < site.inlined_at.len() + 1 {
        return false;
    }
    site.inlined_at
        .iter()
        .zip(&frames[1..])
        .all(|(f, ir): (&Frame, &DebugFrame)| {
            frame_matches(ir, how, (&f.function, &f.file, f.line, f.column))
        })
}

/// The function a node names for name-based matching: after inlining the IR function is the
/// outermost frame.
pub fn node_function(node: &Node) -> Option<String> {
    if let Some(s) = &node.site {
        return Some(
            s.inlined_at
                .last()
                .map(|f| f.function.clone())
                .unwrap_or_else(|| s.function.clone()),
        );
    }
    // strace -k frames look like "copy(main+0x26) [0x1234]": the symbol before '+'.
    let caller = node.caller.as_deref()?;
    let inner = caller.split_once('(').map(|(_, r)| r).unwrap_or(caller);
    let sym = inner.split(['+', ')']).next()?.trim();
    (!sym.is_empty()).then(|| sym.to_string())
}

/// Whether a node ran outside the program's own code: in a profile with call sites, a node
/// with neither site nor caller frame comes from code without debug information (the dynamic
/// loader, libc itself).
fn foreign(node: &Node) -> bool {
    node.site.is_none() && node.caller.is_none()
}

/// The sites that answer to each system call name, and among them those with a frame of their
/// debug location on a given line: the candidates of a node, without a pass over every site.
struct SiteIndex<'s> {
    by_name: IndexMap<&'s str, Vec<usize>>,
    by_line: IndexMap<(&'s str, u32), Vec<usize>>,
}

impl<'s> SiteIndex<'s> {
    fn new(sites: &'s [Site], frames: &[Vec<DebugFrame>]) -> SiteIndex<'s> {
        let mut by_name: IndexMap<&str, Vec<usize>> = IndexMap::new();
        let mut by_line: IndexMap<(&str, u32), Vec<usize>> = IndexMap::new();
        for (k, site) in sites.iter().enumerate() {
            let mut names: Vec<&str> = site.trace_names.iter().map(String::as_str).collect();
            names.sort_unstable();
            names.dedup();
            let mut lines: Vec<u32> = frames[k].iter().map(|f| f.line).collect();
            lines.sort_unstable();
            lines.dedup();
            for name in names {
                by_name.entry(name).or_default().push(k);
                for &line in &lines {
                    by_line.entry((name, line)).or_default().push(k);
                }
            }
        }
        SiteIndex { by_name, by_line }
    }
    fn named(&self, syscall: &str) -> &[usize] {
        self.by_name.get(syscall).map_or(&[], Vec::as_slice)
    }
    fn on_line<'q>(&'q self, syscall: &'q str, line: u32) -> &'q [usize] {
        self.by_line
            .get(&(syscall, line))
            .map_or(&[], Vec::as_slice)
    }
}

pub(crate) fn map(shim: &Shim, profile: &Profile, sites: &[Site]) -> Mapping {
    let frames: Vec<Vec<DebugFrame>> = sites.iter().map(|s| shim.debug_frames(s.call)).collect();
    let index = SiteIndex::new(sites, &frames);
    let mut node_sites = Vec::with_capacity(profile.nodes.len());
    let mut how = Vec::with_capacity(profile.nodes.len());
    let has_sites = profile.nodes.iter().any(|n| n.site.is_some());
    for node in &profile.nodes {
        if let Some(site) = &node.site {
            // By path first; by file name when the profile comes from a build in another
            // directory, so that no path of the recording machine has to exist here.
            // Then, for a call inlined here that the profile saw tail-called from a helper,
            // by the frames outside the helper's.
            let levels = [
                (FileMatch::Path, false, MatchKind::DebugLocation),
                (FileMatch::FileName, false, MatchKind::DebugLocationFileName),
                (FileMatch::Path, true, MatchKind::TailCalledHelper),
                (FileMatch::FileName, true, MatchKind::TailCalledHelper),
            ];
            let found = levels.iter().find_map(|&(level, tail, kind)| {
                let hits: Vec<usize> = index
                    .on_line(&node.syscall, site.line)
                    .iter()
                    .copied()
                    .filter(|&k| {
                        let skips = if tail { 1..frames[k].len() } else { 0..1 };
                        skips
                            .into_iter()
                            .any(|skip| site_matches(&frames[k], site, level, skip))
                    })
                    .collect();
                (!hits.is_empty()).then_some((hits, kind))
            });
            if let Some((hits, kind)) = found {
                node_sites.push(hits);
                how.push(kind);
                continue;
            }
        }
        let func = node_function(node);
        // In a profile with call sites, a node that names no function matches nothing by
        // name: it is `foreign`, or its caller frame has no symbol.
        if func.is_none() && has_sites {
            how.push(MatchKind::Unmatched);
            node_sites.push(Vec::new());
            continue;
        }
        let hits: Vec<usize> = index
            .named(&node.syscall)
            .iter()
            .copied()
            .filter(|&k| {
                // A node whose site is known only matches IR without debug locations by name;
                // IR with debug locations that did not match is a different call.
                (node.site.is_none() || frames[k].is_empty())
                    && match func.as_deref() {
                        Some(f) => sites[k].function_name == f,
                        None => true,
                    }
            })
            .collect();
        how.push(if hits.is_empty() {
            MatchKind::Unmatched
        } else {
            MatchKind::Name
        });
        node_sites.push(hits);
    }
    Mapping { node_sites, how }
}

/// A pair of sites in one function with the summed weight of the profile edges mapped to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightedPair {
    pub a: usize,
    pub b: usize,
    pub weight: u64,
}

/// A hot edge one of whose nodes matches no site, worth a remark.
#[derive(Clone, Debug)]
pub struct UnmatchedEdge {
    pub from: String,
    pub to: String,
    pub weight: u64,
    /// Labels of the nodes without a site.
    pub missing: Vec<String>,
    /// When the other end has sites here: the functions the profile names for the ends
    /// without (their call sites' outermost frames), which may be in another translation unit.
    pub missing_functions: Vec<String>,
    /// The profile nodes of the ends without a site.
    pub missing_nodes: Vec<usize>,
    /// The function the remark is attached to.
    pub function: LLVMValueRef,
}

/// One profile node and the sites it matched.
#[derive(Clone, Debug)]
pub struct NodeMatch {
    pub label: String,
    pub count: u64,
    pub sites: Vec<usize>,
    pub how: MatchKind,
}

/// A hot edge both of whose nodes match sites of this module, but never two sites in one
/// function: the calls sit in different functions (a `my_read`/`my_write` wrapper).
#[derive(Clone, Debug)]
pub struct CrossEdge {
    /// The edge's index in the profile (stable when the IR changes).
    pub edge: usize,
    pub from: String,
    pub to: String,
    pub weight: u64,
    /// The sites of each end.
    pub from_sites: Vec<usize>,
    pub to_sites: Vec<usize>,
    /// The two calls are in one function, but no path of it leads from the first to the
    /// second: the loop that repeats them is in a caller (`transform::inline`).
    pub loop_in_caller: bool,
}

/// The profile as a graph over the module's sites: what the rest of the pass needs of it.
#[derive(Debug, Default)]
pub struct SiteGraph {
    pub nodes: Vec<NodeMatch>,
    /// Pairs of distinct sites, heaviest first (then by site indices).
    pub pairs: Vec<WeightedPair>,
    /// Sites that follow themselves, with the weight, by site index.
    pub self_loops: Vec<(usize, u64)>,
    /// Hot edges with an unmatched node that touch the program's own code.
    pub unmatched: Vec<UnmatchedEdge>,
    /// Hot matched edges whose calls are in different functions only, heaviest first.
    pub cross: Vec<CrossEdge>,
    /// Edges at least `min_weight` heavy whose nodes both match sites, and those that do not.
    pub edges_matched: u64,
    pub edges_unmatched: u64,
}

/// Maps the profile onto the sites and sums its edges (at least `min_weight` heavy) into
/// weighted site pairs. `fallback` is the function a remark about an edge without any site
/// is attached to.
pub(crate) fn site_graph(
    shim: &Shim,
    profile: &Profile,
    sites: &[Site],
    min_weight: u64,
    fallback: Option<LLVMValueRef>,
) -> SiteGraph {
    let mapping = map(shim, profile, sites);
    let has_sites = profile.nodes.iter().any(|n| n.site.is_some());
    let mut graph = SiteGraph {
        nodes: profile
            .nodes
            .iter()
            .zip(mapping.node_sites.iter().zip(&mapping.how))
            .map(|(n, (s, &how))| NodeMatch {
                label: n.label(),
                count: n.count,
                sites: s.clone(),
                how,
            })
            .collect(),
        ..SiteGraph::default()
    };
    let mut pairs: IndexMap<(usize, usize), u64> = IndexMap::new();
    let mut self_loops: IndexMap<usize, u64> = IndexMap::new();
    for (k, e) in profile.edges.iter().enumerate() {
        if e.weight < min_weight {
            continue;
        }
        let (Some(from), Some(to)) = (mapping.node_sites.get(e.from), mapping.node_sites.get(e.to))
        else {
            continue;
        };
        if from.is_empty() || to.is_empty() {
            graph.edges_unmatched += 1;
            // Edges wholly outside the program's own code are not worth a remark.
            let ours = |n: usize| profile.nodes.get(n).is_some_and(|n| !foreign(n));
            if has_sites && !ours(e.from) && !ours(e.to) {
                continue;
            }
            let function = from
                .first()
                .or(to.first())
                .map(|&s| sites[s].function)
                .or(fallback);
            if let Some(function) = function {
                let mut missing: Vec<String> = [(e.from, from), (e.to, to)]
                    .iter()
                    .filter(|(_, v)| v.is_empty())
                    .map(|(n, _)| graph.nodes[*n].label.clone())
                    .collect();
                missing.dedup();
                let touches = !from.is_empty() || !to.is_empty();
                let mut missing_functions: Vec<String> = [(e.from, from), (e.to, to)]
                    .iter()
                    .filter(|(_, v)| touches && v.is_empty())
                    .filter_map(|(n, _)| profile.nodes.get(*n))
                    .filter(|n| n.site.is_some())
                    .filter_map(node_function)
                    .collect();
                missing_functions.dedup();
                let mut missing_nodes: Vec<usize> = [(e.from, from), (e.to, to)]
                    .iter()
                    .filter(|(_, v)| v.is_empty())
                    .map(|&(n, _)| n)
                    .collect();
                missing_nodes.dedup();
                graph.unmatched.push(UnmatchedEdge {
                    from: graph.nodes[e.from].label.clone(),
                    to: graph.nodes[e.to].label.clone(),
                    weight: e.weight,
                    missing,
                    missing_functions,
                    missing_nodes,
                    function,
                });
            }
            continue;
        }
        graph.edges_matched += 1;
        let mut in_one_function = false;
        for &a in from {
            for &b in to {
                if a == b {
                    *self_loops.entry(a).or_default() += e.weight;
                    in_one_function = true;
                } else if sites[a].function == sites[b].function {
                    *pairs.entry((a, b)).or_default() += e.weight;
                    in_one_function = true;
                }
            }
        }
        if !in_one_function {
            graph.cross.push(CrossEdge {
                edge: k,
                from: graph.nodes[e.from].label.clone(),
                to: graph.nodes[e.to].label.clone(),
                weight: e.weight,
                from_sites: from.clone(),
                to_sites: to.clone(),
                loop_in_caller: false,
            });
        }
    }
    graph
        .cross
        .sort_by(|x, y| y.weight.cmp(&x.weight).then(x.edge.cmp(&y.edge)));
    graph.self_loops = self_loops
        .into_iter()
        .filter(|&(_, w)| w >= min_weight)
        .collect();
    graph.self_loops.sort_unstable();
    graph.pairs = pairs
        .into_iter()
        .map(|((a, b), weight)| WeightedPair { a, b, weight })
        .collect();
    graph
        .pairs
        .sort_by(|x, y| y.weight.cmp(&x.weight).then((x.a, x.b).cmp(&(y.a, y.b))));
    graph
}

/// For profile nodes recorded at a call of the program's own code that is no system-call
/// site, a call of a function this module does not define that makes the system call itself
/// (a stdio function such as `fwrite`, whose system call runs inside libc, or a helper of
/// another translation unit that tail-calls it): that call, as `'fwrite' at
/// lz4io.c:892:34`, by node. One pass over the module's calls, made only when some node needs
/// it.
pub(crate) fn library_calls(
    shim: &Shim,
    module: LLVMModuleRef,
    profile: &Profile,
    nodes: &[usize],
    sites: &[Site],
) -> IndexMap<usize, String> {
    let mut out = IndexMap::new();
    let wanted: Vec<(usize, &syscluster_profile::format::Site)> = nodes
        .iter()
        .filter_map(|&n| Some((n, profile.nodes.get(n)?.site.as_ref()?)))
        .collect();
    if wanted.is_empty() {
        return out;
    }
    let site_calls: IndexSet<LLVMValueRef> = sites.iter().map(|s| s.call).collect();
    let defined: IndexSet<LLVMValueRef> = ir::defined_functions(module).into_iter().collect();
    for &f in &defined {
        for b in ir::blocks(f) {
            for i in ir::instructions(b) {
                if !ir::is_call(i) || site_calls.contains(&i) {
                    continue;
                }
                // A function of this module would have the system call's site itself.
                let Some(callee) = ir::called_function(i).filter(|c| !defined.contains(c)) else {
                    continue;
                };
                let callee = ir::name(callee);
                if callee.starts_with("llvm.") {
                    continue;
                }
                let Some(frame) = shim.debug_frame(i, 0) else {
                    continue;
                };
                for &(n, site) in &wanted {
                    if out.contains_key(&n)
                        || !frame_matches(
                            &frame,
                            FileMatch::FileName,
                            (&site.function, &site.file, site.line, site.column),
                        )
                    {
                        continue;
                    }
                    out.insert(
                        n,
                        format!(
                            "'{callee}' at {}:{}:{}",
                            file_name(&site.file),
                            site.line,
                            site.column
                        ),
                    );
                }
            }
        }
    }
    out
}
