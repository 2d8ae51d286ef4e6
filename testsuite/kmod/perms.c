// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Ordinary permission checks apply to every call of a batch: after dropping root with
 * setresuid, a batched open of a root-only file gives -EACCES exactly as a direct open does,
 * and so do the other calls an unprivileged user may not make.
 *
 *   perms                 the checks above (run as root)
 *   perms device MODE     /dev/multicall has mode MODE (octal), and a user other than root
 *                         can open it only when MODE lets others read and write
 */
#include "mctest.h"

#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define NOBODY 65534

static void drop_root(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		die("dropping root");
}

/* Runs fn in a child that is no longer root; its checks count as this process's. */
static void as_nobody(void (*fn)(void))
{
	int p[2];
	pid_t pid;
	int status;
	char buf[4096];
	ssize_t n;

	fflush(stdout);
	if (pipe(p))
		die("pipe");
	pid = mct_fork();
	if (pid == 0) {
		close(p[0]);
		drop_root();
		fn();
		/* Hand the counts back: checks, failed. */
		dprintf(p[1], "%d %d\n", mct_checks, mct_failed);
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, &status, 0);
	if (n > 0) {
		buf[n] = 0;
		sscanf(buf, "%d %d", &mct_checks, &mct_failed);
	}
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the unprivileged child finished");
}

static const char *secret = "/tmp/mc-perms-secret";
static const char *rootfile = "/tmp/mc-perms-root-0644";

static void unprivileged_checks(void)
{
	struct mc_entry e[8];
	char buf[64];
	long direct;

	check_eq(getuid(), NOBODY, "the child runs as uid %d", NOBODY);
	direct = raw(SYS_openat, AT_FDCWD, (long)secret, O_RDONLY, 0, 0, 0);
	e[0] = E(SYS_openat, AT_FDCWD, (long)secret, O_RDONLY, 0, 0, 0);
	e[1] = E(SYS_openat, AT_FDCWD, (long)rootfile, O_WRONLY, 0, 0, 0);
	e[2] = E(SYS_openat, AT_FDCWD, (long)rootfile, O_RDONLY, 0, 0, 0);
	e[3] = E(SYS_setuid, 0, 0, 0, 0, 0, 0);
	e[4] = E(SYS_kill, getppid(), 0, 0, 0, 0, 0);
	e[5] = E(SYS_sethostname, (long)"owned", 5, 0, 0, 0, 0);
	e[6] = E(SYS_chown, (long)rootfile, NOBODY, NOBODY, 0, 0, 0);
	e[7] = E(SYS_getuid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run(e, 8, 0, 0, NULL), 0, "unprivileged: batch runs");
	check_eq(direct, -EACCES, "unprivileged: a direct open of the root-only file gives -EACCES");
	check_eq(e[0].result, -EACCES, "unprivileged: the batched open of the root-only file gives -EACCES");
	check_eq(e[1].result, -EACCES, "unprivileged: opening a root file 0644 for writing gives -EACCES");
	check(e[2].result >= 0, "unprivileged: opening it for reading works (%lld)", (long long)e[2].result);
	check_eq(e[3].result, -EPERM, "unprivileged: setuid(0) gives -EPERM");
	check_eq(e[4].result, -EPERM, "unprivileged: signalling root's process gives -EPERM");
	check_eq(e[5].result, -EPERM, "unprivileged: sethostname gives -EPERM (no CAP_SYS_ADMIN)");
	check_eq(e[6].result, -EPERM, "unprivileged: chown of root's file gives -EPERM");
	check_eq(e[7].result, NOBODY, "unprivileged: calls in a batch see the caller's credentials");
	if (e[2].result >= 0) {
		e[0] = E(SYS_read, e[2].result, (long)buf, sizeof(buf), 0, 0, 0);
		mc_run(e, 1, 0, 0, NULL);
		check_eq(e[0].result, 5, "unprivileged: reading a world-readable file works");
	}
}

static int mode_arg;

static void device_checks(void)
{
	int fd = open(MC_DEVICE_PATH, O_RDWR);
	int others_rw = (mode_arg & 06) == 06;

	if (others_rw)
		check(fd >= 0, "device mode %03o: others can open it", mode_arg);
	else
		check(fd < 0 && errno == EACCES, "device mode %03o: others get EACCES", mode_arg);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc == 3 && strcmp(argv[1], "device") == 0) {
		struct stat st;

		mode_arg = (int)strtol(argv[2], NULL, 8);
		printf("# /dev/multicall with mode=%03o\n", mode_arg);
		if (stat(MC_DEVICE_PATH, &st))
			die("stat %s", MC_DEVICE_PATH);
		check_eq(st.st_mode & 0777, mode_arg, "the device node has the mode given to insmod");
		check(open(MC_DEVICE_PATH, O_RDWR) >= 0, "root can open the device");
		as_nobody(device_checks);
		return done();
	}
	if (argc != 1) {
		fprintf(stderr, "usage: perms [device MODE]\n");
		return 2;
	}
	printf("# permission checks inside a batch\n");
	if (getuid() != 0) {
		printf("Bail out! perms must start as root\n");
		return 100;
	}
	fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "secret", 6) != 6)
		die("create %s", secret);
	close(fd);
	fd = open(rootfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "hello", 5) != 5)
		die("create %s", rootfile);
	close(fd);
	if (chmod(secret, 0600) || chmod(rootfile, 0644))
		die("chmod");
	mc_open(); /* opened as root, inherited: the checks are per call, not per open */
	as_nobody(unprivileged_checks);
	unlink(secret);
	unlink(rootfile);
	return done();
}
