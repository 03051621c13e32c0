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

use super::kn::{self, KimNelson, KnError};
use crate::ids::{CandidateId, DemandId};
use crate::output::tables::{Table, num, zh};
use crate::routing;
use crate::run::{Collect, Compiled, RunError};
use crate::scenario::{Procedure, Scenario, ScoreWeights};
use crate::sim::result::OdRep;
use crate::sim::{self, Model, ReplicationResult, RouteTable};
use crate::stats::{Summary, Welford};
use rayon::prelude::*;

/// One zone's figures to one probe market (across-replication means).
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneMarket {
    /// Candidate id.
    pub zone: String,
    /// Candidate name, and its Chinese name if given.
    pub zone_name: (String, Option<String>),
    /// Market hub id.
    pub market: String,
    /// Market hub name, and its Chinese name if given.
    pub market_name: (String, Option<String>),
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
    /// Main corridor of the route with the lowest planned generalized cost (the route
    /// ranked first; not necessarily the one most freight takes).
    pub lowest_gc_route_corridor: Option<String>,
    /// Distinct main corridors among the routes expected within the due time.
    pub corridors_within_due: usize,
}

/// How a zone fared in a sequential selection ([`Procedure::KimNelson`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Replications the zone received.
    pub replications: u32,
    /// The replication after which it was eliminated (`None`: never).
    pub eliminated_at: Option<u32>,
    /// Whether it is among the zones left when the procedure stopped: the selected best
    /// if it is alone, else the set that could not be separated within the budget.
    pub in_final_set: bool,
}

/// One zone's rank and score.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneRank {
    /// Candidate id.
    pub zone: String,
    /// Candidate name.
    pub name: String,
    /// Its Chinese name, if the scenario gives one.
    pub name_zh: Option<String>,
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
    /// The weights the components enter the score with.
    pub weights: ScoreWeights,
    /// The sequential selection's record (`None` for the fixed design).
    pub selection: Option<Selection>,
}

impl ZoneRank {
    /// The components as they enter the score — each weight × its component's mean, in
    /// the order GC, REL, RED, EXT — so that they add up to the mean score (up to
    /// rounding), USD per TEU of probe freight.
    #[must_use]
    pub fn terms(&self) -> [f64; 4] {
        let w = &self.weights;
        [
            w.generalized_cost * self.generalized_cost,
            w.reliability * self.reliability,
            w.redundancy * self.redundancy,
            w.existing_traffic * self.existing_traffic,
        ]
    }
}

/// The outcome of a zone comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneComparison {
    /// Zone × market figures, zones in candidate order, markets in `[compare]` order.
    pub markets: Vec<ZoneMarket>,
    /// Zones, best first. With a sequential selection the zones left when it stopped
    /// come first, then the eliminated ones, each group by mean score.
    pub ranking: Vec<ZoneRank>,
    /// How replications were spent.
    pub procedure: Procedure,
    /// Zone replications simulated and counted (Σ over zones; the base run's are not
    /// included).
    pub zone_replications: u64,
    /// The base run's replications counted: all of them under the fixed design; under a
    /// sequential selection, as many as the procedure saw before it stopped.
    pub base_replications: u64,
    /// What the feedback iterations did, with `[choice] feedback`: the base's first
    /// (labelled with its name), then each zone's in candidate order (labelled
    /// `base + zone`).
    pub feedback: Vec<(String, crate::feedback::Convergence)>,
}

/// Why a zone comparison could not run.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A plugged-in scenario cannot be compiled.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The sequential procedure cannot start.
    #[error(transparent)]
    Kn(#[from] KnError),
}

/// Simulates the base scenario and each candidate plugged in with the probe flows, and
/// ranks them, spending replications as `[compare] procedure` says: every zone
/// `replications` ([`Procedure::Fixed`]), or the Kim–Nelson procedure's sequential
/// elimination ([`Procedure::KimNelson`], see [`super::kn`]) with `replications` as the
/// budget per zone. Runs zones and replications in parallel on the current rayon pool,
/// side by side in batches, accumulating every figure as replications finish, so memory
/// does not grow with the number of replications; every decision is taken in
/// replication order, so results do not depend on the thread count. `on_done` is called
/// once per finished replication (at most `(zones + 1) × replications`).
///
/// # Errors
///
/// [`CompareError`] when a plugged-in scenario cannot be compiled or the replication
/// budget is below the sequential procedure's first stage.
///
/// # Panics
///
/// If `[compare]` has no markets (callers check first).
pub fn compare_zones(
    base: &Scenario,
    zones: &[CandidateId],
    on_done: &(dyn Fn() + Sync),
) -> Result<ZoneComparison, CompareError> {
    let markets = &base.compare.markets;
    assert!(!markets.is_empty(), "[compare] needs at least one market");
    let procedure = base.compare.procedure;
    let reps = base.meta.replications;
    let mut kn = match procedure {
        Procedure::Fixed => None,
        Procedure::KimNelson(settings) => Some(KimNelson::new(zones.len(), settings, reps)?),
    };
    let scenarios: Vec<Scenario> = zones
        .iter()
        .map(|&z| base.with_candidate_flows(z, markets))
        .collect();
    let compile = |s| Compiled::with_progress(s, Collect::Summary, on_done);
    let (base_run, zone_runs) = rayon::join(
        || compile(base),
        || {
            scenarios
                .par_iter()
                .map(compile)
                .collect::<Result<Vec<_>, _>>()
        },
    );
    let base_run = base_run?;
    let zone_runs = zone_runs?;

    let redundancy: Vec<f64> = zone_runs
        .par_iter()
        .map(|z| redundancy_of(z, base.demand.len()))
        .collect();
    let mut tally = Tally {
        base: &base_run,
        zones: &zone_runs,
        weights: base.compare.weights,
        components: zone_runs
            .iter()
            .zip(&redundancy)
            .map(|(z, &red)| Components::new(&base_run, z, red))
            .collect(),
        markets: zone_runs
            .iter()
            .map(|z| vec![MarketMerge::default(); z.scenario.demand.len() - base.demand.len()])
            .collect(),
        scores: vec![0.0; zones.len()],
        best_count: vec![0; zones.len()],
        best_of: 0,
    };
    let all: Vec<usize> = (0..zones.len()).collect();
    match &mut kn {
        None => {
            let runs = runs_of(&base_run, &zone_runs, &all);
            sim::run_replications_side_by_side(&runs, reps, on_done, &mut |r| {
                tally.push(&all, r, &all);
                tally.count_best(&all);
            });
        }
        Some(kn) => {
            while !kn.finished() {
                let alive: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&z| kn.in_contention(z))
                    .collect();
                let start = kn.replications_seen();
                let end = start.saturating_add(next_step(kn, alive.len())).min(reps);
                let runs = runs_of(&base_run, &zone_runs, &alive);
                sim::run_range_side_by_side(&runs, start..end, on_done, &mut |r| {
                    // The procedure may stop, or drop zones, within a batch: the rest of
                    // the batch is not counted, as if it had not been run.
                    if kn.finished() {
                        return;
                    }
                    let first_stage = kn.replications_seen() < kn::FIRST_STAGE_REPLICATIONS;
                    let counted: Vec<usize> = alive
                        .iter()
                        .copied()
                        .filter(|&z| kn.in_contention(z))
                        .collect();
                    // `prob_best` compares zones on the replications all of them got.
                    let best_among: &[usize] = if first_stage { &all } else { &[] };
                    tally.push(&alive, r, &counted);
                    tally.count_best(best_among);
                    kn.push(&tally.scores);
                });
            }
        }
    }

    let Tally {
        components,
        markets,
        best_count,
        best_of,
        ..
    } = tally;
    let mut ranking: Vec<ZoneRank> = zones
        .iter()
        .enumerate()
        .map(|(i, &z)| {
            let c = &base.candidates[z.index()];
            let parts = &components[i];
            ZoneRank {
                zone: c.id.clone(),
                name: c.name.clone(),
                name_zh: c.name_zh.clone(),
                rank: 0,
                score: Summary::of_welford(&parts.score),
                prob_best: best_count[i] as f64 / best_of.max(1) as f64,
                generalized_cost: parts.gc.mean(),
                reliability: parts.rel.mean(),
                redundancy: parts.red,
                existing_traffic: parts.ext.mean(),
                weights: base.compare.weights,
                selection: kn.as_ref().map(|kn| Selection {
                    replications: kn.replications_of(i),
                    eliminated_at: kn.eliminated_at(i),
                    in_final_set: kn.in_contention(i),
                }),
            }
        })
        .collect();
    let zone_replications = components.iter().map(|c| c.score.count()).sum();
    let base_replications = kn
        .as_ref()
        .map_or(u64::from(reps), |kn| u64::from(kn.replications_seen()));
    ranking.sort_by(|a, b| {
        let out = |r: &ZoneRank| r.selection.is_some_and(|s| !s.in_final_set);
        out(a)
            .cmp(&out(b))
            .then_with(|| a.score.mean.total_cmp(&b.score.mean))
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
    let feedback = std::iter::once((base.meta.name.clone(), &base_run))
        .chain(zone_runs.iter().zip(zones).map(|(z, &cid)| {
            let id = &base.candidates[cid.index()].id;
            (format!("{} + {id}", base.meta.name), z)
        }))
        .filter_map(|(label, c)| Some((label, c.feedback.clone()?)))
        .collect();
    Ok(ZoneComparison {
        markets,
        ranking,
        procedure,
        zone_replications,
        base_replications,
        feedback,
    })
}

/// The base run and the given zones' runs, in that order.
fn runs_of<'a>(
    base: &'a Compiled<'_>,
    zones: &'a [Compiled<'_>],
    which: &[usize],
) -> Vec<(&'a Model<'a>, &'a RouteTable)> {
    std::iter::once(base)
        .chain(which.iter().map(|&z| &zones[z]))
        .map(|c| (&c.model, &c.routes))
        .collect()
}

/// Replications per zone in the next batch of a sequential selection: the whole first
/// stage, then a few at a time — enough runs to keep every worker busy, few enough that
/// little is simulated past an elimination. Any batch size gives the same results.
fn next_step(kn: &KimNelson, alive: usize) -> u32 {
    let seen = kn.replications_seen();
    if seen < kn::FIRST_STAGE_REPLICATIONS {
        return kn::FIRST_STAGE_REPLICATIONS - seen;
    }
    let runs = alive + 1;
    let step = (2 * rayon::current_num_threads()).div_ceil(runs).max(1);
    u32::try_from(step).unwrap_or(u32::MAX)
}

/// Everything a comparison accumulates, replication by replication.
struct Tally<'a, 'b> {
    base: &'a Compiled<'b>,
    zones: &'a [Compiled<'b>],
    weights: ScoreWeights,
    components: Vec<Components>,
    markets: Vec<Vec<MarketMerge>>,
    /// Each zone's score in the replication last counted.
    scores: Vec<f64>,
    best_count: Vec<usize>,
    /// Replications `best_count` is over.
    best_of: usize,
}

impl Tally<'_, '_> {
    /// Counts one replication: `r[0]` is the base run's, `r[1 + j]` zone `ran[j]`'s; only
    /// the zones in `counted` (a subset of `ran`, in the same order) are counted.
    fn push(&mut self, ran: &[usize], r: &[&ReplicationResult], counted: &[usize]) {
        let base_rep = r[0];
        let first_probe = self.base.scenario.demand.len();
        let mut counted = counted.iter().peekable();
        for (j, &z) in ran.iter().enumerate() {
            if counted.next_if_eq(&&z).is_none() {
                continue;
            }
            let (zone, zone_rep) = (&self.zones[z], r[1 + j]);
            self.scores[z] =
                self.components[z].push(self.base, zone, base_rep, zone_rep, &self.weights);
            for (m, merge) in self.markets[z].iter_mut().enumerate() {
                let d = first_probe + m;
                merge.push(&zone_rep.od[d], zone.scenario.demand[d].vot_usd_per_teu_day);
            }
        }
    }

    /// Credits the zone of `among` with the lowest score in the replication just counted
    /// (ties go to the zone listed first).
    fn count_best(&mut self, among: &[usize]) {
        let best = among.iter().copied().reduce(|b, z| {
            if self.scores[z].total_cmp(&self.scores[b]).is_lt() {
                z
            } else {
                b
            }
        });
        if let Some(b) = best {
            self.best_count[b] += 1;
            self.best_of += 1;
        }
    }
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
            let zone_hub = s.hubs.iter().find(|h| h.id == zone_id);
            let market = s.hub(flow.to);
            ZoneMarket {
                zone: zone_id.to_string(),
                zone_name: zone_hub
                    .map_or_else(Default::default, |h| (h.name.clone(), h.name_zh.clone())),
                market: market.id.clone(),
                market_name: (market.name.clone(), market.name_zh.clone()),
                transit_days: (m.transit.count() > 0).then(|| Summary::of_welford(&m.transit)),
                transit_days_p50: m.p50.some(),
                transit_days_p95: m.p95.some(),
                cost_usd_per_teu: m.cost.some(),
                generalized_cost_usd_per_teu: m.gc.some(),
                on_time_share: m.on_time.some(),
                lowest_gc_route_corridor: compiled
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
        "zone_name",
        "zone_name_zh",
        "market",
        "market_name",
        "market_name_zh",
        "transit_days_mean",
        "transit_days_ci95_low",
        "transit_days_ci95_high",
        "transit_days_p50",
        "transit_days_p95",
        "cost_usd_per_teu_mean",
        "generalized_cost_usd_per_teu_mean",
        "on_time_share",
        "lowest_gc_route_corridor",
        "corridors_within_due",
    ];
    let rows = c
        .markets
        .iter()
        .map(|m| {
            vec![
                scenario.to_string(),
                m.zone.clone(),
                m.zone_name.0.clone(),
                zh(m.zone_name.1.as_ref()),
                m.market.clone(),
                m.market_name.0.clone(),
                zh(m.market_name.1.as_ref()),
                opt(m.transit_days.map(|s| s.mean)),
                opt(m.transit_days.map(|s| s.ci95_low)),
                opt(m.transit_days.map(|s| s.ci95_high)),
                opt(m.transit_days_p50),
                opt(m.transit_days_p95),
                opt(m.cost_usd_per_teu),
                opt(m.generalized_cost_usd_per_teu),
                opt(m.on_time_share),
                m.lowest_gc_route_corridor.clone().unwrap_or_default(),
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

/// `zone_ranking.csv`. A sequential selection adds `replications`,
/// `eliminated_at_replication` (empty: never eliminated) and `in_final_set`; the fixed
/// design's table keeps its columns.
pub fn ranking_table(scenario: &str, c: &ZoneComparison) -> Table {
    /// The fixed design writes the first 17 columns; a sequential selection all.
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
        "generalized_cost_term_usd_per_teu",
        "reliability_term_usd_per_teu",
        "redundancy_term_usd_per_teu",
        "existing_traffic_term_usd_per_teu",
        "name",
        "name_zh",
        "replications",
        "eliminated_at_replication",
        "in_final_set",
    ];
    let rows = c
        .ranking
        .iter()
        .map(|r| {
            let mut cells = vec![
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
            ];
            cells.extend(r.terms().map(num));
            cells.push(r.name.clone());
            cells.push(zh(r.name_zh.as_ref()));
            if let Some(s) = r.selection {
                cells.push(s.replications.to_string());
                cells.push(s.eliminated_at.map_or_else(String::new, |e| e.to_string()));
                cells.push(s.in_final_set.to_string());
            }
            cells
        })
        .collect();
    Table {
        file: "zone_ranking.csv",
        header: match c.procedure {
            Procedure::Fixed => &HEADER[..17],
            Procedure::KimNelson(_) => HEADER,
        },
        rows,
    }
}
