/*
 * headcountsig IN OUT: headcount.c (two copy loops bounded by counters) with copysig.c's
 * SIGALRM every 2 ms: a pending signal ends a looped batch before its bound, and the loop
 * must go on from the counter's value there exactly as the original does.
 */
#define COPYSIG_PROGRAM "headcount.c"
#include "copysig.c"
