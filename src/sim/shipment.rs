//! Shipments: the freight entities, `shipment_teu` TEU each.
//!
//! A shipment is created by its demand flow, follows one route leg by leg and is freed on
//! delivery; its slot is reused, so memory is bounded by the shipments under way at once,
//! not by how many a replication creates.

use crate::ids::DemandId;
use crate::time::SimTime;

use super::ids::{RouteIx, ShipmentId};
use super::routes::LegAt;

/// One shipment under way.
#[derive(Clone, Copy, Debug)]
pub struct Shipment {
    /// Its demand flow.
    pub demand: DemandId,
    /// Its route.
    pub route: RouteIx,
    /// The leg it is on (or about to start), in the route table's flat leg array; the
    /// route's end marker once it has arrived.
    pub at: LegAt,
    /// When it was created at the origin.
    pub created: SimTime,
    /// Slot in use.
    pub alive: bool,
    /// Where its advance customs declaration stands.
    pub declaration: Declaration,
}

/// Progress of an advance customs declaration (see `CustomsPolicy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Declaration {
    /// No advance declaration: customs, if any, is done on arrival.
    #[default]
    None,
    /// Lodged and being processed; the shipment is not at the customs hub yet.
    Pending,
    /// The shipment is at the customs hub, held until processing finishes.
    Waiting,
    /// Processed: the shipment passes customs without stopping.
    Cleared,
}

/// Every shipment of a replication, with a free list of slots.
#[derive(Clone, Debug, Default)]
pub struct Shipments {
    slots: Vec<Shipment>,
    free: Vec<ShipmentId>,
}

impl Shipments {
    /// A new shipment on `route`, whose first leg is at `first_leg`, created at `now`.
    pub fn create(
        &mut self,
        demand: DemandId,
        route: RouteIx,
        first_leg: LegAt,
        now: SimTime,
    ) -> ShipmentId {
        let s = Shipment {
            demand,
            route,
            at: first_leg,
            created: now,
            alive: true,
            declaration: Declaration::None,
        };
        if let Some(id) = self.free.pop() {
            self.slots[id.index()] = s;
            id
        } else {
            self.slots.push(s);
            ShipmentId::new(self.slots.len() - 1)
        }
    }

    /// Removes every shipment, keeping the capacity: ids restart as in a fresh slab.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
    }

    /// Frees a delivered shipment's slot.
    pub fn remove(&mut self, id: ShipmentId) {
        let s = &mut self.slots[id.index()];
        debug_assert!(s.alive, "shipment removed twice");
        s.alive = false;
        self.free.push(id);
    }

    /// The shipment.
    #[inline]
    #[must_use]
    pub fn get(&self, id: ShipmentId) -> &Shipment {
        &self.slots[id.index()]
    }

    /// The shipment, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: ShipmentId) -> &mut Shipment {
        &mut self.slots[id.index()]
    }

    /// Shipments still under way, in slot order.
    pub fn alive(&self) -> impl Iterator<Item = &Shipment> {
        self.slots.iter().filter(|s| s.alive)
    }
}
