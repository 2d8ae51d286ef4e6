//! The pass's top-level modules import one another without a circle (docs/pass.md, "Phases and
//! the types between them"): a phase may use the phases and types before it, never one after
//! it. Read from the sources: every `crate::<module>` path outside comments in `src/<module>.rs`
//! or `src/<module>/**.rs` is an edge from that module to the one it names.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The source of `text` with line comments (doc comments included) removed.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `code` names through `crate::<name>` paths.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

fn add_file(graph: &mut Graph, module: &str, path: &Path) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = named_modules(&code_only(&text));
    let edges = graph.entry(module.to_string()).or_default();
    edges.extend(names.into_iter().filter(|n| n != module));
}

fn add_dir(graph: &mut Graph, module: &str, dir: &Path) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            add_dir(graph, module, &path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            add_file(graph, module, &path);
        }
    }
}

fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    for entry in fs::read_dir(&src).expect("pass/src") {
        let path = entry.expect("a directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if stem == "lib" {
            continue;
        }
        if path.is_dir() {
            add_dir(&mut graph, stem, &path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            add_file(&mut graph, stem, &path);
        }
    }
    // Only edges between the crate's own modules (not `crate::SomeReexport`).
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|m| modules.contains(m));
    }
    graph
}

/// A path of modules from `from` back to itself, if there is one.
fn circle_through(graph: &Graph, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a non-empty path");
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut circle = path.clone();
                circle.push(next.clone());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_modules_import_one_another_without_a_circle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "too few modules found: {graph:?}");
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|m| circle_through(&graph, m))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "modules in a circle:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_check_sees_a_circle() {
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("a".into());
    assert_eq!(
        circle_through(&graph, "a"),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    assert_eq!(
        named_modules(&code_only(
            "use crate::ir; // crate::plan\n/// crate::lower"
        )),
        BTreeSet::from(["ir".to_string()])
    );
}
