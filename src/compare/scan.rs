//! Site-suitability scan: where in the region should the next linked zone be?
//!
//! `corridor site-scan` turns the zone comparison around: instead of ranking the
//! candidates a planner wrote down, it places a hypothetical zone at every cell of a grid
//! over the region (or at given points), connects each by road to its nearest hubs with
//! the rule of [`crate::scenario::connect`], and scores every one like `compare-zones`:
//! the same `[compare]` probe demand, the same score, common random numbers, and the
//! replications spent as `[compare] procedure` says (Kim–Nelson by default for a scan:
//! most cells are plainly out of contention after the first stage).
//!
//! The lifecycle: [`grid`] or [`points`] → [`scan_scenario`] (the cells as candidates) →
//! [`score`] (the comparison) → [`CellResult`]s → [`table`] and [`layer`]. A shard of a
//! fixed-replication scan scores only its cells ([`Slice`]); its results are written with
//! every digit ([`shard_table`], [`read_shard_table`]) so that [`table`] and [`layer`] of
//! the merged results are byte-identical to an unsharded scan's: a cell's score under the
//! fixed design depends only on the cell (common random numbers, no shared decision), and
//! ranks are assigned once all cells are together.

use super::zones::{self, CompareError};
use crate::ids::CandidateId;
use crate::output::tables::{Table, num};
use crate::scenario::connect::{self, AutoConnectError, EARTH_RADIUS_KM};
use crate::scenario::{Candidate, HubKind, Procedure, Scenario};
use crate::stats::Summary;
use geojson::{Feature, FeatureCollection, Geometry, JsonObject};
use std::path::Path;

/// File name of the scan's table.
pub const SITE_SCAN_CSV: &str = "site_scan.csv";
/// File name of the scan's map layer.
pub const SITE_SCAN_GEOJSON: &str = "site_scan.geojson";
/// File name of a shard's cell results, every digit kept.
pub const SHARD_CELLS_CSV: &str = "site_scan_cells.csv";
/// The most cells a scan may have: a 1 km grid over a region of 100 000 km². More is a
/// typo in `--grid-km` or `--bbox`, refused before anything is allocated for it.
pub const MAX_CELLS: usize = 100_000;
/// The default margin around the region's extent, in grid steps.
pub const DEFAULT_MARGIN_STEPS: f64 = 2.0;

/// One place scored: a grid cell (with its rectangle) or a given point.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Id: `cell-r<row>c<col>` for a grid cell, the given id for a point.
    pub id: String,
    /// Longitude of the zone, degrees.
    pub lon: f64,
    /// Latitude of the zone, degrees.
    pub lat: f64,
    /// The cell's rectangle `[west, south, east, north]`, degrees; `None` for a point.
    pub bounds: Option<[f64; 4]>,
}

/// A bounding box `[west, south, east, north]`, degrees.
pub type Bbox = [f64; 4];

/// Why a scan cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A bounding box that is not one.
    #[error(
        "--bbox {0:?} is not west,south,east,north with west < east, south < north, latitudes within ±90 and longitudes within ±180"
    )]
    Bbox(Bbox),
    /// A grid step that is not one.
    #[error("--grid-km must be a number greater than 0, got {0}")]
    GridKm(f64),
    /// Too many cells.
    #[error("the scan would have {cells} cells, more than {max}: use a coarser --grid-km or a smaller --bbox", max = MAX_CELLS)]
    TooManyCells {
        /// Cells the grid would have.
        cells: f64,
    },
    /// No cell.
    #[error("the scan has no cell")]
    NoCells,
    /// The scenario has nothing to take the region's extent from.
    #[error(
        "the scenario has no candidate and no zone to take the region's extent from: give --bbox"
    )]
    NoExtent,
    /// A cell cannot be connected.
    #[error("cell `{cell}`: {source}")]
    Connect {
        /// The cell's id.
        cell: String,
        /// Why.
        source: AutoConnectError,
    },
    /// A cell id that is already a hub's.
    #[error("cell id `{0}` is already a hub's")]
    Clash(String),
    /// The comparison failed.
    #[error(transparent)]
    Compare(#[from] CompareError),
}

/// The default extent: the scenario's candidates and `zone` hubs (the region being
/// planned; markets and gateways abroad are not part of it), widened by
/// [`DEFAULT_MARGIN_STEPS`] grid steps on every side.
///
/// # Errors
///
/// [`ScanError::NoExtent`] when the scenario has neither.
pub fn default_bbox(s: &Scenario, grid_km: f64) -> Result<Bbox, ScanError> {
    let places = s.candidates.iter().map(|c| (c.lon, c.lat)).chain(
        s.hubs
            .iter()
            .filter(|h| h.kind == HubKind::Zone && h.from_candidate.is_none())
            .map(|h| (h.lon, h.lat)),
    );
    let mut b = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
    for (lon, lat) in places {
        b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
    }
    if !b[0].is_finite() {
        return Err(ScanError::NoExtent);
    }
    let dlat = DEFAULT_MARGIN_STEPS * grid_km / km_per_degree();
    let mid = (0.5 * (b[1] + b[3])).to_radians().cos().max(0.01);
    let dlon = dlat / mid;
    Ok([
        (b[0] - dlon).max(-180.0),
        (b[1] - dlat).max(-90.0),
        (b[2] + dlon).min(180.0),
        (b[3] + dlat).min(90.0),
    ])
}

fn km_per_degree() -> f64 {
    EARTH_RADIUS_KM.to_radians()
}

/// The cells of a grid of `grid_km` over `bbox`: rows `grid_km` of latitude apart from
/// the south edge, columns `grid_km` of longitude apart at the box's middle latitude from
/// the west edge (so cells are equal in degrees, about `grid_km` square), the last row
/// and column overlapping the north and east edges. Each cell's zone is at its centre;
/// cells run row by row from the south-west, ids `cell-r<row>c<col>`.
///
/// # Errors
///
/// A bad box or step, or more than [`MAX_CELLS`] cells.
pub fn grid(bbox: Bbox, grid_km: f64) -> Result<Vec<Cell>, ScanError> {
    let [w, s, e, n] = bbox;
    if !(bbox.iter().all(|x| x.is_finite())
        && w < e
        && s < n
        && (-180.0..=180.0).contains(&w)
        && (-180.0..=180.0).contains(&e)
        && (-90.0..=90.0).contains(&s)
        && (-90.0..=90.0).contains(&n))
    {
        return Err(ScanError::Bbox(bbox));
    }
    if !(grid_km.is_finite() && grid_km > 0.0) {
        return Err(ScanError::GridKm(grid_km));
    }
    let dlat = grid_km / km_per_degree();
    let dlon = dlat / (0.5 * (s + n)).to_radians().cos().max(0.01);
    let rows_f = ((n - s) / dlat).ceil();
    let cols_f = ((e - w) / dlon).ceil();
    if rows_f * cols_f > MAX_CELLS as f64 {
        return Err(ScanError::TooManyCells {
            cells: rows_f * cols_f,
        });
    }
    let (rows, cols) = (rows_f as usize, cols_f as usize);
    let mut cells = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        let south = s + r as f64 * dlat;
        for c in 0..cols {
            let west = w + c as f64 * dlon;
            let bounds = [west, south, west + dlon, south + dlat];
            cells.push(Cell {
                id: format!("cell-r{r:03}c{c:03}"),
                lon: west + 0.5 * dlon,
                lat: south + 0.5 * dlat,
                bounds: Some(bounds),
            });
        }
    }
    Ok(cells)
}

/// A problem with a `--points` file, at its line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct PointsError {
    /// The file.
    pub path: String,
    /// Line, from 1.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// The places of a `--points` CSV file: a header `id,lon,lat`, then one place a line
/// (ids as scenario ids: letters, digits, `-`, `_`; unique).
///
/// # Errors
///
/// A missing or wrong header, a line that is not three fields, a bad id or coordinate,
/// a repeated id, or more than [`MAX_CELLS`] places — each at its line.
pub fn points(path: &Path, text: &str) -> Result<Vec<Cell>, PointsError> {
    let err = |line: u64, message: String| PointsError {
        path: path.display().to_string(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
    if header.iter().collect::<Vec<_>>() != ["id", "lon", "lat"] {
        return Err(err(1, "the header must be `id,lon,lat`".into()));
    }
    let mut cells: Vec<Cell> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            err(line, e.to_string())
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if cells.len() >= MAX_CELLS {
            return Err(err(line, format!("more than {MAX_CELLS} places")));
        }
        let id = &record[0];
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                line,
                format!("field `id`: `{id}` is not an id (letters, digits, `-` and `_`)"),
            ));
        }
        if !seen.insert(id.to_string()) {
            return Err(err(line, format!("field `id`: `{id}` is given twice")));
        }
        let coord = |field: &str, text: &str, limit: f64| {
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && x.abs() <= limit)
                .ok_or_else(|| {
                    err(
                        line,
                        format!(
                            "place `{id}`: field `{field}` must be a number between -{limit} and {limit}, got `{text}`"
                        ),
                    )
                })
        };
        let lon = coord("lon", &record[1], 180.0)?;
        let lat = coord("lat", &record[2], 90.0)?;
        cells.push(Cell {
            id: id.to_string(),
            lon,
            lat,
            bounds: None,
        });
    }
    if cells.is_empty() {
        return Err(err(1, "no place given".into()));
    }
    Ok(cells)
}

/// The scenario whose candidates are `cells`, each a `zone` with automatic road
/// connectors and no demand of its own (the probe demand of `[compare]` is what a scan
/// compares). The scenario's own candidates are left out.
///
/// # Errors
///
/// A cell id that is a hub's, or a cell that cannot be connected.
pub fn scan_scenario(base: &Scenario, cells: &[Cell]) -> Result<Scenario, ScanError> {
    let connectable = connect::connectable_hubs(&base.hubs, &base.links, &base.services);
    let mut s = base.clone();
    s.candidates = cells
        .iter()
        .map(|c| {
            if base.hub_by_id(&c.id).is_some() {
                return Err(ScanError::Clash(c.id.clone()));
            }
            let connectors = connect::auto_connectors(
                &base.hubs,
                &connectable,
                &base.region,
                &c.id,
                c.lat,
                c.lon,
            )
            .map_err(|source| ScanError::Connect {
                cell: c.id.clone(),
                source,
            })?;
            Ok(Candidate {
                id: c.id.clone(),
                name: c.id.clone(),
                name_zh: None,
                kind: HubKind::Zone,
                lat: c.lat,
                lon: c.lon,
                transfer: None,
                customs: None,
                customs_policy: Default::default(),
                transfer_target_h: None,
                connectors,
                demand: Vec::new(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(s)
}

/// One cell's score, as the comparison left it.
#[derive(Clone, Debug, PartialEq)]
pub struct CellResult {
    /// The place.
    pub cell: Cell,
    /// Score across the replications the cell received, USD per TEU of probe freight.
    pub score: Summary,
    /// Replications the cell received.
    pub replications: u32,
    /// The replication after which the sequential procedure eliminated it.
    pub eliminated_at: Option<u32>,
    /// Whether the cell is among those left when the sequential procedure stopped
    /// (`None` for the fixed design).
    pub in_final_set: Option<bool>,
    /// Mean GC component.
    pub generalized_cost: f64,
    /// Mean REL component.
    pub reliability: f64,
    /// RED component.
    pub redundancy: f64,
    /// Mean EXT component.
    pub existing_traffic: f64,
}

/// Scores `cells` of the scan scenario `scan` (from [`scan_scenario`]) by the zone
/// comparison, in cell order. See [`zones::compare_zones`] for threads and `on_done`.
///
/// # Errors
///
/// As [`zones::compare_zones`].
pub fn score(
    scan: &Scenario,
    cells: &[Cell],
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<CellResult>, ScanError> {
    let ids: Vec<CandidateId> = (0..cells.len()).map(CandidateId::new).collect();
    let comparison = zones::compare_zones(scan, &ids, on_done)?;
    let reps = scan.meta.replications;
    let mut by_cell: Vec<Option<CellResult>> = vec![None; cells.len()];
    for z in comparison.ranking {
        let i = scan
            .candidate_by_id(&z.zone)
            .expect("the comparison ranks the scan's candidates")
            .index();
        by_cell[i] = Some(CellResult {
            cell: cells[i].clone(),
            score: z.score,
            replications: z.selection.map_or(reps, |s| s.replications),
            eliminated_at: z.selection.and_then(|s| s.eliminated_at),
            in_final_set: z.selection.map(|s| s.in_final_set),
            generalized_cost: z.generalized_cost,
            reliability: z.reliability,
            redundancy: z.redundancy,
            existing_traffic: z.existing_traffic,
        });
    }
    Ok(by_cell
        .into_iter()
        .map(|c| c.expect("every cell is ranked"))
        .collect())
}

/// Ranks of `results` (1 = best), by position: the cells left in contention first
/// (sequential procedure), then by mean score, ties in cell order.
#[must_use]
pub fn ranks(results: &[CellResult]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by(|&a, &b| {
        let out = |r: &CellResult| r.in_final_set == Some(false);
        out(&results[a])
            .cmp(&out(&results[b]))
            .then_with(|| results[a].score.mean.total_cmp(&results[b].score.mean))
            .then_with(|| a.cmp(&b))
    });
    let mut rank = vec![0; results.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    rank
}

const HEADER: &[&str] = &[
    "scenario",
    "cell",
    "lon",
    "lat",
    "score",
    "score_ci95_low",
    "score_ci95_high",
    "rank",
    "replications",
    "eliminated_at_replication",
    "in_final_set",
    "generalized_cost_usd_per_teu",
    "reliability_usd_per_teu",
    "redundancy_usd_per_teu",
    "existing_traffic_usd_per_teu",
];

/// `site_scan.csv`: one row per cell in cell order, with its rank.
#[must_use]
pub fn table(scenario: &str, results: &[CellResult]) -> Table {
    let rank = ranks(results);
    let rows = results
        .iter()
        .zip(rank)
        .map(|(r, rank)| {
            vec![
                scenario.to_string(),
                r.cell.id.clone(),
                num(r.cell.lon),
                num(r.cell.lat),
                num(r.score.mean),
                num(r.score.ci95_low),
                num(r.score.ci95_high),
                rank.to_string(),
                r.replications.to_string(),
                r.eliminated_at.map_or_else(String::new, |e| e.to_string()),
                r.in_final_set.map_or_else(String::new, |f| f.to_string()),
                num(r.generalized_cost),
                num(r.reliability),
                num(r.redundancy),
                num(r.existing_traffic),
            ]
        })
        .collect();
    Table {
        file: SITE_SCAN_CSV,
        header: HEADER,
        rows,
    }
}

/// `site_scan.geojson`: each grid cell as its rectangle (a point for a given place), with
/// the figures of `site_scan.csv`, in cell order — a heat map when styled by `score`.
#[must_use]
pub fn layer(results: &[CellResult]) -> FeatureCollection {
    let rank = ranks(results);
    let features: Vec<Feature> = results
        .iter()
        .zip(rank)
        .map(|(r, rank)| {
            let c = &r.cell;
            let geometry = match c.bounds {
                Some([w, s, e, n]) => Geometry::new_polygon(vec![vec![
                    vec![w, s],
                    vec![e, s],
                    vec![e, n],
                    vec![w, n],
                    vec![w, s],
                ]]),
                None => Geometry::new_point([c.lon, c.lat]),
            };
            let mut p = JsonObject::new();
            p.insert("layer".into(), "site_scan".into());
            p.insert("cell".into(), c.id.clone().into());
            p.insert("lon".into(), rounded(c.lon));
            p.insert("lat".into(), rounded(c.lat));
            p.insert("rank".into(), rank.into());
            p.insert("score".into(), rounded(r.score.mean));
            p.insert("score_ci95_low".into(), rounded(r.score.ci95_low));
            p.insert("score_ci95_high".into(), rounded(r.score.ci95_high));
            p.insert("replications".into(), r.replications.into());
            Feature {
                geometry: Some(geometry),
                properties: Some(p),
                ..Feature::default()
            }
        })
        .collect();
    FeatureCollection::new(features)
}

/// A figure as the tables print it (four decimals), so map and table agree.
fn rounded(x: f64) -> serde_json::Value {
    num(x)
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The cells of slice `index` of `count`: cell `i` belongs to it when `i mod count ==
/// index` (dealt round-robin, as `batch` deals variants, so the costly cells near the
/// hubs spread over every shard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    /// Which slice, from 0.
    pub index: usize,
    /// How many.
    pub count: usize,
}

impl Slice {
    /// Whether cell `i` is in the slice.
    #[must_use]
    pub fn holds(self, i: usize) -> bool {
        i % self.count == self.index
    }
}

const SHARD_HEADER: &[&str] = &[
    "position",
    "cell",
    "lon",
    "lat",
    "west",
    "south",
    "east",
    "north",
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "replications",
    "generalized_cost",
    "reliability",
    "redundancy",
    "existing_traffic",
];

/// A shard's cell results with every digit (Rust's shortest round-trip form of each
/// number), so that the merged tables are those of an unsharded scan; `positions[j]` is
/// the cell's position in the whole scan. Fixed design only (no elimination columns).
#[must_use]
pub fn shard_table(positions: &[usize], results: &[CellResult]) -> Table {
    let rows = positions
        .iter()
        .zip(results)
        .map(|(p, r)| {
            let b = r.cell.bounds;
            let side = |k: usize| b.map_or_else(String::new, |b| b[k].to_string());
            vec![
                p.to_string(),
                r.cell.id.clone(),
                r.cell.lon.to_string(),
                r.cell.lat.to_string(),
                side(0),
                side(1),
                side(2),
                side(3),
                r.score.n.to_string(),
                r.score.mean.to_string(),
                r.score.sd.to_string(),
                r.score.ci95_low.to_string(),
                r.score.ci95_high.to_string(),
                r.replications.to_string(),
                r.generalized_cost.to_string(),
                r.reliability.to_string(),
                r.redundancy.to_string(),
                r.existing_traffic.to_string(),
            ]
        })
        .collect();
    Table {
        file: SHARD_CELLS_CSV,
        header: SHARD_HEADER,
        rows,
    }
}

/// Reads a [`shard_table`] back: (position, result) per row.
///
/// # Errors
///
/// A message naming the line and field of the first problem.
pub fn read_shard_table(text: &str) -> Result<Vec<(usize, CellResult)>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    if header.iter().collect::<Vec<_>>() != SHARD_HEADER {
        return Err("line 1: not a site-scan shard table".into());
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |k: usize| -> Result<f64, String> {
            record[k]
                .parse::<f64>()
                .map_err(|_| format!("line {line}: field `{}` is not a number", SHARD_HEADER[k]))
        };
        let whole = |k: usize| -> Result<u64, String> {
            record[k].parse::<u64>().map_err(|_| {
                format!(
                    "line {line}: field `{}` is not a whole number",
                    SHARD_HEADER[k]
                )
            })
        };
        let bounds = if record[4].is_empty() {
            None
        } else {
            Some([field(4)?, field(5)?, field(6)?, field(7)?])
        };
        let position = usize::try_from(whole(0)?).map_err(|e| e.to_string())?;
        out.push((
            position,
            CellResult {
                cell: Cell {
                    id: record[1].to_string(),
                    lon: field(2)?,
                    lat: field(3)?,
                    bounds,
                },
                score: Summary {
                    n: usize::try_from(whole(8)?).map_err(|e| e.to_string())?,
                    mean: field(9)?,
                    sd: field(10)?,
                    ci95_low: field(11)?,
                    ci95_high: field(12)?,
                },
                replications: u32::try_from(whole(13)?).map_err(|e| e.to_string())?,
                eliminated_at: None,
                in_final_set: None,
                generalized_cost: field(14)?,
                reliability: field(15)?,
                redundancy: field(16)?,
                existing_traffic: field(17)?,
            },
        ));
    }
    Ok(out)
}

/// Whether the scan spends replications sequentially (then it cannot be sharded: the
/// procedure decides on all cells together).
#[must_use]
pub fn is_sequential(s: &Scenario) -> bool {
    matches!(s.compare.procedure, Procedure::KimNelson(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_the_box_with_cells_of_the_step() {
        let cells = grid([106.0, 29.0, 107.0, 30.0], 10.0).unwrap();
        // 111.2 km of latitude: 12 rows; 96.7 km of longitude at 29.5°: 10 columns.
        assert_eq!(cells.len(), 12 * 10);
        assert_eq!(cells[0].id, "cell-r000c000");
        assert_eq!(cells[1].id, "cell-r000c001");
        let [w, s, e, n] = cells[0].bounds.unwrap();
        assert_eq!((w, s), (106.0, 29.0));
        let tall = connect::haversine_km(s, w, n, w);
        let wide = connect::haversine_km(29.5, w, 29.5, e);
        assert!((tall - 10.0).abs() < 1e-9, "{tall}");
        assert!((wide - 10.0).abs() < 0.01, "{wide}");
        assert!((cells[0].lon - 0.5 * (w + e)).abs() < 1e-12);
        let last = cells.last().unwrap().bounds.unwrap();
        assert!(last[2] >= 107.0 && last[3] >= 30.0);
        assert!(matches!(
            grid([107.0, 29.0, 106.0, 30.0], 10.0),
            Err(ScanError::Bbox(_))
        ));
        assert!(matches!(
            grid([106.0, 29.0, 107.0, 30.0], 0.0),
            Err(ScanError::GridKm(_))
        ));
        assert!(matches!(
            grid([-180.0, -80.0, 180.0, 80.0], 0.01),
            Err(ScanError::TooManyCells { .. })
        ));
    }

    #[test]
    fn points_are_read_with_their_line_on_error() {
        let p = Path::new("p.csv");
        let ok = points(p, "id,lon,lat\na,106.5,29.6\nb, 107 ,30\n").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[1].lon, ok[1].lat), (107.0, 30.0));
        let e = points(p, "id,lon,lat\na,106.5,29.6\nb,206,30\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().contains("field `lon`"), "{e}");
        let e = points(p, "id,lon,lat\na,106.5,29.6\na,106,30\n").unwrap_err();
        assert!(e.to_string().starts_with("p.csv:3: field `id`"), "{e}");
        assert!(
            points(p, "x,y\n1,2\n")
                .unwrap_err()
                .to_string()
                .contains("header")
        );
        assert!(points(p, "id,lon,lat\n").is_err());
    }

    #[test]
    fn shard_table_round_trips_every_digit() {
        let r = CellResult {
            cell: Cell {
                id: "cell-r001c002".into(),
                lon: 106.123_456_789_012_34,
                lat: 29.1 + 1e-13,
                bounds: Some([106.0, 29.0, 106.2, 29.2 + 1e-15]),
            },
            score: Summary {
                n: 100,
                mean: 2_344.123_456_789,
                sd: 1.0 / 3.0,
                ci95_low: 2_300.000_000_000_1,
                ci95_high: 2400.1,
            },
            replications: 100,
            eliminated_at: None,
            in_final_set: None,
            generalized_cost: 0.1 + 0.2,
            reliability: 1e-300,
            redundancy: 0.0,
            existing_traffic: -0.0,
        };
        let mut point = r.clone();
        point.cell.bounds = None;
        let t = shard_table(&[7, 9], &[r.clone(), point.clone()]);
        let mut text = t.header.join(",") + "\n";
        for row in &t.rows {
            text += &(row.join(",") + "\n");
        }
        let back = read_shard_table(&text).unwrap();
        assert_eq!(back, vec![(7, r), (9, point)]);
    }
}
