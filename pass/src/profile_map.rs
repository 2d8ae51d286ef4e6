//! Mapping profile nodes to IR sites.
//!
//! A node with a source site (`function`, `file`, `line:column`, inlined-at chain) matches the
//! IR sites whose debug location has the same frames: innermost function and line:column, the
//! file compared by path suffix (or, when that matches nothing, by file name alone: a profile
//! recorded on a build in another directory), and each inlined-at frame in turn. A node without a site, or
//! whose site matches nothing (IR without debug info), falls back to the paper's mapping: every
//! site of the same system call within the function the node names (its site's outermost
//! function, or the function in the trace's caller frame `main+0x26`), or within the whole
//! module when it names none and the profile has no sites at all. (In a profile with sites, a
//! node without site or caller comes from code without debug information, such as the dynamic
//! loader, and matches nothing.)

use syscluster_profile::format::{Frame, Node, Profile};

use crate::ffi::{DebugFrame, Shim};
use crate::sites::Site;

/// How a node was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    DebugLocation,
    /// The debug location with the file compared by its name alone: the profile was recorded
    /// on a build in another directory (another checkout, machine or build root).
    DebugLocationFileName,
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

fn same_function(ir: &DebugFrame, name: &str) -> bool {
    ir.function == name || (!ir.linkage.is_empty() && ir.linkage == name)
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

fn site_matches(
    frames: &[DebugFrame],
    site: &syscluster_profile::format::Site,
    how: FileMatch,
) -> bool {
    let Some(inner) = frames.first() else {
        return false;
    };
    if !frame_matches(inner, how, (&site.function, &site.file, site.line, site.column)) {
        return false;
    }
    if frames.len() != site.inlined_at.len() + 1 {
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

pub(crate) fn map(shim: &Shim, profile: &Profile, sites: &[Site]) -> Mapping {
    let frames: Vec<Vec<DebugFrame>> = sites.iter().map(|s| shim.debug_frames(s.call)).collect();
    let mut node_sites = Vec::with_capacity(profile.nodes.len());
    let mut how = Vec::with_capacity(profile.nodes.len());
    let has_sites = profile.nodes.iter().any(|n| n.site.is_some());
    for node in &profile.nodes {
        let by_name = |s: &Site| s.answers_to(&node.syscall);
        if let Some(site) = &node.site {
            // By path first; by file name when the profile comes from a build in another
            // directory, so that no path of the recording machine has to exist here.
            let levels = [
                (FileMatch::Path, MatchKind::DebugLocation),
                (FileMatch::FileName, MatchKind::DebugLocationFileName),
            ];
            let found = levels.iter().find_map(|&(level, kind)| {
                let hits: Vec<usize> = (0..sites.len())
                    .filter(|&k| by_name(&sites[k]) && site_matches(&frames[k], site, level))
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
        // In a profile with call sites, a node with neither site nor caller frame ran outside
        // code with debug information (the dynamic loader, libc itself): it is none of ours.
        if func.is_none() && has_sites {
            how.push(MatchKind::Unmatched);
            node_sites.push(Vec::new());
            continue;
        }
        let hits: Vec<usize> = (0..sites.len())
            .filter(|&k| by_name(&sites[k]))
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
