; A copy loop over busybox's helpers (bb_copyfd): safe_read's EINTR retry and full_write's
; write-all loop inlined into it, as clang -O2 leaves them (the retry threaded straight back
; to the read, the write-all loop a loop inside the copy loop). transform/retry.rs sends the
; retry round the copy loop; transform/peel.rs peels the write-all loop's first iteration, so
; that a write that moves the whole block goes straight on to the copy loop's test; LLVM's
; peeling puts the copy loop in simplified form again, which splits the retry back out as a
; loop of its own, so the retry is sent round once more, and the phis that closed it are
; folded (the total is the phi plus the read's result, not plus a copy of them). The
; write's result reaches the copy loop's test through the phis that close the peeled loop
; and its copies, each bringing the same value. The loop is then one looped multi-call of
; read -> write whose short or failed write resumes the original code.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-loop.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: sent the retries of the loop at block %do.body.i round the loop at block %for.cond, which it joins
; REMARK: remark: <unknown>:0:0: peeled the first iteration of the loop at block %while.body.i so that the first 'write' at bb_copyfd (no debug location) after 'read' at bb_copyfd (no debug location) does not enter the loop
; REMARK: remark: <unknown>:0:0: sent the retries of the loop at block %for.cond round the loop at block %for.cond.outer, which it joins
; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %total.0.ph (total of read's results)

; The loop runs as one batch from its top, to which the retry comes back; the original code
; is still there for the stops to resume, and the retry of a resumed read goes back to the batch.
; CHECK-LABEL: define i32 @bb_copyfd(
; CHECK: mc.loop:
; CHECK-NEXT: %mc.loop.init = phi i64 [ %add, %full_write.exit ], [ 0, %entry ], [ %total.0.ph{{[0-9]+}}, %land.rhs.i ]
; CHECK: call i64 @multicall_loop_sums(
; CHECK: call i64 @read(i32 %in, ptr nonnull %buf, i64 4096)
; CHECK: land.rhs.i:
; CHECK: br i1 %cmp2.i, label %mc.loop, label
; CHECK: call i64 @write(i32 %out, ptr %buf,

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare ptr @__errno_location()
declare void @llvm.lifetime.start.p0(i64, ptr)
declare void @llvm.lifetime.end.p0(i64, ptr)

define i32 @bb_copyfd(i32 %in, i32 %out) {
entry:
  %buf = alloca [4096 x i8], align 16
  call void @llvm.lifetime.start.p0(i64 4096, ptr nonnull %buf)
  br label %for.cond

for.cond:
  %total.0 = phi i64 [ 0, %entry ], [ %add, %full_write.exit ]
  br label %do.body.i

do.body.i:
  %call.i = call i64 @read(i32 %in, ptr nonnull %buf, i64 4096)
  %cmp.i = icmp slt i64 %call.i, 0
  br i1 %cmp.i, label %land.rhs.i, label %safe_read.exit

land.rhs.i:
  %call1.i = tail call ptr @__errno_location()
  %0 = load i32, ptr %call1.i, align 4
  %cmp2.i = icmp eq i32 %0, 4
  br i1 %cmp2.i, label %do.body.i, label %cleanup9

safe_read.exit:
  %cmp = icmp eq i64 %call.i, 0
  br i1 %cmp, label %for.end, label %while.body.i

while.body.i:
  %total.027.i = phi i64 [ %add.i, %if.end3.i ], [ 0, %safe_read.exit ]
  %len.addr.026.i = phi i64 [ %sub.i, %if.end3.i ], [ %call.i, %safe_read.exit ]
  %buf.addr.025.i = phi ptr [ %add.ptr.i, %if.end3.i ], [ %buf, %safe_read.exit ]
  %call5.i.i = call i64 @write(i32 %out, ptr %buf.addr.025.i, i64 %len.addr.026.i)
  %cmp6.i.i = icmp sgt i64 %call5.i.i, -1
  br i1 %cmp6.i.i, label %if.end3.i, label %lor.lhs.false.lr.ph.i.i

lor.lhs.false.lr.ph.i.i:
  %call1.i.i = tail call ptr @__errno_location()
  %1 = load i32, ptr %call1.i.i, align 4
  %cmp2.not.i20.i = icmp eq i32 %1, 4
  br i1 %cmp2.not.i20.i, label %if.end.i.i, label %if.then.i

lor.lhs.false.i.i:
  %2 = load i32, ptr %call1.i.i, align 4
  %cmp2.not.i.i = icmp eq i32 %2, 4
  br i1 %cmp2.not.i.i, label %if.end.i.i, label %if.then.i

if.end.i.i:
  store i32 0, ptr %call1.i.i, align 4
  %call.i.i = call i64 @write(i32 %out, ptr %buf.addr.025.i, i64 %len.addr.026.i)
  %cmp.i.i = icmp sgt i64 %call.i.i, -1
  br i1 %cmp.i.i, label %if.end3.i, label %lor.lhs.false.i.i

if.then.i:
  %call7.i.lcssa.i = phi i64 [ %call.i.i, %lor.lhs.false.i.i ], [ %call5.i.i, %lor.lhs.false.lr.ph.i.i ]
  %tobool1.not.i = icmp eq i64 %total.027.i, 0
  %call.total.0.i = select i1 %tobool1.not.i, i64 %call7.i.lcssa.i, i64 %total.027.i
  br label %full_write.exit

if.end3.i:
  %call.lcssa.i.ph.i = phi i64 [ %call5.i.i, %while.body.i ], [ %call.i.i, %if.end.i.i ]
  %add.i = add nuw nsw i64 %call.lcssa.i.ph.i, %total.027.i
  %add.ptr.i = getelementptr inbounds i8, ptr %buf.addr.025.i, i64 %call.lcssa.i.ph.i
  %sub.i = sub i64 %len.addr.026.i, %call.lcssa.i.ph.i
  %tobool.not.i = icmp eq i64 %sub.i, 0
  br i1 %tobool.not.i, label %full_write.exit, label %while.body.i

full_write.exit:
  %retval.0.i = phi i64 [ %call.total.0.i, %if.then.i ], [ %add.i, %if.end3.i ]
  %cmp6.not = icmp eq i64 %retval.0.i, %call.i
  %add = add nuw nsw i64 %call.i, %total.0
  br i1 %cmp6.not, label %for.cond, label %cleanup9

for.end:
  %conv = trunc i64 %total.0 to i32
  br label %cleanup9

cleanup9:
  %retval.2 = phi i32 [ %conv, %for.end ], [ -1, %land.rhs.i ], [ -1, %full_write.exit ]
  call void @llvm.lifetime.end.p0(i64 4096, ptr nonnull %buf)
  ret i32 %retval.2
}
