//! `corridor plugin FILE --zone ID [--out DIR]`: the scenario before and after one
//! candidate zone plugs in, on common random numbers.

use crate::Failure;
use crate::common::{self, SimArgs};
use corridor_sim::compare::{self, KINDS, paired};
use corridor_sim::output::manifest::Manifest;
use corridor_sim::run::Collect;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `corridor plugin`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario.
    pub file: PathBuf,
    /// The candidate zone to plug in (its id in `[[candidates]]`).
    #[arg(long, value_name = "ID")]
    pub zone: String,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Writes `plugin_deltas.csv` and the usual run tables of the plugged-in scenario
/// (`timeseries.csv` included).
pub fn run(args: &Args) -> Result<(), Failure> {
    let loaded = common::load_with_overrides(&args.file, &args.sim)?;
    let base = &loaded.scenario;
    let Some(zone) = base.candidate_by_id(&args.zone) else {
        let known: Vec<&str> = base.candidates.iter().map(|c| c.id.as_str()).collect();
        eprintln!(
            "{}: no candidate zone `{}` (candidates: {})",
            args.file.display(),
            args.zone,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
        return Err(Failure::BadInput);
    };
    let plugged = base.with_candidate(zone);
    let owner = common::owner("plugin", &[&args.file], &format!("--zone {}", args.zone));
    let out = args.sim.out.clone().unwrap_or_else(|| {
        let label = format!("plugin-{}-{}", common::stem(&args.file), args.zone);
        common::default_out(&label, &owner)
    });
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;
    let reps = base.meta.replications;
    let runs = common::simulations(base) + common::simulations(&plugged);
    let bar = common::progress_bar(runs * u64::from(reps), args.sim.quiet);
    let started = Instant::now();
    let collect = Collect::TimeSeries;
    let paired =
        pool.install(|| paired::simulate_paired(base, &plugged, &KINDS, collect, &|| bar.inc(1)));
    bar.finish_and_clear();
    let paired = paired.map_err(|e| {
        eprintln!("error: {e}");
        Failure::BadInput
    })?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let rows: Vec<_> = paired.rows.iter().flatten().cloned().collect();
    let mut tables = vec![compare::plugin_table(&base.meta.name, &args.zone, &rows)];
    tables.extend(paired.b_tables().all());
    let plugged_name = format!("{} + {}", base.meta.name, args.zone);
    let (convergence, feedback) =
        common::feedback_report(&[(&base.meta.name, &paired.a), (&plugged_name, &paired.b)]);
    tables.extend(convergence);
    let outputs = tables.iter().map(|t| t.file.to_string()).collect();
    common::finish_output(
        staged,
        &tables,
        &args.sim,
        &Manifest {
            scenario: plugged_name.clone(),
            scenario_path: args.file.display().to_string(),
            scenario_files: common::source_files(&loaded.sources),
            events: paired.events,
            feedback,
            ..common::manifest("plugin", &owner, &base.meta, threads, wall_time_s, outputs)
        },
    )?;
    if !args.sim.quiet {
        eprintln!(
            "{} + {}: {reps} paired replications in {wall_time_s:.2} s; results in {}",
            base.meta.name,
            args.zone,
            out.display()
        );
    }
    Ok(())
}
