; A call that follows itself in the profile, in a helper that has no loop of its own: the
; loop that repeats it is in a caller (gzip's read_buffer, called by fill_inbuf's
; read-until-full loop, where the compiler did not inline it). The pass inlines the helper
; into the caller whose call of it is in a loop (transform/inline.rs), and the loop is then
; one looped multi-call whose arguments advance. A helper whose callers call it in no loop
; stays where it is.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fill-inbuf.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: inlined 'read_some' ({{[0-9]+}} instructions) into 'fill' so that the hot edge read -> read (weight 180) runs in the loop of 'fill' that repeats it
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances
; REMARK-DAG: 1 syscall-cluster - Number of looped multi-calls (whole loops)

; CHECK-LABEL: define i64 @fill(
; CHECK-NOT: call i64 @read_some(
; CHECK: call i64 @multicall_run_batch(
; CHECK-LABEL: define i64 @once(
; CHECK: call i64 @read_once(

declare i64 @read(i32, ptr, i64)

define internal i64 @read_some(i32 %fd, ptr %buf, i64 %n) {
entry:
  %r = call i64 @read(i32 %fd, ptr %buf, i64 %n)
  ret i64 %r
}

define i64 @fill(i32 %fd, ptr %buf, i64 %size) {
entry:
  %any = icmp sgt i64 %size, 0
  br i1 %any, label %loop, label %out

loop:
  %p = phi ptr [ %buf, %entry ], [ %p.next, %more ]
  %left = phi i64 [ %size, %entry ], [ %left.next, %more ]
  %n = call i64 @read_some(i32 %fd, ptr %p, i64 %left)
  %ok = icmp sgt i64 %n, 0
  br i1 %ok, label %more, label %out

more:
  %p.next = getelementptr inbounds i8, ptr %p, i64 %n
  %left.next = sub i64 %left, %n
  %again = icmp sgt i64 %left.next, 0
  br i1 %again, label %loop, label %out

out:
  %r = phi i64 [ 0, %entry ], [ %n, %loop ], [ %left.next, %more ]
  ret i64 %r
}

; Called in no loop: nothing repeats it here.
define internal i64 @read_once(i32 %fd, ptr %buf, i64 %n) {
entry:
  %r = call i64 @read(i32 %fd, ptr %buf, i64 %n)
  ret i64 %r
}

define i64 @once(i32 %fd, ptr %buf) {
entry:
  %r = call i64 @read_once(i32 %fd, ptr %buf, i64 4096)
  ret i64 %r
}
