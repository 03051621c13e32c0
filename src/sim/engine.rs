//! The event loop of one replication, and what happens to shipments and at facilities.
//!
//! [`simulate`] builds the initial [`State`], schedules the first arrival of every demand
//! flow, the first departure of every service, the first background unit of every
//! bottleneck and the disruptions that happen, then pops events in `(time, insertion)`
//! order, dispatching each with one `match`. Handlers change state, schedule further
//! events and emit [`Record`]s; vehicles' handlers are in `sim::movement`. Nothing here
//! does I/O.
//!
//! At the horizon the observation window closes (facility and service statistics are
//! taken, trips under way are recorded cut), and the replication drains: no new shipment
//! is created, but timetables, background traffic, queues and disruptions run on until the
//! last shipment created in the window is delivered, or [`super::model::MAX_DRAIN_DAYS`]
//! after the horizon, whichever is first.
//!
//! A shipment walks its route leg by leg (the semantics are those of [`crate::routing`]):
//! customs and transfer legs queue at the hub's facility (instant where the hub has none),
//! a drive enters its road link at once (through the link's bottleneck, if any, as its own
//! unit), and a ride waits in the (service, stop) queue for a departure. When the legs run
//! out it is delivered. When the replication ends, whatever is still under way is reported
//! as such.

use rand::Rng;

use crate::ids::{DemandId, DisruptionId};
use crate::routing::Leg;
use crate::scenario::{EffectKind, Target};
use crate::time::{SimTime, hours_to_secs};

use super::disruption;
use super::events::Event;
use super::facility::{Traveller, Unit, Visit};
use super::ids::{FacilityId, ShipmentId};
use super::model::{FacilityKind, Model};
use super::records::{Accumulators, Record};
use super::result::ReplicationResult;
use super::routes::RouteTable;
use super::shipment::Declaration;
use super::state::State;
use super::stationary;

/// One replication in progress, on state and accumulators it borrows: a [`Workspace`]'s, or
/// fresh ones.
pub(super) struct Engine<'m, 'w> {
    pub(super) model: &'m Model<'m>,
    pub(super) routes: &'m RouteTable,
    pub(super) st: &'w mut State,
    pub(super) acc: &'w mut Accumulators<'m>,
}

/// Runs replication `replication` of `model` with the shipments' routes drawn from
/// `routes`, and reduces it to its result. Deterministic: the same arguments give the same
/// result on any thread. To run many, [`Workspace::simulate`] saves the allocations.
#[must_use]
pub fn simulate(model: &Model<'_>, routes: &RouteTable, replication: u32) -> ReplicationResult {
    let engine = Engine {
        model,
        routes,
        st: &mut State::new(model, replication),
        acc: &mut Accumulators::new(model, routes),
    };
    engine.replicate(replication)
}

/// What a worker keeps from one replication to the next: the replication state and the
/// accumulators, emptied but with their buffers (event list, queues, shipment and vehicle
/// slots, transit times, waits) still allocated. A replication's result depends only on
/// its number, never on what the workspace ran before.
#[derive(Debug)]
pub struct Workspace<'m> {
    model: &'m Model<'m>,
    routes: &'m RouteTable,
    st: State,
    acc: Accumulators<'m>,
}

impl<'m> Workspace<'m> {
    /// A workspace for replications of `model` with routes from `routes`.
    #[must_use]
    pub fn new(model: &'m Model<'m>, routes: &'m RouteTable) -> Workspace<'m> {
        Workspace {
            model,
            routes,
            st: State::new(model, 0),
            acc: Accumulators::new(model, routes),
        }
    }

    /// Runs replication `replication`: the same result as [`simulate`].
    #[must_use]
    pub fn simulate(&mut self, replication: u32) -> ReplicationResult {
        self.st.reset(self.model, replication);
        self.acc.clear();
        let engine = Engine {
            model: self.model,
            routes: self.routes,
            st: &mut self.st,
            acc: &mut self.acc,
        };
        engine.replicate(replication)
    }
}

impl Engine<'_, '_> {
    /// Schedules at `at` if that is before the end of the drain (later events could never
    /// fire).
    pub(super) fn schedule(&mut self, at: SimTime, event: Event) {
        if at < self.model.drain_end {
            self.st.queue.push(at, event);
        }
    }

    /// Schedules demand flow `demand`'s next shipment at `at` if that is before the
    /// horizon: the drain after it follows the window's shipments and adds none (new ones
    /// would not be counted, and where a service is overloaded they would pile up for the
    /// whole drain).
    fn schedule_arrival(&mut self, at: SimTime, demand: DemandId) {
        if at < self.model.horizon {
            self.st.queue.push(at, Event::ShipmentArrival { demand });
        }
    }

    /// Runs the replication from its initial state to its result.
    fn replicate(mut self, replication: u32) -> ReplicationResult {
        self.schedule_initial();
        self.run();
        self.finish(replication)
    }

    fn schedule_initial(&mut self) {
        for d in 0..self.model.scenario.demand.len() {
            let demand = DemandId::new(d);
            let rate = self.model.demand_shipments_per_h[d];
            if rate > 0.0 && !self.routes.range_of(demand).is_empty() {
                let rng = self.st.streams.arrivals(self.model, demand);
                let at = self.st.demand_clocks.next(d, rng, rate);
                self.schedule_arrival(at, demand);
            }
        }
        for (i, spec) in self.model.services.iter().enumerate() {
            let service = crate::ids::ServiceId::new(i);
            self.schedule(spec.departure_time(0), Event::Departure { service, n: 0 });
        }
        for (i, f) in self.model.facilities.iter().enumerate() {
            if f.background_per_h > 0.0 {
                let facility = FacilityId::new(i);
                if let Some(offered) = f.stationary_offered {
                    self.stand_background(facility, offered);
                }
                let rng = self.st.streams.background(self.model, facility);
                let at = self.st.background_clocks.next(i, rng, f.background_per_h);
                self.schedule(at, Event::BackgroundArrival { facility });
            }
        }
        let mut occurrences = Vec::new();
        disruption::draw(self.model, &mut self.st.streams, &mut occurrences);
        for o in occurrences {
            let disruption = o.disruption;
            if let Some(daily) = self.acc.daily() {
                for f in self
                    .model
                    .facilities_of(self.model.disruptions[disruption.index()].target)
                {
                    daily.disrupted(f, o.start, o.end);
                }
            }
            self.schedule(o.start, Event::DisruptionStart { disruption });
            self.schedule(o.end, Event::DisruptionEnd { disruption });
        }
    }

    /// Starts bottleneck `f` in the steady state of its load (`offered`: background and
    /// timetabled vehicles): draws how many units are there at time 0
    /// ([`super::stationary`]) and a service time for each, all from the background stream,
    /// before its first arrival. They stand in as background units (under freight
    /// priority nearly everyone waiting in the steady state is background). Those that
    /// find a server start service; the rest wait.
    fn stand_background(&mut self, f: FacilityId, offered: f64) {
        let spec = &self.model.facilities[f.index()];
        let rng = self.st.streams.background(self.model, f);
        let units = stationary::draw_in_system(spec.servers, offered, rng);
        for _ in 0..units {
            let rng = self.st.streams.background(self.model, f);
            let service_s =
                u32::try_from(hours_to_secs(spec.sample_service_h(false, rng))).unwrap_or(u32::MAX);
            let unit = Unit::Standing(service_s);
            if let Some(visit) = self.st.facilities[f.index()].stand(unit, SimTime::ZERO) {
                self.begin_service(f, visit, SimTime::ZERO);
            }
        }
    }

    fn run(&mut self) {
        let horizon = self.model.horizon;
        loop {
            let pending = self.st.queue.len() as u64;
            let Some((now, event)) = self.st.queue.pop() else {
                break;
            };
            self.end_days(now);
            if now >= horizon {
                if !self.acc.closed() {
                    self.close_window();
                }
                // The drain is over when the window's shipments are all delivered; the
                // event that finds it so, and the rest, are never dispatched.
                if self.st.cohort_alive == 0 {
                    break;
                }
                if now >= self.model.drain_end {
                    self.st.work.drain_s = self.model.drain_end.saturating_sub(horizon);
                    break;
                }
            }
            let work = &mut self.st.work;
            work.peak_pending_events = work.peak_pending_events.max(pending);
            work.events += 1;
            match event {
                Event::ShipmentArrival { demand } => self.on_shipment_arrival(demand, now),
                Event::BackgroundArrival { facility } => self.on_background(facility, now),
                Event::ServiceDone {
                    facility,
                    unit,
                    arrived,
                } => self.on_service_done(facility, unit, arrived, now),
                Event::Departure { service, n } => self.on_departure(service, n, now),
                Event::VehicleArrival { vehicle } => self.on_vehicle_arrival(vehicle, now),
                Event::VehicleReady { vehicle } => self.on_vehicle_ready(vehicle, now),
                Event::TruckArrival { shipment } => self.next_leg(shipment, now),
                Event::DisruptionStart { disruption } => {
                    self.on_disruption(disruption, true, now);
                }
                Event::DisruptionEnd { disruption } => {
                    self.on_disruption(disruption, false, now);
                }
            }
        }
    }

    fn on_shipment_arrival(&mut self, demand: DemandId, now: SimTime) {
        let d = demand.index();
        let rng = self.st.streams.arrivals(self.model, demand);
        let at = (self.st.demand_clocks).next(d, rng, self.model.demand_shipments_per_h[d]);
        self.schedule_arrival(at, demand);
        let streams = &mut self.st.streams;
        let draw = || streams.route_choice(self.model, demand).random();
        let Some(route) = self.routes.pick(demand, now, draw) else {
            return;
        };
        let first_leg = self.routes.first_leg(route);
        let s = self.st.shipments.create(demand, route, first_leg, now);
        self.st.cohort_alive += u64::from(self.model.in_window(now));
        self.acc.record(Record::Created { route, at: now });
        self.declare_in_advance(s, now);
        self.walk(s, now);
    }

    /// Lodges the shipment's customs declaration as it leaves its origin, if its route
    /// clears customs at a hub with advance declaration: the declaration queues for that
    /// hub's customs servers now, in parallel with the line-haul.
    fn declare_in_advance(&mut self, s: ShipmentId, now: SimTime) {
        let route = self.routes.route(self.st.shipments.get(s).route);
        let Some(f) = route
            .customs_hub
            .and_then(|h| self.model.hub_customs[h.index()])
        else {
            return;
        };
        if self.model.facilities[f.index()].advance {
            self.st.shipments.get_mut(s).declaration = Declaration::Pending;
            let teu = self.model.shipment_teu;
            self.join_facility(f, Unit::Declaration(s), teu, now);
        }
    }

    /// The advance declaration of `s` is processed: a shipment held at the customs hub
    /// goes on at once; one still travelling will pass customs without stopping.
    fn on_declared(&mut self, s: ShipmentId, now: SimTime) {
        let sh = self.st.shipments.get_mut(s);
        let waiting = sh.declaration == Declaration::Waiting;
        sh.declaration = Declaration::Cleared;
        if waiting {
            self.next_leg(s, now);
        }
    }

    /// The shipment has finished its current leg: on to the next.
    pub(super) fn next_leg(&mut self, s: ShipmentId, now: SimTime) {
        let sh = self.st.shipments.get_mut(s);
        sh.at = sh.at.next();
        self.walk(s, now);
    }

    /// Starts the shipment's current leg (skipping instant ones), or delivers it.
    fn walk(&mut self, s: ShipmentId, now: SimTime) {
        loop {
            let sh = *self.st.shipments.get(s);
            let Some(leg) = self.routes.leg_at(sh.at) else {
                self.deliver(s, now);
                return;
            };
            self.st.work.shipment_legs += 1;
            let facility = match leg {
                Leg::Customs { .. } if sh.declaration != Declaration::None => {
                    if sh.declaration == Declaration::Cleared {
                        self.st.shipments.get_mut(s).at = sh.at.next();
                        continue;
                    }
                    // Still being processed: held here until it is.
                    self.st.shipments.get_mut(s).declaration = Declaration::Waiting;
                    return;
                }
                Leg::Customs { hub } => self.model.hub_customs[hub.index()],
                Leg::Transfer { hub } => self.model.hub_transfer[hub.index()],
                Leg::Drive { link, .. } => {
                    self.enter_link(Traveller::Truck(s), link, now);
                    return;
                }
                Leg::Ride { service, board, .. } => {
                    let slot = self.model.stop_slot(service, board);
                    self.st.stop_queues[slot].push_back((s, now));
                    return;
                }
            };
            match facility {
                Some(f) => {
                    let teu = self.model.shipment_teu;
                    self.join_facility(f, Unit::Shipment(s), teu, now);
                    return;
                }
                // A hub without the facility handles the leg instantly and for free.
                None => self.st.shipments.get_mut(s).at = sh.at.next(),
            }
        }
    }

    /// Delivers shipment `s` at `at` and frees its slot.
    pub(super) fn deliver(&mut self, s: ShipmentId, at: SimTime) {
        let sh = self.st.shipments.get(s);
        if self.model.in_window(sh.created) {
            self.st.cohort_alive -= 1;
            let after_horizon = at.saturating_sub(self.model.horizon);
            self.st.work.drain_s = self.st.work.drain_s.max(after_horizon);
        }
        self.acc.record(Record::Delivered {
            route: sh.route,
            created: sh.created,
            at,
        });
        self.st.shipments.remove(s);
    }

    /// A unit joins facility `f`'s queue.
    pub(super) fn join_facility(&mut self, f: FacilityId, unit: Unit, teu: u32, now: SimTime) {
        let visit = Visit {
            unit,
            arrived: now,
            teu,
        };
        if let Some(visit) = self.st.facilities[f.index()].arrive(visit, now) {
            self.begin_service(f, visit, now);
        }
    }

    /// Starts every unit that a free server can take.
    fn start_services(&mut self, f: FacilityId, now: SimTime) {
        while let Some(visit) = self.st.facilities[f.index()].try_start(now) {
            self.begin_service(f, visit, now);
        }
    }

    /// `visit` has taken a server at facility `f`: samples its service time and schedules
    /// its completion.
    fn begin_service(&mut self, f: FacilityId, visit: Visit, now: SimTime) {
        let spec = &self.model.facilities[f.index()];
        let factor = match spec.kind {
            FacilityKind::Transfer(h) | FacilityKind::Customs(h) => self.st.effects.hub_factor(h),
            FacilityKind::Bottleneck(l) => self.st.effects.link_factor(l),
        };
        let hours = match visit.unit {
            Unit::Background(secs) | Unit::Standing(secs) => secs as f64 / 3600.0,
            Unit::Shipment(s) | Unit::Declaration(s) => {
                let demand = self.st.shipments.get(s).demand;
                let import = self.model.demand_imports[demand.index()];
                spec.sample_service_h(import, self.st.streams.facility(self.model, f))
            }
            Unit::Traveller(_) => {
                spec.sample_service_h(false, self.st.streams.facility(self.model, f))
            }
        };
        let done = now + hours_to_secs(hours * factor);
        self.acc.record(Record::Started {
            facility: f,
            waited_s: now.saturating_sub(visit.arrived),
            at: now,
        });
        let event = Event::ServiceDone {
            facility: f,
            unit: visit.unit,
            arrived: visit.arrived,
        };
        self.st.queue.push(done, event);
    }

    fn on_service_done(&mut self, f: FacilityId, unit: Unit, arrived: SimTime, now: SimTime) {
        self.st.facilities[f.index()].complete(unit, arrived, now);
        let teu = match unit {
            Unit::Background(_) | Unit::Standing(_) | Unit::Declaration(_) => 0,
            Unit::Shipment(_) | Unit::Traveller(Traveller::Truck(_)) => self.model.shipment_teu,
            Unit::Traveller(Traveller::Vehicle(v)) => self.st.fleet.get(v).load_teu,
        };
        self.acc.record(Record::Released {
            facility: f,
            teu,
            at: now,
        });
        self.start_services(f, now);
        match unit {
            Unit::Background(_) | Unit::Standing(_) => {}
            Unit::Declaration(s) => self.on_declared(s, now),
            Unit::Shipment(s) => self.next_leg(s, now),
            Unit::Traveller(who) => {
                // Only a link's bottleneck takes travellers (`enter_link`).
                let FacilityKind::Bottleneck(link) = self.model.facilities[f.index()].kind else {
                    unreachable!("a traveller served at a hub facility");
                };
                self.start_travel(who, link, now);
            }
        }
    }

    fn on_background(&mut self, f: FacilityId, now: SimTime) {
        let spec = &self.model.facilities[f.index()];
        let rng = self.st.streams.background(self.model, f);
        let at = (self.st.background_clocks).next(f.index(), rng, spec.background_per_h);
        let service_s =
            u32::try_from(hours_to_secs(spec.sample_service_h(false, rng))).unwrap_or(u32::MAX);
        self.schedule(at, Event::BackgroundArrival { facility: f });
        self.join_facility(f, Unit::Background(service_s), 0, now);
    }

    /// Disruption `d` starts (`on`) or ends.
    fn on_disruption(&mut self, d: DisruptionId, on: bool, now: SimTime) {
        let (target, changed) = self.st.effects.toggle(self.model, d, on);
        if !changed {
            return;
        }
        match self.model.disruptions[d.index()].effect {
            EffectKind::Closure => self.set_closed(target, on, now),
            EffectKind::Capacity => self.set_capacity(target, now),
            EffectKind::Slowdown => {}
        }
    }

    /// The servers of `target`'s facilities follow the strictest active capacity
    /// reduction, or return to their full number.
    fn set_capacity(&mut self, target: Target, now: SimTime) {
        let facilities = match target {
            Target::Link(l) => [self.model.link_bottleneck[l.index()], None],
            Target::Hub(h) => [
                self.model.hub_transfer[h.index()],
                self.model.hub_customs[h.index()],
            ],
            Target::Service(_) => [None, None],
        };
        let cap = self.st.effects.server_cap(self.model, target);
        for f in facilities.into_iter().flatten() {
            let full = self.model.facilities[f.index()].servers;
            let servers = cap.map_or(full, |c| c.min(full));
            self.st.facilities[f.index()].set_servers(servers, now);
            self.start_services(f, now);
        }
    }

    /// A closure of `target` starts (`closed`) or ends.
    fn set_closed(&mut self, target: Target, closed: bool, now: SimTime) {
        match target {
            Target::Link(l) => {
                if let Some(f) = self.model.link_bottleneck[l.index()] {
                    self.st.facilities[f.index()].set_closed(closed, now);
                    if !closed {
                        self.start_services(f, now);
                    }
                } else if !closed {
                    // Release this link's units in the order they were held; keep the rest.
                    let mut released = Vec::new();
                    self.st.held_on_link.retain(|&(link, who)| {
                        if link == l {
                            released.push(who);
                        }
                        link != l
                    });
                    for who in released {
                        self.start_travel(who, l, now);
                    }
                }
            }
            Target::Hub(h) => {
                let facilities = [
                    self.model.hub_transfer[h.index()],
                    self.model.hub_customs[h.index()],
                ];
                for f in facilities.into_iter().flatten() {
                    self.st.facilities[f.index()].set_closed(closed, now);
                    if !closed {
                        self.start_services(f, now);
                    }
                }
            }
            Target::Service(v) => {
                if !closed {
                    let mut held = std::mem::take(&mut self.st.held_vehicles[v.index()]);
                    for vehicle in held.drain(..) {
                        self.depart_stop(vehicle, now);
                    }
                    self.st.held_vehicles[v.index()] = held;
                }
            }
        }
    }

    /// Closes the observation window at the horizon: trips under way are recorded, cut,
    /// and the facilities' statistics are taken.
    fn close_window(&mut self) {
        let horizon = self.model.horizon;
        self.end_days(SimTime::MAX);
        for v in self.st.fleet.active() {
            self.acc.record(trip_record(self.model, v));
        }
        let facilities = self.st.facilities.iter_mut().map(|f| f.finish(horizon));
        self.acc.close(facilities);
    }

    /// Takes the end-of-day queues of every day that ended by `now` (before any event at
    /// `now` happens), when the model counts day by day. A day's check per event is one
    /// comparison.
    fn end_days(&mut self, now: SimTime) {
        let Some(daily) = self.acc.daily() else {
            return;
        };
        while let Some(d) = daily.day_ending_by(now) {
            for (i, f) in self.st.facilities.iter().enumerate() {
                let teu = f.waiting().map(|v| u64::from(v.teu)).sum();
                daily.facility_queue(d, i, f.queue_len() as u64, teu);
            }
            for (i, (spec, svc)) in self
                .model
                .services
                .iter()
                .zip(&self.model.scenario.services)
                .enumerate()
            {
                let slots = &self.st.stop_queues[spec.stop_base..spec.stop_base + svc.stops.len()];
                let waiting: usize = slots.iter().map(std::collections::VecDeque::len).sum();
                daily.service_queue(d, i, waiting as u64);
            }
            daily.end_day(d);
        }
    }

    /// Closes the books when the replication ends.
    fn finish(mut self, replication: u32) -> ReplicationResult {
        if !self.acc.closed() {
            self.close_window();
        }
        for s in self.st.shipments.alive() {
            self.acc.in_transit(s.demand, s.created);
        }
        self.acc.finish(replication, self.st.work)
    }
}

/// The record of a vehicle's trip, ended or cut by the horizon.
pub(super) fn trip_record(model: &Model<'_>, v: &super::vehicle::Vehicle) -> Record {
    let cap = f64::from(model.services[v.service.index()].capacity_teu);
    Record::TripEnded {
        service: v.service,
        departed: v.departed,
        load_factor: (v.km > 0.0).then(|| v.teu_km / (cap * v.km)),
        peak_load_teu: v.peak_load_teu,
    }
}
