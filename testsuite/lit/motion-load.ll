; Code motion of loads out of a gap (transform/motion.rs): a load that a later call of the
; region writes, or that may fault, rises above the region's first call when nothing it passes
; writes its memory and it cannot fault there; otherwise it stays and the remark says why.
; A load nothing writes stays where it is (the calls' memory model, legality/facts.rs).
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/motion.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

@g = global [64 x i8] zeroinitializer, align 16
@count = global i64 0, align 8
@outfd = global i32 1, align 4

; REMARK-DAG: remark: <unknown>:0:0: moved '%c = load i8, ptr @g, align 16' above 'write' at global_clobbered (no debug location), out of the gap between 'write' at global_clobbered (no debug location) and 'read' at global_clobbered (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: write -> read (stop: never, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: moved '%c = load i8, ptr @g, align 16' above 'read' at climbs (no debug location), out of the gap between 'write' at climbs (no debug location) and 'read' at climbs (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: clustered 3 system calls into one multi-call: read -> write -> read (stop: result <= 0, never, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: could not move '%c = load i8, ptr @g, align 16' out of the gap between 'write' at heavier (no debug location) and 'read' at heavier (no debug location): it would come to rest between 'read' at heavier (no debug location) and 'write' at heavier (no debug location), a hot edge at least as heavy
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: could not move '%c = load i8, ptr @g, align 16' out of the gap between 'read' at first_writes (no debug location) and 'fstat' at first_writes (no debug location): 'read' at first_writes (no debug location) may write the memory it reads
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> fstat (weight 5) breaks safety: '%c = load i8, ptr @g, align 16' reads memory that the later 'fstat' at first_writes (no debug location) may write; in a multi-call it would see that write
; REMARK-DAG: remark: <unknown>:0:0: could not move '%len = load i64, ptr %p, align 8' out of the gap between 'read' at may_fault (no debug location) and 'write' at may_fault (no debug location): its pointer is not known to be dereferenceable before 'read' at may_fault (no debug location): moved there it could fault where the original does not
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks safety: '%len = load i64, ptr %p, align 8' between 'read' at may_fault (no debug location) and 'write' at may_fault (no debug location) may trap, so it must run before the later calls
; REMARK-DAG: remark: <unknown>:0:0: could not move '%len = load i64, ptr %q, align 8' out of the gap between 'read' at needs_result (no debug location) and 'write' at needs_result (no debug location): it needs '%n = call i64 @read(i32 %in, ptr %buf, i64 64)', which cannot move above the first call
; REMARK-DAG: remark: <unknown>:0:0: could not move '%len = load i64, ptr %p, align 8' out of the gap between 'read' at errno_stays (no debug location) and 'write' at errno_stays (no debug location): 'read' at errno_stays (no debug location) sets errno when it fails, and the load may read errno
; REMARK-DAG: remark: <unknown>:0:0: nothing moved out of the gap between 'read' at store_stays (no debug location) and 'write' at store_stays (no debug location), which keeps 'store i8 0, ptr %buf, align 16': it writes memory or has other side effects
; REMARK-DAG: remark: <unknown>:0:0: moved '%fd = load i32, ptr @outfd, align 4' above 'read' at store_counter (no debug location), out of the gap between 'read' at store_counter (no debug location) and 'write' at store_counter (no debug location)
; REMARK-DAG: remark: <unknown>:0:0: nothing moved out of the gap between 'read' at call_stays (no debug location) and 'write' at call_stays (no debug location), which keeps '%l = call i32 @log(i64 %n)': it calls 'log', which is not a system call
; REMARK-DAG: remark: <unknown>:0:0: nothing moved out of the gap between 'read' at trap_stays (no debug location) and 'write' at trap_stays (no debug location), which keeps '%d = sdiv i64 100, %n': it may trap: run before the earlier call or after the later one, it would fault on the other side of a system call

; The region read -> write -> read: the load of @g between the write and the second read rises
; past the write and the first read, which write only %buf.
; CHECK-LABEL: define i64 @climbs(
; CHECK: %c = load i8, ptr @g, align 16
; CHECK: call i64 @multicall(
define i64 @climbs(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %c = load i8, ptr @g, align 16
  %m = call i64 @read(i32 %in, ptr @g, i64 64)
  %z = zext i8 %c to i64
  %r = add i64 %m, %z
  ret i64 %r
done:
  ret i64 0
}

; The same, but the first read fills @g: the load could only rise to between that read and the
; write, the heavier edge (20 against 19), where it would block that pair instead.
; CHECK-LABEL: define i64 @heavier(
; CHECK: call i64 @multicall(
; CHECK: %c = load i8, ptr @g
define i64 @heavier(i32 %in, i32 %out) {
  %n = call i64 @read(i32 %in, ptr @g, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %out, ptr @g, i64 %n)
  %c = load i8, ptr @g, align 16
  %m = call i64 @read(i32 %in, ptr @g, i64 64)
  %z = zext i8 %c to i64
  %r = add i64 %m, %z
  ret i64 %r
done:
  ret i64 0
}

; The write only reads @g; the load of @g, which the read overwrites, moves above the write,
; without its !noundef (it may now run where it did not: LLVM's own hoisting drops it too).
; CHECK-LABEL: define i64 @global_clobbered(
; CHECK: %c = load i8, ptr @g, align 16{{$}}
; CHECK: call i64 @multicall(
define i64 @global_clobbered(i32 %in, i32 %out) {
  %w = call i64 @write(i32 %out, ptr @g, i64 64)
  %c = load i8, ptr @g, align 16, !noundef !0
  %n = call i64 @read(i32 %in, ptr @g, i64 64)
  %z = zext i8 %c to i64
  %r = add i64 %n, %z
  ret i64 %r
}

; A global neither call writes (the read fills a local buffer, the write reads it) stays in
; place: no motion, and the pair clusters.
; CHECK-LABEL: define i64 @global_in_place(
; CHECK: call i64 @multicall(
; CHECK: %x = load i64, ptr @count
define i64 @global_in_place(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %x = load i64, ptr @count, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %r = add i64 %w, %x
  ret i64 %r
done:
  ret i64 0
}

; The read writes @g before the load reads it, and fstat writes it after: it can go neither way.
; CHECK-LABEL: define i64 @first_writes(
; CHECK-NOT: multicall
; CHECK: call i64 @read(
; CHECK-NEXT: %c = load i8, ptr @g
define i64 @first_writes(i32 %in) {
  %n = call i64 @read(i32 %in, ptr @g, i64 64)
  %c = load i8, ptr @g, align 16
  %s = call i32 @fstat(i32 %in, ptr @g)
  %z = zext i8 %c to i64
  ret i64 %z
}

; A load at an unknown index of @g (so it cannot read errno) may be out of bounds: it stays
; after the read.
; CHECK-LABEL: define i64 @may_fault(
; CHECK-NOT: multicall
; CHECK: call i64 @read(
; CHECK-NEXT: %len = load i64, ptr %p
define i64 @may_fault(i32 %in, i32 %out, i64 %i) {
  %buf = alloca [64 x i8], align 16
  %p = getelementptr i64, ptr @g, i64 %i
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %len = load i64, ptr %p, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len)
  ret i64 %w
}

; Through a pointer argument the load may read errno, which a failing read sets.
; CHECK-LABEL: define i64 @errno_stays(
; CHECK-NOT: multicall
; CHECK: ret i64
define i64 @errno_stays(i32 %in, i32 %out, ptr dereferenceable(8) %p) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %len = load i64, ptr %p, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len)
  ret i64 %w
}

; The address depends on the read's result.
; CHECK-LABEL: define i64 @needs_result(
; CHECK-NOT: multicall
; CHECK: ret i64
define i64 @needs_result(i32 %in, i32 %out) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %q = getelementptr i64, ptr @g, i64 %n
  %len = load i64, ptr %q, align 8
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len)
  ret i64 %w
}

; A store into memory the later call reads stays, and so does everything else in its gap:
; nothing moves, not even the load before it.
; CHECK-LABEL: define i64 @store_stays(
; CHECK-NOT: multicall
; CHECK: call i64 @read(
; CHECK-NEXT: %len = load i64, ptr %p
; CHECK-NEXT: store i8 0, ptr %buf
define i64 @store_stays(i32 %in, i32 %out, ptr %p) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %len = load i64, ptr %p, align 8
  store i8 0, ptr %buf, align 16
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len)
  ret i64 %w
}

; A store that cannot fault, into memory no later call touches (a counter in a global), may
; stay between the calls of a straight batch: the load of the descriptor after it rises above
; the read, and the store stays in place, after the multi-call.
; CHECK-LABEL: define i64 @store_counter(
; CHECK: %fd = load i32, ptr @outfd
; CHECK: call i64 @multicall(
; CHECK: store i64 %mc.result.0, ptr @count
; CHECK: ret i64
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
define i64 @store_counter(i32 %in) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i64 %n, ptr @count, align 8
  %fd = load i32, ptr @outfd, align 4
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %fd, ptr %buf, i64 %n)
  ret i64 %w
done:
  ret i64 0
}

; The store that stays writes what the descriptor's load reads: the load cannot pass it.
; CHECK-LABEL: define i64 @store_then_load(
; CHECK-NOT: multicall
; CHECK: ret i64
; REMARK-DAG: remark: <unknown>:0:0: could not move '%fd = load i32, ptr @outfd, align 4' out of the gap between 'read' at store_then_load (no debug location) and 'write' at store_then_load (no debug location): 'store i32 %new, ptr @outfd, align 4' may write the memory it reads
define i64 @store_then_load(i32 %in, i32 %new) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  store i32 %new, ptr @outfd, align 4
  %fd = load i32, ptr @outfd, align 4
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %w = call i64 @write(i32 %fd, ptr %buf, i64 %n)
  ret i64 %w
done:
  ret i64 0
}

; CHECK-LABEL: define i64 @call_stays(
; CHECK-NOT: multicall
; CHECK: ret i64
define i64 @call_stays(i32 %in, i32 %out, ptr %p) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %len = load i64, ptr %p, align 8
  %l = call i32 @log(i64 %n)
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len)
  ret i64 %w
}

; CHECK-LABEL: define i64 @trap_stays(
; CHECK-NOT: multicall
; CHECK: ret i64
define i64 @trap_stays(i32 %in, i32 %out, ptr %p) {
  %buf = alloca [64 x i8], align 16
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %len = load i64, ptr %p, align 8
  %d = sdiv i64 100, %n
  %w = call i64 @write(i32 %out, ptr %buf, i64 %len)
  %r = add i64 %w, %d
  ret i64 %r
}

!0 = !{}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare i32 @fstat(i32, ptr)
declare i32 @log(i64)
