; A copy loop inside a loop over files: the inner loop is one looped multi-call, entered again
; on every outer iteration through its preheader; the outer loop's running total (a phi of
; the outer header, not of the inner loop) adds the read's result from either way out.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-loop.json>' \
; RUN:   -pass-remarks=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write

; CHECK: outer:
; CHECK: %in = load i32, ptr %p
; CHECK-NEXT: br label %mc.loop
; CHECK: mc.loop.out.0:
; CHECK-NEXT: %mc.loop.x.0 = phi i64
; CHECK-NEXT: br label %done
; CHECK: loop:
; CHECK-SAME: preds = %mc.loop.fallback, %body
; CHECK: done:
; CHECK-NEXT: %[[N:.*]] = phi i64 [ %mc.loop.x.0, %mc.loop.out.0 ], [ %n, %loop ]
; CHECK-NEXT: %total.next = add i64 %total, %[[N]]

define i64 @files(i32 %nfiles, i32 %out, ptr %buf, ptr %fds) {
entry:
  br label %outer
outer:
  %i = phi i32 [ 0, %entry ], [ %i.next, %next ]
  %total = phi i64 [ 0, %entry ], [ %total.next, %next ]
  %p = getelementptr i32, ptr %fds, i32 %i
  %in = load i32, ptr %p
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %loop
fail:
  ret i64 -1
done:
  %total.next = add i64 %total, %n
  br label %next
next:
  %i.next = add i32 %i, 1
  %again = icmp slt i32 %i.next, %nfiles
  br i1 %again, label %outer, label %end
end:
  ret i64 %total.next
}
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
