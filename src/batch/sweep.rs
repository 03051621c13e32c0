//! Sweep files: a base scenario, the parameters to vary, and hand-picked cases.
//!
//! ```toml
//! base = "../base.toml"        # relative to this file
//! description = "..."          # optional
//! replications = 20            # optional: overrides the base's scenario.replications
//! seed = 1                     # optional: overrides scenario.seed
//!
//! [[vary]]                     # the variants are the cartesian product of the [[vary]]s
//! path = "services.yuxinou-duisburg.departures_per_week"
//! values = [5, 7, 10, 14]
//!
//! [[vary]]
//! path = "hubs.railport.customs.time_h"
//! values = [{ dist = "lognormal", median = 2.1, p90 = 8.6 }, { dist = "lognormal", median = 1.03, p90 = 4.2 }]
//! labels = ["2021", "two-step"]   # optional: names for the values, used in variant labels
//!
//! [batch]                      # optional: what each variant runs (see [`super::command`])
//! command = "compare-zones"
//!
//! [[variants]]                 # hand-picked cases, run after the product
//! name = "rail-push"
//! set = { "services.yuxinou-duisburg.departures_per_week" = 21 }
//! # or: set = [{ path = "...", value = 21 }]
//! ```
//!
//! `replications` and `seed` are applied to the base first, so a `[[vary]]` or
//! `[[variants]]` of `scenario.replications` or `scenario.seed` wins over them. Every
//! variant otherwise runs with the same seed: variants share common random numbers, and
//! their differences are paired.
//!
//! Paths and values are those of a scenario's `[[set]]` (scenarios/README.md) and are
//! applied the same way, with [`Document::patch`], on the located tree.
//! The sweep file is added to the base [`Document`]'s files, so a value
//! patched in from the sweep keeps its sweep-file location through validation: a bad value
//! is reported where the planner wrote it. The shape is checked strictly (unknown keys,
//! wrong types, empty `values`, a path varied twice, duplicate values or names) before any
//! scenario is built.

use super::canon::cell;
use super::command::{self, Command, Policy, RawBatch};
use super::variant::MAX_VARIANTS;
use crate::hash::fnv1a64;
use crate::scenario::source::{Diagnostic, Diagnostics, FileId, Loc, SourceMap};
use crate::scenario::{
    Document, FileKind, Located, Node, NodeKind, Table, TomlFile, deserialize_node,
    deserialize_table, named_from,
};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One `path = value` patch, with where both are written.
#[derive(Clone, Debug, PartialEq)]
pub struct Patch {
    /// The set path, e.g. `services.yuxinou.departures_per_week`.
    pub path: String,
    /// Where the path is written.
    pub path_loc: Loc,
    /// The value as written (located in the sweep file).
    pub value: Node,
    /// Its canonical text ([`Node::canonical`]).
    pub canonical: String,
    /// Its text in table cells and labels ([`super::canon::cell`]).
    pub shown: String,
}

/// One value of a `[[vary]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The value as written.
    pub value: Node,
    /// Its canonical text.
    pub canonical: String,
    /// Its text in table cells and labels.
    pub shown: String,
    /// Its name from `labels`, if given.
    pub label: Option<String>,
}

/// A `[[vary]]` entry: one axis of the product.
#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    /// The set path.
    pub path: String,
    /// Where the path is written.
    pub path_loc: Loc,
    /// The values, in file order.
    pub values: Vec<Choice>,
}

/// A `[[variants]]` entry: a hand-picked case.
#[derive(Clone, Debug, PartialEq)]
pub struct Picked {
    /// Its name (its label in the results).
    pub name: String,
    /// Where the name is written.
    pub name_loc: Loc,
    /// Its patches, applied in order; none means the base scenario itself.
    pub sets: Vec<Patch>,
}

/// A parsed sweep file, with its base scenario loaded.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file, as given.
    pub path: PathBuf,
    /// The sweep file in the base's sources.
    pub file: FileId,
    /// The base scenario file.
    pub base_path: PathBuf,
    /// The base scenario, with the sweep's `replications` and `seed` overrides applied;
    /// its files are the base scenario's, then the sweep file.
    pub base: Document,
    /// `description`, if given.
    pub description: Option<String>,
    /// The overrides given (`scenario.replications`, `scenario.seed`) with their canonical
    /// values, as applied to `base`.
    pub overrides: Vec<(String, String)>,
    /// The `[[vary]]` entries, in file order.
    pub dimensions: Vec<Dimension>,
    /// The `[[variants]]` entries, in file order.
    pub picked: Vec<Picked>,
    /// Overrides given on the command line (see [`Sweep::override_run`]), as
    /// `path=value` lines; part of the fingerprint, since they change every result.
    pub command_line: Vec<String>,
    /// What each variant runs (`[batch] command`, default `run`).
    pub command: Command,
    /// Where the command is named (`command`, else `[batch]`, else the top of the
    /// sweep file): where a problem of the command as a whole is reported.
    pub command_loc: Loc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    #[allow(dead_code)] // read for its shape; its value was taken from the tree first
    base: Located<String>,
    description: Option<String>,
    replications: Option<Located<u32>>,
    seed: Option<Located<u64>>,
    batch: Option<RawBatch>,
    #[serde(default)]
    vary: Vec<RawVary>,
    #[serde(default)]
    variants: Vec<RawPicked>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVary {
    path: Located<String>,
    values: Located<Vec<IgnoredAny>>,
    labels: Option<Located<Vec<Located<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPicked {
    name: Located<String>,
    #[allow(dead_code)] // read for its presence; its two shapes are walked in the tree
    set: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetEntry {
    path: Located<String>,
    #[allow(dead_code)] // read for its shape; the node itself is taken from the tree
    value: IgnoredAny,
}

fn root(file: FileId) -> Loc {
    Loc {
        file,
        start: 0,
        end: 0,
    }
}

/// The array items of `table[key]` (empty when absent).
fn items<'t>(table: &'t Table, key: &str) -> &'t [Node] {
    match table.get(key).map(|e| &e.value.kind) {
        Some(NodeKind::Array(items)) => items,
        _ => &[],
    }
}

fn table_of(node: &Node) -> Option<&Table> {
    match &node.kind {
        NodeKind::Table(t) => Some(t),
        _ => None,
    }
}

impl Sweep {
    /// Reads a sweep file and the base scenario it names.
    ///
    /// # Errors
    ///
    /// Every problem found with the sweep file's shape (each as `file:line:col`), or the
    /// base scenario's own load problems (unreadable, syntax, `extends`). Whether the
    /// variants make valid scenarios is checked by [`super::check()`].
    pub fn load(path: &Path) -> Result<Sweep, Diagnostics> {
        // Parsed once, on its own, for where the base is; its shape is read once the base's
        // files and the sweep share one map, so every location points into that map.
        let alone = TomlFile::read(path, FileKind::SWEEP)?;
        let (base_rel, base_loc) = match alone.table().get("base").map(|e| &e.value) {
            Some(Node {
                loc,
                kind: NodeKind::Str(rel),
            }) => (rel.clone(), *loc),
            // No usable `base`: the shape is wrong, and serde says how.
            _ => {
                let why = deserialize_table::<RawSweep>(alone.table(), alone.root())
                    .err()
                    .unwrap_or_else(|| {
                        Diagnostic::at(alone.root(), "the sweep file needs `base`, a string")
                    });
                return Err(alone.diagnostics(vec![why]));
            }
        };
        let base_path = named_from(path, &base_rel);
        if let Err(e) = std::fs::metadata(&base_path) {
            let msg = format!("cannot read the base scenario {}: {e}", base_path.display());
            return Err(alone.diagnostics(vec![Diagnostic::at(base_loc, msg)]));
        }

        // The base's files come first (the base's own file is the scenario root), then
        // the sweep file, all in one map: the parsed tree moves there.
        let mut base = Document::load(&base_path)?;
        let (file, table) = base.adopt(alone);
        let raw: RawSweep = match deserialize_table(&table, root(file)) {
            Ok(r) => r,
            Err(d) => return Err(base.diagnostics(vec![d])),
        };
        let mut problems = Vec::new();
        let mut overrides = Vec::new();
        for (key, given) in [
            ("replications", raw.replications.as_ref().map(|r| r.loc)),
            ("seed", raw.seed.as_ref().map(|s| s.loc)),
        ] {
            if let (Some(loc), Some(entry)) = (given, table.get(key)) {
                let set_path = format!("scenario.{key}");
                if let Err(m) = base.patch(&set_path, entry.value.clone()) {
                    problems.push(Diagnostic::at(loc, m));
                }
                overrides.push((set_path, entry.value.canonical()));
            }
        }
        let batch_loc = table.get("batch").map_or(root(file), |e| e.key_loc);
        let command_loc = raw
            .batch
            .as_ref()
            .and_then(|b| b.command.as_ref())
            .map_or(batch_loc, |c| c.loc);
        let sweep_file = (path, base.sources().file(file).text.clone());
        let command = command::parse(
            raw.batch,
            batch_loc,
            |rel| load_policy(&sweep_file, rel),
            &mut problems,
        );
        let dimensions = dimensions(&table, &raw.vary, base.sources(), &mut problems);
        let picked = picked(&table, &raw.variants, base.sources(), &mut problems);
        if raw.vary.is_empty() && raw.variants.is_empty() {
            problems.push(Diagnostic::at(
                root(file),
                "the sweep has no variants: give [[vary]] entries (path and values) or [[variants]] (name and set)",
            ));
        }
        if !problems.is_empty() {
            return Err(base.diagnostics(problems));
        }
        Ok(Sweep {
            path: path.to_path_buf(),
            file,
            base_path,
            base,
            description: raw.description,
            overrides,
            dimensions,
            picked,
            command_line: Vec::new(),
            command,
            command_loc,
        })
    }

    /// Applies `corridor batch --replications/--seed`: over the sweep file's own
    /// `replications`/`seed` (a `[[vary]]` or `[[variants]]` of `scenario.seed` still wins
    /// for its variants, as it does over the sweep file's). They enter the basis, so
    /// `--resume` keeps only variants computed with the same values, and the fingerprint,
    /// so shards run with different values do not merge.
    ///
    /// # Errors
    /// A seed above 2^63 − 1, which the scenario tree cannot hold.
    pub fn override_run(
        &mut self,
        replications: Option<u32>,
        seed: Option<u64>,
    ) -> Result<(), String> {
        let loc = root(self.file);
        let mut given = Vec::new();
        if let Some(r) = replications {
            given.push(("scenario.replications", i128::from(r)));
        }
        if let Some(s) = seed {
            given.push(("scenario.seed", i128::from(s)));
        }
        for (path, value) in given {
            let node = Node {
                loc,
                kind: NodeKind::Int(value),
            };
            let text = node.canonical();
            self.base.patch(path, node)?;
            self.overrides.retain(|(p, _)| p != path);
            self.overrides.push((path.to_string(), text.clone()));
            self.command_line.push(format!("{path}={text}"));
        }
        // In path order, as the sweep file's own are: the basis does not depend on where
        // an override was given.
        self.overrides.sort();
        Ok(())
    }

    /// Where the base scenario's root file starts (for problems with no better place).
    #[must_use]
    pub fn base_root(&self) -> Loc {
        self.base.root()
    }

    /// Identifies the sweep: FNV-1a 64 (16 hex digits) of the sweep file's and every base
    /// scenario file's bytes, each preceded by its length. Paths are left out, so shards
    /// run from different checkouts of the same files agree. Shards merge only if their
    /// fingerprints are equal.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let sweep = self.base.sources().file(self.file);
        let base = self.base_files().map(|f| f.text.as_bytes());
        // Without command-line overrides, exactly the hash of the files (as before).
        let command_line = self.command_line.iter().map(String::as_bytes);
        let policy = self.policy_files().map(|f| f.text.as_bytes());
        hash_parts(
            std::iter::once(sweep.text.as_bytes())
                .chain(base)
                .chain(command_line)
                .chain(policy),
        )
    }

    /// Identifies what every variant's results depend on besides its own parameters: the
    /// base scenario files, the overrides and the crate version (16 hex digits). A variant
    /// committed under the same basis and id is the same computation, so `--resume` keeps
    /// it even if the sweep file changed around it (a value added to a `[[vary]]`).
    #[must_use]
    pub fn basis(&self) -> String {
        let overrides: Vec<String> = self
            .overrides
            .iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect();
        let version = env!("CARGO_PKG_VERSION");
        let head = [version.as_bytes()].into_iter();
        let over = overrides.iter().map(String::as_bytes);
        let base = self.base_files().map(|f| f.text.as_bytes());
        // Nothing more for `run`: its basis is what it was before sweeps had commands.
        let key = self.command.key();
        let command = (!self.command.is_run()).then_some(key.as_bytes());
        let policy = self.policy_files().map(|f| f.text.as_bytes());
        hash_parts(head.chain(over).chain(base).chain(command).chain(policy))
    }

    /// The policy scenario's files, for a `diff` sweep (the sweep file registered in its
    /// document left out).
    pub fn policy_files(&self) -> impl Iterator<Item = &crate::scenario::source::SourceFile> {
        self.command.policy().into_iter().flat_map(|p| {
            p.doc
                .sources()
                .files()
                .iter()
                .enumerate()
                .filter(move |(i, _)| *i != p.sweep_file.0 as usize)
                .map(|(_, f)| f)
        })
    }

    fn base_files(&self) -> impl Iterator<Item = &crate::scenario::source::SourceFile> {
        let sweep = self.file;
        self.base
            .sources()
            .files()
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != sweep.0 as usize)
            .map(|(_, f)| f)
    }

    /// Renders problems against this sweep's files.
    #[must_use]
    pub fn diagnostics(&self, items: Vec<Diagnostic>) -> Diagnostics {
        self.base.diagnostics(items)
    }
}

/// Loads the policy scenario of a `diff` sweep, named by `rel` in the sweep file, and
/// registers the sweep file (`path`, `text`) in its document. Its load problems are
/// reported at `policy` in the sweep file, with the policy file's own position.
fn load_policy(
    (path, text): &(&Path, String),
    rel: &Located<String>,
) -> Result<Policy, Vec<Diagnostic>> {
    let policy_path = named_from(path, &rel.value);
    match Document::load(&policy_path) {
        Ok(mut doc) => {
            let sweep_file = doc.add_file(path.to_path_buf(), text.clone());
            Ok(Policy {
                path: policy_path,
                loc: rel.loc,
                doc,
                sweep_file,
            })
        }
        Err(d) => {
            let why = d
                .items
                .iter()
                .map(|i| i.render(&d.sources))
                .collect::<Vec<_>>()
                .join("; ");
            Err(vec![Diagnostic::at(
                rel.loc,
                format!("cannot load the policy scenario: {why}"),
            )])
        }
    }
}

/// FNV-1a 64 of the parts, each preceded by its length (so no two sequences of parts run
/// together into the same bytes).
fn hash_parts<'a>(parts: impl Iterator<Item = &'a [u8]>) -> String {
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part);
    }
    format!("{:016x}", fnv1a64(&bytes))
}

fn dimensions(
    table: &Table,
    raw: &[RawVary],
    sources: &SourceMap,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Dimension> {
    let mut seen: BTreeMap<&str, Loc> = BTreeMap::new();
    let mut out = Vec::new();
    for (r, node) in raw.iter().zip(items(table, "vary")) {
        let Some(t) = table_of(node) else { continue };
        if let Some(first) = seen.insert(r.path.value.as_str(), r.path.loc) {
            problems.push(Diagnostic::at(
                r.path.loc,
                format!(
                    "`{}` is varied twice (first at {}); list all its values in one [[vary]]",
                    r.path.value,
                    sources.position(first)
                ),
            ));
            continue;
        }
        if let Some((outer, loc)) = seen
            .iter()
            .find(|(p, _)| nested(p, &r.path.value))
            .map(|(p, l)| ((*p).to_string(), *l))
        {
            problems.push(Diagnostic::at(
                r.path.loc,
                overlap_message(&r.path.value, &outer, &sources.position(loc)),
            ));
        }
        let nodes = items(t, "values");
        // Before anything per value: a list longer than a whole sweep may be is refused
        // at once, however long it is.
        if nodes.len() > MAX_VARIANTS {
            problems.push(Diagnostic::at(
                r.values.loc,
                format!(
                    "`values` of `{}` has {} values, more than the {MAX_VARIANTS} variants a sweep may have; \
                     split it into several sweep files",
                    r.path.value,
                    nodes.len()
                ),
            ));
            continue;
        }
        if nodes.is_empty() {
            problems.push(Diagnostic::at(
                r.values.loc,
                format!(
                    "`values` of `{}` is empty: give at least one value",
                    r.path.value
                ),
            ));
            continue;
        }
        let labels: Vec<Option<String>> = match &r.labels {
            None => vec![None; nodes.len()],
            Some(l) if l.value.len() != nodes.len() => {
                problems.push(Diagnostic::at(
                    l.loc,
                    format!(
                        "`labels` has {} names for {} values: give one name per value",
                        l.value.len(),
                        nodes.len()
                    ),
                ));
                continue;
            }
            Some(l) => l.value.iter().map(|s| Some(s.value.clone())).collect(),
        };
        if let Some(l) = &r.labels {
            check_names(&l.value, "label", problems);
        }
        let mut values: Vec<Choice> = Vec::with_capacity(nodes.len());
        let mut distinct: BTreeSet<String> = BTreeSet::new();
        for (value, label) in nodes.iter().zip(labels) {
            let canonical = value.canonical();
            if !distinct.insert(canonical.clone()) {
                problems.push(Diagnostic::at(
                    value.loc,
                    format!(
                        "value {canonical} is listed twice for `{}` (values are compared as TOML: 7 and 7.0 are the same)",
                        r.path.value
                    ),
                ));
                continue;
            }
            values.push(Choice {
                value: value.clone(),
                canonical,
                shown: cell(value),
                label,
            });
        }
        out.push(Dimension {
            path: r.path.value.clone(),
            path_loc: r.path.loc,
            values,
        });
    }
    out
}

/// Whether one path lies inside the other (`hubs.a.customs` and `hubs.a.customs.servers`).
fn nested(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner.len() > outer.len()
            && inner.starts_with(outer)
            && inner.as_bytes()[outer.len()] == b'.'
    };
    inside(a, b) || inside(b, a)
}

/// Two nested paths in one variant: the result would depend on the order they are
/// applied, which a variant's id (parameters sorted by path) does not record.
fn overlap_message(path: &str, other: &str, at: &str) -> String {
    format!(
        "`{path}` and `{other}` (at {at}) overlap: one lies inside the other, so the result would \
         depend on the order they are applied; set only one of them"
    )
}

/// Names (variant names, value labels) must be non-empty and distinct.
fn check_names(names: &[Located<String>], what: &str, problems: &mut Vec<Diagnostic>) {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for n in names {
        if n.value.trim().is_empty() {
            problems.push(Diagnostic::at(n.loc, format!("a {what} cannot be empty")));
        } else if !seen.insert(n.value.as_str()) {
            problems.push(Diagnostic::at(
                n.loc,
                format!("{what} `{}` is used twice; each must differ", n.value),
            ));
        }
    }
}

fn picked(
    table: &Table,
    raw: &[RawPicked],
    sources: &SourceMap,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Picked> {
    if let Some(first_too_many) = raw.get(MAX_VARIANTS) {
        problems.push(Diagnostic::at(
            first_too_many.name.loc,
            format!(
                "{} [[variants]], more than the {MAX_VARIANTS} a sweep may have; split it into several sweep files",
                raw.len()
            ),
        ));
        return Vec::new();
    }
    let names: Vec<Located<String>> = raw.iter().map(|r| r.name.clone()).collect();
    check_names(&names, "variant name", problems);
    let mut out = Vec::new();
    for (r, node) in raw.iter().zip(items(table, "variants")) {
        let Some(t) = table_of(node) else { continue };
        let sets = match t.get("set") {
            None => Vec::new(),
            Some(entry) => set_patches(&entry.value, problems),
        };
        for (i, p) in sets.iter().enumerate() {
            if sets[..i].iter().any(|q| q.path == p.path) {
                problems.push(Diagnostic::at(
                    p.path_loc,
                    format!("`{}` is set twice in variant `{}`", p.path, r.name.value),
                ));
            } else if let Some(q) = sets[..i].iter().find(|q| nested(&q.path, &p.path)) {
                let at = sources.position(q.path_loc);
                problems.push(Diagnostic::at(
                    p.path_loc,
                    overlap_message(&p.path, &q.path, &at),
                ));
            }
        }
        out.push(Picked {
            name: r.name.value.clone(),
            name_loc: r.name.loc,
            sets,
        });
    }
    out
}

/// The patches of a `set`: a table of `"path" = value`, or an array of `{ path, value }`.
fn set_patches(node: &Node, problems: &mut Vec<Diagnostic>) -> Vec<Patch> {
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Table(t) => {
            for e in &t.entries {
                if !e.key.contains('.') {
                    problems.push(Diagnostic::at(
                        e.key_loc,
                        format!(
                            "`{}` is not a set path; keys of `set` are paths such as \"services.yuxinou.departures_per_week\" \
                             and must be quoted, or TOML reads the dots as nested tables (to replace a whole section, \
                             use the form set = [{{ path = \"...\", value = ... }}])",
                            e.key
                        ),
                    ));
                    continue;
                }
                out.push(Patch {
                    path: e.key.clone(),
                    path_loc: e.key_loc,
                    value: e.value.clone(),
                    canonical: e.value.canonical(),
                    shown: cell(&e.value),
                });
            }
        }
        NodeKind::Array(items) => {
            for item in items {
                let raw: RawSetEntry = match deserialize_node(item) {
                    Ok(r) => r,
                    Err(d) => {
                        problems.push(d);
                        continue;
                    }
                };
                let Some(value) = table_of(item).and_then(|t| t.get("value")) else {
                    continue;
                };
                out.push(Patch {
                    path: raw.path.value,
                    path_loc: raw.path.loc,
                    value: value.value.clone(),
                    canonical: value.value.canonical(),
                    shown: cell(&value.value),
                });
            }
        }
        other => problems.push(Diagnostic::at(
            node.loc,
            format!(
                "`set` must be a table of \"path\" = value or an array of {{ path, value }}, not {}",
                other.type_phrase()
            ),
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a sweep over tests/data/two_corridors.toml and loads it.
    fn load(body: &str) -> Result<Sweep, Diagnostics> {
        let dir = tempfile::tempdir().unwrap();
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/two_corridors.toml");
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            format!("base = {:?}\n{body}", base.display().to_string()),
        )
        .unwrap();
        Sweep::load(&path)
    }

    fn messages(body: &str) -> Vec<String> {
        load(body)
            .unwrap_err()
            .items
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_sweep_without_a_usable_base_is_told_where() {
        let dir = tempfile::tempdir().unwrap();
        for (body, says) in [
            ("[[variants]]\nname = \"a\"\n", "missing field `base`"),
            ("base = 3\n", "invalid type: integer `3`, expected a string"),
        ] {
            let path = dir.path().join("s.toml");
            std::fs::write(&path, body).unwrap();
            let d = Sweep::load(&path).unwrap_err();
            let shown = d.to_string();
            assert!(shown.contains(says), "{shown}");
            assert!(
                shown.contains("s.toml:1:"),
                "located in the sweep file: {shown}"
            );
        }
    }

    #[test]
    fn both_set_forms_and_the_overrides_are_read() {
        let s = load(
            "replications = 2\nseed = 9\n\
             [[vary]]\npath = \"scenario.horizon_days\"\nvalues = [30, 40]\nlabels = [\"short\", \"long\"]\n\
             [[variants]]\nname = \"a\"\nset = { \"choice.k_routes\" = 1 }\n\
             [[variants]]\nname = \"b\"\nset = [{ path = \"choice.k_routes\", value = 1 }, { path = \"scenario.seed\", value = 3 }]\n\
             [[variants]]\nname = \"base\"\n",
        )
        .unwrap();
        assert_eq!(s.dimensions.len(), 1);
        assert_eq!(s.dimensions[0].values[1].label.as_deref(), Some("long"));
        let sets: Vec<Vec<&str>> = s
            .picked
            .iter()
            .map(|p| p.sets.iter().map(|x| x.path.as_str()).collect())
            .collect();
        assert_eq!(
            sets,
            [
                vec!["choice.k_routes"],
                vec!["choice.k_routes", "scenario.seed"],
                vec![]
            ]
        );
        let seed = s.base.get("scenario.seed").unwrap();
        assert_eq!(seed.kind, NodeKind::Int(9));
        // The sweep is the last file, after the base.
        assert_eq!(s.file, FileId(1));
        assert_eq!(s.fingerprint().len(), 16);
        assert_eq!(s.overrides.len(), 2);
        assert_ne!(s.basis(), s.fingerprint());
    }

    #[test]
    fn a_sweep_file_gets_the_checks_of_a_scenario_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        let first = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            Sweep::load(&path).unwrap_err().to_string()
        };
        let shown = path.display().to_string();
        assert_eq!(
            first(b" \n"),
            format!("{shown}:1:1: file is empty; a sweep needs at least `base`")
        );
        assert_eq!(
            first(b"base = \"x\0\""),
            format!(
                "{shown}:1:1: not a text file (it contains NUL bytes); a sweep is a TOML text file"
            )
        );
        let missing = dir.path().join("none.toml");
        let err = Sweep::load(&missing).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{0}:1:1: cannot read {0}: ", missing.display())),
            "{err}"
        );
        // The base is read with the scenario's checks and messages.
        std::fs::write(dir.path().join("b.toml"), "").unwrap();
        let err = first(b"base = \"b.toml\"\n[[variants]]\nname = \"a\"\n");
        assert!(
            err.ends_with(
                "b.toml:1:1: file is empty; a scenario needs at least a [scenario] section"
            ),
            "{err}"
        );
    }

    #[test]
    fn shape_problems_are_all_reported() {
        let m = messages(
            "[[vary]]\npath = \"scenario.seed\"\nvalues = []\n\
             [[vary]]\npath = \"scenario.horizon_days\"\nvalues = [30, 40]\nlabels = [\"x\"]\n\
             [[variants]]\nname = \"\"\nset = 3\n",
        );
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(
            m[0].contains("`values` of `scenario.seed` is empty"),
            "{m:?}"
        );
        assert!(m[1].contains("1 names for 2 values"), "{m:?}");
        assert!(m[2].contains("cannot be empty"), "{m:?}");
        assert!(m[3].contains("`set` must be a table"), "{m:?}");
        assert!(messages("")[0].contains("the sweep has no variants"));
        let m = messages(
            "[[vary]]\npath = \"hubs.port.transfer\"\nvalues = [{ servers = 2 }]\n\
             [[vary]]\npath = \"hubs.port.transfer.servers\"\nvalues = [3]\n\
             [[variants]]\nname = \"a\"\nset = [{ path = \"choice\", value = {} }, { path = \"choice.k_routes\", value = 1 }]\n",
        );
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m.iter().all(|m| m.contains("overlap")), "{m:?}");
        assert!(nested("a.b", "a.b.c") && !nested("a.b", "a.bc") && !nested("a.b", "a.b"));
        assert!(messages("seed = -1\n[[variants]]\nname = \"a\"\n")[0].contains("seed"));
    }
}
