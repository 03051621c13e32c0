//! `manifest.json`: what produced a set of results.
//!
//! A result directory must say how to reproduce it: the crate version, the exact scenario
//! files (path and the SHA-256 of their bytes, so a silently edited scenario is visible
//! and `sha256sum` checks it), the seed, the replication and thread counts and the arguments. Wall time is
//! recorded too, which is why the manifest — unlike the CSVs — differs between two
//! otherwise identical runs.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::hash::sha256_hex;

use super::atomic::write_atomic;

/// A scenario or sweep file read by a run or a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path as read.
    pub path: String,
    /// SHA-256 of the file's bytes, 64 hex digits (what `sha256sum` prints).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: usize,
}

impl SourceFile {
    /// Describes a file from its path and content.
    #[must_use]
    pub fn of(path: &Path, content: &[u8]) -> SourceFile {
        SourceFile {
            path: path.display().to_string(),
            sha256: sha256_hex(content),
            bytes: content.len(),
        }
    }
}

/// What every manifest records of the command that wrote its directory (a run's
/// [`Manifest`] and a sweep's manifest alike): the tool and version, the command and its
/// arguments, how long it took and the files it wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Provenance {
    /// Always `corridor-sim`.
    pub tool: &'static str,
    /// Crate version.
    pub version: &'static str,
    /// The command, e.g. `run`.
    pub command: String,
    /// The command-line arguments after the program name.
    pub arguments: Vec<String>,
    /// Wall time of the command's work, seconds.
    pub wall_time_s: f64,
    /// Files written beside the manifest.
    pub outputs: Vec<String>,
}

impl Provenance {
    /// The provenance of `command` run with `arguments`; wall time and outputs are filled
    /// in when the work is done.
    #[must_use]
    pub fn new(command: &str, arguments: Vec<String>) -> Provenance {
        Provenance {
            tool: "corridor-sim",
            version: env!("CARGO_PKG_VERSION"),
            command: command.to_string(),
            arguments,
            wall_time_s: 0.0,
            outputs: Vec::new(),
        }
    }
}

/// The manifest of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// Tool, version, command, arguments, wall time (of the simulation) and outputs.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Whose results these are: the command, the absolute paths of its scenario files and
    /// what else selects its results (a `plugin`'s zone). Another command or scenario
    /// replaces them only with `--overwrite` (see [`crate::output::dir`]).
    pub owner: String,
    /// Scenario name.
    pub scenario: String,
    /// The scenario file given.
    pub scenario_path: String,
    /// Every file read: the scenario first, then what it extends.
    pub scenario_files: Vec<SourceFile>,
    /// Master seed used.
    pub seed: u64,
    /// Replications per scenario: those run, or for a comparison that spends them
    /// sequentially (`--procedure kn`, `site-scan`) the budget per zone.
    pub replications: u32,
    /// What a sequential comparison actually ran (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replications_run: Option<ReplicationsRun>,
    /// Worker threads.
    pub threads: usize,
    /// Horizon, days.
    pub horizon_days: f64,
    /// Warm-up, days.
    pub warmup_days: f64,
    /// Events processed over all replications.
    pub events: u64,
    /// The feedback iterations of each scenario run with `[choice] feedback` (absent
    /// when none was).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<FeedbackRecord>,
}

/// The replications a sequential comparison ran, against its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicationsRun {
    /// Zone (or cell) replications simulated and counted, over all zones.
    pub zones: u64,
    /// The base scenario's replications (run beside the zones until the procedure stopped).
    pub base: u64,
    /// What the fixed design would have run: zones × `replications` (the base's not
    /// included).
    pub zones_fixed_design: u64,
}

/// How one scenario's feedback iterations ended: the manifest's line for them (the
/// iterations themselves are in `convergence.csv`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeedbackRecord {
    /// Scenario name.
    pub scenario: String,
    /// Iterations run.
    pub iterations: u32,
    /// Whether the largest share change fell below the tolerance.
    pub converged: bool,
    /// The last iteration's largest share change.
    pub max_share_change: f64,
    /// The tolerance asked for.
    pub tolerance: f64,
    /// Choice periods (1: the same shares all the window).
    pub periods: usize,
}

impl FeedbackRecord {
    /// The record of `scenario`'s iterations.
    #[must_use]
    pub fn of(scenario: &str, c: &crate::feedback::Convergence) -> FeedbackRecord {
        FeedbackRecord {
            scenario: scenario.to_string(),
            iterations: u32::try_from(c.iterations.len()).unwrap_or(u32::MAX),
            converged: c.converged,
            max_share_change: c.iterations.last().map_or(0.0, |i| i.max_share_change),
            tolerance: c.tolerance,
            periods: c.periods.count(),
        }
    }

    /// The warning for the standard error stream when the iterations did not converge.
    #[must_use]
    pub fn warning(&self) -> Option<String> {
        (!self.converged).then(|| {
            format!(
                "warning: {}: route choice feedback did not converge in {} iterations (largest share change {:.4}, tolerance {}); raise `[choice] feedback.iterations` or see convergence.csv",
                self.scenario, self.iterations, self.max_share_change, self.tolerance
            )
        })
    }
}

impl Manifest {
    /// Writes `dir/manifest.json` atomically (pretty-printed, trailing newline).
    ///
    /// # Errors
    /// Any I/O error; the previous manifest is then left unchanged.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        write_atomic(&dir.join("manifest.json"), |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            io::Write::write_all(w, b"\n")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_file_records_what_sha256sum_prints() {
        // `printf a | sha256sum`.
        assert_eq!(
            SourceFile::of(Path::new("x"), b"a").sha256,
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
        );
    }
}
