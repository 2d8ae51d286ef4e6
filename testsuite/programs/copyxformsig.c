/*
 * copyxformsig IN OUT: copyxform.c (a copy loop whose work between read and write the pass
 * rotates around) with copysig.c's SIGALRM every 2 ms, so that signals arrive while the
 * rotated loop's write -> read multi-calls run.
 */
#define COPYSIG_PROGRAM "copyxform.c"
#include "copysig.c"
