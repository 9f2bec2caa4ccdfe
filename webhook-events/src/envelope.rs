//! The SQS message body every webhook function writes and every consumer reads: one type for
//! both, so the two cannot drift apart.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Error, VendorEvent};

/// The envelope's `version`, and the only one this crate reads.
///
/// Compatibility rule: within a version, fields may be added to the envelope and to vendor
/// payloads (consumers ignore fields they do not know, as every type of this crate does), and
/// new vendors and event types may appear. A field is removed, renamed, or changes type or
/// meaning only with a new version.
pub const ENVELOPE_VERSION: u32 = 1;

/// Room for an envelope's fields besides the payload, names included: enough for typical ids,
/// keys and times, so that writing one rarely grows its buffer.
const ENVELOPE_FIELDS_CAPACITY: usize = 512;

/// The body of an SQS message: what happened, where it came from, and the vendor's payload.
///
/// The webhook functions build it with borrowed text ([`Cow::Borrowed`]) and write it with
/// [`Envelope::to_json`]; consumers read it with [`Envelope::from_json`], which owns its text.
/// `payload` is the vendor's JSON exactly as published; [`Envelope::typed`] reads it into the
/// vendor's typed model.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(
    title = "Envelope",
    description = "The body of every SQS message the webhook functions publish."
)]
pub struct Envelope<'a> {
    /// The envelope's version: 1, the `ENVELOPE_VERSION` of this crate.
    #[schemars(extend("const" = ENVELOPE_VERSION))]
    pub version: u32,
    /// Stable identifier of the event, derived from vendor and dedupe key (a UUID, version 8):
    /// every publication of one event carries the same `id`, so a consumer drops repeats by it.
    pub id: Cow<'a, str>,
    /// The vendor that sent the event: `cyclesoftware`, `wayke`, `service-order-hub`,
    /// `revo-xef`, or one added later.
    pub vendor: Cow<'a, str>,
    /// The vendor account that sent the event (Revo Xef `tenant`, CycleSoftware `account_id`,
    /// Wayke branch), or `null` when the delivery does not say.
    pub account: Option<Cow<'a, str>>,
    /// The event type, e.g. `sales_order.updated` or `new-order`.
    pub event_type: Cow<'a, str>,
    /// The key under which the event was deduplicated: two deliveries share it only if they are
    /// the same event.
    pub dedupe_key: Cow<'a, str>,
    /// When the first delivery of the event was received: RFC 3339, UTC, milliseconds.
    pub received_at: Cow<'a, str>,
    /// When the vendor says the event happened (RFC 3339, UTC, milliseconds), or `null` when it
    /// does not say.
    pub occurred_at: Option<Cow<'a, str>>,
    /// The vendor's JSON as received (Revo Xef's normalised to `{"tenant","event","data"}`).
    pub payload: Cow<'a, RawValue>,
}

/// Just the version, read when a body does not parse as an envelope of this version.
#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

impl Envelope<'_> {
    /// Reads an SQS message body. A body of another [`ENVELOPE_VERSION`] is
    /// [`Error::UnsupportedVersion`]; one that is not an envelope is [`Error::NotAnEnvelope`].
    /// Fields this crate does not know are ignored.
    pub fn from_json(body: &str) -> Result<Envelope<'static>, Error> {
        match serde_json::from_str::<Envelope<'static>>(body) {
            Ok(envelope) if envelope.version == ENVELOPE_VERSION => Ok(envelope),
            Ok(envelope) => Err(Error::UnsupportedVersion(envelope.version)),
            Err(error) => match serde_json::from_str::<VersionOnly>(body) {
                Ok(VersionOnly { version }) if version != ENVELOPE_VERSION => {
                    Err(Error::UnsupportedVersion(version))
                }
                _ => Err(Error::NotAnEnvelope(error)),
            },
        }
    }

    /// The envelope as JSON text, fields in declaration order, `payload` last and byte for byte.
    pub fn to_json(&self) -> String {
        // Sized for the payload and the other fields at once, so it is written without growing.
        let mut json = Vec::with_capacity(self.payload.get().len() + ENVELOPE_FIELDS_CAPACITY);
        // Cannot fail: every field is text, a number or JSON already checked by `RawValue`, and
        // the output is UTF-8. The empty string is never reached.
        if serde_json::to_writer(&mut json, self).is_err() {
            return String::new();
        }
        String::from_utf8(json).unwrap_or_default()
    }

    /// [`Envelope::to_json`] with `payload` written in place of [`Envelope::payload`] as it is,
    /// unchecked: for a producer whose payload is JSON by construction (it parsed every byte of
    /// it), spared parsing it again into a `RawValue`. The caller answers for `payload` being
    /// one JSON value.
    pub fn to_json_with_payload(&self, payload: &str) -> String {
        // The envelope with a `null` payload ends in `"payload":null}` (payload last); the
        // payload replaces that `null`.
        const NULL_TAIL: &[u8] = b"null}";
        let head = Envelope {
            payload: Cow::Borrowed(RawValue::NULL),
            ..self.clone()
        };
        let mut json = Vec::with_capacity(payload.len() + ENVELOPE_FIELDS_CAPACITY);
        // Cannot fail, as in `to_json`; were it to, the payload is checked after all.
        if serde_json::to_writer(&mut json, &head).is_err() || !json.ends_with(NULL_TAIL) {
            return match serde_json::from_str::<&RawValue>(payload) {
                Ok(raw) => Envelope {
                    payload: Cow::Borrowed(raw),
                    ..head
                }
                .to_json(),
                Err(_) => String::new(),
            };
        }
        json.truncate(json.len() - NULL_TAIL.len());
        json.extend_from_slice(payload.as_bytes());
        json.push(b'}');
        String::from_utf8(json).unwrap_or_default()
    }

    /// The payload read into the typed model of its vendor and event type: see
    /// [`VendorEvent`]. Unknown vendors and event types are kept as JSON, not refused; a payload
    /// that does not fit its model (a field of another type than documented) is
    /// [`Error::Payload`], and [`Envelope::payload`] still holds it.
    pub fn typed(&self) -> Result<VendorEvent, Error> {
        VendorEvent::parse(&self.vendor, &self.event_type, self.payload.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_written_in_unchecked_gives_the_same_text_as_a_checked_one() {
        for payload in [
            "{}",
            "null",
            r#"{"a":[1,2.50,{"b":"caf\u00e9 \"x\""}],"c":null}"#,
            "[\"\u{FFFD}\", 1e2]",
            "\"text\"",
        ] {
            let envelope = Envelope {
                version: ENVELOPE_VERSION,
                id: Cow::Borrowed("0190-id"),
                vendor: Cow::Borrowed("wayke"),
                account: None,
                event_type: Cow::Borrowed("new-order"),
                dedupe_key: Cow::Borrowed("new-order:\"1\""),
                received_at: Cow::Borrowed("2026-11-30T01:00:00.000Z"),
                occurred_at: Some(Cow::Borrowed("2026-11-30T00:59:00.000Z")),
                payload: Cow::Borrowed(serde_json::from_str::<&RawValue>(payload).unwrap()),
            };
            let written = envelope.to_json_with_payload(payload);
            assert_eq!(written, envelope.to_json(), "{payload}");
            let read = Envelope::from_json(&written).unwrap();
            assert_eq!(read.payload.get(), payload);
        }
    }
}
