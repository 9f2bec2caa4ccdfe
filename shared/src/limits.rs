//! What AWS refuses, bounded before any call: every value derived from a body is brought within
//! SQS's and DynamoDB's rules here, so bad luck in a payload can never turn into a call that
//! fails on every attempt.
//!
//! - SQS accepts only `#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF` in a
//!   message body and in string attribute values; values must not be empty; body and attributes
//!   together are at most 1 MiB.
//! - A FIFO `MessageGroupId` is 1 to 128 ASCII letters, digits and punctuation.
//! - A DynamoDB item is at most 400 KB; a payload is stored compressed past
//!   [`INLINE_PAYLOAD_LIMIT`] and refused past [`MAX_STORED_PAYLOAD`].

use std::borrow::Cow;

/// The most an SQS message may take: body, attribute names, types and values together.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The longest FIFO `MessageGroupId`.
pub const MAX_GROUP_ID_LEN: usize = 128;
/// Payloads up to this size are stored as text; larger ones gzip-compressed.
pub const INLINE_PAYLOAD_LIMIT: usize = 300 * 1024;
/// The most bytes a payload may take as stored, compressed or not: DynamoDB's 400 KB item less
/// room for the claim's other attributes (each of them bounded here or by the vendor modules).
pub const MAX_STORED_PAYLOAD: usize = 380 * 1024;
/// DynamoDB's largest item: attribute names and values together.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// The longest dedupe key kept as it is: with the vendor it makes the partition key, which
/// DynamoDB bounds at 2048 bytes, and it is repeated in the item and the envelope.
pub const MAX_DEDUPE_KEY_LEN: usize = 1024;
/// Prefix of the digest form of a value that could not be used as it is.
pub const DIGEST_PREFIX: &str = "sha256:";

/// Whether SQS accepts `c` in a message body or string attribute.
pub fn sqs_accepts(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `json` with every character SQS refuses written as a JSON `\uXXXX` escape. Valid JSON can
/// hold such a character only inside a string (outside strings only space, tab, line feed and
/// carriage return may appear), where the escape stands for the same character: the document's
/// JSON value is unchanged. A document that needs no escape is returned as it is, byte for byte
/// and without a copy.
pub fn sqs_safe_json(json: String) -> String {
    let Some(first) = first_refused(&json, 0) else {
        return json;
    };
    let mut escaped = String::with_capacity(json.len() + 16);
    let mut copied = 0;
    let mut next = Some(first);
    while let Some(at) = next {
        escaped.push_str(&json[copied..at]);
        let refused = json[at..].chars().next().unwrap_or_default();
        // Every refused character is in the Basic Multilingual Plane: one escape each.
        escaped.push_str(&format!("\\u{:04x}", u32::from(refused)));
        copied = at + refused.len_utf8();
        next = first_refused(&json, copied);
    }
    escaped.push_str(&json[copied..]);
    escaped
}

/// The byte offset of the first character from `from` on that SQS refuses. In UTF-8 those are
/// the single bytes below 0x20 other than tab, line feed and carriage return, and U+FFFE and
/// U+FFFF (`EF BF BE`, `EF BF BF`); surrogates cannot occur in a `str`. It runs over every
/// message body, so it skips whole blocks that hold no refused control byte and no 0xEF, with a
/// branch-free test the compiler turns into vector instructions, and looks closer only into a
/// block that does.
fn first_refused(text: &str, from: usize) -> Option<usize> {
    const BLOCK: usize = 32;
    let bytes = text.as_bytes();
    let mut start = from;
    let mut blocks = bytes[from..].chunks_exact(BLOCK);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | suspect(b)) {
            if let Some(at) = refused_in(bytes, start, start + BLOCK) {
                return Some(at);
            }
        }
        start += BLOCK;
    }
    refused_in(bytes, start, bytes.len())
}

/// Whether `b` is a control byte SQS refuses, or 0xEF, the first byte of U+FFFE and U+FFFF.
/// Written with `&` and `|` instead of `&&` and `||`: no branch, so it vectorises.
#[inline(always)]
fn suspect(b: u8) -> bool {
    ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0xEF)
}

/// The first refused character starting in `bytes[start..end]`; the bytes after `end` complete
/// a character that starts before it.
fn refused_in(bytes: &[u8], start: usize, end: usize) -> Option<usize> {
    (start..end).find(|&i| match bytes[i] {
        0xEF => bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)),
        b => suspect(b),
    })
}

/// Whether SQS accepts every character of `text`.
pub fn sqs_accepts_text(text: &str) -> bool {
    first_refused(text, 0).is_none()
}

/// A string attribute value SQS accepts: `None` for an empty value (SQS refuses those, so the
/// attribute is left out), the value itself when SQS accepts every character of it, else its
/// digest form `sha256:<hex>`.
pub fn sqs_attribute(value: &str) -> Option<Cow<'_, str>> {
    if value.is_empty() {
        None
    } else if sqs_accepts_text(value) {
        Some(Cow::Borrowed(value))
    } else {
        Some(Cow::Owned(digest_form(value)))
    }
}

/// The FIFO `MessageGroupId` of `vendor`'s events about `entity`: `<vendor>:<entity>` when that
/// is a valid group id, else `<vendor>:sha256:<hex of entity>` (stable, so one entity always
/// has one group); `<vendor>` alone when there is no entity.
pub fn group_id(vendor: &str, entity: Option<&str>) -> String {
    let Some(entity) = entity else {
        return vendor.to_string();
    };
    let plain = [vendor, ":", entity].concat();
    if plain.len() <= MAX_GROUP_ID_LEN && plain.bytes().all(|b| b.is_ascii_graphic()) {
        plain
    } else {
        format!("{vendor}:{}", digest_form(entity))
    }
}

/// A dedupe key within [`MAX_DEDUPE_KEY_LEN`]: itself, or its digest form when longer (vendor
/// modules refuse over-long ids themselves; this bounds whatever a key is built from).
pub fn dedupe_key(key: &str) -> String {
    if key.len() <= MAX_DEDUPE_KEY_LEN {
        key.to_string()
    } else {
        digest_form(key)
    }
}

/// Whether `group` is a `MessageGroupId` SQS accepts.
pub fn is_valid_group_id(group: &str) -> bool {
    (1..=MAX_GROUP_ID_LEN).contains(&group.len()) && group.bytes().all(|b| b.is_ascii_graphic())
}

/// `sha256:<hex of value>`.
pub fn digest_form(value: &str) -> String {
    format!(
        "{DIGEST_PREFIX}{}",
        crate::digest::sha256_hex(value.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_sqs_refuses_are_exactly_those_outside_its_ranges() {
        for c in [
            '\t', '\n', '\r', ' ', 'é', '\u{D7FF}', '\u{E000}', '\u{FFFD}', '😀',
        ] {
            assert!(sqs_accepts(c), "{c:?}");
        }
        for c in ['\u{0}', '\u{8}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!sqs_accepts(c), "{c:?}");
        }
    }

    #[test]
    fn json_needing_no_escape_is_returned_byte_for_byte() {
        let json = "{ \"a\" : \"é\\uffff\",\n\t\"b\": [1, 2] }";
        let owned = json.to_string();
        let address = owned.as_ptr();
        let safe = sqs_safe_json(owned);
        assert_eq!(safe, json);
        assert_eq!(safe.as_ptr(), address, "returned without a copy");
    }

    #[test]
    fn refused_characters_are_escaped_and_the_value_is_unchanged() {
        let json = "{\"name\":\"a\u{FFFF}b\u{FFFE}\",\"n\":1}";
        let safe = sqs_safe_json(json.to_string());
        assert_eq!(safe, "{\"name\":\"a\\uffffb\\ufffe\",\"n\":1}");
        assert!(safe.chars().all(sqs_accepts));
        let original: serde_json::Value = serde_json::from_str(json).unwrap();
        let escaped: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(original, escaped);
    }

    #[test]
    fn group_ids_are_plain_when_valid_and_a_stable_digest_otherwise() {
        assert_eq!(group_id("revo-xef", None), "revo-xef");
        assert_eq!(group_id("revo-xef", Some("order:42")), "revo-xef:order:42");
        let long = "x".repeat(200);
        for entity in [long.as_str(), "order:4 2", "order:\u{FFFF}", "ordre:é"] {
            let group = group_id("revo-xef", Some(entity));
            assert!(is_valid_group_id(&group), "{group}");
            assert!(group.starts_with("revo-xef:sha256:"), "{group}");
            assert_eq!(group, group_id("revo-xef", Some(entity)), "stable");
        }
        assert_ne!(
            group_id("revo-xef", Some(&"x".repeat(200))),
            group_id("revo-xef", Some(&"x".repeat(201)))
        );
    }

    #[test]
    fn long_dedupe_keys_are_digested() {
        let fits = "k".repeat(MAX_DEDUPE_KEY_LEN);
        assert_eq!(dedupe_key(&fits), fits);
        let long = "k".repeat(MAX_DEDUPE_KEY_LEN + 1);
        assert_eq!(dedupe_key(&long), digest_form(&long));
    }

    #[test]
    fn attributes_are_left_out_when_empty_and_digested_when_refused() {
        assert_eq!(sqs_attribute(""), None);
        assert_eq!(sqs_attribute("shop 7").as_deref(), Some("shop 7"));
        let refused = sqs_attribute("shop\u{FFFF}").unwrap();
        assert_eq!(refused, digest_form("shop\u{FFFF}"));
        assert!(refused.chars().all(sqs_accepts));
    }

    proptest::proptest! {
        #[test]
        fn the_byte_scan_finds_what_the_character_rule_refuses(
            // The last form puts one refused character anywhere in a long text, across the
            // blocks the scan skips.
            text in "(?s).*|[\u{0}-\u{20}\u{FFF0}-\u{FFFF}a]*|[a\u{e9}\n]{0,100}[\u{0}-\u{1f}\u{FFFE}\u{FFFF}]?[a\u{FFFD}]{0,100}"
        ) {
            let expected = text.char_indices().find(|(_, c)| !sqs_accepts(*c)).map(|(at, _)| at);
            proptest::prop_assert_eq!(first_refused(&text, 0), expected);
        }

        #[test]
        fn escaping_keeps_any_json_string_value(text in "\\PC*|[\u{FFFE}\u{FFFF}a-z]*") {
            let json = serde_json::to_string(&serde_json::json!({ "v": text })).unwrap();
            let safe = sqs_safe_json(json);
            proptest::prop_assert!(safe.chars().all(sqs_accepts));
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            proptest::prop_assert_eq!(back["v"].as_str(), Some(text.as_str()));
        }
    }
}
