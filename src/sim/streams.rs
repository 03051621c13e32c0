//! The random streams of one replication.
//!
//! Each random process has its own stream, addressed by `(seed, replication, entity string
//! id, purpose)` through [`crate::rng::stream`]: demand arrivals and route choice per demand
//! flow, service times per facility (hub transfer, hub customs, bottleneck), background
//! traffic per bottleneck, travel times per link (shared by the vehicles and the trucks that
//! use it), dwell per service, and one stream per disruption. Because a stream depends on
//! what it is and not on when it is asked, adding a zone or a flow leaves every other
//! entity's draws untouched (common random numbers), and results do not depend on threads.
//!
//! Each purpose is used by one kind of entity only, so ids of different kinds never share a
//! stream even when their strings coincide.
//!
//! Streams are created on first use: a replication of a 100 000-hub network touches a few
//! thousand of its 200 000 links, and seeding (and holding, ~300 bytes each) a ChaCha8
//! state for every entity up front cost more than simulating. Since a stream depends only
//! on its key, when it is created changes nothing.

use rand_chacha::ChaCha8Rng;

use crate::ids::{DemandId, DisruptionId, LinkId, ServiceId};
use crate::rng::{Purpose, StreamKey, stream};

use super::ids::FacilityId;
use super::model::{FacilityKind, Model};

/// Marks an entity whose stream has not been created yet.
const NONE: u32 = u32::MAX;

/// The streams of one purpose, by dense entity index, created on first use.
#[derive(Clone, Debug)]
pub struct StreamTable {
    /// Position in `rngs` of each entity's stream, or [`NONE`].
    slot: Vec<u32>,
    rngs: Vec<ChaCha8Rng>,
    /// The entity of each stream in `rngs`, so [`StreamTable::clear`] touches only those.
    owner: Vec<u32>,
}

impl StreamTable {
    fn new(entities: usize) -> StreamTable {
        StreamTable {
            slot: vec![NONE; entities],
            rngs: Vec::new(),
            owner: Vec::new(),
        }
    }

    /// Forgets every stream, as if none had been used.
    fn clear(&mut self) {
        for &i in &self.owner {
            self.slot[i as usize] = NONE;
        }
        self.owner.clear();
        self.rngs.clear();
    }

    /// The stream of entity `i` in replication `replication` under `seed`; `entity` gives
    /// its string id and purpose, asked (and hashed) only the first time.
    #[inline]
    fn get<'k>(
        &mut self,
        key: (u64, u64),
        i: usize,
        entity: impl FnOnce() -> (&'k str, Purpose),
    ) -> &mut ChaCha8Rng {
        let slot = self.slot[i];
        if slot != NONE {
            return &mut self.rngs[slot as usize];
        }
        self.create(key, i, entity())
    }

    /// Creates entity `i`'s stream: once per entity and replication, so kept out of line,
    /// leaving [`StreamTable::get`] a lookup the event handlers inline.
    #[cold]
    #[inline(never)]
    fn create(
        &mut self,
        (seed, replication): (u64, u64),
        i: usize,
        (id, purpose): (&str, Purpose),
    ) -> &mut ChaCha8Rng {
        let slot = u32::try_from(self.rngs.len()).expect("fewer than 2^32 entities");
        self.rngs
            .push(stream(seed, StreamKey::for_id(replication, id, purpose)));
        self.owner
            .push(u32::try_from(i).expect("fewer than 2^32 entities"));
        self.slot[i] = slot;
        &mut self.rngs[slot as usize]
    }
}

/// Every stream of one replication.
#[derive(Clone, Debug)]
pub struct Streams {
    /// Master seed and replication: the part of every stream key shared by all streams.
    key: (u64, u64),
    arrivals: StreamTable,
    route_choice: StreamTable,
    facility: StreamTable,
    background: StreamTable,
    link_travel: StreamTable,
    dwell: StreamTable,
    disruption: StreamTable,
}

impl Streams {
    /// The streams of `replication` under the scenario's master seed.
    #[must_use]
    pub fn new(model: &Model<'_>, replication: u32) -> Streams {
        let s = model.scenario;
        let facilities = model.facilities.len();
        Streams {
            key: (s.meta.seed, u64::from(replication)),
            arrivals: StreamTable::new(s.demand.len()),
            route_choice: StreamTable::new(s.demand.len()),
            facility: StreamTable::new(facilities),
            background: StreamTable::new(facilities),
            link_travel: StreamTable::new(s.links.len()),
            dwell: StreamTable::new(s.services.len()),
            disruption: StreamTable::new(s.disruptions.len()),
        }
    }

    /// Turns these into the streams of `replication` of the same model, as
    /// [`Streams::new`] would make them, without reallocating.
    pub fn reset(&mut self, replication: u32) {
        self.key.1 = u64::from(replication);
        for table in [
            &mut self.arrivals,
            &mut self.route_choice,
            &mut self.facility,
            &mut self.background,
            &mut self.link_travel,
            &mut self.dwell,
            &mut self.disruption,
        ] {
            table.clear();
        }
    }

    /// Inter-arrival times of demand flow `d`.
    #[inline]
    pub fn arrivals(&mut self, model: &Model<'_>, d: DemandId) -> &mut ChaCha8Rng {
        let demand = &model.scenario.demand;
        self.arrivals.get(self.key, d.index(), || {
            (&demand[d.index()].id, Purpose::DemandArrivals)
        })
    }

    /// Route choice of demand flow `d`.
    #[inline]
    pub fn route_choice(&mut self, model: &Model<'_>, d: DemandId) -> &mut ChaCha8Rng {
        let demand = &model.scenario.demand;
        self.route_choice.get(self.key, d.index(), || {
            (&demand[d.index()].id, Purpose::RouteChoice)
        })
    }

    /// Service times at facility `f`.
    #[inline]
    pub fn facility(&mut self, model: &Model<'_>, f: FacilityId) -> &mut ChaCha8Rng {
        self.facility.get(self.key, f.index(), || {
            let purpose = match model.facilities[f.index()].kind {
                FacilityKind::Transfer(_) => Purpose::HubTransfer,
                FacilityKind::Customs(_) => Purpose::HubCustoms,
                FacilityKind::Bottleneck(_) => Purpose::Bottleneck,
            };
            (model.facility_stream_id(f), purpose)
        })
    }

    /// Background traffic (arrivals and server times) at bottleneck facility `f`.
    #[inline]
    pub fn background(&mut self, model: &Model<'_>, f: FacilityId) -> &mut ChaCha8Rng {
        self.background.get(self.key, f.index(), || {
            (model.facility_stream_id(f), Purpose::BottleneckBackground)
        })
    }

    /// Travel times on link `l` (shared by the vehicles and trucks that use it).
    #[inline]
    pub fn link_travel(&mut self, model: &Model<'_>, l: LinkId) -> &mut ChaCha8Rng {
        let links = &model.scenario.links;
        self.link_travel.get(self.key, l.index(), || {
            (&links[l.index()].id, Purpose::LinkTravel)
        })
    }

    /// Dwell at the stops of service `v`.
    #[inline]
    pub fn dwell(&mut self, model: &Model<'_>, v: ServiceId) -> &mut ChaCha8Rng {
        let services = &model.scenario.services;
        self.dwell.get(self.key, v.index(), || {
            (&services[v.index()].id, Purpose::ServiceDwell)
        })
    }

    /// Occurrence, start and duration of disruption `d`.
    #[inline]
    pub fn disruption(&mut self, model: &Model<'_>, d: DisruptionId) -> &mut ChaCha8Rng {
        let disruptions = &model.scenario.disruptions;
        self.disruption.get(self.key, d.index(), || {
            (&disruptions[d.index()].id, Purpose::Disruption)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn draws(order: &[usize]) -> Vec<(usize, u64)> {
        let ids: Vec<String> = (0..4).map(|i| format!("entity-{i}")).collect();
        let mut table = StreamTable::new(4);
        let mut out = Vec::new();
        for &i in order {
            let rng = table.get((7, 3), i, || (&ids[i], Purpose::LinkTravel));
            out.push((i, rng.random()));
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn a_stream_does_not_depend_on_when_it_is_created() {
        // Same entities, each drawn from twice, first touched in different orders.
        let a = draws(&[0, 1, 2, 3, 0, 1, 2, 3]);
        let b = draws(&[3, 3, 1, 2, 0, 1, 0, 2]);
        assert_eq!(a, b);
        // And a stream continues where it left off rather than restarting.
        let c = draws(&[2, 2]);
        assert_ne!(c[0].1, c[1].1);
    }
}
