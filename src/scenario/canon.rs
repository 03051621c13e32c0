//! The canonical text of a value.
//!
//! A batch variant's id is a hash of its parameters, so equal values must give equal text
//! whatever the file's layout: spacing, comments, quoting style, the key order inside an
//! inline table and `7` versus `7.0` must not change an id (a planner who reformats a
//! sweep file must not orphan the variants already computed). The same text fills the
//! parameter columns of the result tables, so it is also meant to be read: it is TOML, with
//! tables as `{ key = value, ... }` in key order.

use super::node::{Node, NodeKind, Table};
use std::fmt::Write as _;

impl Node {
    /// The canonical TOML text of the value: equal for values that TOML reads as equal,
    /// whatever their layout (spacing, quoting, key order, `7` or `7.0`). Batch variant
    /// ids hash it, and result tables show it.
    #[must_use]
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, &self.kind);
        out
    }
}

fn write_value(out: &mut String, kind: &NodeKind) {
    match kind {
        NodeKind::Str(s) => write_string(out, s),
        NodeKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        NodeKind::Float(x) => out.push_str(&float(*x)),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Datetime(d) => out.push_str(d),
        NodeKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, &item.kind);
            }
            out.push(']');
        }
        NodeKind::Table(t) => write_table(out, t),
    }
}

fn write_table(out: &mut String, table: &Table) {
    if table.entries.is_empty() {
        out.push_str("{}");
        return;
    }
    let mut entries: Vec<_> = table.entries.iter().collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    out.push_str("{ ");
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_key(out, &e.key);
        out.push_str(" = ");
        write_value(out, &e.value.kind);
    }
    out.push_str(" }");
}

fn write_key(out: &mut String, key: &str) {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        out.push_str(key);
    } else {
        write_string(out, key);
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as TOML, the shortest text that reads back to the same number; a whole number
/// is written without a fraction, so `7.0` and `7` read the same.
fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    if (1e-5..1e16).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::parse;
    use crate::scenario::source::FileId;

    fn canonical(n: &Node) -> String {
        n.canonical()
    }

    fn value(text: &str) -> Node {
        let mut t = parse(FileId(0), &format!("v = {text}\n")).unwrap();
        t.remove("v").unwrap().value
    }

    #[test]
    fn layout_does_not_change_the_text() {
        assert_eq!(canonical(&value("7")), "7");
        assert_eq!(canonical(&value("7.0")), "7");
        assert_eq!(canonical(&value("2.10")), "2.1");
        assert_eq!(canonical(&value("-0.0")), "0");
        assert_eq!(canonical(&value("1e20")), "1e20");
        assert_eq!(canonical(&value("inf")), "inf");
        assert_eq!(canonical(&value("'a\"b'")), "\"a\\\"b\"");
        assert_eq!(
            canonical(&value("{p90=8.6,  median = 2.1, dist='lognormal'}")),
            "{ dist = \"lognormal\", median = 2.1, p90 = 8.6 }"
        );
        assert_eq!(canonical(&value("[1,2 ,\"x\"]")), "[1, 2, \"x\"]");
        assert_eq!(canonical(&value("{ \"a b\" = {} }")), "{ \"a b\" = {} }");
    }
}
