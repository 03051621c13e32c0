//! A scenario file as a document: loaded, patched, read, then validated.
//!
//! This is the one entry point to the loader's stages for code outside `scenario`:
//! [`Document::load`] reads a file and everything it `extends` (keeping every file's text
//! for diagnostics), [`Document::patch`] applies a `[[set]]`-style patch, [`Document::get`]
//! reads a value by the same path addressing, and [`Document::validate`] turns the result
//! into a [`Scenario`]. Batch sweeps hold one base document and validate a patched copy per
//! variant; `corridor run --set` patches one. Because patching happens on the located tree,
//! a patched value keeps the location it was written at, and a bad one is reported there.

use super::discount::apply_rate_discounts;
use super::merge;
use super::model::Scenario;
use super::node::{Node, Table};
use super::source::{Diagnostic, Diagnostics, FileId, Loc, SourceMap};
use super::toml_file::TomlFile;
use super::validate;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded, not yet validated scenario: its merged tree and the files it was read from.
///
/// Cloning is as cheap as cloning the tree: the files are shared.
///
/// # Example
///
/// ```
/// use corridor_sim::scenario::{Document, NodeKind};
/// # let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/two_corridors.toml"));
/// let mut doc = Document::load(path).map_err(|d| d.to_string())?;
/// let field = "services.weekly-ship.departures_per_week";
/// let mut value = doc.get(field).cloned().ok_or("no such field")?;
/// value.kind = NodeKind::Int(3);
/// doc.patch(field, value)?;
/// let scenario = doc
///     .validate()
///     .map_err(|items| doc.diagnostics(items).to_string())?;
/// assert_eq!(scenario.services[0].headway_h, 56.0); // 168 h / 3 departures
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Debug)]
pub struct Document {
    /// The files read: the scenario's own first, then what it extends, then any added
    /// with [`Document::add_file`].
    sources: Arc<SourceMap>,
    /// The merged tree, with the file's own `[[set]]` and any patches applied.
    tree: Table,
}

impl Document {
    /// Reads the scenario at `path` and everything it extends, merged, with its own
    /// `[[set]]` entries applied.
    ///
    /// # Errors
    ///
    /// Unreadable, empty or binary files, syntax errors, `extends` cycles and `set` paths
    /// that address nothing, each with its file, line and column.
    pub fn load(path: &Path) -> Result<Document, Diagnostics> {
        let mut sources = SourceMap::new();
        match merge::load_tree(path, &mut sources) {
            Ok(tree) => Ok(Document {
                sources: Arc::new(sources),
                tree,
            }),
            Err(items) => Err(diagnostics(sources, items)),
        }
    }

    /// The files read, the scenario's own first.
    #[must_use]
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Where the scenario's own file starts, for problems with no better place.
    #[must_use]
    pub fn root(&self) -> Loc {
        validate::root_loc()
    }

    /// Registers another file (a sweep naming this scenario as its base, a command-line
    /// patch) so that values taken from it are located in it.
    pub fn add_file(&mut self, path: PathBuf, text: String) -> FileId {
        Arc::make_mut(&mut self.sources).add(path, text)
    }

    /// Moves a file read on its own (a sweep naming this scenario as its base) into this
    /// document's files, after its own, and returns its id there and its tree, relocated.
    pub fn adopt(&mut self, file: TomlFile) -> (FileId, Table) {
        let (path, text, mut table) = file.into_parts();
        let id = self.add_file(path, text);
        table.move_to_file(id);
        (id, table)
    }

    /// Sets the value a dotted `path` addresses (`section.id.field[.sub...]` for entity
    /// sections, `section.field[.sub...]` for table sections; numeric segments index
    /// arrays), as a `[[set]]` entry does. The last segment may be new (an optional field
    /// given a value); validation checks it like any other field.
    ///
    /// # Errors
    ///
    /// A message saying which segment addresses nothing.
    pub fn patch(&mut self, path: &str, value: Node) -> Result<(), String> {
        merge::apply_set(&mut self.tree, path, value)
    }

    /// The value a dotted `path` addresses, by the same addressing as
    /// [`Document::patch`], if it is there.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&Node> {
        merge::get(&self.tree, path)
    }

    /// Every value of the merged scenario with where it was written (after `extends`,
    /// `[tables]`, `[[remove]]` and `[[set]]`), and the class figures each flow takes,
    /// for `corridor inspect`.
    #[must_use]
    pub fn written(&self) -> Vec<super::Written> {
        super::provenance::written(&self.tree)
    }

    /// Validates the document, then applies the corridors' rate discounts to the valid
    /// scenario (a transform, kept out of validation).
    ///
    /// # Errors
    ///
    /// Every problem found, unsorted (see [`Document::diagnostics`]).
    pub fn validate(&self) -> Result<Scenario, Vec<Diagnostic>> {
        self.validate_with_warnings().map(|(scenario, _)| scenario)
    }

    /// Validates the document, also returning the plausibility warnings of a valid
    /// scenario (figures probably given in the wrong unit), sorted by position.
    ///
    /// # Errors
    ///
    /// Every problem found, unsorted (see [`Document::diagnostics`]).
    pub fn validate_with_warnings(&self) -> Result<(Scenario, Vec<Diagnostic>), Vec<Diagnostic>> {
        let (mut scenario, mut warnings) =
            validate::validate_with_warnings(&self.tree, self.root(), &self.sources)?;
        apply_rate_discounts(&mut scenario);
        warnings.sort_by(|a, b| a.origin.cmp(&b.origin));
        Ok((scenario, warnings))
    }

    /// Problems found with this document, in file and position order, each once, with the
    /// files needed to render them.
    #[must_use]
    pub fn diagnostics(&self, items: Vec<Diagnostic>) -> Diagnostics {
        diagnostics(SourceMap::clone(&self.sources), items)
    }
}

/// The file that `rel`, written in the file at `path`, names: relative to the directory
/// `path` really is in (through a symbolic link), as `extends` is resolved.
#[must_use]
pub fn named_from(path: &Path, rel: &str) -> PathBuf {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    merge::relative_to(path, &real, rel)
}

/// `items` in file and position order, each once, with `sources` to render them.
pub(crate) fn diagnostics(sources: SourceMap, mut items: Vec<Diagnostic>) -> Diagnostics {
    items.sort_by(|a, b| a.origin.cmp(&b.origin));
    items.dedup();
    Diagnostics { sources, items }
}
