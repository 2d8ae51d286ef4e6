; A remark that quotes an instruction prints it on one line, whatever its printed form: a
; switch prints its cases on lines of their own, and a remark with a line break becomes a YAML
; block scalar in the optimization record and a message cut short in -Rpass output.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/remark-one-line.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %s -o %t.ll \
; RUN:   2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; The switch of sw is not a stop predicate, and the refusal quotes the switch, not the call
; its value comes from. The switch of sw_case goes on to the poll through a case: it becomes a
; two-way branch (transform/switches.rs), whose remark quotes it, and the refusal then names
; the branch's test.
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> poll (weight 20) breaks linearity: branch 'switch i64 %n, label %more [ i64 0, label %done i64 5, label %done ]' between 'read' at sw (no debug location) and 'poll' at sw (no debug location) is not a stop predicate on the result of 'read' (supported: {{.*}}){{$}}
; REMARK-DAG: remark: <unknown>:0:0: made 'switch i64 %n, label %done [ i64 7, label %more ]' a chain of 1 two-way branch on its cases, {{.*}}{{$}}
; REMARK-DAG: remark: <unknown>:0:0: not clustered: read -> poll (weight 20) breaks linearity: branch '%sw.eq = icmp eq i64 %n, 7' between 'read' at sw_case (no debug location) and 'poll' at sw_case (no debug location) is not a stop predicate on the result of 'read' (supported: {{.*}}){{$}}

define i64 @sw(i32 %fd, ptr %buf, ptr %p) {
entry:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  switch i64 %n, label %more [
    i64 0, label %done
    i64 5, label %done
  ]
more:
  %r = call i32 @poll(ptr %p, i64 1, i32 0)
  %w = sext i32 %r to i64
  br label %done
done:
  %v = phi i64 [ %w, %more ], [ %n, %entry ], [ %n, %entry ]
  ret i64 %v
}

define i64 @sw_case(i32 %fd, ptr %buf, ptr %p) {
entry:
  %n = call i64 @read(i32 %fd, ptr %buf, i64 64)
  switch i64 %n, label %done [
    i64 7, label %more
  ]
more:
  %r = call i32 @poll(ptr %p, i64 1, i32 0)
  %w = sext i32 %r to i64
  br label %done
done:
  %v = phi i64 [ %w, %more ], [ %n, %entry ]
  ret i64 %v
}

declare i64 @read(i32, ptr, i64)
declare i32 @poll(ptr, i64, i32)
