; What fcntl does to memory (legality/facts.rs): with a constant command the catalogue knows,
; its third argument is an integer (F_SETFL, F_SETFD, ...), ignored (F_GETFL) or a struct it
; reads or writes (F_GETLK). A load between an fcntl and a later call then depends only on
; what the commands touch: a descriptor reloaded from a global after F_SETFL (mini-httpd's
; finish_request) is no memory fcntl writes, while the struct F_GETLK fills is.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fcntl-memory.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

@conn = global i32 0
@lock = global [32 x i8] zeroinitializer

; REMARK-DAG: remark: <unknown>:0:0: moved '%fd2 = load i32, ptr @conn, align 4' above 'fcntl' at setfl (no debug location), out of the gap between 'fcntl' at setfl (no debug location) and 'shutdown' at setfl (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fcntl -> shutdown (stop: result < 0, never; 0 result references)
; CHECK-LABEL: define i32 @setfl(
; CHECK: call i64 @multicall(
define i32 @setfl(i32 %flags) {
  %fd = load i32, ptr @conn
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 4, i32 %flags)
  %bad = icmp slt i32 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fd2 = load i32, ptr @conn
  %s = call i32 @shutdown(i32 %fd2, i32 1)
  ret i32 %s
fail:
  ret i32 -1
}

; REMARK-DAG: remark: <unknown>:0:0: could not move '%fd2 = load i32, ptr @lock, align 4' out of the gap between 'fcntl' at getlk (no debug location) and 'shutdown' at getlk (no debug location): 'fcntl' at getlk (no debug location) may write the memory it reads
; CHECK-LABEL: define i32 @getlk(
; CHECK-NOT: call i64 @multicall(
; CHECK: ret i32
define i32 @getlk(i32 %fd) {
  %r = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 5, ptr @lock)
  %bad = icmp slt i32 %r, 0
  br i1 %bad, label %fail, label %ok
ok:
  %fd2 = load i32, ptr @lock
  %s = call i32 @shutdown(i32 %fd2, i32 1)
  ret i32 %s
fail:
  ret i32 -1
}

declare i32 @fcntl(i32, i32, ...)
declare i32 @shutdown(i32, i32)
