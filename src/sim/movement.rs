//! Moving things over links: service vehicles and trucks.
//!
//! A **vehicle** is one departure of a service. At each stop it first unloads the shipments
//! that alight there, dwells (intermediate stops), then loads the shipments waiting for
//! this service at this stop, first come first served, up to its remaining capacity; the
//! rest are rolled to a later departure. It then enters the next link: through the link's
//! bottleneck as one unit if there is one, then over the link with ONE travel time sampled
//! for everything aboard. A **truck** is a shipment on a drive leg: it enters its road link
//! as soon as it is ready, with its own sampled time. A truck on its shipment's last leg
//! is delivered when it enters the link, dated its arrival: nothing can happen to it on the
//! road, so the arrival event would only cost a push and a pop.
//!
//! Closures: a departure due while its service is closed is cancelled (timetabled slots do
//! not pile up), a vehicle ready to leave an intermediate stop of a closed service waits
//! there until it reopens, and anything entering a closed link waits at its entry (in the
//! bottleneck's queue when the link has one) until it reopens. Slowdowns multiply sampled
//! link, bottleneck and dwell times.

use crate::ids::{LinkId, ServiceId};
use crate::routing::Leg;
use crate::time::{SimTime, hours_to_secs};

use super::engine::{Engine, trip_record};
use super::events::Event;
use super::facility::{Traveller, Unit};
use super::ids::VehicleId;
use super::records::Record;

impl Engine<'_, '_> {
    pub(super) fn on_departure(&mut self, service: ServiceId, n: u32, now: SimTime) {
        let next = self.model.services[service.index()].departure_time(n.saturating_add(1));
        self.schedule(next, Event::Departure { service, n: n + 1 });
        if self.st.effects.service_closed(service) {
            self.acc.record(Record::Cancelled { service, at: now });
            return;
        }
        let v = self.st.fleet.launch(service, now);
        self.depart_stop(v, now);
    }

    /// Loads the vehicle at its current stop and sends it onto the next leg.
    pub(super) fn depart_stop(&mut self, v: VehicleId, now: SimTime) {
        let teu = self.model.shipment_teu;
        let vehicle = self.st.fleet.get_mut(v);
        let service = vehicle.service;
        let stop = vehicle.stop;
        let spec = &self.model.services[service.index()];
        let queue = &mut self.st.stop_queues[spec.stop_base + usize::from(stop)];
        while let Some(&(s, since)) = queue.front() {
            if vehicle.load_teu + teu > spec.capacity_teu {
                break;
            }
            queue.pop_front();
            let sh = self.st.shipments.get(s);
            let Some(Leg::Ride { alight, .. }) = self.routes.leg_at(sh.at) else {
                unreachable!("a shipment waits at a stop only on a ride leg");
            };
            vehicle.onboard.push((s, alight));
            vehicle.load_teu += teu;
            self.acc.record(Record::Boarded {
                service,
                waited_s: now.saturating_sub(since),
                at: now,
            });
        }
        debug_assert!(
            vehicle.load_teu <= spec.capacity_teu,
            "departure over capacity: {} > {}",
            vehicle.load_teu,
            spec.capacity_teu
        );
        if !queue.is_empty() {
            let left = queue.len() as u64 * u64::from(teu);
            self.acc.record(Record::Rolled {
                service,
                teu: left,
                at: now,
            });
        }
        vehicle.peak_load_teu = vehicle.peak_load_teu.max(vehicle.load_teu);
        let km = spec.leg_km[usize::from(stop)];
        vehicle.teu_km += f64::from(vehicle.load_teu) * km;
        vehicle.km += km;
        let link = self.model.scenario.services[service.index()].legs[usize::from(stop)];
        self.enter_link(Traveller::Vehicle(v), link, now);
    }

    /// A vehicle or truck reaches the entry of `link`.
    pub(super) fn enter_link(&mut self, who: Traveller, link: LinkId, now: SimTime) {
        if let Some(f) = self.model.link_bottleneck[link.index()] {
            let teu = match who {
                Traveller::Vehicle(v) => self.st.fleet.get(v).load_teu,
                Traveller::Truck(_) => self.model.shipment_teu,
            };
            self.join_facility(f, Unit::Traveller(who), teu, now);
        } else if self.st.effects.link_closed(link) {
            self.st.held_on_link.push((link, who));
        } else {
            self.start_travel(who, link, now);
        }
    }

    /// Sends a vehicle or truck over `link` with a freshly sampled travel time.
    pub(super) fn start_travel(&mut self, who: Traveller, link: LinkId, now: SimTime) {
        let rng = self.st.streams.link_travel(self.model, link);
        let hours = self.model.link_travel_h[link.index()].sample_h(rng);
        let factor = self.st.effects.link_factor(link);
        match who {
            Traveller::Vehicle(vehicle) => {
                let v = self.st.fleet.get(vehicle);
                let service = v.service;
                // A fixed schedule replaces the draw (still taken, so the link's stream
                // stays aligned with the scenario without the schedule).
                let hours = match &self.model.services[service.index()].scheduled {
                    Some((legs_h, _)) => legs_h[usize::from(v.stop)],
                    None => hours,
                };
                let f = factor * self.st.effects.service_factor(service);
                let at = now + hours_to_secs(hours * f);
                self.st.queue.push(at, Event::VehicleArrival { vehicle });
            }
            Traveller::Truck(shipment) => {
                let at = now + hours_to_secs(hours * factor);
                let sh = self.st.shipments.get(shipment);
                if self.routes.leg_at(sh.at.next()).is_some() {
                    self.st.queue.push(at, Event::TruckArrival { shipment });
                } else if at < self.model.drain_end {
                    // The last leg: nothing can touch the truck on the road, so it is
                    // delivered now, dated `at`, without an event. (Arriving after the
                    // drain, it stays under way.)
                    self.deliver(shipment, at);
                }
            }
        }
    }

    pub(super) fn on_vehicle_arrival(&mut self, v: VehicleId, now: SimTime) {
        let mut alighting = std::mem::take(&mut self.st.scratch);
        let vehicle = self.st.fleet.get_mut(v);
        vehicle.stop += 1;
        vehicle.unload_into(self.model.shipment_teu, &mut alighting);
        let (service, stop) = (vehicle.service, vehicle.stop);
        for s in alighting.drain(..) {
            self.next_leg(s, now);
        }
        self.st.scratch = alighting;
        let last = self.model.scenario.services[service.index()].stops.len() - 1;
        if usize::from(stop) >= last {
            let record = trip_record(self.model, self.st.fleet.get(v));
            self.acc.record(record);
            self.st.fleet.retire(v);
        } else {
            let spec = &self.model.services[service.index()];
            let drawn = spec
                .dwell_h
                .sample_h(self.st.streams.dwell(self.model, service));
            let hours = spec
                .scheduled
                .as_ref()
                .map_or(drawn, |(_, dwell_h)| *dwell_h);
            let f = self.st.effects.service_factor(service);
            self.st.queue.push(
                now + hours_to_secs(hours * f),
                Event::VehicleReady { vehicle: v },
            );
        }
    }

    pub(super) fn on_vehicle_ready(&mut self, v: VehicleId, now: SimTime) {
        let service = self.st.fleet.get(v).service;
        if self.st.effects.service_closed(service) {
            self.st.held_vehicles[service.index()].push(v);
        } else {
            self.depart_stop(v, now);
        }
    }
}
