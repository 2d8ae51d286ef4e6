// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Batches under a live audit context. With audit enabled and one syscall rule loaded, every
 * system call of a task has a live audit context, which keeps each path name looked up during
 * the call (a names_cache object) until the call exits; one ioctl running a long looped batch
 * would pin one name per lookup, memory and time growing without bound. The module bounds the
 * work of one ioctl then: it stops after a fixed number of entries with a resume point and has
 * the kernel re-issue the ioctl at once, which frees the names at each exit.
 *
 * Checks: the names_cache objects in use while a looped faccessat (of a name at a new address
 * each time) runs 20,000 times as nobody stay flat (the times of 5,000 and 20,000 iterations
 * are printed, not asserted); the iteration count, stop index and results are exact across
 * the re-issues (a looped copy of a
 * file through a pipe, with a reference, stops at end of file with the file's bytes in order).
 *
 * Audit is enabled, and a rule that never logs is added, over a NETLINK_AUDIT socket (there is
 * no auditctl in the guest); both are undone at the end. Run as root.
 */
#include "mctest.h"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define NOT_RUN 0x5a5a5a5a

static int audit_fd = -1;

/* Sends one audit request and waits for its acknowledgement; returns 0 or -errno. */
static int audit_request(int type, const void *data, size_t len)
{
	char msg[NLMSG_SPACE(sizeof(struct audit_rule_data))] __attribute__((aligned(8)));
	char reply[8192] __attribute__((aligned(8)));
	struct nlmsghdr *nh = (struct nlmsghdr *)msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static unsigned seq;

	if (len > sizeof(msg) - NLMSG_HDRLEN)
		return -EINVAL;
	memset(msg, 0, sizeof(msg));
	nh->nlmsg_len = NLMSG_LENGTH(len);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = ++seq;
	memcpy(NLMSG_DATA(nh), data, len);
	if (sendto(audit_fd, msg, nh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(audit_fd, reply, sizeof(reply), 0);
		struct nlmsghdr *r = (struct nlmsghdr *)reply;

		if (n < 0)
			return -errno;
		for (; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
			if (r->nlmsg_seq == seq && r->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(r))->error;
		}
	}
}

static int audit_set_enabled(int on)
{
	struct audit_status st = { .mask = AUDIT_STATUS_ENABLED, .enabled = on };

	return audit_request(AUDIT_SET, &st, sizeof(st));
}

/* A syscall-exit rule that matches no call and logs nothing; it makes audit contexts live. */
static int audit_rule(int type)
{
	struct audit_rule_data rule = { .flags = AUDIT_FILTER_EXIT, .action = AUDIT_NEVER };

	return audit_request(type, &rule, sizeof(rule));
}

/* names_cache objects in use, from /proc/slabinfo, or -1. */
static long names_in_use(void)
{
	char line[512];
	long active = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "names_cache ", 12) == 0) {
			sscanf(line + 12, "%ld", &active);
			break;
		}
	}
	fclose(f);
	return active;
}

/*
 * Runs `iters` iterations of [lseek(fd, 1, SEEK_CUR); faccessat(AT_FDCWD, that offset as a
 * path, F_OK)] as nobody in a child, while this process samples the names_cache objects in
 * use. The file's offset starts at the address of a buffer of short strings, so each
 * faccessat looks up a name at a new address (the audit context reuses the name of an
 * address it has seen). Returns the child's time for the ioctl (or -1 when the batch did not
 * give exactly `iters` iterations and the results of running them alone), and the most
 * objects seen above the level before the run through *peak.
 */
static double looped_access(long iters, long *peak)
{
	long before = names_in_use(), seen;
	int t[2], status;
	double took = -1;
	pid_t pid;

	if (pipe(t))
		die("pipe");
	pid = mct_fork();
	if (pid == 0) {
		static char names[65536];
		struct mc_entry e[2];
		struct mc_batch b;
		double t0, dt;
		int fd;
		long r;

		for (size_t i = 0; i < sizeof(names); i++)
			names[i] = i % 32 == 31 ? 0 : 'a' + i % 26; /* no empty string: no NUL twice */
		fd = open("/tmp/mc-audit-offset", O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink("/tmp/mc-audit-offset");
		if (fd < 0 || iters >= (long)sizeof(names) || mct_become_nobody() ||
		    lseek(fd, (off_t)(uintptr_t)names, SEEK_SET) != (off_t)(uintptr_t)names)
			_exit(3);
		e[0] = E(SYS_lseek, fd, 1, SEEK_CUR, 0, 0, 0);
		e[1] = ref(E(SYS_faccessat, AT_FDCWD, 0, F_OK, 0, 0, 0), 1, 0);
		mc_open();
		t0 = mct_seconds();
		r = mc_run(e, 2, MC_BATCH_LOOP, iters, &b);
		dt = mct_seconds() - t0;
		if (r != 0 || e[0].result != (long)(uintptr_t)names + iters || e[1].result != -ENOENT ||
		    b.iterations != (uint64_t)iters || b.stop_index != 2 || b.resume != 0) {
			printf("# looped lookups: ioctl %ld, results %lld %lld, iterations %llu, stop %lld, resume %u\n",
			       r, (long long)e[0].result, (long long)e[1].result,
			       (unsigned long long)b.iterations, (long long)b.stop_index, b.resume);
			dt = -1;
		}
		if (write(t[1], &dt, sizeof(dt)) != sizeof(dt))
			_exit(2);
		_exit(0);
	}
	close(t[1]);
	*peak = 0;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		seen = names_in_use() - before;
		if (seen > *peak)
			*peak = seen;
		usleep(20 * 1000);
	}
	if (read(t[0], &took, sizeof(took)) != sizeof(took) || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		took = -1;
	close(t[0]);
	return took;
}

/*
 * A looped batch whose entries read zeros over its own struct mc_batch and its first two
 * entries, every iteration: the re-issues at the work bound go on from the module's copy,
 * taken at submission, so the batch runs as submitted to its end.
 */
static struct mc_batch rw_batch;
static struct mc_entry rw_ents[3];

static void self_rewriting(void)
{
	int zero = open("/dev/zero", O_RDONLY);
	long long y0 = mc_counter("yields");
	long r;

	if (zero < 0)
		die("open /dev/zero");
	rw_ents[0] = E(SYS_read, zero, (long)&rw_batch, sizeof(rw_batch), 0, 0, 0);
	rw_ents[1] = E(SYS_read, zero, (long)rw_ents, 2 * sizeof(rw_ents[0]), 0, 0, 0);
	rw_ents[2] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	memset(&rw_batch, 0, sizeof(rw_batch));
	rw_batch.entries = (uintptr_t)rw_ents;
	rw_batch.count = 3;
	rw_batch.flags = MC_BATCH_LOOP;
	rw_batch.max_iters = 200;
	r = mc_ioctl_raw(MC_IOC_RUN, &rw_batch);
	check(r == 0 && rw_batch.iterations == 200 && rw_batch.stop_index == 3 && rw_batch.resume == 0,
	      "self-rewriting: the looped batch ran its 200 iterations across re-issues (ioctl %ld, %llu, stop %lld)",
	      r, (unsigned long long)rw_batch.iterations, (long long)rw_batch.stop_index);
	check(rw_ents[0].result == (long)sizeof(rw_batch) && rw_ents[1].result == 2 * (long)sizeof(rw_ents[0]) &&
		      rw_ents[2].result == getpid(),
	      "self-rewriting: every entry ran as submitted (%lld %lld %lld)", (long long)rw_ents[0].result,
	      (long long)rw_ents[1].result, (long long)rw_ents[2].result);
	check(mc_counter("yields") - y0 >= 600 / 64, "self-rewriting: the ioctl was re-issued (%lld times)",
	      mc_counter("yields") - y0);
	close(zero);
}

/*
 * A looped copy of a 1000-byte file into a pipe, one byte per iteration, through
 * [read(file, buf, 1) stop <= 0; faccessat; write(pipe, buf, result of entry 0)]: the
 * iterations run across many re-issues, and nothing may be run twice or skipped. Runs in a
 * child (forked with audit on, so that it has an audit context); returns its failed checks.
 */
static int exact_across_reissues(void)
{
	char data[1000], got[1100], buf[1];
	struct mc_entry e[3];
	struct mc_batch b;
	int fd, p[2], n = 0, ok = 1;
	long long y0 = mc_counter("yields");
	long r;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 23);
	fd = open("/tmp/mc-audit-data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || lseek(fd, 0, SEEK_SET) != 0 ||
	    pipe(p))
		die("setting up the copy");
	e[0] = stop(E(SYS_read, fd, (long)buf, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = E(SYS_faccessat, AT_FDCWD, (long)"/etc/passwd", F_OK, 0, 0, 0);
	e[2] = ref(E(SYS_write, p[1], (long)buf, 0, 0, 0, 0), 2, 0);
	r = mc_run(e, 3, MC_BATCH_LOOP, 1 << 20, &b);
	check_eq(r, 0, "exact: the looped copy ran");
	check_eq(b.iterations, sizeof(data) + 1, "exact: one iteration per byte, and the one that met end of file");
	check_eq(b.stop_index, 0, "exact: the copy stopped at the read that returned 0");
	check(e[0].result == 0 && e[2].result == 1 && b.resume == 0,
	      "exact: results of the last iteration (read 0, write of the previous one 1), resume 0");
	close(p[1]);
	while (n < (int)sizeof(got)) {
		ssize_t k = read(p[0], got + n, sizeof(got) - n);

		if (k <= 0)
			break;
		n += k;
	}
	if (n != (int)sizeof(data) || memcmp(got, data, sizeof(data)) != 0)
		ok = 0;
	check(ok, "exact: the pipe holds the file's %zu bytes in order, none twice (%d)", sizeof(data), n);
	check(mc_counter("yields") - y0 >= 3000 / 64,
	      "exact: the module re-issued the ioctl at its work bound (%lld times)", mc_counter("yields") - y0);
	close(fd);
	close(p[0]);
	unlink("/tmp/mc-audit-data");
	self_rewriting();
	return done();
}

static void in_child(int (*fn)(void), const char *what)
{
	int status;
	pid_t pid = mct_fork();

	if (pid == 0)
		_exit(fn());
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s (child, status %#x)", what, status);
}

int main(void)
{
	long peak5 = 0, peak20 = 0;
	double t5, t20, t;
	int err;

	printf("# batches under a live audit context\n");
	audit_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (audit_fd < 0)
		die("NETLINK_AUDIT socket");
	err = audit_set_enabled(1);
	if (!check(err == 0, "audit enabled (%d)", err))
		return done();
	err = audit_rule(AUDIT_ADD_RULE);
	if (!check(err == 0, "a never-logging syscall rule added (%d)", err)) {
		audit_set_enabled(0);
		return done();
	}
	if (!check(names_in_use() >= 0, "/proc/slabinfo shows names_cache"))
		goto out;

	/* Processes forked from here on have audit contexts. */
	t5 = looped_access(5000, &peak5);
	t = looped_access(5000, &peak5);
	if (t >= 0 && (t < t5 || t5 < 0))
		t5 = t;
	t20 = looped_access(20000, &peak20);
	/* Times are measured and printed, not asserted: the memory bound is the check. */
	printf("# 5,000 iterations: %.3f s, %ld names_cache objects above the level before; 20,000: %.3f s, %ld (%.1fx the time for 4x the iterations)\n",
	       t5, peak5, t20, peak20, t5 > 0 ? t20 / t5 : 0.0);
	check(t5 > 0 && t20 > 0, "looped lseek + faccessat as nobody: exact iteration counts and results");
	check(peak20 < 1000, "20,000 lookups in one looped batch pinned no more than a bounded number of names (%ld)",
	      peak20);
	in_child(exact_across_reissues, "results, iterations and stop exact across re-issues");
out:
	check_eq(audit_rule(AUDIT_DEL_RULE), 0, "the rule removed");
	check_eq(audit_set_enabled(0), 0, "audit disabled");
	return done();
}
