; A straight line of four calls (three writes, each checked, and an fsync) becomes one
; multi-call of four entries. A node of the profile that names a function (the trace's
; caller frame "four_writes+0x10") maps to the sites of that system call in that function.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/writes.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -pass-remarks-analysis=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: <unknown>:0:0: profile node write(){{.*}} is 'write' at four_writes (no debug location) (by name)
; REMARK: remark: <unknown>:0:0: clustered 4 system calls into one multi-call: write -> write -> write -> fsync (stop: result != argument 2, result < 0, result != argument 2, never; 0 result references)
; REMARK-NOT: other_function
; REMARK-NOT: clustered

; CHECK-LABEL: define i32 @four_writes(
; CHECK: %mc.entries = alloca [4 x %struct.mc_entry], align 8
; Entries 0 and 2 stop on a short write (MC_STOP_NE_ARG on argument 2), entry 1 on an error.
; CHECK: getelementptr inbounds [4 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 1
; CHECK-NEXT: store i8 3, ptr
; CHECK-NEXT: getelementptr inbounds [4 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 2
; CHECK-NEXT: store i8 2, ptr
; CHECK: getelementptr inbounds [4 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 1
; CHECK-NEXT: store i8 1, ptr
; CHECK: store i32 74, ptr
; A negative length would make "result != length" differ from libc's -1: the batch then ends
; at that entry and the rest runs as the original calls.
; CHECK: %mc.negarg = icmp slt i64 %len2, 0
; CHECK-NEXT: %mc.count = select i1 %mc.negarg, i32 3, i32 4
; CHECK-NEXT: %mc.negarg{{[0-9]*}} = icmp slt i64 %len, 0
; CHECK-NEXT: %mc.count{{[0-9]*}} = select i1 %mc.negarg{{[0-9]*}}, i32 1, i32 %mc.count
; CHECK-NEXT: %mc.ret = call i64 @multicall(ptr %mc.entries, i32 [[COUNT:%mc.count[0-9]*]])
; A batch cut that way and run to its end returns its count, and the first entry left out
; must see that it did not run (a raw result equal to the negative length stops nothing).
; CHECK-NEXT: [[C64:%[0-9]+]] = zext i32 [[COUNT]] to i64
; CHECK-NEXT: %mc.allran = icmp eq i64 %mc.ret, [[C64]]
; CHECK-NEXT: %mc.cut = icmp ult i32 [[COUNT]], 4
; CHECK-NEXT: %mc.last = sub i64 [[C64]], 1
; CHECK-NEXT: %mc.cutran = and i1 %mc.allran, %mc.cut
; CHECK-NEXT: %mc.done = select i1 %mc.cutran, i64 %mc.last, i64 %mc.ret
; CHECK: %mc.ret.gated = phi i64 [ %mc.done, %mc.batch ], [ -1, %{{.*}} ]
; CHECK: %mc.ran.1 = icmp sge i64 %mc.ret.gated, 1
; CHECK: %mc.ran.3 = icmp sge i64 %mc.ret.gated, 3
; CHECK: call i32 @fsync(i32 %fd)
; CHECK: %mc.result.3 = phi i32 [ %{{.*}}, %mc.use.3 ], [ -1, %mc.err.3 ], [ %{{.*}}, %mc.call.3 ]
; CHECK-NEXT: ret i32 %mc.result.3
; CHECK-LABEL: define i32 @other_function(
; CHECK-NOT: multicall
; CHECK: ret i32

define i32 @four_writes(i32 %fd, ptr %a, i64 %len, ptr %b, ptr %c, i64 %len2) {
entry:
  %w1 = call i64 @write(i32 %fd, ptr %a, i64 %len)
  %short1 = icmp ne i64 %w1, %len
  br i1 %short1, label %fail, label %second
second:
  %w2 = call i64 @write(i32 %fd, ptr %b, i64 1)
  %bad2 = icmp slt i64 %w2, 0
  br i1 %bad2, label %fail, label %third
third:
  %w3 = call i64 @write(i32 %fd, ptr %c, i64 %len2)
  %ok3 = icmp eq i64 %w3, %len2
  br i1 %ok3, label %sync, label %fail
sync:
  %s = call i32 @fsync(i32 %fd)
  ret i32 %s
fail:
  ret i32 -1
}

; Same calls, another function: the profile's write node names four_writes only.
define i32 @other_function(i32 %fd, ptr %a) {
  %w1 = call i64 @write(i32 %fd, ptr %a, i64 1)
  %w2 = call i64 @write(i32 %fd, ptr %a, i64 1)
  ret i32 0
}

declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @fsync(i32)
