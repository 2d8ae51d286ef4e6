//! Property tests: random batches of real, harmless system calls give the same results,
//! stop index and side effects on every backend as running the same calls one by one.
//!
//! A batch is generated abstractly (which descriptor slot, which buffer, which length, which
//! predicate) and materialized in a fresh environment for each run: two temporary files
//! with random contents, a non-blocking pipe with random contents, /dev/null, /dev/zero and
//! a descriptor that cannot be open. The calls: read and write (also with the length taken
//! from an earlier read's result, and into a bad pointer for -EFAULT), lseek, getpid,
//! close of a slot or of a bad descriptor, exit_group (denied: -ENOSYS), and a read into
//! the batch itself, over the first bytes of one of its entries (the batch runs from the
//! entries as submitted, and only the result fields are written back). After the run
//! the test compares every result, the stop index, the iteration count, both files'
//! contents and offsets, what is left in the pipe and every buffer.
//!
//! The tests run on any number of threads at once (`cargo test` runs several), in a process
//! where other threads open and close descriptors all the time, and a descriptor number
//! freed by `close` goes to the next `open` of any thread. So a run only ever uses numbers
//! it owns: a batch never names a slot after an entry that closes it (later entries name
//! the bad descriptor instead, and in a looped batch such a close stops the loop, so that
//! no later iteration comes back to the slot), the snapshot and the cleanup skip the slots
//! the run closed, and the bad descriptor is the soft limit on open files, a number no
//! `open` of this process can return. Which numbers a run's descriptors get depends on the
//! other threads, so no stop predicate compares a result with a descriptor argument.
//!
//! The reference runs the entries one by one through `libc::syscall`, applying the
//! semantics of the uapi header independently of the library. The backends compared with
//! it: the one selected for this process (`MULTICALL_BACKEND`, see `common`), the direct
//! backend, and io_uring (on batches that map onto it) when this kernel offers it.

mod common;

use common::{backend_under_test, run_direct, run_selected};
use multicall::abi::{MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use multicall::{Backend, McEntry};
use proptest::prelude::*;
use std::sync::OnceLock;

const SLOTS: usize = 7;
const BUFS: usize = 4;
const BUF_LEN: usize = 8192;
/// A pointer no mapping covers: reads into it fail with EFAULT.
const BAD_POINTER: i64 = 8;

/// A descriptor number that is not open and that no `open`, `dup` or `pipe` of this process
/// can return while the tests run: the soft limit on open files (descriptors go from 0 to
/// the limit minus one, and nothing here raises the limit), or `i32::MAX` when the limit is
/// larger than any descriptor number.
fn bad_fd() -> i64 {
    static FD: OnceLock<i64> = OnceLock::new();
    *FD.get_or_init(|| {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into a valid rlimit.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
        let fd = i32::try_from(limit.rlim_cur).unwrap_or(i32::MAX);
        // SAFETY: F_GETFD on a descriptor number only reads its flags.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert!(
            flags == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF),
            "descriptor {fd} (the soft limit on open files) is open"
        );
        fd as i64
    })
}

#[derive(Debug, Clone)]
enum Op {
    Read {
        slot: usize,
        buf: usize,
        len: usize,
    },
    ReadBadPointer {
        slot: usize,
    },
    Write {
        slot: usize,
        buf: usize,
        len: usize,
    },
    /// write(slot, buffer of the nearest earlier checked read, that read's result).
    WriteRef {
        slot: usize,
    },
    Lseek {
        slot: usize,
        offset: i64,
        whence: i32,
    },
    Getpid,
    Close {
        slot: usize,
    },
    CloseBad,
    Denied,
    /// read(slot, the start of entry `target` modulo the batch's length, len <= 64).
    ReadIntoEntry {
        slot: usize,
        target: usize,
        len: usize,
    },
}

#[derive(Debug, Clone)]
struct Gen {
    op: Op,
    stop: u8,
    stop_arg: u8,
}

fn op() -> impl Strategy<Value = Op> {
    let slot = 0..SLOTS;
    let buf = 0..BUFS;
    let len = prop_oneof![0..64usize, 0..=BUF_LEN, Just(BUF_LEN)];
    prop_oneof![
        4 => (slot.clone(), buf.clone(), len.clone()).prop_map(|(slot, buf, len)| Op::Read { slot, buf, len }),
        1 => slot.clone().prop_map(|slot| Op::ReadBadPointer { slot }),
        4 => (slot.clone(), buf, len).prop_map(|(slot, buf, len)| Op::Write { slot, buf, len }),
        3 => slot.clone().prop_map(|slot| Op::WriteRef { slot }),
        2 => (slot.clone(), -2i64..5000, prop_oneof![Just(libc::SEEK_SET), Just(libc::SEEK_CUR), Just(libc::SEEK_END), Just(7)])
            .prop_map(|(slot, offset, whence)| Op::Lseek { slot, offset, whence }),
        1 => Just(Op::Getpid),
        1 => slot.prop_map(|slot| Op::Close { slot }),
        1 => Just(Op::CloseBad),
        1 => Just(Op::Denied),
        1 => (0..SLOTS, 0..24usize, 1..=64usize).prop_map(|(slot, target, len)| Op::ReadIntoEntry { slot, target, len }),
    ]
}

fn predicate() -> impl Strategy<Value = (u8, u8)> {
    prop_oneof![
        3 => Just((MC_STOP_NEVER, 0)),
        2 => Just((MC_STOP_NEG, 0)),
        2 => Just((MC_STOP_NONPOS, 0)),
        2 => Just((MC_STOP_NE_ARG, 2)),
        1 => (0u8..6).prop_map(|arg| (MC_STOP_NE_ARG, arg)),
    ]
}

fn batch(max: usize) -> impl Strategy<Value = Vec<Gen>> {
    prop::collection::vec(
        (op(), predicate()).prop_map(|(op, (stop, stop_arg))| Gen { op, stop, stop_arg }),
        1..=max,
    )
}

/// What a run starts from.
#[derive(Debug, Clone)]
struct Seed {
    file_a: Vec<u8>,
    file_b: Vec<u8>,
    pipe: Vec<u8>,
}

fn seed() -> impl Strategy<Value = Seed> {
    (
        prop::collection::vec(any::<u8>(), 0..9000),
        prop::collection::vec(any::<u8>(), 0..100),
        prop::collection::vec(any::<u8>(), 0..5000),
    )
        .prop_map(|(file_a, file_b, pipe)| Seed {
            file_a,
            file_b,
            pipe,
        })
}

/// A fresh environment: slots 0 and 1 are files (read-write; 1 in append mode), 2 and 3
/// the pipe's ends (non-blocking), 4 /dev/null, 5 /dev/zero, 6 a descriptor never open.
/// The environment owns the descriptors of slots 0 to 5 until a run closes them.
struct Env {
    _dir: tempfile::TempDir,
    paths: [std::path::PathBuf; 2],
    fds: [i64; SLOTS],
    /// Whether the environment still owns the slot's descriptor.
    owned: [bool; SLOTS],
    bufs: Vec<u8>,
}

/// A batch ready to run, with the entries that close a slot the environment owns.
struct Materialized {
    entries: Vec<McEntry>,
    /// (entry index, slot) of each close of an owned slot.
    closes: Vec<(usize, usize)>,
}

fn open(path: &std::path::Path, flags: i32) -> i64 {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path without NUL");
    // SAFETY: c is a valid C string.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC, 0o600) };
    assert!(
        fd >= 0,
        "open {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    fd as i64
}

impl Env {
    fn new(seed: &Seed) -> Env {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let paths = [dir.path().join("a"), dir.path().join("b")];
        std::fs::write(&paths[0], &seed.file_a).expect("write a");
        std::fs::write(&paths[1], &seed.file_b).expect("write b");
        let a = open(&paths[0], libc::O_RDWR);
        let b = open(&paths[1], libc::O_RDWR | libc::O_APPEND);
        let (r, w) = common::pipe(true);
        if !seed.pipe.is_empty() {
            // SAFETY: writing from a valid buffer of that length.
            let n = unsafe { libc::write(w, seed.pipe.as_ptr().cast(), seed.pipe.len()) };
            assert_eq!(n as usize, seed.pipe.len());
        }
        let null = open(std::path::Path::new("/dev/null"), libc::O_RDWR);
        let zero = open(std::path::Path::new("/dev/zero"), libc::O_RDWR);
        let bufs = (0..BUFS * BUF_LEN).map(|i| (i * 31 % 251) as u8).collect();
        Env {
            _dir: dir,
            paths,
            fds: [a, b, r as i64, w as i64, null, zero, bad_fd()],
            owned: [true, true, true, true, true, true, false],
            bufs,
        }
    }

    fn buf(&mut self, index: usize) -> i64 {
        self.bufs[index * BUF_LEN..].as_mut_ptr() as i64
    }

    /// The entries of `gens` (looped or not) on this environment. After an entry that
    /// closes a slot, later entries name the bad descriptor instead of that slot; in a
    /// looped batch the close stops on any result (`NONPOS`: a close returns 0 or an
    /// error), so that no later iteration names the closed number either.
    fn materialize(&mut self, gens: &[Gen], looped: bool) -> Materialized {
        let mut entries = Vec::with_capacity(gens.len());
        // Where the entries will be: pushing within the capacity never moves them.
        let base = entries.as_mut_ptr() as i64;
        let mut closes = Vec::new();
        // The descriptor each slot names from here on.
        let mut fds = self.fds;
        // (entry index, buffer) of each read whose predicate makes its result usable as a
        // length: NEG or NONPOS (a later entry runs only when the result is >= 0).
        let mut checked_reads: Vec<(usize, usize)> = Vec::new();
        for (index, g) in gens.iter().enumerate() {
            let (mut stop, mut stop_arg) = (g.stop, g.stop_arg);
            if stop == MC_STOP_NE_ARG && stop_arg == 0 && names_slot(&g.op) {
                // "result != the descriptor" depends on which number the descriptor got,
                // which differs between runs when other threads hold descriptors too.
                stop_arg = 2;
            }
            let entry = match g.op {
                Op::Read { slot, buf, len } => {
                    if g.stop == MC_STOP_NEG || g.stop == MC_STOP_NONPOS {
                        checked_reads.push((index, buf));
                    }
                    McEntry::new(libc::SYS_read, &[fds[slot], self.buf(buf), len as i64])
                }
                Op::ReadBadPointer { slot } => {
                    McEntry::new(libc::SYS_read, &[fds[slot], BAD_POINTER, 16])
                }
                Op::Write { slot, buf, len } => {
                    McEntry::new(libc::SYS_write, &[fds[slot], self.buf(buf), len as i64])
                }
                Op::WriteRef { slot } => match checked_reads.last() {
                    Some(&(read, buf)) => {
                        McEntry::new(libc::SYS_write, &[fds[slot], self.buf(buf), 0])
                            .reference(2, read)
                    }
                    None => McEntry::new(libc::SYS_write, &[fds[slot], self.buf(0), 5]),
                },
                Op::Lseek {
                    slot,
                    offset,
                    whence,
                } => McEntry::new(libc::SYS_lseek, &[fds[slot], offset, whence as i64]),
                Op::Getpid => McEntry::new(libc::SYS_getpid, &[]),
                Op::Close { slot } => {
                    let entry = McEntry::new(libc::SYS_close, &[fds[slot]]);
                    if fds[slot] == self.fds[slot] && self.owned[slot] {
                        closes.push((index, slot));
                        fds[slot] = bad_fd();
                        if looped {
                            stop = MC_STOP_NONPOS;
                        }
                    }
                    entry
                }
                Op::CloseBad => McEntry::new(libc::SYS_close, &[bad_fd()]),
                Op::Denied => McEntry::new(libc::SYS_exit_group, &[77]),
                Op::ReadIntoEntry { slot, target, len } => {
                    let at = base + (target % gens.len() * std::mem::size_of::<McEntry>()) as i64;
                    McEntry::new(libc::SYS_read, &[fds[slot], at, len as i64])
                }
            };
            entries.push(entry.stop(stop, stop_arg));
        }
        Materialized { entries, closes }
    }

    /// Gives up the slots whose close ran: those at or before the stop index (a close in a
    /// looped batch stops it, so one that ran did so in the last iteration). Their numbers
    /// may belong to another thread by now.
    fn closed_by_run(&mut self, closes: &[(usize, usize)], stop_index: usize) {
        for &(index, slot) in closes {
            if index <= stop_index {
                self.owned[slot] = false;
            }
        }
    }

    fn snapshot(&mut self) -> Snapshot {
        let offset = |slot: usize| {
            if !self.owned[slot] {
                return None;
            }
            let fd = self.fds[slot];
            // SAFETY: lseek on a descriptor number; a closed one gives EBADF.
            let r = unsafe { libc::lseek(fd as i32, 0, libc::SEEK_CUR) };
            Some(if r < 0 {
                -(std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64)
            } else {
                r
            })
        };
        let mut pipe = Vec::new();
        let mut chunk = [0u8; 4096];
        let pipe_end = loop {
            if !self.owned[2] {
                // The read end was closed: what the pipe held is gone.
                break None;
            }
            // SAFETY: reading into a valid local buffer.
            let n =
                unsafe { libc::read(self.fds[2] as i32, chunk.as_mut_ptr().cast(), chunk.len()) };
            if n <= 0 {
                break Some(if n == 0 {
                    0
                } else {
                    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
                });
            }
            pipe.extend_from_slice(&chunk[..n as usize]);
        };
        Snapshot {
            file_a: std::fs::read(&self.paths[0]).expect("read a"),
            file_b: std::fs::read(&self.paths[1]).expect("read b"),
            offsets: [offset(0), offset(1)],
            pipe,
            pipe_end,
            bufs: self.bufs.clone(),
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for slot in 0..SLOTS {
            if self.owned[slot] {
                common::close(self.fds[slot] as i32);
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    file_a: Vec<u8>,
    file_b: Vec<u8>,
    /// The files' offsets (-errno when lseek fails), `None` for a file the run closed.
    offsets: [Option<i64>; 2],
    pipe: Vec<u8>,
    /// How reading the rest of the pipe ended: 0 (end of file) or the errno; `None` when
    /// the run closed the read end.
    pipe_end: Option<i32>,
    bufs: Vec<u8>,
}

/// Everything a run produced.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    results: Vec<i64>,
    stop_index: usize,
    iterations: u64,
    after: Snapshot,
}

/// The reference: the calls one by one through libc, semantics from the header's text: run
/// from the entries as they were submitted, then every result written back.
fn one_by_one(entries: &mut [McEntry], max_iters: Option<u64>) -> (usize, u64) {
    let mut submitted = entries.to_vec();
    let outcome = one_by_one_from(&mut submitted, max_iters);
    for (entry, ran) in entries.iter_mut().zip(&submitted) {
        entry.result = ran.result;
    }
    outcome
}

fn one_by_one_from(entries: &mut [McEntry], max_iters: Option<u64>) -> (usize, u64) {
    let max = max_iters.unwrap_or(1);
    let mut iterations = 0;
    loop {
        iterations += 1;
        let mut stopped = None;
        for i in 0..entries.len() {
            let mut args = entries[i].args;
            for (k, arg) in args.iter_mut().enumerate() {
                if entries[i].refs & (1 << k) != 0 {
                    *arg = entries[*arg as usize].result;
                }
            }
            let result = if entries[i].nr as i64 == libc::SYS_exit_group {
                -(libc::ENOSYS as i64)
            } else {
                // SAFETY: the generated calls are harmless: buffers are the environment's
                // own, descriptors are its own or invalid.
                let r = unsafe {
                    libc::syscall(
                        entries[i].nr as i64,
                        args[0],
                        args[1],
                        args[2],
                        args[3],
                        args[4],
                        args[5],
                    )
                };
                if r == -1 {
                    -(std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64)
                } else {
                    r
                }
            };
            entries[i].result = result;
            let fire = match entries[i].stop {
                MC_STOP_NEVER => false,
                MC_STOP_NEG => result < 0,
                MC_STOP_NONPOS => result <= 0,
                _ => result != args[entries[i].stop_arg as usize],
            };
            if fire || result == -(libc::EINTR as i64) {
                stopped = Some(i);
                break;
            }
        }
        if let Some(i) = stopped {
            return (i, iterations);
        }
        if iterations >= max {
            return (entries.len(), iterations);
        }
    }
}

/// Whether `op`'s first argument is one of the environment's descriptors.
fn names_slot(op: &Op) -> bool {
    matches!(
        op,
        Op::Read { .. }
            | Op::ReadBadPointer { .. }
            | Op::Write { .. }
            | Op::WriteRef { .. }
            | Op::Lseek { .. }
            | Op::Close { .. }
            | Op::ReadIntoEntry { .. }
    )
}

/// Runs a batch (looped when given a bound); returns the stop index and iterations.
type Runner = dyn Fn(&mut [McEntry], Option<u64>) -> (usize, u64);

fn execute(seed: &Seed, gens: &[Gen], max_iters: Option<u64>, how: &Runner) -> Run {
    let mut env = Env::new(seed);
    let Materialized {
        mut entries,
        closes,
    } = env.materialize(gens, max_iters.is_some());
    for e in entries.iter_mut() {
        e.result = 0x5eed;
    }
    let (stop_index, iterations) = how(&mut entries, max_iters);
    env.closed_by_run(&closes, stop_index);
    Run {
        results: entries.iter().map(|e| e.result).collect(),
        stop_index,
        iterations,
        after: env.snapshot(),
    }
}

fn library(
    run: fn(&mut [McEntry], Option<u64>) -> Result<multicall::Outcome, multicall::RunError>,
) -> impl Fn(&mut [McEntry], Option<u64>) -> (usize, u64) {
    move |entries, max_iters| {
        let outcome = run(entries, max_iters).expect("a valid batch runs");
        (outcome.stop_index, outcome.iterations)
    }
}

fn compare(name: &str, expected: &Run, got: &Run) -> Result<(), TestCaseError> {
    prop_assert_eq!(&expected.results, &got.results, "{}: results", name);
    prop_assert_eq!(expected.stop_index, got.stop_index, "{}: stop index", name);
    prop_assert_eq!(expected.iterations, got.iterations, "{}: iterations", name);
    prop_assert!(
        expected.after == got.after,
        "{}: side effects differ: {:?}",
        name,
        diff(&expected.after, &got.after)
    );
    Ok(())
}

fn diff(a: &Snapshot, b: &Snapshot) -> Vec<&'static str> {
    let mut d = Vec::new();
    if a.file_a != b.file_a {
        d.push("file a");
    }
    if a.file_b != b.file_b {
        d.push("file b");
    }
    if a.offsets != b.offsets {
        d.push("offsets");
    }
    if a.pipe != b.pipe || a.pipe_end != b.pipe_end {
        d.push("pipe");
    }
    if a.bufs != b.bufs {
        d.push("buffers");
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The selected backend and the direct backend against one-by-one execution.
    #[test]
    fn batches_match_one_by_one(seed in seed(), gens in batch(24), looped in any::<bool>(), iters in 1u64..4) {
        let max_iters = looped.then_some(iters);
        let expected = execute(&seed, &gens, max_iters, &one_by_one);
        let direct = execute(&seed, &gens, max_iters, &library(run_direct));
        compare("direct", &expected, &direct)?;
        // On io_uring, batches that name the pipe or /dev/zero run on the direct backend
        // (see URING_SLOTS): they must match too.
        let name = backend_under_test().name();
        let selected = execute(&seed, &gens, max_iters, &library(run_selected));
        compare(name, &expected, &selected)?;
    }
}

/// Slots io_uring runs exactly, and so the only ones the io_uring backend accepts: the
/// files (read only), /dev/null and the bad descriptor. Not the non-blocking pipe (io_uring waits for
/// readiness where read(2) fails with EAGAIN) nor /dev/zero (io_uring may return a shorter
/// transfer); see the io_uring backend's docs.
const URING_SLOTS: [usize; 4] = [0, 1, 4, 6];
/// The slots among those that io_uring also writes: /dev/null and the bad descriptor.
const URING_WRITE_SLOTS: [usize; 2] = [4, 6];

/// Batches that map onto io_uring: read, write and close with the predicates that map.
fn uring_batch() -> impl Strategy<Value = Vec<Gen>> {
    let gen = (
        prop::sample::select(URING_SLOTS.to_vec()),
        0..BUFS,
        prop_oneof![0..64usize, 0..=BUF_LEN],
        0..4u8,
        any::<bool>(),
    )
        .prop_map(|(slot, buf, len, kind, checked)| match kind {
            0 | 1 => Gen {
                op: if kind == 0 {
                    Op::Read { slot, buf, len }
                } else {
                    // io_uring takes writes to /dev/null and the bad descriptor, not to the
                    // files (a write the disk fills: see the io_uring backend's docs).
                    let slot = if URING_WRITE_SLOTS.contains(&slot) {
                        slot
                    } else {
                        4
                    };
                    Op::Write { slot, buf, len }
                },
                stop: if checked {
                    MC_STOP_NE_ARG
                } else {
                    MC_STOP_NEVER
                },
                stop_arg: 2,
            },
            2 => Gen {
                op: Op::Lseek {
                    slot,
                    offset: 0,
                    whence: 0,
                },
                stop: 0,
                stop_arg: 0,
            },
            _ => Gen {
                op: Op::Lseek {
                    slot,
                    offset: 0,
                    whence: 0,
                },
                stop: 0,
                stop_arg: 0,
            },
        });
    // Close maps only as the last entry (io_uring releases the file after the chain).
    let last =
        (prop::sample::select(URING_SLOTS.to_vec()), any::<bool>()).prop_map(|(slot, bad)| {
            if bad {
                Op::CloseBad
            } else {
                Op::Close { slot }
            }
        });
    (
        prop::collection::vec(gen, 1..=16),
        predicate(),
        prop::option::of(last),
    )
        .prop_map(|(gens, (stop, stop_arg), close)| {
            let mut gens: Vec<Gen> = gens
                .into_iter()
                .filter(|g| !matches!(g.op, Op::Lseek { .. }))
                .collect();
            if let Some(op) = close {
                gens.push(Gen { op, stop, stop_arg });
            } else if let Some(last) = gens.last_mut() {
                // The last entry's predicate is tested after the chain: any predicate maps.
                last.stop = stop;
                last.stop_arg = stop_arg;
            }
            if gens.is_empty() {
                gens.push(Gen {
                    op: Op::CloseBad,
                    stop,
                    stop_arg,
                });
            }
            gens
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// io_uring chains against one-by-one execution, on batches that map exactly.
    #[test]
    fn io_uring_chains_match_one_by_one(seed in seed(), gens in uring_batch(), looped in any::<bool>(), iters in 1u64..4) {
        let Some(rt) = common::forced_uring() else {
            return Ok(());
        };
        let max_iters = looped.then_some(iters);
        let expected = execute(&seed, &gens, max_iters, &one_by_one);
        let uring = execute(&seed, &gens, max_iters, &|entries: &mut [McEntry], max_iters| {
            assert_eq!(rt.backend_for(entries, max_iters.is_some()), Backend::IoUring, "the batch maps onto io_uring");
            // SAFETY: harmless calls on the environment's own buffers and descriptors.
            let outcome = unsafe { rt.run_with(Backend::IoUring, entries.as_mut_ptr(), entries.len(), max_iters) }
                .expect("a valid batch runs");
            (outcome.stop_index, outcome.iterations)
        });
        compare("io_uring", &expected, &uring)?;
    }
}

#[test]
fn refused_batches_run_nothing() {
    let (r, w) = common::pipe(true);
    let byte = [7u8];
    // A valid first entry followed by an invalid reference: the write must not happen.
    let mut entries = [
        McEntry::new(libc::SYS_write, &[w as i64, byte.as_ptr() as i64, 1]),
        McEntry::new(libc::SYS_getpid, &[]).reference(0, 1),
    ];
    for looped in [None, Some(3)] {
        let err = run_selected(&mut entries, looped).expect_err("an invalid batch is refused");
        assert_eq!(err.errno(), libc::EINVAL);
    }
    let mut zero_iters = [McEntry::new(
        libc::SYS_write,
        &[w as i64, byte.as_ptr() as i64, 1],
    )];
    assert!(run_selected(&mut zero_iters, Some(0)).is_err());
    let mut unknown_stop = [zero_iters[0].stop(9, 0)];
    assert!(run_selected(&mut unknown_stop, None).is_err());
    let mut buf = [0u8; 4];
    // SAFETY: reading into a valid local buffer from our own pipe.
    let n = unsafe { libc::read(r, buf.as_mut_ptr().cast(), 4) };
    assert_eq!(n, -1, "nothing was written to the pipe");
    common::close(r);
    common::close(w);
}
