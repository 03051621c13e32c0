//! Engine benchmarks: events per second of one replication on one core, and the raw
//! event-queue push/pop cost.
//!
//! Run with `cargo bench --bench engine` (add `-- --quick` for a fast pass). Throughput is
//! reported in events: criterion's `elem/s` is events per second.
//!
//! - `replication/river` — one replication of `tests/data/river.toml` (customs, transfer,
//!   a daily river line with dwell, a ship lock with background traffic, trucks), with a
//!   hand-made route plan, so it measures the engine alone.
//! - `replication/chongqing-base` — one replication of `scenarios/chongqing/base.toml` with
//!   the routing plan (skipped if the file does not load).
//! - `replication/grid-1k`, `grid-10k`, `grid-100k` — one replication of the generated
//!   network family (`corridor_sim::routing::generate`: 64 flows, 30 days) at 1 024,
//!   10 000 and 102 400 hubs.
//! - `replication_legs/…` — the same runs, with throughput in shipment legs per second.
//!
//!   The `replication` benches run replication 0 again and again on one `Workspace`, as a
//!   worker of `corridor run` runs its replications: buffers are allocated once.
//! - `run/chongqing-base` — a whole run of the Chongqing scenario without file output:
//!   routing, model, 100 replications on all cores, merge.
//! - `event_queue/hold` — the classic "hold" model: a queue of N pending events, each step
//!   pops the earliest and pushes one a random delay later (xorshift delays, `u64`
//!   payload: the queue alone).
//! - `event_queue/hold_chacha8/100` — the hold model as an event loop: ChaCha8 exponential
//!   delays and the engine's `Event` payload.

#[path = "../tests/support/mod.rs"]
mod support;

use support::river_plan;

use std::hint::black_box;
use std::path::Path;

use corridor_sim::ids::DemandId;
use corridor_sim::routing::generate::{GridSpec, grid_scenario};
use corridor_sim::routing::{self, Route};
use corridor_sim::run;
use corridor_sim::scenario::{self, Scenario};
use corridor_sim::sim::event_queue::EventQueue;
use corridor_sim::sim::events::Event;
use corridor_sim::sim::{Model, RouteTable, Workspace, simulate};
use corridor_sim::time::{SimTime, hours_to_secs};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Exp1;

fn load(rel: &str) -> Option<Scenario> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    match scenario::load(&path) {
        Ok(l) => Some(l.scenario),
        Err(e) => {
            eprintln!("skipping {rel}: it does not load:\n{e}");
            None
        }
    }
}

fn bench_replication(c: &mut Criterion, name: &str, s: &Scenario, plan: &[Vec<Route>]) {
    let model = Model::new(s).expect("model");
    let routes = RouteTable::new(s, plan).expect("plan");
    let work = simulate(&model, &routes, 0).work;
    eprintln!(
        "{name}: {} events, {} shipment legs per replication ({} days)",
        work.events,
        work.shipment_legs,
        s.meta.window.horizon_days()
    );
    // The same measurement twice, so that criterion reports both rates. Replications run
    // on one workspace, as each worker of `corridor run` does: after the first, its buffers
    // are allocated already.
    let mut workspace = Workspace::new(&model, &routes);
    for (group_name, per_rep) in [
        ("replication", work.events),
        ("replication_legs", work.shipment_legs),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(per_rep));
        group.bench_function(name, |b| b.iter(|| workspace.simulate(black_box(0))));
        group.finish();
    }
}

fn replication(c: &mut Criterion) {
    if let Some(s) = load("tests/data/river.toml") {
        bench_replication(c, "river", &s, &river_plan(&s));
    }
    if let Some(s) = load("scenarios/chongqing/base.toml") {
        let plan = routing::plan(&s);
        bench_replication(c, "chongqing-base", &s, &plan.per_demand);
    }
    // The generated network family: 64 flows over 30 days on square grids of 1 k, 10 k
    // and 100 k hubs, to show how one replication's cost grows with network size.
    for (name, side) in [("grid-1k", 32), ("grid-10k", 100), ("grid-100k", 320)] {
        let s = grid_scenario(&GridSpec {
            width: side,
            height: side,
            rail_spacing: 16,
            demand_flows: 64,
            seed: GridSpec::LARGE.seed,
        });
        let plan = routing::plan(&s);
        bench_replication(c, name, &s, &plan.per_demand);
    }
}

/// A whole `corridor run` minus file output: route, compile, simulate the scenario's 100
/// replications on all cores, merge.
fn full_run(c: &mut Criterion) {
    let Some(s) = load("scenarios/chongqing/base.toml") else {
        return;
    };
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(s.meta.replications)));
    group.bench_function("chongqing-base (replications/s)", |b| {
        b.iter(|| run::simulate_merged(black_box(&s), &|| {}).expect("runs"))
    });
    group.finish();
}

fn event_queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue");
    const STEPS: u64 = 100_000;
    group.throughput(Throughput::Elements(STEPS));
    for pending in [100usize, 10_000] {
        group.bench_with_input(BenchmarkId::new("hold", pending), &pending, |b, &n| {
            let mut q: EventQueue<u64> = EventQueue::with_capacity(n + 1);
            // A fixed xorshift sequence of delays: no RNG cost in the measurement.
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut delay = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 7200
            };
            for i in 0..n as u64 {
                q.push(SimTime::from_secs(delay()), i);
            }
            b.iter(|| {
                for _ in 0..STEPS {
                    let (t, e) = q.pop().expect("never empty");
                    q.push(t + delay(), black_box(e));
                }
            });
        });
    }
    // The hold model as an event loop: each step pops, draws an exponential delay (mean
    // one hour) from ChaCha8 as the engine does, converts it to seconds and pushes, with
    // the engine's own `Event` payload.
    group.bench_function("hold_chacha8/100", |b| {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut q: EventQueue<Event> = EventQueue::with_capacity(101);
        let mut delay = move || hours_to_secs(rng.sample::<f64, _>(Exp1));
        for i in 0..100 {
            let demand = DemandId::new(i);
            q.push(
                SimTime::from_secs(delay()),
                Event::ShipmentArrival { demand },
            );
        }
        b.iter(|| {
            for _ in 0..STEPS {
                let (t, e) = q.pop().expect("never empty");
                q.push(t + delay(), black_box(e));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, replication, full_run, event_queue);
criterion_main!(benches);
