// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Benchmark (measures, never asserts a time): nanoseconds per read+write pair of a copy in
 * 512-byte blocks, done directly, as one ioctl per pair, as 16 pairs per ioctl, and as one
 * looped batch, with ratios to the direct copy. Prints whether the kernel runs with page-table
 * isolation, which makes every crossing dearer.
 *
 *   bench [SIZE [BLOCK [REPS]]]      defaults: 2097152 512 7
 */
#include "copyways.h"

#include <time.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_file_line(const char *label, const char *path)
{
	char line[256] = "unknown\n";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			strcpy(line, "unknown\n");
		fclose(f);
	}
	printf("# %s: %s", label, line);
}

/* Whether the kernel isolates its page tables (the "pti" CPU flag in /proc/cpuinfo). */
static int pti_on(void)
{
	char line[8192];
	int on = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (!on && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0 && strstr(line, " pti"))
			on = 1;
	fclose(f);
	return on;
}

int main(int argc, char **argv)
{
	long size = argc > 1 ? atol(argv[1]) : 2L << 20;
	long bs = argc > 2 ? atol(argv[2]) : 512;
	int reps = argc > 3 ? atoi(argv[3]) : 7;
	long blocks = (size + bs - 1) / bs;
	const char *in_path = "/tmp/mc-bench-in", *out_path = "/tmp/mc-bench-out";
	static char buf[65536];
	double ns[WAYS][64], med[WAYS], best[WAYS];
	long crossings[WAYS];
	enum way w;
	int r;

	if (size <= 0 || bs <= 0 || bs > 65536 || reps < 1 || reps > 64) {
		fprintf(stderr, "usage: bench [SIZE [BLOCK [REPS]]] (BLOCK 1..65536, REPS 1..64)\n");
		return 2;
	}
	print_file_line("kernel command line", "/proc/cmdline");
	printf("# page-table isolation: %s\n", pti_on() ? "on" : "off");
	printf("# copy of %ld bytes in %ld-byte blocks (%ld read+write pairs), %d runs each, "
	       "ns per pair (min / median)\n", size, bs, blocks, reps);
	make_input(in_path, size);
	mc_open();
	/* Interleave the ways so that drift in a shared machine hits them alike. */
	for (r = 0; r < reps; r++) {
		for (w = 0; w < WAYS; w++) {
			int in = open(in_path, O_RDONLY), out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			double t0, t1;

			if (in < 0 || out < 0)
				die("open");
			crossings[w] = 0;
			t0 = now_ns();
			if (copy_way(w, in, out, buf, bs, &crossings[w]))
				die("copy (%s)", way_names[w]);
			t1 = now_ns();
			close(in);
			close(out);
			ns[w][r] = (t1 - t0) / blocks;
		}
	}
	if (!same_files(in_path, out_path))
		die("the last copy differs from its input");
	printf("# %-20s %10s %10s %12s %8s\n", "way", "ns/pair", "median", "crossings", "ratio");
	for (w = 0; w < WAYS; w++) {
		qsort(ns[w], reps, sizeof(double), cmp_double);
		best[w] = ns[w][0];
		med[w] = ns[w][reps / 2];
	}
	for (w = 0; w < WAYS; w++)
		printf("  %-20s %10.0f %10.0f %12ld %8.2f\n", way_names[w], best[w], med[w], crossings[w],
		       med[w] / med[WAY_DIRECT]);
	unlink(in_path);
	unlink(out_path);
	return 0;
}
