//! Reads the few fields classification needs from a JSON body in one pass, without building a
//! `serde_json::Value`: the rest of the document is checked for syntax and skipped, and text is
//! borrowed from the body where it has no escapes.
//!
//! Fields are named by JSON pointers whose segments are literal object keys (no `~` escapes, no
//! array indices), such as `/case/guid`, at most [`MAX_POINTERS`] per read. A key that appears
//! twice counts as its last value, as when parsing into a `Value`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{checked_text, ClassifyError, MAX_ID_LEN};

/// The value found at a pointer, reduced to what classification looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    Null,
    Bool(bool),
    /// An integer, as text (`-3`, `18446744073709551615`).
    Integer(String),
    /// A number with a fraction or exponent, or too large for 64 bits.
    Float(f64),
    Text(Cow<'a, str>),
    Array,
    Object,
}

impl Field<'_> {
    /// The string, blank or not; `None` for a value of another type.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Field::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The number, integer or not; `None` for a value of another type.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Field::Integer(digits) => digits.parse().ok(),
            Field::Float(value) => Some(*value),
            _ => None,
        }
    }
}

/// The most pointers one read looks for: each is a bit of a [`Set`].
pub const MAX_POINTERS: usize = 64;

/// A set of pointers, by their index in the list read: what the reader tracks at every value
/// on the way, without allocating.
type Set = u64;

/// The set of the first `count` indexes (all of them from [`MAX_POINTERS`] on).
fn first(count: usize) -> Set {
    match u32::try_from(count) {
        Ok(count) if count < Set::BITS => (1 << count) - 1,
        _ => Set::MAX,
    }
}

/// The indexes in `set`, lowest first.
fn indexes(mut set: Set) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if set == 0 {
            return None;
        }
        let index = set.trailing_zeros() as usize;
        set &= set - 1;
        Some(index)
    })
}

/// The fields of one body at the pointers a vendor asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields<'a> {
    pointers: &'a [&'a str],
    values: Vec<Option<Field<'a>>>,
}

impl<'a> Fields<'a> {
    /// Reads `pointers` from `body`, which must be one JSON object and nothing else:
    /// [`ClassifyError::NotJson`] if it is not JSON, [`ClassifyError::Shape`] if it is not an
    /// object. Only the first [`MAX_POINTERS`] of `pointers` are looked for.
    pub fn read(body: &'a str, pointers: &'a [&'a str]) -> Result<Self, ClassifyError> {
        debug_assert!(pointers.len() <= MAX_POINTERS, "too many pointers");
        let mut values = vec![None; pointers.len()];
        let mut deserializer = serde_json::Deserializer::from_str(body);
        let root = ValueSeed {
            pointers,
            captures: 0,
            children: first(pointers.len()),
            depth: 0,
            values: &mut values,
        }
        .deserialize(&mut deserializer)
        .map_err(|error| ClassifyError::from_json(&error))?;
        deserializer
            .end()
            .map_err(|error| ClassifyError::from_json(&error))?;
        if root != Kind::Object {
            return Err(ClassifyError::Shape);
        }
        Ok(Self { pointers, values })
    }

    /// The value at `pointer`; `None` when the body has none there. `pointer` must be one of
    /// those the body was read for.
    pub fn get(&self, pointer: &str) -> Option<&Field<'a>> {
        let index = self.pointers.iter().position(|known| *known == pointer);
        debug_assert!(index.is_some(), "{pointer} was not read");
        self.values.get(index?)?.as_ref()
    }

    /// Whether the body has a value at `pointer`, `null` included.
    pub fn has(&self, pointer: &str) -> bool {
        self.get(pointer).is_some()
    }

    /// Whether the body has a value other than `null` at `pointer`.
    pub fn has_value(&self, pointer: &str) -> bool {
        self.get(pointer).is_some_and(|field| *field != Field::Null)
    }

    /// The string at `pointer`, blank or not; `None` when absent or not a string.
    pub fn str(&self, pointer: &str) -> Option<&str> {
        self.get(pointer)?.as_str()
    }

    /// The string or integer at `pointer`, as text; `None` when absent, null, blank or of
    /// another type.
    pub fn text(&self, pointer: &str) -> Option<String> {
        match self.get(pointer)? {
            Field::Text(text) if !text.trim().is_empty() => Some(text.to_string()),
            Field::Integer(digits) => Some(digits.clone()),
            _ => None,
        }
    }

    /// The identifier at `pointer`, which classification requires: missing is
    /// [`ClassifyError::MissingField`] naming `field`, and it must pass [`checked_text`].
    pub fn required_id(&self, pointer: &str, field: &'static str) -> Result<String, ClassifyError> {
        let id = self
            .text(pointer)
            .ok_or_else(|| ClassifyError::MissingField(field.to_string()))?;
        checked_text(field, &id, MAX_ID_LEN)?;
        Ok(id)
    }

    /// The RFC 3339 time at `pointer`, if there is one that parses. A time that does not parse
    /// is left out rather than refused: the event matters more than its timestamp.
    pub fn time(&self, pointer: &str) -> Option<time::OffsetDateTime> {
        time::OffsetDateTime::parse(
            self.str(pointer)?,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
    }

    /// The first of `pointers` that holds a time.
    pub fn first_time(&self, pointers: &[&str]) -> Option<time::OffsetDateTime> {
        pointers.iter().find_map(|pointer| self.time(pointer))
    }
}

/// What a value was, for the caller of [`ValueSeed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Other,
}

/// Reads one value: records it at `captures`, the pointers that end here, and looks inside it
/// for `children`, the pointers that continue below it. Every pointer on the way to a value
/// starts with the same `depth` bytes (the path to it); what follows starts with `/`.
struct ValueSeed<'v, 'a> {
    pointers: &'a [&'a str],
    captures: Set,
    children: Set,
    depth: usize,
    values: &'v mut [Option<Field<'a>>],
}

/// Stores the field made by `field` at every index in `captures`; makes nothing if there is
/// none.
fn record<'a>(
    values: &mut [Option<Field<'a>>],
    captures: Set,
    field: impl FnOnce() -> Field<'a>,
) -> Kind {
    if captures != 0 {
        let field = field();
        let last = Set::BITS - 1 - captures.leading_zeros();
        for index in indexes(captures & !(1 << last)) {
            values[index] = Some(field.clone());
        }
        values[last as usize] = Some(field);
    }
    Kind::Other
}

impl<'a> ValueSeed<'_, 'a> {
    fn record(self, field: impl FnOnce() -> Field<'a>) -> Kind {
        record(self.values, self.captures, field)
    }
}

/// Reads an object key and works out which of `children` it continues: those it ends
/// (captures) and those that go on below it (grandchildren).
struct KeySeed<'p> {
    pointers: &'p [&'p str],
    children: Set,
    depth: usize,
}

/// What a key of an object continues: see [`KeySeed`].
struct Split {
    captures: Set,
    grandchildren: Set,
    /// The grandchildren's depth below the key: `/<key>` more.
    depth: usize,
}

impl KeySeed<'_> {
    fn split(&self, key: &str) -> Split {
        let mut split = Split {
            captures: 0,
            grandchildren: 0,
            depth: self.depth + 1 + key.len(),
        };
        for index in indexes(self.children) {
            // The pointer's next segment is `key` when the rest starts with `/<key>` and goes on
            // with `/` or ends. This runs for every key of every object on the way to a pointer,
            // and nearly every key differs: the byte after where the key would end and the first
            // byte tell most apart before the text is compared.
            let rest = self.pointers[index].get(self.depth..).unwrap_or_default();
            let below = rest.strip_prefix('/').unwrap_or(rest);
            let bytes = below.as_bytes();
            if !matches!(bytes.get(key.len()), None | Some(b'/'))
                || bytes.first() != key.as_bytes().first()
            {
                continue;
            }
            let Some(further) = below.strip_prefix(key) else {
                continue;
            };
            if further.is_empty() {
                split.captures |= 1 << index;
            } else if further.starts_with('/') {
                split.grandchildren |= 1 << index;
            }
        }
        let matched = split.captures != 0 || split.grandchildren != 0;
        if matched && key.as_bytes().contains(&b'/') {
            // No segment holds `/`: a key with one matches no pointer (`b/c` is not `/b/c`).
            return Split {
                captures: 0,
                grandchildren: 0,
                ..split
            };
        }
        split
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Split;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Split;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.split(key))
    }
}

impl<'de, 'v> DeserializeSeed<'de> for ValueSeed<'v, 'de> {
    type Value = Kind;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kind, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'v> Visitor<'de> for ValueSeed<'v, 'de> {
    type Value = Kind;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Kind, E> {
        Ok(self.record(|| Field::Null))
    }

    fn visit_none<E>(self) -> Result<Kind, E> {
        Ok(self.record(|| Field::Null))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Kind, E> {
        Ok(self.record(|| Field::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Kind, E> {
        Ok(self.record(|| Field::Integer(value.to_string())))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Kind, E> {
        Ok(self.record(|| Field::Integer(value.to_string())))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Kind, E> {
        Ok(self.record(|| Field::Float(value)))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Kind, E> {
        Ok(self.record(|| Field::Text(Cow::Borrowed(value))))
    }

    fn visit_str<E>(self, value: &str) -> Result<Kind, E> {
        Ok(self.record(|| Field::Text(Cow::Owned(value.to_owned()))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        self.record(|| Field::Array);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Kind::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let ValueSeed {
            pointers,
            captures,
            children,
            depth,
            values,
        } = self;
        record(values, captures, || Field::Object);
        while let Some(key) = map.next_key_seed(KeySeed {
            pointers,
            children,
            depth,
        })? {
            // A repeated key replaces what an earlier one held below it, as in a `Value`.
            for index in indexes(key.grandchildren) {
                values[index] = None;
            }
            if key.captures == 0 && key.grandchildren == 0 {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(ValueSeed {
                    pointers,
                    captures: key.captures,
                    children: key.grandchildren,
                    depth: key.depth,
                    values: &mut *values,
                })?;
            }
        }
        Ok(Kind::Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POINTERS: &[&str] = &[
        "/id",
        "/name",
        "/case",
        "/case/guid",
        "/case/owner/id",
        "/files",
        "/confirmedAt",
        "/amount",
        "/paid",
        "/a/b",
    ];

    fn read(body: &str) -> Fields<'_> {
        Fields::read(body, POINTERS).unwrap()
    }

    #[test]
    fn reads_scalars_nested_values_and_kinds() {
        let body = r#"{"id": 17, "name": "Ann \"A\"", "case": {"guid": "g-1", "owner": {"id": -4}},
            "files": [{"id": 1}], "confirmedAt": null, "amount": 1.5, "paid": true, "other": {"id": 9}}"#;
        let fields = read(body);
        assert_eq!(fields.get("/id"), Some(&Field::Integer("17".into())));
        assert_eq!(fields.text("/id").as_deref(), Some("17"));
        assert_eq!(fields.str("/name"), Some("Ann \"A\""));
        assert_eq!(fields.get("/case"), Some(&Field::Object));
        assert_eq!(fields.text("/case/guid").as_deref(), Some("g-1"));
        assert_eq!(fields.text("/case/owner/id").as_deref(), Some("-4"));
        assert_eq!(fields.get("/files"), Some(&Field::Array));
        assert!(fields.has("/confirmedAt"));
        assert!(!fields.has_value("/confirmedAt"));
        assert_eq!(fields.get("/amount"), Some(&Field::Float(1.5)));
        assert_eq!(fields.text("/amount"), None);
        assert_eq!(fields.get("/paid"), Some(&Field::Bool(true)));
        assert!(!fields.has("/a/b"));
    }

    #[test]
    fn reads_as_many_pointers_as_a_set_holds_and_none() {
        let keys: Vec<String> = (0..MAX_POINTERS).map(|n| format!("k{n}")).collect();
        let pointers: &'static [&'static str] = Vec::leak(
            keys.iter()
                .map(|key| &*String::leak(format!("/{key}")))
                .collect(),
        );
        let body = serde_json::to_string(
            &keys
                .iter()
                .enumerate()
                .map(|(n, key)| (key.clone(), serde_json::Value::from(n)))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
        )
        .unwrap();
        let fields = Fields::read(&body, pointers).unwrap();
        for (n, pointer) in pointers.iter().enumerate() {
            assert_eq!(fields.text(pointer), Some(n.to_string()), "{pointer}");
        }
        assert!(Fields::read(&body, &[]).is_ok());
    }

    #[test]
    fn text_without_escapes_is_borrowed_from_the_body() {
        let fields = read(r#"{"name": "plain", "case": {"guid": "with \u00e9scape"}}"#);
        assert!(matches!(
            fields.get("/name"),
            Some(Field::Text(Cow::Borrowed("plain")))
        ));
        assert_eq!(fields.str("/case/guid"), Some("with éscape"));
    }

    #[test]
    fn a_repeated_key_counts_as_its_last_value() {
        let fields = read(r#"{"id": 1, "case": {"guid": "x"}, "id": "two", "case": 5}"#);
        assert_eq!(fields.text("/id").as_deref(), Some("two"));
        assert_eq!(fields.get("/case"), Some(&Field::Integer("5".into())));
        assert!(!fields.has("/case/guid"), "the later `case` has no guid");
    }

    #[test]
    fn a_pointer_through_a_non_object_finds_nothing() {
        let fields = read(r#"{"case": "guid", "a": [{"b": 1}]}"#);
        assert!(!fields.has("/case/guid"));
        assert!(!fields.has("/a/b"));
    }

    #[test]
    fn blank_text_is_no_text_and_times_parse_or_are_left_out() {
        let fields = Fields::read(
            r#"{"id": "  ", "at": "2026-11-23T12:00:00Z", "bad": "yesterday"}"#,
            &["/id", "/at", "/bad"],
        )
        .unwrap();
        assert_eq!(fields.text("/id"), None);
        assert_eq!(
            fields.first_time(&["/bad", "/at"]),
            Some(time::macros::datetime!(2026-11-23 12:00:00 UTC))
        );
        assert_eq!(fields.time("/bad"), None);
        assert!(matches!(
            fields.required_id("/id", "id"),
            Err(ClassifyError::MissingField(_))
        ));
    }

    #[test]
    fn only_one_json_object_is_accepted() {
        for not_json in ["", "{", r#"{"id": 1} x"#, r#"{"id": 01}"#, r#"{"a": "\q"}"#] {
            assert_eq!(
                Fields::read(not_json, POINTERS),
                Err(ClassifyError::NotJson),
                "{not_json:?}"
            );
        }
        for not_object in ["[]", "1", "\"id\"", "null"] {
            assert_eq!(
                Fields::read(not_object, POINTERS),
                Err(ClassifyError::Shape),
                "{not_object:?}"
            );
        }
        assert!(Fields::read(" {} \n", POINTERS).is_ok());
    }

    mod agrees_with_value {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        const KEYS: &[&str] = &["id", "case", "a", "b", "c", "b/c", "i"];
        const POINTERS: &[&str] = &[
            "/id",
            "/case",
            "/case/id",
            "/case/a/id",
            "/a",
            "/a/case",
            "/b/c",
            "/i",
        ];

        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                (-1e6f64..1e6).prop_map(Value::from),
                "[ a-z\\\"\u{e9}\u{1F600}\n]{0,6}".prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 32, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(
                        |entries| Value::Object(
                            entries
                                .into_iter()
                                .map(|(key, value)| (key.to_string(), value))
                                .collect()
                        )
                    ),
                ]
            })
        }

        fn expected(value: &Value) -> Field<'static> {
            match value {
                Value::Null => Field::Null,
                Value::Bool(b) => Field::Bool(*b),
                Value::Number(n) if n.is_i64() || n.is_u64() => Field::Integer(n.to_string()),
                Value::Number(n) => Field::Float(n.as_f64().unwrap_or_default()),
                Value::String(s) => Field::Text(Cow::Owned(s.clone())),
                Value::Array(_) => Field::Array,
                Value::Object(_) => Field::Object,
            }
        }

        proptest! {
            #[test]
            fn every_pointer_reads_what_a_value_holds(
                entries in prop::collection::vec((prop::sample::select(KEYS), json()), 0..6)
            ) {
                // Written by hand so that keys may repeat, which a `Value` cannot hold.
                let body = format!(
                    "{{{}}}",
                    entries
                        .iter()
                        .map(|(key, value)| format!("{}:{value}", Value::from(*key)))
                        .collect::<Vec<_>>()
                        .join(",")
                );
                let value: Value = serde_json::from_str(&body).unwrap();
                let fields = Fields::read(&body, POINTERS).unwrap();
                for pointer in POINTERS {
                    prop_assert_eq!(
                        fields.get(pointer).cloned(),
                        value.pointer(pointer).map(expected),
                        "{} in {}", pointer, body
                    );
                }
            }
        }
    }
}
