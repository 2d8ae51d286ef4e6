; A straight multi-call in the loop's preheader (close -> close) is lowered first and splits
; the preheader: the looped batch must still be entered from the block that now branches to
; the loop's header (the preheader's last part), not from the preheader's first part.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/close-copy.json>' \
; RUN:   -pass-remarks=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: close -> close
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write

; CHECK-LABEL: define i64 @copy(
; CHECK: call i64 @multicall(
; CHECK: mc.join.1:
; CHECK-NEXT: %mc.result.1 = phi i32
; CHECK-NEXT: br label %mc.loop
; CHECK: mc.loop.fallback:
; CHECK-NEXT: br label %loop
; CHECK: loop:
; CHECK-SAME: preds = %mc.loop.fallback, %body

define i64 @copy(i32 %a, i32 %b, i32 %in, i32 %out, ptr %buf) {
entry:
  %ca = call i32 @close(i32 %a)
  %cb = call i32 @close(i32 %b)
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
  %cbx = sext i32 %cb to i64
  %r = add i64 %n, %cbx
  ret i64 %r
}

declare i32 @close(i32)
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
