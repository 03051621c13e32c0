//! Deserializing typed structs from located [`Node`]s.
//!
//! A serde [`Deserializer`] over the located tree. Errors come back with the location of
//! the innermost value that caused them (the key for an unknown field, the value for a
//! wrong type, the table for a missing field) and the dotted path of the field, so the
//! raw structs can keep `#[serde(deny_unknown_fields)]` and still produce
//! `file:line:col` diagnostics. [`Located<T>`] captures a value's location for validation.

use super::node::{Node, NodeKind, Table};
use super::source::{FileId, Loc};
use serde::de::value::{BorrowedStrDeserializer, SeqDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use std::fmt;
use std::marker::PhantomData;

/// A deserialization problem, with the location and field path where it occurred.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// Where, once known.
    pub loc: Option<Loc>,
    /// Field path segments, innermost last (e.g. `["transfer", "servers"]`).
    pub path: Vec<String>,
    /// What is wrong.
    pub message: String,
}

impl DeError {
    fn or_loc(mut self, loc: Loc) -> Self {
        self.loc.get_or_insert(loc);
        self
    }

    fn in_field(mut self, segment: String) -> Self {
        self.path.insert(0, segment);
        self
    }

    /// The dotted field path, e.g. `transfer.servers` or `connectors[0].to`.
    pub fn field_path(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            if !seg.starts_with('[') && !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }

    /// The message with serde's Rust type names replaced by TOML terms.
    pub fn friendly_message(&self) -> String {
        let mut m = self.message.clone();
        for (from, to) in [
            ("floating point", "float"),
            ("expected u32", "expected a whole number"),
            ("expected u64", "expected a whole number"),
            ("invalid type: sequence", "invalid type: array"),
            ("expected f64", "expected a number"),
            ("a sequence", "an array"),
            ("expected a string", "expected a string"),
            ("invalid type: map", "invalid type: table"),
        ] {
            m = m.replace(from, to);
        }
        // "expected struct RawHub" -> "expected a table"
        if let Some(i) = m.find("expected struct ") {
            m.replace_range(i.., "expected a table");
        }
        m
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.friendly_message())
        } else {
            write!(
                f,
                "field `{}`: {}",
                self.field_path(),
                self.friendly_message()
            )
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            loc: None,
            path: Vec::new(),
            message: msg.to_string(),
        }
    }
}

/// Deserializes `T` from a located node.
///
/// # Errors
///
/// The first problem serde meets, located (see [`DeError`]).
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDeserializer { node }).map_err(|e| e.or_loc(node.loc))
}

/// Deserializes `T` from a table whose location is `loc`.
///
/// # Errors
///
/// As [`from_node`].
pub fn from_table<'de, T: de::Deserialize<'de>>(table: &'de Table, loc: Loc) -> Result<T, DeError> {
    T::deserialize(TableDeserializer { table, loc }).map_err(|e| e.or_loc(loc))
}

const LOCATED_NAME: &str = "$corridor_sim::Located";
const LOCATED_LOC: &str = "$loc";
const LOCATED_VALUE: &str = "$value";

/// A value and the location it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// Where the value is written.
    pub loc: Loc,
    /// The value.
    pub value: T,
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Located<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a located value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let key: Option<&str> = map.next_key()?;
                if key != Some(LOCATED_LOC) {
                    return Err(de::Error::custom("located values need the scenario loader"));
                }
                let (file, start, end): (u32, u32, u32) = map.next_value()?;
                let _: Option<&str> = map.next_key()?;
                let value = map.next_value()?;
                Ok(Located {
                    loc: Loc {
                        file: FileId(file),
                        start,
                        end,
                    },
                    value,
                })
            }
        }
        d.deserialize_struct(LOCATED_NAME, &[LOCATED_LOC, LOCATED_VALUE], V(PhantomData))
    }
}

struct NodeDeserializer<'de> {
    node: &'de Node,
}

impl<'de> NodeDeserializer<'de> {
    fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Str(s) => visitor.visit_borrowed_str(s),
            NodeKind::Int(i) => match (i64::try_from(*i), u64::try_from(*i)) {
                (Ok(i), _) => visitor.visit_i64(i),
                (_, Ok(u)) => visitor.visit_u64(u),
                _ => visitor.visit_i128(*i),
            },
            NodeKind::Float(x) => visitor.visit_f64(*x),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Datetime(s) => Err(de::Error::custom(format!(
                "invalid type: date-time `{s}` (no scenario field takes a date; quote it to make it text)"
            ))),
            NodeKind::Array(items) => visitor.visit_seq(ArrayAccess {
                items: items.iter().enumerate(),
            }),
            NodeKind::Table(t) => visitor.visit_map(TableAccess {
                entries: t.entries.iter(),
                pending: None,
            }),
        }
    }
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let loc = self.node.loc;
        self.any(visitor).map_err(|e| e.or_loc(loc))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let loc = self.node.loc;
        match &self.node.kind {
            NodeKind::Str(s) => visitor.visit_enum(BorrowedStrDeserializer::<DeError>::new(s)),
            other => Err(de::Error::custom(format!(
                "invalid type: {}, expected a string",
                other.type_name()
            ))),
        }
        .map_err(|e| e.or_loc(loc))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let loc = self.node.loc;
        if name == LOCATED_NAME {
            return visitor.visit_map(LocatedAccess {
                node: self.node,
                state: 0,
            });
        }
        self.any(visitor).map_err(|e| e.or_loc(loc))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct TableDeserializer<'de> {
    table: &'de Table,
    loc: Loc,
}

impl<'de> Deserializer<'de> for TableDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor
            .visit_map(TableAccess {
                entries: self.table.entries.iter(),
                pending: None,
            })
            .map_err(|e| e.or_loc(self.loc))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
        option newtype_struct enum struct
    }
}

struct ArrayAccess<'de> {
    items: std::iter::Enumerate<std::slice::Iter<'de, Node>>,
}

impl<'de> SeqAccess<'de> for ArrayAccess<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some((i, node)) => seed
                .deserialize(NodeDeserializer { node })
                .map(Some)
                .map_err(|e| e.or_loc(node.loc).in_field(format!("[{i}]"))),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct TableAccess<'de> {
    entries: std::slice::Iter<'de, super::node::Entry>,
    pending: Option<&'de super::node::Entry>,
}

impl<'de> MapAccess<'de> for TableAccess<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            None => Ok(None),
            Some(entry) => {
                self.pending = Some(entry);
                seed.deserialize(BorrowedStrDeserializer::<DeError>::new(&entry.key))
                    .map(Some)
                    .map_err(|e| e.or_loc(entry.key_loc))
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let entry = self
            .pending
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("value requested before key"))?;
        seed.deserialize(NodeDeserializer { node: &entry.value })
            .map_err(|e| e.or_loc(entry.value.loc).in_field(entry.key.clone()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct LocatedAccess<'de> {
    node: &'de Node,
    state: u8,
}

impl<'de> MapAccess<'de> for LocatedAccess<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let key = match self.state {
            0 => LOCATED_LOC,
            1 => LOCATED_VALUE,
            _ => return Ok(None),
        };
        seed.deserialize(BorrowedStrDeserializer::<DeError>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        self.state += 1;
        if self.state == 1 {
            let l = self.node.loc;
            let parts = [l.file.0, l.start, l.end];
            seed.deserialize(SeqDeserializer::<_, DeError>::new(
                parts.into_iter().map(IntoDeserializer::into_deserializer),
            ))
        } else {
            seed.deserialize(NodeDeserializer { node: self.node })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::parse;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        servers: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: Located<String>,
        inner: Option<Inner>,
        xs: Vec<f64>,
    }

    fn table(text: &str) -> Table {
        parse(FileId(0), text).unwrap()
    }

    fn loc0() -> Loc {
        Loc {
            file: FileId(0),
            start: 0,
            end: 0,
        }
    }

    #[test]
    fn located_values_know_where_they_are() {
        let text = "name = \"x\"\nxs = [1, 2.5]\n";
        let t = table(text);
        let o: Outer = from_table(&t, loc0()).unwrap();
        assert_eq!(o.name.value, "x");
        assert_eq!(
            &text[o.name.loc.start as usize..o.name.loc.end as usize],
            "\"x\""
        );
        assert_eq!(o.xs, vec![1.0, 2.5]);
        assert!(o.inner.is_none());
        let t = table("name = \"x\"\nxs = []\ninner = { servers = 3 }\n");
        let o: Outer = from_table(&t, loc0()).unwrap();
        assert_eq!(o.inner.map(|i| i.servers), Some(3));
    }

    #[test]
    fn unknown_field_points_at_the_key_with_its_path() {
        let text = "name = \"x\"\nxs = []\n[inner]\nservers = 1\nservrs = 2\n";
        let t = table(text);
        let err = from_table::<Outer>(&t, loc0()).unwrap_err();
        let loc = err.loc.unwrap();
        assert_eq!(&text[loc.start as usize..loc.end as usize], "servrs");
        assert_eq!(err.field_path(), "inner");
        assert!(err.message.contains("unknown field `servrs`"), "{err}");
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let text = "name = \"x\"\nxs = [1, \"two\"]\n";
        let t = table(text);
        let err = from_table::<Outer>(&t, loc0()).unwrap_err();
        let loc = err.loc.unwrap();
        assert_eq!(&text[loc.start as usize..loc.end as usize], "\"two\"");
        assert_eq!(err.field_path(), "xs[1]");
    }

    #[test]
    fn negative_count_is_rejected() {
        let text = "name = \"x\"\nxs = []\ninner = { servers = -1 }\n";
        let t = table(text);
        let err = from_table::<Outer>(&t, loc0()).unwrap_err();
        assert_eq!(err.field_path(), "inner.servers");
        assert!(err.to_string().contains("-1"), "{err}");
    }

    #[test]
    fn missing_field_points_at_the_table() {
        let t = table("xs = []\n");
        let err = from_table::<Outer>(&t, loc0()).unwrap_err();
        assert!(err.message.contains("missing field `name`"), "{err}");
    }
}
