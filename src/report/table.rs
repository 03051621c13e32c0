//! Result tables read back by their header names.
//!
//! The report reads what the commands wrote, and the columns of those files grow (names
//! beside ids, renamed columns), so a column is found by its header name — any of a few
//! accepted spellings — never by position. An empty cell is a missing figure (a corridor
//! with no shipment has no transit time); a cell that is neither empty nor a number is an
//! error naming the file, line and column.

use std::path::{Path, PathBuf};

use super::ReportError;

/// One CSV file: its header and its records.
#[derive(Debug)]
pub struct Table {
    file: PathBuf,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

/// A column of a [`Table`], found by name.
#[derive(Clone, Copy, Debug)]
pub struct Col(usize);

impl Col {
    /// The column at 0-based position `i` of the header.
    #[must_use]
    pub fn at(i: usize) -> Col {
        Col(i)
    }
}

impl Table {
    /// Reads `dir/name`; `Ok(None)` when the file does not exist.
    ///
    /// # Errors
    /// [`ReportError::Io`] when the file cannot be read, [`ReportError::Csv`] when it is not
    /// well-formed CSV (ragged rows, invalid UTF-8).
    pub fn read(dir: &Path, name: &str) -> Result<Option<Table>, ReportError> {
        let file = dir.join(name);
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReportError::Io { path: file, source }),
        };
        // Excel-friendly files start with a byte-order mark; it is not part of the header.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
        let csv_error = |file: &Path, source: csv::Error| ReportError::Csv {
            file: file.to_path_buf(),
            line: source.position().map_or(1, csv::Position::line),
            message: source.to_string(),
        };
        let headers = reader
            .headers()
            .map_err(|e| csv_error(&file, e))?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| csv_error(&file, e))?;
        Ok(Some(Table {
            file,
            headers,
            rows,
        }))
    }

    /// The file's name, for notes and errors.
    #[must_use]
    pub fn name(&self) -> String {
        self.file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    /// The first of `names` the header has.
    #[must_use]
    pub fn find(&self, names: &[&str]) -> Option<Col> {
        names
            .iter()
            .find_map(|n| self.headers.iter().position(|h| h == n))
            .map(Col)
    }

    /// The first of `names` the header has.
    ///
    /// # Errors
    /// [`ReportError::MissingColumn`] naming the file and the first accepted name.
    pub fn col(&self, names: &[&str]) -> Result<Col, ReportError> {
        self.find(names).ok_or_else(|| ReportError::MissingColumn {
            file: self.file.clone(),
            column: names.join("` or `"),
        })
    }

    /// The header's column names, in file order.
    #[must_use]
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file has no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The text of record `row` (0-based) in `col`.
    #[must_use]
    pub fn text(&self, row: usize, col: Col) -> &str {
        self.rows[row].get(col.0).unwrap_or("")
    }

    /// The number in record `row`, `col`: `None` for an empty cell.
    ///
    /// # Errors
    /// [`ReportError::BadNumber`] naming the file, line and column for any other text that
    /// is not a finite number.
    pub fn num(&self, row: usize, col: Col) -> Result<Option<f64>, ReportError> {
        let text = self.text(row, col).trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(ReportError::BadNumber {
                file: self.file.clone(),
                line: self.rows[row]
                    .position()
                    .map_or(row as u64 + 2, csv::Position::line),
                column: self.headers[col.0].clone(),
                value: text.to_string(),
            }),
        }
    }

    /// A display name for record `row`: the name beside the id in `id` (the column
    /// `<id>_name`, else `name`), with its Chinese name (`<id>_name_zh`, else `name_zh`) in
    /// brackets when given; the id itself when there is no name.
    #[must_use]
    pub fn label(&self, row: usize, id: Col) -> String {
        let id_text = self.text(row, id);
        let header = &self.headers[id.0];
        let cell = |names: &[&str]| self.find(names).map_or("", |c| self.text(row, c));
        let name = cell(&[&format!("{header}_name"), "name"]);
        let zh = cell(&[&format!("{header}_name_zh"), "name_zh"]);
        display_name(id_text, name, zh)
    }
}

/// `name (name_zh)`, the name alone, or the id when there is no name: how the report shows
/// an entity.
#[must_use]
pub fn display_name(id: &str, name: &str, name_zh: &str) -> String {
    let base = if name.is_empty() { id } else { name };
    if name_zh.is_empty() {
        base.to_string()
    } else {
        format!("{base} ({name_zh})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (tempfile::TempDir, Table) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.csv"), text).unwrap();
        let t = Table::read(dir.path(), "t.csv").unwrap().unwrap();
        (dir, t)
    }

    #[test]
    fn columns_are_found_by_any_accepted_name() {
        let (_d, t) = table("\u{feff}zone,main_corridor\nz1,river-a\n");
        assert!(
            t.find(&["zone"]).is_some(),
            "the byte-order mark is not part of `zone`"
        );
        let c = t.col(&["best_corridor", "main_corridor"]).unwrap();
        assert_eq!(t.text(0, c), "river-a");
        let e = t.col(&["rank"]).unwrap_err().to_string();
        assert!(e.contains("t.csv") && e.contains("`rank`"), "{e}");
    }

    #[test]
    fn empty_cells_are_missing_and_text_is_an_error_naming_line_and_column() {
        let (_d, t) = table("a,b\n1.5,\n2,x\n");
        let (a, b) = (t.col(&["a"]).unwrap(), t.col(&["b"]).unwrap());
        assert_eq!(t.num(0, a).unwrap(), Some(1.5));
        assert_eq!(t.num(0, b).unwrap(), None);
        let e = t.num(1, b).unwrap_err().to_string();
        assert!(
            e.contains("t.csv:3") && e.contains("column `b`") && e.contains("`x`"),
            "{e}"
        );
    }

    #[test]
    fn an_absent_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Table::read(dir.path(), "absent.csv").unwrap().is_none());
    }

    #[test]
    fn labels_prefer_names_and_add_chinese_names() {
        let (_d, t) = table("hub,name,name_zh\nguoyuan,Guoyuan Port,果园港\nx,,\n");
        let id = t.col(&["hub"]).unwrap();
        assert_eq!(t.label(0, id), "Guoyuan Port (果园港)");
        assert_eq!(t.label(1, id), "x");
    }
}
