//! Exports the routing graph of the large generated network (`GridSpec::LARGE`, 102 400
//! hubs) as a weighted edge list, and times corridor-sim's own query on it, so that
//! `benches/networkx_dijkstra.py` can run NetworkX's Dijkstra on exactly the same graph
//! and compare both the answer and the time:
//!
//! ```text
//! cargo run --release --example export_routing_graph -- grid.tsv
//! python3 benches/networkx_dijkstra.py grid.tsv
//! ```
//!
//! Each edge's weight is the generalised cost the query minimises: money plus value of
//! time × mean time (30 USD per TEU-day, no reliability term). The header records the
//! source and target nodes, corridor-sim's least cost, and its median query time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use corridor_sim::routing::generate::{GridSpec, grid_scenario};
use corridor_sim::routing::{QueryWorkspace, RouteQuery, RoutingGraph};
use corridor_sim::scenario::ModeSet;
use petgraph::visit::EdgeRef;

const VOT_USD_PER_TEU_DAY: f64 = 30.0;
const RUNS: usize = 21;

fn main() -> anyhow::Result<()> {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .context("usage: export_routing_graph OUT.tsv")?;
    let spec = GridSpec::LARGE;
    let scenario = grid_scenario(&spec);
    let g = RoutingGraph::build(&scenario);
    // The query of `cargo bench --bench routing`: corner to opposite corner.
    let query = RouteQuery {
        k: 1,
        reliability_ratio: 0.0,
        ..RouteQuery::new(
            &scenario.choice,
            spec.hub(5, 7),
            spec.hub(spec.width - 9, spec.height - 4),
            ModeSet::ALL,
            VOT_USD_PER_TEU_DAY,
        )
    };
    let mut ws = QueryWorkspace::new(&g);
    let mut times_s = Vec::with_capacity(RUNS);
    let mut best = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        best = g.k_best_routes(&mut ws, &query);
        times_s.push(started.elapsed().as_secs_f64());
    }
    times_s.sort_by(f64::total_cmp);
    let median_s = times_s[RUNS / 2];
    let route = best.first().context("no route on the generated grid")?;
    let cost = route.generalized_cost_usd_per_teu;

    let file = File::create(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = BufWriter::new(file);
    writeln!(w, "# source\t{}", g.origin_node(query.from))?;
    writeln!(w, "# target\t{}", g.sink_node(query.to))?;
    writeln!(w, "# corridor_sim_cost\t{cost:.9}")?;
    writeln!(w, "# corridor_sim_query_s\t{median_s:.6}")?;
    for e in g.graph().edge_references() {
        let weight = query.generalized_cost(e.weight().cost_usd_per_teu, e.weight().time_h, 0.0);
        writeln!(
            w,
            "{}\t{}\t{weight:.17e}",
            e.source().index(),
            e.target().index()
        )?;
    }
    w.flush()?;
    eprintln!(
        "{} hubs: routing graph of {} nodes and {} edges written to {}",
        g.hub_count(),
        g.node_count(),
        g.edge_count(),
        out.display()
    );
    eprintln!(
        "corridor-sim k = 1 query: least cost {cost:.3} USD/TEU, median {:.1} ms over {RUNS} runs",
        median_s * 1e3
    );
    Ok(())
}
