//! `corridor calibrate SCENARIO TARGETS.csv [--out DIR] [--replications N] [--seed S]
//! [--evaluate]`
//!
//! Load the scenario (a document, so fitted values are patched and validated like any
//! `[[set]]`) and the targets → fit the parameters by Nelder–Mead on common random
//! numbers → write `calibration.csv`, `fit.csv`, `parameters.csv`, the fitted overlay
//! `fitted.toml` and `manifest.json` atomically. With `--evaluate`, nothing is fitted:
//! the scenario as it stands is measured against the targets (`calibration.csv`,
//! `fit.csv`), e.g. a forecast against observations of its own year.

use crate::Failure;
use crate::common::{self, SimArgs};
use anyhow::Context;
use corridor_sim::calibrate::{self, Options, report, targets};
use corridor_sim::output::atomic::write_atomic;
use corridor_sim::output::manifest::{Manifest, SourceFile};
use corridor_sim::scenario::{Document, Node, NodeKind, Scenario};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// The fitted overlay's file name.
pub const OVERLAY: &str = "fitted.toml";

/// Arguments of `corridor calibrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file whose parameters are fitted.
    pub file: PathBuf,
    /// The targets file (CSV; format in scenarios/README.md).
    pub targets: PathBuf,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Also fit θ, the logit scale.
    #[arg(long)]
    pub fit_logit_scale: bool,
    /// Also fit ρ, the reliability ratio.
    #[arg(long)]
    pub fit_reliability_ratio: bool,
    /// Fit nothing: measure the scenario as it stands against the targets and write
    /// calibration.csv and fit.csv only.
    #[arg(long, conflicts_with_all = ["fit_logit_scale", "fit_reliability_ratio", "max_iterations"])]
    pub evaluate: bool,
    /// Most Nelder–Mead iterations.
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_iterations: u64,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), Failure> {
    let path = &args.file;
    let mut doc = Document::load(path).map_err(|d| {
        eprintln!("{d}");
        Failure::BadInput
    })?;
    let int = |v: u64, doc: &Document| Node {
        loc: doc.root(),
        kind: NodeKind::Int(i128::from(v)),
    };
    if let Some(r) = args.sim.run.replications {
        let node = int(u64::from(r), &doc);
        doc.patch("scenario.replications", node)
            .map_err(|e| Failure::Other(anyhow::anyhow!(e)))?;
    }
    if let Some(s) = args.sim.run.seed {
        let node = int(s, &doc);
        doc.patch("scenario.seed", node)
            .map_err(|e| Failure::Other(anyhow::anyhow!(e)))?;
    }
    let scenario = doc.validate().map_err(|items| {
        eprintln!("{}", doc.diagnostics(items));
        Failure::BadInput
    })?;
    let targets = targets::read(&args.targets, &scenario).map_err(|e| {
        eprintln!("{e}");
        Failure::BadInput
    })?;
    if args.evaluate {
        return evaluate(args, &doc, &scenario, &targets);
    }
    let parameters = calibrate::parameters(
        &scenario,
        &targets,
        args.fit_logit_scale,
        args.fit_reliability_ratio,
    );
    if parameters.is_empty() {
        eprintln!("error: {}", calibrate::CalibrateError::NoParameters);
        return Err(Failure::BadInput);
    }
    let (owner, out) = output_dir(args);
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;

    let bar = spinner(args.sim.quiet);
    let started = Instant::now();
    let options = Options {
        parameters,
        max_iterations: args.max_iterations,
    };
    let result = pool.install(|| {
        calibrate::calibrate(&doc, &targets, &options, &|n, best| {
            bar.set_position(n);
            bar.set_message(format!("best loss {best:.4}"));
        })
    });
    bar.finish_and_clear();
    let fitted = match result {
        Ok(c) => c,
        Err(
            e @ (calibrate::CalibrateError::Invalid { .. } | calibrate::CalibrateError::Run(_)),
        ) => {
            eprintln!("{}: {e}", path.display());
            return Err(Failure::BadInput);
        }
        Err(e) => return Err(Failure::Other(e.into())),
    };
    let wall_time_s = started.elapsed().as_secs_f64();

    let name = &scenario.meta.name;
    let tables = [
        report::calibration_table(name, &fitted),
        report::fit_table(name, &fitted),
        report::parameters_table(name, &fitted),
    ];
    let extends = relative_path(staged.target(), path).context("cannot locate the scenario")?;
    let command = format!(
        "corridor calibrate {} {} --replications {} --seed {}{}{} --max-iterations {}",
        path.display(),
        args.targets.display(),
        scenario.meta.replications,
        scenario.meta.seed,
        if args.fit_logit_scale {
            " --fit-logit-scale"
        } else {
            ""
        },
        if args.fit_reliability_ratio {
            " --fit-reliability-ratio"
        } else {
            ""
        },
        args.max_iterations,
    );
    let targets_name = args
        .targets
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let text = report::overlay(
        &extends,
        &format!("{name}-fitted"),
        &targets_name,
        &command,
        &fitted,
    );
    let overlay_path = staged.path().join(OVERLAY);
    write_atomic(&overlay_path, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", overlay_path.display()))?;
    let mut outputs: Vec<String> = tables.iter().map(|t| t.file.to_string()).collect();
    outputs.push(OVERLAY.to_string());
    let manifest = common::manifest(
        "calibrate",
        &owner,
        &scenario.meta,
        threads,
        wall_time_s,
        outputs,
    );
    common::finish_output(
        staged,
        &tables,
        &args.sim,
        &with_sources(args, &doc, manifest),
    )?;
    if !args.sim.quiet {
        eprintln!(
            "{name}: loss {:.4} -> {:.4} in {} evaluations of {} replications ({wall_time_s:.1} s); results in {}",
            fitted.start_loss,
            fitted.loss,
            fitted.evaluations,
            scenario.meta.replications,
            out.display()
        );
    }
    Ok(())
}

/// `corridor calibrate --evaluate`: the scenario's figures against the targets, nothing
/// fitted.
fn evaluate(
    args: &Args,
    doc: &Document,
    scenario: &Scenario,
    targets: &[targets::Target],
) -> Result<(), Failure> {
    let path = &args.file;
    let (owner, out) = output_dir(args);
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;
    let started = Instant::now();
    let measured = pool
        .install(|| calibrate::evaluate(scenario, targets))
        .map_err(|e| {
            eprintln!("{}: {e}", path.display());
            Failure::BadInput
        })?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let name = &scenario.meta.name;
    let tables = [
        report::calibration_table(name, &measured),
        report::fit_table(name, &measured),
    ];
    let outputs = tables.iter().map(|t| t.file.to_string()).collect();
    let manifest = common::manifest(
        "calibrate --evaluate",
        &owner,
        &scenario.meta,
        threads,
        wall_time_s,
        outputs,
    );
    common::finish_output(
        staged,
        &tables,
        &args.sim,
        &with_sources(args, doc, manifest),
    )?;
    if !args.sim.quiet {
        let within = measured
            .targets
            .iter()
            .filter(|r| {
                r.simulated
                    .is_some_and(|s| (r.target.low..=r.target.high).contains(&s.mean))
            })
            .count();
        eprintln!(
            "{name}: loss {:.4}, {within} of {} targets within their observed range ({wall_time_s:.1} s); results in {}",
            measured.loss,
            measured.targets.len(),
            out.display()
        );
    }
    Ok(())
}

/// The output directory's owner label and path (`--out`, or the default; an evaluation
/// and a fit of the same files default to different directories).
fn output_dir(args: &Args) -> (String, PathBuf) {
    let path = &args.file;
    let (command, extra) = if args.evaluate {
        ("evaluate", "--evaluate")
    } else {
        ("calibrate", "")
    };
    let owner = common::owner("calibrate", &[path, &args.targets], extra);
    let out = args.sim.out.clone().unwrap_or_else(|| {
        let label = format!(
            "{command}-{}-{}",
            common::stem(path),
            common::stem(&args.targets)
        );
        common::default_out(&label, &owner)
    });
    (owner, out)
}

/// `manifest` naming the scenario and listing its files and the targets file among the
/// files read.
fn with_sources(args: &Args, doc: &Document, manifest: Manifest) -> Manifest {
    let targets_text = std::fs::read(&args.targets).unwrap_or_default();
    let mut files = common::source_files(doc.sources());
    files.push(SourceFile::of(&args.targets, &targets_text));
    Manifest {
        scenario_path: args.file.display().to_string(),
        scenario_files: files,
        ..manifest
    }
}

/// A count of evaluations and the best loss so far on stderr; hidden when stderr is not
/// a terminal or with `--quiet`.
fn spinner(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{elapsed_precise} {spinner} evaluation {pos}: {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    ProgressBar::new_spinner().with_style(style)
}

/// `file` as a path relative to the directory `dir`, with `/` separators, both made
/// absolute (and real, as far as they exist) first.
fn relative_path(dir: &Path, file: &Path) -> anyhow::Result<String> {
    let file = std::fs::canonicalize(file)?;
    let dir = real_dir(dir)?;
    let a: Vec<Component> = dir.components().collect();
    let b: Vec<Component> = file.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// `dir` made absolute and real: its deepest existing ancestor canonicalised, the rest
/// appended.
fn real_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let abs = std::path::absolute(dir)?;
    let mut existing = abs.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n);
                existing = p;
            }
            _ => break,
        }
    }
    let mut real = std::fs::canonicalize(existing)?;
    for n in rest.iter().rev() {
        real.push(n);
    }
    Ok(real)
}
