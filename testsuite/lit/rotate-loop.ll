; A hot edge across a loop's back edge (write -> read) clusters after the loop is rotated,
; when the loop cannot be one looped multi-call: work between read and write (a call of the
; program's own code) keeps read -> write apart. Rotation (LLVM's LoopRotation) copies the
; header (read and its test) before the loop and moves it to the bottom, after write, so each
; iteration ends with write -> read on a straight line. A loop that is one looped multi-call
; is left as it is, and each refusal is a missed remark `Rotation`.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: FileCheck %s --check-prefix=WHOLE < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: rotated the loop so that 'write' at xform (no debug location) is followed by the next iteration's 'read' at xform (no debug location) on a straight line; the loop's first read runs before it
; REMARK-DAG: remark: <unknown>:0:0: rotated the loop so that 'write' at dowhile (no debug location) is followed by the next iteration's 'read' at dowhile (no debug location) on a straight line; the loop's first read runs before it
; REMARK-DAG: remark: <unknown>:0:0: did not rotate the loop of 'write' at tick_first (no debug location) -> 'read' at tick_first (no debug location) across its back edge: the loop's header does not begin with it: 'call void @tick()' comes first
; REMARK-DAG: remark: <unknown>:0:0: did not rotate the loop of 'write' at log_after (no debug location) -> 'read' at log_after (no debug location) across its back edge: 'call void @tick()' between 'write' at log_after (no debug location) and the back edge is not something a multi-call can skip
; REMARK-DAG: remark: <unknown>:0:0: did not rotate the loop of 'write' at joined_exit (no debug location) -> 'read' at joined_exit (no debug location) across its back edge: the path from 'write' at joined_exit (no debug location) to the back edge is not a straight line: a block on it is entered from more than one place
; REMARK-DAG: remark: <unknown>:0:0: clustered the whole loop into one looped multi-call: read -> write
; WHOLE-NOT: rotate{{.*}} at whole
; REMARK-DAG: 3 syscall-cluster - Number of multi-calls formed

; The header's copy runs first; the body ends with write -> read as one multi-call, whose
; read result the rotated test reads.
; CHECK-LABEL: define i32 @xform(
; CHECK: entry:
; CHECK: = call i64 @read(i32 %in, ptr %buf, i64 4096)
; CHECK-NEXT: icmp sgt i64
; CHECK: body:
; CHECK-NEXT: phi i64
; CHECK-NEXT: call void @work(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @dowhile(
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i32 @tick_first(
; CHECK-NOT: @multicall
; CHECK-LABEL: define i32 @whole(
; CHECK: call i64 @multicall_loop(

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare void @work(ptr, i64)
declare void @tick()

; while ((n = read(in, buf, 4096)) > 0) { work(buf, n); if (write(out, buf, n) != n) return -1; }
define i32 @xform(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  call void @work(ptr %buf, i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %fail
done:
  %r = trunc i64 %n to i32
  ret i32 %r
fail:
  ret i32 -1
}

; do { n = read(in, buf, 4096); if (n <= 0) break; work(buf, n); } while (write(out, buf, n) == n);
define i32 @dowhile(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %stop = icmp slt i64 %n, 1
  br i1 %stop, label %done, label %body
body:
  call void @work(ptr %buf, i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %done
done:
  %r = phi i64 [ %n, %loop ], [ %n, %body ]
  %t = trunc i64 %r to i32
  ret i32 %t
}

; Work before read in the header: after rotation it would sit between write and read.
define i32 @tick_first(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  call void @tick()
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  call void @work(ptr %buf, i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}

; Work after write, before the back edge.
define i32 @log_after(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  call void @work(ptr %buf, i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %latch, label %done
latch:
  call void @tick()
  br label %loop
done:
  ret i32 0
}

; clang -O1 joins the loop's exits in one block that also leads back to the header.
define i32 @joined_exit(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %stop = icmp slt i64 %n, 1
  br i1 %stop, label %short, label %body
short:
  br label %join
body:
  call void @work(ptr %buf, i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %bad = icmp ne i64 %w, %n
  br label %join
join:
  %leave = phi i1 [ true, %short ], [ %bad, %body ]
  br i1 %leave, label %done, label %loop
done:
  ret i32 0
}

; copy.c's loop: one looped multi-call, not rotated.
define i32 @whole(i32 %in, i32 %out, ptr %buf) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %ok = icmp eq i64 %w, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}
