//! `corridor compare-zones FILE [--zones a,b,...] [--out DIR]`: plug in each candidate
//! alone with the same probe demand and rank them by connectivity.

use crate::Failure;
use crate::common::{self, SimArgs};
use corridor_sim::compare::zones;
use corridor_sim::output::manifest::Manifest;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `corridor compare-zones`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario.
    pub file: PathBuf,
    /// Only these candidates (comma-separated ids); default: every candidate.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub zones: Option<Vec<String>>,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Writes `zone_market.csv` and `zone_ranking.csv`, and prints the ranking on stdout.
pub fn run(args: &Args) -> Result<(), Failure> {
    let loaded = common::load_with_overrides(&args.file, &args.sim)?;
    let base = &loaded.scenario;
    let bad = |msg: String| {
        eprintln!("{}: {msg}", args.file.display());
        Err(Failure::BadInput)
    };
    if base.compare.markets.is_empty() {
        return bad(
            "[compare] has no markets: zones need the same probe demand to be compared".into(),
        );
    }
    let ids: Vec<String> = match &args.zones {
        Some(z) => z.clone(),
        None => base.candidates.iter().map(|c| c.id.clone()).collect(),
    };
    if ids.is_empty() {
        return bad("the scenario has no [[candidates]] to compare".into());
    }
    let mut zone_ids = Vec::with_capacity(ids.len());
    for id in &ids {
        match base.candidate_by_id(id) {
            Some(z) if !zone_ids.contains(&z) => zone_ids.push(z),
            Some(_) => return bad(format!("candidate `{id}` is listed twice in --zones")),
            None => return bad(format!("no candidate zone `{id}`")),
        }
    }
    let name = &base.meta.name;
    let owner = common::owner("compare-zones", &[&args.file], "");
    let out = args.sim.out.clone().unwrap_or_else(|| {
        let label = format!("compare-zones-{}", common::stem(&args.file));
        common::default_out(&label, &owner)
    });
    let staged = common::begin_output(&out, &owner, args.sim.overwrite)?;
    let (pool, threads) = common::pool(args.sim.threads)?;
    let reps = base.meta.replications;
    let bar = common::progress_bar(
        (zone_ids.len() as u64 + 1) * u64::from(reps),
        args.sim.quiet,
    );
    let started = Instant::now();
    let result = pool.install(|| zones::compare_zones(base, &zone_ids, &|| bar.inc(1)));
    bar.finish_and_clear();
    let comparison = match result {
        Ok(c) => c,
        Err(e) => return bad(e.to_string()),
    };
    let wall_time_s = started.elapsed().as_secs_f64();
    let tables = [
        zones::ranking_table(name, &comparison),
        zones::market_table(name, &comparison),
    ];
    let outputs = tables.iter().map(|t| t.file.to_string()).collect();
    common::finish_output(
        staged,
        &tables,
        &Manifest {
            scenario: name.clone(),
            scenario_path: args.file.display().to_string(),
            scenario_files: common::source_files(&loaded.sources),
            events: 0,
            wall_time_s,
            outputs,
            ..common::manifest("compare-zones", &owner, &base.meta, threads)
        },
    )?;
    println!("rank  zone                    score_usd_per_teu  ci95                 prob_best");
    for r in &comparison.ranking {
        println!(
            "{:>4}  {:<22}  {:>17.0}  [{:>7.0}, {:>7.0}]  {:>9.2}",
            r.rank, r.zone, r.score.mean, r.score.ci95_low, r.score.ci95_high, r.prob_best
        );
    }
    if !args.sim.quiet {
        eprintln!(
            "{name}: {} zones × {reps} replications in {wall_time_s:.2} s; results in {}",
            zone_ids.len(),
            out.display()
        );
    }
    Ok(())
}
