; A loop whose header comes before its first call (coreutils cat's loop after gnulib's
; safe_read is inlined, legality/resume.rs): the header loads the input descriptor from a
; global variable, a block between it and the read clamps the count on EINVAL (a phi), and
; the read retries on EINTR. The load moves out of the loop (transform/hoist.rs: the variable
; is internal and written only before the loop, by this function), the way from the header
; to the read passes only the phi, whose value on the way round is the size, and the loop is
; one looped multi-call whose stops resume it. A variable that another function writes (a
; signal handler, say) or that other modules see stays in the loop, and so does the refusal.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: moved '%fd = load i32, ptr @input, align 4' out of the loop of 'read' at clamped (no debug location): the global variable it reads is written by no call or store of the loop, so it reads the same value in every iteration
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); no in-kernel copy: the buffer {{.*}} is given to the function by its callers, and '{{[a-z_]+}}' is visible outside this module
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: argument 0 of 'read' at handler_flag (no debug location) ('%fd = load i32, ptr @shared, align 4') changes from one iteration to the next
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> read (weight 556) breaks whole-loop legality: argument 0 of 'read' at public (no debug location) ('%fd = load i32, ptr @visible, align 4') changes from one iteration to the next
; REMARK-DAG: 1 syscall-cluster - Number of looped multi-calls (whole loops)

@input = internal global i32 0
@shared = internal global i32 0
@visible = global i32 0

; CHECK-LABEL: define i64 @clamped(
; CHECK: entry:
; CHECK: %fd = load i32, ptr @input
; CHECK: mc.loop:
; CHECK: store i64 %size
; CHECK: call i64 @multicall_loop(
; CHECK: mc.loop.fallback:
; CHECK-NEXT: br label %outer
; CHECK: retry:
; CHECK-NEXT: %[[C:[0-9a-z.]+]] = phi i64
; CHECK-NEXT: %n = call i64 @read(i32 %fd, ptr %buf, i64 %[[C]])
; CHECK: mc.loop.resume.0:
; CHECK: mc.loop.resume.1:
; CHECK: br i1 %short, label %fail, label %mc.loop
define i64 @clamped(i32 %in0, i32 %out, ptr %buf, i64 %size) {
entry:
  store i32 %in0, ptr @input
  br label %outer
outer:
  %fd = load i32, ptr @input
  br label %clamp
clamp:
  %count = phi i64 [ %size, %outer ], [ 2146435072, %einval ]
  br label %retry
retry:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 %count)
  %ok = icmp sgt i64 %n, -1
  br i1 %ok, label %got, label %err
err:
  %e = call ptr @__errno_location()
  %errno = load i32, ptr %e
  %intr = icmp eq i32 %errno, 4
  br i1 %intr, label %retry, label %einval
einval:
  %inv = icmp eq i32 %errno, 22
  %big = icmp ugt i64 %count, 2146435072
  %clampit = and i1 %inv, %big
  br i1 %clampit, label %clamp, label %fail
got:
  %eof = icmp eq i64 %n, 0
  br i1 %eof, label %done, label %body
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %fail, label %outer
fail:
  ret i64 -1
done:
  ret i64 0
}

; A handler that another function is sets the descriptor: the load stays.
; CHECK-LABEL: define i64 @handler_flag(
; CHECK-NOT: call i64 @multicall_loop(
define i64 @handler_flag(i32 %out, ptr %buf) {
entry:
  br label %outer
outer:
  %fd = load i32, ptr @shared
  %n = call i64 @read(i32 %fd, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %done, label %outer
done:
  ret i64 %n
}

define void @on_signal(i32 %sig) {
  store i32 -1, ptr @shared
  ret void
}

; A variable other modules see: the load stays.
; CHECK-LABEL: define i64 @public(
; CHECK-NOT: call i64 @multicall_loop(
define i64 @public(i32 %out, ptr %buf) {
entry:
  br label %outer
outer:
  %fd = load i32, ptr @visible
  %n = call i64 @read(i32 %fd, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %short = icmp ne i64 %w, %n
  br i1 %short, label %done, label %outer
done:
  ret i64 %n
}

declare ptr @__errno_location()
declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
