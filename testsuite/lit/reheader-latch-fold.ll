; A counted loop clang has rotated with its read alone in the latch: the header writes the
; read's result from the iteration before, then the short-write test, then the count's test
; (`i + 1 == 1000000`, a bound clang knows is not 0, so there is no guard), then the latch's
; read. Moving the loop's start to the read (transform/reheader.rs) leaves the latch empty
; but for its branch to the new header; the move folds that block, so that the count's test
; ends the iteration as in a loop clang rotates itself, and the loop is one looped
; multi-call bounded by the iterations its counter has left.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-loop.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: moved the start of the loop to 'read'
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter, up by 1 to its bound 1000000: the batch runs the iterations it has left)

; CHECK-LABEL: define i64 @counted_latch_read(
; The first read and write stay before the loop, as the original ran them.
; CHECK: call i64 @read(
; CHECK: call i64 @write(
; CHECK: %mc.cnt.dist = sub i64 1000000,
; CHECK: call i64 @multicall_run_batch(
; CHECK: ret i64

; The same loop reporting the length of its last full block after the loop: at the exit by
; the latch's read that is the read of the iteration before, a last value the advancing form
; does not carry. The loop resumes after its stops instead (legality/resume.rs): the read
; stops on every short read, so the last value is settled at 4096 after one iteration, and
; the count's test is a period test made again after each batch.
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{i[0-9]+}} (counter), %{{n[0-9]+}} (settled: 4096 after the first iteration); each batch runs at most the iterations until the counter %{{i[0-9]+}} after the iteration reaches i64 1000000, where the original makes the test '%end = icmp eq i64 %i1, 1000000' and goes on
; CHECK-LABEL: define i64 @last_block(
; CHECK: %mc.loop.reach.room = sub i64 1000000,
; CHECK: call i64 @multicall_loop(
; CHECK: ret i64

@buf = internal global [4096 x i8] zeroinitializer

define i64 @counted_latch_read(i32 %in, i32 %out) {
entry:
  %n0 = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %e0 = icmp slt i64 %n0, 1
  br i1 %e0, label %done, label %body

body:
  %n = phi i64 [ %n1, %latch ], [ %n0, %entry ]
  %i = phi i64 [ %i1, %latch ], [ 0, %entry ]
  %w = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %count, label %short

count:
  %i1 = add nuw nsw i64 %i, 1
  %end = icmp eq i64 %i1, 1000000
  br i1 %end, label %done, label %latch

latch:
  %n1 = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %e1 = icmp slt i64 %n1, 1
  br i1 %e1, label %done, label %body

short:
  ret i64 -2

done:
  %r = phi i64 [ 0, %entry ], [ 1000000, %count ], [ %i1, %latch ]
  %last = phi i64 [ %n0, %entry ], [ 1, %count ], [ %n1, %latch ]
  %failed = icmp slt i64 %last, 0
  %ret = select i1 %failed, i64 -1, i64 %r
  ret i64 %ret
}

define i64 @last_block(i32 %in, i32 %out) {
entry:
  %n0 = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %e0 = icmp slt i64 %n0, 1
  br i1 %e0, label %done, label %body

body:
  %n = phi i64 [ %n1, %latch ], [ %n0, %entry ]
  %i = phi i64 [ %i1, %latch ], [ 0, %entry ]
  %w = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %count, label %short

count:
  %i1 = add nuw nsw i64 %i, 1
  %end = icmp eq i64 %i1, 1000000
  br i1 %end, label %done, label %latch

latch:
  %n1 = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %e1 = icmp slt i64 %n1, 1
  br i1 %e1, label %done, label %body

short:
  ret i64 -2

done:
  %prev = phi i64 [ 0, %entry ], [ %n, %count ], [ %n, %latch ]
  ret i64 %prev
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
