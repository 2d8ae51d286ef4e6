; A result tested through a truncation is a stop predicate only where the test agrees with
; the same test on the raw result: the result fits in 32 bits (a transfer of at most 2^31 - 1
; bytes, or of an `int` count) and the casts keep its sign. Tested as a `short`, 40000 bytes
; read are negative; tested as an `unsigned` widened again, -1 is positive. Both are refused;
; the `int` form clusters.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json;stats>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 0 result references)
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks linearity: branch '%ok = icmp sgt i16 %n16, 0' between 'read' at as_short (no debug location) and 'write' at as_short (no debug location) is not a stop predicate on the result of 'read'
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> write (weight 20) breaks linearity: branch '%ok = icmp sgt i64 %wide, 0' between 'read' at as_unsigned (no debug location) and 'write' at as_unsigned (no debug location) is not a stop predicate on the result of 'read'
; REMARK-DAG: 1 syscall-cluster - Number of multi-calls formed

declare i64 @read(i32, ptr, i64)
declare i64 @write(i32, ptr, i64)

define void @as_int(i32 %in, i32 %out, ptr %buf, i32 %len) {
entry:
  %count = sext i32 %len to i64
  %n = call i64 @read(i32 %in, ptr %buf, i64 %count)
  %n32 = trunc i64 %n to i32
  %ok = icmp sgt i32 %n32, 0
  br i1 %ok, label %put, label %done

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 1)
  br label %done

done:
  ret void
}

define void @as_short(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 40000)
  %n16 = trunc i64 %n to i16
  %ok = icmp sgt i16 %n16, 0
  br i1 %ok, label %put, label %done

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 1)
  br label %done

done:
  ret void
}

define void @as_unsigned(i32 %in, i32 %out, ptr %buf) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 4096)
  %n32 = trunc i64 %n to i32
  %wide = zext i32 %n32 to i64
  %ok = icmp sgt i64 %wide, 0
  br i1 %ok, label %put, label %done

put:
  %w = call i64 @write(i32 %out, ptr %buf, i64 1)
  br label %done

done:
  ret void
}
