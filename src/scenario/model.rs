//! The validated scenario: what every later stage borrows.
//!
//! All references are resolved to dense typed ids, every number has been checked, and
//! every time distribution is a validated [`Dist`]. Nothing here can fail any more; code
//! that consumes a [`Scenario`] may rely on its invariants (documented per field).

pub use super::connect::Region;
use crate::dist::Dist;
use crate::ids::{CandidateId, ClassId, CorridorId, DemandId, HubId, LinkId, ServiceId};
use crate::num::Num;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What a hub is. Behaviour comes from the hub's facilities and links, with one rule: a
/// [`HubKind::Zone`] is where freight starts or ends and never a waypoint of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HubKind {
    /// An industrial zone or linked innovation area: an origin of freight.
    Zone,
    /// A river port.
    RiverPort,
    /// A rail terminal.
    RailTerminal,
    /// An airport.
    Airport,
    /// A road logistics base.
    RoadBase,
    /// A seaport.
    Seaport,
    /// A border gateway (customs, gauge change).
    Border,
    /// A destination region.
    Market,
}

/// Transport mode of a link or service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Trucking. A road link can always be driven without a service (continuous trucking).
    Road,
    /// Rail: only aboard a service.
    Rail,
    /// Inland waterway: only aboard a service.
    River,
    /// Ocean: only aboard a service.
    Sea,
    /// Air: only aboard a service.
    Air,
}

impl Mode {
    /// Every mode, in a fixed order.
    pub const ALL: [Mode; 5] = [Mode::Road, Mode::Rail, Mode::River, Mode::Sea, Mode::Air];

    /// The lowercase name used in files and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Road => "road",
            Mode::Rail => "rail",
            Mode::River => "river",
            Mode::Sea => "sea",
            Mode::Air => "air",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of modes (a demand's allowed modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModeSet(u8);

impl ModeSet {
    /// Every mode allowed.
    pub const ALL: ModeSet = ModeSet(0b1_1111);

    /// The set of the given modes.
    pub fn of(modes: &[Mode]) -> Self {
        ModeSet(modes.iter().fold(0, |acc, m| acc | m.bit()))
    }

    /// Whether `mode` is in the set.
    #[inline]
    pub fn contains(self, mode: Mode) -> bool {
        self.0 & mode.bit() != 0
    }
}

impl Default for ModeSet {
    fn default() -> Self {
        Self::ALL
    }
}

/// The simulated period of one replication: shipments created during the warm-up are
/// simulated but not counted; the observation window runs from the end of the warm-up to
/// the horizon.
///
/// Its invariants are held by the type, so the engine never re-checks them: both ends are
/// finite, `0 ≤ warmup_days`, and the window `horizon_days − warmup_days` lasts at least
/// [`SimWindow::MIN_WINDOW_DAYS`] (rates and utilisations are per hour of the window, so a
/// window that rounds to nothing on the clock would divide by zero).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimWindow {
    warmup_days: f64,
    horizon_days: f64,
}

/// Why a warm-up and horizon do not make a [`SimWindow`].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum SimWindowError {
    /// An end is not finite, or the warm-up is negative.
    #[error(
        "`warmup_days` ({}) and `horizon_days` ({}) must be finite, with `warmup_days` ≥ 0",
        Num(*.warmup_days),
        Num(*.horizon_days)
    )]
    OutOfRange {
        /// Warm-up, days.
        warmup_days: f64,
        /// Horizon, days.
        horizon_days: f64,
    },
    /// The horizon is not after the warm-up.
    #[error(
        "`horizon_days` ({}) must be greater than `warmup_days` ({})",
        Num(*.horizon_days),
        Num(*.warmup_days)
    )]
    HorizonNotAfterWarmup {
        /// Warm-up, days.
        warmup_days: f64,
        /// Horizon, days.
        horizon_days: f64,
    },
    /// The window is shorter than an hour.
    #[error(
        "the observation window, `horizon_days` - `warmup_days`, must be at least 1 hour, got {} days",
        Num(*.window_days)
    )]
    TooShort {
        /// `horizon_days − warmup_days`.
        window_days: f64,
    },
}

impl SimWindow {
    /// The shortest observation window, days (one hour).
    pub const MIN_WINDOW_DAYS: f64 = 1.0 / 24.0;

    /// A window from `warmup_days` to `horizon_days`.
    ///
    /// # Errors
    /// [`SimWindowError`] unless both are finite, `warmup_days ≥ 0` and the window lasts at
    /// least [`SimWindow::MIN_WINDOW_DAYS`].
    pub fn new(warmup_days: f64, horizon_days: f64) -> Result<SimWindow, SimWindowError> {
        if !(warmup_days.is_finite() && horizon_days.is_finite() && warmup_days >= 0.0) {
            return Err(SimWindowError::OutOfRange {
                warmup_days,
                horizon_days,
            });
        }
        if horizon_days <= warmup_days {
            return Err(SimWindowError::HorizonNotAfterWarmup {
                warmup_days,
                horizon_days,
            });
        }
        let window_days = horizon_days - warmup_days;
        if window_days < Self::MIN_WINDOW_DAYS {
            return Err(SimWindowError::TooShort { window_days });
        }
        Ok(SimWindow {
            warmup_days,
            horizon_days,
        })
    }

    /// Shipments created before this are simulated but not counted, days (≥ 0).
    #[inline]
    #[must_use]
    pub fn warmup_days(self) -> f64 {
        self.warmup_days
    }

    /// Simulated time per replication, days (> `warmup_days`).
    #[inline]
    #[must_use]
    pub fn horizon_days(self) -> f64 {
        self.horizon_days
    }

    /// The observation window, `horizon_days − warmup_days`, days (≥ one hour).
    #[inline]
    #[must_use]
    pub fn window_days(self) -> f64 {
        self.horizon_days - self.warmup_days
    }
}

/// Run-level settings from `[scenario]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    /// Scenario name, written in every output row.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Warm-up and horizon: the simulated period of one replication.
    pub window: SimWindow,
    /// Number of replications (≥ 1).
    pub replications: u32,
    /// Master seed of every random stream.
    pub seed: u64,
    /// TEU per simulated shipment (≥ 1).
    pub shipment_teu: u32,
}

/// Route-choice settings from `[choice]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// k best loopless routes per OD (≥ 1).
    pub k_routes: u32,
    /// θ of the relative-cost logit `P_r ∝ exp(−θ · GC_r / GC*)`; `f64::INFINITY` means
    /// all-or-nothing (> 0).
    pub logit_scale: f64,
    /// ρ in `GC = money + VOT · (E(T) + ρ · SD(T))` (≥ 0).
    pub reliability_ratio: f64,
    /// Default VOT as a share of cargo value per day (≥ 0).
    pub vot_rate_per_day: f64,
    /// How the freight of an OD is split among its routes.
    pub model: ChoiceModel,
    /// A route is offered only if its GC is at most this multiple of the OD's best
    /// (≥ 1; `f64::INFINITY`: no cut-off).
    pub gc_cutoff_ratio: f64,
    /// Route choice that responds to simulated congestion (`feedback`); `None`: shares
    /// from expected times only.
    pub feedback: Option<Feedback>,
}

/// `[choice] feedback`: shares re-chosen from the generalized costs shipments experienced
/// in the simulation, until they settle ([`crate::feedback`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Feedback {
    /// Most simulations of all replications whose experience updates the shares (≥ 1).
    pub iterations: u32,
    /// How each iteration's shares are averaged into the running ones.
    pub step: FeedbackStep,
    /// Converged once no share moves by more than this in an iteration (in (0, 1]).
    pub tolerance: f64,
    /// Length of a choice period, days: each period of the observation window gets its
    /// own shares, from what shipments created in it experienced (`None`: one period,
    /// the whole window).
    pub period_days: Option<f64>,
}

/// `[choice] feedback.tolerance` when not given: shares settled to a percentage point.
pub const DEFAULT_FEEDBACK_TOLERANCE: f64 = 0.01;

/// The averaging scheme of `[choice] feedback.step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedbackStep {
    /// The method of successive averages: step 1/n at iteration n (`"msa"`).
    Msa,
}

impl Default for Choice {
    fn default() -> Self {
        Self {
            k_routes: 20,
            logit_scale: 4.0,
            reliability_ratio: 0.0,
            vot_rate_per_day: 0.001,
            model: ChoiceModel::PathSize,
            gc_cutoff_ratio: 1.5,
            feedback: None,
        }
    }
}

/// λ of `model = "nested"` when `nest_lambda` is not given: choice_facts §5c, "λ ≈ 0.5"
/// (judgement; the published studies' logsum values were not available).
pub const DEFAULT_NEST_LAMBDA: f64 = 0.5;

/// The route choice model of `[choice] model`; see [`crate::routing::choice`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ChoiceModel {
    /// Multinomial logit over the routes (`"mnl"`).
    Mnl,
    /// Path-size logit, overlap measured by shared expected time (`"path_size"`).
    PathSize,
    /// Nested logit, one nest per main corridor (`"nested"`).
    Nested {
        /// Nest parameter λ in (0, 1] (`nest_lambda`); 1 is the MNL.
        lambda: f64,
    },
}

/// A named family of links and services: the unit planners report in.
#[derive(Clone, Debug, PartialEq)]
pub struct Corridor {
    /// Id from the file.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chinese name, if the scenario gives one (`name_zh`): shown beside `name` in the
    /// outputs.
    pub name_zh: Option<String>,
    /// Share taken off the rates of the corridor's links, services and connectors, in
    /// [0, 1) (a corridor rate discount). Already applied to their `cost_usd_per_teu` and
    /// `fare_usd_per_teu` in a validated scenario; kept here for reporting.
    pub rate_discount: f64,
    /// Added to the generalized cost of every route whose main corridor this is, in the
    /// route-choice logit only (USD/TEU, may be negative; 0 by default): what shippers
    /// weigh for or against the corridor beyond its money, time and reliability, fitted
    /// by `corridor calibrate`. It never changes which routes are examined or offered
    /// (see [`crate::routing::choice`]).
    pub choice_constant_usd_per_teu: f64,
}

/// How customs declarations are made at a hub (the FTZ declaration reforms).
///
/// - **On arrival** (neither field set): the shipment queues for the customs servers when
///   it reaches the hub and is held for the whole `customs.time_h`.
/// - **Advance declaration**: the declaration is lodged when the shipment leaves its
///   origin and is processed by the same servers while the shipment travels; on arrival it
///   is held only for whatever processing (queue included) is not finished yet.
/// - **Two-step declaration**: the shipment is released after the first step,
///   `two_step_release_h`, which is all it is held for and all it occupies a server for; the
///   full declaration is completed after release without holding the freight.
///
/// The two combine: an advance two-step declaration processes the release step in advance.
///
/// Imports and exports queue for the same servers, but an import declaration takes its
/// own time and charge when the hub states them (`import_time_h`,
/// `import_cost_usd_per_teu`): China's import clearance took 8× (2017) to 30× (2022) the
/// export time. Under a two-step declaration both directions are held for the release
/// step only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomsPolicy {
    /// Declaration lodged at the origin, processed in parallel with the line-haul.
    pub advance_declaration: bool,
    /// Time of the release step of a two-step declaration, hours; `None` for one step.
    pub two_step_release_h: Option<Dist>,
    /// Service time of an import declaration, hours; `None`: as `customs.time_h`.
    pub import_time_h: Option<Dist>,
    /// Charge of an import declaration, USD per TEU; `None`: as `customs.cost_usd_per_teu`.
    pub import_cost_usd_per_teu: Option<f64>,
}

/// Which customs declaration a flow makes, at the first hub of its route that has a
/// `customs` facility.
///
/// Domestic freight and transit under bond declare nothing: their routes never queue at
/// or pay a customs facility, and may ride through a customs stop without alighting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomsRegime {
    /// An export declaration (`customs.time_h`, `customs.cost_usd_per_teu`): the default.
    #[default]
    Export = 0,
    /// An import declaration (`customs.import_time_h`, `customs.import_cost_usd_per_teu`,
    /// each falling back to the export figure).
    Import = 1,
    /// No declaration: written `"none"` in a scenario.
    #[serde(rename = "none")]
    Exempt = 2,
}

impl CustomsRegime {
    /// Every regime, in discriminant order.
    pub const ALL: [CustomsRegime; 3] = [Self::Export, Self::Import, Self::Exempt];

    /// The word a scenario file uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Import => "import",
            Self::Exempt => "none",
        }
    }
}

/// A queue of identical servers with a service-time distribution and a charge: a hub's
/// transfer or customs facility.
#[derive(Clone, Debug, PartialEq)]
pub struct Facility {
    /// Parallel servers (≥ 1).
    pub servers: u32,
    /// Service time per shipment, hours.
    pub time_h: Dist,
    /// Charge per TEU (≥ 0).
    pub cost_usd_per_teu: f64,
}

/// A place where freight is handled.
#[derive(Clone, Debug, PartialEq)]
pub struct Hub {
    /// Id from the file.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chinese name, if the scenario gives one (`name_zh`): shown beside `name` in the
    /// outputs.
    pub name_zh: Option<String>,
    /// What it is.
    pub kind: HubKind,
    /// Latitude, degrees in [−90, 90].
    pub lat: f64,
    /// Longitude, degrees in [−180, 180].
    pub lon: f64,
    /// Moving a container between two vehicles or modes.
    pub transfer: Option<Facility>,
    /// Customs clearance, applied once per shipment at the first customs hub of its route.
    pub customs: Option<Facility>,
    /// How declarations are made at `customs` (default when the hub has none).
    pub customs_policy: CustomsPolicy,
    /// Same-day transfer: the terminal commits to finishing a transfer's handling within
    /// this many hours (service times are capped at it; the queue for a server remains).
    pub transfer_target_h: Option<f64>,
    /// Departure-port rebate: a credit per TEU for every shipment that boards a service
    /// here (≥ 0; 0 for none). It lowers the money cost of routes, never below zero.
    pub departure_rebate_usd_per_teu: f64,
    /// The candidate this hub came from, when a candidate was plugged in.
    pub from_candidate: Option<CandidateId>,
}

/// A queue every vehicle on a link must pass (e.g. a ship lock).
#[derive(Clone, Debug, PartialEq)]
pub struct Bottleneck {
    /// Display name.
    pub name: String,
    /// Parallel servers (≥ 1), e.g. lock lines.
    pub servers: u32,
    /// Time one vehicle occupies a server, hours.
    pub time_h: Dist,
    /// Other traffic (not modelled as services) arriving per day as a Poisson process and
    /// occupying servers the same way (≥ 0).
    pub background_per_day: f64,
    /// Who is served first when a server frees.
    pub priority: BottleneckPriority,
    /// The background queue a replication starts with.
    pub start: QueueStart,
}

impl Bottleneck {
    /// Vehicles per hour that the timetables of `services` send through `link` (this
    /// bottleneck's link): one per departure of every service with a leg on it, a service
    /// that uses it twice counting twice.
    #[must_use]
    pub fn timetabled_per_h(services: &[Service], link: LinkId) -> f64 {
        services
            .iter()
            .map(|v| v.legs.iter().filter(|&&l| l == link).count() as f64 / v.headway_h)
            .sum()
    }

    /// The load a stationary start draws from, Erlangs: the background plus the
    /// timetabled vehicles through `link`, times the mean of `time_h` (trucks, whose
    /// number depends on route choice, are left to the warm-up).
    #[must_use]
    pub fn stationary_offered(&self, services: &[Service], link: LinkId) -> f64 {
        let per_h =
            self.background_per_day.max(0.0) / 24.0 + Self::timetabled_per_h(services, link);
        per_h * self.time_h.mean()
    }

    /// [`Bottleneck::stationary_offered`] per server: below 1 for a steady state.
    #[must_use]
    pub fn stationary_utilisation(&self, services: &[Service], link: LinkId) -> f64 {
        self.stationary_offered(services, link) / f64::from(self.servers.max(1))
    }
}

/// Queue discipline at a bottleneck.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BottleneckPriority {
    /// First come, first served, whoever it is.
    #[default]
    Fifo,
    /// The modelled freight (service vehicles, trucks) goes before background traffic:
    /// first come, first served within each class, and never interrupting a background
    /// unit already in service (non-preemptive), as container ships are given the next
    /// lockage at the Three Gorges in congestion.
    Freight,
}

/// How a bottleneck's background queue starts each replication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueStart {
    /// Empty and idle: the warm-up must be long enough for the queue to build.
    #[default]
    Empty,
    /// A draw from the steady state of the background alone, seen as an M/M/c queue
    /// (servers, background rate, mean of `time_h`): units in service and waiting at
    /// time 0, so that no warm-up is needed for the background queue (exact when `time_h`
    /// is exponential).
    Stationary,
}

/// Infrastructure between two hubs in one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Id from the file.
    pub id: String,
    /// One end (the start when the link is one-way).
    pub from: HubId,
    /// The other end.
    pub to: HubId,
    /// Mode.
    pub mode: Mode,
    /// Length, km (> 0).
    pub distance_km: f64,
    /// Line-haul time, hours.
    pub time_h: Dist,
    /// Money cost of moving one TEU over the link (≥ 0).
    pub cost_usd_per_teu: f64,
    /// Corridor the link belongs to.
    pub corridor: Option<CorridorId>,
    /// Usable in both directions with the same figures.
    pub two_way: bool,
    /// A queue every vehicle passes.
    pub bottleneck: Option<Bottleneck>,
}

impl Link {
    /// The far end when entering the link at `at`, if the link may be used that way.
    #[inline]
    pub fn other_end(&self, at: HubId) -> Option<HubId> {
        if at == self.from {
            Some(self.to)
        } else if self.two_way && at == self.to {
            Some(self.from)
        } else {
            None
        }
    }
}

/// A timetabled line of vehicles over consecutive links, in one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Id from the file.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Corridor the service belongs to.
    pub corridor: Option<CorridorId>,
    /// Mode of every link it runs over.
    pub mode: Mode,
    /// Stops, in running order (≥ 2).
    pub stops: Vec<HubId>,
    /// `legs[i]` joins `stops[i]` to `stops[i + 1]` (len = stops − 1).
    pub legs: Vec<LinkId>,
    /// Time between departures from the first stop, hours (> 0).
    pub headway_h: f64,
    /// First departure from the first stop, hours after t = 0 (≥ 0).
    pub first_departure_h: f64,
    /// TEU per departure (≥ 1).
    pub capacity_teu: u32,
    /// End-to-end fare, prorated by distance for partial rides; `None` charges the legs'
    /// link costs.
    pub fare_usd_per_teu: Option<f64>,
    /// Stop time at each intermediate stop, hours.
    pub dwell_h: Dist,
    /// Fixed schedule: vehicles run from the first to the last stop in exactly this many
    /// hours, spread over the legs and dwells in proportion to their mean times (see
    /// [`Service::scheduled_times_h`]); `None` samples every leg and dwell.
    pub scheduled_run_h: Option<f64>,
}

impl Service {
    /// For a fixed-schedule service, the running time of each leg and the dwell at each
    /// intermediate stop, hours: the stated `scheduled_run_h` divided in proportion to the
    /// legs' and dwells' mean times (equally when every mean is 0). `None` otherwise.
    #[must_use]
    pub fn scheduled_times_h(&self, links: &[Link]) -> Option<(Vec<f64>, f64)> {
        let run_h = self.scheduled_run_h?;
        let legs: Vec<f64> = self
            .legs
            .iter()
            .map(|l| links[l.index()].time_h.mean())
            .collect();
        let dwells = self.stops.len().saturating_sub(2) as f64;
        let dwell = self.dwell_h.mean();
        let nominal = legs.iter().sum::<f64>() + dwells * dwell;
        if nominal > 0.0 {
            let f = run_h / nominal;
            Some((legs.iter().map(|t| t * f).collect(), dwell * f))
        } else {
            let parts = legs.len() as f64 + dwells;
            Some((vec![run_h / parts; legs.len()], run_h / parts))
        }
    }
}

/// A flow of freight from an origin hub to a destination hub.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    /// Id from the file (default `<from>-<to>`).
    pub id: String,
    /// Origin.
    pub from: HubId,
    /// Destination.
    pub to: HubId,
    /// Mean arrivals, TEU per day (> 0), Poisson.
    pub teu_per_day: f64,
    /// Cargo value (≥ 0).
    pub value_usd_per_teu: f64,
    /// Due time for the on-time share, days (> 0).
    pub due_days: f64,
    /// Allowed modes.
    pub modes: ModeSet,
    /// Value of time, USD per TEU-day (≥ 0), resolved from the demand or the default rate.
    pub vot_usd_per_teu_day: f64,
    /// The customs declaration the flow makes (default: export).
    pub customs: CustomsRegime,
    /// The candidate this flow came from, when a candidate was plugged in.
    pub from_candidate: Option<CandidateId>,
    /// The demand class the flow named, if any (its value and VOT are already resolved
    /// into the fields above; kept so outputs and calibration can group flows by class).
    pub class: Option<ClassId>,
}

/// A demand class: a kind of cargo (electronics, auto parts, general cargo, small
/// commodities) whose value, value of time and due time are stated once and named by
/// flows (`class = "electronics"`), so that a calibration changes one figure, not every
/// flow's copy of it.
#[derive(Clone, Debug, PartialEq)]
pub struct DemandClass {
    /// Id from the file.
    pub id: String,
    /// Display name (default: the id).
    pub name: String,
    /// Cargo value, USD per TEU (≥ 0); a flow may override it.
    pub value_usd_per_teu: f64,
    /// Value of time, USD per TEU-day (≥ 0); `None` uses `[choice] vot_rate_per_day`
    /// times the flow's cargo value.
    pub vot_usd_per_teu_day: Option<f64>,
    /// Default due time of the class's flows, days (> 0); a flow may override it.
    pub due_days: Option<f64>,
}

/// A link from a candidate zone to an existing hub.
#[derive(Clone, Debug, PartialEq)]
pub struct Connector {
    /// Id of the link it becomes (default `<candidate>-<to>-<mode>`).
    pub id: String,
    /// Existing hub at the far end.
    pub to: HubId,
    /// Mode.
    pub mode: Mode,
    /// Length, km (> 0).
    pub distance_km: f64,
    /// Travel time, hours.
    pub time_h: Dist,
    /// Money cost per TEU (≥ 0).
    pub cost_usd_per_teu: f64,
    /// Corridor.
    pub corridor: Option<CorridorId>,
}

/// A flow with its origin implied: a candidate's own demand or a `[compare]` market.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Destination.
    pub to: HubId,
    /// Mean arrivals, TEU per day (> 0).
    pub teu_per_day: f64,
    /// Cargo value (≥ 0).
    pub value_usd_per_teu: f64,
    /// Due time, days (> 0).
    pub due_days: f64,
    /// Allowed modes.
    pub modes: ModeSet,
    /// Explicit VOT, USD per TEU-day (the flow's own or its class's); `None` uses the
    /// default rate.
    pub vot_usd_per_teu_day: Option<f64>,
    /// The demand class the flow named, if any.
    pub class: Option<ClassId>,
}

/// A zone that may plug into the network.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Id (shares the hub id space).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chinese name, if the scenario gives one (`name_zh`): shown beside `name` in the
    /// outputs.
    pub name_zh: Option<String>,
    /// Kind of the hub it becomes.
    pub kind: HubKind,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Transfer facility of the hub it becomes.
    pub transfer: Option<Facility>,
    /// Customs facility of the hub it becomes.
    pub customs: Option<Facility>,
    /// Declaration policy of its customs.
    pub customs_policy: CustomsPolicy,
    /// Same-day transfer target, hours.
    pub transfer_target_h: Option<f64>,
    /// Links to existing hubs (≥ 1).
    pub connectors: Vec<Connector>,
    /// Its own demand.
    pub demand: Vec<Flow>,
}

/// `[compare]`: the probe demand every candidate gets in a zone comparison, and how the
/// zone score weighs its components.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compare {
    /// Probe flows from the candidate.
    pub markets: Vec<Flow>,
    /// Weights of the score components.
    pub weights: ScoreWeights,
    /// How many replications each zone gets.
    pub procedure: Procedure,
}

/// How a zone comparison spends replications.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Procedure {
    /// Every zone gets the scenario's `replications`.
    #[default]
    Fixed,
    /// Kim–Nelson fully sequential selection: replications go to the zones still in
    /// contention, up to `replications` each.
    KimNelson(KnSettings),
}

/// The Kim–Nelson procedure's indifference zone and risk: the best zone is selected with
/// probability at least 1 − α whenever it is at least δ better than the next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnSettings {
    indifference_usd_per_teu: f64,
    alpha: f64,
}

/// Why Kim–Nelson settings are out of range.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum KnSettingsError {
    /// δ must be a positive, finite score difference.
    #[error("the indifference zone must be a finite number of USD per TEU above 0, got {0}")]
    Indifference(f64),
    /// α must leave room for a selection.
    #[error("alpha must be above 0 and below 0.5, got {0}")]
    Alpha(f64),
}

impl KnSettings {
    /// The default risk α.
    pub const DEFAULT_ALPHA: f64 = 0.05;

    /// Settings with indifference zone δ (USD per TEU of probe freight) and risk α.
    ///
    /// # Errors
    ///
    /// [`KnSettingsError`] unless 0 < δ ≤ 1e7 and 0 < α < 0.5 (the procedure needs
    /// 1 − α > 1 / k for every k ≥ 2).
    pub fn new(indifference_usd_per_teu: f64, alpha: f64) -> Result<KnSettings, KnSettingsError> {
        if !(indifference_usd_per_teu > 0.0 && indifference_usd_per_teu <= 1.0e7) {
            return Err(KnSettingsError::Indifference(indifference_usd_per_teu));
        }
        if !(alpha > 0.0 && alpha < 0.5) {
            return Err(KnSettingsError::Alpha(alpha));
        }
        Ok(KnSettings {
            indifference_usd_per_teu,
            alpha,
        })
    }

    /// δ, USD per TEU of probe freight.
    #[must_use]
    pub fn indifference_usd_per_teu(&self) -> f64 {
        self.indifference_usd_per_teu
    }

    /// α.
    #[must_use]
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

/// Weights of the zone score, all in USD per TEU of probe demand once multiplied by their
/// component (see the README's "Comparing zones"). Lower scores are better connected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreWeights {
    /// Demand-weighted generalized cost to the markets.
    pub generalized_cost: f64,
    /// Value of time × spread of transit time (p95 − p50).
    pub reliability: f64,
    /// Rise in generalized cost when the zone's best corridor is closed.
    pub redundancy: f64,
    /// Extra cost the zone's traffic imposes on existing flows (congestion).
    pub existing_traffic: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        Self {
            generalized_cost: 1.0,
            reliability: 1.0,
            redundancy: 0.25,
            existing_traffic: 1.0,
        }
    }
}

/// What a disruption does to its target while it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// Nothing passes.
    Closure,
    /// Times are multiplied by the time factor.
    Slowdown,
    /// A bottleneck or hub facility runs with fewer servers (e.g. one lock line under
    /// maintenance): units in service finish, but no more than `servers` serve at once.
    Capacity,
}

/// The entity a disruption hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A link (and its bottleneck).
    Link(LinkId),
    /// A hub (its transfer and customs).
    Hub(HubId),
    /// A service (its departures).
    Service(ServiceId),
}

/// A closure or slowdown, sampled per replication.
#[derive(Clone, Debug, PartialEq)]
pub struct Disruption {
    /// Id from the file.
    pub id: String,
    /// What it hits.
    pub target: Target,
    /// Chance it happens in a replication, in [0, 1].
    pub probability: f64,
    /// Start, days after t = 0.
    pub start_days: Dist,
    /// Duration, days.
    pub duration_days: Dist,
    /// Effect.
    pub effect: EffectKind,
    /// Time multiplier for slowdowns (≥ 1; 1 for closures).
    pub time_factor: f64,
    /// Servers left while a capacity reduction lasts (≥ 1); 0 for other effects.
    pub servers: u32,
}

/// A validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// `[scenario]`.
    pub meta: Meta,
    /// `[choice]`.
    pub choice: Choice,
    /// Corridors, by [`CorridorId`].
    pub corridors: Vec<Corridor>,
    /// Hubs, by [`HubId`].
    pub hubs: Vec<Hub>,
    /// Links, by [`LinkId`].
    pub links: Vec<Link>,
    /// Services, by [`ServiceId`].
    pub services: Vec<Service>,
    /// Demand classes, by [`ClassId`].
    pub classes: Vec<DemandClass>,
    /// Demand flows, by [`DemandId`].
    pub demand: Vec<Demand>,
    /// Candidate zones, by [`CandidateId`]; not part of the network until plugged in.
    pub candidates: Vec<Candidate>,
    /// `[compare]`.
    pub compare: Compare,
    /// `[region]`: how automatic connectors are drawn, with the road terms resolved.
    pub region: Region,
    /// Disruptions.
    pub disruptions: Vec<Disruption>,
}

impl Scenario {
    /// The hub with this file id.
    pub fn hub_by_id(&self, id: &str) -> Option<HubId> {
        self.hubs.iter().position(|h| h.id == id).map(HubId::new)
    }

    /// The candidate with this file id.
    pub fn candidate_by_id(&self, id: &str) -> Option<CandidateId> {
        self.candidates
            .iter()
            .position(|c| c.id == id)
            .map(CandidateId::new)
    }

    /// The corridor with this file id.
    pub fn corridor_by_id(&self, id: &str) -> Option<CorridorId> {
        self.corridors
            .iter()
            .position(|c| c.id == id)
            .map(CorridorId::new)
    }

    /// The service with this file id.
    pub fn service_by_id(&self, id: &str) -> Option<ServiceId> {
        self.services
            .iter()
            .position(|s| s.id == id)
            .map(ServiceId::new)
    }

    /// The hub.
    #[inline]
    pub fn hub(&self, id: HubId) -> &Hub {
        &self.hubs[id.index()]
    }

    /// The link.
    #[inline]
    pub fn link(&self, id: LinkId) -> &Link {
        &self.links[id.index()]
    }

    /// The service.
    #[inline]
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }

    /// The demand flow.
    #[inline]
    pub fn demand_flow(&self, id: DemandId) -> &Demand {
        &self.demand[id.index()]
    }

    /// The scenario with candidate `id` plugged in: its hub, connectors (as two-way links)
    /// and demand appended after the existing entities, so every existing id keeps its
    /// index (and its random streams, which are keyed by string id).
    pub fn with_candidate(&self, id: CandidateId) -> Scenario {
        self.with_candidate_flows(id, &self.candidates[id.index()].demand)
    }

    /// As [`Scenario::with_candidate`], but the zone sends `flows` instead of its own
    /// demand (zone comparisons give every candidate the same `[compare]` probe flows, so
    /// zones compete on connectivity, not on their volumes).
    pub fn with_candidate_flows(&self, id: CandidateId, flows: &[Flow]) -> Scenario {
        let mut s = self.clone();
        let c = &self.candidates[id.index()];
        let hub = HubId::new(s.hubs.len());
        s.hubs.push(Hub {
            id: c.id.clone(),
            name: c.name.clone(),
            name_zh: c.name_zh.clone(),
            kind: c.kind,
            lat: c.lat,
            lon: c.lon,
            transfer: c.transfer.clone(),
            customs: c.customs.clone(),
            customs_policy: c.customs_policy.clone(),
            transfer_target_h: c.transfer_target_h,
            departure_rebate_usd_per_teu: 0.0,
            from_candidate: Some(id),
        });
        for conn in &c.connectors {
            s.links.push(Link {
                id: conn.id.clone(),
                from: hub,
                to: conn.to,
                mode: conn.mode,
                distance_km: conn.distance_km,
                time_h: conn.time_h.clone(),
                cost_usd_per_teu: conn.cost_usd_per_teu,
                corridor: conn.corridor,
                two_way: true,
                bottleneck: None,
            });
        }
        for flow in flows {
            s.demand
                .push(flow.to_demand(&c.id, hub, &self.hubs, &self.choice, Some(id)));
        }
        s
    }

    /// The scenario with corridor `corridor` closed: its services and its road links
    /// removed (other links of the corridor carry nothing without a service). Used to
    /// measure redundancy — what a zone's flows pay when their best corridor is shut.
    /// Demand, hubs and every other corridor are untouched; link ids after a removed road
    /// link shift, so services' legs are remapped.
    pub fn without_corridor(&self, corridor: CorridorId) -> Scenario {
        let mut s = self.clone();
        let mut keep_link: Vec<bool> = self
            .links
            .iter()
            .map(|l| !(l.mode == Mode::Road && l.corridor == Some(corridor)))
            .collect();
        // A road link another corridor's service runs over stays.
        for svc in self
            .services
            .iter()
            .filter(|s| s.corridor != Some(corridor))
        {
            for leg in &svc.legs {
                keep_link[leg.index()] = true;
            }
        }
        let mut new_index = Vec::with_capacity(self.links.len());
        let mut next = 0usize;
        for &keep in &keep_link {
            new_index.push(next);
            next += usize::from(keep);
        }
        s.links = self
            .links
            .iter()
            .zip(&keep_link)
            .filter(|(_, k)| **k)
            .map(|(l, _)| l.clone())
            .collect();
        s.services = self
            .services
            .iter()
            .filter(|svc| svc.corridor != Some(corridor))
            .map(|svc| {
                let mut svc = svc.clone();
                for leg in &mut svc.legs {
                    *leg = LinkId::new(new_index[leg.index()]);
                }
                svc
            })
            .collect();
        s.disruptions.clear();
        s
    }

    /// Counts of each entity kind, for summaries.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        BTreeMap::from([
            ("hubs", self.hubs.len()),
            ("links", self.links.len()),
            ("services", self.services.len()),
            ("corridors", self.corridors.len()),
            ("classes", self.classes.len()),
            ("demand", self.demand.len()),
            ("candidates", self.candidates.len()),
            ("disruptions", self.disruptions.len()),
        ])
    }
}

impl Flow {
    /// The demand flow this becomes when it leaves hub `from` (file id `from_id`).
    pub fn to_demand(
        &self,
        from_id: &str,
        from: HubId,
        hubs: &[Hub],
        choice: &Choice,
        from_candidate: Option<CandidateId>,
    ) -> Demand {
        Demand {
            id: format!("{from_id}-{}", hubs[self.to.index()].id),
            from,
            to: self.to,
            teu_per_day: self.teu_per_day,
            value_usd_per_teu: self.value_usd_per_teu,
            due_days: self.due_days,
            modes: self.modes,
            vot_usd_per_teu_day: self
                .vot_usd_per_teu_day
                .unwrap_or(self.value_usd_per_teu * choice.vot_rate_per_day),
            customs: CustomsRegime::Export,
            from_candidate,
            class: self.class,
        }
    }
}
