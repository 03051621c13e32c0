//! Scenario files: load, merge, validate.
//!
//! The pipeline is
//! `file text → located tree (node) → merged with what it extends and patched by [[set]]
//! (merge) → raw serde structs (raw, de) → validated Scenario (validate, model)`.
//! Every stage keeps source locations so problems are reported as `file:line:col: message`
//! naming the field and the entity; nothing here panics on bad input.

pub mod de;
pub mod merge;
pub mod model;
pub mod node;
pub mod raw;
pub mod source;
pub mod validate;

pub use model::*;
pub use source::{Diagnostic, Diagnostics, SourceMap};

use std::path::Path;

/// A validated scenario and the files it was read from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// The files read (the scenario's own first, then what it extends).
    pub sources: SourceMap,
}

/// Loads and validates the scenario at `path`, following `extends` and applying `[[set]]`.
///
/// # Errors
///
/// Every problem found, each with its file, line and column.
pub fn load(path: &Path) -> Result<Loaded, Diagnostics> {
    load_with(path, &[])
}

/// As [`load`], with extra `(path, value)` patches applied after the file's own `[[set]]`
/// entries (batch sweeps use this). Patch values are TOML value text, e.g. `"14"`.
///
/// # Errors
///
/// As [`load`]; a patch that addresses nothing is reported against the scenario file.
pub fn load_with(path: &Path, patches: &[(String, node::Node)]) -> Result<Loaded, Diagnostics> {
    let mut sources = SourceMap::new();
    let fail = |sources: SourceMap, mut items: Vec<Diagnostic>| {
        items.sort_by(|a, b| a.origin.cmp(&b.origin));
        items.dedup();
        Diagnostics { sources, items }
    };
    let mut tree = match merge::load_tree(path, &mut sources) {
        Ok(t) => t,
        Err(items) => return Err(fail(sources, items)),
    };
    let root = validate::root_loc();
    let mut problems = Vec::new();
    for (p, value) in patches {
        if let Err(m) = merge::apply_set(&mut tree, p, value.clone()) {
            problems.push(Diagnostic::at(value.loc, m));
        }
    }
    if !problems.is_empty() {
        return Err(fail(sources, problems));
    }
    match validate::validate(&tree, root, &sources) {
        Ok(scenario) => Ok(Loaded { scenario, sources }),
        Err(items) => Err(fail(sources, items)),
    }
}
