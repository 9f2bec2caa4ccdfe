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
        // Cannot fail: every field is text, a number or JSON already checked by `RawValue`, and
        // the output is a `String`. The empty string is never reached.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The payload read into the typed model of its vendor and event type: see
    /// [`VendorEvent`]. Unknown vendors and event types are kept as JSON, not refused; a payload
    /// that does not fit its model (a field of another type than documented) is
    /// [`Error::Payload`], and [`Envelope::payload`] still holds it.
    pub fn typed(&self) -> Result<VendorEvent, Error> {
        VendorEvent::parse(&self.vendor, &self.event_type, self.payload.get())
    }
}
