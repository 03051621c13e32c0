//! `corridor`: the command-line front end of corridor-sim.
//!
//! Parses arguments into a validated command, runs it, and maps the outcome to an exit
//! code: 0 ok, 2 bad input (scenario files, arguments), 1 anything else. Data goes to
//! stdout; diagnostics and progress go to stderr.

mod batch;
mod calibrate;
mod common;
mod compare_zones;
mod diff;
mod inspect;
mod merge;
mod plugin;
mod report;
mod routes;
mod run;
mod site_scan;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Monte Carlo simulator of multimodal freight corridors and hubs.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check scenario files; print every problem as file:line:col: message.
    Validate(validate::Args),
    /// Every value a scenario will use, with the file and line it came from.
    Inspect(inspect::Args),
    /// The k best loopless routes of one OD by generalized cost, with logit shares.
    Routes(routes::Args),
    /// Simulate a scenario; write od, route, corridor, hub and service summaries.
    Run(run::Args),
    /// Run two scenarios on common random numbers; paired differences of every figure.
    Diff(diff::Args),
    /// The scenario before and after one candidate zone plugs in.
    Plugin(plugin::Args),
    /// Plug in each candidate alone with the same probe demand; rank them.
    CompareZones(compare_zones::Args),
    /// Score a hypothetical zone at every cell of a grid over the region (or given points).
    SiteScan(site_scan::Args),
    /// Run every variant of a sweep (or one shard of it), crash-safe and resumable.
    Batch(batch::Args),
    /// Join the shard directories of one sweep or site scan; identical to an unsharded run.
    Merge(merge::Args),
    /// Turn an output directory into one self-contained report.html (opens offline).
    Report(report::Args),
    /// Fit corridor constants (and optionally θ, ρ) to observed shares and transit times.
    Calibrate(calibrate::Args),
}

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The user's input is wrong (exit 2); the message is already printed.
    BadInput,
    /// Anything else (exit 1).
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Routes(args) => routes::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Plugin(args) => plugin::run(&args),
        Command::CompareZones(args) => compare_zones::run(&args),
        Command::SiteScan(args) => site_scan::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput) => ExitCode::from(2),
        Err(Failure::Other(e)) => {
            eprintln!("error: {}", chain(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes, `: `-separated, each said once: an error whose message
/// already quotes its cause (an I/O error under a path) does not repeat it.
fn chain(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}
