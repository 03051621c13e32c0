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
//! - **REL** — probe-weighted value of time × the buffer a shipper plans: each route's own
//!   p95 − p50 of transit time, weighted by its share of the flow's delivered shipments
//!   (not the spread of all routes' shipments together, which would measure the mix of
//!   a fast and a slow corridor rather than the reliability of either);
//! - **RED** — redundancy: the rise in expected generalized cost (from route choice) when the
//!   zone's best corridor to each market is closed; a market left unreachable counts its
//!   whole generalized cost again. A zone reaches the network through its connectors and
//!   the scenario's roads beyond them, so a zone with one connector is not cut off from a
//!   terminal the scenario's roads lead to; a zone that is cut off by the network itself
//!   (no road from its hubs to the only other corridor) does pay for it here;
//! - **EXT** — what the zone's traffic costs existing flows: Σ over existing flows of TEU/day
//!   × value of time × change in mean transit time (paired with the base run), per TEU/day
//!   of probe freight.
//!
//! The weights come from `[compare] weights`. `prob_best` is the share of replications in
//! which the zone has the lowest score; rank 1 has the lowest mean score.

use crate::ids::{CandidateId, DemandId};
use crate::output::tables::{Table, num};
use crate::routing;
use crate::run::{Compiled, RunError};
use crate::scenario::{Scenario, ScoreWeights};
use crate::sim::result::OdRep;
use crate::sim::{self, Model, ReplicationResult, RouteTable};
use crate::stats::{Summary, Welford};
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
/// ranks them. Runs zones and replications in parallel on the current rayon pool, side by
/// side in batches, accumulating every figure as replications finish, so memory does not
/// grow with the number of replications; `on_done` is called once per finished
/// replication (of `(zones + 1) × replications`).
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
        || Compiled::new(base),
        || {
            scenarios
                .par_iter()
                .map(Compiled::new)
                .collect::<Result<Vec<_>, _>>()
        },
    );
    let base_run = base_run?;
    let zone_runs = zone_runs?;

    let redundancy: Vec<f64> = zone_runs
        .par_iter()
        .map(|z| redundancy_of(z, base.demand.len()))
        .collect();
    let w = base.compare.weights;
    let mut components: Vec<Components> = zone_runs
        .iter()
        .zip(&redundancy)
        .map(|(z, &red)| Components::new(&base_run, z, red))
        .collect();
    let mut markets: Vec<Vec<MarketMerge>> = zone_runs
        .iter()
        .map(|z| vec![MarketMerge::default(); z.scenario.demand.len() - base.demand.len()])
        .collect();
    let runs: Vec<(&Model<'_>, &RouteTable)> = std::iter::once(&base_run)
        .chain(&zone_runs)
        .map(|c| (&c.model, &c.routes))
        .collect();
    let mut best_count = vec![0usize; zones.len()];
    sim::run_replications_side_by_side(&runs, base.meta.replications, on_done, &mut |r| {
        let (base_rep, zone_reps) = (r[0], &r[1..]);
        let mut best: Option<(usize, f64)> = None;
        for (z, zone_rep) in zone_reps.iter().enumerate() {
            let score = components[z].push(&base_run, &zone_runs[z], base_rep, zone_rep, &w);
            // Ties go to the zone listed first.
            if best.is_none_or(|(_, b)| score.total_cmp(&b).is_lt()) {
                best = Some((z, score));
            }
            let first_probe = base.demand.len();
            for (m, merge) in markets[z].iter_mut().enumerate() {
                let d = first_probe + m;
                merge.push(
                    &zone_rep.od[d],
                    zone_runs[z].scenario.demand[d].vot_usd_per_teu_day,
                );
            }
        }
        if let Some((b, _)) = best {
            best_count[b] += 1;
        }
    });

    let reps = base.meta.replications as usize;
    let mut ranking: Vec<ZoneRank> = zones
        .iter()
        .enumerate()
        .map(|(i, &z)| {
            let c = &base.candidates[z.index()];
            let parts = &components[i];
            ZoneRank {
                zone: c.id.clone(),
                name: c.name.clone(),
                rank: 0,
                score: Summary::of_welford(&parts.score),
                prob_best: best_count[i] as f64 / reps as f64,
                generalized_cost: parts.gc.mean(),
                reliability: parts.rel.mean(),
                redundancy: parts.red,
                existing_traffic: parts.ext.mean(),
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
        .zip(&markets)
        .flat_map(|((z, &cid), merged)| {
            zone_markets(
                z,
                &base.candidates[cid.index()].id,
                base.demand.len(),
                merged,
            )
        })
        .collect();
    Ok(ZoneComparison { markets, ranking })
}

/// The mean of values seen one at a time: their sum in the order seen, over their count.
#[derive(Clone, Copy, Debug, Default)]
struct Mean {
    sum: f64,
    count: usize,
}

impl Mean {
    fn push(&mut self, x: f64) {
        // The standard library's float sum starts from −0.0 too.
        if self.count == 0 {
            self.sum = -0.0;
        }
        self.sum += x;
        self.count += 1;
    }

    fn push_some(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            self.push(x);
        }
    }

    /// 0 when nothing was seen.
    fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    fn some(&self) -> Option<f64> {
        (self.count > 0).then(|| self.mean())
    }
}

/// One zone's score components, accumulated replication by replication.
struct Components {
    /// Probe flows: index and weight (share of the probe TEU).
    probes: Vec<(usize, f64)>,
    probe_teu: f64,
    gc: Mean,
    rel: Mean,
    red: f64,
    ext: Mean,
    score: Welford,
}

impl Components {
    fn new(base: &Compiled<'_>, zone: &Compiled<'_>, red: f64) -> Self {
        let s = zone.scenario;
        let first_probe = base.scenario.demand.len();
        let probe_teu: f64 = (first_probe..s.demand.len())
            .map(|d| s.demand[d].teu_per_day)
            .sum();
        let probes = (first_probe..s.demand.len())
            .map(|d| (d, s.demand[d].teu_per_day / probe_teu))
            .collect();
        Self {
            probes,
            probe_teu,
            gc: Mean::default(),
            rel: Mean::default(),
            red,
            ext: Mean::default(),
            score: Welford::default(),
        }
    }

    /// Counts the next replication (base and zone results of the same replication) and
    /// returns the zone's score in it.
    fn push(
        &mut self,
        base: &Compiled<'_>,
        zone: &Compiled<'_>,
        base_rep: &ReplicationResult,
        zone_rep: &ReplicationResult,
        w: &ScoreWeights,
    ) -> f64 {
        let s = zone.scenario;
        let (mut g, mut l) = (0.0, 0.0);
        for &(d, weight) in &self.probes {
            let flow = &s.demand[d];
            let od = &zone_rep.od[d];
            let planned = planned(zone, d);
            let t_mean = od.transit.map_or(planned.0, |t| t.mean_days);
            let range = zone.routes.range_of(DemandId::new(d));
            let spread = route_buffer_days(&zone_rep.routes[range]).unwrap_or(planned.1);
            let cost = od.cost_usd_per_teu_mean.unwrap_or(planned.2);
            g += weight * (cost + flow.vot_usd_per_teu_day * t_mean);
            l += weight * flow.vot_usd_per_teu_day * spread;
        }
        let mut e = 0.0;
        for (d, flow) in base.scenario.demand.iter().enumerate() {
            let before = base_rep.od[d].transit.map(|t| t.mean_days);
            let after = zone_rep.od[d].transit.map(|t| t.mean_days);
            if let (Some(b), Some(a)) = (before, after) {
                e += flow.teu_per_day * flow.vot_usd_per_teu_day * (a - b);
            }
        }
        let e = e / self.probe_teu;
        self.gc.push(g);
        self.rel.push(l);
        self.ext.push(e);
        let score = w.generalized_cost * g
            + w.reliability * l
            + w.redundancy * self.red
            + w.existing_traffic * e;
        self.score.push(score);
        score
    }
}

/// One zone's figures to one probe market, accumulated replication by replication.
#[derive(Clone, Copy, Debug, Default)]
struct MarketMerge {
    transit: Welford,
    p50: Mean,
    p95: Mean,
    cost: Mean,
    gc: Mean,
    on_time: Mean,
}

impl MarketMerge {
    fn push(&mut self, o: &OdRep, vot_usd_per_teu_day: f64) {
        if let Some(t) = o.transit {
            self.transit.push(t.mean_days);
        }
        self.p50.push_some(o.transit.map(|t| t.p50_days));
        self.p95.push_some(o.transit.map(|t| t.p95_days));
        self.cost.push_some(o.cost_usd_per_teu_mean);
        self.gc.push_some(
            o.cost_usd_per_teu_mean
                .zip(o.transit)
                .map(|(c, t)| c + vot_usd_per_teu_day * t.mean_days),
        );
        self.on_time.push_some(o.on_time_share);
    }
}

/// The buffer a shipper plans on the routes a flow used in one replication: each route's
/// own p95 − p50 of transit days, weighted by its share of the flow's delivered shipments.
/// `None` when none was delivered.
///
/// Taken per route, not over the flow's shipments together: a flow split between a
/// 17-day train and a 45-day ship has a huge spread as a mixture, yet a shipper on either
/// route plans only that route's own buffer.
fn route_buffer_days(routes: &[crate::sim::result::RouteRep]) -> Option<f64> {
    let delivered: u64 = routes.iter().map(|r| r.delivered).sum();
    (delivered > 0).then(|| {
        routes
            .iter()
            .filter_map(|r| {
                let spread = r.transit_days_p95? - r.transit_days_p50?;
                Some(r.delivered as f64 / delivered as f64 * spread)
            })
            .sum()
    })
}

/// Share-weighted expected (transit days, p95 − p50 proxy days, cost) of a flow's planned
/// routes: the fallback for a replication that delivered none of the flow's shipments.
fn planned(sim: &Compiled<'_>, d: usize) -> (f64, f64, f64) {
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
fn redundancy_of(zone: &Compiled<'_>, first_probe: usize) -> f64 {
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

fn zone_markets(
    zone: &Compiled<'_>,
    zone_id: &str,
    first_probe: usize,
    merged: &[MarketMerge],
) -> Vec<ZoneMarket> {
    let s = zone.scenario;
    (first_probe..s.demand.len())
        .zip(merged)
        .map(|(d, m)| {
            let flow = &s.demand[d];
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
                transit_days: (m.transit.count() > 0).then(|| Summary::of_welford(&m.transit)),
                transit_days_p50: m.p50.some(),
                transit_days_p95: m.p95.some(),
                cost_usd_per_teu: m.cost.some(),
                generalized_cost_usd_per_teu: m.gc.some(),
                on_time_share: m.on_time.some(),
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
