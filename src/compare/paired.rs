//! Paired differences between two simulated scenarios.
//!
//! Scenarios A and B simulated with the same seed and replication count draw the same
//! random numbers for every entity they share, so replication r of A and replication r of
//! B differ only by what changed. The difference is therefore summarised per replication
//! (`B_r − A_r`) and its confidence interval comes from those paired differences — far
//! tighter than comparing two independent intervals. Entities are matched by their file
//! ids (a demand flow by origin and destination), so entities that exist in only one
//! scenario (a plugged-in zone's own flows) appear with the other side empty.

use crate::run::Simulated;
use crate::sim::model::FacilityKind;
use crate::sim::result::ReplicationResult;
use crate::stats::Summary;
use std::collections::BTreeMap;

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
fn entities(sim: &Simulated<'_>, kind: EntityKind) -> BTreeMap<Vec<String>, usize> {
    let s = sim.scenario;
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
            for (i, f) in sim.model.facilities.iter().enumerate() {
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

fn observed(sim: &Simulated<'_>, metric: &Metric, i: usize) -> Vec<Option<f64>> {
    sim.results.iter().map(|r| (metric.read)(r, i)).collect()
}

fn summary(values: &[Option<f64>]) -> Option<Summary> {
    let xs: Vec<f64> = values.iter().flatten().copied().collect();
    (!xs.is_empty()).then(|| Summary::of_replications(&xs))
}

/// Paired rows for every entity of `kind` present in A or B, in key order, each metric in
/// a fixed order.
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
    let ea = entities(a, kind);
    let eb = entities(b, kind);
    let mut keys: Vec<&Vec<String>> = ea.keys().chain(eb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut rows = Vec::new();
    for key in keys {
        for metric in metrics(kind) {
            let va = ea.get(key).map(|&i| observed(a, metric, i));
            let vb = eb.get(key).map(|&i| observed(b, metric, i));
            let diff = match (&va, &vb) {
                (Some(va), Some(vb)) => {
                    let (xa, xb): (Vec<f64>, Vec<f64>) = va
                        .iter()
                        .zip(vb)
                        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
                        .unzip();
                    (!xa.is_empty()).then(|| Summary::of_paired_differences(&xa, &xb))
                }
                _ => None,
            };
            rows.push(PairedRow {
                kind,
                keys: key.clone(),
                metric: metric.name,
                a: va.as_deref().and_then(summary),
                b: vb.as_deref().and_then(summary),
                diff,
            });
        }
    }
    rows
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
