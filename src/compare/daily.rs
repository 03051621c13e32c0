//! Paired day-by-day differences between two scenarios: `diff`'s `timeseries.csv` and
//! the recovery figure of `diff_hub.csv`.
//!
//! Series are matched by entity key and metric as in [`super::paired`] (a hub facility by
//! hub or link id and facility kind), so a series present in one scenario only keeps its
//! other side empty. Each (series, day) is summarised like any paired figure: the mean in
//! A, the mean in B, and the mean of the per-replication differences B − A with its 95 %
//! Student-t interval, over the replications that observed the day on both sides.

use std::collections::BTreeMap;

use crate::run::Compiled;
use crate::sim::daily::{
    DailyMetric, DailyRep, Days, DisruptedWindow, Layout, SeriesKind, recovery_days,
};
use crate::sim::result::ReplicationResult;
use crate::stats::{Summary, Welford};

use super::paired::{EntityKind, entities};

/// The entity kind of a series kind, for keys.
fn entity_kind(kind: SeriesKind) -> EntityKind {
    match kind {
        SeriesKind::Hub => EntityKind::Hub,
        SeriesKind::Service => EntityKind::Service,
        SeriesKind::Corridor => EntityKind::Corridor,
    }
}

/// A series of A or B: where it is in that side's layout, and its entity's index.
#[derive(Clone, Copy, Debug)]
struct Side {
    series: usize,
    entity: usize,
}

/// A series as matched between A and B: entity kind, entity key, metric.
type SeriesKey = (SeriesKind, Vec<String>, DailyMetric);

struct Accumulating {
    kind: SeriesKind,
    keys: Vec<String>,
    metric: DailyMetric,
    a_at: Option<Side>,
    b_at: Option<Side>,
    /// By day.
    a: Vec<Welford>,
    b: Vec<Welford>,
    diff: Vec<Welford>,
}

/// The paired series of A and B, accumulated replication by replication.
pub struct DailyPairing {
    days: usize,
    calendar: Days,
    rows: Vec<Accumulating>,
    /// B's facilities' disruption windows, merged over replications.
    b_disrupted: Vec<Option<DisruptedWindow>>,
}

/// One paired series.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedSeries {
    /// Entity kind.
    pub kind: SeriesKind,
    /// Entity key (e.g. hub id and facility kind).
    pub keys: Vec<String>,
    /// The entity's index in A's model, if A has it.
    pub a_entity: Option<usize>,
    /// The entity's index in B's model, if B has it.
    pub b_entity: Option<usize>,
    /// Metric.
    pub metric: DailyMetric,
    /// By day: A's mean (`None` where A lacks the series or never observed the day).
    pub a: Vec<Option<f64>>,
    /// By day: B's mean.
    pub b: Vec<Option<f64>>,
    /// By day: the paired difference B − A.
    pub diff: Vec<Option<Summary>>,
}

/// What [`DailyPairing::finish`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyPaired {
    /// Every series of A or B, in key order (kind, key, metric).
    pub series: Vec<PairedSeries>,
    /// Recovery of each hub facility of B, by key: see [`DailyPairing::finish`].
    pub recovery_days: BTreeMap<Vec<String>, f64>,
}

impl DailyPairing {
    /// Series of every entity of A or B. Both models must count day by day, over the same
    /// horizon (B runs with A's settings).
    #[must_use]
    pub fn new(a: &Compiled<'_>, b: &Compiled<'_>) -> DailyPairing {
        let (la, lb) = (Layout::new(&a.model), Layout::new(&b.model));
        let days = la.days.max(lb.days);
        let mut keyed: BTreeMap<SeriesKey, (Option<Side>, Option<Side>)> = BTreeMap::new();
        for (side, compiled, layout) in [(0, a, &la), (1, b, &lb)] {
            let mut by_kind = BTreeMap::new();
            for (i, s) in layout.series.iter().enumerate() {
                let keys = by_kind.entry(s.kind).or_insert_with(|| {
                    let map = entities(compiled.scenario, &compiled.model, entity_kind(s.kind));
                    let mut inverse = vec![Vec::new(); map.len()];
                    for (k, ix) in map {
                        inverse[ix] = k;
                    }
                    inverse
                });
                let at = Side {
                    series: i,
                    entity: s.entity,
                };
                let e = keyed
                    .entry((s.kind, keys[s.entity].clone(), s.metric))
                    .or_default();
                if side == 0 {
                    e.0 = Some(at);
                } else {
                    e.1 = Some(at);
                }
            }
        }
        let rows = keyed
            .into_iter()
            .map(|((kind, keys, metric), (a_at, b_at))| Accumulating {
                kind,
                keys,
                metric,
                a_at,
                b_at,
                a: vec![Welford::default(); days],
                b: vec![Welford::default(); days],
                diff: vec![Welford::default(); days],
            })
            .collect();
        DailyPairing {
            days,
            calendar: Days::of(&b.model),
            rows,
            b_disrupted: vec![None; b.model.facilities.len()],
        }
    }

    /// Counts the next replication of A and of B (both with day-by-day series).
    pub fn push(&mut self, ra: &ReplicationResult, rb: &ReplicationResult) {
        let (Some(da), Some(db)) = (&ra.daily, &rb.daily) else {
            return;
        };
        let read = |rep: &DailyRep, at: Option<Side>, d: usize| {
            at.and_then(|s| rep.values.get(s.series * rep.days + d).copied().flatten())
                .filter(|_| d < rep.days)
        };
        for row in &mut self.rows {
            for d in 0..self.days {
                let x = read(da, row.a_at, d);
                let y = read(db, row.b_at, d);
                if let Some(x) = x {
                    row.a[d].push(x);
                }
                if let Some(y) = y {
                    row.b[d].push(y);
                }
                if let (Some(x), Some(y)) = (x, y) {
                    row.diff[d].push(y - x);
                }
            }
        }
        for (m, w) in self.b_disrupted.iter_mut().zip(&db.disrupted) {
            if let Some(w) = *w {
                *m = Some(match *m {
                    None => w,
                    Some(v) => DisruptedWindow {
                        start: v.start.min(w.start),
                        end: v.end.max(w.end),
                    },
                });
            }
        }
    }

    /// The paired series, and the recovery of every hub facility of B that a disruption
    /// touches: the days from the end of its disruptions to the end of the first day on
    /// which B's daily mean end-of-day queue (units) is back within 10 % of A's that day
    /// ([`recovery_days`]); absent when no disruption touches it in B or it does not
    /// recover by the horizon.
    #[must_use]
    pub fn finish(self) -> DailyPaired {
        let mean = |w: &Welford| (w.count() > 0).then(|| w.mean());
        let series: Vec<PairedSeries> = self
            .rows
            .into_iter()
            .map(|row| PairedSeries {
                kind: row.kind,
                a_entity: row.a_at.map(|s| s.entity),
                b_entity: row.b_at.map(|s| s.entity),
                metric: row.metric,
                a: row.a.iter().map(mean).collect(),
                b: row.b.iter().map(mean).collect(),
                diff: row
                    .diff
                    .iter()
                    .map(|w| (w.count() > 0).then(|| Summary::of_welford(w)))
                    .collect(),
                keys: row.keys,
            })
            .collect();
        let mut recovery = BTreeMap::new();
        for s in &series {
            if s.kind != SeriesKind::Hub || s.metric != DailyMetric::QueueEndUnits {
                continue;
            }
            let Some(window) = s.b_entity.and_then(|f| self.b_disrupted[f]) else {
                continue;
            };
            if let Some(r) = recovery_days(&s.b, &s.a, window, self.calendar) {
                recovery.insert(s.keys.clone(), r);
            }
        }
        DailyPaired {
            series,
            recovery_days: recovery,
        }
    }
}
