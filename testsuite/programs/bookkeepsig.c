/*
 * bookkeepsig IN OUT: bookkeep.c (a copy that keeps its books in globals between its calls)
 * with copysig.c's SIGALRM every 2 ms: signals arrive while its multi-calls run, between a
 * call and the stores of the gap after it, and the books must come out as the original's.
 */
#define COPYSIG_PROGRAM "bookkeep.c"
#include "copysig.c"
