//! `syscluster show`: the hottest edges of a profile, as a table or as JSON.

use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use syscluster_profile::format::Profile;

/// Prints the table (or JSON) on standard output. A reader that goes away early (`| head`)
/// ends the output with an `io::ErrorKind::BrokenPipe` error, which `main` takes as done.
pub fn run(path: &Path, top: usize, as_json: bool) -> Result<()> {
    let profile = Profile::load(path)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    print_profile(&mut out, &profile, top, as_json)?;
    out.flush()?;
    Ok(())
}

fn print_profile(out: &mut impl Write, profile: &Profile, top: usize, as_json: bool) -> Result<()> {
    let total = profile.transitions();
    let edges = profile.hottest_edges();
    let edges = &edges[..edges.len().min(top)];
    let share = |w: u64| {
        if total == 0 {
            0.0
        } else {
            100.0 * w as f64 / total as f64
        }
    };
    if as_json {
        let rows: Vec<_> = edges
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (a, b) = (&profile.nodes[e.from], &profile.nodes[e.to]);
                json!({
                    "rank": i + 1,
                    "from": e.from,
                    "to": e.to,
                    "weight": e.weight,
                    "share": share(e.weight) / 100.0,
                    "from_call": a.label(),
                    "to_call": b.label(),
                    "from_site": a.site,
                    "to_site": b.site,
                })
            })
            .collect();
        let doc = json!({
            "program": profile.program,
            "runs": profile.runs,
            "calls": profile.calls(),
            "transitions": total,
            "nodes": profile.nodes.len(),
            "edges": profile.edges.len(),
            "top": rows,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {} run{}, {} calls, {} nodes, {} edges, {} transitions",
        profile.program,
        profile.runs,
        if profile.runs == 1 { "" } else { "s" },
        profile.calls(),
        profile.nodes.len(),
        profile.edges.len(),
        total
    )?;
    if edges.is_empty() {
        writeln!(out, "(no transitions)")?;
        return Ok(());
    }
    let calls: Vec<String> = edges
        .iter()
        .map(|e| {
            format!(
                "{} -> {}",
                profile.nodes[e.from].label(),
                profile.nodes[e.to].label()
            )
        })
        .collect();
    let width = calls.iter().map(|c| c.len()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "{:>3}  {:>9}  {:>6}  {:<width$}  sites",
        "#", "weight", "share", "edge"
    )?;
    for (i, (e, call)) in edges.iter().zip(&calls).enumerate() {
        let (a, b) = (&profile.nodes[e.from], &profile.nodes[e.to]);
        writeln!(
            out,
            "{:>3}  {:>9}  {:>5.1}%  {:<width$}  {} -> {}",
            i + 1,
            e.weight,
            share(e.weight),
            call,
            a.site_label(),
            b.site_label()
        )?;
    }
    Ok(())
}
