//! Recognising system-call sites in IR.
//!
//! A site is a call of a libc system-call wrapper the profile crate's catalogue knows (`read`,
//! `open`, `close`, ...) or of `syscall(NR, ...)`. Inline assembly that contains a `syscall`
//! instruction is noticed and left alone. For each site we record what lowering it would need:
//! the system call number, its arguments as IR values (missing variadic ones are 0), and
//! whether a raw system call can stand in for the libc call (the catalogue's `lowerable`).

use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::LLVMTypeKind;
use syscluster_profile::catalogue;

use multicall_abi::MC_MAX_ARGS;

use crate::ir;
use crate::shim::Shim;

/// How a site calls the kernel.
#[derive(Clone, Copy, Debug)]
pub enum SiteKind {
    /// A libc wrapper from the catalogue.
    Wrapper(&'static catalogue::Wrapper),
    /// `syscall(NR, ...)`.
    Generic,
}

/// One system-call site.
#[derive(Clone, Debug)]
pub struct Site {
    pub call: LLVMValueRef,
    pub function: LLVMValueRef,
    /// The IR function that contains the call.
    pub function_name: String,
    /// The callee (`read`, `syscall`).
    pub callee: String,
    /// The system call number, when known (a constant for `syscall`).
    pub nr: Option<u32>,
    /// The kernel's name of the call (`openat`... as a trace prints it): all names a trace may use.
    pub trace_names: Vec<String>,
    /// The system call's arguments as IR values (`None`: not passed, becomes 0).
    pub args: Vec<Option<LLVMValueRef>>,
    /// Why a raw system call cannot stand in for this call, if it cannot.
    pub not_lowerable: Option<String>,
    /// `file:line:column` of the call, or the function name without debug info.
    pub location: String,
    /// For a fortified entry point (`__read_chk`): glibc's check before the system call.
    pub check: Option<Check>,
}

/// A fortified wrapper's check: `len > buflen` (unsigned) calls `__chk_fail`, which aborts,
/// instead of making the system call.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The index of the length among the system call's arguments (`Site::args`).
    pub len_arg: usize,
    /// The object size, a constant.
    pub buflen: LLVMValueRef,
}

impl Site {
    /// `read` at copy.c:36:14
    pub fn label(&self) -> String {
        format!("'{}' at {}", self.callee, self.location)
    }
    /// Whether a profile node named `syscall` (kernel name) can be this site.
    pub fn answers_to(&self, syscall: &str) -> bool {
        self.trace_names.iter().any(|n| n == syscall)
    }
    /// Whether the call is a `sigaction` whose new action the lowering converts to the
    /// kernel's struct (argument 1 of the entry is that struct, built when the batch starts).
    pub fn converts_sigaction(&self) -> bool {
        catalogue::wrapper(&self.callee).is_some_and(|w| w.args == catalogue::Args::Sigaction)
    }
    /// Whether the call returns only 0 or -1 (the kernel: 0 or -errno), so that a test
    /// `== 0` on its result is a test for an error.
    pub fn zero_or_error(&self) -> bool {
        let Some(call) = self.nr.and_then(catalogue::by_nr) else {
            return false;
        };
        if call.name == "fcntl" {
            return self
                .args
                .get(1)
                .copied()
                .flatten()
                .and_then(ir::const_int)
                .and_then(catalogue::fcntl_command)
                .is_some_and(|c| c.zero_on_success);
        }
        call.zero_on_success()
    }
}

/// What the scan found in one module.
#[derive(Default)]
pub struct Scan {
    pub sites: Vec<Site>,
    /// Calls of inline assembly that contain a `syscall` instruction (left alone).
    pub inline_asm: Vec<(LLVMValueRef, LLVMValueRef)>,
    /// Functions the pass leaves as they are (`ir::left_alone`: `optnone`, built at -O0, or
    /// taking a label's address) that call system calls, with the first such call and why:
    /// their calls are no sites.
    pub left_alone: Vec<(LLVMValueRef, LLVMValueRef, ir::LeftAlone)>,
}

fn location(shim: &Shim, call: LLVMValueRef, function_name: &str) -> String {
    match shim.debug_frame(call, 0) {
        Some(f) => {
            let file = f.file.rsplit('/').next().unwrap_or(&f.file).to_string();
            format!("{}:{}:{}", file, f.line, f.column)
        }
        None => format!("{function_name} (no debug location)"),
    }
}

/// Whether an IR value can be passed in a 64-bit argument register the way libc passes it.
fn arg_ok(v: LLVMValueRef) -> bool {
    let t = ir::type_of(v);
    match ir::type_kind(t) {
        LLVMTypeKind::LLVMIntegerTypeKind => ir::int_width(t) <= 64,
        LLVMTypeKind::LLVMPointerTypeKind => true,
        _ => false,
    }
}

/// Whether a value is a `size_t` (a 64-bit integer), as the fortified wrappers' lengths are.
fn is_size(v: LLVMValueRef) -> bool {
    let t = ir::type_of(v);
    ir::type_kind(t) == LLVMTypeKind::LLVMIntegerTypeKind && ir::int_width(t) == 64
}

fn result_ok(call: LLVMValueRef) -> bool {
    let t = ir::type_of(call);
    match ir::type_kind(t) {
        LLVMTypeKind::LLVMVoidTypeKind | LLVMTypeKind::LLVMPointerTypeKind => true,
        LLVMTypeKind::LLVMIntegerTypeKind => {
            let w = ir::int_width(t);
            w == 32 || w == 64
        }
        _ => false,
    }
}

fn site_for(shim: &Shim, f: LLVMValueRef, fname: &str, call: LLVMValueRef) -> Option<Site> {
    let callee_fn = ir::called_function(call)?;
    let callee = ir::name(callee_fn);
    let args = ir::call_args(call);
    let mut check = None;
    let (kind, nr, mut not_lowerable, ir_args): (
        SiteKind,
        Option<u32>,
        Option<String>,
        Vec<LLVMValueRef>,
    ) = if callee == "syscall" {
        let nr = args
            .first()
            .and_then(|v| ir::const_int(*v))
            .and_then(|n| u32::try_from(n).ok());
        // A batch never runs the calls that depend on the caller's frame or identity (it
        // answers them with -ENOSYS): `syscall(NR, ...)` sites with those numbers stay.
        let why = match nr.map(|n| (n, catalogue::by_nr(n))) {
            None => Some("the system call number is not a constant".to_string()),
            Some((n, None)) => Some(format!("system call {n} is unknown")),
            Some((n, Some(s))) if !s.batchable() => Some(format!(
                "system call {n} depends on the caller's frame or identity"
            )),
            Some(_) => None,
        };
        (
            SiteKind::Generic,
            nr,
            why,
            args.iter().skip(1).copied().collect(),
        )
    } else {
        let w = catalogue::wrapper(&callee)?;
        let why = if !w.lowerable {
            Some(if w.note.is_empty() {
                "the catalogue marks it not lowerable".to_string()
            } else {
                w.note.to_string()
            })
        } else if w.args == catalogue::Args::FcntlCommand {
            fcntl_refusal(&args)
        } else if w.args == catalogue::Args::Sigaction {
            sigaction_refusal(&args)
        } else if let catalogue::Args::Checked { buflen, .. } = w.args {
            args.get(buflen)
                .filter(|v| ir::const_int(**v).is_none())
                .map(|v| {
                    format!(
                        "the object size {} that the fortified wrapper checks is not a constant",
                        ir::describe(*v)
                    )
                })
        } else {
            None
        };
        let (sys_args, why) = match w.args {
            catalogue::Args::Map(map) if why.is_none() => match mapped_args(call, &args, map, 0) {
                Ok(sys_args) => (sys_args, None),
                Err(e) => (args.clone(), Some(e)),
            },
            catalogue::Args::Checked { map, len, buflen } if why.is_none() => {
                match (args.get(len), args.get(buflen)) {
                    (Some(&n), Some(&size))
                        if args.len() == map_takes(map) + 1 && is_size(n) && is_size(size) =>
                    {
                        let len_arg = map.iter().position(|a| *a == catalogue::Arg::From(len));
                        check = len_arg.map(|len_arg| Check {
                            len_arg,
                            buflen: size,
                        });
                        match mapped_args(call, &args, map, 1) {
                            Ok(sys_args) => (sys_args, None),
                            Err(e) => (args.clone(), Some(e)),
                        }
                    }
                    _ => (
                        args.clone(),
                        Some(format!(
                            "called with {} arguments, the fortified wrapper takes {}",
                            args.len(),
                            map_takes(map) + 1
                        )),
                    ),
                }
            }
            // rt_sigaction(sig, act, NULL, 8): the lowering puts the kernel's struct built
            // from *act in place of act.
            catalogue::Args::Sigaction if why.is_none() => (
                vec![
                    args[0],
                    args[1],
                    ir::const_i64(call, 0),
                    ir::const_i64(call, KERNEL_SIGSET_BYTES),
                ],
                None,
            ),
            _ => (args.clone(), why),
        };
        (SiteKind::Wrapper(w), Some(w.nr), why, sys_args)
    };
    let syscall = nr.and_then(catalogue::by_nr);
    let argc = syscall.map(|s| s.args.len()).unwrap_or(ir_args.len());
    if argc > MC_MAX_ARGS {
        not_lowerable.get_or_insert_with(|| "more than six arguments".into());
    }
    let mut sys_args: Vec<Option<LLVMValueRef>> = (0..argc.min(MC_MAX_ARGS))
        .map(|k| ir_args.get(k).copied())
        .collect();
    if ir_args.len() > argc && not_lowerable.is_none() {
        // More arguments than the kernel takes: not the wrapper we think it is.
        not_lowerable = Some(format!(
            "called with {} arguments, the system call takes {argc}",
            ir_args.len()
        ));
        sys_args.truncate(argc.min(MC_MAX_ARGS));
    }
    if not_lowerable.is_none() {
        if let Some(bad) = sys_args.iter().flatten().find(|v| !arg_ok(**v)) {
            not_lowerable = Some(format!(
                "argument {} is neither an integer nor a pointer",
                ir::describe(*bad)
            ));
        } else if !result_ok(call) {
            not_lowerable = Some("its result type is neither void, i32, i64 nor a pointer".into());
        }
    }
    let mut trace_names: Vec<String> = match kind {
        SiteKind::Wrapper(w) => w.trace_names.iter().map(|s| s.to_string()).collect(),
        SiteKind::Generic => Vec::new(),
    };
    if let Some(s) = syscall {
        if !trace_names.iter().any(|n| n == s.name) {
            trace_names.push(s.name.to_string());
        }
    }
    Some(Site {
        call,
        function: f,
        function_name: fname.to_string(),
        location: location(shim, call, fname),
        callee,
        nr,
        trace_names,
        args: sys_args,
        not_lowerable,
        check,
    })
}

/// Why a call of `fcntl(fd, cmd, ...)` cannot be lowered: a command that is not a constant, or
/// one whose third argument's kind the catalogue does not know.
fn fcntl_refusal(args: &[LLVMValueRef]) -> Option<String> {
    let Some(cmd) = args.get(1).copied() else {
        return Some("fcntl without a command".into());
    };
    let Some(cmd) = ir::const_int(cmd) else {
        return Some(format!(
            "fcntl's command {} is not a constant: its third argument's kind depends on it",
            ir::describe(cmd)
        ));
    };
    // A third argument of a command that takes none is passed on and ignored, as by glibc.
    match catalogue::fcntl_command(cmd) {
        Some(_) => None,
        None if cmd == 9 => Some("fcntl(F_GETOWN): glibc answers it with F_GETOWN_EX".into()),
        None => Some(format!(
            "fcntl command {cmd}: the kind of its third argument is not known"
        )),
    }
}

/// The size of the kernel's signal set (`_NSIG / 8`), rt_sigaction's last argument.
const KERNEL_SIGSET_BYTES: i64 = 8;

/// Why a call of `sigaction(sig, act, oact)` cannot be lowered. glibc refuses signals 0,
/// 32 and 33 (its own) and 65 on with EINVAL and no system call, builds the kernel's struct
/// only when `act` is not NULL, and converts the kernel's old action back into `*oact`.
fn sigaction_refusal(args: &[LLVMValueRef]) -> Option<String> {
    let [sig, act, oact] = args else {
        return Some(format!("sigaction called with {} arguments", args.len()));
    };
    let Some(sig) = ir::const_int(*sig) else {
        return Some(format!(
            "sigaction's signal {} is not a constant: glibc refuses some signals without a system call",
            ir::describe(*sig)
        ));
    };
    if !(1..=64).contains(&sig) || sig == 32 || sig == 33 {
        return Some(format!(
            "sigaction of signal {sig}: glibc refuses it (EINVAL) without a system call"
        ));
    }
    if !ir::is_null(*oact) {
        return Some(
            "sigaction with an old action: glibc converts the kernel's struct back into it".into(),
        );
    }
    if !ir::points_to_object(*act) {
        return Some(format!(
            "sigaction's new action {} may be NULL: only a local or global struct is known not to be",
            ir::describe(*act)
        ));
    }
    None
}

/// How many of the wrapper's arguments `map` passes on.
fn map_takes(map: &[catalogue::Arg]) -> usize {
    map.iter()
        .filter(|a| matches!(a, catalogue::Arg::From(_) | catalogue::Arg::Optional(_)))
        .count()
}

/// The system call's arguments from a wrapper's `args` by the catalogue's `map`; the wrapper
/// takes `extra` arguments that `map` does not pass on (a fortified wrapper's object size).
fn mapped_args(
    call: LLVMValueRef,
    args: &[LLVMValueRef],
    map: &[catalogue::Arg],
    extra: usize,
) -> Result<Vec<LLVMValueRef>, String> {
    let takes = map_takes(map) + extra;
    if args.len() > takes {
        return Err(format!(
            "called with {} arguments, the wrapper takes {takes}",
            args.len()
        ));
    }
    map.iter()
        .map(|a| match *a {
            catalogue::Arg::From(k) => args.get(k).copied().ok_or_else(|| {
                format!(
                    "called with {} arguments, the wrapper takes more",
                    args.len()
                )
            }),
            catalogue::Arg::Optional(k) => Ok(args
                .get(k)
                .copied()
                .unwrap_or_else(|| ir::const_i64(call, 0))),
            catalogue::Arg::Const(c) => Ok(ir::const_i64(call, c)),
            catalogue::Arg::EmptyPath => Ok(ir::empty_path(call)),
        })
        .collect()
}

/// Finds every site in the module, in function and instruction order.
/// The site of the call `call` of a defined function, when it is a system call's.
pub fn site_of(shim: &Shim, call: LLVMValueRef) -> Option<Site> {
    if !ir::is_instruction(call) || !ir::is_call(call) {
        return None;
    }
    let f = ir::block_function(ir::parent_block(call));
    site_for(shim, f, &ir::name(f), call)
}

pub fn scan(shim: &Shim, m: llvm_sys::prelude::LLVMModuleRef) -> Scan {
    let mut scan = Scan::default();
    for f in ir::defined_functions(m) {
        let fname = ir::name(f);
        if let Some(why) = ir::left_alone(f) {
            let first = ir::blocks(f)
                .into_iter()
                .flat_map(ir::instructions)
                .find(|&i| ir::is_call_site(i) && site_for(shim, f, &fname, i).is_some());
            if let Some(call) = first {
                scan.left_alone.push((f, call, why));
            }
            continue;
        }
        for b in ir::blocks(f) {
            for i in ir::instructions(b) {
                if !ir::is_call(i) {
                    continue;
                }
                if let Some(asm) = shim.inline_asm(i) {
                    if asm
                        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                        .any(|w| w == "syscall")
                    {
                        scan.inline_asm.push((f, i));
                    }
                    continue;
                }
                if let Some(site) = site_for(shim, f, &fname, i) {
                    scan.sites.push(site);
                }
            }
        }
    }
    scan
}
