//! Running variants and committing each as it finishes.
//!
//! Variants run in parallel on the current rayon pool, and so do the replications inside
//! each (rayon balances the two levels), so a sweep of many small variants and one of a few
//! large ones both keep every core busy. Each variant is simulated exactly as `corridor run`
//! would simulate its scenario — same routes, same random streams for the same seed — so
//! variants share common random numbers and their differences are paired. Its tables get
//! the `variant` column after `scenario`, and are committed to the store as soon as it
//! finishes; completion order does not matter because the combined tables are assembled
//! later in canonical order. The parameter columns are not committed with them: which
//! columns a sweep has, and in what order, depends on the sweep file around the variant
//! (reorder the `[[vary]]`, add a `[[variants]]` with a new path), while a committed
//! variant stays valid across such edits, so they are added when combining.

use super::BatchError;
use super::command::Command;
use super::store::{DoneRecord, NamedFile, Store};
use super::variant::{Plan, Variant};
use crate::compare::{self, KINDS, paired, zones};
use crate::feedback::Convergence;
use crate::output::tables::Table;
use crate::run::{self, Collect, RunError};
use crate::scenario::{NodeKind, Scenario};
use rayon::prelude::*;
use std::time::Instant;

/// Callbacks for a progress display; called from worker threads.
pub struct Progress<'a> {
    /// After each replication.
    pub replication: &'a (dyn Fn() + Sync),
    /// After each variant is committed.
    pub variant: &'a (dyn Fn(&Variant) + Sync),
}

/// The replications variant `v` will run (for sizing a progress bar), its feedback
/// iterations' included at most, read from the patched tree without validating it: the
/// values the scenario will have after [`super::check::check`] has passed.
#[must_use]
pub fn replications(plan: &Plan, v: &Variant) -> u64 {
    let tree = plan.patched(v);
    let int = |path: &str| match tree.get(path).map(|n| &n.kind) {
        Some(NodeKind::Int(n)) => u64::try_from(*n).unwrap_or(0),
        _ => 0,
    };
    let simulations = match &plan.sweep.command {
        Command::Run => 1,
        // The base and each candidate compared (at most: a sequential selection stops early).
        Command::CompareZones { zones } if zones.is_empty() => match tree.get("candidates") {
            Some(crate::scenario::Node {
                kind: NodeKind::Array(c),
                ..
            }) => 1 + c.len() as u64,
            _ => 1,
        },
        Command::CompareZones { zones } => 1 + zones.len() as u64,
        Command::Plugin { .. } | Command::Diff(_) => 2,
    };
    simulations * int("scenario.replications") * (1 + int("choice.feedback.iterations"))
}

/// Whether any variant of the sweep runs feedback iterations: then every variant
/// commits a `convergence.csv` (header only without feedback), so that the variants'
/// tables agree and combine.
fn any_feedback(plan: &Plan) -> bool {
    plan.variants
        .iter()
        .any(|v| plan.patched(v).get("choice.feedback").is_some())
}

/// Runs the variants at canonical positions `pending` and commits each to `store`.
///
/// # Errors
///
/// The first failure: a variant that does not build or compile (not expected after
/// [`super::check::check`]), or an I/O error while committing. Variants committed before
/// it stay committed.
pub fn run_pending(
    plan: &Plan,
    store: &Store,
    pending: &[usize],
    progress: &Progress<'_>,
) -> Result<(), BatchError> {
    let convergence = any_feedback(plan);
    pending.par_iter().try_for_each(|&i| {
        let v = &plan.variants[i];
        let (files, done) = run_variant(plan, v, convergence, progress)?;
        store.commit(&v.id, &files, &done)?;
        (progress.variant)(v);
        Ok(())
    })
}

/// What one variant's command gave: its tables and the events simulated (0 where the
/// command does not count them).
struct Ran {
    tables: Vec<Table>,
    events: u64,
}

/// Runs the sweep's command on a variant's scenario.
fn run_command(
    plan: &Plan,
    v: &Variant,
    scenario: &Scenario,
    convergence: bool,
    progress: &Progress<'_>,
) -> Result<Ran, BatchError> {
    let failed = |source: RunError| BatchError::Run {
        id: v.id.clone(),
        label: v.label.clone(),
        source,
    };
    let name = scenario.meta.name.as_str();
    let on_done = progress.replication;
    let convergence_table = |reports: Vec<(&str, &Convergence)>| {
        convergence.then(|| crate::output::tables::convergence(&reports))
    };
    let not_ready =
        |what: String| {
            BatchError::Sweep(plan.sweep.diagnostics(vec![
                crate::scenario::source::Diagnostic::at(plan.sweep.command_loc, what),
            ]))
        };
    match &plan.sweep.command {
        Command::Run => {
            let merged = run::simulate_merged(scenario, on_done).map_err(failed)?;
            let mut tables = merged.tables().all();
            let report: Vec<_> = merged.compiled.feedback.iter().map(|c| (name, c)).collect();
            tables.extend(convergence_table(report));
            Ok(Ran {
                tables,
                events: merged.agg.work.events,
            })
        }
        Command::CompareZones { zones } => {
            let ids: Vec<_> = if zones.is_empty() {
                (0..scenario.candidates.len())
                    .map(crate::ids::CandidateId::new)
                    .collect()
            } else {
                zones
                    .iter()
                    .map(|z| {
                        scenario
                            .candidate_by_id(&z.value)
                            .ok_or_else(|| not_ready(format!("no candidate zone `{}`", z.value)))
                    })
                    .collect::<Result<_, _>>()?
            };
            let c = zones::compare_zones(scenario, &ids, on_done).map_err(|e| match e {
                zones::CompareError::Run(r) => failed(r),
                zones::CompareError::Kn(k) => not_ready(k.to_string()),
            })?;
            let mut tables = vec![
                zones::ranking_table(name, &c),
                zones::market_table(name, &c),
            ];
            tables.extend(convergence_table(
                c.feedback.iter().map(|(l, f)| (l.as_str(), f)).collect(),
            ));
            Ok(Ran { tables, events: 0 })
        }
        Command::Plugin { zone } => {
            let z = scenario
                .candidate_by_id(&zone.value)
                .ok_or_else(|| not_ready(format!("no candidate zone `{}`", zone.value)))?;
            let plugged = scenario.with_candidate(z);
            let p = paired::simulate_paired(scenario, &plugged, &KINDS, Collect::Summary, on_done)
                .map_err(failed)?;
            let rows: Vec<_> = p.rows.iter().flatten().cloned().collect();
            let tables = vec![compare::plugin_table(name, &zone.value, &rows)];
            let plugged_name = format!("{name} + {}", zone.value);
            Ok(paired_ran(tables, &p, [name, &plugged_name], convergence))
        }
        Command::Diff(_) => {
            let b = match plan.build_policy(&plan.params(v), scenario) {
                Some(Ok(b)) => b,
                Some(Err(items)) => return Err(BatchError::Sweep(plan.sweep.diagnostics(items))),
                None => return Err(not_ready("command = \"diff\" needs a policy".into())),
            };
            // The day-by-day series are collected for the recovery rows of the hub table,
            // as `corridor diff` collects them; the series itself is not kept per variant.
            let p = paired::simulate_paired(scenario, &b, &KINDS, Collect::TimeSeries, on_done)
                .map_err(failed)?;
            let recovery = p.daily.as_ref().map(|d| &d.recovery_days);
            let tables: Vec<Table> = KINDS
                .iter()
                .zip(&p.rows)
                .map(|(&kind, rows)| compare::diff_table(kind, (scenario, &b), rows, recovery))
                .collect();
            Ok(paired_ran(tables, &p, [name, &b.meta.name], convergence))
        }
    }
}

/// A paired comparison's `tables`, with the two scenarios' (labelled `names`) feedback
/// iterations when the sweep records convergence.
fn paired_ran(
    mut tables: Vec<Table>,
    p: &paired::Paired<'_, '_>,
    names: [&str; 2],
    convergence: bool,
) -> Ran {
    if convergence {
        let report: Vec<(&str, &Convergence)> = names
            .into_iter()
            .zip([&p.a, &p.b])
            .filter_map(|(l, c)| c.feedback.as_ref().map(|f| (l, f)))
            .collect();
        tables.push(crate::output::tables::convergence(&report));
    }
    Ran {
        tables,
        events: p.events,
    }
}

/// Simulates one variant: its table files (name, CSV bytes) and its completion record.
fn run_variant(
    plan: &Plan,
    v: &Variant,
    convergence: bool,
    progress: &Progress<'_>,
) -> Result<(Vec<NamedFile>, DoneRecord), BatchError> {
    let scenario = plan
        .scenario(v)
        .map_err(|items| BatchError::Sweep(plan.sweep.diagnostics(items)))?;
    let started = Instant::now();
    let Ran { tables, events } = run_command(plan, v, &scenario, convergence, progress)?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let mut files = Vec::with_capacity(tables.len());
    for t in &tables {
        let bytes = variant_csv(t, &v.id).map_err(|e| BatchError::Io {
            path: plan.sweep.path.clone(),
            source: e.into(),
        })?;
        files.push((t.file.to_string(), bytes));
    }
    let done = DoneRecord {
        id: v.id.clone(),
        fingerprint: plan.fingerprint.clone(),
        basis: plan.basis.clone(),
        // Filled in by the commit, from the bytes it writes.
        tables: Vec::new(),
        replications: scenario.meta.replications,
        seed: scenario.meta.seed,
        events,
        wall_time_s,
    };
    Ok((files, done))
}

/// A run table as CSV with the `variant` column inserted after `scenario` (or first, for
/// a table without one); the combine adds the parameter columns after it.
///
/// # Errors
/// A CSV error (not expected when writing to memory).
pub fn variant_csv(table: &Table, id: &str) -> Result<Vec<u8>, csv::Error> {
    let at = table
        .header
        .iter()
        .position(|h| *h == "scenario")
        .map_or(0, |p| p + 1);
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = table.header[..at]
        .iter()
        .copied()
        .chain(std::iter::once("variant"))
        .chain(table.header[at..].iter().copied());
    w.write_record(header)?;
    for row in &table.rows {
        let (head, tail) = row.split_at(at.min(row.len()));
        let rec = head
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(id))
            .chain(tail.iter().map(String::as_str));
        w.write_record(rec)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variant_goes_after_scenario() {
        let t = Table {
            file: "t.csv",
            header: &["scenario", "x_h"],
            rows: vec![vec!["s".into(), "1.0000".into()]],
        };
        let bytes = variant_csv(&t, "vabc").unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "scenario,variant,x_h\ns,vabc,1.0000\n"
        );
    }
}
