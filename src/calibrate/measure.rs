//! The simulated value of a target, replication by replication.
//!
//! Each figure is computed within one replication and summarised across replications
//! (mean and Student-t 95 % interval), as every figure of corridor-sim is:
//!
//! - **`share_of_teu`**: of the counted shipments the target's flows created (the cohort
//!   of the observation window), the share whose route is in the category. Shipments of a
//!   scenario are all `shipment_teu` TEU, so this is the TEU share.
//! - **`share_of_value`**: the same, each shipment weighted by its flow's
//!   `value_usd_per_teu`.
//! - **`transit_median_days`**: the delivered-weighted mean of the per-replication median
//!   transit times of the routes in the category (all routes for `all`). For one route it
//!   is that route's median; for several it is the usual approximation of a pooled median
//!   by the mean of the parts' medians, which keeps the figure exact per replication
//!   without storing every shipment.
//!
//! The route a shipment takes is the one chosen when it is created, so shares count the
//! choice, not what was delivered by the horizon.

use super::targets::{Category, Measure, Target};
use crate::ids::DemandId;
use crate::routing::{Leg, Route};
use crate::run::Simulated;
use crate::scenario::{Mode, Scenario};
use crate::stats::Summary;

/// A route's main mode: the mode with the most km on it (ties: the earlier in
/// [`Mode::ALL`]); `None` for a route of no distance.
#[must_use]
pub fn main_mode(scenario: &Scenario, route: &Route) -> Option<Mode> {
    let mut km = [0.0f64; Mode::ALL.len()];
    for leg in &route.legs {
        let mode = match *leg {
            Leg::Drive { .. } => Mode::Road,
            Leg::Ride { service, .. } => scenario.service(service).mode,
            Leg::Customs { .. } | Leg::Transfer { .. } => continue,
        };
        let d: f64 = leg
            .links(scenario)
            .iter()
            .map(|&l| scenario.link(l).distance_km)
            .sum();
        km[mode as usize] += d;
    }
    let (i, best) = km
        .iter()
        .enumerate()
        .fold((0, 0.0), |m, (i, &k)| if k > m.1 { (i, k) } else { m });
    (best > 0.0).then(|| Mode::ALL[i])
}

/// The targets' simulated figures: per target, the summary across replications of its
/// per-replication values (`None` when no replication observed it, e.g. no shipment of
/// the flows delivered on the category).
#[must_use]
pub fn simulated(sim: &Simulated<'_>, targets: &[Target]) -> Vec<Option<Summary>> {
    let scenario = sim.scenario;
    // Per global route index: its demand and whether it is in each target's category.
    let mut route_demand: Vec<DemandId> = Vec::new();
    let mut route_mode: Vec<Option<Mode>> = Vec::new();
    let mut route_corridor = Vec::new();
    for (d, routes) in sim.plan.per_demand.iter().enumerate() {
        let range = sim.routes.range_of(DemandId::new(d));
        assert_eq!(
            range.len(),
            routes.len(),
            "the route table follows the plan"
        );
        for r in routes {
            route_demand.push(DemandId::new(d));
            route_mode.push(main_mode(scenario, r));
            route_corridor.push(r.main_corridor);
        }
    }
    targets
        .iter()
        .map(|t| {
            let in_flows = |r: usize| t.flows.binary_search(&route_demand[r]).is_ok();
            let in_category = |r: usize| match t.category {
                Category::Corridor(c) => route_corridor[r] == Some(c),
                Category::Mode(m) => route_mode[r] == Some(m),
                Category::All => true,
            };
            let weight = |r: usize| match t.measure {
                Measure::ShareOfValue => scenario.demand[route_demand[r].index()].value_usd_per_teu,
                _ => 1.0,
            };
            let values: Vec<f64> = sim
                .results
                .iter()
                .filter_map(|rep| {
                    let (mut num, mut den) = (0.0, 0.0);
                    for (r, x) in rep.routes.iter().enumerate() {
                        if !in_flows(r) {
                            continue;
                        }
                        if t.measure.is_share() {
                            let w = weight(r) * x.chosen as f64;
                            den += w;
                            if in_category(r) {
                                num += w;
                            }
                        } else if in_category(r)
                            && let Some(p50) = x.transit_days_p50
                        {
                            num += x.delivered as f64 * p50;
                            den += x.delivered as f64;
                        }
                    }
                    (den > 0.0).then(|| num / den)
                })
                .collect();
            (!values.is_empty()).then(|| Summary::of_replications(&values))
        })
        .collect()
}
