//! Paired differences between two simulated scenarios.
//!
//! Scenarios A and B simulated with the same seed and replication count draw the same
//! random numbers for every entity they share, so replication r of A and replication r of
//! B differ only by what changed. The difference is therefore summarised per replication
//! (`B_r − A_r`) and its confidence interval comes from those paired differences — far
//! tighter than comparing two independent intervals. Entities are matched by their file
//! ids (a demand flow by origin and destination), so entities that exist in only one
//! scenario (a plugged-in zone's own flows) appear with the other side empty.
//!
//! The summaries are accumulated replication by replication ([`Pairing`]), so a
//! comparison keeps no replication's result once it is counted: [`simulate_paired`] runs
//! both scenarios side by side in batches, and its memory does not grow with the number
//! of replications.

use crate::output::tables::RunTables;
use crate::run::{Collect, Compiled, RunError, Simulated};
use crate::scenario::Scenario;
use crate::sim::aggregate::Merger;
use crate::sim::model::{FacilityKind, Model};
use crate::sim::result::ReplicationResult;
use crate::sim::{self, Aggregate};
use crate::stats::{Summary, Welford};
use std::collections::BTreeMap;

use super::daily::{DailyPaired, DailyPairing};

/// Which kind of entity a row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityKind {
    /// An origin–destination flow.
    Od,
    /// A corridor.
    Corridor,
    /// A hub facility (transfer, customs) or a link bottleneck.
    Hub,
    /// A service.
    Service,
}

impl EntityKind {
    /// The name used in CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Od => "od",
            EntityKind::Corridor => "corridor",
            EntityKind::Hub => "hub",
            EntityKind::Service => "service",
        }
    }
}

/// One metric of one entity, for A, for B and for their paired difference.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedRow {
    /// Entity kind.
    pub kind: EntityKind,
    /// Key columns identifying the entity (e.g. origin and destination).
    pub keys: Vec<String>,
    /// Metric name with its unit (e.g. `transit_days_mean`).
    pub metric: &'static str,
    /// Across-replication summary in A (`None` if A lacks the entity or never observed it).
    pub a: Option<Summary>,
    /// Across-replication summary in B.
    pub b: Option<Summary>,
    /// Summary of the per-replication differences B − A, over the replications in which
    /// both observed the metric.
    pub diff: Option<Summary>,
}

impl PairedRow {
    /// Whether the difference is significant at 95 %: its interval excludes zero.
    pub fn significant(&self) -> bool {
        self.diff
            .is_some_and(|d| d.n >= 2 && (d.ci95_low > 0.0 || d.ci95_high < 0.0))
    }
}

type Extract = fn(&ReplicationResult, usize) -> Option<f64>;

/// A metric: its name and how to read it from one replication's result at an index.
struct Metric {
    name: &'static str,
    read: Extract,
}

const OD_METRICS: &[Metric] = &[
    Metric {
        name: "transit_days_mean",
        read: |r, i| r.od[i].transit.map(|t| t.mean_days),
    },
    Metric {
        name: "transit_days_p50",
        read: |r, i| r.od[i].transit.map(|t| t.p50_days),
    },
    Metric {
        name: "transit_days_p95",
        read: |r, i| r.od[i].transit.map(|t| t.p95_days),
    },
    Metric {
        name: "cost_usd_per_teu_mean",
        read: |r, i| r.od[i].cost_usd_per_teu_mean,
    },
    Metric {
        name: "on_time_share",
        read: |r, i| r.od[i].on_time_share,
    },
    Metric {
        name: "teu_delivered",
        read: |r, i| Some(r.od[i].counted_teu.delivered as f64),
    },
];

const CORRIDOR_METRICS: &[Metric] = &[
    Metric {
        name: "teu",
        read: |r, i| Some(r.corridors[i].teu as f64),
    },
    Metric {
        name: "transit_days_mean",
        read: |r, i| r.corridors[i].transit.map(|t| t.mean_days),
    },
    Metric {
        name: "transit_days_p50",
        read: |r, i| r.corridors[i].transit.map(|t| t.p50_days),
    },
    Metric {
        name: "transit_days_p95",
        read: |r, i| r.corridors[i].transit.map(|t| t.p95_days),
    },
    Metric {
        name: "cost_usd_per_teu_mean",
        read: |r, i| r.corridors[i].cost_usd_per_teu_mean,
    },
    Metric {
        name: "on_time_share",
        read: |r, i| r.corridors[i].on_time_share,
    },
];

const HUB_METRICS: &[Metric] = &[
    Metric {
        name: "teu_handled",
        read: |r, i| Some(r.facilities[i].teu_handled as f64),
    },
    Metric {
        name: "utilisation",
        read: |r, i| Some(r.facilities[i].utilisation),
    },
    Metric {
        name: "wait_h_mean",
        read: |r, i| r.facilities[i].wait_h_mean,
    },
    Metric {
        name: "wait_h_p95",
        read: |r, i| r.facilities[i].wait_h_p95,
    },
    Metric {
        name: "max_queue",
        read: |r, i| Some(r.facilities[i].max_queue as f64),
    },
];

const SERVICE_METRICS: &[Metric] = &[
    Metric {
        name: "departures",
        read: |r, i| Some(r.services[i].departures as f64),
    },
    Metric {
        name: "load_factor_mean",
        read: |r, i| r.services[i].load_factor_mean,
    },
    Metric {
        name: "teu_carried",
        read: |r, i| Some(r.services[i].teu_carried as f64),
    },
    Metric {
        name: "rolled_teu",
        read: |r, i| Some(r.services[i].rolled_teu as f64),
    },
    Metric {
        name: "wait_h_mean",
        read: |r, i| r.services[i].wait_h_mean,
    },
];

/// The entities of one kind in one run: key columns → index into the result vectors.
pub(crate) fn entities(
    s: &Scenario,
    model: &Model<'_>,
    kind: EntityKind,
) -> BTreeMap<Vec<String>, usize> {
    let mut map = BTreeMap::new();
    match kind {
        EntityKind::Od => {
            for (i, d) in s.demand.iter().enumerate() {
                map.insert(vec![s.hub(d.from).id.clone(), s.hub(d.to).id.clone()], i);
            }
        }
        EntityKind::Corridor => {
            for (i, c) in s.corridors.iter().enumerate() {
                map.insert(vec![c.id.clone()], i);
            }
        }
        EntityKind::Hub => {
            for (i, f) in model.facilities.iter().enumerate() {
                let key = match f.kind {
                    FacilityKind::Transfer(h) => vec![s.hub(h).id.clone(), "transfer".into()],
                    FacilityKind::Customs(h) => vec![s.hub(h).id.clone(), "customs".into()],
                    FacilityKind::Bottleneck(l) => vec![s.link(l).id.clone(), "bottleneck".into()],
                };
                map.insert(key, i);
            }
        }
        EntityKind::Service => {
            for (i, svc) in s.services.iter().enumerate() {
                map.insert(vec![svc.id.clone()], i);
            }
        }
    }
    map
}

fn metrics(kind: EntityKind) -> &'static [Metric] {
    match kind {
        EntityKind::Od => OD_METRICS,
        EntityKind::Corridor => CORRIDOR_METRICS,
        EntityKind::Hub => HUB_METRICS,
        EntityKind::Service => SERVICE_METRICS,
    }
}

/// One metric of one entity, accumulated over the replications seen so far.
struct Accumulating {
    keys: Vec<String>,
    metric: &'static Metric,
    /// Index of the entity in A's and in B's results (absent on one side: `None`).
    at_a: Option<usize>,
    at_b: Option<usize>,
    a: Welford,
    b: Welford,
    diff: Welford,
}

/// The paired rows of one entity kind, accumulated replication by replication (in
/// replication order): the same summaries, bit for bit, as from every replication's
/// result held at once.
pub struct Pairing {
    kind: EntityKind,
    rows: Vec<Accumulating>,
    replications: usize,
}

impl Pairing {
    /// Rows for every entity of `kind` present in A or B (each given as its scenario and
    /// compiled model), in key order, each metric in a fixed order.
    #[must_use]
    pub fn new(
        a: (&Scenario, &Model<'_>),
        b: (&Scenario, &Model<'_>),
        kind: EntityKind,
    ) -> Pairing {
        let ea = entities(a.0, a.1, kind);
        let eb = entities(b.0, b.1, kind);
        let mut keys: Vec<&Vec<String>> = ea.keys().chain(eb.keys()).collect();
        keys.sort();
        keys.dedup();
        let rows = keys
            .into_iter()
            .flat_map(|key| {
                metrics(kind).iter().map(|metric| Accumulating {
                    keys: key.clone(),
                    metric,
                    at_a: ea.get(key).copied(),
                    at_b: eb.get(key).copied(),
                    a: Welford::default(),
                    b: Welford::default(),
                    diff: Welford::default(),
                })
            })
            .collect();
        Pairing {
            kind,
            rows,
            replications: 0,
        }
    }

    /// Counts replication `r` of A and of B (the next one: replications in order).
    pub fn push(&mut self, ra: &ReplicationResult, rb: &ReplicationResult) {
        self.replications += 1;
        for row in &mut self.rows {
            let x = row.at_a.and_then(|i| (row.metric.read)(ra, i));
            let y = row.at_b.and_then(|i| (row.metric.read)(rb, i));
            if let Some(x) = x {
                row.a.push(x);
            }
            if let Some(y) = y {
                row.b.push(y);
            }
            if let (Some(x), Some(y)) = (x, y) {
                row.diff.push(y - x);
            }
        }
    }

    /// The rows. A side that lacks the entity, or never observed the metric, is `None`;
    /// so is the difference unless some replication observed it on both sides.
    #[must_use]
    pub fn finish(self) -> Vec<PairedRow> {
        let summary =
            |present: bool, w: &Welford| (present && w.count() > 0).then(|| Summary::of_welford(w));
        self.rows
            .into_iter()
            .map(|row| PairedRow {
                kind: self.kind,
                metric: row.metric.name,
                a: summary(row.at_a.is_some(), &row.a),
                b: summary(row.at_b.is_some(), &row.b),
                diff: summary(row.at_a.is_some() && row.at_b.is_some(), &row.diff),
                keys: row.keys,
            })
            .collect()
    }
}

/// Paired rows for every entity of `kind` present in A or B, in key order, each metric in
/// a fixed order, from two runs whose results are all held.
///
/// # Panics
///
/// If A and B ran different numbers of replications (they must be paired).
pub fn compare(a: &Simulated<'_>, b: &Simulated<'_>, kind: EntityKind) -> Vec<PairedRow> {
    assert_eq!(
        a.results.len(),
        b.results.len(),
        "paired scenarios must run the same replications"
    );
    let mut pairing = Pairing::new((a.scenario, &a.model), (b.scenario, &b.model), kind);
    for (ra, rb) in a.results.iter().zip(&b.results) {
        pairing.push(ra, rb);
    }
    pairing.finish()
}

/// Two scenarios simulated side by side and compared.
#[derive(Debug)]
pub struct Paired<'a, 'b> {
    /// A, compiled.
    pub a: Compiled<'a>,
    /// B, compiled.
    pub b: Compiled<'b>,
    /// The paired rows of each kind asked for, in that order.
    pub rows: Vec<Vec<PairedRow>>,
    /// A's replications merged (for the map of differences).
    pub a_agg: Aggregate,
    /// B's replications merged (for its run tables).
    pub b_agg: Aggregate,
    /// The paired day-by-day series, when collected ([`Collect::TimeSeries`]).
    pub daily: Option<DailyPaired>,
    /// Events processed over both scenarios' replications.
    pub events: u64,
}

impl Paired<'_, '_> {
    /// B's run tables.
    #[must_use]
    pub fn b_tables(&self) -> RunTables<'_> {
        self.b.tables(&self.b_agg)
    }
}

/// Simulates A and B with A's replication count (B must have the same seed to be paired)
/// side by side, accumulating the paired rows of each of `kinds`, A's and B's aggregates and, when
/// `collect` asks for them, the paired day-by-day series as replications finish, so
/// memory stays flat however many replications run. `on_done`
/// is called once per finished replication of either scenario (those of their feedback
/// iterations included).
///
/// # Errors
///
/// [`RunError`] when either scenario cannot be compiled.
pub fn simulate_paired<'a, 'b>(
    a: &'a Scenario,
    b: &'b Scenario,
    kinds: &[EntityKind],
    collect: Collect,
    on_done: &(dyn Fn() + Sync),
) -> Result<Paired<'a, 'b>, RunError> {
    let (ca, cb) = rayon::join(
        || Compiled::with_progress(a, collect, on_done),
        || Compiled::with_progress(b, collect, on_done),
    );
    let (ca, cb) = (ca?, cb?);
    let mut pairings: Vec<Pairing> = kinds
        .iter()
        .map(|&k| Pairing::new((a, &ca.model), (b, &cb.model), k))
        .collect();
    let mut merger_a = Merger::new(&ca.routes, a.corridors.len());
    let mut merger = Merger::new(&cb.routes, b.corridors.len());
    let mut daily = (collect == Collect::TimeSeries).then(|| DailyPairing::new(&ca, &cb));
    let mut events = 0;
    sim::run_replications_side_by_side(
        &[(&ca.model, &ca.routes), (&cb.model, &cb.routes)],
        a.meta.replications,
        on_done,
        &mut |r| {
            for p in &mut pairings {
                p.push(r[0], r[1]);
            }
            merger_a.push(r[0]);
            merger.push(r[1]);
            if let Some(d) = &mut daily {
                d.push(r[0], r[1]);
            }
            events += r[0].work.events + r[1].work.events;
        },
    );
    let a_agg = merger_a.finish();
    let b_agg = merger.finish();
    Ok(Paired {
        rows: pairings.into_iter().map(Pairing::finish).collect(),
        a_agg,
        b_agg,
        daily: daily.map(DailyPairing::finish),
        events,
        a: ca,
        b: cb,
    })
}

/// The key column names of each entity kind.
pub fn key_columns(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Od => &["origin", "destination"],
        EntityKind::Corridor => &["corridor"],
        EntityKind::Hub => &["hub", "facility"],
        EntityKind::Service => &["service"],
    }
}
