; Vector updates in a copy loop written lane by lane (transform/vectors.rs): each lane's load
; and store at its own offset from the vector's address (computed once, where the address
; is defined), with the alignment that offset leaves; an integer operation on each lane
; with the vector operation's flags; the lanes of a constant and of an `insertelement`.
; Refused, with a missed remark that names the value: an update whose vector is used by
; something else too, a shuffle of the lanes, a vector that is not computed in the module.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

@buf = internal global [4096 x i8] zeroinitializer
@mirror = global <2 x i64> zeroinitializer
@bytes = global [16 x i8] zeroinitializer

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)

; Four `i16` counters at 8-byte alignment: lanes at bytes 0, 2, 4 and 6, aligned 8, 2, 4, 2.
; CHECK-LABEL: define i32 @halves(
; CHECK: %[[P2:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 2
; CHECK-NEXT: %[[P4:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 4
; CHECK-NEXT: %[[P6:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 6
; CHECK-NOT: <4 x i16>
; CHECK: ret i32 0
; REMARK-DAG: remark: <unknown>:0:0: wrote 'store <4 x i16> %s, ptr %st, align 8' as 4 stores of its lanes: each is a variable the loop updates on its own
define i32 @halves(i32 %in, i32 %out, ptr %st) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <4 x i16>, ptr %st, align 8
  %t = trunc i64 %n to i16
  %w = insertelement <4 x i16> <i16 1, i16 poison, i16 0, i16 2>, i16 %t, i64 1
  %s = add nuw <4 x i16> %v, %w
  store <4 x i16> %s, ptr %st, align 8
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}

; The lanes as the transformation leaves them, before the loop is lowered: run on a copy
; of @halves where the write's result is tested against a constant (no cluster forms).
; CHECK-LABEL: define i32 @halves_kept(
; CHECK: %[[Q2:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 2
; CHECK-NEXT: %[[Q4:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 4
; CHECK-NEXT: %[[Q6:[0-9]+]] = getelementptr inbounds i8, ptr %st, i64 6
; CHECK: body:
; CHECK-NEXT: %[[L0:[0-9]+]] = load i16, ptr %st, align 8
; CHECK-NEXT: %[[L1:[0-9]+]] = load i16, ptr %[[Q2]], align 2
; CHECK-NEXT: %[[L2:[0-9]+]] = load i16, ptr %[[Q4]], align 4
; CHECK-NEXT: %[[L3:[0-9]+]] = load i16, ptr %[[Q6]], align 2
; CHECK-NEXT: %t = trunc i64 %n to i16
; CHECK-NEXT: %[[S0:[0-9]+]] = add nuw i16 %[[L0]], 1
; CHECK-NEXT: %[[S1:[0-9]+]] = add nuw i16 %[[L1]], %t
; CHECK-NEXT: %[[S2:[0-9]+]] = add nuw i16 %[[L2]], 0
; CHECK-NEXT: %[[S3:[0-9]+]] = add nuw i16 %[[L3]], 2
; CHECK-NEXT: store i16 %[[S0]], ptr %st, align 8
; CHECK-NEXT: store i16 %[[S1]], ptr %[[Q2]], align 2
; CHECK-NEXT: store i16 %[[S2]], ptr %[[Q4]], align 4
; CHECK-NEXT: store i16 %[[S3]], ptr %[[Q6]], align 2
; CHECK-NEXT: %wr = call i64 @write(
define i32 @halves_kept(i32 %in, i32 %out, ptr %st) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <4 x i16>, ptr %st, align 8
  %t = trunc i64 %n to i16
  %w = insertelement <4 x i16> <i16 1, i16 poison, i16 0, i16 2>, i16 %t, i64 1
  %s = add nuw <4 x i16> %v, %w
  store <4 x i16> %s, ptr %st, align 8
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  call void @keep(i64 %wr)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}

declare void @keep(i64)

; The sum goes to a second place too: neither store is written lane by lane.
; CHECK-LABEL: define i32 @shared(
; CHECK: store <2 x i64> %s, ptr %st, align 8
; CHECK-NEXT: store <2 x i64> %s, ptr @mirror, align 16
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <2 x i64> %s, ptr %st, align 8' lane by lane: '%s = add <2 x i64> %v, %w' is also used by 'store <2 x i64> %s, ptr @mirror, align 16'
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <2 x i64> %s, ptr @mirror, align 16' lane by lane: '%s = add <2 x i64> %v, %w' is also used by 'store <2 x i64> %s, ptr %st, align 8'
define i32 @shared(i32 %in, i32 %out, ptr %st) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <2 x i64>, ptr %st, align 8
  %w = insertelement <2 x i64> <i64 1, i64 poison>, i64 %n, i64 1
  %s = add <2 x i64> %v, %w
  store <2 x i64> %s, ptr %st, align 8
  store <2 x i64> %s, ptr @mirror, align 16
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}

; Lanes swapped by a shuffle, a vector the function is given, and sixteen bytes.
; CHECK-LABEL: define i32 @shuffled(
; CHECK: store <2 x i64> %s, ptr %st, align 8
; CHECK: store <2 x i64> %g, ptr %st, align 8
; CHECK-NEXT: store <16 x i8> zeroinitializer, ptr @bytes, align 16
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <2 x i64> %s, ptr %st, align 8' lane by lane: '%sw = shufflevector <2 x i64> %v, <2 x i64> poison, <2 x i32> <i32 1, i32 0>' is none of a simple load, an integer operation, an insertelement at a constant lane or a constant
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <2 x i64> %g, ptr %st, align 8' lane by lane: '<2 x i64> %given' is neither an instruction nor a constant vector
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <16 x i8> zeroinitializer, ptr @bytes, align 16' lane by lane: it stores 16 lanes, more than the 8 counters side by side it takes
define i32 @shuffled(i32 %in, i32 %out, ptr %st, <2 x i64> %given) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <2 x i64>, ptr %st, align 8
  %sw = shufflevector <2 x i64> %v, <2 x i64> poison, <2 x i32> <i32 1, i32 0>
  %s = add <2 x i64> %sw, <i64 1, i64 2>
  store <2 x i64> %s, ptr %st, align 8
  %v2 = load <2 x i64>, ptr %st, align 8
  %g = add <2 x i64> %v2, %given
  store <2 x i64> %g, ptr %st, align 8
  store <16 x i8> zeroinitializer, ptr @bytes, align 16
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}

; The address is an invoke's result: no instruction can follow it in its block, so the lanes'
; addresses have no place there; the update stays a vector.
; CHECK-LABEL: define i32 @invoked(
; CHECK: store <2 x i64> %s, ptr %st, align 8
; REMARK-DAG: remark: <unknown>:0:0: did not write 'store <2 x i64> %s, ptr %st, align 8' lane by lane: its address '%st = invoke ptr @stats() to label %start unwind label %lp' is defined where no instruction can follow it in its block
declare ptr @stats()
declare i32 @__gxx_personality_v0(...)

define i32 @invoked(i32 %in, i32 %out) personality ptr @__gxx_personality_v0 {
entry:
  %st = invoke ptr @stats() to label %start unwind label %lp
start:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <2 x i64>, ptr %st, align 8
  %w = insertelement <2 x i64> <i64 1, i64 poison>, i64 %n, i64 1
  %s = add <2 x i64> %v, %w
  store <2 x i64> %s, ptr %st, align 8
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
lp:
  %e = landingpad { ptr, i32 } cleanup
  ret i32 1
}

; One value met twice on the way from the store (both operands of `%x`): its lanes are
; computed once and it is deleted once.
; CHECK-LABEL: define i32 @twice(
; CHECK: body:
; CHECK-NOT: <2 x i64>
; CHECK: %wr = call i64 @write(
; REMARK-DAG: remark: <unknown>:0:0: wrote 'store <2 x i64> %s, ptr %st, align 8' as 2 stores of its lanes: each is a variable the loop updates on its own
define i32 @twice(i32 %in, i32 %out, ptr %st) {
entry:
  br label %loop
loop:
  %n = call i64 @read(i32 %in, ptr @buf, i64 4096)
  %more = icmp sgt i64 %n, 0
  br i1 %more, label %body, label %done
body:
  %v = load <2 x i64>, ptr %st, align 8
  %w = insertelement <2 x i64> <i64 1, i64 poison>, i64 %n, i64 1
  %x = add <2 x i64> %w, %w
  %s = add <2 x i64> %v, %x
  store <2 x i64> %s, ptr %st, align 8
  %wr = call i64 @write(i32 %out, ptr @buf, i64 %n)
  %ok = icmp eq i64 %wr, %n
  br i1 %ok, label %loop, label %done
done:
  ret i32 0
}
