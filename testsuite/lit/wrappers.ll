; Wrappers that are one system call with fixed extra arguments, and fcntl with a constant
; command. recv and send are recvfrom and sendto with NULL/0 address arguments (a trace
; shows recv as recvfrom, so the profile's recvfrom nodes are recv sites); wait is
; wait4(-1, status, 0, NULL). fcntl lowers for the commands whose third argument's kind
; the catalogue knows (F_GETFL: none, F_SETFD: an int, F_GETLK: a struct); a command that
; is not a constant, F_GETOWN (glibc emulates it) and a command the catalogue does not
; know stay, each with the reason in its site remark and in the refusal. sigaction(sig, act,
; NULL) is rt_sigaction(sig, &kact, NULL, 8) with the kernel's struct built from *act.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/wrappers.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -pass-remarks-analysis=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: system call site 'send' at relay_block (no debug location) (sendto, nr 44){{$}}
; REMARK-DAG: remark: <unknown>:0:0: system call site 'recv' at relay_block (no debug location) (recvfrom, nr 45){{$}}
; REMARK-DAG: remark: <unknown>:0:0: system call site 'wait' at waits (no debug location) (wait4, nr 61){{$}}
; REMARK-DAG: remark: <unknown>:0:0: system call site 'fcntl' at fcntl_refusals (no debug location) (fcntl, nr 72); not lowerable: fcntl's command i32 %cmd is not a constant: its third argument's kind depends on it
; REMARK-DAG: remark: <unknown>:0:0: system call site 'fcntl' at fcntl_refusals (no debug location) (fcntl, nr 72); not lowerable: fcntl(F_GETOWN): glibc answers it with F_GETOWN_EX
; REMARK-DAG: remark: <unknown>:0:0: system call site 'fcntl' at fcntl_refusals (no debug location) (fcntl, nr 72); not lowerable: fcntl command 1026: the kind of its third argument is not known
; REMARK-DAG: remark: <unknown>:0:0: not clustered: fcntl -> fcntl (weight 3) breaks safety: 'fcntl' at fcntl_refusals (no debug location) cannot run as a raw system call in a multi-call: fcntl's command i32 %cmd is not a constant
; REMARK-DAG: remark: <unknown>:0:0: not clustered: fcntl -> fcntl (weight 3) breaks safety: 'fcntl' at fcntl_refusals (no debug location) cannot run as a raw system call in a multi-call: fcntl(F_GETOWN): glibc answers it with F_GETOWN_EX
; REMARK-DAG: remark: <unknown>:0:0: not clustered: fcntl -> fcntl (weight 3) breaks safety: 'fcntl' at fcntl_refusals (no debug location) cannot run as a raw system call in a multi-call: fcntl command 1026: the kind of its third argument is not known
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: send -> recv (stop: result != argument 2, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: recv -> recv (stop: result <= 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 3 system calls into one multi-call: accept -> fcntl -> fcntl (stop: result < 0, result < 0, never; 2 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: fcntl -> fcntl (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: wait -> getpid (stop: never, never; 0 result references)
; sigaction(sig, act, NULL) lowers as a batch's first call; refused, each with its reason: a
; signal that is not a constant or that glibc refuses, an old action, an act that may be NULL;
; and as a later call of a chain or in a whole loop.
; REMARK-DAG: remark: <unknown>:0:0: system call site 'sigaction' at sigaction_refusals (no debug location) (rt_sigaction, nr 13); not lowerable: sigaction's signal i32 %sig is not a constant: glibc refuses some signals without a system call
; REMARK-DAG: remark: <unknown>:0:0: system call site 'sigaction' at sigaction_refusals (no debug location) (rt_sigaction, nr 13); not lowerable: sigaction of signal 32: glibc refuses it (EINVAL) without a system call
; REMARK-DAG: remark: <unknown>:0:0: system call site 'sigaction' at sigaction_refusals (no debug location) (rt_sigaction, nr 13); not lowerable: sigaction with an old action: glibc converts the kernel's struct back into it
; REMARK-DAG: remark: <unknown>:0:0: system call site 'sigaction' at sigaction_refusals (no debug location) (rt_sigaction, nr 13); not lowerable: sigaction's new action ptr %p may be NULL: only a local or global struct is known not to be
; REMARK-DAG: remark: <unknown>:0:0: not clustered: sigaction -> sigaction (weight 2) breaks safety: 'sigaction' at sigaction_refusals (no debug location) reads its new action when the batch starts, where glibc reads it at the call: it must be the first call of a straight multi-call
; REMARK-DAG: remark: <unknown>:0:0: not clustered: kill -> sigaction (weight 5) breaks safety: 'sigaction' at sigaction_loop (no debug location) reads its new action when the batch starts, where glibc reads it at the call: it must be the first call of a straight multi-call
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: sigaction -> kill (stop: result < 0, never; 0 result references)

; send(cli, a, n, MSG_NOSIGNAL) is sendto(cli, a, n, MSG_NOSIGNAL, NULL, 0), recv(srv, a, n, 0)
; is recvfrom(srv, a, n, 0, NULL, NULL).
; CHECK-LABEL: define i64 @relay_block(
; CHECK: %[[S0:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 3
; CHECK-NEXT: store i64 16384, ptr %[[S0]]
; CHECK-NEXT: %[[S4:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 4
; CHECK-NEXT: store i64 0, ptr %[[S4]]
; CHECK-NEXT: %[[S5:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 5
; CHECK-NEXT: store i64 0, ptr %[[S5]]
; CHECK-NEXT: %[[SNR:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 0
; CHECK-NEXT: store i32 44, ptr %[[SNR]]
; CHECK: %[[R4:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 4
; CHECK-NEXT: store i64 0, ptr %[[R4]]
; CHECK-NEXT: %[[R5:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 5
; CHECK-NEXT: store i64 0, ptr %[[R5]]
; CHECK-NEXT: %[[RNR:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 0
; CHECK-NEXT: store i32 45, ptr %[[RNR]]
; CHECK: call i64 @multicall(ptr %mc.entries, i32 %mc.count)
; The fallbacks are the libc calls themselves.
; CHECK: call i64 @send(i32 %cli, ptr %a, i64 %n, i32 16384)
; CHECK: call i64 @recv(i32 %srv, ptr %a, i64 %n, i32 0)

; CHECK-LABEL: define i64 @recv_recv(
; CHECK: store i32 45, ptr
; CHECK: store i32 45, ptr
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)

; accept(lfd, NULL, NULL), then fcntl(c, F_GETFL) and fcntl(c, F_SETFD, 1) with c a reference
; to accept's result (refs bit 0).
; CHECK-LABEL: define i32 @accept_fcntl(
; CHECK: store i32 43, ptr
; CHECK: %[[G1:[0-9]+]] = getelementptr inbounds [3 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 1
; CHECK-NEXT: store i64 3, ptr %[[G1]]
; CHECK-NEXT: %[[G2:[0-9]+]] = getelementptr inbounds [3 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 1, i32 4, i32 2
; CHECK-NEXT: store i64 0, ptr %[[G2]]
; CHECK: store i32 72, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i8 1, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i8 0, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i16 1, ptr
; CHECK: %[[F1:[0-9]+]] = getelementptr inbounds [3 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 2, i32 4, i32 1
; CHECK-NEXT: store i64 2, ptr %[[F1]]
; CHECK-NEXT: %[[F2:[0-9]+]] = getelementptr inbounds [3 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 2, i32 4, i32 2
; CHECK-NEXT: store i64 1, ptr %[[F2]]
; CHECK: store i32 72, ptr
; CHECK: call i64 @multicall(ptr %mc.entries, i32 3)
; CHECK: %fl = call i32 (i32, i32, ...) @fcntl(i32 %mc.result.0, i32 3)
; CHECK: %r = call i32 (i32, i32, ...) @fcntl(i32 %mc.result.0, i32 2, i32 1)

; Only F_GETFL (with an ignored third argument) and F_GETLK cluster here.
; CHECK-LABEL: define i32 @fcntl_refusals(
; CHECK: %a = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 %cmd, i32 0)
; CHECK-NEXT: %b = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 9)
; CHECK-NEXT: %c = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 1026, i32 1)
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)

; wait(st) is wait4(-1, st, 0, NULL).
; CHECK-LABEL: define i32 @waits(
; CHECK: %[[W0:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 0
; CHECK-NEXT: store i64 -1, ptr %[[W0]]
; CHECK-NEXT: ptrtoint ptr %st to i64
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i64
; CHECK-NEXT: %[[W2:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 2
; CHECK-NEXT: store i64 0, ptr %[[W2]]
; CHECK-NEXT: %[[W3:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 3
; CHECK-NEXT: store i64 0, ptr %[[W3]]
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i64 0, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i64 0, ptr
; CHECK-NEXT: getelementptr
; CHECK-NEXT: store i32 61, ptr
; CHECK: call i32 @wait(ptr %st)

; The loop's sigaction heads a straight multi-call in each iteration: rt_sigaction (13) with
; the kernel's struct, built where the batch starts, in place of %sa.
; CHECK-LABEL: define i32 @sigaction_loop(
; CHECK: %mc.ksigaction = alloca [4 x i64], align 8
; CHECK: loop:
; CHECK: %mc.sa.handler = load ptr, ptr %sa
; CHECK: %mc.sa.restorer = load ptr, ptr @multicall_sa_restorer
; CHECK: %[[K:[0-9]+]] = ptrtoint ptr %mc.ksigaction to i64
; CHECK-NEXT: %[[A1:[0-9]+]] = getelementptr inbounds [2 x %struct.mc_entry], ptr %mc.entries, i64 0, i64 0, i32 4, i32 1
; CHECK-NEXT: store i64 %[[K]], ptr %[[A1]]
; CHECK: store i32 13, ptr
; CHECK: call i64 @multicall(ptr %mc.entries, i32 2)
; CHECK: call i32 @sigaction(i32 10, ptr %sa, ptr null)

define i64 @relay_block(i32 %cli, i32 %srv, ptr %a, i64 %n) {
entry:
  %s = call i64 @send(i32 %cli, ptr %a, i64 %n, i32 16384)
  %short = icmp ne i64 %s, %n
  br i1 %short, label %fail, label %recv
recv:
  %r = call i64 @recv(i32 %srv, ptr %a, i64 %n, i32 0)
  ret i64 %r
fail:
  ret i64 -1
}

define i64 @recv_recv(i32 %fd, ptr %a, ptr %b) {
entry:
  %r1 = call i64 @recv(i32 %fd, ptr %a, i64 16, i32 0)
  %end = icmp slt i64 %r1, 1
  br i1 %end, label %out, label %more
more:
  %r2 = call i64 @recv(i32 %fd, ptr %b, i64 16, i32 64)
  ret i64 %r2
out:
  ret i64 %r1
}

define i32 @accept_fcntl(i32 %lfd) {
entry:
  %c = call i32 @accept(i32 %lfd, ptr null, ptr null)
  %bad = icmp slt i32 %c, 0
  br i1 %bad, label %fail, label %getfl
getfl:
  %fl = call i32 (i32, i32, ...) @fcntl(i32 %c, i32 3)
  %badfl = icmp slt i32 %fl, 0
  br i1 %badfl, label %fail, label %setfd
setfd:
  %r = call i32 (i32, i32, ...) @fcntl(i32 %c, i32 2, i32 1)
  ret i32 %r
fail:
  ret i32 -1
}

define i32 @fcntl_refusals(i32 %fd, i32 %cmd) {
entry:
  %a = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 %cmd, i32 0)
  %b = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 9)
  %c = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 1026, i32 1)
  %d = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 3, i32 0)
  %e = call i32 (i32, i32, ...) @fcntl(i32 %fd, i32 5, ptr null)
  %ab = add i32 %a, %b
  %cd = add i32 %c, %d
  %abcd = add i32 %ab, %cd
  %r = add i32 %abcd, %e
  ret i32 %r
}

define i32 @waits(ptr %st) {
entry:
  %w = call i32 @wait(ptr %st)
  %p = call i32 @getpid()
  %r = add i32 %w, %p
  ret i32 %r
}

define i32 @sigaction_refusals(i32 %sig, ptr %p) {
entry:
  %sa = alloca [152 x i8], align 8
  %old = alloca [152 x i8], align 8
  %a = call i32 @sigaction(i32 %sig, ptr %sa, ptr null)
  %b = call i32 @sigaction(i32 32, ptr %sa, ptr null)
  %c = call i32 @sigaction(i32 10, ptr %sa, ptr %old)
  %d = call i32 @sigaction(i32 10, ptr %p, ptr null)
  %e = call i32 @sigaction(i32 12, ptr %sa, ptr null)
  %ab = add i32 %a, %b
  %cd = add i32 %c, %d
  %abcd = add i32 %ab, %cd
  %r = add i32 %abcd, %e
  ret i32 %r
}

define i32 @sigaction_loop(i32 %pid) {
entry:
  %sa = alloca [152 x i8], align 8
  br label %loop
loop:
  %s = call i32 @sigaction(i32 10, ptr %sa, ptr null)
  %bad = icmp ne i32 %s, 0
  br i1 %bad, label %out, label %send
send:
  %k = call i32 @kill(i32 %pid, i32 10)
  %kbad = icmp ne i32 %k, 0
  br i1 %kbad, label %out, label %loop
out:
  ret i32 -1
}

declare i64 @send(i32, ptr, i64, i32)
declare i64 @recv(i32, ptr, i64, i32)
declare i32 @accept(i32, ptr, ptr)
declare i32 @fcntl(i32, i32, ...)
declare i32 @wait(ptr)
declare i32 @getpid()
declare i32 @sigaction(i32, ptr, ptr)
declare i32 @kill(i32, i32)
