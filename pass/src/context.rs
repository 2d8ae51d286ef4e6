//! What one run of the pass over a module carries from phase to phase: the module, the shim
//! handle, the settings, the counters and the remarks already made.

use indexmap::{IndexMap, IndexSet};
use std::rc::Rc;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMModuleRef, LLVMValueRef};
use syscluster_profile::format::Profile;

use crate::config::Config;
use crate::legality::Refusal;
use crate::remarks::{RefusedEdge, Remark};
use crate::shim::Shim;
use crate::sites::Site;
use crate::stats::Stats;

pub(crate) struct Context<'s> {
    pub module: LLVMModuleRef,
    pub shim: &'s Shim,
    pub cfg: Config,
    pub stats: Stats,
    /// The profile, once loaded (before the transformations, which may read it).
    pub profile: Option<Rc<Profile>>,
    /// Why the calls of a hot edge between functions were not brought into one function, by
    /// the edge's index in the profile (the inliner's answer, for the edge's remark).
    pub not_inlined: IndexMap<usize, String>,
    /// Calls a loop transformation made as copies of sites (rotation's header copy before the
    /// loop, unrolling's copies of the body): a refused pair with one of them is not reported,
    /// the pair of the original calls is.
    pub copies: IndexSet<LLVMValueRef>,
    /// Headers of the loops whose rotation was left to the move of their start
    /// (`transform/rotate.rs`): rotated after the move only where it did not move them.
    pub rotations_left: IndexSet<LLVMBasicBlockRef>,
    /// Tests and variables a loop was not unswitched or versioned on
    /// (`transform/unswitch.rs`): the next run looks at the loop's next one.
    pub not_unswitched: IndexSet<LLVMValueRef>,
    /// Calls whose loop's widened count was not made the count advanced
    /// (`transform/wide_count.rs`): each reported once.
    pub not_widened: IndexSet<LLVMValueRef>,
    /// Refusals reported so far, by reason and by text: each is reported once.
    refused: IndexSet<Refusal>,
    refused_text: IndexSet<(LLVMValueRef, String)>,
    /// Whether any remark reaches the user (`Shim::remarks_wanted`, asked once per module):
    /// without, none is sent and no value is printed for one (`ir::texts_wanted`).
    pub remarks_wanted: bool,
}

impl<'s> Context<'s> {
    pub(crate) fn new(module: LLVMModuleRef, shim: &'s Shim, cfg: Config) -> Context<'s> {
        Context {
            module,
            shim,
            cfg,
            stats: Stats::default(),
            profile: None,
            not_inlined: IndexMap::new(),
            copies: IndexSet::new(),
            not_unswitched: IndexSet::new(),
            not_widened: IndexSet::new(),
            rotations_left: IndexSet::new(),
            refused: IndexSet::new(),
            refused_text: IndexSet::new(),
            remarks_wanted: shim.remarks_wanted(),
        }
    }

    pub(crate) fn remark(&self, r: Remark) {
        if !self.remarks_wanted {
            return;
        }
        self.shim
            .remark(r.kind, r.function, r.at, r.name, &r.message);
    }

    pub(crate) fn error(&self, msg: &str) {
        self.shim.error(msg);
    }

    /// Counts a refused edge and reports it, unless the same refusal (same instruction, same
    /// text) was reported before. The text is built only for a refusal not seen before, and
    /// must be built before lowering changes the IR.
    pub(crate) fn refused(&mut self, sites: &[Site], edge: RefusedEdge<'_>) {
        self.stats.refusals += 1;
        if !self.remarks_wanted || !self.refused.insert(edge.refusal.clone()) {
            return;
        }
        let reason = edge.refusal.render(sites);
        if !self.refused_text.insert((edge.refusal.at, reason.clone())) {
            return;
        }
        self.remark(Remark::refused(sites, &edge, &reason));
    }
}
