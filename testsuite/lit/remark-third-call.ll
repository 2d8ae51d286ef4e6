; A refusal for a third system call between the two calls of a hot edge says so, rather than
; calling it user code. xz's io_init, unrolled by the optimiser (t3.c):
;   for (int i = 0; i < 2; i++) {
;     int fl = fcntl(p[i], F_GETFL);
;     if (fl == -1 || fcntl(p[i], F_SETFL, fl | O_NONBLOCK) == -1) return -1;
;   }
; The profile's fcntl -> fcntl edge matches every pair of the four calls; between the first
; F_GETFL and the second F_SETFL runs the first F_SETFL.
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/remark-third-call.json>' \
; RUN:   -pass-remarks-missed=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: t3.c:6:21: not clustered: fcntl -> fcntl (weight 20) breaks safety: 'fcntl' at t3.c:6:21 runs between 'fcntl' at t3.c:5:14 and 'fcntl' at t3.c:6:21: the calls of a hot edge follow each other in a multi-call, with no other system call between them
; REMARK-NOT: user code cannot run

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@p = dso_local local_unnamed_addr global [2 x i32] zeroinitializer, align 4, !dbg !0

; Function Attrs: nounwind uwtable
define dso_local i32 @f() local_unnamed_addr #0 !dbg !17 {
    #dbg_value(i32 0, !21, !DIExpression(), !26)
    #dbg_value(i64 0, !21, !DIExpression(), !26)
  %1 = load i32, ptr @p, align 4, !dbg !27, !tbaa !28
  %2 = tail call i32 (i32, i32, ...) @fcntl(i32 noundef %1, i32 noundef 3) #2, !dbg !32
    #dbg_value(i32 %2, !23, !DIExpression(), !33)
  %3 = icmp eq i32 %2, -1, !dbg !34
  br i1 %3, label %19, label %14, !dbg !36

4:                                                ; preds = %14
    #dbg_value(i64 1, !21, !DIExpression(), !26)
  %5 = load i32, ptr getelementptr inbounds (i8, ptr @p, i64 4), align 4, !dbg !27, !tbaa !28
  %6 = tail call i32 (i32, i32, ...) @fcntl(i32 noundef %5, i32 noundef 3) #2, !dbg !32
    #dbg_value(i32 %6, !23, !DIExpression(), !33)
  %7 = icmp eq i32 %6, -1, !dbg !34
  br i1 %7, label %19, label %8, !dbg !36

8:                                                ; preds = %4
  %9 = load i32, ptr getelementptr inbounds (i8, ptr @p, i64 4), align 4, !dbg !37, !tbaa !28
  %10 = or i32 %6, 2048, !dbg !38
  %11 = tail call i32 (i32, i32, ...) @fcntl(i32 noundef %9, i32 noundef 4, i32 noundef %10) #2, !dbg !39
  %12 = icmp eq i32 %11, -1, !dbg !40
    #dbg_value(i64 1, !21, !DIExpression(DW_OP_plus_uconst, 1, DW_OP_stack_value), !26)
  %13 = sext i1 %12 to i32, !dbg !41
  br label %19, !dbg !41

14:                                               ; preds = %0
  %15 = load i32, ptr @p, align 4, !dbg !37, !tbaa !28
  %16 = or i32 %2, 2048, !dbg !38
  %17 = tail call i32 (i32, i32, ...) @fcntl(i32 noundef %15, i32 noundef 4, i32 noundef %16) #2, !dbg !39
  %18 = icmp eq i32 %17, -1, !dbg !40
    #dbg_value(i64 0, !21, !DIExpression(DW_OP_plus_uconst, 1, DW_OP_stack_value), !26)
  br i1 %18, label %19, label %4, !dbg !41

19:                                               ; preds = %8, %4, %14, %0
  %20 = phi i32 [ -1, %14 ], [ -1, %0 ], [ -1, %4 ], [ %13, %8 ], !dbg !42
  ret i32 %20, !dbg !43
}

declare !dbg !44 i32 @fcntl(i32 noundef, i32 noundef, ...) local_unnamed_addr #1

attributes #0 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { nounwind }

!llvm.dbg.cu = !{!2}
!llvm.module.flags = !{!9, !10, !11, !12, !13, !14, !15}
!llvm.ident = !{!16}

!0 = !DIGlobalVariableExpression(var: !1, expr: !DIExpression())
!1 = distinct !DIGlobalVariable(name: "p", scope: !2, file: !3, line: 2, type: !5, isLocal: false, isDefinition: true)
!2 = distinct !DICompileUnit(language: DW_LANG_C11, file: !3, producer: "Debian clang version 19.1.7 (3~deb12u1)", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug, globals: !4, splitDebugInlining: false, nameTableKind: None)
!3 = !DIFile(filename: "t3.c", directory: "/tmp", checksumkind: CSK_MD5, checksum: "5bbe6a783de784f02e5172e6e5d52671")
!4 = !{!0}
!5 = !DICompositeType(tag: DW_TAG_array_type, baseType: !6, size: 64, elements: !7)
!6 = !DIBasicType(name: "int", size: 32, encoding: DW_ATE_signed)
!7 = !{!8}
!8 = !DISubrange(count: 2)
!9 = !{i32 7, !"Dwarf Version", i32 5}
!10 = !{i32 2, !"Debug Info Version", i32 3}
!11 = !{i32 1, !"wchar_size", i32 4}
!12 = !{i32 8, !"PIC Level", i32 2}
!13 = !{i32 7, !"PIE Level", i32 2}
!14 = !{i32 7, !"uwtable", i32 2}
!15 = !{i32 7, !"debug-info-assignment-tracking", i1 true}
!16 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!17 = distinct !DISubprogram(name: "f", scope: !3, file: !3, line: 3, type: !18, scopeLine: 3, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !2, retainedNodes: !20)
!18 = !DISubroutineType(types: !19)
!19 = !{!6}
!20 = !{!21, !23}
!21 = !DILocalVariable(name: "i", scope: !22, file: !3, line: 4, type: !6)
!22 = distinct !DILexicalBlock(scope: !17, file: !3, line: 4, column: 3)
!23 = !DILocalVariable(name: "fl", scope: !24, file: !3, line: 5, type: !6)
!24 = distinct !DILexicalBlock(scope: !25, file: !3, line: 4, column: 31)
!25 = distinct !DILexicalBlock(scope: !22, file: !3, line: 4, column: 3)
!26 = !DILocation(line: 0, scope: !22)
!27 = !DILocation(line: 5, column: 20, scope: !24)
!28 = !{!29, !29, i64 0}
!29 = !{!"int", !30, i64 0}
!30 = !{!"omnipotent char", !31, i64 0}
!31 = !{!"Simple C/C++ TBAA"}
!32 = !DILocation(line: 5, column: 14, scope: !24)
!33 = !DILocation(line: 0, scope: !24)
!34 = !DILocation(line: 6, column: 12, scope: !35)
!35 = distinct !DILexicalBlock(scope: !24, file: !3, line: 6, column: 9)
!36 = !DILocation(line: 6, column: 18, scope: !35)
!37 = !DILocation(line: 6, column: 27, scope: !35)
!38 = !DILocation(line: 6, column: 45, scope: !35)
!39 = !DILocation(line: 6, column: 21, scope: !35)
!40 = !DILocation(line: 6, column: 59, scope: !35)
!41 = !DILocation(line: 6, column: 9, scope: !24)
!42 = !DILocation(line: 4, column: 21, scope: !25)
!43 = !DILocation(line: 10, column: 1, scope: !17)
!44 = !DISubprogram(name: "fcntl", scope: !45, file: !45, line: 149, type: !46, flags: DIFlagPrototyped, spFlags: DISPFlagOptimized)
!45 = !DIFile(filename: "/usr/include/fcntl.h", directory: "", checksumkind: CSK_MD5, checksum: "1a9bb91818c37dc7bc291ca6e49fc221")
!46 = !DISubroutineType(types: !47)
!47 = !{!6, !6, !6, null}
