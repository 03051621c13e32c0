//! Where every value of a scenario came from, after `extends`, `[tables]`, `[[remove]]`
//! and `[[set]]`.
//!
//! A planner building a variant on a base built from tables needs to check what the model
//! will use and which file each figure was taken from: the base, an overlay, a CSV row or
//! a `[[set]]` patch. The merged tree keeps the location of every value, so this walks it
//! and lists each leaf value with its position. Values a flow takes from its demand class
//! are listed under the flow, with the class's position and a note saying so, so the
//! listing shows what the flow resolves to.

use super::merge::{ENTITY_SECTIONS, TABLE_SECTIONS, entity_key};
use super::node::{Node, NodeKind, Table};
use super::source::{Loc, SourceMap};

/// One value of the merged scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// Its address, as `[[set]]` writes it: `hubs.port-a.transfer.servers`.
    pub path: String,
    /// Its canonical TOML text.
    pub value: String,
    /// Where it was written.
    pub at: Loc,
    /// How it reached this path when not written there: `class electronics`.
    pub via: Option<String>,
}

impl Written {
    /// `path = value  # file:line:col` (and `, from class X`), one line.
    #[must_use]
    pub fn render(&self, sources: &SourceMap) -> String {
        let via = self
            .via
            .as_ref()
            .map_or_else(String::new, |v| format!(", from {v}"));
        format!(
            "{} = {}  # {}{via}",
            self.path,
            self.value,
            sources.position(self.at)
        )
    }
}

/// Fields a flow may take from its class.
const FROM_CLASS: &[&str] = &["value_usd_per_teu", "vot_usd_per_teu_day", "due_days"];

/// Every leaf value of `tree`, section by section in the order sections are defined
/// (table sections, then entity sections), entities in file order.
#[must_use]
pub fn written(tree: &Table) -> Vec<Written> {
    let mut out = Vec::new();
    for section in TABLE_SECTIONS {
        if let Some(e) = tree.get(section) {
            leaves(section, &e.value, &mut out);
        }
    }
    for section in ENTITY_SECTIONS {
        let Some(NodeKind::Array(items)) = tree.get(section).map(|e| &e.value.kind) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let NodeKind::Table(t) = &item.kind else {
                continue;
            };
            let key = entity_key(section, t).unwrap_or_else(|| i.to_string());
            let base = format!("{section}.{key}");
            leaves(&base, item, &mut out);
            if *section == "demand" {
                from_class(tree, &base, t, &mut out);
            }
        }
    }
    out
}

/// The class figures a flow does not give itself.
fn from_class(tree: &Table, base: &str, flow: &Table, out: &mut Vec<Written>) {
    let Some((class, _)) = flow.str_value("class") else {
        return;
    };
    let Some(NodeKind::Array(classes)) = tree.get("classes").map(|e| &e.value.kind) else {
        return;
    };
    let Some(NodeKind::Table(c)) = classes.iter().map(|n| &n.kind).find(
        |k| matches!(k, NodeKind::Table(t) if t.str_value("id").is_some_and(|(id, _)| id == class)),
    ) else {
        return;
    };
    for field in FROM_CLASS {
        if flow.get(field).is_none()
            && let Some(e) = c.get(field)
        {
            out.push(Written {
                path: format!("{base}.{field}"),
                value: e.value.canonical(),
                at: e.value.loc,
                via: Some(format!("class {class}")),
            });
        }
    }
}

/// The leaves under `node`, at `path`. A duration table (`{ dist = ... }`) and an array of
/// plain values are one value each; other tables and arrays of tables are walked.
fn leaves(path: &str, node: &Node, out: &mut Vec<Written>) {
    match &node.kind {
        NodeKind::Table(t) if t.get("dist").is_none() => {
            for e in &t.entries {
                leaves(&format!("{path}.{}", e.key), &e.value, out);
            }
        }
        NodeKind::Array(items) if items.iter().any(|n| matches!(n.kind, NodeKind::Table(_))) => {
            for (i, item) in items.iter().enumerate() {
                leaves(&format!("{path}.{i}"), item, out);
            }
        }
        _ => out.push(Written {
            path: path.to_string(),
            value: node.canonical(),
            at: node.loc,
            via: None,
        }),
    }
}
