; Code motion of argv[2] (transform/motion.rs) when the module calls main itself: its argv is
; then whatever that call passes, so nothing is known about argv[2] and the load stays.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/open-creat.json>' \
; RUN:   -pass-remarks-missed=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

; REMARK: remark: <unknown>:0:0: could not move '%out.name = load ptr, ptr %p2, align 8' out of the gap between 'open' at main (no debug location) and 'creat' at main (no debug location): it reads memory that may be shared with another process

; CHECK-LABEL: define i32 @main(
; CHECK-NOT: multicall
; CHECK: opened:
; CHECK-NEXT: %p2 = getelementptr inbounds i8, ptr %argv, i64 16
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

define i32 @again(ptr %v) {
  %r = call i32 @main(i32 3, ptr %v)
  ret i32 %r
}

declare i32 @open(ptr, i32, ...)
declare i32 @creat(ptr, i32)
