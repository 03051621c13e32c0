//! `corridor routes FILE --from A --to B [-k N] [--csv] [--value-usd-per-teu V]`
//!
//! The routes offered for one OD (of its k best loopless routes by generalized cost), with
//! their shares and the choice model's terms (nest, nest share, path size): what
//! a planner checks before simulating ("does the model see the corridor I expect, at the
//! time and cost I expect?").

use crate::Failure;
use corridor_sim::routing::{
    QueryWorkspace, RouteQuery, RoutingGraph, route_corridors, route_label, route_modes,
};
use corridor_sim::scenario::{
    self, ChoiceModel, CustomsRegime, DEFAULT_NEST_LAMBDA, Mode, ModeSet,
};
use std::io::Write;
use std::path::PathBuf;

/// Cargo value assumed when no demand flow matches the OD and no value is given: the
/// general-cargo default of shared/data/choice_facts.md §5b.
const DEFAULT_VALUE_USD_PER_TEU: f64 = 30_000.0;

/// CSV columns, in order (the contract of DESIGN.md, then the choice model's terms).
const CSV_HEADER: [&str; 11] = [
    "rank",
    "route",
    "modes",
    "corridors",
    "time_h",
    "cost_usd_per_teu",
    "generalized_cost_usd_per_teu",
    "share",
    "nest",
    "nest_share",
    "path_size",
];

/// Arguments of `corridor routes`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file.
    pub file: PathBuf,
    /// Origin hub id.
    #[arg(long)]
    pub from: String,
    /// Destination hub id.
    #[arg(long)]
    pub to: String,
    /// Number of routes [default: the scenario's choice.k_routes].
    #[arg(short = 'k', value_parser = clap::value_parser!(u32).range(1..))]
    pub k: Option<u32>,
    /// Write CSV to stdout instead of a table.
    #[arg(long)]
    pub csv: bool,
    /// Cargo value, USD per TEU: sets the value of time as value × choice.vot_rate_per_day.
    /// Without it, the VOT (and allowed modes) of the scenario's first demand flow from A
    /// to B is used, or a value of 30000 if there is none.
    #[arg(long)]
    pub value_usd_per_teu: Option<f64>,
    /// Choice model for the shares [default: the scenario's choice.model].
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// Nest parameter λ in (0, 1] with `--model nested` [default: the scenario's
    /// choice.nest_lambda, or 0.5].
    #[arg(long)]
    pub nest_lambda: Option<f64>,
}

/// `--model`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ModelArg {
    /// Multinomial logit.
    Mnl,
    /// Path-size logit.
    PathSize,
    /// Nested logit, nests = main corridors.
    Nested,
}

/// Where the query's value of time came from, for the note on stderr.
enum VotSource {
    Demand(String),
    Value(f64),
}

/// Loads the scenario, routes the OD and prints the routes.
pub fn run(args: &Args) -> Result<(), Failure> {
    let loaded = match scenario::load(&args.file) {
        Ok(l) => l,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!(
                "{}: {} problem{} found",
                args.file.display(),
                diags.items.len(),
                if diags.items.len() == 1 { "" } else { "s" }
            );
            return Err(Failure::BadInput);
        }
    };
    let s = &loaded.scenario;
    let hub = |id: &str, flag: &str| {
        s.hub_by_id(id).ok_or_else(|| {
            eprintln!(
                "error: --{flag} \"{id}\" is not a hub of {} (ids are case-sensitive)",
                args.file.display()
            );
            Failure::BadInput
        })
    };
    let from = hub(&args.from, "from")?;
    let to = hub(&args.to, "to")?;
    if from == to {
        eprintln!("error: --from and --to are the same hub \"{}\"", args.from);
        return Err(Failure::BadInput);
    }
    if let Some(v) = args.value_usd_per_teu
        && (!v.is_finite() || v < 0.0)
    {
        eprintln!("error: --value-usd-per-teu must be a finite number >= 0, got {v}");
        return Err(Failure::BadInput);
    }

    let flow = s.demand.iter().find(|d| d.from == from && d.to == to);
    let modes = flow.map_or(ModeSet::ALL, |d| d.modes);
    let (vot, source) = match (args.value_usd_per_teu, flow) {
        (Some(v), _) => (v * s.choice.vot_rate_per_day, VotSource::Value(v)),
        (None, Some(d)) => (d.vot_usd_per_teu_day, VotSource::Demand(d.id.clone())),
        (None, None) => (
            DEFAULT_VALUE_USD_PER_TEU * s.choice.vot_rate_per_day,
            VotSource::Value(DEFAULT_VALUE_USD_PER_TEU),
        ),
    };
    if let Some(l) = args.nest_lambda
        && !(l > 0.0 && l <= 1.0)
    {
        eprintln!("error: --nest-lambda must be in (0, 1], got {l}");
        return Err(Failure::BadInput);
    }
    let scenario_lambda = match s.choice.model {
        ChoiceModel::Nested { lambda } => lambda,
        _ => DEFAULT_NEST_LAMBDA,
    };
    let model = match (args.model, args.nest_lambda) {
        (Some(ModelArg::Mnl), _) => ChoiceModel::Mnl,
        (Some(ModelArg::PathSize), _) => ChoiceModel::PathSize,
        (Some(ModelArg::Nested), l) => ChoiceModel::Nested {
            lambda: l.unwrap_or(scenario_lambda),
        },
        (None, Some(lambda)) if matches!(s.choice.model, ChoiceModel::Nested { .. }) => {
            ChoiceModel::Nested { lambda }
        }
        (None, Some(_)) => {
            eprintln!("error: --nest-lambda goes with --model nested");
            return Err(Failure::BadInput);
        }
        (None, None) => s.choice.model,
    };
    let k = args.k.unwrap_or(s.choice.k_routes);
    let graph = RoutingGraph::build(s);
    let mut ws = QueryWorkspace::new(&graph);
    let query = RouteQuery {
        k: usize::try_from(k).unwrap_or(usize::MAX),
        model,
        // The OD's flow declares as it does in the scenario; a bare OD as an export.
        customs: flow.map_or(CustomsRegime::Export, |d| d.customs),
        ..RouteQuery::new(&s.choice, from, to, modes, vot)
    };
    let routes = graph.k_best_routes(&mut ws, &query);

    eprintln!(
        "{} -> {}: VOT {} USD/TEU-day ({}), modes {}, theta {}, rho {}, k {}, model {}, cut-off {} x best GC; {} route{} offered",
        args.from,
        args.to,
        vot,
        match &source {
            VotSource::Demand(id) => format!("demand \"{id}\""),
            VotSource::Value(v) =>
                format!("value {v} USD/TEU x rate {}", s.choice.vot_rate_per_day),
        },
        mode_list(modes),
        s.choice.logit_scale,
        s.choice.reliability_ratio,
        k,
        match model {
            ChoiceModel::Mnl => "mnl".to_string(),
            ChoiceModel::PathSize => "path_size".to_string(),
            ChoiceModel::Nested { lambda } => format!("nested (lambda {lambda})"),
        },
        s.choice.gc_cutoff_ratio,
        routes.len(),
        if routes.len() == 1 { "" } else { "s" },
    );
    if routes.is_empty() {
        eprintln!(
            "no route from \"{}\" to \"{}\" with these modes",
            args.from, args.to
        );
    }

    let nest_share = |r: &corridor_sim::routing::Route| -> f64 {
        routes
            .iter()
            .filter(|o| o.main_corridor == r.main_corridor)
            .map(|o| o.share)
            .sum()
    };
    let rows: Vec<Row> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            nest: r
                .main_corridor
                .map_or_else(|| "-".to_string(), |c| s.corridors[c.index()].id.clone()),
            nest_share: nest_share(r),
            path_size: r.path_size,
            rank: i + 1,
            route: route_label(s, r),
            modes: route_modes(s, r),
            corridors: route_corridors(s, r),
            time_h: r.time_h,
            sd_time_h: r.sd_time_h,
            cost: r.cost_usd_per_teu,
            gc: r.generalized_cost_usd_per_teu,
            share: r.share,
        })
        .collect();
    let out = std::io::stdout().lock();
    let written = if args.csv {
        write_csv(out, &rows)
    } else {
        write_table(out, &rows)
    };
    written.map_err(|e| Failure::Other(e.context("writing routes to stdout")))
}

struct Row {
    nest: String,
    nest_share: f64,
    path_size: f64,
    rank: usize,
    route: String,
    modes: String,
    corridors: String,
    time_h: f64,
    sd_time_h: f64,
    cost: f64,
    gc: f64,
    share: f64,
}

fn mode_list(modes: ModeSet) -> String {
    Mode::ALL
        .iter()
        .filter(|&&m| modes.contains(m))
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

fn write_csv(out: impl Write, rows: &[Row]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for r in rows {
        w.write_record([
            r.rank.to_string(),
            r.route.clone(),
            r.modes.clone(),
            r.corridors.clone(),
            format!("{:.3}", r.time_h),
            format!("{:.2}", r.cost),
            format!("{:.2}", r.gc),
            format!("{:.6}", r.share),
            r.nest.clone(),
            format!("{:.6}", r.nest_share),
            format!("{:.6}", r.path_size),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// An aligned table: text columns left-aligned, numbers right-aligned.
fn write_table(mut out: impl Write, rows: &[Row]) -> anyhow::Result<()> {
    let header = [
        "rank",
        "route",
        "modes",
        "corridors",
        "time_h",
        "time_days",
        "sd_h",
        "cost_usd_per_teu",
        "gc_usd_per_teu",
        "share",
        "nest",
        "nest_share",
        "path_size",
    ];
    let numeric = [
        true, false, false, false, true, true, true, true, true, true, false, true, true,
    ];
    let cells: Vec<[String; 13]> = rows
        .iter()
        .map(|r| {
            [
                r.rank.to_string(),
                r.route.clone(),
                r.modes.clone(),
                r.corridors.clone(),
                format!("{:.1}", r.time_h),
                format!("{:.2}", r.time_h / 24.0),
                format!("{:.1}", r.sd_time_h),
                format!("{:.0}", r.cost),
                format!("{:.0}", r.gc),
                format!("{:.3}", r.share),
                r.nest.clone(),
                format!("{:.3}", r.nest_share),
                format!("{:.3}", r.path_size),
            ]
        })
        .collect();
    let mut width: [usize; 13] = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let mut text = String::new();
        for (i, c) in row.iter().enumerate() {
            let pad = width[i] - c.chars().count();
            if i > 0 {
                text.push_str("  ");
            }
            if numeric[i] {
                text.extend(std::iter::repeat_n(' ', pad));
                text.push_str(c);
            } else {
                text.push_str(c);
                if i + 1 < row.len() {
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(&mut out, &header.map(String::from))?;
    for row in &cells {
        line(&mut out, row)?;
    }
    Ok(())
}
