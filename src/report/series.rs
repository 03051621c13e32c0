//! Queues over time, from `timeseries.csv`: the end-of-day queue of the busiest hubs with
//! its 5–95 % band across replications (`run`, `plugin`), or the paired difference of two
//! scenarios with its 95 % interval (`diff`).
//!
//! The file has one row per entity, day and metric (`kind,id,name,day,metric,...`); only
//! hub rows of `queue_end_teu` are drawn here.

use std::collections::BTreeMap;

use super::chart::{self, Band, BandPoint};
use super::html::{self, Section};
use super::table::Table;
use super::{Context, ReportError};

/// The file read.
const FILE: &str = "timeseries.csv";
/// Hubs drawn.
const BUSIEST: usize = 5;

/// Hub series of `queue_end_teu`, keyed by hub id in file order of first appearance:
/// (label, points).
fn hub_queue_series(
    t: &Table,
    mean: &[&str],
    lo: &[&str],
    hi: &[&str],
) -> Result<Vec<(String, Vec<BandPoint>)>, ReportError> {
    let kind = t.col(&["kind"])?;
    let id = t.col(&["id"])?;
    let day = t.col(&["day"])?;
    let metric = t.col(&["metric"])?;
    let (mean, lo, hi) = (t.col(mean)?, t.col(lo)?, t.col(hi)?);
    let mut order: Vec<String> = Vec::new();
    let mut by_hub: BTreeMap<String, (String, Vec<BandPoint>)> = BTreeMap::new();
    for r in 0..t.len() {
        if t.text(r, kind) != "hub" || t.text(r, metric) != "queue_end_teu" {
            continue;
        }
        let (Some(x), Some(m)) = (t.num(r, day)?, t.num(r, mean)?) else {
            continue;
        };
        let point = BandPoint {
            x,
            mean: m,
            lo: t.num(r, lo)?.unwrap_or(m),
            hi: t.num(r, hi)?.unwrap_or(m),
        };
        let key = t.text(r, id).to_string();
        if !by_hub.contains_key(&key) {
            order.push(key.clone());
        }
        by_hub
            .entry(key)
            .or_insert_with(|| (t.label(r, id), Vec::new()))
            .1
            .push(point);
    }
    Ok(order
        .into_iter()
        .filter_map(|k| by_hub.remove(&k))
        .map(|(label, mut pts)| {
            pts.sort_by(|a, b| a.x.total_cmp(&b.x));
            (label, pts)
        })
        .collect())
}

/// The `n` series with the largest absolute mean on any day (ties in file order), as
/// coloured bands.
fn busiest(series: Vec<(String, Vec<BandPoint>)>, n: usize) -> Vec<Band> {
    let peak = |p: &[BandPoint]| p.iter().map(|q| q.mean.abs()).fold(0.0, f64::max);
    let mut ranked: Vec<_> = series.into_iter().filter(|(_, p)| peak(p) > 0.0).collect();
    ranked.sort_by(|a, b| peak(&b.1).total_cmp(&peak(&a.1)));
    ranked
        .into_iter()
        .take(n)
        .enumerate()
        .map(|(i, (label, points))| Band {
            label,
            color: chart::palette(i),
            points,
        })
        .collect()
}

/// What one time-series section draws: its texts and the columns of its band.
struct View {
    title: &'static str,
    what: &'static str,
    /// Columns of the line and the band's edges.
    columns: [&'static str; 3],
    chart_title: &'static str,
    y_desc: &'static str,
    /// Differences: a line at zero, and the axis below it.
    zero: bool,
    caption: &'static str,
}

fn section(cx: &Context<'_>, v: &View) -> Result<Section, ReportError> {
    let Some(t) = cx.read(FILE)? else {
        return Ok(Section::omitted(
            "timeseries",
            v.title,
            &format!(
                "timeseries.csv is absent (results written before daily series were added): \
                 no {} over time.",
                v.what
            ),
        ));
    };
    let [mean, lo, hi] = v.columns;
    let bands = busiest(hub_queue_series(&t, &[mean], &[lo], &[hi])?, BUSIEST);
    if bands.is_empty() {
        return Ok(Section::omitted(
            "timeseries",
            v.title,
            &format!("timeseries.csv shows no {} at any hub on any day.", v.what),
        ));
    }
    let svg = chart::bands(
        v.chart_title,
        "day of the simulation",
        v.y_desc,
        &bands,
        v.zero,
    )?;
    Ok(Section::new(
        "timeseries",
        v.title,
        html::figure("timeseries-chart", &svg, v.caption),
    ))
}

/// End-of-day queues of the busiest hubs (`run`, `plugin`).
pub fn hub_queues(cx: &Context<'_>) -> Result<Section, ReportError> {
    section(
        cx,
        &View {
            title: "Queues over time at the busiest hubs",
            what: "queues",
            columns: ["mean", "p05", "p95"],
            chart_title: "Queue at the end of each day, busiest hubs",
            y_desc: "queue (TEU)",
            zero: false,
            caption: "Line: mean across replications of the TEU waiting at the hub at the end \
                      of the day; band: 5th to 95th percentile across replications. The hubs \
                      with the longest queues on any day.",
        },
    )
}

/// Daily differences of the end-of-day queue, B minus A, at the hubs where they are
/// largest (`diff`).
pub fn hub_queue_differences(cx: &Context<'_>) -> Result<Section, ReportError> {
    section(
        cx,
        &View {
            title: "Queue differences over time",
            what: "queue differences",
            columns: ["diff_mean", "diff_lo95", "diff_hi95"],
            chart_title: "Change in the end-of-day queue (B − A), largest changes",
            y_desc: "queue difference (TEU)",
            zero: true,
            caption: "Line: mean paired difference (scenario B minus scenario A) of the TEU \
                      waiting at the hub at the end of the day; band: its 95 % confidence \
                      interval. Above zero, B has the longer queue.",
        },
    )
}
