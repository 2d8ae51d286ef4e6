; A test `== 0` / `!= 0` on the result of a call that returns only 0 or -1 (close, fstat,
; fcntl(F_SETFL), ...) is a stop predicate: continuing on 0 is continuing on success, the
; same as `r >= 0` (MC_STOP_NEG), whatever the width of the result. On a call that can
; return other values (read, fcntl(F_DUPFD_CLOEXEC)) it is not, and neither is a test that
; continues on an error (`close(fd) == 0` going to the error path).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/stop-zero.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fstat -> read (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: close -> close (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fcntl -> close (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> close (weight 4) breaks linearity: branch '%empty = icmp eq i64 %n, 0' between 'read' at read_zero (no debug location) and 'close' at read_zero (no debug location) is not a stop predicate on the result of 'read'
; REMARK-DAG: remark: <unknown>:0:0: not clustered: fcntl -> close (weight 3) breaks linearity: branch '%ok = icmp eq i32 %d, 0' between 'fcntl' at dupfd_zero (no debug location) and 'close' at dupfd_zero (no debug location) is not a stop predicate on the result of 'fcntl'
; REMARK-DAG: remark: <unknown>:0:0: not clustered: close -> close (weight 2) breaks linearity: branch '%ok = icmp eq i32 %r, 0' between 'close' at close_on_success (no debug location) and 'close' at close_on_success (no debug location) is not a stop predicate on the result of 'close'
; REMARK-NOT: clustered {{[0-9]+}} system calls

; `if (fstat(fd, st)) goto fail;` then read: fstat's entry stops the batch on an error.
; Its call is glibc's, newfstatat(fd, "", st, AT_EMPTY_PATH), the empty path a constant of
; the module's.
; CHECK: @mc.empty_path = private unnamed_addr constant [1 x i8] zeroinitializer, align 1
; CHECK-LABEL: define i64 @fstat_read(
; CHECK: store i64 %0, ptr %1
; CHECK: store i64 ptrtoint (ptr @mc.empty_path to i64), ptr %2
; CHECK: store i64 %3, ptr %4
; CHECK: store i64 4096, ptr %5
; CHECK: store i32 262, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i8 1, ptr
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK: %bad = icmp ne i32 %mc.result.0, 0
; CHECK-NEXT: br i1 %bad, label %fail, label %ok

; CHECK-LABEL: define i32 @close_close(
; CHECK: store i32 3, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i8 1, ptr
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 2)

; CHECK-LABEL: define i32 @setfl_close(
; CHECK: store i32 72, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i8 1, ptr
; CHECK: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 2)

; CHECK-LABEL: define i64 @read_zero(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @dupfd_zero(
; CHECK-NOT: multicall
; CHECK-LABEL: define i32 @close_on_success(
; CHECK-NOT: multicall
; CHECK: ret i32

define i64 @fstat_read(i32 %fd, ptr %st, ptr %buf) {
entry:
  %s = call i32 @fstat(i32 %fd, ptr %st)
  %bad = icmp ne i32 %s, 0
  br i1 %bad, label %fail, label %ok
ok:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  ret i64 %n
fail:
  ret i64 -1
}

define i32 @close_close(i32 %a, i32 %b) {
entry:
  %r = call i32 @close(i32 %a)
  %ok = icmp eq i32 %r, 0
  br i1 %ok, label %next, label %fail
next:
  %r2 = call i32 @close(i32 %b)
  ret i32 %r2
fail:
  ret i32 -1
}

define i32 @setfl_close(i32 %fd, i32 %fl, i32 %other) {
entry:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 %fl)
  %bad = icmp ne i32 %r, 0
  br i1 %bad, label %fail, label %next
next:
  %c = call i32 @close(i32 %other)
  ret i32 %c
fail:
  ret i32 -1
}

define i64 @read_zero(i32 %fd, ptr %buf) {
entry:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  %empty = icmp eq i64 %n, 0
  br i1 %empty, label %next, label %out
next:
  %c = call i32 @close(i32 %fd)
  ret i64 0
out:
  ret i64 %n
}

define i32 @dupfd_zero(i32 %fd, i32 %other) {
entry:
  %d = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 1030, i32 3)
  %ok = icmp eq i32 %d, 0
  br i1 %ok, label %next, label %out
next:
  %c = call i32 @close(i32 %other)
  ret i32 %c
out:
  ret i32 %d
}

define i32 @close_on_success(i32 %a, i32 %b) {
entry:
  %r = call i32 @close(i32 %a)
  %ok = icmp eq i32 %r, 0
  br i1 %ok, label %fail, label %next
next:
  %r2 = call i32 @close(i32 %b)
  ret i32 %r2
fail:
  ret i32 -1
}

declare i32 @fstat(i32, ptr)
declare i64 @read(i32, ptr, i64)
declare i32 @close(i32)
declare i32 @fcntl(i32, i32, ...)
