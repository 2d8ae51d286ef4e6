// A copy of the module as the pass found it, to put back when the rewritten module does not
// verify: a bug of the pass then costs the clusters of one translation unit, not the build.
//
// The copy is a module of its own (the pass's scans and LLVM's use lists never see it) that
// shares the original's metadata: every metadata node the module reaches but assignment IDs
// is mapped to itself before cloning, so the copy's debug locations, scopes and loop IDs are
// the original's own, and a function put back refers to the compile unit that `llvm.dbg.cu`
// lists. Putting back
// replaces the body of every function the copy defines (re-creating a helper the pass
// deleted after inlining it) with the copy's, its globals mapped back to the module's.

#include "llvm-c/Core.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DebugProgramInstruction.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/ValueHandle.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <memory>
#include <vector>

using namespace llvm;

namespace {

struct Backup {
  std::unique_ptr<Module> Copy;
  // Each global of the module (null once the pass deleted it) with its copy.
  std::vector<std::pair<WeakVH, GlobalValue *>> Globals;
};

// Maps every metadata node `M` reaches (named metadata, globals' and functions'
// attachments, instructions' attachments and operands, debug records) to itself in `VMap`,
// so that cloning with it shares them. Function-local metadata (a value wrapped as metadata,
// DIArgList) is no node and stays to be mapped with its function.
void shareMetadata(const Module &M, ValueToValueMapTy &VMap) {
  SmallVector<const MDNode *, 64> Work;
  auto Seed = [&](const Metadata *MD) {
    auto *N = dyn_cast_or_null<MDNode>(MD);
    // An assignment ID links the instructions of one function (the verifier checks that
    // its users share one): each copy of a function gets its own.
    if (N && !isa<DIAssignID>(N) && !VMap.MD().count(N)) {
      VMap.MD()[N].reset(const_cast<MDNode *>(N));
      Work.push_back(N);
    }
  };
  SmallVector<std::pair<unsigned, MDNode *>, 8> Attached;
  for (const NamedMDNode &NMD : M.named_metadata())
    for (const MDNode *N : NMD.operands())
      Seed(N);
  for (const GlobalObject &GO : M.global_objects()) {
    Attached.clear();
    GO.getAllMetadata(Attached);
    for (auto &[Kind, N] : Attached)
      Seed(N);
  }
  for (const Function &F : M)
    for (const BasicBlock &BB : F)
      for (const Instruction &I : BB) {
        Attached.clear();
        I.getAllMetadata(Attached);
        for (auto &[Kind, N] : Attached)
          Seed(N);
        for (const Use &Op : I.operands())
          if (auto *MAV = dyn_cast<MetadataAsValue>(Op.get()))
            Seed(MAV->getMetadata());
        for (const DbgRecord &DR : I.getDbgRecordRange()) {
          Seed(DR.getDebugLoc().getAsMDNode());
          if (auto *DVR = dyn_cast<DbgVariableRecord>(&DR)) {
            Seed(DVR->getRawVariable());
            Seed(DVR->getRawExpression());
            if (DVR->isDbgAssign()) {
              Seed(DVR->getRawAssignID());
              Seed(DVR->getRawAddressExpression());
            }
          } else if (auto *DLR = dyn_cast<DbgLabelRecord>(&DR)) {
            Seed(DLR->getLabel());
          }
        }
      }
  while (!Work.empty()) {
    const MDNode *N = Work.pop_back_val();
    for (const MDOperand &Op : N->operands())
      Seed(Op.get());
  }
}

} // namespace

extern "C" {

// A copy of the module (see the top of this file); null never (LLVM aborts when out of
// memory). Freed by syscluster_shim_backup_free.
void *syscluster_shim_backup(LLVMModuleRef module) {
  const Module &M = *unwrap(module);
  auto *B = new Backup;
  ValueToValueMapTy VMap;
  shareMetadata(M, VMap);
  B->Copy = CloneModule(M, VMap);
  for (const GlobalValue &GV : M.global_values())
    if (auto *Copy = dyn_cast_or_null<GlobalValue>(VMap.lookup(&GV)))
      B->Globals.push_back({WeakVH(const_cast<GlobalValue *>(&GV)), Copy});
  return B;
}

void syscluster_shim_backup_free(void *backup) { delete static_cast<Backup *>(backup); }

// Puts the backup's function bodies back into `module` (see the top of this file); the
// function analyses `fam` (a FunctionAnalysisManager) caches for them are forgotten. 1 when
// done; 0 when a global the copy uses is gone from the module and is not a function (nothing
// changed then).
int syscluster_shim_restore(LLVMModuleRef module, void *backup, void *fam) {
  Module &M = *unwrap(module);
  auto &B = *static_cast<Backup *>(backup);
  auto &FAM = *static_cast<FunctionAnalysisManager *>(fam);
  Module &Copy = *B.Copy;
  ValueToValueMapTy Back;
  for (auto &[Own, Copy] : B.Globals)
    if (Own)
      Back[Copy] = Own;
  // A global of the copy that the module no longer has: a function the pass deleted (a
  // helper inlined everywhere), made again below; anything else cannot be put back.
  SmallVector<Function *, 4> Missing;
  for (GlobalValue &GV : Copy.global_values()) {
    if (Back.count(&GV))
      continue;
    if (GlobalValue *Own = GV.hasName() ? M.getNamedValue(GV.getName()) : nullptr) {
      Back[&GV] = Own;
      continue;
    }
    auto *F = dyn_cast<Function>(&GV);
    if (!F)
      return 0;
    Missing.push_back(F);
  }
  for (Function *F : Missing) {
    Function *Own = Function::Create(F->getFunctionType(), F->getLinkage(),
                                     F->getAddressSpace(), F->getName(), &M);
    Back[F] = Own;
  }
  ValueToValueMapTy Shared;
  shareMetadata(Copy, Shared);
  for (auto It = Shared.MD().begin(); It != Shared.MD().end(); ++It)
    Back.MD()[It->first].reset(It->second.get());
  // Every body first, then the copies: a body may refer to any function.
  SmallVector<std::pair<Function *, Function *>, 16> Bodies;
  for (Function &From : Copy) {
    if (From.isDeclaration())
      continue;
    auto *To = cast<Function>(Back[&From]);
    FAM.clear(*To, To->getName());
    if (!To->isDeclaration())
      To->deleteBody();
    Bodies.push_back({&From, To});
  }
  for (auto &[From, To] : Bodies) {
    for (unsigned i = 0; i < From->arg_size(); ++i)
      Back[From->getArg(i)] = To->getArg(i);
    SmallVector<ReturnInst *, 4> Returns;
    CloneFunctionInto(To, From, Back, CloneFunctionChangeType::DifferentModule, Returns);
    To->setLinkage(From->getLinkage());
    To->setVisibility(From->getVisibility());
  }
  return 1;
}

} // extern "C"
