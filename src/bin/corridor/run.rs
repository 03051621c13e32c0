//! `corridor run FILE [--out DIR] [--replications N] [--seed S] [--threads T] [--quiet]`
//!
//! Load and validate → route → simulate every replication in parallel on a local rayon
//! pool of `--threads` workers → merge in replication order → write the tables and
//! `manifest.json` atomically. The CSVs depend only on the scenario, seed and replication
//! count, never on the thread count.

use std::path::PathBuf;
use std::time::Instant;

use crate::Failure;
use crate::common::{self, SimArgs};
use anyhow::Context;
use corridor_sim::output::geojson;
use corridor_sim::output::manifest::Manifest;
use corridor_sim::run;
use corridor_sim::sim::model::FacilityKind;

/// Arguments of `corridor run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file.
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Print events processed, events, shipments and shipment legs per second, the longest
    /// future-event list and the longest facility queues.
    #[arg(long)]
    pub stats: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), Failure> {
    let path = &args.file;
    let loaded = common::load_with_overrides(path, &args.sim)?;
    let scenario = &loaded.scenario;
    let owner = common::owner("run", &[path], "");
    let out = args
        .sim
        .out
        .clone()
        .unwrap_or_else(|| common::default_out(&format!("run-{}", common::stem(path)), &owner));
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;

    // Feedback iterations simulate every replication up to `iterations` more times.
    let runs = 1 + scenario
        .choice
        .feedback
        .as_ref()
        .map_or(0, |f| f.iterations);
    let bar = common::progress_bar(
        u64::from(scenario.meta.replications) * u64::from(runs),
        args.sim.quiet,
    );
    let started = Instant::now();
    let simulate =
        || run::simulate_merged_collecting(scenario, run::Collect::TimeSeries, &|| bar.inc(1));
    let merged = match pool.install(simulate) {
        Ok(s) => s,
        Err(e @ run::RunError::Model(_)) => {
            bar.finish_and_clear();
            eprintln!("{}: {e}", path.display());
            return Err(Failure::BadInput);
        }
        Err(e) => return Err(Failure::Other(e.into())),
    };
    let wall_time_s = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let agg = &merged.agg;
    let replications = scenario.meta.replications;

    let mut tables = merged.tables().all();
    let (convergence, feedback) =
        common::feedback_report(&[(&scenario.meta.name, &merged.compiled)]);
    tables.extend(convergence);
    let layer = geojson::network(&merged.compiled, agg);
    let mut outputs: Vec<String> = tables.iter().map(|t| t.file.to_string()).collect();
    outputs.push(geojson::NETWORK_GEOJSON.to_string());
    let manifest = Manifest {
        scenario: scenario.meta.name.clone(),
        scenario_path: path.display().to_string(),
        scenario_files: common::source_files(&loaded.sources),
        events: agg.work.events,
        feedback,
        ..common::manifest("run", &owner, &scenario.meta, threads, wall_time_s, outputs)
    };
    geojson::write(staged.path(), geojson::NETWORK_GEOJSON, &layer).with_context(|| {
        format!(
            "cannot write {}",
            staged.path().join(geojson::NETWORK_GEOJSON).display()
        )
    })?;
    common::finish_output(staged, &tables, &args.sim, &manifest)?;
    if args.stats {
        print_stats(&merged, wall_time_s);
    }
    if !args.sim.quiet {
        eprintln!(
            "{}: {replications} replications on {threads} threads in {wall_time_s:.2} s \
             ({} events); results in {}",
            scenario.meta.name,
            agg.work.events,
            out.display()
        );
    }
    Ok(())
}

/// `--stats`: throughput of the run and the facilities whose queues grew longest.
fn print_stats(sim: &run::Merged<'_>, wall_time_s: f64) {
    let work = sim.agg.work;
    let (events, legs, peak_pending) = (work.events, work.shipment_legs, work.peak_pending_events);
    let shipments = work.teu_created / u64::from(sim.compiled.scenario.meta.shipment_teu.max(1));
    let per_s = |n: u64| n as f64 / wall_time_s.max(1e-9);
    eprintln!("events processed:   {events}");
    eprintln!("events per second:  {:.0}", per_s(events));
    eprintln!(
        "shipments:          {shipments} ({:.0} per second)",
        per_s(shipments)
    );
    eprintln!("shipment legs:      {legs} ({:.0} per second)", per_s(legs));
    eprintln!("peak pending events: {peak_pending} (longest future-event list, any replication)");
    eprintln!(
        "drain:              up to {:.1} days after the horizon to deliver the window's shipments",
        work.drain_s_max as f64 / 86_400.0
    );
    let mut peaks: Vec<(u64, String)> = sim
        .compiled
        .model
        .facilities
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let peak = sim.agg.facilities[i].max_queue;
            let name = match f.kind {
                FacilityKind::Transfer(h) => {
                    format!("{} transfer", sim.compiled.scenario.hub(h).id)
                }
                FacilityKind::Customs(h) => format!("{} customs", sim.compiled.scenario.hub(h).id),
                FacilityKind::Bottleneck(l) => {
                    format!("{} bottleneck", sim.compiled.scenario.link(l).id)
                }
            };
            (peak, name)
        })
        .collect();
    peaks.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (peak, name) in peaks.iter().take(5) {
        eprintln!("peak queue:         {peak:>6}  {name}");
    }
}
