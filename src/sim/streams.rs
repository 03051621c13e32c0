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

use rand_chacha::ChaCha8Rng;

use crate::rng::{Purpose, StreamKey, stream};

use super::ids::FacilityId;
use super::model::{FacilityKind, Model};

/// Every stream of one replication, in dense `Vec`s by entity index.
#[derive(Clone, Debug)]
pub struct Streams {
    /// Inter-arrival times, by demand.
    pub arrivals: Vec<ChaCha8Rng>,
    /// Route choice, by demand.
    pub route_choice: Vec<ChaCha8Rng>,
    /// Service times, by facility.
    pub facility: Vec<ChaCha8Rng>,
    /// Background traffic (arrivals and server times), by facility; only bottlenecks use it.
    pub background: Vec<ChaCha8Rng>,
    /// Travel times, by link.
    pub link_travel: Vec<ChaCha8Rng>,
    /// Dwell at stops, by service.
    pub dwell: Vec<ChaCha8Rng>,
    /// Occurrence, start and duration, by disruption.
    pub disruption: Vec<ChaCha8Rng>,
}

impl Streams {
    /// The streams of `replication` under the scenario's master seed.
    #[must_use]
    pub fn new(model: &Model<'_>, replication: u32) -> Streams {
        let s = model.scenario;
        let seed = s.meta.seed;
        let rep = u64::from(replication);
        let of = |id: &str, p: Purpose| stream(seed, StreamKey::for_id(rep, id, p));
        let facility_purpose = |f: usize| match model.facilities[f].kind {
            FacilityKind::Transfer(_) => Purpose::HubTransfer,
            FacilityKind::Customs(_) => Purpose::HubCustoms,
            FacilityKind::Bottleneck(_) => Purpose::Bottleneck,
        };
        let facility_ids = (0..model.facilities.len()).map(FacilityId::new);
        Streams {
            arrivals: s
                .demand
                .iter()
                .map(|d| of(&d.id, Purpose::DemandArrivals))
                .collect(),
            route_choice: s
                .demand
                .iter()
                .map(|d| of(&d.id, Purpose::RouteChoice))
                .collect(),
            facility: facility_ids
                .clone()
                .map(|f| of(model.facility_stream_id(f), facility_purpose(f.index())))
                .collect(),
            background: facility_ids
                .map(|f| of(model.facility_stream_id(f), Purpose::BottleneckBackground))
                .collect(),
            link_travel: s
                .links
                .iter()
                .map(|l| of(&l.id, Purpose::LinkTravel))
                .collect(),
            dwell: s
                .services
                .iter()
                .map(|v| of(&v.id, Purpose::ServiceDwell))
                .collect(),
            disruption: s
                .disruptions
                .iter()
                .map(|d| of(&d.id, Purpose::Disruption))
                .collect(),
        }
    }
}
