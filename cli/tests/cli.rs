//! End-to-end tests of the `syscluster` command: recording real programs under strace, importing
//! the captured fixtures, show/graph/merge, and bad input of every kind.
//!
//! These need strace, clang-19, llvm-symbolizer-19 and Graphviz (scripts/setup.sh installs them).

use std::os::fd::FromRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use syscluster_profile::format::Profile;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_syscluster"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("syscluster-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("syscluster runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds testsuite/programs/copy.c the way the demo does.
fn build_copy(dir: &Path) -> PathBuf {
    let exe = dir.join("copy");
    let st = Command::new("clang-19")
        .args(["-O2", "-g", "-o"])
        .arg(&exe)
        .arg(repo().join("testsuite/programs/copy.c"))
        .status()
        .expect("clang-19 is installed (scripts/setup.sh)");
    assert!(st.success());
    exe
}

/// A scratch directory with copy.c built in it and `in.dat`: 9 blocks of 4096 bytes and one of
/// 100 (10 reads with data, 1 at end of file), bytes from `step`.
fn copy_with_input(name: &str, step: usize) -> (PathBuf, PathBuf, Vec<u8>) {
    let dir = scratch(name);
    let exe = build_copy(&dir);
    let data: Vec<u8> = (0..9 * 4096 + 100)
        .map(|i| (i * step % 251) as u8)
        .collect();
    std::fs::write(dir.join("in.dat"), &data).unwrap();
    (dir, exe, data)
}

/// Line and column (1-based, a tab is one column) of the first `needle` in copy.c.
fn position_in_copy_c(needle: &str) -> (u32, u32) {
    let text = std::fs::read_to_string(repo().join("testsuite/programs/copy.c")).unwrap();
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.find(needle) {
            return (i as u32 + 1, col as u32 + 1);
        }
    }
    panic!("{needle} not in copy.c");
}

#[test]
fn record_copy_gives_figure_5c_with_source_sites() {
    let (dir, exe, data) = copy_with_input("record-copy", 7);
    let prof = dir.join("copy.prof.json");
    // (cargo test sets LD_LIBRARY_PATH, which makes the loader search many directories: not what a
    // user's run looks like.)
    let out = run(bin()
        .current_dir(&dir)
        .env_remove("LD_LIBRARY_PATH")
        .arg("record")
        .arg("-o")
        .arg(&prof)
        .arg("--")
        .arg(&exe)
        .args(["in.dat", "out.dat"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(dir.join("out.dat")).unwrap(),
        data,
        "the program ran as usual"
    );
    let p = Profile::load(&prof).unwrap();
    assert_eq!(p.program, exe.display().to_string());
    let at = |syscall: &str, needle: &str| -> usize {
        let (line, column) = position_in_copy_c(needle);
        let found: Vec<usize> = (0..p.nodes.len())
            .filter(|&i| {
                let n = &p.nodes[i];
                n.syscall == syscall
                    && n.site.as_ref().is_some_and(|s| {
                        s.file.ends_with("copy.c")
                            && s.line == line
                            && s.column == column
                            && s.function == "main"
                    })
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{syscall} at copy.c:{line}:{column}: {:#?}",
            p.nodes
        );
        found[0]
    };
    let open = at("openat", "open(argv[1]");
    let creat = at("creat", "creat(");
    let read = at("read", "read(inp");
    let write = at("write", "write(out");
    let close_in = at("close", "close(inp)");
    let close_out = at("close", "close(out)");
    let w = |a: usize, b: usize| {
        p.edges
            .iter()
            .find(|e| e.from == a && e.to == b)
            .map(|e| e.weight)
            .unwrap_or(0)
    };
    assert_eq!((p.nodes[open].count, p.nodes[creat].count), (1, 1));
    assert_eq!((p.nodes[read].count, p.nodes[write].count), (11, 10));
    assert_eq!((w(open, creat), w(creat, read)), (1, 1));
    assert_eq!((w(read, write), w(write, read)), (10, 10));
    assert_eq!((w(read, close_in), w(close_in, close_out)), (1, 1));
    assert_eq!(p.nodes[read].label(), "read(3)");
    assert_eq!(p.nodes[write].label(), "write(4)");
    assert!(p.nodes[read]
        .results
        .iter()
        .any(|r| r.value == "0" && r.count == 1));
    // The loader ran before main: its calls have no site in copy.c, and lead into main's open.
    assert_eq!(p.nodes[0].syscall, "execve");
    assert!(p.nodes.iter().filter(|n| n.site.is_none()).count() > 5);
    assert!(p
        .edges
        .iter()
        .any(|e| e.to == open && p.nodes[e.from].site.is_none()));

    // show: the two hottest edges are the loop's, with their sites.
    let out = run(bin().arg("show").arg(&prof).args(["--top", "2"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("read(3) -> write(4)") && text.contains("write(4) -> read(3)"),
        "{text}"
    );
    assert!(text.contains("copy.c:"), "{text}");
    // graph: an SVG through Graphviz, and DOT text.
    let out = run(bin()
        .arg("graph")
        .arg(&prof)
        .arg("-o")
        .arg(dir.join("copy.svg")));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(dir.join("copy.svg"))
        .unwrap()
        .contains("<svg"));
    let out = run(bin()
        .arg("graph")
        .arg(&prof)
        .arg("-o")
        .arg(dir.join("hot.dot"))
        .args(["--min-weight", "10"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let dot = std::fs::read_to_string(dir.join("hot.dot")).unwrap();
    assert_eq!(
        dot.matches(" -> ").count(),
        2,
        "only the loop's edges weigh 10: {dot}"
    );
    assert!(
        dot.contains(&format!("n{read} -> n{write} [label=\"10\"")),
        "{dot}"
    );
    assert!(!dot.contains("execve"), "{dot}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_passes_io_and_exit_status_through() {
    let dir = scratch("record-io");
    let prof = dir.join("sh.json");
    let mut child = bin()
        .arg("record")
        .arg("-o")
        .arg(&prof)
        .args(["--", "sh", "-c", "cat; echo out; echo err >&2; exit 3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\nout\n");
    let err = stderr(&out);
    assert!(err.starts_with("err\n"), "{err}");
    assert!(err.contains("exited with status 3"), "{err}");
    assert!(Profile::load(&prof).unwrap().calls() > 10);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_reports_a_killed_program() {
    let dir = scratch("record-kill");
    let prof = dir.join("k.json");
    let out =
        run(bin()
            .arg("record")
            .arg("-o")
            .arg(&prof)
            .args(["--", "sh", "-c", "kill -TERM $$"]));
    assert_eq!(out.status.code(), Some(128 + 15), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("killed by signal 15"),
        "{}",
        stderr(&out)
    );
    let p = Profile::load(&prof).unwrap();
    assert!(p.nodes.iter().any(|n| n.syscall == "kill"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_refuses_a_missing_program_or_strace() {
    let dir = scratch("record-missing");
    let out = run(bin()
        .current_dir(&dir)
        .args(["record", "--", "./no-such-program"]));
    assert_eq!(out.status.code(), Some(127));
    assert!(stderr(&out).contains("no such program"), "{}", stderr(&out));
    let out = run(bin()
        .current_dir(&dir)
        .args(["record", "--", "no-such-program-on-path"]));
    assert_eq!(out.status.code(), Some(127));
    let out = run(bin()
        .current_dir(&dir)
        .env("SYSCLUSTER_STRACE", "/no/strace")
        .args(["record", "--", "true"]));
    assert_eq!(out.status.code(), Some(125));
    assert!(stderr(&out).contains("install strace"), "{}", stderr(&out));
    assert!(!dir.join("true.prof.json").exists());
    let out =
        run(bin()
            .current_dir(&dir)
            .args(["record", "-o", "no/such/dir/p.json", "--", "true"]));
    assert_eq!(out.status.code(), Some(125));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_show_json_merge() {
    let dir = scratch("import");
    let trace = repo().join("testsuite/traces/dd.txt");
    let a = dir.join("a.json");
    let out = run(bin()
        .arg("import")
        .arg(&trace)
        .arg("-o")
        .arg(&a)
        .arg("--no-symbolize"));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(bin()
        .arg("show")
        .arg(&a)
        .args(["--format", "json", "--top", "10"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["program"], "/usr/bin/dd");
    let top = doc["top"].as_array().unwrap();
    assert_eq!(top.len(), 10);
    let weights: Vec<u64> = top.iter().map(|r| r["weight"].as_u64().unwrap()).collect();
    assert!(
        weights.windows(2).all(|w| w[0] >= w[1]),
        "heaviest first: {weights:?}"
    );
    let rw = top
        .iter()
        .find(|r| r["from_call"] == "read(0)" && r["to_call"] == "write(1)")
        .unwrap_or_else(|| panic!("no read(0) -> write(1) in {top:?}"));
    assert_eq!(rw["weight"], 9);
    let total = doc["transitions"].as_f64().unwrap();
    assert!((rw["share"].as_f64().unwrap() - 9.0 / total).abs() < 1e-9);

    // A reader that is gone before the first line (`show P | head` once head has its lines)
    // ends the output quietly: status 0, nothing on stderr, no panic.
    for format in ["table", "json"] {
        let mut fds = [0; 2];
        // SAFETY: `fds` is an array of two ints, as pipe(2) asks.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors are fresh from pipe(2) and owned by nothing else; the read
        // end is closed at once, the write end moves into the child's stdout.
        let writer = unsafe {
            libc::close(fds[0]);
            std::os::fd::OwnedFd::from_raw_fd(fds[1])
        };
        let out = bin()
            .arg("show")
            .arg(&a)
            .args(["--format", format])
            .stdin(Stdio::null())
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .expect("syscluster runs");
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{format}");
    }

    // merge: the same run twice doubles every weight.
    let ab = dir.join("ab.json");
    let out = run(bin().arg("merge").arg(&a).arg(&a).arg("-o").arg(&ab));
    assert!(out.status.success(), "{}", stderr(&out));
    let (pa, pab) = (Profile::load(&a).unwrap(), Profile::load(&ab).unwrap());
    assert_eq!(pab.runs, 2);
    assert_eq!(pab.transitions(), 2 * pa.transitions());
    assert_eq!(
        pab.hottest_edges()[0].weight,
        2 * pa.hottest_edges()[0].weight
    );

    // merging another program's profile needs --force.
    let c = dir.join("cat.json");
    assert!(run(bin()
        .arg("import")
        .arg(repo().join("testsuite/traces/cat-pipe.txt"))
        .arg("-o")
        .arg(&c)
        .arg("--no-symbolize"))
    .status
    .success());
    let out = run(bin()
        .arg("merge")
        .arg(&a)
        .arg(&c)
        .arg("-o")
        .arg(dir.join("x.json")));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("different programs"),
        "{}",
        stderr(&out)
    );
    assert!(run(bin()
        .arg("merge")
        .arg(&a)
        .arg(&c)
        .arg("-o")
        .arg(dir.join("x.json"))
        .arg("--force"))
    .status
    .success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_from_stdin_with_sites_of_an_existing_binary() {
    // A trace of /usr/bin/true made here: the frames name real objects, so sites get looked up
    // (Debian's binaries have no debug info: the raw caller frame stays).
    let dir = scratch("stdin");
    let trace = dir.join("t.txt");
    let st = Command::new("strace")
        .args(["-f", "-k", "-o"])
        .arg(&trace)
        .arg("true")
        .status()
        .unwrap();
    assert!(st.success());
    let p = dir.join("p.json");
    let out = bin()
        .arg("import")
        .arg("-")
        .arg("-o")
        .arg(&p)
        .stdin(std::fs::File::open(&trace).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let prof = Profile::load(&p).unwrap();
    assert_eq!(prof.nodes[0].syscall, "execve");
    assert!(prof.calls() > 5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_explained() {
    let dir = scratch("bad");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"version\": 1, \"program\": \"x\", \"nodes\": [").unwrap();
    let out = run(bin().arg("show").arg(&broken));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a valid profile"),
        "{}",
        stderr(&out)
    );

    let future = dir.join("future.json");
    std::fs::write(
        &future,
        "{\"version\": 99, \"program\": \"x\", \"nodes\": [], \"edges\": []}",
    )
    .unwrap();
    let out = run(bin()
        .arg("graph")
        .arg(&future)
        .arg("-o")
        .arg(dir.join("f.svg")));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("version 99"), "{}", stderr(&out));

    let out = run(bin().arg("show").arg(dir.join("missing.json")));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read profile"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stderr(&out).matches("No such file or directory").count(),
        1,
        "the cause once: {}",
        stderr(&out)
    );

    // A trace with a truncated line and a line of garbage: reported with file:line, then skipped.
    let trace = dir.join("bad.txt");
    std::fs::write(
        &trace,
        "1 read(3, \"abc\", 3) = 3\n1 write(1, \"ab\n1 this is not strace\n1 close(3) = 0\n",
    )
    .unwrap();
    let p = dir.join("p.json");
    let out = run(bin()
        .arg("import")
        .arg(&trace)
        .arg("-o")
        .arg(&p)
        .arg("--no-symbolize"));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("bad.txt:2:") && err.contains("bad.txt:3:"),
        "{err}"
    );
    assert_eq!(Profile::load(&p).unwrap().calls(), 2);
    let out = run(bin()
        .arg("import")
        .arg(&trace)
        .arg("-o")
        .arg(dir.join("q.json"))
        .arg("--strict"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.txt:2:") && stderr(&out).contains("--strict"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("q.json").exists());

    // Not a trace at all.
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let out = run(bin()
        .arg("import")
        .arg(&empty)
        .arg("-o")
        .arg(dir.join("e.json")));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no system calls"), "{}", stderr(&out));

    let out = run(bin()
        .arg("graph")
        .arg(&p)
        .arg("-o")
        .arg(dir.join("g.jpeg2000")));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("extension"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inlined_call_sites_carry_their_chain() {
    let dir = scratch("inline");
    let src = dir.join("inl.c");
    let lines = [
        "#include <unistd.h>",
        "static inline long get(int fd, char *b) { return read(fd, b, 1); }",
        "int main(void) { char c; return get(0, &c) == 1 ? 0 : 1; }",
    ];
    std::fs::write(&src, lines.join("\n") + "\n").unwrap();
    let column = |line: usize, needle: &str| lines[line - 1].find(needle).unwrap() as u32 + 1;
    let exe = dir.join("inl");
    assert!(Command::new("clang-19")
        .args(["-O2", "-g", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap()
        .success());
    let prof = dir.join("inl.json");
    let mut child = bin()
        .arg("record")
        .arg("-o")
        .arg(&prof)
        .arg("--")
        .arg(&exe)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"x").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let p = Profile::load(&prof).unwrap();
    let read = p
        .nodes
        .iter()
        .find(|n| n.label() == "read(0)" && n.site.is_some())
        .expect("main's read has a site");
    let site = read.site.as_ref().unwrap();
    // The call of read() in get(), which main inlined at its call of get().
    assert_eq!(
        (site.function.as_str(), site.line, site.column),
        ("get", 2, column(2, "read(")),
        "{site:?}"
    );
    assert_eq!(site.inlined_at.len(), 1, "{site:?}");
    let outer = &site.inlined_at[0];
    assert_eq!(
        (outer.function.as_str(), outer.line, outer.column),
        ("main", 3, column(3, "get(")),
        "{site:?}"
    );
    assert!(outer.file.ends_with("inl.c"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The processes (zombies aside) whose process group is `pgid`.
fn live_processes_in_group(pgid: i32) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
            .is_none()
        {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After COMM: state, ppid, pgrp.
        if fields.len() > 2 && fields[2] == pgid.to_string() && fields[0] != "Z" {
            found.push(stat.trim().to_string());
        }
    }
    found
}

#[test]
fn record_stops_cleanly_on_sigterm() {
    let dir = scratch("record-sigterm");
    let tmp = dir.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let prof = dir.join("loop.json");
    // stderr goes to a file: a pipe would stay open as long as anything record started lives.
    let log = dir.join("stderr");
    // record in a process group of its own: everything it starts stays in that group.
    use std::os::unix::process::CommandExt;
    let mut child = bin()
        .env("TMPDIR", &tmp)
        .arg("record")
        .arg("-o")
        .arg(&prof)
        .args([
            "--",
            "sh",
            "-c",
            "while :; do cat /dev/null; sleep 0.05; done",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id() as i32;
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "record ended before the signal"
    );
    // SAFETY: kill takes plain integers.
    assert_eq!(unsafe { libc::kill(pgid, libc::SIGTERM) }, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            // SAFETY: as above; the test failed, clean up the group before reporting it.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            panic!("record did not exit within 30 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut left = live_processes_in_group(pgid);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        left = live_processes_in_group(pgid);
    }
    // SAFETY: kill takes plain integers; with nothing left in the group it fails with ESRCH.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    assert!(left.is_empty(), "processes left behind: {left:#?}");
    let err = std::fs::read_to_string(&log).unwrap();
    // The shell died of the forwarded SIGTERM, and record says so in its exit status.
    assert_eq!(status.code(), Some(128 + 15), "{err}");
    assert!(err.contains("killed by signal 15"), "{err}");
    let p = Profile::load(&prof).unwrap_or_else(|e| panic!("{e}: {err}"));
    let opens = p
        .nodes
        .iter()
        .filter(|n| n.syscall == "openat")
        .map(|n| n.count)
        .sum::<u64>();
    assert!(opens >= 5, "the loop's cat calls are in the profile: {err}");
    let temp: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(temp.is_empty(), "temporary files left behind: {temp:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_append_adds_a_run() {
    let dir = scratch("record-append");
    let prof = dir.join("cat.json");
    let record = |extra: &[&str], program: &[&str]| {
        run(bin()
            .arg("record")
            .arg("-o")
            .arg(&prof)
            .args(extra)
            .arg("--")
            .args(program))
    };
    let out = record(&["--append"], &["cat", "/dev/null"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let one = Profile::load(&prof).unwrap();
    assert_eq!(one.runs, 1, "--append without a profile writes a new one");
    let out = record(&["--append"], &["cat", "/dev/null"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("2 runs"), "{}", stderr(&out));
    let two = Profile::load(&prof).unwrap();
    assert_eq!(two.runs, 2);
    assert_eq!(two.calls(), 2 * one.calls());
    assert_eq!(two.transitions(), 2 * one.transitions());
    // Another program's run is refused before it runs, and the profile is left as it was.
    let marker = dir.join("ran");
    let out = record(
        &["--append"],
        &["sh", "-c", &format!("touch {}", marker.display())],
    );
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(stderr(&out).contains("profile of cat"), "{}", stderr(&out));
    assert!(!marker.exists(), "the program ran");
    assert_eq!(Profile::load(&prof).unwrap(), two);
    // Without --append the file is replaced.
    let out = record(&[], &["cat", "/dev/null"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(Profile::load(&prof).unwrap().runs, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_cxx_program_gets_sites() {
    let dir = scratch("record-cxx");
    let src = dir.join("sink.cpp");
    // A member function of a class in a namespace, taking a template type: strace prints its frame
    // as `sink(demo::Sink::put(std::vector<char, std::allocator<char> > const&, int) const+0x..)`.
    std::fs::write(
        &src,
        r#"#include <unistd.h>
#include <vector>
namespace demo {
struct Sink {
    int fd;
    __attribute__((noinline)) long put(const std::vector<char> &data, int times) const {
        long n = 0;
        for (int i = 0; i < times; i++)
            n += write(fd, data.data(), data.size());
        return n;
    }
};
}
int main() {
    std::vector<char> v(4, 'x');
    demo::Sink s{1};
    return s.put(v, 3) == 12 ? 0 : 1;
}
"#,
    )
    .unwrap();
    let exe = dir.join("sink");
    let st = Command::new("clang++-19")
        .args(["-O2", "-g", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("clang++-19 is installed (scripts/setup.sh)");
    assert!(st.success());
    let prof = dir.join("sink.json");
    let out = run(bin()
        .env_remove("LD_LIBRARY_PATH")
        .arg("record")
        .arg("-o")
        .arg(&prof)
        .arg("--")
        .arg(&exe));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("cannot read"), "{}", stderr(&out));
    let p = Profile::load(&prof).unwrap();
    let writes: Vec<_> = p
        .nodes
        .iter()
        .filter(|n| n.syscall == "write" && n.label() == "write(1)")
        .collect();
    assert_eq!(writes.len(), 1, "{:#?}", p.nodes);
    let site = writes[0]
        .site
        .as_ref()
        .unwrap_or_else(|| panic!("write(1) has no site: {:#?}", writes[0]));
    assert_eq!(writes[0].count, 3);
    assert!(site.file.ends_with("sink.cpp"), "{site:?}");
    assert_eq!(site.line, 9, "{site:?}");
    assert!(site.function.contains("demo::Sink::put"), "{site:?}");
    let write = p
        .nodes
        .iter()
        .position(|n| std::ptr::eq(n, writes[0]))
        .unwrap();
    assert!(p
        .edges
        .iter()
        .any(|e| e.from == write && e.to == write && e.weight == 2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn perf_recorder_gives_the_sites_and_counts_strace_gives() {
    let (dir, exe, data) = copy_with_input("record-perf", 5);
    let record = |recorder: &str, prof: &str| {
        let out = run(bin()
            .current_dir(&dir)
            .env_remove("LD_LIBRARY_PATH")
            .args(["record", "--recorder", recorder, "-o", prof, "--"])
            .arg(&exe)
            .args(["in.dat", "out.dat"]));
        assert!(out.status.success(), "{recorder}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("lost"),
            "{recorder}: {}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(dir.join("out.dat")).unwrap(), data);
        (Profile::load(&dir.join(prof)).unwrap(), stderr(&out))
    };
    let (by_strace, _) = record("strace", "strace.json");
    let (by_perf, perf_said) = record("perf", "perf.json");
    // The program's own calls: same nodes (call, site), counts and edges between them.
    let sited = |p: &Profile| {
        let mut nodes: Vec<(String, String, u64)> = p
            .nodes
            .iter()
            .filter_map(|n| {
                let s = n.site.as_ref()?;
                s.file.ends_with("copy.c").then(|| {
                    (
                        n.syscall.clone(),
                        format!("{}:{}", s.line, s.column),
                        n.count,
                    )
                })
            })
            .collect();
        nodes.sort();
        let mut edges: Vec<(String, String, u64)> = p
            .edges
            .iter()
            .filter(|e| p.nodes[e.from].site.is_some() && p.nodes[e.to].site.is_some())
            .map(|e| {
                (
                    p.nodes[e.from].site_label(),
                    p.nodes[e.to].site_label(),
                    e.weight,
                )
            })
            .collect();
        edges.sort();
        (nodes, edges)
    };
    let (strace_nodes, strace_edges) = sited(&by_strace);
    assert_eq!(strace_nodes.len(), 6, "{strace_nodes:?}");
    assert_eq!(sited(&by_perf), (strace_nodes, strace_edges));
    assert_eq!(by_perf.nodes[0].syscall, "execve");
    // Descriptors: the same, or one higher from the one perf left open in the program, as record
    // warns.
    let label = |p: &Profile, syscall: &str| {
        p.nodes
            .iter()
            .find(|n| n.syscall == syscall && n.site.is_some())
            .map(|n| n.label())
    };
    assert_eq!(label(&by_perf, "read"), label(&by_strace, "read"));
    let write = if perf_said.contains("left descriptor 4 (an eventfd)") {
        "write(5)"
    } else {
        "write(4)"
    };
    assert_eq!(label(&by_strace, "write").as_deref(), Some("write(4)"));
    assert_eq!(
        label(&by_perf, "write").as_deref(),
        Some(write),
        "{perf_said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_survives_a_terminal_interrupt_and_writes_the_profile() {
    // ^C on a terminal reaches the whole foreground process group: record lives on, the program
    // handles it, and the profile is written. util-linux `script` gives the run a terminal; a 0x03
    // byte written to it is the ^C. (This does not tell whether record also forwards it: a second
    // SIGINT that arrives before the shell ran its trap merges with the first.)
    let dir = scratch("record-ctrl-c");
    let prof = dir.join("int.json");
    // `exec`: script runs the line with $SHELL -c, and a shell that stays as record's parent (dash
    // does) takes the ^C too and reports its own death by SIGINT (130) instead of record's status.
    let inner = format!(
        "exec {} record -o {} -- sh -c '{}'",
        env!("CARGO_BIN_EXE_syscluster"),
        prof.display(),
        // Counts the interrupts, waits for the first, then half a second more: exit status 6 + N.
        "n=0; trap \"echo got-INT; n=\\$((n + 1))\" INT; echo ready; \
         while [ $n = 0 ]; do sleep 0.05; done; \
         i=0; while [ $i -lt 10 ]; do sleep 0.05; i=$((i + 1)); done; exit $((6 + n))"
    );
    let mut child = Command::new("script")
        .args(["-qefc", &inner, "/dev/null"])
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux script is installed");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !seen.contains("ready") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let chunk = rx.recv_timeout(left).expect("the program started");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    while let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_secs(60)) {
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(seen.matches("got-INT").count(), 1, "{seen}");
    assert_eq!(status.code(), Some(7), "{seen}");
    assert!(seen.contains("exited with status 7"), "{seen}");
    assert!(Profile::load(&prof).unwrap().calls() > 10);
    let _ = std::fs::remove_dir_all(&dir);
}
