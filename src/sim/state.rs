//! The mutable state of one replication.
//!
//! Everything a replication changes lives here, in dense `Vec`s indexed by typed ids, and
//! nothing here is shared: the [`super::Model`] it runs on is borrowed immutably, so any
//! number of replications run side by side without locks. Queues are `VecDeque`s that keep
//! their capacity, and delivered shipments and finished vehicles free slots that are reused,
//! so the steady state allocates nothing per event; [`State::reset`] carries the buffers on
//! to a worker's next replication.

use crate::ids::LinkId;
use std::collections::VecDeque;

use crate::time::SimTime;

use super::arrivals::ArrivalClocks;
use super::disruption::Effects;
use super::event_queue::EventQueue;
use super::events::Event;
use super::facility::{Facility, Traveller};
use super::ids::{ShipmentId, VehicleId};
use super::model::Model;
use super::result::Workload;
use super::shipment::Shipments;
use super::streams::Streams;
use super::vehicle::Fleet;

/// The state of one replication.
#[derive(Debug)]
pub struct State {
    /// Future events.
    pub queue: EventQueue<Event>,
    /// Random streams.
    pub streams: Streams,
    /// Exact time of the last arrival of each demand flow, by [`crate::ids::DemandId`].
    pub demand_clocks: ArrivalClocks,
    /// Exact time of the last background arrival at each facility, by
    /// [`super::ids::FacilityId`] (used by bottlenecks with background traffic only).
    pub background_clocks: ArrivalClocks,
    /// What is closed or slowed.
    pub effects: Effects,
    /// Facilities, by [`super::ids::FacilityId`].
    pub facilities: Vec<Facility>,
    /// Shipments under way.
    pub shipments: Shipments,
    /// Vehicles under way.
    pub fleet: Fleet,
    /// Shipments waiting for a service at a stop, with the time they started waiting; by
    /// [`Model::stop_slot`], first come first served.
    pub stop_queues: Vec<VecDeque<(ShipmentId, SimTime)>>,
    /// Vehicles and trucks waiting at the entry of a closed link without a bottleneck (a
    /// link with one holds them in its bottleneck queue instead), with the link, in the
    /// order they arrived. One list rather than one per link: closures are rare, and a
    /// per-link table cost a large network megabytes per replication.
    pub held_on_link: Vec<(LinkId, Traveller)>,
    /// Vehicles held at an intermediate stop while their service is closed; by service.
    pub held_vehicles: Vec<Vec<VehicleId>>,
    /// Reused buffer for shipments alighting at a stop.
    pub scratch: Vec<ShipmentId>,
    /// Events processed, legs begun, peak pending events.
    pub work: Workload,
    /// Shipments created in the observation window and not yet delivered: the drain after
    /// the horizon ends when this reaches 0.
    pub cohort_alive: u64,
}

impl State {
    /// The initial state of `replication`: empty queues, open facilities, fresh streams.
    #[must_use]
    pub fn new(model: &Model<'_>, replication: u32) -> State {
        let s = model.scenario;
        State {
            queue: EventQueue::with_capacity(256),
            streams: Streams::new(model, replication),
            demand_clocks: ArrivalClocks::new(s.demand.len()),
            background_clocks: ArrivalClocks::new(model.facilities.len()),
            effects: Effects::new(model),
            facilities: model
                .facilities
                .iter()
                .map(|f| Facility::new(f.servers, model.warmup, f.freight_first))
                .collect(),
            shipments: Shipments::default(),
            fleet: Fleet::default(),
            stop_queues: vec![VecDeque::new(); model.stop_slots],
            held_on_link: Vec::new(),
            held_vehicles: vec![Vec::new(); s.services.len()],
            scratch: Vec::new(),
            work: Workload::default(),
            cohort_alive: 0,
        }
    }

    /// Turns this state, left by any replication of `model`, into the initial state of
    /// `replication` — equal to [`State::new`]'s in everything the simulation can observe,
    /// ids of new shipments and vehicles included — but keeping every buffer's capacity,
    /// so a worker running replication after replication stops allocating after the first.
    pub fn reset(&mut self, model: &Model<'_>, replication: u32) {
        self.queue.clear();
        self.streams.reset(replication);
        self.demand_clocks.reset();
        self.background_clocks.reset();
        self.effects.clear(model);
        for (f, spec) in self.facilities.iter_mut().zip(&model.facilities) {
            f.reset(spec.servers, model.warmup);
        }
        self.shipments.clear();
        self.fleet.clear();
        for q in &mut self.stop_queues {
            q.clear();
        }
        self.held_on_link.clear();
        for held in &mut self.held_vehicles {
            held.clear();
        }
        self.scratch.clear();
        self.work = Workload::default();
        self.cohort_alive = 0;
    }
}
