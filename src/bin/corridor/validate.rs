//! `corridor validate FILE...`

use crate::Failure;
use corridor_sim::batch::{self, variant::Plan};
use corridor_sim::scenario::{self, Diagnostics};
use std::path::{Path, PathBuf};

/// Arguments of `corridor validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario or sweep files to check (a sweep file, one with `base = ...`, is checked
    /// as `corridor batch` checks it: its base and every variant).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Treat plausibility warnings (figures probably in the wrong unit) as errors.
    #[arg(long)]
    pub strict: bool,
}

/// Checks every file; prints a one-line summary per valid file on stdout, and every
/// problem and warning on stderr.
pub fn run(args: &Args) -> Result<(), Failure> {
    let mut bad = false;
    for path in &args.files {
        let outcome = if is_sweep(path) {
            check_sweep(path)
        } else {
            check_scenario(path, args.strict)
        };
        if let Err(diags) = outcome {
            bad = true;
            report(path, &diags);
        }
    }
    if bad { Err(Failure::BadInput) } else { Ok(()) }
}

/// Prints every problem with a file on stderr, then their count.
pub fn report(path: &Path, diags: &Diagnostics) {
    eprintln!("{diags}");
    eprintln!(
        "{}: {} problem{} found",
        path.display(),
        diags.items.len(),
        if diags.items.len() == 1 { "" } else { "s" }
    );
}

fn check_scenario(path: &Path, strict: bool) -> Result<(), Diagnostics> {
    let loaded = scenario::load(path)?;
    if strict && !loaded.warnings.is_empty() {
        return Err(Diagnostics {
            sources: loaded.sources,
            items: loaded.warnings,
        });
    }
    for w in &loaded.warnings {
        eprintln!("{}", w.render(&loaded.sources));
    }
    let s = &loaded.scenario;
    println!(
        "{}: ok: scenario \"{}\": {} hubs, {} links, {} services, {} corridors, {} demand flows, {} candidates, {} disruptions{}",
        path.display(),
        s.meta.name,
        s.hubs.len(),
        s.links.len(),
        s.services.len(),
        s.corridors.len(),
        s.demand.len(),
        s.candidates.len(),
        s.disruptions.len(),
        match loaded.warnings.len() {
            0 => String::new(),
            1 => ", 1 warning".to_string(),
            n => format!(", {n} warnings"),
        }
    );
    Ok(())
}

fn check_sweep(path: &Path) -> Result<(), Diagnostics> {
    let plan = Plan::load(path)?;
    batch::check(&plan)?;
    println!(
        "{}: ok: sweep of {} variants over {}",
        path.display(),
        plan.variants.len(),
        plan.sweep.base_path.display()
    );
    Ok(())
}

/// Whether `path` is a sweep file: a TOML table with a top-level `base` and none of a
/// scenario's sections. A file that cannot be read or parsed is judged a scenario, whose
/// loader reports the problem.
fn is_sweep(path: &Path) -> bool {
    let Ok(file) = scenario::TomlFile::read(path, scenario::FileKind::SWEEP) else {
        return false;
    };
    file.table().get("base").is_some() && file.table().get("scenario").is_none()
}
