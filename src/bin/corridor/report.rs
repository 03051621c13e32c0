//! `corridor report DIR [--out FILE]`: one self-contained `report.html` from any output
//! directory; and `--report` of the simulating commands, which writes it into their
//! output directory before it is put in place.

use std::path::{Path, PathBuf};

use crate::Failure;
use anyhow::Context;
use corridor_sim::output::atomic::write_atomic;
use corridor_sim::report::{self, REPORT_HTML};
use std::io::Write;

/// Arguments of `corridor report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An output directory of run, diff, plugin, compare-zones, batch or merge.
    pub dir: PathBuf,
    /// Where to write the report [default: DIR/report.html].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), Failure> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join(REPORT_HTML));
    write(&args.dir, &out)?;
    eprintln!("report in {}", out.display());
    Ok(())
}

/// Renders the report of `dir` into `out`, atomically. A malformed file in `dir` is bad
/// input (exit 2, printed here).
pub fn write(dir: &Path, out: &Path) -> Result<(), Failure> {
    let page = match report::render(dir) {
        Ok(p) => p,
        Err(e) if e.is_bad_input() => {
            eprintln!("error: {e}");
            return Err(Failure::BadInput);
        }
        Err(e) => return Err(Failure::Other(e.into())),
    };
    write_atomic(out, |w| w.write_all(page.as_bytes()))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}
