; A switch on a chain of selects made branches (transform/dispatch.rs) and `smax(n, 0)` made
; `n` where only values that are not negative reach its uses (transform/nonneg.rs), in
; clang -O2's form of `while (got < size) { n = read(fd, p + got, size - got); if (n < 0)
; return -1; if (n == 0) break; got += n; }` (`read_full`): its two tests of `n` folded into
; a switch on selects, its step `got + smax(n, 0)`. With both, the loop is one looped
; multi-call whose count reaches 0 when the total reaches the size. -O1's step `select (n >
; 0), n, 0` of a write-all loop is the same (`write_full_o1`). Not rewritten: a chain whose
; last value is not a constant (`chain_open`), and an `smax` whose value is returned where
; `n` may be negative (`smax_seen`); each loop keeps its refusal.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/offset-totals.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: made the switch on 2 selects 'switch i32 %s2, label %fail [ i32 0, label %head i32 3, label %out ]' branches on their conditions
; REMARK-DAG: remark: <unknown>:0:0: used %n for '%m = tail call i64 @llvm.smax.i64(i64 %n, i64 0)': its uses are reached only where it is not negative
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries %got (total of read's results); advances %at (argument 1 of read, up by read's result), %count (argument 2 of read, down by read's result) until %count == 0
; REMARK-DAG: remark: <unknown>:0:0: used %n for '%m = select i1 %pos, i64 %n, i64 0': its uses are reached only where it is not negative
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: write (stop: result < 0; 0 result references); carries %done (total of write's results); advances %at (argument 1 of write, up by write's result), %count (argument 2 of write, down by write's result) until %count == 0
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> read (weight 299) breaks whole-loop legality: '%s1 = select i1 %zero, i32 3, i32 %other' runs on the way round the loop after the last call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 299) breaks whole-loop legality: '%m = tail call i64 @llvm.smax.i64(i64 %n, i64 0)' runs on the way round the loop after the last call
; REMARK-DAG: 2 syscall-cluster - Number of looped multi-calls (whole loops)
; REMARK-NOT: made the switch on 1 select
; REMARK-NOT: for '%m = tail call i64 @llvm.smax.i64(i64 %n, i64 0)': {{.*}} smax_seen

; The switch's way on for each value, as branches; then the batch.
; CHECK-LABEL: define i64 @read_full(
; CHECK: dispatch.1:
; CHECK-NEXT: br i1 %zero, label %out, label %head
; CHECK: call i64 @multicall_run_batch(
; CHECK: br i1 %neg, label %fail, label %dispatch.1
; CHECK-LABEL: define i64 @write_full_o1(
; CHECK: call i64 @multicall_run_batch(
; CHECK-LABEL: define i64 @chain_open(
; CHECK: switch i32 %s2
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @smax_seen(
; CHECK: call i64 @llvm.smax.i64(
; CHECK-NOT: multicall
; CHECK-LABEL: declare

declare i64 @read(i32 noundef, ptr noundef, i64 noundef)
declare i64 @write(i32 noundef, ptr noundef, i64 noundef)
declare i64 @llvm.smax.i64(i64, i64)

define i64 @read_full(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %got = phi i64 [ 0, %entry ], [ %got.next, %body ]
  %more = icmp ult i64 %got, %size
  br i1 %more, label %body, label %out

body:
  %at = getelementptr inbounds i8, ptr %p, i64 %got
  %count = sub i64 %size, %got
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %neg = icmp slt i64 %n, 0
  %zero = icmp eq i64 %n, 0
  %s1 = select i1 %zero, i32 3, i32 0
  %m = tail call i64 @llvm.smax.i64(i64 %n, i64 0)
  %got.next = add i64 %m, %got
  %s2 = select i1 %neg, i32 1, i32 %s1
  switch i32 %s2, label %fail [
    i32 0, label %head
    i32 3, label %out
  ]

fail:
  br label %out

out:
  %r = phi i64 [ %got.next, %body ], [ %got, %head ], [ -1, %fail ]
  ret i64 %r
}

define i64 @write_full_o1(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %done = phi i64 [ 0, %entry ], [ %done.next, %body ]
  %more = icmp ult i64 %done, %size
  br i1 %more, label %body, label %out

body:
  %at = getelementptr inbounds i8, ptr %p, i64 %done
  %count = sub i64 %size, %done
  %n = tail call i64 @write(i32 %fd, ptr %at, i64 %count)
  %pos = icmp sgt i64 %n, -1
  %m = select i1 %pos, i64 %n, i64 0
  %done.next = add i64 %m, %done
  br i1 %pos, label %head, label %out

out:
  %r = phi i64 [ -1, %body ], [ %done, %head ]
  ret i64 %r
}

; The chain ends in a value that is not a constant: the switch stays.
define i64 @chain_open(i32 %fd, ptr %p, i64 %size, i32 %other) {
entry:
  br label %head

head:
  %got = phi i64 [ 0, %entry ], [ %got.next, %body ]
  %more = icmp ult i64 %got, %size
  br i1 %more, label %body, label %out

body:
  %at = getelementptr inbounds i8, ptr %p, i64 %got
  %count = sub i64 %size, %got
  %n = tail call i64 @read(i32 %fd, ptr %at, i64 %count)
  %neg = icmp slt i64 %n, 0
  %zero = icmp eq i64 %n, 0
  %s1 = select i1 %zero, i32 3, i32 %other
  %got.next = add i64 %n, %got
  %s2 = select i1 %neg, i32 1, i32 %s1
  switch i32 %s2, label %fail [
    i32 0, label %head
    i32 3, label %out
  ]

fail:
  br label %out

out:
  %r = phi i64 [ %got.next, %body ], [ %got, %head ], [ -1, %fail ]
  ret i64 %r
}

; The smax's sum is returned also when `n` is negative: it stays.
define i64 @smax_seen(i32 %fd, ptr %p, i64 %size) {
entry:
  br label %head

head:
  %done = phi i64 [ 0, %entry ], [ %done.next, %body ]
  %more = icmp ult i64 %done, %size
  br i1 %more, label %body, label %out

body:
  %at = getelementptr inbounds i8, ptr %p, i64 %done
  %count = sub i64 %size, %done
  %n = tail call i64 @write(i32 %fd, ptr %at, i64 %count)
  %pos = icmp sgt i64 %n, -1
  %m = tail call i64 @llvm.smax.i64(i64 %n, i64 0)
  %done.next = add i64 %m, %done
  br i1 %pos, label %head, label %out

out:
  %r = phi i64 [ %done.next, %body ], [ %done, %head ]
  ret i64 %r
}
