; A remark about an instruction without a source line (here the load of p->fd after the read,
; whose location the optimiser may drop when it hoists or merges a load) is placed at the next
; instruction of its block that has a line (mo.c:5:26, the load of p->buf), not at no place at
; all: the build summary lists every refusal under a file:line. The C source:
;   long f(struct s *p) { long n = read(p->fd, p->buf, 64); return write(p->fd, p->buf, 64) + n; }
;
; RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/remark-location.json>' \
; RUN:   -pass-remarks-missed=syscall-cluster -S %s -o %t.ll 2> %t.remarks
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: opt -passes=verify -disable-output %t.ll

; REMARK: remark: mo.c:5:26: could not move '%6 = load i32, ptr %0, align 8' out of the gap between 'read' at mo.c:4:12 and 'write' at mo.c:5:10
; REMARK: remark: mo.c:5:26: not clustered: read -> write (weight 20) breaks safety: '%6 = load i32, ptr %0, align 8' between 'read' at mo.c:4:12 and 'write' at mo.c:5:10
; REMARK-NOT: <unknown>

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

; Function Attrs: nofree nounwind uwtable
define dso_local i64 @f(ptr nocapture noundef readonly %0) local_unnamed_addr #0 !dbg !10 {
    #dbg_value(ptr %0, !23, !DIExpression(), !25)
  %2 = load i32, ptr %0, align 8, !dbg !26, !tbaa !27
  %3 = getelementptr inbounds i8, ptr %0, i64 8, !dbg !33
  %4 = load ptr, ptr %3, align 8, !dbg !33, !tbaa !34
  %5 = tail call i64 @read(i32 noundef %2, ptr noundef %4, i64 noundef 64) #2, !dbg !35
    #dbg_value(i64 %5, !24, !DIExpression(), !25)
  %6 = load i32, ptr %0, align 8, !tbaa !27
  %7 = load ptr, ptr %3, align 8, !dbg !37, !tbaa !34
  %8 = tail call i64 @write(i32 noundef %6, ptr noundef %7, i64 noundef 64) #2, !dbg !38
  %9 = add nsw i64 %8, %5, !dbg !39
  ret i64 %9, !dbg !40
}

; Function Attrs: nofree
declare !dbg !41 noundef i64 @read(i32 noundef, ptr nocapture noundef, i64 noundef) local_unnamed_addr #1

; Function Attrs: nofree
declare !dbg !52 noundef i64 @write(i32 noundef, ptr nocapture noundef readonly, i64 noundef) local_unnamed_addr #1

attributes #0 = { nofree nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { nofree "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { nounwind }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3, !4, !5, !6, !7, !8}
!llvm.ident = !{!9}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "Debian clang version 19.1.7 (3~deb12u1)", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug, splitDebugInlining: false, nameTableKind: None)
!1 = !DIFile(filename: "mo.c", directory: "/tmp", checksumkind: CSK_MD5, checksum: "5cc6f83e2a0eee3c25271e846fdd00ec")
!2 = !{i32 7, !"Dwarf Version", i32 5}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 1, !"wchar_size", i32 4}
!5 = !{i32 8, !"PIC Level", i32 2}
!6 = !{i32 7, !"PIE Level", i32 2}
!7 = !{i32 7, !"uwtable", i32 2}
!8 = !{i32 7, !"debug-info-assignment-tracking", i1 true}
!9 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!10 = distinct !DISubprogram(name: "f", scope: !1, file: !1, line: 3, type: !11, scopeLine: 3, flags: DIFlagPrototyped | DIFlagAllCallsDescribed, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0, retainedNodes: !22)
!11 = !DISubroutineType(types: !12)
!12 = !{!13, !14}
!13 = !DIBasicType(name: "long", size: 64, encoding: DW_ATE_signed)
!14 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !15, size: 64)
!15 = distinct !DICompositeType(tag: DW_TAG_structure_type, name: "s", file: !1, line: 2, size: 128, elements: !16)
!16 = !{!17, !19}
!17 = !DIDerivedType(tag: DW_TAG_member, name: "fd", scope: !15, file: !1, line: 2, baseType: !18, size: 32)
!18 = !DIBasicType(name: "int", size: 32, encoding: DW_ATE_signed)
!19 = !DIDerivedType(tag: DW_TAG_member, name: "buf", scope: !15, file: !1, line: 2, baseType: !20, size: 64, offset: 64)
!20 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !21, size: 64)
!21 = !DIBasicType(name: "char", size: 8, encoding: DW_ATE_signed_char)
!22 = !{!23, !24}
!23 = !DILocalVariable(name: "p", arg: 1, scope: !10, file: !1, line: 3, type: !14)
!24 = !DILocalVariable(name: "n", scope: !10, file: !1, line: 4, type: !13)
!25 = !DILocation(line: 0, scope: !10)
!26 = !DILocation(line: 4, column: 20, scope: !10)
!27 = !{!28, !29, i64 0}
!28 = !{!"s", !29, i64 0, !32, i64 8}
!29 = !{!"int", !30, i64 0}
!30 = !{!"omnipotent char", !31, i64 0}
!31 = !{!"Simple C/C++ TBAA"}
!32 = !{!"any pointer", !30, i64 0}
!33 = !DILocation(line: 4, column: 27, scope: !10)
!34 = !{!28, !32, i64 8}
!35 = !DILocation(line: 4, column: 12, scope: !10)
!36 = !DILocation(line: 5, column: 19, scope: !10)
!37 = !DILocation(line: 5, column: 26, scope: !10)
!38 = !DILocation(line: 5, column: 10, scope: !10)
!39 = !DILocation(line: 5, column: 35, scope: !10)
!40 = !DILocation(line: 5, column: 3, scope: !10)
!41 = !DISubprogram(name: "read", scope: !42, file: !42, line: 371, type: !43, flags: DIFlagPrototyped, spFlags: DISPFlagOptimized)
!42 = !DIFile(filename: "/usr/include/unistd.h", directory: "", checksumkind: CSK_MD5, checksum: "ed37c2e6f30ba31a8b41e4d70547c39c")
!43 = !DISubroutineType(types: !44)
!44 = !{!45, !18, !48, !49}
!45 = !DIDerivedType(tag: DW_TAG_typedef, name: "ssize_t", file: !42, line: 220, baseType: !46)
!46 = !DIDerivedType(tag: DW_TAG_typedef, name: "__ssize_t", file: !47, line: 194, baseType: !13)
!47 = !DIFile(filename: "/usr/include/x86_64-linux-gnu/bits/types.h", directory: "", checksumkind: CSK_MD5, checksum: "d108b5f93a74c50510d7d9bc0ab36df9")
!48 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: null, size: 64)
!49 = !DIDerivedType(tag: DW_TAG_typedef, name: "size_t", file: !50, line: 18, baseType: !51)
!50 = !DIFile(filename: "/usr/lib/llvm-19/lib/clang/19/include/__stddef_size_t.h", directory: "", checksumkind: CSK_MD5, checksum: "2c44e821a2b1951cde2eb0fb2e656867")
!51 = !DIBasicType(name: "unsigned long", size: 64, encoding: DW_ATE_unsigned)
!52 = !DISubprogram(name: "write", scope: !42, file: !42, line: 378, type: !53, flags: DIFlagPrototyped, spFlags: DISPFlagOptimized)
!53 = !DISubroutineType(types: !54)
!54 = !{!45, !18, !55, !49}
!55 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !56, size: 64)
!56 = !DIDerivedType(tag: DW_TAG_const_type, baseType: null)
