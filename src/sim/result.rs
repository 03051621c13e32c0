//! What one replication reports.
//!
//! A [`ReplicationResult`] is small — a few numbers per demand flow, route, corridor,
//! facility and service — because each replication reduces its raw observations (every
//! transit time, every wait) to exact per-replication statistics before it ends. Holding
//! one result per replication is what keeps memory bounded as horizon and replications
//! grow; [`super::aggregate`] then merges them in replication order.
//!
//! `Option` fields are `None` when the replication observed nothing to summarise (e.g. no
//! shipment of a flow was delivered in the window).

/// Mean and exact quantiles of one replication's transit times, days.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransitStats {
    /// Mean.
    pub mean_days: f64,
    /// Median.
    pub p50_days: f64,
    /// 90th percentile.
    pub p90_days: f64,
    /// 95th percentile.
    pub p95_days: f64,
}

/// TEU created, delivered and still under way when the replication ended (after the
/// drain). In every replication `created == delivered + in_transit`, exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TeuBalance {
    /// Created at the origin.
    pub created: u64,
    /// Delivered at the destination.
    pub delivered: u64,
    /// Still under way when the replication ended.
    pub in_transit: u64,
}

/// One demand flow in one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct OdRep {
    /// Counted shipments: the cohort created in the observation window.
    pub created: u64,
    /// Counted shipments delivered, by the horizon or during the drain after it.
    pub delivered: u64,
    /// Counted shipments still under way when the drain ended (undelivered).
    pub in_transit: u64,
    /// Transit times of the counted, delivered shipments.
    pub transit: Option<TransitStats>,
    /// Mean route cost of the counted, delivered shipments, USD per TEU.
    pub cost_usd_per_teu_mean: Option<f64>,
    /// Share of the counted, delivered shipments that arrived within the due time.
    pub on_time_share: Option<f64>,
    /// TEU balance of the counted shipments.
    pub counted_teu: TeuBalance,
    /// TEU balance of every shipment, those created in the warm-up and the drain
    /// included.
    pub all_teu: TeuBalance,
}

/// One route in one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteRep {
    /// Counted shipments that chose it.
    pub chosen: u64,
    /// Of those, delivered.
    pub delivered: u64,
    /// Their mean transit time, days.
    pub transit_days_mean: Option<f64>,
    /// Their median transit time, days.
    pub transit_days_p50: Option<f64>,
    /// Their 95th percentile transit time, days.
    pub transit_days_p95: Option<f64>,
}

/// Count, sum and sum of squares of transit times, days: the moments of the transit times
/// of one route's delivered counted shipments created in one choice period, which pool
/// exactly across replications (route choice that responds to congestion,
/// [`crate::feedback`], reads their mean and spread).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TransitMoments {
    /// Shipments.
    pub count: u64,
    /// Sum of their transit times, days.
    pub sum_days: f64,
    /// Sum of the squares of their transit times, days².
    pub sum_sq_days: f64,
}

impl TransitMoments {
    /// Adds one transit time.
    #[inline]
    pub fn push(&mut self, days: f64) {
        self.count += 1;
        self.sum_days += days;
        self.sum_sq_days += days * days;
    }

    /// Adds another set of moments.
    pub fn merge(&mut self, other: &TransitMoments) {
        self.count += other.count;
        self.sum_days += other.sum_days;
        self.sum_sq_days += other.sum_sq_days;
    }

    /// Mean and population standard deviation, days; `None` without an observation.
    #[must_use]
    pub fn mean_sd_days(&self) -> Option<(f64, f64)> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let mean = self.sum_days / n;
        // Clamped: rounding can make the variance of equal times a hair below zero.
        let var = (self.sum_sq_days / n - mean * mean).max(0.0);
        Some((mean, var.sqrt()))
    }
}

/// One corridor (shipments whose route's main corridor it is) in one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct CorridorRep {
    /// Counted shipments delivered.
    pub delivered: u64,
    /// Their TEU.
    pub teu: u64,
    /// Their transit times.
    pub transit: Option<TransitStats>,
    /// Their mean route cost, USD per TEU.
    pub cost_usd_per_teu_mean: Option<f64>,
    /// Their on-time share.
    pub on_time_share: Option<f64>,
}

/// One facility in one replication, over the observation window.
#[derive(Clone, Debug, PartialEq)]
pub struct FacilityRep {
    /// Units that arrived in the window.
    pub arrivals: u64,
    /// Arrival rate, units per hour.
    pub arrival_rate_per_h: f64,
    /// TEU of units that started service in the window.
    pub teu_handled: u64,
    /// Busy server-time over available server-time.
    pub utilisation: f64,
    /// Time-average number in system (queue + service).
    pub mean_in_system: f64,
    /// Mean wait in queue, hours.
    pub wait_h_mean: Option<f64>,
    /// Exact 95th percentile of the waits in queue, hours.
    pub wait_h_p95: Option<f64>,
    /// Mean time in system (wait + service) of units that left, hours.
    pub sojourn_h_mean: Option<f64>,
    /// Longest queue (units waiting).
    pub max_queue: u64,
    /// Mean wait in queue of the non-background units (shipments and declarations at a
    /// hub, vehicles and trucks at a bottleneck), hours.
    pub freight_wait_h_mean: Option<f64>,
    /// Mean wait in queue of background units (bottlenecks), hours.
    pub background_wait_h_mean: Option<f64>,
}

/// One service in one replication, over the observation window.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRep {
    /// Departures from the first stop.
    pub departures: u64,
    /// Departures cancelled because the service was closed.
    pub cancelled: u64,
    /// Mean over departures of the distance-weighted load factor of the legs entered.
    pub load_factor_mean: Option<f64>,
    /// TEU boarded.
    pub teu_carried: u64,
    /// TEU left behind at departures for lack of capacity (a shipment rolled twice counts
    /// twice).
    pub rolled_teu: u64,
    /// Mean wait of boarding shipments at their stop, hours.
    pub wait_h_mean: Option<f64>,
    /// Highest load at any departure from any stop, TEU (never above capacity).
    pub peak_load_teu: u32,
}

/// How much work one replication did: for `corridor run --stats` and the benches, never
/// part of the CSVs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    /// Events processed.
    pub events: u64,
    /// Route legs begun by shipments (customs, transfer, drive, ride; a hub without the
    /// facility still counts its leg). The unit of the engine's throughput target.
    pub shipment_legs: u64,
    /// Most events pending at once in the future-event list.
    pub peak_pending_events: u64,
    /// How long after the horizon the replication ran to deliver the shipments created in
    /// the observation window (at most [`super::model::MAX_DRAIN_DAYS`]), seconds.
    pub drain_s: u64,
}

/// Everything one replication reports, by dense entity index.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationResult {
    /// Replication index.
    pub replication: u32,
    /// Events processed, legs walked, peak event-list length.
    pub work: Workload,
    /// By demand flow.
    pub od: Vec<OdRep>,
    /// By route of the [`super::RouteTable`].
    pub routes: Vec<RouteRep>,
    /// By choice period and route: `route_periods[p * routes.len() + r]` (one period
    /// unless the table has shares by period, [`super::routes::Periods`]).
    pub route_periods: Vec<TransitMoments>,
    /// By corridor.
    pub corridors: Vec<CorridorRep>,
    /// By facility of the [`super::Model`].
    pub facilities: Vec<FacilityRep>,
    /// By service.
    pub services: Vec<ServiceRep>,
    /// Day by day, when the model counts so ([`super::Model::timeseries`]).
    pub daily: Option<super::daily::DailyRep>,
}

impl ReplicationResult {
    /// TEU balance of every shipment of every flow, warm-up included.
    #[must_use]
    pub fn teu_balance(&self) -> TeuBalance {
        self.od
            .iter()
            .fold(TeuBalance::default(), |acc, o| TeuBalance {
                created: acc.created + o.all_teu.created,
                delivered: acc.delivered + o.all_teu.delivered,
                in_transit: acc.in_transit + o.all_teu.in_transit,
            })
    }
}
