//! A sweep (`batch`, `merge`): the variants, and for the corridor and the hub facility
//! whose figures move most across variants, each variant's estimate with its interval;
//! for a sweep of a comparison command, whether its decision holds across the variants
//! (`rank_stability.csv`, `effect_stability.csv`).

use std::collections::BTreeMap;

use super::chart::{self, Interval};
use super::html::{self, Section};
use super::table::{Col, Table};
use super::{Context, ReportError};

/// Variant id → label, from `variants.csv`, and the table of variants.
fn variants(t: &Table) -> Result<(BTreeMap<String, String>, String), ReportError> {
    let id = t.col(&["variant"])?;
    let label = t.find(&["label"]);
    let mut labels = BTreeMap::new();
    let mut rows = Vec::new();
    for r in 0..t.len() {
        let v = t.text(r, id).to_string();
        let l = label.map_or("", |c| t.text(r, c)).to_string();
        labels.insert(
            v,
            if l.is_empty() {
                t.text(r, id).to_string()
            } else {
                l
            },
        );
        rows.push(
            t.headers()
                .iter()
                .enumerate()
                .map(|(c, _)| t.text(r, Col::at(c)).to_string())
                .collect(),
        );
    }
    let headers: Vec<&str> = t.headers().iter().map(String::as_str).collect();
    Ok((labels, html::table("variants-table", &headers, &rows, &[])))
}

/// How one entity's figure varies across variants.
struct Across<'a> {
    id: &'static str,
    title: &'static str,
    file: &'static str,
    /// Columns naming the entity (joined by a space).
    entity: &'a [&'a [&'a str]],
    mean: &'static str,
    lo: &'static str,
    hi: &'static str,
    unit: &'static str,
}

/// The entity whose mean varies most across variants, charted per variant.
fn across(
    cx: &Context<'_>,
    spec: &Across<'_>,
    labels: &BTreeMap<String, String>,
) -> Result<Section, ReportError> {
    let Some(t) = cx.read(spec.file)? else {
        return Ok(Section::omitted(
            spec.id,
            spec.title,
            &format!("{} is absent.", spec.file),
        ));
    };
    let variant = t.col(&["variant"])?;
    let entity = spec
        .entity
        .iter()
        .map(|n| t.col(n))
        .collect::<Result<Vec<_>, _>>()?;
    let (mean, lo, hi) = (t.col(&[spec.mean])?, t.col(&[spec.lo])?, t.col(&[spec.hi])?);
    // entity → rows in file order.
    let mut groups: BTreeMap<String, Vec<(usize, f64, f64, f64)>> = BTreeMap::new();
    for r in 0..t.len() {
        let (Some(m), Some(l), Some(h)) = (t.num(r, mean)?, t.num(r, lo)?, t.num(r, hi)?) else {
            continue;
        };
        let key = entity
            .iter()
            .map(|c| t.text(r, *c))
            .collect::<Vec<_>>()
            .join(" ");
        groups.entry(key).or_default().push((r, m, l, h));
    }
    let range = |rows: &[(usize, f64, f64, f64)]| {
        let (a, b) = rows
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
                (a.min(r.1), b.max(r.1))
            });
        b - a
    };
    let Some((name, rows)) = groups
        .iter()
        .filter(|(_, rows)| rows.len() > 1)
        .max_by(|a, b| range(a.1).total_cmp(&range(b.1)).then_with(|| b.0.cmp(a.0)))
    else {
        return Ok(Section::omitted(
            spec.id,
            spec.title,
            &format!("{}: no figure to compare across variants.", spec.file),
        ));
    };
    let items: Vec<Interval> = rows
        .iter()
        .map(|&(r, m, l, h)| {
            let v = t.text(r, variant);
            let label = labels.get(v).cloned().unwrap_or_else(|| v.to_string());
            Interval::new(label, m, l, h, chart::PALETTE[0])
        })
        .collect();
    let title = format!("{} — {name}", spec.title);
    let svg = chart::intervals(&title, spec.unit, &items, false)?;
    Ok(Section::new(
        spec.id,
        spec.title,
        html::figure(
            &format!("{}-chart", spec.id),
            &svg,
            &format!(
                "{name}: the one whose mean varies most across the variants. Dot: mean across \
                 replications ({}); whiskers: its 95 % confidence interval.",
                spec.unit
            ),
        ),
    ))
}

/// A stability summary (written by the combine of a comparison sweep) as a table, the
/// counts and shares right-aligned; `None` when the directory has none.
fn stability(
    cx: &Context<'_>,
    (id, title, file): (&'static str, &str, &str),
    caption: &str,
) -> Result<Option<Section>, ReportError> {
    let Some(t) = cx.read(file)? else {
        return Ok(None);
    };
    let headers: Vec<&str> = t.headers().iter().map(String::as_str).collect();
    // Counts and figures start at `variants`; the columns before it name the entity.
    let first = headers.iter().position(|h| *h == "variants").unwrap_or(0);
    let numeric: Vec<usize> = (first..headers.len()).collect();
    let rows: Vec<Vec<String>> = (0..t.len())
        .map(|r| {
            (0..headers.len())
                .map(|c| t.text(r, Col::at(c)).to_string())
                .collect()
        })
        .collect();
    let body = format!(
        "{}{}",
        html::note(caption),
        html::table(&format!("{id}-table"), &headers, &rows, &numeric)
    );
    Ok(Some(Section::new(id, title, body)))
}

/// The sections of a sweep directory.
pub fn sections(cx: &Context<'_>) -> Result<Vec<Section>, ReportError> {
    let mut out = Vec::new();
    let labels = match cx.read("variants.csv")? {
        Some(t) => {
            let (labels, table) = variants(&t)?;
            out.push(Section::new("variants", "Variants of the sweep", table));
            labels
        }
        None => {
            out.push(Section::omitted(
                "variants",
                "Variants of the sweep",
                "variants.csv is absent: variants are shown by id.",
            ));
            BTreeMap::new()
        }
    };
    let ranks = stability(
        cx,
        (
            "sweep-rank-stability",
            "Does the best zone hold across the variants?",
            "rank_stability.csv",
        ),
        "Each variant ranked the zones with compare-zones. Per zone: in how many variants it \
         ranked best and in the top three (shares of all the variants), and its mean, best \
         and worst rank; zones by mean rank.",
    )?;
    let effects = stability(
        cx,
        (
            "sweep-effect-stability",
            "Does the effect hold across the variants?",
            "effect_stability.csv",
        ),
        "Per entity and metric: in how many variants the paired difference (B − A, or after − \
         before the zone plugs in) was significantly higher or lower (its 95 % interval \
         excludes zero), and the range of its mean over the variants.",
    )?;
    if ranks.is_some() || effects.is_some() {
        // A comparison sweep writes no run tables: nothing to chart per corridor or hub.
        out.extend(ranks);
        out.extend(effects);
        return Ok(out);
    }
    out.push(across(
        cx,
        &Across {
            id: "sweep-corridor",
            title: "Corridor transit time by variant",
            file: "corridor_summary.csv",
            entity: &[&["corridor"]],
            mean: "transit_days_mean",
            lo: "transit_days_ci95_low",
            hi: "transit_days_ci95_high",
            unit: "transit time (days)",
        },
        &labels,
    )?);
    out.push(across(
        cx,
        &Across {
            id: "sweep-hub",
            title: "Hub wait by variant",
            file: "hub_summary.csv",
            entity: &[&["hub"], &["facility"]],
            mean: "wait_h_mean",
            lo: "wait_h_ci95_low",
            hi: "wait_h_ci95_high",
            unit: "mean wait (hours)",
        },
        &labels,
    )?);
    Ok(out)
}
