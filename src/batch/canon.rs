//! How a sweep value is shown in a table cell or a variant label.

use crate::scenario::{Node, NodeKind};

/// The text of a value in a table cell or a label: its canonical text
/// ([`Node::canonical`]), except that a string is shown without quotes (a cell reads
/// `closure`, not `"closure"`). Not for ids: it does not tell the string `"7"` from the
/// number 7.
#[must_use]
pub fn cell(node: &Node) -> String {
    match &node.kind {
        NodeKind::Str(s) => s.clone(),
        _ => node.canonical(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::parse;
    use crate::scenario::source::FileId;

    fn value(text: &str) -> Node {
        let mut t = parse(FileId(0), &format!("v = {text}\n")).unwrap();
        t.remove("v").unwrap().value
    }

    #[test]
    fn strings_are_shown_unquoted_and_the_rest_canonically() {
        assert_eq!(cell(&value("'closure'")), "closure");
        assert_eq!(cell(&value("{ a = 'b' }")), "{ a = \"b\" }");
        assert_eq!(cell(&value("7.0")), "7");
    }
}
