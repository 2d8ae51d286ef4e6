// The C++ side of the syscall-cluster plugin: what LLVM's C API does not offer.
//
// - registration with the new pass manager (`-passes=syscall-cluster<...>` and the OptimizerLast
//   extension point that `clang -fpass-plugin` uses), the pass object and its `isRequired()`;
// - the `-syscluster-*` command-line options (created only after the Rust side has checked that
//   the host LLVM is the major this file was compiled against);
// - small accessors for analyses: dominator and post-dominator trees, alias analysis,
//   speculation safety, debug locations with their inlined-at chain, block splitting, SSA
//   repair for values that get more definitions (SSAUpdater);
// - inlining of one call (InlineFunction), with the checks that say whether it may be done,
//   and the removal of a local function nothing calls any more;
// - for code motion: alias queries against a system call's buffers, dereferenceability
//   (isSafeToLoadUnconditionally), constant offsets, underlying objects, LazyValueInfo ranges,
//   moving an instruction, and dropping a function's cached analyses after a change;
// - optimization remarks through OptimizationRemarkEmitter (pass name "syscall-cluster").
//
// Everything the pass decides lives in Rust (pass/src); this file only answers questions and
// forwards calls. All functions with C linkage are prefixed `syscluster_shim_`.

#include "llvm-c/Core.h"
#include "llvm/Analysis/AliasAnalysis.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/BranchProbabilityInfo.h"
#include "llvm/Analysis/InlineCost.h"
#include "llvm/Analysis/InstructionSimplify.h"
#include "llvm/Analysis/LazyValueInfo.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/Loads.h"
#include "llvm/Analysis/MemoryBuiltins.h"
#include "llvm/Analysis/MemoryLocation.h"
#include "llvm/Analysis/MustExecute.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/PostDominators.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DiagnosticHandler.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Scalar/JumpThreading.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/CallPromotionUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/LoopPeel.h"
#include "llvm/Transforms/Utils/LoopRotationUtils.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/PromoteMemToReg.h"
#include "llvm/Transforms/Utils/UnrollLoop.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"

#include <cstring>
#include <string>

using namespace llvm;

extern "C" {
// Implemented in Rust (pass/src/ffi.rs).
int syscluster_rust_check_params(const char *params, char *err, size_t err_len);
int syscluster_rust_run(LLVMModuleRef module, void *ctx, const char *params);
// Weak: absent from LLVM releases older than 16, where the version check must still work.
void LLVMGetVersion(unsigned *major, unsigned *minor, unsigned *patch) __attribute__((weak));
}

namespace {

struct Options {
  cl::opt<std::string> Profile{
      "syscluster-profile",
      cl::desc("syscall-cluster: profile (JSON, from `syscluster record`) that selects hot edges"),
      cl::value_desc("file"), cl::init("")};
  cl::opt<unsigned> MinWeight{
      "syscluster-min-weight",
      cl::desc("syscall-cluster: ignore profile edges lighter than this weight"), cl::init(1)};
  cl::opt<bool> Stats{"syscluster-stats",
                      cl::desc("syscall-cluster: print the pass's counters in -stats format"),
                      cl::init(false)};
  cl::opt<bool> BreakForTesting{
      "syscluster-break-ir-for-testing", cl::Hidden,
      cl::desc("syscall-cluster: break the IR of a clustered function before the pass "
               "verifies its result (tests the pass's own safety net)"),
      cl::init(false)};
  cl::opt<bool> PanicForTesting{
      "syscluster-panic-for-testing", cl::Hidden,
      cl::desc("syscall-cluster: panic after the module is rewritten (tests that the pass "
               "puts the module back as it found it)"),
      cl::init(false)};
  cl::opt<bool> VerifySites{
      "syscluster-verify-sites", cl::Hidden,
      cl::desc("syscall-cluster: after each transformation that changed the IR, check that "
               "every system-call site and the instructions it holds as arguments still exist "
               "(as -verify-dom-info checks an analysis; a failure is a bug of the pass)"),
      cl::init(false)};
  cl::opt<bool> Disable{"syscluster-disable",
                        cl::desc("syscall-cluster: do nothing at the extension point"),
                        cl::init(false)};
};
Options *Opts = nullptr;

// Per-run context handed to Rust as an opaque pointer.
struct Ctx {
  Module &M;
  FunctionAnalysisManager &FAM;
};

Function *fnOf(Value *V) {
  if (auto *I = dyn_cast<Instruction>(V))
    return I->getFunction();
  if (auto *BB = dyn_cast<BasicBlock>(V))
    return BB->getParent();
  return dyn_cast<Function>(V);
}

struct SyscallClusterPass : PassInfoMixin<SyscallClusterPass> {
  std::string Params;
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &MAM) {
    auto &FAM = MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
    Ctx C{M, FAM};
    int Changed = syscluster_rust_run(wrap(&M), &C, Params.c_str());
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
  static StringRef name() { return "syscall-cluster"; }
};

void registerCallbacks(PassBuilder &PB) {
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
        if (!PassBuilder::checkParametrizedPassName(Name, "syscall-cluster"))
          return false;
        StringRef Params = Name.drop_front(strlen("syscall-cluster"));
        if (!Params.empty()) {
          // checkParametrizedPassName guarantees the surrounding <>.
          Params = Params.drop_front().drop_back();
        }
        std::string P = Params.str();
        char Err[512];
        if (!syscluster_rust_check_params(P.c_str(), Err, sizeof Err))
          report_fatal_error(Twine("syscall-cluster: ") + Err, /*gen_crash_diag=*/false);
        SyscallClusterPass Pass;
        Pass.Params = P;
        MPM.addPass(std::move(Pass));
        return true;
      });
  PB.registerOptimizerLastEPCallback([](ModulePassManager &MPM, OptimizationLevel) {
    if (Opts && Opts->Disable)
      return;
    MPM.addPass(SyscallClusterPass());
  });
  // The end of the full LTO pipeline (`lto<O2>`), where the whole program is one module and
  // helpers of other translation units are in reach: only with -syscluster-profile, because
  // a linker that cannot pass that option (lld 19 parses -mllvm before it loads plugins) names
  // the pass with its profile in its own pipeline (`--lto-newpm-passes=lto<O2>,
  // syscall-cluster<profile=F>`), where a second, profile-less run would only repeat remarks.
  PB.registerFullLinkTimeOptimizationLastEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel) {
        if (!Opts || Opts->Disable || Opts->Profile.empty())
          return;
        MPM.addPass(SyscallClusterPass());
      });
}

} // namespace

extern "C" {

unsigned syscluster_shim_built_major(void) { return LLVM_VERSION_MAJOR; }

// The host's LLVM major, or 0 when the host is too old to say (no LLVMGetVersion).
unsigned syscluster_shim_host_major(void) {
  if (!LLVMGetVersion)
    return 0;
  unsigned Major = 0, Minor = 0, Patch = 0;
  LLVMGetVersion(&Major, &Minor, &Patch);
  return Major;
}

void syscluster_shim_register_options(void) {
  if (!Opts)
    Opts = new Options();
}

// When clang loads the library early (`-fplugin=`), its options must exist before clang
// parses `-mllvm`; `-fpass-plugin=` alone loads it after that. Only on a matching LLVM.
__attribute__((constructor)) static void registerOptionsAtLoad(void) {
  if (syscluster_shim_host_major() == LLVM_VERSION_MAJOR)
    syscluster_shim_register_options();
}

PassPluginLibraryInfo syscluster_shim_plugin_info(void) {
  return {LLVM_PLUGIN_API_VERSION, "syscall-cluster", "0.1.0", registerCallbacks};
}

// -------------------------------------------------------------------------------------------
// Options. Strings stay valid for the life of the process.

const char *syscluster_shim_opt_profile(void) { return Opts ? Opts->Profile.c_str() : ""; }

// Whether -syscluster-profile was given at all (an empty value is an error, not "none").
int syscluster_shim_opt_profile_given(void) {
  return Opts && Opts->Profile.getNumOccurrences() > 0;
}
unsigned syscluster_shim_opt_min_weight(void) { return Opts ? Opts->MinWeight.getValue() : 1; }

int syscluster_shim_opt_break_for_testing(void) {
  return Opts && Opts->BreakForTesting ? 1 : 0;
}

int syscluster_shim_opt_panic_for_testing(void) {
  return Opts && Opts->PanicForTesting ? 1 : 0;
}

int syscluster_shim_opt_verify_sites(void) { return Opts && Opts->VerifySites ? 1 : 0; }

// True when -syscluster-stats or LLVM's own -stats was given. Debian's LLVM is a release
// build where llvm::Statistic is compiled out, so the pass prints its counters itself.
int syscluster_shim_opt_stats(void) {
  if (Opts && Opts->Stats)
    return 1;
  auto &Registered = cl::getRegisteredOptions();
  auto It = Registered.find("stats");
  if (It == Registered.end())
    return 0;
  if (auto *O = static_cast<cl::opt<bool> *>(It->second))
    return O->getNumOccurrences() > 0 && O->getValue();
  return 0;
}

// -------------------------------------------------------------------------------------------
// Analyses. `ctx` is the Ctx of the running pass; values are instructions or blocks of a
// function with a body.

int syscluster_shim_dominates(void *ctx, LLVMValueRef def, LLVMValueRef user) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *U = unwrap<Instruction>(user);
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(*U->getFunction());
  return DT.dominates(unwrap(def), U);
}

int syscluster_shim_block_postdominates(void *ctx, LLVMBasicBlockRef a, LLVMBasicBlockRef b) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *A = unwrap(a), *B = unwrap(b);
  auto &PDT = C.FAM.getResult<PostDominatorTreeAnalysis>(*A->getParent());
  return PDT.dominates(A, B);
}

// The probability, in parts of 2^31, that `from` goes on to its successor `to` (LLVM's
// BranchProbabilityInfo: the static heuristics without a profile, `x < 0` and `errno ==
// EINTR` unlikely); 0 when `to` does not follow `from`.
unsigned syscluster_shim_edge_probability(void *ctx, LLVMBasicBlockRef from,
                                          LLVMBasicBlockRef to) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *From = unwrap(from), *To = unwrap(to);
  if (!is_contained(successors(From), To))
    return 0;
  auto &BPI = C.FAM.getResult<BranchProbabilityAnalysis>(*From->getParent());
  return BPI.getEdgeProbability(From, To).getNumerator();
}

// 1 when `call` may write the memory that `load` reads (alias analysis).
int syscluster_shim_call_may_clobber_load(void *ctx, LLVMValueRef call, LLVMValueRef load) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *Call = dyn_cast<CallBase>(unwrap(call));
  auto *Load = dyn_cast<LoadInst>(unwrap(load));
  if (!Call || !Load)
    return 1;
  auto &AA = C.FAM.getResult<AAManager>(*Call->getFunction());
  return isModSet(AA.getModRefInfo(Call, MemoryLocation::get(Load)));
}

// --- Code motion (pass/src/transform/motion.rs) and the memory model of system calls. ---

// 1 when the memory `load` reads may overlap `size` bytes at `ptr` (all bytes from `ptr` on
// when `size_known` is 0), by alias analysis.
int syscluster_shim_load_may_alias(void *ctx, LLVMValueRef load, LLVMValueRef ptr, uint64_t size,
                                   int size_known) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *Load = dyn_cast<LoadInst>(unwrap(load));
  Value *P = unwrap(ptr);
  if (!Load || !P->getType()->isPointerTy())
    return 1;
  auto &AA = C.FAM.getResult<AAManager>(*Load->getFunction());
  LocationSize Size = size_known ? LocationSize::precise(size) : LocationSize::afterPointer();
  return AA.alias(MemoryLocation::get(Load), MemoryLocation(P, Size)) != AliasResult::NoAlias;
}

// Whether `V`, a global variable of internal linkage or a GEP of one, is used only as the
// address of loads and stores (through GEPs): then no other pointer, in memory, in an argument
// or in the kernel's hands, can point into it.
static bool addressOnlyAccessed(const Value *V, unsigned Depth) {
  for (const Use &U : V->uses()) {
    const User *Usr = U.getUser();
    if (isa<LoadInst>(Usr))
      continue;
    if (isa<StoreInst>(Usr) && U.getOperandNo() == StoreInst::getPointerOperandIndex())
      continue;
    if (isa<GEPOperator>(Usr) && U.getOperandNo() == 0 && Depth < 4 &&
        addressOnlyAccessed(Usr, Depth + 1))
      continue;
    return false;
  }
  return true;
}

// Whether the store writes into an internal global no pointer can reach (addressOnlyAccessed).
static bool storeToUnreachableGlobal(const StoreInst *SI) {
  auto *GV = dyn_cast<GlobalVariable>(getUnderlyingObject(SI->getPointerOperand()));
  return GV && GV->hasLocalLinkage() && addressOnlyAccessed(GV, 0);
}

// 1 when the memory `store` writes may overlap `size` bytes at `ptr` (all bytes from `ptr` on
// when `size_known` is 0): 0 for a store into an internal global whose address only loads and
// stores use (no pointer can point into it), else by alias analysis.
int syscluster_shim_store_may_alias(void *ctx, LLVMValueRef store, LLVMValueRef ptr,
                                    uint64_t size, int size_known) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *SI = dyn_cast<StoreInst>(unwrap(store));
  Value *P = unwrap(ptr);
  if (!SI || !P->getType()->isPointerTy())
    return 1;
  if (storeToUnreachableGlobal(SI))
    return 0;
  auto &AA = C.FAM.getResult<AAManager>(*SI->getFunction());
  LocationSize Size = size_known ? LocationSize::precise(size) : LocationSize::afterPointer();
  return AA.alias(MemoryLocation::get(SI), MemoryLocation(P, Size)) != AliasResult::NoAlias;
}

// 1 when the system call `call` may read or write the memory `store` writes: 0 for a store into an
// internal global no pointer can reach (a system call reaches user memory only through
// pointers), else by alias analysis (getModRefInfo).
int syscluster_shim_syscall_may_access_store(void *ctx, LLVMValueRef call, LLVMValueRef store) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *Call = dyn_cast<CallBase>(unwrap(call));
  auto *SI = dyn_cast<StoreInst>(unwrap(store));
  if (!Call || !SI)
    return 1;
  if (storeToUnreachableGlobal(SI))
    return 0;
  auto &AA = C.FAM.getResult<AAManager>(*Call->getFunction());
  return isModOrRefSet(AA.getModRefInfo(Call, MemoryLocation::get(SI)));
}

// 1 when the instruction `inst` may write the memory `load` reads (alias analysis; any
// instruction, calls and lifetime markers included).
int syscluster_shim_inst_may_write_load(void *ctx, LLVMValueRef inst, LLVMValueRef load) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *I = dyn_cast<Instruction>(unwrap(inst));
  auto *Load = dyn_cast<LoadInst>(unwrap(load));
  if (!I || !Load)
    return 1;
  if (!I->mayWriteToMemory())
    return 0;
  auto &AA = C.FAM.getResult<AAManager>(*I->getFunction());
  return isModSet(AA.getModRefInfo(I, MemoryLocation::get(Load)));
}

// 1 when `load` cannot fault if it runs right before the instruction `at` (LLVM's
// isSafeToLoadUnconditionally: a dereferenceable and aligned pointer there).
int syscluster_shim_safe_to_load_at(void *ctx, LLVMValueRef load, LLVMValueRef at) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *Load = dyn_cast<LoadInst>(unwrap(load));
  auto *At = dyn_cast<Instruction>(unwrap(at));
  if (!Load || !At || !Load->isSimple())
    return 0;
  Function &F = *At->getFunction();
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
  auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
  const DataLayout &DL = F.getDataLayout();
  return isSafeToLoadUnconditionally(Load->getPointerOperand(), Load->getType(), Load->getAlign(),
                                     DL, At, &AC, &DT);
}

// The base of a pointer after constant offsets (GEPs, casts, constant expressions into a
// global variable) are stripped; the offset in bytes in *offset. Returns null when the offset does not fit 64 bits.
LLVMValueRef syscluster_shim_strip_offsets(LLVMValueRef ptr, int64_t *offset) {
  Value *P = unwrap(ptr);
  const DataLayout *DL = nullptr;
  if (auto *I = dyn_cast<Instruction>(P))
    DL = &I->getDataLayout();
  else if (auto *A = dyn_cast<Argument>(P))
    DL = &A->getParent()->getDataLayout();
  else if (auto *G = dyn_cast<GlobalValue>(getUnderlyingObject(P)); G && G->getParent())
    DL = &G->getParent()->getDataLayout(); // a constant address into a global variable
  if (!DL || !P->getType()->isPointerTy()) {
    *offset = 0;
    return ptr;
  }
  APInt Off(DL->getIndexTypeSizeInBits(P->getType()), 0);
  Value *Base = P->stripAndAccumulateConstantOffsets(*DL, Off, /*AllowNonInbounds=*/true);
  if (Off.getSignificantBits() > 64)
    return nullptr;
  *offset = Off.getSExtValue();
  return wrap(Base);
}

// The bytes a load or store accesses (the store size of its type); 0 for anything else.
uint64_t syscluster_shim_access_bytes(LLVMValueRef access) {
  Instruction *I = dyn_cast<Instruction>(unwrap(access));
  if (!I)
    return 0;
  Type *Ty = nullptr;
  if (auto *LI = dyn_cast<LoadInst>(I))
    Ty = LI->getType();
  else if (auto *SI = dyn_cast<StoreInst>(I))
    Ty = SI->getValueOperand()->getType();
  if (!Ty || !Ty->isSized())
    return 0;
  TypeSize Size = I->getDataLayout().getTypeStoreSize(Ty);
  return Size.isScalable() ? 0 : Size.getFixedValue();
}

// The bytes a local variable (alloca) of fixed size holds; 0 when `v` is no such alloca.
uint64_t syscluster_shim_alloca_bytes(LLVMValueRef v) {
  auto *AI = dyn_cast<AllocaInst>(unwrap(v));
  if (!AI)
    return 0;
  std::optional<TypeSize> Size = AI->getAllocationSize(AI->getDataLayout());
  if (!Size || Size->isScalable())
    return 0;
  return Size->getFixedValue();
}

// The bytes a global variable defined in this module holds (its value type's allocation
// size); 0 for a declaration, a thread-local variable or an unsized type.
uint64_t syscluster_shim_global_bytes(LLVMValueRef v) {
  auto *GV = dyn_cast<GlobalVariable>(unwrap(v));
  if (!GV || GV->isDeclaration() || GV->isThreadLocal() || !GV->getValueType()->isSized())
    return 0;
  TypeSize Size = GV->getParent()->getDataLayout().getTypeAllocSize(GV->getValueType());
  return Size.isScalable() ? 0 : Size.getFixedValue();
}

// The bytes of the memory a call returning fresh memory (malloc, calloc, a wrapper with
// allocsize) holds, when its size is a constant the arguments give and its result is known not
// null right before `at` (a dominating test, or a dereference); 0 otherwise.
uint64_t syscluster_shim_heap_bytes(void *ctx, LLVMValueRef v, LLVMValueRef at) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *Call = dyn_cast<CallBase>(unwrap(v));
  auto *At = dyn_cast<Instruction>(unwrap(at));
  if (!Call || !At || !Call->getType()->isPointerTy() || !Call->returnDoesNotAlias())
    return 0;
  Function &F = *At->getFunction();
  if (Call->getFunction() != &F)
    return 0;
  const DataLayout &DL = F.getDataLayout();
  auto &TLI = C.FAM.getResult<TargetLibraryAnalysis>(F);
  ObjectSizeOpts Opts;
  Opts.RoundToAlign = false;
  Opts.NullIsUnknownSize = true;
  uint64_t Size = 0;
  if (!getObjectSize(Call, Size, DL, &TLI, Opts) || Size == 0)
    return 0;
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
  auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
  if (!DT.dominates(Call, At) || !isKnownNonZero(Call, SimplifyQuery(DL, &TLI, &DT, &AC, At)))
    return 0;
  return Size;
}

// The underlying object of a pointer (getUnderlyingObject: through GEPs, casts, phis of one
// value).
LLVMValueRef syscluster_shim_underlying_object(LLVMValueRef ptr) {
  return wrap(getUnderlyingObject(unwrap(ptr)));
}

// Whether `V` has a value at `At`, the only place LazyValueInfo may be asked about it: a
// constant, an argument of `At`'s function, or an instruction of it that dominates `At`. A
// value defined elsewhere (a later iteration's result, reached round a back edge) would send
// LazyValueInfo's walk up to the function's entry, where it takes any value for an argument.
static bool availableAt(Value *V, Instruction *At, DominatorTree &DT) {
  Function *F = At->getFunction();
  if (auto *A = dyn_cast<Argument>(V))
    return A->getParent() == F;
  if (auto *I = dyn_cast<Instruction>(V))
    return I->getFunction() == F && DT.dominates(I, At);
  return isa<Constant>(V);
}

// The values the integer `v` can have right before `at`: what LazyValueInfo knows there and
// at the end of each block that dominates `at` where `v` is already defined (the same value
// reaches `at`: a block size checked before a loop, which the loop's back edges keep
// LazyValueInfo from following to a use inside it), narrowed by every conditional branch on
// `icmp v, C` whose edge towards `at` dominates it. None when nothing bounds it.
static std::optional<ConstantRange> rangeAt(Ctx &C, Value *V, Instruction *At) {
  if (!V->getType()->isIntegerTy() || V->getType()->getIntegerBitWidth() > 64)
    return std::nullopt;
  Function &F = *At->getFunction();
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
  if (!availableAt(V, At, DT))
    return std::nullopt;
  auto &LVI = C.FAM.getResult<LazyValueAnalysis>(F);
  ConstantRange R = LVI.getConstantRange(V, At, /*UndefAllowed=*/false);
  BasicBlock *Here = At->getParent();
  DomTreeNode *N = DT.getNode(Here);
  // LazyValueInfo is asked at most this many dominators up.
  unsigned Asked = 0;
  auto *VI = dyn_cast<Instruction>(V);
  for (N = N ? N->getIDom() : nullptr; N; N = N->getIDom()) {
    BasicBlock *D = N->getBlock();
    if (Asked < 32 && (!VI || DT.dominates(VI, D->getTerminator()))) {
      ++Asked;
      R = R.intersectWith(LVI.getConstantRange(V, D->getTerminator(), /*UndefAllowed=*/false));
    }
    auto *Br = dyn_cast<BranchInst>(D->getTerminator());
    auto *Cmp = Br && Br->isConditional() ? dyn_cast<ICmpInst>(Br->getCondition()) : nullptr;
    auto *K = Cmp ? dyn_cast<ConstantInt>(Cmp->getOperand(1)) : nullptr;
    if (!K || Cmp->getOperand(0) != V || Br->getSuccessor(0) == Br->getSuccessor(1))
      continue;
    for (unsigned S = 0; S < 2; ++S) {
      if (!DT.dominates(BasicBlockEdge(D, Br->getSuccessor(S)), Here))
        continue;
      CmpInst::Predicate P = S == 0 ? Cmp->getPredicate() : Cmp->getInversePredicate();
      R = R.intersectWith(ConstantRange::makeExactICmpRegion(P, K->getValue()));
    }
  }
  if (R.isFullSet() || R.isEmptySet())
    return std::nullopt;
  return R;
}

// The smallest signed value the integer `v` can have right before `at` (rangeAt). 0 when
// nothing bounds it.
int syscluster_shim_signed_min_at(void *ctx, LLVMValueRef v, LLVMValueRef at, int64_t *min) {
  auto *At = dyn_cast<Instruction>(unwrap(at));
  std::optional<ConstantRange> R =
      At ? rangeAt(*static_cast<Ctx *>(ctx), unwrap(v), At) : std::nullopt;
  if (!R)
    return 0;
  *min = R->getSignedMin().getSExtValue();
  return 1;
}

// The largest unsigned value the integer `v` can have right before `at` (rangeAt): a length
// clamped to a buffer's size (`n < N ? n : N`, `umin`), a count masked to a block. 0 when
// nothing bounds it below its type's largest value.
int syscluster_shim_unsigned_max_at(void *ctx, LLVMValueRef v, LLVMValueRef at, uint64_t *max) {
  auto *At = dyn_cast<Instruction>(unwrap(at));
  std::optional<ConstantRange> R =
      At ? rangeAt(*static_cast<Ctx *>(ctx), unwrap(v), At) : std::nullopt;
  if (!R || R->getUnsignedMax().isMaxValue())
    return 0;
  *max = R->getUnsignedMax().getZExtValue();
  return 1;
}

// The smallest signed value the integer `v` can have on the edge `from` -> `to`: what
// LazyValueInfo knows on the edge (the branch's own test of `v` included), or at the end of
// `from` as syscluster_shim_signed_min_at finds it, whichever bounds it more. 0 when nothing
// bounds it.
int syscluster_shim_signed_min_on_edge(void *ctx, LLVMValueRef v, LLVMBasicBlockRef from,
                                       LLVMBasicBlockRef to, int64_t *min) {
  auto &C = *static_cast<Ctx *>(ctx);
  Value *V = unwrap(v);
  BasicBlock *From = unwrap(from);
  BasicBlock *To = unwrap(to);
  if (!V->getType()->isIntegerTy() || V->getType()->getIntegerBitWidth() > 64 ||
      !From->getTerminator() || !is_contained(successors(From), To))
    return 0;
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(*From->getParent());
  if (!availableAt(V, From->getTerminator(), DT))
    return 0;
  auto &LVI = C.FAM.getResult<LazyValueAnalysis>(*From->getParent());
  ConstantRange R = LVI.getConstantRangeOnEdge(V, From, To, From->getTerminator());
  int Known = 0;
  if (!R.isFullSet() && !R.isEmptySet()) {
    *min = R.getSignedMin().getSExtValue();
    Known = 1;
  }
  int64_t AtEnd = 0;
  if (syscluster_shim_signed_min_at(ctx, v, wrap(From->getTerminator()), &AtEnd) &&
      (!Known || AtEnd > *min)) {
    *min = AtEnd;
    Known = 1;
  }
  return Known;
}

// Moves `inst` right before `pos` (same function).
void syscluster_shim_move_before(LLVMValueRef inst, LLVMValueRef pos) {
  unwrap<Instruction>(inst)->moveBefore(unwrap<Instruction>(pos));
}

// Drops what makes `inst` undefined behaviour on a path where it did not run before (a load's
// !noundef, !nonnull, !range, ...), as LLVM's own hoisting does: for an instruction that now
// runs where the original did not.
void syscluster_shim_drop_ub_metadata(LLVMValueRef inst) {
  unwrap<Instruction>(inst)->dropUBImplyingAttrsAndMetadata();
}

// Moves `inst` right after `pos` (same function; `pos` is not a terminator).
void syscluster_shim_move_after(LLVMValueRef inst, LLVMValueRef pos) {
  unwrap<Instruction>(inst)->moveAfter(unwrap<Instruction>(pos));
}

// Drops every cached analysis of the function `fn` (after the IR changed): the next question
// computes them again.
void syscluster_shim_invalidate(void *ctx, LLVMValueRef fn) {
  auto &C = *static_cast<Ctx *>(ctx);
  if (auto *F = dyn_cast<Function>(unwrap(fn)))
    C.FAM.invalidate(*F, PreservedAnalyses::none());
}

// What the legality checks need to know about one instruction (bit set).
enum : unsigned {
  SC_SIDE_EFFECTS = 1,   // mayHaveSideEffects (writes memory, may throw, may not return)
  SC_READS_MEMORY = 2,   // mayReadFromMemory
  SC_SPECULATABLE = 4,   // isSafeToSpeculativelyExecute: cannot trap or fault
  SC_VOLATILE = 8,       // volatile or atomic memory access
  SC_DEBUG = 16,         // debug intrinsic or pseudo probe: no effect on the program
  SC_INLINE_ASM = 32,    // call to inline assembly
  SC_LIFETIME = 64,      // lifetime marker
  SC_PURE_CALL = 128,    // a call that only computes a value (isPureCall)
  SC_STORE_NO_FAULT = 256, // a simple store to memory known writable there (storeCannotFault)
  SC_ERRNO_LOAD = 512,   // a simple load of errno through `__errno_location()` (isErrnoAccess)
};

// Whether `P` with `Ty` is errno itself: the pointer `__errno_location()` returns (libc's
// contract: the address of this thread's errno, an int) and at most an int's bytes.
static bool isErrnoAccess(const Value *P, Type *Ty, const DataLayout &DL) {
  auto *CI = dyn_cast<CallInst>(P);
  const Function *F = CI ? CI->getCalledFunction() : nullptr;
  TypeSize Size = DL.getTypeStoreSize(Ty);
  return F && F->getName() == "__errno_location" && F->arg_empty() && !Size.isScalable() &&
         Size.getFixedValue() <= sizeof(int);
}

// A call that only computes a value: a direct call whose callee does not access memory (or,
// an intrinsic, only memory the program cannot reach, as llvm.assume does), returns and does
// not unwind, by the call's and the callee's attributes (`__errno_location`, `llvm.smax`).
// Constrained floating-point intrinsics are left out: with exceptions unmasked they trap.
static bool isPureCall(const Instruction *I) {
  auto *CI = dyn_cast<CallInst>(I);
  if (!CI || CI->isInlineAsm() || CI->isLifetimeStartOrEnd() || isa<ConstrainedFPIntrinsic>(CI))
    return false;
  const Function *F = CI->getCalledFunction();
  if (!F)
    return false;
  bool NoMemory =
      CI->doesNotAccessMemory() || (F->isIntrinsic() && CI->onlyAccessesInaccessibleMemory());
  return NoMemory && CI->willReturn() && CI->doesNotThrow();
}

// A simple store that cannot fault where it is: into the program's own memory, an alloca or a
// global variable that is not constant (LLVM's isDereferenceableAndAlignedPointer for the
// bytes it writes, so a constant offset within bounds), or into errno through the pointer
// `__errno_location()` returns (libc's contract: this thread's errno, an int). Memory behind
// a pointer argument is not taken even when dereferenceable: it may be shared with another
// process (a MAP_SHARED mapping), which sees a store that a signal killing this one during a
// batch would have kept from happening.
static bool storeCannotFault(const StoreInst *SI) {
  if (!SI->isSimple())
    return false;
  const Value *P = SI->getPointerOperand();
  const DataLayout &DL = SI->getDataLayout();
  Type *Ty = SI->getValueOperand()->getType();
  if (isa<CallInst>(P))
    return isErrnoAccess(P, Ty, DL);
  const Value *Obj = getUnderlyingObject(P);
  bool Writable = isa<AllocaInst>(Obj);
  if (auto *GV = dyn_cast<GlobalVariable>(Obj))
    Writable = !GV->isConstant() && !GV->hasExternalWeakLinkage() && GV->getAddressSpace() == 0;
  return Writable && isDereferenceableAndAlignedPointer(P, Ty, SI->getAlign(), DL, SI);
}

unsigned syscluster_shim_inst_flags(LLVMValueRef inst) {
  auto *I = unwrap<Instruction>(inst);
  unsigned F = 0;
  if (isa<DbgInfoIntrinsic>(I) || isa<PseudoProbeInst>(I))
    return SC_DEBUG;
  if (I->isLifetimeStartOrEnd())
    F |= SC_LIFETIME;
  if (I->mayHaveSideEffects())
    F |= SC_SIDE_EFFECTS;
  if (I->mayReadFromMemory())
    F |= SC_READS_MEMORY;
  if (isSafeToSpeculativelyExecute(I))
    F |= SC_SPECULATABLE;
  if (I->isVolatile() || I->isAtomic())
    F |= SC_VOLATILE;
  if (auto *CB = dyn_cast<CallBase>(I))
    if (CB->isInlineAsm())
      F |= SC_INLINE_ASM;
  if (isPureCall(I))
    F |= SC_PURE_CALL;
  if (auto *SI = dyn_cast<StoreInst>(I))
    if (storeCannotFault(SI))
      F |= SC_STORE_NO_FAULT;
  if (auto *LI = dyn_cast<LoadInst>(I))
    if (LI->isSimple() && isErrnoAccess(LI->getPointerOperand(), LI->getType(), LI->getDataLayout()))
      F |= SC_ERRNO_LOAD;
  return F;
}

// The inline assembly string of a call to inline asm, or null.
const char *syscluster_shim_inline_asm(LLVMValueRef inst, size_t *len) {
  auto *CB = dyn_cast<CallBase>(unwrap(inst));
  if (!CB || !CB->isInlineAsm())
    return nullptr;
  auto *IA = cast<InlineAsm>(CB->getCalledOperand());
  const std::string &S = IA->getAsmString();
  *len = S.size();
  return S.data();
}

// The source name of the variable an argument or a local variable (alloca) holds, from its
// debug records (`#dbg_value`, `#dbg_declare`, and the intrinsics of older modules); null when
// it has none.
const char *syscluster_shim_source_name(LLVMValueRef v, size_t *len) {
  Value *V = unwrap(v);
  if (!isa<Argument>(V) && !isa<AllocaInst>(V))
    return nullptr;
  SmallVector<DbgVariableIntrinsic *, 2> Intrinsics;
  SmallVector<DbgVariableRecord *, 2> Records;
  findDbgUsers(Intrinsics, V, &Records);
  const DILocalVariable *Var = nullptr;
  for (DbgVariableRecord *R : Records)
    if (!Var && R->getExpression()->getNumElements() == 0)
      Var = R->getVariable();
  for (DbgVariableIntrinsic *I : Intrinsics)
    if (!Var && I->getExpression()->getNumElements() == 0)
      Var = I->getVariable();
  if (!Var || Var->getName().empty())
    return nullptr;
  *len = Var->getName().size();
  return Var->getName().data();
}

// One frame of an instruction's debug location; depth 0 is the innermost (the call's own
// function), depth 1 the place it was inlined at, and so on.
struct SyscFrame {
  const char *function;
  size_t function_len;
  const char *linkage;
  size_t linkage_len;
  const char *file;
  size_t file_len;
  const char *dir;
  size_t dir_len;
  unsigned line;
  unsigned column;
};

int syscluster_shim_debug_frame(LLVMValueRef inst, unsigned depth, SyscFrame *out) {
  auto *I = unwrap<Instruction>(inst);
  const DILocation *L = I->getDebugLoc().get();
  for (unsigned D = 0; L && D < depth; ++D)
    L = L->getInlinedAt();
  if (!L)
    return 0;
  DISubprogram *SP = L->getScope()->getSubprogram();
  StringRef Fn = SP ? SP->getName() : StringRef();
  StringRef Link = SP ? SP->getLinkageName() : StringRef();
  StringRef File = L->getFilename(), Dir = L->getDirectory();
  *out = {Fn.data(),   Fn.size(),  Link.data(), Link.size(), File.data(),
          File.size(), Dir.data(), Dir.size(),  L->getLine(), L->getColumn()};
  return 1;
}

// Splits inst's block before inst; returns the new block that starts with inst. The old block
// ends with an unconditional branch to it; successors' phis are updated.
LLVMBasicBlockRef syscluster_shim_split_before(LLVMValueRef inst, const char *name) {
  auto *I = unwrap<Instruction>(inst);
  // With the head bit set, debug records attached before I move along with it.
  BasicBlock::iterator It = I->getIterator();
  It.setHeadBit(true);
  return wrap(I->getParent()->splitBasicBlock(It, name));
}

// Gives the uses of `def` outside the blocks `inside` the value that reaches them: `def` on the
// paths from its own block, `vals[j]` on the paths from the end of `blocks[j]`, with phis where
// such paths meet (SSAUpdater). A phi's use counts as being in its incoming block. Uses inside
// keep `def`.
void syscluster_shim_ssa_rewrite_outside(LLVMValueRef def, LLVMBasicBlockRef *inside,
                                         unsigned n_inside, LLVMBasicBlockRef *blocks,
                                         LLVMValueRef *vals, unsigned n) {
  auto *D = unwrap<Instruction>(def);
  SmallPtrSet<BasicBlock *, 16> In;
  for (unsigned k = 0; k < n_inside; ++k)
    In.insert(unwrap(inside[k]));
  SmallVector<Use *, 8> Outside;
  for (Use &U : D->uses()) {
    auto *I = cast<Instruction>(U.getUser());
    BasicBlock *Where = I->getParent();
    if (auto *P = dyn_cast<PHINode>(I))
      Where = P->getIncomingBlock(U);
    if (!In.contains(Where))
      Outside.push_back(&U);
  }
  if (Outside.empty())
    return;
  SSAUpdater S;
  S.Initialize(D->getType(), D->getName());
  S.AddAvailableValue(D->getParent(), D);
  for (unsigned j = 0; j < n; ++j)
    S.AddAvailableValue(unwrap(blocks[j]), unwrap(vals[j]));
  for (Use *U : Outside)
    S.RewriteUse(*U);
}

// Takes every edge `from -> bb` out of `bb`'s phis (the branches of `from` no longer go to
// `bb`). The phis stay even when one incoming value or none is left, so that references to
// them hold.
void syscluster_shim_remove_phi_edge(LLVMBasicBlockRef bb, LLVMBasicBlockRef from) {
  BasicBlock *From = unwrap(from);
  for (PHINode &PN : unwrap(bb)->phis())
    for (int K = PN.getBasicBlockIndex(From); K >= 0; K = PN.getBasicBlockIndex(From))
      PN.removeIncomingValue(K, /*DeletePHIIfEmpty=*/false);
}

// Makes the phis of `bb` take from `to` what they took from `from` (the edge moved).
void syscluster_shim_move_phi_edge(LLVMBasicBlockRef bb, LLVMBasicBlockRef from,
                                   LLVMBasicBlockRef to) {
  unwrap(bb)->replacePhiUsesWith(unwrap(from), unwrap(to));
}

// Merges `bb` into its single predecessor, whose single successor it is (LLVM's
// MergeBlockIntoPredecessor: the instructions and their debug records move, the phis of the
// successors take the predecessor as their incoming block, `bb` is deleted). Returns whether
// it did. No analysis is updated: the caller invalidates the function's.
bool syscluster_shim_merge_into_predecessor(LLVMBasicBlockRef bb) {
  return llvm::MergeBlockIntoPredecessor(unwrap(bb));
}

// Folds `bb`, a block of nothing but an unconditional branch entered from one block, into
// its successor (LLVM's TryToSimplifyUncondBranchFromEmptyBlock: the predecessor branches to
// the successor directly, whose phis take it as their incoming block, and `bb` is deleted).
// Returns whether it did. No analysis is updated: the caller invalidates the function's.
bool syscluster_shim_fold_forwarding_block(LLVMBasicBlockRef bb) {
  BasicBlock *BB = unwrap(bb);
  auto *Br = dyn_cast<BranchInst>(BB->getTerminator());
  if (!Br || Br->isConditional() || BB->getFirstNonPHIOrDbg() != Br ||
      !BB->getSinglePredecessor() || BB->isEntryBlock())
    return false;
  return llvm::TryToSimplifyUncondBranchFromEmptyBlock(BB);
}

// Makes the invoke `inv` a call followed by a branch to its normal destination (LLVM's
// changeToCall: the landing pad loses the edge, its phis the incoming values from it).
// Returns the call, or null when `inv` is not an invoke. No analysis is updated: the caller
// invalidates the function's.
LLVMValueRef syscluster_shim_invoke_to_call(LLVMValueRef inv) {
  auto *II = dyn_cast_or_null<InvokeInst>(unwrap<Instruction>(inv));
  if (!II)
    return nullptr;
  return wrap(llvm::changeToCall(II));
}

// Deletes the blocks of `func` that its entry does not reach (LLVM's removeUnreachableBlocks:
// a landing pad nothing unwinds to any more). Returns whether it deleted any.
bool syscluster_shim_remove_unreachable_blocks(LLVMValueRef func) {
  return llvm::removeUnreachableBlocks(*unwrap<Function>(func));
}

// Splits the edge `from -> to`: a new block, placed before `to`, that `from` branches to
// instead and that branches to `to`, the phis of `to` taking from it what they took from
// `from` (always a new block, unlike SplitEdge, which splits `to` itself when it has one
// predecessor). Returns the new block, or null when `to` follows `from` on other than exactly
// one edge or is an exception handler. No analysis is updated: the caller invalidates the
// function's.
LLVMBasicBlockRef syscluster_shim_split_edge(LLVMBasicBlockRef from, LLVMBasicBlockRef to) {
  BasicBlock *From = unwrap(from), *To = unwrap(to);
  Instruction *T = From->getTerminator();
  if (!T || To->isEHPad() || llvm::count(successors(From), To) != 1)
    return nullptr;
  BasicBlock *New =
      BasicBlock::Create(To->getContext(), To->getName() + ".split", To->getParent(), To);
  BranchInst::Create(To, New)->setDebugLoc(T->getDebugLoc());
  for (unsigned I = 0, E = T->getNumSuccessors(); I != E; ++I)
    if (T->getSuccessor(I) == To)
      T->setSuccessor(I, New);
  To->replacePhiUsesWith(From, New);
  return wrap(New);
}

// -------------------------------------------------------------------------------------------
// Loop rotation (pass/src/transform/rotate.rs).

// Whether `I` is a call that must not be copied (marked noduplicate or convergent): what the
// loop copies and the path duplication below refuse.
static bool mayNotCopy(const Instruction &I) {
  auto *CB = dyn_cast<CallBase>(&I);
  return CB && (CB->cannotDuplicate() || CB->isConvergent());
}

// Why the blocks of `L` may not be copied whole (a call that may not be copied, or more than
// `max_insts` instructions but phis and debug intrinsics), or null when they may.
static const char *loopCopyRefusal(const Loop *L, unsigned max_insts) {
  unsigned N = 0;
  for (BasicBlock *BB : L->blocks())
    for (Instruction &I : *BB) {
      if (!isa<PHINode>(I) && !isa<DbgInfoIntrinsic>(I))
        ++N;
      if (mayNotCopy(I))
        return "the loop has a call that may not be copied";
    }
  return N > max_insts ? "the loop has too many instructions to copy" : nullptr;
}

// The loop that `H` heads, or null; nothing has changed yet (`*changed` is 0).
static Loop *loopHeadedBy(Ctx &C, BasicBlock *H, int *changed) {
  *changed = 0;
  Loop *L = C.FAM.getResult<LoopAnalysis>(*H->getParent()).getLoopFor(H);
  return L && L->getHeader() == H ? L : nullptr;
}

// Puts `L` in simplified and LCSSA form (simplifyLoop, formLCSSARecursively), which LLVM's loop
// transformations require, then runs `Transform`, which sets its flag when it changed the IR
// and returns null when done, else why not (a static string). Returns that answer; `*changed`
// says whether the IR changed at all (the simplification alone counts), and then the
// function's cached analyses are invalidated.
static const char *transformLoop(Ctx &C, Loop *L, ScalarEvolution *SE, int *changed,
                                 function_ref<const char *(Loop *, bool &)> Transform) {
  Function &F = *L->getHeader()->getParent();
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
  auto &LI = C.FAM.getResult<LoopAnalysis>(F);
  auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
  bool Simplified = simplifyLoop(L, &DT, &LI, SE, &AC, nullptr, /*PreserveLCSSA=*/false);
  Simplified |= formLCSSARecursively(*L, DT, &LI, SE);
  bool Done = false;
  const char *Why =
      L->isLoopSimplifyForm()
          ? Transform(L, Done)
          : "the loop cannot be given a preheader and dedicated exits (an indirect branch enters it)";
  *changed = Simplified || Done;
  if (*changed)
    C.FAM.invalidate(F, PreservedAnalyses::none());
  return Why;
}

// Rotates the loop that `header` heads with LLVM's LoopRotation: the header's copy runs before
// the loop, and the old header moves to the loop's bottom, after its latch. Returns null when
// rotated, else why not (a static string); `*changed` as for transformLoop.
const char *syscluster_shim_rotate_loop(void *ctx, LLVMBasicBlockRef header, unsigned max_insts,
                                        int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Loop *L = loopHeadedBy(C, H, changed);
  if (!L)
    return "its block heads no loop";
  if (L->getNumBlocks() < 2)
    return "the loop is one block: there is no later block for its header to move to";
  auto *BI = dyn_cast<BranchInst>(H->getTerminator());
  if (!BI || BI->isUnconditional() || !L->isLoopExiting(H))
    return "the header does not end with a conditional branch that leaves the loop";
  unsigned N = 0;
  for (Instruction &I : *H)
    if (!isa<PHINode>(I) && !isa<DbgInfoIntrinsic>(I))
      ++N;
  if (N > max_insts)
    return "the header has too many instructions to copy";
  for (Instruction &I : *H)
    if (mayNotCopy(I))
      return "the header has a call that may not be copied";
  Function &F = *H->getParent();
  // LoopRotation needs one latch. Several back edges are joined in one new block first, whose
  // phis take the values each brings (LoopSimplify would instead separate a nested loop where
  // the header's phis allow it, which is no longer the loop the profile's edges name).
  bool Joined = false;
  if (!L->getLoopLatch()) {
    SmallVector<BasicBlock *, 4> Latches;
    for (BasicBlock *Pred : predecessors(H))
      if (L->contains(Pred)) {
        if (is_contained(Latches, Pred))
          return "the loop has more than one back edge, two of them from one block";
        Latches.push_back(Pred);
      }
    auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
    auto &LI = C.FAM.getResult<LoopAnalysis>(F);
    if (!SplitBlockPredecessors(H, Latches, ".latch", &DT, &LI, nullptr, /*PreserveLCSSA=*/false))
      return "the loop has more than one back edge, which cannot be joined in one block";
    Joined = true;
    C.FAM.invalidate(F, PreservedAnalyses::none());
    int Ignored;
    L = loopHeadedBy(C, H, &Ignored);
    if (!L || !L->getLoopLatch()) {
      *changed = 1;
      return "the loop has more than one back edge, which cannot be joined in one block";
    }
  }
  const char *Why = transformLoop(C, L, nullptr, changed, [&](Loop *L, bool &Done) -> const char * {
    auto &TLI = C.FAM.getResult<TargetLibraryAnalysis>(F);
    auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
    auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
    SimplifyQuery SQ(F.getDataLayout(), &TLI, &DT, &AC);
    Done = LoopRotation(L, &C.FAM.getResult<LoopAnalysis>(F),
                        &C.FAM.getResult<TargetIRAnalysis>(F), &AC, &DT, nullptr, nullptr, SQ,
                        /*RotationOnly=*/true, max_insts, /*IsUtilMode=*/true);
    return Done ? nullptr : "LLVM's LoopRotation declined it";
  });
  if (Joined)
    *changed = 1;
  return Why;
}

// Unrolls the loop that `header` heads `count` times with LLVM's UnrollLoop, the iterations
// left over running in a remainder loop (UnrollRuntimeLoopRemainder), so that the unrolled body
// has no exit between its copies; refused (nothing unrolled) when the remainder cannot be made,
// e.g. when the trip count cannot be computed on entry. Returns null when unrolled, else why
// not (a static string); `*changed` as for transformLoop.
const char *syscluster_shim_unroll_loop(void *ctx, LLVMBasicBlockRef header, unsigned count,
                                        int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Loop *L = loopHeadedBy(C, H, changed);
  if (!L)
    return "its block heads no loop";
  if (!L->getLoopLatch() || !L->getExitingBlock())
    return "the loop has more than one back edge or more than one exit";
  Function &F = *H->getParent();
  auto &SE = C.FAM.getResult<ScalarEvolutionAnalysis>(F);
  if (isa<SCEVCouldNotCompute>(SE.getBackedgeTakenCount(L)))
    return "its trip count cannot be computed when the loop is entered";
  return transformLoop(C, L, &SE, changed, [&](Loop *L, bool &Done) -> const char * {
    UnrollLoopOptions ULO;
    ULO.Count = count;
    ULO.Force = false;
    ULO.Runtime = true;
    ULO.AllowExpensiveTripCount = false;
    ULO.UnrollRemainder = false;
    ULO.ForgetAllSCEV = false;
    OptimizationRemarkEmitter ORE(&F);
    LoopUnrollResult R = UnrollLoop(L, ULO, &C.FAM.getResult<LoopAnalysis>(F), &SE,
                                    &C.FAM.getResult<DominatorTreeAnalysis>(F),
                                    &C.FAM.getResult<AssumptionAnalysis>(F),
                                    &C.FAM.getResult<TargetIRAnalysis>(F), &ORE,
                                    /*PreserveLCSSA=*/true);
    Done = R != LoopUnrollResult::Unmodified;
    return Done ? nullptr : "LLVM's UnrollLoop declined it (no remainder loop could be made)";
  });
}

// Runs LLVM's JumpThreading over the function `fn`: a branch on a value known along an
// incoming edge (a phi of constants, as clang -O1 leaves a loop's exits joined in one block
// that switches on which way it came) goes straight where it leads on that edge. Returns
// whether the function changed; its analyses are then invalidated.
int syscluster_shim_thread_jumps(void *ctx, LLVMValueRef fn) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *F = dyn_cast<Function>(unwrap(fn));
  if (!F || F->isDeclaration())
    return 0;
  JumpThreadingPass JT;
  PreservedAnalyses PA = JT.run(*F, C.FAM);
  if (PA.areAllPreserved())
    return 0;
  C.FAM.invalidate(*F, PreservedAnalyses::none());
  // The ways that now bypass the joining block leave phis that only pass a value round
  // (`phi [undef, %entry], [%self, %latch]`, a return value the -O1 loop kept): fold them
  // as instsimplify would, so that the loop carries only what it computes.
  const SimplifyQuery SQ(F->getDataLayout(), &C.FAM.getResult<TargetLibraryAnalysis>(*F),
                         &C.FAM.getResult<DominatorTreeAnalysis>(*F),
                         &C.FAM.getResult<AssumptionAnalysis>(*F));
  SmallVector<PHINode *, 32> Phis;
  for (BasicBlock &BB : *F)
    for (PHINode &PN : BB.phis())
      Phis.push_back(&PN);
  for (PHINode *PN : Phis)
    if (Value *V = simplifyInstruction(PN, SQ); V && V != PN) {
      PN->replaceAllUsesWith(V);
      PN->eraseFromParent();
    }
  C.FAM.invalidate(*F, PreservedAnalyses::none());
  return 1;
}

// Peels the first iteration of the loop that `header` heads with LLVM's peelLoop: a copy of
// the loop's blocks runs once before it (loops nested in it are copied as loops), entered from
// its preheader, and the loop itself is entered after that iteration. Refused (nothing peeled)
// when the loop has more than `max_insts` instructions or a call that may not be copied.
// Returns null when peeled, else why not (a static string); `*changed` as for transformLoop.
const char *syscluster_shim_peel_loop(void *ctx, LLVMBasicBlockRef header, unsigned max_insts,
                                      int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Loop *L = loopHeadedBy(C, H, changed);
  if (!L)
    return "its block heads no loop";
  if (const char *Why = loopCopyRefusal(L, max_insts))
    return Why;
  Function &F = *H->getParent();
  auto &SE = C.FAM.getResult<ScalarEvolutionAnalysis>(F);
  return transformLoop(C, L, &SE, changed, [&](Loop *L, bool &Done) -> const char * {
    if (!L->getLoopLatch() || !canPeel(L))
      return "LLVM's peelLoop cannot peel it";
    ValueToValueMapTy VMap;
    // The loop's blocks in LoopInfo's order: the copies are visited in it below (VMap's own
    // order follows addresses, which differ from run to run).
    SmallVector<BasicBlock *, 16> Order(L->blocks());
    auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
    auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
    Done = peelLoop(L, 1, &C.FAM.getResult<LoopAnalysis>(F), &SE, DT, &AC,
                    /*PreserveLCSSA=*/true, VMap);
    if (!Done)
      return "LLVM's peelLoop declined it";
    // The peeled iteration starts from the loop's initial values, which LLVM's own unroller
    // folds afterwards (simplifyLoopAfterUnroll) and peelLoop does not: `n - done` with `done`
    // 0 stays `sub i64 %n, 0`, an argument computed from a result rather than the result.
    // Fold what simplifies in the copies (not calls), as instsimplify would.
    const SimplifyQuery SQ(F.getDataLayout(), &C.FAM.getResult<TargetLibraryAnalysis>(F), &DT,
                           &AC);
    // In the loop's block order and each block's own, so that an operand folds before its
    // users (`gep @buf, (zext 0)` becomes `@buf`) and the result is the same on every run.
    SmallVector<WeakTrackingVH, 16> Blocks;
    for (BasicBlock *BB : Order)
      if (auto *Copy = dyn_cast_or_null<BasicBlock>(VMap.lookup(BB)))
        Blocks.push_back(Copy);
    for (WeakTrackingVH &H : Blocks) {
      auto *BB = dyn_cast_or_null<BasicBlock>(H);
      if (!BB)
        continue;
      for (Instruction &I : *BB)
        if (!isa<CallBase>(I) && !I.use_empty())
          if (Value *V = simplifyInstruction(&I, SQ); V && V != &I)
            I.replaceAllUsesWith(V);
    }
    // A test the peeled iteration decides (the copy of a write-all loop's `len == 0` right
    // after the read's own `n == 0` went on) is now a branch on a constant: it goes its one
    // way, as SimplifyCFG would make it, so that no dead test stands between the calls.
    for (WeakTrackingVH &H : Blocks)
      if (auto *BB = dyn_cast_or_null<BasicBlock>(H)) {
        auto *Br = dyn_cast<BranchInst>(BB->getTerminator());
        if (Br && Br->isConditional() && isa<ConstantInt>(Br->getCondition()))
          ConstantFoldTerminator(BB);
      }
    return nullptr;
  });
}

// Whether `V` is the same in every iteration of `L`, or computed in the loop from such values
// by instructions that neither read nor write memory and may run anywhere (arithmetic,
// comparisons, casts: what Loop::makeLoopInvariant may hoist), at most `Depth` deep.
static bool hoistableOut(const Loop *L, Value *V, unsigned Depth) {
  auto *I = dyn_cast<Instruction>(V);
  if (!I || !L->contains(I))
    return true;
  if (Depth == 0 || isa<PHINode>(I) || I->mayReadOrWriteMemory() || I->mayHaveSideEffects() ||
      !isSafeToSpeculativelyExecute(I) || I->isEHPad())
    return false;
  for (Value *Op : I->operands())
    if (!hoistableOut(L, Op, Depth - 1))
      return false;
  return true;
}

// Why the loop `L` may not be versioned (copied whole beside itself, versionLoop): an
// exception pad, an indirect branch or a token, which a copy cannot have, or what
// loopCopyRefusal says; null when it may.
static const char *versionRefusal(const Loop *L, unsigned max_insts) {
  for (BasicBlock *BB : L->blocks()) {
    if (BB->isEHPad() || isa<IndirectBrInst>(BB->getTerminator()) ||
        isa<CallBrInst>(BB->getTerminator()))
      return "the loop has an exception pad or an indirect branch";
    for (Instruction &I : *BB)
      if (I.getType()->isTokenTy())
        return "the loop defines a token";
  }
  return loopCopyRefusal(L, max_insts);
}

// Versions the loop `L` (simplified, in LCSSA form) on `Cond`, an `i1` computed before it:
// the preheader tests `Cond` (frozen unless `Cond` is known not to be poison where the loop
// would not have run the code it comes from: `MayFreeze`), the original loop runs when it
// holds, a copy of the whole loop (LLVM's cloneLoopWithPreheader, last in the function's
// block order, the exits' LCSSA phis joined) otherwise. Returns the copy's map of values.
static bool versionLoop(Ctx &C, Loop *L, Value *Cond, bool MayFreeze, ValueToValueMapTy &VMap) {
  Function &F = *L->getHeader()->getParent();
  auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
  auto &LI = C.FAM.getResult<LoopAnalysis>(F);
  auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
  BasicBlock *PH = L->getLoopPreheader();
  if (!PH)
    return false;
  SmallVector<BasicBlock *, 8> Exits;
  L->getUniqueExitBlocks(Exits);
  Instruction *Test = PH->getTerminator();
  if (MayFreeze && !isGuaranteedNotToBeUndefOrPoison(Cond, &AC, Test, &DT))
    Cond = new FreezeInst(Cond, Cond->getName() + ".fr", Test->getIterator());
  BasicBlock *NewPH = SplitBlock(PH, PH->getTerminator(), &DT, &LI, nullptr,
                                 L->getHeader()->getName() + ".ph");
  SmallVector<BasicBlock *, 32> Copies;
  cloneLoopWithPreheader(NewPH, PH, L, VMap, ".unsw", &LI, &DT, Copies);
  remapInstructionsInBlocks(Copies, VMap);
  // The copy after the rest of the function: what looks for a hot edge's calls in block
  // order finds the original's first.
  for (BasicBlock *Copy : Copies)
    Copy->moveAfter(&F.back());
  for (BasicBlock *E : Exits)
    for (PHINode &P : E->phis()) {
      unsigned Incoming = P.getNumIncomingValues();
      for (unsigned K = 0; K < Incoming; ++K) {
        BasicBlock *From = P.getIncomingBlock(K);
        if (!L->contains(From))
          continue;
        Value *V = P.getIncomingValue(K);
        Value *Mapped = VMap.lookup(V);
        P.addIncoming(Mapped ? Mapped : V, cast<BasicBlock>(VMap[From]));
      }
    }
  auto *CopyPH = cast<BasicBlock>(VMap[NewPH]);
  Instruction *Old = PH->getTerminator();
  BranchInst::Create(NewPH, CopyPH, Cond, Old->getIterator());
  Old->eraseFromParent();
  return true;
}

// Unswitches the loop that `header` heads on the two-way branch `branch`, whose condition is
// the same in every iteration (or computed in the loop from such values, which are hoisted):
// the original loop runs when the condition sends the branch to its successor `keep` (0 or
// 1), and its branch goes that way only (an unconditional branch at its place, with its
// debug location); a copy of the whole loop runs otherwise, in which the branch goes the
// other way only (versionLoop). What the way kept holds (the calls of a hot edge) stays where
// it was, so the loop may be unswitched again on another test; the blocks only the other way
// reached go from the original. The condition is frozen before it is tested where the loop
// may leave before it reaches the branch. Returns null when done, else why not (a static
// string); `*changed` as for transformLoop.
const char *syscluster_shim_unswitch_loop(void *ctx, LLVMBasicBlockRef header,
                                          LLVMValueRef branch, unsigned keep, unsigned max_insts,
                                          int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Loop *L = loopHeadedBy(C, H, changed);
  if (!L)
    return "its block heads no loop";
  auto *Br = dyn_cast<BranchInst>(unwrap(branch));
  if (!Br || !Br->isConditional() || !L->contains(Br->getParent()) || keep > 1)
    return "the test is no two-way branch of the loop";
  if (Br->getSuccessor(0) == Br->getSuccessor(1))
    return "both ways of the test go to the same block";
  if (!L->getLoopLatch())
    return "the loop has several back edges";
  if (!hoistableOut(L, Br->getCondition(), 8))
    return "the test's condition may change from one iteration to the next";
  if (const char *Why = versionRefusal(L, max_insts))
    return Why;
  Function &F = *H->getParent();
  auto &SE = C.FAM.getResult<ScalarEvolutionAnalysis>(F);
  return transformLoop(C, L, &SE, changed, [&](Loop *L, bool &Done) -> const char * {
    auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
    BasicBlock *PH = L->getLoopPreheader();
    Value *Cond = Br->getCondition();
    bool Hoisted = false;
    if (!PH || !L->makeLoopInvariant(Cond, Hoisted, PH->getTerminator()))
      return "the test's condition cannot be computed before the loop";
    Done = Hoisted;
    // Tested before the loop, the condition is tested where the original may never have
    // tested it (a way out of the loop before the branch): frozen then, as LLVM's own loop
    // unswitching does, unless the branch runs in every iteration that begins (a branch on
    // poison there is the original's own undefined behaviour).
    ICFLoopSafetyInfo Safety;
    Safety.computeLoopSafetyInfo(L);
    bool MayFreeze = !Safety.isGuaranteedToExecute(*Br, &DT, L);
    if (keep == 1)
      Cond = BinaryOperator::CreateNot(Cond, Cond->getName() + ".not",
                                       PH->getTerminator()->getIterator());
    ValueToValueMapTy VMap;
    if (!versionLoop(C, L, Cond, MayFreeze, VMap))
      return "the loop has no preheader";
    Done = true;
    // Each loop's branch goes its one way: the original's to `keep`, the copy's to the other.
    // The unconditional branch keeps the test's debug location (the caller's remark points
    // there, at the original's).
    auto GoOneWay = [](BranchInst *B, unsigned Way) {
      B->getSuccessor(1 - Way)->removePredecessor(B->getParent());
      BranchInst *One = BranchInst::Create(B->getSuccessor(Way), B->getIterator());
      One->setDebugLoc(B->getDebugLoc());
      B->eraseFromParent();
    };
    GoOneWay(cast<BranchInst>(VMap[Br]), 1 - keep);
    GoOneWay(Br, keep);
    removeUnreachableBlocks(F);
    return nullptr;
  });
}

// The phis of `L` that carry `Phi`'s value round it (`Phi` and the phis of the loop its
// values come from), when each value they take in the loop is one of them or `Const`: a
// variable the loop only ever sets to that constant (a warning given once, `warned = 1`).
// Empty otherwise.
static SmallVector<PHINode *, 8> stickyPhis(Loop *L, PHINode *Phi, Constant *Const) {
  SmallVector<PHINode *, 8> Set{Phi};
  for (unsigned I = 0; I < Set.size(); ++I) {
    PHINode *P = Set[I];
    for (unsigned K = 0; K < P->getNumIncomingValues(); ++K) {
      if (P == Phi && !L->contains(P->getIncomingBlock(K)))
        continue;
      Value *V = P->getIncomingValue(K);
      if (V == Const || is_contained(Set, V))
        continue;
      auto *VP = dyn_cast<PHINode>(V);
      if (!VP || !L->contains(VP) || Set.size() >= 32)
        return {};
      Set.push_back(VP);
    }
  }
  return Set;
}

// The loop that `H` heads (`L`), with `phi` a phi of `H` (`Phi`) and `value` a constant of its
// type (`Const`), a loop with one back edge: null, else why not.
static const char *phiOfLoop(Ctx &C, BasicBlock *H, LLVMValueRef phi, LLVMValueRef value,
                             int *changed, Loop *&L, PHINode *&Phi, ConstantInt *&Const) {
  L = loopHeadedBy(C, H, changed);
  if (!L)
    return "its block heads no loop";
  Phi = dyn_cast<PHINode>(unwrap(phi));
  Const = dyn_cast<ConstantInt>(unwrap(value));
  if (!Phi || Phi->getParent() != H || !Const || Const->getType() != Phi->getType())
    return "the value is no phi of the loop's header, or the constant is not of its type";
  if (!L->getLoopLatch())
    return "the loop has several back edges";
  return nullptr;
}

// Versions the loop that `header` heads on the value its header phi `phi` has on the way in,
// where the loop only ever sets it to the constant `value` (stickyPhis): the original loop
// runs when it comes in as `value`, and there it is `value` in every iteration (its phis
// replaced by the constant, what they decided folded: instructions simplified, branches on
// constants made one way, the blocks no longer reached removed); a copy of the loop runs
// otherwise. Returns null when done, else why not; `*changed` as for transformLoop.
const char *syscluster_shim_version_loop_on_phi(void *ctx, LLVMBasicBlockRef header,
                                                LLVMValueRef phi, LLVMValueRef value,
                                                unsigned max_insts, int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Loop *L;
  PHINode *Phi;
  ConstantInt *Const;
  if (const char *Why = phiOfLoop(C, H, phi, value, changed, L, Phi, Const))
    return Why;
  if (stickyPhis(L, Phi, Const).empty())
    return "the loop sets the variable to other values";
  if (const char *Why = versionRefusal(L, max_insts))
    return Why;
  Function &F = *H->getParent();
  auto &SE = C.FAM.getResult<ScalarEvolutionAnalysis>(F);
  return transformLoop(C, L, &SE, changed, [&](Loop *L, bool &Done) -> const char * {
    // LCSSA form may have given the phi's value exits of its own: what is carried round is
    // asked again of the loop as it now is.
    SmallVector<PHINode *, 8> Set = stickyPhis(L, Phi, Const);
    BasicBlock *PH = L->getLoopPreheader();
    if (Set.empty() || !PH)
      return "the loop sets the variable to other values";
    Value *In = Phi->getIncomingValueForBlock(PH);
    auto *Cond = new ICmpInst(PH->getTerminator()->getIterator(), ICmpInst::ICMP_EQ, In, Const,
                              Phi->getName() + ".is");
    ValueToValueMapTy VMap;
    // The value on the way in is the one the original loop reads first, in every iteration
    // that begins: no freeze.
    if (!versionLoop(C, L, Cond, /*MayFreeze=*/false, VMap))
      return "the loop has no preheader";
    Done = true;
    SmallVector<Instruction *, 32> Work;
    for (PHINode *P : Set) {
      for (User *U : P->users())
        if (auto *I = dyn_cast<Instruction>(U))
          Work.push_back(I);
      P->replaceAllUsesWith(Const);
      P->eraseFromParent();
    }
    const SimplifyQuery SQ(F.getDataLayout());
    SmallPtrSet<Instruction *, 32> Gone;
    while (!Work.empty()) {
      Instruction *I = Work.pop_back_val();
      if (Gone.count(I) || !I->getParent())
        continue;
      if (auto *Br = dyn_cast<BranchInst>(I)) {
        if (Br->isConditional() && isa<ConstantInt>(Br->getCondition()))
          ConstantFoldTerminator(Br->getParent());
        continue;
      }
      if (isa<CallBase>(I) || I->isTerminator())
        continue;
      if (Value *V = simplifyInstruction(I, SQ); V && V != I) {
        for (User *U : I->users())
          if (auto *UI = dyn_cast<Instruction>(U))
            Work.push_back(UI);
        I->replaceAllUsesWith(V);
        if (wouldInstructionBeTriviallyDead(I)) {
          Gone.insert(I);
          I->eraseFromParent();
        }
      }
    }
    removeUnreachableBlocks(F);
    return nullptr;
  });
}

// Versions the loop that `header` heads on the value its header phi `phi` (an integer) comes
// in with: the original loop runs when that value is at most the constant `bound`, unsigned,
// a copy of the loop otherwise (versionLoop; the condition `count.fits`, frozen unless known
// not to be poison). The caller rewrites the original for the values it now knows. Returns
// null when done, else why not; `*changed` as for transformLoop.
const char *syscluster_shim_version_loop_at_most(void *ctx, LLVMBasicBlockRef header,
                                                 LLVMValueRef phi, LLVMValueRef bound,
                                                 unsigned max_insts, int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Loop *L;
  PHINode *Phi;
  ConstantInt *Const;
  if (const char *Why = phiOfLoop(C, H, phi, bound, changed, L, Phi, Const))
    return Why;
  if (const char *Why = versionRefusal(L, max_insts))
    return Why;
  Function &F = *H->getParent();
  auto &SE = C.FAM.getResult<ScalarEvolutionAnalysis>(F);
  return transformLoop(C, L, &SE, changed, [&](Loop *L, bool &Done) -> const char * {
    BasicBlock *PH = L->getLoopPreheader();
    if (!PH || Phi->getBasicBlockIndex(PH) < 0)
      return "the loop has no preheader";
    Value *In = Phi->getIncomingValueForBlock(PH);
    auto *Cond = new ICmpInst(PH->getTerminator()->getIterator(), ICmpInst::ICMP_ULE, In, Const,
                              "count.fits");
    ValueToValueMapTy VMap;
    if (!versionLoop(C, L, Cond, /*MayFreeze=*/true, VMap)) {
      Cond->eraseFromParent();
      return "the loop has no preheader";
    }
    Done = true;
    return nullptr;
  });
}

// Makes one of the phis of `BB` that take the same value from each predecessor, whatever the
// order of their incoming lists (EliminateDuplicatePHINodes needs the same order).
static void mergeSamePhis(BasicBlock &BB) {
  SmallVector<PHINode *, 8> Phis;
  for (PHINode &P : BB.phis())
    Phis.push_back(&P);
  auto Same = [](PHINode *A, PHINode *B) {
    if (A->getType() != B->getType() || A->getNumIncomingValues() != B->getNumIncomingValues())
      return false;
    for (unsigned K = 0; K < A->getNumIncomingValues(); ++K) {
      int J = B->getBasicBlockIndex(A->getIncomingBlock(K));
      if (J < 0 || B->getIncomingValue(J) != A->getIncomingValue(K))
        return false;
    }
    return true;
  };
  for (unsigned I = 0; I < Phis.size(); ++I) {
    if (!Phis[I])
      continue;
    for (unsigned J = I + 1; J < Phis.size(); ++J) {
      if (!Phis[J] || !Same(Phis[I], Phis[J]))
        continue;
      Phis[J]->replaceAllUsesWith(Phis[I]);
      Phis[J]->eraseFromParent();
      Phis[J] = nullptr;
    }
  }
}

// The value the load `load` would read, known without reading memory: what a store or an
// earlier load of the same address left, found by LLVM's FindAvailableLoadedValue scanning
// back from the load through its block and then through each block's single predecessor (at
// most 8 blocks of at most 64 instructions each, alias analysis saying which calls and stores
// on the way leave the memory alone). Null when none is found.
static Value *availableValue(Ctx &C, LoadInst *LI) {
  if (!LI->isSimple())
    return nullptr;
  Function &F = *LI->getFunction();
  BatchAAResults BAA(C.FAM.getResult<AAManager>(F));
  BasicBlock *BB = LI->getParent();
  BasicBlock::iterator From = LI->getIterator();
  for (unsigned K = 0; K < 8 && BB; ++K) {
    if (Value *V = FindAvailableLoadedValue(LI, BB, From, 64, &BAA))
      return V == LI ? nullptr : V;
    // Stopped before the block's start: something on the way may write the memory.
    if (From != BB->begin())
      return nullptr;
    BB = BB->getSinglePredecessor();
    if (BB)
      From = BB->end();
  }
  return nullptr;
}

LLVMValueRef syscluster_shim_available_value(void *ctx, LLVMValueRef load) {
  auto *LI = dyn_cast<LoadInst>(unwrap(load));
  return LI ? wrap(availableValue(*static_cast<Ctx *>(ctx), LI)) : nullptr;
}

// Keeps the variable at the address `ptr` (a global variable or a constant address into one)
// in a register across the loop that `header` heads, as LICM's scalar promotion does: one
// load on the way in (the end of the preheader), every load and store of the loop through
// `ptr` on a stack slot that PromoteMemToReg then turns into SSA values, and one store of the
// value it has at each dedicated exit block. The caller has made sure that nothing but those
// loads and stores can read or write the variable while the loop runs; this checks what it
// can see in the loop: the accesses are simple (neither volatile nor atomic) and of one type,
// at least one is a store, no call in the loop may unwind past the exits' stores, and no
// exit block is an exception handler's. Phis of the loop's blocks that carry the same values
// are then made one. Returns null when done, else why not (a static
// string); `*changed` as for transformLoop.
const char *syscluster_shim_promote_in_loop(void *ctx, LLVMBasicBlockRef header, LLVMValueRef ptr,
                                            const LLVMValueRef *spill, unsigned spills,
                                            int *changed) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *H = unwrap(header);
  Value *P = unwrap(ptr);
  Loop *L = loopHeadedBy(C, H, changed);
  if (!L)
    return "its block heads no loop";
  Type *Ty = nullptr;
  bool Stored = false;
  for (BasicBlock *BB : L->blocks())
    for (Instruction &I : *BB) {
      if (auto *CB = dyn_cast<CallBase>(&I)) {
        if (!CB->doesNotThrow())
          return "a call in the loop may unwind out of it, past the store on the way out";
        continue;
      }
      Type *AccessTy = nullptr;
      if (auto *LI = dyn_cast<LoadInst>(&I)) {
        if (LI->getPointerOperand() != P)
          continue;
        if (!LI->isSimple())
          return "the loop reads it with a volatile or atomic load";
        AccessTy = LI->getType();
      } else if (auto *SI = dyn_cast<StoreInst>(&I)) {
        if (SI->getValueOperand() == P)
          return "the loop stores its address";
        if (SI->getPointerOperand() != P)
          continue;
        if (!SI->isSimple())
          return "the loop writes it with a volatile or atomic store";
        AccessTy = SI->getValueOperand()->getType();
        Stored = true;
      } else {
        continue;
      }
      if (Ty && Ty != AccessTy)
        return "the loop reads or writes it as two different types";
      Ty = AccessTy;
    }
  if (!Stored)
    return "the loop does not write it";
  SmallVector<CallInst *, 4> Spill;
  for (unsigned K = 0; K < spills; ++K) {
    auto *CI = dyn_cast<CallInst>(unwrap(spill[K]));
    if (!CI || !L->contains(CI->getParent()) || CI->isMustTailCall())
      return "a call to store the variable around is not a plain call of the loop";
    Spill.push_back(CI);
  }
  Function &F = *H->getParent();
  return transformLoop(C, L, nullptr, changed, [&](Loop *L, bool &Done) -> const char * {
    SmallVector<BasicBlock *, 4> Exits;
    L->getUniqueExitBlocks(Exits);
    for (BasicBlock *E : Exits)
      if (E->isEHPad())
        return "an exit of the loop is an exception handler";
    BasicBlock *Pre = L->getLoopPreheader();
    const DataLayout &DL = F.getDataLayout();
    SmallVector<Instruction *, 8> Accesses;
    Align A = DL.getPrefTypeAlign(Ty);
    for (BasicBlock *BB : L->blocks())
      for (Instruction &I : *BB) {
        if (auto *LI = dyn_cast<LoadInst>(&I); LI && LI->getPointerOperand() == P) {
          A = std::min(A, LI->getAlign());
          Accesses.push_back(LI);
        } else if (auto *SI = dyn_cast<StoreInst>(&I); SI && SI->getPointerOperand() == P) {
          A = std::min(A, SI->getAlign());
          Accesses.push_back(SI);
        }
      }
    auto *Slot = new AllocaInst(Ty, DL.getAllocaAddrSpace(), nullptr, "mc.promoted",
                                F.getEntryBlock().getFirstInsertionPt());
    auto *InitLoad =
        new LoadInst(Ty, P, "mc.promoted.in", false, A, Pre->getTerminator()->getIterator());
    // The value a store or a load before the loop gave it (`insize = 0;` then the loop, the
    // guard's `while (job.left > 0)`), so that the variable's phi is the same as one the
    // function already had for it.
    Value *Init = InitLoad;
    if (Value *V = availableValue(C, InitLoad); V && V->getType() == Ty) {
      InitLoad->eraseFromParent();
      Init = V;
    }
    new StoreInst(Init, Slot, Pre->getTerminator()->getIterator());
    for (Instruction *I : Accesses) {
      if (auto *LI = dyn_cast<LoadInst>(I))
        LI->setOperand(LI->getPointerOperandIndex(), Slot);
      else
        cast<StoreInst>(I)->setOperand(StoreInst::getPointerOperandIndex(), Slot);
    }
    for (BasicBlock *E : Exits) {
      auto *Out = new LoadInst(Ty, Slot, "mc.promoted.out", E->getFirstInsertionPt());
      new StoreInst(Out, P, false, A, std::next(Out->getIterator()));
    }
    // Around a call that may read or write the variable: its value in memory before the
    // call, and what the call left there after it.
    for (CallInst *CI : Spill) {
      auto *Before = new LoadInst(Ty, Slot, "mc.spill", CI->getIterator());
      auto *Spilled = new StoreInst(Before, P, false, A, CI->getIterator());
      Spilled->setDebugLoc(CI->getDebugLoc());
      auto *After = new LoadInst(Ty, P, "mc.reload", false, A, std::next(CI->getIterator()));
      After->setDebugLoc(CI->getDebugLoc());
      new StoreInst(After, Slot, std::next(After->getIterator()));
    }
    auto &DT = C.FAM.getResult<DominatorTreeAnalysis>(F);
    auto &AC = C.FAM.getResult<AssumptionAnalysis>(F);
    PromoteMemToReg({Slot}, DT, &AC);
    // The variable may already have been carried by a phi of its own (a function that kept
    // it in a register between a store and its next load): one phi per value, so that
    // the loop's arguments and its total are seen as computed from one value.
    for (BasicBlock *BB : L->blocks())
      mergeSamePhis(*BB);
    Done = true;
    return nullptr;
  });
}

// -------------------------------------------------------------------------------------------
// Inlining.

// Why the direct call `CB` of `Callee` must keep calling it whole, neither inlined nor split
// (the checks inlining and guard splitting share), or null: the callee or the call is
// noinline, the callee's definition may be replaced at link time, the call is in the callee
// itself, the caller is not optimised, or the call has operand bundles. A static string.
static const char *callKeptWhole(CallBase *CB, Function *Callee) {
  if (Callee->hasFnAttribute(Attribute::NoInline) || CB->isNoInline())
    return "the callee or the call is marked noinline";
  if (Callee->isInterposable())
    return "the callee's definition may be replaced at link time (weak or interposable)";
  Function *Caller = CB->getFunction();
  if (Caller == Callee)
    return "the callee calls itself";
  if (Caller->hasOptNone())
    return "the caller is not optimised (optnone)";
  if (CB->hasOperandBundles())
    return "the call has operand bundles";
  return nullptr;
}

// Why the direct call `call` may not be inlined into its function, or null when it may: a
// static string. Checks what InlineFunction does not: the callee has a body here and takes
// fixed arguments, neither it nor the call is noinline, the definition cannot be replaced at
// link time, the caller is optimised, the two agree on target features, debug locations stay
// well formed, and LLVM's isInlineViable (no indirectbr, returns_twice calls, ...).
const char *syscluster_shim_inline_blocker(LLVMValueRef call) {
  auto *CB = dyn_cast<CallBase>(unwrap(call));
  if (!CB)
    return "it is not a call";
  Function *Callee = CB->getCalledFunction();
  if (!Callee || Callee->getFunctionType() != CB->getFunctionType())
    return "it is an indirect call";
  if (Callee->isDeclaration())
    return "the callee has no body in this module";
  if (Callee->isVarArg())
    return "the callee takes variable arguments";
  if (const char *Why = callKeptWhole(CB, Callee))
    return Why;
  Function *Caller = CB->getFunction();
  if (Callee->hasGC() && (!Caller->hasGC() || Caller->getGC() != Callee->getGC()))
    return "the callee uses another garbage collector";
  if (Callee->hasPersonalityFn() && Caller->hasPersonalityFn() &&
      Callee->getPersonalityFn()->stripPointerCasts() !=
          Caller->getPersonalityFn()->stripPointerCasts())
    return "the callee has another exception personality";
  if (!AttributeFuncs::areInlineCompatible(*Caller, *Callee))
    return "the callee's target features differ from the caller's";
  if (Callee->getSubprogram() && Caller->getSubprogram() && !CB->getDebugLoc())
    return "the call has no debug location, so the inlined calls would have no place in the "
           "profile";
  InlineResult R = isInlineViable(*Callee);
  if (!R.isSuccess())
    return R.getFailureReason();
  return nullptr;
}

// Inlines the direct call `call`, which syscluster_shim_inline_blocker accepted, into its
// function with LLVM's InlineFunction. The copied instructions keep their debug locations,
// with an inlinedAt chain ending at the call's location (what a symbolizer reports for
// inlined frames); the callee's allocas get no lifetime markers. The caller's analyses in the
// function analysis manager are invalidated, so that the next question recomputes them.
// Returns null when inlined, else LLVM's reason (a static string) with nothing changed.
const char *syscluster_shim_inline_call(void *ctx, LLVMValueRef call) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *CB = cast<CallBase>(unwrap(call));
  Function *Caller = CB->getFunction();
  Function *Callee = CB->getCalledFunction();
  auto GetAC = [&](Function &F) -> AssumptionCache & {
    return C.FAM.getResult<AssumptionAnalysis>(F);
  };
  InlineFunctionInfo IFI(GetAC);
  AAResults &CalleeAA = C.FAM.getResult<AAManager>(*Callee);
  InlineResult R = InlineFunction(*CB, IFI, /*MergeAttributes=*/true, &CalleeAA,
                                  /*InsertLifetime=*/false);
  if (!R.isSuccess())
    return R.getFailureReason();
  C.FAM.invalidate(*Caller, PreservedAnalyses::none());
  return nullptr;
}

// One flag's test in a guard helper's block: the conditional branch, its condition, the load
// (the condition itself for an `i1` load) and, for a field of what an argument points to, the
// field's address.
struct FlagTest {
  BranchInst *Br = nullptr;
  Instruction *Cond = nullptr;
  LoadInst *Load = nullptr;
  GetElementPtrInst *Field = nullptr;
};

// The flag test block `BB` of the helper ends with, when it holds nothing else (stack slots and
// their lifetime markers too when `Slots`), or why not (a static string).
static const char *flagTest(BasicBlock *BB, bool Slots, FlagTest &T) {
  auto *Br = dyn_cast<BranchInst>(BB->getTerminator());
  if (!Br || !Br->isConditional())
    return "the helper's test block does not end with a test";
  auto *Cond = dyn_cast<Instruction>(Br->getCondition());
  auto *Load = dyn_cast_or_null<LoadInst>(Cond);
  if (!Load && Cond && Cond->getNumOperands() > 0)
    Load = dyn_cast<LoadInst>(Cond->getOperand(0));
  if (!Cond || !Load || Load->getParent() != BB || Cond->getParent() != BB)
    return "the helper's test is not of a load in its block";
  // The flag: a global variable, an argument, or a field at a constant offset of what an
  // argument points to.
  Value *Ptr = Load->getPointerOperand();
  auto *Field = dyn_cast<GetElementPtrInst>(Ptr);
  if (Field && (Field->getParent() != BB || !Field->hasOneUse() ||
                !Field->hasAllConstantIndices() || !isa<Argument>(Field->getPointerOperand())))
    return "the helper's flag is at an address its entry computes otherwise";
  if (!Field && !isa<GlobalVariable>(Ptr) && !isa<Argument>(Ptr))
    return "the helper's flag is neither a global variable nor reached from an argument";
  for (Instruction &I : *BB)
    if (&I != Load && &I != Cond && &I != Br && &I != Field &&
        !(Slots && (isa<AllocaInst>(I) || I.isLifetimeStartOrEnd())))
      return "the helper's test block holds more than the flag's test and stack slots";
  T = FlagTest{Br, Cond, Load, Field};
  return nullptr;
}

// Whether `BB` only returns (`ret void` after lifetime markers).
static bool returnsAtOnce(BasicBlock *BB) {
  auto *Ret = dyn_cast<ReturnInst>(BB->getTerminator());
  if (!Ret || Ret->getReturnValue())
    return false;
  for (Instruction &I : *BB)
    if (&I != Ret && !I.isLifetimeStartOrEnd())
      return false;
  return true;
}

// Makes the first tests of the guard helper that `call` calls before the call (the Rust side's
// Shim::split_guard). The helper begins with a test of a flag (in its entry block, or in the
// block an entry of nothing but stack slots goes on to: a `while` loop's header) whose one way
// (`work_if_true`) is the work and whose other way returns at once, or is a second flag's test
// (a block entered from the first alone: `while (a || b)`) whose ways are the work and a
// return. The call's block ends with copies of the flags' loads and tests, in the helper's
// order, and the call, alone in a block of its own that the tests go to when the helper would
// do its work, calls `*entered`: a copy of the helper whose entry goes straight to the work
// block, made here when null (`name.entered`, internal). The copied loads keep the originals'
// type, alignment, volatility and ordering, and take the call's debug location. Returns null
// when done, else why not (a static string; nothing changed then).
const char *syscluster_shim_split_guard(void *ctx, LLVMValueRef call, int work_if_true,
                                        LLVMValueRef *entered) {
  (void)ctx;
  auto *CI = dyn_cast<CallInst>(unwrap(call));
  if (!CI || CI->isMustTailCall())
    return "it is not a plain call";
  Function *F = CI->getCalledFunction();
  if (!F || F->isDeclaration() || F->getFunctionType() != CI->getFunctionType())
    return "it is not a direct call of a function of this module";
  if (const char *Why = callKeptWhole(CI, F))
    return Why;
  BasicBlock &Entry = F->getEntryBlock();
  // The first test: the entry's, or the next block's after an entry of stack slots.
  BasicBlock *T1B = &Entry;
  if (auto *EBr = dyn_cast<BranchInst>(Entry.getTerminator()); EBr && EBr->isUnconditional()) {
    for (Instruction &I : Entry)
      if (&I != EBr && !isa<AllocaInst>(I) && !I.isLifetimeStartOrEnd())
        return "the helper's entry holds more than its stack slots before its test";
    T1B = EBr->getSuccessor(0);
    if (T1B == &Entry || isa<PHINode>(T1B->front()))
      return "the helper's test block joins other ways (it has phis)";
  }
  FlagTest T1;
  if (const char *Why = flagTest(T1B, T1B == &Entry, T1))
    return Why;
  unsigned WorkIdx = work_if_true ? 0 : 1;
  BasicBlock *Work = T1.Br->getSuccessor(WorkIdx);
  BasicBlock *Other = T1.Br->getSuccessor(1 - WorkIdx);
  if (Work == T1B || Other == T1B || Work == Other)
    return "the helper's test goes back to itself";
  // A second flag's test on the first's other way.
  FlagTest T2;
  bool Second = false;
  if (!returnsAtOnce(Other)) {
    if (Other->getSinglePredecessor() != T1B || flagTest(Other, false, T2))
      return "the helper's test does not return at once on its other way";
    BasicBlock *A = T2.Br->getSuccessor(0), *B = T2.Br->getSuccessor(1);
    if (!((A == Work && returnsAtOnce(B)) || (B == Work && returnsAtOnce(A))))
      return "the helper's second test does not go to the work or return at once";
    Second = true;
  }
  Function *G = *entered ? cast<Function>(unwrap(*entered)) : nullptr;
  if (!G) {
    ValueToValueMapTy VMap;
    G = CloneFunction(F, VMap);
    G->setName(F->getName() + ".entered");
    G->setLinkage(GlobalValue::InternalLinkage);
    G->setVisibility(GlobalValue::DefaultVisibility);
    G->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    G->setComdat(nullptr);
    BasicBlock &GE = G->getEntryBlock();
    auto *GWork = cast<BasicBlock>(VMap[Work]);
    if (T1B == &Entry) {
      // The copy's test and load are the caller's now: gone from the copy, the volatile
      // load too (its one use was the test).
      auto *GBr = cast<BranchInst>(GE.getTerminator());
      BasicBlock *Skip = GBr->getSuccessor(1 - WorkIdx);
      Skip->removePredecessor(&GE);
      BranchInst *To = BranchInst::Create(GWork, GBr->getIterator());
      To->setDebugLoc(GBr->getDebugLoc());
      GBr->eraseFromParent();
      auto *GCond = cast<Instruction>(VMap[T1.Cond]);
      auto *GLoad = cast<Instruction>(VMap[T1.Load]);
      if (!GCond->use_empty() || (GLoad != GCond && !GLoad->hasOneUse())) {
        G->eraseFromParent();
        return "the helper uses the flag's value past its test";
      }
      GCond->eraseFromParent();
      if (GLoad != GCond)
        GLoad->eraseFromParent();
      if (T1.Field)
        cast<Instruction>(VMap[T1.Field])->eraseFromParent();
    } else {
      // The entry goes on to the work; the tests stay for the helper's own loop, which
      // comes back to them.
      auto *GBr = cast<BranchInst>(GE.getTerminator());
      auto *GT1 = cast<BasicBlock>(VMap[T1B]);
      GT1->removePredecessor(&GE);
      GBr->setSuccessor(0, GWork);
    }
    removeUnreachableBlocks(*G);
    *entered = wrap(G);
  }
  BasicBlock *BB = CI->getParent();
  BasicBlock *Call = SplitBlock(BB, CI, (DominatorTree *)nullptr, nullptr, nullptr,
                                BB->getName() + ".guarded");
  SplitBlock(Call, CI->getNextNode(), (DominatorTree *)nullptr, nullptr, nullptr,
             BB->getName() + ".unguarded");
  BasicBlock *After = Call->getSingleSuccessor();
  Instruction *Old = BB->getTerminator();
  // The flag's address as the caller has it: its own value of the argument.
  auto Actual = [&](Value *V) -> Value * {
    if (auto *A = dyn_cast<Argument>(V))
      return CI->getArgOperand(A->getArgNo());
    return V;
  };
  // The test `T` made again before `Before`: its condition in the caller.
  auto Retest = [&](const FlagTest &T, Instruction *Before) -> Value * {
    Value *Addr = Actual(T.Load->getPointerOperand());
    if (T.Field) {
      Instruction *F2 = T.Field->clone();
      F2->setOperand(0, Actual(T.Field->getPointerOperand()));
      F2->insertBefore(Before);
      F2->setDebugLoc(CI->getDebugLoc());
      Addr = F2;
    }
    Instruction *L2 = T.Load->clone();
    L2->setOperand(LoadInst::getPointerOperandIndex(), Addr);
    L2->insertBefore(Before);
    L2->setDebugLoc(CI->getDebugLoc());
    L2->setName(T.Load->getName().empty() ? "mc.guard.flag" : T.Load->getName() + ".guard");
    if (T.Cond == T.Load)
      return L2;
    Instruction *C2 = T.Cond->clone();
    C2->replaceUsesOfWith(T.Load, L2);
    C2->insertBefore(Before);
    C2->setDebugLoc(CI->getDebugLoc());
    C2->setName("mc.guard.test");
    return C2;
  };
  // The first test's other way: the second test, in a block of its own, or the way on.
  BasicBlock *Next = After;
  if (Second) {
    Next = BasicBlock::Create(CI->getContext(), BB->getName() + ".guard2", BB->getParent(), Call);
    auto *Tmp = new UnreachableInst(CI->getContext(), Next);
    Value *Test2 = Retest(T2, Tmp);
    BranchInst *B2 = T2.Br->getSuccessor(0) == Work
                         ? BranchInst::Create(Call, After, Test2, Tmp->getIterator())
                         : BranchInst::Create(After, Call, Test2, Tmp->getIterator());
    B2->setDebugLoc(CI->getDebugLoc());
    Tmp->eraseFromParent();
  }
  Value *Test = Retest(T1, Old);
  BranchInst *Guard = work_if_true ? BranchInst::Create(Call, Next, Test, Old->getIterator())
                                   : BranchInst::Create(Next, Call, Test, Old->getIterator());
  Guard->setDebugLoc(CI->getDebugLoc());
  Old->eraseFromParent();
  CI->setCalledFunction(G);
  return nullptr;
}

// The functions the indirect call `call` may call, as LLVM's CalledValuePropagation found
// them (`!callees` metadata): up to `max` written to `out`; the number there are, or -1 when
// the call has no such metadata.
int syscluster_shim_known_callees(LLVMValueRef call, LLVMValueRef *out, unsigned max) {
  auto *CB = dyn_cast<CallBase>(unwrap(call));
  if (!CB)
    return -1;
  MDNode *MD = CB->getMetadata(LLVMContext::MD_callees);
  if (!MD)
    return -1;
  unsigned N = 0;
  for (const MDOperand &Op : MD->operands()) {
    auto *F = mdconst::dyn_extract_or_null<Function>(Op);
    if (!F)
      return -1;
    if (N < max)
      out[N] = wrap(F);
    ++N;
  }
  return static_cast<int>(N);
}

// Promotes the indirect call `call` to a direct call of `callee` guarded by a compare of the
// called pointer (LLVM's promoteCallWithIfThenElse): `call` stays, now direct, in the branch
// where the pointer is `callee`; a copy of the indirect call runs for any other value; a phi
// joins their results. Only when LLVM's isLegalToPromote accepts it (the same number and
// types of arguments and the same return type). The caller's analyses are invalidated.
// Returns null when done, else the reason (a static string) with nothing changed.
const char *syscluster_shim_promote_call(void *ctx, LLVMValueRef call, LLVMValueRef callee) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *CB = dyn_cast<CallBase>(unwrap(call));
  auto *F = dyn_cast<Function>(unwrap(callee));
  if (!CB || !F)
    return "it is not a call of a function";
  if (CB->getCalledFunction())
    return "the call is direct already";
  if (CB->isMustTailCall())
    return "the call is a musttail call";
  const char *Reason = nullptr;
  if (!isLegalToPromote(*CB, F, &Reason))
    return Reason ? Reason : "LLVM cannot make it a direct call";
  Function *Caller = CB->getFunction();
  promoteCallWithIfThenElse(*CB, F, /*BranchWeights=*/nullptr);
  C.FAM.invalidate(*Caller, PreservedAnalyses::none());
  return nullptr;
}

// For copies of blocks (`Copies[i]` of `Orig[i]`): each block a copy branches to outside the
// copies gets the copy as a predecessor in its phis, one entry per edge (a switch with several
// cases to one block gives as many), with the value the original block gave (its copy where it
// has one).
static void addCopyEdges(ArrayRef<BasicBlock *> Orig, ArrayRef<BasicBlock *> Copies,
                         ValueToValueMapTy &VMap) {
  for (unsigned i = 0; i < Copies.size(); ++i) {
    if (!Copies[i])
      continue;
    SmallPtrSet<BasicBlock *, 8> Seen;
    for (BasicBlock *Succ : successors(Copies[i])) {
      if (is_contained(Copies, Succ) || !Seen.insert(Succ).second)
        continue;
      unsigned Edges = count(successors(Copies[i]), Succ);
      for (PHINode &Phi : Succ->phis()) {
        Value *V = Phi.getIncomingValueForBlock(Orig[i]);
        auto It = VMap.find(V);
        if (It != VMap.end())
          V = It->second;
        unsigned Have = count(Phi.blocks(), Copies[i]);
        for (; Have < Edges; ++Have)
          Phi.addIncoming(V, Copies[i]);
      }
    }
  }
}

// For copies of blocks: each value of an original block used out of that block is joined with
// its copy where the two ways meet (SSAUpdater).
static void joinWithCopies(ArrayRef<BasicBlock *> Orig, ArrayRef<BasicBlock *> Copies,
                           ValueToValueMapTy &VMap) {
  SSAUpdater Updater;
  for (unsigned i = 0; i < Copies.size(); ++i) {
    if (!Copies[i])
      continue;
    for (Instruction &I : *Orig[i]) {
      auto It = VMap.find(&I);
      if (It == VMap.end())
        continue;
      Value *Copy = It->second;
      SmallVector<Use *, 8> Outside;
      for (Use &U : I.uses()) {
        auto *User = cast<Instruction>(U.getUser());
        BasicBlock *UseBB = User->getParent();
        if (auto *Phi = dyn_cast<PHINode>(User))
          UseBB = Phi->getIncomingBlock(U);
        if (UseBB != Orig[i])
          Outside.push_back(&U);
      }
      if (Outside.empty())
        continue;
      Updater.Initialize(I.getType(), I.getName());
      Updater.AddAvailableValue(Orig[i], &I);
      Updater.AddAvailableValue(Copies[i], Copy);
      for (Use *U : Outside)
        Updater.RewriteUse(*U);
    }
  }
}

// Whether the control flow that syscluster_shim_duplicate_path leaves for the path `P` copied
// from `P[K]` on, with the blocks off it `Sides` (each with the copy that enters it: a path
// index, or P.size() + a side's index), is reducible: a model of the blocks' edges after the
// copy (path[K-1] and each copy go on to the next copy, the copies keep their other edges,
// a side's copy is entered from its block's copy and goes on to the copies of path blocks),
// in which every edge to a block at or before its source in reverse post-order goes to a
// block that dominates its source (Cooper, Harvey and Kennedy's dominators over the model).
static bool reducibleAfterCopy(ArrayRef<BasicBlock *> P, unsigned K,
                               ArrayRef<std::pair<BasicBlock *, unsigned>> Sides) {
  Function &F = *P[0]->getParent();
  DenseMap<BasicBlock *, unsigned> Id;
  unsigned B = 0;
  for (BasicBlock &BB : F)
    Id[&BB] = B++;
  const unsigned N = P.size();
  auto Copy = [&](unsigned i) { return B + i; };
  std::vector<SmallVector<unsigned, 2>> Succ(B + N + Sides.size());
  auto SideFrom = [&](BasicBlock *S, unsigned From) -> int {
    for (unsigned k = 0; k < Sides.size(); ++k)
      if (Sides[k].first == S && Sides[k].second == From)
        return int(k);
    return -1;
  };
  for (BasicBlock &BB : F)
    for (BasicBlock *S : successors(&BB))
      Succ[Id[&BB]].push_back(&BB == P[K - 1] && S == P[K] ? Copy(K) : Id[S]);
  for (unsigned i = K; i < N; ++i)
    for (BasicBlock *S : successors(P[i])) {
      int Side = SideFrom(S, i);
      Succ[Copy(i)].push_back(i + 1 < N && S == P[i + 1] ? Copy(i + 1)
                              : Side >= 0               ? Copy(N + Side)
                                                        : Id[S]);
    }
  for (unsigned k = 0; k < Sides.size(); ++k)
    for (BasicBlock *S : successors(Sides[k].first)) {
      unsigned T = Id[S];
      for (unsigned j = K; j < N; ++j)
        if (P[j] == S)
          T = Copy(j);
      int Side = SideFrom(S, N + k);
      Succ[Copy(N + k)].push_back(Side >= 0 ? Copy(N + Side) : T);
    }
  // Reverse post-order from the entry (an iterative depth-first walk).
  const unsigned None = ~0u;
  std::vector<unsigned> Order, Rpo(Succ.size(), None);
  std::vector<bool> Seen(Succ.size(), false);
  std::vector<std::pair<unsigned, unsigned>> Stack{{Id[&F.getEntryBlock()], 0}};
  Seen[Stack.back().first] = true;
  while (!Stack.empty()) {
    auto &[V, Next] = Stack.back();
    if (Next < Succ[V].size()) {
      unsigned W = Succ[V][Next++];
      if (!Seen[W]) {
        Seen[W] = true;
        Stack.push_back({W, 0});
      }
      continue;
    }
    Order.push_back(V);
    Stack.pop_back();
  }
  std::reverse(Order.begin(), Order.end());
  for (unsigned r = 0; r < Order.size(); ++r)
    Rpo[Order[r]] = r;
  std::vector<SmallVector<unsigned, 2>> Pred(Succ.size());
  for (unsigned V : Order)
    for (unsigned W : Succ[V])
      Pred[W].push_back(V);
  std::vector<unsigned> Idom(Succ.size(), None);
  Idom[Order[0]] = Order[0];
  auto Intersect = [&](unsigned A, unsigned C) {
    while (A != C) {
      while (Rpo[A] > Rpo[C])
        A = Idom[A];
      while (Rpo[C] > Rpo[A])
        C = Idom[C];
    }
    return A;
  };
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (unsigned r = 1; r < Order.size(); ++r) {
      unsigned V = Order[r], New = None;
      for (unsigned U : Pred[V])
        if (Idom[U] != None)
          New = New == None ? U : Intersect(U, New);
      if (New != Idom[V]) {
        Idom[V] = New;
        Changed = true;
      }
    }
  }
  auto Dominates = [&](unsigned A, unsigned V) {
    for (;;) {
      if (V == A)
        return true;
      if (Idom[V] == V)
        return false;
      V = Idom[V];
    }
  };
  for (unsigned V : Order)
    for (unsigned W : Succ[V])
      if (Rpo[W] <= Rpo[V] && !Dominates(W, V))
        return false;
  return true;
}

// For a path whose copies include a loop header entered from inside its loop (the header
// dominates path[0]): whether every edge a copy takes off the path keeps the control flow
// reducible, and the blocks off the path that must be copied with it for that (`Sides`, each
// with the one block that enters it: a path index, or P.size() + the index of a side). The
// copies are entered from path[K-1] alone, so a cycle through them comes back to path[0..K). Each edge off the path
// must go to one of those blocks (a cycle that they head), to a copied header itself, out of
// every copied header's loop, or to a block whose one way on (one successor each, at most 8
// blocks) reaches a copied header. Otherwise the block it goes to is copied too when it has
// no phis, ends in a branch or a switch, is entered from one block of the path or of those
// copied with it, and every edge out of it meets those rules, goes to a later block of the
// path (a write's error test that joins the way on again, as an EINTR retry does) or to
// another block copied that way (a write's tests one after the other: `w < 0`, `w == 0`, at
// most 8 blocks in all); anything else could enter a cycle of the loop that leaves its
// header out somewhere other than that cycle's own head. An edge of a copy to a block of the
// path itself (a read's end of input that joins the way on later, a short read that goes
// round the original loop) stays as it is. Last, the control flow the copy would leave,
// with those sides, must be reducible (`reducibleAfterCopy`), which also settles such edges.
static bool copiesReturnToHeader(ArrayRef<BasicBlock *> P, unsigned K, DominatorTree &DT,
                                 std::vector<std::pair<BasicBlock *, unsigned>> &Sides) {
  SmallPtrSet<BasicBlock *, 8> Before(P.begin(), P.begin() + K);
  SmallPtrSet<BasicBlock *, 4> Headers;
  SmallPtrSet<BasicBlock *, 32> InLoop;
  // The loops of the copied headers: the blocks that reach a header's back edge from it.
  for (unsigned i = K; i < P.size(); ++i) {
    BasicBlock *H = P[i];
    bool IsHeader = false;
    SmallVector<BasicBlock *, 16> Work;
    for (BasicBlock *Pred : predecessors(H))
      if (DT.dominates(H, Pred)) {
        IsHeader = true;
        Work.push_back(Pred);
      }
    if (!IsHeader || !DT.dominates(H, P[0]))
      continue;
    Headers.insert(H);
    InLoop.insert(H);
    while (!Work.empty()) {
      BasicBlock *B = Work.pop_back_val();
      if (!InLoop.insert(B).second)
        continue;
      for (BasicBlock *Pred : predecessors(B))
        Work.push_back(Pred);
    }
  }
  auto Kept = [&](BasicBlock *S) {
    if (Before.count(S) || Headers.count(S) || !InLoop.count(S))
      return true;
    BasicBlock *B = S;
    for (unsigned Step = 0; Step < 8 && B; ++Step) {
      if (Headers.count(B))
        return true;
      B = B->getSingleSuccessor();
    }
    return false;
  };
  auto Later = [&](BasicBlock *T, unsigned i) {
    for (unsigned j = std::max(i + 1, K); j < P.size(); ++j)
      if (P[j] == T)
        return true;
    return false;
  };
  // Sides[k] is entered from `From`: a path index below P.size(), else the side
  // P.size() + k' (a side entered from another, as a write's error tests chain: `w < 0`,
  // then `w == 0`, then the advance). `Root` is the path block the chain leaves from.
  const unsigned N = P.size();
  std::vector<unsigned> Root;
  auto InSides = [&](BasicBlock *B) {
    for (auto &[Side, From] : Sides)
      if (Side == B)
        return true;
    return false;
  };
  SmallVector<std::pair<BasicBlock *, unsigned>, 8> Work;
  for (unsigned i = K; i < N; ++i)
    Work.push_back({P[i], i});
  while (!Work.empty()) {
    auto [B, From] = Work.pop_back_val();
    unsigned R = From < N ? From : Root[From - N];
    for (BasicBlock *S : successors(B)) {
      if ((From < N && From + 1 < N && S == P[From + 1]) || Kept(S) ||
          (From >= N && Later(S, R)))
        continue;
      bool Known = false;
      for (auto &[Side, SFrom] : Sides)
        Known |= Side == S && SFrom == From;
      if (Known)
        continue;
      // A block of the path itself stays the copy's successor (a read's end of file that
      // joins the way on later, a short read that goes round an inner loop of the path):
      // the model of the copied control flow below decides.
      if (is_contained(P, S))
        continue;
      unsigned Entered = 0;
      for (BasicBlock *Pred : predecessors(S))
        Entered += is_contained(P, Pred) || InSides(Pred);
      if (InSides(S) || S->isEHPad() || !S->phis().empty() ||
          Entered != 1 || Sides.size() >= 8 ||
          !(isa<BranchInst>(S->getTerminator()) || isa<SwitchInst>(S->getTerminator())))
        return false;
      for (Instruction &I : *S)
        if (I.getType()->isTokenTy() || mayNotCopy(I))
          return false;
      Sides.push_back({S, From});
      Root.push_back(R);
      Work.push_back({S, N + unsigned(Sides.size() - 1)});
    }
  }
  return reducibleAfterCopy(P, K, Sides);
}

// Folds the conditional branches of `Copies` that the way into them decides: a copy entered
// through one-way blocks from a conditional branch whose condition implies the copy's (a
// loop header's `len == 0` copied onto the way from a read that went on because
// `len > 0`) goes the one way it can, and the other successor loses it as a predecessor;
// never a copy of the path itself.
static void foldImpliedBranches(ArrayRef<BasicBlock *> Copies, const DataLayout &DL) {
  for (BasicBlock *BB : Copies) {
    if (!BB)
      continue;
    auto *Br = dyn_cast<BranchInst>(BB->getTerminator());
    if (!Br || !Br->isConditional() || Br->getSuccessor(0) == Br->getSuccessor(1))
      continue;
    std::optional<bool> Known;
    BasicBlock *Cur = BB;
    for (unsigned Step = 0; Step < 8; ++Step) {
      BasicBlock *Pred = Cur->getSinglePredecessor();
      auto *PBr = Pred ? dyn_cast<BranchInst>(Pred->getTerminator()) : nullptr;
      if (!PBr)
        break;
      if (PBr->isConditional()) {
        if (PBr->getSuccessor(0) != PBr->getSuccessor(1))
          Known = isImpliedCondition(PBr->getCondition(), Br->getCondition(), DL,
                                     PBr->getSuccessor(0) == Cur);
        break;
      }
      Cur = Pred;
    }
    if (!Known)
      continue;
    BasicBlock *Live = Br->getSuccessor(*Known ? 0 : 1);
    BasicBlock *Dead = Br->getSuccessor(*Known ? 1 : 0);
    // A test that contradicts the path (the shortest path need not be one the program
    // takes) stays: folding it would leave the rest of the copies unreachable.
    if (is_contained(Copies, Dead))
      continue;
    Value *Cond = Br->getCondition();
    Dead->removePredecessor(BB);
    IRBuilder<> B(Br);
    B.CreateBr(Live);
    Br->eraseFromParent();
    RecursivelyDeleteTriviallyDeadInstructions(Cond);
  }
}

// Threads the joins of `Copies` that a copied side decides: a copy `C` of a path block that
// holds only phis, at most one comparison of one of them with a constant and a conditional
// branch on it, entered from a side's copy `S` whose value for that phi is a constant (an
// `EINTR` retry beside the path that joins it again with the count it started from, 0 in
// the copy), has its test decided on that edge: `S` goes straight to the successor `T` it
// leads to, whose phis take from `S` what `C` would have passed them. Only where every use
// of `C`'s values stays behind `C`: in `C`, in blocks entered from `C`'s single-entry region
// alone, or in phis on edges from there, and `T` is not in that region (so the new edge
// enters no block that `C` dominated). `N` is the path's length: the side copies are
// `Copies[N..]`.
static void threadSideJoins(ArrayRef<BasicBlock *> Copies, unsigned N) {
  for (unsigned k = N; k < Copies.size(); ++k) {
    BasicBlock *S = Copies[k];
    for (BasicBlock *C : successors(S)) {
      if (!is_contained(Copies.take_front(N), C))
        continue;
      auto *Br = dyn_cast<BranchInst>(C->getTerminator());
      if (!Br || !Br->isConditional())
        continue;
      auto *Cmp = dyn_cast<ICmpInst>(Br->getCondition());
      auto *Phi = Cmp ? dyn_cast<PHINode>(Cmp->getOperand(0)) : nullptr;
      auto *Bound = Cmp ? dyn_cast<ConstantInt>(Cmp->getOperand(1)) : nullptr;
      if (!Cmp || !Phi || !Bound || Phi->getParent() != C || Cmp->getParent() != C)
        continue;
      bool OnlyThose = true;
      for (Instruction &I : *C)
        OnlyThose &= isa<PHINode>(I) || &I == Cmp || &I == Br || isa<DbgInfoIntrinsic>(I);
      auto *Val = dyn_cast_or_null<ConstantInt>(Phi->getIncomingValueForBlock(S));
      if (!OnlyThose || !Val || count(successors(S), C) != 1)
        continue;
      bool Holds = ICmpInst::compare(Val->getValue(), Bound->getValue(), Cmp->getPredicate());
      BasicBlock *T = Br->getSuccessor(Holds ? 0 : 1);
      // `C`'s single-entry region: `C`, and the blocks all of whose predecessors are in it.
      SmallPtrSet<BasicBlock *, 8> Region{C};
      for (bool Grew = true; Grew && Region.size() < 16;) {
        Grew = false;
        for (BasicBlock *R : SmallVector<BasicBlock *, 8>(Region.begin(), Region.end()))
          for (BasicBlock *Succ : successors(R))
            if (!Region.count(Succ) && !pred_empty(Succ) &&
                all_of(predecessors(Succ), [&](BasicBlock *P) { return Region.count(P); })) {
              Region.insert(Succ);
              Grew = true;
            }
      }
      if (Region.count(T))
        continue;
      bool Behind = true;
      for (Instruction &I : *C)
        for (Use &U : I.uses()) {
          auto *User = cast<Instruction>(U.getUser());
          BasicBlock *At = User->getParent();
          if (auto *P = dyn_cast<PHINode>(User))
            At = P->getIncomingBlock(U);
          Behind &= Region.count(At) > 0;
        }
      // What `T`'s phis get from `C`: a phi of `C` gives its value from `S`; anything else
      // defined in `C` cannot be given.
      SmallVector<std::pair<PHINode *, Value *>, 4> Adds;
      for (PHINode &TP : T->phis()) {
        Value *V = TP.getIncomingValueForBlock(C);
        if (auto *VP = dyn_cast<PHINode>(V); VP && VP->getParent() == C)
          V = VP->getIncomingValueForBlock(S);
        else if (auto *VI = dyn_cast<Instruction>(V); VI && VI->getParent() == C)
          Behind = false;
        Adds.push_back({&TP, V});
      }
      if (!Behind)
        continue;
      for (auto &[TP, V] : Adds)
        TP->addIncoming(V, S);
      S->getTerminator()->replaceSuccessorWith(C, T);
      C->removePredecessor(S, /*KeepOneInputPHIs=*/true);
      break; // `S`'s successors changed: its next successor is looked at no more.
    }
  }
}

// Tail duplication along a path (superblock formation): `path[0..n)` is a path of CFG edges
// path[i-1] -> path[i] in one function, no block twice. From the first block after path[0]
// that has a predecessor other than the one before it on the path, every block of the path is
// copied, and the path is redirected through the copies, so that the copy of path[n-1] is
// entered only by way of path[0]. A copy's phis keep the value of the edge the path enters it
// by; the original loses that edge only where path[0]'s own edge was redirected; blocks the
// copies branch to off the path get the copies as predecessors, with the copied values; a value
// defined in a copied block and used elsewhere is joined with its copy by SSAUpdater. Refused,
// with nothing changed, when the copied blocks have more than `max_insts` instructions, when
// one is a loop header (a block with a predecessor it dominates: copying it would make a loop
// with two entries), an exception-handling pad, or ends in an indirectbr or callbr, or when
// there is nothing to copy. Returns null when done, else the reason (a static string); the
// function's analyses are invalidated after a change. `*copied` gets the number of blocks
// copied.
//
// With `new_header` (moving a loop's start, transform/reheader.rs): path[0] is the loop's one
// way in, path[1] its header, and path[n-1] ends in an unconditional branch to the block that
// is to head the loop. The header may then be copied: every way into the loop then passes
// that block, which dominates the rest of the loop, so the loop keeps one entry. The phis the
// header is left with, which have one incoming value each, are folded into it.
const char *syscluster_shim_duplicate_path(void *ctx, LLVMBasicBlockRef *path, unsigned n,
                                           unsigned max_insts, int new_header,
                                           unsigned *copied) {
  auto &C = *static_cast<Ctx *>(ctx);
  *copied = 0;
  if (n < 2)
    return "the path has fewer than two blocks";
  std::vector<BasicBlock *> P;
  for (unsigned i = 0; i < n; ++i)
    P.push_back(unwrap(path[i]));
  Function *F = P[0]->getParent();
  for (unsigned i = 1; i < n; ++i) {
    if (P[i]->getParent() != F)
      return "the path leaves its function";
    if (!is_contained(successors(P[i - 1]), P[i]))
      return "the path has a step that is not an edge of the control flow";
    for (unsigned j = 0; j < i; ++j)
      if (P[j] == P[i])
        return "the path goes through a block twice";
  }
  unsigned K = 0;
  for (unsigned i = 1; i < n && !K; ++i)
    for (BasicBlock *Pred : predecessors(P[i]))
      if (Pred != P[i - 1]) {
        K = i;
        break;
      }
  if (!K)
    return "every block of the path is entered from the path only: there is nothing to copy";
  DominatorTree &DT = C.FAM.getResult<DominatorTreeAnalysis>(*F);
  unsigned Insts = 0;
  bool CopiesHeader = false;
  for (unsigned i = K; i < n; ++i) {
    BasicBlock *BB = P[i];
    if (BB->isEHPad())
      return "a block of the path is an exception-handling pad";
    if (isa<IndirectBrInst>(BB->getTerminator()) || isa<CallBrInst>(BB->getTerminator()))
      return "a block of the path ends in an indirect branch";
    bool MovesHeader = new_header && i == 1 && K == 1;
    // A header that dominates path[0] is entered by the path from inside its own loop: its
    // copy, and every copy after it, is dominated by it, so the loop keeps its one entry.
    bool InsideHeader = DT.dominates(BB, P[0]);
    for (BasicBlock *Pred : predecessors(BB))
      if (DT.dominates(BB, Pred) && !MovesHeader) {
        if (!InsideHeader)
          return "a block of the path heads a loop: a copy would give the loop a second entry";
        CopiesHeader = true;
      }
    for (Instruction &I : *BB) {
      if (I.getType()->isTokenTy())
        return "a block of the path defines a token, which cannot be joined with a copy";
      if (mayNotCopy(I))
        return "a block of the path makes a call that must not be duplicated";
    }
    Insts += BB->size();
  }
  if (Insts > max_insts)
    return "the blocks to copy have more instructions than the limit";
  std::vector<std::pair<BasicBlock *, unsigned>> Sides;
  if (CopiesHeader && !copiesReturnToHeader(P, K, DT, Sides))
    return "a copy would branch into the loop where a way back to the path avoids its header";
  for (auto &[S, From] : Sides)
    Insts += S->size();
  if (Insts > max_insts)
    return "the blocks to copy have more instructions than the limit";
  if (new_header) {
    auto *Last = dyn_cast<BranchInst>(P[n - 1]->getTerminator());
    if (K != 1 || !Last || Last->isConditional())
      return "the path does not end in an unconditional branch to the loop's new header";
  }

  ValueToValueMapTy VMap;
  std::vector<BasicBlock *> Copies(n, nullptr);
  for (unsigned i = K; i < n; ++i) {
    Copies[i] = CloneBasicBlock(P[i], VMap, ".dup", F);
    Copies[i]->moveAfter(i == K ? P[n - 1] : Copies[i - 1]);
  }
  // The blocks off the path copied with it, after the path's (they have no phis).
  std::vector<BasicBlock *> Orig(P.begin(), P.end());
  for (auto &[S, From] : Sides) {
    Orig.push_back(S);
    Copies.push_back(CloneBasicBlock(S, VMap, ".dup", F));
    Copies.back()->moveAfter(Copies[Copies.size() - 2]);
  }
  auto SideCopy = [&](unsigned k) { return Copies[n + k]; };
  // Whether a value of the copied block `DefBB` is its copy's in copy `At` (a path index
  // below n, else n + a side's index): only where that copy comes before `At` on every way
  // the copies take, the path blocks from K up to `At` (or to the block a side leaves from)
  // and the sides of `At`'s chain. Elsewhere it is a value from the iteration before (a
  // block the path passes later, a side that a later block enters), which stays the
  // original's: joinWithCopies meets it with its copy where the ways round merge.
  auto Visible = [&](const BasicBlock *DefBB, unsigned At) {
    while (At >= n) {
      auto [Side, From] = Sides[At - n];
      if (Side == DefBB)
        return true;
      At = From;
    }
    for (unsigned j = K; j <= At; ++j)
      if (P[j] == DefBB)
        return true;
    return false;
  };
  // The map of values to their copies as copy `At` sees them.
  auto MapFor = [&](unsigned At, ValueToValueMapTy &Local) {
    for (auto It = VMap.begin(); It != VMap.end(); ++It) {
      auto *Def = dyn_cast<Instruction>(It->first);
      if (Def && Visible(Def->getParent(), At))
        Local[It->first] = It->second;
    }
  };
  // The predecessor of each copy on the path: path[K-1] itself, then the copies.
  auto PathPred = [&](unsigned i) { return i == K ? P[K - 1] : Copies[i - 1]; };
  // Operands of the copies but their phis: values of the copied blocks become their copies
  // where the copy sees them (`Visible`); a copied phi, still in place, stands for its value.
  for (unsigned At = K; At < Copies.size(); ++At) {
    if (!Copies[At])
      continue;
    ValueToValueMapTy Local;
    MapFor(At, Local);
    for (Instruction &I : *Copies[At]) {
      if (isa<PHINode>(I))
        continue;
      RemapInstruction(&I, Local, RF_IgnoreMissingLocals | RF_NoModuleLevelChanges);
      RemapDbgRecordRange(F->getParent(), I.getDbgRecordRange(), Local,
                          RF_IgnoreMissingLocals | RF_NoModuleLevelChanges);
    }
  }
  // Phis of the copies, after the operands: only the edge the path enters by, with its value
  // as copied, and the edges from the copies of the blocks off the path that come back to it.
  // Their values are final here and mapped no more: a value of the iteration before (a
  // header's phi taking what a later block of the path computed) stays the original's even
  // where that block's copy comes before, and joinWithCopies joins it with its copy.
  for (unsigned i = K; i < n; ++i)
    for (PHINode &OrigPhi : P[i]->phis()) {
      auto *Copy = cast<PHINode>(VMap[&OrigPhi]);
      // The value as copy `At` has it (a value of the iteration before stays the
      // original's: a total carried round a copied header).
      auto Mapped = [&](Value *V, unsigned At) {
        auto *Def = dyn_cast<Instruction>(V);
        auto It = VMap.find(V);
        if (!Def || It == VMap.end() || !Visible(Def->getParent(), At))
          return V;
        return static_cast<Value *>(It->second);
      };
      Value *V = OrigPhi.getIncomingValueForBlock(P[i - 1]);
      if (i > K)
        V = Mapped(V, i - 1);
      SmallVector<std::pair<Value *, BasicBlock *>, 2> Rejoin;
      for (unsigned k = 0; k < Sides.size(); ++k)
        for (BasicBlock *T : successors(Sides[k].first))
          if (T == P[i])
            Rejoin.push_back(
                {Mapped(OrigPhi.getIncomingValueForBlock(Sides[k].first), n + k), SideCopy(k)});
      if (Rejoin.empty()) {
        Copy->replaceAllUsesWith(V);
        Copy->eraseFromParent();
        VMap[&OrigPhi] = V;
        continue;
      }
      while (Copy->getNumIncomingValues())
        Copy->removeIncomingValue(0u, /*DeletePHIIfEmpty=*/false);
      Copy->addIncoming(V, PathPred(i));
      for (auto &[W, From] : Rejoin)
        Copy->addIncoming(W, From);
    }
  // Edges: path[K-1] and each copy go on to the next copy.
  for (unsigned i = K; i < n; ++i) {
    BasicBlock *Pred = PathPred(i);
    Pred->getTerminator()->replaceSuccessorWith(P[i], Copies[i]);
    if (i == K)
      for (PHINode &Phi : P[K]->phis())
        while (Phi.getBasicBlockIndex(P[K - 1]) >= 0)
          Phi.removeIncomingValue(P[K - 1], /*DeletePHIIfEmpty=*/false);
  }
  // The copies of the blocks off the path: entered from the copy of the block that enters them
  // (Copies[From]: a path block's or a side's), and back to the copies of the later path
  // blocks they go to.
  for (unsigned k = 0; k < Sides.size(); ++k) {
    auto [S, From] = Sides[k];
    Copies[From]->getTerminator()->replaceSuccessorWith(S, SideCopy(k));
    for (unsigned j = K; j < n; ++j)
      SideCopy(k)->getTerminator()->replaceSuccessorWith(P[j], Copies[j]);
  }
  // Blocks the copies branch to off the path: the copies are new predecessors. Values
  // defined in the copied blocks and used elsewhere: joined with their copies.
  addCopyEdges(Orig, Copies, VMap);
  joinWithCopies(Orig, Copies, VMap);
  if (new_header)
    FoldSingleEntryPHINodes(P[1]);
  if (CopiesHeader) {
    // A copied header's phis took the way round's values (a count started afresh at 0): what
    // they compute in the copies (`add %n, 0`, `4096 - 0`, `gep %buf, 0`) folds as
    // instsimplify would, so that the copy's calls take the read's own result and constants.
    // No dominator tree: the function's is out of date until the analyses are recomputed.
    const SimplifyQuery SQ(F->getDataLayout());
    for (BasicBlock *Copy : Copies) {
      if (!Copy)
        continue;
      for (Instruction &I : make_early_inc_range(*Copy))
        if (!isa<CallBase>(I) && !I.use_empty())
          if (Value *V = simplifyInstruction(&I, SQ); V && V != &I)
            I.replaceAllUsesWith(V);
    }
    foldImpliedBranches(Copies, F->getDataLayout());
    threadSideJoins(Copies, n);
    // What the folds left: phis of one way in (the join a side no longer enters) and
    // arithmetic nothing uses any more.
    for (BasicBlock *Copy : Copies) {
      if (!Copy)
        continue;
      if (Copy->getSinglePredecessor())
        FoldSingleEntryPHINodes(Copy);
      for (Instruction &I : make_early_inc_range(*Copy))
        if (!isa<CallBase>(I) && !I.isTerminator() && I.use_empty() &&
            wouldInstructionBeTriviallyDead(&I))
          I.eraseFromParent();
    }
  }
  *copied = n - K + Sides.size();
  C.FAM.invalidate(*F, PreservedAnalyses::none());
  return nullptr;
}

// Merges `twin` into `keep` (undoing the copy LLVM's loop rotation made of a loop's first
// block for its way in): `twin` and `keep` are two blocks of one function with no phis, the
// same successors in the same order, and `keep`'s instructions the last ones of `twin`, in the
// same order, each the same operation with the same flags on the same operands, or on the
// instructions of its own block at the same place. When `twin` begins with more (the code
// before the loop that rotation put the copy after), it is split before them first. The
// values of those instructions are used only among them and by the phis of the successors;
// each such phi takes from `twin` the value it takes from `keep` (as its own block's), or
// values defined outside both, which a new phi of `keep` then joins. The ways into `twin`'s
// copied part then go to `keep` instead, and it is deleted: every way into it runs the same
// instructions on the same values in `keep`, and goes on to the same block with the same
// values. Returns null when done, else the reason (a static string), nothing changed.
const char *syscluster_shim_merge_twin(void *ctx, LLVMBasicBlockRef keep,
                                       LLVMBasicBlockRef twin) {
  auto &C = *static_cast<Ctx *>(ctx);
  BasicBlock *K = unwrap(keep), *T = unwrap(twin);
  Function *F = K->getParent();
  if (K == T || T->getParent() != F)
    return "the blocks are one block or in two functions";
  if (!K->phis().empty() || !T->phis().empty() || K->isEHPad() || T->isEHPad())
    return "a block begins with phis or is an exception-handling pad";
  if (is_contained(predecessors(T), K) || is_contained(predecessors(K), T) ||
      is_contained(predecessors(T), T) || pred_empty(T))
    return "the blocks enter each other or themselves";
  Instruction *KT = K->getTerminator(), *TT = T->getTerminator();
  if (!isa<BranchInst>(KT) || !isa<BranchInst>(TT) ||
      KT->getNumSuccessors() != TT->getNumSuccessors())
    return "the blocks do not end in the same branch";
  for (unsigned i = 0; i < KT->getNumSuccessors(); ++i)
    if (KT->getSuccessor(i) != TT->getSuccessor(i))
      return "the blocks go on to different blocks";
  auto Body = [](BasicBlock *B) {
    SmallVector<Instruction *, 16> Out;
    for (Instruction &I : *B)
      if (!isa<DbgInfoIntrinsic>(I))
        Out.push_back(&I);
    return Out;
  };
  SmallVector<Instruction *, 16> KI = Body(K), All = Body(T);
  if (All.size() < KI.size())
    return "the twin has fewer instructions";
  unsigned Offset = All.size() - KI.size();
  ArrayRef<Instruction *> TI = ArrayRef<Instruction *>(All).drop_front(Offset);
  DenseMap<Value *, Value *> Map;
  auto Mapped = [&](Value *V) {
    auto It = Map.find(V);
    return It == Map.end() ? V : It->second;
  };
  for (unsigned i = 0; i < KI.size(); ++i) {
    Instruction *A = TI[i], *B = KI[i];
    if (!A->isSameOperationAs(B) ||
        A->getRawSubclassOptionalData() != B->getRawSubclassOptionalData() ||
        A->getType()->isTokenTy() || mayNotCopy(*A))
      return "the blocks end in different instructions";
    for (unsigned k = 0; k < A->getNumOperands(); ++k)
      if (Mapped(A->getOperand(k)) != B->getOperand(k))
        return "the blocks end in different instructions";
    Map[A] = B;
  }
  // Split off, the twin is entered from its first part alone.
  if (!Offset)
    for (BasicBlock *P : predecessors(T))
      if (is_contained(predecessors(K), P))
        return "a block enters both";
  SmallPtrSet<Instruction *, 16> Copied(TI.begin(), TI.end());
  // Each successor once, in the terminator's order (the joins made below follow it).
  SmallVector<BasicBlock *, 4> Succs;
  for (BasicBlock *S : successors(T))
    if (!is_contained(Succs, S))
      Succs.push_back(S);
  for (Instruction *A : TI)
    for (Use &U : A->uses()) {
      auto *User = cast<Instruction>(U.getUser());
      if (Copied.count(User))
        continue;
      auto *Phi = dyn_cast<PHINode>(User);
      if (!Phi || !is_contained(Succs, Phi->getParent()) || Phi->getIncomingBlock(U) != T)
        return "a value of the twin is used past its successors";
    }
  auto Own = [&](Value *V, bool InTwin) {
    auto *I = dyn_cast<Instruction>(V);
    return I && (InTwin ? Copied.count(I) != 0 : I->getParent() == K);
  };
  SmallVector<std::tuple<PHINode *, Value *, Value *>, 4> Joins;
  for (BasicBlock *S : Succs)
    for (PHINode &Phi : S->phis()) {
      Value *VT = Phi.getIncomingValueForBlock(T), *VK = Phi.getIncomingValueForBlock(K);
      if (Mapped(VT) == VK)
        continue;
      if (Own(VT, true) || Own(VK, false))
        return "a phi after the blocks takes different values of their own from them";
      Joins.push_back({&Phi, VT, VK});
    }

  if (Offset)
    T = SplitBlock(T, TI[0]);
  SmallVector<BasicBlock *, 4> TPreds(predecessors(T)), KPreds(predecessors(K));
  IRBuilder<> B(K, K->begin());
  for (auto &[Phi, VT, VK] : Joins) {
    PHINode *N = B.CreatePHI(Phi->getType(), TPreds.size() + KPreds.size(),
                             Phi->getName() + ".twin");
    for (BasicBlock *P : TPreds)
      N->addIncoming(VT, P);
    for (BasicBlock *P : KPreds)
      N->addIncoming(VK, P);
    for (unsigned i = 0; i < Phi->getNumIncomingValues(); ++i)
      if (Phi->getIncomingBlock(i) == K)
        Phi->setIncomingValue(i, N);
  }
  SmallPtrSet<BasicBlock *, 4> Redirected;
  for (BasicBlock *P : TPreds)
    if (Redirected.insert(P).second)
      P->getTerminator()->replaceSuccessorWith(T, K);
  DeleteDeadBlock(T);
  C.FAM.invalidate(*F, PreservedAnalyses::none());
  return nullptr;
}

// Copies the top of a loop onto its way in, for a top that branches: `blocks[0]` is the loop's
// header, entered from `way_in` (outside the loop) and from the loop; `blocks` are the blocks
// of the loop that the header reaches without passing the new header, the last one ending in
// an unconditional branch to it (the block that new header was split from). Each block but
// the header is entered from `blocks` only, and no edge goes from `blocks` back to the header.
// The copies run once, from the way in; the originals at the end of each iteration, entered
// from the new header only, so that it heads the loop. Phis of the copied header take the way
// in's values; blocks the copies branch to out of the region get their edges in their phis;
// values of the region used out of their own block are joined with their copies
// (SSAUpdater); the old header's phis, left with one entry, are folded. Returns null when done
// (`*copied` blocks), else why nothing was changed.
const char *syscluster_shim_duplicate_region(void *ctx, LLVMBasicBlockRef way_in,
                                             LLVMBasicBlockRef *blocks, unsigned n,
                                             unsigned max_insts, unsigned *copied) {
  auto &C = *static_cast<Ctx *>(ctx);
  *copied = 0;
  if (n < 2)
    return "the region has fewer than two blocks";
  BasicBlock *In = unwrap(way_in);
  std::vector<BasicBlock *> R;
  SmallPtrSet<BasicBlock *, 16> InR;
  for (unsigned i = 0; i < n; ++i) {
    R.push_back(unwrap(blocks[i]));
    if (!InR.insert(R.back()).second)
      return "the region names a block twice";
  }
  BasicBlock *H = R[0];
  Function *F = H->getParent();
  if (In->getParent() != F || !is_contained(successors(In), H) || InR.contains(In))
    return "the way in does not enter the header from outside the region";
  auto *Last = dyn_cast<BranchInst>(R[n - 1]->getTerminator());
  if (!Last || Last->isConditional() || InR.contains(Last->getSuccessor(0)))
    return "the region does not end in an unconditional branch to the loop's new header";
  BasicBlock *NewHeader = Last->getSuccessor(0);
  unsigned Insts = 0;
  for (BasicBlock *BB : R) {
    if (BB->getParent() != F)
      return "the region leaves its function";
    if (BB->isEHPad() || isa<IndirectBrInst>(BB->getTerminator()) ||
        isa<CallBrInst>(BB->getTerminator()))
      return "a block of the region is an exception-handling pad or ends in an indirect branch";
    if (BB != H)
      for (BasicBlock *Pred : predecessors(BB))
        if (!InR.contains(Pred))
          return "a block of the region is entered from outside it";
    for (BasicBlock *Succ : successors(BB))
      if (Succ == H)
        return "the region goes back to the header";
    for (Instruction &I : *BB) {
      if (I.getType()->isTokenTy())
        return "a block of the region defines a token, which cannot be joined with a copy";
      if (mayNotCopy(I))
        return "a block of the region makes a call that must not be duplicated";
    }
    Insts += BB->size();
  }
  if (Insts > max_insts)
    return "the blocks to copy have more instructions than the limit";
  // No other way into the new header from the region: its one block from the region is the
  // last one, which the copy's last block replaces on the way in.
  for (BasicBlock *BB : R)
    if (BB != R[n - 1] && is_contained(successors(BB), NewHeader))
      return "the region enters the new header from more than one block";

  ValueToValueMapTy VMap;
  std::vector<BasicBlock *> Copies;
  BasicBlock *After = R[n - 1];
  for (BasicBlock *BB : R) {
    BasicBlock *Copy = CloneBasicBlock(BB, VMap, ".top", F);
    Copy->moveAfter(After);
    After = Copy;
    VMap[BB] = Copy;
    Copies.push_back(Copy);
  }
  // The copied header's phis: the way in's values.
  for (PHINode &Orig : H->phis()) {
    auto *Copy = cast<PHINode>(VMap[&Orig]);
    Value *V = Orig.getIncomingValueForBlock(In);
    Copy->replaceAllUsesWith(V);
    Copy->eraseFromParent();
    VMap[&Orig] = V;
  }
  // Operands, successors and phi entries of the copies: the region's become the copies'.
  for (BasicBlock *Copy : Copies)
    for (Instruction &I : *Copy) {
      RemapInstruction(&I, VMap, RF_IgnoreMissingLocals | RF_NoModuleLevelChanges);
      RemapDbgRecordRange(F->getParent(), I.getDbgRecordRange(), VMap,
                          RF_IgnoreMissingLocals | RF_NoModuleLevelChanges);
    }
  // The way in goes to the copied header; the original header is left to the loop.
  In->getTerminator()->replaceSuccessorWith(H, Copies[0]);
  for (PHINode &Phi : H->phis())
    while (Phi.getBasicBlockIndex(In) >= 0)
      Phi.removeIncomingValue(In, /*DeletePHIIfEmpty=*/false);
  // Blocks the copies branch to out of the region: the copies are new predecessors. Values
  // of the region used out of their own block: joined with their copies.
  addCopyEdges(R, Copies, VMap);
  joinWithCopies(R, Copies, VMap);
  FoldSingleEntryPHINodes(H);
  *copied = n;
  C.FAM.invalidate(*F, PreservedAnalyses::none());
  return nullptr;
}

// Deletes `fn` when it has local linkage and nothing uses it (after its calls were inlined),
// forgetting its cached analyses first. 1 when deleted.
int syscluster_shim_delete_if_dead(void *ctx, LLVMValueRef fn) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *F = dyn_cast<Function>(unwrap(fn));
  if (!F || F->isDeclaration() || !F->hasLocalLinkage())
    return 0;
  F->removeDeadConstantUsers();
  if (!F->use_empty())
    return 0;
  C.FAM.clear(*F, F->getName());
  F->eraseFromParent();
  return 1;
}

// -------------------------------------------------------------------------------------------
// Remarks and errors.

// kind: 0 passed, 1 missed, 2 analysis. `at` is an instruction (or null: the function).
void syscluster_shim_remark(void *ctx, int kind, LLVMValueRef fn, LLVMValueRef at,
                            const char *name, const char *msg) {
  auto &C = *static_cast<Ctx *>(ctx);
  Function *F = fnOf(unwrap(fn));
  if (!F || F->isDeclaration())
    return;
  auto &ORE = C.FAM.getResult<OptimizationRemarkEmitterAnalysis>(*F);
  Instruction *I = at ? dyn_cast<Instruction>(unwrap(at)) : nullptr;
  // An instruction without a source line (a load the optimiser hoisted or merged) takes the
  // line of the next instruction of its block that has one, else the function's: a remark
  // always names a place in the source.
  DebugLoc DL;
  for (Instruction *J = I; J && !DL; J = J->getNextNode())
    if (J->getDebugLoc() && J->getDebugLoc().getLine() != 0)
      DL = J->getDebugLoc();
  DiagnosticLocation Loc = DL ? DiagnosticLocation(DL)
                              : DiagnosticLocation(F->getSubprogram());
  const Value *Region = I ? static_cast<const Value *>(I->getParent())
                          : static_cast<const Value *>(&F->getEntryBlock());
  const char *Pass = "syscall-cluster";
  switch (kind) {
  case 0:
    ORE.emit(OptimizationRemark(Pass, name, Loc, Region) << msg);
    break;
  case 1:
    ORE.emit(OptimizationRemarkMissed(Pass, name, Loc, Region) << msg);
    break;
  default:
    ORE.emit(OptimizationRemarkAnalysis(Pass, name, Loc, Region) << msg);
    break;
  }
}

// Whether any remark of the pass reaches the user: a remark file (-fsave-optimization-record,
// -pass-remarks-output) takes them all, else the diagnostic handler's patterns (-Rpass*,
// -pass-remarks*) select them by pass name. What LLVM's passes ask before building a costly
// remark (OptimizationRemarkEmitter::allowExtraAnalysis).
int syscluster_shim_remarks_wanted(void *ctx) {
  auto &C = *static_cast<Ctx *>(ctx);
  LLVMContext &LC = C.M.getContext();
  if (LC.getLLVMRemarkStreamer())
    return 1;
  const DiagnosticHandler *H = LC.getDiagHandlerPtr();
  const char *Pass = "syscall-cluster";
  return H && (H->isPassedOptRemarkEnabled(Pass) || H->isMissedOptRemarkEnabled(Pass) ||
               H->isAnalysisRemarkEnabled(Pass));
}

// A user-facing error (bad profile, ...): opt and clang print it as "error: ..." and fail.
void syscluster_shim_error(void *ctx, const char *msg) {
  auto &C = *static_cast<Ctx *>(ctx);
  C.M.getContext().emitError(Twine("syscall-cluster: ") + msg);
}

// A warning that an optimisation failed (clang: -Wpass-failed), at the module's first
// function with a body.
void syscluster_shim_warning(void *ctx, const char *msg) {
  auto &C = *static_cast<Ctx *>(ctx);
  std::string Text = std::string("syscall-cluster: ") + msg;
  for (Function &F : C.M)
    if (!F.isDeclaration()) {
      C.M.getContext().diagnose(
          DiagnosticInfoOptimizationFailure(F, DiagnosticLocation(F.getSubprogram()), Text));
      return;
    }
  C.M.getContext().diagnose(DiagnosticInfoInlineAsm(Text, DS_Warning));
}

// -------------------------------------------------------------------------------------------
// The module as the pass found it (backup.cpp).

int syscluster_shim_restore(LLVMModuleRef module, void *backup, void *fam);

// Puts the backup's bodies back into the run's module. 1 when done.
int syscluster_shim_restore_module(void *ctx, void *backup) {
  auto &C = *static_cast<Ctx *>(ctx);
  return syscluster_shim_restore(wrap(&C.M), backup, &C.FAM);
}

// Breaks `fn` as the verifier sees it (an `unreachable` before the first instruction of its
// entry block, which then has two terminators): -syscluster-break-ir-for-testing, the test of
// what the pass does with a module it rewrote wrongly.
void syscluster_shim_break_for_testing(void *ctx, LLVMValueRef fn) {
  auto &C = *static_cast<Ctx *>(ctx);
  auto *F = dyn_cast<Function>(unwrap(fn));
  if (!F || F->isDeclaration())
    return;
  new UnreachableInst(F->getContext(), F->getEntryBlock().getFirstInsertionPt());
  C.FAM.invalidate(*F, PreservedAnalyses::none());
}

// Counters in the format of LLVM's -stats (to stderr).
void syscluster_shim_print_stats(const char *body) {
  errs() << "===" << std::string(73, '-') << "===\n"
         << "                          ... Statistics Collected ...\n"
         << "===" << std::string(73, '-') << "===\n\n"
         << body << "\n";
  errs().flush();
}

} // extern "C"
