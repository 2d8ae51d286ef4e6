; transform/switches.rs on IR: a switch between the calls of a hot edge whose cases do not
; all leave the path becomes a chain of two-way branches, the ways that leave first. The
; cases of one block are one test (an `or` of the equalities), a case that goes where the
; default does needs none, and the phis of the blocks gone to take their values from the
; link that reaches them. A switch of more than eight ways is a dispatch, left alone.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %s \
; RUN:   -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: opt -passes=verify -disable-output %t.ll

; Case 0 leaves with the result; 64 and 32 go to %full, 16 to the default's %part: the chain
; tests 0, then 64 or 32. After the test of a negative result, the read's stop is then
; `result <= 0`, and the two ways on are flattened, so read -> write is one multi-call.
; REMARK-DAG: remark: <unknown>:0:0: made 'switch i64 %n, label %part [ i64 0, label %done i64 64, label %full i64 16, label %part i64 32, label %full ]' a chain of 2 two-way branches on its cases, {{.*}}{{$}}
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; CHECK-LABEL: define i64 @cases(
; CHECK-NOT: switch
; CHECK: %mc.ret = call i64 @multicall(
; CHECK: tests:
; CHECK-NEXT: %sw.eq = icmp eq i64 %mc.result.0, 0
; CHECK-NEXT: br i1 %sw.eq, label %done, label %switch.1
; CHECK: switch.1:
; CHECK-NEXT: %sw.eq1 = icmp eq i64 %mc.result.0, 64
; CHECK-NEXT: %sw.eq2 = icmp eq i64 %mc.result.0, 32
; CHECK-NEXT: %sw.any = or i1 %sw.eq1, %sw.eq2
; CHECK: %flat.phi = select i1 %sw.any, i64 1, i64 2
; CHECK: done:
; CHECK-NEXT: %v = phi i64 {{.*}}[ %mc.result.0, %tests ]
define i64 @cases(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %neg = icmp slt i64 %n, 0
  br i1 %neg, label %done, label %tests
tests:
  switch i64 %n, label %part [
    i64 0, label %done
    i64 64, label %full
    i64 16, label %part
    i64 32, label %full
  ]
full:
  br label %join
part:
  br label %join
join:
  %kind = phi i64 [ 1, %full ], [ 2, %part ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %r = add i64 %w, %kind
  br label %done
done:
  %v = phi i64 [ %r, %join ], [ %n, %tests ], [ -1, %entry ]
  ret i64 %v
}

; Nine ways: left alone, and the refusal names the switch.
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 557) breaks linearity: 'switch i64 %n, label %go {{.*}}' between 'read' at wide (no debug location) and 'write' at wide (no debug location) is not a branch that reads as a stop predicate{{.*}}
; CHECK-LABEL: define i64 @wide(
; CHECK: switch i64 %n, label %go [
define i64 @wide(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  switch i64 %n, label %go [
    i64 0, label %done
    i64 1, label %c1
    i64 2, label %c2
    i64 3, label %c3
    i64 4, label %c4
    i64 5, label %c5
    i64 6, label %c6
    i64 7, label %c7
  ]
c1:
  br label %go
c2:
  br label %go
c3:
  br label %go
c4:
  br label %go
c5:
  br label %go
c6:
  br label %go
c7:
  br label %go
go:
  %k = phi i64 [ 0, %entry ], [ 1, %c1 ], [ 2, %c2 ], [ 3, %c3 ], [ 4, %c4 ], [ 5, %c5 ], [ 6, %c6 ], [ 7, %c7 ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %r = add i64 %w, %k
  br label %done
done:
  %v = phi i64 [ %r, %go ], [ %n, %entry ]
  ret i64 %v
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
