//! Simulates a generated network of a given size, for scaling measurements: how run time
//! and memory grow with hubs, demand flows, horizon and replications.
//!
//! ```text
//! cargo run --release --example scale -- --hubs 10000 --flows 64 --replications 100
//! ```
//!
//! The network is `corridor_sim::routing::generate`'s grid: a square of hubs joined by
//! two-way roads, rail lines every `--rail-spacing` rows and columns with a service each
//! way every 12 h, customs on the east edge, and `--flows` random OD flows of 1–5 TEU a
//! day. It prints one tab-separated line: hubs, links, services, flows, replications,
//! horizon, threads, seconds to route, seconds to simulate, events, shipment legs, legs
//! per second. `benches/scaling.sh` runs it over a grid of sizes under `/usr/bin/time` for
//! the peak memory.

use std::time::Instant;

use clap::Parser;
use corridor_sim::routing::{self, generate::GridSpec, generate::grid_scenario};
use corridor_sim::scenario::SimWindow;
use corridor_sim::sim::{self, Model, RouteTable};

/// Simulate a generated grid network (see the module docs).
#[derive(clap::Parser)]
struct Args {
    /// Hubs (rounded to a square grid).
    #[arg(long, default_value_t = 10_000)]
    hubs: usize,
    /// Random OD flows of 1–5 TEU a day.
    #[arg(long, default_value_t = 64)]
    flows: usize,
    /// Replications.
    #[arg(long, default_value_t = 10)]
    replications: u32,
    /// Horizon, days (the first sixth is warm-up).
    #[arg(long, default_value_t = 30.0)]
    horizon_days: f64,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Rail lines every this many rows and columns.
    #[arg(long, default_value_t = 16)]
    rail_spacing: usize,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let side = (a.hubs as f64).sqrt().round().max(2.0) as usize;
    let spec = GridSpec {
        width: side,
        height: side,
        rail_spacing: a.rail_spacing,
        demand_flows: a.flows,
        seed: GridSpec::LARGE.seed,
    };
    let mut scenario = grid_scenario(&spec);
    scenario.meta.replications = a.replications;
    scenario.meta.window =
        SimWindow::new(a.horizon_days / 6.0, a.horizon_days).expect("a valid window");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build()?;

    let started = Instant::now();
    let plan = routing::plan(&scenario);
    let route_s = started.elapsed().as_secs_f64();
    let model = Model::new(&scenario)?;
    let routes = RouteTable::new(&scenario, &plan.per_demand)?;
    let started = Instant::now();
    let agg =
        pool.install(|| sim::run_replications_merged(&model, &routes, a.replications, &|| {}));
    let sim_s = started.elapsed().as_secs_f64();
    println!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{route_s:.3}\t{sim_s:.3}\t{}\t{}\t{:.0}",
        scenario.hubs.len(),
        scenario.links.len(),
        scenario.services.len(),
        scenario.demand.len(),
        a.replications,
        a.horizon_days,
        pool.current_num_threads(),
        agg.work.events,
        agg.work.shipment_legs,
        agg.work.shipment_legs as f64 / sim_s.max(1e-9),
    );
    Ok(())
}
