//! Route choice: the k best routes per origin–destination and the logit split among them.
//!
//! A route is what one shipment does, leg by leg: clear customs, drive a road link, ride
//! a service between two of its stops, transfer between vehicles. The simulation walks
//! these legs; routing finds them on a routing graph in which every cost a shipment meets
//! (waiting for a departure, riding, transferring, customs, bottleneck waits) is an edge.
//!
//! ## Semantics shared by routing and simulation
//!
//! - **Customs** is applied once per shipment, at the first hub of its route that has a
//!   `customs` facility (the origin included), before anything else happens there.
//! - **Transfer** is applied at a hub where the shipment changes vehicle: between two rides,
//!   between a drive and a ride, or between a ride and a drive. Consecutive drives are one
//!   truck and need no transfer; neither the origin nor the destination has one. A hub
//!   without a `transfer` facility transfers instantly and free of charge.
//! - **Drive**: continuous trucking over a road link, departing as soon as the shipment is
//!   ready.
//! - **Ride**: board a service at `stops[board]`, alight at `stops[alight]`.
//!
//! ## How routes are found
//!
//! Run once per scenario (variant), before the simulation: [`plan`] builds a
//! [`RoutingGraph`] and, for every demand flow, finds its k best routes and their shares.
//!
//! - **Graph.** A state-expanded graph ([`graph`], [`RoutingGraph`]): one node per situation a
//!   shipment can be in at a hub (on a truck, just alighted, ready to board, aboard at a
//!   stop), doubled into an uncleared and a cleared layer when any hub has customs. Every
//!   cost is then an edge (drive, wait + ride, dwell, transfer, customs, bottleneck wait)
//!   and the semantics above hold by construction rather than by post-correction. Edge
//!   times are expected values: half the headway for a departure, the M/M/c (Erlang C)
//!   wait of a bottleneck's background traffic ([`bottleneck_delay`]), facility means.
//! - **Cost.** Generalized cost per TEU, GC = money + VOT × (E(T) + ρ · SD(T)), VOT in
//!   USD per TEU-day and times in days; SD(T) from the summed leg variances (legs taken as
//!   independent; a headway wait is uniform, variance H²/12).
//! - **Routes.** The k best *admissible* routes by GC, with Yen's algorithm: a route never
//!   visits a hub twice (stops passed aboard count), and never gets off a service to board
//!   the same service again at that stop unless customs was cleared there. Ties are
//!   broken by the order of the graph, which follows the scenario's order: the same
//!   scenario always gives the same routes in the same order.
//! - **Customs while aboard.** Customs is the first thing that happens at the first
//!   customs hub, so a shipment not yet cleared cannot ride *through* an intermediate stop
//!   that has customs: it alights there, clears, transfers and continues on a later vehicle
//!   (the legs say so, and the simulation walks them).
//! - **Choice.** The relative-cost multinomial logit of choice_facts §5c
//!   ([`logit_shares`]): `P_r ∝ exp(−θ · GC_r / GC*)`, all-or-nothing when θ = ∞ or k = 1.
//!
//! Queries reuse a per-thread [`QueryWorkspace`], so planning thousands of ODs allocates
//! almost nothing; [`generate`] builds large synthetic networks for benchmarks.

use crate::ids::{HubId, LinkId, ServiceId};

/// One step of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Leg {
    /// Customs clearance at a hub (once per shipment).
    Customs {
        /// Where.
        hub: HubId,
    },
    /// Moving the container between two vehicles at a hub.
    Transfer {
        /// Where.
        hub: HubId,
    },
    /// Continuous trucking over a road link, entered at `from`.
    Drive {
        /// The road link.
        link: LinkId,
        /// Where the truck enters the link.
        from: HubId,
        /// Where it leaves it.
        to: HubId,
    },
    /// A ride aboard a service from `stops[board]` to `stops[alight]`.
    Ride {
        /// The service.
        service: ServiceId,
        /// Index of the boarding stop in the service's stops.
        board: u16,
        /// Index of the alighting stop (> `board`).
        alight: u16,
    },
}

/// A route and its expected figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// The legs, in order.
    pub legs: Vec<Leg>,
    /// Hubs visited, origin first, destination last.
    pub hubs: Vec<HubId>,
    /// Expected door-to-door time, hours (waits for departures at half the headway).
    pub time_h: f64,
    /// Standard deviation of the door-to-door time, hours (legs taken as independent).
    pub sd_time_h: f64,
    /// Money cost per TEU.
    pub cost_usd_per_teu: f64,
    /// Generalized cost per TEU: money + VOT × (E(T) + ρ · SD(T)).
    pub generalized_cost_usd_per_teu: f64,
    /// Logit share among the OD's routes (they sum to 1).
    pub share: f64,
}

pub mod describe;
pub mod generate;
pub mod graph;
pub mod search;

pub use describe::{route_corridors, route_label, route_modes};
pub use graph::{
    Edge, EdgeKind, Node, RoutingGraph, SATURATED_BOTTLENECK_WAIT_H, bottleneck_delay, erlang_c,
};
pub use search::{QueryWorkspace, RouteQuery, examination_cap, k_best_routes};

use crate::ids::DemandId;
use crate::scenario::Scenario;
use rayon::prelude::*;

/// The routes of every demand flow of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutePlan {
    /// `per_demand[d]`: the routes of demand `d` ([`DemandId`] order), best first, with
    /// shares summing to 1 (empty if the flow has no route).
    pub per_demand: Vec<Vec<Route>>,
}

impl RoutePlan {
    /// The routes of one demand flow.
    ///
    /// # Panics
    ///
    /// If `demand` is out of range.
    #[must_use]
    pub fn routes(&self, demand: DemandId) -> &[Route] {
        &self.per_demand[demand.index()]
    }
}

/// Routes every demand flow of the scenario: its `choice.k_routes` best routes by
/// generalized cost, with its own VOT and allowed modes, split by the relative-cost
/// logit with `choice.logit_scale` and `choice.reliability_ratio`.
///
/// Runs the flows in parallel (rayon), one [`QueryWorkspace`] per worker, and collects the
/// results in demand order, so the plan is identical whatever the thread count.
///
/// # Complexity
///
/// Building the graph, O(H + L + Σ stops), then one [`RoutingGraph::k_best_routes`] per
/// demand flow.
#[must_use]
pub fn plan(scenario: &Scenario) -> RoutePlan {
    plan_on(&RoutingGraph::build(scenario), scenario)
}

/// [`plan`] on a graph already built from `scenario`.
///
/// # Panics
///
/// If `graph` was not built from `scenario` (a demand's hub is out of range).
///
/// # Complexity
///
/// One [`RoutingGraph::k_best_routes`] per demand flow.
#[must_use]
pub fn plan_on(graph: &RoutingGraph, scenario: &Scenario) -> RoutePlan {
    let choice = &scenario.choice;
    let k = usize::try_from(choice.k_routes).unwrap_or(usize::MAX);
    // A workspace is sized to the graph (tens of MB for a million nodes); keep the number
    // rayon creates near a few per thread rather than one per split.
    let min_len = scenario
        .demand
        .len()
        .div_ceil(4 * rayon::current_num_threads())
        .max(1);
    let per_demand = scenario
        .demand
        .par_iter()
        .with_min_len(min_len)
        .map_init(
            || QueryWorkspace::new(graph),
            |ws, d| {
                graph.k_best_routes(
                    ws,
                    &RouteQuery {
                        from: d.from,
                        to: d.to,
                        modes: d.modes,
                        vot_usd_per_teu_day: d.vot_usd_per_teu_day,
                        k,
                        reliability_ratio: choice.reliability_ratio,
                        logit_scale: choice.logit_scale,
                    },
                )
            },
        )
        .collect();
    RoutePlan { per_demand }
}

/// Shares of the relative-cost multinomial logit (choice_facts §5c):
/// `P_r = exp(−θ · GC_r / GC*) / Σ_s exp(−θ · GC_s / GC*)`, GC* the smallest GC.
///
/// The relative form keeps θ meaningful from short truck hauls to Europe. With θ = ∞
/// (or a single route) it is all-or-nothing: the first route with the smallest GC gets
/// everything, so ties go to the earlier route. If GC* is 0 the ratio is undefined; the
/// routes with GC 0 then share equally (the limit of the logit as the others become
/// infinitely dearer).
///
/// # Panics
///
/// Never; NaN costs give NaN shares.
///
/// # Complexity
///
/// O(n).
#[must_use]
pub fn logit_shares(gcs: &[f64], theta: f64) -> Vec<f64> {
    let Some(best) = gcs.iter().copied().reduce(f64::min) else {
        return Vec::new();
    };
    let mut shares = vec![0.0; gcs.len()];
    if theta.is_infinite() || gcs.len() == 1 {
        if let Some(i) = gcs.iter().position(|&g| g == best) {
            shares[i] = 1.0;
        }
        return shares;
    }
    if best <= 0.0 {
        let ties = gcs.iter().filter(|&&g| g == best).count() as f64;
        for (s, &g) in shares.iter_mut().zip(gcs) {
            *s = if g == best { 1.0 / ties } else { 0.0 };
        }
        return shares;
    }
    // exp(−θ(GC/GC* − 1)): the best route has weight 1, so nothing overflows.
    let weights: Vec<f64> = gcs
        .iter()
        .map(|&g| (-theta * (g / best - 1.0)).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    for (s, w) in shares.iter_mut().zip(&weights) {
        *s = w / total;
    }
    shares
}

#[cfg(test)]
mod tests;

/// The departure-port rebates a route collects: each hub's
/// `departure_rebate_usd_per_teu` for every ride boarded there (a route visits a hub at
/// most once). Route costs are the charges minus this, never below zero.
#[must_use]
pub fn rebate_usd_per_teu(s: &crate::scenario::Scenario, legs: &[Leg]) -> f64 {
    legs.iter()
        .map(|leg| match *leg {
            Leg::Ride { service, board, .. } => {
                let hub = s.service(service).stops[usize::from(board)];
                s.hub(hub).departure_rebate_usd_per_teu
            }
            _ => 0.0,
        })
        .sum()
}
