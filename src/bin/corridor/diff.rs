//! `corridor diff A.toml B.toml [--out DIR]`: two scenarios on common random numbers.

use crate::Failure;
use crate::common::{self, SimArgs};
use anyhow::Context;
use corridor_sim::compare::paired::EntityKind;
use corridor_sim::compare::{self, KINDS, paired};
use corridor_sim::output::manifest::Manifest;
use corridor_sim::output::{geojson, tables, timeseries};
use corridor_sim::run::Collect;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `corridor diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The reference scenario.
    pub a: PathBuf,
    /// The scenario compared with it.
    pub b: PathBuf,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Runs A and B with A's seed and replications (or the overrides) and writes
/// `diff_od.csv`, `diff_corridor.csv`, `diff_hub.csv`, `diff_service.csv`,
/// `timeseries.csv` and `diff.geojson`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let a = common::load_with_overrides(&args.a, &args.sim)?;
    let mut b = common::load(&args.b)?;
    // Pairing needs the same random streams: B runs with A's seed and replications.
    b.scenario.meta.seed = a.scenario.meta.seed;
    b.scenario.meta.replications = a.scenario.meta.replications;
    let (name_a, name_b) = (&a.scenario.meta.name, &b.scenario.meta.name);
    let owner = common::owner("diff", &[&args.a, &args.b], "");
    let out = args.sim.out.clone().unwrap_or_else(|| {
        let label = format!(
            "diff-{}-vs-{}",
            common::stem(&args.a),
            common::stem(&args.b)
        );
        common::default_out(&label, &owner)
    });
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;
    let reps = a.scenario.meta.replications;
    let runs = common::simulations(&a.scenario) + common::simulations(&b.scenario);
    let bar = common::progress_bar(runs * u64::from(reps), args.sim.quiet);
    let started = Instant::now();
    let paired = pool.install(|| {
        paired::simulate_paired(
            &a.scenario,
            &b.scenario,
            &KINDS,
            Collect::TimeSeries,
            &|| bar.inc(1),
        )
    });
    bar.finish_and_clear();
    let paired = paired.map_err(|e| {
        eprintln!("error: {e}");
        Failure::BadInput
    })?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let recovery = paired.daily.as_ref().map(|d| &d.recovery_days);
    let mut tables: Vec<_> = KINDS
        .iter()
        .zip(&paired.rows)
        .map(|(&kind, rows)| compare::diff_table(kind, (&a.scenario, &b.scenario), rows, recovery))
        .collect();
    if let Some(daily) = &paired.daily {
        tables.push(timeseries::diff_table(
            &paired.a.model,
            &paired.b.model,
            daily,
        ));
    }
    let layer = geojson::diff(
        (&paired.a, &paired.a_agg),
        (&paired.b, &paired.b_agg),
        &paired.rows[KINDS
            .iter()
            .position(|&k| k == EntityKind::Hub)
            .unwrap_or(0)],
        recovery,
    );
    let (convergence, feedback) =
        common::feedback_report(&[(name_a, &paired.a), (name_b, &paired.b)]);
    tables.extend(convergence);
    let mut outputs: Vec<String> = tables.iter().map(|t| t.file.to_string()).collect();
    outputs.push(geojson::DIFF_GEOJSON.to_string());
    geojson::write(staged.path(), geojson::DIFF_GEOJSON, &layer).with_context(|| {
        format!(
            "cannot write {}",
            staged.path().join(geojson::DIFF_GEOJSON).display()
        )
    })?;
    let mut files = common::source_files(&a.sources);
    files.extend(common::source_files(&b.sources));
    common::finish_output(
        staged,
        &tables,
        &args.sim,
        &Manifest {
            scenario: format!("{name_a} vs {name_b}"),
            scenario_path: format!("{} vs {}", args.a.display(), args.b.display()),
            scenario_files: files,
            events: paired.events,
            feedback,
            ..common::manifest(
                "diff",
                &owner,
                &a.scenario.meta,
                threads,
                wall_time_s,
                outputs,
            )
        },
    )?;
    print_headline(&paired);
    if !args.sim.quiet {
        eprintln!(
            "{name_a} vs {name_b}: {reps} paired replications in {wall_time_s:.2} s; results in {}",
            out.display()
        );
    }
    Ok(())
}

/// Corridor metrics shown on screen, in this order.
const CORRIDOR_HEADLINE: [&str; 4] = [
    "teu",
    "transit_days_mean",
    "cost_usd_per_teu_mean",
    "on_time_share",
];

/// Facilities shown on screen: those whose mean wait changed significantly, the largest
/// changes first, at most this many.
const HUB_HEADLINE: usize = 5;

/// The headline differences on stdout, as `compare-zones` prints its ranking: every
/// corridor's volume, transit time, cost and on-time share, the facilities whose mean
/// wait changed most (significantly), and the recovery of the disrupted facilities. The
/// full tables are in the output directory.
fn print_headline(paired: &paired::Paired<'_, '_>) {
    let rows = |kind: EntityKind| paired.rows.iter().flatten().filter(move |r| r.kind == kind);
    let cell = |s: Option<corridor_sim::stats::Summary>,
                f: fn(&corridor_sim::stats::Summary) -> f64| {
        // Four decimals as in the tables, never `-0.0000`.
        s.map_or_else(|| "-".to_string(), |s| tables::num(f(&s)))
    };
    let line = |entity: &str, r: &paired::PairedRow| {
        println!(
            "{entity:<28}  {:<22}  {:>12}  {:>12}  {:>12}  [{:>12}, {:>12}]  {}",
            r.metric,
            cell(r.a, |s| s.mean),
            cell(r.b, |s| s.mean),
            cell(r.diff, |s| s.mean),
            cell(r.diff, |s| s.ci95_low),
            cell(r.diff, |s| s.ci95_high),
            if r.significant() { "significant" } else { "" }
        );
    };
    println!(
        "{:<28}  {:<22}  {:>12}  {:>12}  {:>12}  {:>30}",
        "corridor", "metric", "a_mean", "b_mean", "diff_mean", "diff_ci95"
    );
    // Rows come by corridor; within one, the headline metrics in their order.
    let corridors: Vec<_> = rows(EntityKind::Corridor).collect();
    for group in corridors.chunk_by(|x, y| x.keys == y.keys) {
        for metric in CORRIDOR_HEADLINE {
            for r in group.iter().filter(|r| r.metric == metric) {
                line(&r.keys[0], r);
            }
        }
    }
    let mut hubs: Vec<_> = rows(EntityKind::Hub)
        .filter(|r| r.metric == "wait_h_mean" && r.significant())
        .collect();
    hubs.sort_by(|x, y| {
        let size = |r: &paired::PairedRow| r.diff.map_or(0.0, |d| d.mean.abs());
        size(y)
            .total_cmp(&size(x))
            .then_with(|| x.keys.cmp(&y.keys))
    });
    if !hubs.is_empty() {
        println!();
        println!("{:<28}  {:<22}", "facility", "metric (largest changes)");
        for r in hubs.into_iter().take(HUB_HEADLINE) {
            line(&r.keys.join("/"), r);
        }
    }
    if let Some(daily) = &paired.daily {
        for (keys, days) in &daily.recovery_days {
            println!(
                "recovery: {} back within 10 % of A's queue {days:.1} days after the disruption ends",
                keys.join("/")
            );
        }
    }
}
