//! CycleSoftware (bike-shop POS): classification by the envelope's `event_name`, `id` and
//! `event_timestamp`, read with [`Fields`].
//!
//! Authentication is fixed: `X-CycleSoftware-Signature` carries the HMAC-SHA256 of the raw body.
//! The dedupe key is the envelope `id`, which is inside the signed body (the
//! `X-CycleSoftware-Delivery` header carries the same value but is not signed); the account is
//! the envelope's `account_id`. Fields come and go over time, and an absent field means "no
//! value" as often as `null` does: the models take both as `None`.

use lambda_http::http::HeaderName;
use time::OffsetDateTime;

use super::{
    account, checked_text, Authentication, ClassifyError, Delivery, Field, Fields, Vendor,
    MAX_EVENT_TYPE_LEN, MAX_ID_LEN,
};
use crate::event::Classified;
use crate::verify::Scheme;
pub use webhook_events::cyclesoftware::DOCUMENTED_EVENTS;
use webhook_events::cyclesoftware::VENDOR;

/// Header carrying the HMAC-SHA256 of the body.
pub const SIGNATURE_HEADER: &str = "x-cyclesoftware-signature";
/// Header carrying the envelope id (not signed: informative only).
pub const DELIVERY_HEADER: &str = "x-cyclesoftware-delivery";
/// Header carrying the event name (not signed: informative only).
pub const EVENT_HEADER: &str = "x-cyclesoftware-event";

/// The CycleSoftware vendor.
#[derive(Debug, Clone, Copy, Default)]
pub struct CycleSoftware;

impl Vendor for CycleSoftware {
    fn name(&self) -> &'static str {
        VENDOR
    }

    fn authentication(&self) -> Authentication {
        Authentication::Fixed(Scheme::HmacSha256 {
            header: HeaderName::from_static(SIGNATURE_HEADER),
        })
    }

    fn documents(&self, event_type: &str) -> bool {
        DOCUMENTED_EVENTS.contains(&event_type)
    }

    /// `event_timestamp` is inside the body the HMAC covers.
    fn signs_its_timestamp(&self) -> bool {
        true
    }

    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError> {
        let body = Fields::read(delivery.body, FIELDS)?;
        // A field of another type is refused as the shape before a missing one is named, in
        // the order of the envelope's fields.
        let id = typed(&body, "/id", Field::as_str)?;
        let event_name = typed(&body, "/event_name", Field::as_str)?;
        let seconds = typed(&body, "/event_timestamp", Field::as_number)?;
        let id = id.ok_or_else(|| ClassifyError::MissingField("id".into()))?;
        let event_name =
            event_name.ok_or_else(|| ClassifyError::MissingField("event_name".into()))?;
        let seconds =
            seconds.ok_or_else(|| ClassifyError::MissingField("event_timestamp".into()))?;
        checked_text("id", id, MAX_ID_LEN)?;
        checked_text("event_name", event_name, MAX_EVENT_TYPE_LEN)?;
        let occurred_at = timestamp(seconds)?;
        Ok(Classified {
            event_type: event_name.to_string(),
            dedupe_key: id.to_string(),
            occurred_at: Some(occurred_at),
            entity: entity_of(&body, delivery.body, event_name),
            account: account(identifier(body.get("/account_id")).as_deref()),
            published: None,
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

/// What classification reads: the envelope's fields, and the payload's identifiers that name
/// the entity of a documented event ([`entity_of`]).
const FIELDS: &[&str] = &[
    "/id",
    "/event_name",
    "/event_timestamp",
    "/account_id",
    "/payload/customer/customer_id",
    "/payload/customer_id",
    "/payload/entity_id",
    "/payload/entity_type_id",
    "/payload/invoice_number",
    "/payload/outbound_order_id",
    "/payload/sales_order_id",
    "/payload/store_order_id",
    "/payload/warehouse_stock_item_id",
    "/payload/workshop_order_id",
];

/// The value at `pointer` as `take` reads it: `None` when the body has none there,
/// [`ClassifyError::Shape`] when it has one of another type.
fn typed<'f, 'a, T>(
    body: &'f Fields<'a>,
    pointer: &str,
    take: fn(&'f Field<'a>) -> Option<T>,
) -> Result<Option<T>, ClassifyError> {
    body.get(pointer)
        .map(|field| take(field).ok_or(ClassifyError::Shape))
        .transpose()
}

/// An identifier of the payload or the account: an integer, or a string of 1 to
/// [`MAX_ID_LEN`] bytes; anything else is none.
fn identifier(field: Option<&Field<'_>>) -> Option<String> {
    match field? {
        Field::Integer(digits) => Some(digits.clone()),
        Field::Text(text) if !text.is_empty() && text.len() <= MAX_ID_LEN => Some(text.to_string()),
        _ => None,
    }
}

/// The entity an event is about, for FIFO ordering: in general `<kind>:<payload.<kind>_id>`
/// for an event named `<kind>.<action>` (`sales_order:1442`), which also covers names not
/// documented yet (their id is read from `raw` again, the one case that reads the body twice).
/// Where the payload says it otherwise: a customer by `customer.customer_id`, a roadworthy
/// workshop order as the workshop order it is, a sales transaction by its `invoice_number`,
/// payments by the sales order or transaction they were registered for (`entity_type_id` 7 or
/// 5), an outbound order by `outbound_order_id`.
fn entity_of(body: &Fields<'_>, raw: &str, event_name: &str) -> Option<String> {
    let id = |pointer: &str| identifier(body.get(pointer));
    let kind = event_name.split('.').next().filter(|k| !k.is_empty())?;
    let (entity, id) = match kind {
        "customer" => (
            kind,
            id("/payload/customer/customer_id").or_else(|| id("/payload/customer_id")),
        ),
        "workshop_order_roadworthy" => ("workshop_order", id("/payload/workshop_order_id")),
        "sales_transaction" => (kind, id("/payload/invoice_number")),
        "payments" => match id("/payload/entity_type_id").as_deref() {
            Some("7") => ("sales_order", id("/payload/entity_id")),
            Some("5") => ("sales_transaction", id("/payload/entity_id")),
            _ => (kind, None),
        },
        "warehouse_outbound_order" => (kind, id("/payload/outbound_order_id")),
        _ => {
            let pointer = format!("/payload/{kind}_id");
            if FIELDS.contains(&pointer.as_str()) {
                (kind, id(&pointer))
            } else {
                let pointers = [pointer.as_str()];
                let again = Fields::read(raw, &pointers).ok()?;
                (kind, identifier(again.get(&pointer)))
            }
        }
    };
    id.map(|id| format!("{entity}:{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::drift::{split_body, UnknownFields};
    use time::macros::datetime;
    use webhook_events::cyclesoftware::*;
    use webhook_events::Id;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/fixtures/cyclesoftware/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Fields of `body` that the typed models of `webhook-events` do not know.
    fn unknown_fields(event_type: &str, body: &str) -> usize {
        let (top, payload) = split_body(
            body,
            &["id", "account_id", "event_name", "event_timestamp"],
            "payload",
        );
        top + visit_model(event_type, UnknownFields(payload)).unwrap_or(0)
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
        let Payload::SalesTransaction(invoice) =
            Payload::parse(&transaction.event_name, transaction.payload).unwrap()
        else {
            panic!("not a sales transaction")
        };
        assert_eq!(invoice.invoice_number, Some(20260412));
        let identification = invoice.sales_items[1].identification.clone().unwrap();
        assert_eq!(identification.stock_object_id, Some(24406));

        let envelope: Webhook = serde_json::from_str(&fixture("envelope.json")).unwrap();
        assert_eq!(envelope.account_id, Some(Id::Number(1)));
        assert!(matches!(
            Payload::parse(&envelope.event_name, envelope.payload).unwrap(),
            Payload::Other(_)
        ));
    }

    #[test]
    fn every_documented_event_has_an_example_in_its_typed_model_without_unknown_fields() {
        for event in DOCUMENTED_EVENTS {
            let body = fixture(&format!("{event}.json"));
            let webhook: Webhook = serde_json::from_str(&body).unwrap();
            assert_eq!(webhook.event_name, *event);
            let payload = Payload::parse(event, webhook.payload).unwrap();
            assert!(!matches!(payload, Payload::Other(_)), "{event}");
            assert_eq!(unknown_fields(event, &body), 0, "{event}");
        }
        let cancelled = fixture("sales_order.updated.cancelled-items.json");
        assert_eq!(unknown_fields("sales_order.updated", &cancelled), 0);
    }

    #[test]
    fn fields_added_over_time_are_typed_and_absent_means_none_like_null() {
        let order = |name: &str| -> SalesOrder {
            let webhook: Webhook = serde_json::from_str(&fixture(name)).unwrap();
            serde_json::from_value(webhook.payload).unwrap()
        };
        let updated = order("sales_order.updated.json");
        assert_eq!(updated.last_update_employee_id, Some(1619));
        assert_eq!(
            updated.customer.unwrap().first_name.as_deref(),
            Some("Carla")
        );
        assert_eq!(
            updated.delivery_address.unwrap().city.as_deref(),
            Some("Amsterdam")
        );
        assert_eq!(updated.order_items[0].assigned_to_customer_id, Some(6667));
        // Not invoiced: the field is absent, which reads as no value.
        assert_eq!(updated.order_items[0].invoice_number, None);
        assert_eq!(updated.cancelled_order_items, None);
        let invoiced = order("sales_order.invoiced.json");
        assert_eq!(invoiced.order_items[0].invoice_number, Some(20260412));
        let cancelled = order("sales_order.updated.cancelled-items.json");
        assert_eq!(
            cancelled.cancelled_order_items.map(|items| items.len()),
            Some(1)
        );
        assert_eq!(cancelled.deleted_order_items, Some(vec![]));
        // `delivery_address` as it was documented first (null) is still none.
        assert_eq!(order("sales_order.deleted.json").delivery_address, None);
        let customer: Webhook<CustomerEvent> =
            serde_json::from_str(&fixture("customer.updated.json")).unwrap();
        assert_eq!(
            customer.payload.customer.unwrap().date_of_birth.as_deref(),
            Some("1990-01-01")
        );
        // A field whose type changed is drift, not silence.
        let retyped = fixture("sales_order.updated.json").replacen(
            "\"delivery_address_id\": 91953",
            "\"delivery_address_id\": \"91953-A\"",
            1,
        );
        assert_eq!(unknown_fields("sales_order.updated", &retyped), 1);
    }

    #[test]
    fn documented_examples_have_no_unknown_fields_and_new_ones_are_counted() {
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
        assert_eq!(unknown_fields("sales_order.updated", &drifted), 2);
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
                account: Some("1".into()),
                published: None,
            }
        );
        let repair = classify(&fixture("workshop_order.updated.json")).unwrap();
        assert_eq!(repair.entity.as_deref(), Some("workshop_order:50032"));
        let store = classify(&fixture("store_order.created.json")).unwrap();
        assert_eq!(store.entity.as_deref(), Some("store_order:45287"));
    }

    #[test]
    fn every_documented_event_classifies_with_its_entity_and_account() {
        let cases = [
            ("customer.created", "customer:6667", "1"),
            ("customer.updated", "customer:6667", "1"),
            ("sales_order.created", "sales_order:1442", "1"),
            ("sales_order.updated", "sales_order:1442", "1"),
            ("sales_order.deleted", "sales_order:1442", "1"),
            ("sales_order.invoiced", "sales_order:1442", "1"),
            ("workshop_order.created", "workshop_order:50032", "1"),
            ("workshop_order.updated", "workshop_order:50032", "1"),
            ("workshop_order.deleted", "workshop_order:50032", "1"),
            (
                "workshop_order_roadworthy.created",
                "workshop_order:50110",
                "1",
            ),
            (
                "workshop_order_roadworthy.updated",
                "workshop_order:50110",
                "1",
            ),
            (
                "workshop_order_roadworthy.deleted",
                "workshop_order:50110",
                "1",
            ),
            (
                "sales_transaction.created",
                "sales_transaction:20260412",
                "1",
            ),
            (
                "sales_transaction.updated",
                "sales_transaction:20260412",
                "1",
            ),
            ("store_order.created", "store_order:45287", "1"),
            ("store_order.updated", "store_order:45287", "1"),
            ("payments.created", "sales_order:1442", "1"),
            (
                "warehouse_outbound_order.created_or_updated",
                "warehouse_outbound_order:463681",
                "4743",
            ),
            (
                "warehouse_stock_item.updated",
                "warehouse_stock_item:285",
                "4743",
            ),
            (
                "warehouse_stock_item.released_for_shipment",
                "warehouse_stock_item:285",
                "4743",
            ),
        ];
        assert_eq!(cases.len(), DOCUMENTED_EVENTS.len());
        for (event, entity, account) in cases {
            let body = fixture(&format!("{event}.json"));
            let id = serde_json::from_str::<Webhook>(&body).unwrap().id;
            let classified = classify(&body).unwrap();
            assert_eq!(classified.event_type, event);
            assert_eq!(classified.dedupe_key, id, "{event}");
            assert_eq!(classified.entity.as_deref(), Some(entity), "{event}");
            assert_eq!(classified.account.as_deref(), Some(account), "{event}");
        }
        let on_transaction = fixture("payments.created.json")
            .replace("\"entity_type_id\": 7", "\"entity_type_id\": 5")
            .replace("\"entity_id\": 1442", "\"entity_id\": 20260412");
        assert_eq!(
            classify(&on_transaction).unwrap().entity.as_deref(),
            Some("sales_transaction:20260412")
        );
    }

    #[test]
    fn the_documented_stock_item_that_names_the_outbound_order_event_flows_as_named() {
        let body = fixture("warehouse_stock_item.doc-example.mismatched.json");
        let classified = classify(&body).unwrap();
        // The signed event name decides the type; the body names no outbound order, so the
        // event takes the vendor's group, and its unknown fields show as drift.
        assert_eq!(
            classified.event_type,
            "warehouse_outbound_order.created_or_updated"
        );
        assert_eq!(classified.entity, None);
        assert_eq!(classified.account.as_deref(), Some("4743"));
        assert!(
            unknown_fields(&classified.event_type, &body) > 10,
            "a stock item is not an outbound order"
        );
    }

    #[test]
    fn an_account_is_a_number_or_text_and_otherwise_unknown() {
        let with = |account: &str| {
            classify(&format!(
                r#"{{"id":"x","account_id":{account},"event_name":"a.b","event_timestamp":1}}"#
            ))
            .unwrap()
            .account
        };
        assert_eq!(with("17").as_deref(), Some("17"));
        assert_eq!(with("\"acme\"").as_deref(), Some("acme"));
        assert_eq!(with("null"), None);
        assert_eq!(with("{\"id\":1}"), None);
        assert_eq!(
            classify(r#"{"id":"x","event_name":"a.b","event_timestamp":1}"#)
                .unwrap()
                .account,
            None
        );
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
    fn an_undocumented_kind_takes_its_entity_from_its_own_id() {
        let entity = |payload: &str| {
            classify(&format!(
                r#"{{"id":"x","event_name":"bike_rental.started","event_timestamp":1,"payload":{payload}}}"#
            ))
            .unwrap()
            .entity
        };
        assert_eq!(
            entity(r#"{"sales_order_id":1,"bike_rental_id":42}"#).as_deref(),
            Some("bike_rental:42")
        );
        assert_eq!(
            entity(r#"{"bike_rental_id":"R-7"}"#).as_deref(),
            Some("bike_rental:R-7")
        );
        // An identifier is an integer or a string of 1 to MAX_ID_LEN bytes.
        assert_eq!(entity(r#"{"bike_rental_id":""}"#), None);
        assert_eq!(entity(r#"{"bike_rental_id":1.5}"#), None);
        let long = "x".repeat(MAX_ID_LEN + 1);
        assert_eq!(entity(&format!(r#"{{"bike_rental_id":"{long}"}}"#)), None);
        assert_eq!(entity(r#"{"sales_order_id":1}"#), None);
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
