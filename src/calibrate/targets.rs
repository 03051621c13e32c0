//! The targets file: what a calibration is fitted to.
//!
//! A CSV (format in scenarios/README.md, "Targets files") with one observed figure per
//! row: a corridor or mode share of a group of demand flows (by TEU or by cargo value),
//! or a median transit time, each with the range the observation is believed to lie in
//! and its source. Rows are checked against the scenario they are fitted on, so a
//! misspelt flow pattern or corridor is reported at its cell (file, line, column, field
//! and target id) rather than fitting nothing.

use crate::ids::{CorridorId, DemandId};
use crate::scenario::{Mode, Scenario};
use std::fmt;
use std::path::{Path, PathBuf};

/// The columns of a targets file, in order.
pub const COLUMNS: [&str; 11] = [
    "id",
    "base_year",
    "flows",
    "description",
    "measure",
    "category",
    "observed",
    "low",
    "high",
    "source",
    "note",
];

/// The largest targets file read (a targets file is a few dozen rows).
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// What a target measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// The share of the flows' TEU whose route is in the category (`share_of_teu`).
    ShareOfTeu,
    /// The share of the flows' cargo value whose route is in the category
    /// (`share_of_value`).
    ShareOfValue,
    /// The median door-to-door time of the flows' shipments on routes in the category,
    /// days (`transit_median_days`).
    TransitMedianDays,
}

impl Measure {
    /// The name in the file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::ShareOfTeu => "share_of_teu",
            Measure::ShareOfValue => "share_of_value",
            Measure::TransitMedianDays => "transit_median_days",
        }
    }

    /// A share (a figure in [0, 1]) rather than a time.
    #[must_use]
    pub fn is_share(self) -> bool {
        !matches!(self, Measure::TransitMedianDays)
    }
}

/// Which routes a target counts: those of a corridor, of a mode, or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Routes whose main corridor (the corridor with the most km) is this one.
    Corridor(CorridorId),
    /// Routes whose main mode (the mode with the most km) is this one.
    Mode(Mode),
    /// Every route (`all`; transit medians only).
    All,
}

/// One observed figure to fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Id from the file.
    pub id: String,
    /// The year observed.
    pub base_year: u32,
    /// The flows it describes, as written (space-separated id patterns).
    pub flows_pattern: String,
    /// The demand flows the patterns select, in demand order (at least one).
    pub flows: Vec<DemandId>,
    /// The figure.
    pub measure: Measure,
    /// The routes counted.
    pub category: Category,
    /// The category as written.
    pub category_text: String,
    /// The observed value (a share in [0, 1], or days).
    pub observed: f64,
    /// Lower end of the range the observation is believed to lie in.
    pub low: f64,
    /// Upper end of that range (> `low`).
    pub high: f64,
    /// Where the figure comes from.
    pub source: String,
}

impl Target {
    /// Half the width of the observed range: the unit of the calibration loss.
    #[must_use]
    pub fn half_range(&self) -> f64 {
        0.5 * (self.high - self.low)
    }
}

/// A problem with a targets file, at a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: u64,
    /// 1-based column (characters), 1 when the whole row or file is meant.
    pub column: u64,
    /// What is wrong, naming the field and the target.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Every problem found in a targets file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct TargetsError {
    /// The problems.
    pub problems: Vec<Problem>,
}

impl fmt::Display for TargetsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Reads and checks the targets file at `path` against `scenario`.
///
/// # Errors
///
/// [`TargetsError`] with every problem found: an unreadable or oversized file, a header
/// other than [`COLUMNS`], a malformed row, an unknown measure, corridor or mode, a flow
/// pattern that selects no demand flow, a share outside [0, 1], `observed` outside
/// [`low`, `high`] or `low` ≥ `high`, a duplicate id.
pub fn read(path: &Path, scenario: &Scenario) -> Result<Vec<Target>, TargetsError> {
    let fail = |message: String| TargetsError {
        problems: vec![Problem {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message,
        }],
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".to_string()));
    }
    if meta.len() > MAX_BYTES {
        return Err(fail(format!(
            "{} bytes, more than a targets file holds (at most {MAX_BYTES})",
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    parse(path, &text, scenario)
}

/// [`read`] on text already read (`path` names it in messages).
///
/// # Errors
///
/// As [`read`].
pub fn parse(path: &Path, text: &str, scenario: &Scenario) -> Result<Vec<Target>, TargetsError> {
    let mut p = Parser {
        path,
        text,
        scenario,
        problems: Vec::new(),
    };
    let targets = p.rows();
    if p.problems.is_empty() {
        Ok(targets)
    } else {
        Err(TargetsError {
            problems: p.problems,
        })
    }
}

struct Parser<'a> {
    path: &'a Path,
    text: &'a str,
    scenario: &'a Scenario,
    problems: Vec<Problem>,
}

/// Where a record is: its line and the byte offset of its first character.
#[derive(Clone, Copy)]
struct At {
    line: u64,
    byte: usize,
}

impl Parser<'_> {
    fn problem(&mut self, at: At, field: usize, message: String) {
        let column = self.column(at, field);
        self.problems.push(Problem {
            path: self.path.to_path_buf(),
            line: at.line,
            column,
            message,
        });
    }

    /// The 1-based character column where field `field` of the record at `at` starts,
    /// found by walking the raw record (quotes respected).
    fn column(&self, at: At, field: usize) -> u64 {
        let raw = &self.text[at.byte.min(self.text.len())..];
        let mut quoted = false;
        let mut current = 0;
        let mut col = 1;
        for c in raw.chars() {
            if current == field {
                break;
            }
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => current += 1,
                '\n' if !quoted => break,
                _ => {}
            }
            col += 1;
        }
        col
    }

    fn rows(&mut self) -> Vec<Target> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(self.text.as_bytes());
        let mut targets: Vec<Target> = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut header_seen = false;
        loop {
            let pos = reader.position().clone();
            let at = At {
                line: pos.line(),
                byte: usize::try_from(pos.byte()).unwrap_or(usize::MAX),
            };
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    self.problem(at, 0, format!("not a CSV row: {e}"));
                    return targets;
                }
            }
            if !header_seen {
                header_seen = true;
                let got: Vec<&str> = record.iter().map(str::trim).collect();
                if got != COLUMNS {
                    self.problem(
                        at,
                        0,
                        format!(
                            "the header must be `{}`, got `{}`",
                            COLUMNS.join(","),
                            got.join(",")
                        ),
                    );
                    return targets;
                }
                continue;
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if let Some(t) = self.row(at, &record)
                && !self.duplicate(at, &t, &targets)
            {
                targets.push(t);
            }
        }
        if header_seen && targets.is_empty() && self.problems.is_empty() {
            self.problem(
                At { line: 1, byte: 0 },
                0,
                "no targets: the file has a header and no rows".to_string(),
            );
        }
        if !header_seen {
            self.problem(
                At { line: 1, byte: 0 },
                0,
                format!("empty file: expected the header `{}`", COLUMNS.join(",")),
            );
        }
        targets
    }

    fn duplicate(&mut self, at: At, t: &Target, seen: &[Target]) -> bool {
        let dup = seen.iter().any(|s| s.id == t.id);
        if dup {
            self.problem(
                at,
                0,
                format!(
                    "target \"{}\": field `id` repeats an earlier target's id",
                    t.id
                ),
            );
        }
        dup
    }

    fn row(&mut self, at: At, r: &csv::StringRecord) -> Option<Target> {
        if r.len() != COLUMNS.len() {
            self.problem(
                at,
                0,
                format!(
                    "a row must have {} fields ({}), this one has {}",
                    COLUMNS.len(),
                    COLUMNS.join(","),
                    r.len()
                ),
            );
            return None;
        }
        let cell = |i: usize| r.get(i).unwrap_or("").trim();
        let id = cell(0).to_string();
        let what = format!("target \"{id}\"");
        let before = self.problems.len();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        {
            self.problem(
                at,
                0,
                format!("{what}: field `id` must be letters, digits, `-` or `_`, not empty"),
            );
        }
        let base_year = match cell(1).parse::<u32>() {
            Ok(y) if (1900..=2200).contains(&y) => y,
            _ => {
                self.problem(
                    at,
                    1,
                    format!(
                        "{what}: field `base_year` must be a year, got `{}`",
                        cell(1)
                    ),
                );
                0
            }
        };
        let flows = self.flows(at, &what, cell(2));
        let measure = match cell(4) {
            "share_of_teu" => Some(Measure::ShareOfTeu),
            "share_of_value" => Some(Measure::ShareOfValue),
            "transit_median_days" => Some(Measure::TransitMedianDays),
            other => {
                self.problem(
                    at,
                    4,
                    format!(
                        "{what}: field `measure` must be share_of_teu, share_of_value or \
                         transit_median_days, got `{other}`"
                    ),
                );
                None
            }
        };
        let category = self.category(at, &what, cell(5), measure);
        let mut number = |i: usize, name: &str| -> f64 {
            match cell(i).parse::<f64>() {
                Ok(x) if x.is_finite() => x,
                _ => {
                    self.problem(
                        at,
                        i,
                        format!(
                            "{what}: field `{name}` must be a finite number, got `{}`",
                            cell(i)
                        ),
                    );
                    f64::NAN
                }
            }
        };
        let (observed, low, high) = (number(6, "observed"), number(7, "low"), number(8, "high"));
        if let Some(m) = measure {
            self.check_values(at, &what, m, observed, low, high);
        }
        if cell(9).is_empty() {
            self.problem(
                at,
                9,
                format!("{what}: field `source` must say where the figure comes from"),
            );
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Target {
            id,
            base_year,
            flows_pattern: cell(2).to_string(),
            flows,
            measure: measure?,
            category: category?,
            category_text: cell(5).to_string(),
            observed,
            low,
            high,
            source: cell(9).to_string(),
        })
    }

    fn check_values(&mut self, at: At, what: &str, m: Measure, observed: f64, low: f64, high: f64) {
        if observed.is_nan() || low.is_nan() || high.is_nan() {
            return;
        }
        if m.is_share() {
            for (i, name, x) in [
                (6, "observed", observed),
                (7, "low", low),
                (8, "high", high),
            ] {
                if !(0.0..=1.0).contains(&x) {
                    self.problem(
                        at,
                        i,
                        format!("{what}: field `{name}` is a share, from 0 to 1, got {x}"),
                    );
                }
            }
        } else if low < 0.0 {
            self.problem(
                at,
                7,
                format!("{what}: field `low` is a time in days, not negative, got {low}"),
            );
        }
        if low >= high {
            self.problem(
                at,
                8,
                format!(
                    "{what}: field `high` must be above `low` (the range weighs the target in \
                     the loss), got low {low}, high {high}"
                ),
            );
        } else if !(low..=high).contains(&observed) {
            self.problem(
                at,
                6,
                format!("{what}: field `observed` {observed} is outside its range [{low}, {high}]"),
            );
        }
    }

    /// The demand flows the space-separated patterns select (`*` matches any run of
    /// characters), in demand order.
    fn flows(&mut self, at: At, what: &str, patterns: &str) -> Vec<DemandId> {
        let patterns: Vec<&str> = patterns.split_whitespace().collect();
        if patterns.is_empty() {
            self.problem(
                at,
                2,
                format!("{what}: field `flows` must name demand flows (ids, `*` for any run of characters)"),
            );
            return Vec::new();
        }
        let mut picked = vec![false; self.scenario.demand.len()];
        for pat in &patterns {
            let mut any = false;
            for (i, d) in self.scenario.demand.iter().enumerate() {
                if glob(pat, &d.id) {
                    picked[i] = true;
                    any = true;
                }
            }
            if !any {
                self.problem(
                    at,
                    2,
                    format!(
                        "{what}: field `flows`: `{pat}` matches no demand flow of the scenario"
                    ),
                );
            }
        }
        picked
            .iter()
            .enumerate()
            .filter(|x| *x.1)
            .map(|(i, _)| DemandId::new(i))
            .collect()
    }

    fn category(
        &mut self,
        at: At,
        what: &str,
        text: &str,
        measure: Option<Measure>,
    ) -> Option<Category> {
        let category = if text == "all" {
            if measure.is_some_and(Measure::is_share) {
                self.problem(
                    at,
                    5,
                    format!("{what}: field `category`: `all` is a transit target's; a share needs a corridor or a mode"),
                );
                return None;
            }
            Category::All
        } else if let Some(m) = text.strip_prefix("mode:") {
            match Mode::ALL.into_iter().find(|x| x.as_str() == m) {
                Some(mode) => Category::Mode(mode),
                None => {
                    self.problem(
                        at,
                        5,
                        format!("{what}: field `category`: unknown mode `{m}` (road, rail, river, sea or air)"),
                    );
                    return None;
                }
            }
        } else {
            let id = text.strip_prefix("corridor:").unwrap_or(text);
            match self.scenario.corridors.iter().position(|c| c.id == id) {
                Some(i) => Category::Corridor(CorridorId::new(i)),
                None => {
                    self.problem(
                        at,
                        5,
                        format!(
                            "{what}: field `category`: `{id}` is not a corridor of the scenario \
                             (a corridor id, `mode:<mode>`, or `all`)"
                        ),
                    );
                    return None;
                }
            }
        };
        Some(category)
    }
}

/// `pattern` matches `text` whole, `*` standing for any run of characters.
#[must_use]
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_whole_ids() {
        assert!(glob("*", "zonea-market"));
        assert!(glob("*-market", "zonea-market"));
        assert!(!glob("*-market", "zonea-market-2"));
        assert!(glob("zonea-*", "zonea-market"));
        assert!(glob("*nea*ket", "zonea-market"));
        assert!(glob("a*b*c", "abc"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("zonea-market", "zonea-market"));
        assert!(!glob("zonea", "zonea-market"));
    }
}
