//! Variables the SLP vectorizer packed into one vector, updated one by one again.
//!
//! A loop that counts in two neighbouring fields of one type (`j->blocks++; j->total += w;`
//! with `int blocks, total;` side by side) comes out of clang -O2 with both updates as one
//! vector: a load of `<2 x i32>` from the first field, an add of a vector built from `w` and
//! `1`, a store of `<2 x i32>` back. Neither field is then a variable of its own that a
//! load and a store at one address update, so neither is kept in a register across the loop
//! (`globals`, `pointees`), and the loop is no looped multi-call. Here each such store is
//! written lane by lane, as the program wrote it:
//!
//! ```text
//! before                                               after
//! %v = load <2 x i32>, ptr %p, align 4                 %v0 = load i32, ptr %p, align 4
//! %w = insertelement <2 x i32> <poison, i32 1>, %n, 0  %p1 = getelementptr i8, ptr %p, i64 4
//! %s = add nsw <2 x i32> %v, %w                        %v1 = load i32, ptr %p1, align 4
//! store <2 x i32> %s, ptr %p, align 4                  %s0 = add nsw i32 %v0, %n
//!                                                      %s1 = add nsw i32 %v1, 1
//!                                                      store i32 %s0, ptr %p, align 4
//!                                                      store i32 %s1, ptr %p1, align 4
//! ```
//!
//! That is exact: a vector load or store of integers touches the same bytes as one access of
//! each lane at its own offset, in any order, when no other thread may watch (a simple access:
//! neither volatile nor atomic); an integer operation on vectors is the operation on each
//! lane, with the same `nsw`/`nuw` (each lane's own poison); an `insertelement` at a
//! constant index and a constant vector give each lane's value. The lanes are integers of 8,
//! 16, 32 or 64 bits, so lane `k` lies `k` times its size from the vector's address, with the
//! alignment that offset leaves. Only the updates of the loop's own blocks are written so
//! (not those of a loop inside it, whose vector work may be the point of vectorizing), of at
//! most 8 lanes and 16 instructions (counters, not a copy of bytes or a computation), and
//! only when every value of the update is used by the update alone; each store written is a
//! remark `SplitVector`, each refused a missed one that says what stopped it.
//!
//! The same rewriting serves `pointees` (`split_accesses`): there every access of a loop at
//! a pointer it was given is split, the loaded vector rebuilt from its lanes for any other
//! user (a lane taken out of it is that lane's load) and a stored lane that is not known
//! without vectors extracted, so that each lane is a variable `pointees` can keep.

use indexmap::{IndexMap, IndexSet};
use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::LLVMOpcode;

use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;
use crate::remarks::Remark;

/// At most this many instructions in one update (bookkeeping, not a computation).
const MAX_NODES: usize = 16;

/// At most this many lanes (counters side by side; a copy of bytes is no update of them).
const MAX_LANES: u32 = 8;

/// Writes the vector stores of the loops around the hot calls lane by lane.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    for header in hot_loops(ctx, hot) {
        let own: Vec<LLVMValueRef> = loop_blocks(ctx.shim, header)
            .into_iter()
            .filter(|&b| hot.loops.innermost(ctx.shim, b, b) == Some(header))
            .flat_map(ir::instructions)
            .filter(|&i| is_vector_store(i))
            .collect();
        for store in own {
            let function = ir::block_function(ir::parent_block(store));
            match Update::of(store) {
                Ok(update) => {
                    ctx.remark(Remark::split_vector(function, store, update.lanes, None));
                    update.rewrite(ctx.module);
                    changed = Changed::Yes;
                }
                Err(why) => ctx.remark(Remark::split_vector(function, store, 0, Some(&why))),
            }
        }
    }
    changed
}

/// Whether `inst` is a simple store of a vector of whole-byte integers.
fn is_vector_store(inst: LLVMValueRef) -> bool {
    ir::opcode(inst) == LLVMOpcode::LLVMStore
        && ir::simple_access(inst)
        && ir::integer_lanes(ir::type_of(ir::operand(inst, 0))).is_some()
}

/// The integer operations taken lane by lane.
const LANE_OPERATIONS: &[LLVMOpcode] = &[
    LLVMOpcode::LLVMAdd,
    LLVMOpcode::LLVMSub,
    LLVMOpcode::LLVMMul,
    LLVMOpcode::LLVMAnd,
    LLVMOpcode::LLVMOr,
    LLVMOpcode::LLVMXor,
    LLVMOpcode::LLVMShl,
    LLVMOpcode::LLVMLShr,
    LLVMOpcode::LLVMAShr,
];

/// The operations whose `nsw`/`nuw` flags each lane keeps.
const WRAP_FLAGGED: &[LLVMOpcode] = &[
    LLVMOpcode::LLVMAdd,
    LLVMOpcode::LLVMSub,
    LLVMOpcode::LLVMMul,
    LLVMOpcode::LLVMShl,
];

/// A vector store and the instructions that compute its value, operands before users.
struct Update {
    store: LLVMValueRef,
    nodes: IndexSet<LLVMValueRef>,
    lanes: u32,
}

impl Update {
    /// The update that ends in `store`, when each of its values can be taken lane by lane
    /// and is used by the update alone; else why not.
    fn of(store: LLVMValueRef) -> Result<Update, String> {
        let value = ir::operand(store, 0);
        let Some((_, lanes)) = ir::integer_lanes(ir::type_of(value)) else {
            return Err("it does not store a vector of integers".into());
        };
        if lanes > MAX_LANES {
            return Err(format!(
                "it stores {lanes} lanes, more than the {MAX_LANES} counters side by side it takes"
            ));
        }
        let mut nodes = IndexSet::new();
        collect(value, lanes, &mut nodes)?;
        let addresses = nodes
            .iter()
            .filter(|&&n| ir::opcode(n) == LLVMOpcode::LLVMLoad)
            .map(|&n| ir::operand(n, 0))
            .chain(std::iter::once(ir::operand(store, 1)));
        for p in addresses {
            if ir::is_instruction(p) {
                after_definition(p)?;
            }
        }
        for &n in &nodes {
            let outside = ir::value_users(n)
                .into_iter()
                .find(|&u| u != store && !nodes.contains(&u));
            if let Some(u) = outside {
                return Err(format!(
                    "'{}' is also used by '{}'",
                    ir::describe(n),
                    ir::describe(u)
                ));
            }
        }
        Ok(Update {
            store,
            nodes,
            lanes,
        })
    }

    /// Writes the update lane by lane and deletes the vector instructions.
    fn rewrite(self, module: llvm_sys::prelude::LLVMModuleRef) {
        let loads: Vec<LLVMValueRef> = self
            .nodes
            .iter()
            .copied()
            .filter(|&n| ir::opcode(n) == LLVMOpcode::LLVMLoad)
            .collect();
        let function = ir::block_function(ir::parent_block(self.store));
        split(module, function, &loads, &[self.store]);
    }
}

/// Splits the vector accesses of the loop of `blocks` at `ptr` (SLP's `<2 x i64>` of two
/// adjacent fields a loop is given a pointer to) into accesses of each lane, so that each
/// lane is a variable of its own: a load becomes a load of each lane (rebuilt into the
/// vector for its other users), a store a store of each lane, computed without vectors where
/// the stored value is built from those loads, constants, insertelement at constant lanes
/// and lane-wise integer operations, else extracted. `Err` says why not, and nothing changed.
pub(super) fn split_accesses(
    module: llvm_sys::prelude::LLVMModuleRef,
    blocks: &IndexSet<llvm_sys::prelude::LLVMBasicBlockRef>,
    ptr: LLVMValueRef,
) -> Result<(), String> {
    let mut vector: Option<llvm_sys::prelude::LLVMTypeRef> = None;
    let (mut loads, mut stores) = (Vec::new(), Vec::new());
    for i in blocks.iter().flat_map(|&b| ir::instructions(b)) {
        let ty = match ir::opcode(i) {
            LLVMOpcode::LLVMLoad if ir::operand(i, 0) == ptr => ir::type_of(i),
            LLVMOpcode::LLVMStore if ir::operand(i, 1) == ptr => ir::type_of(ir::operand(i, 0)),
            _ => continue,
        };
        if !ir::simple_access(i) {
            return Err("the loop reads or writes it with a volatile or atomic access".into());
        }
        if ir::integer_lanes(ty).is_none() || vector.is_some_and(|v| v != ty) {
            return Err("the loop reads or writes it as two different types".into());
        }
        vector = Some(ty);
        if ir::opcode(i) == LLVMOpcode::LLVMLoad {
            loads.push(i);
        } else {
            stores.push(i);
        }
    }
    let Some(&first) = loads.first().or(stores.first()) else {
        return Err("the loop does not read or write it as a vector".into());
    };
    if ir::is_instruction(ptr) {
        after_definition(ptr)?;
    }
    split(
        module,
        ir::block_function(ir::parent_block(first)),
        &loads,
        &stores,
    );
    Ok(())
}

/// Writes the vector loads `loads` and stores `stores` (simple accesses of whole-byte
/// integer lanes, at addresses where a lane's address can be made: `after_definition`) lane
/// by lane, and deletes the vector code they leave unused.
fn split(
    module: llvm_sys::prelude::LLVMModuleRef,
    function: LLVMValueRef,
    loads: &[LLVMValueRef],
    stores: &[LLVMValueRef],
) {
    let mut s = Splitter {
        b: Builder::new(module),
        addresses: LaneAddresses {
            function,
            entry: None,
            made: IndexMap::new(),
        },
        lanes: IndexMap::new(),
    };
    for &load in loads {
        s.split_load(load);
    }
    let mut unused = Vec::new();
    for &store in stores {
        let value = ir::operand(store, 0);
        let pointers = s.lane_pointers(store, ir::operand(store, 1), value);
        let values = s.lanes_of(value, store, 0);
        s.b.position_before(store);
        for (v, (p, align)) in values.into_iter().zip(pointers) {
            let lane = s.b.store(v, p);
            ir::set_alignment(lane, align);
        }
        ir::erase(store);
        unused.push(value);
    }
    // The vector code the lanes replaced, but the split loads: rebuilt below when still used.
    // A value may be met twice (stored twice, both operands of one operation): each erased
    // once.
    let mut erased = IndexSet::new();
    while let Some(v) = unused.pop() {
        if erased.contains(&v) {
            continue;
        }
        let removable = ir::is_instruction(v)
            && !loads.contains(&v)
            && ir::value_users(v).is_empty()
            && match ir::opcode(v) {
                LLVMOpcode::LLVMLoad => ir::simple_access(v),
                op => op == LLVMOpcode::LLVMInsertElement || LANE_OPERATIONS.contains(&op),
            };
        if removable {
            let operands: Vec<LLVMValueRef> = (0..ir::num_operands(v))
                .map(|k| ir::operand(v, k))
                .collect();
            ir::erase(v);
            erased.insert(v);
            unused.extend(operands);
        }
    }
    for &load in loads {
        // A lane taken out of the vector is the lane's own load.
        for user in ir::value_users(load) {
            let lane = (ir::opcode(user) == LLVMOpcode::LLVMExtractElement)
                .then(|| ir::const_int(ir::operand(user, 1)))
                .flatten()
                .and_then(|k| usize::try_from(k).ok())
                .and_then(|k| s.lanes[&load].get(k).copied());
            if let Some(lane) = lane {
                Builder::replace_uses(user, lane);
                ir::erase(user);
            }
        }
        if !ir::value_users(load).is_empty() {
            s.b.position_before(load);
            let mut v = Builder::poison(ir::type_of(load));
            for (k, &lane) in s.lanes[&load].iter().enumerate() {
                v =
                    s.b.insert_lane(v, lane, u32::try_from(k).unwrap_or(u32::MAX));
            }
            Builder::replace_uses(load, v);
        }
        ir::erase(load);
    }
}

/// At most this deep a chain of vector operations is followed for a lane's value; past it
/// the lane is extracted.
const MAX_DEPTH: usize = 16;

/// Lane-by-lane rewriting of vector accesses and the values they store.
struct Splitter {
    b: Builder,
    addresses: LaneAddresses,
    /// The values of the lanes of the split loads and of the vector operations computed
    /// from them, each made just before the vector instruction it replaces.
    lanes: IndexMap<LLVMValueRef, Vec<LLVMValueRef>>,
}

impl Splitter {
    /// The address and alignment of each lane of the vector `value` that the load or store
    /// `access` reads or writes at `ptr`.
    fn lane_pointers(
        &mut self,
        access: LLVMValueRef,
        ptr: LLVMValueRef,
        value: LLVMValueRef,
    ) -> Vec<(LLVMValueRef, u32)> {
        let (_, count) = lane_type(value);
        (0..count)
            .map(|k| {
                let (offset, align) = lane_offset(value, ir::alignment(access), k);
                (self.addresses.at(&self.b, ptr, offset), align)
            })
            .collect()
    }

    /// Loads each lane of the vector load `load` just before it.
    fn split_load(&mut self, load: LLVMValueRef) {
        let (lane, _) = lane_type(load);
        let pointers = self.lane_pointers(load, ir::operand(load, 0), load);
        self.b.position_before(load);
        let values = pointers
            .into_iter()
            .map(|(p, align)| {
                let l = self.b.load(lane, p, "");
                ir::set_alignment(l, align);
                l
            })
            .collect();
        self.lanes.insert(load, values);
    }

    /// The values of the lanes of the vector `v` for its use by `user`: those of a split
    /// load, of a constant, computed for an insertelement at a constant lane or a lane-wise
    /// integer operation (before it), else extracted just before `user`.
    fn lanes_of(&mut self, v: LLVMValueRef, user: LLVMValueRef, depth: usize) -> Vec<LLVMValueRef> {
        if let Some(values) = self.lanes.get(&v) {
            return values.clone();
        }
        let (_, count) = lane_type(v);
        if ir::is_constant(v) {
            let elements: Vec<LLVMValueRef> = (0..count)
                .filter_map(|k| ir::constant_element(v, k))
                .collect();
            if elements.len() == count as usize {
                return elements;
            }
        }
        let computed = if !ir::is_instruction(v) || depth >= MAX_DEPTH {
            None
        } else {
            match ir::opcode(v) {
                LLVMOpcode::LLVMInsertElement => {
                    let k = ir::const_int(ir::operand(v, 2))
                        .and_then(|k| usize::try_from(k).ok())
                        .filter(|&k| k < count as usize);
                    k.map(|k| {
                        let mut values = self.lanes_of(ir::operand(v, 0), v, depth + 1);
                        values[k] = ir::operand(v, 1);
                        values
                    })
                }
                op if LANE_OPERATIONS.contains(&op) => {
                    let l = self.lanes_of(ir::operand(v, 0), v, depth + 1);
                    let r = self.lanes_of(ir::operand(v, 1), v, depth + 1);
                    let flags = WRAP_FLAGGED.contains(&op).then(|| ir::wrap_flags(v));
                    self.b.position_before(v);
                    Some(
                        l.into_iter()
                            .zip(r)
                            .map(|(x, y)| {
                                let lane = self.b.arith(op, x, y, "");
                                // The builder folds an operation on two constants to a constant.
                                if let (Some(f), true) = (flags, ir::is_instruction(lane)) {
                                    ir::set_wrap_flags(lane, f);
                                }
                                lane
                            })
                            .collect(),
                    )
                }
                _ => None,
            }
        };
        if let Some(values) = computed {
            self.lanes.insert(v, values.clone());
            return values;
        }
        // Not known lane by lane: taken from the vector where it is used.
        self.b.position_before(user);
        (0..count).map(|k| self.b.extract_lane(v, k)).collect()
    }
}

/// The instructions that compute `v` lane by lane, added to `nodes` operands first; `Err`
/// names the value that cannot be.
fn collect(v: LLVMValueRef, lanes: u32, nodes: &mut IndexSet<LLVMValueRef>) -> Result<(), String> {
    if nodes.contains(&v) {
        return Ok(());
    }
    if !ir::is_instruction(v) {
        let known = ir::is_constant(v) && (0..lanes).all(|k| ir::constant_element(v, k).is_some());
        return if known {
            Ok(())
        } else {
            Err(format!(
                "'{}' is neither an instruction nor a constant vector",
                ir::describe(v)
            ))
        };
    }
    if nodes.len() >= MAX_NODES {
        return Err(format!(
            "it is computed by more than {MAX_NODES} instructions"
        ));
    }
    match ir::opcode(v) {
        LLVMOpcode::LLVMLoad if ir::simple_access(v) => {}
        LLVMOpcode::LLVMInsertElement => {
            let in_range = ir::const_int(ir::operand(v, 2))
                .and_then(|k| u32::try_from(k).ok())
                .is_some_and(|k| k < lanes);
            if !in_range {
                return Err(format!(
                    "'{}' inserts at an index that is not a constant lane",
                    ir::describe(v)
                ));
            }
            collect(ir::operand(v, 0), lanes, nodes)?;
        }
        op if LANE_OPERATIONS.contains(&op) => {
            collect(ir::operand(v, 0), lanes, nodes)?;
            collect(ir::operand(v, 1), lanes, nodes)?;
        }
        _ => {
            return Err(format!(
                "'{}' is none of a simple load, an integer operation, an insertelement at a constant lane or a constant",
                ir::describe(v)
            ))
        }
    }
    nodes.insert(v);
    Ok(())
}

/// The lane type and count of the vector `v`.
fn lane_type(v: LLVMValueRef) -> (llvm_sys::prelude::LLVMTypeRef, u32) {
    ir::integer_lanes(ir::type_of(v)).unwrap_or((ir::type_of(v), 1))
}

/// The addresses of the lanes of the accesses of an update, made once for each pointer:
/// right after the pointer's definition (at the start of the function for an argument, a
/// constant expression for a constant), so that they are where the pointer is, not in the
/// loop.
struct LaneAddresses {
    function: LLVMValueRef,
    /// The first instruction of the function before any address was made there.
    entry: Option<LLVMValueRef>,
    made: IndexMap<(LLVMValueRef, u64), LLVMValueRef>,
}

impl LaneAddresses {
    /// The address `offset` bytes past `p`, inside the object an access at `p` touches.
    fn at(&mut self, b: &Builder, p: LLVMValueRef, offset: u64) -> LLVMValueRef {
        if offset == 0 {
            return p;
        }
        if let Some(&a) = self.made.get(&(p, offset)) {
            return a;
        }
        if ir::is_instruction(p) {
            // `Update::of` checked that there is such a place.
            if let Ok(next) = after_definition(p) {
                b.position_before(next);
            }
        } else if !ir::is_constant(p) {
            // Before what began the function: in the order they are made.
            if self.entry.is_none() {
                self.entry = ir::instructions(ir::entry_block(self.function))
                    .first()
                    .copied();
            }
            if let Some(first) = self.entry {
                b.position_before(first);
            }
        }
        let a = b.inbounds_byte_offset(p, i64::try_from(offset).unwrap_or(i64::MAX));
        self.made.insert((p, offset), a);
        a
    }
}

/// The instruction before which an address computed from the instruction `p` goes: the
/// first after it that is no phi, when that may have an instruction before it (not a
/// landing pad or another exception pad); `Err` when there is none (`p` is an `invoke`'s
/// result, which its block's end defines).
fn after_definition(p: LLVMValueRef) -> Result<LLVMValueRef, String> {
    let next = ir::instructions(ir::parent_block(p))
        .into_iter()
        .skip_while(|&i| i != p)
        .skip(1)
        .find(|&i| !ir::is_phi(i))
        .filter(|&i| !ir::is_terminator(p) && !ir::is_eh_pad(i));
    next.ok_or_else(|| {
        format!(
            "its address '{}' is defined where no instruction can follow it in its block",
            ir::describe(p)
        )
    })
}

/// The byte offset of lane `k` of the vector `value`, and the alignment that lane has at an
/// access aligned to `align`: the largest power of two dividing both.
fn lane_offset(value: LLVMValueRef, align: u32, k: u32) -> (u64, u32) {
    let (lane, _) = lane_type(value);
    let offset = u64::from(k) * u64::from(ir::int_width(lane) / 8);
    let align = align.max(1);
    if offset == 0 {
        return (0, align);
    }
    let lowest = offset & offset.wrapping_neg();
    (
        offset,
        u32::try_from(lowest).map_or(align, |l| align.min(l)),
    )
}
