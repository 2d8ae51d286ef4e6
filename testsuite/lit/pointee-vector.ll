; A vector of two counters a loop is given a pointer to (SLP's `<2 x i64>` of two adjacent
; fields), whose loaded value is also used elsewhere, so that the update is not written lane
; by lane on its own (transform/vectors.rs): `pointees` splits every access of the loop at
; the pointer into accesses of each lane (vectors::split_accesses), a lane taken out of the
; loaded vector becomes that lane's load, and each lane is then kept in a register.
; Refused, with nothing changed: the loop also reads the first lane as another type.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

@buf = internal global [4096 x i8] zeroinitializer

declare i64 @read(i32, ptr, i64) nounwind
declare i64 @write(i32, ptr, i64) nounwind
declare void @keep(i64) nounwind
declare void @keep32(i32) nounwind

; CHECK-LABEL: define internal void @pump(
; CHECK: entry:
; CHECK: %[[P8:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 8
; CHECK-NEXT: %[[L0:.*]] = load i64, ptr %st, align 8
; CHECK-NEXT: %[[L1:.*]] = load i64, ptr %[[P8]], align 8
; CHECK-NOT: <2 x i64>
; CHECK: call void @keep(i64 %[[L0]])
; CHECK-NOT: <2 x i64>
; CHECK: ret void
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <2 x i64> %s, ptr %st, align 8' lane by lane: '%v = load <2 x i64>, ptr %st, align 8' is also used by '%e = extractelement <2 x i64> %v, i64 0'
; REMARK-DAG: remark: <unknown>:0:0: kept the variable argument 3 of 'pump' points to in a register across the loop of 'read' at pump (no debug location): loaded once before the loop and stored at each of its exits; no other code can read or write it while the loop runs
; REMARK-DAG: remark: <unknown>:0:0: kept the variable argument 3 of 'pump' points to (at byte 8) in a register across the loop of 'read' at pump (no debug location): loaded once before the loop and stored at each of its exits; no other code can read or write it while the loop runs
define internal void @pump(i32 %in, i32 %out, ptr nocapture %st) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <2 x i64>, ptr %st, align 8
  %w = insertelement <2 x i64> <i64 1, i64 poison>, i64 %n, i64 1
  %s = add nsw <2 x i64> %v, %w
  store <2 x i64> %s, ptr %st, align 8
  %e = extractelement <2 x i64> %v, i64 0
  call void @keep(i64 %e)
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret void
}

; CHECK-LABEL: define internal void @mixed(
; CHECK: store <2 x i64> %s, ptr %st, align 8
; REMARK-DAG: remark: <unknown>:0:0: did not keep the variable argument 3 of 'mixed' points to in a register across the loop of 'read' at mixed (no debug location): the loop reads or writes it as two different types
define internal void @mixed(i32 %in, i32 %out, ptr nocapture %st) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <2 x i64>, ptr %st, align 8
  %w = insertelement <2 x i64> <i64 1, i64 poison>, i64 %n, i64 1
  %s = add nsw <2 x i64> %v, %w
  store <2 x i64> %s, ptr %st, align 8
  %low = load i32, ptr %st, align 8
  call void @keep32(i32 %low)
  %x = extractelement <2 x i64> %v, i64 1
  call void @keep(i64 %x)
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret void
}

define i64 @run(i32 %in, i32 %out) {
entry:
  %st = alloca [2 x i64], align 16
  store <2 x i64> zeroinitializer, ptr %st, align 16
  call void @pump(i32 %in, i32 %out, ptr %st)
  call void @mixed(i32 %in, i32 %out, ptr %st)
  %v = load <2 x i64>, ptr %st, align 16
  %a = extractelement <2 x i64> %v, i64 0
  %b = extractelement <2 x i64> %v, i64 1
  %r = add i64 %a, %b
  ret i64 %r
}
