//! Scenario files: load, merge, validate.
//!
//! The pipeline is
//! `file text → located tree (node) → merged with what it extends and patched by [[set]]
//! (merge) → raw serde structs (raw, de) → validated Scenario (validate, model)`.
//! Code outside this module goes through [`Document`] (load → patch/get → validate) or
//! [`load`]; the stages themselves are private.
//! Every stage keeps source locations so problems are reported as `file:line:col: message`
//! naming the field and the entity; nothing here panics on bad input.

mod canon;
pub mod connect;
pub(crate) mod de;
mod discount;
mod document;
mod input;
pub mod limits;
mod merge;
pub mod model;
pub(crate) mod node;
mod plausible;
mod provenance;
mod raw;
mod reach;
mod remove;
pub mod source;
mod tables;
mod toml_file;
mod validate;

pub use connect::{AutoConnectError, Region, RoadTerms};
pub use de::Located;
pub(crate) use document::diagnostics;
pub use document::{Document, named_from};
pub use model::*;
pub use node::{Node, NodeKind, Table};
pub use provenance::Written;
pub use source::{Diagnostic, Diagnostics, SourceMap};
pub use toml_file::{FileKind, TomlFile, deserialize_node, deserialize_table};

use std::path::Path;

/// A validated scenario and the files it was read from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// The files read (the scenario's own first, then what it extends).
    pub sources: SourceMap,
    /// Plausibility warnings: figures probably in the wrong unit, each at
    /// its field. The scenario is valid; `corridor validate --strict` refuses it.
    pub warnings: Vec<Diagnostic>,
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
/// entries, as batch sweeps and command-line overrides do. Each value is TOML value text
/// (`"14"`, `"{ dist = \"lognormal\", median = 4, p90 = 10 }"`); it is read as a small
/// file of its own named `<set PATH>`, so a problem with it is reported there.
///
/// # Errors
///
/// As [`load`]; also a patch whose value is not TOML or whose path addresses nothing.
pub fn load_with(path: &Path, patches: &[(String, String)]) -> Result<Loaded, Diagnostics> {
    let mut doc = Document::load(path)?;
    let mut problems = Vec::new();
    for (set_path, value_text) in patches {
        let name = format!("<set {set_path}>");
        let file = doc.add_file(name.clone().into(), format!("value = {value_text}\n"));
        let value = node::parse(file, &doc.sources().file(file).text)
            .map(|mut t| t.remove("value"))
            .and_then(|v| v.ok_or_else(|| Diagnostic::file(name, "the patch has no value")));
        match value {
            Ok(entry) => {
                let loc = entry.value.loc;
                if let Err(m) = doc.patch(set_path, entry.value) {
                    problems.push(Diagnostic::at(loc, m));
                }
            }
            Err(d) => problems.push(d),
        }
    }
    if !problems.is_empty() {
        return Err(doc.diagnostics(problems));
    }
    match doc.validate_with_warnings() {
        Ok((scenario, warnings)) => Ok(Loaded {
            scenario,
            sources: doc.sources().clone(),
            warnings,
        }),
        Err(items) => Err(doc.diagnostics(items)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_apply_and_bad_patches_are_located_in_their_own_file() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/two_corridors.toml"
        ));
        let ok = load_with(
            path,
            &[
                (
                    "services.weekly-ship.departures_per_week".into(),
                    "3".into(),
                ),
                ("choice.logit_scale".into(), "inf".into()),
            ],
        )
        .unwrap();
        assert!((ok.scenario.services[0].headway_h - 56.0).abs() < 1e-12);
        assert!(ok.scenario.choice.logit_scale.is_infinite());

        let err =
            load_with(path, &[("services.nope.capacity_teu".into(), "3".into())]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("<set services.nope.capacity_teu>:1:9: "),
            "{text}"
        );

        let err =
            load_with(path, &[("links.zone-port.distance_km".into(), "-3".into())]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("<set links.zone-port.distance_km>:1:9: "),
            "{text}"
        );
        assert!(text.contains("must be greater than 0"), "{text}");

        let err = load_with(path, &[("scenario.seed".into(), "[".into())]).unwrap_err();
        assert!(err.to_string().contains("TOML syntax error"), "{err}");
    }
}
