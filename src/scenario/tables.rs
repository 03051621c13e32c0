//! `[tables]`: entities read from CSV files next to the scenario.
//!
//! A real regional network is too big to write by hand in TOML; planners keep it in
//! spreadsheets. `[tables] hubs = "hubs.csv"` reads one entity per row: the header row
//! names the fields (dotted names for sub-tables, `transfer.servers`), each cell becomes
//! that field's value, and an empty cell leaves the field out. The rows become located
//! entity nodes, appended after the same file's TOML entries of that section, so from
//! here on they are entities like any other: merged by id through `extends`, patched by
//! `[[set]]`, and deserialized and validated by the very code that reads TOML entries.
//! A problem in a row is therefore reported as `hubs.csv:LINE:COL: hub "port-a": ...`,
//! with the same message a TOML entry would get.
//!
//! The csv crate reads the records (quoting, CRLF, `#` comment lines); each cell is then
//! located by its byte offset in the file. Cells are typed by field: ids, names and other
//! text fields stay text (an id `001` is not a number); `stops`, `modes` and `values` are
//! lists separated by `;`; any other cell is a number or `true`/`false` when it reads as
//! one, and text otherwise, for the field's type check to report. A column whose header
//! starts with `#` (`# source`) is a note for the reader, not a field.
//!
//! Allocation is bounded: every cell costs a node, so the cells of all tables one scenario
//! reads together are capped at [`super::limits::MAX_TABLE_CELLS`], checked as rows are
//! read, before the rest of a huge file is turned into nodes.

use super::input::{self, InputError};
use super::limits::MAX_TABLE_CELLS;
use super::merge::ENTITY_SECTIONS;
use super::node::{Entry, Node, NodeKind, Table};
use super::source::{Diagnostic, FileId, Loc, SourceMap};
use std::path::Path;

/// Whether a table may fill `section`: every entity section but `candidates`, whose
/// connectors and flows are lists of tables, not cells of a row.
fn tabular(section: &str) -> bool {
    ENTITY_SECTIONS.contains(&section) && section != "candidates"
}

/// Fields whose cells are always text.
const TEXT_FIELDS: &[&str] = &[
    "id",
    "name",
    "name_zh",
    "kind",
    "from",
    "to",
    "mode",
    "corridor",
    "class",
    "description",
    "dist",
    "effect",
    "link",
    "hub",
    "service",
];

/// Fields whose cells are lists, items separated by `;`.
const LIST_FIELDS: &[&str] = &["stops", "modes", "values"];

/// Table cells the loader may still turn into nodes for one scenario (with what it
/// extends): a shared budget, so that no set of files allocates beyond the cap.
#[derive(Debug)]
pub struct CellBudget(usize);

impl Default for CellBudget {
    fn default() -> Self {
        CellBudget(MAX_TABLE_CELLS)
    }
}

/// Reads the tables named by a file's `[tables]` entry (written in the file at `path`,
/// whose canonical path is `canonical`) and appends their rows to `into`, the file's own
/// tree. Returns the problems found; rows with problems of their own shape (a wrong
/// number of cells) are left out, everything else is left to validation.
pub fn append(
    tables: Entry,
    path: &Path,
    canonical: &Path,
    sources: &mut SourceMap,
    into: &mut Table,
    budget: &mut CellBudget,
) -> Vec<Diagnostic> {
    let NodeKind::Table(named) = tables.value.kind else {
        return vec![Diagnostic::at(
            tables.value.loc,
            format!(
                "`tables` must be a table ([tables] hubs = \"hubs.csv\", ...), not {}",
                tables.value.kind.type_phrase()
            ),
        )];
    };
    let mut problems = Vec::new();
    for entry in named.entries {
        let section = entry.key.as_str();
        if !tabular(section) {
            let kinds: Vec<&str> = ENTITY_SECTIONS
                .iter()
                .copied()
                .filter(|s| tabular(s))
                .collect();
            problems.push(Diagnostic::at(
                entry.key_loc,
                format!(
                    "[tables]: unknown table `{section}` (expected one of {})",
                    kinds.join(", ")
                ),
            ));
            continue;
        }
        let rel = match &entry.value.kind {
            NodeKind::Str(s) if !s.trim().is_empty() => s.clone(),
            other => {
                problems.push(Diagnostic::at(
                    entry.value.loc,
                    format!(
                        "[tables]: `{section}` must name a CSV file (a non-empty string), not {}",
                        match other {
                            NodeKind::Str(_) => "an empty string",
                            k => k.type_phrase(),
                        }
                    ),
                ));
                continue;
            }
        };
        let file_path = super::merge::relative_to(path, canonical, &rel);
        let text = match input::read_text(&file_path) {
            Ok(t) => t,
            Err(e) => {
                let why = match e {
                    InputError::Binary | InputError::NotUtf8 { .. } => {
                        format!("{e}; a table is a CSV text file")
                    }
                    e => e.to_string(),
                };
                problems.push(Diagnostic::at(
                    entry.value.loc,
                    format!(
                        "[tables]: cannot read `{section}` table {}: {why}",
                        file_path.display()
                    ),
                ));
                continue;
            }
        };
        let file = sources.add(file_path, text);
        let singular = singular(section);
        match rows(file, &sources.file(file).text, singular, budget) {
            Ok((nodes, mut bad)) => {
                problems.append(&mut bad);
                push_rows(into, section, entry.value.loc, nodes, &mut problems);
            }
            Err(d) => problems.push(d),
        }
    }
    problems
}

/// The singular of a section, for messages (`hubs` → `hub`).
fn singular(section: &str) -> &'static str {
    match section {
        "corridors" => "corridor",
        "hubs" => "hub",
        "links" => "link",
        "services" => "service",
        "classes" => "class",
        "disruptions" => "disruption",
        _ => "demand",
    }
}

/// Appends rows to the file's `section` array, creating it if the file had none.
fn push_rows(
    into: &mut Table,
    section: &str,
    at: Loc,
    nodes: Vec<Node>,
    problems: &mut Vec<Diagnostic>,
) {
    match into.get_mut(section) {
        Some(e) => match &mut e.value.kind {
            NodeKind::Array(items) => items.extend(nodes),
            other => problems.push(Diagnostic::at(
                e.value.loc,
                format!(
                    "`{section}` must be an array of tables ([[{section}]]), not {}",
                    other.type_phrase()
                ),
            )),
        },
        None => into.entries.push(Entry {
            key: section.to_string(),
            key_loc: at,
            value: Node {
                loc: at,
                kind: NodeKind::Array(nodes),
            },
        }),
    }
}

/// A header cell: the field path it fills (empty for a note column) and where it is.
struct Column {
    path: Vec<String>,
    loc: Loc,
}

fn loc(file: FileId, span: (usize, usize)) -> Loc {
    Loc {
        file,
        start: u32::try_from(span.0).unwrap_or(u32::MAX),
        end: u32::try_from(span.1).unwrap_or(u32::MAX),
    }
}

/// The rows of one CSV text as entity nodes, and the problems of rows left out.
///
/// # Errors
///
/// A file without a usable header, or one whose cells exceed the budget.
fn rows(
    file: FileId,
    text: &str,
    singular: &str,
    budget: &mut CellBudget,
) -> Result<(Vec<Node>, Vec<Diagnostic>), Diagnostic> {
    let whole = loc(file, (0, 0));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut columns: Option<Vec<Column>> = None;
    let mut nodes = Vec::new();
    let mut problems = Vec::new();
    loop {
        let start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e
                    .position()
                    .map_or(start, |p| usize::try_from(p.byte()).unwrap_or(start));
                return Err(Diagnostic::at(
                    loc(file, (at, at)),
                    format!("CSV syntax error: {e}"),
                ));
            }
        }
        // The record starts where the reader stood, past any comment lines it skipped.
        let begin = record
            .position()
            .map_or(start, |p| usize::try_from(p.byte()).unwrap_or(start));
        field_spans(text, begin, record.len(), &mut spans);
        let Some(cols) = &columns else {
            columns = Some(header(file, &record, &spans)?);
            continue;
        };
        if budget.0 < record.len() {
            return Err(Diagnostic::at(
                loc(file, spans[0]),
                format!(
                    "the tables of this scenario hold more than {MAX_TABLE_CELLS} cells, the most \
                     one scenario may read (about 100 000 hubs of 10 columns each)"
                ),
            ));
        }
        budget.0 -= record.len();
        if record.len() != cols.len() {
            problems.push(Diagnostic::at(
                loc(file, spans[0]),
                format!(
                    "row has {} cells but the header has {} (a cell with a comma in it needs \
                     double quotes)",
                    record.len(),
                    cols.len()
                ),
            ));
            continue;
        }
        let row_loc = loc(file, (spans[0].0, spans[spans.len() - 1].1));
        match row(file, &record, &spans, cols, singular) {
            Ok(table) => nodes.push(Node {
                loc: row_loc,
                kind: NodeKind::Table(table),
            }),
            Err(d) => problems.push(d),
        }
    }
    if columns.is_none() {
        return Err(Diagnostic::at(
            whole,
            "the table has no header row: the first line names the fields (id,name,...)",
        ));
    }
    Ok((nodes, problems))
}

/// The columns named by the header row.
fn header(
    file: FileId,
    record: &csv::StringRecord,
    spans: &[(usize, usize)],
) -> Result<Vec<Column>, Diagnostic> {
    let mut columns: Vec<Column> = Vec::with_capacity(record.len());
    for (name, span) in record.iter().zip(spans) {
        let at = loc(file, *span);
        let name = name.trim();
        if name.starts_with('#') {
            columns.push(Column {
                path: Vec::new(),
                loc: at,
            });
            continue;
        }
        let path: Vec<String> = name.split('.').map(|s| s.trim().to_string()).collect();
        if path.iter().any(String::is_empty) {
            return Err(Diagnostic::at(
                at,
                format!(
                    "header cell `{name}` is not a field name (write `lat`, `transfer.servers`, or `# note` for a note column)"
                ),
            ));
        }
        if columns.iter().any(|c| c.path == path) {
            return Err(Diagnostic::at(
                at,
                format!("header cell `{name}` names a field a column before it names already"),
            ));
        }
        columns.push(Column { path, loc: at });
    }
    Ok(columns)
}

/// One row as an entity table. Empty cells leave their field out.
fn row(
    file: FileId,
    record: &csv::StringRecord,
    spans: &[(usize, usize)],
    columns: &[Column],
    singular: &str,
) -> Result<Table, Diagnostic> {
    let mut table = Table::default();
    for ((cell, span), col) in record.iter().zip(spans).zip(columns) {
        let cell = cell.trim();
        if col.path.is_empty() || cell.is_empty() {
            continue;
        }
        let at = loc(file, *span);
        let value = Node {
            loc: at,
            kind: typed(&col.path, cell, at),
        };
        insert(&mut table, &col.path, col.loc, value).map_err(|()| {
            Diagnostic::at(
                at,
                format!(
                    "{singular} row: the cell for `{}` clashes with another cell of the row \
                     (give a plain `{}` or its sub-fields, not both)",
                    col.path.join("."),
                    col.path[0]
                ),
            )
        })?;
    }
    Ok(table)
}

/// A cell as the value its field takes (see the module docs). Text and list fields are
/// those of an entity itself; in a sub-table (`time_h.mode`, `bottleneck.name`) only a
/// distribution's `dist` and a name are text, and `values` a list of numbers.
fn typed(path: &[String], cell: &str, at: Loc) -> NodeKind {
    let field = path[path.len() - 1].as_str();
    let (text, lists): (&[&str], &[&str]) = if path.len() == 1 {
        (TEXT_FIELDS, LIST_FIELDS)
    } else {
        (&["dist", "name"], &["values"])
    };
    if text.contains(&field) {
        return NodeKind::Str(cell.to_string());
    }
    if lists.contains(&field) {
        let numbers = field == "values";
        return NodeKind::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|item| Node {
                    loc: at,
                    kind: if numbers {
                        scalar(item)
                    } else {
                        NodeKind::Str(item.to_string())
                    },
                })
                .collect(),
        );
    }
    scalar(cell)
}

/// A number, `true`/`false`, or else text (which the field's type check reports).
fn scalar(cell: &str) -> NodeKind {
    match cell {
        "true" => return NodeKind::Bool(true),
        "false" => return NodeKind::Bool(false),
        _ => {}
    }
    if let Ok(i) = cell.parse::<i128>() {
        return NodeKind::Int(i);
    }
    match cell.parse::<f64>() {
        Ok(x) => NodeKind::Float(x),
        Err(_) => NodeKind::Str(cell.to_string()),
    }
}

/// Puts `value` at the dotted `path` of `table`, creating sub-tables on the way.
fn insert(table: &mut Table, path: &[String], key_loc: Loc, value: Node) -> Result<(), ()> {
    let (first, rest) = path.split_first().ok_or(())?;
    if rest.is_empty() {
        if table.get(first).is_some() {
            return Err(());
        }
        table.entries.push(Entry {
            key: first.clone(),
            key_loc,
            value,
        });
        return Ok(());
    }
    if table.get(first).is_none() {
        table.entries.push(Entry {
            key: first.clone(),
            key_loc,
            value: Node {
                loc: value.loc,
                kind: NodeKind::Table(Table::default()),
            },
        });
    }
    match table.get_mut(first).map(|e| &mut e.value.kind) {
        Some(NodeKind::Table(sub)) => insert(sub, rest, key_loc, value),
        _ => Err(()),
    }
}

/// The byte span of each of a record's `n` cells, the record starting at byte `start` of
/// `text` (quoted cells included with their quotes).
fn field_spans(text: &str, start: usize, n: usize, spans: &mut Vec<(usize, usize)>) {
    let b = text.as_bytes();
    let mut i = start;
    spans.clear();
    for _ in 0..n {
        let s = i;
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                    None => break,
                }
            }
        }
        while let Some(&c) = b.get(i) {
            if matches!(c, b',' | b'\n' | b'\r') {
                break;
            }
            i += 1;
        }
        spans.push((s, i));
        if b.get(i) == Some(&b',') {
            i += 1;
        }
    }
    if spans.is_empty() {
        spans.push((start, start));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Node>, Vec<Diagnostic>) {
        rows(FileId(0), text, "hub", &mut CellBudget::default()).unwrap()
    }

    fn field<'a>(node: &'a Node, key: &str) -> &'a Node {
        let NodeKind::Table(t) = &node.kind else {
            panic!("a row is a table")
        };
        &t.get(key).unwrap().value
    }

    #[test]
    fn cells_are_typed_by_field_and_located() {
        let text = "# a comment line\nid,name,lat,transfer.servers,stops,# source\n\
                    001,\"Port, north\",29.5,4,a; b,row 3 of the facts\n";
        let (rows, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(field(r, "id").kind, NodeKind::Str("001".into()));
        assert_eq!(field(r, "name").kind, NodeKind::Str("Port, north".into()));
        assert_eq!(field(r, "lat").kind, NodeKind::Float(29.5));
        let NodeKind::Table(transfer) = &field(r, "transfer").kind else {
            panic!("transfer is a sub-table")
        };
        assert_eq!(
            transfer.get("servers").unwrap().value.kind,
            NodeKind::Int(4)
        );
        let NodeKind::Array(stops) = &field(r, "stops").kind else {
            panic!("stops is a list")
        };
        assert_eq!(stops.len(), 2);
        let NodeKind::Table(t) = &r.kind else {
            unreachable!()
        };
        assert!(t.get("# source").is_none(), "a note column is no field");
        // Each cell is located at its own bytes, quotes included.
        let lat = field(r, "lat").loc;
        assert_eq!(&text[lat.start as usize..lat.end as usize], "29.5");
        let name = field(r, "name").loc;
        assert_eq!(
            &text[name.start as usize..name.end as usize],
            "\"Port, north\""
        );
    }

    #[test]
    fn a_short_row_is_reported_and_left_out() {
        let (rows, problems) = parse("id,lat,lon\na,1,2\nb,1\nc,3,4\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .contains("row has 2 cells but the header has 3")
        );
    }

    #[test]
    fn the_cell_budget_stops_a_huge_table_early() {
        let mut budget = CellBudget(5);
        let err = rows(FileId(0), "id,lat\na,1\nb,2\nc,3\n", "hub", &mut budget).unwrap_err();
        assert!(err.message.contains("more than"), "{err:?}");
    }

    #[test]
    fn headers_must_name_fields_once() {
        let mut budget = CellBudget::default();
        let err = rows(FileId(0), "id,lat,lat\n", "hub", &mut budget).unwrap_err();
        assert!(err.message.contains("names already"), "{err:?}");
        // A plain duration and its distribution's fields may both be columns, but a row
        // fills one or the other.
        let (ok, problems) = rows(
            FileId(0),
            "id,time_h,time_h.dist,time_h.mean\na,4,,\nb,,exponential,3\nc,4,exponential,3\n",
            "link",
            &mut budget,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("not both"), "{problems:?}");
        let err = rows(FileId(0), "id,,lat\n", "hub", &mut budget).unwrap_err();
        assert!(err.message.contains("not a field name"), "{err:?}");
        let err = rows(FileId(0), "", "hub", &mut budget).unwrap_err();
        assert!(err.message.contains("no header"), "{err:?}");
    }
}
