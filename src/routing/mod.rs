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
