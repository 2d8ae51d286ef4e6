/*
 * copyhelpers IN OUT: copy.c, whose read and write go through the helpers my_read and
 * my_write of copyio.c, which is part of this translation unit. copylto.c is the same program
 * with copyio.c in a translation unit of its own.
 */
#ifndef COPYIO_SEPARATE
#include "copyio.c"
#else
#include <unistd.h>
ssize_t my_read(int fd, void *buf, size_t len);
ssize_t my_write(int fd, const void *buf, size_t len);
#endif

/* After <unistd.h>: only copy.c's calls are renamed (the helpers make the real ones). */
#undef read
#undef write
#define read my_read
#define write my_write
#include "copy.c"
