; Peeling (transform/peel.rs): coreutils cat's simple_cat after LTO, with gnulib's safe_read
; and full_write inlined (the IR of cat built with `syscluster build --lto`, names kept, the
; error reporting replaced by calls of @fail). The path from the read to the write enters
; three loops (full_write's write-all loop %.preheader220, the EINVAL clamp %219, the EINTR
; retry %221); peeling the first iteration of each puts the write's first execution on a
; straight line after the read, whose two tests (r > -1, then the switch on the merged
; result) are the one stop predicate r <= 0.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/lin.json>' \
; RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
; RUN:   -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK-DAG: remark: <unknown>:0:0: peeled the first iteration of the loop at block %.preheader220 so that the first 'write' at simple_cat (no debug location) after 'read' at simple_cat (no debug location) does not enter the loop
; REMARK-DAG: remark: <unknown>:0:0: peeled the first iteration of the loop at block {{%[0-9]+}} so that the first 'write' at simple_cat (no debug location) after 'read' at simple_cat (no debug location) does not enter the loop
; REMARK-DAG: remark: <unknown>:0:0: peeled the first iteration of the loop at block {{%[0-9]+}} so that the first 'write' at simple_cat (no debug location) after 'read' at simple_cat (no debug location) does not enter the loop
; REMARK-DAG: remark: <unknown>:0:0: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
; REMARK-DAG: remark: <unknown>:0:0: did not peel the loop at block %again between 'read' at between (no debug location) and 'write' at between (no debug location): 'write' at between (no debug location) is not in it: the loop lies between the calls
; REMARK-DAG: remark: <unknown>:0:0: did not peel the loop at block %big between 'read' at too_big (no debug location) and 'write' at too_big (no debug location): the loop has too many instructions to copy
; REMARK-DAG: remark: <unknown>:0:0: peeled the first iteration of the loop at block %h8.peel.peel.peel.peel.peel.peel.peel so that the first 'write' at nine (no debug location) after 'read' at nine (no debug location) does not enter the loop
; REMARK-DAG: remark: <unknown>:0:0: did not peel the loop at block %h9.peel.peel.peel.peel.peel.peel.peel.peel between 'read' at nine (no debug location) and 'write' at nine (no debug location): 8 loops of the function are peeled already

; One multi-call before the loops, and the write of every later iteration is the original.
; CHECK-LABEL: define i1 @simple_cat(
; CHECK: call i64 @multicall(
; CHECK-NOT: call i64 @multicall(
; CHECK: call i64 @write(
; CHECK-LABEL: define i64 @between(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @too_big(
; CHECK-NOT: multicall
; CHECK-LABEL: define i64 @nine(
; CHECK-NOT: multicall
; CHECK: ret i64

define i1 @simple_cat(i32 %fd, ptr %buf, i64 %size) {
entry:
  br label %xalignalloc.exit

xalignalloc.exit:
  br label %197

197:
  %198 = phi i64 [ 2146435072, %206 ], [ %size, %xalignalloc.exit ]
  br label %199

199:
  %200 = call i64 @read(i32 noundef %fd, ptr noundef nonnull %buf, i64 noundef %198)
  %201 = icmp sgt i64 %200, -1
  br i1 %201, label %safe_read.exit, label %202

202:
  %203 = tail call ptr @__errno_location()
  %204 = load i32, ptr %203, align 4
  %205 = icmp eq i32 %204, 4
  br i1 %205, label %199, label %206

206:
  %.lcssa238 = phi i32 [ %204, %202 ]
  %.lcssa237 = phi i64 [ %200, %202 ]
  %207 = icmp ne i32 %.lcssa238, 22
  %208 = icmp ult i64 %198, 2146435073
  %209 = or i1 %208, %207
  br i1 %209, label %safe_read.exit, label %197

safe_read.exit:
  %210 = phi i64 [ %200, %199 ], [ %.lcssa237, %206 ]
  switch i64 %210, label %.preheader220 [
    i64 -1, label %211
    i64 0, label %.loopexit52
  ]

211:
  call void @fail(i32 0)
  br label %.loopexit52

.preheader220:
  %216 = phi i64 [ %238, %235 ], [ %210, %safe_read.exit ]
  %217 = phi ptr [ %237, %235 ], [ %buf, %safe_read.exit ]
  %218 = phi i64 [ %236, %235 ], [ 0, %safe_read.exit ]
  br label %219

219:
  %220 = phi i64 [ 2146435072, %228 ], [ %216, %.preheader220 ]
  br label %221

221:
  %222 = call i64 @write(i32 noundef 1, ptr noundef readonly %217, i64 noundef %220)
  %223 = icmp sgt i64 %222, -1
  br i1 %223, label %safe_write.exit.i, label %224

224:
  %225 = tail call ptr @__errno_location()
  %226 = load i32, ptr %225, align 4
  %227 = icmp eq i32 %226, 4
  br i1 %227, label %221, label %228

228:
  %.lcssa241 = phi i32 [ %226, %224 ]
  %.lcssa240 = phi i64 [ %222, %224 ]
  %229 = icmp ne i32 %.lcssa241, 22
  %230 = icmp ult i64 %220, 2146435073
  %231 = or i1 %230, %229
  br i1 %231, label %safe_write.exit.i, label %219

safe_write.exit.i:
  %232 = phi i64 [ %222, %221 ], [ %.lcssa240, %228 ]
  switch i64 %232, label %235 [
    i64 -1, label %full_write.exit
    i64 0, label %233
  ]

233:
  %.lcssa243 = phi i64 [ %218, %safe_write.exit.i ]
  %234 = tail call ptr @__errno_location()
  store i32 28, ptr %234, align 4
  br label %full_write.exit

235:
  %236 = add i64 %232, %218
  %237 = getelementptr inbounds i8, ptr %217, i64 %232
  %238 = sub i64 %216, %232
  %239 = icmp eq i64 %238, 0
  br i1 %239, label %full_write.exit, label %.preheader220

full_write.exit:
  %240 = phi i64 [ %.lcssa243, %233 ], [ %236, %235 ], [ %218, %safe_write.exit.i ]
  %241 = icmp eq i64 %240, %210
  br i1 %241, label %xalignalloc.exit, label %242

242:
  call void @fail(i32 1)
  unreachable

.loopexit52:
  %245 = phi i1 [ false, %211 ], [ true, %safe_read.exit ]
  ret i1 %245
}

; The loop lies between the calls: the write comes after it.
define i64 @between(i32 %in, i32 %out, ptr %buf, i64 %times) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %ok = icmp sgt i64 %n, 0
  br i1 %ok, label %again, label %fail
again:
  %i = phi i64 [ 0, %entry ], [ %i.next, %again ]
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %times
  br i1 %more, label %again, label %write
write:
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  ret i64 %w
fail:
  ret i64 -1
}

; The loop holds the write, but copying it would copy more than peeling copies.
define i64 @too_big(i32 %in, i32 %out, ptr %buf, i64 %k) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %ok = icmp sgt i64 %n, 0
  br i1 %ok, label %big, label %fail
big:
  %x0 = phi i64 [ %k, %entry ], [ %x100, %big ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %y0 = mul i64 %x0, 3
  %x1 = add i64 %y0, %w
  %y1 = mul i64 %x1, 3
  %x2 = add i64 %y1, %w
  %y2 = mul i64 %x2, 3
  %x3 = add i64 %y2, %w
  %y3 = mul i64 %x3, 3
  %x4 = add i64 %y3, %w
  %y4 = mul i64 %x4, 3
  %x5 = add i64 %y4, %w
  %y5 = mul i64 %x5, 3
  %x6 = add i64 %y5, %w
  %y6 = mul i64 %x6, 3
  %x7 = add i64 %y6, %w
  %y7 = mul i64 %x7, 3
  %x8 = add i64 %y7, %w
  %y8 = mul i64 %x8, 3
  %x9 = add i64 %y8, %w
  %y9 = mul i64 %x9, 3
  %x10 = add i64 %y9, %w
  %y10 = mul i64 %x10, 3
  %x11 = add i64 %y10, %w
  %y11 = mul i64 %x11, 3
  %x12 = add i64 %y11, %w
  %y12 = mul i64 %x12, 3
  %x13 = add i64 %y12, %w
  %y13 = mul i64 %x13, 3
  %x14 = add i64 %y13, %w
  %y14 = mul i64 %x14, 3
  %x15 = add i64 %y14, %w
  %y15 = mul i64 %x15, 3
  %x16 = add i64 %y15, %w
  %y16 = mul i64 %x16, 3
  %x17 = add i64 %y16, %w
  %y17 = mul i64 %x17, 3
  %x18 = add i64 %y17, %w
  %y18 = mul i64 %x18, 3
  %x19 = add i64 %y18, %w
  %y19 = mul i64 %x19, 3
  %x20 = add i64 %y19, %w
  %y20 = mul i64 %x20, 3
  %x21 = add i64 %y20, %w
  %y21 = mul i64 %x21, 3
  %x22 = add i64 %y21, %w
  %y22 = mul i64 %x22, 3
  %x23 = add i64 %y22, %w
  %y23 = mul i64 %x23, 3
  %x24 = add i64 %y23, %w
  %y24 = mul i64 %x24, 3
  %x25 = add i64 %y24, %w
  %y25 = mul i64 %x25, 3
  %x26 = add i64 %y25, %w
  %y26 = mul i64 %x26, 3
  %x27 = add i64 %y26, %w
  %y27 = mul i64 %x27, 3
  %x28 = add i64 %y27, %w
  %y28 = mul i64 %x28, 3
  %x29 = add i64 %y28, %w
  %y29 = mul i64 %x29, 3
  %x30 = add i64 %y29, %w
  %y30 = mul i64 %x30, 3
  %x31 = add i64 %y30, %w
  %y31 = mul i64 %x31, 3
  %x32 = add i64 %y31, %w
  %y32 = mul i64 %x32, 3
  %x33 = add i64 %y32, %w
  %y33 = mul i64 %x33, 3
  %x34 = add i64 %y33, %w
  %y34 = mul i64 %x34, 3
  %x35 = add i64 %y34, %w
  %y35 = mul i64 %x35, 3
  %x36 = add i64 %y35, %w
  %y36 = mul i64 %x36, 3
  %x37 = add i64 %y36, %w
  %y37 = mul i64 %x37, 3
  %x38 = add i64 %y37, %w
  %y38 = mul i64 %x38, 3
  %x39 = add i64 %y38, %w
  %y39 = mul i64 %x39, 3
  %x40 = add i64 %y39, %w
  %y40 = mul i64 %x40, 3
  %x41 = add i64 %y40, %w
  %y41 = mul i64 %x41, 3
  %x42 = add i64 %y41, %w
  %y42 = mul i64 %x42, 3
  %x43 = add i64 %y42, %w
  %y43 = mul i64 %x43, 3
  %x44 = add i64 %y43, %w
  %y44 = mul i64 %x44, 3
  %x45 = add i64 %y44, %w
  %y45 = mul i64 %x45, 3
  %x46 = add i64 %y45, %w
  %y46 = mul i64 %x46, 3
  %x47 = add i64 %y46, %w
  %y47 = mul i64 %x47, 3
  %x48 = add i64 %y47, %w
  %y48 = mul i64 %x48, 3
  %x49 = add i64 %y48, %w
  %y49 = mul i64 %x49, 3
  %x50 = add i64 %y49, %w
  %y50 = mul i64 %x50, 3
  %x51 = add i64 %y50, %w
  %y51 = mul i64 %x51, 3
  %x52 = add i64 %y51, %w
  %y52 = mul i64 %x52, 3
  %x53 = add i64 %y52, %w
  %y53 = mul i64 %x53, 3
  %x54 = add i64 %y53, %w
  %y54 = mul i64 %x54, 3
  %x55 = add i64 %y54, %w
  %y55 = mul i64 %x55, 3
  %x56 = add i64 %y55, %w
  %y56 = mul i64 %x56, 3
  %x57 = add i64 %y56, %w
  %y57 = mul i64 %x57, 3
  %x58 = add i64 %y57, %w
  %y58 = mul i64 %x58, 3
  %x59 = add i64 %y58, %w
  %y59 = mul i64 %x59, 3
  %x60 = add i64 %y59, %w
  %y60 = mul i64 %x60, 3
  %x61 = add i64 %y60, %w
  %y61 = mul i64 %x61, 3
  %x62 = add i64 %y61, %w
  %y62 = mul i64 %x62, 3
  %x63 = add i64 %y62, %w
  %y63 = mul i64 %x63, 3
  %x64 = add i64 %y63, %w
  %y64 = mul i64 %x64, 3
  %x65 = add i64 %y64, %w
  %y65 = mul i64 %x65, 3
  %x66 = add i64 %y65, %w
  %y66 = mul i64 %x66, 3
  %x67 = add i64 %y66, %w
  %y67 = mul i64 %x67, 3
  %x68 = add i64 %y67, %w
  %y68 = mul i64 %x68, 3
  %x69 = add i64 %y68, %w
  %y69 = mul i64 %x69, 3
  %x70 = add i64 %y69, %w
  %y70 = mul i64 %x70, 3
  %x71 = add i64 %y70, %w
  %y71 = mul i64 %x71, 3
  %x72 = add i64 %y71, %w
  %y72 = mul i64 %x72, 3
  %x73 = add i64 %y72, %w
  %y73 = mul i64 %x73, 3
  %x74 = add i64 %y73, %w
  %y74 = mul i64 %x74, 3
  %x75 = add i64 %y74, %w
  %y75 = mul i64 %x75, 3
  %x76 = add i64 %y75, %w
  %y76 = mul i64 %x76, 3
  %x77 = add i64 %y76, %w
  %y77 = mul i64 %x77, 3
  %x78 = add i64 %y77, %w
  %y78 = mul i64 %x78, 3
  %x79 = add i64 %y78, %w
  %y79 = mul i64 %x79, 3
  %x80 = add i64 %y79, %w
  %y80 = mul i64 %x80, 3
  %x81 = add i64 %y80, %w
  %y81 = mul i64 %x81, 3
  %x82 = add i64 %y81, %w
  %y82 = mul i64 %x82, 3
  %x83 = add i64 %y82, %w
  %y83 = mul i64 %x83, 3
  %x84 = add i64 %y83, %w
  %y84 = mul i64 %x84, 3
  %x85 = add i64 %y84, %w
  %y85 = mul i64 %x85, 3
  %x86 = add i64 %y85, %w
  %y86 = mul i64 %x86, 3
  %x87 = add i64 %y86, %w
  %y87 = mul i64 %x87, 3
  %x88 = add i64 %y87, %w
  %y88 = mul i64 %x88, 3
  %x89 = add i64 %y88, %w
  %y89 = mul i64 %x89, 3
  %x90 = add i64 %y89, %w
  %y90 = mul i64 %x90, 3
  %x91 = add i64 %y90, %w
  %y91 = mul i64 %x91, 3
  %x92 = add i64 %y91, %w
  %y92 = mul i64 %x92, 3
  %x93 = add i64 %y92, %w
  %y93 = mul i64 %x93, 3
  %x94 = add i64 %y93, %w
  %y94 = mul i64 %x94, 3
  %x95 = add i64 %y94, %w
  %y95 = mul i64 %x95, 3
  %x96 = add i64 %y95, %w
  %y96 = mul i64 %x96, 3
  %x97 = add i64 %y96, %w
  %y97 = mul i64 %x97, 3
  %x98 = add i64 %y97, %w
  %y98 = mul i64 %x98, 3
  %x99 = add i64 %y98, %w
  %y99 = mul i64 %x99, 3
  %x100 = add i64 %y99, %w
  %more = icmp ult i64 %x100, 1000
  br i1 %more, label %big, label %done
done:
  ret i64 %x100
fail:
  ret i64 -1
}

; Nine loops around the write: eight are peeled, the ninth is refused (at most 8 per function).
; (The phi %i9 keeps the innermost loop its own: transform/retry.rs would otherwise send its
; back edge round %h8's loop, which computes nothing.)
define i64 @nine(i32 %in, i32 %out, ptr %buf, i64 %x) {
entry:
  %n = call i64 @read(i32 %in, ptr %buf, i64 64)
  %ok = icmp sgt i64 %n, 0
  br i1 %ok, label %h1, label %fail
h1:
  br label %h2
h2:
  br label %h3
h3:
  br label %h4
h4:
  br label %h5
h5:
  br label %h6
h6:
  br label %h7
h7:
  br label %h8
h8:
  br label %h9
h9:
  %i9 = phi i64 [ 0, %h8 ], [ 1, %h9 ]
  %w = call i64 @write(i32 %out, ptr %buf, i64 %n)
  %c9 = icmp eq i64 %x, 9
  br i1 %c9, label %h9, label %l8
l8:
  %c8 = icmp eq i64 %x, 8
  br i1 %c8, label %h8, label %l7
l7:
  %c7 = icmp eq i64 %x, 7
  br i1 %c7, label %h7, label %l6
l6:
  %c6 = icmp eq i64 %x, 6
  br i1 %c6, label %h6, label %l5
l5:
  %c5 = icmp eq i64 %x, 5
  br i1 %c5, label %h5, label %l4
l4:
  %c4 = icmp eq i64 %x, 4
  br i1 %c4, label %h4, label %l3
l3:
  %c3 = icmp eq i64 %x, 3
  br i1 %c3, label %h3, label %l2
l2:
  %c2 = icmp eq i64 %x, 2
  br i1 %c2, label %h2, label %l1
l1:
  %c1 = icmp eq i64 %x, 1
  br i1 %c1, label %h1, label %done
done:
  ret i64 %w
fail:
  ret i64 -1
}

declare i64 @read(i32, ptr nocapture, i64)
declare i64 @write(i32, ptr nocapture readonly, i64)
declare ptr @__errno_location()
declare void @fail(i32)
