//! Vehicles: one per departure of a service.
//!
//! A vehicle is created when a timetabled departure leaves the first stop and freed at the
//! last stop; slots (and their `onboard` buffers) are reused, so a replication in steady
//! state allocates nothing for its vehicles. What is aboard is a short list of
//! `(shipment, alighting stop)`, kept in boarding order so unloading is deterministic.

use crate::ids::ServiceId;
use crate::time::SimTime;

use super::ids::{ShipmentId, VehicleId};

/// One departure of a service, under way.
#[derive(Clone, Debug)]
pub struct Vehicle {
    /// Its service.
    pub service: ServiceId,
    /// The stop it is at, or the stop at the start of the leg it is on.
    pub stop: u16,
    /// TEU aboard.
    pub load_teu: u32,
    /// Shipments aboard and the stop index where each alights.
    pub onboard: Vec<(ShipmentId, u16)>,
    /// When it left the first stop.
    pub departed: SimTime,
    /// Σ load × km over the legs entered, TEU-km (for the load factor).
    pub teu_km: f64,
    /// Σ km of the legs entered.
    pub km: f64,
    /// Highest load on leaving any stop, TEU.
    pub peak_load_teu: u32,
}

impl Vehicle {
    /// Moves the shipments that alight at the current stop into `out` (in boarding order)
    /// and takes their TEU off the load.
    pub fn unload_into(&mut self, shipment_teu: u32, out: &mut Vec<ShipmentId>) {
        let stop = self.stop;
        let before = out.len();
        self.onboard.retain(|&(s, alight)| {
            if alight == stop {
                out.push(s);
                false
            } else {
                true
            }
        });
        let n = u32::try_from(out.len() - before).unwrap_or(u32::MAX);
        self.load_teu = self.load_teu.saturating_sub(n.saturating_mul(shipment_teu));
    }
}

/// Every vehicle of a replication, with a free list of slots.
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    vehicles: Vec<Vehicle>,
    free: Vec<VehicleId>,
    /// Empty `onboard` buffers kept by [`Fleet::clear`] for the next replication's vehicles.
    spare: Vec<Vec<(ShipmentId, u16)>>,
}

impl Fleet {
    /// A new vehicle of `service` at its first stop, departing at `now`.
    pub fn launch(&mut self, service: ServiceId, now: SimTime) -> VehicleId {
        let fresh = |onboard| Vehicle {
            service,
            stop: 0,
            load_teu: 0,
            onboard,
            departed: now,
            teu_km: 0.0,
            km: 0.0,
            peak_load_teu: 0,
        };
        if let Some(id) = self.free.pop() {
            let v = &mut self.vehicles[id.index()];
            let mut onboard = std::mem::take(&mut v.onboard);
            onboard.clear();
            *v = fresh(onboard);
            id
        } else {
            let onboard = self.spare.pop().unwrap_or_default();
            self.vehicles.push(fresh(onboard));
            VehicleId::new(self.vehicles.len() - 1)
        }
    }

    /// Removes every vehicle, keeping their buffers: the next replication's vehicles get
    /// the same ids as in a fresh fleet.
    pub fn clear(&mut self) {
        for mut v in self.vehicles.drain(..) {
            v.onboard.clear();
            self.spare.push(v.onboard);
        }
        self.free.clear();
    }

    /// Returns the slot of a vehicle whose trip is over.
    pub fn retire(&mut self, id: VehicleId) {
        debug_assert!(self.vehicles[id.index()].onboard.is_empty());
        self.free.push(id);
    }

    /// The vehicle.
    #[inline]
    #[must_use]
    pub fn get(&self, id: VehicleId) -> &Vehicle {
        &self.vehicles[id.index()]
    }

    /// The vehicle, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: VehicleId) -> &mut Vehicle {
        &mut self.vehicles[id.index()]
    }

    /// Vehicles still under way (not retired), in slot order.
    pub fn active(&self) -> impl Iterator<Item = &Vehicle> {
        let mut retired = vec![false; self.vehicles.len()];
        for id in &self.free {
            retired[id.index()] = true;
        }
        self.vehicles
            .iter()
            .zip(retired)
            .filter(|(_, r)| !r)
            .map(|(v, _)| v)
    }
}
