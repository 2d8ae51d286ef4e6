; Merged flags (pass/src/specialise): a call that makes a descriptor followed by fcntls that
; set FD_CLOEXEC or O_NONBLOCK on it becomes the one call that sets them itself, and each
; fcntl's result becomes 0. A merge that is the whole cluster needs no multi-call. dup2 ->
; dup3 runs behind a guard `a != b` (dup3 fails with EINVAL where dup2 returns b). Each
; candidate that does not merge says why.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/specialise-flags.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: FileCheck %s --check-prefix=STATS < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'socket' at socket_cloexec (no debug location) and 'fcntl' at socket_cloexec (no debug location) run as socket(d, t | SOCK_CLOEXEC, p); the fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'socket' at socket_both (no debug location) and 'fcntl' at socket_both (no debug location) and 'fcntl' at socket_both (no debug location) run as socket(d, t | SOCK_NONBLOCK | SOCK_CLOEXEC, p); each fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'accept' at accept_nonblock (no debug location) and 'fcntl' at accept_nonblock (no debug location) run as accept4(fd, a, l, SOCK_NONBLOCK); the fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'open' at open_cloexec (no debug location) and 'fcntl' at open_cloexec (no debug location) run as open(p, f | O_CLOEXEC, m); the fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'openat' at openat_rest (no debug location) and 'fcntl' at openat_rest (no debug location) run as openat(d, p, f | O_CLOEXEC, m); the fcntl's result is 0 where it was; the cluster's other 2 calls are lowered without it
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fstat -> read (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'dup2' at dup2_cloexec (no debug location) and 'fcntl' at dup2_cloexec (no debug location) run as dup3(a, b, O_CLOEXEC) when a != b at run time (dup2 and the fcntl otherwise, where dup3 would fail with EINVAL); the fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'accept' at accept_getfl (no debug location) -> 'fcntl' at accept_getfl (no debug location): fcntl command 3 sets no flag the call can set (only F_SETFD and F_SETFL merge)
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'open' at open_setfl (no debug location) -> 'fcntl' at open_setfl (no debug location): F_SETFL after open: only a socket's status flags are known to be O_RDWR alone, and O_NONBLOCK at open time changes what open does
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'socket' at socket_setfd0 (no debug location) -> 'fcntl' at socket_setfd0 (no debug location): F_SETFD with 0, which is not FD_CLOEXEC
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'socket' at socket_setfd_var (no debug location) -> 'fcntl' at socket_setfd_var (no debug location): fcntl's argument i32 %v is not a constant
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'socket' at socket_nonpos (no debug location) -> 'fcntl' at socket_nonpos (no debug location): the call's entry stops on result <= 0, not on result < 0: the fcntl runs after a failed call, or not after every descriptor, where the merged call would have set the flag
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'syscall' at socket_generic (no debug location) -> 'syscall' at socket_generic (no debug location): 'syscall' is not the libc wrapper the merged call replaces
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'accept' at accept_append (no debug location) -> 'fcntl' at accept_append (no debug location): F_SETFL with 0o6000: only O_NONBLOCK (with access-mode bits, which F_SETFL ignores) merges
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'dup2' at dup2_types (no debug location) -> 'fcntl' at dup2_types (no debug location): dup2's two descriptors are of different IR types: the guard a != b compares them
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'accept' at accept_getfl_setfl (no debug location) and 'fcntl' at accept_getfl_setfl (no debug location) and 'fcntl' at accept_getfl_setfl (no debug location) and 'fcntl' at accept_getfl_setfl (no debug location) run as accept4(fd, a, l, SOCK_NONBLOCK | SOCK_CLOEXEC); F_GETFL's result is O_RDWR, a fresh socket's flags; each fcntl's result is 0 where it was; the cluster's other call is lowered without it
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'accept' at accept_getfl_call (no debug location) -> 'fcntl' at accept_getfl_call (no debug location): the path from F_GETFL to F_SETFL is not a straight line of computations and branches on F_GETFL's result
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'socket' at socket_nb_getfl (no debug location) -> 'fcntl' at socket_nb_getfl (no debug location): the socket's type is not a constant without SOCK_NONBLOCK: F_GETFL's result is not known
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'pipe' at pipe_one_end (no debug location) -> 'fcntl' at pipe_one_end (no debug location): the fcntls after pipe set flags on one end of the pipe only: pipe2 sets its flags on both
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'pipe' at pipe_different (no debug location) -> 'fcntl' at pipe_different (no debug location): the fcntls after pipe set O_NONBLOCK on the read end and O_CLOEXEC on the write end: pipe2 sets the same flags on both
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'pipe' at pipe_unchecked (no debug location) -> 'fcntl' at pipe_unchecked (no debug location): pipe's result is not checked before this fcntl (result < 0 leaving): the fcntl runs after a failed pipe, where pipe2 would set no flag
; REMARK-DAG: remark: <unknown>:0:0: merged flags not applied: 'pipe' at pipe_unknown (no debug location) -> 'fcntl' at pipe_unknown (no debug location): F_SETFL with 0o2000: only O_NONBLOCK (with access-mode bits, which F_SETFL ignores) merges
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'pipe' at pipe_cloexec (no debug location) and 'fcntl' at pipe_cloexec (no debug location) and 'fcntl' at pipe_cloexec (no debug location) run as pipe2(fds, O_CLOEXEC); each fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; REMARK-DAG: remark: <unknown>:0:0: merged flags: 'pipe' at pipe_both (no debug location) and 'fcntl' at pipe_both (no debug location) and 'fcntl' at pipe_both (no debug location) and 'fcntl' at pipe_both (no debug location) and 'fcntl' at pipe_both (no debug location) run as pipe2(fds, O_NONBLOCK | O_CLOEXEC); each fcntl's result is 0 where it was; it was the whole multi-call: one plain system call, no multi-call
; STATS: 9 syscall-cluster - Number of calls merged with their fcntls (merged flags)
; STATS: 7 syscall-cluster - Number of merged calls run as one plain system call

; CHECK-LABEL: define i32 @socket_cloexec(
; CHECK-NEXT: entry:
; CHECK-NEXT: %fd = call i32 @socket(i32 2, i32 524289, i32 0)
; CHECK-NOT: multicall
; CHECK-NOT: fcntl
; CHECK: ret i32 %fd

; lighttpd's fdevent_socket_nb_cloexec without SOCK_CLOEXEC: both fcntls, each checked.
; CHECK-LABEL: define i32 @socket_both(
; CHECK-NEXT: entry:
; CHECK-NEXT: %mc.flags = or i32 %t, 526336
; CHECK-NEXT: %fd = call i32 @socket(i32 %d, i32 %mc.flags, i32 %p)
; CHECK-NOT: fcntl
; CHECK: %bad1 = icmp eq i32 0, -1
; CHECK-NOT: fcntl
; CHECK: %bad2 = icmp eq i32 0, -1
; CHECK-NOT: fcntl
; CHECK: ret i32 -1

; CHECK-LABEL: define i32 @accept_nonblock(
; CHECK-NEXT: entry:
; CHECK-NEXT: %mc.accept4 = call i32 @accept4(i32 %l, ptr null, ptr null, i32 2048)
; CHECK-NEXT: %bad = icmp slt i32 %mc.accept4, 0
; CHECK-NOT: fcntl
; CHECK: %sum = add i32 %mc.accept4, 0

; CHECK-LABEL: define i32 @accept_getfl(
; CHECK: call i64 @multicall(

; CHECK-LABEL: define i32 @open_cloexec(
; CHECK-NEXT: entry:
; CHECK-NEXT: %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 524288)
; CHECK-NOT: fcntl
; CHECK: ret i32 -1

; The merge is the first two calls of four: fstat -> read stay a multi-call, with the
; descriptor as a value where it was a result reference.
; CHECK-LABEL: define i64 @openat_rest(
; CHECK: %mc.flags = or i32 %flags, 524288
; CHECK-NEXT: %fd = call i32 (i32, ptr, i32, ...) @openat(i32 -100, ptr %path, i32 %mc.flags)
; CHECK-NOT: fcntl
; CHECK: %0 = sext i32 %fd to i64
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 0
; CHECK-NEXT: store i64 %0
; CHECK: store i32 262, ptr
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK: %s = call i32 @fstat(i32 %fd, ptr %st)
; CHECK: %n = call i64 @read(i32 %fd, ptr %buf, i64 64)

; CHECK-LABEL: define i32 @dup2_cloexec(
; CHECK-NEXT: entry:
; CHECK-NEXT: %mc.dup.ne = icmp ne i32 %a, %b
; CHECK-NEXT: br i1 %mc.dup.ne, label %mc.dup3, label %mc.dup2
; CHECK: mc.dup3:
; CHECK-NEXT: %mc.dup3.fd = call i32 @dup3(i32 %a, i32 %b, i32 524288)
; CHECK: mc.dup2:
; CHECK-NEXT: %d = call i32 @dup2(i32 %a, i32 %b)
; CHECK: %mc.dup = phi i32 [ %mc.dup3.fd, %mc.dup3 ], [ %d, %mc.dup2 ]
; CHECK-NEXT: %bad = icmp slt i32 %mc.dup, 0
; CHECK: br i1 %mc.dup.ne, label %mc.fcntl.join, label %mc.fcntl
; CHECK: mc.fcntl:
; CHECK-NEXT: %r = call i32 (i32, i32, ...) @fcntl(i32 %b, i32 2, i32 1)
; CHECK: %mc.fcntl.result = phi i32 [ 0, %ok ], [ %r, %mc.fcntl ]
; CHECK-NEXT: ret i32 %mc.fcntl.result

; The refused candidates stay multi-calls of two calls.
; CHECK-LABEL: define i32 @open_setfl(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @socket_setfd0(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @socket_setfd_var(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @socket_nonpos(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @socket_generic(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @accept_append(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @dup2_types(
; CHECK: call i64 @multicall(

; accept, F_GETFL, then F_SETFL of its result | O_NONBLOCK and F_SETFD in the next
; multi-call (relay.c's form): one accept4, F_GETFL's result O_RDWR.
; CHECK-LABEL: define i32 @accept_getfl_setfl(
; CHECK-NEXT: entry:
; CHECK-NEXT: %mc.accept4 = call i32 @accept4(i32 %l, ptr null, ptr null, i32 526336)
; CHECK-NOT: fcntl
; CHECK: %flbad = icmp slt i32 2, 0
; CHECK-NOT: fcntl
; CHECK: %rbad = icmp ne i32 0, 0
; CHECK-NOT: fcntl
; CHECK: %r2bad = icmp ne i32 0, 0
; CHECK: %c = call i32 @close(i32 %l)
; A call between F_GETFL and F_SETFL (it could read the flags): not merged.
; CHECK-LABEL: define i32 @accept_getfl_call(
; CHECK: %fd = call i32 @accept(
; CHECK: %fl = call i32 (i32, i32, ...) @fcntl(i32 %mc.result.0, i32 3)
; CHECK: %r = call i32 (i32, i32, ...) @fcntl(i32 %mc.result.0, i32 4, i32 %nb)

; socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0): F_GETFL returns O_RDWR | O_NONBLOCK.
; CHECK-LABEL: define i32 @socket_nb_getfl(
; CHECK: %fd = call i32 @socket(i32 1, i32 2049, i32 0)
; CHECK: %fl = call i32 (i32, i32, ...) @fcntl(i32 %mc.result.{{[0-9]+}}, i32 3)
; CHECK: %r = call i32 (i32, i32, ...) @fcntl(i32 %mc.result.{{[0-9]+}}, i32 4, i32 %nb)

define i32 @socket_cloexec() {
entry:
  %fd = call i32 @socket(i32 2, i32 1, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  ret i32 %fd
fail:
  ret i32 -1
}

define i32 @socket_both(i32 %d, i32 %t, i32 %p) {
entry:
  %fd = call i32 @socket(i32 %d, i32 %t, i32 %p)
  %bad = icmp eq i32 %fd, -1
  br i1 %bad, label %fail, label %ok
ok:
  %r1 = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  %bad1 = icmp eq i32 %r1, -1
  br i1 %bad1, label %abort, label %ok1
ok1:
  %r2 = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 2050)
  %bad2 = icmp eq i32 %r2, -1
  br i1 %bad2, label %abort, label %done
done:
  ret i32 %fd
abort:
  call void @abort()
  unreachable
fail:
  ret i32 -1
}

define i32 @accept_nonblock(i32 %l) {
entry:
  %fd = call i32 @accept(i32 %l, ptr null, ptr null)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 2048)
  %sum = add i32 %fd, %r
  ret i32 %sum
fail:
  ret i32 -1
}

define i32 @accept_getfl(i32 %l) {
entry:
  %fd = call i32 @accept(i32 %l, ptr null, ptr null)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 3)
  ret i32 %r
fail:
  ret i32 -1
}

define i32 @open_cloexec(ptr %path) {
entry:
  %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  ret i32 %fd
fail:
  ret i32 -1
}

define i64 @openat_rest(ptr %path, i32 %flags, ptr %st, ptr %buf) {
entry:
  %fd = call i32 (i32, ptr, i32, ...) @openat(i32 -100, ptr %path, i32 %flags)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  %s = call i32 @fstat(i32 %fd, ptr %st)
  %sbad = icmp ne i32 %s, 0
  br i1 %sbad, label %fail, label %ok2
ok2:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  ret i64 %n
fail:
  ret i64 -1
}

define i32 @dup2_cloexec(i32 %a, i32 %b) {
entry:
  %d = call i32 @dup2(i32 %a, i32 %b)
  %bad = icmp slt i32 %d, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %b, i32 2, i32 1)
  ret i32 %r
fail:
  ret i32 -1
}

define i32 @open_setfl(ptr %path) {
entry:
  %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 2048)
  ret i32 %fd
fail:
  ret i32 -1
}

define i32 @socket_setfd0() {
entry:
  %fd = call i32 @socket(i32 2, i32 1, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 0)
  ret i32 %fd
fail:
  ret i32 -1
}

define i32 @socket_setfd_var(i32 %v) {
entry:
  %fd = call i32 @socket(i32 2, i32 1, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 %v)
  ret i32 %fd
fail:
  ret i32 -1
}

define i32 @socket_nonpos() {
entry:
  %fd = call i32 @socket(i32 2, i32 1, i32 0)
  %bad = icmp sle i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  ret i32 %fd
fail:
  ret i32 -1
}

define i64 @socket_generic() {
entry:
  %fd = call i64 (i64, ...) @syscall(i64 41, i32 2, i32 1, i32 0)
  %bad = icmp slt i64 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i64 (i64, ...) @syscall(i64 72, i64 %fd, i32 2, i32 1)
  ret i64 %fd
fail:
  ret i64 -1
}

define i32 @accept_append(i32 %l) {
entry:
  %fd = call i32 @accept(i32 %l, ptr null, ptr null)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 3072)
  ret i32 %fd
fail:
  ret i32 -1
}

define i32 @dup2_types(i32 %a, i64 %b) {
entry:
  %d = call i32 (i32, i64) @dup2(i32 %a, i64 %b)
  %bad = icmp slt i32 %d, 0
  br i1 %bad, label %fail, label %ok
ok:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %d, i32 2, i32 1)
  ret i32 %r
fail:
  ret i32 -1
}

define i32 @accept_getfl_setfl(i32 %l) {
entry:
  %fd = call i32 @accept(i32 %l, ptr null, ptr null)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fl = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 3)
  %flbad = icmp slt i32 %fl, 0
  br i1 %flbad, label %fail, label %ok1
ok1:
  %nb = or i32 %fl, 2048
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 %nb)
  %rbad = icmp ne i32 %r, 0
  br i1 %rbad, label %fail, label %ok2
ok2:
  %r2 = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  %r2bad = icmp ne i32 %r2, 0
  br i1 %r2bad, label %fail, label %ok3
ok3:
  %c = call i32 @close(i32 %l)
  ret i32 %c
fail:
  ret i32 -1
}

define i32 @accept_getfl_call(i32 %l) {
entry:
  %fd = call i32 @accept(i32 %l, ptr null, ptr null)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fl = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 3)
  call void @observe(i32 %fl)
  %nb = or i32 %fl, 2048
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 %nb)
  ret i32 %r
fail:
  ret i32 -1
}

define i32 @socket_nb_getfl() {
entry:
  %fd = call i32 @socket(i32 1, i32 2049, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fl = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 3)
  %nb = or i32 %fl, 2048
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 %nb)
  %r2 = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 2, i32 1)
  ret i32 %fl
fail:
  ret i32 -1
}

declare void @observe(i32)
declare i32 @close(i32)
declare i32 @socket(i32, i32, i32)
declare i32 @accept(i32, ptr, ptr)
declare i32 @open(ptr, i32, ...)
declare i32 @openat(i32, ptr, i32, ...)
declare i32 @dup2(i32, i32)
declare i32 @fcntl(i32, i32, ...)
declare i32 @fstat(i32, ptr)
declare i64 @read(i32, ptr, i64)
declare i64 @syscall(i64, ...)
declare void @abort()

; pipe -> fcntl(fds[0]) -> fcntl(fds[1]): the fcntls' descriptors are loads from the array
; pipe wrote; the same flags on both ends merge into pipe2(fds, flags).

; CHECK-LABEL: define i32 @pipe_cloexec(
; CHECK-NEXT: entry:
; CHECK-NEXT: %mc.pipe2 = call i32 @pipe2(ptr %fds, i32 524288)
; CHECK-NEXT: %bad = icmp slt i32 %mc.pipe2, 0
; CHECK: %rd = load i32, ptr %fds
; CHECK-NEXT: %bad0 = icmp eq i32 0, -1
; CHECK: %wr = load i32, ptr %wp
; CHECK-NEXT: %bad1 = icmp eq i32 0, -1
; CHECK-NOT: fcntl
; CHECK-LABEL: define i32 @pipe_both(
; CHECK: %mc.pipe2 = call i32 @pipe2(ptr %fds, i32 526336)
; CHECK-NEXT: %bad = icmp eq i32 %mc.pipe2, -1
; CHECK-NOT: fcntl
; CHECK: %s = or i32 0, 0
; CHECK-NEXT: %t = or i32 0, 0
; CHECK-LABEL: define i32 @pipe_one_end(
; CHECK: call i32 @pipe(ptr %fds)
; CHECK: call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 2, i32 1)
; CHECK-LABEL: define i32 @pipe_different(
; CHECK: call i32 @pipe(ptr %fds)
; CHECK-LABEL: define i32 @pipe_unchecked(
; CHECK: call i32 @pipe(ptr %fds)
; CHECK-LABEL: define i32 @pipe_unknown(
; CHECK: call i32 @pipe(ptr %fds)
; CHECK: call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 2, i32 1)

define i32 @pipe_cloexec(ptr %fds) {
entry:
  %r = call i32 @pipe(ptr %fds)
  %bad = icmp slt i32 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %rd = load i32, ptr %fds
  %c0 = call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 2, i32 1)
  %bad0 = icmp eq i32 %c0, -1
  br i1 %bad0, label %abort, label %ok0
ok0:
  %wp = getelementptr inbounds i32, ptr %fds, i64 1
  %wr = load i32, ptr %wp
  %c1 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 2, i32 1)
  %bad1 = icmp eq i32 %c1, -1
  br i1 %bad1, label %abort, label %done
done:
  ret i32 0
abort:
  call void @abort()
  unreachable
fail:
  ret i32 -1
}

define i32 @pipe_both() {
entry:
  %fds = alloca [2 x i32]
  %r = call i32 @pipe(ptr %fds)
  %bad = icmp eq i32 %r, -1
  br i1 %bad, label %fail, label %ok
ok:
  %rd = load i32, ptr %fds
  %wp = getelementptr inbounds [2 x i32], ptr %fds, i64 0, i64 1
  %wr = load i32, ptr %wp
  %c0 = call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 2, i32 1)
  %c1 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 2, i32 1)
  %c2 = call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 4, i32 2048)
  %c3 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 4, i32 2049)
  %s = or i32 %c0, %c1
  %t = or i32 %c2, %c3
  %u = or i32 %s, %t
  ret i32 %u
fail:
  ret i32 -1
}

define i32 @pipe_one_end(ptr %fds) {
entry:
  %r = call i32 @pipe(ptr %fds)
  %bad = icmp slt i32 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %wp = getelementptr inbounds i8, ptr %fds, i64 4
  %wr = load i32, ptr %wp
  %c1 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 2, i32 1)
  ret i32 %c1
fail:
  ret i32 -1
}

define i32 @pipe_different(ptr %fds) {
entry:
  %r = call i32 @pipe(ptr %fds)
  %bad = icmp slt i32 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %rd = load i32, ptr %fds
  %c0 = call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 4, i32 2048)
  %wp = getelementptr inbounds i32, ptr %fds, i64 1
  %wr = load i32, ptr %wp
  %c1 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 2, i32 1)
  %s = or i32 %c0, %c1
  ret i32 %s
fail:
  ret i32 -1
}

define i32 @pipe_unchecked(ptr %fds) {
entry:
  %r = call i32 @pipe(ptr %fds)
  %rd = load i32, ptr %fds
  %c0 = call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 2, i32 1)
  %wp = getelementptr inbounds i32, ptr %fds, i64 1
  %wr = load i32, ptr %wp
  %c1 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 2, i32 1)
  %s = or i32 %c0, %c1
  ret i32 %s
}

define i32 @pipe_unknown(ptr %fds) {
entry:
  %r = call i32 @pipe(ptr %fds)
  %bad = icmp slt i32 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %rd = load i32, ptr %fds
  %c0 = call i32 (i32, i32, ...) @fcntl(i32 %rd, i32 2, i32 1)
  %wp = getelementptr inbounds i32, ptr %fds, i64 1
  %wr = load i32, ptr %wp
  %c1 = call i32 (i32, i32, ...) @fcntl(i32 %wr, i32 4, i32 1024)
  %s = or i32 %c0, %c1
  ret i32 %s
fail:
  ret i32 -1
}

declare i32 @pipe(ptr)
