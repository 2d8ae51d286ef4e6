; gzip 1.12's write_buf as the link-time pipeline leaves it inlined into its callers
; (flush_outbuf, flush_window): the loop's header makes the write's count of the `unsigned`
; count left, clamped to INT_MAX and widened (`zext (umin %cnt, C)`), before the write, which
; the test of the whole count follows. `finished` tests the end on the count's next value after
; the test of -1; `wide_count` versions the loop on the count it comes in with (`%count.fits`)
; and makes the argument a phi of the header, the count in widened, going down by the result
; (`%count.left`): one looped multi-call. Without the clamp (`@flush_all`) no copy is made.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/advance.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: tested whether 'write' at flush (no debug location) moved all it was asked for after its test '%err = icmp eq i32 %n, -1'
; REMARK-DAG: remark: <unknown>:0:0: counted what 'write' at flush (no debug location) has left to move in its 64-bit argument %count.left, which goes down by its result, in place of the count %cnt widened, where %cnt comes into the loop at most 2147483647 (tested before it; it never grows), a copy of the loop otherwise
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %cnt (total of write's results); advances %count.left (argument 2 of write, down by write's result), %p (argument 1 of write, up by write's result) until %count.left == 0
; REMARK-DAG: remark: <unknown>:0:0: counted what 'write' at flush_all (no debug location) has left to move in its 64-bit argument %count.left, which goes down by its result, in place of the count %cnt widened{{$}}
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %cnt (total of write's results); advances %count.left (argument 2 of write, down by write's result), %p (argument 1 of write, up by write's result) until %count.left == 0

; The clamped loop: the count tested before it, the argument in its count widened.
; CHECK-LABEL: define void @flush(
; CHECK: %count.fits = icmp ule i32 %cnt0, 2147483647
; CHECK: br i1 %count.fits{{(.fr)?}}, label %loop.ph, label %loop.ph.unsw
; CHECK: loop.ph:
; CHECK-NEXT: [[IN:%[0-9]+]] = zext i32 %cnt0 to i64
; CHECK: phi i64 [ [[IN]], %loop.ph ]
; CHECK: call i64 @multicall_run_batch(
; The copy for a larger count keeps its clamp.
; CHECK: call i32 @llvm.umin.i32(i32 %cnt.unsw, i32 2147483647)
; CHECK-LABEL: define void @flush_all(
; CHECK-NOT: count.fits
; CHECK: call i64 @multicall_run_batch(
; CHECK-NOT: llvm.umin
; CHECK: ret void

@outbuf = global [16384 x i8] zeroinitializer
@outcnt = global i32 0

declare i64 @write(i32, ptr, i64)
declare void @write_error() noreturn
declare i32 @llvm.umin.i32(i32, i32)

define void @flush(i32 %fd) {
entry:
  %cnt0 = load i32, ptr @outcnt
  %empty = icmp eq i32 %cnt0, 0
  br i1 %empty, label %done, label %loop

loop:
  %cnt = phi i32 [ %cnt.next, %adv ], [ %cnt0, %entry ]
  %p = phi ptr [ %p.next, %adv ], [ @outbuf, %entry ]
  %c = call i32 @llvm.umin.i32(i32 %cnt, i32 2147483647)
  %len = zext nneg i32 %c to i64
  %r = call i64 @write(i32 %fd, ptr %p, i64 %len)
  %n = trunc i64 %r to i32
  %all = icmp eq i32 %n, %cnt
  br i1 %all, label %out, label %tests

tests:
  %err = icmp eq i32 %n, -1
  br i1 %err, label %fail, label %adv

fail:
  call void @write_error()
  unreachable

adv:
  %cnt.next = sub i32 %cnt, %n
  %m = and i64 %r, 4294967295
  %p.next = getelementptr inbounds i8, ptr %p, i64 %m
  br label %loop

out:
  store i32 0, ptr @outcnt
  br label %done

done:
  ret void
}

define void @flush_all(i32 %fd) {
entry:
  %cnt0 = load i32, ptr @outcnt
  %empty = icmp eq i32 %cnt0, 0
  br i1 %empty, label %done, label %loop

loop:
  %cnt = phi i32 [ %cnt.next, %adv ], [ %cnt0, %entry ]
  %p = phi ptr [ %p.next, %adv ], [ @outbuf, %entry ]
  %len = zext i32 %cnt to i64
  %r = call i64 @write(i32 %fd, ptr %p, i64 %len)
  %n = trunc i64 %r to i32
  %all = icmp eq i32 %n, %cnt
  br i1 %all, label %out, label %tests

tests:
  %err = icmp eq i32 %n, -1
  br i1 %err, label %fail, label %adv

fail:
  call void @write_error()
  unreachable

adv:
  %cnt.next = sub i32 %cnt, %n
  %m = and i64 %r, 4294967295
  %p.next = getelementptr inbounds i8, ptr %p, i64 %m
  br label %loop

out:
  store i32 0, ptr @outcnt
  br label %done

done:
  ret void
}
