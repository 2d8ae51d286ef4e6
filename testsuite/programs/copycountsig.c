/*
 * copycountsig IN OUT: copycount.c (a copy loop that counts its blocks and totals its bytes)
 * with copysig.c's SIGALRM every 2 ms: a pending signal ends the looped batch at an
 * iteration's start, the lowered loop calls it again, and the count and totals must add up
 * across the calls exactly as the original's do.
 */
#define COPYSIG_PROGRAM "copycount.c"
#include "copysig.c"
