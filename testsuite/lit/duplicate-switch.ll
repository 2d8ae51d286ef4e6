; Tail duplication of a join that ends in a switch with several cases to one block: the copy
; of the join branches there once per case too, and the block's phis get one entry per edge
; from the copy (LLVM's verifier wants an entry for each edge). coreutils' fts_build has this
; form after inlining filesystem_type.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fsync-close.json>' \
; RUN:   -pass-remarks=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: copied 2 blocks on the path from 'fsync' at dup_switch (no debug location) to 'close' at dup_switch (no debug location) so that the hot edge fsync -> close (weight 9) has a path of its own: close can also be reached without fsync

; CHECK-LABEL: define i32 @dup_switch(
; CHECK: sync:
; CHECK-NEXT: %s = call i32 @fsync(i32 %fd)
; CHECK-NEXT: br label %join.dup
; CHECK: join.dup:
; CHECK-NEXT: switch i32 %k, label %end.dup [
; CHECK-NEXT: i32 1, label %out
; CHECK-NEXT: i32 2, label %out
; CHECK: out:
; CHECK-NEXT: %r = phi i32 [ -1, %join ], [ -1, %join ], [ %c, %end ], [ -1, %join.dup ], [ -1, %join.dup ], [ %c.dup, %end.dup ]

define i32 @dup_switch(i32 %fd, i1 %flag, i32 %k) {
entry:
  br i1 %flag, label %sync, label %join
sync:
  %s = call i32 @fsync(i32 %fd)
  br label %join
join:
  switch i32 %k, label %end [ i32 1, label %out
                              i32 2, label %out ]
end:
  %c = call i32 @close(i32 %fd)
  br label %out
out:
  %r = phi i32 [ -1, %join ], [ -1, %join ], [ %c, %end ]
  ret i32 %r
}

declare i32 @fsync(i32)
declare i32 @close(i32)
