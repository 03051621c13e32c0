//! Day-by-day series: what `timeseries.csv` shows and what the recovery figure reads.
//!
//! Only when the model asks for them ([`super::Model::timeseries`]): `run`, `diff` and
//! `plugin` do; `compare-zones` and `batch`, which never write a time series, do not pay
//! for them.
//!
//! **Per replication** ([`DailyCounters`]) the counters are flat arrays, one slot per
//! (entity, day), allocated once per workspace and sized by the horizon: the event loop
//! adds to a slot by index and never allocates or hashes. Day `d` is simulated time
//! `[d, d + 1)` days from the start, warm-up days included, up to the horizon (the last
//! day ends at the horizon if the horizon is not a whole number of days). A queue "at the
//! end of day `d`" is the queue just before the first event at or after its end, i.e. once
//! every event of the day has happened. Activity during the drain after the horizon is
//! not counted.
//!
//! **Across replications** ([`DailyMerge`]) each (series, day) cell is reported as the mean
//! over the replications that observed it and the 5th and 95th percentiles of the same
//! values (exact, [`crate::stats::quantiles`]). The percentiles need every replication's
//! value, so the merge keeps `cells × replications` numbers (Chongqing, 120 days: about
//! 28 000 cells, 22 MB for 100 replications).
//!
//! | kind | metric | per (entity, day) |
//! |---|---|---|
//! | hub | `queue_end_teu` | TEU in the facility's queue (waiting, not in service) at the end of the day |
//! | hub | `queue_end_units` | units in that queue: shipments at a transfer or customs facility; vessels, trains, trucks and background units (e.g. lockages) at a bottleneck |
//! | hub | `wait_days` | mean wait in queue of the units that started service that day |
//! | hub | `teu_departed` | TEU whose service ended that day (left the facility) |
//! | service | `queue_end_teu` | TEU waiting at the service's stops at the end of the day |
//! | service | `wait_days` | mean wait at the stop of the shipments that boarded that day |
//! | service | `teu_departed` | TEU boarded that day |
//! | corridor | `queue_end_teu`, `wait_days` | the same over the corridor's services |
//! | corridor | `teu_departed` | TEU of shipments that left their origin that day on a route whose main corridor it is |
//! | corridor | `teu_delivered` | TEU of such shipments delivered that day |

use crate::ids::ServiceId;
use crate::stats::{Mean, quantiles};
use crate::time::{SECS_PER_DAY, SimTime};

use super::ids::FacilityId;
use super::model::Model;

/// The entity a series is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SeriesKind {
    /// A hub facility (transfer, customs) or a link bottleneck.
    Hub,
    /// A service.
    Service,
    /// A corridor.
    Corridor,
}

impl SeriesKind {
    /// The name used in CSV.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesKind::Hub => "hub",
            SeriesKind::Service => "service",
            SeriesKind::Corridor => "corridor",
        }
    }
}

/// What a series counts (see the module table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DailyMetric {
    /// TEU waiting at the end of the day.
    QueueEndTeu,
    /// Units waiting at the end of the day.
    QueueEndUnits,
    /// Mean wait of the units that started service (boarded) that day, days.
    WaitDays,
    /// TEU that left that day.
    TeuDeparted,
    /// TEU delivered that day.
    TeuDelivered,
}

impl DailyMetric {
    /// The name used in CSV.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DailyMetric::QueueEndTeu => "queue_end_teu",
            DailyMetric::QueueEndUnits => "queue_end_units",
            DailyMetric::WaitDays => "wait_days",
            DailyMetric::TeuDeparted => "teu_departed",
            DailyMetric::TeuDelivered => "teu_delivered",
        }
    }

    /// The metrics reported for `kind`, in output order.
    #[must_use]
    pub fn of(kind: SeriesKind) -> &'static [DailyMetric] {
        use DailyMetric::{QueueEndTeu, QueueEndUnits, TeuDelivered, TeuDeparted, WaitDays};
        match kind {
            SeriesKind::Hub => &[QueueEndTeu, QueueEndUnits, WaitDays, TeuDeparted],
            SeriesKind::Service => &[QueueEndTeu, WaitDays, TeuDeparted],
            SeriesKind::Corridor => &[QueueEndTeu, WaitDays, TeuDeparted, TeuDelivered],
        }
    }
}

/// One series: an entity (index into the model's facilities, the scenario's services or
/// corridors) and a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Series {
    /// Entity kind.
    pub kind: SeriesKind,
    /// Index of the entity among those of its kind.
    pub entity: usize,
    /// What is counted.
    pub metric: DailyMetric,
}

/// The series of a model, in output order (hubs, services, corridors; each in model
/// order; metrics in [`DailyMetric::of`] order), and the number of days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Every series.
    pub series: Vec<Series>,
    /// Days per series: the horizon in days, rounded up.
    pub days: usize,
}

impl Layout {
    /// The layout of `model`'s series.
    #[must_use]
    pub fn new(model: &Model<'_>) -> Layout {
        let counts = [
            (SeriesKind::Hub, model.facilities.len()),
            (SeriesKind::Service, model.services.len()),
            (SeriesKind::Corridor, model.scenario.corridors.len()),
        ];
        let series = counts
            .into_iter()
            .flat_map(|(kind, n)| {
                (0..n).flat_map(move |entity| {
                    DailyMetric::of(kind).iter().map(move |&metric| Series {
                        kind,
                        entity,
                        metric,
                    })
                })
            })
            .collect();
        Layout {
            series,
            days: Days::of(model).count,
        }
    }
}

/// Index in [`Layout`] order of `metric` of entity `entity` of `kind` (the layout is
/// regular: every entity of a kind has the same metrics).
#[must_use]
pub fn series_index(
    model: &Model<'_>,
    kind: SeriesKind,
    entity: usize,
    metric: DailyMetric,
) -> usize {
    let hubs = model.facilities.len() * DailyMetric::of(SeriesKind::Hub).len();
    let services = model.services.len() * DailyMetric::of(SeriesKind::Service).len();
    let base = match kind {
        SeriesKind::Hub => 0,
        SeriesKind::Service => hubs,
        SeriesKind::Corridor => hubs + services,
    };
    let metrics = DailyMetric::of(kind);
    let m = metrics
        .iter()
        .position(|&x| x == metric)
        .expect("a metric of the kind");
    base + entity * metrics.len() + m
}

/// The days of a model's horizon: day `d` is `[d, d + 1)` days, the last one cut at the
/// horizon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days {
    /// How many: the horizon in days, rounded up.
    pub count: usize,
    horizon: SimTime,
}

impl Days {
    /// The days of `model`.
    #[must_use]
    pub fn of(model: &Model<'_>) -> Days {
        Days {
            count: usize::try_from(model.horizon.secs().div_ceil(SECS_PER_DAY))
                .unwrap_or(usize::MAX),
            horizon: model.horizon,
        }
    }

    /// The day of `at`, if before the horizon.
    #[inline]
    #[must_use]
    pub fn day(self, at: SimTime) -> Option<usize> {
        if at >= self.horizon {
            return None;
        }
        usize::try_from(at.secs() / SECS_PER_DAY).ok()
    }

    /// End of day `d`: the end of its 24 hours, or the horizon for a last partial day.
    #[must_use]
    pub fn end(self, d: usize) -> SimTime {
        SimTime::from_secs((d as u64 + 1).saturating_mul(SECS_PER_DAY)).min(self.horizon)
    }
}

/// When the disruptions that touch a facility (its hub's or its link's) were on, over
/// one or more replications: the earliest start and the latest end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisruptedWindow {
    /// Earliest start.
    pub start: SimTime,
    /// Latest end.
    pub end: SimTime,
}

impl DisruptedWindow {
    fn widen(this: &mut Option<DisruptedWindow>, other: DisruptedWindow) {
        *this = Some(match *this {
            None => other,
            Some(w) => DisruptedWindow {
                start: w.start.min(other.start),
                end: w.end.max(other.end),
            },
        });
    }
}

/// The raw day-by-day counters of one replication. Indices are `entity * days + day`.
#[derive(Clone, Debug)]
pub struct DailyCounters {
    calendar: Days,
    days: usize,
    shipment_teu: u64,
    /// Days whose end-of-day queues are taken.
    ended: usize,
    fac_queue_units: Vec<u64>,
    fac_queue_teu: Vec<u64>,
    fac_wait_s: Vec<u64>,
    fac_started: Vec<u64>,
    fac_teu_out: Vec<u64>,
    svc_queue: Vec<u64>,
    svc_wait_s: Vec<u64>,
    svc_boarded: Vec<u64>,
    cor_departed: Vec<u64>,
    cor_delivered: Vec<u64>,
    disrupted: Vec<Option<DisruptedWindow>>,
}

impl DailyCounters {
    /// Zeroed counters for `model`.
    #[must_use]
    pub fn new(model: &Model<'_>) -> DailyCounters {
        let calendar = Days::of(model);
        let days = calendar.count;
        let f = model.facilities.len() * days;
        let v = model.services.len() * days;
        let c = model.scenario.corridors.len() * days;
        DailyCounters {
            calendar,
            days,
            shipment_teu: u64::from(model.shipment_teu),
            ended: 0,
            fac_queue_units: vec![0; f],
            fac_queue_teu: vec![0; f],
            fac_wait_s: vec![0; f],
            fac_started: vec![0; f],
            fac_teu_out: vec![0; f],
            svc_queue: vec![0; v],
            svc_wait_s: vec![0; v],
            svc_boarded: vec![0; v],
            cor_departed: vec![0; c],
            cor_delivered: vec![0; c],
            disrupted: vec![None; model.facilities.len()],
        }
    }

    /// Zeroes every counter, keeping the arrays.
    pub fn clear(&mut self) {
        self.ended = 0;
        for v in [
            &mut self.fac_queue_units,
            &mut self.fac_queue_teu,
            &mut self.fac_wait_s,
            &mut self.fac_started,
            &mut self.fac_teu_out,
            &mut self.svc_queue,
            &mut self.svc_wait_s,
            &mut self.svc_boarded,
            &mut self.cor_departed,
            &mut self.cor_delivered,
        ] {
            v.fill(0);
        }
        self.disrupted.fill(None);
    }

    /// The next day whose end is at or before `now` and whose end-of-day queues are not
    /// taken yet; [`DailyCounters::end_day`] takes them.
    #[inline]
    #[must_use]
    pub fn day_ending_by(&self, now: SimTime) -> Option<usize> {
        (self.ended < self.days && self.calendar.end(self.ended) <= now).then_some(self.ended)
    }

    /// The next day whose end-of-day queues are not taken yet.
    #[must_use]
    pub fn next_day(&self) -> Option<usize> {
        (self.ended < self.days).then_some(self.ended)
    }

    /// Facility `f` holds `units` units carrying `teu` TEU in its queue at the end of day
    /// `d`.
    pub fn facility_queue(&mut self, d: usize, f: usize, units: u64, teu: u64) {
        let i = f * self.days + d;
        self.fac_queue_units[i] = units;
        self.fac_queue_teu[i] = teu;
    }

    /// `shipments` shipments wait at service `v`'s stops at the end of day `d`.
    pub fn service_queue(&mut self, d: usize, v: usize, shipments: u64) {
        self.svc_queue[v * self.days + d] = shipments * self.shipment_teu;
    }

    /// Every queue of day `d` is taken: the next day is next.
    pub fn end_day(&mut self, d: usize) {
        debug_assert_eq!(d, self.ended, "days end in order");
        self.ended = d + 1;
    }

    /// A unit started service at facility `f` at `at` after waiting `waited_s`.
    #[inline]
    pub fn started(&mut self, f: FacilityId, waited_s: u64, at: SimTime) {
        if let Some(d) = self.calendar.day(at) {
            let i = f.index() * self.days + d;
            self.fac_started[i] += 1;
            self.fac_wait_s[i] += waited_s;
        }
    }

    /// A unit carrying `teu` TEU left facility `f` at `at`.
    #[inline]
    pub fn released(&mut self, f: FacilityId, teu: u32, at: SimTime) {
        if let Some(d) = self.calendar.day(at) {
            self.fac_teu_out[f.index() * self.days + d] += u64::from(teu);
        }
    }

    /// A shipment boarded service `v` at `at` after waiting `waited_s` at the stop.
    #[inline]
    pub fn boarded(&mut self, v: ServiceId, waited_s: u64, at: SimTime) {
        if let Some(d) = self.calendar.day(at) {
            let i = v.index() * self.days + d;
            self.svc_boarded[i] += 1;
            self.svc_wait_s[i] += waited_s;
        }
    }

    /// A shipment on a route of corridor `c` left its origin at `at`.
    #[inline]
    pub fn departed(&mut self, c: usize, at: SimTime) {
        if let Some(d) = self.calendar.day(at) {
            self.cor_departed[c * self.days + d] += self.shipment_teu;
        }
    }

    /// A shipment on a route of corridor `c` was delivered at `at`.
    #[inline]
    pub fn delivered(&mut self, c: usize, at: SimTime) {
        if let Some(d) = self.calendar.day(at) {
            self.cor_delivered[c * self.days + d] += self.shipment_teu;
        }
    }

    /// A disruption touching facility `f` is on from `start` to `end`.
    pub fn disrupted(&mut self, f: FacilityId, start: SimTime, end: SimTime) {
        DisruptedWindow::widen(
            &mut self.disrupted[f.index()],
            DisruptedWindow { start, end },
        );
    }

    /// The replication's series, in [`Layout`] order.
    #[must_use]
    pub fn finish(&self, model: &Model<'_>) -> DailyRep {
        let layout = Layout::new(model);
        let days = self.days;
        let mut values = vec![None; layout.series.len() * days];
        let s = model.scenario;
        let wait =
            |wait_s: u64, n: u64| (n > 0).then(|| wait_s as f64 / n as f64 / SECS_PER_DAY as f64);
        let count = |x: u64| Some(x as f64);
        let mut put = |kind, entity, metric, d: usize, v: Option<f64>| {
            values[series_index(model, kind, entity, metric) * days + d] = v;
        };
        for f in 0..model.facilities.len() {
            for d in 0..days {
                let i = f * days + d;
                put(
                    SeriesKind::Hub,
                    f,
                    DailyMetric::QueueEndTeu,
                    d,
                    count(self.fac_queue_teu[i]),
                );
                put(
                    SeriesKind::Hub,
                    f,
                    DailyMetric::QueueEndUnits,
                    d,
                    count(self.fac_queue_units[i]),
                );
                put(
                    SeriesKind::Hub,
                    f,
                    DailyMetric::WaitDays,
                    d,
                    wait(self.fac_wait_s[i], self.fac_started[i]),
                );
                put(
                    SeriesKind::Hub,
                    f,
                    DailyMetric::TeuDeparted,
                    d,
                    count(self.fac_teu_out[i]),
                );
            }
        }
        let teu = self.shipment_teu;
        for v in 0..model.services.len() {
            for d in 0..days {
                let i = v * days + d;
                put(
                    SeriesKind::Service,
                    v,
                    DailyMetric::QueueEndTeu,
                    d,
                    count(self.svc_queue[i]),
                );
                put(
                    SeriesKind::Service,
                    v,
                    DailyMetric::WaitDays,
                    d,
                    wait(self.svc_wait_s[i], self.svc_boarded[i]),
                );
                put(
                    SeriesKind::Service,
                    v,
                    DailyMetric::TeuDeparted,
                    d,
                    count(self.svc_boarded[i] * teu),
                );
            }
        }
        for c in 0..s.corridors.len() {
            for d in 0..days {
                let (mut queue, mut wait_s, mut boarded) = (0, 0, 0);
                for (v, svc) in s.services.iter().enumerate() {
                    if svc.corridor.map(|x| x.index()) == Some(c) {
                        let i = v * days + d;
                        queue += self.svc_queue[i];
                        wait_s += self.svc_wait_s[i];
                        boarded += self.svc_boarded[i];
                    }
                }
                let i = c * days + d;
                put(
                    SeriesKind::Corridor,
                    c,
                    DailyMetric::QueueEndTeu,
                    d,
                    count(queue),
                );
                put(
                    SeriesKind::Corridor,
                    c,
                    DailyMetric::WaitDays,
                    d,
                    wait(wait_s, boarded),
                );
                put(
                    SeriesKind::Corridor,
                    c,
                    DailyMetric::TeuDeparted,
                    d,
                    count(self.cor_departed[i]),
                );
                put(
                    SeriesKind::Corridor,
                    c,
                    DailyMetric::TeuDelivered,
                    d,
                    count(self.cor_delivered[i]),
                );
            }
        }
        DailyRep {
            days,
            values,
            disrupted: self.disrupted.clone(),
        }
    }
}

/// One replication's series: `values[series * days + day]` in [`Layout`] order, `None`
/// where the replication observed nothing (a mean wait on a day no one started service).
#[derive(Clone, Debug, PartialEq)]
pub struct DailyRep {
    /// Days per series.
    pub days: usize,
    /// The values.
    pub values: Vec<Option<f64>>,
    /// By facility: when disruptions touching it were on.
    pub disrupted: Vec<Option<DisruptedWindow>>,
}

/// The series of many replications, merged in replication order.
#[derive(Clone, Debug, Default)]
pub struct DailyMerge {
    days: usize,
    /// Every replication's values, NaN where it observed nothing, replication after
    /// replication (for the exact percentiles).
    values: Vec<f64>,
    replications: usize,
    disrupted: Vec<Option<DisruptedWindow>>,
}

impl DailyMerge {
    /// Adds the next replication.
    pub fn push(&mut self, rep: &DailyRep) {
        if self.replications == 0 {
            self.days = rep.days;
            self.disrupted = vec![None; rep.disrupted.len()];
        }
        self.replications += 1;
        self.values
            .extend(rep.values.iter().map(|v| v.unwrap_or(f64::NAN)));
        for (m, w) in self.disrupted.iter_mut().zip(&rep.disrupted) {
            if let Some(w) = *w {
                DisruptedWindow::widen(m, w);
            }
        }
    }

    /// Mean, 5th and 95th percentile of every cell.
    #[must_use]
    pub fn finish(self) -> DailyAgg {
        let cells = self
            .values
            .len()
            .checked_div(self.replications)
            .unwrap_or(0);
        let mut mean = Vec::with_capacity(cells);
        let mut p05 = Vec::with_capacity(cells);
        let mut p95 = Vec::with_capacity(cells);
        let mut observed = Vec::with_capacity(self.replications);
        for cell in 0..cells {
            observed.clear();
            let mut m = Mean::default();
            for r in 0..self.replications {
                let v = self.values[r * cells + cell];
                if !v.is_nan() {
                    m.push(v);
                    observed.push(v);
                }
            }
            mean.push(m.some());
            if observed.is_empty() {
                p05.push(None);
                p95.push(None);
            } else {
                let q = quantiles(&mut observed, &[0.05, 0.95]);
                p05.push(Some(q[0]));
                p95.push(Some(q[1]));
            }
        }
        DailyAgg {
            days: self.days,
            mean,
            p05,
            p95,
            disrupted: self.disrupted,
        }
    }
}

/// The series across replications: `mean[series * days + day]` etc. in [`Layout`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyAgg {
    /// Days per series.
    pub days: usize,
    /// Mean over the replications that observed the cell.
    pub mean: Vec<Option<f64>>,
    /// 5th percentile of the same values.
    pub p05: Vec<Option<f64>>,
    /// 95th percentile of the same values.
    pub p95: Vec<Option<f64>>,
    /// By facility: the earliest start and latest end, over all replications, of the
    /// disruptions touching it.
    pub disrupted: Vec<Option<DisruptedWindow>>,
}

impl DailyAgg {
    /// The daily means of `metric` of facility `f`, day by day.
    #[must_use]
    pub fn hub_means(&self, model: &Model<'_>, f: usize, metric: DailyMetric) -> &[Option<f64>] {
        let i = series_index(model, SeriesKind::Hub, f, metric);
        &self.mean[i * self.days..(i + 1) * self.days]
    }

    /// Facility `f`'s recovery, in days, measured against its own level before the
    /// disruption: the mean over the observation window's days that end by the earliest
    /// disruption start of the daily mean end-of-day queue (in units). See
    /// [`recovery_days`]. `None` when no disruption touches `f`, no window day precedes it,
    /// or the queue does not recover before the horizon.
    #[must_use]
    pub fn recovery_days(&self, model: &Model<'_>, f: usize) -> Option<f64> {
        let window = self.disrupted.get(f).copied().flatten()?;
        let queue = self.hub_means(model, f, DailyMetric::QueueEndUnits);
        let days = Days::of(model);
        let first = usize::try_from(model.warmup.secs().div_ceil(SECS_PER_DAY)).ok()?;
        let mut level = Mean::default();
        (first..days.count)
            .take_while(|&d| days.end(d) <= window.start)
            .for_each(|d| level.push_some(queue[d]));
        let level = level.some()?;
        recovery_days(queue, &vec![Some(level); queue.len()], window, days)
    }
}

/// How far a recovered queue may be from its reference: 10 % of the reference, but at
/// least one unit (a near-empty reference would otherwise demand an exactly empty queue).
pub const RECOVERY_TOLERANCE: f64 = 0.10;

/// The recovery figure: the days from the end of the disruption (`window.end`, the latest
/// over the replications) to the end of the first day ending at or after it on which the
/// daily mean end-of-day queue `queue[d]` is within [`RECOVERY_TOLERANCE`] of
/// `reference[d]` (and at least within one unit). `None` if that never happens by the
/// horizon (a disruption that ends after the horizon never recovers in the window).
#[must_use]
pub fn recovery_days(
    queue: &[Option<f64>],
    reference: &[Option<f64>],
    window: DisruptedWindow,
    days: Days,
) -> Option<f64> {
    (0..queue.len().min(reference.len()))
        .filter(|&d| days.end(d) >= window.end)
        .find(|&d| match (queue[d], reference[d]) {
            (Some(q), Some(r)) => (q - r).abs() <= (RECOVERY_TOLERANCE * r.abs()).max(1.0),
            _ => false,
        })
        .map(|d| days.end(d).saturating_sub(window.end) as f64 / SECS_PER_DAY as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(count: usize) -> Days {
        Days {
            count,
            horizon: SimTime::from_secs(count as u64 * SECS_PER_DAY),
        }
    }

    fn at_days(d: f64) -> SimTime {
        SimTime::from_days_f64(d)
    }

    #[test]
    fn days_are_cut_at_the_horizon() {
        let d = Days {
            count: 3,
            horizon: at_days(2.5),
        };
        assert_eq!(d.day(at_days(0.0)), Some(0));
        assert_eq!(d.day(at_days(2.4)), Some(2));
        assert_eq!(d.day(at_days(2.5)), None);
        assert_eq!(d.end(1), at_days(2.0));
        assert_eq!(d.end(2), at_days(2.5));
    }

    #[test]
    fn recovery_counts_from_the_disruption_end_to_the_first_day_back_in_the_band() {
        let q = |xs: &[f64]| xs.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        let window = DisruptedWindow {
            start: at_days(2.0),
            end: at_days(3.5),
        };
        // Reference 20 units: the band is ±2. Day 3 ends at 4.0 (first end after 3.5).
        let queue = q(&[20.0, 20.0, 60.0, 40.0, 23.0, 21.9, 30.0]);
        let reference = q(&[20.0; 7]);
        // Day 4 (23) is out, day 5 (21.9) in: its end, 6.0, is 2.5 days after 3.5.
        assert_eq!(
            recovery_days(&queue, &reference, window, days(7)),
            Some(2.5)
        );
        // A near-empty reference: within one unit is enough.
        let queue = q(&[0.0, 0.0, 9.0, 3.0, 0.9, 0.0, 0.0]);
        let reference = q(&[0.1; 7]);
        assert_eq!(
            recovery_days(&queue, &reference, window, days(7)),
            Some(1.5)
        );
        // Never back by the horizon: no figure.
        let queue = q(&[20.0, 20.0, 60.0, 50.0, 40.0, 30.0, 25.0]);
        assert_eq!(recovery_days(&queue, &q(&[20.0; 7]), window, days(7)), None);
        // Days before the end do not count even if in the band.
        let queue = q(&[20.0, 20.0, 20.0, 40.0, 20.0, 20.0, 20.0]);
        assert_eq!(
            recovery_days(&queue, &q(&[20.0; 7]), window, days(7)),
            Some(1.5)
        );
    }

    #[test]
    fn the_merge_reports_mean_and_exact_percentiles_of_observed_replications() {
        let mut m = DailyMerge::default();
        for r in 0..21 {
            m.push(&DailyRep {
                days: 2,
                // Day 0 observed by all (0..=20); day 1 by none.
                values: vec![Some(f64::from(r)), None],
                disrupted: vec![None],
            });
        }
        let agg = m.finish();
        assert_eq!(agg.mean, [Some(10.0), None]);
        assert_eq!(agg.p05, [Some(1.0), None]);
        assert_eq!(agg.p95, [Some(19.0), None]);
    }
}
