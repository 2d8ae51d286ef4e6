; A copy loop whose write-all loop clang merged with it (one header for both, pass.md 2h)
; and whose output a handler may replace between the read and the write (`if (f) { f = 0;
; out = open(..); }`). The way from the read round the outer header to the write is copied
; with the handler (a block off the path that rejoins it), so the copy of the join takes the
; output from the copy of the header (the output of the iteration before) or from the
; handler's copy (the new one). The output of the iteration before is the original join's
; where the way round came through the original write, its copy's where it came through the
; copy: the two meet in a phi at the read. A value of the iteration before that a copied
; header's phi takes must stay that iteration's, never its copy in the same iteration (the
; copy of the join taking itself, and the write the handler's result on both ways in, made a
; module that does not verify).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK --implicit-check-not='internal error' < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: copied 5 blocks on the way from 'read' at copy_reopen (no debug location) round the loop's header to 'write' at copy_reopen (no debug location) so that the hot edge read -> write (weight 20) is one iteration: the loop of write is merged with the one around it (one header for both)

; The output of the iteration before, at the read: the original write's or its copy's.
; CHECK-LABEL: define i32 @copy_reopen(
; CHECK: next:
; CHECK-NEXT: %[[BEFORE:[0-9a-z.]+]] = phi i32 [ %out.cur.dup, %more.dup ], [ %[[ORIG:[0-9a-z.]+]], %more ]
; CHECK-NEXT: %n = call i64 @read(i32 %in, ptr @buf, i64 8192)
; CHECK: top.dup:
; CHECK-NEXT: %f.dup = load volatile i8, ptr @flag
; CHECK: join.dup:
; CHECK-NEXT: %out.cur.dup = phi i32 [ %[[BEFORE]], %top.dup ], [ %fd.dup, %reopen.dup ]
; CHECK: put.dup:
; CHECK-NEXT: %w.dup = call i64 @write(i32 %out.cur.dup, ptr @buf, i64 %n)
; CHECK: reopen.dup:
; CHECK: %fd.dup = call i32 (ptr, i32, ...) @open(
; The original write-all loop, entered from the copy after a short write, writes to the
; output its way in brings.
; CHECK: put:
; CHECK-NEXT: %[[ORIG]] = phi i32 [ %[[ORIG]], %more ], [ %out.cur, %join ], [ %out.cur.dup, %more.dup ]
; CHECK: call i64 @write(i32 %[[ORIG]],

@flag = internal global i8 0
@buf = internal global [8192 x i8] zeroinitializer
@.str = private constant [6 x i8] c"out.1\00"

define i32 @copy_reopen(i32 %in, i32 %out) {
entry:
  %n0 = call i64 @read(i32 %in, ptr @buf, i64 8192)
  %any0 = icmp sgt i64 %n0, 0
  br i1 %any0, label %top, label %done

next:
  %n = call i64 @read(i32 %in, ptr @buf, i64 8192)
  %any = icmp sgt i64 %n, 0
  br i1 %any, label %top, label %done

top:
  %len = phi i64 [ %n, %next ], [ %n0, %entry ]
  %out.prev = phi i32 [ %out.cur, %next ], [ %out, %entry ]
  %f = load volatile i8, ptr @flag, align 1
  %set = trunc i8 %f to i1
  br i1 %set, label %reopen, label %join

reopen:
  store volatile i8 0, ptr @flag, align 1
  %fd = call i32 (ptr, i32, ...) @open(ptr @.str, i32 577, i32 438)
  %bad = icmp slt i32 %fd, 0
  br i1 %bad, label %die, label %join

die:
  call void @exit(i32 4)
  unreachable

join:
  %out.cur = phi i32 [ %fd, %reopen ], [ %out.prev, %top ]
  br label %put

more:
  %off.next = add nuw nsw i64 %w, %off
  %left = icmp slt i64 %off.next, %len
  br i1 %left, label %put, label %next

put:
  %off = phi i64 [ %off.next, %more ], [ 0, %join ]
  %p = getelementptr inbounds i8, ptr @buf, i64 %off
  %rest = sub nsw i64 %len, %off
  %w = call i64 @write(i32 %out.cur, ptr %p, i64 %rest)
  %failed = icmp slt i64 %w, 0
  br i1 %failed, label %done, label %more

done:
  %status = phi i32 [ 0, %entry ], [ 1, %put ], [ 0, %next ]
  ret i32 %status
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare i32 @open(ptr, i32, ...)
declare void @exit(i32) noreturn
