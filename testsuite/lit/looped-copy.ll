; copy.c's loop (testsuite/programs/copy.c, main at -O2 as clang 19 emits it) with both
; edges of the loop hot: the whole loop becomes one looped multi-call. The read stops the
; batch on end of file or an error (result <= 0), the write on a short write (result !=
; argument 2, its length, which refers to the read's result of the same iteration). Each stop
; continues at the original exit with that iteration's results, errno set for the entry that
; failed; a batch the runtime could not run enters the original loop, kept unchanged. The
; read's result, used after the loop, is the phi of both ways out.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-loop.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)
; The back edge write -> read is the loop's, not a refusal.
; REMARK-NOT: not clustered
; REMARK: 1 syscall-cluster - Number of multi-calls formed
; REMARK: 2 syscall-cluster - Number of system calls clustered
; REMARK: 1 syscall-cluster - Number of looped multi-calls (whole loops)

; Its buffers are dead after the loop: the runtime may copy in the kernel on every backend,
; so the loop goes to it without testing multicall_batches_pay.
; CHECK-NOT: multicall_batches_pay
; CHECK-LABEL: define dso_local i32 @main(
; CHECK: %mc.entries = alloca [2 x %struct.mc_entry], align 8
; The preheader (after creat's check) enters the looped batch instead of the loop.
; CHECK: %[[OUT:[0-9]+]] = tail call i32 @creat(
; CHECK: br i1 %{{[0-9]+}}, label %{{[0-9]+}}, label %mc.loop
; CHECK: mc.loop:
; Entry 0: read(in, buf, 4096), stop when result <= 0 (MC_STOP_NONPOS = 2).
; CHECK: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 2
; CHECK-NEXT: store i64 4096, ptr
; CHECK: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 0
; CHECK-NEXT: store i32 0, ptr
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 2, ptr
; Entry 1: write(out, buf, <entry 0>): argument 2 is a reference (refs = 4), stop when the
; result differs from it (MC_STOP_NE_ARG = 3, stop_arg 2).
; CHECK: sext i32 %[[OUT]] to i64
; CHECK: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 2
; CHECK-NEXT: store i64 0, ptr
; CHECK: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 0
; CHECK-NEXT: store i32 1, ptr
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 1
; CHECK-NEXT: store i8 3, ptr
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 2
; CHECK-NEXT: store i8 2, ptr
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 3
; CHECK-NEXT: store i16 4, ptr
; CHECK-NEXT: br label %mc.loop.call
; Count back (no predicate fired: the bound, or a signal to handle): call again.
; CHECK: mc.loop.call:
; The buffer is a local array only the loop uses: the batch carries MC_BATCH_DEAD_BUFFERS (2).
; CHECK-NEXT: %mc.loop.ret = call i64 @multicall_loop_flags(ptr %mc.entries, i32 2, i64 4611686018427387904, ptr null, i32 2)
; CHECK-NEXT: switch i64 %mc.loop.ret, label %mc.loop.fallback [
; CHECK-NEXT: i64 2, label %mc.loop.call
; CHECK-NEXT: i64 0, label %mc.loop.exit.0
; CHECK-NEXT: i64 1, label %mc.loop.exit.1
; CHECK-NEXT: ]
; CHECK: mc.loop.fallback:
; CHECK-NEXT: br label %[[HEADER:[0-9]+]]
; The read stopped it: end of file, or errno = -raw and -1.
; CHECK: mc.loop.exit.0:
; CHECK-NEXT: getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 5
; CHECK-NEXT: %mc.loop.raw.0.0 = load i64, ptr
; CHECK-NEXT: %mc.loop.iserr.0 = icmp ugt i64 %mc.loop.raw.0.0, -4096
; CHECK-NEXT: br i1 %mc.loop.iserr.0, label %mc.loop.err.0, label %mc.loop.out.0
; CHECK: mc.loop.err.0:
; CHECK-NEXT: %[[E0:[0-9]+]] = call ptr @__errno_location()
; CHECK-NEXT: %[[NEG0:[0-9]+]] = sub i64 0, %mc.loop.raw.0.0
; CHECK-NEXT: %[[T0:[0-9]+]] = trunc i64 %[[NEG0]] to i32
; CHECK-NEXT: store i32 %[[T0]], ptr %[[E0]]
; CHECK: mc.loop.out.0:
; CHECK-NEXT: %mc.loop.x.0 = phi i64 [ %mc.loop.raw.0.0, %mc.loop.exit.0 ], [ -1, %mc.loop.err.0 ]
; CHECK-NEXT: br label %[[DONE:[0-9]+]]
; The write stopped it: a short write or an error; the read of the same iteration succeeded.
; CHECK: mc.loop.exit.1:
; CHECK: %mc.loop.raw.1.1 = load i64, ptr
; CHECK-NEXT: %mc.loop.iserr.1 = icmp ugt i64 %mc.loop.raw.1.1, -4096
; CHECK: mc.loop.err.1:
; CHECK-NEXT: call ptr @__errno_location()
; CHECK: mc.loop.out.1:
; CHECK-NEXT: %mc.loop.x.1 = phi i64 [ %mc.loop.raw.1.1, %mc.loop.exit.1 ], [ -1, %mc.loop.err.1 ]
; CHECK-NEXT: br label %[[FAIL:[0-9]+]]
; The original loop, entered only from the fallback.
; CHECK: [[HEADER]]:
; CHECK-SAME: preds = %mc.loop.fallback, %[[BODY:[0-9]+]]
; CHECK-NEXT: %[[N:[0-9]+]] = call i64 @read(
; CHECK-NEXT: %[[MORE:[0-9]+]] = icmp sgt i64 %[[N]], 0
; CHECK-NEXT: br i1 %[[MORE]], label %[[BODY]], label %[[DONE]]
; CHECK: [[BODY]]:
; CHECK-NEXT: %[[W:[0-9]+]] = call i64 @write(i32 noundef %[[OUT]], ptr noundef nonnull %{{[0-9]+}}, i64 noundef %[[N]])
; CHECK-NEXT: %[[FULL:[0-9]+]] = icmp eq i64 %[[W]], %[[N]]
; CHECK-NEXT: br i1 %[[FULL]], label %[[HEADER]], label %[[FAIL]]
; CHECK: [[FAIL]]:
; CHECK-SAME: preds = %mc.loop.out.1, %[[BODY]]
; CHECK-NEXT: call void @perror(ptr noundef nonnull @.str.1)
; After the loop, n < 0 is tested on the read's result from either way out.
; CHECK: [[DONE]]:
; CHECK-NEXT: %[[N2:[0-9]+]] = phi i64 [ %mc.loop.x.0, %mc.loop.out.0 ], [ %[[N]], %[[HEADER]] ]
; CHECK-NEXT: icmp slt i64 %[[N2]], 0
; CHECK: declare i64 @multicall_loop_flags(ptr, i32, i64, ptr, i32)
; CHECK: declare ptr @__errno_location()

define dso_local i32 @main(i32 noundef %0, ptr nocapture noundef readonly %1) {
  %3 = alloca [4096 x i8], align 16
  call void @llvm.lifetime.start.p0(i64 4096, ptr nonnull %3)
  %4 = icmp eq i32 %0, 3
  br i1 %4, label %9, label %5

5:                                                ; preds = %2
  %6 = load ptr, ptr @stderr, align 8
  %7 = load ptr, ptr %1, align 8
  %8 = tail call i32 (ptr, ptr, ...) @fprintf(ptr noundef %6, ptr noundef nonnull @.str, ptr noundef %7)
  br label %38

9:                                                ; preds = %2
  %10 = getelementptr inbounds i8, ptr %1, i64 8
  %11 = load ptr, ptr %10, align 8
  %12 = tail call i32 (ptr, i32, ...) @open(ptr noundef %11, i32 noundef 0)
  %13 = icmp slt i32 %12, 0
  br i1 %13, label %14, label %16

14:                                               ; preds = %9
  %15 = load ptr, ptr %10, align 8
  tail call void @perror(ptr noundef %15)
  br label %38

16:                                               ; preds = %9
  %17 = getelementptr inbounds i8, ptr %1, i64 16
  %18 = load ptr, ptr %17, align 8
  %19 = tail call i32 @creat(ptr noundef %18, i32 noundef 438)
  %20 = icmp slt i32 %19, 0
  br i1 %20, label %21, label %23

21:                                               ; preds = %16
  %22 = load ptr, ptr %17, align 8
  tail call void @perror(ptr noundef %22)
  br label %38

23:                                               ; preds = %16, %26
  %24 = call i64 @read(i32 noundef %12, ptr noundef nonnull %3, i64 noundef 4096)
  %25 = icmp sgt i64 %24, 0
  br i1 %25, label %26, label %30

26:                                               ; preds = %23
  %27 = call i64 @write(i32 noundef %19, ptr noundef nonnull %3, i64 noundef %24)
  %28 = icmp eq i64 %27, %24
  br i1 %28, label %23, label %29

29:                                               ; preds = %26
  tail call void @perror(ptr noundef nonnull @.str.1)
  br label %38

30:                                               ; preds = %23
  %31 = icmp slt i64 %24, 0
  br i1 %31, label %32, label %33

32:                                               ; preds = %30
  tail call void @perror(ptr noundef nonnull @.str.2)
  br label %38

33:                                               ; preds = %30
  %34 = tail call i32 @close(i32 noundef %12)
  %35 = tail call i32 @close(i32 noundef %19)
  %36 = icmp slt i32 %35, 0
  br i1 %36, label %37, label %38

37:                                               ; preds = %33
  tail call void @perror(ptr noundef nonnull @.str.3)
  br label %38

38:                                               ; preds = %33, %37, %32, %29, %21, %14, %5
  %39 = phi i32 [ 2, %5 ], [ 1, %14 ], [ 1, %21 ], [ 1, %29 ], [ 1, %32 ], [ 1, %37 ], [ 0, %33 ]
  call void @llvm.lifetime.end.p0(i64 4096, ptr nonnull %3)
  ret i32 %39
}
@stderr = external global ptr, align 8
@.str = private unnamed_addr constant [18 x i8] c"usage: %s IN OUT\0A\00", align 1
@.str.1 = private unnamed_addr constant [6 x i8] c"write\00", align 1
@.str.2 = private unnamed_addr constant [5 x i8] c"read\00", align 1
@.str.3 = private unnamed_addr constant [6 x i8] c"close\00", align 1
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture)
declare noundef i32 @fprintf(ptr nocapture noundef, ptr nocapture noundef readonly, ...) local_unnamed_addr
declare noundef i32 @open(ptr nocapture noundef readonly, i32 noundef, ...) local_unnamed_addr
declare void @perror(ptr nocapture noundef readonly) local_unnamed_addr
declare i32 @creat(ptr noundef, i32 noundef) local_unnamed_addr
declare noundef i64 @read(i32 noundef, ptr nocapture noundef, i64 noundef) local_unnamed_addr
declare noundef i64 @write(i32 noundef, ptr nocapture noundef readonly, i64 noundef) local_unnamed_addr
declare i32 @close(i32 noundef) local_unnamed_addr
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture)
