//! Route choice: the k best distinct routes per origin–destination, the routes offered
//! among them and the split of the freight.
//!
//! A route is what one shipment does, leg by leg: clear customs, drive a road link, ride
//! a service between two of its stops, transfer between vehicles. The simulation walks
//! these legs; routing finds them on a routing graph in which every cost a shipment meets
//! (waiting for a departure, riding, transferring, customs, bottleneck waits) is an edge.
//!
//! ## Semantics shared by routing and simulation
//!
//! - **Customs** is applied once per shipment, at the first hub of its route that has a
//!   `customs` facility (the origin included), before anything else happens there, with
//!   the time and charge of the flow's declaration (export or import); a flow that
//!   declares nothing (`customs = "none"`: domestic, transit under bond) never stops for
//!   customs.
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
//! [`RoutingGraph`] and, for every demand flow, finds its k best routes, the choice set
//! among them and their shares.
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
//! - **Routes.** The k best *admissible* routes by GC, with Yen's algorithm (the rules
//!   below). Ties are broken by the order of the graph, which follows the scenario's
//!   order: the same scenario always gives the same routes in the same order.
//! - **Customs while aboard.** Customs is the first thing that happens at the first
//!   customs hub, so a shipment not yet cleared cannot ride *through* an intermediate stop
//!   that has customs: it alights there, clears, transfers and continues on a later vehicle
//!   (the legs say so, and the simulation walks them).
//! - **Distinct, admissible routes.** The k routes are k different leg sequences: parallel
//!   road links that add nothing get no edge ([`graph`]), so no two graph paths have the
//!   same legs. A route never visits a hub twice (stops passed aboard count), never gets
//!   off a service to board it again at that stop unless customs was cleared there, never
//!   changes pointlessly between two services bound for the same next stop, and never
//!   trucks further to or from a ride than the ride goes ([`search`] lists the rules;
//!   scenarios/README.md gives the reasons).
//! - **Choice set.** Of the k, a route is offered unless another dominates it (no dearer,
//!   slower or less reliable, better in one) or its GC exceeds `gc_cutoff_ratio` × the best.
//! - **Choice.** A relative-cost logit over the offered routes ([`choice`]): the MNL
//!   `P_r ∝ exp(−θ · GC_r / GC*)`, the path-size logit (overlap by shared time) or the
//!   nested logit by main corridor; all-or-nothing when θ = ∞ or one route is offered.
//!
//! Queries reuse a per-thread [`QueryWorkspace`], so planning thousands of ODs allocates
//! almost nothing; [`generate`] builds large synthetic networks for benchmarks.

use crate::ids::{CorridorId, HubId, LinkId, ServiceId};

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
    /// Distance travelled, km (drives and rides).
    pub distance_km: f64,
    /// The corridor with the most km on the route (ties: the lower id); `None` if no leg
    /// is tagged. The route's nest under `model = "nested"`.
    pub main_corridor: Option<CorridorId>,
    /// Path-size term among the OD's offered routes (1: shares nothing with them; see
    /// [`choice`]). Computed whatever the model, so a planner can see the overlap.
    pub path_size: f64,
    /// Share of the OD's freight under the scenario's choice model (they sum to 1).
    pub share: f64,
}

impl Leg {
    /// The links the leg moves over, in order: a drive's link, the links a ride rides
    /// over, none for customs or a transfer.
    ///
    /// # Panics
    ///
    /// If the leg's ids are not those of `scenario`.
    #[must_use]
    pub fn links<'a>(&'a self, scenario: &'a crate::scenario::Scenario) -> &'a [LinkId] {
        match self {
            Leg::Drive { link, .. } => std::slice::from_ref(link),
            &Leg::Ride {
                service,
                board,
                alight,
            } => &scenario.service(service).legs[usize::from(board)..usize::from(alight)],
            Leg::Customs { .. } | Leg::Transfer { .. } => &[],
        }
    }
}

impl Route {
    /// A route of these legs taking `share` of its flow, with the figures routing would
    /// fill left empty: for building route tables by hand (tests, benchmarks).
    #[must_use]
    pub fn with_legs(legs: Vec<Leg>, share: f64) -> Self {
        Self {
            legs,
            hubs: Vec::new(),
            time_h: 0.0,
            sd_time_h: 0.0,
            cost_usd_per_teu: 0.0,
            generalized_cost_usd_per_teu: 0.0,
            distance_km: 0.0,
            main_corridor: None,
            path_size: 1.0,
            share,
        }
    }
}

pub mod choice;
pub mod describe;
pub mod generate;
pub mod graph;
pub mod search;

pub use choice::logit_shares;
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

/// Routes every demand flow of the scenario: the routes offered among its
/// `choice.k_routes` best by generalized cost, with its own VOT and allowed modes, split
/// by the scenario's `[choice]` model ([`RoutingGraph::k_best_routes`]).
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
                let query = RouteQuery {
                    customs: d.customs,
                    ..RouteQuery::new(choice, d.from, d.to, d.modes, d.vot_usd_per_teu_day)
                };
                graph.k_best_routes(ws, &query)
            },
        )
        .collect();
    RoutePlan { per_demand }
}

#[cfg(test)]
mod tests;
