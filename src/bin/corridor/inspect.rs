//! `corridor inspect FILE`

use crate::Failure;
use corridor_sim::scenario::{Document, Written};
use std::path::PathBuf;

/// Arguments of `corridor inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file.
    pub file: PathBuf,
    /// Only values whose path starts with this (`hubs`, `services.yuxinou`, `demand`).
    #[arg(long, value_name = "PREFIX")]
    pub only: Option<String>,
}

/// Validates the scenario, then prints every value it will use as
/// `path = value  # file:line:col`, section by section, on stdout.
pub fn run(args: &Args) -> Result<(), Failure> {
    let doc = match Document::load(&args.file) {
        Ok(doc) => doc,
        Err(diags) => return Err(bad(&args.file, &diags)),
    };
    let scenario = match doc.validate_with_warnings() {
        Ok((s, warnings)) => {
            for w in &warnings {
                eprintln!("{}", w.render(doc.sources()));
            }
            s
        }
        Err(items) => return Err(bad(&args.file, &doc.diagnostics(items))),
    };
    println!(
        "# {}: scenario \"{}\": {} hubs, {} links, {} services, {} corridors, {} classes, {} demand flows, {} candidates",
        args.file.display(),
        scenario.meta.name,
        scenario.hubs.len(),
        scenario.links.len(),
        scenario.services.len(),
        scenario.corridors.len(),
        scenario.classes.len(),
        scenario.demand.len(),
        scenario.candidates.len(),
    );
    let mut section = String::new();
    for w in doc.written() {
        if args
            .only
            .as_ref()
            .is_some_and(|p| !w.path.starts_with(p.as_str()))
        {
            continue;
        }
        let head = head_of(&w);
        if head != section {
            println!("\n# {head}");
            section = head.to_string();
        }
        println!("{}", w.render(doc.sources()));
    }
    Ok(())
}

fn head_of(w: &Written) -> &str {
    w.path.split('.').next().unwrap_or("")
}

fn bad(file: &std::path::Path, diags: &corridor_sim::scenario::Diagnostics) -> Failure {
    crate::validate::report(file, diags);
    Failure::BadInput
}
