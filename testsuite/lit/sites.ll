; Sites: calls of the catalogue's libc wrappers and syscall(NR, ...). Without a profile the
; pass only reports what it found (analysis remarks) and leaves the module alone. Inline
; assembly that makes a system call is noticed and left alone.
;
; RUN: %opt-cluster -passes=syscall-cluster -pass-remarks-analysis=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=SITES < %t.remarks
; RUN: FileCheck %s --check-prefix=UNCHANGED < %t.ll
;
; SITES: remark: <unknown>:0:0: system call site 'open' at sites (no debug location) (openat/open, nr 257)
; SITES-NEXT: remark: <unknown>:0:0: system call site 'read' at sites (no debug location) (read, nr 0)
; SITES-NEXT: remark: <unknown>:0:0: system call site 'syscall' at sites (no debug location) (getpid, nr 39)
; SITES-NEXT: remark: <unknown>:0:0: system call site 'syscall' at sites (no debug location) (?, nr unknown); not lowerable: the system call number is not a constant
; SITES-NEXT: remark: <unknown>:0:0: system call site 'syscall' at sites (no debug location) (clone, nr 56); not lowerable: system call 56 depends on the caller's frame or identity
; SITES-NEXT: remark: <unknown>:0:0: system call site 'vfork' at sites (no debug location) (vfork, nr 58); not lowerable: the child shares the caller's stack frame
; SITES-NEXT: remark: <unknown>:0:0: system call site 'syscall' at generic (no debug location) (getpid, nr 39)
; SITES-NEXT: remark: <unknown>:0:0: system call site 'syscall' at generic (no debug location) (getppid, nr 110)
; SITES-NEXT: remark: <unknown>:0:0: inline assembly makes a system call: left alone
; SITES-NOT: remark
; UNCHANGED-NOT: multicall
;
; With a profile, syscall() sites cluster like wrappers (getpid -> getppid).
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/generic.json>' -pass-remarks=syscall-cluster \
; RUN:   -S %s -o %t.generic.ll 2> %t.generic.remarks
; RUN: FileCheck %s --check-prefix=GENERIC < %t.generic.remarks
; RUN: FileCheck %s --check-prefix=GENERIC-IR < %t.generic.ll
; RUN: opt -passes=verify -disable-output %t.generic.ll
; GENERIC: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: syscall -> syscall (stop: never, never; 0 result references)
; GENERIC-IR-LABEL: define i64 @generic(
; GENERIC-IR: store i32 39, ptr
; GENERIC-IR: store i32 110, ptr
; GENERIC-IR: call i64 @multicall(ptr %mc.entries, i32 2)
; GENERIC-IR: call i64 (i64, ...) @syscall(i64 39)
; GENERIC-IR: call i64 (i64, ...) @syscall(i64 110)

define i64 @sites(ptr %path, i64 %nr) {
  %fd = call i32 (ptr, i32, ...) @open(ptr %path, i32 0)
  %buf = alloca [8 x i8]
  %n = call i64 @read(i32 %fd, ptr %buf, i64 8)
  %pid = call i64 (i64, ...) @syscall(i64 39)
  %any = call i64 (i64, ...) @syscall(i64 %nr)
  %clone = call i64 (i64, ...) @syscall(i64 56, i64 0)
  %v = call i32 @vfork()
  %asm = call i64 asm sideeffect "syscall", "={ax},{ax},~{rcx},~{r11},~{memory}"(i64 39)
  %x = call i32 @printf(ptr %path)
  ret i64 %n
}

define i64 @generic() {
  %a = call i64 (i64, ...) @syscall(i64 39)
  %b = call i64 (i64, ...) @syscall(i64 110)
  %r = add i64 %a, %b
  ret i64 %r
}

declare i32 @open(ptr, i32, ...)
declare i64 @read(i32, ptr, i64)
declare i64 @syscall(i64, ...)
declare i32 @vfork()
declare i32 @printf(ptr)
