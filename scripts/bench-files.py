#!/usr/bin/env python3
"""Programs that copy a file IN to a file OUT given as their two arguments, side by side (a
benchmark: it measures, it asserts nothing about time).

    scripts/bench-files.py [--runs N] --input FILE NAME=COMMAND...

Each COMMAND (split on blanks) is run as `COMMAND FILE OUT`, OUT a new file beside FILE. The
commands alternate, N runs each (default 11); before each run, outside the timing, the last
output is removed and `sync` writes back what earlier runs left, so that no run pays for its
predecessor. The figures are the median wall time of a whole process (fork to wait) and the
kernel crossings of one more run of each (`perf stat -e raw_syscalls:sys_enter` on the
command's process only), both also as ratios to the first command's. Every output is compared
with FILE; a difference is an error (exit status 1). Used for testsuite/programs/pcopy.c, the
copy at explicit offsets (docs/results.md).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def crossings(command, src, dst):
    """Kernel crossings of one run of `command src dst`, counted by perf."""
    with tempfile.NamedTemporaryFile(mode="r", suffix=".perf") as out:
        subprocess.run(
            ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", out.name, "--"]
            + command
            + [src, dst],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for line in out.read().splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2] == "raw_syscalls:sys_enter":
                return int(fields[0])
    raise RuntimeError("perf printed no count of raw_syscalls:sys_enter")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--input", required=True)
    parser.add_argument("programs", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args()
    programs = []
    for item in args.programs:
        name, sep, command = item.partition("=")
        if not sep or not command.split():
            parser.error(f"'{item}' is not NAME=COMMAND")
        programs.append((name, command.split()))
    with open(args.input, "rb") as f:
        expected = f.read()
    dst = os.path.join(os.path.dirname(os.path.abspath(args.input)), "bench-files.out")
    times = {name: [] for name, _ in programs}
    bad = False

    def fresh():
        if os.path.exists(dst):
            os.unlink(dst)
        os.sync()

    for _ in range(args.runs):
        for name, command in programs:
            fresh()
            start = time.perf_counter()
            subprocess.run(command + [args.input, dst], check=False, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
            with open(dst, "rb") as f:
                if f.read() != expected:
                    print(f"bench-files: {name}'s output differs from {args.input}", file=sys.stderr)
                    bad = True
    counts = {}
    for name, command in programs:
        fresh()
        counts[name] = crossings(command, args.input, dst)
    fresh()
    first = programs[0][0]
    base_t, base_c = statistics.median(times[first]), counts[first]
    print(f"{args.input}: {len(expected)} bytes, {args.runs} alternating runs each")
    print(f"{'program':<14} {'median ms':>10} {'time':>7} {'crossings':>10} {'ratio':>7}")
    for name, _ in programs:
        t = statistics.median(times[name])
        print(
            f"{name:<14} {t * 1000:>10.2f} {t / base_t:>6.3f}x {counts[name]:>10} "
            f"{counts[name] / base_c:>6.3f}x"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
