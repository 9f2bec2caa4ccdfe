//! The vendor port: each vendor is one module that says how it authenticates and how a verified
//! body is classified into event type, dedupe key, time and entity.

pub mod cyclesoftware;
pub mod fields;
pub mod revo_xef;
pub mod service_order_hub;
pub mod wayke;

use std::borrow::Cow;

use crate::event::Classified;
use crate::verify::Scheme;
pub use fields::{Field, Fields};
pub use webhook_events::Id;

/// How a vendor's stored bodies are published: [`Vendor::published_payload`].
type PublishedPayload = for<'b> fn(&'b str) -> Cow<'b, str>;

/// One vendor this project has a function for, as code that holds only its name needs it: the
/// republisher (which sweeps every vendor), publishing (which finds the payload by name), and
/// the sample events of `events/` (which the tests generate from this).
#[derive(Debug, Clone, Copy)]
pub struct Registered {
    /// [`Vendor::name`].
    pub name: &'static str,
    /// [`Vendor::published_payload`].
    pub published_payload: PublishedPayload,
    /// [`Vendor::authentication`].
    pub authentication: fn() -> Authentication,
    /// [`Vendor::content_type`].
    pub content_type: fn() -> &'static str,
}

/// The registry entry of `V`, whose [`Vendor::name`] is `name`.
const fn registered<V: Vendor + Default>(name: &'static str) -> Registered {
    Registered {
        name,
        published_payload: |body| V::default().published_payload(body),
        authentication: || V::default().authentication(),
        content_type: || V::default().content_type(),
    }
}

/// Every vendor this project has a function for, in the order the README lists them. (A table
/// of `&dyn Vendor` would link every vendor's classification into every binary: BENCHMARKS.md,
/// "Sizes".)
pub const REGISTRY: [Registered; 4] = [
    registered::<cyclesoftware::CycleSoftware>(webhook_events::cyclesoftware::VENDOR),
    registered::<wayke::Wayke>(webhook_events::wayke::VENDOR),
    registered::<service_order_hub::ServiceOrderHub>(webhook_events::service_order_hub::VENDOR),
    registered::<revo_xef::RevoXef>(webhook_events::revo_xef::VENDOR),
];

/// The name of every vendor this project has a function for: the republisher sweeps them all.
pub const ALL: [&str; REGISTRY.len()] = {
    let mut names = [""; REGISTRY.len()];
    let mut index = 0;
    while index < REGISTRY.len() {
        names[index] = REGISTRY[index].name;
        index += 1;
    }
    names
};

/// What consumers receive as the `payload` of an event of `vendor` whose stored body is `body`:
/// [`Vendor::published_payload`], or the body itself for a vendor this build does not know,
/// without the JSON whitespace around the value (a JSON value embedded in the envelope does not
/// keep it). The receiving pipeline and the republisher both publish through this, so every
/// publication of one event carries the same payload.
pub fn published_payload<'b>(vendor: &str, body: &'b str) -> Cow<'b, str> {
    let payload = match REGISTRY.iter().find(|registered| registered.name == vendor) {
        Some(registered) => (registered.published_payload)(body),
        None => Cow::Borrowed(body),
    };
    as_published(payload)
}

/// The payload a delivery publishes for `body`, as [`published_payload`] gives it for the stored
/// body (which the republisher uses): the one `vendor`'s classification made
/// ([`Classified::published`]), so that the body is not read again, else
/// [`Vendor::published_payload`] of the body.
pub fn delivery_payload<'b, V: Vendor>(
    vendor: &V,
    classified: &mut Classified,
    body: &'b str,
) -> Cow<'b, str> {
    as_published(match classified.published.take() {
        Some(payload) => Cow::Owned(payload),
        None => vendor.published_payload(body),
    })
}

/// `payload` without the JSON whitespace around its value.
fn as_published(payload: Cow<'_, str>) -> Cow<'_, str> {
    match payload {
        Cow::Borrowed(text) => Cow::Borrowed(trim_json_whitespace(text)),
        Cow::Owned(text) if trim_json_whitespace(&text).len() == text.len() => Cow::Owned(text),
        Cow::Owned(text) => Cow::Owned(trim_json_whitespace(&text).to_string()),
    }
}

/// `text` without the whitespace JSON allows around a value (space, tab, line feed, carriage
/// return).
fn trim_json_whitespace(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

/// What a vendor module provides to the pipeline.
pub trait Vendor: Send + Sync + 'static {
    /// The vendor's name in keys, envelopes, logs and binary names, e.g. `cyclesoftware`.
    fn name(&self) -> &'static str;

    /// How deliveries authenticate.
    fn authentication(&self) -> Authentication;

    /// Classifies a verified delivery. Only what classification needs may be required of the
    /// body; everything else is the consumers' business.
    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError>;

    /// The `Content-Type` its deliveries declare, whatever their bodies are: classification
    /// looks at the body, never at this header. The sample events declare it.
    fn content_type(&self) -> &'static str {
        "application/json"
    }

    /// Whether `occurred_at` is covered by the signature, so that an old one proves a replay:
    /// then an event older than the dedupe window is refused, because past that window its
    /// claim may be gone and a replay would no longer be recognised as a duplicate.
    fn signs_its_timestamp(&self) -> bool {
        false
    }

    /// Whether the vendor documents `event_type`. Vendors that send any event name get it
    /// routed anyway; an undocumented one is counted as schema drift.
    fn documents(&self, event_type: &str) -> bool {
        let _ = event_type;
        true
    }

    /// The JSON consumers receive as the envelope's `payload` for a body this vendor classified
    /// (the claim keeps the body as received). By default the body itself, byte for byte; a
    /// vendor whose bodies are not all JSON (Revo Xef's form bodies) normalises them here.
    ///
    /// Must be a pure function of the body, and JSON for every body that classifies: the
    /// pipeline calls it when an event is first published and the republisher on the stored
    /// body, and both must send the same message.
    fn published_payload<'b>(&self, body: &'b str) -> Cow<'b, str> {
        Cow::Borrowed(body)
    }
}

/// The account a vendor names in a body, as the envelope's `account` and the message attribute:
/// `None` when the text is blank, longer than [`MAX_ID_LEN`] or holds control characters,
/// which SQS would refuse in an attribute (the payload still carries it).
pub fn account(text: Option<&str>) -> Option<String> {
    let text = text?;
    checked_text("account", text, MAX_ID_LEN).ok()?;
    Some(text.to_string())
}

/// Whether the operator can choose the scheme with `AUTH_SCHEME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// The vendor offers exactly one scheme.
    Fixed(Scheme),
    /// The vendor lets its user configure one; `default` applies when `AUTH_SCHEME` is unset.
    Configurable { default: Scheme },
}

/// A verified delivery as classification sees it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The last segment of the request path (`process-status` in `/wayke/process-status`), or
    /// `None` when the path has no segment beyond the vendor's own.
    pub route: Option<&'a str>,
    /// The raw body, known to be UTF-8.
    pub body: &'a str,
    /// Hex SHA-256 of the body, computed once by the pipeline.
    pub body_digest: &'a str,
}

#[cfg(any(test, feature = "test-util"))]
impl<'a> Delivery<'a> {
    /// A delivery whose digest is computed here, as the pipeline computes it: for tests that
    /// classify without the pipeline.
    pub fn with_digest(
        route: Option<&'a str>,
        body: &'a str,
        digest_buffer: &'a mut String,
    ) -> Self {
        *digest_buffer = crate::event::body_digest(body.as_bytes());
        Self {
            route,
            body,
            body_digest: digest_buffer,
        }
    }
}

/// Why a verified body cannot be classified. Maps to 400, or 404 for an unknown route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    #[error("the body is not JSON")]
    NotJson,
    #[error("a field has an unexpected type or value")]
    Shape,
    #[error("required field `{0}` is missing")]
    MissingField(String),
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField {
        field: &'static str,
        reason: &'static str,
    },
    #[error("unknown event type")]
    UnknownEventType,
}

impl ClassifyError {
    /// Maps a serde_json error on the body to a caller-safe error: syntax errors say "not JSON"
    /// and a missing field is named. Other shape errors say nothing more, because serde's message
    /// would quote the offending value, and values from bodies may be personal data.
    pub fn from_json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        match error.classify() {
            Category::Syntax | Category::Eof | Category::Io => Self::NotJson,
            Category::Data => {
                let message = error.to_string();
                match message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split_once('`'))
                {
                    Some((field, _)) => Self::MissingField(field.to_string()),
                    None => Self::Shape,
                }
            }
        }
    }
}

/// Limits on values used in keys and attributes, so that a hostile body cannot make an item or
/// message attribute that AWS refuses (which would turn bad input into a 5xx).
pub const MAX_ID_LEN: usize = 256;
pub const MAX_EVENT_TYPE_LEN: usize = 128;

/// Checks a vendor-supplied identifier or event name: non-empty, bounded, printable.
pub fn checked_text(field: &'static str, value: &str, max_len: usize) -> Result<(), ClassifyError> {
    if value.trim().is_empty() {
        return Err(ClassifyError::InvalidField {
            field,
            reason: "empty",
        });
    }
    if value.len() > max_len {
        return Err(ClassifyError::InvalidField {
            field,
            reason: "too long",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(ClassifyError::InvalidField {
            field,
            reason: "contains control characters",
        });
    }
    Ok(())
}

/// For vendors with one URL per event type: the type the route names, `None` without a route,
/// and [`ClassifyError::UnknownEventType`] for a route that names none of `known`.
pub fn routed_type(
    route: Option<&str>,
    known: &'static [&'static str],
) -> Result<Option<&'static str>, ClassifyError> {
    match route {
        None => Ok(None),
        Some(segment) => known
            .iter()
            .copied()
            .find(|known| *known == segment)
            .map(Some)
            .ok_or(ClassifyError::UnknownEventType),
    }
}

/// For vendors with one URL per event type: the body's fields at `pointers` and its event type,
/// from the route or, without one, from `infer` where the body decides it. An unknown route, or
/// a body that does not decide, is [`ClassifyError::UnknownEventType`].
pub fn routed_event<'a>(
    delivery: &Delivery<'a>,
    known: &'static [&'static str],
    pointers: &'static [&'static str],
    infer: fn(&Fields<'_>) -> Option<&'static str>,
) -> Result<(Fields<'a>, &'static str), ClassifyError> {
    let body = Fields::read(delivery.body, pointers)?;
    let event_type = match routed_type(delivery.route, known)? {
        Some(event_type) => event_type,
        None => infer(&body).ok_or(ClassifyError::UnknownEventType)?,
    };
    Ok((body, event_type))
}

/// `<event type>:<id>`: the key of an event the vendor identifies. The type is part of it
/// because one vendor id can stand behind two webhook types (a lead sent as two types, a status
/// sent as new status and as transition), which are two events.
pub fn id_key(event_type: &str, id: &str) -> String {
    [event_type, ":", id].concat()
}

/// `<event type>:<hex SHA-256 of the body>`: the key of an event the vendor gives no id for,
/// from the digest the pipeline computed.
pub fn body_key(event_type: &str, body_digest: &str) -> String {
    [event_type, ":", body_digest].concat()
}

/// What the tests count as schema drift: fields of a documented example that the consumers'
/// typed models (`webhook-events`) do not know. The functions do not count it; each vendor's
/// tests check with it that the models cover what the vendor documents.
#[cfg(test)]
pub(crate) mod drift {
    /// Counts the fields of a value that the model does not know (nested ones included); a value
    /// of another type than the model's (a text where a number was, an object for a list) counts as
    /// one more, since deserialization stops there. Visits the model a vendor module of
    /// `webhook-events` maps an event type to.
    #[derive(Debug)]
    pub struct UnknownFields(pub serde_json::Value);

    impl<E> webhook_events::ModelVisitor<E> for UnknownFields {
        type Output = usize;

        fn visit<M>(self) -> usize
        where
            M: serde::de::DeserializeOwned + schemars::JsonSchema + Into<E>,
        {
            let mut unknown = 0;
            let model: Result<M, _> = serde_ignored::deserialize(self.0, |_path| unknown += 1);
            unknown + usize::from(model.is_err())
        }
    }

    /// Splits a JSON object body into its top-level fields other than `known`, counted, and the
    /// value of `inner` (null when absent).
    pub fn split_body(body: &str, known: &[&str], inner: &str) -> (usize, serde_json::Value) {
        let Ok(mut object) =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(body)
        else {
            return (0, serde_json::Value::Null);
        };
        let inner_value = object.remove(inner).unwrap_or(serde_json::Value::Null);
        let unknown = object
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .count();
        (unknown, inner_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_known_types_or_are_unknown() {
        const KNOWN: &[&str] = &["a", "b-c"];
        assert_eq!(routed_type(None, KNOWN), Ok(None));
        assert_eq!(routed_type(Some("b-c"), KNOWN), Ok(Some("b-c")));
        assert_eq!(
            routed_type(Some("B-C"), KNOWN),
            Err(ClassifyError::UnknownEventType)
        );
        assert_eq!(
            routed_type(Some("d"), KNOWN),
            Err(ClassifyError::UnknownEventType)
        );
    }

    #[test]
    fn a_delivery_publishes_what_its_stored_body_is_published_as() {
        // Whether classification made the payload or left it to `published_payload`.
        let form = "event=turn.opened&data=%7B%7D";
        let mut classified = revo_xef::RevoXef
            .classify(&Delivery::with_digest(None, form, &mut String::new()))
            .unwrap();
        let made = delivery_payload(&revo_xef::RevoXef, &mut classified.clone(), form);
        classified.published = None;
        let left = delivery_payload(&revo_xef::RevoXef, &mut classified, form);
        assert_eq!(made, published_payload("revo-xef", form));
        assert_eq!(left, published_payload("revo-xef", form));
        assert_ne!(left, form);
    }

    #[test]
    fn each_vendor_publishes_through_its_own_module() {
        let form = "event=turn.opened&data=%7B%7D";
        let revo = published_payload("revo-xef", form);
        assert!(
            revo != form && serde_json::from_str::<serde_json::Value>(&revo).is_ok(),
            "Revo Xef's form bodies are published as JSON: {revo}"
        );
        for vendor in ALL.into_iter().filter(|vendor| *vendor != "revo-xef") {
            assert_eq!(published_payload(vendor, form), form, "{vendor}");
        }
        assert_eq!(published_payload("acme", "{\"a\":1}"), "{\"a\":1}");
        assert_eq!(
            published_payload("wayke", " \r\n{\"a\": 1}\n\t"),
            "{\"a\": 1}",
            "JSON whitespace around the value is not published"
        );
        assert_eq!(published_payload("acme", "\u{a0}{}"), "\u{a0}{}");
    }

    #[test]
    fn accounts_are_text_that_an_attribute_can_hold() {
        assert_eq!(account(Some("shop-7")).as_deref(), Some("shop-7"));
        assert_eq!(account(None), None);
        assert_eq!(account(Some("  ")), None);
        assert_eq!(account(Some("a\u{1}b")), None);
        assert_eq!(account(Some(&"x".repeat(MAX_ID_LEN + 1))), None);
    }

    #[test]
    fn a_value_of_another_type_is_drift() {
        use drift::UnknownFields;
        use webhook_events::ModelVisitor;
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Model {
            id: Option<i64>,
        }
        let count = |value| ModelVisitor::<Model>::visit::<Model>(UnknownFields(value));
        assert_eq!(count(serde_json::json!({"id": 1})), 0);
        assert_eq!(count(serde_json::json!({"id": 1, "x": 2})), 1);
        assert_eq!(count(serde_json::json!({"id": "1"})), 1);
    }

    #[test]
    fn keys_carry_the_event_type() {
        assert_eq!(id_key("new-order", "42"), "new-order:42");
        assert_eq!(
            body_key("t", &crate::event::body_digest(b"abc")),
            "t:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
