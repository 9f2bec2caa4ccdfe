//! JSON Schemas (draft 2020-12) of the envelope and of each vendor's payloads, generated from
//! this crate's types; the repository commits them under `schema/`.

use schemars::{schema_for, JsonSchema, Schema};

use crate::{cyclesoftware, revo_xef, service_order_hub, wayke, Envelope, ModelVisitor};

/// The schema of the SQS message body, [`Envelope`]. Its `payload` may be any JSON: each
/// vendor's payload has a schema of its own ([`payload`]).
pub fn envelope() -> Schema {
    schema_for!(Envelope<'static>)
}

/// The schema of the payload of an event of `vendor` typed `event_type`; `None` for a vendor or
/// event type this crate has no model for.
pub fn payload(vendor: &str, event_type: &str) -> Option<Schema> {
    let mut schema = match vendor {
        cyclesoftware::VENDOR => cyclesoftware::visit_model(event_type, CycleSoftwareWebhook),
        wayke::VENDOR => wayke::visit_model(event_type, Payload),
        service_order_hub::VENDOR => service_order_hub::visit_model(event_type, Payload),
        revo_xef::VENDOR => revo_xef::visit_model(event_type, RevoXefWebhook),
        _ => None,
    }?;
    schema.insert(
        "title".into(),
        format!("{vendor} {event_type} payload").into(),
    );
    Some(schema)
}

/// The model is the whole payload.
struct Payload;

impl<E> ModelVisitor<E> for Payload {
    type Output = Schema;

    fn visit<M>(self) -> Schema
    where
        M: serde::de::DeserializeOwned + JsonSchema + Into<E>,
    {
        schema_for!(M)
    }
}

/// The model is the `payload` of a CycleSoftware webhook.
struct CycleSoftwareWebhook;

impl<E> ModelVisitor<E> for CycleSoftwareWebhook {
    type Output = Schema;

    fn visit<M>(self) -> Schema
    where
        M: serde::de::DeserializeOwned + JsonSchema + Into<E>,
    {
        schema_for!(cyclesoftware::Webhook<M>)
    }
}

/// The model is the `data` of a Revo Xef webhook.
struct RevoXefWebhook;

impl<E> ModelVisitor<E> for RevoXefWebhook {
    type Output = Schema;

    fn visit<M>(self) -> Schema
    where
        M: serde::de::DeserializeOwned + JsonSchema + Into<E>,
    {
        schema_for!(revo_xef::Webhook<M>)
    }
}
