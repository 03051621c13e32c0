//! `report.html`: one self-contained page a planner can open offline and paste from.
//!
//! [`render`] reads any output directory (`run`, `plugin`, `diff`, `compare-zones`,
//! `site-scan`, `batch`/`merge`) and lays out what it holds: the map of the network and
//! its freight, the zone ranking with 95 % intervals, the site scan's heat map, transit-time distributions per OD, corridor
//! shares, the queues of the busiest hubs over time, the differences of a policy with
//! their intervals, and the manifest with every file's SHA-256.
//!
//! Lifecycle: read the manifest (which command wrote the directory) → read each input by
//! its header names ([`table`], [`map`]) → draw the charts ([`chart`], plotters' SVG
//! backend) → assemble the page ([`html`]). A section whose input file is absent is kept
//! as a heading with a note saying what is missing, so a partial directory still gives a
//! report; a file that is present but malformed is an error naming file, line and column.
//!
//! The page depends only on the directory's files, read in a fixed order, so the same
//! directory gives a byte-identical report; it has no date and no absolute path in it.

pub mod chart;
pub mod html;
pub mod map;
pub mod table;

mod diffs;
mod provenance;
mod ranking;
mod run_view;
mod series;
mod site_scan;
mod sweep;

use std::path::{Path, PathBuf};

use plotters::style::RGBColor;

use html::Section;
use table::Table;

/// File name of the report in an output directory.
pub const REPORT_HTML: &str = "report.html";

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The path is not a directory.
    #[error("{}: not a directory of corridor-sim results", .0.display())]
    NotADirectory(PathBuf),
    /// A file cannot be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A CSV file is not well-formed.
    #[error("{}:{line}: {message}", .file.display())]
    Csv {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// A CSV file lacks a column a section needs.
    #[error("{}: no column `{column}` in the header", .file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The accepted names.
        column: String,
    },
    /// A cell that should hold a number does not.
    #[error("{}:{line}: column `{column}`: `{value}` is not a number", .file.display())]
    BadNumber {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column's header.
        column: String,
        /// The text found.
        value: String,
    },
    /// A JSON file (manifest, GeoJSON) is not what corridor-sim writes.
    #[error("{}: {message}", .file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Plotters failed to draw a chart.
    #[error("cannot draw a chart: {0}")]
    Chart(String),
}

impl ReportError {
    /// Whether the error is in the directory's content (bad input) rather than in reading
    /// it or drawing.
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ReportError::Io { .. } | ReportError::Chart(_))
    }
}

/// Which command wrote the directory, from its manifest (or, without one, its files).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `run`.
    Run,
    /// `plugin`.
    Plugin,
    /// `diff`.
    Diff,
    /// `compare-zones`.
    CompareZones,
    /// `batch` or `merge`.
    Batch,
    /// `site-scan`, or `merge` of its shards.
    SiteScan,
    /// Unknown: every section whose input is present.
    Other,
}

impl Kind {
    fn detect(command: Option<&str>, dir: &Path) -> Kind {
        let has = |f: &str| dir.join(f).is_file();
        // Only a site scan writes site_scan.csv; a merged one says `merge` like a sweep.
        if command == Some("site-scan") || has("site_scan.csv") {
            return Kind::SiteScan;
        }
        match command {
            Some("run") => Kind::Run,
            Some("plugin") => Kind::Plugin,
            Some("diff") => Kind::Diff,
            Some("compare-zones") => Kind::CompareZones,
            Some("batch" | "merge") => Kind::Batch,
            _ if has("variants.csv") => Kind::Batch,
            _ if has("zone_ranking.csv") => Kind::CompareZones,
            _ if has("diff_od.csv") => Kind::Diff,
            _ if has("plugin_deltas.csv") => Kind::Plugin,
            _ if has("od_summary.csv") => Kind::Run,
            _ => Kind::Other,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Run => "simulation results",
            Kind::Plugin => "one candidate zone plugged in",
            Kind::Diff => "policy comparison",
            Kind::CompareZones => "candidate zones compared",
            Kind::Batch => "scenario sweep",
            Kind::SiteScan => "site-suitability scan",
            Kind::Other => "results",
        }
    }
}

/// What every section may need: the directory and one colour per corridor, the same in
/// every chart.
pub(crate) struct Context<'a> {
    dir: &'a Path,
    corridors: Vec<(String, RGBColor)>,
}

impl Context<'_> {
    fn read(&self, name: &str) -> Result<Option<Table>, ReportError> {
        Table::read(self.dir, name)
    }

    fn corridor_colour(&self, corridor: &str) -> RGBColor {
        self.corridors
            .iter()
            .find(|(c, _)| c == corridor)
            .map_or(chart::MUTED, |(_, col)| *col)
    }
}

/// The corridors in the order `corridor_summary.csv` lists them (else `od_summary.csv`'s
/// main corridors by name), each with its palette colour.
fn corridor_colours(dir: &Path) -> Result<Vec<(String, RGBColor)>, ReportError> {
    let mut names: Vec<String> = Vec::new();
    if let Some(t) = Table::read(dir, "corridor_summary.csv")? {
        let c = t.col(&["corridor"])?;
        for r in 0..t.len() {
            let n = t.text(r, c);
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
    } else if let Some(t) = Table::read(dir, "od_summary.csv")? {
        let c = t.col(&["main_corridor", "best_corridor"])?;
        let mut sorted: Vec<String> = (0..t.len()).map(|r| t.text(r, c).to_string()).collect();
        sorted.sort();
        sorted.dedup();
        names = sorted;
    }
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, chart::palette(i)))
        .collect())
}

/// The report of the output directory `dir`, as one HTML page.
///
/// # Errors
/// [`ReportError`] naming the file (and line and column) that cannot be read or is
/// malformed; an absent file is not an error (its section says it is missing).
pub fn render(dir: &Path) -> Result<String, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::NotADirectory(dir.to_path_buf()));
    }
    let manifest = provenance::Manifest::read(dir)?;
    let kind = Kind::detect(manifest.as_ref().and_then(|m| m.command()), dir);
    let cx = Context {
        dir,
        corridors: corridor_colours(dir)?,
    };
    let mut sections: Vec<Section> = Vec::new();
    let any = kind == Kind::Other;
    if matches!(kind, Kind::CompareZones) || any {
        sections.push(ranking::ranking(&cx)?);
    }
    if matches!(kind, Kind::Run | Kind::Plugin | Kind::CompareZones) || any {
        sections.extend(run_view::maps(&cx, kind == Kind::CompareZones)?);
    }
    if matches!(kind, Kind::Run | Kind::Plugin) || any {
        sections.push(run_view::corridor_shares(&cx)?);
        sections.push(run_view::od_transit(&cx)?);
        sections.push(series::hub_queues(&cx)?);
    }
    if matches!(kind, Kind::Plugin) || any {
        sections.push(diffs::plugin_deltas(&cx)?);
    }
    if matches!(kind, Kind::Diff) || any {
        sections.extend(diffs::diff_sections(&cx)?);
        sections.push(series::hub_queue_differences(&cx)?);
    }
    if matches!(kind, Kind::Batch) || any {
        sections.extend(sweep::sections(&cx)?);
    }
    if matches!(kind, Kind::SiteScan) || any {
        sections.push(site_scan::section(&cx)?);
    }
    sections.push(provenance::section(dir, manifest.as_ref())?);
    let scenario = manifest
        .as_ref()
        .and_then(|m| m.text("scenario"))
        .unwrap_or("corridor-sim results");
    let title = format!("{scenario}: {}", kind.describe());
    let subtitle = manifest.as_ref().map_or_else(
        || "no manifest.json in the directory".to_string(),
        provenance::Manifest::summary,
    );
    Ok(html::page(&title, &subtitle, &sections))
}

/// Thousands-separated number with `decimals` decimals, for tables and labels.
#[must_use]
pub fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '−');
    }
    out
}

/// An optional figure as text (`–` when missing).
#[must_use]
pub fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".to_string(), |v| fmt_num(v, decimals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(fmt_num(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(fmt_num(999.0, 0), "999");
        assert_eq!(fmt_num(-1234.5, 0), "−1,234");
        assert_eq!(fmt_num(-0.001, 1), "0.0");
        assert_eq!(fmt_opt(None, 1), "–");
    }

    #[test]
    fn the_kind_comes_from_the_manifest_else_from_the_files() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(Kind::detect(Some("merge"), d.path()), Kind::Batch);
        assert_eq!(Kind::detect(None, d.path()), Kind::Other);
        std::fs::write(d.path().join("diff_od.csv"), "a\n").unwrap();
        assert_eq!(Kind::detect(None, d.path()), Kind::Diff);
        // A merged site scan is a site scan, not a sweep.
        std::fs::write(d.path().join("site_scan.csv"), "a\n").unwrap();
        assert_eq!(Kind::detect(Some("merge"), d.path()), Kind::SiteScan);
    }
}
