//! CycleSoftware (bike-shop POS): typed models of the webhook envelope and its documented
//! payloads, and classification by the envelope's `event_name`, `id` and `event_timestamp`.
//!
//! Authentication is fixed: `X-CycleSoftware-Signature` carries the HMAC-SHA256 of the raw body.
//! The dedupe key is the envelope `id`, which is inside the signed body (the
//! `X-CycleSoftware-Delivery` header carries the same value but is not signed).

use std::fmt;

use lambda_http::http::HeaderName;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use super::{
    checked_text, Authentication, ClassifyError, Delivery, Vendor, MAX_EVENT_TYPE_LEN, MAX_ID_LEN,
};
use super::{split_body, unknown_fields_in};
use crate::event::Classified;
use crate::verify::Scheme;

/// Header carrying the HMAC-SHA256 of the body.
pub const SIGNATURE_HEADER: &str = "x-cyclesoftware-signature";
/// Header carrying the envelope id (not signed: informative only).
pub const DELIVERY_HEADER: &str = "x-cyclesoftware-delivery";
/// Header carrying the event name (not signed: informative only).
pub const EVENT_HEADER: &str = "x-cyclesoftware-event";

/// The documented event names; any other is accepted and routed too.
pub const DOCUMENTED_EVENTS: &[&str] = &[
    "sales_order.created",
    "sales_order.updated",
    "sales_order.deleted",
    "sales_order.invoiced",
    "workshop_order.created",
    "workshop_order.updated",
    "workshop_order.deleted",
    "sales_transaction.created",
    "sales_transaction.updated",
    "store_order.created",
];

/// The CycleSoftware vendor.
#[derive(Debug, Clone, Copy, Default)]
pub struct CycleSoftware;

impl Vendor for CycleSoftware {
    fn name(&self) -> &'static str {
        "cyclesoftware"
    }

    fn authentication(&self) -> Authentication {
        Authentication::Fixed(Scheme::HmacSha256 {
            header: HeaderName::from_static(SIGNATURE_HEADER),
        })
    }

    fn documents(&self, event_type: &str) -> bool {
        DOCUMENTED_EVENTS.contains(&event_type)
    }

    fn unknown_fields(&self, event_type: &str, body: &str) -> usize {
        let (top, payload) = split_body(
            body,
            &["id", "account_id", "event_name", "event_timestamp"],
            "payload",
        );
        top + match event_type.split('.').next().unwrap_or_default() {
            "sales_order" => unknown_fields_in::<SalesOrder>(payload),
            "workshop_order" => unknown_fields_in::<WorkshopOrder>(payload),
            "store_order" => unknown_fields_in::<StoreOrder>(payload),
            _ => 0,
        }
    }

    /// `event_timestamp` is inside the body the HMAC covers.
    fn signs_its_timestamp(&self) -> bool {
        true
    }

    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError> {
        let head: Head =
            serde_json::from_str(delivery.body).map_err(|e| ClassifyError::from_json(&e))?;
        checked_text("id", &head.id, MAX_ID_LEN)?;
        checked_text("event_name", &head.event_name, MAX_EVENT_TYPE_LEN)?;
        let occurred_at = timestamp(head.event_timestamp)?;
        let entity = head.payload.entity_of(&head.event_name);
        Ok(Classified {
            event_type: head.event_name,
            dedupe_key: head.id,
            occurred_at: Some(occurred_at),
            entity,
            account: None,
        })
    }
}

/// `event_timestamp` (seconds since the epoch, fractional) to a time, to the millisecond.
fn timestamp(seconds: f64) -> Result<OffsetDateTime, ClassifyError> {
    const FIELD: &str = "event_timestamp";
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(ClassifyError::InvalidField {
            field: FIELD,
            reason: "not a time",
        });
    }
    let out_of_range = ClassifyError::InvalidField {
        field: FIELD,
        reason: "out of range",
    };
    // `as` saturates for huge floats, so the multiplication must be checked.
    let nanos = ((seconds * 1000.0).round() as i128)
        .checked_mul(1_000_000)
        .ok_or_else(|| out_of_range.clone())?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| out_of_range)
}

/// The part of the envelope classification needs. `payload` is read leniently: any JSON is
/// accepted there, and only its top-level `<entity>_id` scalars are kept.
#[derive(Deserialize)]
struct Head {
    id: String,
    event_name: String,
    event_timestamp: f64,
    #[serde(default)]
    payload: EntityIds,
}

/// Top-level `*_id` fields of a payload whose values are numbers or strings.
#[derive(Default)]
struct EntityIds(Vec<(String, String)>);

impl EntityIds {
    /// The entity an event is about: `sales_order.updated` is about `payload.sales_order_id`.
    fn entity_of(&self, event_name: &str) -> Option<String> {
        let kind = event_name.split('.').next().filter(|k| !k.is_empty())?;
        let field = format!("{kind}_id");
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, id)| format!("{kind}:{id}"))
    }
}

impl<'de> Deserialize<'de> for EntityIds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EntityIdsVisitor)
    }
}

struct EntityIdsVisitor;

impl<'de> Visitor<'de> for EntityIdsVisitor {
    type Value = EntityIds;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EntityIds, A::Error> {
        let mut ids = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key.ends_with("_id") {
                if let Scalar(Some(value)) = map.next_value::<Scalar>()? {
                    ids.push((key.into_owned(), value));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(EntityIds(ids))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<EntityIds, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(EntityIds::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<EntityIds, E> {
        Ok(EntityIds::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<EntityIds, E> {
        Ok(EntityIds::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<EntityIds, E> {
        Ok(EntityIds::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<EntityIds, E> {
        Ok(EntityIds::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<EntityIds, E> {
        Ok(EntityIds::default())
    }
    fn visit_unit<E>(self) -> Result<EntityIds, E> {
        Ok(EntityIds::default())
    }
}

/// A JSON value kept as text when it is an integer or a short string, dropped otherwise.
struct Scalar(Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Scalar(match value {
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            serde_json::Value::String(s) if !s.is_empty() && s.len() <= MAX_ID_LEN => Some(s),
            _ => None,
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// Typed models, for consumers and tests. Every field but the envelope's `id`, `event_name` and
// `event_timestamp` is optional, and unknown fields are ignored: a new field or a missing one at
// CycleSoftware never breaks deserialization.

/// The webhook envelope, generic over its payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Webhook<P = serde_json::Value> {
    pub id: String,
    #[serde(default)]
    pub account_id: Option<i64>,
    pub event_name: String,
    pub event_timestamp: f64,
    pub payload: P,
}

/// The payload of a webhook, by the entity its `event_name` names.
#[allow(clippy::large_enum_variant)] // parsed once per use, never stored in bulk
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    SalesOrder(SalesOrder),
    WorkshopOrder(WorkshopOrder),
    SalesTransaction(SalesTransaction),
    StoreOrder(StoreOrder),
    /// An event name this model does not know yet: still accepted and routed.
    Other(serde_json::Value),
}

impl Payload {
    /// Parses `payload` according to `event_name` (`sales_order.*`, `workshop_order.*`,
    /// `sales_transaction.*`, `store_order.*`; anything else is `Other`).
    pub fn parse(event_name: &str, payload: serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(match event_name.split('.').next().unwrap_or_default() {
            "sales_order" => Self::SalesOrder(serde_json::from_value(payload)?),
            "workshop_order" => Self::WorkshopOrder(serde_json::from_value(payload)?),
            "sales_transaction" => Self::SalesTransaction(serde_json::from_value(payload)?),
            "store_order" => Self::StoreOrder(serde_json::from_value(payload)?),
            _ => Self::Other(payload),
        })
    }
}

/// `sales_order.created|updated|deleted|invoiced`, and the `sales_order` of a workshop order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SalesOrder {
    pub sales_order_id: Option<i64>,
    pub store_id: Option<i64>,
    pub sales_employee_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub order_type_id: Option<i64>,
    pub order_type_text: Option<String>,
    pub order_reference_id: Option<String>,
    pub order_reference_text: Option<String>,
    pub datetime_created: Option<String>,
    pub datetime_modified: Option<String>,
    pub datetime_preferred_delivery: Option<String>,
    pub datetime_preferred_pickup: Option<String>,
    pub status_id: Option<i64>,
    pub status_text: Option<String>,
    pub cancellation_type_id: Option<i64>,
    pub cancellation_description: Option<String>,
    pub remarks: Option<String>,
    pub has_invoice: Option<bool>,
    pub invoice_number: Option<i64>,
    pub ship_to_customer: Option<bool>,
    pub delivery_method_id: Option<i64>,
    pub delivery_method_description: Option<String>,
    pub shipment_method_description: Option<String>,
    pub payment_method_description: Option<String>,
    pub order_items: Vec<OrderItem>,
    pub customer: Option<Customer>,
    pub delivery_address: Option<serde_json::Value>,
    pub labels: Vec<String>,
}

/// A line of a sales order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OrderItem {
    pub item_id: Option<i64>,
    pub item_type_id: Option<i64>,
    pub special_type_id: Option<i64>,
    pub quantity: Option<f64>,
    pub barcode: Option<String>,
    pub pos_group_id: Option<i64>,
    pub description: Option<String>,
    pub unit_price_in_vat_cents: Option<i64>,
    pub unit_discount_amount_in_vat_cents: Option<i64>,
    pub price_in_vat_cents: Option<i64>,
    pub discount_percentage: Option<f64>,
    pub vat_code: Option<i64>,
    pub vat_percentage: Option<f64>,
    pub vat_amount_cents: Option<i64>,
    pub item_status_id: Option<i64>,
    pub item_status_text: Option<String>,
    pub unit_work_time_minutes: Option<i64>,
}

/// The customer of an order (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Customer {
    pub customer_id: Option<i64>,
    pub customer_barcode: Option<String>,
    pub customer_type_name: Option<String>,
    pub customer_reference: Option<String>,
    pub prefix: Option<String>,
    pub title: Option<String>,
    pub initials: Option<String>,
    pub name_prefix: Option<String>,
    pub insertion: Option<String>,
    pub name: Option<String>,
    pub attn: Option<String>,
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub house_number_postfix: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub country_code_iso_3166: Option<String>,
    pub iban: Option<String>,
    pub email: Option<String>,
    pub discount_percentage: Option<f64>,
    pub datetime_created: Option<String>,
    pub phone_numbers: Vec<PhoneNumber>,
}

/// One of a customer's phone numbers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PhoneNumber {
    pub phone_number_id: Option<String>,
    pub customer_id: Option<i64>,
    pub phone_number: Option<String>,
    pub name: Option<String>,
}

/// `workshop_order.created|updated|deleted`: a repair, with its sales order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WorkshopOrder {
    pub workshop_order_id: Option<i64>,
    pub repair_object_id: Option<i64>,
    pub reference_text: Option<String>,
    pub datetime_scheduled_start: Option<String>,
    pub datetime_scheduled_finished: Option<String>,
    pub mechanic_employee_id: Option<i64>,
    pub repair_description: Option<String>,
    pub status_id: Option<i64>,
    pub status_text: Option<String>,
    pub borrowed_object_reference: Option<String>,
    pub total_repair_time_minutes: Option<i64>,
    pub custom_repair_time_minutes: Option<i64>,
    pub sales_order: Option<SalesOrder>,
}

/// `sales_transaction.created|updated`. CycleSoftware documents no fields for this payload (its
/// example is empty and not valid JSON), so only the identifiers the other payloads suggest are
/// typed and every field is kept in `fields`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SalesTransaction {
    pub sales_transaction_id: Option<i64>,
    pub sales_order_id: Option<i64>,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// `store_order.created`: an internal delivery between stores.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StoreOrder {
    pub store_order_id: Option<i64>,
    pub store_id_from: Option<i64>,
    pub dealer_id_from: Option<i64>,
    pub store_id_to: Option<i64>,
    pub dealer_id_to: Option<i64>,
    pub store_order_type: Option<String>,
    pub store_order_type_id: Option<i64>,
    pub status_id: Option<i64>,
    pub status: Option<String>,
    pub remarks: Option<String>,
    pub processed_at: Option<String>,
    pub related_to_sales_order_ids: Vec<i64>,
    pub related_to_supplier_order_ids: Vec<i64>,
    pub items: Vec<StoreOrderItem>,
}

/// A line of a store order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StoreOrderItem {
    pub store_order_item_id: Option<i64>,
    pub barcode: Option<String>,
    pub quantity: Option<f64>,
    pub item_type_id: Option<i64>,
    pub object_id: Option<i64>,
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/fixtures/cyclesoftware/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn classify(body: &str) -> Result<Classified, ClassifyError> {
        CycleSoftware.classify(&Delivery::with_digest(None, body, &mut String::new()))
    }

    #[test]
    fn every_documented_example_deserializes_into_its_typed_model() {
        let sales: Webhook = serde_json::from_str(&fixture("sales_order.updated.json")).unwrap();
        let Payload::SalesOrder(order) = Payload::parse(&sales.event_name, sales.payload).unwrap()
        else {
            panic!("not a sales order")
        };
        assert_eq!(order.sales_order_id, Some(1442));
        assert_eq!(order.order_items.len(), 2);
        assert_eq!(order.order_items[1].price_in_vat_cents, Some(225));
        let customer = order.customer.unwrap();
        assert_eq!(customer.phone_numbers.len(), 3);
        assert_eq!(order.labels, vec!["label1".to_string()]);

        let workshop: Webhook =
            serde_json::from_str(&fixture("workshop_order.updated.json")).unwrap();
        let Payload::WorkshopOrder(repair) =
            Payload::parse(&workshop.event_name, workshop.payload).unwrap()
        else {
            panic!("not a workshop order")
        };
        assert_eq!(repair.workshop_order_id, Some(50032));
        assert_eq!(repair.total_repair_time_minutes, Some(100));
        assert_eq!(repair.sales_order.unwrap().invoice_number, Some(20173328));

        let store: Webhook = serde_json::from_str(&fixture("store_order.created.json")).unwrap();
        let Payload::StoreOrder(delivery) =
            Payload::parse(&store.event_name, store.payload).unwrap()
        else {
            panic!("not a store order")
        };
        assert_eq!(delivery.store_order_id, Some(45287));
        assert_eq!(delivery.items[1].object_id, Some(1000));
        assert_eq!(delivery.related_to_supplier_order_ids, vec![2443]);

        let transaction: Webhook =
            serde_json::from_str(&fixture("sales_transaction.created.json")).unwrap();
        assert!(matches!(
            Payload::parse(&transaction.event_name, transaction.payload).unwrap(),
            Payload::SalesTransaction(SalesTransaction {
                sales_transaction_id: None,
                ..
            })
        ));

        let envelope: Webhook = serde_json::from_str(&fixture("envelope.json")).unwrap();
        assert_eq!(envelope.account_id, Some(1));
        assert!(matches!(
            Payload::parse(&envelope.event_name, envelope.payload).unwrap(),
            Payload::Other(_)
        ));
    }

    #[test]
    fn documented_examples_have_no_unknown_fields_and_new_ones_are_counted() {
        for (name, event) in [
            ("sales_order.updated.json", "sales_order.updated"),
            ("workshop_order.updated.json", "workshop_order.updated"),
            ("store_order.created.json", "store_order.created"),
            (
                "sales_transaction.created.json",
                "sales_transaction.created",
            ),
        ] {
            assert_eq!(
                CycleSoftware.unknown_fields(event, &fixture(name)),
                0,
                "{name}"
            );
        }
        let drifted = fixture("sales_order.updated.json")
            .replacen(
                "\"store_id\": 1,",
                "\"store_id\": 1, \"loyalty_points\": 5,",
                1,
            )
            .replacen(
                "\"account_id\": 1,",
                "\"account_id\": 1, \"region\": \"eu\",",
                1,
            );
        assert_eq!(
            CycleSoftware.unknown_fields("sales_order.updated", &drifted),
            2
        );
    }

    #[test]
    fn typed_models_tolerate_unknown_and_missing_fields() {
        let payload = serde_json::json!({"sales_order_id": 7, "brand_new_field": {"x": 1}});
        let Payload::SalesOrder(order) = Payload::parse("sales_order.created", payload).unwrap()
        else {
            panic!("not a sales order")
        };
        assert_eq!(order.sales_order_id, Some(7));
        assert!(order.customer.is_none());
        assert!(order.order_items.is_empty());
    }

    #[test]
    fn classification_takes_type_key_time_and_entity_from_the_envelope() {
        let classified = classify(&fixture("sales_order.updated.json")).unwrap();
        assert_eq!(
            classified,
            Classified {
                event_type: "sales_order.updated".into(),
                dedupe_key: "2f4de380-f2be-4143-bbdf-1174c5d47991".into(),
                occurred_at: Some(datetime!(2022-04-20 10:29:23.309 UTC)),
                entity: Some("sales_order:1442".into()),
                account: None,
            }
        );
        let repair = classify(&fixture("workshop_order.updated.json")).unwrap();
        assert_eq!(repair.entity.as_deref(), Some("workshop_order:50032"));
        let store = classify(&fixture("store_order.created.json")).unwrap();
        assert_eq!(store.entity.as_deref(), Some("store_order:45287"));
    }

    #[test]
    fn any_event_name_is_accepted_with_only_the_three_required_fields() {
        let classified =
            classify(r#"{"id":"x-1","event_name":"bicycle.stolen","event_timestamp":1700000000}"#)
                .unwrap();
        assert_eq!(classified.event_type, "bicycle.stolen");
        assert_eq!(classified.dedupe_key, "x-1");
        assert_eq!(classified.entity, None);
        assert_eq!(
            classified.occurred_at,
            Some(datetime!(2023-11-14 22:13:20 UTC))
        );
        for payload in [
            "[1,2]",
            "\"text\"",
            "null",
            "3",
            "{\"customer_id\":{\"nested\":1}}",
        ] {
            let body = format!(
                r#"{{"id":"x","event_name":"customer.updated","event_timestamp":1,"payload":{payload}}}"#
            );
            assert!(classify(&body).is_ok(), "{payload}");
        }
        let body = r#"{"id":"x","event_name":"customer.updated","event_timestamp":1,"payload":{"customer_id":"C-9"}}"#;
        assert_eq!(
            classify(body).unwrap().entity.as_deref(),
            Some("customer:C-9")
        );
    }

    #[test]
    fn bad_bodies_are_refused_with_a_reason() {
        let cases = [
            ("not json", ClassifyError::NotJson),
            ("{\"id\":", ClassifyError::NotJson),
            (
                &fixture("sales_transaction.doc-example.broken.txt"),
                ClassifyError::NotJson,
            ),
            (
                r#"{"event_name":"a.b","event_timestamp":1}"#,
                ClassifyError::MissingField("id".into()),
            ),
            (
                r#"{"id":"1","event_timestamp":1}"#,
                ClassifyError::MissingField("event_name".into()),
            ),
            (
                r#"{"id":"1","event_name":"a.b"}"#,
                ClassifyError::MissingField("event_timestamp".into()),
            ),
            (
                r#"{"id":7,"event_name":"a.b","event_timestamp":1}"#,
                ClassifyError::Shape,
            ),
            (
                r#"{"id":"1","event_name":"a.b","event_timestamp":"yesterday"}"#,
                ClassifyError::Shape,
            ),
            (r#"[]"#, ClassifyError::Shape),
            (
                r#"{"id":"","event_name":"a.b","event_timestamp":1}"#,
                ClassifyError::InvalidField {
                    field: "id",
                    reason: "empty",
                },
            ),
            (
                r#"{"id":"1","event_name":"a\u0000b","event_timestamp":1}"#,
                ClassifyError::InvalidField {
                    field: "event_name",
                    reason: "contains control characters",
                },
            ),
            (
                r#"{"id":"1","event_name":"a.b","event_timestamp":-5}"#,
                ClassifyError::InvalidField {
                    field: "event_timestamp",
                    reason: "not a time",
                },
            ),
            (
                r#"{"id":"1","event_name":"a.b","event_timestamp":1e300}"#,
                ClassifyError::InvalidField {
                    field: "event_timestamp",
                    reason: "out of range",
                },
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(classify(body), Err(expected), "{body}");
        }
        let long_id = format!(
            r#"{{"id":"{}","event_name":"a.b","event_timestamp":1}}"#,
            "x".repeat(MAX_ID_LEN + 1)
        );
        assert_eq!(
            classify(&long_id),
            Err(ClassifyError::InvalidField {
                field: "id",
                reason: "too long"
            })
        );
    }

    #[test]
    fn a_shape_error_does_not_quote_the_body() {
        let body = r#"{"id":"1","event_name":"a.b","event_timestamp":"jan@example.com"}"#;
        let error = classify(body).unwrap_err();
        assert!(!error.to_string().contains("jan@example.com"), "{error}");
    }
}
