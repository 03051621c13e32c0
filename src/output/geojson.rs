//! Map layers (GeoJSON, RFC 7946) for QGIS or any GIS: `network.geojson` from `run`, the
//! network with the freight on it, and `zones.geojson` from `compare-zones`, the candidate
//! zones with their ranking.
//!
//! One feature per hub (a point) and one per link (a straight line between its hubs; the
//! scenario gives no road geometry). Coordinates are `[lon, lat]` in WGS 84, as RFC 7946
//! requires. Links carry the freight the run put on them:
//!
//! - `teu_per_day`: the TEU per day of every route using the link, each route weighted by
//!   the share of its flow it took in the simulation (its planned share where the flow
//!   had no counted shipment), times the flow's `teu_per_day`;
//! - `teu_per_day_<corridor>`: the same, split by the route's main corridor (flat
//!   properties, which GIS tools style and filter directly);
//! - `mode`, `corridor`, `distance_km`; a ride counts on every link it rides over.
//!
//! Hubs carry `kind` and `teu_per_day` through them (routes visiting the hub, origin and
//! destination included). Features come in file order and properties in key order, so
//! the file is byte-identical whatever the thread count.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject};
use serde_json::Value;

use super::atomic::write_atomic;
use crate::run::Compiled;
use crate::sim::aggregate::Aggregate;

/// File name of the network layer.
pub const NETWORK_GEOJSON: &str = "network.geojson";
/// File name of the zone-ranking layer.
pub const ZONES_GEOJSON: &str = "zones.geojson";

/// TEU per day on each link and through each hub, from the routes and their simulated
/// shares: (per link: total and by main corridor id; per hub: total).
struct Loads {
    link_teu: Vec<f64>,
    link_by_corridor: Vec<BTreeMap<String, f64>>,
    hub_teu: Vec<f64>,
}

fn loads(compiled: &Compiled<'_>, agg: &Aggregate) -> Loads {
    let s = compiled.scenario;
    let mut l = Loads {
        link_teu: vec![0.0; s.links.len()],
        link_by_corridor: vec![BTreeMap::new(); s.links.len()],
        hub_teu: vec![0.0; s.hubs.len()],
    };
    let mut ix = 0;
    for (d, routes) in compiled.plan.per_demand.iter().enumerate() {
        let flow_teu = s.demand[d].teu_per_day;
        for r in routes {
            let share = agg.routes[ix].simulated_share.unwrap_or(r.share);
            ix += 1;
            let teu = share * flow_teu;
            if teu == 0.0 {
                continue;
            }
            let corridor = r.main_corridor.map(|c| s.corridors[c.index()].id.clone());
            for &h in &r.hubs {
                l.hub_teu[h.index()] += teu;
            }
            let mut add = |link: usize| {
                l.link_teu[link] += teu;
                if let Some(c) = &corridor {
                    *l.link_by_corridor[link].entry(c.clone()).or_insert(0.0) += teu;
                }
            };
            for leg in &r.legs {
                for link in leg.links(s) {
                    add(link.index());
                }
            }
        }
    }
    l
}

/// A JSON number, rounded to 4 decimals like the CSV tables (`null` if not finite).
fn number(x: f64) -> Value {
    let rounded = (x * 1e4).round() / 1e4;
    serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number)
}

/// The network layer of a run: hubs and links with the freight the run put on them.
#[must_use]
pub fn network(compiled: &Compiled<'_>, agg: &Aggregate) -> FeatureCollection {
    let s = compiled.scenario;
    let loads = loads(compiled, agg);
    let mut features = Vec::with_capacity(s.hubs.len() + s.links.len());
    for (i, h) in s.hubs.iter().enumerate() {
        let mut p = JsonObject::new();
        p.insert("layer".into(), "hub".into());
        p.insert("id".into(), h.id.clone().into());
        p.insert("name".into(), h.name.clone().into());
        p.insert(
            "kind".into(),
            serde_json::to_value(h.kind).unwrap_or(Value::Null),
        );
        p.insert("teu_per_day".into(), number(loads.hub_teu[i]));
        features.push(Feature {
            geometry: Some(Geometry::new_point([h.lon, h.lat])),
            properties: Some(p),
            ..Feature::default()
        });
    }
    for (i, link) in s.links.iter().enumerate() {
        let (a, b) = (s.hub(link.from), s.hub(link.to));
        let mut p = JsonObject::new();
        p.insert("layer".into(), "link".into());
        p.insert("id".into(), link.id.clone().into());
        p.insert("from".into(), a.id.clone().into());
        p.insert("to".into(), b.id.clone().into());
        p.insert("mode".into(), link.mode.as_str().into());
        p.insert(
            "corridor".into(),
            link.corridor
                .map_or(Value::Null, |c| s.corridors[c.index()].id.clone().into()),
        );
        p.insert("distance_km".into(), number(link.distance_km));
        p.insert("teu_per_day".into(), number(loads.link_teu[i]));
        for (corridor, teu) in &loads.link_by_corridor[i] {
            p.insert(format!("teu_per_day_{corridor}"), number(*teu));
        }
        features.push(Feature {
            geometry: Some(Geometry::new_line_string([[a.lon, a.lat], [b.lon, b.lat]])),
            properties: Some(p),
            ..Feature::default()
        });
    }
    FeatureCollection::new(features)
}

/// The candidate zones of a comparison as points at their coordinates, with rank, score
/// (mean and 95 % interval, USD per TEU), `prob_best` and the score components, in
/// ranking order; the figures are those of `zone_ranking.csv`.
#[must_use]
pub fn zones(
    scenario: &crate::scenario::Scenario,
    comparison: &crate::compare::zones::ZoneComparison,
) -> FeatureCollection {
    let features = comparison
        .ranking
        .iter()
        .filter_map(|z| {
            let c = &scenario.candidates[scenario.candidate_by_id(&z.zone)?.index()];
            let mut p = JsonObject::new();
            p.insert("layer".into(), "zone".into());
            p.insert("id".into(), z.zone.clone().into());
            p.insert("name".into(), z.name.clone().into());
            p.insert("rank".into(), z.rank.into());
            p.insert("score_usd_per_teu".into(), number(z.score.mean));
            p.insert("score_ci95_low".into(), number(z.score.ci95_low));
            p.insert("score_ci95_high".into(), number(z.score.ci95_high));
            p.insert("prob_best".into(), number(z.prob_best));
            p.insert(
                "generalized_cost_usd_per_teu".into(),
                number(z.generalized_cost),
            );
            p.insert("reliability_usd_per_teu".into(), number(z.reliability));
            p.insert("redundancy_usd_per_teu".into(), number(z.redundancy));
            p.insert(
                "existing_traffic_usd_per_teu".into(),
                number(z.existing_traffic),
            );
            let names = [
                "generalized_cost",
                "reliability",
                "redundancy",
                "existing_traffic",
            ];
            for (name, term) in names.iter().zip(z.terms()) {
                p.insert(format!("{name}_term_usd_per_teu"), number(term));
            }
            Some(Feature {
                geometry: Some(Geometry::new_point([c.lon, c.lat])),
                properties: Some(p),
                ..Feature::default()
            })
        })
        .collect::<Vec<_>>();
    FeatureCollection::new(features)
}

/// Writes `layer` as `dir/name` atomically, pretty-printed with a trailing newline.
///
/// # Errors
/// Any I/O error; a previous file is then left unchanged.
pub fn write(dir: &Path, name: &str, layer: &FeatureCollection) -> io::Result<()> {
    write_atomic(&dir.join(name), |w| {
        serde_json::to_writer_pretty(&mut *w, layer)?;
        io::Write::write_all(w, b"\n")
    })
}
