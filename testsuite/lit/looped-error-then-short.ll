; A positioned copy that tests the write's result twice on the way round, an error first and
; then a short write (`if (w < 0) return -2; if (w != n) return -3;`), with offsets of its own
; for the input and the output. Together the two tests go on exactly when the result is the
; length it was given: the stop `result != argument 2` (legality/conditions.rs, `stacked`).
; The loop is one looped multi-call whose offsets advance by pread's result; at a stop of
; the write, the tests are asked again in order, so an error leaves by the first (-2) and a
; short write by the second (-3).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-at.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %{{add|sum}}{{[0-9]*}} (argument 3 of {{pread|pwrite}}, up by pread's result), %{{add|sum}}{{[0-9]*}} (argument 3 of {{pread|pwrite}}, up by pread's result)
; REMARK-NOT: breaks linearity

; CHECK-LABEL: define i64 @copy_at(
; CHECK: call i64 @multicall_run_batch(
; CHECK: mc.adv.out.1:
; CHECK: %[[ERR:[a-z0-9.]+]] = icmp slt i64 %mc.adv.x.1, 0
; CHECK-NEXT: br i1 %[[ERR]], label %cleanup14, label %[[SHORT:mc.loop.test.[0-9]+]]
; CHECK: [[SHORT]]:
; CHECK-NEXT: br label %cleanup14
; CHECK: cleanup14:
; CHECK-NEXT: %retval.3 = phi i64
; CHECK-SAME: [ -2, %mc.adv.out.1 ], [ -3, %[[SHORT]] ]

declare i64 @pread(i32, ptr, i64, i64)
declare i64 @pwrite(i32, ptr, i64, i64)
declare void @llvm.lifetime.start.p0(i64, ptr)
declare void @llvm.lifetime.end.p0(i64, ptr)

define i64 @copy_at(i32 %in, i32 %out, i64 %off) {
entry:
  %buf = alloca [4096 x i8], align 16
  call void @llvm.lifetime.start.p0(i64 4096, ptr nonnull %buf)
  %call35 = call i64 @pread(i32 %in, ptr nonnull %buf, i64 4096, i64 %off)
  %cmp36 = icmp slt i64 %call35, 0
  br i1 %cmp36, label %cleanup14, label %if.end

if.end:
  %call39 = phi i64 [ %call, %cleanup13 ], [ %call35, %entry ]
  %off.addr.038 = phi i64 [ %add, %cleanup13 ], [ %off, %entry ]
  %woff.037 = phi i64 [ %add12, %cleanup13 ], [ 0, %entry ]
  %cmp1 = icmp eq i64 %call39, 0
  br i1 %cmp1, label %cleanup14, label %if.end3

if.end3:
  %call5 = call i64 @pwrite(i32 %out, ptr nonnull %buf, i64 %call39, i64 %woff.037)
  %cmp6 = icmp slt i64 %call5, 0
  br i1 %cmp6, label %cleanup14, label %if.end8

if.end8:
  %cmp9.not = icmp eq i64 %call5, %call39
  br i1 %cmp9.not, label %cleanup13, label %cleanup14

cleanup13:
  %add = add nsw i64 %call39, %off.addr.038
  %add12 = add nuw nsw i64 %call39, %woff.037
  %call = call i64 @pread(i32 %in, ptr nonnull %buf, i64 4096, i64 %add)
  %cmp = icmp slt i64 %call, 0
  br i1 %cmp, label %cleanup14, label %if.end

cleanup14:
  %retval.3 = phi i64 [ -1, %entry ], [ -3, %if.end8 ], [ -2, %if.end3 ], [ -1, %cleanup13 ], [ %woff.037, %if.end ]
  call void @llvm.lifetime.end.p0(i64 4096, ptr nonnull %buf)
  ret i64 %retval.3
}
