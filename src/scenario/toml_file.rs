//! A TOML input file read on its own, before the scenario it belongs with is loaded.
//!
//! A sweep names its base scenario inside itself, so it must be read and parsed before the
//! base's files are; yet its problems are reported, and its values located, among the
//! base's files (which come first). A [`TomlFile`] is read with the same checks as a
//! scenario file (a regular file of bounded size, UTF-8 text, not empty), parsed once into
//! a located tree, and later moved into the base [`Document`](super::Document) with
//! [`Document::adopt`](super::Document::adopt).

use super::de::{from_node, from_table};
use super::input::{self, InputError};
use super::node::{self, Node, Table};
use super::source::{Diagnostic, Diagnostics, FileId, Loc, SourceMap};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What kind of file is read, for the messages about it.
#[derive(Clone, Copy, Debug)]
pub struct FileKind {
    /// What it is, e.g. `scenario`.
    pub noun: &'static str,
    /// What it must at least contain, e.g. `` `base` ``.
    pub needs: &'static str,
}

impl FileKind {
    /// A scenario file.
    pub const SCENARIO: FileKind = FileKind {
        noun: "scenario",
        needs: "a [scenario] section",
    };
    /// A sweep file.
    pub const SWEEP: FileKind = FileKind {
        noun: "sweep",
        needs: "`base`",
    };
}

/// Why a file could not be taken as TOML text.
pub(crate) enum ReadFailure {
    /// The file is not text (binary, not UTF-8): a problem with the file itself.
    NotText(String),
    /// It could not be read (missing, a directory, too large, an I/O error).
    Unreadable(String),
    /// It is empty or blank.
    Empty(String),
}

/// Reads `path` as the text of a TOML file of `kind`: the checks every input file gets.
pub(crate) fn read_text(path: &Path, kind: FileKind) -> Result<String, ReadFailure> {
    let text = input::read_text(path).map_err(|e| match e {
        InputError::Binary | InputError::NotUtf8 { .. } => {
            ReadFailure::NotText(format!("{e}; a {} is a TOML text file", kind.noun))
        }
        e => ReadFailure::Unreadable(format!("cannot read {}: {e}", path.display())),
    })?;
    if text.trim().is_empty() {
        return Err(ReadFailure::Empty(format!(
            "file is empty; a {} needs at least {}",
            kind.noun, kind.needs
        )));
    }
    Ok(text)
}

/// A TOML file, read and parsed on its own (as file 0 of a map of its own).
#[derive(Clone, Debug)]
pub struct TomlFile {
    path: PathBuf,
    alone: SourceMap,
    table: Table,
}

impl TomlFile {
    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    ///
    /// Unreadable, binary, not UTF-8 or empty (at the file), or a syntax error (located).
    pub fn read(path: &Path, kind: FileKind) -> Result<TomlFile, Diagnostics> {
        let text = read_text(path, kind).map_err(|f| {
            let (ReadFailure::NotText(m) | ReadFailure::Unreadable(m) | ReadFailure::Empty(m)) = f;
            super::diagnostics(SourceMap::new(), vec![Diagnostic::file(path, m)])
        })?;
        let mut alone = SourceMap::new();
        let file = alone.add(path.to_path_buf(), text);
        match node::parse(file, &alone.file(file).text) {
            Ok(table) => Ok(TomlFile {
                path: path.to_path_buf(),
                alone,
                table,
            }),
            Err(d) => Err(super::diagnostics(alone, vec![d])),
        }
    }

    /// The path it was read from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The parsed tree.
    #[must_use]
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Where the file starts.
    #[must_use]
    pub fn root(&self) -> Loc {
        root(FileId(0))
    }

    /// Problems with this file alone, rendered against it.
    #[must_use]
    pub fn diagnostics(&self, items: Vec<Diagnostic>) -> Diagnostics {
        super::diagnostics(self.alone.clone(), items)
    }

    /// The text and the tree, to be moved into another map.
    pub(crate) fn into_parts(self) -> (PathBuf, String, Table) {
        let text = self.alone.file(FileId(0)).text.clone();
        (self.path, text, self.table)
    }
}

/// The start of `file`.
fn root(file: FileId) -> Loc {
    Loc {
        file,
        start: 0,
        end: 0,
    }
}

/// Reads `T` (with [`Located`](super::Located) fields where locations matter, and
/// `deny_unknown_fields`) from a table whose start is `loc`.
///
/// # Errors
///
/// The first problem met, located (at `loc` if nowhere better).
pub fn deserialize_table<'t, T: Deserialize<'t>>(
    table: &'t Table,
    loc: Loc,
) -> Result<T, Diagnostic> {
    from_table(table, loc).map_err(|e| Diagnostic::at(e.loc.unwrap_or(loc), e.to_string()))
}

/// Reads `T` from a located value, as [`deserialize_table`].
///
/// # Errors
///
/// As [`deserialize_table`].
pub fn deserialize_node<'t, T: Deserialize<'t>>(node: &'t Node) -> Result<T, Diagnostic> {
    from_node(node).map_err(|e| Diagnostic::at(e.loc.unwrap_or(node.loc), e.to_string()))
}
