//! `corridor merge DIR... --out DIR`
//!
//! Site-scan shards (`corridor site-scan --shard`) are joined by [`crate::site_scan::merge`].
//! Joins the shard directories of one sweep into one directory, byte-identical in its
//! tables to an unsharded `corridor batch` of the same sweep. Refuses (exit 2), naming the
//! directories, shards of different sweeps, a variant held twice and a variant held by
//! none; the checks and the copy are the library's (`corridor_sim::batch::merge`).

use std::path::PathBuf;
use std::time::Instant;

use crate::Failure;
use crate::batch::failure;
use crate::common;
use corridor_sim::batch::{self, BatchManifest, SweepRecord};
use corridor_sim::output::dir::{OutLock, check_owner, check_writable};

/// Arguments of `corridor merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shard output directories of one sweep (each written by `corridor batch --shard`),
    /// or of one site scan (`corridor site-scan --shard`).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace the results of another command in --out.
    #[arg(long)]
    pub overwrite: bool,
    /// No summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), Failure> {
    if args
        .dirs
        .first()
        .is_some_and(|d| d.join(crate::site_scan::SHARD_RECORD).exists())
    {
        return crate::site_scan::merge(&args.dirs, &args.out, args.overwrite, args.quiet);
    }
    let started = Instant::now();
    let fail = |e| failure(e, &args.out);
    let lock = OutLock::acquire(&args.out).map_err(common::out_failure)?;
    // Into an earlier merge or batch directory (of any sweep: its variants are replaced or
    // left out of the tables), or one the check allows.
    check_writable(&lock).map_err(common::out_failure)?;
    if SweepRecord::read(lock.dir()).map_err(fail)?.is_none() {
        check_owner(&lock, "merge", args.overwrite).map_err(common::out_failure)?;
    }
    let (store, combined) = batch::merge(&args.dirs, &args.out).map_err(fail)?;
    let mut manifest = BatchManifest::new(&store, &combined, "merge");
    manifest.provenance.arguments = std::env::args().skip(1).collect();
    manifest.inputs = args.dirs.iter().map(|d| d.display().to_string()).collect();
    manifest.provenance.wall_time_s = started.elapsed().as_secs_f64();
    manifest.write(&args.out).map_err(fail)?;
    if !args.quiet {
        eprintln!(
            "merged {} directories: {} variants, {} replications; results in {}",
            args.dirs.len(),
            combined.variants,
            combined.replications,
            args.out.display()
        );
    }
    Ok(())
}
