; A write-all loop that leaves when the write moved all it was asked for, `while ((n =
; write(fd, p, left)) != left) { if (n < 0) ...; p += n; left -= n; }`. In clang -O2's form
; (the first write before the loop, the header testing the result of the iteration before)
; the loop's start moves to the write (transform/reheader.rs); then the test `n == left`,
; before the write's stop predicate, becomes `left - n == 0` after it
; (transform/finished.rs), and the loop is one looped multi-call whose count advances until
; it is 0. Both tests may leave to one block whose phis tell them apart (`shared_exit`:
; the second test's way then passes a block of its own, `finished.fail`). Not rewritten: a
; loop whose arithmetic before the way round calls a function, and one whose second test
; compares the result with a value that is not a constant; each keeps its refusal.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: moved the start of the loop to 'write' at clang_form (no debug location): the loop's test of the result of 'write' at clang_form (no debug location), at its top, now follows that call in the same iteration
; REMARK-DAG: remark: <unknown>:0:0: tested whether 'write' at clang_form (no debug location) moved all it was asked for after its test '%neg = icmp slt i64 %n1, 0', as its count minus its result being 0 (the count's next value)
; REMARK-DAG: remark: <unknown>:0:0: tested whether 'write' at shared_exit (no debug location) moved all it was asked for after its test '%err = icmp eq i64 %n, -1'
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances %left{{[0-9]+}} (argument 2 of write, down by write's result), %{{p|sum}}{{[0-9]+}} (argument 1 of write, up by write's result) until %left{{[0-9]+}} == 0
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); advances %p (argument 1 of write, up by write's result), %left (argument 2 of write, down by write's result) until %left == 0
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks linearity: branch '%full = icmp eq i64 %n, %left' between 'write' at calls_on_the_way (no debug location) and 'write' at calls_on_the_way (no debug location) is not a stop predicate
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: the result of 'write' at test_on_value (no debug location) is not tested on the way round the loop
; REMARK-DAG: 2 syscall-cluster - Number of looped multi-calls (whole loops)
; REMARK-NOT: tested whether 'write' at calls_on_the_way
; REMARK-NOT: tested whether 'write' at test_on_value

; CHECK-LABEL: define void @clang_form(
; CHECK: call i64 @multicall_run_batch(
; CHECK-LABEL: define i64 @shared_exit(
; CHECK: call i64 @multicall_run_batch(
; CHECK: finished.fail:
; CHECK-LABEL: define void @calls_on_the_way(
; CHECK-NOT: multicall
; CHECK-LABEL: define void @test_on_value(
; CHECK-NOT: multicall
; CHECK-LABEL: declare

declare i64 @write(i32 noundef, ptr noundef, i64 noundef)
declare void @die() noreturn
declare void @progress()

; clang -O2's form: the first write before the loop, the header testing the result of the
; iteration before, then advancing the arguments and writing again.
define void @clang_form(i32 %fd, ptr %buf, i64 %len) {
entry:
  %n0 = tail call i64 @write(i32 %fd, ptr %buf, i64 %len)
  %full0 = icmp eq i64 %n0, %len
  br i1 %full0, label %exit, label %head

head:
  %n = phi i64 [ %n1, %body ], [ %n0, %entry ]
  %p = phi ptr [ %p1, %body ], [ %buf, %entry ]
  %left = phi i64 [ %left1, %body ], [ %len, %entry ]
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %fail, label %body

body:
  %p1 = getelementptr inbounds i8, ptr %p, i64 %n
  %left1 = sub i64 %left, %n
  %n1 = tail call i64 @write(i32 %fd, ptr %p1, i64 %left1)
  %full = icmp eq i64 %n1, %left1
  br i1 %full, label %exit, label %head

fail:
  tail call void @die()
  unreachable

exit:
  ret void
}

; The loop with its start at the write, both tests leaving to one block whose phis tell them
; apart (an error code and what was left), the first test as `!=`, the second `n == -1`.
define i64 @shared_exit(i32 %fd, ptr %buf, i64 %len, ptr %unwritten) {
entry:
  br label %loop

loop:
  %p = phi ptr [ %buf, %entry ], [ %p1, %adv ]
  %left = phi i64 [ %len, %entry ], [ %left1, %adv ]
  %n = tail call i64 @write(i32 %fd, ptr %p, i64 %left)
  %short = icmp ne i64 %n, %left
  br i1 %short, label %test, label %out

test:
  %err = icmp eq i64 %n, -1
  br i1 %err, label %out, label %adv

adv:
  %p1 = getelementptr inbounds i8, ptr %p, i64 %n
  %left1 = sub nsw i64 %left, %n
  br label %loop

out:
  %rest = phi i64 [ 0, %loop ], [ %left, %test ]
  %r = phi i64 [ 0, %loop ], [ -1, %test ]
  store i64 %rest, ptr %unwritten
  ret i64 %r
}

; Refused: the arithmetic before the way round calls a function.
define void @calls_on_the_way(i32 %fd, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %p = phi ptr [ %buf, %entry ], [ %p1, %adv ]
  %left = phi i64 [ %len, %entry ], [ %left1, %adv ]
  %n = tail call i64 @write(i32 %fd, ptr %p, i64 %left)
  %full = icmp eq i64 %n, %left
  br i1 %full, label %exit, label %test

test:
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %fail, label %adv

adv:
  call void @progress()
  %p1 = getelementptr inbounds i8, ptr %p, i64 %n
  %left1 = sub i64 %left, %n
  br label %loop

fail:
  tail call void @die()
  unreachable

exit:
  ret void
}

; Refused: the second test compares the result with a value, not a constant.
define void @test_on_value(i32 %fd, ptr %buf, i64 %len, i64 %min) {
entry:
  br label %loop

loop:
  %p = phi ptr [ %buf, %entry ], [ %p1, %adv ]
  %left = phi i64 [ %len, %entry ], [ %left1, %adv ]
  %n = tail call i64 @write(i32 %fd, ptr %p, i64 %left)
  %full = icmp eq i64 %n, %left
  br i1 %full, label %exit, label %test

test:
  %neg = icmp slt i64 %n, %min
  br i1 %neg, label %fail, label %adv

adv:
  %p1 = getelementptr inbounds i8, ptr %p, i64 %n
  %left1 = sub i64 %left, %n
  br label %loop

fail:
  tail call void @die()
  unreachable

exit:
  ret void
}
