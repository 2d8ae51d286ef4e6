//! The parser and graph builder on real strace outputs captured on this project's machines
//! (`testsuite/traces/`, see its README): every line must parse, and each graph must have the
//! shape the traced program implies.

use std::path::PathBuf;
use syscluster_profile::format::{Node, Profile};
use syscluster_profile::graph::Builder;
use syscluster_profile::strace::{parse_reader, Event, Stats};

fn trace(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testsuite/traces")
        .join(name)
}

struct Parsed {
    profile: Profile,
    stats: Stats,
    bad: Vec<String>,
    signals: Vec<String>,
    exits: Vec<(u32, Option<i32>)>,
}

fn parse(name: &str) -> Parsed {
    let f = std::fs::File::open(trace(name)).unwrap();
    let mut b = Builder::new(None);
    let mut bad = Vec::new();
    let mut signals = Vec::new();
    let mut exits = Vec::new();
    let stats = parse_reader(std::io::BufReader::new(f), &mut |e| {
        match &e {
            Event::Bad(err) => bad.push(err.to_string()),
            Event::Signal { name, .. } => signals.push(name.to_string()),
            Event::Exit { pid, code, .. } => exits.push((*pid, *code)),
            _ => {}
        }
        b.event(&e);
    })
    .unwrap();
    let (profile, _) = b.finish(None);
    Parsed {
        profile,
        stats,
        bad,
        signals,
        exits,
    }
}

fn node<'p>(p: &'p Profile, label: &str, caller_contains: &str) -> (usize, &'p Node) {
    p.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.label() == label && n.caller.as_deref().unwrap_or("").contains(caller_contains)
        })
        .max_by_key(|(_, n)| n.count)
        .unwrap_or_else(|| panic!("no node {label} called from {caller_contains:?}"))
}

fn weight(p: &Profile, from: usize, to: usize) -> u64 {
    p.edges
        .iter()
        .filter(|e| e.from == from && e.to == to)
        .map(|e| e.weight)
        .sum()
}

fn clean(p: &Parsed) {
    assert!(p.bad.is_empty(), "malformed lines: {:?}", p.bad);
    assert!(
        p.stats.frames > p.stats.calls,
        "a -k trace has frames: {:?}",
        p.stats
    );
    // Every call is one node visit; every visit but each thread's first is one transition.
    assert!(p.profile.transitions() < p.profile.calls());
}

#[test]
fn copy_raw_has_the_figure_5c_shape() {
    // ./copy small.bin copy.out with -X raw -s 0: 65590 bytes = 16 blocks of 4096 and one of 54.
    let p = parse("copy-raw.txt");
    clean(&p);
    let prof = &p.profile;
    assert_eq!(prof.program, "./copy");
    let (open, open_n) = node(prof, "openat(-100)", "main");
    let (creat, creat_n) = node(prof, "creat()", "main");
    let (read, read_n) = node(prof, "read(3)", "main");
    let (write, write_n) = node(prof, "write(4)", "main");
    let (close3, _) = node(prof, "close(3)", "main");
    let (close4, _) = node(prof, "close(4)", "main");
    assert_eq!((open_n.count, creat_n.count), (1, 1));
    assert_eq!((read_n.count, write_n.count), (18, 17));
    assert_eq!(weight(prof, open, creat), 1);
    assert_eq!(weight(prof, creat, read), 1);
    assert_eq!(weight(prof, read, write), 17);
    assert_eq!(weight(prof, write, read), 17);
    assert_eq!(weight(prof, read, close3), 1);
    assert_eq!(weight(prof, close3, close4), 1);
    // One read returned 0 (end of file), one 54 bytes.
    assert!(
        read_n
            .results
            .iter()
            .any(|r| r.value == "0" && r.count == 1),
        "{:?}",
        read_n.results
    );
    assert_eq!(read_n.values_of(2)[0].value, "4096");
    // creat's mode printed as 0666 (octal) is 438.
    assert_eq!(creat_n.values_of(1)[0].value, "438");
    // The loader's calls come before main: execve first, and main's open follows one of them.
    assert_eq!(prof.nodes[0].syscall, "execve");
    let into_open: Vec<_> = prof.edges.iter().filter(|e| e.to == open).collect();
    assert_eq!(into_open.len(), 1);
    assert!(
        prof.nodes[into_open[0].from].caller.is_none(),
        "the call before main's open is the loader's"
    );
}

#[test]
fn cp_uses_copy_file_range() {
    let p = parse("cp.txt");
    clean(&p);
    assert_eq!(p.profile.program, "/usr/bin/cp");
    let (_, cfr) = node(&p.profile, "copy_file_range(3, 4)", "cp");
    assert_eq!(cfr.count, 2);
    assert!(cfr.results.iter().any(|r| r.value == "0"));
    let (_, ioctl) = node(&p.profile, "ioctl(4)", "");
    assert_eq!(ioctl.errors, 1);
    assert_eq!(ioctl.results[0].value, "-EOPNOTSUPP");
    assert_eq!(p.exits, vec![(22706, Some(0))]);
}

#[test]
fn cat_into_a_pipe_alternates_read_and_write() {
    let p = parse("cat-pipe.txt");
    clean(&p);
    let prof = &p.profile;
    let (read, read_n) = node(prof, "read(3)", "cat");
    let (write, _) = node(prof, "write(1)", "cat");
    // Two files, one 128 KiB read each with data, then one returning 0 each.
    assert_eq!(read_n.count, 4);
    assert_eq!(weight(prof, read, write), 2);
    assert_eq!(read_n.values_of(2)[0].value, "131072");
}

#[test]
fn dd_copies_in_8k_blocks() {
    let p = parse("dd.txt");
    clean(&p);
    let prof = &p.profile;
    let (read, read_n) = node(prof, "read(0)", "dd");
    let (write, write_n) = node(prof, "write(1)", "dd");
    // 65590 bytes: 8 blocks of 8192 and one of 54, then end of file.
    assert_eq!((read_n.count, write_n.count), (10, 9));
    assert_eq!(weight(prof, read, write), 9);
    assert_eq!(weight(prof, write, read), 9);
}

#[test]
fn gzip_reads_and_writes() {
    let p = parse("gzip.txt");
    clean(&p);
    let prof = &p.profile;
    let (read, read_n) = node(prof, "read(4)", "gzip");
    assert_eq!(read_n.count, 3);
    assert!(weight(prof, read, read) >= 1);
    assert!(prof.nodes.iter().any(|n| n.label() == "write(1)"));
}

#[test]
fn forking_server_keeps_processes_apart() {
    let p = parse("forkserver.txt");
    clean(&p);
    let prof = &p.profile;
    assert_eq!(
        p.exits.len(),
        5,
        "server, client and three handlers: {:?}",
        p.exits
    );
    assert!(p.exits.iter().all(|(_, code)| *code == Some(0)));
    assert!(p.signals.iter().all(|s| s == "SIGCHLD") && !p.signals.is_empty());
    // The compiler unrolled the accept loop: three sites. SIGCHLD interrupted accepts, which were
    // restarted: three succeeded.
    let accepts: Vec<&Node> = prof
        .nodes
        .iter()
        .filter(|n| n.label() == "accept(3)")
        .collect();
    assert_eq!(accepts.len(), 3);
    let (calls, errors) = accepts
        .iter()
        .fold((0, 0), |(c, e), n| (c + n.count, e + n.errors));
    assert_eq!(calls - errors, 3);
    assert!(errors >= 1);
    assert!(accepts
        .iter()
        .any(|n| n.results.iter().any(|r| r.value == "-ERESTARTSYS")));
    let (accept, _) = node(prof, "accept(3)", "forkserver");
    // Each handler reads the request and writes the reply on the accepted socket, in its own process.
    let (read, _) = node(prof, "read(4)", "forkserver");
    let (write, _) = node(prof, "write(4)", "forkserver");
    assert_eq!(weight(prof, read, write), 3);
    // accept in the server is never followed by a handler's read: they are different processes.
    assert_eq!(weight(prof, accept, read), 0);
}

#[test]
fn threads_on_stderr_with_unfinished_lines() {
    let p = parse("threads.txt");
    clean(&p);
    let prof = &p.profile;
    assert_eq!(
        p.exits.len(),
        5,
        "four threads and the process: {:?}",
        p.exits
    );
    // The threads open /dev/zero at the same time, so each has its own descriptor and node.
    let (_, read_n) = node(prof, "read(3)", "threads");
    assert_eq!(read_n.count, 20);
    let reads_in_threads = prof
        .nodes
        .iter()
        .filter(|n| n.syscall == "read" && n.caller.as_deref().is_some_and(|c| c.contains("work")))
        .map(|n| n.count)
        .sum::<u64>();
    assert_eq!(reads_in_threads, 80);
    // Each iteration: read, write, then usleep's clock_nanosleep.
    let writes: u64 = prof
        .nodes
        .iter()
        .filter(|n| n.syscall == "write" && n.caller.as_deref().is_some_and(|c| c.contains("work")))
        .map(|n| n.count)
        .sum();
    assert_eq!(writes, 80);
    let out_edges_of_reads: u64 = prof
        .edges
        .iter()
        .filter(|e| {
            prof.nodes[e.from].syscall == "read"
                && prof.nodes[e.to].syscall == "write"
                && prof.nodes[e.from]
                    .caller
                    .as_deref()
                    .is_some_and(|c| c.contains("work"))
        })
        .map(|e| e.weight)
        .sum();
    assert_eq!(
        out_edges_of_reads, 80,
        "per-thread order: every read in work() is followed by its write"
    );
}

#[test]
fn profiles_of_fixtures_round_trip_and_merge() {
    let a = parse("dd.txt").profile;
    let text = a.to_json();
    let b = Profile::from_str(&text).unwrap();
    assert_eq!(a, b);
    let mut twice = a.clone();
    twice.merge(&b).unwrap();
    assert_eq!(twice.runs, 2);
    assert_eq!(twice.nodes.len(), a.nodes.len());
    assert_eq!(twice.transitions(), 2 * a.transitions());
    assert_eq!(twice.calls(), 2 * a.calls());
    let mut other = parse("cat-pipe.txt").profile;
    assert!(
        other.merge(&a).is_err(),
        "cat and dd are different programs"
    );
}

#[test]
fn truncated_and_corrupted_lines_never_panic() {
    // Every prefix of every 5th line of every fixture, and each line with a byte flipped: the
    // parser must report or accept them, never panic, and must resynchronise on the next line.
    let mut fed = 0u64;
    for name in [
        "cp.txt",
        "cat-pipe.txt",
        "dd.txt",
        "gzip.txt",
        "forkserver.txt",
        "threads.txt",
        "copy-raw.txt",
    ] {
        let text = std::fs::read(trace(name)).unwrap();
        for (i, line) in text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(i, _)| i % 5 == 0)
        {
            let mut parser = syscluster_profile::strace::Parser::new();
            for cut in 0..line.len() {
                parser.feed(&line[..cut], &mut |_| {});
                fed += 1;
            }
            let mut flipped = line.to_vec();
            if !flipped.is_empty() {
                let at = (i * 7919) % flipped.len();
                flipped[at] ^= 0xa5;
                parser.feed(&flipped, &mut |_| {});
            }
            // The lines fed so far: the prefixes, and the flipped line when there was one.
            let expected = line.len() as u64 + u64::from(!line.is_empty()) + 1;
            let mut closes = 0;
            let mut count = |e: Event<'_>| {
                if let Event::Call(c) = e {
                    closes += (c.name == "close" && c.line == expected) as u32;
                }
            };
            parser.feed(b"1 close(3) = 0", &mut count);
            parser.finish(&mut count);
            assert_eq!(
                closes,
                1,
                "{name}:{}: no resynchronisation after a broken line",
                i + 1
            );
        }
    }
    assert!(fed > 100_000, "{fed}");
}
