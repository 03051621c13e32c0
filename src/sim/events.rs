//! The events of the simulation.
//!
//! One enum, dispatched by one `match` in [`super::engine`]. Events carry dense ids only, so
//! they are small and `Copy` and the queue never allocates per event once warmed up. The
//! queue orders them by `(time, insertion)` ([`super::event_queue`]); the payload never
//! takes part in ordering.

use crate::ids::{DemandId, DisruptionId, ServiceId};
use crate::time::SimTime;

use super::facility::Unit;
use super::ids::{FacilityId, ShipmentId, VehicleId};

/// Something scheduled to happen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// The next shipment of a demand flow appears at its origin.
    ShipmentArrival {
        /// The flow.
        demand: DemandId,
    },
    /// The next unit of background traffic reaches a bottleneck.
    BackgroundArrival {
        /// The bottleneck.
        facility: FacilityId,
    },
    /// A unit finishes service at a facility.
    ServiceDone {
        /// The facility.
        facility: FacilityId,
        /// Who.
        unit: Unit,
        /// When it joined the facility (its TEU were counted when service started, so the
        /// event need not carry them: 24 bytes rather than 32 keep the heap's entries
        /// smaller).
        arrived: SimTime,
    },
    /// The `n`-th timetabled departure of a service leaves its first stop.
    Departure {
        /// The service.
        service: ServiceId,
        /// Departure number, from 0.
        n: u32,
    },
    /// A vehicle reaches the next stop of its service.
    VehicleArrival {
        /// The vehicle.
        vehicle: VehicleId,
    },
    /// A vehicle's dwell at an intermediate stop is over: it loads and leaves.
    VehicleReady {
        /// The vehicle.
        vehicle: VehicleId,
    },
    /// A truck (a shipment on a drive leg) reaches the end of its road link.
    TruckArrival {
        /// The shipment.
        shipment: ShipmentId,
    },
    /// A disruption begins.
    DisruptionStart {
        /// Which.
        disruption: DisruptionId,
    },
    /// A disruption ends.
    DisruptionEnd {
        /// Which.
        disruption: DisruptionId,
    },
}

// Events sit in a slab and the heap moves only 16-byte (key, slot) entries; keep them at
// three words all the same, so that the slab of pending events stays in cache.
const _: () = assert!(std::mem::size_of::<Event>() <= 24);
