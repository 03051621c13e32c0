//! `corridor batch SWEEP [--out DIR] [--shard K/N] [--shards N] [--resume] [--overwrite]
//! [--replications N] [--seed S] [--threads T] [--quiet]`
//!
//! Read and check the whole sweep → pick this process's shard → prepare the output
//! directory → run the shard's uncommitted variants on a pool of `--threads` workers,
//! committing each → combine → manifest. The library does the work (`corridor_sim::batch`);
//! this command decides what only a process can: which shard it is (arguments, else the
//! scheduler's environment), where to write, and what to show on the terminal.
//!
//! Shard from the environment, when `--shard` is not given:
//! - Slurm job array: `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT` (with
//!   `SLURM_ARRAY_TASK_MIN` / `_STEP`, so `--array=1-8` works as well as `--array=0-7`);
//! - Kubernetes indexed Job: `JOB_COMPLETION_INDEX`, with the count from `--shards`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::Failure;
use crate::common;
use corridor_sim::batch::{
    self, BatchError, BatchManifest, Plan, Progress, Shard, Store, Sweep, SweepRecord, execute,
};
use corridor_sim::output::dir::{OutLock, check_owner, check_writable};
use corridor_sim::scenario::Diagnostics;

/// Arguments of `corridor batch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sweep file (`base`, `[[vary]]` and `[[variants]]`).
    pub sweep: PathBuf,
    /// Output directory [default: out/batch-STEM-HASH, or out/batch-STEM-HASH-shard-K-of-N
    /// for a shard, where STEM is the sweep file's name without extension and HASH eight
    /// hex digits of its absolute path].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the results of another sweep file or command in --out.
    #[arg(long)]
    pub overwrite: bool,
    #[command(flatten)]
    pub run: common::RunOverrides,
    /// Run only shard K of N (0 ≤ K < N): the variants at positions i with i mod N = K.
    /// Default: from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX,
    /// else the whole sweep.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Number of shards, for an index taken from JOB_COMPLETION_INDEX (a Kubernetes
    /// indexed Job: its `completions`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,
    /// Keep the variants already committed in --out and run only the rest.
    #[arg(long)]
    pub resume: bool,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bar or summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Maps a library error to a failure, printing bad input (exit 2) here.
pub(crate) fn failure(e: BatchError, file: &Path) -> Failure {
    match e {
        BatchError::Sweep(diags) => report(&diags, file),
        e if e.is_bad_input() => {
            eprintln!("error: {e}");
            Failure::BadInput
        }
        e => Failure::Other(e.into()),
    }
}

fn report(diags: &Diagnostics, file: &Path) -> Failure {
    eprintln!("{diags}");
    let n = diags.items.len();
    eprintln!(
        "{}: {n} problem{} found",
        file.display(),
        if n == 1 { "" } else { "s" }
    );
    Failure::BadInput
}

/// Where the shard comes from.
#[derive(Debug, PartialEq, Eq)]
enum ShardSource {
    Argument,
    Slurm,
    Kubernetes,
    Whole,
}

/// The shard to run: `--shard`, else the scheduler's variables read through `env`.
fn resolve_shard(
    shard: Option<Shard>,
    shards: Option<u32>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Shard, ShardSource), String> {
    let number = |name: &str| -> Result<Option<u32>, String> {
        env(name)
            .map(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("{name}=`{v}` is not a whole number"))
            })
            .transpose()
    };
    let agree = |count: u32, from: &str| match shards {
        Some(n) if n != count => Err(format!(
            "--shards {n} disagrees with {from}, which says {count} shards"
        )),
        _ => Ok(()),
    };
    if let Some(s) = shard {
        agree(s.count, &format!("--shard {s}"))?;
        return Ok((s, ShardSource::Argument));
    }
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let count = match (number("SLURM_ARRAY_TASK_COUNT")?, shards) {
            (Some(c), _) => {
                agree(c, "SLURM_ARRAY_TASK_COUNT")?;
                c
            }
            (None, Some(n)) => n,
            (None, None) => {
                return Err(
                    "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: \
                            pass --shards N (the size of the job array)"
                        .to_string(),
                );
            }
        };
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        if id < min || (id - min) % step != 0 {
            return Err(format!(
                "SLURM_ARRAY_TASK_ID={id} is not in the array {min}-...:{step}"
            ));
        }
        let s = Shard::new((id - min) / step, count).map_err(|e| format!("job array: {e}"))?;
        return Ok((s, ShardSource::Slurm));
    }
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let Some(count) = shards else {
            return Err(
                "JOB_COMPLETION_INDEX is set (a Kubernetes indexed Job) but the shard \
                        count is not: pass --shards N (the Job's completions)"
                    .to_string(),
            );
        };
        let s = Shard::new(index, count).map_err(|e| format!("indexed Job: {e}"))?;
        return Ok((s, ShardSource::Kubernetes));
    }
    if let Some(n) = shards {
        return Err(format!(
            "--shards {n} sets the shard count for an index from the environment \
             (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX), and neither is set; \
             to run one slice by hand, give --shard K/{n}"
        ));
    }
    Ok((Shard::WHOLE, ShardSource::Whole))
}

fn default_out(sweep: &Path, owner: &str, shard: Shard) -> PathBuf {
    let dir = common::default_out(&format!("batch-{}", common::stem(sweep)), owner);
    if shard.is_whole() {
        dir
    } else {
        let mut name = dir.into_os_string();
        name.push(format!("-shard-{}-of-{}", shard.index, shard.count));
        PathBuf::from(name)
    }
}

/// Checks, under the lock, that this sweep's results may go into `lock`'s directory;
/// clears the committed variants of another sweep when `--overwrite` replaces them.
/// A directory of this sweep file is always fine; with `--resume`, so is one of another
/// sweep file on the same basis (the library refuses another basis).
fn check_out(lock: &OutLock, owner: &str, args: &Args) -> Result<(), Failure> {
    let dir = lock.dir();
    check_writable(lock).map_err(common::out_failure)?;
    let fail = |e| failure(e, &args.sweep);
    match SweepRecord::read(dir).map_err(fail)? {
        Some(old) if args.resume || old.owner == owner || old.owner.is_empty() => Ok(()),
        Some(old) if !args.overwrite => {
            eprintln!(
                "error: {}: holds the results of `{}`, not of `{owner}`; pass --overwrite to \
                 replace them, --resume to keep the variants they share, or choose another --out",
                dir.display(),
                old.owner
            );
            Err(Failure::BadInput)
        }
        Some(_) => batch::store::clear_variants(dir).map_err(fail),
        None => check_owner(lock, owner, args.overwrite).map_err(common::out_failure),
    }
}

fn progress_bar(replications: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} replications, {msg} (eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    ProgressBar::new(replications).with_style(style)
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), Failure> {
    let started = Instant::now();
    let (shard, source) = resolve_shard(args.shard, args.shards, |k| std::env::var(k).ok())
        .map_err(|m| {
            eprintln!("error: {m}");
            Failure::BadInput
        })?;
    let (pool, threads) = common::pool(args.threads)?;

    let mut sweep = Sweep::load(&args.sweep).map_err(|d| report(&d, &args.sweep))?;
    sweep
        .override_run(args.run.replications, args.run.seed)
        .map_err(|m| {
            eprintln!("error: {m}");
            Failure::BadInput
        })?;
    let plan = Plan::expand(sweep).map_err(|d| report(&d, &args.sweep))?;
    pool.install(|| batch::check(&plan))
        .map_err(|d| report(&d, &args.sweep))?;

    let owner = batch::store::owner(&args.sweep);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.sweep, &owner, shard));
    // One writer per directory: a second `batch` or `merge` into it fails at once.
    let lock = OutLock::acquire(&out).map_err(common::out_failure)?;
    check_out(&lock, &owner, args)?;
    let fail = |e| failure(e, &args.sweep);
    let store = Store::open(&out, SweepRecord::new(&plan, shard), args.resume).map_err(fail)?;
    let pending = store.pending();
    let in_shard = store.record().slice().count();
    let work: u64 = pending
        .iter()
        .map(|&i| execute::replications(&plan, &plan.variants[i]))
        .sum();

    let bar = progress_bar(work, args.quiet);
    let finished = AtomicUsize::new(0);
    bar.set_message(format!("0/{} variants", pending.len()));
    let on_replication = || bar.inc(1);
    let on_variant = |_: &batch::Variant| {
        let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
        bar.set_message(format!("{n}/{} variants", pending.len()));
    };
    let progress = Progress {
        replication: &on_replication,
        variant: &on_variant,
    };
    let ran = pool.install(|| batch::run_pending(&plan, &store, &pending, &progress));
    bar.finish_and_clear();
    ran.map_err(fail)?;

    let combined = batch::combine(&store).map_err(fail)?;
    let mut manifest = BatchManifest::new(&store, &combined, "batch");
    manifest.provenance.arguments = std::env::args().skip(1).collect();
    manifest.threads = Some(threads);
    manifest.provenance.wall_time_s = started.elapsed().as_secs_f64();
    manifest.write(&out).map_err(fail)?;

    if !args.quiet {
        let from = match source {
            ShardSource::Argument | ShardSource::Whole => "",
            ShardSource::Slurm => " (from the Slurm job array)",
            ShardSource::Kubernetes => " (from the Kubernetes indexed Job)",
        };
        eprintln!(
            "{}: shard {shard}{from}: {in_shard} of {} variants ({} already committed, {} run), \
             {} replications on {threads} threads in {:.2} s; results in {}",
            args.sweep.display(),
            plan.variants.len(),
            in_shard - pending.len(),
            pending.len(),
            combined.replications,
            manifest.provenance.wall_time_s,
            out.display()
        );
        if let Some(line) = stability_line(&out, combined.variants) {
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// The headline of a compare-zones sweep's `rank_stability.csv` (its first row: the zone
/// with the best mean rank), for the terminal; `None` for other sweeps.
fn stability_line(out: &Path, variants: usize) -> Option<String> {
    let path = out.join(batch::stability::RANK_STABILITY);
    let mut r = csv::Reader::from_path(&path).ok()?;
    let header = r.headers().ok()?.clone();
    let row = r.records().next()?.ok()?;
    let cell = |name: &str| header.iter().position(|h| h == name).map(|i| &row[i]);
    Some(format!(
        "rank stability: {} has the best mean rank ({}), best in {} and top-3 in {} of {variants} variants; see {}",
        cell("zone")?,
        cell("mean_rank")?,
        cell("times_best")?,
        cell("times_top3")?,
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn shard(k: u32, n: u32) -> Shard {
        Shard::new(k, n).unwrap()
    }

    #[test]
    fn argument_wins_over_environment() {
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            resolve_shard(Some(shard(1, 2)), None, &e),
            Ok((shard(1, 2), ShardSource::Argument))
        );
        assert!(resolve_shard(Some(shard(1, 2)), Some(3), &e).is_err());
    }

    #[test]
    fn slurm_arrays_from_zero_one_or_with_a_step() {
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            resolve_shard(None, None, &e),
            Ok((shard(3, 4), ShardSource::Slurm))
        );
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]);
        assert_eq!(resolve_shard(None, None, &e).unwrap().0, shard(3, 4));
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]);
        assert_eq!(resolve_shard(None, None, &e).unwrap().0, shard(2, 3));
        let e = env(&[
            ("SLURM_ARRAY_TASK_ID", "x"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert!(resolve_shard(None, None, &e).is_err());
        let e = env(&[("SLURM_ARRAY_TASK_ID", "1")]);
        assert!(resolve_shard(None, None, &e).is_err());
        assert_eq!(resolve_shard(None, Some(2), &e).unwrap().0, shard(1, 2));
    }

    #[test]
    fn kubernetes_index_needs_the_count() {
        let e = env(&[("JOB_COMPLETION_INDEX", "2")]);
        assert!(resolve_shard(None, None, &e).is_err());
        assert_eq!(
            resolve_shard(None, Some(5), &e),
            Ok((shard(2, 5), ShardSource::Kubernetes))
        );
        assert!(resolve_shard(None, Some(2), &e).is_err());
    }

    #[test]
    fn nothing_set_is_the_whole_sweep() {
        let e = env(&[]);
        assert_eq!(
            resolve_shard(None, None, &e),
            Ok((Shard::WHOLE, ShardSource::Whole))
        );
        assert!(resolve_shard(None, Some(4), &e).is_err());
    }

    #[test]
    fn default_directories_name_the_command_the_file_and_the_shard() {
        let whole = default_out(Path::new("a/lock.toml"), "batch /a/lock.toml", Shard::WHOLE);
        let name = whole.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("batch-lock-") && name.len() == 19,
            "{name}"
        );
        assert_eq!(
            default_out(Path::new("a/lock.toml"), "batch /a/lock.toml", shard(1, 3)),
            Path::new(&format!("out/{name}-shard-1-of-3"))
        );
        // Another file of the same name elsewhere gets another folder.
        assert_ne!(
            default_out(Path::new("b/lock.toml"), "batch /b/lock.toml", Shard::WHOLE),
            whole
        );
    }
}
