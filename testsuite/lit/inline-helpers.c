#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/* A: small helpers, inlined into the loop that calls both. */
ssize_t a_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t a_write(int fd, const void *buf, size_t len) { return write(fd, buf, len); }

int copy_a(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = a_read(in, buf, sizeof buf)) > 0)
		if (a_write(out, buf, n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

/* The copy loop of the cases below, through the helpers RD and WR. */
#define COPY_LOOP(name, rd, wr)						\
	int name(int in, int out)					\
	{								\
		char buf[4096];						\
		ssize_t n;						\
									\
		while ((n = rd(in, buf, sizeof buf)) > 0)		\
			if (wr(out, buf, n) != n)			\
				return -1;				\
		return 0;						\
	}

/* B: the write helper is marked noinline. */
ssize_t b_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
__attribute__((noinline)) ssize_t b_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

COPY_LOOP(copy_b, b_read, b_write)

/* C: the write helper takes variable arguments. */
ssize_t c_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t c_write(int fd, const void *buf, size_t len, ...)
{
	return write(fd, buf, len);
}

COPY_LOOP(copy_c, c_read, c_write)

/* D: the write helper calls itself (writes the rest of a short write). */
ssize_t d_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t d_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n > 0 && (size_t)n < len) {
		ssize_t more = d_write(fd, (const char *)buf + n, len - (size_t)n);

		return more < 0 ? more : n + more;
	}
	return n;
}

COPY_LOOP(copy_d, d_read, d_write)

/* E: the write helper is not small (256 volatile stores after the call). */
volatile int e_sink;
#define E4(k) e_sink = (k); e_sink = (k) + 1; e_sink = (k) + 2; e_sink = (k) + 3;
#define E16(k) E4(k) E4((k) + 4) E4((k) + 8) E4((k) + 12)
#define E64(k) E16(k) E16((k) + 16) E16((k) + 32) E16((k) + 48)
ssize_t e_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t e_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	E64(0) E64(64) E64(128) E64(192)
	return n;
}

COPY_LOOP(copy_e, e_read, e_write)

/* F: no function calls both helpers. */
ssize_t f_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t f_write(int fd, const void *buf, size_t len) { return write(fd, buf, len); }
ssize_t f_reader(int fd, void *buf) { return f_read(fd, buf, 512); }
ssize_t f_writer(int fd, const void *buf, size_t len) { return f_write(fd, buf, len); }

/* G: helpers clang inlines itself (always_inline) and that tail-call the system call, which
 * a profile records at the helper's call. */
static inline __attribute__((always_inline)) ssize_t g_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}
static inline __attribute__((always_inline)) ssize_t g_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

int copy_g(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = g_read(in, buf, sizeof buf)) > 0)
		if (g_write(out, buf, n) != n)
			return -1;
	return 0;
}

/* H: the host calls the write helper more often than the inliner takes. */
ssize_t h_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t h_write(int fd, const void *buf, size_t len) { return write(fd, buf, len); }

int copy_h(int in, int out)
{
	char buf[4096];
	ssize_t n = h_read(in, buf, sizeof buf);

	if (n <= 0)
		return (int)n;
	if (h_write(out, "[", 1) != 1 || h_write(out, buf, n) != n || h_write(out, "]", 1) != 1 ||
	    h_write(out, "\n", 1) != 1 || h_write(out, "\n", 1) != 1)
		return -1;
	return 0;
}

/*
 * Calls across functions: a hot edge whose calls sit in two helpers (profile sites in
 * a_read/a_write, ...; Inputs/inline-helpers.json) is clustered after the helpers are inlined
 * into the function that calls both; each helper that cannot be inlined leaves one remark per
 * edge saying why. clang's own inliner is kept off (-inline-threshold) so that the helpers
 * stay calls, as large helpers do. The RUN lines are at the end: the profile names the lines
 * above.
 *
 * RUN: %clang -O2 -g -mllvm -inline-threshold=-10000 -S -emit-llvm %s -o %t.before.ll
 * RUN: FileCheck %s --check-prefix=BEFORE < %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/inline-helpers.json;stats>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -pass-remarks-analysis=syscall-cluster -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s --check-prefix=AFTER < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * BEFORE-LABEL: define {{.*}} @copy_a(
 * BEFORE: call i64 @a_read(
 * BEFORE: call i64 @a_write(
 * BEFORE-LABEL: define {{.*}} @copy_b(
 *
 * The helpers' calls in copy_a are inlined, with their debug locations: read at a_read's
 * line, inlined at copy_a's call of a_read.
 * REMARK: inline-helpers.c:14:14: inlined 'a_read' (2 instructions) into 'copy_a' so that the hot edge read() -> write() (weight 100) runs in one function
 * REMARK-NEXT: inline-helpers.c:15:7: inlined 'a_write' (2 instructions) into 'copy_a' so that the hot edge read() -> write() (weight 100) runs in one function
 * The profile's site in a_read (no inlined-at frames) matches the copy inlined into copy_a.
 * REMARK: inline-helpers.c:6:56: profile node read() (101 calls) is 'read' at inline-helpers.c:6:56 (by debug location)
 * REMARK-NEXT: inline-helpers.c:6:56: profile node read() (101 calls) is 'read' at inline-helpers.c:6:56 (by debug location)
 * A helper that tail-calls the system call is recorded at its caller's call of it.
 * REMARK: inline-helpers.c:93:9: profile node read() (41 calls) is 'read' at inline-helpers.c:93:9 (by the debug location where the helper that tail-calls it was inlined)
 * REMARK: inline-helpers.c:97:9: profile node write() (40 calls) is 'write' at inline-helpers.c:97:9 (by the debug location where the helper that tail-calls it was inlined)
 * An edge into a function of another translation unit says so.
 * REMARK: hot edge read() -> sendto() (weight 30) matches no call site here: no site for sendto(); its call site is in 'net_send', which this module does not define: link-time optimisation (syscluster build --lto) brings it in reach
 * REMARK: inline-helpers.c:34:56: not clustered: hot edge read() -> write() (weight 90) runs from 'read' at inline-helpers.c:34:56 in 'b_read' to 'write' at inline-helpers.c:37:9 in 'b_write', different functions: 'b_write' cannot be inlined into 'copy_b': the callee or the call is marked noinline
 * REMARK-NEXT: inline-helpers.c:37:9: not clustered: hot edge write() -> read() (weight 89) {{.*}}: 'b_write' cannot be inlined into 'copy_b': the callee or the call is marked noinline
 * REMARK-NEXT: inline-helpers.c:43:56: not clustered: hot edge read() -> write() (weight 80) {{.*}}: 'c_write' cannot be inlined into 'copy_c': the callee takes variable arguments
 * REMARK-NEXT: inline-helpers.c:46:9: not clustered: hot edge write() -> read() (weight 79)
 * REMARK-NEXT: inline-helpers.c:52:56: not clustered: hot edge read() -> write() (weight 70) {{.*}}: 'd_write' is recursive
 * REMARK-NEXT: inline-helpers.c:55:14: not clustered: hot edge write() -> read() (weight 69)
 * REMARK-NEXT: inline-helpers.c:72:56: not clustered: hot edge read() -> write() (weight 60) {{.*}}: 'e_write' has {{[0-9]+}} instructions, more than the 200 of a small helper
 * REMARK-NEXT: inline-helpers.c:75:14: not clustered: hot edge write() -> read() (weight 59)
 * REMARK-NEXT: inline-helpers.c:84:56: not clustered: hot edge read() -> write() (weight 50) {{.*}}: no function of this module calls both 'f_read' and 'f_write' (through at most 3 calls each); link-time optimisation (syscluster build --lto) brings callers in other translation units in reach
 * REMARK-NEXT: inline-helpers.c:85:63: not clustered: hot edge write() -> read() (weight 49)
 * REMARK-NEXT: inline-helpers.c:112:56: not clustered: hot edge read() -> write() (weight 35) {{.*}}: 'copy_h' calls 'h_write' 5 times, more than 4: the profile does not say which call is hot
 * REMARK-NOT: hot edge {{.*}} different functions
 * REMARK: inline-helpers.c:6:56: clustered the whole loop into one looped multi-call: read -> write
 * REMARK: inline-helpers.c:93:9: clustered the whole loop into one looped multi-call: read -> write
 * REMARK: 2 syscall-cluster - Number of looped multi-calls (whole loops)
 * REMARK-NEXT: 2 syscall-cluster - Number of helper calls inlined for hot edges
 *
 * AFTER-LABEL: define {{.*}} @copy_a(
 * AFTER-NOT: @a_read(
 * AFTER-NOT: @a_write(
 * AFTER: call i64 @multicall_loop_flags(
 * AFTER-LABEL: define {{.*}} @copy_b(
 * AFTER: call i64 @b_read(
 * AFTER: call i64 @b_write(
 * RUN: FileCheck %s --check-prefix=DBG < %t.after.ll
 * DBG: call {{.*}}i64 @read({{.*}} 4096){{.*}}, !dbg [[READ:![0-9]+]]
 * DBG: [[READ]] = !DILocation(line: 6, column: 56, scope: {{![0-9]+}}, inlinedAt: [[AT:![0-9]+]])
 * DBG: [[AT]] = distinct !DILocation(line: 14, column: 14,
 *
 * At link time: the plugin runs at the end of the full LTO pipeline when it has a profile,
 * and not without one (a linker names it in its own pipeline with the profile instead).
 * RUN: %opt-cluster -passes='lto<O2>' -syscluster-profile=%inputs/inline-helpers.json \
 * RUN:   -pass-remarks=syscall-cluster -disable-output %t.before.ll 2>&1 | FileCheck %s --check-prefix=LTO
 * RUN: %opt-cluster -passes='lto<O2>' -pass-remarks=syscall-cluster \
 * RUN:   -pass-remarks-analysis=syscall-cluster -disable-output %t.before.ll 2>&1 | count 0
 * LTO: inline-helpers.c:6:56: clustered the whole loop into one looped multi-call: read -> write
 */
