; Bookkeeping between two calls that branches and joins again (transform/flatten.rs): a
; directory walker's `if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) { total +=
; st.st_size; files++; }` before its `close`. Both ways of the tests reach the close, which
; legality refuses for convexity; the code on them only loads from the struct the call
; filled (a local's bytes) and adds, so it is computed on every way and its values chosen by
; selects, and fstat -> close is one multi-call. Refused: a region that calls a function, a
; load through a pointer that may not be valid where the region begins.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/flatten.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: computed the 2 blocks between 'fstat' at walk (no debug location) and 'close' at walk (no debug location) on every way and chose their values by selects, so that both ways of the branch between them no longer keep the calls apart
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fstat -> close (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: computed the 1 block between 'read' at count_empty (no debug location) and 'write' at count_empty (no debug location) on every way
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: did not flatten the code after 'br i1 %ok, label %say, label %join' between 'fstat' at reported (no debug location) and 'close' at reported (no debug location): 'call void @report(i64 %size)' may not run where it did not
; REMARK-DAG: remark: <unknown>:0:0: did not flatten the code after 'br i1 %ok, label %size, label %join' between 'fstat' at through_pointer (no debug location) and 'close' at through_pointer (no debug location): '%s = load i64, ptr %info, align 8' may not run where it did not

declare i32 @fstat(i32, ptr)
declare i32 @close(i32)
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare void @report(i64)

; CHECK-LABEL: define i64 @walk(
; CHECK: call i64 @multicall(
; CHECK-NOT: br i1 %ok
; CHECK: %[[T:.*]] = select i1 %{{.*}}, i64 %{{.*}}, i64 %total
; CHECK: ret i64 %[[T]]
define i64 @walk(i32 %fd, i64 %total) {
entry:
  %st = alloca [144 x i8], align 8
  %r = call i32 @fstat(i32 %fd, ptr %st)
  %ok = icmp eq i32 %r, 0
  br i1 %ok, label %mode, label %join
mode:
  %mp = getelementptr inbounds i8, ptr %st, i64 24
  %m = load i32, ptr %mp, align 8
  %fmt = and i32 %m, 61440
  %reg = icmp eq i32 %fmt, 32768
  br i1 %reg, label %add, label %join
add:
  %sp = getelementptr inbounds i8, ptr %st, i64 48
  %s = load i64, ptr %sp, align 8
  %t1 = add nsw i64 %s, %total
  br label %join
join:
  %t = phi i64 [ %t1, %add ], [ %total, %mode ], [ %total, %entry ]
  %c = call i32 @close(i32 %fd)
  ret i64 %t
}

; A triangle on the read's result: `if (n == 0) empty++;` before a write of a fixed length.
; CHECK-LABEL: define i64 @count_empty(
; CHECK: call i64 @multicall(
define i64 @count_empty(i32 %in, i32 %out, ptr %buf, i64 %empty) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %zero = icmp eq i64 %n, 0
  br i1 %zero, label %count, label %join
count:
  %e1 = add i64 %empty, 1
  br label %join
join:
  %e = phi i64 [ %e1, %count ], [ %empty, %entry ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  %sum = add i64 %w, %e
  ret i64 %sum
}

; A call on one way: it may not run on the other.
; CHECK-LABEL: define i64 @reported(
; CHECK-NOT: call i64 @multicall(
; CHECK: ret i64
define i64 @reported(i32 %fd) {
entry:
  %st = alloca [144 x i8], align 8
  %r = call i32 @fstat(i32 %fd, ptr %st)
  %ok = icmp eq i32 %r, 0
  br i1 %ok, label %say, label %join
say:
  %sp = getelementptr inbounds i8, ptr %st, i64 48
  %size = load i64, ptr %sp, align 8
  call void @report(i64 %size)
  br label %join
join:
  %c = call i32 @close(i32 %fd)
  ret i64 0
}

; A load through a pointer the function was given, made only when the fstat succeeded:
; it may fault where the region begins.
; CHECK-LABEL: define i64 @through_pointer(
; CHECK-NOT: call i64 @multicall(
; CHECK: ret i64
define i64 @through_pointer(i32 %fd, ptr %info) {
entry:
  %st = alloca [144 x i8], align 8
  %r = call i32 @fstat(i32 %fd, ptr %st)
  %ok = icmp eq i32 %r, 0
  br i1 %ok, label %size, label %join
size:
  %s = load i64, ptr %info, align 8
  br label %join
join:
  %v = phi i64 [ %s, %size ], [ 0, %entry ]
  %c = call i32 @close(i32 %fd)
  ret i64 %v
}
