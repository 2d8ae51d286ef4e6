; A lowered wrapper makes the system call glibc's function makes (profile/src/catalogue,
; `lowered_wrappers_make_glibcs_call`), so that a seccomp filter, an audit rule or `strace
; -e inject=` sees the same call from both builds: `open(p, f)` is `openat(AT_FDCWD, p, f,
; 0)`, `stat` and `lstat` are `newfstatat(AT_FDCWD, p, st, 0 or AT_SYMLINK_NOFOLLOW)`,
; `fstat(fd, st)` is `newfstatat(fd, "", st, AT_EMPTY_PATH)` with the empty path a constant
; of the module's, `pipe(fds)` is `pipe2(fds, 0)` and `nanosleep(req, rem)` is
; `clock_nanosleep(CLOCK_REALTIME, 0, req, rem)`. A module whose fstat is not lowered keeps
; no empty path (the NOFSTAT run).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/glibc-calls.json>' \
; RUN:   -pass-remarks=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/glibc-calls.json;min-weight=6>' \
; RUN:   -S %s -o - | FileCheck %s --check-prefix=NOFSTAT

; REMARK-DAG: clustered 3 system calls into one multi-call: open -> lstat -> fstat
; REMARK-DAG: clustered 2 system calls into one multi-call: pipe -> nanosleep
; REMARK-DAG: clustered 2 system calls into one multi-call: open -> close

; NOFSTAT-NOT: mc.empty_path
; NOFSTAT-NOT: multicall

; CHECK: @mc.empty_path = private unnamed_addr constant [1 x i8] zeroinitializer, align 1
; CHECK-LABEL: define i32 @open_stat(
; openat(AT_FDCWD, path, O_RDONLY, 0)
; CHECK: store i64 -100, ptr
; CHECK: store i64 %{{[0-9]+}}, ptr
; CHECK: store i64 0, ptr
; CHECK: store i64 0, ptr
; CHECK: store i32 257, ptr
; lstat: newfstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW)
; CHECK: store i64 -100, ptr
; CHECK: store i64 256, ptr
; CHECK: store i32 262, ptr
; fstat: newfstatat(fd, "", st, AT_EMPTY_PATH), fd the open's result
; CHECK: store i64 ptrtoint (ptr @mc.empty_path to i64), ptr
; CHECK: store i64 4096, ptr
; CHECK: store i32 262, ptr
; CHECK: call i64 @multicall(ptr %mc.entries, i32 3)

; CHECK-LABEL: define i32 @pipe_sleep(
; pipe2(fds, 0)
; CHECK: store i64 0, ptr
; CHECK: store i32 293, ptr
; clock_nanosleep(CLOCK_REALTIME, 0, req, rem)
; CHECK: store i64 0, ptr
; CHECK: store i64 0, ptr
; CHECK: store i32 230, ptr
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)

; open with a mode: openat(AT_FDCWD, path, flags, mode)
; CHECK-LABEL: define i32 @open_mode(
; CHECK: store i64 -100, ptr
; CHECK: store i64 577, ptr
; CHECK: store i64 420, ptr
; CHECK: store i32 257, ptr

define i32 @open_stat(ptr %path, ptr %st) {
entry:
  %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 0)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %opened
opened:
  %l = call i32 @lstat(ptr %path, ptr %st)
  %lbad = icmp slt i32 %l, 0
  br i1 %lbad, label %fail, label %linked
linked:
  %s = call i32 @fstat(i32 %fd, ptr %st)
  ret i32 %s
fail:
  ret i32 -1
}

define i32 @pipe_sleep(ptr %fds, ptr %req) {
entry:
  %p = call i32 @pipe(ptr %fds)
  %bad = icmp slt i32 %p, 0
  br i1 %bad, label %fail, label %made
made:
  %z = call i32 @nanosleep(ptr %req, ptr null)
  ret i32 %z
fail:
  ret i32 -1
}

define i32 @open_mode(ptr %path) {
entry:
  %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 577, i32 420)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %fail, label %opened
opened:
  %c = call i32 @close(i32 %fd)
  ret i32 %c
fail:
  ret i32 -1
}

declare i32 @open(ptr, i32, ...)
declare i32 @lstat(ptr, ptr)
declare i32 @fstat(i32, ptr)
declare i32 @pipe(ptr)
declare i32 @nanosleep(ptr, ptr)
declare i32 @close(i32)
