; A whole-loop refusal for a call inside a loop that does not head it says what stops it: the
; read of a rotated `while ((n = read(...)) > 0)` loop whose body branches sits in the loop's
; latch, as in ncompress's compress(); the body's branch tests a value set before the loop,
; which a batch would take as a guard, but each way stores into the buffer, which a batch
; cannot skip. "no path comes back to its block" is said only of a call on no loop at all
; (here the read before the loop and its peeled copy).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/loop-not-head.json>' \
; RUN:   -pass-remarks-missed=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: breaks whole-loop legality: the loop's header tests where the way round goes before 'read' at latch_read (no debug location), so the batch begins at that call, but 'store i8 {{[12]}}, ptr %buf, align 1' is not something a batch may skip
; REMARK-DAG: breaks whole-loop legality: 'read' at latch_read (no debug location) is not at the head of a loop: no path comes back to its block
; REMARK-DAG: breaks whole-loop legality: 'read' at latch_read_tested (no debug location) is not at the head of a loop: its block is inside a loop whose iterations begin at another block

define void @latch_read(i32 %fd, ptr %buf, i1 %w) {
entry:
  %n0 = call i64 @read(i32 %fd, ptr %buf, i64 64)
  %c0 = icmp sgt i64 %n0, 0
  br i1 %c0, label %body, label %exit
body:
  br i1 %w, label %a, label %b
a:
  store i8 1, ptr %buf
  br label %latch
b:
  store i8 2, ptr %buf
  br label %latch
latch:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  %c = icmp sgt i64 %n, 0
  br i1 %c, label %body, label %exit
exit:
  ret void
}

; The same loop whose body tests what it read: no guard, and the refusal says where the
; loop's iterations begin.
define void @latch_read_tested(i32 %fd, ptr %buf) {
entry:
  %n0 = call i64 @read(i32 %fd, ptr %buf, i64 64)
  %c0 = icmp sgt i64 %n0, 0
  br i1 %c0, label %body, label %exit
body:
  %v = load i8, ptr %buf
  %w = icmp eq i8 %v, 0
  br i1 %w, label %a, label %b
a:
  store i8 1, ptr %buf
  br label %latch
b:
  store i8 2, ptr %buf
  br label %latch
latch:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  %c = icmp sgt i64 %n, 0
  br i1 %c, label %body, label %exit
exit:
  ret void
}
declare i64 @read(i32, ptr, i64)
