//! `[[remove]]`: an overlay takes an entity out of what it extends.
//!
//! A variant often differs from its base by what it does *not* have: a service withdrawn,
//! a road closed for good, a flow that no longer exists. Merging can only add and change,
//! so without this a planner would copy the whole base to leave one entity out. Each
//! `[[remove]]` entry names the kind and id of one entity; it is applied after the file is
//! merged over what it extends and before its `[[set]]` patches. What depended on the
//! entity is then checked as usual: a service over a removed link, or a flow from a
//! removed hub, is reported by validation at the entity that still refers to it.

use super::merge::entity_key;
use super::node::{Node, NodeKind, Table};
use super::source::Diagnostic;

/// The kinds an entry may name, with their sections.
const KINDS: &[(&str, &str)] = &[
    ("corridor", "corridors"),
    ("hub", "hubs"),
    ("link", "links"),
    ("service", "services"),
    ("class", "classes"),
    ("demand", "demand"),
    ("candidate", "candidates"),
    ("disruption", "disruptions"),
];

/// Applies one `[[remove]]` entry to the merged tree.
///
/// # Errors
///
/// An entry that is not `{ kind, id }`, an unknown kind, or an id the tree does not have,
/// located at the offending part of the entry.
pub fn apply(root: &mut Table, item: Node) -> Result<(), Diagnostic> {
    let NodeKind::Table(mut t) = item.kind else {
        return Err(Diagnostic::at(
            item.loc,
            "each `remove` entry must be a table with `kind` and `id`",
        ));
    };
    let kind = t.remove("kind");
    let id = t.remove("id");
    if let Some(extra) = t.entries.first() {
        return Err(Diagnostic::at(
            extra.key_loc,
            format!(
                "unknown field `{}` in a `remove` entry (it takes kind and id)",
                extra.key
            ),
        ));
    }
    let (Some(kind), Some(id)) = (kind, id) else {
        return Err(Diagnostic::at(
            item.loc,
            "a `remove` entry needs both `kind` and `id`",
        ));
    };
    let kinds = || KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
    let section = match &kind.value.kind {
        NodeKind::Str(k) => KINDS.iter().find(|(s, _)| s == k).map(|(_, sec)| *sec),
        _ => None,
    }
    .ok_or_else(|| {
        Diagnostic::at(
            kind.value.loc,
            format!("`remove.kind` must be one of {}", kinds()),
        )
    })?;
    let NodeKind::Str(id_text) = &id.value.kind else {
        return Err(Diagnostic::at(
            id.value.loc,
            "`remove.id` must be a string: the id of the entity to remove",
        ));
    };
    let removed = match root.get_mut(section).map(|e| &mut e.value.kind) {
        Some(NodeKind::Array(items)) => {
            let before = items.len();
            items.retain(|n| {
                !matches!(&n.kind, NodeKind::Table(t)
                    if entity_key(section, t).as_deref() == Some(id_text.as_str()))
            });
            before != items.len()
        }
        _ => false,
    };
    if removed {
        Ok(())
    } else {
        Err(Diagnostic::at(
            id.value.loc,
            format!(
                "[[remove]]: there is no {} `{id_text}` to remove",
                KINDS
                    .iter()
                    .find(|(_, s)| *s == section)
                    .map_or(section, |(k, _)| k)
            ),
        ))
    }
}
