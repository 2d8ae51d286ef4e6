; Code motion of argv[2] (transform/motion.rs): in main, with argc == 3 known, argv[0..3] are
; readable (C11 5.1.2.2.1), so the load of argv[2] between open and creat rises above the
; open and the pair clusters, as in copy.c. The same code in another function keeps the load
; where it is: nothing says the pointer is dereferenceable before the open, and an argument's
; memory may be shared with another process (facts::may_be_shared).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/open-creat.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: moved '%out.name = load ptr, ptr %p2, align 8' with the 1 instruction of its address above 'open' at main (no debug location), out of the gap between 'open' at main (no debug location) and 'creat' at main (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: open -> creat (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: could not move '%out.name = load ptr, ptr %p2, align 8' out of the gap between 'open' at notmain (no debug location) and 'creat' at notmain (no debug location): it reads memory that may be shared with another process
; REMARK-DAG: remark: <unknown>:0:0: not clustered: open -> creat (weight 1) breaks safety: '%out.name = load ptr, ptr %p2, align 8' between 'open' at notmain (no debug location) and 'creat' at notmain (no debug location) may trap, so it must run before the later calls

; Before: %p2 and %out.name are computed after the open. After: before the batch.
; CHECK-LABEL: define i32 @main(
; CHECK: run:
; CHECK: %p2 = getelementptr inbounds i8, ptr %argv, i64 16
; CHECK-NEXT: %out.name = load ptr, ptr %p2, align 8
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @notmain(
; CHECK-NOT: multicall
; CHECK: opened:
; CHECK-NEXT: %p2 = getelementptr inbounds i8, ptr %argv, i64 16
; CHECK-NEXT: %out.name = load ptr, ptr %p2, align 8
define i32 @main(i32 %argc, ptr %argv) {
entry:
  %ok = icmp eq i32 %argc, 3
  br i1 %ok, label %run, label %usage
run:
  %p1 = getelementptr inbounds i8, ptr %argv, i64 8
  %in.name = load ptr, ptr %p1, align 8
  %in = call i32 (ptr, i32, ...) @open(ptr %in.name, i32 0)
  %bad.in = icmp slt i32 %in, 0
  br i1 %bad.in, label %fail, label %opened
opened:
  %p2 = getelementptr inbounds i8, ptr %argv, i64 16
  %out.name = load ptr, ptr %p2, align 8
  %out = call i32 @creat(ptr %out.name, i32 438)
  %bad.out = icmp slt i32 %out, 0
  br i1 %bad.out, label %fail, label %done
done:
  ret i32 0
fail:
  ret i32 1
usage:
  ret i32 2
}

define i32 @notmain(i32 %argc, ptr %argv) {
entry:
  %ok = icmp eq i32 %argc, 3
  br i1 %ok, label %run, label %usage
run:
  %p1 = getelementptr inbounds i8, ptr %argv, i64 8
  %in.name = load ptr, ptr %p1, align 8
  %in = call i32 (ptr, i32, ...) @open(ptr %in.name, i32 0)
  %bad.in = icmp slt i32 %in, 0
  br i1 %bad.in, label %fail, label %opened
opened:
  %p2 = getelementptr inbounds i8, ptr %argv, i64 16
  %out.name = load ptr, ptr %p2, align 8
  %out = call i32 @creat(ptr %out.name, i32 438)
  %bad.out = icmp slt i32 %out, 0
  br i1 %bad.out, label %fail, label %done
done:
  ret i32 0
fail:
  ret i32 1
usage:
  ret i32 2
}

declare i32 @open(ptr, i32, ...)
declare i32 @creat(ptr, i32)
