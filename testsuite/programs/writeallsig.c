/*
 * writeallsig IN OUT: writeall.c with copysig.c's SIGALRM every 2 ms (SA_RESTART), so that
 * signals arrive while the write-all and read-until-full loops run as looped batches.
 */
#define COPYSIG_PROGRAM "writeall.c"
#include "copysig.c"
