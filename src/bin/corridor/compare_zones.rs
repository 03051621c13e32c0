//! `corridor compare-zones FILE [--zones a,b,...] [--procedure kn --delta USD [--alpha A]]
//! [--out DIR]`: plug in each candidate alone with the same probe demand and rank them by
//! connectivity, with a fixed number of replications per zone or the Kim–Nelson
//! sequential procedure.

use crate::Failure;
use crate::common::{self, SimArgs};
use anyhow::Context;
use corridor_sim::compare::zones::{self, ZoneComparison};
use corridor_sim::output::geojson;
use corridor_sim::output::manifest::{Manifest, ReplicationsRun};
use corridor_sim::scenario::Loaded;
use corridor_sim::scenario::{KnSettings, Procedure};
use std::path::{Path, PathBuf};
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
    pub procedure: ProcedureArgs,
    #[command(flatten)]
    pub sim: SimArgs,
}

/// `--procedure`, `--delta`, `--alpha`: how replications are spent (shared with
/// `site-scan`).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct ProcedureArgs {
    /// How replications are spent (default: the scenario's `[compare] procedure`, else
    /// fixed): `fixed` gives every zone `replications`; `kn` (Kim–Nelson) stops spending
    /// on zones once they are clearly worse, up to `replications` each.
    #[arg(long, value_enum, value_name = "NAME")]
    pub procedure: Option<ProcedureArg>,
    /// Indifference zone for `kn`: the score difference worth telling apart, USD per TEU
    /// (default: the scenario's `[compare] indifference_usd_per_teu`).
    #[arg(long, value_name = "USD")]
    pub delta: Option<f64>,
    /// Risk for `kn`: the best zone is selected with probability at least 1 − alpha when
    /// it is at least delta better (default: the scenario's `[compare] alpha`, else 0.05).
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
}

/// `--procedure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProcedureArg {
    /// Every zone gets `replications`.
    Fixed,
    /// Kim–Nelson fully sequential selection.
    Kn,
}

/// The procedure the arguments and the scenario ask for: the arguments win, field by
/// field.
pub fn procedure(args: &ProcedureArgs, scenario: Procedure) -> Result<Procedure, String> {
    let from_file = match scenario {
        Procedure::KimNelson(s) => Some(s),
        Procedure::Fixed => None,
    };
    let kn = match args.procedure {
        Some(ProcedureArg::Kn) => true,
        Some(ProcedureArg::Fixed) => false,
        None => from_file.is_some(),
    };
    if !kn {
        return match (args.delta, args.alpha) {
            (None, None) => Ok(Procedure::Fixed),
            _ => Err("--delta and --alpha apply only to --procedure kn".into()),
        };
    }
    let delta = args
        .delta
        .or(from_file.map(|s| s.indifference_usd_per_teu()))
        .ok_or("--procedure kn needs --delta USD (or `[compare] indifference_usd_per_teu`): the score difference in USD per TEU worth telling apart")?;
    let alpha = args
        .alpha
        .or(from_file.map(|s| s.alpha()))
        .unwrap_or(KnSettings::DEFAULT_ALPHA);
    KnSettings::new(delta, alpha)
        .map(Procedure::KimNelson)
        .map_err(|e| format!("--procedure kn: {e}"))
}

/// Loads the scenario of a zone comparison (`compare-zones`, `site-scan`): the
/// overrides applied, the procedure `choose` resolves from the scenario's, and at least
/// one `[compare]` market (`why` says what they are needed for).
pub fn load_comparison(
    file: &Path,
    sim: &SimArgs,
    choose: impl FnOnce(Procedure) -> Result<Procedure, String>,
    why: &str,
) -> Result<Loaded, Failure> {
    let mut loaded = common::load_with_overrides(file, sim)?;
    let problem = match choose(loaded.scenario.compare.procedure) {
        Ok(p) => {
            loaded.scenario.compare.procedure = p;
            loaded
                .scenario
                .compare
                .markets
                .is_empty()
                .then(|| format!("[compare] has no markets: {why}"))
        }
        Err(msg) => Some(msg),
    };
    match problem {
        None => Ok(loaded),
        Some(msg) => Err(common::bad_input(file, msg)),
    }
}

/// Writes `zone_market.csv` and `zone_ranking.csv`, and prints the ranking on stdout.
pub fn run(args: &Args) -> Result<(), Failure> {
    let loaded = load_comparison(
        &args.file,
        &args.sim,
        |p| procedure(&args.procedure, p),
        "zones need the same probe demand to be compared",
    )?;
    let bad = |msg: String| Err(common::bad_input(&args.file, msg));
    let base = &loaded.scenario;
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
    // Every zone scenario has the base's [choice], so its feedback iterations too.
    let bar = common::progress_bar(
        (zone_ids.len() as u64 + 1) * u64::from(reps) * common::simulations(base),
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
    let mut tables = vec![
        zones::ranking_table(name, &comparison),
        zones::market_table(name, &comparison),
    ];
    let (convergence, feedback) = common::feedback_records(&comparison.feedback);
    tables.extend(convergence);
    let mut outputs: Vec<String> = tables.iter().map(|t| t.file.to_string()).collect();
    outputs.push(geojson::ZONES_GEOJSON.to_string());
    let layer = geojson::zones(base, &comparison);
    geojson::write(staged.path(), geojson::ZONES_GEOJSON, &layer).with_context(|| {
        format!(
            "cannot write {}",
            staged.path().join(geojson::ZONES_GEOJSON).display()
        )
    })?;
    common::finish_output(
        staged,
        &tables,
        &args.sim,
        &Manifest {
            scenario: name.clone(),
            scenario_path: args.file.display().to_string(),
            scenario_files: common::source_files(&loaded.sources),
            events: 0,
            feedback,
            replications_run: matches!(base.compare.procedure, Procedure::KimNelson(_)).then(
                || ReplicationsRun {
                    zones: comparison.zone_replications,
                    base: comparison.base_replications,
                    zones_fixed_design: zone_ids.len() as u64 * u64::from(reps),
                },
            ),
            ..common::manifest(
                "compare-zones",
                &owner,
                &base.meta,
                threads,
                wall_time_s,
                outputs,
            )
        },
    )?;
    print_ranking(&comparison);
    if !args.sim.quiet {
        let spent = match base.compare.procedure {
            Procedure::Fixed => format!("{} zones × {reps} replications", zone_ids.len()),
            Procedure::KimNelson(_) => format!(
                "{} zones, {} zone replications of at most {}",
                zone_ids.len(),
                comparison.zone_replications,
                zone_ids.len() as u64 * u64::from(reps)
            ),
        };
        eprintln!(
            "{name}: {spent} in {wall_time_s:.2} s; results in {}",
            out.display()
        );
    }
    Ok(())
}

/// The ranking on stdout; a sequential selection adds each zone's replications, where it
/// was eliminated, and the verdict.
fn print_ranking(c: &ZoneComparison) {
    let sequential = matches!(c.procedure, Procedure::KimNelson(_));
    print!("rank  zone                    score_usd_per_teu  ci95                 prob_best");
    println!(
        "{}",
        if sequential {
            "  reps  eliminated_at  final_set"
        } else {
            ""
        }
    );
    for r in &c.ranking {
        print!(
            "{:>4}  {:<22}  {:>17.0}  [{:>7.0}, {:>7.0}]  {:>9.2}",
            r.rank, r.zone, r.score.mean, r.score.ci95_low, r.score.ci95_high, r.prob_best
        );
        match r.selection {
            Some(s) => println!(
                "  {:>4}  {:>13}  {:>9}",
                s.replications,
                s.eliminated_at.map_or_else(String::new, |e| e.to_string()),
                if s.in_final_set { "yes" } else { "" }
            ),
            None => println!(),
        }
    }
    if let Procedure::KimNelson(settings) = c.procedure {
        let left: Vec<&str> = c
            .ranking
            .iter()
            .filter(|r| r.selection.is_some_and(|s| s.in_final_set))
            .map(|r| r.zone.as_str())
            .collect();
        let delta = settings.indifference_usd_per_teu();
        let confidence = 100.0 * (1.0 - settings.alpha());
        match left.as_slice() {
            [best] => println!(
                "selected: {best} (best with probability ≥ {confidence:.0} % if it is at least \
                 {delta} USD/TEU better than the rest)"
            ),
            _ => println!(
                "cannot be separated within the replication budget (δ = {delta} USD/TEU): {}",
                left.join(", ")
            ),
        }
    }
}
