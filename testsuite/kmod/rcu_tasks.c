// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A long looped batch must not hold up RCU-tasks grace periods. A task that never leaves the
 * kernel and never sleeps (an unprivileged looped batch of getpid with every signal blocked)
 * gives RCU-tasks a quiescent state only when the module reports one between entries;
 * otherwise synchronize_rcu_tasks() waits for the whole loop, and with it ftrace, kprobe
 * optimisation, BPF trampolines and live patching.
 *
 * Check: switching the ftrace tracer of a trace instance to "function" (on one function,
 * set_ftrace_filter, which keeps the switch quick under emulation) and back to "nop" takes
 * about as long while such a loop runs as on an idle system: less than 3 times the idle time
 * plus 2 s. An instance's function tracer has ftrace ops of its own (dynamic, unlike the
 * top-level tracer's), and turning them off waits for an RCU-tasks grace period. Run as root.
 */
#include "mctest.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TRACING "/sys/kernel/tracing"
#define INSTANCE TRACING "/instances/mc-rcu-tasks"

/* Writes text to a tracefs file (empty text: truncates it); 0 or -1 (ftrace reports some errors at close). */
static int trace_write(const char *file, const char *text)
{
	char path[256];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), INSTANCE "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	if (*text)
		n = write(fd, text, strlen(text));
	if (close(fd))
		return -1;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Seconds to turn the function tracer on and off, or -1. */
static double switch_tracer(void)
{
	double t0 = mct_seconds();

	if (trace_write("current_tracer", "function") || trace_write("current_tracer", "nop"))
		return -1;
	return mct_seconds() - t0;
}

static int function_tracer_available(void)
{
	char line[1024] = "";
	FILE *f = fopen(TRACING "/available_tracers", "r");

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return strstr(line, "function") != NULL;
}

/*
 * Limits the function tracer to one function, so that turning it on patches one call site
 * (the whole kernel takes many seconds under emulation). Returns the function, or NULL.
 */
static const char *limit_to_one_function(void)
{
	static const char *const names[] = { "vfs_getattr", "vfs_read", "ksys_read", "do_sys_openat2" };
	char line[256];

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FILE *f;
		int set = 0;

		if (trace_write("set_ftrace_filter", names[i]))
			continue;
		f = fopen(INSTANCE "/set_ftrace_filter", "r");
		while (f && fgets(line, sizeof(line), f))
			set += strncmp(line, names[i], strlen(names[i])) == 0;
		if (f)
			fclose(f);
		if (set)
			return names[i];
	}
	trace_write("set_ftrace_filter", "");
	return NULL;
}

int main(void)
{
	long long e0 = mc_counter("entries");
	double idle, busy = -1, limit;
	int ready[2], took[2], status;
	const char *fn;
	char c;
	pid_t looper, switcher;

	printf("# RCU-tasks grace periods while a looped batch runs with every signal blocked\n");
	if (access(TRACING "/current_tracer", F_OK) != 0)
		mount("tracefs", TRACING, "tracefs", 0, NULL);
	if (!check(function_tracer_available(), "tracefs is mounted at %s and offers the function tracer",
		   TRACING))
		return done();
	if (!check(mkdir(INSTANCE, 0755) == 0 || errno == EEXIST, "trace instance %s made", INSTANCE))
		return done();
	fn = limit_to_one_function();
	check(fn != NULL, "the function tracer is limited to one function (%s)", fn ? fn : "none found");
	idle = switch_tracer();
	if (!check(idle >= 0, "switching the tracer works (idle: %.3f s)", idle)) {
		rmdir(INSTANCE);
		return done();
	}
	limit = 3 * idle + 2;

	if (pipe(ready) || pipe(took))
		die("pipe");
	looper = mct_fork();
	if (looper == 0) {
		struct mc_entry e = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
		sigset_t all;

		if (mct_become_nobody())
			_exit(3);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		mc_open();
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		mc_run(&e, 1, MC_BATCH_LOOP, 1ULL << 50, NULL); /* ends only by SIGKILL */
		_exit(1);
	}
	if (read(ready[0], &c, 1) != 1)
		die("the looping child did not start");
	usleep(300 * 1000); /* well inside its ioctl by now */
	/* The switch in a child of its own: if it waits for the loop, the loop is ended after the limit. */
	switcher = mct_fork();
	if (switcher == 0) {
		double t = switch_tracer();

		_exit(write(took[1], &t, sizeof(t)) == sizeof(t) ? 0 : 1);
	}
	for (double t0 = mct_seconds(); mct_seconds() - t0 < limit + 1;) {
		if (waitpid(switcher, &status, WNOHANG) == switcher) {
			switcher = 0;
			break;
		}
		usleep(50 * 1000);
	}
	kill(looper, SIGKILL);
	waitpid(looper, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the loop ran until SIGKILL ended it");
	if (switcher) {
		printf("# the switch was still waiting after %.1f s; ending the loop let it finish\n", limit + 1);
		waitpid(switcher, &status, 0);
	} else if (read(took[0], &busy, sizeof(busy)) != sizeof(busy)) {
		busy = -1;
	}
	check(mc_counter("entries") - e0 > 1000, "the loop ran entries meanwhile (%lld)",
	      mc_counter("entries") - e0);
	trace_write("set_ftrace_filter", "");
	check(rmdir(INSTANCE) == 0, "trace instance removed");
	check(busy >= 0 && busy < limit,
	      "switching the tracer during the loop takes %.3f s (idle: %.3f s): below 3 x idle + 2 s", busy,
	      idle);
	return done();
}
