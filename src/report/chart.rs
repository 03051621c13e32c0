//! Charts drawn with plotters' SVG backend, one function per kind of chart the report
//! shows: intervals (estimates with their 95 % confidence intervals, one row each), bars
//! (shares), bands (a daily series with its 5–95 % band across replications).
//!
//! Text stays `<text>` in the SVG, so the browser draws it with its own fonts (Chinese
//! names included) and a reader can select and copy it. Sizes are fixed pixels; the page
//! scales the SVG to its width.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ReportError, fmt_num};

/// The categorical palette (colour-blind-safe Tableau 10), in the order corridors and
/// series are met.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of results that are not statistically different from zero.
pub const MUTED: RGBColor = RGBColor(150, 150, 150);
/// Colour of a highlighted estimate (the best zone, a significant difference).
pub const ACCENT: RGBColor = RGBColor(200, 55, 45);
/// Text colour.
pub const INK: RGBColor = RGBColor(40, 40, 40);

/// Width of every chart, pixels.
pub const WIDTH_PX: u32 = 1120;
/// Font family of chart text. Plotters' SVG backend writes a size of `n / 1.24` pixels
/// for a font of size `n`, so the sizes below are 1.24 times the pixels wanted.
const FONT: &str = "sans-serif";

/// The `i`-th palette colour, cycling.
#[must_use]
pub fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Draws into a fresh SVG document of `size` pixels on a white background.
///
/// # Errors
/// [`ReportError::Chart`] with plotters' message.
pub fn svg<F>(size: (u32, u32), draw: F) -> Result<String, ReportError>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
{
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| ReportError::Chart(e.to_string()))?;
        draw(&root).map_err(ReportError::Chart)?;
        root.present()
            .map_err(|e| ReportError::Chart(e.to_string()))?;
    }
    // Inline SVG in HTML needs no namespace declaration; leaving it out keeps the page
    // free of any address.
    Ok(out.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1))
}

/// Converts a plotters error to text (its error types borrow the backend).
pub fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// One row of an interval chart.
#[derive(Clone, Debug)]
pub struct Interval {
    /// Row label.
    pub label: String,
    /// The estimate.
    pub mean: f64,
    /// Lower end of its 95 % confidence interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Colour of the estimate.
    pub color: RGBColor,
    /// A spread drawn behind the estimate as a light bar (e.g. p50 to p95 of shipments).
    pub spread: Option<(f64, f64)>,
    /// Text right of the row (e.g. the probability of being best).
    pub note: String,
}

impl Interval {
    /// A row with an estimate and its interval only.
    #[must_use]
    pub fn new(label: String, mean: f64, lo: f64, hi: f64, color: RGBColor) -> Interval {
        Interval {
            label,
            mean,
            lo,
            hi,
            color,
            spread: None,
            note: String::new(),
        }
    }
}

/// Pixels a label column needs for `labels` at 13 px text.
fn label_width_px(labels: impl Iterator<Item = usize>) -> u32 {
    let chars = labels.max().unwrap_or(4) as u32;
    (chars * 9 + 24).clamp(60, 520)
}

/// Tick labels of a value axis spanning `lo..hi`: as few decimals as tell them apart.
fn tick_decimals(lo: f64, hi: f64) -> usize {
    match hi - lo {
        s if s >= 20.0 => 0,
        s if s >= 2.0 => 1,
        s if s >= 0.2 => 2,
        _ => 3,
    }
}

/// The value axis of a chart over `values`, padded, including zero when `zero` is set.
fn value_range(values: impl Iterator<Item = f64>, zero: bool, pad_right: f64) -> (f64, f64) {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let span = (hi - lo).max(hi.abs() * 0.1).max(1e-9);
    (lo - span * 0.04, hi + span * (0.04 + pad_right))
}

/// A chart with one row per label (top to bottom) over the value range `x`: the
/// categorical axis, the value axis with `x_desc`, and a light grid.
fn row_chart<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    top_px: u32,
    x: (f64, f64),
    x_desc: &str,
    labels: &[&str],
) -> Result<
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordusize>>>,
    String,
> {
    let n = labels.len().max(1);
    let label_px = label_width_px(labels.iter().map(|l| l.chars().count()));
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 28).into_font().color(&INK))
        .margin(12)
        .margin_top(8 + top_px)
        .x_label_area_size(44)
        .y_label_area_size(label_px)
        .build_cartesian_2d(x.0..x.1, (0..n).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(k) if *k < n => labels
                .get(n - 1 - k)
                .map_or_else(String::new, |l| (*l).to_string()),
            _ => String::new(),
        })
        .x_label_formatter(&|v| fmt_num(*v, tick_decimals(x.0, x.1)))
        .x_desc(x_desc)
        .label_style((FONT, 20).into_font().color(&INK))
        .axis_desc_style((FONT, 21).into_font().color(&INK))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Horizontal rows, top to bottom in `items` order: a dot at each estimate with its 95 %
/// interval as an error bar, an optional light spread bar behind it, an optional note
/// beside it, and a vertical line at zero when `zero` is set (differences).
///
/// # Errors
/// [`ReportError::Chart`] when plotters fails.
pub fn intervals(
    title: &str,
    x_desc: &str,
    items: &[Interval],
    zero: bool,
) -> Result<String, ReportError> {
    let n = items.len().max(1);
    let has_notes = items.iter().any(|i| !i.note.is_empty());
    let has_spread = items.iter().any(|i| i.spread.is_some());
    let values = items.iter().flat_map(|i| {
        let (a, b) = i.spread.unwrap_or((i.lo, i.hi));
        [i.lo, i.hi, a, b]
    });
    let (x0, x1) = value_range(values, zero, if has_notes { 0.16 } else { 0.0 });
    let legend_px = if has_spread { 30 } else { 0 };
    let height = 96 + legend_px + 30 * n as u32;
    let y = |i: usize| SegmentValue::CenterOf(n - 1 - i);
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    svg((WIDTH_PX, height), |root| {
        let mut chart = row_chart(root, title, legend_px, (x0, x1), x_desc, &labels)?;
        if zero {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
                    INK.stroke_width(1),
                )))
                .map_err(err)?;
        }
        if has_spread {
            let spreads = items.iter().enumerate().filter_map(|(k, i)| {
                let (a, b) = i.spread?;
                let mut r = Rectangle::new(
                    [
                        (a, SegmentValue::Exact(n - 1 - k)),
                        (b, SegmentValue::Exact(n - k)),
                    ],
                    i.color.mix(0.22).filled(),
                );
                r.set_margin(6, 6, 0, 0);
                Some(r)
            });
            chart
                .draw_series(spreads)
                .map_err(err)?
                .label("p50 to p95 of shipments")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 18, y + 6)], PALETTE[0].mix(0.22).filled())
                });
        }
        let bars = items.iter().enumerate().map(|(k, i)| {
            ErrorBar::new_horizontal(y(k), i.lo, i.mean, i.hi, i.color.stroke_width(2), 10)
        });
        let drawn = chart.draw_series(bars).map_err(err)?;
        if has_spread {
            drawn.label("mean with 95 % CI").legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], PALETTE[0].stroke_width(2))
            });
        }
        chart
            .draw_series(
                items
                    .iter()
                    .enumerate()
                    .map(|(k, i)| Circle::new((i.mean, y(k)), 5, i.color.filled())),
            )
            .map_err(err)?;
        if has_notes {
            let style = (FONT, 20)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart
                .draw_series(items.iter().enumerate().map(|(k, i)| {
                    let right = i.spread.map_or(i.hi, |(_, b)| b.max(i.hi));
                    EmptyElement::at((right, y(k)))
                        + Text::new(i.note.clone(), (10, 0), style.clone())
                }))
                .map_err(err)?;
        }
        if has_spread {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 18).into_font().color(&INK))
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(200, 200, 200))
                .draw()
                .map_err(err)?;
        }
        Ok(())
    })
}

/// One bar of a bar chart.
#[derive(Clone, Debug)]
pub struct Bar {
    /// Row label.
    pub label: String,
    /// Length of the bar.
    pub value: f64,
    /// Colour.
    pub color: RGBColor,
    /// Text right of the bar (the value, formatted for the reader).
    pub text: String,
}

/// Horizontal bars from zero, top to bottom in `items` order, each with its text.
///
/// # Errors
/// [`ReportError::Chart`] when plotters fails.
pub fn bars(title: &str, x_desc: &str, items: &[Bar]) -> Result<String, ReportError> {
    let n = items.len().max(1);
    let (_, x1) = value_range(items.iter().map(|b| b.value), true, 0.3);
    let height = 96 + 34 * n as u32;
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    svg((WIDTH_PX, height), |root| {
        let mut chart = row_chart(root, title, 0, (0.0, x1), x_desc, &labels)?;
        chart
            .draw_series(items.iter().enumerate().map(|(k, b)| {
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(n - 1 - k)),
                        (b.value, SegmentValue::Exact(n - k)),
                    ],
                    b.color.filled(),
                );
                r.set_margin(5, 5, 0, 0);
                r
            }))
            .map_err(err)?;
        let style = (FONT, 15)
            .into_font()
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(items.iter().enumerate().map(|(k, b)| {
                EmptyElement::at((b.value, SegmentValue::CenterOf(n - 1 - k)))
                    + Text::new(b.text.clone(), (8, 0), style.clone())
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// One day of a band series.
#[derive(Clone, Copy, Debug)]
pub struct BandPoint {
    /// Day.
    pub x: f64,
    /// Mean across replications.
    pub mean: f64,
    /// Lower edge of the band.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
}

/// A line with its band.
#[derive(Clone, Debug)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// Colour.
    pub color: RGBColor,
    /// The points, in increasing `x`.
    pub points: Vec<BandPoint>,
}

/// Lines over days, each with a light band (its 5–95 % range or its 95 % interval), a
/// legend, and a horizontal line at zero when `zero` is set.
///
/// # Errors
/// [`ReportError::Chart`] when plotters fails.
pub fn bands(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Band],
    zero: bool,
) -> Result<String, ReportError> {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let (x0, x1) = points().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.x), b.max(p.x))
    });
    let (x0, x1) = if x0 < x1 { (x0, x1) } else { (0.0, 1.0) };
    let (y0, y1) = value_range(points().flat_map(|p| [p.lo, p.hi, p.mean]), true, 0.0);
    let y0 = if zero { y0 } else { y0.max(0.0) };
    svg((WIDTH_PX, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 28).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| fmt_num(*v, tick_decimals(x0, x1)))
            .y_label_formatter(&|v| fmt_num(*v, tick_decimals(y0, y1)))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 20).into_font().color(&INK))
            .axis_desc_style((FONT, 21).into_font().color(&INK))
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(err)?;
        if zero {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, 0.0), (x1, 0.0)],
                    INK.stroke_width(1),
                )))
                .map_err(err)?;
        }
        for s in series {
            let outline: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.x, p.lo))
                .chain(s.points.iter().rev().map(|p| (p.x, p.hi)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(outline, s.color.mix(0.16))))
                .map_err(err)?;
        }
        for s in series {
            let color = s.color;
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|p| (p.x, p.mean)),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 20).into_font().color(&INK))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_chart_draws_every_label_and_no_address() {
        let items = vec![
            Interval::new("zone a".into(), 10.0, 9.0, 11.0, ACCENT),
            Interval::new("zone b".into(), 12.0, 11.5, 12.5, MUTED),
        ];
        let s = intervals("Ranking", "USD/TEU", &items, false).unwrap();
        assert!(s.starts_with("<svg"), "{}", &s[..40]);
        for text in ["zone a", "zone b", "Ranking"] {
            assert!(s.contains(&format!("\n{text}\n</text>")), "{text}");
        }
        assert!(!s.contains("http"), "no namespace address left");
    }

    #[test]
    fn a_band_chart_has_a_legend_entry_per_series() {
        let pts = |k: f64| {
            (0..5)
                .map(|d| BandPoint {
                    x: f64::from(d),
                    mean: k,
                    lo: k - 1.0,
                    hi: k + 1.0,
                })
                .collect()
        };
        let series = vec![
            Band {
                label: "hub one".into(),
                color: palette(0),
                points: pts(3.0),
            },
            Band {
                label: "hub two".into(),
                color: palette(1),
                points: pts(5.0),
            },
        ];
        let s = bands("Queues", "day", "TEU", &series, false).unwrap();
        assert!(s.contains("\nhub one\n</text>") && s.contains("\nhub two\n</text>"));
        assert!(s.contains("<polygon"), "bands are drawn");
    }
}
