; Code motion of lifetime markers out of a gap (transform/motion.rs): a start rises above the
; region's first call, an end sinks below its last, both making the object live longer; a
; marker does not pass another marker of its object, and a start does not rise above a use of
; its object.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/motion.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: moved 'call void @llvm.lifetime.start.p0(i64 64, ptr %tmp)' above 'read' at start_rises (no debug location), out of the gap between 'read' at start_rises (no debug location) and 'write' at start_rises (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: moved 'call void @llvm.lifetime.end.p0(i64 64, ptr %old)' below 'read' at end_sinks (no debug location), out of the gap between 'write' at end_sinks (no debug location) and 'read' at end_sinks (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: could not move 'call void @llvm.lifetime.end.p0(i64 64, ptr %b)' out of the gap between 'read' at same_object (no debug location) and 'write' at same_object (no debug location): 'call void @llvm.lifetime.start.p0(i64 64, ptr %b)' marks the same object on the way
; REMARK-DAG: remark: <unknown>:0:0: could not move 'call void @llvm.lifetime.start.p0(i64 64, ptr %t)' out of the gap between 'read' at used_before (no debug location) and 'write' at used_before (no debug location): its object is used before it
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: 'call void @llvm.lifetime.end.p0(i64 64, ptr %b)' between 'read' at same_object (no debug location) and 'write' at same_object (no debug location) is a lifetime marker that code motion could not take out of the region
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> read (stop: never, never; 0 result references)

; CHECK-LABEL: define i64 @start_rises(
; CHECK: call void @llvm.lifetime.start.p0(i64 64, ptr %tmp)
; CHECK: call i64 @multicall(
; CHECK-NOT: call void @llvm.lifetime.start.p0(i64 64, ptr %tmp)
; CHECK: ret i64
define i64 @start_rises(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %tmp = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  call void @llvm.lifetime.start.p0(i64 64, ptr %tmp)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  call void @use(ptr %tmp)
  call void @llvm.lifetime.end.p0(i64 64, ptr %tmp)
  ret i64 %w
done:
  ret i64 0
}

; The end of %old sinks below the read: the write -> read pair clusters.
; CHECK-LABEL: define i64 @end_sinks(
; CHECK: call i64 @multicall(
; CHECK: call void @llvm.lifetime.end.p0(i64 64, ptr %old)
; CHECK: ret i64
define i64 @end_sinks(i32 %in, i32 %out) {
  %old = alloca [64 x i8], align 16
  %buf = alloca [64 x i8], align 16
  call void @llvm.lifetime.start.p0(i64 64, ptr %old)
  call void @use(ptr %old)
  %w = call i64 @write(i32 %out, ptr %old, i64 64)
  call void @llvm.lifetime.end.p0(i64 64, ptr %old)
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  ret i64 %n
}

; An end and a start of %b between the calls: neither passes the other.
; CHECK-LABEL: define i64 @same_object(
; CHECK-NOT: multicall
; CHECK: call i64 @read(
; CHECK-NEXT: call void @llvm.lifetime.end.p0(i64 64, ptr %b)
; CHECK-NEXT: call void @llvm.lifetime.start.p0(i64 64, ptr %b)
define i64 @same_object(i32 %in, i32 %out) {
  %a = alloca [64 x i8], align 16
  %b = alloca [64 x i8], align 16
  call void @use(ptr %b)
  %n = call i64 @read(i32 %in, ptr %a, i64 64)
  call void @llvm.lifetime.end.p0(i64 64, ptr %b)
  call void @llvm.lifetime.start.p0(i64 64, ptr %b)
  %w = call i64 @write(i32 %out, ptr %a, i64 %n)
  call void @use(ptr %b)
  ret i64 %w
}

; %t is used before its start: the start stays.
; CHECK-LABEL: define i64 @used_before(
; CHECK-NOT: multicall
; CHECK: call i64 @read(
; CHECK-NEXT: call void @llvm.lifetime.start.p0(i64 64, ptr %t)
define i64 @used_before(i32 %in, i32 %out) {
  %a = alloca [64 x i8], align 16
  %t = alloca [64 x i8], align 16
  call void @use(ptr %t)
  %n = call i64 @read(i32 %in, ptr %a, i64 64)
  call void @llvm.lifetime.start.p0(i64 64, ptr %t)
  %w = call i64 @write(i32 %out, ptr %a, i64 %n)
  call void @use(ptr %t)
  ret i64 %w
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare void @use(ptr)
declare void @llvm.lifetime.start.p0(i64, ptr nocapture)
declare void @llvm.lifetime.end.p0(i64, ptr nocapture)
