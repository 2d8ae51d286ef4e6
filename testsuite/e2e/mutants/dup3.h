/*
 * A broken "clustered" build for the harness's self-test: dup2(a, b) followed by
 * fcntl(b, F_SETFD, FD_CLOEXEC) merged into dup3(a, b, O_CLOEXEC) without the guard a != b,
 * as a specialisation that forgot it would. dup3 fails with EINVAL where dup2 onto itself
 * returns its descriptor: the flags cases, which all make a dup2 onto itself, must show it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#define dup2(a, b) dup3((a), (b), O_CLOEXEC)
