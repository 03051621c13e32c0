//! Entry points for fuzzing the scenario and sweep loaders.
//!
//! The cargo-fuzz targets in `fuzz/` call these, and so does `tests/fuzz_corpus.rs`,
//! which replays the fuzz corpora and the shipped scenarios on stable Rust in CI: an input
//! that once broke the loaders stays a regression test without nightly tooling.
//!
//! Loading reads files (a scenario `extends` others, a sweep names its `base`), so the
//! input is written where a file of the shipped layout would be, in a directory the caller
//! prepares once with [`prepare`]: a scenario as `policies/input.toml` beside
//! `../base.toml` and `base.toml`, a sweep as `sweeps/input.toml` beside `../base.toml`.
//! The shipped policies and sweeps thereby load as they do in place.
//!
//! Any outcome is fine except a panic, an abort or a hang: what passes validation is
//! routed, compiled and simulated for one short replication (two days, no warm-up), and
//! its tables are formatted, so "validate passes, run fails" is found too.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::batch::{self, Plan};
use crate::run::Compiled;
use crate::scenario;
use crate::sim;

/// How far an input got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused by the loader or validation (with located diagnostics).
    Rejected,
    /// Valid, but its model could not be compiled (a [`crate::run::RunError`]).
    NotCompiled,
    /// Loaded and, for a scenario, simulated; for a sweep, every variant checked.
    Accepted,
}

/// The most variants of a fuzzed sweep that are built and checked (each is validated and
/// compiled): enough to reach every code path, few enough to stay fast.
const MAX_CHECKED_VARIANTS: usize = 4;

/// Lays out `dir` for [`scenario`] and [`sweep`]: each of `files` (name and text: the
/// scenarios fuzzed inputs may `extends` or name as `base`, e.g. the shipped Chongqing
/// `base.toml` and `lock-closure.toml`) both in `dir` and in `dir/policies`.
///
/// # Errors
/// I/O errors.
pub fn prepare(dir: &Path, files: &[(&str, &str)]) -> io::Result<()> {
    for sub in ["policies", "sweeps"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    for (name, text) in files {
        fs::write(dir.join(name), text)?;
        fs::write(dir.join("policies").join(name), text)?;
    }
    Ok(())
}

fn write_input(dir: &Path, sub: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(sub).join("input.toml");
    fs::write(&path, bytes).expect("the fuzzing directory is writable");
    path
}

/// Loads `bytes` as a scenario file and, if it validates, routes, compiles and simulates
/// it briefly.
///
/// # Panics
/// If `dir` (see [`prepare`]) cannot be written; any panic of the code under test.
pub fn scenario(dir: &Path, bytes: &[u8]) -> Outcome {
    let path = write_input(dir, "policies", bytes);
    let short = [
        ("scenario.replications", "1"),
        ("scenario.horizon_days", "2"),
        ("scenario.warmup_days", "0"),
    ]
    .map(|(p, v)| (p.to_string(), v.to_string()));
    let Ok(loaded) = scenario::load_with(&path, &short) else {
        return Outcome::Rejected;
    };
    let Ok(compiled) = Compiled::new(&loaded.scenario) else {
        return Outcome::NotCompiled;
    };
    let agg = sim::run_replications_merged(&compiled.model, &compiled.routes, 1, &|| {});
    for table in compiled.tables(&agg).all() {
        assert!(table.rows.iter().all(|r| r.len() == table.header.len()));
    }
    Outcome::Accepted
}

/// Loads `bytes` as a sweep file, expands it and checks its first few variants (built,
/// validated and compiled) as `corridor batch` does before running anything.
///
/// # Panics
/// If `dir` (see [`prepare`]) cannot be written; any panic of the code under test.
pub fn sweep(dir: &Path, bytes: &[u8]) -> Outcome {
    let path = write_input(dir, "sweeps", bytes);
    let Ok(mut plan) = Plan::load(&path) else {
        return Outcome::Rejected;
    };
    plan.variants.truncate(MAX_CHECKED_VARIANTS);
    match batch::check(&plan) {
        Ok(()) => Outcome::Accepted,
        Err(_) => Outcome::Rejected,
    }
}
