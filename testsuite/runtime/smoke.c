/*
 * smoke: the C API of libmulticall as a C program sees it through
 * $(pkg-config --cflags --libs multicall): a batch, a looped copy (also with result sums),
 * result references, stop predicates, refused batches and the libc convention, each checked
 * against the direct backend. Prints "smoke: ok (backend NAME)" and exits 0, or names the first
 * failed check and exits 1.
 *
 * With MULTICALL_BACKEND set (other than auto), fails unless that backend is the one in
 * use, so a test meant for the kernel module never passes by quietly running direct.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <multicall.h>

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "smoke: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                    \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static struct mc_entry entry(long nr, long a0, long a1, long a2)
{
	struct mc_entry e;
	memset(&e, 0, sizeof e);
	e.nr = (__u32)nr;
	e.args[0] = a0;
	e.args[1] = a1;
	e.args[2] = a2;
	return e;
}

/*
 * read(in) -> write(out, n = result of read), looped until read <= 0 or a short write; with
 * sums (not NULL) through multicall_loop_sums, which adds each completed iteration's results.
 */
static long copy_loop(int in, int out, char *buf, size_t size, int direct, unsigned long *iters,
		      long long *sums)
{
	struct mc_entry e[2];
	e[0] = entry(SYS_read, in, (long)buf, (long)size);
	e[0].stop = MC_STOP_NONPOS;
	e[1] = entry(SYS_write, out, (long)buf, 0);
	e[1].refs = 1 << 2;
	e[1].stop = MC_STOP_NE_ARG;
	e[1].stop_arg = 2;
	if (sums)
		return multicall_loop_sums(e, 2, ~0UL, iters, 0, sums);
	return direct ? multicall_loop_direct(e, 2, ~0UL, iters) : multicall_loop(e, 2, ~0UL, iters);
}

int main(void)
{
	const char *forced = getenv("MULTICALL_BACKEND");

	/* First use: the backend probe must leave errno alone and must not take the lowest
	   free descriptor, which the program's next open gets. */
	int probe = open("/dev/null", O_RDONLY);
	CHECK(probe >= 0 && close(probe) == 0);
	errno = 4242;
	const char *backend = multicall_backend();
	CHECK(errno == 4242);
	struct mc_entry first[2] = { entry(SYS_getpid, 0, 0, 0), entry(SYS_getpid, 0, 0, 0) };
	CHECK(multicall(first, 2) == 2 && errno == 4242);
	int again = open("/dev/null", O_RDONLY);
	CHECK(again == probe);
	close(again);

	if (forced && *forced && strcmp(forced, "auto") != 0 && strcmp(forced, backend) != 0) {
		fprintf(stderr, "smoke: MULTICALL_BACKEND=%s but the backend in use is %s\n", forced,
			backend);
		return 1;
	}

	/* multicall_batches_pay: 0 only in auto mode once the process runs plain batches on
	   the direct backend (the module's device was tried by multicall_backend() above). */
	int is_auto = !forced || !*forced || strcmp(forced, "auto") == 0;
	int plain_direct = is_auto && strcmp(backend, "direct") == 0;
	if (multicall_batches_pay != !plain_direct) {
		fprintf(stderr, "smoke: multicall_batches_pay is %d with MULTICALL_BACKEND=%s on %s\n",
			multicall_batches_pay, forced ? forced : "(unset)", backend);
		return 1;
	}

	/* getpid, close(-1), getpid: per-entry results, no stop. */
	struct mc_entry b[3] = { entry(SYS_getpid, 0, 0, 0), entry(SYS_close, -1, 0, 0),
				 entry(SYS_getpid, 0, 0, 0) };
	CHECK(multicall(b, 3) == 3);
	CHECK(b[0].result == getpid() && b[2].result == getpid());
	CHECK(b[1].result == -EBADF);

	/* stop on error: the third entry must not run; a failed entry leaves errno alone
	   (the lowered code sets it inline where the original call returned) */
	b[1].stop = MC_STOP_NEG;
	b[2].result = 12345;
	errno = 0;
	CHECK(multicall(b, 3) == 1 && errno == 0);
	CHECK(b[2].result == 12345);

	/* the libc convention */
	errno = 0;
	CHECK(multicall_libc_result(b[1].result) == -1 && errno == EBADF);
	CHECK(multicall_libc_result(7) == 7);

	/* refused batches: nothing runs, errno EINVAL */
	errno = 0;
	CHECK(multicall(b, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(multicall(NULL, 1) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(multicall(b, MC_MAX_ENTRIES + 1) == -1 && errno == EINVAL);
	b[0].refs = 1; /* entry 0 referring to an entry at or after itself */
	errno = 0;
	CHECK(multicall(b, 3) == -1 && errno == EINVAL);
	b[0].refs = 0;
	errno = 0;
	CHECK(multicall_loop(b, 3, 0, NULL) == -1 && errno == EINVAL);

	/* a denied call answers -ENOSYS without running */
	struct mc_entry d[1] = { entry(SYS_exit_group, 3, 0, 0) };
	CHECK(multicall(d, 1) == 1 && d[0].result == -ENOSYS);

	/* the copy loop through a pipe-free path: a temp file of 10000 bytes, copied twice
	   (selected backend and direct), byte-identical */
	char src[] = "/tmp/mc-smoke-src-XXXXXX", dst[] = "/tmp/mc-smoke-dst-XXXXXX";
	int s = mkstemp(src), t = mkstemp(dst);
	CHECK(s >= 0 && t >= 0);
	static char data[10000], back[10000], buf[4096];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 + 3);
	CHECK(write(s, data, sizeof data) == (ssize_t)sizeof data);
	/* selected backend, direct, and selected with result sums */
	for (int way = 0; way < 3; way++) {
		unsigned long iters = 0;
		long long sums[2] = { 5, 0 };
		CHECK(lseek(s, 0, SEEK_SET) == 0 && lseek(t, 0, SEEK_SET) == 0 && ftruncate(t, 0) == 0);
		CHECK(copy_loop(s, t, buf, sizeof buf, way == 1, &iters, way == 2 ? sums : NULL) == 0);
		CHECK(iters == 4); /* 4096 + 4096 + 1808 + end of file */
		CHECK(pread(t, back, sizeof back, 0) == (ssize_t)sizeof back);
		CHECK(memcmp(data, back, sizeof data) == 0);
		if (way == 2) /* the three whole iterations, on top of the values given */
			CHECK(sums[0] == 5 + (long long)sizeof data && sums[1] == (long long)sizeof data);
	}
	errno = 0;
	CHECK(multicall_loop_sums(b, 3, 1, NULL, 0, NULL) == -1 && errno == EINVAL);
	close(s);
	close(t);
	unlink(src);
	unlink(dst);

	if (failures) {
		fprintf(stderr, "smoke: %d checks failed (backend %s)\n", failures, backend);
		return 1;
	}
	printf("smoke: ok (backend %s)\n", backend);
	return 0;
}
