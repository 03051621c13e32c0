//! Comparing scenarios: paired differences, plug-in deltas and zone rankings.
//!
//! Every comparison is the same mechanism: simulate two scenarios on common random
//! numbers (the same seed and replications), side by side, and summarise the
//! per-replication differences of every figure as replications finish ([`paired`]), so
//! memory does not grow with the number of replications. `corridor diff` compares
//! any two scenario files; `corridor plugin` compares a scenario with itself plus one
//! candidate zone; `corridor compare-zones` ([`zones`]) plugs in each candidate alone with
//! the same probe demand and ranks them, with every zone given the same replications or
//! replications spent sequentially on the zones still in contention ([`kn`]).

pub mod daily;
pub mod kn;
pub mod paired;
pub mod polygon;
pub mod scan;
pub mod zones;

use std::collections::BTreeMap;

use crate::output::tables::{Table, num, zh};
use crate::scenario::Scenario;
use crate::stats::Summary;
use paired::{EntityKind, PairedRow};

fn ci_cells(s: Option<Summary>) -> [String; 3] {
    match s {
        Some(s) => [num(s.mean), num(s.ci95_low), num(s.ci95_high)],
        None => Default::default(),
    }
}

fn value_cells(row: &PairedRow) -> Vec<String> {
    let mut cells = Vec::with_capacity(11);
    cells.push(row.metric.to_string());
    cells.extend(ci_cells(row.a));
    cells.extend(ci_cells(row.b));
    cells.extend(ci_cells(row.diff));
    cells.push(if row.diff.is_some() {
        row.significant().to_string()
    } else {
        String::new()
    });
    cells.push(row.diff.map_or_else(String::new, |d| d.n.to_string()));
    cells
}

macro_rules! value_columns {
    () => {
        [
            "metric",
            "a_mean",
            "a_ci95_low",
            "a_ci95_high",
            "b_mean",
            "b_ci95_low",
            "b_ci95_high",
            "diff_mean",
            "diff_ci95_low",
            "diff_ci95_high",
            "significant",
            "replications_paired",
        ]
    };
}

const fn concat_header<const N: usize>(
    keys: &[&'static str],
    values: [&'static str; 12],
) -> [&'static str; N] {
    let mut out = [""; N];
    out[0] = "scenario_a";
    out[1] = "scenario_b";
    let mut i = 0;
    while i < keys.len() {
        out[2 + i] = keys[i];
        i += 1;
    }
    let mut j = 0;
    while j < values.len() {
        out[2 + keys.len() + j] = values[j];
        j += 1;
    }
    out
}

const DIFF_OD_HEADER: [&str; 20] = concat_header(
    &[
        "origin",
        "origin_name",
        "origin_name_zh",
        "destination",
        "destination_name",
        "destination_name_zh",
    ],
    value_columns!(),
);
const DIFF_CORRIDOR_HEADER: [&str; 17] = concat_header(
    &["corridor", "corridor_name", "corridor_name_zh"],
    value_columns!(),
);
const DIFF_HUB_HEADER: [&str; 18] = concat_header(
    &["hub", "hub_name", "hub_name_zh", "facility"],
    value_columns!(),
);
const DIFF_SERVICE_HEADER: [&str; 16] =
    concat_header(&["service", "service_name"], value_columns!());

/// The key cells of a paired row in the diff tables: its keys with the entities' names
/// (and Chinese names) beside them, as in the run tables, taken from B where B has the
/// entity, else from A.
fn key_cells(a: &Scenario, b: &Scenario, row: &PairedRow) -> Vec<String> {
    let hub = |id: &str| {
        [b, a]
            .into_iter()
            .find_map(|s| s.hub_by_id(id).map(|h| s.hub(h)))
            .map_or_else(Default::default, |h| {
                (h.name.clone(), zh(h.name_zh.as_ref()))
            })
    };
    let k = &row.keys;
    match row.kind {
        EntityKind::Od => {
            let (o, d) = (hub(&k[0]), hub(&k[1]));
            vec![k[0].clone(), o.0, o.1, k[1].clone(), d.0, d.1]
        }
        EntityKind::Corridor => {
            let c = [b, a]
                .into_iter()
                .find_map(|s| s.corridors.iter().find(|c| c.id == k[0]))
                .map_or_else(Default::default, |c| {
                    (c.name.clone(), zh(c.name_zh.as_ref()))
                });
            vec![k[0].clone(), c.0, c.1]
        }
        EntityKind::Hub if k[1] == "bottleneck" => {
            let name = [b, a]
                .into_iter()
                .find_map(|s| s.links.iter().find(|l| l.id == k[0]))
                .and_then(|l| l.bottleneck.as_ref())
                .map_or_else(String::new, |x| x.name.clone());
            vec![k[0].clone(), name, String::new(), k[1].clone()]
        }
        EntityKind::Hub => {
            let h = hub(&k[0]);
            vec![k[0].clone(), h.0, h.1, k[1].clone()]
        }
        EntityKind::Service => {
            let name = [b, a]
                .into_iter()
                .find_map(|s| s.services.iter().find(|v| v.id == k[0]))
                .map_or_else(String::new, |v| v.name.clone());
            vec![k[0].clone(), name]
        }
    }
}

/// The `diff_<kind>.csv` table of paired rows of one entity kind. With `recovery` (the
/// day-by-day series were collected), every hub facility also gets a `recovery_days` row
/// after its metrics: B's recovery after its disruptions ([`daily::DailyPairing::finish`])
/// in `b_mean`, the other cells empty; all empty when no disruption touches it in B or it
/// does not recover by the horizon.
pub fn diff_table(
    kind: EntityKind,
    (a, b): (&Scenario, &Scenario),
    rows: &[PairedRow],
    recovery: Option<&BTreeMap<Vec<String>, f64>>,
) -> Table {
    let (scenario_a, scenario_b) = (&a.meta.name, &b.meta.name);
    let (file, header): (&'static str, &'static [&'static str]) = match kind {
        EntityKind::Od => ("diff_od.csv", &DIFF_OD_HEADER),
        EntityKind::Corridor => ("diff_corridor.csv", &DIFF_CORRIDOR_HEADER),
        EntityKind::Hub => ("diff_hub.csv", &DIFF_HUB_HEADER),
        EntityKind::Service => ("diff_service.csv", &DIFF_SERVICE_HEADER),
    };
    let rows: Vec<&PairedRow> = rows.iter().filter(|r| r.kind == kind).collect();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let mut cells = vec![scenario_a.to_string(), scenario_b.to_string()];
        cells.extend(key_cells(a, b, r));
        cells.extend(value_cells(r));
        out.push(cells);
        let last_of_entity = rows.get(i + 1).is_none_or(|next| next.keys != r.keys);
        if let (EntityKind::Hub, Some(recovery), true) = (kind, recovery, last_of_entity) {
            let mut cells = vec![scenario_a.to_string(), scenario_b.to_string()];
            cells.extend(key_cells(a, b, r));
            cells.push("recovery_days".to_string());
            cells.extend(["", "", ""].map(String::from));
            cells.push(recovery.get(&r.keys).map_or_else(String::new, |&x| num(x)));
            cells.resize(header.len(), String::new());
            out.push(cells);
        }
    }
    Table {
        file,
        header,
        rows: out,
    }
}

const PLUGIN_HEADER: [&str; 17] = [
    "scenario",
    "zone",
    "entity_kind",
    "entity",
    "detail",
    "metric",
    "before_mean",
    "before_ci95_low",
    "before_ci95_high",
    "after_mean",
    "after_ci95_low",
    "after_ci95_high",
    "delta_mean",
    "delta_ci95_low",
    "delta_ci95_high",
    "significant",
    "replications_paired",
];

/// `plugin_deltas.csv`: every entity of every kind, before and after the zone plugs in.
/// The zone's own flows have no "before".
pub fn plugin_table(scenario: &str, zone: &str, rows: &[PairedRow]) -> Table {
    let rows = rows
        .iter()
        .map(|r| {
            let (entity, detail) = match r.kind {
                EntityKind::Od => (format!("{}>{}", r.keys[0], r.keys[1]), String::new()),
                EntityKind::Hub => (r.keys[0].clone(), r.keys[1].clone()),
                _ => (r.keys[0].clone(), String::new()),
            };
            let mut cells = vec![
                scenario.to_string(),
                zone.to_string(),
                r.kind.as_str().to_string(),
                entity,
                detail,
            ];
            cells.extend(value_cells(r));
            cells
        })
        .collect();
    Table {
        file: "plugin_deltas.csv",
        header: &PLUGIN_HEADER,
        rows,
    }
}

/// Every entity kind, in the order tables are written.
pub const KINDS: [EntityKind; 4] = [
    EntityKind::Od,
    EntityKind::Corridor,
    EntityKind::Hub,
    EntityKind::Service,
];
