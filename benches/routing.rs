//! Routing benchmarks: all-OD planning on the Chongqing scenario, and single queries on a
//! generated network of over 100 000 hubs (see `corridor_sim::routing::generate`).
//!
//! Run with `cargo bench --bench routing` (add `-- --quick` for a fast pass).

use corridor_sim::routing::generate::{GridSpec, grid_scenario};
use corridor_sim::routing::{QueryWorkspace, RouteQuery, RoutingGraph, plan, plan_on};
use corridor_sim::scenario::{self, ModeSet};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn chongqing(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/chongqing/base.toml");
    let loaded = match scenario::load(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "skipping plan/chongqing: {} does not load:\n{e}",
                path.display()
            );
            return;
        }
    };
    let s = loaded.scenario;
    eprintln!(
        "chongqing: {} hubs, {} links, {} services, {} demand flows, k = {}",
        s.hubs.len(),
        s.links.len(),
        s.services.len(),
        s.demand.len(),
        s.choice.k_routes
    );
    c.bench_function("plan/chongqing (build + all OD)", |b| {
        b.iter(|| plan(black_box(&s)))
    });
}

fn grid(c: &mut Criterion) {
    let spec = GridSpec::LARGE;
    let s = grid_scenario(&spec);
    let g = RoutingGraph::build(&s);
    eprintln!(
        "grid: {} hubs, {} links, {} services -> routing graph {} nodes, {} edges",
        s.hubs.len(),
        s.links.len(),
        s.services.len(),
        g.node_count(),
        g.edge_count()
    );
    // A long query across the grid: near one corner to near the opposite one.
    let query = |k| RouteQuery {
        k,
        reliability_ratio: 0.0,
        ..RouteQuery::new(
            &s.choice,
            spec.hub(5, 7),
            spec.hub(spec.width - 9, spec.height - 4),
            ModeSet::ALL,
            30.0,
        )
    };
    let mut ws = QueryWorkspace::new(&g);
    let mut group = c.benchmark_group("grid-102k");
    group.bench_function("build routing graph", |b| {
        b.iter(|| RoutingGraph::build(black_box(&s)))
    });
    group.bench_function("k=1 query", |b| {
        b.iter(|| g.k_best_routes(&mut ws, black_box(&query(1))))
    });
    group.bench_function("k=3 query", |b| {
        b.iter(|| g.k_best_routes(&mut ws, black_box(&query(3))))
    });
    group.bench_function("plan 16 OD, k=3", |b| {
        b.iter(|| plan_on(black_box(&g), black_box(&s)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    targets = chongqing, grid
}
criterion_main!(benches);
