//! The profile file: a program's syscall graph as versioned JSON (documented in
//! `docs/profile-format.md`).
//!
//! A profile holds the nodes of the graph (a system call, the arguments that identify it, and where
//! known the call site in the program's source), and its edges (how often one node immediately
//! followed another in the same thread). Profiles of several runs merge by adding counts and weights
//! of equal nodes, so the file is stable: nodes are identified by content, never by position.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The version of the file format this crate reads and writes.
pub const VERSION: u32 = 1;

/// How many most frequent values a node keeps per argument in the file.
pub const VALUES_KEPT: usize = 4;

/// Errors of reading, writing and merging profiles. Each message says its cause itself (the
/// pass prints only the message), so none has a `source()`: a printer of error chains says the
/// cause once.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot write profile {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{origin} is not a valid profile: {error} (is it a JSON file written by `syscluster record`?)")]
    Json {
        origin: String,
        error: serde_json::Error,
    },
    #[error("{origin} has profile version {found}, this syscluster reads version {supported}: record it again with this syscluster")]
    UnsupportedVersion {
        origin: String,
        found: u32,
        supported: u32,
    },
    #[error("{origin}: edge {index} joins nodes {from} -> {to}, but there are only {nodes} nodes")]
    BadEdge {
        origin: String,
        index: usize,
        from: usize,
        to: usize,
        nodes: usize,
    },
    #[error("cannot merge profiles of different programs ({ours} and {theirs})")]
    ProgramMismatch { ours: String, theirs: String },
}

/// A program's syscall graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub version: u32,
    /// The program that ran (as given on the command line, or as the trace's first execve names it).
    pub program: String,
    /// How many runs were added into this profile.
    #[serde(default = "one")]
    pub runs: u64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn one() -> u64 {
    1
}

/// A node: one system call made with the same identifying arguments from the same call site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The kernel's name of the call (`"openat"`, not libc's `"open"`).
    pub syscall: String,
    /// Its x86-64 number.
    pub nr: u32,
    /// How many times it ran.
    pub count: u64,
    /// The call site in user code (the frame just above the C library), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    /// The raw caller frame as the trace names it (`"copy(main+0x26)"`), when no site is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// The argument values that identify the node (the paper's `read(3, ...)`): file descriptors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<ArgValue>,
    /// Value profile: the most frequent values of each scalar argument, most frequent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueProfile>,
    /// The most frequent results (raw kernel convention: `-2` is `-ENOENT`), most frequent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<ValueCount>,
    /// How many of the calls failed (returned an error).
    #[serde(default)]
    pub errors: u64,
}

/// One identifying argument of a node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArgValue {
    /// Argument position, from 0.
    pub index: u32,
    /// The value as the trace prints it (`"3"`, `"-100"`).
    pub value: String,
}

/// The most frequent values of one argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueProfile {
    /// Argument position, from 0.
    pub index: u32,
    /// Values with how often each was seen, most frequent first.
    pub top: Vec<ValueCount>,
}

/// A value and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// A source location of a call, as `llvm-symbolizer --inlining` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Site {
    /// The function that contains the call (after inlining: the innermost, inlined one).
    pub function: String,
    /// The source file as the symbolizer prints it (usually absolute); compare by suffix.
    pub file: String,
    /// Line and column of the call instruction's debug location (what IR `!dbg` carries).
    pub line: u32,
    pub column: u32,
    /// Outer frames when the call was inlined, innermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined_at: Vec<Frame>,
    /// The binary or shared object that holds the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

/// One frame of an inlined-at chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Frame {
    pub function: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// A transition: `to` ran right after `from` in the same thread, `weight` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub weight: u64,
}

/// What makes two nodes the same node (for merging): everything but the counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeKey {
    pub syscall: String,
    pub args: Vec<ArgValue>,
    pub site: Option<(String, String, u32, u32, Vec<Frame>)>,
    pub caller: Option<String>,
}

impl Node {
    /// A node with no calls yet.
    pub fn new(syscall: &str, nr: u32) -> Node {
        Node {
            syscall: syscall.to_string(),
            nr,
            count: 0,
            site: None,
            caller: None,
            args: Vec::new(),
            values: Vec::new(),
            results: Vec::new(),
            errors: 0,
        }
    }

    /// The identity of the node. Sites compare by function, file, line, column and inlining chain;
    /// the object path is left out so that runs of copies of one binary merge.
    pub fn key(&self) -> NodeKey {
        NodeKey {
            syscall: self.syscall.clone(),
            args: self.args.clone(),
            site: self.site.as_ref().map(|s| {
                (
                    s.function.clone(),
                    s.file.clone(),
                    s.line,
                    s.column,
                    s.inlined_at.clone(),
                )
            }),
            caller: if self.site.is_some() {
                None
            } else {
                self.caller.clone()
            },
        }
    }

    /// `read(3)`, the paper's way of naming a node.
    pub fn label(&self) -> String {
        let mut s = format!("{}(", self.syscall);
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&a.value);
        }
        s.push(')');
        s
    }

    /// `copy.c:27:9 in main`, or the raw caller, or `-` when nothing is known.
    pub fn site_label(&self) -> String {
        match (&self.site, &self.caller) {
            (Some(site), _) => site.to_string(),
            (None, Some(caller)) => caller.clone(),
            (None, None) => "-".to_string(),
        }
    }

    /// The values seen for argument `index`, most frequent first.
    pub fn values_of(&self, index: u32) -> &[ValueCount] {
        self.values
            .iter()
            .find(|v| v.index == index)
            .map(|v| &v.top[..])
            .unwrap_or(&[])
    }

    /// Adds the counts of `other` (a node with the same key) into this one.
    pub fn absorb(&mut self, other: &Node) {
        // Saturating: hand-made profiles may hold counts near 2^64 (a sum past it stays the
        // largest count rather than wrapping round to a light one).
        self.count = self.count.saturating_add(other.count);
        self.errors = self.errors.saturating_add(other.errors);
        for theirs in &other.values {
            match self.values.iter_mut().find(|v| v.index == theirs.index) {
                Some(ours) => ours.top = merge_counts(&ours.top, &theirs.top),
                None => self.values.push(theirs.clone()),
            }
        }
        self.values.sort_by_key(|v| v.index);
        self.results = merge_counts(&self.results, &other.results);
        if self.site.is_none() && other.site.is_some() {
            self.site = other.site.clone();
        }
    }
}

/// Adds two value lists and keeps the `VALUES_KEPT` most frequent (ties broken by value).
fn merge_counts(a: &[ValueCount], b: &[ValueCount]) -> Vec<ValueCount> {
    let mut all: Vec<ValueCount> = a.to_vec();
    for v in b {
        match all.iter_mut().find(|x| x.value == v.value) {
            Some(x) => x.count = x.count.saturating_add(v.count),
            None => all.push(v.clone()),
        }
    }
    sort_counts(&mut all);
    all.truncate(VALUES_KEPT);
    all
}

/// Most frequent first, ties in value order so files do not depend on hash order.
pub fn sort_counts(v: &mut [ValueCount]) {
    v.sort_by(|x, y| y.count.cmp(&x.count).then_with(|| x.value.cmp(&y.value)));
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = Path::new(&self.file)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(&self.file);
        write!(
            f,
            "{}:{}:{} in {}",
            file, self.line, self.column, self.function
        )?;
        for outer in &self.inlined_at {
            let file = Path::new(&outer.file)
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or(&outer.file);
            write!(
                f,
                " (inlined into {} at {}:{}:{})",
                outer.function, file, outer.line, outer.column
            )?;
        }
        Ok(())
    }
}

impl Profile {
    /// An empty profile of `program`.
    pub fn new(program: &str) -> Profile {
        Profile {
            version: VERSION,
            program: program.to_string(),
            runs: 1,
            nodes: Vec::new(),
            edges: Vec::new(),
        }
    }

    /// Reads and checks a profile file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|error| ProfileError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Profile::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a profile; `origin` names the source in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let json = |error| ProfileError::Json {
            origin: origin.to_string(),
            error,
        };
        let unsupported = |found| ProfileError::UnsupportedVersion {
            origin: origin.to_string(),
            found,
            supported: VERSION,
        };
        // Parsed once (the pass reads the profile in every compile); only a text that is not a
        // profile of this format is read again, for its version alone, so that a future format
        // gets a version message, not a field error.
        match serde_json::from_str::<Profile>(text) {
            Ok(p) if p.version == VERSION => {
                p.check(origin)?;
                Ok(p)
            }
            Ok(p) => Err(unsupported(p.version)),
            Err(error) => {
                #[derive(Deserialize)]
                struct Versioned {
                    version: Option<u32>,
                }
                match serde_json::from_str::<Versioned>(text) {
                    Ok(Versioned {
                        version: Some(found),
                    }) if found != VERSION => Err(unsupported(found)),
                    Ok(Versioned { version: None }) => {
                        Err(json(serde::de::Error::missing_field("version")))
                    }
                    _ => Err(json(error)),
                }
            }
        }
    }

    /// Parses a profile from JSON text.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Profile, ProfileError> {
        Profile::parse(text, "profile")
    }

    fn check(&self, origin: &str) -> Result<(), ProfileError> {
        let n = self.nodes.len();
        for (index, e) in self.edges.iter().enumerate() {
            if e.from >= n || e.to >= n {
                return Err(ProfileError::BadEdge {
                    origin: origin.to_string(),
                    index,
                    from: e.from,
                    to: e.to,
                    nodes: n,
                });
            }
        }
        Ok(())
    }

    /// The profile as pretty JSON text.
    pub fn to_json(&self) -> String {
        // Serializing plain structs with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Writes the profile (through a temporary file, so a reader never sees half a profile).
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let err = |error| ProfileError::Write {
            path: path.to_path_buf(),
            error,
        };
        let tmp = match path.file_name() {
            Some(name) => path.with_file_name(format!(".{}.tmp", name.to_string_lossy())),
            None => {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a file name",
                )))
            }
        };
        std::fs::write(&tmp, self.to_json()).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
    }

    /// Adds the runs of `other` into this profile: nodes with the same key add their counts and
    /// value profiles, edges between them add their weights. Both must be profiles of the same
    /// program (compared by file name).
    pub fn merge(&mut self, other: &Profile) -> Result<(), ProfileError> {
        let base = |p: &str| Path::new(p).file_name().map(|s| s.to_os_string());
        if base(&self.program) != base(&other.program) {
            return Err(ProfileError::ProgramMismatch {
                ours: self.program.clone(),
                theirs: other.program.clone(),
            });
        }
        self.merge_unchecked(other);
        Ok(())
    }

    /// `merge` without the program check.
    pub fn merge_unchecked(&mut self, other: &Profile) {
        let mut index: HashMap<NodeKey, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key(), i))
            .collect();
        let mut map = Vec::with_capacity(other.nodes.len());
        for node in &other.nodes {
            let key = node.key();
            let i = match index.get(&key) {
                Some(&i) => {
                    self.nodes[i].absorb(node);
                    i
                }
                None => {
                    self.nodes.push(node.clone());
                    index.insert(key, self.nodes.len() - 1);
                    self.nodes.len() - 1
                }
            };
            map.push(i);
        }
        let remapped: Vec<Edge> = other
            .edges
            .iter()
            .filter(|e| e.from < map.len() && e.to < map.len())
            .map(|e| Edge {
                from: map[e.from],
                to: map[e.to],
                weight: e.weight,
            })
            .collect();
        self.edges.extend(remapped);
        self.runs = self.runs.saturating_add(other.runs);
        self.normalize();
    }

    /// Merges nodes with equal keys and edges with equal ends, and sorts edges; nodes keep the order
    /// of their first appearance.
    pub fn normalize(&mut self) {
        let mut index: HashMap<NodeKey, usize> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::with_capacity(self.nodes.len());
        let mut map = Vec::with_capacity(self.nodes.len());
        for node in self.nodes.drain(..) {
            let key = node.key();
            match index.get(&key) {
                Some(&i) => {
                    nodes[i].absorb(&node);
                    map.push(i);
                }
                None => {
                    index.insert(key, nodes.len());
                    map.push(nodes.len());
                    nodes.push(node);
                }
            }
        }
        self.nodes = nodes;
        let mut weights: HashMap<(usize, usize), u64> = HashMap::new();
        for e in &self.edges {
            if let (Some(&from), Some(&to)) = (map.get(e.from), map.get(e.to)) {
                let w = weights.entry((from, to)).or_default();
                *w = w.saturating_add(e.weight);
            }
        }
        self.edges = weights
            .into_iter()
            .map(|((from, to), weight)| Edge { from, to, weight })
            .collect();
        self.edges.sort();
    }

    /// The sum of all edge weights: the number of transitions.
    pub fn transitions(&self) -> u64 {
        self.edges
            .iter()
            .fold(0u64, |sum, e| sum.saturating_add(e.weight))
    }

    /// The sum of all node counts: the number of system calls.
    pub fn calls(&self) -> u64 {
        self.nodes
            .iter()
            .fold(0u64, |sum, n| sum.saturating_add(n.count))
    }

    /// Edges, heaviest first (ties in index order).
    pub fn hottest_edges(&self) -> Vec<Edge> {
        let mut edges = self.edges.clone();
        edges.sort_by(|a, b| {
            b.weight
                .cmp(&a.weight)
                .then_with(|| (a.from, a.to).cmp(&(b.from, b.to)))
        });
        edges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, fd: &str, line: u32) -> Node {
        let mut n = Node::new(
            name,
            crate::catalogue::by_name(name).map(|s| s.nr).unwrap_or(0),
        );
        n.count = 1;
        n.args = vec![ArgValue {
            index: 0,
            value: fd.into(),
        }];
        n.site = Some(Site {
            function: "main".into(),
            file: "/src/copy.c".into(),
            line,
            column: 9,
            inlined_at: vec![],
            object: None,
        });
        n
    }

    fn sample() -> Profile {
        let mut p = Profile::new("./copy");
        p.nodes = vec![node("read", "3", 36), node("write", "4", 37)];
        p.nodes[0].count = 3;
        p.nodes[1].count = 2;
        p.nodes[0].values = vec![ValueProfile {
            index: 2,
            top: vec![ValueCount {
                value: "4096".into(),
                count: 3,
            }],
        }];
        p.edges = vec![
            Edge {
                from: 0,
                to: 1,
                weight: 2,
            },
            Edge {
                from: 1,
                to: 0,
                weight: 2,
            },
        ];
        p
    }

    #[test]
    fn round_trip() {
        let p = sample();
        let q = Profile::from_str(&p.to_json()).unwrap();
        assert_eq!(p, q);
        let json: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["nodes"][0]["syscall"], "read");
        assert_eq!(json["nodes"][0]["nr"], 0);
        assert_eq!(json["nodes"][0]["site"]["line"], 36);
        assert_eq!(json["nodes"][0]["site"]["column"], 9);
        assert_eq!(json["edges"][0]["weight"], 2);
    }

    #[test]
    fn merge_saturates_instead_of_wrapping() {
        let mut a = sample();
        let mut b = sample();
        for e in &mut b.edges {
            e.weight = u64::MAX;
        }
        for n in &mut b.nodes {
            n.count = u64::MAX;
        }
        a.merge(&b).unwrap();
        assert!(a.edges.iter().all(|e| e.weight == u64::MAX));
        assert!(a.nodes.iter().all(|n| n.count == u64::MAX));
        assert_eq!(a.transitions(), u64::MAX);
        assert_eq!(a.calls(), u64::MAX);
    }

    #[test]
    fn merge_adds_weights_and_new_nodes() {
        let mut a = sample();
        let mut b = sample();
        b.nodes.swap(0, 1);
        b.edges = vec![Edge {
            from: 1,
            to: 0,
            weight: 5,
        }];
        b.nodes.push(node("close", "3", 44));
        b.edges.push(Edge {
            from: 1,
            to: 2,
            weight: 1,
        });
        a.merge(&b).unwrap();
        assert_eq!(a.runs, 2);
        assert_eq!(a.nodes.len(), 3);
        assert_eq!(a.nodes[0].count, 6);
        assert_eq!(a.nodes[0].values_of(2)[0].count, 6);
        assert_eq!(
            a.edges,
            vec![
                Edge {
                    from: 0,
                    to: 1,
                    weight: 7
                },
                Edge {
                    from: 0,
                    to: 2,
                    weight: 1
                },
                Edge {
                    from: 1,
                    to: 0,
                    weight: 2
                },
            ]
        );
    }

    #[test]
    fn merge_refuses_other_programs() {
        let mut a = sample();
        let mut b = sample();
        b.program = "/bin/cat".into();
        assert!(matches!(
            a.merge(&b),
            Err(ProfileError::ProgramMismatch { .. })
        ));
    }

    #[test]
    fn bad_files_are_explained() {
        let e = Profile::from_str("{\"version\": 7, \"program\": \"x\"}").unwrap_err();
        assert!(e.to_string().contains("version 7"), "{e}");
        let e = Profile::from_str("{\"version\": 1, \"program\": \"x\", \"nodes\": [").unwrap_err();
        assert!(matches!(e, ProfileError::Json { .. }), "{e}");
        let e = Profile::from_str("[1, 2]").unwrap_err();
        assert!(matches!(e, ProfileError::Json { .. }), "{e}");
        let mut p = sample();
        p.edges.push(Edge {
            from: 0,
            to: 9,
            weight: 1,
        });
        let e = Profile::from_str(&p.to_json()).unwrap_err();
        assert!(matches!(e, ProfileError::BadEdge { to: 9, .. }), "{e}");
    }

    /// The message and its chain of causes, as `anyhow`'s `{:#}` prints them.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        text
    }

    #[test]
    fn each_cause_is_said_once() {
        let e = Profile::load(Path::new("/no/such/profile.json")).unwrap_err();
        let text = chain(&e);
        assert_eq!(
            text.matches("No such file or directory").count(),
            1,
            "{text}"
        );
        assert!(
            text.starts_with("cannot read profile /no/such/profile.json: "),
            "{text}"
        );
        let e = Profile::from_str("[1, 2]").unwrap_err();
        let text = chain(&e);
        let ProfileError::Json { error, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(text.matches(&error.to_string()).count(), 1, "{text}");
        let e = sample().save(Path::new("/no/such/dir/p.json")).unwrap_err();
        let text = chain(&e);
        assert_eq!(
            text.matches("No such file or directory").count(),
            1,
            "{text}"
        );
    }

    #[test]
    fn labels() {
        let p = sample();
        assert_eq!(p.nodes[0].label(), "read(3)");
        assert_eq!(p.nodes[0].site_label(), "copy.c:36:9 in main");
    }
}
