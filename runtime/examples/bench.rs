//! Benchmark of libmulticall's backends (measures, never asserts).
//!
//! For batch sizes 1, 2, 4, 8, 16 and 64 of `write(/dev/null, buf, 1)` (a call every backend
//! can run, io_uring included), prints the nanoseconds per entry of: plain system calls one
//! by one (`libc::syscall`, the baseline), the direct backend, io_uring (linked chain, when
//! the kernel offers it) and the kernel module (when /dev/multicall opens), each as a ratio
//! to the baseline; then the smallest batch size at which io_uring beats the direct backend,
//! the figure behind `URING_MIN_ENTRIES`.
//!
//!   cargo run --release -p multicall --example bench            # the table
//!   cargo run --release -p multicall --example bench -- count BACKEND SIZE BATCHES
//!       runs BATCHES batches of SIZE on BACKEND (syscall, direct, io_uring, kmod) and
//!       nothing else, for `perf stat -e raw_syscalls:sys_enter` (scripts/bench-runtime.sh).

use multicall::abi::MC_STOP_NEVER;
use multicall::{Backend, McEntry, Runtime};
use std::time::Instant;

const SIZES: [usize; 6] = [1, 2, 4, 8, 16, 64];
const ROUNDS: usize = 7;
const ENTRIES_PER_ROUND: usize = 64_000;

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Syscall,
    On(Backend),
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Syscall => "syscall",
            Way::On(b) => b.name(),
        }
    }
}

struct Bench {
    null: i32,
    byte: [u8; 1],
    rt: Runtime,
}

impl Bench {
    fn new() -> Bench {
        // SAFETY: opening /dev/null with a static C string.
        let null = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
        if null < 0 {
            eprintln!(
                "bench: cannot open /dev/null: {}",
                std::io::Error::last_os_error()
            );
            std::process::exit(1);
        }
        // A runtime that may use every backend: io_uring forced into availability; the
        // module is used when its device opens (run_with falls back to direct otherwise).
        let uring = Runtime::from_env(|name| (name == "MULTICALL_BACKEND").then_some("io_uring"));
        let rt = if uring.primary() == Backend::IoUring {
            uring
        } else {
            Runtime::from_env(|_| None::<String>)
        };
        Bench {
            null,
            byte: [b'x'],
            rt,
        }
    }

    fn available(&self, way: Way) -> bool {
        match way {
            Way::Syscall | Way::On(Backend::Direct) => true,
            Way::On(Backend::IoUring) => self.rt.primary() == Backend::IoUring,
            Way::On(Backend::Kmod) => multicall::kmod::Kmod::open().is_ok(),
        }
    }

    fn batch(&self, size: usize) -> Vec<McEntry> {
        let entry = McEntry::new(
            libc::SYS_write,
            &[self.null as i64, self.byte.as_ptr() as i64, 1],
        )
        .stop(MC_STOP_NEVER, 0);
        vec![entry; size]
    }

    /// Runs `batches` batches of `size`; returns the elapsed nanoseconds.
    fn run(
        &self,
        way: Way,
        size: usize,
        batches: usize,
        kmod: Option<&multicall::kmod::Kmod>,
    ) -> f64 {
        let mut entries = self.batch(size);
        let start = Instant::now();
        for _ in 0..batches {
            match way {
                Way::Syscall => {
                    for _ in 0..size {
                        // SAFETY: write of one byte from a live buffer to /dev/null.
                        unsafe { libc::syscall(libc::SYS_write, self.null, self.byte.as_ptr(), 1) };
                    }
                }
                Way::On(Backend::Kmod) => {
                    // Taken and written back as the runtime does, without choosing a backend.
                    if let (Some(k), Ok(mut batch)) = (kmod, multicall::Batch::new(&entries, None))
                    {
                        // SAFETY: a valid batch of harmless writes; the results go back to
                        // the entries it was copied from.
                        unsafe {
                            let _ = k.run(&mut batch);
                            batch.write_back(entries.as_mut_ptr());
                        }
                    }
                }
                Way::On(backend) => {
                    // SAFETY: a valid batch of harmless writes.
                    let _ = unsafe { self.rt.run_with(backend, entries.as_mut_ptr(), size, None) };
                }
            }
        }
        let elapsed = start.elapsed().as_nanos() as f64;
        if let Some(bad) = entries
            .iter()
            .find(|e| e.result != 1 && batches > 0 && way != Way::Syscall)
        {
            eprintln!("bench: {} returned {} instead of 1", way.name(), bad.result);
            std::process::exit(1);
        }
        elapsed
    }

    /// Median ns per entry over ROUNDS rounds for each of `ways`; the ways take turns
    /// within each round, so that a change in the machine's load hits them alike.
    fn measure(&self, ways: &[Way], size: usize, kmod: Option<&multicall::kmod::Kmod>) -> Vec<f64> {
        let batches = (ENTRIES_PER_ROUND / size).max(1);
        let mut samples = vec![Vec::with_capacity(ROUNDS); ways.len()];
        for &way in ways {
            self.run(way, size, batches / 10, kmod); // warm up
        }
        for _ in 0..ROUNDS {
            for (i, &way) in ways.iter().enumerate() {
                samples[i].push(self.run(way, size, batches, kmod) / (batches * size) as f64);
            }
        }
        samples
            .into_iter()
            .map(|mut s| {
                s.sort_by(|a, b| a.total_cmp(b));
                s[ROUNDS / 2]
            })
            .collect()
    }
}

fn parse_way(name: &str) -> Option<Way> {
    if name == "syscall" {
        Some(Way::Syscall)
    } else {
        Backend::parse(name).map(Way::On)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = Bench::new();
    let kmod = multicall::kmod::Kmod::open().ok();
    if args.first().map(String::as_str) == Some("count") {
        let usage = "usage: bench count syscall|direct|io_uring|kmod SIZE BATCHES";
        let (Some(way), Some(size), Some(batches)) = (
            args.get(1).and_then(|s| parse_way(s)),
            args.get(2)
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|&n| (1..=64).contains(&n)),
            args.get(3).and_then(|s| s.parse::<usize>().ok()),
        ) else {
            eprintln!("{usage}");
            std::process::exit(2);
        };
        if !bench.available(way) {
            eprintln!("bench: {} is not available here", way.name());
            std::process::exit(3);
        }
        bench.run(way, size, batches, kmod.as_ref());
        return;
    }
    if !args.is_empty() {
        eprintln!("usage: bench [count syscall|direct|io_uring|kmod SIZE BATCHES]");
        std::process::exit(2);
    }
    let ways: Vec<Way> = [
        Way::Syscall,
        Way::On(Backend::Direct),
        Way::On(Backend::IoUring),
        Way::On(Backend::Kmod),
    ]
    .into_iter()
    .filter(|&w| bench.available(w))
    .collect();
    print!("| entries |");
    for w in &ways {
        print!(" {} ns/entry |", w.name());
    }
    println!();
    print!("|---:|");
    for _ in &ways {
        print!("---:|");
    }
    println!();
    let mut break_even = None;
    for size in SIZES {
        let ns = bench.measure(&ways, size, kmod.as_ref());
        let base = ns[0];
        print!("| {size} | {base:.0} |");
        let mut direct = base;
        for (&w, &ns) in ways.iter().zip(&ns).skip(1) {
            print!(" {ns:.0} ({:.2}x) |", ns / base);
            match w {
                Way::On(Backend::Direct) => direct = ns,
                Way::On(Backend::IoUring) if ns < direct && break_even.is_none() => {
                    break_even = Some(size)
                }
                _ => {}
            }
        }
        println!();
    }
    if ways.contains(&Way::On(Backend::IoUring)) {
        match break_even {
            Some(n) => println!("io_uring beats the direct backend from {n} entries per batch"),
            None => println!("io_uring beats the direct backend at no measured batch size"),
        }
    }
}
