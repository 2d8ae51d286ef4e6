/*
 * periodcopysig IN OUT: periodcopy.c (a copy that reports every 100 blocks) with copysig.c's
 * SIGALRM every 2 ms: a pending signal ends a looped batch at an iteration's start, short of
 * the report it is bounded to (or before its first iteration, with the module), and the
 * lowered loop makes the report's test again and calls the batch again; the reports, counts
 * and files must be periodcopy.c's.
 */
#define COPYSIG_PROGRAM "periodcopy.c"
#include "copysig.c"
