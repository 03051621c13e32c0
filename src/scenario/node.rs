//! A TOML value tree in which every value and key keeps its [`Loc`].
//!
//! Scenario files are parsed once into [`Node`]s. `extends` merging and `[[set]]` patching
//! operate on this tree, so a value keeps the location of the file and line it really came
//! from; only then is the tree deserialized into typed structs (see [`super::de`]).

use super::source::{Diagnostic, FileId, Loc};
use toml::de::{DeTable, DeValue};

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value is written.
    pub loc: Loc,
    /// The value.
    pub kind: NodeKind,
}

impl Node {
    /// Relocates the node and everything in it to `file` (a value read from one file's
    /// tree patched into a document whose files are numbered otherwise).
    pub(crate) fn move_to_file(&mut self, file: FileId) {
        self.loc.file = file;
        match &mut self.kind {
            NodeKind::Array(items) => items.iter_mut().for_each(|n| n.move_to_file(file)),
            NodeKind::Table(t) => t.move_to_file(file),
            _ => {}
        }
    }
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A string.
    Str(String),
    /// An integer. Wider than TOML's 64-bit signed integers so that a seed may take any
    /// `u64` value (an integer literal up to 2^64 - 1 is read exactly).
    Int(i128),
    /// A float (may be NaN or infinite: TOML allows both, validation rejects them where
    /// they make no sense).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A date or time, kept as text (no scenario field takes one).
    Datetime(String),
    /// An array.
    Array(Vec<Node>),
    /// A table.
    Table(Table),
}

impl NodeKind {
    /// The TOML type name with its article, for messages ("an integer", "a table").
    pub fn type_phrase(&self) -> &'static str {
        match self {
            NodeKind::Int(_) => "an integer",
            NodeKind::Array(_) => "an array",
            NodeKind::Str(_) => "a string",
            NodeKind::Float(_) => "a float",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Datetime(_) => "a date-time",
            NodeKind::Table(_) => "a table",
        }
    }

    /// The TOML type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Str(_) => "string",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "float",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Datetime(_) => "datetime",
            NodeKind::Array(_) => "array",
            NodeKind::Table(_) => "table",
        }
    }
}

/// A table entry: key, where the key is written, and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key is written.
    pub key_loc: Loc,
    /// The value.
    pub value: Node,
}

/// A TOML table, in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The entries.
    pub entries: Vec<Entry>,
}

impl Table {
    /// The entry for `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The entry for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// Removes and returns the entry for `key`.
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(i))
    }

    /// Inserts or replaces the entry for `entry.key`.
    pub fn set(&mut self, entry: Entry) {
        match self.get_mut(&entry.key) {
            Some(slot) => *slot = entry,
            None => self.entries.push(entry),
        }
    }

    /// Relabels every location as being in `file`: for text parsed once under a
    /// provisional id before the map it belongs to was assembled (a sweep file, parsed to
    /// find its base, whose files come first).
    pub(crate) fn move_to_file(&mut self, file: FileId) {
        for e in &mut self.entries {
            e.key_loc.file = file;
            e.value.move_to_file(file);
        }
    }

    /// The string value of `key`, if present and a string.
    pub fn str_value(&self, key: &str) -> Option<(&str, Loc)> {
        match &self.get(key)?.value {
            Node {
                kind: NodeKind::Str(s),
                loc,
            } => Some((s.as_str(), *loc)),
            _ => None,
        }
    }
}

/// Parses TOML text into a located tree.
///
/// # Errors
///
/// A syntax error, located at the offending byte.
pub fn parse(file: FileId, text: &str) -> Result<Table, Diagnostic> {
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    match DeTable::parse(text) {
        Ok(table) => {
            let span = table.span();
            Ok(convert_table(file, table.into_inner(), span))
        }
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let start = u32::try_from(span.start).unwrap_or(len).min(len);
            let end = u32::try_from(span.end).unwrap_or(len).min(len);
            let message = err.message().trim().replace('\n', "; ");
            Err(Diagnostic::at(
                Loc { file, start, end },
                format!("TOML syntax error: {message}"),
            ))
        }
    }
}

fn loc(file: FileId, span: std::ops::Range<usize>) -> Loc {
    Loc {
        file,
        start: u32::try_from(span.start).unwrap_or(u32::MAX),
        end: u32::try_from(span.end).unwrap_or(u32::MAX),
    }
}

fn convert_table(file: FileId, table: DeTable<'_>, _span: std::ops::Range<usize>) -> Table {
    let mut entries: Vec<Entry> = table
        .into_iter()
        .map(|(key, value)| {
            let key_loc = loc(file, key.span());
            let value_span = value.span();
            Entry {
                key: key.into_inner().into_owned(),
                key_loc,
                value: convert_value(file, value.into_inner(), value_span),
            }
        })
        .collect();
    entries.sort_by_key(|e| e.key_loc.start);
    Table { entries }
}

fn convert_value(file: FileId, value: DeValue<'_>, span: std::ops::Range<usize>) -> Node {
    let at = loc(file, span.clone());
    let kind = match value {
        DeValue::String(s) => NodeKind::Str(s.into_owned()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            match i128::from_str_radix(&digits, i.radix()) {
                Ok(v) if i128::from(i64::MIN) <= v && v <= i128::from(u64::MAX) => NodeKind::Int(v),
                // Beyond any field's range: keep it as a float so the type check reports it.
                _ => NodeKind::Float(digits.parse().unwrap_or(f64::INFINITY)),
            }
        }
        DeValue::Float(f) => {
            let text = f.as_str().replace('_', "");
            NodeKind::Float(text.parse().unwrap_or(f64::NAN))
        }
        DeValue::Boolean(b) => NodeKind::Bool(b),
        DeValue::Datetime(d) => NodeKind::Datetime(d.to_string()),
        DeValue::Array(items) => NodeKind::Array(
            items
                .into_iter()
                .map(|item| {
                    let s = item.span();
                    convert_value(file, item.into_inner(), s)
                })
                .collect(),
        ),
        DeValue::Table(t) => NodeKind::Table(convert_table(file, t, span)),
    };
    Node { loc: at, kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_locations_of_keys_and_values() {
        let text = "a = 1\n[b]\nc = \"x\"\nd = [1.5, 2]\n";
        let t = parse(FileId(0), text).unwrap();
        let b = t.get("b").unwrap();
        let NodeKind::Table(bt) = &b.value.kind else {
            panic!("b is a table")
        };
        let c = bt.get("c").unwrap();
        assert_eq!(&text[c.key_loc.start as usize..c.key_loc.end as usize], "c");
        assert_eq!(
            &text[c.value.loc.start as usize..c.value.loc.end as usize],
            "\"x\""
        );
        let d = bt.get("d").unwrap();
        let NodeKind::Array(items) = &d.value.kind else {
            panic!("d is an array")
        };
        assert_eq!(items[0].kind, NodeKind::Float(1.5));
        assert_eq!(items[1].kind, NodeKind::Int(2));
    }

    #[test]
    fn syntax_error_is_located() {
        let err = parse(FileId(0), "a = \n").unwrap_err();
        assert!(err.message.starts_with("TOML syntax error"), "{err:?}");
    }

    #[test]
    fn underscores_and_radix_integers() {
        let t = parse(FileId(0), "a = 1_000\nb = 0x10\n").unwrap();
        assert_eq!(t.get("a").unwrap().value.kind, NodeKind::Int(1000));
        assert_eq!(t.get("b").unwrap().value.kind, NodeKind::Int(16));
    }
}
