//! Reading files, following `extends`, and applying `[[set]]` patches.
//!
//! A scenario is a tree of located nodes assembled from its file and the files it extends:
//! the parent is loaded first (with its own `extends` and `[[set]]` applied), the child is
//! merged over it — tables key by key, entity arrays (`[[hubs]]`, `[[links]]`, ...) entity
//! by entity, matched on `id` — and then the child's `[[set]]` patches are applied in
//! order. Because patching happens on the located tree, a patched value that turns out to
//! be invalid is reported at the `set` entry that wrote it.

use super::node::{self, Entry, Node, NodeKind, Table};
use super::source::{Diagnostic, Loc, SourceMap};
use super::tables::{self, CellBudget};
use super::toml_file::{FileKind, ReadFailure, read_text};
use std::path::{Path, PathBuf};

/// Top-level sections that are arrays of entities merged by id.
pub const ENTITY_SECTIONS: &[&str] = &[
    "corridors",
    "hubs",
    "links",
    "services",
    "classes",
    "demand",
    "candidates",
    "disruptions",
];

/// Top-level sections that are single tables.
pub const TABLE_SECTIONS: &[&str] = &["scenario", "choice", "compare", "region"];

/// Reads `path` and everything it extends, merged and patched.
///
/// # Errors
///
/// Unreadable, empty or binary files, syntax errors, `extends` cycles and `set` paths that
/// address nothing. Several problems may be reported at once.
pub fn load_tree(path: &Path, sources: &mut SourceMap) -> Result<Table, Vec<Diagnostic>> {
    let mut chain = Vec::new();
    let mut budget = CellBudget::default();
    load_recursive(path, None, sources, &mut chain, &mut budget)
}

fn load_recursive(
    path: &Path,
    extended_from: Option<Loc>,
    sources: &mut SourceMap,
    chain: &mut Vec<PathBuf>,
    budget: &mut CellBudget,
) -> Result<Table, Vec<Diagnostic>> {
    let complain = |msg: String| match extended_from {
        Some(loc) => Diagnostic::at(loc, msg),
        None => Diagnostic::file(path, msg),
    };
    if chain.len() >= super::limits::MAX_EXTENDS_DEPTH {
        return Err(vec![complain(format!(
            "`extends` chain deeper than {} files (a scenario extends a base, perhaps an overlay of it; not a chain this long)",
            super::limits::MAX_EXTENDS_DEPTH
        ))]);
    }
    let text = match read_text(path, FileKind::SCENARIO) {
        Ok(text) => text,
        Err(ReadFailure::NotText(m) | ReadFailure::Empty(m)) => {
            return Err(vec![Diagnostic::file(path, m)]);
        }
        Err(ReadFailure::Unreadable(m)) => return Err(vec![complain(m)]),
    };
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(pos) = chain.iter().position(|p| *p == canonical) {
        let cycle: Vec<String> = chain[pos..]
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| p.display().to_string())
            .collect();
        return Err(vec![complain(format!(
            "`extends` cycle: {}",
            cycle.join(" -> ")
        ))]);
    }
    let file = sources.add(path.to_path_buf(), text);
    let mut table = node::parse(file, &sources.file(file).text).map_err(|d| vec![d])?;
    if extended_from.is_some() && !looks_like_a_scenario(&table) {
        // Said without quoting the file: `extends` may point anywhere by mistake, and
        // what is there is none of the planner's business to see echoed back.
        return Err(vec![complain(format!(
            "{} is not a scenario file (it has none of the sections {}, {}); `extends` names the scenario this one builds on",
            path.display(),
            TABLE_SECTIONS.join(", "),
            ENTITY_SECTIONS.join(", ")
        ))]);
    }

    let extends = table.remove("extends");
    let removes = table.remove("remove");
    let sets = table.remove("set");
    let mut errors = Vec::new();
    // A file's table rows join its own entries before it is merged over its parent.
    if let Some(named) = table.remove("tables") {
        errors.extend(tables::append(
            named, path, &canonical, sources, &mut table, budget,
        ));
    }

    if let Some(ext) = extends {
        match &ext.value.kind {
            NodeKind::Str(rel) if rel.trim().is_empty() => errors.push(Diagnostic::at(
                ext.value.loc,
                "`extends` is empty: give the path of the scenario file this one builds on",
            )),
            NodeKind::Str(rel) => {
                let parent_path = relative_to(path, &canonical, rel);
                chain.push(canonical.clone());
                let parent =
                    load_recursive(&parent_path, Some(ext.value.loc), sources, chain, budget);
                chain.pop();
                match parent {
                    Ok(mut parent) => {
                        merge_tables(&mut parent, table);
                        table = parent;
                    }
                    Err(mut e) => {
                        return Err({
                            e.sort_by(|a, b| a.origin.cmp(&b.origin));
                            e
                        });
                    }
                }
            }
            other => errors.push(Diagnostic::at(
                ext.value.loc,
                format!(
                    "`extends` must be a file path (a string), not {}",
                    other.type_phrase()
                ),
            )),
        }
    }

    if let Some(removes) = removes {
        match removes.value.kind {
            NodeKind::Array(items) => {
                for item in items {
                    if let Err(d) = super::remove::apply(&mut table, item) {
                        errors.push(d);
                    }
                }
            }
            other => errors.push(Diagnostic::at(
                removes.value.loc,
                format!(
                    "`remove` must be an array of tables ([[remove]]), not {}",
                    other.type_phrase()
                ),
            )),
        }
    }

    if let Some(sets) = sets {
        match sets.value.kind {
            NodeKind::Array(items) => {
                for item in items {
                    if let Err(d) = apply_set_entry(&mut table, item) {
                        errors.push(d);
                    }
                }
            }
            other => errors.push(Diagnostic::at(
                sets.value.loc,
                format!(
                    "`set` must be an array of tables ([[set]]), not {}",
                    other.type_phrase()
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(table)
    } else {
        Err(errors)
    }
}

/// `rel`, named in the file at `path` (whose canonical path is `canonical`), as a path.
/// Relative to the directory the file is in — where it really is when `path` is a
/// symbolic link, so that a link to a scenario behaves like the scenario itself,
/// wherever the link sits. Otherwise the path keeps the form the user gave, for messages.
pub fn relative_to(path: &Path, canonical: &Path, rel: &str) -> PathBuf {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let file = if is_link { canonical } else { path };
    file.parent().unwrap_or_else(|| Path::new("")).join(rel)
}

/// Whether a parsed file has at least one scenario section (or `extends`/`set`).
fn looks_like_a_scenario(table: &Table) -> bool {
    table.entries.iter().any(|e| {
        let k = e.key.as_str();
        TABLE_SECTIONS.contains(&k)
            || ENTITY_SECTIONS.contains(&k)
            || matches!(k, "extends" | "set" | "remove" | "tables")
    })
}

/// The key an entity is matched on when merging: its `id`, or for demand without one,
/// `<from>-<to>` (the default id).
pub fn entity_key(section: &str, table: &Table) -> Option<String> {
    if let Some((id, _)) = table.str_value("id") {
        return Some(id.to_string());
    }
    if section == "demand" {
        let (from, _) = table.str_value("from")?;
        let (to, _) = table.str_value("to")?;
        return Some(format!("{from}-{to}"));
    }
    None
}

/// Merges `child` over `parent` (child values win).
pub fn merge_tables(parent: &mut Table, child: Table) {
    for entry in child.entries {
        if ENTITY_SECTIONS.contains(&entry.key.as_str()) {
            merge_entities(parent, entry);
        } else {
            merge_entry(parent, entry);
        }
    }
}

/// A duration table (`{ dist = ... }`) is one value: a child's duration replaces the
/// parent's whole, so a lognormal never inherits a triangular's `mode`.
fn is_duration_table(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Table(t) if t.get("dist").is_some())
}

fn merge_entry(parent: &mut Table, entry: Entry) {
    match parent.get_mut(&entry.key) {
        Some(existing) => {
            let parent_is_duration = is_duration_table(&existing.value);
            match (&mut existing.value.kind, entry.value.kind) {
                (NodeKind::Table(p), NodeKind::Table(c))
                    if !parent_is_duration || c.get("dist").is_none() =>
                {
                    for e in c.entries {
                        merge_entry(p, e);
                    }
                }
                (_, kind) => {
                    existing.value = Node {
                        loc: entry.value.loc,
                        kind,
                    };
                    existing.key_loc = entry.key_loc;
                }
            }
        }
        None => parent.entries.push(entry),
    }
}

fn merge_entities(parent: &mut Table, entry: Entry) {
    let section = entry.key.clone();
    let Some(existing) = parent.get_mut(&section) else {
        parent.entries.push(entry);
        return;
    };
    let (NodeKind::Array(p_items), NodeKind::Array(c_items)) =
        (&mut existing.value.kind, entry.value.kind.clone())
    else {
        // Not arrays on both sides: the child replaces, and validation reports the type.
        existing.value = entry.value;
        return;
    };
    for child in c_items {
        let key = match &child.kind {
            NodeKind::Table(t) => entity_key(&section, t),
            _ => None,
        };
        let target = key.as_ref().and_then(|k| {
            p_items.iter_mut().find(|p| match &p.kind {
                NodeKind::Table(t) => entity_key(&section, t).as_ref() == Some(k),
                _ => false,
            })
        });
        match (target, child.kind) {
            (Some(p), NodeKind::Table(c)) => {
                if let NodeKind::Table(pt) = &mut p.kind {
                    for e in c.entries {
                        merge_entry(pt, e);
                    }
                }
            }
            (_, kind) => p_items.push(Node {
                loc: child.loc,
                kind,
            }),
        }
    }
}

/// Applies one `[[set]]` entry (a table with `path` and `value`).
fn apply_set_entry(root: &mut Table, item: Node) -> Result<(), Diagnostic> {
    let NodeKind::Table(mut t) = item.kind else {
        return Err(Diagnostic::at(
            item.loc,
            "each `set` entry must be a table with `path` and `value`",
        ));
    };
    let path = t.remove("path");
    let value = t.remove("value");
    if let Some(extra) = t.entries.first() {
        return Err(Diagnostic::at(
            extra.key_loc,
            format!(
                "unknown field `{}` in a `set` entry (it takes path and value)",
                extra.key
            ),
        ));
    }
    let (Some(path), Some(value)) = (path, value) else {
        return Err(Diagnostic::at(
            item.loc,
            "a `set` entry needs both `path` and `value`",
        ));
    };
    let NodeKind::Str(path_text) = &path.value.kind else {
        return Err(Diagnostic::at(
            path.value.loc,
            "`set.path` must be a string such as \"services.yuxinou.departures_per_week\"",
        ));
    };
    apply_set(root, path_text, value.value).map_err(|m| Diagnostic::at(path.value.loc, m))
}

/// Sets the value addressed by a dotted `path` (`section.id.field[.sub...]` for entity
/// sections, `section.field[.sub...]` for table sections; numeric segments index arrays).
///
/// Every segment but the last must exist; the last may be new (an optional field being
/// given a value) and is then checked like any other field when the tree is read.
///
/// # Errors
///
/// A message saying which segment addresses nothing.
pub fn apply_set(root: &mut Table, path: &str, value: Node) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!("set path `{path}` has an empty segment"));
    }
    let section = segments[0];
    let rest: &[&str] = if ENTITY_SECTIONS.contains(&section) {
        if segments.len() < 3 {
            return Err(format!(
                "set path `{path}` must be `{section}.<id>.<field>`"
            ));
        }
        let id = segments[1];
        let entry = root.get_mut(section).ok_or_else(|| {
            format!("set path `{path}` addresses nothing: no `{section}` in the scenario")
        })?;
        let NodeKind::Array(items) = &mut entry.value.kind else {
            return Err(format!("set path `{path}`: `{section}` is not an array"));
        };
        let target = items
            .iter_mut()
            .find(|n| matches!(&n.kind, NodeKind::Table(t) if entity_key(section, t).as_deref() == Some(id)))
            .ok_or_else(|| format!("set path `{path}` addresses nothing: no {section} entry with id `{id}`"))?;
        return set_in(target, &segments[2..], value, path);
    } else if TABLE_SECTIONS.contains(&section) {
        if root.get(section).is_none() && segments.len() >= 2 {
            // `[choice]`, `[compare]` and `[region]` are optional: setting a field creates them.
            root.entries.push(Entry {
                key: section.to_string(),
                key_loc: value.loc,
                value: Node {
                    loc: value.loc,
                    kind: NodeKind::Table(Table::default()),
                },
            });
        }
        &segments[..]
    } else {
        return Err(format!(
            "set path `{path}` addresses nothing: `{section}` is not a section (expected one of {}, {})",
            TABLE_SECTIONS.join(", "),
            ENTITY_SECTIONS.join(", ")
        ));
    };
    let mut root_node = Node {
        loc: value.loc,
        kind: NodeKind::Table(std::mem::take(root)),
    };
    let result = set_in(&mut root_node, rest, value, path);
    if let NodeKind::Table(t) = root_node.kind {
        *root = t;
    }
    result
}

/// The value a set path addresses in a scenario tree, if it is there: the same addressing
/// as [`apply_set`] (`section.id.field...` for entity sections,
/// `section.field...` for table sections, number segments index arrays).
#[must_use]
pub fn get<'t>(root: &'t Table, path: &str) -> Option<&'t Node> {
    let segments: Vec<&str> = path.split('.').collect();
    let (&section, rest) = segments.split_first()?;
    let entry = &root.get(section)?.value;
    if ENTITY_SECTIONS.contains(&section) {
        let (&id, rest) = rest.split_first()?;
        let NodeKind::Array(items) = &entry.kind else {
            return None;
        };
        let entity = items.iter().find(
            |n| matches!(&n.kind, NodeKind::Table(t) if entity_key(section, t).as_deref() == Some(id)),
        )?;
        descend(entity, rest)
    } else {
        descend(entry, rest)
    }
}

fn descend<'t>(node: &'t Node, segments: &[&str]) -> Option<&'t Node> {
    let Some((&first, rest)) = segments.split_first() else {
        return Some(node);
    };
    match &node.kind {
        NodeKind::Table(t) => descend(&t.get(first)?.value, rest),
        NodeKind::Array(items) => descend(items.get(first.parse::<usize>().ok()?)?, rest),
        _ => None,
    }
}

fn set_in(node: &mut Node, segments: &[&str], value: Node, path: &str) -> Result<(), String> {
    let Some((&first, rest)) = segments.split_first() else {
        *node = value;
        return Ok(());
    };
    match &mut node.kind {
        NodeKind::Table(t) => {
            if rest.is_empty() {
                let key_loc = value.loc;
                t.set(Entry {
                    key: first.to_string(),
                    key_loc,
                    value,
                });
                return Ok(());
            }
            let child = t.get_mut(first).ok_or_else(|| {
                format!("set path `{path}` addresses nothing: no field `{first}` there")
            })?;
            set_in(&mut child.value, rest, value, path)
        }
        NodeKind::Array(items) => {
            let i: usize = first
                .parse()
                .map_err(|_| format!("set path `{path}`: `{first}` must be an array index here"))?;
            let len = items.len();
            let child = items.get_mut(i).ok_or_else(|| {
                format!(
                    "set path `{path}` addresses nothing: index {i} but the array has {len} items"
                )
            })?;
            set_in(child, rest, value, path)
        }
        other => Err(format!(
            "set path `{path}` addresses nothing: `{first}` is inside a {}, not a table",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::source::FileId;

    fn parse(text: &str) -> Table {
        node::parse(FileId(0), text).unwrap()
    }

    #[test]
    fn get_follows_set_paths() {
        let t = parse(
            "[scenario]\nseed = 3\n[[hubs]]\nid = \"h\"\ncustoms = { time_h = { median = 2 } }\n\
             [[demand]]\nfrom = \"a\"\nto = \"b\"\nmodes = [\"road\", \"rail\"]\n",
        );
        let kind = |p: &str| get(&t, p).map(|n| n.kind.clone());
        assert_eq!(kind("scenario.seed"), Some(NodeKind::Int(3)));
        assert_eq!(kind("hubs.h.customs.time_h.median"), Some(NodeKind::Int(2)));
        assert_eq!(
            kind("demand.a-b.modes.1"),
            Some(NodeKind::Str("rail".into()))
        );
        assert_eq!(kind("hubs.h.transfer"), None);
        assert_eq!(kind("hubs.nope.customs"), None);
        assert_eq!(kind("nothing.at.all"), None);
    }

    fn int_at(t: &Table, path: &[&str]) -> Option<i128> {
        let mut node = &t.get(path[0])?.value;
        for seg in &path[1..] {
            node = match &node.kind {
                NodeKind::Table(t) => &t.get(seg)?.value,
                NodeKind::Array(items) => {
                    let found = items.iter().find(|n| {
                        matches!(&n.kind, NodeKind::Table(t) if t.str_value("id").map(|x| x.0) == Some(*seg))
                    });
                    found?
                }
                _ => return None,
            };
        }
        match node.kind {
            NodeKind::Int(i) => Some(i),
            _ => None,
        }
    }

    #[test]
    fn child_entities_merge_by_id_and_append() {
        let mut parent = parse(
            "[scenario]\nseed = 1\nreplications = 5\n[[hubs]]\nid = \"a\"\nlat = 1\n[[hubs]]\nid = \"b\"\nlat = 2\n",
        );
        let child = parse(
            "[scenario]\nseed = 9\n[[hubs]]\nid = \"b\"\nlat = 20\n[[hubs]]\nid = \"c\"\nlat = 3\n",
        );
        merge_tables(&mut parent, child);
        assert_eq!(int_at(&parent, &["scenario", "seed"]), Some(9));
        assert_eq!(int_at(&parent, &["scenario", "replications"]), Some(5));
        assert_eq!(int_at(&parent, &["hubs", "a", "lat"]), Some(1));
        assert_eq!(int_at(&parent, &["hubs", "b", "lat"]), Some(20));
        assert_eq!(int_at(&parent, &["hubs", "c", "lat"]), Some(3));
    }

    #[test]
    fn set_patches_entities_and_tables() {
        let mut t = parse("[scenario]\nseed = 1\n[[services]]\nid = \"s\"\ncapacity_teu = 10\n");
        let v = parse("v = 14\n").remove("v").unwrap().value;
        apply_set(&mut t, "services.s.capacity_teu", v.clone()).unwrap();
        assert_eq!(int_at(&t, &["services", "s", "capacity_teu"]), Some(14));
        apply_set(&mut t, "scenario.seed", v.clone()).unwrap();
        assert_eq!(int_at(&t, &["scenario", "seed"]), Some(14));
        // A new optional field may be given a value.
        apply_set(&mut t, "services.s.fare_usd_per_teu", v).unwrap();
        assert_eq!(int_at(&t, &["services", "s", "fare_usd_per_teu"]), Some(14));
    }

    #[test]
    fn set_paths_that_address_nothing_are_errors() {
        let mut t = parse("[[services]]\nid = \"s\"\ncapacity_teu = 10\n");
        let v = parse("v = 1\n").remove("v").unwrap().value;
        for bad in [
            "services.nope.capacity_teu",
            "servics.s.capacity_teu",
            "services.s",
            "services.s.customs.time_h",
            "scenario..seed",
        ] {
            let err = apply_set(&mut t, bad, v.clone()).unwrap_err();
            assert!(err.contains(bad) || err.contains("empty"), "{bad}: {err}");
        }
    }

    #[test]
    fn demand_without_id_merges_on_from_to() {
        let mut parent = parse("[[demand]]\nfrom = \"a\"\nto = \"b\"\nteu_per_day = 1\n");
        let child = parse("[[demand]]\nfrom = \"a\"\nto = \"b\"\nteu_per_day = 5\n");
        merge_tables(&mut parent, child);
        let NodeKind::Array(items) = &parent.get("demand").unwrap().value.kind else {
            panic!()
        };
        assert_eq!(items.len(), 1);
        let v = parse("v = 7\n").remove("v").unwrap().value;
        apply_set(&mut parent, "demand.a-b.teu_per_day", v).unwrap();
    }
}
