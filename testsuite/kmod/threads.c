// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Many threads issue batches at once on one shared descriptor: each sees its own results
 * (gettid is its own, its pipe holds its own bytes), the module's counters add up, and
 * threads that close descriptors and unmap buffers under their neighbours' batches cause
 * clean errors only.
 */
#include "mctest.h"

#include <pthread.h>
#include <sys/mman.h>

#define THREADS 8
#define BATCHES 400

static long failures[THREADS];

static void *worker(void *arg)
{
	long id = (long)arg;
	int p[2];
	char in[16], out[16];
	struct mc_entry e[5];
	int i;

	if (pipe(p))
		return (void *)1;
	for (i = 0; i < BATCHES; i++) {
		int len = snprintf(out, sizeof(out), "t%ld-%d", id, i);

		e[0] = E(SYS_gettid, 0, 0, 0, 0, 0, 0);
		e[1] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
		e[2] = stop(E(SYS_write, p[1], (long)out, len, 0, 0, 0), MC_STOP_NE_ARG, 2);
		e[3] = stop(ref(E(SYS_read, p[0], (long)in, 0, 0, 0, 0), 2, 2), MC_STOP_NONPOS, 0);
		e[4] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
		memset(in, 0, sizeof(in));
		if (mc_run(e, 5, i % 3 == 0 ? MC_BATCH_LOOP : 0, 2, NULL) != 0 ||
		    e[0].result != syscall(SYS_gettid) || e[1].result != getpid() ||
		    e[2].result != len || e[3].result != len || memcmp(in, out, len) != 0 ||
		    e[4].result != getppid())
			failures[id]++;
	}
	close(p[0]);
	close(p[1]);
	return NULL;
}

static volatile int stop_chaos;
static char *shared_buf;
static long page;

/* Closes and reopens descriptor 100 and remaps a buffer, under the readers' batches. */
static void *chaos(void *arg)
{
	(void)arg;
	while (!stop_chaos) {
		int fd = open("/dev/zero", O_RDONLY);

		if (fd >= 0) {
			dup2(fd, 100);
			close(fd);
		}
		close(100);
		munmap(shared_buf, page);
		mmap(shared_buf, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
	}
	return NULL;
}

static void *reader(void *arg)
{
	long bad = 0;
	int i;

	(void)arg;
	for (i = 0; i < BATCHES; i++) {
		struct mc_entry e[2];

		e[0] = E(SYS_read, 100, (long)shared_buf, page, 0, 0, 0);
		e[1] = E(SYS_read, 100, (long)shared_buf, 16, 0, 0, 0);
		if (mc_run(e, 2, MC_BATCH_LOOP, 4, NULL) != 0)
			bad++;
		for (int k = 0; k < 2; k++) {
			long r = e[k].result;
			long want = k ? 16 : page;

			/* A buffer unmapped in the middle of a read gives a short count. */
			if (!(r > 0 && r <= want) && r != -EBADF && r != -EFAULT)
				bad++;
		}
	}
	return (void *)bad;
}

int main(void)
{
	pthread_t t[THREADS], c, r[2];
	long long b0 = mc_counter("batches");
	long total = 0;
	void *ret;
	int i;

	printf("# threads and /dev/multicall\n");
	mc_open();
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(long)i))
			die("pthread_create");
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &ret);
		total += failures[i] + (ret != NULL);
	}
	check_eq(total, 0, "%d threads x %d batches: every thread saw its own results", THREADS, BATCHES);
	check_eq(mc_counter("batches") - b0, THREADS * BATCHES, "the module counted every batch");

	page = sysconf(_SC_PAGESIZE);
	shared_buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared_buf == MAP_FAILED)
		die("mmap");
	if (pthread_create(&c, NULL, chaos, NULL) || pthread_create(&r[0], NULL, reader, NULL) ||
	    pthread_create(&r[1], NULL, reader, NULL))
		die("pthread_create");
	total = 0;
	for (i = 0; i < 2; i++) {
		pthread_join(r[i], &ret);
		total += (long)ret;
	}
	stop_chaos = 1;
	pthread_join(c, NULL);
	check_eq(total, 0, "descriptors closed and buffers unmapped under running batches: "
			   "only reads, -EBADF or -EFAULT");
	return done();
}
