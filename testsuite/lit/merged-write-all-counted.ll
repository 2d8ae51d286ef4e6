; A copy loop that keeps a count and a total beside a write-all loop of its own file (transform/
; duplicate.rs round paths through a nested header, legality/looped.rs tested_header_start,
; pass.md 2h): clang -O2 keeps two loops, the copy loop's header (its phis: the count, the
; total; it only adds) and the write-all loop's inside it (what is left to write, tested
; before the write); the read goes back through the inner header. The read's way round is
; copied through both headers to the write, the inner header's copy folded (the read went on
; because its count is above 0), and the inner header heads one loop for both. The batch
; begins at the read, where that header sends the way round when nothing is left; it begins
; with the header's count and total as they are and carries them (the iterations it began,
; the sums of the reads), and each stop hands the original code their values at the start of
; the iteration that stopped and after it.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: copied 3 blocks on the way from 'read' at counted (no debug location) round the loop's header to 'write' at counted (no debug location) so that the hot edge read -> write (weight 557) is one iteration: the loop of write is merged with the one around it (one header for both)
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[[TOTAL:[0-9a-z.]+]] (total of read's results), %[[BLOCKS:[0-9a-z.]+]] (counter); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at counted (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (counter); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at counted_after (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %sum (total of read's results), %{{[0-9a-z.]+}} (counter); its buffers are dead after the loop but for a stop past the first call (the buffer %buf of 'read' at counted_sunk (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: copied 3 blocks on the way from 'read' at counted_doubled (no debug location) round the loop's header to 'write' at counted_doubled (no debug location) {{.*}}
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: the loop's header tests where the way round goes before 'read' at counted_doubled (no debug location), so the batch begins at that call, but '%blocks.next{{[0-9a-z.]*}} = phi i64 {{.*}}' is used where a stop of the batch resumes the loop, which the header does not run again before

; The inner header heads the loop and enters the batch when nothing is left to write.
; CHECK-LABEL: define i32 @counted(
; CHECK: mc.loop:{{.*}}preds = %top
; CHECK: %mc.loop.ret = call i64 @multicall_loop_sums(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr %mc.loop.iterations, i32 18, ptr %mc.loop.sums)
; A batch the runtime could not run reads again with the values of the iterations it
; completed: the header's values plus the sum of the reads and the count of iterations.
; CHECK: mc.loop.fallback:
; CHECK: %[[SUMF:[0-9a-z.]+]] = load i64, ptr %{{[0-9]+}}
; CHECK-NEXT: %[[TOTALF:[0-9a-z.]+]] = add i64 %[[TOTALH:[0-9a-z.]+]], %[[SUMF]]
; CHECK-NEXT: %[[DONEF:[0-9]+]] = mul i64 %mc.loop.done.fallback, 1
; CHECK-NEXT: %[[BLOCKSF:[0-9a-z.]+]] = add i64 %[[BLOCKSH:[0-9a-z.]+]], %[[DONEF]]
; CHECK-NEXT: br label %again
; A stop at the write: this iteration's read counted in both.
; CHECK: mc.loop.out.1:
; CHECK: %[[TOTALW:[0-9a-z.]+]] = add i64 %{{[0-9a-z.]+}}, %mc.loop.raw.1.0
; CHECK-NEXT: %[[BLOCKSW:[0-9a-z.]+]] = add i64 %{{[0-9a-z.]+}}, 1
; CHECK-NEXT: br label %mc.loop.resume.1
; CHECK: mc.loop.resume.0:
; CHECK-NEXT: %[[B0:[0-9a-z.]+]] = phi i64 [ %{{[0-9a-z.]+}}, %mc.loop.out.0 ], [ %[[BLOCKSF]], %again ]
; CHECK-NEXT: %[[T0:[0-9a-z.]+]] = phi i64 [ %{{[0-9a-z.]+}}, %mc.loop.out.0 ], [ %[[TOTALF]], %again ]
; CHECK: top:
; CHECK-NEXT: %[[TOTALH]] = phi i64 [ %total.next, %body ], [ %[[TOTALH]], %put ], [ %{{[0-9a-z.]+}}, %mc.loop.resume.1 ]
; CHECK-NEXT: %[[BLOCKSH]] = phi i64 [ %blocks.next, %body ], [ %[[BLOCKSH]], %put ], [ %{{[0-9a-z.]+}}, %mc.loop.resume.1 ]
; CHECK: br i1 %empty, label %mc.loop, label %put
; The copies of the copy loop's header and the inner header on the read's way; the inner
; header's test is gone.
; CHECK: body.dup:
; CHECK-NEXT: %blocks.next.dup = add nuw nsw i64 %[[B0]], 1
; CHECK-NEXT: %total.next.dup = add nuw nsw i64 %{{[0-9a-z.]+}}, %[[T0]]
; CHECK-NEXT: br label %top.dup
; CHECK: top.dup:
; CHECK-NEXT: br label %put.dup
; CHECK: mc.loop.resume.1:
; CHECK-NEXT: phi i64 [ %[[BLOCKSW]], %mc.loop.out.1 ], [ %blocks.next.dup, %put.dup ]
; CHECK-NEXT: phi i64 [ %[[TOTALW]], %mc.loop.out.1 ], [ %total.next.dup, %put.dup ]
; After the loop: the count and total where the read stopped.
; CHECK: done:
; CHECK: %b.out = phi i64 [ 0, %entry ], [ %[[B0]], %mc.loop.resume.0 ]
; CHECK-NEXT: %t.out = phi i64 [ 0, %entry ], [ %[[T0]], %mc.loop.resume.0 ]

; A count that doubles is no counter: used after the read's stop, the header's value would be
; an earlier iteration's. The way is copied, the loop refused whole.
; CHECK-LABEL: define i32 @counted_doubled(
; CHECK-NOT: call i64 @multicall_loop

; The count's next value computed in the read's block before the read (`blocks++` after the
; write-all loop): the batch still begins at the read, and each stop gets the next value
; from the count it carries.
; CHECK-LABEL: define i32 @counted_after(
; CHECK: top:
; CHECK-NEXT: %[[BH:[0-9a-z.]+]] = phi i64 [ %blocks, %body ], [ %[[BH]], %put ], [ %[[BW:[0-9a-z.]+]], %mc.loop.resume.1 ]
; CHECK: mc.loop.resume.1:
; CHECK-NEXT: %[[BW]] = phi i64 [ %[[BN1:[0-9a-z.]+]], %mc.loop.out.1 ], [ %[[BR:[0-9a-z.]+]], %put.dup ]
; CHECK: mc.loop.fallback:
; CHECK: %[[BF:[0-9a-z.]+]] = add i64 %[[BH]], %{{[0-9]+}}
; CHECK-NEXT: br label %again
; CHECK: mc.loop.out.0:
; CHECK: %[[BN0:[0-9a-z.]+]] = add i64 %{{[0-9a-z.]+}}, 1
; CHECK-NEXT: br label %mc.loop.resume.0
; CHECK: mc.loop.out.1:
; CHECK: %[[BN1]] = add i64 %{{[0-9a-z.]+}}, 1
; CHECK-NEXT: br label %mc.loop.resume.1
; CHECK: again:
; CHECK-NEXT: %blocks.next = add nuw nsw i64 %[[BF]], 1
; CHECK-NEXT: %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
; CHECK: mc.loop.resume.0:
; CHECK-NEXT: %[[BR]] = phi i64 [ %[[BN0]], %mc.loop.out.0 ], [ %blocks.next, %again ]
; CHECK: done:
; CHECK: %b.out = phi i64 [ 0, %entry ], [ %[[BR]], %mc.loop.resume.0 ]

; The total that clang adds only after the write-all loop (`total + count` before the next
; read, both phis of the copy loop's header, passed on unchanged by the write-all loop's way
; back) is a phi of the header that now heads both loops (transform/sums.rs): its value
; there is the sum, which the way round advances by the read's count after the write.
; CHECK-LABEL: define i32 @counted_sunk(
; CHECK: body:
; CHECK: %sum.next = add i64 %total, %count
; CHECK: top:
; CHECK-NEXT: %sum = phi i64 [ %sum.next, %body ], [ %sum, %put ], [ %[[SUMW:[0-9a-z.]+]], %mc.loop.resume.1 ]
; CHECK-NOT: %total{{[0-9]+}} = phi
; CHECK: mc.loop.resume.1:
; CHECK: %[[SUMW]] = add i64 %{{[0-9a-z.]+}}, %{{[0-9a-z.]+}}
; CHECK-NEXT: br i1 %ok.dup, label %top, label %fail
; CHECK: mc.loop.fallback:
; CHECK: add i64 %sum, %mc.loop.sum{{[0-9]*}}
; CHECK: done:
; CHECK: %t.out = phi i64 [ 0, %entry ], [ %{{[0-9a-z.]+}}, %mc.loop.resume.0 ]

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare void @report(i64, i64)

; clang -O2 of `while ((n = read(in, buf, sizeof buf)) > 0) { blocks++; total += n; if
; (write_all(out, buf, n) < 0) return -1; } report(blocks, total);` with a write_all of the
; same file that loops while `len > 0`.
define i32 @counted(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %body, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %body, label %done

body:
  %count = phi i64 [ %n, %again ], [ %n0, %entry ]
  %blocks = phi i64 [ %blocks.next, %again ], [ 0, %entry ]
  %total = phi i64 [ %total.next, %again ], [ 0, %entry ]
  %blocks.next = add nuw nsw i64 %blocks, 1
  %total.next = add nuw nsw i64 %count, %total
  br label %top

top:
  %p = phi ptr [ %buf, %body ], [ %p.w, %put ]
  %left = phi i64 [ %count, %body ], [ %left.w, %put ]
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %top, label %fail

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %b.out = phi i64 [ 0, %entry ], [ %blocks.next, %again ]
  %t.out = phi i64 [ 0, %entry ], [ %total.next, %again ]
  call void @report(i64 %b.out, i64 %t.out)
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}

define i32 @counted_doubled(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %body, label %done

again:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %body, label %done

body:
  %count = phi i64 [ %n, %again ], [ %n0, %entry ]
  %blocks = phi i64 [ %blocks.next, %again ], [ 0, %entry ]
  %total = phi i64 [ %total.next, %again ], [ 0, %entry ]
  %blocks.next = shl i64 %blocks, 1
  %total.next = add nuw nsw i64 %count, %total
  br label %top

top:
  %p = phi ptr [ %buf, %body ], [ %p.w, %put ]
  %left = phi i64 [ %count, %body ], [ %left.w, %put ]
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %top, label %fail

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %b.out = phi i64 [ 0, %entry ], [ %blocks.next, %again ]
  %t.out = phi i64 [ 0, %entry ], [ %total.next, %again ]
  call void @report(i64 %b.out, i64 %t.out)
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}

; clang -O2 of `while ((n = read(in, buf, sizeof buf)) > 0) { if (write_all(out, buf, n) < 0)
; return -1; blocks++; } report(blocks, 0);`: the count's next value is computed before the
; read, in the read's block.
define i32 @counted_after(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %body, label %done

body:
  %count = phi i64 [ %n, %again ], [ %n0, %entry ]
  %blocks = phi i64 [ %blocks.next, %again ], [ 0, %entry ]
  br label %top

top:
  %p = phi ptr [ %buf, %body ], [ %p.w, %put ]
  %left = phi i64 [ %count, %body ], [ %left.w, %put ]
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %top, label %fail

again:
  %blocks.next = add nuw nsw i64 %blocks, 1
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %body, label %done

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %b.out = phi i64 [ 0, %entry ], [ %blocks.next, %again ]
  call void @report(i64 %b.out, i64 0)
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}

; clang -O2 of `while ((n = read(in, buf, sizeof buf)) > 0) { total += n; if (write_all(out,
; buf, n) < 0) return -1; blocks++; } report(blocks, total);`: clang adds the count to the
; total only after the write-all loop, before the next read (`total + count`, both phis of
; the copy loop's header).
define i32 @counted_sunk(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  %n0 = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got0 = icmp sgt i64 %n0, 0
  br i1 %got0, label %body, label %done

body:
  %count = phi i64 [ %n, %again ], [ %n0, %entry ]
  %blocks = phi i64 [ %blocks.next, %again ], [ 0, %entry ]
  %total = phi i64 [ %total.next, %again ], [ 0, %entry ]
  br label %top

top:
  %p = phi ptr [ %buf, %body ], [ %p.w, %put ]
  %left = phi i64 [ %count, %body ], [ %left.w, %put ]
  %empty = icmp eq i64 %left, 0
  br i1 %empty, label %again, label %put

put:
  %w = call i64 @write(i32 %out, ptr %p, i64 %left)
  %ok = icmp sgt i64 %w, -1
  %p.w = getelementptr inbounds i8, ptr %p, i64 %w
  %left.w = sub i64 %left, %w
  br i1 %ok, label %top, label %fail

again:
  %total.next = add nuw nsw i64 %count, %total
  %blocks.next = add nuw nsw i64 %blocks, 1
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %got = icmp sgt i64 %n, 0
  br i1 %got, label %body, label %done

done:
  %last = phi i64 [ %n0, %entry ], [ %n, %again ]
  %b.out = phi i64 [ 0, %entry ], [ %blocks.next, %again ]
  %t.out = phi i64 [ 0, %entry ], [ %total.next, %again ]
  call void @report(i64 %b.out, i64 %t.out)
  %err = icmp ne i64 %last, 0
  %r = sext i1 %err to i32
  ret i32 %r

fail:
  ret i32 -1
}
