//! Differences with their intervals: `diff` (scenario B minus A, paired on common random
//! numbers) and `plugin` (after minus before plugging in a zone). One chart per entity
//! kind, the largest differences first, significant ones in colour.

use super::chart::{self, Interval};
use super::html::{self, Section};
use super::table::Table;
use super::{Context, ReportError, fmt_num};

/// Most rows in one difference chart.
const TOP: usize = 15;

/// One difference chart: which rows of which file, labelled how, in what unit.
struct Spec {
    /// Section and figure id.
    id: &'static str,
    title: &'static str,
    file: &'static str,
    /// Rows kept: (column names, required value).
    filters: &'static [(&'static [&'static str], &'static str)],
    /// Label: these columns' texts joined by " → ".
    label: &'static [&'static [&'static str]],
    /// Axis and caption unit.
    unit: &'static str,
    decimals: usize,
}

const MEAN: &[&str] = &["diff_mean", "delta_mean"];
const LO: &[&str] = &["diff_ci95_low", "delta_ci95_low"];
const HI: &[&str] = &["diff_ci95_high", "delta_ci95_high"];

/// The chart of `spec` from `t`, or `None` when no row has a difference.
fn chart_of(t: &Table, spec: &Spec) -> Result<Option<String>, ReportError> {
    let filters = spec
        .filters
        .iter()
        .map(|(names, v)| Ok((t.col(names)?, *v)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    let labels = spec
        .label
        .iter()
        .map(|names| t.col(names))
        .collect::<Result<Vec<_>, _>>()?;
    let (mean, lo, hi) = (t.col(MEAN)?, t.col(LO)?, t.col(HI)?);
    let significant = t.find(&["significant"]);
    let mut items = Vec::new();
    for r in 0..t.len() {
        if filters.iter().any(|(c, v)| t.text(r, *c) != *v) {
            continue;
        }
        let (Some(m), Some(l), Some(h)) = (t.num(r, mean)?, t.num(r, lo)?, t.num(r, hi)?) else {
            continue;
        };
        let label = labels
            .iter()
            .map(|c| t.label(r, *c))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" → ");
        let sig = significant.is_some_and(|c| t.text(r, c) == "true");
        items.push(Interval {
            note: format!(
                "{}{}",
                if m > 0.0 { "+" } else { "" },
                fmt_num(m, spec.decimals)
            ),
            ..Interval::new(
                label,
                m,
                l,
                h,
                if sig { chart::ACCENT } else { chart::MUTED },
            )
        });
    }
    if items
        .iter()
        .all(|i| i.mean == 0.0 && i.lo == 0.0 && i.hi == 0.0)
    {
        return Ok(None);
    }
    items.sort_by(|a, b| {
        b.mean
            .abs()
            .total_cmp(&a.mean.abs())
            .then_with(|| a.label.cmp(&b.label))
    });
    items.truncate(TOP);
    chart::intervals(spec.title, spec.unit, &items, true).map(Some)
}

fn sections_of(cx: &Context<'_>, specs: &[Spec], what: &str) -> Result<Vec<Section>, ReportError> {
    let mut out = Vec::new();
    for spec in specs {
        let Some(t) = cx.read(spec.file)? else {
            out.push(Section::omitted(
                spec.id,
                spec.title,
                &format!("{} is absent: no {what} of this kind.", spec.file),
            ));
            continue;
        };
        let body = match chart_of(&t, spec)? {
            Some(svg) => html::figure(
                &format!("{}-chart", spec.id),
                &svg,
                &format!(
                    "Dot: mean {what} ({}); whiskers: its 95 % confidence interval over \
                     paired replications. Red: significantly different from zero; grey: \
                     not. The {TOP} largest changes.",
                    spec.unit
                ),
            ),
            None => html::note(&format!("{}: no change in any row.", spec.file)),
        };
        out.push(Section::new(spec.id, spec.title, body));
    }
    Ok(out)
}

/// The charts of a `diff` directory.
pub fn diff_sections(cx: &Context<'_>) -> Result<Vec<Section>, ReportError> {
    const SPECS: &[Spec] = &[
        Spec {
            id: "diff-od",
            title: "Change in mean transit time per OD pair (B − A)",
            file: "diff_od.csv",
            filters: &[(&["metric"], "transit_days_mean")],
            label: &[&["origin"], &["destination"]],
            unit: "days",
            decimals: 2,
        },
        Spec {
            id: "diff-corridor-transit",
            title: "Change in mean transit time per corridor (B − A)",
            file: "diff_corridor.csv",
            filters: &[(&["metric"], "transit_days_mean")],
            label: &[&["corridor"]],
            unit: "days",
            decimals: 2,
        },
        Spec {
            id: "diff-corridor",
            title: "Change in TEU per corridor (B − A)",
            file: "diff_corridor.csv",
            filters: &[(&["metric"], "teu")],
            label: &[&["corridor"]],
            unit: "TEU",
            decimals: 0,
        },
        Spec {
            id: "diff-hub",
            title: "Change in mean wait per hub facility (B − A)",
            file: "diff_hub.csv",
            filters: &[(&["metric"], "wait_h_mean")],
            label: &[&["hub"], &["facility"]],
            unit: "hours",
            decimals: 1,
        },
    ];
    sections_of(cx, SPECS, "difference")
}

/// The charts of a `plugin` directory's `plugin_deltas.csv`.
pub fn plugin_deltas(cx: &Context<'_>) -> Result<Section, ReportError> {
    const SPECS: &[Spec] = &[
        Spec {
            id: "plugin-od",
            title: "Change in mean transit time when the zone plugs in (after − before)",
            file: "plugin_deltas.csv",
            filters: &[(&["entity_kind"], "od"), (&["metric"], "transit_days_mean")],
            label: &[&["entity"]],
            unit: "days",
            decimals: 2,
        },
        Spec {
            id: "plugin-hub",
            title: "Change in mean wait per hub facility (after − before)",
            file: "plugin_deltas.csv",
            filters: &[(&["entity_kind"], "hub"), (&["metric"], "wait_h_mean")],
            label: &[&["entity"], &["detail"]],
            unit: "hours",
            decimals: 1,
        },
    ];
    let parts = sections_of(cx, SPECS, "change")?;
    let body = parts
        .into_iter()
        .map(|s| format!("<h3>{}</h3>\n{}", html::escape(&s.title), s.body))
        .collect();
    Ok(Section::new(
        "plugin",
        "What plugging the zone in changes",
        body,
    ))
}
