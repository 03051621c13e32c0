//! The compiled, immutable simulation model.
//!
//! Built once per run from a validated [`Scenario`] and then only borrowed: every
//! replication (on any thread) reads the same `Model`. Compiling here means the hot path
//! never looks anything up by name, never re-validates a distribution and never converts
//! units: samplers are ready, facilities have dense ids, times are [`SimTime`] seconds.
//!
//! Facilities are numbered hub by hub (transfer, then customs), then bottleneck by link,
//! which is also the row order of `hub_summary.csv`.

use thiserror::Error;

use crate::dist::{DistError, Sampler};
use crate::ids::{DisruptionId, HubId, LinkId, ServiceId};
use crate::scenario::{
    BottleneckPriority, CustomsRegime, EffectKind, QueueStart, Scenario, Target,
};
use crate::time::SimTime;

use super::ids::FacilityId;

/// Why a scenario cannot be compiled into a model: a time distribution whose parameters
/// give no sampler. The loader's validation rules this out; it remains for scenarios built
/// in code. Everything else the engine relies on is held by the scenario's types (e.g.
/// [`crate::scenario::SimWindow`]) or simulated as stated (a service that cannot take one
/// shipment leaves its freight waiting).
#[derive(Debug, Error)]
pub enum ModelError {
    /// A distribution failed to compile.
    #[error("{entity}: field `{field}`: {source}")]
    Dist {
        /// The entity, e.g. `hub "port-a"`.
        entity: String,
        /// The field, e.g. `customs.time_h`.
        field: &'static str,
        /// What is wrong.
        source: DistError,
    },
    /// A bottleneck to start in a steady state that its load does not have.
    #[error(
        "{entity}: field `bottleneck.start` = \"stationary\" needs a utilisation of \
         at most {max}, got {utilisation}"
    )]
    NoSteadyState {
        /// The link, e.g. `link "yichang-lock"`.
        entity: String,
        /// Background and timetabled arrivals × mean service time / servers.
        utilisation: f64,
        /// [`crate::scenario::limits::STATIONARY_UTILISATION_MAX`].
        max: f64,
    },
}

/// What a facility is and whose it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacilityKind {
    /// A hub's transfer servers (moving containers between vehicles).
    Transfer(HubId),
    /// A hub's customs servers.
    Customs(HubId),
    /// A link's bottleneck (e.g. a ship lock), passed by vehicles as one unit.
    Bottleneck(LinkId),
}

/// A multi-server FIFO facility as compiled.
#[derive(Clone, Debug)]
pub struct FacilitySpec {
    /// Kind and owner.
    pub kind: FacilityKind,
    /// Parallel servers (≥ 1).
    pub servers: u32,
    /// Service time per unit, hours (for two-step customs, the release step).
    pub service_h: Sampler,
    /// Customs only: service time of an import declaration, hours, where the hub states
    /// one (and holds for the whole declaration); `None`: as `service_h`.
    pub import_service_h: Option<Sampler>,
    /// Same-day transfer target: sampled service times are capped at this, hours.
    pub cap_h: Option<f64>,
    /// Advance declaration (customs only): shipments are declared when they leave their
    /// origin, and the facility processes the declaration while they travel.
    pub advance: bool,
    /// Background units (bottlenecks only) per hour, Poisson; 0 for none.
    pub background_per_h: f64,
    /// Background units wait behind every other unit (bottlenecks with freight priority).
    pub freight_first: bool,
    /// The load a stationary start draws from, Erlangs (background and timetabled vehicles
    /// through the link, × mean service time: [`crate::scenario::Bottleneck::stationary_offered`]),
    /// when each replication starts with a stationary draw of background units
    /// (bottlenecks with `start = "stationary"`); `None` to start empty.
    pub stationary_offered: Option<f64>,
}

impl FacilitySpec {
    /// One unit's service time, hours, before any slowdown: a draw (from the import
    /// time when `import` and the facility has one), capped at the same-day target if
    /// there is one.
    #[inline]
    pub fn sample_service_h<R: rand::Rng + ?Sized>(&self, import: bool, rng: &mut R) -> f64 {
        let sampler = match (&self.import_service_h, import) {
            (Some(s), true) => s,
            _ => &self.service_h,
        };
        let h = sampler.sample_h(rng);
        self.cap_h.map_or(h, |cap| h.min(cap))
    }
}

/// A service as compiled.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    /// TEU per departure.
    pub capacity_teu: u32,
    /// Dwell at intermediate stops, hours.
    pub dwell_h: Sampler,
    /// Length of each leg (`legs[i]` from `stops[i]` to `stops[i + 1]`), km.
    pub leg_km: Vec<f64>,
    /// Index of this service's first stop in the flat per-(service, stop) arrays.
    pub stop_base: usize,
    /// First departure from the first stop, hours after t = 0.
    pub first_departure_h: f64,
    /// Time between departures, hours.
    pub headway_h: f64,
    /// Fixed schedule: each leg's running time and the dwell at intermediate stops,
    /// hours, replacing the sampled ones (see `Service::scheduled_times_h`).
    pub scheduled: Option<(Vec<f64>, f64)>,
}

impl ServiceSpec {
    /// Time of the `n`-th departure from the first stop, computed from `n` (not by adding
    /// headways) so rounding never accumulates.
    #[must_use]
    pub fn departure_time(&self, n: u32) -> SimTime {
        SimTime::from_hours_f64(self.first_departure_h + f64::from(n) * self.headway_h)
    }
}

/// A disruption as compiled.
#[derive(Clone, Debug)]
pub struct DisruptionSpec {
    /// What it hits.
    pub target: Target,
    /// Chance per replication.
    pub probability: f64,
    /// Start, days after t = 0.
    pub start_days: Sampler,
    /// Duration, days.
    pub duration_days: Sampler,
    /// Closure, slowdown or capacity reduction.
    pub effect: EffectKind,
    /// Multiplier of sampled times while active (1 for closures).
    pub time_factor: f64,
    /// Servers left by a capacity reduction (0 for other effects).
    pub servers: u32,
}

/// The longest a replication runs past its horizon to deliver the shipments created in
/// the observation window (the drain). Longer than any door-to-door transit on Earth, so
/// only freight stuck for good (e.g. behind a closure that never ends) is still under way
/// at its end; it is reported as undelivered.
pub const MAX_DRAIN_DAYS: f64 = 365.0;

/// The immutable model every replication borrows.
#[derive(Clone, Debug)]
pub struct Model<'s> {
    /// The scenario it was compiled from (names, ids, costs).
    pub scenario: &'s Scenario,
    /// End of the observation window.
    pub horizon: SimTime,
    /// Start of the observation window: shipments created earlier are not counted, and
    /// facility and service statistics cover `[warmup, horizon)`.
    pub warmup: SimTime,
    /// The latest a replication runs: the horizon plus [`MAX_DRAIN_DAYS`]. Shipments
    /// created in the window are followed to delivery after the horizon (the drain), and
    /// the replication ends when the last of them is delivered or at this time.
    pub drain_end: SimTime,
    /// TEU per shipment.
    pub shipment_teu: u32,
    /// Every facility, by [`FacilityId`].
    pub facilities: Vec<FacilitySpec>,
    /// The transfer facility of each hub.
    pub hub_transfer: Vec<Option<FacilityId>>,
    /// The customs facility of each hub.
    pub hub_customs: Vec<Option<FacilityId>>,
    /// The bottleneck facility of each link.
    pub link_bottleneck: Vec<Option<FacilityId>>,
    /// Travel time of each link, hours.
    pub link_travel_h: Vec<Sampler>,
    /// Each service, by [`ServiceId`].
    pub services: Vec<ServiceSpec>,
    /// Number of (service, stop) pairs: the size of the stop-queue array.
    pub stop_slots: usize,
    /// Shipment arrival rate of each demand flow, per hour.
    pub demand_shipments_per_h: Vec<f64>,
    /// Per demand: it makes an import declaration (customs draws its import time).
    pub demand_imports: Vec<bool>,
    /// Disruptions, by [`DisruptionId`].
    pub disruptions: Vec<DisruptionSpec>,
    /// Whether replications count day by day ([`super::daily`]): for `timeseries.csv` and
    /// the recovery figure. Off after [`Model::new`]; the commands that write them turn it
    /// on, so the others keep neither the counters nor their memory.
    pub timeseries: bool,
}

fn compile(
    dist: &crate::dist::Dist,
    entity: impl FnOnce() -> String,
    field: &'static str,
) -> Result<Sampler, ModelError> {
    dist.sampler().map_err(|source| ModelError::Dist {
        entity: entity(),
        field,
        source,
    })
}

impl<'s> Model<'s> {
    /// Compiles `scenario`.
    ///
    /// # Errors
    /// A [`ModelError`] for what validation cannot rule out (see its variants).
    pub fn new(scenario: &'s Scenario) -> Result<Model<'s>, ModelError> {
        let meta = &scenario.meta;
        let mut facilities = Vec::new();
        let mut hub_transfer = Vec::with_capacity(scenario.hubs.len());
        let mut hub_customs = Vec::with_capacity(scenario.hubs.len());
        for (i, hub) in scenario.hubs.iter().enumerate() {
            let id = HubId::new(i);
            let who = || format!("hub \"{}\"", hub.id);
            let mut add = |f: &crate::scenario::Facility,
                           kind: FacilityKind,
                           field: &'static str,
                           time_h: &crate::dist::Dist,
                           cap_h: Option<f64>,
                           advance: bool|
             -> Result<FacilityId, ModelError> {
                facilities.push(FacilitySpec {
                    kind,
                    servers: f.servers.max(1),
                    service_h: compile(time_h, who, field)?,
                    import_service_h: None,
                    cap_h,
                    advance,
                    background_per_h: 0.0,
                    freight_first: false,
                    stationary_offered: None,
                });
                Ok(FacilityId::new(facilities.len() - 1))
            };
            hub_transfer.push(match &hub.transfer {
                Some(f) => Some(add(
                    f,
                    FacilityKind::Transfer(id),
                    "transfer.time_h",
                    &f.time_h,
                    hub.transfer_target_h,
                    false,
                )?),
                None => None,
            });
            let policy = &hub.customs_policy;
            hub_customs.push(match &hub.customs {
                Some(f) => {
                    let (time_h, field) = match &policy.two_step_release_h {
                        Some(r) => (r, "customs.two_step_release_h"),
                        None => (&f.time_h, "customs.time_h"),
                    };
                    let c = add(
                        f,
                        FacilityKind::Customs(id),
                        field,
                        time_h,
                        None,
                        policy.advance_declaration,
                    )?;
                    // A two-step declaration holds imports for the release step too.
                    if let (None, Some(d)) = (&policy.two_step_release_h, &policy.import_time_h) {
                        facilities[c.index()].import_service_h =
                            Some(compile(d, who, "customs.import_time_h")?);
                    }
                    Some(c)
                }
                None => None,
            });
        }
        let mut link_bottleneck = Vec::with_capacity(scenario.links.len());
        let mut link_travel_h = Vec::with_capacity(scenario.links.len());
        for (i, link) in scenario.links.iter().enumerate() {
            let who = || format!("link \"{}\"", link.id);
            link_travel_h.push(compile(&link.time_h, who, "time_h")?);
            link_bottleneck.push(match &link.bottleneck {
                Some(b) => {
                    let link_id = LinkId::new(i);
                    let offered = b.stationary_offered(&scenario.services, link_id);
                    let utilisation = b.stationary_utilisation(&scenario.services, link_id);
                    let max = crate::scenario::limits::STATIONARY_UTILISATION_MAX;
                    // Validation refuses it; a scenario built in code must not panic later.
                    if b.start == QueueStart::Stationary
                        && (utilisation.is_nan() || utilisation > max)
                    {
                        return Err(ModelError::NoSteadyState {
                            entity: who(),
                            utilisation,
                            max,
                        });
                    }
                    facilities.push(FacilitySpec {
                        kind: FacilityKind::Bottleneck(LinkId::new(i)),
                        servers: b.servers.max(1),
                        service_h: compile(&b.time_h, who, "bottleneck.time_h")?,
                        import_service_h: None,
                        cap_h: None,
                        advance: false,
                        background_per_h: b.background_per_day.max(0.0) / 24.0,
                        freight_first: b.priority == BottleneckPriority::Freight,
                        stationary_offered: (b.start == QueueStart::Stationary).then_some(offered),
                    });
                    Some(FacilityId::new(facilities.len() - 1))
                }
                None => None,
            });
        }
        let mut services = Vec::with_capacity(scenario.services.len());
        let mut stop_slots = 0;
        for s in &scenario.services {
            services.push(ServiceSpec {
                capacity_teu: s.capacity_teu,
                dwell_h: compile(&s.dwell_h, || format!("service \"{}\"", s.id), "dwell_h")?,
                leg_km: s
                    .legs
                    .iter()
                    .map(|l| scenario.link(*l).distance_km)
                    .collect(),
                stop_base: stop_slots,
                first_departure_h: s.first_departure_h,
                headway_h: s.headway_h,
                scheduled: s.scheduled_times_h(&scenario.links),
            });
            stop_slots += s.stops.len();
        }
        let shipment_teu = f64::from(meta.shipment_teu.max(1));
        let demand_shipments_per_h = scenario
            .demand
            .iter()
            .map(|d| d.teu_per_day / shipment_teu / 24.0)
            .collect();
        let disruptions = scenario
            .disruptions
            .iter()
            .map(|d| {
                let who = || format!("disruption \"{}\"", d.id);
                Ok(DisruptionSpec {
                    target: d.target,
                    probability: d.probability,
                    start_days: compile(&d.start_days, who, "start_days")?,
                    duration_days: compile(&d.duration_days, who, "duration_days")?,
                    effect: d.effect,
                    time_factor: d.time_factor,
                    servers: d.servers,
                })
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(Model {
            scenario,
            horizon: SimTime::from_days_f64(meta.window.horizon_days()),
            drain_end: SimTime::from_days_f64(meta.window.horizon_days() + MAX_DRAIN_DAYS),
            warmup: SimTime::from_days_f64(meta.window.warmup_days()),
            shipment_teu: meta.shipment_teu.max(1),
            facilities,
            hub_transfer,
            hub_customs,
            link_bottleneck,
            link_travel_h,
            services,
            stop_slots,
            demand_shipments_per_h,
            demand_imports: (scenario.demand.iter())
                .map(|d| d.customs == CustomsRegime::Import)
                .collect(),
            disruptions,
            timeseries: false,
        })
    }

    /// Whether `t` is in the observation window `[warmup, horizon)`: the shipments
    /// created then are the cohort the statistics describe.
    #[inline]
    #[must_use]
    pub fn in_window(&self, t: SimTime) -> bool {
        self.warmup <= t && t < self.horizon
    }

    /// Length of the observation window `[warmup, horizon)`, hours.
    #[must_use]
    pub fn window_h(&self) -> f64 {
        self.horizon.saturating_sub(self.warmup) as f64 / 3600.0
    }

    /// The string id a facility's random streams are keyed by: the hub's id for transfer
    /// and customs (the purpose tells them apart), the link's id for a bottleneck.
    #[must_use]
    pub fn facility_stream_id(&self, f: FacilityId) -> &'s str {
        match self.facilities[f.index()].kind {
            FacilityKind::Transfer(h) | FacilityKind::Customs(h) => &self.scenario.hub(h).id,
            FacilityKind::Bottleneck(l) => &self.scenario.link(l).id,
        }
    }

    /// The disruptions that hit `target`, for recomputing its state when one toggles.
    pub fn disruptions_on(&self, target: Target) -> impl Iterator<Item = DisruptionId> + '_ {
        self.disruptions
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.target == target)
            .map(|(i, _)| DisruptionId::new(i))
    }

    /// The facilities a disruption of `target` acts on: a hub's transfer and customs, a
    /// link's bottleneck (none for a service).
    pub fn facilities_of(&self, target: Target) -> impl Iterator<Item = FacilityId> + use<> {
        let pair = match target {
            Target::Hub(h) => [self.hub_transfer[h.index()], self.hub_customs[h.index()]],
            Target::Link(l) => [self.link_bottleneck[l.index()], None],
            Target::Service(_) => [None, None],
        };
        pair.into_iter().flatten()
    }

    /// The service's stop-queue slot for stop index `stop`.
    #[inline]
    #[must_use]
    pub fn stop_slot(&self, service: ServiceId, stop: u16) -> usize {
        self.services[service.index()].stop_base + usize::from(stop)
    }
}
