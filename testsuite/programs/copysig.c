/*
 * copysig IN OUT: copy.c (the paper's copy program, included whole) with a SIGALRM handler
 * (SA_RESTART) that an interval timer runs every 2 ms, so that signals arrive while the copy
 * loop runs: as one looped multi-call in the clustered build, whose batches a pending signal
 * ends at an iteration's start to be called again. Its output and files must be copy.c's.
 */
#include <signal.h>
#include <string.h>
#include <sys/time.h>

/* The copy program it runs: copy.c, or one with the same usage (-DCOPYSIG_PROGRAM=...). */
#ifndef COPYSIG_PROGRAM
#define COPYSIG_PROGRAM "copy.c"
#endif
#define main copy_main
#include COPYSIG_PROGRAM
#undef main

/* A program that adds to this one names its main with -DCOPYSIG_MAIN=... */
#ifndef COPYSIG_MAIN
#define COPYSIG_MAIN main
#endif

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

int COPYSIG_MAIN(int argc, char *argv[])
{
	struct sigaction sa;
	struct itimerval every = { { 0, 2000 }, { 0, 2000 } };

	/* Without the timer the copy is copy.c's, which is still right. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == 0)
		setitimer(ITIMER_REAL, &every, NULL);
	return copy_main(argc, argv);
}
