//! The HTML report of a build (`syscluster-build/report.html`): the profile's syscall graph
//! with each edge coloured by what the pass made of it, drawn by Graphviz as inline SVG, and
//! the summary's tables, each refusal with an anchor the graph's edges link to.
//!
//! The pass's remarks name edges in two ways, and an edge of the profile is matched to a
//! remark by either: node labels (`hot edge read(3) -> write(4) (weight 512)`: unmatched,
//! cross-function and inlining remarks) or the libc callees of the sites with the weight
//! (`not clustered: read -> write (weight 512)`). A `Clustered` remark names its chain of
//! callees at the location of its first call: an edge is clustered when a consecutive pair of
//! the chain (for a looped multi-call also last -> first) answers to its two calls and its
//! first call's site is in the remark's file (on the remark's line for the chain's first call).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use syscluster_profile::catalogue;
use syscluster_profile::format::{Node, Profile};

use crate::build::{Remark, Summary};

/// What became of one edge of the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// In a straight multi-call formed at this location.
    Clustered { location: String },
    /// In a looped multi-call (a whole loop) formed at this location.
    Looped { location: String },
    /// A helper was inlined for it (its clustering, if any, is a `Clustered` fate).
    Inlined { location: String },
    /// Refused: the remark's name, its location and message.
    Refused {
        reason: String,
        location: String,
        message: String,
    },
    /// No call site for one of its ends in any module.
    NoSite { message: String },
    /// No remark names it (a cold edge, or one the pass did not consider).
    Unreported,
}

impl Fate {
    /// The CSS class and the legend's word for the fate.
    fn class(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Fate::Clustered { .. } => ("clustered", "clustered", "#1a9850"),
            Fate::Looped { .. } => ("looped", "looped multi-call", "#2166ac"),
            Fate::Inlined { .. } => ("inlined", "helper inlined for it", "#762a83"),
            Fate::Refused { .. } => ("refused", "refused", "#d73027"),
            Fate::NoSite { .. } => ("nosite", "no call site in the program", "#f46d43"),
            Fate::Unreported => ("unreported", "not reported", "#999999"),
        }
    }
    fn rank(&self) -> u8 {
        match self {
            Fate::Looped { .. } | Fate::Clustered { .. } => 5,
            Fate::Inlined { .. } => 4,
            Fate::Refused { .. } => 3,
            Fate::NoSite { .. } => 2,
            Fate::Unreported => 1,
        }
    }
    fn detail(&self) -> String {
        match self {
            Fate::Clustered { location } | Fate::Looped { location } => {
                format!("{} at {location}", self.class().1)
            }
            Fate::Inlined { location } => format!("helper inlined at {location}"),
            Fate::Refused {
                reason,
                location,
                message,
            } => format!("{reason} at {location}: {message}"),
            Fate::NoSite { message } => message.clone(),
            Fate::Unreported => "no remark names this edge".into(),
        }
    }
}

/// Whether a remark's name for a call (`read(3)`, or a callee such as `read`, `open`) stands
/// for the profile node. A node label names it outright; a callee only a node of the program's
/// own code (a source site, or a frame outside shared objects) whose site is in the file of
/// the remark's `location`, so that the loader's `openat -> read` is not the program's.
fn names_node(name: &str, node: &Node, location: &str) -> bool {
    if name == node.label() {
        return true;
    }
    let callee = name == node.syscall
        || catalogue::wrapper(name).is_some_and(|w| w.trace_names.contains(&node.syscall.as_str()));
    let own = node.site.is_some() || node.caller.as_deref().is_some_and(|c| !c.contains(".so"));
    callee && own && site_fits(node, location, false)
}

/// `A -> B (weight N)` after `prefix` in a message.
fn named_edge<'a>(message: &'a str, prefix: &str) -> Option<(&'a str, &'a str, u64)> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let (ends, after) = rest.split_once(" (weight ")?;
    let weight = after.split(')').next()?.parse().ok()?;
    let (a, b) = ends.split_once(" -> ")?;
    Some((a, b, weight))
}

/// `file:line:col` as (file name, line).
fn file_line(location: &str) -> Option<(&str, u32)> {
    let mut parts = location.rsplitn(3, ':');
    let _col = parts.next()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    Some((file.rsplit('/').next().unwrap_or(file), line))
}

/// Whether a cluster whose chain starts at `location` may hold the call of `node`: its site is
/// in the remark's file, and on the remark's line when it is the chain's first call.
fn site_fits(node: &Node, location: &str, first: bool) -> bool {
    let (Some(site), Some((file, line))) = (&node.site, file_line(location)) else {
        return true;
    };
    let site_file = site.file.rsplit('/').next().unwrap_or(&site.file);
    site_file == file && (!first || site.line == line)
}

/// The system calls a remark's name for a call may stand for: the call of a node label
/// (`read(3)`), the name itself, or the trace names of the libc wrapper it names. `names_node`
/// is true only for a node whose `syscall` is one of them.
fn candidate_syscalls(name: &str) -> Vec<&str> {
    let mut v = vec![name.split('(').next().unwrap_or(name)];
    if let Some(w) = catalogue::wrapper(name) {
        v.extend(w.trace_names.iter().copied());
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The profile's edges by the system calls of their two ends, so that a remark is compared
/// with the edges it can name only (a build's remarks times a profile's edges is too many).
struct EdgeIndex<'p> {
    by_calls: HashMap<(&'p str, &'p str), Vec<usize>>,
}

impl<'p> EdgeIndex<'p> {
    fn new(profile: &'p Profile) -> EdgeIndex<'p> {
        let mut by_calls: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (k, e) in profile.edges.iter().enumerate() {
            if let (Some(u), Some(v)) = (profile.nodes.get(e.from), profile.nodes.get(e.to)) {
                by_calls
                    .entry((u.syscall.as_str(), v.syscall.as_str()))
                    .or_default()
                    .push(k);
            }
        }
        EdgeIndex { by_calls }
    }

    /// The edges whose ends may be the calls named `a` and `b`, in the profile's order.
    fn candidates(&self, a: &str, b: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for x in candidate_syscalls(a) {
            for y in candidate_syscalls(b) {
                if let Some(ks) = self.by_calls.get(&(x, y)) {
                    out.extend_from_slice(ks);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// The fate of every edge of `profile`, in the profile's edge order.
/// What the pass says of an edge's call site in a function another translation unit
/// defines.
const LTO_HINT: &str = "brings it in reach";

pub fn edge_fates(profile: &Profile, remarks: &[Remark]) -> Vec<Fate> {
    let mut fates = vec![Fate::Unreported; profile.edges.len()];
    // The edges each module's pass found no call site for: the first message of each
    // module's file (a build of hundreds of modules with a profile of thousands of edges
    // says so millions of times).
    let mut unmatched: BTreeMap<usize, BTreeMap<Option<&str>, &str>> = BTreeMap::new();
    // And the first message of all, in the remarks' order.
    let mut first_unmatched: HashMap<usize, &str> = HashMap::new();
    let mut settle = |k: usize, f: Fate| {
        if f.rank() > fates[k].rank() {
            fates[k] = f;
        }
    };
    let index = EdgeIndex::new(profile);
    let ends = |k: usize| {
        let e = &profile.edges[k];
        (e, &profile.nodes[e.from], &profile.nodes[e.to])
    };
    // The edges that `A -> B (weight N)` after one of `prefixes` names.
    let named = |r: &Remark, prefixes: &[&str]| -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for prefix in prefixes {
            let Some((a, b, w)) = named_edge(&r.message, prefix) else {
                continue;
            };
            out.extend(index.candidates(a, b).into_iter().filter(|&k| {
                let (e, u, v) = ends(k);
                e.weight == w && names_node(a, u, &r.location) && names_node(b, v, &r.location)
            }));
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    for r in remarks {
        match (r.kind.as_str(), r.name.as_str()) {
            ("Passed", "Inlined") => {
                for k in named(r, &["hot edge "]) {
                    settle(
                        k,
                        Fate::Inlined {
                            location: r.location.clone(),
                        },
                    );
                }
            }
            ("Passed", _) => {
                let looped = r.message.starts_with("clustered the whole loop");
                let chain: Vec<&str> = r
                    .message
                    .split_once(": ")
                    .and_then(|(_, rest)| rest.split(" (stop").next())
                    .map(|c| c.split(" -> ").collect())
                    .unwrap_or_default();
                let n = chain.len();
                let pairs: Vec<(usize, usize)> = (0..n.saturating_sub(1))
                    .map(|i| (i, i + 1))
                    .chain((looped && n > 0).then_some((n - 1, 0)))
                    .collect();
                let mut hits: Vec<usize> = Vec::new();
                for &(i, j) in &pairs {
                    hits.extend(
                        index
                            .candidates(chain[i], chain[j])
                            .into_iter()
                            .filter(|&k| {
                                let (_, u, v) = ends(k);
                                names_node(chain[i], u, &r.location)
                                    && names_node(chain[j], v, &r.location)
                                    && site_fits(u, &r.location, i == 0)
                            }),
                    );
                }
                hits.sort_unstable();
                hits.dedup();
                for k in hits {
                    let location = r.location.clone();
                    settle(
                        k,
                        if looped {
                            Fate::Looped { location }
                        } else {
                            Fate::Clustered { location }
                        },
                    );
                }
            }
            ("Missed", "UnmatchedEdges") => {}
            (_, "UnmatchedEdge") => {
                for k in named(r, &["hot edge "]) {
                    let file = file_line(&r.location).map(|(f, _)| f);
                    unmatched
                        .entry(k)
                        .or_default()
                        .entry(file)
                        .or_insert(r.message.as_str());
                    // The message of a module with one end of it, which names where the
                    // other end is (another translation unit: `--lto`), says the most.
                    let first = first_unmatched.entry(k).or_insert(r.message.as_str());
                    if r.message.contains(LTO_HINT) && !first.contains(LTO_HINT) {
                        *first = r.message.as_str();
                    }
                }
            }
            ("Missed", name) => {
                for k in named(r, &["hot edge ", "not clustered: "]) {
                    settle(
                        k,
                        Fate::Refused {
                            reason: name.to_string(),
                            location: r.location.clone(),
                            message: r.message.clone(),
                        },
                    );
                }
            }
            _ => {}
        }
    }
    // A cluster is matched to edges by its callees' names: an edge whose end the pass said
    // has no call site in the same module (a `write` inside `fprintf` after the loop's last
    // `read`) is not one of the cluster's, whatever its names.
    for (k, said) in unmatched {
        let clustered_in = match &fates[k] {
            Fate::Clustered { location } | Fate::Looped { location } => {
                file_line(location).map(|(f, _)| f)
            }
            _ => None,
        };
        let message = match clustered_in {
            Some(file) => said.get(&Some(file)).copied(),
            // An edge no module clustered: no call site is its fate unless a refusal or an
            // inlining (a higher rank) says more.
            None if fates[k].rank() < 2 => first_unmatched.get(&k).copied(),
            None => None,
        };
        if let Some(message) = message {
            fates[k] = Fate::NoSite {
                message: message.to_string(),
            };
        }
    }
    fates
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A Graphviz string literal's contents.
fn dot_esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

/// At most this many edges that no remark names are drawn (the heaviest); the edge table
/// lists them all.
const UNREPORTED_DRAWN: usize = 40;

/// At most this many edges are drawn in all: Graphviz's layout time grows faster than the
/// edges (a profile that makes every site of coreutils hot has 2330 named edges: 400 take
/// dot under a second, 1000 about 13 s, all of them more than ten minutes). The edges kept
/// are those of the best fate (clustered, inlined, refused, no site), heaviest first.
const DRAWN_MAX: usize = 400;

/// Which edges the picture shows: every edge a remark names, and the heaviest unreported ones,
/// at most `DRAWN_MAX` in all.
fn drawn(profile: &Profile, fates: &[Fate]) -> Vec<bool> {
    let mut unreported: Vec<usize> = (0..profile.edges.len())
        .filter(|&k| fates.get(k) == Some(&Fate::Unreported))
        .collect();
    unreported.sort_by_key(|&k| std::cmp::Reverse(profile.edges[k].weight));
    let mut keep: Vec<bool> = (0..profile.edges.len())
        .map(|k| fates.get(k).is_some_and(|f| *f != Fate::Unreported))
        .collect();
    for &k in unreported.iter().take(UNREPORTED_DRAWN) {
        keep[k] = true;
    }
    let mut kept: Vec<usize> = (0..keep.len()).filter(|&k| keep[k]).collect();
    if kept.len() > DRAWN_MAX {
        kept.sort_by_key(|&k| {
            let rank = fates.get(k).map_or(0, Fate::rank);
            (
                std::cmp::Reverse(rank),
                std::cmp::Reverse(profile.edges[k].weight),
                k,
            )
        });
        for &k in &kept[DRAWN_MAX..] {
            keep[k] = false;
        }
    }
    keep
}

/// The graph in Graphviz's language: the nodes of the drawn edges, each edge coloured by its
/// fate, its tooltip the fate's detail, a link to its row of the edge table.
pub fn to_dot(profile: &Profile, fates: &[Fate]) -> String {
    let max = profile.edges.iter().fold(1, |m, e| m.max(e.weight));
    let mut o = String::from("digraph build {\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let keep = drawn(profile, fates);
    let mut used = vec![false; profile.nodes.len()];
    for e in profile
        .edges
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(e, _)| e)
    {
        for n in [e.from, e.to] {
            if let Some(u) = used.get_mut(n) {
                *u = true;
            }
        }
    }
    for (i, n) in profile.nodes.iter().enumerate().filter(|(i, _)| used[*i]) {
        let site = n
            .site
            .as_ref()
            .map(|s| {
                let file = s.file.rsplit('/').next().unwrap_or(&s.file);
                format!("\\n{}:{}", dot_esc(file), s.line)
            })
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  n{i} [label=\"{}{site}\\n× {}\"];",
            dot_esc(&n.label()),
            n.count
        );
    }
    for (k, (e, f)) in profile.edges.iter().zip(fates).enumerate() {
        if !keep[k] || e.from >= profile.nodes.len() || e.to >= profile.nodes.len() {
            continue;
        }
        let (class, _, colour) = f.class();
        let width = 1.0 + 4.0 * e.weight as f64 / max as f64;
        let _ = writeln!(
            o,
            "  n{} -> n{} [label=\"{}\", color=\"{colour}\", fontcolor=\"{colour}\", penwidth={width:.1}, class=\"edge-{class}\", id=\"edge{k}\", URL=\"#e{k}\", tooltip=\"{}\"];",
            e.from,
            e.to,
            e.weight,
            dot_esc(&f.detail())
        );
    }
    o.push_str("}\n");
    o
}

/// `dot -Tsvg` of `dot`: the `<svg>` element, or why there is none.
fn render_svg(dot: &str) -> std::result::Result<String, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run Graphviz's dot ({e}): install graphviz (scripts/setup.sh does) for the picture"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(dot.as_bytes())
            .map_err(|e| format!("cannot write to dot: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("dot failed: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.find("<svg") {
        Some(start) if out.status.success() => Ok(text[start..].to_string()),
        _ => Err(format!(
            "dot failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// The source file of the profile whose name ends like `location`'s, as a `file://` link.
fn source_link(profile: &Profile, location: &str) -> Option<String> {
    let (file, line) = file_line(location)?;
    let path = profile
        .nodes
        .iter()
        .filter_map(|n| n.site.as_ref())
        .map(|s| s.file.as_str())
        .find(|f| f.starts_with('/') && f.rsplit('/').next() == Some(file))?;
    Some(format!("file://{path}#L{line}"))
}

fn location_cell(profile: &Profile, location: &str) -> String {
    match source_link(profile, location) {
        Some(href) => format!("<a href=\"{}\">{}</a>", esc(&href), esc(location)),
        None => esc(location),
    }
}

/// The whole page. `svg` is the drawing, or why there is none.
pub fn render(
    profile: &Profile,
    summary: &Summary,
    fates: &[Fate],
    svg: &std::result::Result<String, String>,
) -> String {
    let mut o = String::new();
    let title = format!("syscluster build report: {}", profile.program);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>\nbody {{ font-family: sans-serif; margin: 1.5em; }}\ntable {{ border-collapse: collapse; margin-bottom: 1.5em; }}\ntd, th {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }}\n.sw {{ display: inline-block; width: 1em; height: 0.8em; margin-right: 0.3em; }}\n:target {{ background: #ffef9f; }}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let _ = writeln!(
        o,
        "<p>{} modules compiled with the pass, {} changed; {} clusters ({} looped multi-calls), {} system calls clustered, {} helper calls inlined.</p>",
        summary.modules,
        summary.modules_changed,
        summary.clusters.len(),
        summary.looped,
        summary.calls_clustered,
        summary.inlined
    );
    let total: u64 = summary
        .coverage
        .iter()
        .fold(0u64, |sum, c| sum.saturating_add(c.1));
    if total > 0 {
        let parts: Vec<String> = summary
            .coverage
            .iter()
            .map(|(what, w)| format!("{} {:.0}%", esc(what), 100.0 * *w as f64 / total as f64))
            .collect();
        let _ = writeln!(
            o,
            "<p>Profile: {total} transitions, by where they run: {}.</p>",
            parts.join(", ")
        );
    }
    o.push_str("<h2>Syscall graph</h2>\n<p>");
    for f in [
        Fate::Clustered {
            location: String::new(),
        },
        Fate::Looped {
            location: String::new(),
        },
        Fate::Inlined {
            location: String::new(),
        },
        Fate::Refused {
            reason: String::new(),
            location: String::new(),
            message: String::new(),
        },
        Fate::NoSite {
            message: String::new(),
        },
        Fate::Unreported,
    ] {
        let (_, word, colour) = f.class();
        let _ = write!(
            o,
            "<span class=\"sw\" style=\"background:{colour}\"></span>{word} &#160; "
        );
    }
    o.push_str("</p>\n");
    let left_out = drawn(profile, fates).iter().filter(|k| !**k).count();
    if left_out > 0 {
        let _ = writeln!(
            o,
            "<p>{left_out} edges are left out of the picture: the lighter ones that no remark names, and beyond {DRAWN_MAX} the lighter ones of the lesser fates (the edge table lists them all).</p>"
        );
    }
    match svg {
        Ok(svg) => {
            o.push_str("<div class=\"graph\">\n");
            o.push_str(svg);
            o.push_str("\n</div>\n");
        }
        Err(why) => {
            let _ = writeln!(o, "<p class=\"nograph\">No picture: {}</p>", esc(why));
        }
    }

    o.push_str("<h2>Edges</h2>\n<table>\n<tr><th>edge</th><th>weight</th><th>what became of it</th></tr>\n");
    let mut order: Vec<usize> = (0..profile.edges.len()).collect();
    order.sort_by(|&a, &b| profile.edges[b].weight.cmp(&profile.edges[a].weight));
    for k in order {
        let e = &profile.edges[k];
        let (Some(u), Some(v)) = (profile.nodes.get(e.from), profile.nodes.get(e.to)) else {
            continue;
        };
        let f = &fates[k];
        let (class, word, colour) = f.class();
        let _ = writeln!(
            o,
            "<tr id=\"e{k}\" class=\"edge-{class}\"><td>{} -&gt; {}</td><td>{}</td><td><span class=\"sw\" style=\"background:{colour}\"></span>{word}: {}</td></tr>",
            esc(&u.label()),
            esc(&v.label()),
            e.weight,
            esc(&f.detail())
        );
    }
    o.push_str("</table>\n");

    o.push_str("<h2>Clusters</h2>\n<table>\n<tr><th>location</th><th>multi-call</th></tr>\n");
    for c in &summary.clusters {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td></tr>",
            location_cell(profile, &c.location),
            esc(&c.message)
        );
    }
    o.push_str("</table>\n");

    o.push_str("<h2>Refusals</h2>\n");
    let mut n = 0usize;
    for (reason, list) in &summary.refused {
        let weight: u64 = list
            .iter()
            .fold(0u64, |sum, r| sum.saturating_add(r.weight));
        let _ = writeln!(
            o,
            "<h3>{}: {} hot edges, total weight {weight}</h3>\n<table>\n<tr><th>location</th><th>weight</th><th>remark</th></tr>",
            esc(reason),
            list.len()
        );
        for r in list {
            n += 1;
            let _ = writeln!(
                o,
                "<tr id=\"refusal{n}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                location_cell(profile, &r.location),
                r.weight,
                esc(&r.message)
            );
        }
        o.push_str("</table>\n");
    }
    if !summary.notes.is_empty() {
        o.push_str("<h2>Transformations not applied</h2>\n<table>\n<tr><th>remark</th><th>location</th><th>message</th></tr>\n");
        for (name, list) in &summary.notes {
            for r in list {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(name),
                    location_cell(profile, &r.location),
                    esc(&r.message)
                );
            }
        }
        o.push_str("</table>\n");
    }
    if !summary.unmatched.is_empty() {
        o.push_str("<h2>Hot edges with no call site in any module</h2>\n<table>\n<tr><th>edge</th><th>weight</th><th>modules that said so</th></tr>\n");
        for (edge, w, modules) in &summary.unmatched {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{w}</td><td>{modules}</td></tr>",
                esc(edge)
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// Writes `LOG/report.html` for the build whose summary is `summary`. Without Graphviz it
/// says so once on standard error and writes the page without the picture.
pub fn write(log: &Path, profile: &Profile, summary: &Summary) -> Result<()> {
    let fates = edge_fates(profile, &summary.remarks);
    let dot = to_dot(profile, &fates);
    let dot_path = log.join("report.dot");
    fs::write(&dot_path, &dot).with_context(|| format!("cannot write {}", dot_path.display()))?;
    let svg = render_svg(&dot);
    if let Err(why) = &svg {
        eprintln!("syscluster build: report.html has no graph: {why}");
    }
    let path = log.join("report.html");
    fs::write(&path, render(profile, summary, &fates, &svg))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &fates {
        *counts.entry(f.class().1).or_default() += 1;
    }
    eprintln!(
        "syscluster build: report in {} ({})",
        path.display(),
        counts
            .iter()
            .map(|(w, n)| format!("{n} {w}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use syscluster_profile::format::{Edge, Site};

    fn node(syscall: &str, nr: u32, line: u32) -> Node {
        let mut n = Node::new(syscall, nr);
        n.site = Some(Site {
            function: "main".into(),
            file: "/src/copy.c".into(),
            line,
            column: 14,
            inlined_at: Vec::new(),
            object: None,
        });
        n
    }

    fn remark(kind: &str, name: &str, location: &str, message: &str) -> Remark {
        Remark {
            kind: kind.into(),
            name: name.into(),
            location: location.into(),
            function: "main".into(),
            message: message.into(),
        }
    }

    /// copy.c: openat(loader) -> read(loader); creat -> read -> write -> read (a loop),
    /// read -> close -> close, close -> exit_group.
    fn copy_profile() -> Profile {
        let mut p = Profile::new("copy");
        let mut loader_open = Node::new("openat", 257);
        loader_open.caller = None;
        let loader_read = Node::new("read", 0);
        p.nodes = vec![
            loader_open,
            loader_read,
            node("creat", 85, 30),
            node("read", 0, 35),
            node("write", 1, 36),
            node("close", 3, 45),
            node("close", 3, 46),
            Node::new("exit_group", 231),
        ];
        let e = |from, to, weight| Edge { from, to, weight };
        p.edges = vec![
            e(0, 1, 1),
            e(2, 3, 1),
            e(3, 4, 512),
            e(4, 3, 511),
            e(3, 5, 1),
            e(5, 6, 1),
            e(6, 7, 1),
        ];
        p
    }

    fn copy_remarks() -> Vec<Remark> {
        vec![
            remark("Passed", "Clustered", "copy.c:35:14", "clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)"),
            remark("Passed", "Clustered", "copy.c:45:2", "clustered 2 system calls into one multi-call: close -> close (stop: never, never; 0 result references)"),
            remark("Missed", "Linearity", "copy.c:31:6", "not clustered: creat -> read (weight 1) breaks linearity: block %23 is entered from 2 places"),
            remark("Analysis", "UnmatchedEdge", "", "hot edge close() -> exit_group() (weight 1) matches no call site here: no site for exit_group()"),
            remark("Missed", "UnmatchedEdges", "", "1 hot edges (total weight 1) match no call site in this module, heaviest close() -> exit_group() (1): ..."),
        ]
    }

    #[test]
    fn fates_follow_the_remarks() {
        let p = copy_profile();
        let f = edge_fates(&p, &copy_remarks());
        assert_eq!(
            f[0],
            Fate::Unreported,
            "the loader's openat -> read is not creat -> read"
        );
        assert!(matches!(&f[1], Fate::Refused { reason, .. } if reason == "Linearity"));
        let looped = Fate::Looped {
            location: "copy.c:35:14".into(),
        };
        assert_eq!(f[2], looped);
        assert_eq!(f[3], looped, "the loop's back edge write -> read");
        assert_eq!(f[4], Fate::Unreported);
        assert_eq!(
            f[5],
            Fate::Clustered {
                location: "copy.c:45:2".into()
            }
        );
        assert!(matches!(f[6], Fate::NoSite { .. }));
    }

    #[test]
    fn an_edge_the_module_found_no_site_for_is_not_its_clusters() {
        // The loop's last read, then fprintf's write(2) after the loop: read -> write by name.
        let mut p = copy_profile();
        p.nodes.push(node("write", 2, 50));
        p.edges.push(Edge {
            from: 3,
            to: 8,
            weight: 1,
        });
        let mut r = copy_remarks();
        r.push(remark(
            "Analysis",
            "UnmatchedEdge",
            "copy.c:20:1",
            "hot edge read() -> write() (weight 1) matches no call site here: no site for write(); the profile records it at 'fprintf' at copy.c:50:2",
        ));
        let f = edge_fates(&p, &r);
        assert!(matches!(f[7], Fate::NoSite { .. }), "{:?}", f[7]);
        assert!(matches!(f[2], Fate::Looped { .. }));
        // Another module's word does not count: its file is not the cluster's.
        if let Some(u) = r.last_mut() {
            u.location = "other.c:3:1".into();
        }
        let f = edge_fates(&p, &r);
        assert!(matches!(f[7], Fate::Looped { .. }), "{:?}", f[7]);
    }

    #[test]
    fn an_edge_many_modules_found_no_site_for_keeps_the_first_word() {
        // Every module of a build says so of an edge no module has a site for: the fate
        // keeps the first message, whatever the order of the modules' files.
        let p = copy_profile();
        let mut r = copy_remarks();
        let said = |file: &str, n: usize| {
            remark(
                "Analysis",
                "UnmatchedEdge",
                &format!("{file}:1:1"),
                &format!("hot edge close() -> exit_group() (weight 1) matches no call site here: no site for exit_group() (module {n})"),
            )
        };
        r.retain(|x| x.name != "UnmatchedEdge");
        r.extend((0..500).map(|n| said(&format!("z{n}.c"), n)));
        r.push(said("a.c", 500));
        let f = edge_fates(&p, &r);
        assert!(
            matches!(&f[6], Fate::NoSite { message } if message.ends_with("(module 0)")),
            "{:?}",
            f[6]
        );
    }

    #[test]
    fn a_chain_starts_on_its_remarks_line() {
        let p = copy_profile();
        // A straight read -> write at another line of the file is not this loop.
        let r = vec![remark(
            "Passed",
            "Clustered",
            "copy.c:90:3",
            "clustered 2 system calls into one multi-call: read -> write (stop: never, never; 0 result references)",
        )];
        let f = edge_fates(&p, &r);
        assert_eq!(f[2], Fate::Unreported);
        assert_eq!(f[3], Fate::Unreported);
    }

    #[test]
    fn clustering_outranks_refusal_and_inlining_is_by_label() {
        let mut p = copy_profile();
        p.edges[1].weight = 512;
        let mut r = copy_remarks();
        r.push(remark(
            "Passed",
            "Inlined",
            "copy.c:40:3",
            "inlined 'my_write' (12 instructions) into 'main' so that the hot edge creat() -> read() (weight 512) runs in one function",
        ));
        r.push(remark(
            "Missed",
            "Dominance",
            "copy.c:35:14",
            "not clustered: read -> write (weight 512) breaks dominance: x",
        ));
        let f = edge_fates(&p, &r);
        assert!(matches!(f[1], Fate::Inlined { .. }));
        assert!(matches!(f[2], Fate::Looped { .. }));
    }

    #[test]
    fn the_picture_keeps_at_most_drawn_max_edges_the_best_fates_first() {
        let many = Profile {
            edges: (0..DRAWN_MAX + 10)
                .map(|k| Edge {
                    from: 0,
                    to: 1,
                    weight: 1 + k as u64,
                })
                .collect(),
            ..copy_profile()
        };
        let refused = Fate::Refused {
            reason: "Linearity".into(),
            location: "copy.c:31:6".into(),
            message: String::new(),
        };
        let mut fates = vec![refused; many.edges.len()];
        fates[0] = Fate::Clustered {
            location: "copy.c:35:14".into(),
        };
        let keep = drawn(&many, &fates);
        assert_eq!(keep.iter().filter(|k| **k).count(), DRAWN_MAX);
        assert!(
            keep[0],
            "a clustered edge is drawn before heavier refused ones"
        );
        assert!(!keep[1] && keep[many.edges.len() - 1], "then the heaviest");
    }

    #[test]
    fn the_page_colours_edges_and_links_refusals() {
        let p = copy_profile();
        let f = edge_fates(&p, &copy_remarks());
        let mut s = Summary::default();
        s.refused.insert(
            "Linearity".into(),
            vec![crate::build::Refused {
                location: "copy.c:31:6".into(),
                weight: 1,
                message: "not clustered: creat -> read <x>".into(),
            }],
        );
        let many = Profile {
            edges: (0..UNREPORTED_DRAWN + 5)
                .map(|k| Edge {
                    from: 0,
                    to: 1,
                    weight: k as u64,
                })
                .collect(),
            ..copy_profile()
        };
        let unreported = vec![Fate::Unreported; many.edges.len()];
        let keep = drawn(&many, &unreported);
        assert_eq!(keep.iter().filter(|k| **k).count(), UNREPORTED_DRAWN);
        assert!(
            !keep[0] && keep[UNREPORTED_DRAWN + 4],
            "the heaviest are drawn"
        );
        let dot = to_dot(&p, &f);
        assert!(dot.contains("n3 -> n4 [label=\"512\", color=\"#2166ac\""));
        assert!(dot.contains("class=\"edge-refused\""));
        s.coverage = vec![
            ("the program's own code".into(), 3),
            ("libc.so.6".into(), 1),
        ];
        let page = render(&p, &s, &f, &Err("no dot here".into()));
        assert!(page.contains(
            "4 transitions, by where they run: the program&#39;s own code 75%, libc.so.6 25%"
        ));
        assert!(page.contains("<tr id=\"e2\" class=\"edge-looped\"><td>read() -&gt; write()"));
        assert!(page.contains("No picture: no dot here"));
        assert!(page.contains("<a href=\"file:///src/copy.c#L31\">copy.c:31:6</a>"));
        assert!(
            page.contains("creat -&gt; read &lt;x&gt;"),
            "messages are escaped"
        );
    }
}
