//! The Rust mirror of the multi-call ABI must match what a C compiler makes of
//! `runtime/include/multicall.h` (and through it the uapi header): every size, alignment,
//! field offset and constant. Compiles `testsuite/runtime/abi_dump.c` with `cc` and
//! compares its output line by line.

use multicall::abi::*;
use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of, size_of_val};
use std::path::Path;
use std::process::Command;

fn c_view() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let exe = dir.path().join("abi_dump");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .arg("-std=c11")
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(root.join("runtime/include"))
        .arg("-I")
        .arg(root.join("kmod/include/uapi"))
        .arg(root.join("testsuite/runtime/abi_dump.c"))
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C compiler {cc:?}: {e}"));
    assert!(status.success(), "{cc} failed to compile abi_dump.c");
    let out = Command::new(&exe).output().expect("abi_dump runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn rust_mirror_matches_the_c_header() {
    let c = c_view();
    let rust: Vec<(&str, String)> = vec![
        ("sizeof_mc_entry", size_of::<McEntry>().to_string()),
        ("alignof_mc_entry", align_of::<McEntry>().to_string()),
        ("offsetof_mc_entry_nr", offset_of!(McEntry, nr).to_string()),
        (
            "offsetof_mc_entry_stop",
            offset_of!(McEntry, stop).to_string(),
        ),
        (
            "offsetof_mc_entry_stop_arg",
            offset_of!(McEntry, stop_arg).to_string(),
        ),
        (
            "offsetof_mc_entry_refs",
            offset_of!(McEntry, refs).to_string(),
        ),
        (
            "offsetof_mc_entry_args",
            offset_of!(McEntry, args).to_string(),
        ),
        (
            "offsetof_mc_entry_result",
            offset_of!(McEntry, result).to_string(),
        ),
        (
            "sizeof_field_mc_entry_args",
            size_of::<[i64; MC_MAX_ARGS]>().to_string(),
        ),
        ("sizeof_mc_batch", size_of::<McBatch>().to_string()),
        ("alignof_mc_batch", align_of::<McBatch>().to_string()),
        (
            "offsetof_mc_batch_entries",
            offset_of!(McBatch, entries).to_string(),
        ),
        (
            "offsetof_mc_batch_count",
            offset_of!(McBatch, count).to_string(),
        ),
        (
            "offsetof_mc_batch_flags",
            offset_of!(McBatch, flags).to_string(),
        ),
        (
            "offsetof_mc_batch_max_iters",
            offset_of!(McBatch, max_iters).to_string(),
        ),
        (
            "offsetof_mc_batch_iterations",
            offset_of!(McBatch, iterations).to_string(),
        ),
        (
            "offsetof_mc_batch_stop_index",
            offset_of!(McBatch, stop_index).to_string(),
        ),
        (
            "offsetof_mc_batch_resume",
            offset_of!(McBatch, resume).to_string(),
        ),
        (
            "offsetof_mc_batch_watch_mode",
            offset_of!(McBatch, watch_mode).to_string(),
        ),
        (
            "offsetof_mc_batch_sums",
            offset_of!(McBatch, sums).to_string(),
        ),
        (
            "offsetof_mc_batch_advances",
            offset_of!(McBatch, advances).to_string(),
        ),
        (
            "offsetof_mc_batch_watch",
            offset_of!(McBatch, watch).to_string(),
        ),
        (
            "offsetof_mc_batch_watches",
            offset_of!(McBatch, watches).to_string(),
        ),
        (
            "offsetof_mc_batch_nwatches",
            offset_of!(McBatch, nwatches).to_string(),
        ),
        (
            "offsetof_mc_batch_reserved",
            offset_of!(McBatch, reserved).to_string(),
        ),
        ("sizeof_mc_watch", size_of::<McWatch>().to_string()),
        ("alignof_mc_watch", align_of::<McWatch>().to_string()),
        (
            "offsetof_mc_watch_addr",
            offset_of!(McWatch, addr).to_string(),
        ),
        (
            "offsetof_mc_watch_mode",
            offset_of!(McWatch, mode).to_string(),
        ),
        (
            "offsetof_mc_watch_after",
            offset_of!(McWatch, after).to_string(),
        ),
        ("sizeof_mc_advance", size_of::<McAdvance>().to_string()),
        ("alignof_mc_advance", align_of::<McAdvance>().to_string()),
        (
            "offsetof_mc_advance_by",
            offset_of!(McAdvance, by).to_string(),
        ),
        (
            "offsetof_mc_advance_down",
            offset_of!(McAdvance, down).to_string(),
        ),
        (
            "offsetof_mc_advance_until_zero",
            offset_of!(McAdvance, until_zero).to_string(),
        ),
        (
            "offsetof_mc_advance_until_nonpos",
            offset_of!(McAdvance, until_nonpos).to_string(),
        ),
        (
            "offsetof_mc_advance_reserved",
            offset_of!(McAdvance, reserved).to_string(),
        ),
        (
            "sizeof_field_mc_batch_resume",
            size_of_val(&McBatch::default().resume).to_string(),
        ),
        (
            "sizeof_field_mc_batch_watch_mode",
            size_of_val(&McBatch::default().watch_mode).to_string(),
        ),
        ("MC_MAX_ENTRIES", MC_MAX_ENTRIES.to_string()),
        ("MC_MAX_ARGS", MC_MAX_ARGS.to_string()),
        ("MC_STOP_NEVER", MC_STOP_NEVER.to_string()),
        ("MC_STOP_NEG", MC_STOP_NEG.to_string()),
        ("MC_STOP_NONPOS", MC_STOP_NONPOS.to_string()),
        ("MC_STOP_NE_ARG", MC_STOP_NE_ARG.to_string()),
        ("MC_STOP_MAX", MC_STOP_MAX.to_string()),
        ("MC_BATCH_LOOP", MC_BATCH_LOOP.to_string()),
        ("MC_BATCH_FLAGS", MC_BATCH_FLAGS.to_string()),
        ("MC_BATCH_DEAD_BUFFERS", MC_BATCH_DEAD_BUFFERS.to_string()),
        ("MC_BATCH_LIVE_AT_STOP", MC_BATCH_LIVE_AT_STOP.to_string()),
        ("MC_BATCH_SUMS", MC_BATCH_SUMS.to_string()),
        ("MC_BATCH_ADVANCE", MC_BATCH_ADVANCE.to_string()),
        ("MC_BATCH_SIZE_VER0", MC_BATCH_SIZE_VER0.to_string()),
        ("MC_IOC_RUN_VER0", MC_IOC_RUN_VER0.to_string()),
        ("MC_BATCH_SIZE_VER1", MC_BATCH_SIZE_VER1.to_string()),
        ("MC_IOC_RUN_VER1", MC_IOC_RUN_VER1.to_string()),
        ("MC_BATCH_SIZE_VER2", MC_BATCH_SIZE_VER2.to_string()),
        ("MC_IOC_RUN_VER2", MC_IOC_RUN_VER2.to_string()),
        ("MC_BATCH_WATCHES", MC_BATCH_WATCHES.to_string()),
        ("MC_MAX_WATCHES", MC_MAX_WATCHES.to_string()),
        ("MC_BATCH_WATCH", MC_BATCH_WATCH.to_string()),
        ("MC_WATCH_SIZE", MC_WATCH_SIZE.to_string()),
        ("MC_WATCH_ZERO", MC_WATCH_ZERO.to_string()),
        ("MC_WATCH_MODES", MC_WATCH_MODES.to_string()),
        ("MC_IOC_MAGIC", MC_IOC_MAGIC.to_string()),
        ("MC_IOC_RUN", MC_IOC_RUN.to_string()),
        ("MC_DEVICE_NAME", MC_DEVICE_NAME.to_string()),
        ("MC_DEVICE_PATH", MC_DEVICE_PATH.to_string()),
    ];
    let mut rust = rust;
    let max_errno = MC_MAX_ERRNO.to_string();
    rust.push(("MC_MAX_ERRNO", max_errno));
    let never_run: Vec<(String, String)> = MC_NEVER_RUN
        .iter()
        .map(|(name, nr)| (format!("never_run_{name}"), nr.to_string()))
        .collect();
    rust.extend(never_run.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let mut mismatches = Vec::new();
    for (name, value) in &rust {
        match c.get(*name) {
            Some(c_value) if c_value == value => {}
            other => mismatches.push(format!("{name}: C {other:?}, Rust {value}")),
        }
    }
    assert!(
        c.len() == rust.len(),
        "C prints {} items, Rust checks {}: {:?}",
        c.len(),
        rust.len(),
        c.keys()
    );
    assert!(
        mismatches.is_empty(),
        "the Rust mirror drifted from the header:\n{}",
        mismatches.join("\n")
    );
}
