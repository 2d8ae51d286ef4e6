#!/usr/bin/env python3
"""What the output's offset at the start of a copy_file_range does to its cost (a benchmark,
not a test; docs/results.md, docs/runtime.md `OUTPUT_ALIGN`).

    scripts/bench-output-offset.py [--runs 31] [--mib 16] [--dir build]

One C program copies a file of MIB MiB (random bytes, on the disk file system under DIR) to
a new file: first PREFIX bytes with plain 4 KiB `read`/`write` pairs, then, when ALIGN is
set, one `copy_file_range` up to the next 64 KiB of the output, then the rest with
`copy_file_range` calls asking for all that is left. The ways (prefix 0, 4 KiB and 16 KiB,
with and without the aligning call) alternate, the order rotating per round; before each run,
outside the measure, the output is removed and `sync` writes back what earlier runs left.
Prints the median system time (`ru_stime`) of each way and checks every output.
"""
import argparse
import os
import statistics
import subprocess
import tempfile

PROGRAM = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	static char buf[4096];
	struct stat st;
	long prefix = atol(argv[3]), align = atol(argv[4]);
	int in = open(argv[1], O_RDONLY), out = creat(argv[2], 0644);
	off_t done = 0, n;

	if (in < 0 || out < 0 || fstat(in, &st) < 0)
		return 1;
	for (; done < prefix; done += sizeof(buf))
		if (read(in, buf, sizeof(buf)) != sizeof(buf) || write(out, buf, sizeof(buf)) != sizeof(buf))
			return 1;
	if (align && done % 65536) {
		n = 65536 - done % 65536;
		if (copy_file_range(in, NULL, out, NULL, n, 0) != n)
			return 1;
		done += n;
	}
	for (; done < st.st_size; done += n)
		if ((n = copy_file_range(in, NULL, out, NULL, st.st_size - done, 0)) <= 0)
			return 1;
	return 0;
}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=31)
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--dir", default="build")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as work:
        src, exe, inp = (os.path.join(work, f) for f in ("c.c", "c", "in"))
        with open(src, "w") as f:
            f.write(PROGRAM)
        subprocess.run(["clang-19", "-O2", "-o", exe, src], check=True)
        with open(inp, "wb") as f:
            f.write(os.urandom(args.mib << 20))
        ways = [(p, a) for p in (0, 4096, 16384) for a in (0, 1) if p or not a]
        times = {w: [] for w in ways}
        for r in range(args.runs):
            for k in range(len(ways)):
                prefix, align = ways[(r + k) % len(ways)]
                out = os.path.join(work, f"out.{prefix}.{align}")
                if os.path.exists(out):
                    os.unlink(out)
                os.sync()
                p = subprocess.Popen([exe, inp, out, str(prefix), str(align)])
                _, status, usage = os.wait4(p.pid, 0)
                if status != 0:
                    raise SystemExit(f"the copy with prefix {prefix}, align {align} failed")
                times[(prefix, align)].append(usage.ru_stime * 1e3)
        with open(inp, "rb") as f:
            want = f.read()
        print(f"{args.mib} MiB on {subprocess.run(['stat', '-f', '-c', '%T', work], capture_output=True, text=True).stdout.strip()}, "
              f"{os.uname().release}: median system time of {args.runs} runs")
        for prefix, align in ways:
            with open(os.path.join(work, f"out.{prefix}.{align}"), "rb") as f:
                if f.read() != want:
                    raise SystemExit(f"prefix {prefix}, align {align}: the output differs")
            how = "then to 64 KiB, then the rest" if align else "then the rest"
            print(f"  {prefix:6d} bytes plain, {how:30s} {statistics.median(times[(prefix, align)]):6.2f} ms")


if __name__ == "__main__":
    main()
