; Code motion of a later call's argument (transform/motion.rs): a value computed in the gap
; that argument safety refuses (condition 4) rises above the region's first call with what it
; is computed from, when each of those is speculatable or a load that reads the same value
; there; otherwise it stays and the remark says why. A result of an earlier call, extended,
; is a result reference and not moved.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/motion-hoist.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: not grep -E 'move.* at ext_result' %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

@conn_fd = global i32 0, align 4
@fdbox = global i32 0, align 4

; REMARK-DAG: remark: <unknown>:0:0: moved '%rec = getelementptr inbounds i8, ptr %p, i64 %off' (argument 1 of 'write' at gep (no debug location)) with the 1 instruction it is computed from above 'write' at gep (no debug location), out of the gap between 'write' at gep (no debug location) and 'write' at gep (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: moved '%rec = getelementptr inbounds i8, ptr %p, i64 %off' (argument 1 of 'write' at two_gaps (no debug location)) with the 1 instruction it is computed from above 'write' at two_gaps (no debug location), out of the gap between 'write' at two_gaps (no debug location) and 'write' at two_gaps (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: nothing moved out of the gap between 'write' at two_gaps (no debug location) and 'write' at two_gaps (no debug location), which keeps '%w2 = call i64 @write(i32 %out, ptr %hdr, i64 2)': it is a system call of its own, between the two
; REMARK-DAG: remark: <unknown>:0:0: clustered 3 system calls into one multi-call: write -> write -> write (stop: never, never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: moved '%len = select i1 %v6, i32 28, i32 16' (argument 2 of 'bind' at select_len (no debug location)) with the 1 instruction it is computed from above 'setsockopt' at select_len (no debug location), out of the gap between 'setsockopt' at select_len (no debug location) and 'bind' at select_len (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: setsockopt -> bind (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: moved '%fd = load i32, ptr @conn_fd, align 4' above 'write' at global_fd (no debug location), out of the gap between 'write' at global_fd (no debug location) and 'read' at global_fd (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> read (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: moved '%len = select i1 %v6, i32 28, i32 16' (argument 2 of 'bind' at rest_in_refused (no debug location)) with the 2 instructions it is computed from above 'fcntl' at rest_in_refused (no debug location), out of the gap between 'setsockopt' at rest_in_refused (no debug location) and 'bind' at rest_in_refused (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: moved '%fd = load i32, ptr @conn_fd, align 4' above 'select' at select_conn (no debug location), out of the gap between 'select' at select_conn (no debug location) and 'read' at select_conn (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: select -> read (stop: result < 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: nothing moved out of the gap between 'write' at div_len (no debug location) and 'write' at div_len (no debug location), which keeps '%len = udiv i64 %n, %k' (argument 2 of 'write' at div_len (no debug location)): it may trap: above the first call it could fault where the original does not, or before a system call's effects instead of after them
; REMARK-DAG: remark: <unknown>:0:0: could not move '%fd = load i32, ptr @fdbox, align 4' out of the gap between 'read' at clobbered_fd (no debug location) and 'write' at clobbered_fd (no debug location): 'read' at clobbered_fd (no debug location) may write the memory it reads
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 10) breaks argument safety: argument 0 of 'write' at clobbered_fd (no debug location) ('%fd = load i32, ptr @fdbox, align 4') is computed after 'read' at clobbered_fd (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: could not move '%half = lshr i64 %n, 1' (argument 2 of 'write' at needs_result (no debug location)) out of the gap between 'read' at needs_result (no debug location) and 'write' at needs_result (no debug location): it needs '%n = call i64 @read(i32 %in, ptr %buf, i64 64)', which cannot move above the first call
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: dup -> lseek (stop: result < 0, never; 1 result reference)

; A record writer's body: the record's address, p + i * 512, rises above the header's write.
; CHECK-LABEL: define void @gep(
; CHECK-NEXT: alloca
; CHECK-NEXT: %off = shl nsw i64 %i, 9
; CHECK-NEXT: %rec = getelementptr inbounds i8, ptr %p, i64 %off
; CHECK: call i64 @multicall(
define void @gep(i32 %out, ptr %hdr, ptr %p, i64 %i) {
  %w1 = call i64 @write(i32 %out, ptr %hdr, i64 2)
  %off = shl nsw i64 %i, 9
  %rec = getelementptr inbounds i8, ptr %p, i64 %off
  %w2 = call i64 @write(i32 %out, ptr %rec, i64 512)
  ret void
}

; The address in the second gap, its offset in the first: both rise above the first write,
; in order. (The profile's write -> write also pairs the first write with the third, whose
; gap keeps the second.)
; CHECK-LABEL: define void @two_gaps(
; CHECK-NEXT: alloca
; CHECK-NEXT: %off = shl nsw i64 %i, 9
; CHECK-NEXT: %rec = getelementptr inbounds i8, ptr %p, i64 %off
; CHECK: call i64 @multicall(
define void @two_gaps(i32 %out, ptr %hdr, ptr %p, i64 %i) {
  %w1 = call i64 @write(i32 %out, ptr %hdr, i64 2)
  %off = shl nsw i64 %i, 9
  %w2 = call i64 @write(i32 %out, ptr %hdr, i64 2)
  %rec = getelementptr inbounds i8, ptr %p, i64 %off
  %w3 = call i64 @write(i32 %out, ptr %rec, i64 512)
  ret void
}

; An address length chosen by the family: the select and its compare rise above setsockopt.
; CHECK-LABEL: define i32 @select_len(
; CHECK-NEXT: alloca
; CHECK-NEXT: %v6 = icmp eq i32 %family, 10
; CHECK-NEXT: %len = select i1 %v6, i32 28, i32 16
; CHECK: call i64 @multicall(
define i32 @select_len(i32 %s, ptr %opt, ptr %addr, i32 %family) {
  %r1 = call i32 @setsockopt(i32 %s, i32 1, i32 2, ptr %opt, i32 4)
  %v6 = icmp eq i32 %family, 10
  %len = select i1 %v6, i32 28, i32 16
  %r2 = call i32 @bind(i32 %s, ptr %addr, i32 %len)
  ret i32 %r2
}

; A descriptor in a global that no call of the region writes (mini-httpd's conn_fd): its load
; rises above the write, which only reads %msg.
; CHECK-LABEL: define i64 @global_fd(
; CHECK-NEXT: alloca
; CHECK-NEXT: %fd = load i32, ptr @conn_fd, align 4
; CHECK: call i64 @multicall(
define i64 @global_fd(ptr %buf, ptr %msg) {
  %w = call i64 @write(i32 1, ptr %msg, i64 5)
  %fd = load i32, ptr @conn_fd, align 4
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  ret i64 %n
}

; mini-httpd's setsockopt -> bind: the family is loaded from a local address (main's, once
; inlined). fcntl(F_SETFD) and setsockopt write no memory the load reads (the catalogue's
; effects: F_SETFD none, setsockopt only reads its option), so the length rises above both,
; to before the fcntl; fcntl -> setsockopt stays refused for its store. The load may read
; errno only were it not a local's.
; CHECK-LABEL: define i32 @rest_in_refused(
; CHECK: call void @fill_address(ptr %sa)
; CHECK-NEXT: %fam = load i16, ptr %sa, align 2
; CHECK-NEXT: %v6 = icmp eq i16 %fam, 10
; CHECK-NEXT: %len = select i1 %v6, i32 28, i32 16
; CHECK-NEXT: call i32 (i32, i32, ...) @fcntl(
; CHECK: call i64 @multicall(
define i32 @rest_in_refused(i32 %s, ptr %addr) {
  %one = alloca i32, align 4
  %sa = alloca [16 x i8], align 8
  call void @fill_address(ptr %sa)
  %f = call i32 (i32, i32, ...) @fcntl(i32 %s, i32 2, i32 1)
  store i32 1, ptr %one, align 4
  %r1 = call i32 @setsockopt(i32 %s, i32 1, i32 2, ptr %one, i32 4)
  %bad = icmp slt i32 %r1, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fam = load i16, ptr %sa, align 2
  %v6 = icmp eq i16 %fam, 10
  %len = select i1 %v6, i32 28, i32 16
  %r2 = call i32 @bind(i32 %s, ptr %addr, i32 %len)
  ret i32 %r2
fail:
  ret i32 -1
}

; mini-httpd's select -> read: select writes only its descriptor sets and timeout (the
; catalogue's effects), here a local set and null pointers, so the load of conn_fd rises
; above it, past the branch on its result.
; CHECK-LABEL: define i64 @select_conn(
; CHECK: %fd = load i32, ptr @conn_fd, align 4
; CHECK: call i64 @multicall(
define i64 @select_conn(i32 %n, ptr %buf) {
  %rfds = alloca [16 x i64], align 16
  call void @llvm.memset.p0.i64(ptr %rfds, i8 0, i64 128, i1 false)
  %s = call i32 @select(i32 %n, ptr %rfds, ptr null, ptr null, ptr null)
  %bad = icmp slt i32 %s, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fd = load i32, ptr @conn_fd, align 4
  %r = call i64 @read(i32 %fd, ptr %buf, i64 100)
  ret i64 %r
fail:
  ret i64 -1
}

; A division by a value that may be zero stays: above the first write it would fault before
; that write's effects.
; CHECK-LABEL: define i64 @div_len(
; CHECK-NEXT: call i64 @write(
; CHECK-NEXT: %len = udiv i64 %n, %k
; CHECK-NEXT: call i64 @write(
define i64 @div_len(i32 %out, ptr %buf, i64 %n, i64 %k) {
  %w1 = call i64 @write(i32 %out, ptr %buf, i64 2)
  %len = udiv i64 %n, %k
  %w2 = call i64 @write(i32 %out, ptr %buf, i64 %len)
  ret i64 %w2
}

; The read fills the global the descriptor is loaded from: the load stays after it.
; CHECK-LABEL: define i64 @clobbered_fd(
; CHECK-NEXT: call i64 @read(
; CHECK-NEXT: %fd = load i32, ptr @fdbox, align 4
; CHECK-NEXT: call i64 @write(
define i64 @clobbered_fd(ptr %buf) {
  %n = call i64 @read(i32 0, ptr @fdbox, i64 4)
  %fd = load i32, ptr @fdbox, align 4
  %w = call i64 @write(i32 %fd, ptr %buf, i64 64)
  ret i64 %w
}

; Half the read's result: computed from the result, it cannot rise above the read.
; CHECK-LABEL: define i64 @needs_result(
; CHECK-NEXT: call i64 @read(
; CHECK-NEXT: %half = lshr i64 %n, 1
define i64 @needs_result(i32 %in, i32 %out, ptr %buf) {
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %half = lshr i64 %n, 1
  %w = call i64 @write(i32 %out, ptr %buf, i64 %half)
  ret i64 %w
}

; A phi (of a block entered from one place, as LCSSA leaves them) runs no code: the write's
; length is the value it carries, known before the read, and nothing needs to move.
; CHECK-LABEL: define i64 @phi_len(
; CHECK: call i64 @multicall(
; RUN: not grep -E 'move.* at phi_len' %t.remarks
define i64 @phi_len(i32 %in, i32 %out, ptr %buf, i64 %m) {
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  br label %next
next:
  %v = phi i64 [ %m, %0 ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 %v)
  ret i64 %w
}

; The dup's result, extended for lseek's offset, is a result reference: no motion, and the
; pair is one multi-call.
; CHECK-LABEL: define i64 @ext_result(
; CHECK: call i64 @multicall(
define i64 @ext_result(i32 %fd, i32 %out) {
  %d = call i32 @dup(i32 %fd)
  %bad = icmp slt i32 %d, 0
  br i1 %bad, label %fail, label %ok
ok:
  %off = sext i32 %d to i64
  %r = call i64 @lseek(i32 %out, i64 %off, i32 0)
  ret i64 %r
fail:
  ret i64 -1
}

declare i64 @write(i32, ptr, i64)
declare i64 @read(i32, ptr, i64)
declare i32 @setsockopt(i32, i32, i32, ptr, i32)
declare i32 @bind(i32, ptr, i32)
declare i32 @dup(i32)
declare i64 @lseek(i32, i64, i32)
declare i32 @select(i32, ptr, ptr, ptr, ptr)
declare i32 @fcntl(i32, i32, ...)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @fill_address(ptr)
