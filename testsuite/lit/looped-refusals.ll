; Whole-loop legality (section 3.4): loops around a read -> write chain that do not become
; one looped multi-call, each with the missed remark naming what stops it. The chain itself
; is still a straight multi-call per iteration where the straight conditions hold.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %blocks: its next value '%blocks.next = shl i64 %blocks, 1' is not itself plus or minus a step: a looped batch carries only counters and running totals of its calls' results
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %small: '%n16 = sext i16 %n.t to i32' extends the result of 'read' at narrow_total (no debug location): the sum of the extended results is the extended sum only for at least 32 bits of a transfer's result: a looped batch carries only counters and running totals of its calls' results
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %seen: its step '%bit = and i64 %n, 1' is neither defined before the loop nor a call's result: a looped batch carries only counters and running totals of its calls' results
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %wide: it is not an integer of at most 64 bits: a looped batch carries only counters and running totals of its calls' results
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: argument %p changes from one iteration to the next: its step 'i64 4096' is not the 64-bit result of a call of the loop: a looped batch advances an argument only by a result of the same iteration
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: '%seen = load i32, ptr @flag, align 4' reads memory in the loop: a looped batch does not run it between iterations
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: '%next = udiv i64 %n, 3' is computed in the loop and used after it: only the calls' results are handed out at the loop's exits
; REMARK-DAG: 0 syscall-cluster - Number of looped multi-calls (whole loops)

; CHECK-NOT: @multicall_loop
; CHECK-LABEL: define i64 @counter(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @narrow_total(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @odd_blocks(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i128 @wide_total(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @moving(
; CHECK-LABEL: define i64 @load_in_loop(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @used_after(
; CHECK: call i64 @multicall(

@flag = global i32 0

; A value carried from one iteration to the next that doubles: not a counter.
define i64 @counter(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %blocks = phi i64 [ 1, %entry ], [ %blocks.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %blocks.next = shl i64 %blocks, 1
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %blocks
}

; A total of the read's results through 16 bits, sign-extended: the sum of the extended
; values is not the extension of the sum.
define i32 @narrow_total(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %small = phi i32 [ 0, %entry ], [ %small.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 %len)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %n.t = trunc i64 %n to i16
  %n16 = sext i16 %n.t to i32
  %small.next = add i32 %small, %n16
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i32 -1
done:
  ret i32 %small
}

; A step computed from a result (its low bit), not the result itself. (With a constant length,
; a read that stops on anything but that length would decide it: decided-counts.c.)
define i64 @odd_blocks(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop
loop:
  %seen = phi i64 [ 0, %entry ], [ %seen.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 %len)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %bit = and i64 %n, 1
  %seen.next = add i64 %seen, %bit
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %seen
}

; A 128-bit total: wider than the runtime's sums.
define i128 @wide_total(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %wide = phi i128 [ 0, %entry ], [ %wide.next, %body ]
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %n128 = zext i64 %n to i128
  %wide.next = add i128 %wide, %n128
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i128 -1
done:
  ret i128 %wide
}

; Reading into a buffer that moves by a fixed step, not by a result: the read's buffer
; changes every iteration in a way no batch argument advances.
define i64 @moving(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %p = phi ptr [ %buf, %entry ], [ %p.next, %body ]
  %n = call i64 @read(i32 %in, ptr %p, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %p.next = getelementptr i8, ptr %p, i64 4096
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  ret i64 %n
}

; A second way out of the loop that tests no result (a flag): not a stop predicate.
; A load in the loop (a flag a signal handler sets, say): it would not run between iterations.
define i64 @load_in_loop(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %seen = load i32, ptr @flag
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  %s = sext i32 %seen to i64
  ret i64 %s
done:
  ret i64 %n
}

; A value computed in the loop from a result, before the write, and used after the loop,
; by a division, which the lowering does not compute again. (Computed after the write, it would be the
; original code's; arithmetic on the results is computed again where a stop resumes the
; loop: resume-loop.ll.)
define i64 @used_after(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %next = udiv i64 %n, 3
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 %next
done:
  ret i64 %n
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
