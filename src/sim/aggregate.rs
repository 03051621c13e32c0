//! Merging replications into the figures that are reported.
//!
//! Replications are independent, so each per-replication figure (a mean transit time, a
//! p95, a utilisation) is one observation, and across replications we report its mean and,
//! for the headline figures, a Student-t 95 % confidence interval
//! ([`crate::stats::Summary::of_replications`]).
//!
//! **Quantiles.** A transit-time quantile is computed exactly within each replication from
//! that replication's own transit times, and the reported value is the mean of those
//! per-replication quantiles. It is not the quantile of all shipments pooled over
//! replications (which would need every shipment of every replication in memory, or an
//! approximate sketch); with long windows the two agree closely, and ours has the
//! advantage of being a per-replication statistic with an honest spread.
//!
//! **Counts** (shipments, TEU, departures, …) are means per replication, i.e. per
//! observation window of `horizon_days − warmup_days`. **Simulated route shares** pool
//! the counts of all replications.
//!
//! A figure no replication observed (e.g. no shipment of a flow delivered) is `None`, so
//! output can leave it empty rather than print a misleading 0. Results are folded in
//! replication order, so the floating-point sums — and the CSVs — are identical whatever
//! the number of threads.

use super::daily::{DailyAgg, DailyMerge};
use crate::ids::CorridorId;
use crate::stats::{Mean, Summary, Welford};

use super::result::{ReplicationResult, TransitStats};
use super::routes::RouteTable;

/// Transit-time figures across replications, days.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransitAgg {
    /// Per-replication means: mean and CI95 across replications.
    pub mean: Summary,
    /// Mean of per-replication medians.
    pub p50: f64,
    /// Mean of per-replication 90th percentiles.
    pub p90: f64,
    /// Mean of per-replication 95th percentiles.
    pub p95: f64,
}

/// A demand flow across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct OdAgg {
    /// Counted shipments (the cohort created in the window) delivered, by the horizon or
    /// during the drain, mean per replication.
    pub shipments: f64,
    /// Their TEU, mean per replication.
    pub teu: f64,
    /// Counted shipments still under way when the drain ended, mean per replication.
    pub in_transit: f64,
    /// Their TEU, mean per replication.
    pub in_transit_teu: f64,
    /// Transit times of delivered counted shipments.
    pub transit: Option<TransitAgg>,
    /// Mean route cost of delivered shipments, USD per TEU.
    pub cost_usd_per_teu_mean: Option<f64>,
    /// On-time share of delivered shipments.
    pub on_time_share: Option<Summary>,
    /// The corridor that carried the most delivered TEU of the flow (the planned main
    /// route's corridor if nothing was delivered).
    pub main_corridor: Option<CorridorId>,
}

/// A route across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteAgg {
    /// Share of the flow's counted shipments that took it, pooled over replications.
    pub simulated_share: Option<f64>,
    /// Mean of per-replication mean transit times, days.
    pub transit_days_mean: Option<f64>,
}

/// A corridor across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct CorridorAgg {
    /// Delivered counted shipments, mean per replication.
    pub shipments: f64,
    /// Their TEU, mean per replication.
    pub teu: f64,
    /// Their transit times.
    pub transit: Option<TransitAgg>,
    /// Their mean route cost, USD per TEU.
    pub cost_usd_per_teu_mean: Option<f64>,
    /// Their on-time share.
    pub on_time_share: Option<Summary>,
}

/// A facility across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct FacilityAgg {
    /// TEU handled, mean per replication.
    pub teu_handled: f64,
    /// Utilisation.
    pub utilisation: Summary,
    /// Per-replication mean waits in queue, hours.
    pub wait_h: Option<Summary>,
    /// Mean of per-replication 95th percentiles of the wait, hours.
    pub wait_h_p95: Option<f64>,
    /// Per-replication mean waits of the non-background units (the modelled freight, at a
    /// bottleneck its vehicles and trucks), hours.
    pub freight_wait_h: Option<Summary>,
    /// Longest queue in any replication.
    pub max_queue: u64,
    /// Mean of per-replication longest queues.
    pub max_queue_mean: f64,
    /// Time-average number in system, mean over replications.
    pub mean_in_system: f64,
}

/// A service across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceAgg {
    /// Departures, mean per replication.
    pub departures: f64,
    /// Cancelled departures, mean per replication.
    pub cancelled: f64,
    /// Per-replication mean load factors.
    pub load_factor: Option<Summary>,
    /// TEU boarded, mean per replication.
    pub teu_carried: f64,
    /// TEU rolled, mean per replication.
    pub rolled_teu: f64,
    /// Mean of per-replication mean waits at stops, hours.
    pub wait_h_mean: Option<f64>,
    /// Highest load of any departure in any replication, TEU.
    pub peak_load_teu: u32,
}

/// How much work a run did, all replications (for `corridor run --stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkTotals {
    /// Events processed.
    pub events: u64,
    /// Route legs begun by shipments.
    pub shipment_legs: u64,
    /// Longest future-event list of any replication.
    pub peak_pending_events: u64,
    /// TEU created, warm-up included.
    pub teu_created: u64,
    /// Longest drain of any replication: how long after the horizon it ran to deliver the
    /// shipments created in the window, seconds.
    pub drain_s_max: u64,
}

/// Every reported figure of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// Replications merged.
    pub replications: usize,
    /// Events, legs, peak event list and TEU created, all replications.
    pub work: WorkTotals,
    /// By demand flow.
    pub od: Vec<OdAgg>,
    /// By route of the [`RouteTable`].
    pub routes: Vec<RouteAgg>,
    /// By corridor.
    pub corridors: Vec<CorridorAgg>,
    /// By facility.
    pub facilities: Vec<FacilityAgg>,
    /// By service.
    pub services: Vec<ServiceAgg>,
    /// Day by day, when the model counted so ([`super::Model::timeseries`]).
    pub daily: Option<DailyAgg>,
}

/// Per-replication observations of a figure reported with a confidence interval; skips
/// replications that did not observe it.
#[derive(Clone, Copy, Debug, Default)]
struct Spread(Welford);

impl Spread {
    fn push_some(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.0.push(v);
        }
    }

    fn some(&self) -> Option<Summary> {
        (self.0.count() > 0).then(|| Summary::of_welford(&self.0))
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct TransitMerge {
    mean: Spread,
    p50: Mean,
    p90: Mean,
    p95: Mean,
}

impl TransitMerge {
    fn push(&mut self, t: Option<TransitStats>) {
        if let Some(t) = t {
            self.mean.push_some(Some(t.mean_days));
            self.p50.push(t.p50_days);
            self.p90.push(t.p90_days);
            self.p95.push(t.p95_days);
        }
    }

    fn finish(&self) -> Option<TransitAgg> {
        Some(TransitAgg {
            mean: self.mean.some()?,
            p50: self.p50.value(),
            p90: self.p90.value(),
            p95: self.p95.value(),
        })
    }
}

#[derive(Clone, Debug, Default)]
struct OdMerge {
    delivered: DeliveredMerge,
    in_transit: Mean,
    in_transit_teu: Mean,
    /// Counted shipments created, all replications (route shares pool counts).
    created: u64,
}

#[derive(Clone, Debug, Default)]
struct RouteMerge {
    chosen: u64,
    delivered: u64,
    transit_days: Mean,
}

/// The delivered shipments of a flow or a corridor.
#[derive(Clone, Debug, Default)]
struct DeliveredMerge {
    shipments: Mean,
    teu: Mean,
    transit: TransitMerge,
    cost: Mean,
    on_time: Spread,
}

impl DeliveredMerge {
    fn push(
        &mut self,
        shipments: u64,
        teu: u64,
        transit: Option<TransitStats>,
        cost: Option<f64>,
        on_time: Option<f64>,
    ) {
        self.shipments.push(shipments as f64);
        self.teu.push(teu as f64);
        self.transit.push(transit);
        self.cost.push_some(cost);
        self.on_time.push_some(on_time);
    }
}

#[derive(Clone, Debug, Default)]
struct FacilityMerge {
    teu_handled: Mean,
    utilisation: Welford,
    wait_h: Spread,
    wait_h_p95: Mean,
    freight_wait_h: Spread,
    max_queue: u64,
    max_queue_mean: Mean,
    mean_in_system: Mean,
}

#[derive(Clone, Debug, Default)]
struct ServiceMerge {
    departures: Mean,
    cancelled: Mean,
    load_factor: Spread,
    teu_carried: Mean,
    rolled_teu: Mean,
    wait_h: Mean,
    peak_load_teu: u32,
}

/// Folds replication results, one at a time and in replication order, into an
/// [`Aggregate`].
///
/// This is what keeps a run's memory flat in the number of replications: a caller can
/// merge each result as it arrives and drop it, instead of holding them all (see
/// [`super::run_replications_merged`]). Every figure is a running sum, count, maximum or
/// Welford accumulator fed in replication order, so the result is the same bit for bit
/// as holding the results and merging them at the end ([`Aggregate::of`]).
#[derive(Debug)]
pub struct Merger<'r> {
    routes: &'r RouteTable,
    replications: usize,
    work: WorkTotals,
    od: Vec<OdMerge>,
    route: Vec<RouteMerge>,
    corridors: Vec<DeliveredMerge>,
    facilities: Vec<FacilityMerge>,
    services: Vec<ServiceMerge>,
    daily: Option<DailyMerge>,
}

impl<'r> Merger<'r> {
    /// An empty merge of a run with `routes` over `corridors` corridors.
    #[must_use]
    pub fn new(routes: &'r RouteTable, corridors: usize) -> Merger<'r> {
        Merger {
            routes,
            replications: 0,
            work: WorkTotals::default(),
            od: Vec::new(),
            route: vec![RouteMerge::default(); routes.len()],
            corridors: vec![DeliveredMerge::default(); corridors],
            facilities: Vec::new(),
            services: Vec::new(),
            daily: None,
        }
    }

    /// Merges the next replication's result (replications must come in order).
    pub fn push(&mut self, x: &ReplicationResult) {
        if self.replications == 0 {
            self.od = vec![OdMerge::default(); x.od.len()];
            self.facilities = vec![FacilityMerge::default(); x.facilities.len()];
            self.services = vec![ServiceMerge::default(); x.services.len()];
        }
        self.replications += 1;
        self.work.events += x.work.events;
        self.work.shipment_legs += x.work.shipment_legs;
        self.work.peak_pending_events = self
            .work
            .peak_pending_events
            .max(x.work.peak_pending_events);
        self.work.teu_created += x.teu_balance().created;
        self.work.drain_s_max = self.work.drain_s_max.max(x.work.drain_s);
        for (m, o) in self.od.iter_mut().zip(&x.od) {
            let teu = o.counted_teu;
            m.delivered.push(
                o.delivered,
                teu.delivered,
                o.transit,
                o.cost_usd_per_teu_mean,
                o.on_time_share,
            );
            m.in_transit.push(o.in_transit as f64);
            m.in_transit_teu.push(teu.in_transit as f64);
            m.created += o.created;
        }
        for (m, r) in self.route.iter_mut().zip(&x.routes) {
            m.chosen += r.chosen;
            m.delivered += r.delivered;
            m.transit_days.push_some(r.transit_days_mean);
        }
        for (m, c) in self.corridors.iter_mut().zip(&x.corridors) {
            m.push(
                c.delivered,
                c.teu,
                c.transit,
                c.cost_usd_per_teu_mean,
                c.on_time_share,
            );
        }
        for (m, f) in self.facilities.iter_mut().zip(&x.facilities) {
            m.teu_handled.push(f.teu_handled as f64);
            m.utilisation.push(f.utilisation);
            m.wait_h.push_some(f.wait_h_mean);
            m.wait_h_p95.push_some(f.wait_h_p95);
            m.freight_wait_h.push_some(f.freight_wait_h_mean);
            m.max_queue = m.max_queue.max(f.max_queue);
            m.max_queue_mean.push(f.max_queue as f64);
            m.mean_in_system.push(f.mean_in_system);
        }
        for (m, v) in self.services.iter_mut().zip(&x.services) {
            m.departures.push(v.departures as f64);
            m.cancelled.push(v.cancelled as f64);
            m.load_factor.push_some(v.load_factor_mean);
            m.teu_carried.push(v.teu_carried as f64);
            m.rolled_teu.push(v.rolled_teu as f64);
            m.wait_h.push_some(v.wait_h_mean);
            m.peak_load_teu = m.peak_load_teu.max(v.peak_load_teu);
        }
        if let Some(d) = &x.daily {
            self.daily.get_or_insert_with(DailyMerge::default).push(d);
        }
    }

    /// The figures of every replication merged so far.
    #[must_use]
    pub fn finish(self) -> Aggregate {
        let routes = self.routes;
        let routes_agg = self
            .route
            .iter()
            .enumerate()
            .map(|(r, m)| {
                let d = routes.routes()[r].demand.index();
                let created = self.od.get(d).map_or(0, |o| o.created);
                RouteAgg {
                    simulated_share: (created > 0).then(|| m.chosen as f64 / created as f64),
                    transit_days_mean: m.transit_days.some(),
                }
            })
            .collect();
        let corridors = self.corridors.len();
        let od = self
            .od
            .iter()
            .enumerate()
            .map(|(d, m)| OdAgg {
                shipments: m.delivered.shipments.value(),
                teu: m.delivered.teu.value(),
                in_transit: m.in_transit.value(),
                in_transit_teu: m.in_transit_teu.value(),
                transit: m.delivered.transit.finish(),
                cost_usd_per_teu_mean: m.delivered.cost.some(),
                on_time_share: m.delivered.on_time.some(),
                main_corridor: main_corridor(&self.route, routes, d, corridors),
            })
            .collect();
        let corridors_agg = self
            .corridors
            .iter()
            .map(|m| CorridorAgg {
                shipments: m.shipments.value(),
                teu: m.teu.value(),
                transit: m.transit.finish(),
                cost_usd_per_teu_mean: m.cost.some(),
                on_time_share: m.on_time.some(),
            })
            .collect();
        let facilities = self
            .facilities
            .iter()
            .map(|m| FacilityAgg {
                teu_handled: m.teu_handled.value(),
                utilisation: Summary::of_welford(&m.utilisation),
                wait_h: m.wait_h.some(),
                wait_h_p95: m.wait_h_p95.some(),
                freight_wait_h: m.freight_wait_h.some(),
                max_queue: m.max_queue,
                max_queue_mean: m.max_queue_mean.value(),
                mean_in_system: m.mean_in_system.value(),
            })
            .collect();
        let services = self
            .services
            .iter()
            .map(|m| ServiceAgg {
                departures: m.departures.value(),
                cancelled: m.cancelled.value(),
                load_factor: m.load_factor.some(),
                teu_carried: m.teu_carried.value(),
                rolled_teu: m.rolled_teu.value(),
                wait_h_mean: m.wait_h.some(),
                peak_load_teu: m.peak_load_teu,
            })
            .collect();
        Aggregate {
            replications: self.replications,
            work: self.work,
            od,
            routes: routes_agg,
            corridors: corridors_agg,
            facilities,
            services,
            daily: self.daily.map(DailyMerge::finish),
        }
    }
}

impl Aggregate {
    /// Merges `results` (in replication order) of a run with `routes` over `corridors`
    /// corridors: the same as pushing each into a [`Merger`].
    #[must_use]
    pub fn of(results: &[ReplicationResult], routes: &RouteTable, corridors: usize) -> Aggregate {
        let mut merger = Merger::new(routes, corridors);
        for r in results {
            merger.push(r);
        }
        merger.finish()
    }
}

/// The corridor that carried most of flow `d`'s delivered shipments over all replications
/// (ties to the lower id); if none was delivered, the main corridor of its planned route
/// with the largest share.
fn main_corridor(
    merged: &[RouteMerge],
    routes: &RouteTable,
    d: usize,
    corridors: usize,
) -> Option<CorridorId> {
    let range = routes.range_of(crate::ids::DemandId::new(d));
    let mut delivered = vec![0u64; corridors];
    for r in range.clone() {
        if let Some(c) = routes.routes()[r].main_corridor {
            delivered[c.index()] += merged[r].delivered;
        }
    }
    let best = (0..corridors)
        .filter(|&c| delivered[c] > 0)
        .max_by(|&a, &b| delivered[a].cmp(&delivered[b]).then(b.cmp(&a)));
    if let Some(c) = best {
        return Some(CorridorId::new(c));
    }
    let planned =
        routes.routes()[range]
            .iter()
            .fold(
                None::<&super::routes::CompiledRoute>,
                |best, r| match best {
                    Some(b) if b.share >= r.share => Some(b),
                    _ => Some(r),
                },
            );
    planned.and_then(|r| r.main_corridor)
}
