// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The module cannot be unloaded while an ioctl runs. A single-threaded caller's ioctl holds
 * no reference of its own to the file (the kernel's fdget() takes none when the descriptor
 * table is not shared), so a batch whose entry closes the /dev/multicall descriptor it was
 * submitted on (close, close_range, dup2 over it) drops the file's last reference between
 * two entries. The module must still keep itself loaded until the ioctl returns: an rmmod
 * while a later entry sleeps has to fail, and the batch has to finish normally.
 *
 *   unload [MODULE.ko]     MODULE.ko is loaded again if an rmmod wrongly succeeds
 *                          (default /lib/modules/multicall.ko)
 *
 * Run it as root while nothing else has the device open.
 */
#include "mctest.h"

#include <sys/wait.h>

enum closer { CLOSE, CLOSE_RANGE, DUP2 };
static const char *const closer_name[] = { "close", "close_range", "dup2 over it" };

/*
 * In a forked, single-threaded child: opens the device and runs
 * [closer(fd); write(ready, "r", 1); nanosleep(800 ms)] on it. Exits 0 when every entry gave
 * what running it alone gives, 1 otherwise.
 */
static void child(enum closer how, int ready)
{
	struct timespec nap = { 0, 800 * 1000 * 1000 };
	struct mc_entry e[3];
	struct mc_batch b;
	int fd, null_fd;
	long r, want;

	null_fd = open("/dev/null", O_WRONLY);
	fd = open(MC_DEVICE_PATH, O_RDWR);
	if (fd < 0 || null_fd < 0)
		_exit(2);
	switch (how) {
	case CLOSE:
		e[0] = E(SYS_close, fd, 0, 0, 0, 0, 0);
		want = 0;
		break;
	case CLOSE_RANGE:
		e[0] = E(SYS_close_range, fd, fd, 0, 0, 0, 0);
		want = 0;
		break;
	default:
		e[0] = E(SYS_dup2, null_fd, fd, 0, 0, 0, 0);
		want = fd;
		break;
	}
	e[1] = E(SYS_write, ready, (long)"r", 1, 0, 0, 0);
	e[2] = E(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 3;
	r = ioctl(fd, MC_IOC_RUN, &b);
	_exit(r == 0 && e[0].result == want && e[1].result == 1 && e[2].result == 0 &&
			      b.stop_index == 3
		      ? 0
		      : 1);
}

static int module_loaded(void)
{
	return access("/sys/module/multicall", F_OK) == 0;
}

static long long module_refcnt(void)
{
	return mct_read_number("/sys/module/multicall/refcnt");
}

static void try_unload_during(enum closer how, const char *module)
{
	int ready[2], status, fd;
	char c;
	pid_t pid;
	long r;

	if (pipe(ready))
		die("pipe");
	pid = mct_fork();
	if (pid == 0) {
		close(ready[0]);
		child(how, ready[1]);
	}
	close(ready[1]);
	/* Entry 1 wrote: entry 0 has closed the descriptor, entry 2 sleeps. */
	if (read(ready[0], &c, 1) != 1)
		die("the child's batch never reached its second entry");
	r = raw(SYS_delete_module, (long)"multicall", O_NONBLOCK, 0, 0, 0, 0);
	check(r == -EWOULDBLOCK || r == -EBUSY,
	      "%s: rmmod fails while the batch that closed its own descriptor still runs (%ld)",
	      closer_name[how], r);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: the batch finished with the results of its calls run alone (status %#x)",
	      closer_name[how], status);
	close(ready[0]);
	if (r == 0) {
		/* The module went away under the batch; put it back for the tests that follow. */
		fd = open(module, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || raw(SYS_finit_module, fd, (long)"", 0, 0, 0, 0) != 0)
			printf("# could not load %s again\n", module);
		if (fd >= 0)
			close(fd);
		return;
	}
	check(module_loaded(), "%s: the module is still loaded", closer_name[how]);
	check_eq(module_refcnt(), 0, "%s: the ioctl left no module reference behind", closer_name[how]);
}

int main(int argc, char **argv)
{
	const char *module = argc > 1 ? argv[1] : "/lib/modules/multicall.ko";

	printf("# rmmod while a batch that closed its own /dev/multicall descriptor runs\n");
	if (!check(module_refcnt() == 0, "nothing holds the module before the test (refcnt %lld)",
		   module_refcnt()))
		return done();
	try_unload_during(CLOSE, module);
	try_unload_during(CLOSE_RANGE, module);
	try_unload_during(DUP2, module);
	return done();
}
