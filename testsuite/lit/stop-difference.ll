; A test of a difference against zero between two calls, as a write-all loop leaves it once
; its first iteration is peeled (`nleft -= w; while (nleft > 0)`, `size_t nleft`): `n - w ==
; 0` is the write's result against its length, `w == n`, whatever the subtraction wraps to, and
; so are `!=`, `>u 0` and `<=u 0`. After a test that stops errors, the two are the write's
; stop "result != argument 2"; after one that stops errors and zero (Stevens' `writen`), only
; where the length is at least 1 (a length of 0 would go on where `w <= 0` leaves): a constant
; of at least 1, or a value the batch checks first, ending after the first write where it is
; not. Any other comparison of a difference (a signed order, another constant) is not one and
; keeps its refusal.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/lin.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 15) breaks linearity: a second conditional branch between 'write' at signed_left (no debug location) and 'write' at signed_left (no debug location): a multi-call entry has one stop predicate
; REMARK-DAG: remark: <unknown>:0:0: not clustered: write -> write (weight 15) breaks linearity: a second conditional branch between 'write' at one_left (no debug location) and 'write' at one_left (no debug location): a multi-call entry has one stop predicate
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> write (stop: result != argument 2, when it is positive, never; 0 result references)

; The first write's entry (0) has the stop field (1) MC_STOP_NE_ARG (3).
; CHECK-LABEL: define i64 @constant_header(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 3, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @length_left(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 3, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @unsigned_above(
; CHECK: [[STOP:%[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 3, ptr [[STOP]]
; CHECK: call i64 @multicall(
; CHECK-LABEL: define i64 @signed_left(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @one_left(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @nonpos_then_length(
; CHECK: %mc.negarg = icmp slt i64 %n, 1
; CHECK-NEXT: %mc.count = select i1 %mc.negarg, i32 1, i32 2
; CHECK: call i64 @multicall(
; CHECK-LABEL: declare

; writen(fd, "BLK\n", 4) peeled, then the block's first write: `4 - w == 0` goes on.
define i64 @constant_header(i32 %fd, ptr %hdr, ptr %buf, i64 %n) {
entry:
  %w = call i64 @write(i32 %fd, ptr %hdr, i64 4)
  %bad = icmp slt i64 %w, 1
  br i1 %bad, label %fail, label %left

left:
  %rest = sub i64 4, %w
  %done = icmp eq i64 %rest, 0
  br i1 %done, label %body, label %more

body:
  %v = call i64 @write(i32 %fd, ptr %buf, i64 %n)
  ret i64 %v

more:
  ret i64 %rest

fail:
  ret i64 -1
}

; The length a parameter, errors tested first (`if (w < 0) ...; left -= w; while (left
; > 0)`): `n - w != 0` leaves.
define i64 @length_left(i32 %fd, ptr %p, i64 %n, ptr %q) {
entry:
  %w = call i64 @write(i32 %fd, ptr %p, i64 %n)
  %bad = icmp slt i64 %w, 0
  br i1 %bad, label %fail, label %left

left:
  %rest = sub i64 %n, %w
  %more = icmp ne i64 %rest, 0
  br i1 %more, label %again, label %next

next:
  %v = call i64 @write(i32 %fd, ptr %q, i64 8)
  ret i64 %v

again:
  ret i64 %rest

fail:
  ret i64 -1
}

; `0 <u n - w` (what is left, above zero) leaves.
define i64 @unsigned_above(i32 %fd, ptr %p, i64 %n, ptr %q) {
entry:
  %w = call i64 @write(i32 %fd, ptr %p, i64 %n)
  %bad = icmp slt i64 %w, 0
  br i1 %bad, label %fail, label %left

left:
  %rest = sub i64 %n, %w
  %more = icmp ult i64 0, %rest
  br i1 %more, label %again, label %next

next:
  %v = call i64 @write(i32 %fd, ptr %q, i64 8)
  ret i64 %v

again:
  ret i64 %rest

fail:
  ret i64 -1
}

; A signed `n - w > 0` is no equality: a length above 2^63 wraps it.
define i64 @signed_left(i32 %fd, ptr %p, i64 %n, ptr %q) {
entry:
  %w = call i64 @write(i32 %fd, ptr %p, i64 %n)
  %bad = icmp slt i64 %w, 0
  br i1 %bad, label %fail, label %left

left:
  %rest = sub i64 %n, %w
  %more = icmp sgt i64 %rest, 0
  br i1 %more, label %again, label %next

next:
  %v = call i64 @write(i32 %fd, ptr %q, i64 8)
  ret i64 %v

again:
  ret i64 %rest

fail:
  ret i64 -1
}

; `n - w == 1` goes on where one byte is left: not the whole length.
define i64 @one_left(i32 %fd, ptr %p, i64 %n, ptr %q) {
entry:
  %w = call i64 @write(i32 %fd, ptr %p, i64 %n)
  %bad = icmp slt i64 %w, 0
  br i1 %bad, label %fail, label %left

left:
  %rest = sub i64 %n, %w
  %last = icmp eq i64 %rest, 1
  br i1 %last, label %next, label %again

next:
  %v = call i64 @write(i32 %fd, ptr %q, i64 8)
  ret i64 %v

again:
  ret i64 %rest

fail:
  ret i64 -1
}

; `w <= 0` leaves, then `n - w != 0`: with a length of 0 the write returns 0, which the first
; test sends away and "result != argument 2" would let on, so the batch runs both writes
; only where `%n` is positive.
define i64 @nonpos_then_length(i32 %fd, ptr %p, i64 %n, ptr %q) {
entry:
  %w = call i64 @write(i32 %fd, ptr %p, i64 %n)
  %bad = icmp slt i64 %w, 1
  br i1 %bad, label %fail, label %left

left:
  %rest = sub i64 %n, %w
  %more = icmp ne i64 %rest, 0
  br i1 %more, label %again, label %next

next:
  %v = call i64 @write(i32 %fd, ptr %q, i64 8)
  ret i64 %v

again:
  ret i64 %rest

fail:
  ret i64 -1
}

declare i64 @write(i32, ptr, i64)
