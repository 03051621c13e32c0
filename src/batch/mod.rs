//! Batch runs: every variant of a sweep, sharded, crash-safe, mergeable.
//!
//! Planners compare hundreds or thousands of variants of one scenario (more trains ×
//! faster customs, lock capacity × closure length) and paste the tables into reports, so
//! a sweep must give the same bytes however it was run — on one laptop or as 40 array
//! tasks on a cluster, with 1 thread or 64, in one go or resumed after a pre-emption.
//!
//! ## Lifecycle
//!
//! 1. **Read** ([`sweep`]): the sweep file (strictly: unknown keys and wrong types are
//!    located errors) and the base scenario it names, into one source map.
//! 2. **Expand** ([`variant`]): the `[[vary]]` product then the `[[variants]]`, in
//!    canonical order, each with an id derived from its parameters ([`variant::variant_id`])
//!    and a readable label.
//! 3. **Check** ([`mod@check`]): every variant built, validated and compiled before anything
//!    runs; problems located in the sweep file.
//! 4. **Slice** ([`shard`]): shard `K/N` takes the variants at positions `i mod N == K`.
//! 5. **Run and commit** ([`execute`], [`store`]): each variant of the slice that is not
//!    already committed is simulated exactly as `corridor run` would (the scenario's seed,
//!    so variants share common random numbers) and committed atomically, marker last. A
//!    committed variant is reused by `--resume` as long as its id (its parameters) and the
//!    sweep's basis (base files, overrides, version) are unchanged, so adding values to a
//!    sweep computes only the new variants.
//! 6. **Combine** ([`mod@combine`]): once every variant of the slice is committed, the
//!    combined tables are written from the committed files in canonical order.
//! 7. **Merge** ([`mod@merge`]): shard directories of one sweep are checked (same sweep, no
//!    variant missing or held twice), copied together and combined by the same code, so
//!    the result is byte-identical to an unsharded run.
//!
//! The library reads no environment and prints nothing: the `corridor batch` and
//! `corridor merge` commands choose the shard (from arguments or the scheduler's
//! variables), draw the progress bar and map [`BatchError`] to exit codes.

pub mod canon;
pub mod check;
pub mod combine;
pub mod command;
pub mod execute;
pub mod merge;
pub mod shard;
pub mod stability;
pub mod store;
pub mod sweep;
pub mod variant;

pub use check::check;
pub use combine::{BatchManifest, Combined, combine};
pub use execute::{Progress, run_pending};
pub use merge::merge;
pub use shard::Shard;
pub use store::{Store, SweepRecord};
pub use sweep::Sweep;
pub use variant::{Plan, Variant};

use crate::run::RunError;
use crate::scenario::Diagnostics;
use std::path::PathBuf;

/// Why a batch or merge failed. [`BatchError::is_bad_input`] tells the user's mistakes
/// (exit 2) from the rest (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The sweep file or a variant's scenario is invalid (bad input).
    #[error("{0}")]
    Sweep(Diagnostics),
    /// Resuming a directory whose results were computed on another basis (bad input).
    #[error(
        "{}: holds results computed on another base scenario, replications/seed override or version \
         ({found}; this sweep has {expected}); run without --resume to start over, or use another --out",
        .dir.display()
    )]
    OtherSweep {
        /// The output directory.
        dir: PathBuf,
        /// Fingerprint and version found there.
        found: String,
        /// This sweep's.
        expected: String,
    },
    /// A merge input is not a batch directory (bad input).
    #[error("{}: not a batch output directory (no readable sweep.json)", .dir.display())]
    NotABatch {
        /// The directory.
        dir: PathBuf,
    },
    /// No directory to merge (bad input).
    #[error("nothing to merge: give at least one shard directory")]
    NoInputs,
    /// Merge inputs from different sweeps (bad input).
    #[error(
        "{} and {} are not shards of the same sweep (different {what}); merge only the shards of one sweep",
        .first.display(), .other.display()
    )]
    DifferentSweeps {
        /// The first directory.
        first: PathBuf,
        /// The one that differs.
        other: PathBuf,
        /// What differs.
        what: String,
    },
    /// A variant held by several merge inputs (bad input).
    #[error(
        "variant {id} ({label}) is in several directories: {}{}; pass each shard once",
        .dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
        if *.count > 1 { format!(" (and {} more variants are duplicated)", .count - 1) } else { String::new() }
    )]
    Duplicate {
        /// The variant.
        id: String,
        /// Its label.
        label: String,
        /// The directories holding it.
        dirs: Vec<PathBuf>,
        /// How many variants are held more than once.
        count: usize,
    },
    /// Variants that no merge input holds (bad input).
    #[error("{0}")]
    Missing(merge::Missing),
    /// The merge output is one of its inputs (bad input).
    #[error("{}: the merge output cannot be one of the shard directories", .dir.display())]
    OutIsInput {
        /// The directory.
        dir: PathBuf,
    },
    /// Combining before every variant was committed (an internal error).
    #[error("{}: {missing} of {total} variants are not committed; cannot combine", .dir.display())]
    Incomplete {
        /// The directory.
        dir: PathBuf,
        /// Variants not committed.
        missing: usize,
        /// Variants of the shard.
        total: usize,
    },
    /// A variant could not be simulated.
    #[error("variant {id} ({label}): {source}")]
    Run {
        /// The variant.
        id: String,
        /// Its label.
        label: String,
        /// Why.
        source: RunError,
    },
    /// A committed file is not what it should be.
    #[error("{}: {message}", .path.display())]
    Corrupt {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A batch directory holds what no `corridor batch` writes, or a committed table
    /// changed after its commit (bad input: a damaged or hand-edited directory).
    #[error("{}: {message}", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl BatchError {
    /// Whether the user's input is at fault (exit code 2).
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            BatchError::Sweep(_)
                | BatchError::OtherSweep { .. }
                | BatchError::NotABatch { .. }
                | BatchError::NoInputs
                | BatchError::DifferentSweeps { .. }
                | BatchError::Duplicate { .. }
                | BatchError::Missing(_)
                | BatchError::OutIsInput { .. }
                | BatchError::Damaged { .. }
        )
    }
}
