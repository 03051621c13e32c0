//! Ranking candidate zones by connectivity.
//!
//! Each candidate is plugged in alone with the same `[compare]` probe flows, so zones
//! compete on where they sit in the network, not on their own volumes. Every run shares
//! the seed of the base run, so all zones face the same random numbers. Per replication
//! a zone gets a score in USD per TEU of probe freight (lower is better connected):
//!
//! `score = w_gc · GC + w_rel · REL + w_red · RED + w_ext · EXT`, where
//!
//! - **GC** — probe-weighted generalized cost to the markets: mean money cost plus value of
//!   time × mean transit time of the shipments delivered in that replication;
//! - **REL** — probe-weighted value of time × (p95 − p50) of transit time: the buffer a
//!   shipper must plan for;
//! - **RED** — redundancy: the rise in expected generalized cost (from route choice) when the
//!   zone's best corridor to each market is closed; a market left unreachable counts its
//!   whole generalized cost again;
//! - **EXT** — what the zone's traffic costs existing flows: Σ over existing flows of TEU/day
//!   × value of time × change in mean transit time (paired with the base run), per TEU/day
//!   of probe freight.
//!
//! The weights come from `[compare] weights`. `prob_best` is the share of replications in
//! which the zone has the lowest score; rank 1 has the lowest mean score.

use crate::ids::{CandidateId, DemandId};
use crate::output::tables::{Table, num};
use crate::routing;
use crate::run::{self, RunError, Simulated};
use crate::scenario::{Scenario, ScoreWeights};
use crate::stats::Summary;
use rayon::prelude::*;

/// One zone's figures to one probe market (across-replication means).
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneMarket {
    /// Candidate id.
    pub zone: String,
    /// Market hub id.
    pub market: String,
    /// Transit time summaries, days: mean (with CI), p50, p95.
    pub transit_days: Option<Summary>,
    /// Mean of per-replication medians, days.
    pub transit_days_p50: Option<f64>,
    /// Mean of per-replication 95th percentiles, days.
    pub transit_days_p95: Option<f64>,
    /// Mean money cost, USD per TEU.
    pub cost_usd_per_teu: Option<f64>,
    /// Mean generalized cost, USD per TEU.
    pub generalized_cost_usd_per_teu: Option<f64>,
    /// Share delivered within the due time.
    pub on_time_share: Option<f64>,
    /// Main corridor of the best route.
    pub best_corridor: Option<String>,
    /// Distinct main corridors among the routes expected within the due time.
    pub corridors_within_due: usize,
}

/// One zone's rank and score.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneRank {
    /// Candidate id.
    pub zone: String,
    /// Candidate name.
    pub name: String,
    /// 1 = best connected.
    pub rank: usize,
    /// Score across replications, USD per TEU of probe freight.
    pub score: Summary,
    /// Share of replications in which this zone scored best.
    pub prob_best: f64,
    /// Mean GC component.
    pub generalized_cost: f64,
    /// Mean REL component.
    pub reliability: f64,
    /// RED component (from route choice; the same in every replication).
    pub redundancy: f64,
    /// Mean EXT component.
    pub existing_traffic: f64,
}

/// The outcome of a zone comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneComparison {
    /// Zone × market figures, zones in candidate order, markets in `[compare]` order.
    pub markets: Vec<ZoneMarket>,
    /// Zones, best first.
    pub ranking: Vec<ZoneRank>,
}

/// Simulates the base scenario and each candidate plugged in with the probe flows, and
/// ranks them. Runs zones and replications in parallel on the current rayon pool;
/// `on_done` is called once per finished replication (of `(zones + 1) × replications`).
///
/// # Errors
///
/// [`RunError`] when a plugged-in scenario cannot be compiled.
///
/// # Panics
///
/// If `[compare]` has no markets (callers check first).
pub fn compare_zones(
    base: &Scenario,
    zones: &[CandidateId],
    on_done: &(dyn Fn() + Sync),
) -> Result<ZoneComparison, RunError> {
    let markets = &base.compare.markets;
    assert!(!markets.is_empty(), "[compare] needs at least one market");
    let scenarios: Vec<Scenario> = zones
        .iter()
        .map(|&z| base.with_candidate_flows(z, markets))
        .collect();
    let (base_run, zone_runs) = rayon::join(
        || run::simulate(base, on_done),
        || {
            scenarios
                .par_iter()
                .map(|s| run::simulate(s, on_done))
                .collect::<Result<Vec<_>, _>>()
        },
    );
    let base_run = base_run?;
    let zone_runs = zone_runs?;

    let redundancy: Vec<f64> = zone_runs
        .par_iter()
        .map(|z| redundancy_of(z, base.demand.len()))
        .collect();
    let components: Vec<Components> = zone_runs
        .iter()
        .zip(&redundancy)
        .map(|(z, &red)| Components::of(&base_run, z, red))
        .collect();
    let w = base.compare.weights;
    let scores: Vec<Vec<f64>> = components.iter().map(|c| c.scores(&w)).collect();
    let reps = base.meta.replications as usize;
    let mut best_count = vec![0usize; zones.len()];
    for r in 0..reps {
        // Ties go to the zone listed first.
        let best = scores
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| a[r].total_cmp(&b[r]))
            .map(|(i, _)| i);
        if let Some(b) = best {
            best_count[b] += 1;
        }
    }
    let mut ranking: Vec<ZoneRank> = zones
        .iter()
        .enumerate()
        .map(|(i, &z)| {
            let c = &base.candidates[z.index()];
            ZoneRank {
                zone: c.id.clone(),
                name: c.name.clone(),
                rank: 0,
                score: Summary::of_replications(&scores[i]),
                prob_best: best_count[i] as f64 / reps as f64,
                generalized_cost: mean(&components[i].gc),
                reliability: mean(&components[i].rel),
                redundancy: components[i].red,
                existing_traffic: mean(&components[i].ext),
            }
        })
        .collect();
    ranking.sort_by(|a, b| {
        a.score
            .mean
            .total_cmp(&b.score.mean)
            .then_with(|| a.zone.cmp(&b.zone))
    });
    for (i, r) in ranking.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    let markets = zone_runs
        .iter()
        .zip(zones)
        .flat_map(|(z, &cid)| zone_markets(z, &base.candidates[cid.index()].id, base.demand.len()))
        .collect();
    Ok(ZoneComparison { markets, ranking })
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// Per-replication score components of one zone.
struct Components {
    gc: Vec<f64>,
    rel: Vec<f64>,
    red: f64,
    ext: Vec<f64>,
}

impl Components {
    fn of(base: &Simulated<'_>, zone: &Simulated<'_>, red: f64) -> Self {
        let s = zone.scenario;
        let first_probe = base.scenario.demand.len();
        let probes: Vec<usize> = (first_probe..s.demand.len()).collect();
        let probe_teu: f64 = probes.iter().map(|&d| s.demand[d].teu_per_day).sum();
        let reps = zone.results.len();
        let mut gc = Vec::with_capacity(reps);
        let mut rel = Vec::with_capacity(reps);
        let mut ext = Vec::with_capacity(reps);
        for r in 0..reps {
            let (mut g, mut l) = (0.0, 0.0);
            for &d in &probes {
                let flow = &s.demand[d];
                let od = &zone.results[r].od[d];
                let w = flow.teu_per_day / probe_teu;
                let planned = planned(zone, d);
                let (t_mean, spread) = od.transit.map_or((planned.0, planned.1), |t| {
                    (t.mean_days, t.p95_days - t.p50_days)
                });
                let cost = od.cost_usd_per_teu_mean.unwrap_or(planned.2);
                g += w * (cost + flow.vot_usd_per_teu_day * t_mean);
                l += w * flow.vot_usd_per_teu_day * spread;
            }
            gc.push(g);
            rel.push(l);
            let mut e = 0.0;
            for (d, flow) in base.scenario.demand.iter().enumerate() {
                let before = base.results[r].od[d].transit.map(|t| t.mean_days);
                let after = zone.results[r].od[d].transit.map(|t| t.mean_days);
                if let (Some(b), Some(a)) = (before, after) {
                    e += flow.teu_per_day * flow.vot_usd_per_teu_day * (a - b);
                }
            }
            ext.push(e / probe_teu);
        }
        Self { gc, rel, red, ext }
    }

    fn scores(&self, w: &ScoreWeights) -> Vec<f64> {
        (0..self.gc.len())
            .map(|r| {
                w.generalized_cost * self.gc[r]
                    + w.reliability * self.rel[r]
                    + w.redundancy * self.red
                    + w.existing_traffic * self.ext[r]
            })
            .collect()
    }
}

/// Share-weighted expected (transit days, p95 − p50 proxy days, cost) of a flow's planned
/// routes: the fallback for a replication that delivered none of the flow's shipments.
fn planned(sim: &Simulated<'_>, d: usize) -> (f64, f64, f64) {
    let routes = &sim.plan.per_demand[d];
    let (mut t, mut sd, mut c) = (0.0, 0.0, 0.0);
    for r in routes {
        t += r.share * r.time_h / 24.0;
        // For a normal spread, p95 − p50 ≈ 1.645 σ.
        sd += r.share * 1.645 * r.sd_time_h / 24.0;
        c += r.share * r.cost_usd_per_teu;
    }
    (t, sd, c)
}

/// RED: probe-weighted rise in best generalized cost when each market's best corridor
/// is closed (unreachable: the whole generalized cost again).
fn redundancy_of(zone: &Simulated<'_>, first_probe: usize) -> f64 {
    let s = zone.scenario;
    let probe_teu: f64 = s.demand[first_probe..].iter().map(|d| d.teu_per_day).sum();
    let mut total = 0.0;
    for d in first_probe..s.demand.len() {
        let routes = &zone.plan.per_demand[d];
        let Some(best_gc) = routes
            .iter()
            .map(|r| r.generalized_cost_usd_per_teu)
            .min_by(f64::total_cmp)
        else {
            continue;
        };
        let range = zone.routes.range_of(DemandId::new(d));
        let Some(corridor) = zone.routes.routes()[range]
            .first()
            .and_then(|r| r.main_corridor)
        else {
            continue;
        };
        let closed = s.without_corridor(corridor);
        let plan = routing::plan(&closed);
        let alternative = plan.per_demand[d]
            .iter()
            .map(|r| r.generalized_cost_usd_per_teu)
            .min_by(f64::total_cmp);
        let rise = alternative.map_or(best_gc, |a| (a - best_gc).max(0.0));
        total += s.demand[d].teu_per_day / probe_teu * rise;
    }
    total
}

fn zone_markets(zone: &Simulated<'_>, zone_id: &str, first_probe: usize) -> Vec<ZoneMarket> {
    let s = zone.scenario;
    (first_probe..s.demand.len())
        .map(|d| {
            let flow = &s.demand[d];
            let per_rep = |f: &dyn Fn(&crate::sim::result::OdRep) -> Option<f64>| -> Vec<f64> {
                zone.results.iter().filter_map(|r| f(&r.od[d])).collect()
            };
            let opt_mean = |xs: Vec<f64>| (!xs.is_empty()).then(|| mean(&xs));
            let transit = per_rep(&|o| o.transit.map(|t| t.mean_days));
            let gc = per_rep(&|o| {
                Some(o.cost_usd_per_teu_mean? + flow.vot_usd_per_teu_day * o.transit?.mean_days)
            });
            let range = zone.routes.range_of(DemandId::new(d));
            let compiled = &zone.routes.routes()[range];
            let plan = &zone.plan.per_demand[d];
            let mut within: Vec<_> = plan
                .iter()
                .zip(compiled)
                .filter(|(r, _)| r.time_h <= flow.due_days * 24.0)
                .filter_map(|(_, c)| c.main_corridor)
                .collect();
            within.sort();
            within.dedup();
            ZoneMarket {
                zone: zone_id.to_string(),
                market: s.hub(flow.to).id.clone(),
                transit_days: (!transit.is_empty()).then(|| Summary::of_replications(&transit)),
                transit_days_p50: opt_mean(per_rep(&|o| o.transit.map(|t| t.p50_days))),
                transit_days_p95: opt_mean(per_rep(&|o| o.transit.map(|t| t.p95_days))),
                cost_usd_per_teu: opt_mean(per_rep(&|o| o.cost_usd_per_teu_mean)),
                generalized_cost_usd_per_teu: opt_mean(gc),
                on_time_share: opt_mean(per_rep(&|o| o.on_time_share)),
                best_corridor: compiled
                    .first()
                    .and_then(|c| c.main_corridor)
                    .map(|c| s.corridors[c.index()].id.clone()),
                corridors_within_due: within.len(),
            }
        })
        .collect()
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(String::new, num)
}

/// `zone_market.csv`.
pub fn market_table(scenario: &str, c: &ZoneComparison) -> Table {
    const HEADER: &[&str] = &[
        "scenario",
        "zone",
        "market",
        "transit_days_mean",
        "transit_days_ci95_low",
        "transit_days_ci95_high",
        "transit_days_p50",
        "transit_days_p95",
        "cost_usd_per_teu_mean",
        "generalized_cost_usd_per_teu_mean",
        "on_time_share",
        "best_corridor",
        "corridors_within_due",
    ];
    let rows = c
        .markets
        .iter()
        .map(|m| {
            vec![
                scenario.to_string(),
                m.zone.clone(),
                m.market.clone(),
                opt(m.transit_days.map(|s| s.mean)),
                opt(m.transit_days.map(|s| s.ci95_low)),
                opt(m.transit_days.map(|s| s.ci95_high)),
                opt(m.transit_days_p50),
                opt(m.transit_days_p95),
                opt(m.cost_usd_per_teu),
                opt(m.generalized_cost_usd_per_teu),
                opt(m.on_time_share),
                m.best_corridor.clone().unwrap_or_default(),
                m.corridors_within_due.to_string(),
            ]
        })
        .collect();
    Table {
        file: "zone_market.csv",
        header: HEADER,
        rows,
    }
}

/// `zone_ranking.csv`.
pub fn ranking_table(scenario: &str, c: &ZoneComparison) -> Table {
    const HEADER: &[&str] = &[
        "scenario",
        "zone",
        "rank",
        "score",
        "score_ci95_low",
        "score_ci95_high",
        "prob_best",
        "generalized_cost_usd_per_teu",
        "reliability_usd_per_teu",
        "redundancy_usd_per_teu",
        "existing_traffic_usd_per_teu",
        "name",
    ];
    let rows = c
        .ranking
        .iter()
        .map(|r| {
            vec![
                scenario.to_string(),
                r.zone.clone(),
                r.rank.to_string(),
                num(r.score.mean),
                num(r.score.ci95_low),
                num(r.score.ci95_high),
                num(r.prob_best),
                num(r.generalized_cost),
                num(r.reliability),
                num(r.redundancy),
                num(r.existing_traffic),
                r.name.clone(),
            ]
        })
        .collect();
    Table {
        file: "zone_ranking.csv",
        header: HEADER,
        rows,
    }
}
