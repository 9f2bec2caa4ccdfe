//! `webhook-events`: what the webhook receiver publishes to SQS, for the consumers of its
//! queues — the message envelope, the typed payload models of every vendor and event type,
//! and their JSON Schemas (draft 2020-12).
//!
//! Read a message body with [`Envelope::from_json`], then match on [`Envelope::typed`]:
//!
//! ```
//! use webhook_events::{wayke, Envelope, VendorEvent};
//!
//! let body = r#"{"version":1,"id":"0b6f0c8e-5d2a-8a41-9d3e-6f1c2b7a4e10","vendor":"wayke",
//!   "account":"5f0c9a2e","eventType":"new-order","dedupeKey":"new-order:7384171f",
//!   "receivedAt":"2026-11-23T12:00:00.000Z","occurredAt":"2023-03-20T22:31:26.602Z",
//!   "payload":{"id":"7384171f","orderNumber":"A-1042","price":549800,"newField":true}}"#;
//! let envelope = Envelope::from_json(body)?;
//! match envelope.typed()? {
//!     VendorEvent::Wayke(wayke::Event::NewOrder(order)) => {
//!         assert_eq!(order.order_number.as_deref(), Some("A-1042"));
//!         assert_eq!(order.price, Some(549800.0));
//!     }
//!     other => panic!("not a Wayke order: {other:?}"),
//! }
//! // A field the model does not know is still in the payload as published.
//! assert!(envelope.payload.get().contains("newField"));
//! # Ok::<(), webhook_events::Error>(())
//! ```
//!
//! Every model field is optional and unknown fields are ignored, so a field the vendor adds or
//! leaves out never breaks a consumer; an event type or vendor this version does not know is
//! kept as JSON ([`VendorEvent::Other`], or each vendor's `Other` variant). A model field is
//! the vendor's field of the same name (serde's `rename` gives the name on the wire where Rust
//! spells it otherwise); it has a doc only where that says more than its name.

#![warn(missing_docs)]

#[allow(missing_docs)] // model fields: see above
pub mod cyclesoftware;
mod envelope;
#[allow(missing_docs)]
pub mod revo_xef;
pub mod schema;
#[allow(missing_docs)]
pub mod service_order_hub;
#[allow(missing_docs)]
pub mod wayke;

pub use envelope::{Envelope, ENVELOPE_VERSION};

use serde::{Deserialize, Serialize};

/// A message body that cannot be read, or a payload that does not fit its model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is not an envelope: not JSON, or a required field missing or of another type.
    /// The source error may quote a value of the body: do not log it where payloads must not go.
    #[error("not an envelope: {0}")]
    NotAnEnvelope(#[source] serde_json::Error),
    /// The envelope has a `version` this crate does not read.
    #[error("envelope version {0} is not supported (this crate reads version {ENVELOPE_VERSION})")]
    UnsupportedVersion(u32),
    /// The payload does not fit the model of its event type (a field of another type than the
    /// vendor documents). The source error may quote a value of the payload.
    #[error("the payload of {vendor} {event_type} does not fit its model: {source}")]
    Payload {
        /// The envelope's vendor.
        vendor: String,
        /// The envelope's event type.
        event_type: String,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
}

/// An envelope's payload in the typed model of its vendor.
#[allow(clippy::large_enum_variant)] // read once per message, never stored in bulk
#[derive(Debug, Clone, PartialEq)]
pub enum VendorEvent {
    /// A CycleSoftware webhook.
    CycleSoftware(cyclesoftware::Webhook<cyclesoftware::Payload>),
    /// A Wayke webhook.
    Wayke(wayke::Event),
    /// A Service Order Hub webhook.
    ServiceOrderHub(service_order_hub::Event),
    /// A Revo Xef webhook, normalised to `{"tenant","event","data"}`.
    RevoXef(revo_xef::Webhook<revo_xef::Data>),
    /// A vendor this version of the crate does not know: its payload as JSON.
    Other(serde_json::Value),
}

impl VendorEvent {
    /// Reads `payload`, the JSON of an event of `vendor` typed `event_type`, into its model.
    pub fn parse(vendor: &str, event_type: &str, payload: &str) -> Result<Self, Error> {
        let parsed = match vendor {
            cyclesoftware::VENDOR => {
                cyclesoftware::Webhook::parse(payload).map(Self::CycleSoftware)
            }
            wayke::VENDOR => wayke::Event::parse(event_type, payload).map(Self::Wayke),
            service_order_hub::VENDOR => {
                service_order_hub::Event::parse(event_type, payload).map(Self::ServiceOrderHub)
            }
            revo_xef::VENDOR => revo_xef::Webhook::parse(payload).map(Self::RevoXef),
            _ => serde_json::from_str(payload).map(Self::Other),
        };
        parsed.map_err(|source| Error::Payload {
            vendor: vendor.to_string(),
            event_type: event_type.to_string(),
            source,
        })
    }
}

/// Every vendor this crate has models for, with the event types it documents (each has a
/// payload schema, [`schema::payload`]).
pub const VENDORS: [(&str, &[&str]); 4] = [
    (cyclesoftware::VENDOR, cyclesoftware::DOCUMENTED_EVENTS),
    (wayke::VENDOR, &wayke::EVENT_TYPES),
    (service_order_hub::VENDOR, service_order_hub::EVENT_TYPES),
    (revo_xef::VENDOR, revo_xef::EVENT_TYPES),
];

/// A vendor identifier, which vendors send as a number or a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Id {
    /// A numeric identifier.
    Number(i64),
    /// A textual identifier.
    Text(String),
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// Something done with the model type of one event type. Each vendor module maps its event
/// types to their models once (`visit_model`), and parsing, the schemas and the receiver's
/// tests of the models all go through that one mapping.
pub trait ModelVisitor<E> {
    /// What the visit returns.
    type Output;
    /// Does it with `M`, the model of the event type, which converts into the vendor's `E`.
    fn visit<M>(self) -> Self::Output
    where
        M: serde::de::DeserializeOwned + schemars::JsonSchema + Into<E>;
}

/// Parses JSON into the model, then into the vendor's enum.
pub(crate) struct ParseModel<'a>(pub(crate) &'a str);

impl<E> ModelVisitor<E> for ParseModel<'_> {
    type Output = Result<E, serde_json::Error>;

    fn visit<M>(self) -> Self::Output
    where
        M: serde::de::DeserializeOwned + schemars::JsonSchema + Into<E>,
    {
        serde_json::from_str::<M>(self.0).map(Into::into)
    }
}

/// Deserializes a `serde_json::Value` into the model, then into the vendor's enum.
pub(crate) struct ParseValue<'a>(pub(crate) &'a serde_json::Value);

impl<E> ModelVisitor<E> for ParseValue<'_> {
    type Output = Result<E, serde_json::Error>;

    fn visit<M>(self) -> Self::Output
    where
        M: serde::de::DeserializeOwned + schemars::JsonSchema + Into<E>,
    {
        M::deserialize(self.0).map(Into::into)
    }
}

/// A vendor's enum of payload models: each `Variant(Model)` listed, with `impl From<Model>`,
/// and `Other`, the JSON of an event that has no model in this version of the crate.
macro_rules! models {
    ($(#[$meta:meta])* pub enum $enum:ident {
        $($(#[$variant_meta:meta])* $variant:ident($model:ty),)*
    }) => {
        $(#[$meta])*
        #[allow(clippy::large_enum_variant)] // read once per message, never stored in bulk
        #[derive(Debug, Clone, PartialEq)]
        pub enum $enum {
            $($(#[$variant_meta])* $variant($model),)*
            /// An event that has no model in this version of the crate, as JSON: still accepted
            /// and routed.
            Other(serde_json::Value),
        }

        $(
            impl From<$model> for $enum {
                fn from(model: $model) -> Self {
                    Self::$variant(model)
                }
            }
        )*
    };
}
pub(crate) use models;
