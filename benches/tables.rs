//! Loading a network from CSV tables: a generated grid of 10 000 hubs (see
//! `corridor_sim::routing::generate`) written as `hubs.csv`, `links.csv`, `services.csv`
//! and a long-format `demand.csv`, read by a scenario's `[tables]`, merged and validated
//! (reachability of every flow included) — what `corridor validate` and every command do
//! before anything runs.
//!
//! Run with `cargo bench --bench tables`.

use corridor_sim::dist::Dist;
use corridor_sim::routing::generate::{GridSpec, grid_scenario};
use corridor_sim::scenario::{self, Facility, Scenario};
use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// 100 × 100 hubs, rail every 10 hubs, 500 flows.
const SPEC: GridSpec = GridSpec {
    width: 100,
    height: 100,
    rail_spacing: 10,
    demand_flows: 500,
    seed: 20_211_102,
};

/// The cells of a duration in the columns `X,X.dist,X.min,X.mode,X.max,X.median,X.p90`.
fn duration(d: &Dist) -> String {
    match d {
        Dist::Fixed(v) => format!("{v},,,,,,"),
        Dist::Triangular { min, mode, max } => format!(",triangular,{min},{mode},{max},,"),
        Dist::LogNormal { median, p90 } => format!(",lognormal,,,,{median},{p90}"),
        other => unreachable!("the grid has no {other:?} durations"),
    }
}

fn duration_header(field: &str) -> String {
    ["", ".dist", ".min", ".mode", ".max", ".median", ".p90"]
        .map(|s| format!("{field}{s}"))
        .join(",")
}

fn facility(f: Option<&Facility>) -> String {
    match f {
        Some(f) => format!(
            "{},{},{}",
            f.servers,
            duration(&f.time_h),
            f.cost_usd_per_teu
        ),
        None => ",,,,,,,,".into(),
    }
}

/// Writes `s` as a scenario file with its entities in CSV tables, returns its path.
fn write_tables(s: &Scenario, dir: &Path) -> std::path::PathBuf {
    let mut hubs = format!(
        "id,name,kind,lat,lon,transfer.servers,{},transfer.cost_usd_per_teu,customs.servers,{},customs.cost_usd_per_teu\n",
        duration_header("transfer.time_h"),
        duration_header("customs.time_h")
    );
    for h in &s.hubs {
        let kind = serde_json::to_value(h.kind).unwrap();
        let _ = writeln!(
            hubs,
            "{},\"{}\",{},{},{},{},{}",
            h.id,
            h.name,
            kind.as_str().unwrap(),
            h.lat,
            h.lon,
            facility(h.transfer.as_ref()),
            facility(h.customs.as_ref())
        );
    }
    let mut links = format!(
        "id,from,to,mode,distance_km,{},cost_usd_per_teu,corridor\n",
        duration_header("time_h")
    );
    for l in &s.links {
        let _ = writeln!(
            links,
            "{},{},{},{},{},{},{},{}",
            l.id,
            s.hub(l.from).id,
            s.hub(l.to).id,
            l.mode,
            l.distance_km,
            duration(&l.time_h),
            l.cost_usd_per_teu,
            s.corridors[l.corridor.unwrap().index()].id
        );
    }
    let mut services = String::from("id,name,corridor,mode,stops,headway_h,capacity_teu,dwell_h\n");
    for v in &s.services {
        let stops: Vec<&str> = v.stops.iter().map(|h| s.hub(*h).id.as_str()).collect();
        let Dist::Fixed(dwell) = v.dwell_h else {
            unreachable!("grid dwells are fixed")
        };
        let _ = writeln!(
            services,
            "{},\"{}\",{},{},{},{},{},{dwell}",
            v.id,
            v.name,
            s.corridors[v.corridor.unwrap().index()].id,
            v.mode,
            stops.join(";"),
            v.headway_h,
            v.capacity_teu,
        );
    }
    let mut demand = String::from("id,from,to,teu_per_day,class\n");
    for (i, d) in s.demand.iter().enumerate() {
        let _ = writeln!(
            demand,
            "f{i},{},{},{},general",
            s.hub(d.from).id,
            s.hub(d.to).id,
            d.teu_per_day
        );
    }
    let toml = "[scenario]\nname = \"grid-tables\"\nhorizon_days = 30\nwarmup_days = 5\n\
                replications = 1\nseed = 1\n\n\
                [tables]\nhubs = \"hubs.csv\"\nlinks = \"links.csv\"\nservices = \"services.csv\"\n\
                demand = \"demand.csv\"\n\n\
                [[corridors]]\nid = \"road\"\nname = \"Grid roads\"\n\n\
                [[corridors]]\nid = \"rail\"\nname = \"Grid rail lines\"\n\n\
                [[classes]]\nid = \"general\"\nvalue_usd_per_teu = 30000\n\
                vot_usd_per_teu_day = 30\ndue_days = 10\n";
    for (name, text) in [
        ("hubs.csv", hubs),
        ("links.csv", links),
        ("services.csv", services),
        ("demand.csv", demand),
        ("grid.toml", toml.to_string()),
    ] {
        std::fs::write(dir.join(name), text).expect("temporary directory is writable");
    }
    dir.join("grid.toml")
}

fn load_csv(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let grid = grid_scenario(&SPEC);
    let path = write_tables(&grid, dir.path());
    let loaded = match scenario::load(&path) {
        Ok(l) => l.scenario,
        Err(e) => panic!("the generated tables do not validate:\n{e}"),
    };
    assert_eq!(loaded.hubs, grid.hubs, "the tables hold the generated hubs");
    assert_eq!(loaded.links.len(), grid.links.len());
    eprintln!(
        "tables: {} hubs, {} links, {} services, {} demand flows",
        loaded.hubs.len(),
        loaded.links.len(),
        loaded.services.len(),
        loaded.demand.len()
    );
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("csv tables, 10 000 hubs (read + merge + validate)", |b| {
        b.iter(|| scenario::load(black_box(&path)).map(|l| l.scenario.hubs.len()))
    });
    group.finish();
}

criterion_group!(benches, load_csv);
criterion_main!(benches);
