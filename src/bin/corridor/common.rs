//! What every simulating command shares: loading a scenario with its diagnostics, the
//! worker pool, the progress bar, the output directory (locked, checked before any
//! work, replaced whole), and writing tables and the manifest.

use crate::Failure;
use anyhow::Context;
use corridor_sim::feedback::Convergence;
use corridor_sim::hash::fnv1a64;
use corridor_sim::output::dir::{OutDirError, Replacement};
use corridor_sim::output::manifest::{FeedbackRecord, Manifest, Provenance, SourceFile};
use corridor_sim::output::tables::{CsvFlavour, Table};
use corridor_sim::report::REPORT_HTML;
use corridor_sim::scenario::{self, Loaded, Meta, SourceMap};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// `--replications` and `--seed`: over the scenario's (and a sweep's) own values.
#[derive(Debug, Clone, clap::Args)]
pub struct RunOverrides {
    /// Replications (overrides the scenario's, and a sweep's; a sweep's `[[vary]]` of
    /// `scenario.replications` still wins).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: Option<u32>,
    /// Master seed (overrides the scenario's, and a sweep's; a sweep's `[[vary]]` of
    /// `scenario.seed` still wins).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
}

/// Options every simulating command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Output directory. It is replaced whole when the run succeeds; results of another
    /// command or scenario in it are refused unless --overwrite is given.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the results of another command or scenario in --out.
    #[arg(long)]
    pub overwrite: bool,
    #[command(flatten)]
    pub run: RunOverrides,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bar or summary line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Start every CSV with a UTF-8 byte-order mark, so that Excel opens it with Chinese
    /// (and other non-ASCII) names intact.
    #[arg(long)]
    pub excel: bool,
    /// Also write `report.html` (as `corridor report` would) into the output directory.
    #[arg(long)]
    pub report: bool,
}

impl SimArgs {
    /// The CSV flavour `--excel` asks for.
    pub fn csv_flavour(&self) -> CsvFlavour {
        if self.excel {
            CsvFlavour::Excel
        } else {
            CsvFlavour::Plain
        }
    }
}

/// Loads and validates a scenario; on failure prints every problem and returns
/// [`Failure::BadInput`].
pub fn load(path: &Path) -> Result<Loaded, Failure> {
    scenario::load(path).map_err(|diags| {
        eprintln!("{diags}");
        let n = diags.items.len();
        eprintln!(
            "{}: {n} problem{} found",
            path.display(),
            if n == 1 { "" } else { "s" }
        );
        Failure::BadInput
    })
}

/// Loads a scenario and applies the `--replications` / `--seed` overrides.
pub fn load_with_overrides(path: &Path, args: &SimArgs) -> Result<Loaded, Failure> {
    let mut loaded = load(path)?;
    if let Some(r) = args.run.replications {
        loaded.scenario.meta.replications = r;
    }
    if let Some(s) = args.run.seed {
        loaded.scenario.meta.seed = s;
    }
    Ok(loaded)
}

/// The most worker threads per core `--threads` may ask for. Results do not depend on the
/// thread count, so more threads than cores only cost memory (a workspace and a stack
/// each); a few per core leave room for hyper-threads and I/O waits, while `--threads
/// 10000` — a typo, or a job script's task count in the wrong flag — is refused instead
/// of exhausting memory.
const MAX_THREADS_PER_CORE: usize = 4;

/// A local worker pool of `--threads` workers (default: one per core).
///
/// # Errors
/// [`Failure::BadInput`] for more than [`MAX_THREADS_PER_CORE`] threads per core.
pub fn pool(threads: Option<u16>) -> Result<(rayon::ThreadPool, usize), Failure> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let max = MAX_THREADS_PER_CORE * cores;
    if let Some(t) = threads.map(usize::from).filter(|&t| t > max) {
        eprintln!(
            "error: --threads {t} is more than {max} ({MAX_THREADS_PER_CORE} per core on this \
             machine's {cores}); results do not depend on the thread count, so use at most {max}"
        );
        return Err(Failure::BadInput);
    }
    let threads = threads.map_or_else(rayon::current_num_threads, usize::from);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    Ok((pool, threads))
}

/// A progress bar over `total` replications on stderr; hidden when stderr is not a
/// terminal or with `--quiet`.
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} replications (eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    ProgressBar::new(total).with_style(style)
}

/// The files a scenario was read from, hashed for the manifest.
pub fn source_files(sources: &SourceMap) -> Vec<SourceFile> {
    sources
        .files()
        .iter()
        .map(|f| SourceFile::of(&f.path, f.text.as_bytes()))
        .collect()
}

/// Whose results a command writes: `command`, the absolute paths of `files`, and
/// `extra` (recorded in the manifest as `owner`).
pub fn owner(command: &str, files: &[&Path], extra: &str) -> String {
    let mut s = command.to_string();
    for f in files {
        let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf());
        s.push(' ');
        s.push_str(&abs.display().to_string());
    }
    if !extra.is_empty() {
        s.push(' ');
        s.push_str(extra);
    }
    s
}

/// Locks `out`, checks it may receive `owner`'s results and stages its replacement —
/// before any simulation, so that a wrong `--out` fails at once. Problems with `--out`
/// are bad input (exit 2).
pub fn begin_output(out: &Path, owner: &str, overwrite: bool) -> Result<Replacement, Failure> {
    Replacement::begin(out, owner, overwrite).map_err(out_failure)
}

/// Bad input found about `file` after it loaded (a missing section, an unknown id in an
/// argument): said once on stderr as `file: msg`, exit code 2.
pub fn bad_input(file: &Path, msg: impl std::fmt::Display) -> Failure {
    eprintln!("{}: {msg}", file.display());
    Failure::BadInput
}

/// An output-directory problem as a failure: bad input (exit 2, printed here) unless it is
/// an I/O error other than a permission denied.
pub fn out_failure(e: OutDirError) -> Failure {
    if matches!(&e, OutDirError::Io { source, .. } if source.kind() != std::io::ErrorKind::PermissionDenied)
    {
        return Failure::Other(e.into());
    }
    eprintln!("error: {e}");
    Failure::BadInput
}

/// Writes `tables` and `manifest` into the staged directory and swaps it in.
pub fn finish_output(
    out: Replacement,
    tables: &[Table],
    sim: &SimArgs,
    manifest: &Manifest,
) -> Result<(), Failure> {
    write_tables(out.path(), tables, sim.csv_flavour())?;
    write_manifest(out.path(), manifest)?;
    if sim.report {
        // Made from the staged files, so it is put in place with them or not at all.
        crate::report::write(out.path(), &out.path().join(REPORT_HTML))?;
    }
    let target = out.target().display().to_string();
    out.commit()
        .with_context(|| format!("cannot put the results in place at {target}"))?;
    Ok(())
}

/// Writes every table atomically into `dir` (created if needed); returns the file names.
pub fn write_tables(
    dir: &Path,
    tables: &[Table],
    flavour: CsvFlavour,
) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for t in tables {
        t.write_as(dir, flavour)
            .with_context(|| format!("cannot write {}", dir.join(t.file).display()))?;
    }
    Ok(tables.iter().map(|t| t.file.to_string()).collect())
}

/// The parts of a manifest every command fills the same way: provenance (tool, version,
/// arguments, wall time, outputs) and the run settings of `meta`. Callers complete it with
/// struct-update syntax.
pub fn manifest(
    command: &str,
    owner: &str,
    meta: &Meta,
    threads: usize,
    wall_time_s: f64,
    outputs: Vec<String>,
) -> Manifest {
    Manifest {
        provenance: Provenance {
            wall_time_s,
            outputs,
            ..Provenance::new(command, std::env::args().skip(1).collect())
        },
        owner: owner.to_string(),
        scenario: meta.name.clone(),
        scenario_path: String::new(),
        scenario_files: Vec::new(),
        seed: meta.seed,
        replications: meta.replications,
        threads,
        horizon_days: meta.window.horizon_days(),
        warmup_days: meta.window.warmup_days(),
        events: 0,
        feedback: Vec::new(),
        replications_run: None,
    }
}

/// How many times a command simulates every replication of `scenario`: once, plus its
/// feedback iterations at most (for sizing a progress bar).
pub fn simulations(scenario: &scenario::Scenario) -> u64 {
    1 + scenario
        .choice
        .feedback
        .as_ref()
        .map_or(0, |f| u64::from(f.iterations))
}

/// The feedback report of the compiled scenarios that ran feedback iterations, each named
/// by its label: `convergence.csv` (`None` if none did) and the manifest's records. Warns
/// on stderr for each whose iterations did not converge.
pub fn feedback_report(
    runs: &[(&str, &corridor_sim::run::Compiled<'_>)],
) -> (Option<Table>, Vec<FeedbackRecord>) {
    let reports: Vec<(String, Convergence)> = runs
        .iter()
        .filter_map(|(label, c)| Some(((*label).to_string(), c.feedback.clone()?)))
        .collect();
    feedback_records(&reports)
}

/// [`feedback_report`] of labelled convergence reports.
pub fn feedback_records(reports: &[(String, Convergence)]) -> (Option<Table>, Vec<FeedbackRecord>) {
    let records = reports
        .iter()
        .map(|(label, c)| {
            let record = FeedbackRecord::of(label, c);
            if let Some(w) = record.warning() {
                eprintln!("{w}");
            }
            record
        })
        .collect();
    let named: Vec<(&str, &Convergence)> = reports.iter().map(|(l, c)| (l.as_str(), c)).collect();
    let table = (!named.is_empty()).then(|| corridor_sim::output::tables::convergence(&named));
    (table, records)
}

/// Writes `manifest.json` into `dir`.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    manifest
        .write(dir)
        .with_context(|| format!("cannot write {}", dir.join("manifest.json").display()))
}

/// The default output directory of a command: `out/<label>-<8 hex digits>`, where the
/// label is readable (the command and the scenario file names) and the digits, a hash of
/// `owner` (the command and the absolute scenario paths), tell apart two scenario files
/// of the same name in different folders — so no two commands or scenario files share a
/// default folder.
pub fn default_out(label: &str, owner: &str) -> PathBuf {
    let digits = fnv1a64(owner.as_bytes()) >> 32;
    Path::new("out").join(format!("{}-{digits:08x}", dir_name(label)))
}

/// A file's name without its extension, for labels.
pub fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// A directory name made from a scenario name.
pub fn dir_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "scenario".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::dir_name;

    #[test]
    fn scenario_names_become_safe_directory_names() {
        assert_eq!(dir_name("chongqing-base"), "chongqing-base");
        assert_eq!(dir_name("a/b c"), "a_b_c");
        assert_eq!(dir_name(".."), "scenario");
        assert_eq!(dir_name(""), "scenario");
    }
}
