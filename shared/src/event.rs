//! The normalised event: what a vendor module classifies a delivery into, what is claimed in the
//! store, and the SQS envelope consumers receive with the vendor's payload embedded verbatim.

use std::borrow::Cow;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
pub use webhook_events::{Envelope, ENVELOPE_VERSION};

use crate::digest::{hex, sha256_hex};
use crate::limits;

/// What classification extracts from a verified body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The routing key, e.g. `sales_order.updated`.
    pub event_type: String,
    /// Two deliveries share it only if they are the same event (see the README's table).
    pub dedupe_key: String,
    /// When the vendor says the event happened, if it says.
    pub occurred_at: Option<OffsetDateTime>,
    /// The entity the event is about (`sales_order:1442`), for FIFO ordering; `None` when the
    /// payload names none, and then the vendor's events share one group.
    pub entity: Option<String>,
    /// The vendor account that sent the event (Revo `tenant`, CycleSoftware `account_id`, Wayke
    /// branch), when the delivery says; consumers filter on it.
    pub account: Option<String>,
    /// The payload consumers receive ([`crate::vendors::Vendor::published_payload`] of the
    /// body), when a vendor that publishes something other than the body as received makes it
    /// while classifying, so that the body is read once (Revo Xef's normalised JSON); `None`
    /// leaves it to `published_payload`.
    pub published: Option<String>,
}

/// A claimed event: everything needed to publish it, now or again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable identifier of the event, derived from vendor and dedupe key: every publication of
    /// the same event carries the same `id`, so consumers can drop repeats.
    pub id: String,
    pub vendor: String,
    pub event_type: String,
    pub dedupe_key: String,
    /// RFC 3339, when the first delivery was received.
    pub received_at: String,
    /// RFC 3339, when the vendor says it happened.
    pub occurred_at: Option<String>,
    /// The vendor account that sent the event, when known.
    pub account: Option<String>,
    /// FIFO `MessageGroupId`: the vendor and, where known, the entity, within SQS's rules
    /// ([`limits::group_id`]).
    pub message_group: String,
    /// The verified body, exactly as received (and stored); consumers receive
    /// [`crate::vendors::published_payload`] of it.
    pub payload: String,
}

impl Event {
    /// Builds the event of a classified delivery received at `received_at`.
    pub fn new(
        vendor: &str,
        classified: &Classified,
        received_at: OffsetDateTime,
        payload: String,
    ) -> Self {
        let dedupe_key = limits::dedupe_key(&classified.dedupe_key);
        Self {
            id: event_id(vendor, &dedupe_key),
            vendor: vendor.to_string(),
            event_type: classified.event_type.clone(),
            dedupe_key,
            received_at: rfc3339(received_at),
            occurred_at: classified.occurred_at.map(rfc3339),
            message_group: limits::group_id(vendor, classified.entity.as_deref()),
            account: classified.account.clone(),
            payload,
        }
    }

    /// The store's partition key: `<vendor>#<dedupe key>`.
    pub fn pk(&self) -> String {
        partition_key(&self.vendor, &self.dedupe_key)
    }

    /// FIFO `MessageDeduplicationId`: hex SHA-256 of the partition key (64 characters, within
    /// SQS's 128 and its alphabet whatever the dedupe key contains).
    pub fn deduplication_id(&self) -> String {
        sha256_hex(self.pk().as_bytes())
    }

    /// The SQS message body: [`Envelope`] (`{"version","id","vendor","account","eventType",
    /// "dedupeKey","receivedAt","occurredAt","payload"}`), the type consumers read it with,
    /// whose `payload` is what the vendor publishes for the stored body
    /// ([`crate::vendors::published_payload`]: the vendor's JSON byte for byte, Revo Xef's
    /// normalised). A payload that is not JSON (never stored: a body is stored only once its
    /// vendor classified it) is published as a JSON string, so that the message stays valid.
    pub fn envelope(&self) -> String {
        let payload = crate::vendors::published_payload(&self.vendor, &self.payload);
        match serde_json::from_str::<&RawValue>(&payload) {
            Ok(_) => self.envelope_with(&payload),
            Err(_) => self.envelope_with(string_payload(&payload).get()),
        }
    }

    /// The envelope with `payload` written in as it is, unchecked: the published payload of a
    /// body its vendor has just classified, which the [`crate::vendors::Vendor`] contract makes
    /// JSON, and which classification parsed in full already.
    pub fn envelope_with(&self, payload: &str) -> String {
        Envelope {
            version: ENVELOPE_VERSION,
            id: Cow::Borrowed(&self.id),
            vendor: Cow::Borrowed(&self.vendor),
            account: self.account.as_deref().map(Cow::Borrowed),
            event_type: Cow::Borrowed(&self.event_type),
            dedupe_key: Cow::Borrowed(&self.dedupe_key),
            received_at: Cow::Borrowed(&self.received_at),
            occurred_at: self.occurred_at.as_deref().map(Cow::Borrowed),
            payload: Cow::Borrowed(RawValue::NULL),
        }
        .to_json_with_payload(payload)
    }
}

/// Text that is not JSON as a JSON string.
fn string_payload(text: &str) -> Box<RawValue> {
    // Serialising a string cannot fail; `null` is never reached.
    serde_json::value::to_raw_value(text).unwrap_or_default()
}

/// `<vendor>#<dedupe key>`, the partition key of a claim.
pub fn partition_key(vendor: &str, dedupe_key: &str) -> String {
    [vendor, "#", dedupe_key].concat()
}

/// Hex SHA-256 of a body: stored with its claim to tell a redelivery from a reused id, and the
/// dedupe key of vendors without an event id.
pub fn body_digest(body: &[u8]) -> String {
    sha256_hex(body)
}

/// RFC 3339 in UTC with exactly three fractional digits, as stored and published: one width
/// for every time, so that stored times sort as text (the receipt index relies on it). Written
/// digit by digit: it runs twice for every event.
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let Ok(year) = u32::try_from(at.year()) else {
        return fallback_rfc3339(at);
    };
    if year > 9999 {
        return fallback_rfc3339(at);
    }
    let mut text = String::with_capacity(24);
    push_digits(&mut text, year, 4);
    text.push('-');
    push_digits(&mut text, u32::from(u8::from(at.month())), 2);
    text.push('-');
    push_digits(&mut text, u32::from(at.day()), 2);
    text.push('T');
    push_digits(&mut text, u32::from(at.hour()), 2);
    text.push(':');
    push_digits(&mut text, u32::from(at.minute()), 2);
    text.push(':');
    push_digits(&mut text, u32::from(at.second()), 2);
    text.push('.');
    push_digits(&mut text, u32::from(at.millisecond()), 3);
    text.push('Z');
    text
}

/// Years the fixed width cannot hold: plain RFC 3339, or the Unix time if even that fails.
fn fallback_rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// `value` in decimal, zero-padded to `width` digits (the lowest `width` digits if longer).
fn push_digits(text: &mut String, value: u32, width: u32) {
    for position in (0..width).rev() {
        let digit = (value / 10u32.pow(position)) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

/// The event id: the first 16 bytes of SHA-256(`<vendor>#<dedupe key>`) in UUID form (version 8,
/// "custom", RFC 9562), so it is the same for every delivery and publication of one event.
pub fn event_id(vendor: &str, dedupe_key: &str) -> String {
    let digest = Sha256::digest(partition_key(vendor, dedupe_key).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex(&bytes);
    [
        &hex[0..8],
        "-",
        &hex[8..12],
        "-",
        &hex[12..16],
        "-",
        &hex[16..20],
        "-",
        &hex[20..32],
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn classified(key: &str) -> Classified {
        Classified {
            event_type: "sales_order.updated".into(),
            dedupe_key: key.into(),
            occurred_at: Some(datetime!(2022-04-20 10:29:23.309 UTC)),
            entity: Some("sales_order:1442".into()),
            account: Some("shop-7".into()),
            published: None,
        }
    }

    #[test]
    fn the_envelope_embeds_the_payload_byte_for_byte() {
        let payload = "{ \"b\" : 1.50,\n  \"a\":\"\\u00e9\" }";
        let event = Event::new(
            "cyclesoftware",
            &classified("k1"),
            datetime!(2026-11-23 12:00:00 UTC),
            payload.into(),
        );
        let envelope = event.envelope();
        assert!(
            envelope.ends_with(&format!("\"payload\":{payload}}}")),
            "{envelope}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&envelope).unwrap();
        assert_eq!(parsed["version"], 1);
        assert_eq!(parsed["id"], event.id.as_str());
        assert_eq!(parsed["account"], "shop-7");
        assert_eq!(parsed["vendor"], "cyclesoftware");
        assert_eq!(parsed["eventType"], "sales_order.updated");
        assert_eq!(parsed["dedupeKey"], "k1");
        assert_eq!(parsed["receivedAt"], "2026-11-23T12:00:00.000Z");
        assert_eq!(parsed["occurredAt"], "2022-04-20T10:29:23.309Z");
        assert_eq!(parsed["payload"]["b"], 1.5);
        assert_eq!(parsed.as_object().unwrap().len(), 9);
    }

    #[test]
    fn occurred_at_and_account_are_null_when_unknown() {
        let mut c = classified("k1");
        c.occurred_at = None;
        c.account = None;
        let event = Event::new("v", &c, datetime!(2026-11-23 12:00:00 UTC), "[]".into());
        let parsed: serde_json::Value = serde_json::from_str(&event.envelope()).unwrap();
        assert!(parsed["occurredAt"].is_null());
        assert!(parsed["account"].is_null());
        assert_eq!(parsed["payload"], serde_json::json!([]));
    }

    #[test]
    fn consumers_read_the_envelope_with_the_type_that_wrote_it() {
        let event = Event::new(
            "wayke",
            &classified("k1"),
            datetime!(2026-11-23 12:00:00 UTC),
            "\n {\"id\":\"7\",\"orderNumber\":\"A-1\"}\r\n".into(),
        );
        let body = event.envelope();
        assert!(
            body.ends_with("\"payload\":{\"id\":\"7\",\"orderNumber\":\"A-1\"}}"),
            "{body}"
        );
        let read = Envelope::from_json(&body).unwrap();
        assert_eq!(read.id, event.id);
        assert_eq!(read.account.as_deref(), Some("shop-7"));
        assert_eq!(
            read.occurred_at.as_deref(),
            Some("2022-04-20T10:29:23.309Z")
        );
        let webhook_events::VendorEvent::Wayke(webhook_events::wayke::Event::Other(_)) =
            read.typed().unwrap()
        else {
            panic!("sales_order.updated is no Wayke type");
        };
    }

    #[test]
    fn a_payload_that_is_not_json_is_published_as_a_string() {
        let event = Event::new(
            "acme",
            &classified("k1"),
            datetime!(2026-11-23 12:00:00 UTC),
            "a=1&b".into(),
        );
        let parsed: serde_json::Value = serde_json::from_str(&event.envelope()).unwrap();
        assert_eq!(parsed["payload"], "a=1&b");
    }

    #[test]
    fn the_id_depends_only_on_vendor_and_key() {
        let at = datetime!(2026-11-23 12:00:00 UTC);
        let a = Event::new("v", &classified("k1"), at, "{}".into());
        let b = Event::new(
            "v",
            &classified("k1"),
            at + time::Duration::hours(1),
            "{\"x\":1}".into(),
        );
        let c = Event::new("v", &classified("k2"), at, "{}".into());
        let d = Event::new("w", &classified("k1"), at, "{}".into());
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert_ne!(a.id, d.id);
        assert_eq!(a.id.len(), 36);
        assert_eq!(&a.id[14..15], "8", "version nibble");
    }

    #[test]
    fn pk_group_and_deduplication_id() {
        let event = Event::new(
            "cyclesoftware",
            &classified("abc"),
            datetime!(2026-11-23 12:00:00 UTC),
            "{}".into(),
        );
        assert_eq!(event.pk(), "cyclesoftware#abc");
        assert_eq!(event.message_group, "cyclesoftware:sales_order:1442");
        assert_eq!(event.deduplication_id(), body_digest(b"cyclesoftware#abc"));
        assert_eq!(event.deduplication_id().len(), 64);
        let mut c = classified("abc");
        c.entity = None;
        let event = Event::new(
            "cyclesoftware",
            &c,
            datetime!(2026-11-23 12:00:00 UTC),
            "{}".into(),
        );
        assert_eq!(event.message_group, "cyclesoftware");
    }

    #[test]
    fn times_have_one_width_so_they_sort_as_text() {
        assert_eq!(
            rfc3339(datetime!(2026-11-23 12:00:00 UTC)),
            "2026-11-23T12:00:00.000Z"
        );
        assert_eq!(
            rfc3339(datetime!(2023-06-05 08:11:25.9751982 UTC)),
            "2023-06-05T08:11:25.975Z"
        );
        assert_eq!(
            rfc3339(datetime!(2026-11-23 13:00:00 +01:00)),
            "2026-11-23T12:00:00.000Z"
        );
        assert!(
            rfc3339(datetime!(2026-11-23 12:00:00.5 UTC))
                > rfc3339(datetime!(2026-11-23 12:00:00 UTC))
        );
    }

    #[test]
    fn body_digest_is_sha256_hex() {
        assert_eq!(
            body_digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    proptest::proptest! {
        #[test]
        fn rfc3339_writes_what_the_time_crate_would(
            seconds in -62_167_219_200i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            offset_minutes in -1439i32..1439,
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                + time::Duration::nanoseconds(i64::from(nanos));
            let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
            let utc = at.to_offset(time::UtcOffset::UTC);
            let expected = utc
                .format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
                ))
                .unwrap();
            // Only where the shifted time stays in range, as `to_offset` requires.
            if let Some(shifted) = at.checked_to_offset(offset) {
                proptest::prop_assert_eq!(rfc3339(shifted), expected.clone());
            }
            proptest::prop_assert_eq!(rfc3339(at), expected);
        }
    }
}
