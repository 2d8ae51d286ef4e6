; Arguments computed in a loop only from values set before it (transform/hoist.rs): a copy
; loop that reads past a header at `buf + 16` and writes the rest, whose address and length
; were not moved out of the loop (IR from a frontend or a pipeline without LICM, or left so by
; another transformation), is refused whole because its arguments seem to change from one
; iteration to the next. Work that reads no memory and cannot trap moves to the preheader, and
; the loop is one looped multi-call; a division, which may trap, stays, and so does the
; refusal.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)

; REMARK-DAG: remark: <unknown>:0:0: moved '%rest = getelementptr inbounds i8, ptr %buf, i64 %skip' out of the loop of 'read' at invariant_address (no debug location): it is computed only from values set before the loop, by work that reads no memory and cannot trap
; REMARK-DAG: remark: <unknown>:0:0: moved '%len = sub i64 4096, %skip' out of the loop of 'read' at invariant_address (no debug location): it is computed only from values set before the loop, by work that reads no memory and cannot trap
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
; CHECK-LABEL: define i64 @invariant_address(
; CHECK: %skip = shl nuw nsw i64 %words, 2
; CHECK-NEXT: %rest = getelementptr inbounds i8, ptr %buf, i64 %skip
; CHECK-NEXT: %len = sub i64 4096, %skip
; CHECK: call i64 @multicall_loop
define i64 @invariant_address(i32 %in, i32 %out, ptr %buf, i64 %words) {
entry:
  br label %loop
loop:
  %skip = shl nuw nsw i64 %words, 2
  %rest = getelementptr inbounds i8, ptr %buf, i64 %skip
  %len = sub i64 4096, %skip
  %n = call i64 @read(i32 %in, ptr %rest, i64 %len)
  %end = icmp slt i64 %n, 1
  br i1 %end, label %done, label %body
body:
  %w = call i64 @write(i32 %out, ptr %rest, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %done, label %loop
done:
  ret i64 %n
}

; A length divided by an argument: the division may trap (a zero divisor) where the loop
; would not have run it, so it stays in the loop, and the loop is refused.
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 19) breaks whole-loop legality: argument 2 of 'read' at divided_length (no debug location) ('%len = udiv i64 4096, %parts') changes from one iteration to the next: a looped batch runs every iteration with the same arguments
; CHECK-LABEL: define i64 @divided_length(
; CHECK: loop:
; CHECK-NEXT: %len = udiv i64 4096, %parts
define i64 @divided_length(i32 %in, i32 %out, ptr %buf, i64 %parts) {
entry:
  br label %loop
loop:
  %len = udiv i64 4096, %parts
  %n = call i64 @read(i32 %in, ptr %buf, i64 %len)
  %end = icmp slt i64 %n, 1
  br i1 %end, label %done, label %body
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %done, label %loop
done:
  ret i64 %n
}
