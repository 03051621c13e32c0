//! Map layers (GeoJSON, RFC 7946) for QGIS or any GIS: `network.geojson` from `run`, the
//! network with the freight on it (from `site-scan`, the network alone: no freight
//! properties), `zones.geojson` from `compare-zones`, the candidate
//! zones with their ranking, and `diff.geojson` from `diff`, the differences between two
//! scenarios.
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
//! destination included).
//!
//! `diff.geojson` from `diff` puts A and B on one map: every hub and link of either
//! scenario (B's first, in its file order, then A's own), with `teu_per_day_a`,
//! `teu_per_day_b` and `teu_per_day_diff` (B − A; a side without the hub or link counts 0
//! and its own property is `null`), and for each facility — `transfer`, `customs` on a hub,
//! `bottleneck` on a link — the mean wait in queue in A and B, the paired difference with
//! its 95 % interval and whether it is significant (`<facility>_wait_h_a`, `…_b`,
//! `…_diff`, `…_diff_ci95_low`, `…_diff_ci95_high`, `…_significant`, as in
//! `diff_hub.csv`), and its `<facility>_recovery_days` where a disruption touches it. Features come in file order and properties in key order, so
//! the file is byte-identical whatever the thread count.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject};
use serde_json::Value;

use super::atomic::write_atomic;
use crate::compare::paired::PairedRow;
use crate::run::Compiled;
use crate::sim::aggregate::Aggregate;
use crate::stats::Summary;

/// File name of the network layer.
pub const NETWORK_GEOJSON: &str = "network.geojson";
/// File name of the zone-ranking layer.
pub const ZONES_GEOJSON: &str = "zones.geojson";
/// File name of the layer of differences between two scenarios.
pub const DIFF_GEOJSON: &str = "diff.geojson";

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

/// A hub's own properties: layer, id, name, kind.
fn hub_properties(h: &crate::scenario::Hub) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("layer".into(), "hub".into());
    p.insert("id".into(), h.id.clone().into());
    p.insert("name".into(), h.name.clone().into());
    if let Some(zh) = &h.name_zh {
        p.insert("name_zh".into(), zh.clone().into());
    }
    p.insert(
        "kind".into(),
        serde_json::to_value(h.kind).unwrap_or(Value::Null),
    );
    p
}

/// A link's own properties: layer, id, its hubs, mode, corridor, length.
fn link_properties(s: &crate::scenario::Scenario, link: &crate::scenario::Link) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("layer".into(), "link".into());
    p.insert("id".into(), link.id.clone().into());
    p.insert("from".into(), s.hub(link.from).id.clone().into());
    p.insert("to".into(), s.hub(link.to).id.clone().into());
    p.insert("mode".into(), link.mode.as_str().into());
    p.insert(
        "corridor".into(),
        link.corridor
            .map_or(Value::Null, |c| s.corridors[c.index()].id.clone().into()),
    );
    p.insert("distance_km".into(), number(link.distance_km));
    p
}

/// The hubs and links of A and B, with the freight each put on them and the paired
/// differences of their facilities' waits (`hub_rows`: the `diff_hub.csv` rows;
/// `recovery`: B's recovery by facility key). See the module docs.
#[must_use]
pub fn diff(
    a: (&Compiled<'_>, &Aggregate),
    b: (&Compiled<'_>, &Aggregate),
    hub_rows: &[PairedRow],
    recovery: Option<&BTreeMap<Vec<String>, f64>>,
) -> FeatureCollection {
    let (sa, sb) = (a.0.scenario, b.0.scenario);
    let (la, lb) = (loads(a.0, a.1), loads(b.0, b.1));
    let waits = |p: &mut JsonObject, id: &str, facility: &str| {
        let keys = [id.to_string(), facility.to_string()];
        let Some(r) = hub_rows
            .iter()
            .find(|r| r.metric == "wait_h_mean" && r.keys == keys)
        else {
            return;
        };
        let mean = |s: Option<Summary>| s.map_or(Value::Null, |s| number(s.mean));
        p.insert(format!("{facility}_wait_h_a"), mean(r.a));
        p.insert(format!("{facility}_wait_h_b"), mean(r.b));
        p.insert(format!("{facility}_wait_h_diff"), mean(r.diff));
        let ci = |f: fn(&Summary) -> f64| {
            r.diff
                .filter(|d| d.n >= 2)
                .map_or(Value::Null, |d| number(f(&d)))
        };
        p.insert(
            format!("{facility}_wait_h_diff_ci95_low"),
            ci(|d| d.ci95_low),
        );
        p.insert(
            format!("{facility}_wait_h_diff_ci95_high"),
            ci(|d| d.ci95_high),
        );
        p.insert(format!("{facility}_significant"), r.significant().into());
        if let Some(days) = recovery.and_then(|m| m.get(keys.as_slice())) {
            p.insert(format!("{facility}_recovery_days"), number(*days));
        }
    };
    let pair = |x: Option<f64>, y: Option<f64>, p: &mut JsonObject| {
        let value = |v: Option<f64>| v.map_or(Value::Null, number);
        p.insert("teu_per_day_a".into(), value(x));
        p.insert("teu_per_day_b".into(), value(y));
        p.insert(
            "teu_per_day_diff".into(),
            number(y.unwrap_or(0.0) - x.unwrap_or(0.0)),
        );
    };
    let mut features = Vec::new();
    let hubs = sb.hubs.iter().map(|h| (h, true)).chain(
        sa.hubs
            .iter()
            .filter(|h| sb.hub_by_id(&h.id).is_none())
            .map(|h| (h, false)),
    );
    for (h, in_b) in hubs {
        let at_a = sa.hub_by_id(&h.id).map(|i| la.hub_teu[i.index()]);
        let at_b = sb.hub_by_id(&h.id).map(|i| lb.hub_teu[i.index()]);
        let mut p = hub_properties(h);
        p.insert("in_a".into(), at_a.is_some().into());
        p.insert("in_b".into(), in_b.into());
        pair(at_a, at_b, &mut p);
        waits(&mut p, &h.id, "transfer");
        waits(&mut p, &h.id, "customs");
        features.push(Feature {
            geometry: Some(Geometry::new_point([h.lon, h.lat])),
            properties: Some(p),
            ..Feature::default()
        });
    }
    let links = sb.links.iter().map(|l| (sb, l)).chain(
        sa.links
            .iter()
            .filter(|l| !sb.links.iter().any(|x| x.id == l.id))
            .map(|l| (sa, l)),
    );
    let link_index =
        |s: &crate::scenario::Scenario, id: &str| s.links.iter().position(|l| l.id == id);
    for (s, link) in links {
        let (from, to) = (s.hub(link.from), s.hub(link.to));
        let at_a = link_index(sa, &link.id).map(|i| la.link_teu[i]);
        let at_b = link_index(sb, &link.id).map(|i| lb.link_teu[i]);
        let mut p = link_properties(s, link);
        p.insert("in_a".into(), at_a.is_some().into());
        p.insert("in_b".into(), at_b.is_some().into());
        pair(at_a, at_b, &mut p);
        waits(&mut p, &link.id, "bottleneck");
        features.push(Feature {
            geometry: Some(Geometry::new_line_string([
                [from.lon, from.lat],
                [to.lon, to.lat],
            ])),
            properties: Some(p),
            ..Feature::default()
        });
    }
    FeatureCollection::new(features)
}

/// The network layer of a run: hubs and links with the freight the run put on them.
#[must_use]
pub fn network(compiled: &Compiled<'_>, agg: &Aggregate) -> FeatureCollection {
    let s = compiled.scenario;
    let loads = loads(compiled, agg);
    let mut layer = network_outline(s);
    // The outline holds the hubs, then the links, in file order.
    let (hubs, links) = layer.features.split_at_mut(s.hubs.len());
    for (f, teu) in hubs.iter_mut().zip(&loads.hub_teu) {
        let p = f.properties.get_or_insert_with(JsonObject::new);
        p.insert("teu_per_day".into(), number(*teu));
    }
    for (i, f) in links.iter_mut().enumerate() {
        let p = f.properties.get_or_insert_with(JsonObject::new);
        p.insert("teu_per_day".into(), number(loads.link_teu[i]));
        for (corridor, teu) in &loads.link_by_corridor[i] {
            p.insert(format!("teu_per_day_{corridor}"), number(*teu));
        }
    }
    layer
}

/// The network alone, hubs and links with their own properties and no freight: the map
/// a site scan's heat map is drawn under, for orientation (a scan keeps no run's flows).
#[must_use]
pub fn network_outline(s: &crate::scenario::Scenario) -> FeatureCollection {
    let hubs = s.hubs.iter().map(|h| Feature {
        geometry: Some(Geometry::new_point([h.lon, h.lat])),
        properties: Some(hub_properties(h)),
        ..Feature::default()
    });
    let links = s.links.iter().map(|link| {
        let (a, b) = (s.hub(link.from), s.hub(link.to));
        Feature {
            geometry: Some(Geometry::new_line_string([[a.lon, a.lat], [b.lon, b.lat]])),
            properties: Some(link_properties(s, link)),
            ..Feature::default()
        }
    });
    FeatureCollection::new(hubs.chain(links).collect::<Vec<_>>())
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
            if let Some(zh) = &z.name_zh {
                p.insert("name_zh".into(), zh.clone().into());
            }
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
