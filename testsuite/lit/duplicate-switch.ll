; Tail duplication through a block that ends in a switch with two cases to one block: the
; block's copy has two edges to it, so its phis get two entries for the copy, one per edge,
; as LLVM requires (coreutils' chown-core.c under a profile where every edge is hot made one,
; and the rewritten module did not verify).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/duplicate-switch.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: opt -passes=verify -disable-output %t.ll
; REMARK: remark: <unknown>:0:0: copied 2 blocks on the path from 'fstat' at f (no debug location) to 'read' at f (no debug location)
; CHECK-LABEL: define i64 @f(
; CHECK: x:
; CHECK-NEXT: %p = phi i32 [ 1, %join ], [ 1, %join ], [ 1, %join.dup ], [ 1, %join.dup ]

declare i32 @fstat(i32, ptr)
declare i64 @read(i32, ptr, i64)

define i64 @f(i1 %c, i32 %fd, ptr %st, ptr %buf, i32 %k) {
entry:
  br i1 %c, label %stat, label %join
stat:
  %s = call i32 @fstat(i32 %fd, ptr %st)
  br label %join
join:
  switch i32 %k, label %rd [
    i32 1, label %x
    i32 2, label %x
  ]
x:
  %p = phi i32 [ 1, %join ], [ 1, %join ]
  %r = sext i32 %p to i64
  ret i64 %r
rd:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 4096)
  ret i64 %n
}
