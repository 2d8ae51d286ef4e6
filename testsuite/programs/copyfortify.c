/*
 * copy.c built as a distribution builds it: Debian's dpkg-buildflags add -D_FORTIFY_SOURCE=2
 * to -O2, and glibc's fortified inline wrappers of read, write and friends take part in the
 * build. The e2e test compares this build with and without the pass on copy.c's cases.
 */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include "copy.c"
