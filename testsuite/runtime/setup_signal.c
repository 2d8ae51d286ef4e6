/*
 * setup_signal jump|nested USEC: a SIGALRM arrives USEC microseconds into the process's first
 * batch, while it may still be setting the runtime up (reading the environment, probing
 * io_uring, opening the module's device). With "jump" the handler leaves by siglongjmp and
 * the program then runs its batches; with "nested" the handler runs a batch of its own. No
 * batch may wait for the set-up it interrupted or abandoned: every batch below must run,
 * each write giving 10. Prints "ok" and exits 0 when all did; a batch that waits for ever
 * is the caller's timeout.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <multicall.h>

static sigjmp_buf back;
static int jump;
static int null_fd;
static volatile sig_atomic_t nested_ok = 1;
static const char text[10] = "0123456789";

static void write_entry(struct mc_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->nr = SYS_write;
	e->stop = MC_STOP_NE_ARG;
	e->stop_arg = 2;
	e->args[0] = null_fd;
	e->args[1] = (long)text;
	e->args[2] = sizeof(text);
}

static void on_alarm(int sig)
{
	struct mc_entry e;

	(void)sig;
	if (jump)
		siglongjmp(back, 1);
	write_entry(&e);
	if (multicall(&e, 1) != 1 || e.result != sizeof(text))
		nested_ok = 0;
}

int main(int argc, char *argv[])
{
	struct itimerval once = { { 0, 0 }, { 0, 0 } };
	struct mc_entry e[2];
	struct sigaction sa;
	sigset_t blocked;
	int i, bad = 0;

	if (argc != 3 || (strcmp(argv[1], "jump") && strcmp(argv[1], "nested"))) {
		fprintf(stderr, "usage: %s jump|nested USEC\n", argv[0]);
		return 2;
	}
	jump = !strcmp(argv[1], "jump");
	once.it_value.tv_usec = atoi(argv[2]);
	null_fd = open("/dev/null", O_WRONLY);
	if (null_fd < 0) {
		perror("/dev/null");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	if (sigsetjmp(back, 1) == 0) {
		setitimer(ITIMER_REAL, &once, NULL);
		write_entry(&e[0]);
		write_entry(&e[1]);
		if (multicall(e, 2) != 2 || e[0].result != 10 || e[1].result != 10)
			bad++;
	}
	for (i = 0; i < 200; i++) {
		write_entry(&e[0]);
		write_entry(&e[1]);
		if (multicall(e, 2) != 2 || e[0].result != 10 || e[1].result != 10)
			bad++;
	}
	/* What follows is not async-signal-safe (stdio allocates): no jump into the loop from it. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGALRM);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	if (bad || !nested_ok) {
		fprintf(stderr, "%d batches wrong, nested batch %s\n", bad, nested_ok ? "right" : "wrong");
		return 1;
	}
	puts("ok");
	return 0;
}
