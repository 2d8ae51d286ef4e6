// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Kernel crossings of a 2 MiB copy with 512-byte blocks, done directly, as one ioctl per
 * read+write pair, as 16 pairs per ioctl, and as one looped batch. Three independent counts
 * must agree with what each way should cost:
 *
 *  - the program's own count of the system calls and ioctls it issued;
 *  - the kernel's raw_syscalls:sys_enter tracepoint, counted per process and system call
 *    by a tracefs hist trigger (it fires once per crossing, never for calls inside a batch);
 *  - the module's counters (batches, entries, iterations);
 *
 * and /proc/PID/io must show the same 4097 reads and 4096 writes every way: the work is the
 * same, only the crossings differ. The four copies must be byte-identical to the input.
 *
 *   crossings [SIZE [BLOCK]]      defaults: 2097152 512
 */
#include "copyways.h"

#include <sys/mman.h>
#include <sys/wait.h>

#define TRACING "/sys/kernel/tracing"
#define TRIGGER TRACING "/events/raw_syscalls/sys_enter/trigger"
#define HIST TRACING "/events/raw_syscalls/sys_enter/hist"
#define HIST_SPEC "hist:keys=common_pid,id:vals=hitcount:size=2048"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Crossings of process pid for system call nr according to the hist trigger, or -1. */
static long traced(pid_t pid, long nr)
{
	FILE *f = fopen(HIST, "r");
	char line[512];
	long found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "common_pid:"), *q = strstr(line, ", id:"),
		     *h = strstr(line, "hitcount:");

		if (!p || !q || !h)
			continue;
		if (strtol(p + 11, NULL, 10) == pid && strtol(q + 5, NULL, 10) == nr)
			found = strtol(h + 9, NULL, 10);
	}
	fclose(f);
	return found;
}

/* A field of /proc/PID/io (syscr, syscw), or -1. */
static long proc_io(pid_t pid, const char *field)
{
	char path[64], line[128];
	size_t len = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

struct shared {
	long crossings;
	int status;
};

int main(int argc, char **argv)
{
	long size = argc > 1 ? atol(argv[1]) : 2L << 20;
	long bs = argc > 2 ? atol(argv[2]) : 512;
	long blocks = (size + bs - 1) / bs;
	const char *in_path = "/tmp/mc-cross-in";
	char out_path[64];
	struct shared *sh;
	int tracing;
	enum way w;

	if (size < 0 || bs <= 0 || bs > 65536) {
		fprintf(stderr, "usage: crossings [SIZE [BLOCK]] (BLOCK 1..65536)\n");
		return 2;
	}
	printf("# crossings of a %ld-byte copy in %ld-byte blocks\n", size, bs);
	make_input(in_path, size);
	mc_open();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	tracing = write_file(TRIGGER, HIST_SPEC) == 0;
	if (!tracing)
		printf("# no tracefs hist trigger (%s): tracepoint counts skipped\n", strerror(errno));

	printf("# %-20s %10s %10s %8s %8s %10s %7s %7s\n", "way", "own", "tracepoint", "batches",
	       "entries", "iterations", "syscr", "syscw");
	for (w = 0; w < WAYS; w++) {
		long long b0 = mc_counter("batches"), e0 = mc_counter("entries"),
			  i0 = mc_counter("iterations");
		long want_own, want_batches, want_iters, reads, writes, ioctls, syscr, syscw;
		siginfo_t si;
		pid_t pid;

		snprintf(out_path, sizeof(out_path), "/tmp/mc-cross-out-%d", w);
		pid = mct_fork();
		if (pid == 0) {
			/* Nothing but the copy's own calls may cross between open and exit. */
			int in = open(in_path, O_RDONLY), out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			static char buf[65536];

			sh->crossings = 0;
			sh->status = in < 0 || out < 0 ? -1 : copy_way(w, in, out, buf, bs, &sh->crossings);
			_exit(0);
		}
		/* The child stays a zombie while its /proc/PID/io is read. */
		if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT))
			die("waitid");
		syscr = proc_io(pid, "syscr");
		syscw = proc_io(pid, "syscw");
		reads = tracing ? traced(pid, SYS_read) : -1;
		writes = tracing ? traced(pid, SYS_write) : -1;
		ioctls = tracing ? traced(pid, SYS_ioctl) : -1;
		waitpid(pid, NULL, 0);

		switch (w) {
		case WAY_DIRECT: want_own = 2 * blocks + 1; want_batches = 0; want_iters = 0; break;
		case WAY_PAIR: want_own = blocks + 1; want_batches = blocks + 1; want_iters = blocks + 1; break;
		case WAY_BATCHED:
			want_own = blocks / PAIRS + 1;
			want_batches = want_own;
			want_iters = want_own;
			break;
		default: want_own = 1; want_batches = 1; want_iters = blocks + 1; break;
		}
		printf("# %-20s %10ld %10ld %8lld %8lld %10lld %7ld %7ld\n", way_names[w], sh->crossings,
		       tracing ? reads + writes + ioctls : -1, mc_counter("batches") - b0,
		       mc_counter("entries") - e0, mc_counter("iterations") - i0, syscr, syscw);
		check_eq(sh->status, 0, "%s: the copy completed", way_names[w]);
		check(same_files(in_path, out_path), "%s: the copy is byte-identical", way_names[w]);
		check_eq(sh->crossings, want_own, "%s: the program counted %ld crossings", way_names[w], want_own);
		if (tracing) {
			check_eq(reads + writes + ioctls, sh->crossings,
				 "%s: the sys_enter tracepoint saw the same crossings", way_names[w]);
			check_eq(ioctls, want_batches, "%s: of which %ld ioctls", way_names[w], want_batches);
		}
		check_eq(mc_counter("batches") - b0, want_batches, "%s: the module ran %ld batches", way_names[w], want_batches);
		check_eq(mc_counter("entries") - e0, w == WAY_DIRECT ? 0 : 2 * blocks + 1,
			 "%s: the module dispatched every read and write", way_names[w]);
		check_eq(mc_counter("iterations") - i0, want_iters, "%s: %ld iterations", way_names[w], want_iters);
		check(syscr == blocks + 1 && syscw == blocks,
		      "%s: /proc/PID/io shows %ld reads and %ld writes (%ld, %ld)", way_names[w],
		      blocks + 1, blocks, syscr, syscw);
		unlink(out_path);
	}
	if (tracing) {
		char off[sizeof(HIST_SPEC) + 1] = "!";

		strcat(off, HIST_SPEC);
		write_file(TRIGGER, off);
	}
	unlink(in_path);
	return done();
}
