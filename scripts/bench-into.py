#!/usr/bin/env python3
"""Programs that copy a file to their standard output, side by side (a benchmark: it measures,
it asserts nothing about time).

    scripts/bench-into.py [--runs N] --input FILE --into file|pipe|socket|null NAME=COMMAND...

Each COMMAND (split on blanks) is run with FILE appended as its last argument and its standard
output on the destination: a new file beside FILE (`file`), a pipe this process drains in 1 MiB
reads (`pipe`), or one end of a TCP connection over the loopback device whose other end it
drains (`socket`), or /dev/null (`null`: no output to compare).
The commands alternate, N runs each (default 11); the figures are the median wall time of a
whole process (fork to wait, the drain included) and the kernel crossings of one more run of
each (`perf stat -e raw_syscalls:sys_enter` on the command's process only), both also as
ratios to the first command's. Every output but /dev/null's is compared with FILE; a difference is an error
(exit status 1). Used for coreutils `cat` built plainly and through `syscluster build`
(docs/results.md).
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def drain(sock_or_fd):
    """Reads everything from a socket or a pipe's read end; returns the bytes."""
    chunks = []
    while True:
        if isinstance(sock_or_fd, socket.socket):
            data = sock_or_fd.recv(1 << 20)
        else:
            data = os.read(sock_or_fd, 1 << 20)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def run_once(argv, into, infile, perf_out=None):
    """Runs argv INFILE with stdout on the destination; returns (ms, output bytes)."""
    if perf_out:
        argv = ["perf", "stat", "-e", "raw_syscalls:sys_enter", "-x,", "-o", perf_out] + argv
    argv = argv + [infile]
    start = time.perf_counter_ns()
    if into == "null":
        with open(os.devnull, "wb") as out:
            subprocess.run(argv, stdout=out, check=True)
        return (time.perf_counter_ns() - start) / 1e6, None
    if into == "file":
        with tempfile.NamedTemporaryFile(dir=os.path.dirname(os.path.abspath(infile))) as out:
            subprocess.run(argv, stdout=out, check=True)
            elapsed = time.perf_counter_ns() - start
            out.seek(0)
            return elapsed / 1e6, out.read()
    if into == "pipe":
        r, w = os.pipe()
        p = subprocess.Popen(argv, stdout=w)
        os.close(w)
        got = drain(r)
        os.close(r)
    else:
        # A TCP connection over the loopback device: the runtime copies into TCP sockets
        # only (docs/runtime.md, rule 4).
        with socket.create_server(("127.0.0.1", 0)) as server:
            a = socket.create_connection(server.getsockname())
            b, _ = server.accept()
        p = subprocess.Popen(argv, stdout=a.fileno())
        a.close()
        got = drain(b)
        b.close()
    if p.wait() != 0:
        raise SystemExit(f"bench-into: {argv[0]} exited with {p.returncode}")
    return (time.perf_counter_ns() - start) / 1e6, got


def crossings(path):
    with open(path) as f:
        for line in f:
            if "raw_syscalls:sys_enter" in line:
                return int(line.split(",")[0])
    raise SystemExit("bench-into: perf stat counted no raw_syscalls:sys_enter")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--input", required=True)
    ap.add_argument("--into", choices=["file", "pipe", "socket", "null"], required=True)
    ap.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    args = ap.parse_args()
    cmds = []
    for c in args.commands:
        name, sep, command = c.partition("=")
        if not sep or not command.strip():
            ap.error(f"'{c}' is not NAME=COMMAND")
        cmds.append((name, command.split()))
    with open(args.input, "rb") as f:
        expected = f.read()
    times = {name: [] for name, _ in cmds}
    for _ in range(args.runs):
        for name, argv in cmds:
            ms, got = run_once(argv, args.into, args.input)
            if got is not None and got != expected:
                print(f"bench-into: {name}: the output differs from the input", file=sys.stderr)
                return 1
            times[name].append(ms)
    perf_out = tempfile.NamedTemporaryFile(delete=False).name
    base_ms = base_x = None
    try:
        for name, argv in cmds:
            run_once(argv, args.into, args.input, perf_out)
            x = crossings(perf_out)
            ms = statistics.median(times[name])
            base_ms = base_ms or ms
            base_x = base_x or x
            print(
                f"{name} into {'/dev/null' if args.into == 'null' else 'a ' + args.into}: median {ms:.1f} ms ({ms / base_ms:.2f}x), "
                f"{x} crossings ({x / base_x:.3f}x)"
            )
    finally:
        os.unlink(perf_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
