//! The site-scan heat map: where in the region a zone would score best, from
//! `site_scan.csv` (the figures), `site_scan.geojson` (each cell's rectangle) and
//! `network.geojson` (the hubs and links, for orientation).
//!
//! Every scanned cell is filled by its mean score on one colour scale (USD per TEU of
//! probe freight, the best brightest); the best cell is outlined in red, and the cells the
//! scan could not tell apart from it in black: under the Kim–Nelson procedure the cells
//! still in contention when it stopped (its budget of replications spent), under the fixed
//! design the cells whose 95 % interval overlaps the best's. A chart and a table give the
//! top cells with their intervals.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::chart::{self, Interval};
use super::html::{self, Section};
use super::map::{self, CellMark, ColourScale, Extent, Layer, Place, ShadedCell, Shading, Style};
use super::table::Table;
use super::{Context, ReportError, fmt_num, fmt_opt};
use crate::compare::scan::{SITE_SCAN_CSV, SITE_SCAN_GEOJSON};
use crate::output::geojson::NETWORK_GEOJSON;

/// Cells in the table and the interval chart of the top cells.
const TOP_CELLS: usize = 20;
/// Top cells labelled on the map.
const LABELLED_CELLS: usize = 5;

/// One row of `site_scan.csv`.
#[derive(Clone, Debug, PartialEq)]
struct ScanRow {
    cell: String,
    lon: f64,
    lat: f64,
    score: f64,
    lo: f64,
    hi: f64,
    rank: u64,
    replications: Option<f64>,
    eliminated_at: Option<f64>,
    /// `None` under the fixed design.
    in_final_set: Option<bool>,
    /// The score components (`*_usd_per_teu` columns), in file order.
    components: Vec<Option<f64>>,
}

/// The rows of `site_scan.csv` with a score, in file (cell) order, and the names of its
/// component columns.
fn read_rows(t: &Table) -> Result<(Vec<ScanRow>, Vec<String>), ReportError> {
    let cell = t.col(&["cell"])?;
    let lon = t.col(&["lon"])?;
    let lat = t.col(&["lat"])?;
    let score = t.col(&["score"])?;
    let lo = t.col(&["score_ci95_low"])?;
    let hi = t.col(&["score_ci95_high"])?;
    let rank = t.col(&["rank"])?;
    let reps = t.col(&["replications"])?;
    let eliminated = t.find(&["eliminated_at_replication"]);
    let final_set = t.find(&["in_final_set"]);
    let components: Vec<(String, _)> = t
        .headers()
        .iter()
        .filter(|h| h.ends_with("_usd_per_teu"))
        .filter_map(|h| Some((h.clone(), t.find(&[h.as_str()])?)))
        .collect();
    let mut rows = Vec::with_capacity(t.len());
    for r in 0..t.len() {
        let (Some(s), Some(l), Some(h), Some(x), Some(y), Some(k)) = (
            t.num(r, score)?,
            t.num(r, lo)?,
            t.num(r, hi)?,
            t.num(r, lon)?,
            t.num(r, lat)?,
            t.num(r, rank)?,
        ) else {
            continue;
        };
        let mut values = Vec::with_capacity(components.len());
        for (_, c) in &components {
            values.push(t.num(r, *c)?);
        }
        rows.push(ScanRow {
            cell: t.text(r, cell).to_string(),
            lon: x,
            lat: y,
            score: s,
            lo: l,
            hi: h,
            rank: k.max(0.0) as u64,
            replications: t.num(r, reps)?,
            eliminated_at: eliminated.map(|c| t.num(r, c)).transpose()?.flatten(),
            in_final_set: final_set.and_then(|c| match t.text(r, c) {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }),
            components: values,
        });
    }
    let names = components.into_iter().map(|(h, _)| h).collect();
    Ok((rows, names))
}

/// Each grid cell's rectangle from `site_scan.geojson`, by cell id (a scanned point has
/// none); empty when the file is absent.
fn read_bounds(dir: &Path) -> Result<BTreeMap<String, [f64; 4]>, ReportError> {
    let Some((path, features)) = map::read_features(dir, SITE_SCAN_GEOJSON)? else {
        return Ok(BTreeMap::new());
    };
    let bad = |message: String| ReportError::Json {
        file: path.clone(),
        message,
    };
    let mut out = BTreeMap::new();
    for (i, f) in features.iter().enumerate() {
        let geometry = f.get("geometry").unwrap_or(&Value::Null);
        if geometry.get("type").and_then(Value::as_str) != Some("Polygon") {
            continue;
        }
        let cell = f
            .pointer("/properties/cell")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("feature {i}: no `cell` property")))?;
        let ring = geometry
            .pointer("/coordinates/0")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("feature {i}: a polygon needs [[[lon, lat], ...]]")))?;
        let mut b = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
        for p in ring {
            let (Some(x), Some(y)) = (
                p.get(0).and_then(Value::as_f64),
                p.get(1).and_then(Value::as_f64),
            ) else {
                return Err(bad(format!("feature {i}: a position needs [lon, lat]")));
            };
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
        out.insert(cell.to_string(), b);
    }
    Ok(out)
}

/// Which cells the scan could not tell apart from the best: the Kim–Nelson final set,
/// or, under the fixed design, the cells whose interval overlaps the best's.
fn unseparated(rows: &[ScanRow], best: &ScanRow, row: &ScanRow) -> bool {
    if row.rank == best.rank {
        return false;
    }
    if rows.iter().any(|r| r.in_final_set.is_some()) {
        row.in_final_set == Some(true)
    } else {
        row.lo <= best.hi && best.lo <= row.hi
    }
}

/// The heat map of `rows`, with the rectangles of `bounds`.
fn shading(rows: &[ScanRow], bounds: &BTreeMap<String, [f64; 4]>) -> Option<Shading> {
    let best = rows.iter().min_by_key(|r| r.rank)?;
    let sequential = rows.iter().any(|r| r.in_final_set.is_some());
    let (lo, hi) = rows
        .iter()
        .fold((f64::INFINITY, -f64::INFINITY), |(a, b), r| {
            (a.min(r.score), b.max(r.score))
        });
    let cells = rows
        .iter()
        .map(|r| ShadedCell {
            lon: r.lon,
            lat: r.lat,
            bounds: bounds.get(&r.cell).copied(),
            value: r.score,
            mark: if r.rank == best.rank {
                Some(CellMark::Best)
            } else if unseparated(rows, best, r) {
                Some(CellMark::Unseparated)
            } else {
                None
            },
        })
        .collect();
    Some(Shading {
        cells,
        scale: ColourScale { lo, hi },
        title: "Score (USD/TEU)".into(),
        unseparated: if sequential {
            "not separated from the best at the budget".into()
        } else {
            "interval overlaps the best's".into()
        },
    })
}

/// The heat map section, or a note when the directory has no `site_scan.csv`.
pub fn section(cx: &Context<'_>) -> Result<Section, ReportError> {
    let title = "Site scan";
    let Some(t) = cx.read(SITE_SCAN_CSV)? else {
        return Ok(Section::omitted(
            "site-scan",
            title,
            "site_scan.csv is absent: no site scan.",
        ));
    };
    let (mut rows, component_names) = read_rows(&t)?;
    let bounds = read_bounds(cx.dir)?;
    let Some(shade) = shading(&rows, &bounds) else {
        return Ok(Section::omitted(
            "site-scan",
            title,
            "site_scan.csv has no scored cell.",
        ));
    };
    let sequential = rows.iter().any(|r| r.in_final_set.is_some());
    let spent: f64 = rows.iter().filter_map(|r| r.replications).sum();
    let most = rows
        .iter()
        .filter_map(|r| r.replications)
        .fold(0.0, f64::max);
    let marked = shade
        .cells
        .iter()
        .filter(|c| c.mark == Some(CellMark::Unseparated))
        .count();
    let network = map::read(cx.dir, NETWORK_GEOJSON)?;
    let mut layer = network.clone().unwrap_or_else(Layer::default);
    rows.sort_by_key(|r| r.rank);
    for r in rows.iter().take(LABELLED_CELLS) {
        layer.places.push(Place {
            id: r.cell.clone(),
            label: r.cell.clone(),
            lon: r.lon,
            lat: r.lat,
            teu_per_day: 0.0,
            rank: u32::try_from(r.rank).ok(),
        });
    }
    let extent = Extent::of(shade.cells.iter().flat_map(|c| {
        let [w, s, e, n] = c.bounds.unwrap_or([c.lon, c.lat, c.lon, c.lat]);
        [(w, s), (e, n)]
    }))
    .map(|e| e.padded(0.02, 0.02));
    let svg = map::draw(
        &layer,
        extent,
        &Style {
            corridors: &cx.corridors,
            title: "Score of a zone at each cell (USD per TEU; lower is better)",
            home: None,
            shading: Some(&shade),
        },
    )?;
    let best = &rows[0];
    let mut body = html::para(&format!(
        "{} cells scanned, {} cell replications in all (at most {} per cell). The best cell, \
         {} ({:.3}° E, {:.3}° N), scores {} USD per TEU (95 % interval {} – {}).",
        rows.len(),
        fmt_num(spent, 0),
        fmt_num(most, 0),
        best.cell,
        best.lon,
        best.lat,
        fmt_num(best.score, 0),
        fmt_num(best.lo, 0),
        fmt_num(best.hi, 0),
    ));
    body.push_str(&html::para(&if sequential {
        format!(
            "Replications were spent by the Kim–Nelson procedure: {marked} other cell{} \
             could not be separated from the best when it stopped (outlined in black); every \
             other cell was eliminated, the plainly worse ones after the first stage, so \
             their intervals are wide.",
            if marked == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "Every cell had the same replications (fixed design); {marked} other cell{} \
             whose 95 % interval overlaps the best's {} outlined in black: the scan does not \
             tell {} apart from the best.",
            if marked == 1 { "" } else { "s" },
            if marked == 1 { "is" } else { "are" },
            if marked == 1 { "it" } else { "them" },
        )
    }));
    if network.is_none() {
        body.push_str(&html::note(
            "network.geojson is absent: the map shows the cells without the network.",
        ));
    }
    body.push_str(&html::figure(
        "site-scan-map",
        &svg,
        "Each cell is filled by the mean score of a zone at its centre, connected by road to \
         its nearest hubs: the generalized cost of the probe freight with its reliability, \
         redundancy and existing-traffic terms, in USD per TEU (brighter is better). Red \
         outline: the best cell; black outline: cells not told apart from it. Numbered dots: \
         the top cells by rank. Grey dots and lines: the scenario's hubs and links. \
         Coordinates in degrees (WGS 84).",
    ));
    let top: Vec<&ScanRow> = rows.iter().take(TOP_CELLS).collect();
    let items: Vec<Interval> = top
        .iter()
        .map(|r| {
            let colour = if r.rank == best.rank {
                chart::ACCENT
            } else {
                chart::PALETTE[0]
            };
            Interval::new(
                format!("{}. {}", r.rank, r.cell),
                r.score,
                r.lo,
                r.hi,
                colour,
            )
        })
        .collect();
    let chart_svg = chart::intervals(
        "Top cells by score (lower is better)",
        "score (USD per TEU)",
        &items,
        false,
    )?;
    body.push_str(&html::figure(
        "site-scan-chart",
        &chart_svg,
        "Dot: mean score across the cell's replications; whiskers: its 95 % confidence \
         interval. Cells whose intervals overlap are not clearly different.",
    ));
    let mut headers = vec![
        "rank",
        "cell",
        "lon (°E)",
        "lat (°N)",
        "score (USD/TEU)",
        "95 % CI",
        "replications",
        "status",
    ];
    let component_headers: Vec<String> = component_names
        .iter()
        .map(|h| h.trim_end_matches("_usd_per_teu").replace('_', " ") + " (USD/TEU)")
        .collect();
    headers.extend(component_headers.iter().map(String::as_str));
    let table_rows: Vec<Vec<String>> = top
        .iter()
        .map(|r| {
            let status = match (r.in_final_set, r.eliminated_at) {
                (Some(true), _) => "in contention at the end".to_string(),
                (_, Some(at)) => format!("eliminated at replication {}", fmt_num(at, 0)),
                _ if r.rank == best.rank => "best".to_string(),
                _ if unseparated(&rows, best, r) => "interval overlaps the best's".to_string(),
                _ => String::new(),
            };
            let mut row = vec![
                r.rank.to_string(),
                r.cell.clone(),
                fmt_num(r.lon, 3),
                fmt_num(r.lat, 3),
                fmt_num(r.score, 0),
                format!("{} – {}", fmt_num(r.lo, 0), fmt_num(r.hi, 0)),
                fmt_opt(r.replications, 0),
                status,
            ];
            row.extend(r.components.iter().map(|c| fmt_opt(*c, 0)));
            row
        })
        .collect();
    let mut numeric: Vec<usize> = vec![0, 2, 3, 4, 5, 6];
    numeric.extend(8..headers.len());
    body.push_str(&html::table(
        "site-scan-table",
        &headers,
        &table_rows,
        &numeric,
    ));
    Ok(Section::new("site-scan", title, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cell: &str, score: f64, half: f64, rank: u64, final_set: Option<bool>) -> ScanRow {
        ScanRow {
            cell: cell.into(),
            lon: 106.0 + rank as f64 * 0.1,
            lat: 30.0,
            score,
            lo: score - half,
            hi: score + half,
            rank,
            replications: Some(10.0),
            eliminated_at: None,
            in_final_set: final_set,
            components: Vec::new(),
        }
    }

    #[test]
    fn the_best_is_brightest_and_the_cells_in_contention_are_outlined() {
        let rows = vec![
            row("c", 2_600.0, 50.0, 3, Some(false)),
            row("a", 2_300.0, 10.0, 1, Some(true)),
            row("b", 2_310.0, 10.0, 2, Some(true)),
        ];
        let mut bounds = BTreeMap::new();
        bounds.insert("a".to_string(), [106.0, 29.9, 106.2, 30.1]);
        let s = shading(&rows, &bounds).unwrap();
        assert_eq!(s.cells.len(), 3);
        let marks: Vec<_> = s.cells.iter().map(|c| c.mark).collect();
        assert_eq!(
            marks,
            [None, Some(CellMark::Best), Some(CellMark::Unseparated)]
        );
        assert_eq!(s.cells[1].bounds, Some([106.0, 29.9, 106.2, 30.1]));
        assert_eq!(s.cells[0].bounds, None, "no rectangle: drawn as a dot");
        assert_eq!(
            s.scale,
            ColourScale {
                lo: 2_300.0,
                hi: 2_600.0
            }
        );
        // Reversed viridis: the lowest score is viridis' yellow end, the highest its purple.
        assert_eq!(
            s.scale.colour(2_300.0),
            plotters::style::RGBColor(254, 232, 37)
        );
        assert_eq!(
            s.scale.colour(2_600.0),
            plotters::style::RGBColor(68, 1, 84)
        );
        assert!(s.unseparated.contains("budget"));
    }

    #[test]
    fn under_the_fixed_design_overlapping_intervals_are_not_separated() {
        let rows = vec![
            row("a", 2_300.0, 10.0, 1, None),
            row("b", 2_315.0, 10.0, 2, None),
            row("c", 2_330.0, 10.0, 3, None),
        ];
        let s = shading(&rows, &BTreeMap::new()).unwrap();
        let marks: Vec<_> = s.cells.iter().map(|c| c.mark).collect();
        assert_eq!(
            marks,
            [Some(CellMark::Best), Some(CellMark::Unseparated), None]
        );
        assert!(s.unseparated.contains("interval"));
        assert!(shading(&[], &BTreeMap::new()).is_none());
    }
}
