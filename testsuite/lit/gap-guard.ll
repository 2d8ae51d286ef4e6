; Tests between two calls of a condition set before the first (legality/conditions.rs
; `Guard`): `if (verbose) progress(..)` between a read and its write. The condition cannot
; change while the batch runs, so it is a guard, not a stop predicate: a straight batch ends
; after the read when the condition has the other value (its count is cut there, and the
; write runs as the original's own), and a looped batch runs only when every guard has the
; value of the way between the calls, else the original loop does. A condition that changes
; from one iteration to the next takes no looped batch. A condition may also load memory that
; no call of the batch writes (a global `progress` may write, on the other way): the batch
; loads it again at its start; not when a call before the load may write it (the read fills
; it, errno), nor a store between the calls, nor when it may fault before the first call.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference); it goes on after read only when %verbose is false (a test between the calls of a value set before them), else the original code does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total (total of read's results); it runs when %flag is false (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); it runs when %quiet is not zero (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); it runs when @level is zero (a test in the loop of a value set before it), else the original loop does
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 557) breaks safety: '%lv = load i32, ptr @level, align 4' between the calls, which a test between them makes, reads memory that 'read' at read_flag (no debug location) may write: the batch would read it before that call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 557) breaks safety: '%ev = load i32, ptr %e, align 4' between the calls, which a test between them makes, reads errno, which 'read' at errno_flag (no debug location) sets when it fails: the batch would read it before that call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 557) breaks safety: 'store i32 %x, ptr @level, align 4' between the calls may write what '%lv = load i32, ptr @level, align 4' reads, which a test between the calls makes of it: the batch reads it again before its first call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 557) breaks safety: '%lv = load i32, ptr %log, align 4' between 'read' at checked_pointer (no debug location) and 'write' at checked_pointer (no debug location) may trap
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference); it goes on after read only when %isnull is true
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %odd: its next value '%even = xor i1 %odd, true' is not itself plus or minus a step
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference); it goes on after read only when %odd is false (a test between the calls of a value set before them), else the original code does

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare void @progress(i64)

; Straight: the batch's count is cut to the read when the flag is set.
; CHECK-LABEL: define i64 @once(
; CHECK: %mc.guard.off = icmp eq i1 %verbose, true
; CHECK: %mc.guard.cut = and i1 %mc.guard.off, true
; CHECK: %mc.count = select i1 %mc.guard.cut, i32 1, i32 2
; CHECK: call i64 @multicall(ptr %mc.entries, i32 %mc.count)
define i64 @once(i32 %in, i32 %out, ptr %buf, i1 %verbose) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  br i1 %verbose, label %say, label %body
say:
  call void @progress(i64 %n)
  %w1 = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w1
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
done:
  ret i64 %n
}

; `if (verbose) progress(total)` between the read and the write of a copy loop, on a flag
; LLVM loaded before the loop: the whole loop, guarded.
; CHECK-LABEL: define i64 @in_loop(
; CHECK: %mc.guard.off = icmp eq i1 %v, true
; CHECK: call i64 @multicall_loop_sums(
define i64 @in_loop(i32 %in, i32 %out, ptr %buf, ptr %flag) {
entry:
  %v = load i1, ptr %flag
  br label %loop
loop:
  %total = phi i64 [ 0, %entry ], [ %total.next, %body ], [ %total.say, %say2 ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  br i1 %v, label %say, label %body
say:
  call void @progress(i64 %total)
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short2 = icmp ne i64 %w2, %n
  br i1 %short2, label %fail, label %say2
say2:
  %total.say = add i64 %total, %n
  br label %loop
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  %total.next = add i64 %total, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %total
}

; `if (!quiet) progress(..)` on an int argument: the way on is a non-zero value; the
; comparison is made again before the batch.
; CHECK-LABEL: define i64 @quiet_arg(
; CHECK: %[[Q:.*]] = icmp ne i32 %quiet, 0
; CHECK: %mc.guard.off = icmp eq i1 %[[Q]], false
; CHECK: call i64 @multicall_loop(
define i64 @quiet_arg(i32 %in, i32 %out, ptr %buf, i32 %quiet) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  %q = icmp ne i32 %quiet, 0
  br i1 %q, label %body, label %say
say:
  call void @progress(i64 %n)
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short2 = icmp ne i64 %w2, %n
  br i1 %short2, label %fail, label %loop
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; A flag the loop toggles in every iteration: set before each read, so a straight batch
; takes it as a guard, but it changes from one iteration to the next: no looped batch.
; CHECK-LABEL: define i64 @toggled(
; CHECK: %mc.guard.off = icmp eq i1 %odd, true
; CHECK: call i64 @multicall(
; CHECK-NOT: call i64 @multicall_loop
define i64 @toggled(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %odd = phi i1 [ false, %entry ], [ %even, %body ], [ %even, %say2 ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  %even = xor i1 %odd, true
  br i1 %odd, label %say, label %body
say:
  call void @progress(i64 %n)
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 %n)
  br label %say2
say2:
  br label %loop
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

@level = global i32 0

; A flag loaded between the calls, from a global that `progress` may write: no call of the
; batch writes it and nothing else runs in its iterations, so the batch loads it again at
; its start and runs when it is zero.
; CHECK-LABEL: define i64 @loaded_flag(
; CHECK: mc.loop:
; CHECK: %[[LV:.*]] = load i32, ptr @level
; CHECK: %[[ON:.*]] = icmp ne i32 %[[LV]], 0
; CHECK: %mc.guard.off = icmp eq i1 %[[ON]], true
; CHECK: call i64 @multicall_loop(
define i64 @loaded_flag(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  %lv = load i32, ptr @level, align 4
  %on = icmp ne i32 %lv, 0
  br i1 %on, label %say, label %body
say:
  call void @progress(i64 %n)
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short2 = icmp ne i64 %w2, %n
  br i1 %short2, label %fail, label %loop
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; The flag is what the read fills: the batch could not read it before the read.
; CHECK-LABEL: define i64 @read_flag(
; CHECK-NOT: call i64 @multicall
; CHECK: ret i64
define i64 @read_flag(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr @level, i64 4)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  %lv = load i32, ptr @level, align 4
  %on = icmp ne i32 %lv, 0
  br i1 %on, label %say, label %body
say:
  call void @progress(i64 %n)
  ret i64 0
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
done:
  ret i64 %n
}

; errno, which a failing read sets: read where the original reads it only.
; CHECK-LABEL: define i64 @errno_flag(
; CHECK-NOT: call i64 @multicall
; CHECK: ret i64
define i64 @errno_flag(i32 %in, i32 %out, ptr %buf) {
entry:
  %e = call ptr @__errno_location()
  store i32 0, ptr %e, align 4
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %ev = load i32, ptr %e, align 4
  %bad = icmp ne i32 %ev, 0
  br i1 %bad, label %say, label %body
say:
  call void @progress(i64 %n)
  ret i64 0
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
}

; A store between the calls into the flag, before its load.
@data = global [4096 x i8] zeroinitializer
; CHECK-LABEL: define i64 @stored_flag(
; CHECK-NOT: call i64 @multicall
; CHECK: ret i64
define i64 @stored_flag(i32 %in, i32 %out, i32 %x) {
entry:
  %n = call i64 @read(i32 %in, ptr @data, i64 4096)
  store i32 %x, ptr @level, align 4
  %lv = load i32, ptr @level, align 4
  %on = icmp ne i32 %lv, 0
  br i1 %on, label %say, label %body
say:
  call void @progress(i64 %n)
  ret i64 0
body:
  %w = call i64 @write(i32 %out, ptr @data, i64 %n)
  ret i64 %w
}

; `if (log && log->verbose)`: the load runs only where the pointer is not null; made before
; the read it could fault where the original never loads. The way without a log is a batch
; of its own (its copy of the write), guarded by the null test; the way through the load is
; refused.
; CHECK-LABEL: define i64 @checked_pointer(
; CHECK: %mc.guard.off = icmp eq i1 %isnull1, false
; CHECK: call i64 @multicall(
define i64 @checked_pointer(i32 %in, i32 %out, ptr %log) {
entry:
  %n = call i64 @read(i32 %in, ptr @data, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %test, label %done
test:
  %isnull = icmp eq ptr %log, null
  br i1 %isnull, label %body, label %check
check:
  %lv = load i32, ptr %log, align 4
  %on = icmp ne i32 %lv, 0
  br i1 %on, label %say, label %body
say:
  call void @progress(i64 %n)
  ret i64 0
body:
  %w = call i64 @write(i32 %out, ptr @data, i64 %n)
  ret i64 %w
done:
  ret i64 %n
}

declare ptr @__errno_location() nounwind willreturn memory(none)
