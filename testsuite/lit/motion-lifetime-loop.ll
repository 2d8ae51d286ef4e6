; Code motion does not move a marker into a loop (transform/motion.rs): a lifetime start
; between two calls after a copy loop (`close(out); int st; waitpid(.., &st, ..)`) rises
; along the region's hot edges, but not past the loop's exit to the read in its header,
; where it would run in every iteration and keep the loop from being taken whole. It rests
; above the first call after the loop, and the loop is one looped multi-call.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: moved 'call void @llvm.lifetime.start.p0(i64 4, ptr %st)' above 'close' at after_loop (no debug location), out of the gap between 'close' at after_loop (no debug location) and 'close' at after_loop (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: close -> close {{.*}}

; CHECK-LABEL: define i32 @after_loop(
; CHECK: call i64 @multicall_loop
; CHECK-NOT: call void @llvm.lifetime.start.p0(i64 4, ptr %st)
; CHECK: done:
; CHECK-NEXT: phi
; CHECK-NEXT: call void @llvm.lifetime.start.p0(i64 4, ptr %st)
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)
define i32 @after_loop(i32 %in, i32 %out, i32 %other) {
entry:
  %st = alloca i32, align 4
  %buf = alloca [4096 x i8], align 16
  br label %loop

loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %put, label %done

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %whole = icmp eq i64 %w, %n
  br i1 %whole, label %loop, label %fail

done:
  %c1 = call i32 @close(i32 %out)
  call void @llvm.lifetime.start.p0(i64 4, ptr %st)
  %c2 = call i32 @close(i32 %other)
  call void @use(ptr %st)
  call void @llvm.lifetime.end.p0(i64 4, ptr %st)
  %bad = icmp slt i64 %n, 0
  %r = select i1 %bad, i32 1, i32 0
  ret i32 %r

fail:
  ret i32 1
}

declare i64 @read(i32, ptr nocapture, i64) nounwind
declare i64 @write(i32, ptr nocapture readonly, i64) nounwind
declare i32 @close(i32) nounwind
declare void @use(ptr)
declare void @llvm.lifetime.start.p0(i64, ptr nocapture)
declare void @llvm.lifetime.end.p0(i64, ptr nocapture)
