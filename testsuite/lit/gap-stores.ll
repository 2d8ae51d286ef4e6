; Stores and calls that only compute a value between two calls of a straight batch (safety,
; legality/conditions.rs `straight_safety`): the lowering runs the later calls at the first
; one and leaves the code between them in place, so such an instruction runs after the later
; calls instead of before them. That is exact for a call that only computes a value, and for
; a store that cannot fault whose memory no later call reads or writes; errno is set at each
; call's own position, after the code before it, so a store to errno passes too.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/gap-stores.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

@count = global i64 0, align 8
@last = global i64 0, align 8
@request = internal global ptr null, align 8
@request_size = internal global i64 0, align 8
@flag = global i32 0, align 4
@gbuf = global [64 x i8] zeroinitializer, align 16

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> read (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> read (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 19) breaks whole-loop legality: 'store i64 %c1, ptr @count, align 8' runs between the calls of a loop: a looped batch runs its iterations without the code between the calls, so a store or a call there is taken in straight multi-calls only
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 19) breaks safety: 'store i8 0, ptr %rbuf, align 1' writes memory that the later 'read' at refuse_read_buffer (no debug location) may read or write; in a multi-call that call would run before the store
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: 'store i8 120, ptr %buf, align 16' writes memory that the later 'write' at refuse_write_buffer (no debug location) may read or write; in a multi-call that call would run before the store
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: 'store volatile i32 1, ptr @flag, align 4' between 'read' at refuse_volatile (no debug location) and 'write' at refuse_volatile (no debug location) is a volatile or atomic access
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: 'store i64 %n, ptr %p, align 8' between 'read' at refuse_unknown_pointer (no debug location) and 'write' at refuse_unknown_pointer (no debug location) may fault: its address is not known to be writable there (a local, a global variable within its bounds, or errno), and in a multi-call it runs after the later calls
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> kill (weight 3) breaks safety: 'store i64 %n, ptr @request_size, align 8' writes memory that a signal handler the later 'kill' at refuse_kill (no debug location) may run could read; in a multi-call the handler would run before the store
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> mprotect (weight 2) breaks safety: 'store i64 0, ptr @request_size, align 8' writes memory that the later 'mprotect' at refuse_mprotect (no debug location) may read or write; in a multi-call that call would run before the store
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: '%l = call i32 @log(i64 %n)' between 'read' at refuse_call (no debug location) and 'write' at refuse_call (no debug location) calls 'log': user code cannot run inside a multi-call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: 'store i64 %n, ptr %gep, align 8' between 'read' at refuse_out_of_bounds (no debug location) and 'write' at refuse_out_of_bounds (no debug location) may fault: its address is not known to be writable there (a local, a global variable within its bounds, or errno), and in a multi-call it runs after the later calls

; dd's counters: a load, an add and a store of a global, and a last-result global read back
; in the gap (program order is kept). The stores stay where they were, after the batch and
; before the write's result is handed out.
; CHECK-LABEL: define i64 @store_global(
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: %c = load i64, ptr @count, align 8
; CHECK-NEXT: %c1 = add i64 %c, 1
; CHECK-NEXT: store i64 %c1, ptr @count, align 8
; CHECK-NEXT: store i64 %mc.result.0, ptr @last, align 8
; CHECK-NEXT: %back = load i64, ptr @last, align 8
; CHECK: mc.ran.1
define i64 @store_global(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %c = load i64, ptr @count, align 8
  %c1 = add i64 %c, 1
  store i64 %c1, ptr @count, align 8
  store i64 %n, ptr @last, align 8
  %back = load i64, ptr @last, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %r = add i64 %w, %back
  ret i64 %r
done:
  ret i64 0
}

; A store to errno and a local counter: errno is set at the write's own position (mc.err.1),
; after this store, as libc sets it after the program's store in the original.
; CHECK-LABEL: define i64 @store_errno(
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: %e = call ptr @__errno_location()
; CHECK-NEXT: store i32 0, ptr %e, align 4
; CHECK-NEXT: store i64 %mc.result.0, ptr %local, align 8
; CHECK: mc.err.1:
define i64 @store_errno(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %local = alloca i64, align 8
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %e = call ptr @__errno_location()
  store i32 0, ptr %e, align 4
  store i64 %n, ptr %local, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %l = load i64, ptr %local, align 8
  %r = add i64 %w, %l
  ret i64 %r
done:
  ret i64 0
}

; Calls that only compute a value: __errno_location (memory(none)) and an intrinsic.
; CHECK-LABEL: define i64 @pure_calls(
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: %m = call i64 @llvm.smax.i64(
; CHECK: mc.ran.1
define i64 @pure_calls(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %e = call ptr @__errno_location()
  %m = call i64 @llvm.smax.i64(i64 %n, i64 0)
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  %v = load i32, ptr %e, align 4
  %v64 = sext i32 %v to i64
  %r = add i64 %m, %v64
  ret i64 %r
}

; mini-httpd's form: the read fills a buffer whose pointer was loaded from a global, and the
; gap stores into another internal global that only loads and stores use: no pointer can
; point into it, so the read cannot touch it although alias analysis cannot tell.
; CHECK-LABEL: define i64 @store_unreachable_global(
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: store i64 0, ptr @request_size, align 8
; CHECK: mc.ran.1
define i64 @store_unreachable_global(i32 %in, i32 %out, ptr %obuf) {
  %req = load ptr, ptr @request, align 8
  %w = call i64 @write(i32 %out, ptr %obuf, i64 16)
  store i64 0, ptr @request_size, align 8
  %n = call i64 @read(i32 %in, ptr %req, i64 64)
  %s = load i64, ptr @request_size, align 8
  %r = add i64 %n, %s
  ret i64 %r
}

; A load of errno between the calls (coreutils' `saved_errno = errno` between dup2 and
; close): it cannot fault, it sees the earlier call's errno as in the original (the lowering
; sets errno at each call's own position), and errno is none of the program's objects, so the
; later read into a global buffer does not write it.
; CHECK-LABEL: define i32 @errno_load(
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: %v = load i32, ptr %e, align 4
; CHECK: mc.ran.1
define i32 @errno_load(i32 %in, i32 %out) {
  %w = call i64 @write(i32 %out, ptr @gbuf, i64 64)
  %e = call ptr @__errno_location()
  %v = load i32, ptr %e, align 4
  %n = call i64 @read(i32 %in, ptr @gbuf, i64 64)
  ret i32 %v
}

; Refused: a store into the buffer that the later read fills.
; CHECK-LABEL: define i64 @refuse_read_buffer(
; CHECK-NOT: multicall
define i64 @refuse_read_buffer(i32 %in, i32 %out) {
  %wbuf = alloca [64 x i8], align 16
  %rbuf = alloca [64 x i8], align 16
  %w = call i64 @write(i32 %out, ptr %wbuf, i64 64)
  store i8 0, ptr %rbuf, align 1
  %n = call i64 @read(i32 %in, ptr %rbuf, i64 64)
  %c = load i8, ptr %rbuf, align 1
  %c64 = zext i8 %c to i64
  ret i64 %c64
}

; Refused: a store into the buffer that the later write reads.
; CHECK-LABEL: define i64 @refuse_write_buffer(
; CHECK-NOT: multicall
define i64 @refuse_write_buffer(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i8 120, ptr %buf, align 16
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

; Refused: a volatile store (a flag a signal handler may read while the batch runs).
; CHECK-LABEL: define i64 @refuse_volatile(
; CHECK-NOT: multicall
define i64 @refuse_volatile(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store volatile i32 1, ptr @flag, align 4
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

; Refused: a store through a pointer not known to be writable (it may fault, and in the
; batch the write would have run before the fault).
; CHECK-LABEL: define i64 @refuse_unknown_pointer(
; CHECK-NOT: multicall
define i64 @refuse_unknown_pointer(i32 %in, i32 %out, ptr dereferenceable(8) %p) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i64 %n, ptr %p, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

; Refused: a store into a global at an index not known to be within its bounds.
; CHECK-LABEL: define i64 @refuse_out_of_bounds(
; CHECK-NOT: multicall
define i64 @refuse_out_of_bounds(i32 %in, i32 %out, i64 %i) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %gep = getelementptr inbounds i64, ptr @count, i64 %i
  store i64 %n, ptr %gep, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

; Refused: a store before a kill, which may run a handler of the program that reads the
; global (POSIX defines that for a signal the process sends itself), and one before an
; mprotect, which may change any page of the process: both into a global that no pointer
; reaches, which the calls could not touch through their arguments.
; CHECK-LABEL: define i64 @refuse_kill(
; CHECK-NOT: multicall
define i64 @refuse_kill(i32 %in, i32 %pid) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i64 %n, ptr @request_size, align 8
  %k = call i32 @kill(i32 %pid, i32 10)
  ret i64 %n
}

; CHECK-LABEL: define i64 @refuse_mprotect(
; CHECK-NOT: multicall
define i64 @refuse_mprotect(i32 %in, ptr %page) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i64 0, ptr @request_size, align 8
  %p = call i32 @mprotect(ptr %page, i64 4096, i32 1)
  ret i64 %n
}

; Refused: a call of an external function (it may do anything).
; CHECK-LABEL: define i64 @refuse_call(
; CHECK-NOT: multicall
; CHECK: ret i64
define i64 @refuse_call(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %l = call i32 @log(i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 64)
  ret i64 %w
}

; A loop with a counter in a global between its read and its write: a looped batch would run
; its iterations without that store, so the whole loop is refused, and each iteration's read
; and write are one straight multi-call with the store in its gap.
; CHECK-LABEL: define i64 @loop_counter(
; CHECK-NOT: multicall_loop
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: store i64 %c1, ptr @count, align 8
; CHECK: mc.ran.1
; CHECK: ret i64
define i64 @loop_counter(i32 %in, i32 %out) {
entry:
  %buf = alloca [64 x i8], align 16
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %c = load i64, ptr @count, align 8
  %c1 = add i64 %c, 1
  store i64 %c1, ptr @count, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %done
done:
  ret i64 %n
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @log(i64)
declare i32 @kill(i32, i32)
declare i32 @mprotect(ptr, i64, i32)
declare ptr @__errno_location() nounwind willreturn memory(none)
declare i64 @llvm.smax.i64(i64, i64)
