/*
 * copylto IN OUT: copyhelpers.c with its helpers in another translation unit: build it with
 * copyio.c and link-time optimisation (syscluster build --lto, docs/build.md), e.g.
 *   clang-19 -O2 -g -flto -fuse-ld=lld copylto.c copyio.c -o copylto
 */
#define COPYIO_SEPARATE
#include "copyhelpers.c"
