/* gnucatio.c: gnulib-style I/O helpers for gnucat.c. */
#ifndef GNUCATIO_H
#define GNUCATIO_H

#include <stddef.h>

/* What safe_read and safe_write return on an error (errno says which). */
#define SAFE_READ_ERROR ((size_t)-1)
#define SAFE_WRITE_ERROR ((size_t)-1)

size_t safe_read(int fd, void *buf, size_t count);
size_t safe_write(int fd, const void *buf, size_t count);
size_t full_write(int fd, const void *buf, size_t count);

#endif
