//! The map: the network's links drawn with their freight (width by TEU per day, colour by
//! the corridor carrying most of it) and its hubs labelled, from `network.geojson`; or the
//! candidate zones by rank, from `zones.geojson`.
//!
//! Drawn with plotters on a lon/lat chart in an equirectangular projection: one degree of
//! longitude is drawn `cos(latitude)` times as wide as one of latitude, at the map's mean
//! latitude, so shapes near the map's centre keep their proportions. A network spanning
//! continents (Chongqing to Duisburg) hides its dense home region in a few pixels, so the
//! region where most hubs are gets a second, zoomed map.
//!
//! A site scan's map ([`Shading`]) puts the scanned cells under the network, each filled
//! by its score on a colour scale (viridis, reversed so that the best, lowest scores are
//! the brightest: perceptually even and readable by colour-blind readers), with the best
//! cell and the cells the scan could not tell apart from it outlined.

use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;
use serde_json::Value;

use super::ReportError;
use super::chart::{self, INK, MUTED, err};
use super::table::display_name;

/// A hub or zone.
#[derive(Clone, Debug)]
pub struct Place {
    /// Id.
    pub id: String,
    /// Display name (with the Chinese name when given).
    pub label: String,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Latitude, degrees north.
    pub lat: f64,
    /// TEU per day through it (0 for a zone).
    pub teu_per_day: f64,
    /// Rank of a candidate zone.
    pub rank: Option<u32>,
}

/// A link with its freight.
#[derive(Clone, Debug)]
pub struct Line {
    /// Its points, (lon, lat).
    pub coords: Vec<(f64, f64)>,
    /// TEU per day on it.
    pub teu_per_day: f64,
    /// The corridor carrying most of it, if any freight.
    pub corridor: Option<String>,
}

/// What a map shows.
#[derive(Clone, Debug, Default)]
pub struct Layer {
    /// Hubs and zones.
    pub places: Vec<Place>,
    /// Links.
    pub lines: Vec<Line>,
}

/// Prefix of the per-corridor TEU properties of a link.
const BY_CORRIDOR: &str = "teu_per_day_";

/// Reads a GeoJSON layer written by corridor-sim; `Ok(None)` when the file is absent.
///
/// # Errors
/// [`ReportError::Io`] or [`ReportError::Json`] when the file cannot be read or is not a
/// feature collection of points and line strings with numeric coordinates.
pub fn read(dir: &Path, name: &str) -> Result<Option<Layer>, ReportError> {
    let Some((path, features)) = read_features(dir, name)? else {
        return Ok(None);
    };
    let bad = |message: String| ReportError::Json {
        file: path.clone(),
        message,
    };
    let mut layer = Layer::default();
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties").and_then(Value::as_object);
        let prop = |k: &str| props.and_then(|p| p.get(k));
        let text = |k: &str| prop(k).and_then(Value::as_str).unwrap_or("").to_string();
        let num = |k: &str| prop(k).and_then(Value::as_f64).unwrap_or(0.0);
        let geometry = f.get("geometry").unwrap_or(&Value::Null);
        let coords = geometry.get("coordinates").unwrap_or(&Value::Null);
        let point =
            |c: &Value| -> Option<(f64, f64)> { Some((c.get(0)?.as_f64()?, c.get(1)?.as_f64()?)) };
        match geometry.get("type").and_then(Value::as_str) {
            Some("Point") => {
                let (lon, lat) = point(coords)
                    .ok_or_else(|| bad(format!("feature {i}: a point needs [lon, lat]")))?;
                let id = text("id");
                layer.places.push(Place {
                    label: display_name(&id, &text("name"), &text("name_zh")),
                    id,
                    lon,
                    lat,
                    teu_per_day: num("teu_per_day"),
                    rank: prop("rank")
                        .and_then(Value::as_u64)
                        .and_then(|r| u32::try_from(r).ok()),
                });
            }
            Some("LineString") => {
                let points = coords
                    .as_array()
                    .map(|a| a.iter().map(point).collect::<Option<Vec<_>>>())
                    .unwrap_or_default()
                    .filter(|p| p.len() >= 2)
                    .ok_or_else(|| bad(format!("feature {i}: a line needs [[lon, lat], ...]")))?;
                // The corridor with the most TEU; the first by name on a tie (properties
                // come sorted by key).
                let corridor = props.and_then(|p| {
                    p.iter()
                        .filter_map(|(k, v)| Some((k.strip_prefix(BY_CORRIDOR)?, v.as_f64()?)))
                        .filter(|(_, v)| *v > 0.0)
                        .fold(None, |best: Option<(&str, f64)>, (k, v)| match best {
                            Some((_, b)) if b >= v => best,
                            _ => Some((k, v)),
                        })
                        .map(|(k, _)| k.to_string())
                });
                layer.lines.push(Line {
                    coords: points,
                    teu_per_day: num("teu_per_day"),
                    corridor,
                });
            }
            _ => {}
        }
    }
    Ok(Some(layer))
}

/// The features of the GeoJSON feature collection `dir/name`, with the file's path;
/// `Ok(None)` when the file is absent.
///
/// # Errors
/// [`ReportError::Io`] when the file cannot be read, [`ReportError::Json`] when it is not
/// JSON with a `features` array.
pub fn read_features(dir: &Path, name: &str) -> Result<Option<(PathBuf, Vec<Value>)>, ReportError> {
    let path = dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReportError::Io { path, source }),
    };
    let bad = |message: String| ReportError::Json {
        file: path.clone(),
        message,
    };
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    match doc.get_mut("features").map(Value::take) {
        Some(Value::Array(features)) => Ok(Some((path, features))),
        _ => Err(bad("no `features` array".into())),
    }
}

/// A lon/lat box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extent {
    lon: (f64, f64),
    lat: (f64, f64),
}

impl Extent {
    /// The box around `points`; `None` when there is none.
    pub fn of(points: impl Iterator<Item = (f64, f64)>) -> Option<Extent> {
        points.fold(None, |e, (x, y)| {
            Some(match e {
                None => Extent {
                    lon: (x, x),
                    lat: (y, y),
                },
                Some(e) => Extent {
                    lon: (e.lon.0.min(x), e.lon.1.max(x)),
                    lat: (e.lat.0.min(y), e.lat.1.max(y)),
                },
            })
        })
    }

    /// Grown by `share` of its size on every side (at least `min_deg` degrees).
    #[must_use]
    pub fn padded(self, share: f64, min_deg: f64) -> Extent {
        let dx = ((self.lon.1 - self.lon.0) * share).max(min_deg);
        let dy = ((self.lat.1 - self.lat.0) * share).max(min_deg);
        Extent {
            lon: (self.lon.0 - dx, self.lon.1 + dx),
            lat: (self.lat.0 - dy, self.lat.1 + dy),
        }
    }

    fn contains(&self, (x, y): (f64, f64)) -> bool {
        (self.lon.0..=self.lon.1).contains(&x) && (self.lat.0..=self.lat.1).contains(&y)
    }

    fn area(&self) -> f64 {
        (self.lon.1 - self.lon.0) * (self.lat.1 - self.lat.0)
    }

    /// The segment `a`–`b` cut to the box (Liang–Barsky), if any of it is inside.
    fn clip(&self, a: (f64, f64), b: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (p, q) in [
            (-dx, a.0 - self.lon.0),
            (dx, self.lon.1 - a.0),
            (-dy, a.1 - self.lat.0),
            (dy, self.lat.1 - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        (t0 <= t1).then_some((
            (a.0 + t0 * dx, a.1 + t0 * dy),
            (a.0 + t1 * dx, a.1 + t1 * dy),
        ))
    }
}

/// The home region: the box around the places within 3 degrees of the median place,
/// when it holds at least three places and is much smaller than the whole map.
#[must_use]
pub fn home_region(layer: &Layer) -> Option<Extent> {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let lon = median(layer.places.iter().map(|p| p.lon).collect())?;
    let lat = median(layer.places.iter().map(|p| p.lat).collect())?;
    let near: Vec<_> = layer
        .places
        .iter()
        .map(|p| (p.lon, p.lat))
        .filter(|(x, y)| (x - lon).abs() <= 3.0 && (y - lat).abs() <= 3.0)
        .collect();
    let region = Extent::of(near.iter().copied())?.padded(0.12, 0.1);
    let all = whole(layer)?;
    (near.len() >= 3 && region.area() * 16.0 < all.area()).then_some(region)
}

fn whole(layer: &Layer) -> Option<Extent> {
    Extent::of(
        layer
            .places
            .iter()
            .map(|p| (p.lon, p.lat))
            .chain(layer.lines.iter().flat_map(|l| l.coords.iter().copied())),
    )
    .map(|e| e.padded(0.06, 0.05))
}

/// How the map colours corridors and places.
pub struct Style<'a> {
    /// Corridor colours, in legend order.
    pub corridors: &'a [(String, RGBColor)],
    /// The title over the map.
    pub title: &'a str,
    /// The region drawn on a second map: outlined here, and its places left unlabelled.
    pub home: Option<Extent>,
    /// Cells shaded under the network (a site scan's heat map); hubs are then labelled
    /// whether or not freight passes them, for orientation.
    pub shading: Option<&'a Shading>,
}

/// A colour scale from `lo` (brightest) to `hi` (darkest): reversed viridis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColourScale {
    /// The value drawn brightest (yellow).
    pub lo: f64,
    /// The value drawn darkest (purple).
    pub hi: f64,
}

impl ColourScale {
    /// The colour of `v`, clamped to the scale.
    #[must_use]
    pub fn colour(&self, v: f64) -> RGBColor {
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            ((v - self.lo) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
        ViridisRGB::get_color(1.0 - t)
    }
}

/// How a shaded cell is outlined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellMark {
    /// The best cell (rank 1).
    Best,
    /// A cell the scan could not tell apart from the best.
    Unseparated,
}

/// One cell of a heat map: its rectangle (a dot at its centre when it has none), its
/// value and its outline.
#[derive(Clone, Debug, PartialEq)]
pub struct ShadedCell {
    /// Longitude of the centre, degrees.
    pub lon: f64,
    /// Latitude of the centre, degrees.
    pub lat: f64,
    /// `[west, south, east, north]`, degrees.
    pub bounds: Option<[f64; 4]>,
    /// The value coloured.
    pub value: f64,
    /// Its outline, if any.
    pub mark: Option<CellMark>,
}

/// A heat map drawn under the network, with what its legend says.
#[derive(Clone, Debug)]
pub struct Shading {
    /// The cells.
    pub cells: Vec<ShadedCell>,
    /// Their colour scale.
    pub scale: ColourScale,
    /// The legend's title for the scale, with its unit.
    pub title: String,
    /// The legend's words for [`CellMark::Unseparated`].
    pub unseparated: String,
}

/// Outline colour and width of a marked cell.
fn mark_style(mark: CellMark) -> (RGBColor, u32) {
    match mark {
        CellMark::Best => (chart::ACCENT, 4),
        CellMark::Unseparated => (RGBColor(0, 0, 0), 2),
    }
}

/// Radius, pixels, of a cell drawn as a dot (a scanned point without a rectangle).
const CELL_DOT_PX: i32 = 7;

/// Width of the legend beside the map, pixels.
const LEGEND_PX: u32 = 250;
/// Map label size, pixels.
const LABEL_PX: u32 = 13;

/// Line width in pixels of a link with `teu` TEU per day, when the busiest has `max`.
fn line_width(teu: f64, max: f64) -> u32 {
    if max > 0.0 && teu > 0.0 {
        2 + (12.0 * (teu / max).sqrt()).round() as u32
    } else {
        1
    }
}

/// The largest of 1, 2 or 5 times a power of ten not above `v` (legend samples).
fn round_down_nice(v: f64) -> f64 {
    if v <= 0.0 {
        return 0.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|x| *x <= v)
        .unwrap_or(p)
}

/// The map of `layer` over `extent` (the whole layer when `None`), with its legend on
/// the right.
///
/// # Errors
/// [`ReportError::Chart`] when plotters fails.
pub fn draw(
    layer: &Layer,
    extent: Option<Extent>,
    style: &Style<'_>,
) -> Result<String, ReportError> {
    let ext = extent.or_else(|| whole(layer)).unwrap_or(Extent {
        lon: (0.0, 1.0),
        lat: (0.0, 1.0),
    });
    let cos_lat = ((ext.lat.0 + ext.lat.1) / 2.0).to_radians().cos().max(0.2);
    // Ticks a tenth of a degree apart or closer need a second decimal to differ.
    let span = (ext.lon.1 - ext.lon.0).min(ext.lat.1 - ext.lat.0);
    let decimals = if span < 1.5 { 2 } else { 1 };
    let plot_w = chart::WIDTH_PX - LEGEND_PX - 90;
    let ratio = (ext.lat.1 - ext.lat.0) / ((ext.lon.1 - ext.lon.0) * cos_lat);
    let height = ((f64::from(plot_w) * ratio) as u32 + 100).clamp(360, 900);
    let max_line = layer
        .lines
        .iter()
        .map(|l| l.teu_per_day)
        .fold(0.0, f64::max);
    let max_place = layer
        .places
        .iter()
        .map(|p| p.teu_per_day)
        .fold(0.0, f64::max);
    let colour_of = |c: &str| {
        style
            .corridors
            .iter()
            .find(|(n, _)| n == c)
            .map_or(MUTED, |(_, col)| *col)
    };
    // Corridors that carry freight on this map, in legend order.
    let mut shown: Vec<(String, RGBColor)> = style
        .corridors
        .iter()
        .filter(|(n, _)| layer.lines.iter().any(|l| l.corridor.as_deref() == Some(n)))
        .cloned()
        .collect();
    if layer.lines.iter().any(|l| {
        l.corridor
            .as_ref()
            .is_some_and(|c| !style.corridors.iter().any(|(n, _)| n == c))
    }) {
        shown.push(("other".into(), MUTED));
    }
    chart::svg((chart::WIDTH_PX, height), |root| {
        let title = ("sans-serif", 28).into_font().color(&INK);
        let root = root.titled(style.title, title).map_err(err)?;
        let (area, side) = root.split_horizontally(chart::WIDTH_PX - LEGEND_PX);
        let mut map = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(ext.lon.0..ext.lon.1, ext.lat.0..ext.lat.1)
            .map_err(err)?;
        map.configure_mesh()
            .x_label_formatter(&|v| format!("{v:.decimals$}°E"))
            .y_label_formatter(&|v| format!("{v:.decimals$}°N"))
            .label_style(("sans-serif", 16).into_font().color(&MUTED))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(230, 230, 230))
            .draw()
            .map_err(err)?;
        let clip = |l: &Line| -> Vec<Vec<(f64, f64)>> {
            l.coords
                .windows(2)
                .filter_map(|w| ext.clip(w[0], w[1]))
                .map(|(a, b)| vec![a, b])
                .collect()
        };
        if let Some(shading) = style.shading {
            draw_cells(&mut map, shading)?;
        }
        // Idle links first, thin and grey (dark over a heat map); then the loaded ones,
        // widest first, so that a thin line stays visible on top of a wide one.
        let idle_colour = if style.shading.is_some() {
            RGBColor(60, 60, 60)
        } else {
            RGBColor(205, 205, 205)
        };
        let idle = layer.lines.iter().filter(|l| l.corridor.is_none());
        map.draw_series(
            idle.flat_map(clip)
                .map(|seg| PathElement::new(seg, idle_colour.stroke_width(1))),
        )
        .map_err(err)?;
        let mut loaded: Vec<&Line> = layer
            .lines
            .iter()
            .filter(|l| l.corridor.is_some())
            .collect();
        loaded.sort_by(|a, b| b.teu_per_day.total_cmp(&a.teu_per_day));
        for l in loaded {
            let c = colour_of(l.corridor.as_deref().unwrap_or(""));
            let w = line_width(l.teu_per_day, max_line);
            map.draw_series(
                clip(l)
                    .into_iter()
                    .map(|seg| PathElement::new(seg, c.stroke_width(w))),
            )
            .map_err(err)?;
        }
        if let Some(home) = style.home {
            map.draw_series(std::iter::once(Rectangle::new(
                [(home.lon.0, home.lat.0), (home.lon.1, home.lat.1)],
                INK.stroke_width(2),
            )))
            .map_err(err)?;
        }
        // Places, largest first, each labelled where its label overlaps no other label
        // nor dot (right, left, above or below it), or not at all.
        let mut places: Vec<&Place> = layer
            .places
            .iter()
            .filter(|p| ext.contains((p.lon, p.lat)))
            .collect();
        places.sort_by(|a, b| {
            a.rank
                .unwrap_or(u32::MAX)
                .cmp(&b.rank.unwrap_or(u32::MAX))
                .then(b.teu_per_day.total_cmp(&a.teu_per_day))
        });
        let radius = |p: &Place| {
            if max_place > 0.0 {
                3 + (7.0 * (p.teu_per_day / max_place).sqrt()).round() as i32
            } else {
                6
            }
        };
        let mut taken: Vec<(i32, i32, i32, i32)> = places
            .iter()
            .map(|p| {
                let (x, y) = map.backend_coord(&(p.lon, p.lat));
                let r = radius(p);
                (x - r, y - r, x + r, y + r)
            })
            .collect();
        let (ax0, ay0) = map.backend_coord(&(ext.lon.0, ext.lat.1));
        let (ax1, ay1) = map.backend_coord(&(ext.lon.1, ext.lat.0));
        let font = ("sans-serif", f64::from(LABEL_PX) * 1.24)
            .into_font()
            .color(&INK);
        for p in &places {
            let r = radius(p);
            let fill = match p.rank {
                Some(1) => chart::ACCENT,
                Some(_) => chart::PALETTE[0],
                None => RGBColor(55, 55, 55),
            };
            let inside_home = style.home.is_some_and(|h| h.contains((p.lon, p.lat)));
            let text = match p.rank {
                Some(rank) => format!("{rank}. {}", short(&p.label, 30)),
                None if inside_home || (p.teu_per_day <= 0.0 && style.shading.is_none()) => {
                    String::new()
                }
                None => short(&p.label, 30),
            };
            let (x, y) = map.backend_coord(&(p.lon, p.lat));
            let w = (text.chars().count() as f64 * f64::from(LABEL_PX) * 0.56) as i32;
            let h = LABEL_PX as i32 + 2;
            let spots = [
                (r + 4, -h / 2),
                (-r - 4 - w, -h / 2),
                (-w / 2, -r - 2 - h),
                (-w / 2, r + 2),
            ];
            let spot = (!text.is_empty())
                .then(|| {
                    spots.into_iter().find(|&(dx, dy)| {
                        let b = (x + dx, y + dy, x + dx + w, y + dy + h);
                        let inside = b.0 >= ax0 && b.2 <= ax1 && b.1 >= ay0 && b.3 <= ay1;
                        inside
                            && !taken
                                .iter()
                                .any(|t| b.0 < t.2 && t.0 < b.2 && b.1 < t.3 && t.1 < b.3)
                    })
                })
                .flatten();
            let marker = EmptyElement::at((p.lon, p.lat))
                + Circle::new((0, 0), r, fill.filled())
                + Circle::new((0, 0), r, WHITE.stroke_width(1));
            map.draw_series(std::iter::once(marker)).map_err(err)?;
            if let Some((dx, dy)) = spot {
                taken.push((x + dx, y + dy, x + dx + w, y + dy + h));
                let label =
                    EmptyElement::at((p.lon, p.lat)) + Text::new(text, (dx, dy + 1), font.clone());
                map.draw_series(std::iter::once(label)).map_err(err)?;
            }
        }
        legend(
            &side,
            &shown,
            max_line,
            layer.places.iter().any(|p| p.rank.is_some()),
            style.shading,
        )
    })
}

/// The cells of a heat map: fills first, then the outlines of the marked cells, the best
/// last so that it stays on top.
fn draw_cells<DB: DrawingBackend>(
    map: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    shading: &Shading,
) -> Result<(), String> {
    let cells = &shading.cells;
    map.draw_series(cells.iter().filter_map(|c| {
        let [w, s, e, n] = c.bounds?;
        Some(Rectangle::new(
            [(w, s), (e, n)],
            shading.scale.colour(c.value).filled(),
        ))
    }))
    .map_err(err)?;
    map.draw_series(cells.iter().filter(|c| c.bounds.is_none()).map(|c| {
        EmptyElement::at((c.lon, c.lat))
            + Circle::new((0, 0), CELL_DOT_PX, shading.scale.colour(c.value).filled())
    }))
    .map_err(err)?;
    for mark in [CellMark::Unseparated, CellMark::Best] {
        let (colour, width) = mark_style(mark);
        let marked = cells.iter().filter(|c| c.mark == Some(mark));
        for c in marked {
            // A closed path, not a rectangle: plotters' SVG backend draws a rectangle's
            // outline one pixel wide whatever the stroke width.
            match c.bounds {
                Some([w, s, e, n]) => map.draw_series(std::iter::once(PathElement::new(
                    vec![(w, s), (e, s), (e, n), (w, n), (w, s)],
                    colour.stroke_width(width),
                ))),
                None => map.draw_series(std::iter::once(
                    EmptyElement::at((c.lon, c.lat))
                        + Circle::new((0, 0), CELL_DOT_PX + 1, colour.stroke_width(width)),
                )),
            }
            .map_err(err)?;
        }
    }
    Ok(())
}

/// Height of the legend's colour bar, pixels.
const COLOUR_BAR_PX: i32 = 180;

/// The heat map's part of the legend: the colour bar with five values (the best at the
/// top), and the cell outlines; returns the next free line.
fn shading_legend<DB: DrawingBackend>(
    side: &DrawingArea<DB, plotters::coord::Shift>,
    shading: &Shading,
    mut y: i32,
) -> Result<i32, String> {
    let head = ("sans-serif", 20)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK);
    let text = ("sans-serif", 18).into_font().color(&INK);
    side.draw(&Text::new(shading.title.clone(), (10, y), head))
        .map_err(err)?;
    y += 30;
    let ColourScale { lo, hi } = shading.scale;
    let steps = 60;
    for i in 0..steps {
        let t = f64::from(i) / f64::from(steps - 1);
        let y0 = y + i * COLOUR_BAR_PX / steps;
        let y1 = y + (i + 1) * COLOUR_BAR_PX / steps;
        side.draw(&Rectangle::new(
            [(10, y0), (40, y1)],
            shading.scale.colour(lo + t * (hi - lo)).filled(),
        ))
        .map_err(err)?;
    }
    for k in 0..5 {
        let t = f64::from(k) / 4.0;
        let ty = y + (t * f64::from(COLOUR_BAR_PX - 1)) as i32;
        side.draw(&PathElement::new(
            vec![(40, ty), (46, ty)],
            INK.stroke_width(1),
        ))
        .map_err(err)?;
        let mut label = crate::report::fmt_num(lo + t * (hi - lo), 0);
        if k == 0 {
            label.push_str(" (best)");
        }
        side.draw(&Text::new(label, (52, ty - 9), text.clone()))
            .map_err(err)?;
    }
    y += COLOUR_BAR_PX + 30;
    let has = |m: CellMark| shading.cells.iter().any(|c| c.mark == Some(m));
    for (mark, words) in [
        (CellMark::Best, "best cell"),
        (CellMark::Unseparated, shading.unseparated.as_str()),
    ] {
        if !has(mark) {
            continue;
        }
        let (colour, width) = mark_style(mark);
        side.draw(&PathElement::new(
            vec![
                (14, y - 10),
                (36, y - 10),
                (36, y + 10),
                (14, y + 10),
                (14, y - 10),
            ],
            colour.stroke_width(width),
        ))
        .map_err(err)?;
        // Up to two lines of about 20 characters beside the square.
        let mut line = String::new();
        let mut lines = Vec::new();
        for w in words.split(' ') {
            if !line.is_empty() && line.chars().count() + w.chars().count() > 20 {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        lines.push(line);
        let extra = 22 * (lines.len() as i32 - 1);
        for (i, l) in lines.into_iter().enumerate() {
            side.draw(&Text::new(l, (52, y - 9 + 22 * i as i32), text.clone()))
                .map_err(err)?;
        }
        y += 34 + extra;
    }
    Ok(y)
}

/// The legend panel: the heat map's scale, corridor colours, line widths for sample
/// flows, what dots mean.
fn legend<DB: DrawingBackend>(
    side: &DrawingArea<DB, plotters::coord::Shift>,
    corridors: &[(String, RGBColor)],
    max_line: f64,
    zones: bool,
    shading: Option<&Shading>,
) -> Result<(), String> {
    let head = ("sans-serif", 20)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK);
    let text = ("sans-serif", 18).into_font().color(&INK);
    let mut y = 40;
    if let Some(shading) = shading {
        y = shading_legend(side, shading, y)?;
    }
    let line =
        |y: i32, c: RGBColor, w: u32| PathElement::new(vec![(10, y), (50, y)], c.stroke_width(w));
    if !corridors.is_empty() {
        side.draw(&Text::new("Corridor", (10, y), head.clone()))
            .map_err(err)?;
        y += 28;
        for (name, c) in corridors {
            side.draw(&line(y, *c, 6)).map_err(err)?;
            side.draw(&Text::new(name.clone(), (60, y - 8), text.clone()))
                .map_err(err)?;
            y += 24;
        }
        side.draw(&line(y, RGBColor(205, 205, 205), 1))
            .map_err(err)?;
        side.draw(&Text::new("no freight", (60, y - 8), text.clone()))
            .map_err(err)?;
        y += 40;
    }
    if max_line > 0.0 {
        side.draw(&Text::new("TEU per day", (10, y), head.clone()))
            .map_err(err)?;
        y += 30;
        let top = round_down_nice(max_line);
        let mut samples = vec![top, round_down_nice(top / 4.0), round_down_nice(top / 20.0)];
        samples.dedup();
        for v in samples.into_iter().filter(|v| *v > 0.0) {
            side.draw(&line(y, INK, line_width(v, max_line)))
                .map_err(err)?;
            side.draw(&Text::new(
                crate::report::fmt_num(v, 0),
                (60, y - 8),
                text.clone(),
            ))
            .map_err(err)?;
            y += 28;
        }
        y += 14;
    }
    let hub = if shading.is_some() {
        "Hub"
    } else {
        "Hub (size: TEU/day)"
    };
    let (label, colour) = if zones && shading.is_none() {
        ("Candidate zone", chart::PALETTE[0])
    } else {
        (hub, RGBColor(55, 55, 55))
    };
    side.draw(&Circle::new((30, y), 6, colour.filled()))
        .map_err(err)?;
    side.draw(&Text::new(label, (60, y - 8), text.clone()))
        .map_err(err)?;
    if zones {
        let (others, best) = if shading.is_some() {
            ("Top cells, by rank", "Best cell (rank 1)")
        } else {
            ("", "Best (rank 1)")
        };
        if !others.is_empty() {
            y += 26;
            side.draw(&Circle::new((30, y), 6, chart::PALETTE[0].filled()))
                .map_err(err)?;
            side.draw(&Text::new(others, (60, y - 8), text.clone()))
                .map_err(err)?;
        }
        y += 26;
        side.draw(&Circle::new((30, y), 6, chart::ACCENT.filled()))
            .map_err(err)?;
        side.draw(&Text::new(best, (60, y - 8), text))
            .map_err(err)?;
    }
    Ok(())
}

/// A label of at most `max` characters: the part before a parenthesis or a slash when
/// the whole is longer and that part fits, else cut at a word with an ellipsis.
#[must_use]
pub fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    if let Some(i) = label.find(" (").or_else(|| label.find(" / "))
        && label[..i].chars().count() <= max
    {
        return label[..i].to_string();
    }
    let mut head = String::new();
    for w in label.split(' ') {
        let next = if head.is_empty() {
            w.to_string()
        } else {
            format!("{head} {w}")
        };
        if next.chars().count() >= max {
            break;
        }
        head = next;
    }
    format!("{}…", head.trim_end_matches([',', '-', '(', '/']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_clipped_to_the_box() {
        let e = Extent {
            lon: (0.0, 10.0),
            lat: (0.0, 10.0),
        };
        let (a, b) = e.clip((5.0, 5.0), (15.0, 5.0)).unwrap();
        assert_eq!((a, b), ((5.0, 5.0), (10.0, 5.0)));
        assert!(e.clip((11.0, 0.0), (20.0, 5.0)).is_none());
    }

    #[test]
    fn long_labels_are_cut_at_a_word() {
        assert_eq!(short("Guoyuan Port", 30), "Guoyuan Port");
        assert_eq!(
            short("Guoyuan Port (Yuzui, Liangjiang New Area)", 30),
            "Guoyuan Port"
        );
        let s = short(
            "Changshou Economic and Technological Development Zone (Yanjia)",
            40,
        );
        assert_eq!(s, "Changshou Economic and Technological…");
    }

    #[test]
    fn the_home_region_is_where_most_places_are() {
        let place = |lon, lat| Place {
            id: String::new(),
            label: String::new(),
            lon,
            lat,
            teu_per_day: 0.0,
            rank: None,
        };
        let layer = Layer {
            places: vec![
                place(106.5, 29.5),
                place(106.7, 29.6),
                place(107.0, 29.8),
                place(7.0, 51.0),
                place(121.5, 31.2),
            ],
            lines: Vec::new(),
        };
        let h = home_region(&layer).unwrap();
        assert!(h.contains((106.7, 29.6)) && !h.contains((121.5, 31.2)));
    }
}
