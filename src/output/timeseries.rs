//! `timeseries.csv`: the day-by-day series in long format, one row per (series, day).
//!
//! `run` and `plugin` (the plugged-in scenario) write
//! `kind,id,name,day,metric,mean,p05,p95`: the mean across replications and the 5th and
//! 95th percentiles of the per-replication values; rows in model order (hub facilities,
//! services, corridors, each in scenario order), then metric, then day. `diff` writes
//! `kind,id,name,day,metric,a_mean,b_mean,diff_mean,diff_lo95,diff_hi95`: the means in A
//! and B and the paired difference B − A with its 95 % interval; rows in key order (kind,
//! id, metric), then day. What each metric counts, and in which unit, is in
//! [`crate::sim::daily`] and docs/outputs.md. A cell no replication observed is empty.
//!
//! A hub facility's `id` is its hub's id and its kind, `port-a/transfer`,
//! `port-a/customs`, or its link's id for a bottleneck, `lock-a/bottleneck`: the
//! keys of `diff_hub.csv` joined by `/`.

use crate::compare::daily::DailyPaired;
use crate::sim::Model;
use crate::sim::daily::{DailyAgg, Layout, SeriesKind};
use crate::sim::model::FacilityKind;

use super::tables::{Table, num};

/// The file name.
pub const TIMESERIES_CSV: &str = "timeseries.csv";

/// The columns of a run's time series.
pub const RUN_HEADER: [&str; 8] = ["kind", "id", "name", "day", "metric", "mean", "p05", "p95"];

/// The columns of a paired time series.
pub const DIFF_HEADER: [&str; 10] = [
    "kind",
    "id",
    "name",
    "day",
    "metric",
    "a_mean",
    "b_mean",
    "diff_mean",
    "diff_lo95",
    "diff_hi95",
];

/// The `id` and `name` of entity `entity` of `kind` in `model`.
#[must_use]
pub fn entity_label(model: &Model<'_>, kind: SeriesKind, entity: usize) -> (String, String) {
    let s = model.scenario;
    match kind {
        SeriesKind::Hub => match model.facilities[entity].kind {
            FacilityKind::Transfer(h) => {
                let hub = s.hub(h);
                (
                    format!("{}/transfer", hub.id),
                    format!("{} transfer", hub.name),
                )
            }
            FacilityKind::Customs(h) => {
                let hub = s.hub(h);
                (
                    format!("{}/customs", hub.id),
                    format!("{} customs", hub.name),
                )
            }
            FacilityKind::Bottleneck(l) => {
                let link = s.link(l);
                let name = link
                    .bottleneck
                    .as_ref()
                    .map_or_else(|| link.id.clone(), |b| b.name.clone());
                (format!("{}/bottleneck", link.id), name)
            }
        },
        SeriesKind::Service => {
            let v = &s.services[entity];
            (v.id.clone(), v.name.clone())
        }
        SeriesKind::Corridor => {
            let c = &s.corridors[entity];
            (c.id.clone(), c.name.clone())
        }
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(String::new, num)
}

/// `timeseries.csv` of a run of `model` whose day-by-day series are `daily`.
#[must_use]
pub fn run_table(model: &Model<'_>, daily: &DailyAgg) -> Table {
    let layout = Layout::new(model);
    let days = daily.days;
    let mut rows = Vec::with_capacity(layout.series.len() * days);
    for (i, s) in layout.series.iter().enumerate() {
        let (id, name) = entity_label(model, s.kind, s.entity);
        for d in 0..days {
            let cell = i * days + d;
            rows.push(vec![
                s.kind.as_str().to_string(),
                id.clone(),
                name.clone(),
                d.to_string(),
                s.metric.as_str().to_string(),
                opt(daily.mean[cell]),
                opt(daily.p05[cell]),
                opt(daily.p95[cell]),
            ]);
        }
    }
    Table {
        file: TIMESERIES_CSV,
        header: &RUN_HEADER,
        rows,
    }
}

/// `timeseries.csv` of a paired comparison of `a` and `b`; names are B's where B has the
/// entity, else A's.
#[must_use]
pub fn diff_table(a: &Model<'_>, b: &Model<'_>, paired: &DailyPaired) -> Table {
    let mut rows = Vec::new();
    for s in &paired.series {
        let label = match (s.b_entity, s.a_entity) {
            (Some(e), _) => entity_label(b, s.kind, e),
            (None, Some(e)) => entity_label(a, s.kind, e),
            (None, None) => continue,
        };
        for d in 0..s.a.len() {
            let diff = s.diff[d];
            rows.push(vec![
                s.kind.as_str().to_string(),
                label.0.clone(),
                label.1.clone(),
                d.to_string(),
                s.metric.as_str().to_string(),
                opt(s.a[d]),
                opt(s.b[d]),
                opt(diff.map(|x| x.mean)),
                opt(diff.filter(|x| x.n >= 2).map(|x| x.ci95_low)),
                opt(diff.filter(|x| x.n >= 2).map(|x| x.ci95_high)),
            ]);
        }
    }
    Table {
        file: TIMESERIES_CSV,
        header: &DIFF_HEADER,
        rows,
    }
}
