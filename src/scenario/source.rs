//! Source files, locations and diagnostics.
//!
//! Every value read from a scenario file remembers where it came from (a [`Loc`]: file and
//! byte range), so a problem found long after parsing — after `extends` merging, `[[set]]`
//! patching and validation — is still reported as `file:line:col: message`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    /// The file.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (or as resolved from an `extends`).
    pub path: PathBuf,
    /// The text.
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// All files read while loading one scenario (the file itself and what it extends).
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file's text and returns its id.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile::new(path, text));
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// The file with this id.
    ///
    /// # Panics
    ///
    /// If `id` was not returned by this map's [`SourceMap::add`].
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file read, the scenario's own first (patch pseudo-files `<set PATH>` too).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Finds an already loaded file by path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// Renders `path:line:col` for a location.
    pub fn position(&self, loc: Loc) -> String {
        let file = self.file(loc.file);
        let (line, col) = file.line_col(loc.start as usize);
        format!("{}:{line}:{col}", file.path.display())
    }
}

/// Where a diagnostic points: a location in a file, or a whole file (I/O problems, empty
/// files), or nowhere in particular.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A byte range in a loaded file.
    At(Loc),
    /// A file as a whole (line 1, column 1).
    File(PathBuf),
}

/// One problem with a scenario: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub origin: Origin,
    /// What is wrong, naming the entity and the field.
    pub message: String,
}

impl Diagnostic {
    /// A problem at a location.
    pub fn at(loc: Loc, message: impl Into<String>) -> Self {
        Self {
            origin: Origin::At(loc),
            message: message.into(),
        }
    }

    /// A problem with a whole file.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            origin: Origin::File(path.into()),
            message: message.into(),
        }
    }

    /// Renders `file:line:col: message`.
    pub fn render(&self, sources: &SourceMap) -> String {
        match &self.origin {
            Origin::At(loc) => format!("{}: {}", sources.position(*loc), self.message),
            Origin::File(path) => format!("{}:1:1: {}", path.display(), self.message),
        }
    }
}

/// Every problem found while loading a scenario, with the sources needed to render them.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The files read.
    pub sources: SourceMap,
    /// The problems, in file and position order.
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", d.render(&self.sources))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let mut map = SourceMap::new();
        let id = map.add("a.toml".into(), "ab\nç = 1\n".into());
        let f = map.file(id);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'ç' is two bytes: byte 5 is the third character of line 2.
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_col(1000), (3, 1));
    }
}
