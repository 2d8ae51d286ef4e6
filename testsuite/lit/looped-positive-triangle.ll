; GNU dd's iread as clang leaves it after inlining: the read's test of a short count (a
; note, whose way comes back), then `if (0 < n && info)` as a test of `n != 0` whose false
; edge goes straight to the join after the report (a triangle), the join's phi taking 0 on
; that edge; the loop begins with a test of a signal flag. Where the read moved a whole block
; of a positive length `n != 0` is decided (`Pin::Positive`), and its other way, only the
; edge into the join (`facts::edge_into_join`), is never taken by the batch: the walk goes on
; through the flag's test, which the batch reads, and the join's merge, whose `n > 0` is
; decided too. Nothing is copied: one looped multi-call whose read stops on "result !=
; argument 2, when it is positive", which the batch checks before it runs (`%mc.negarg`),
; and which reads both flags.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: moved the start of the loop to 'read' at tri
; REMARK-NOT: copied
; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, when it is positive, result != argument 2; 1 result reference); the batch reads @info (not zero) after 'read' at tri (no debug location), then @stopreq (not zero) after each iteration

; CHECK-LABEL: define i64 @tri(
; CHECK: %mc.negarg = icmp slt i64 %len, 1
; CHECK-NEXT: %mc.loop.original = or i1 %mc.negarg, %mc.loop.declined
; CHECK: call i64 @multicall_run_batch(

@info = global i32 0
@stopreq = global i32 0
@stderr = external global ptr

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare void @note(i64)
declare void @report(i64)
declare void @handle()

define i64 @tri(i32 %in, i32 %out, ptr %buf, i64 %len) {
entry:
  br label %loop

loop:
  %sr = load volatile i32, ptr @stopreq
  %quiet = icmp eq i32 %sr, 0
  br i1 %quiet, label %rd, label %hdl

hdl:
  call void @handle()
  br label %rd

rd:
  %n = call i64 @read(i32 %in, ptr %buf, i64 %len)
  %err = icmp slt i64 %n, 0
  br i1 %err, label %fail, label %ok

ok:
  %nz = icmp ne i64 %n, 0
  %short = icmp ult i64 %n, %len
  %s = and i1 %nz, %short
  br i1 %s, label %note, label %chk

note:
  call void @note(i64 %n)
  br label %chk

chk:
  br i1 %nz, label %flag, label %done

flag:
  %f = load volatile i32, ptr @info
  %z = icmp eq i32 %f, 0
  br i1 %z, label %done, label %rep

rep:
  call void @report(i64 %n)
  br label %done

done:
  %r = phi i64 [ 0, %chk ], [ %n, %flag ], [ %n, %rep ]
  %pos = icmp sgt i64 %r, 0
  br i1 %pos, label %body, label %end

body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %bad = icmp ne i64 %w, %r
  br i1 %bad, label %fail, label %loop

end:
  ret i64 0

fail:
  ret i64 -1
}
