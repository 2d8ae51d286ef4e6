; glibc's fortified entry points (`__read_chk(fd, buf, n, buflen)`: `n > buflen` calls
; `__chk_fail`, which aborts, instead of the system call) in a multi-call: the check runs where
; the original ran it. A later entry's failing check cuts the batch before that entry, whose
; fallback (the original call) then fails the check after the earlier calls ran, as before.
; Loops with a fortified call stay straight multi-calls (a looped one would skip the check in
; later iterations); an object size that is not a constant is refused; a length that is an
; earlier entry's result keeps its entry out of the batch (the check needs it up front).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fortified.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> __recv_chk
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: __read_chk -> write
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> __pread_chk
; REMARK-DAG: the object size {{.*}}%size{{.*}} that the fortified wrapper checks is not a constant
; REMARK-NOT: looped multi-call

; CHECK-LABEL: define i64 @later(
; Entry 1: recvfrom(fd, buf, n, flags, NULL, NULL), the object size 64 left out.
; CHECK: store i32 45, ptr
; (Entry 1 is below the count 2 whatever the other guards say: `and ..., true`.)
; CHECK: %mc.chk.over = icmp ugt i64 %n, 64
; CHECK-NEXT: %mc.chk.cut = and i1 %mc.chk.over, true
; CHECK-NEXT: %mc.count = select i1 %mc.chk.cut, i32 1, i32 2
; CHECK-NEXT: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 %mc.count)
; CHECK: %mc.done = select i1 %mc.cutran, i64 %mc.last, i64 %mc.ret
; CHECK: %mc.ret.gated = phi i64 [ %mc.done, %mc.batch ], [ -1, %{{.*}} ]
; CHECK: %mc.ran.1 = icmp sge i64 %mc.ret.gated, 1
; CHECK: call i64 @__recv_chk(i32 %fd, ptr %buf, i64 %n, i64 64, i32 %flags)

; CHECK-LABEL: define i64 @in_loop(
; The fortified call first: its check before the batch, __chk_fail when it fails.
; CHECK: %mc.chk.over = icmp ugt i64 %n, 4096
; CHECK-NEXT: br i1 %mc.chk.over, label %mc.chk.fail, label %mc.chk.ok
; CHECK: mc.chk.fail:
; CHECK-NEXT: call void @__chk_fail()
; CHECK-NEXT: unreachable
; CHECK: mc.chk.ok:
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK-NOT: multicall_loop

; CHECK-LABEL: define i64 @dynamic_size(
; CHECK-NOT: multicall
; CHECK: ret i64

; CHECK-LABEL: define i64 @length_from_result(
; The pread's length is the read's result: the batch always stops before it.
; CHECK: call i64 @multicall(ptr %mc.entries, i32 1)
; CHECK: call i64 @__pread_chk(

define i64 @later(i32 %fd, ptr %buf, i64 %n, i32 %flags) {
entry:
  %w = call i64 @write(i32 1, ptr %buf, i64 1)
  %bad = icmp slt i64 %w, 0
  br i1 %bad, label %fail, label %recv
recv:
  %r = call i64 @__recv_chk(i32 %fd, ptr %buf, i64 %n, i64 64, i32 %flags)
  ret i64 %r
fail:
  ret i64 -1
}

define i64 @in_loop(i32 %in, i32 %out, ptr %buf, i64 %n) {
entry:
  br label %loop
loop:
  %r = call i64 @__read_chk(i32 %in, ptr %buf, i64 %n, i64 4096)
  %more = icmp sgt i64 %r, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %r)
  %short = icmp ne i64 %w, %r
  br i1 %short, label %done, label %loop
done:
  %x = phi i64 [ %r, %loop ], [ -1, %body ]
  ret i64 %x
}

define i64 @dynamic_size(i32 %in, ptr %buf, i64 %n, i64 %size) {
entry:
  %r = call i64 @__read_chk(i32 %in, ptr %buf, i64 %n, i64 %size)
  %bad = icmp slt i64 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %w = call i64 @write(i32 1, ptr %buf, i64 1)
  ret i64 %w
fail:
  ret i64 -1
}

define i64 @length_from_result(i32 %fd, ptr %buf, ptr %small) {
entry:
  %r = call i64 @read(i32 %fd, ptr %small, i64 8)
  %bad = icmp slt i64 %r, 0
  br i1 %bad, label %fail, label %pread
pread:
  %p = call i64 @__pread_chk(i32 %fd, ptr %buf, i64 %r, i64 0, i64 32)
  ret i64 %p
fail:
  ret i64 -1
}

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)
declare i64 @__read_chk(i32, ptr, i64, i64)
declare i64 @__pread_chk(i32, ptr, i64, i64, i64)
declare i64 @__recv_chk(i32, ptr, i64, i64, i32)
