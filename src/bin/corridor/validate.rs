//! `corridor validate FILE...`

use crate::Failure;
use corridor_sim::scenario;
use std::path::PathBuf;

/// Arguments of `corridor validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Checks every file; prints a one-line summary per valid file on stdout and every
/// problem on stderr.
pub fn run(args: &Args) -> Result<(), Failure> {
    let mut bad = false;
    for path in &args.files {
        match scenario::load(path) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                println!(
                    "{}: ok: scenario \"{}\": {} hubs, {} links, {} services, {} corridors, {} demand flows, {} candidates, {} disruptions",
                    path.display(),
                    s.meta.name,
                    s.hubs.len(),
                    s.links.len(),
                    s.services.len(),
                    s.corridors.len(),
                    s.demand.len(),
                    s.candidates.len(),
                    s.disruptions.len()
                );
            }
            Err(diags) => {
                bad = true;
                eprintln!("{diags}");
                eprintln!(
                    "{}: {} problem{} found",
                    path.display(),
                    diags.items.len(),
                    if diags.items.len() == 1 { "" } else { "s" }
                );
            }
        }
    }
    if bad { Err(Failure::BadInput) } else { Ok(()) }
}
