//! The area a site scan is limited to: the (Multi)Polygons of a GeoJSON file, holes
//! included, and whether a cell's centre lies inside them.
//!
//! A planner scans "the municipality", not its bounding box: `corridor site-scan
//! --polygon FILE` keeps the grid cells whose centre is inside. The test is the even–odd
//! (ray-crossing) rule on plain longitude/latitude: a point is inside a polygon when a ray
//! from it crosses the polygon's rings an odd number of times, so a point in a hole (the
//! exterior crossed once, the hole once) is outside. That is all a scan needs — one
//! predicate per cell, a few hundred vertices — and it is a dozen lines, where the `geo`
//! crate's `Contains` would bring a dozen crates (robust predicates, an R-tree, a polygon
//! overlay engine) for it.
//!
//! Assumptions, checked where they can be:
//! - **No antimeridian crossing.** Edges are straight in longitude/latitude, so a ring
//!   spanning more than 180° of longitude (one that crosses ±180°) would be read as going
//!   the long way round; such a ring is refused. Regions this tool plans (a municipality,
//!   a province) are far from it.
//! - Rings are closed (first position = last) with at least four positions, coordinates
//!   `[lon, lat]` in degrees (RFC 7946), within ±180 and ±90. Winding order is not
//!   needed by the even–odd rule and not checked.
//! - A centre exactly on an edge is inside or outside depending on the edge's direction
//!   (the half-open rule below); with cells of kilometres it does not matter which.

use std::path::Path;

use serde_json::Value;

/// The most positions a polygon file may hold, every ring together: far more than any
/// administrative boundary a scan needs, small enough that a wrong file (a global
/// coastline) is refused before it is held in memory twice.
pub const MAX_POSITIONS: usize = 1_000_000;

/// A bad polygon file, located: the file, the feature (when the file has features) and
/// the field.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {place}{field}: {message}", place = feature.map_or_else(String::new, |i| format!("feature {i}, ")))]
pub struct PolygonError {
    /// The file.
    pub file: String,
    /// Index of the feature in `features`, from 0, when the file is a feature collection.
    pub feature: Option<usize>,
    /// The field, as a JSON path (`geometry.coordinates[0][3]`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// One polygon: its exterior ring, then its holes; each ring's positions `(lon, lat)`,
/// closed.
#[derive(Clone, Debug, PartialEq)]
struct Polygon {
    rings: Vec<Vec<(f64, f64)>>,
}

impl Polygon {
    /// Even–odd rule over every ring: inside the exterior and in no hole.
    fn contains(&self, lon: f64, lat: f64) -> bool {
        let mut inside = false;
        for ring in &self.rings {
            for w in ring.windows(2) {
                let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                // Half-open in latitude, so a ray through a vertex counts it once.
                if (y1 > lat) != (y2 > lat) {
                    let x = x1 + (lat - y1) / (y2 - y1) * (x2 - x1);
                    if lon < x {
                        inside = !inside;
                    }
                }
            }
        }
        inside
    }
}

/// The area of a scan: every polygon of a file's Polygon and MultiPolygon geometries.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    polygons: Vec<Polygon>,
}

impl Area {
    /// Reads the polygons of GeoJSON text: a FeatureCollection, a Feature or a bare
    /// geometry, of type Polygon or MultiPolygon (a feature of another geometry type is
    /// an error: a scan area of points or lines is a mistake, not something to skip).
    ///
    /// # Errors
    /// [`PolygonError`] naming the feature and field of the first problem.
    pub fn parse(path: &Path, text: &str) -> Result<Area, PolygonError> {
        let file = path.display().to_string();
        let err = |feature: Option<usize>, field: &str, message: String| PolygonError {
            file: file.clone(),
            feature,
            field: field.to_string(),
            message,
        };
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| err(None, "(file)", format!("not JSON: {e}")))?;
        let mut polygons = Vec::new();
        let mut positions = 0usize;
        match doc.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => {
                let features = doc
                    .get("features")
                    .and_then(Value::as_array)
                    .ok_or_else(|| err(None, "features", "must be an array of features".into()))?;
                for (i, f) in features.iter().enumerate() {
                    let geometry = f.get("geometry").ok_or_else(|| {
                        err(Some(i), "geometry", "a feature needs a geometry".into())
                    })?;
                    read_geometry(geometry, "geometry", &mut polygons, &mut positions)
                        .map_err(|(field, message)| err(Some(i), &field, message))?;
                }
            }
            Some("Feature") => {
                let geometry = doc
                    .get("geometry")
                    .ok_or_else(|| err(None, "geometry", "a feature needs a geometry".into()))?;
                read_geometry(geometry, "geometry", &mut polygons, &mut positions)
                    .map_err(|(field, message)| err(None, &field, message))?;
            }
            _ => read_geometry(&doc, "", &mut polygons, &mut positions)
                .map_err(|(field, message)| err(None, &field, message))?,
        }
        if polygons.is_empty() {
            return Err(err(
                None,
                "features",
                "the file has no Polygon or MultiPolygon".into(),
            ));
        }
        Ok(Area { polygons })
    }

    /// Whether the point is inside one of the polygons (and in none of its holes).
    #[must_use]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.polygons.iter().any(|p| p.contains(lon, lat))
    }

    /// The box around every exterior ring, `[west, south, east, north]`.
    #[must_use]
    pub fn bbox(&self) -> [f64; 4] {
        let mut b = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
        for (lon, lat) in self.polygons.iter().flat_map(|p| p.rings[0].iter()) {
            b = [
                b[0].min(*lon),
                b[1].min(*lat),
                b[2].max(*lon),
                b[3].max(*lat),
            ];
        }
        b
    }
}

/// A field path joined to a key (`geometry` + `coordinates`).
fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// Reads one geometry at JSON path `at` into `out`; errors are (field, message).
fn read_geometry(
    g: &Value,
    at: &str,
    out: &mut Vec<Polygon>,
    positions: &mut usize,
) -> Result<(), (String, String)> {
    let kind = g.get("type").and_then(Value::as_str);
    let coords_at = join(at, "coordinates");
    let coords = g.get("coordinates");
    match kind {
        Some("Polygon") => {
            let c = coords.ok_or_else(|| (coords_at.clone(), "missing".to_string()))?;
            out.push(read_polygon(c, &coords_at, positions)?);
        }
        Some("MultiPolygon") => {
            let parts = coords.and_then(Value::as_array).ok_or_else(|| {
                (
                    coords_at.clone(),
                    "must be an array of polygons".to_string(),
                )
            })?;
            for (k, p) in parts.iter().enumerate() {
                out.push(read_polygon(p, &format!("{coords_at}[{k}]"), positions)?);
            }
        }
        Some(other) => {
            return Err((
                join(at, "type"),
                format!("`{other}`: a scan area must be a Polygon or a MultiPolygon"),
            ));
        }
        None => {
            return Err((
                join(at, "type"),
                "missing: a scan area must be a Polygon or a MultiPolygon".into(),
            ));
        }
    }
    Ok(())
}

/// Reads a polygon's rings at `at`.
fn read_polygon(v: &Value, at: &str, positions: &mut usize) -> Result<Polygon, (String, String)> {
    let rings = v.as_array().filter(|r| !r.is_empty()).ok_or_else(|| {
        (
            at.to_string(),
            "a polygon must be an array of rings, the exterior first".to_string(),
        )
    })?;
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let ring_at = format!("{at}[{r}]");
        let points = ring.as_array().ok_or_else(|| {
            (
                ring_at.clone(),
                "a ring must be an array of [lon, lat] positions".to_string(),
            )
        })?;
        *positions += points.len();
        if *positions > MAX_POSITIONS {
            return Err((
                ring_at,
                format!("the file has more than {MAX_POSITIONS} positions: simplify the boundary"),
            ));
        }
        if points.len() < 4 {
            return Err((
                ring_at,
                format!(
                    "a ring needs at least 4 positions (closed), got {}",
                    points.len()
                ),
            ));
        }
        let mut ring_out = Vec::with_capacity(points.len());
        for (k, p) in points.iter().enumerate() {
            let here = format!("{ring_at}[{k}]");
            let xy = p
                .as_array()
                .filter(|a| a.len() >= 2)
                .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)))
                .ok_or_else(|| {
                    (
                        here.clone(),
                        "a position must be [lon, lat] numbers".to_string(),
                    )
                })?;
            if !(xy.0.abs() <= 180.0 && xy.1.abs() <= 90.0) {
                return Err((
                    here,
                    format!(
                        "[{}, {}] is not [lon, lat] within ±180 and ±90 degrees",
                        xy.0, xy.1
                    ),
                ));
            }
            ring_out.push(xy);
        }
        if ring_out.first() != ring_out.last() {
            return Err((
                ring_at,
                "a ring must be closed: its last position equal to its first".into(),
            ));
        }
        let (lo, hi) = ring_out
            .iter()
            .fold((f64::INFINITY, -f64::INFINITY), |(lo, hi), p| {
                (lo.min(p.0), hi.max(p.0))
            });
        if hi - lo > 180.0 {
            return Err((
                ring_at,
                format!(
                    "the ring spans {:.1} degrees of longitude: rings crossing the antimeridian are not supported",
                    hi - lo
                ),
            ));
        }
        out.push(ring_out);
    }
    Ok(Polygon { rings: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(text: &str) -> Result<Area, PolygonError> {
        Area::parse(Path::new("area.geojson"), text)
    }

    /// A 10 × 10 square with a 4 × 4 hole in its middle, and an island in the hole.
    const SQUARE_WITH_HOLE: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[
        [[[0,0],[10,0],[10,10],[0,10],[0,0]], [[3,3],[3,7],[7,7],[7,3],[3,3]]],
        [[[4,4],[6,4],[6,6],[4,6],[4,4]]]
      ]}}]}"#;

    #[test]
    fn holes_are_outside_and_islands_in_them_inside() {
        let a = area(SQUARE_WITH_HOLE).unwrap();
        assert!(a.contains(1.0, 1.0));
        assert!(a.contains(9.5, 5.0));
        assert!(!a.contains(3.5, 5.0), "in the hole");
        assert!(!a.contains(6.5, 3.5), "in the hole");
        assert!(a.contains(5.0, 5.0), "on the island in the hole");
        assert!(!a.contains(-1.0, 5.0));
        assert!(!a.contains(11.0, 5.0));
        assert!(!a.contains(5.0, 10.5));
        assert_eq!(a.bbox(), [0.0, 0.0, 10.0, 10.0]);
    }

    #[test]
    fn a_ray_through_a_vertex_counts_it_once() {
        // A diamond: the ray from (0, 0) eastward passes through the vertex (2, 0).
        let a = area(r#"{"type":"Polygon","coordinates":[[[1,-1],[2,0],[1,1],[0.5,0],[1,-1]]]}"#)
            .unwrap();
        assert!(a.contains(1.0, 0.0));
        assert!(!a.contains(0.0, 0.0));
        assert!(!a.contains(2.5, 0.0));
        // A concave polygon (a U): the notch is outside.
        let u = area(
            r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[2,3],[2,1],[1,1],[1,3],[0,3],[0,0]]]}}"#,
        )
        .unwrap();
        assert!(u.contains(0.5, 2.0) && u.contains(2.5, 2.0) && u.contains(1.5, 0.5));
        assert!(!u.contains(1.5, 2.0));
    }

    #[test]
    fn a_real_boundary_keeps_its_centre_and_leaves_out_its_neighbours() {
        // The Chongqing boundary shipped with the scenario.
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/chongqing/boundary.geojson");
        let a = Area::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(a.contains(106.55, 29.56), "Yuzhong, the city centre");
        assert!(a.contains(108.38, 30.81), "Wanzhou");
        assert!(!a.contains(104.07, 30.67), "Chengdu, Sichuan");
        assert!(!a.contains(106.71, 26.58), "Guiyang, Guizhou");
        assert!(!a.contains(110.0, 31.9), "Hubei, inside the bounding box");
    }

    #[test]
    fn errors_name_the_feature_and_the_field() {
        let e = area(r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,"x"],[0,0]]]}}]}"#)
        .unwrap_err();
        assert_eq!(
            (e.feature, e.field.as_str()),
            (Some(1), "geometry.coordinates[0][2]")
        );
        assert!(
            e.to_string()
                .starts_with("area.geojson: feature 1, geometry.coordinates[0][2]: "),
            "{e}"
        );
        let e = area(r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}"#)
            .unwrap_err();
        assert_eq!(e.field, "geometry.type");
        assert!(e.message.contains("`Point`"), "{e}");
        let e =
            area(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#).unwrap_err();
        assert_eq!(e.field, "coordinates[0]");
        assert!(e.message.contains("closed"), "{e}");
        let e = area(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#).unwrap_err();
        assert!(e.message.contains("at least 4"), "{e}");
        let e = area(r#"{"type":"Polygon","coordinates":[[[170,0],[-170,0],[-170,1],[170,0]]]}"#)
            .unwrap_err();
        assert!(e.message.contains("antimeridian"), "{e}");
        let e =
            area(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}"#).unwrap_err();
        assert_eq!(e.field, "coordinates[0][2]");
        let e = area(r#"{"type":"FeatureCollection","features":[]}"#).unwrap_err();
        assert!(e.message.contains("no Polygon"), "{e}");
        assert!(area("{").unwrap_err().message.starts_with("not JSON"));
    }
}
