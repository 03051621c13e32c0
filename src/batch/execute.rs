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
use super::store::{DoneRecord, NamedFile, Store};
use super::variant::{Plan, Variant};
use crate::output::tables::Table;
use crate::run;
use crate::scenario::NodeKind;
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
    int("scenario.replications") * (1 + int("choice.feedback.iterations"))
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
    let merged = run::simulate_merged(&scenario, progress.replication).map_err(|source| {
        BatchError::Run {
            id: v.id.clone(),
            label: v.label.clone(),
            source,
        }
    })?;
    let agg = &merged.agg;
    let wall_time_s = started.elapsed().as_secs_f64();
    let mut tables = merged.tables().all();
    if convergence {
        let name = scenario.meta.name.as_str();
        let report: Vec<_> = merged.compiled.feedback.iter().map(|c| (name, c)).collect();
        tables.push(crate::output::tables::convergence(&report));
    }
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
        events: agg.work.events,
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
