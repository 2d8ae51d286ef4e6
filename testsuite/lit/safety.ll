; Condition 2, safety: only argument set-up, result checks and side-effect-free code that
; cannot trap lie between the calls; loads must not read what a later call of the batch writes.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: 'store i64 %n, ptr %total, align 8' between 'read' at safe_store (no debug location) and 'write' at safe_store (no debug location) may fault: its address is not known to be writable there (a local, a global variable within its bounds, or errno), and in a multi-call it runs after the later calls
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: '%l = call i32 @log(i64 %n)' between 'read' at safe_call (no debug location) and 'write' at safe_call (no debug location) calls 'log': user code cannot run inside a multi-call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: '%v = load volatile i8, ptr %buf, align 1' between 'read' at safe_volatile (no debug location) and 'write' at safe_volatile (no debug location) is a volatile or atomic access
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: '%d = sdiv i64 100, %n' between 'read' at safe_trap (no debug location) and 'write' at safe_trap (no debug location) may trap, so it must run before the later calls
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 19) breaks safety: '%first = load i8, ptr %out.buf, align 1' reads memory that the later 'read' at safe_clobber (no debug location) may write; in a multi-call it would see that write
; REMARK-DAG: remark: <unknown>:0:0: could not move '%first = load i8, ptr %out.buf, align 1' out of the gap between 'write' at safe_clobber (no debug location) and 'read' at safe_clobber (no debug location): 'write' at safe_clobber (no debug location) sets errno when it fails, and the load may read errno
; REMARK-DAG: remark: <unknown>:0:0: not clustered: preadv -> write (weight 5) breaks safety: 'preadv' at not_lowerable (no debug location) cannot run as a raw system call in a multi-call: the kernel takes the offset as two halves

; Passing: a load of the buffer the read filled (the write only reads it: alias analysis
; knows from `readonly`) and arithmetic, both used after the cluster.
; CHECK-LABEL: define i64 @safe_ok(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @safe_store(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @safe_call(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @safe_volatile(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @safe_trap(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @safe_clobber(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @not_lowerable(
; CHECK-NOT: multicall
; CHECK: ret i64

define i64 @safe_ok(i32 %in, i32 %out, i64 %total) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %first = load i8, ptr %buf, align 1
  %sum = add i64 %total, %n
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %f = zext i8 %first to i64
  %r = add i64 %sum, %f
  ret i64 %r
done:
  ret i64 0
}

define i64 @safe_store(i32 %in, i32 %out, ptr %total) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i64 %n, ptr %total, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

define i64 @safe_call(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %l = call i32 @log(i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

define i64 @safe_volatile(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %v = load volatile i8, ptr %buf, align 1
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

define i64 @safe_trap(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %d = sdiv i64 100, %n
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %r = add i64 %w, %d
  ret i64 %r
}

; write -> read where the code between reads the buffer the next read overwrites. Code
; motion cannot take the load above the write: the buffer may be errno, which a failing write
; sets (motion-load.ll has the loads it moves).
define i64 @safe_clobber(i32 %in, i32 %out, i64 %len, ptr dereferenceable(64) %out.buf) {
  %w = call i64 @write(i32 %out, ptr %out.buf, i64 %len)
  %first = load i8, ptr %out.buf, align 1
  %n = call i64 @read(i32 %in, ptr %out.buf, i64 64)
  %f = zext i8 %first to i64
  ret i64 %f
}

; preadv is not lowerable (the kernel takes its offset in two halves).
define i64 @not_lowerable(i32 %in, ptr %iov) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @preadv(i32 %in, ptr %iov, i32 1, i64 0)
  %w = call i64 @write(i32 1, ptr %buf, i64 64)
  ret i64 %w
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @log(i64)
declare i64 @preadv(i32, ptr, i32, i64)
