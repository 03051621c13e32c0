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

use crate::ids::CorridorId;
use crate::stats::Summary;

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
    /// Counted shipments delivered, mean per replication.
    pub shipments: f64,
    /// Their TEU, mean per replication.
    pub teu: f64,
    /// Counted shipments still under way at the horizon, mean per replication.
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

/// Every reported figure of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// Replications merged.
    pub replications: usize,
    /// Events processed, all replications.
    pub events: u64,
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
}

fn mean_of(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

fn mean_some(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| mean_of(v.into_iter()))
}

fn summary_some(values: impl Iterator<Item = Option<f64>>) -> Option<Summary> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| Summary::of_replications(&v))
}

fn transit_agg<'a>(
    stats: impl Iterator<Item = &'a Option<TransitStats>> + Clone,
) -> Option<TransitAgg> {
    let mean = summary_some(stats.clone().map(|t| t.map(|t| t.mean_days)))?;
    Some(TransitAgg {
        mean,
        p50: mean_of(stats.clone().flatten().map(|t| t.p50_days)),
        p90: mean_of(stats.clone().flatten().map(|t| t.p90_days)),
        p95: mean_of(stats.flatten().map(|t| t.p95_days)),
    })
}

impl Aggregate {
    /// Merges `results` (in replication order) of a run with `routes` over `corridors`
    /// corridors.
    #[must_use]
    pub fn of(results: &[ReplicationResult], routes: &RouteTable, corridors: usize) -> Aggregate {
        let n_od = results.first().map_or(0, |r| r.od.len());
        let n_fac = results.first().map_or(0, |r| r.facilities.len());
        let n_svc = results.first().map_or(0, |r| r.services.len());
        let per_rep = |f: &dyn Fn(&ReplicationResult) -> f64| mean_of(results.iter().map(f));
        let routes_agg: Vec<RouteAgg> = (0..routes.len())
            .map(|r| {
                let d = routes.routes()[r].demand;
                let chosen: u64 = results.iter().map(|x| x.routes[r].chosen).sum();
                let created: u64 = results.iter().map(|x| x.od[d.index()].created).sum();
                RouteAgg {
                    simulated_share: (created > 0).then(|| chosen as f64 / created as f64),
                    transit_days_mean: mean_some(
                        results.iter().map(|x| x.routes[r].transit_days_mean),
                    ),
                }
            })
            .collect();
        let od = (0..n_od)
            .map(|d| {
                let teu = |x: &ReplicationResult| x.od[d].counted_teu;
                OdAgg {
                    shipments: per_rep(&|x| x.od[d].delivered as f64),
                    teu: per_rep(&|x| teu(x).delivered as f64),
                    in_transit: per_rep(&|x| x.od[d].in_transit as f64),
                    in_transit_teu: per_rep(&|x| teu(x).in_transit as f64),
                    transit: transit_agg(results.iter().map(|x| &x.od[d].transit)),
                    cost_usd_per_teu_mean: mean_some(
                        results.iter().map(|x| x.od[d].cost_usd_per_teu_mean),
                    ),
                    on_time_share: summary_some(results.iter().map(|x| x.od[d].on_time_share)),
                    main_corridor: main_corridor(results, routes, d, corridors),
                }
            })
            .collect();
        let corridors_agg = (0..corridors)
            .map(|c| CorridorAgg {
                shipments: per_rep(&|x| x.corridors[c].delivered as f64),
                teu: per_rep(&|x| x.corridors[c].teu as f64),
                transit: transit_agg(results.iter().map(|x| &x.corridors[c].transit)),
                cost_usd_per_teu_mean: mean_some(
                    results.iter().map(|x| x.corridors[c].cost_usd_per_teu_mean),
                ),
                on_time_share: summary_some(results.iter().map(|x| x.corridors[c].on_time_share)),
            })
            .collect();
        let facilities = (0..n_fac)
            .map(|f| {
                let util: Vec<f64> = results
                    .iter()
                    .map(|x| x.facilities[f].utilisation)
                    .collect();
                FacilityAgg {
                    teu_handled: per_rep(&|x| x.facilities[f].teu_handled as f64),
                    utilisation: Summary::of_replications(&util),
                    wait_h: summary_some(results.iter().map(|x| x.facilities[f].wait_h_mean)),
                    wait_h_p95: mean_some(results.iter().map(|x| x.facilities[f].wait_h_p95)),
                    max_queue: results
                        .iter()
                        .map(|x| x.facilities[f].max_queue)
                        .max()
                        .unwrap_or(0),
                    max_queue_mean: per_rep(&|x| x.facilities[f].max_queue as f64),
                    mean_in_system: per_rep(&|x| x.facilities[f].mean_in_system),
                }
            })
            .collect();
        let services = (0..n_svc)
            .map(|v| ServiceAgg {
                departures: per_rep(&|x| x.services[v].departures as f64),
                cancelled: per_rep(&|x| x.services[v].cancelled as f64),
                load_factor: summary_some(results.iter().map(|x| x.services[v].load_factor_mean)),
                teu_carried: per_rep(&|x| x.services[v].teu_carried as f64),
                rolled_teu: per_rep(&|x| x.services[v].rolled_teu as f64),
                wait_h_mean: mean_some(results.iter().map(|x| x.services[v].wait_h_mean)),
                peak_load_teu: results
                    .iter()
                    .map(|x| x.services[v].peak_load_teu)
                    .max()
                    .unwrap_or(0),
            })
            .collect();
        Aggregate {
            replications: results.len(),
            events: results.iter().map(|r| r.work.events).sum(),
            od,
            routes: routes_agg,
            corridors: corridors_agg,
            facilities,
            services,
        }
    }
}

/// The corridor that carried most of flow `d`'s delivered shipments over all replications
/// (ties to the lower id); if none was delivered, the main corridor of its planned route
/// with the largest share.
fn main_corridor(
    results: &[ReplicationResult],
    routes: &RouteTable,
    d: usize,
    corridors: usize,
) -> Option<CorridorId> {
    let range = routes.range_of(crate::ids::DemandId::new(d));
    let mut delivered = vec![0u64; corridors];
    for r in range.clone() {
        if let Some(c) = routes.routes()[r].main_corridor {
            delivered[c.index()] += results.iter().map(|x| x.routes[r].delivered).sum::<u64>();
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
