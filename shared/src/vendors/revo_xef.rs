//! Revo Xef (restaurant POS): the two body forms Revo sends, the one JSON shape consumers
//! receive for both, typed models of every event, and classification by the body's `event`.
//!
//! Revo declares `application/x-www-form-urlencoded` for every webhook and, depending on the
//! account, sends either a form body (`tenant`, `event`, and `data` as a JSON string; Revo
//! Retail names `tenant` `username`) or the JSON document `{"tenant","event","data"}`. The form
//! is told by the body's first non-blank character (`{` or `[` is JSON), never by the content
//! type. Authentication is fixed: `X-Revo-Hmac-SHA256` is the HMAC-SHA256 of the raw body,
//! checked before anything is parsed. Both forms are read by one parser, so event type, dedupe
//! key, group and account come from the same fields; consumers receive the normalised JSON
//! ([`RevoXef::published_payload`]) and the claim keeps the body as received.
//!
//! Revo sends no event id, so the dedupe key is the SHA-256 of the body: an order updated again
//! (or closed again after an intermediate close) is a new event, a redelivery of the same bytes
//! a duplicate.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use lambda_http::http::HeaderName;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

pub use webhook_events::revo_xef::EVENT_TYPES;
use webhook_events::revo_xef::VENDOR;

use super::{
    account, body_key, checked_text, Authentication, ClassifyError, Delivery, Fields, Vendor,
    MAX_EVENT_TYPE_LEN,
};
use crate::event::Classified;
use crate::verify::Scheme;

/// Header carrying the HMAC-SHA256 of the body.
pub const SIGNATURE_HEADER: &str = "x-revo-hmac-sha256";

/// The Revo Xef vendor.
#[derive(Debug, Clone, Copy, Default)]
pub struct RevoXef;

impl Vendor for RevoXef {
    fn name(&self) -> &'static str {
        VENDOR
    }

    fn authentication(&self) -> Authentication {
        Authentication::Fixed(Scheme::HmacSha256 {
            header: HeaderName::from_static(SIGNATURE_HEADER),
        })
    }

    /// For JSON bodies as well as for forms.
    fn content_type(&self) -> &'static str {
        "application/x-www-form-urlencoded"
    }

    fn documents(&self, event_type: &str) -> bool {
        EVENT_TYPES.contains(&event_type)
    }

    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError> {
        let body = Body::read(delivery.body)?;
        checked_text("event", &body.event, MAX_EVENT_TYPE_LEN)?;
        Ok(Classified {
            event_type: body.event.to_string(),
            dedupe_key: body_key(&body.event, delivery.body_digest),
            // Revo's times (`2016-10-25 12:43:25`) carry no zone, so they cannot be placed.
            occurred_at: None,
            entity: body.entity(),
            account: account(body.tenant.as_deref()),
            published: Some(body.to_json()),
        })
    }

    /// `{"tenant","event","data"}` for both body forms: `tenant` is the body's `tenant`, else
    /// its `username` (Revo Retail), else `null`; `data` is JSON (a form's `data` parsed; one
    /// that is not JSON stays a string; `null` when absent); every other field follows as it
    /// came (a form's as strings). Written the same for every body that classifies.
    fn published_payload<'b>(&self, body: &'b str) -> Cow<'b, str> {
        match Body::read(body) {
            Ok(body) => Cow::Owned(body.to_json()),
            // Never stored (it does not classify); still JSON, so an envelope stays valid.
            Err(_) => Cow::Owned(json_string(body)),
        }
    }
}

/// A Revo body read in either form.
#[derive(Debug)]
struct Body<'a> {
    event: Cow<'a, str>,
    /// `tenant`, else Revo Retail's `username`.
    tenant: Option<Cow<'a, str>>,
    /// `None` when the body has no `data` or it is `null`.
    data: Option<Data<'a>>,
    /// Every other field (`username` included), each once, in body order.
    others: Vec<(Cow<'a, str>, Value<'a>)>,
}

/// The event's `data`.
#[derive(Debug)]
enum Data<'a> {
    /// JSON text.
    Json(Cow<'a, str>),
    /// A form's `data` that is not JSON, kept as text.
    Text(Cow<'a, str>),
}

/// A field's value as the body gave it.
#[derive(Debug)]
enum Value<'a> {
    /// A JSON body's value, as JSON text.
    Json(&'a str),
    /// A form field, decoded.
    Text(Cow<'a, str>),
}

impl<'a> Body<'a> {
    /// Reads `body` as JSON when its first non-blank character opens a JSON object or array,
    /// else as a form. A key given twice counts as its last value, in both forms.
    fn read(body: &'a str) -> Result<Self, ClassifyError> {
        let fields = if body.trim_start().starts_with(['{', '[']) {
            let object: JsonObject<'a> =
                serde_json::from_str(body).map_err(|error| ClassifyError::from_json(&error))?;
            object
                .0
                .into_iter()
                .map(|(key, value)| (key, Value::Json(value.get())))
                .collect()
        } else {
            form_urlencoded::parse(body.as_bytes())
                .map(|(key, value)| (key, Value::Text(value)))
                .collect()
        };
        Self::from_fields(last_of_each(fields))
    }

    fn from_fields(fields: Vec<(Cow<'a, str>, Value<'a>)>) -> Result<Self, ClassifyError> {
        let mut event = None;
        let mut tenant = None;
        let mut username = None;
        let mut data = None;
        let mut others = Vec::new();
        for (key, value) in fields {
            match key.as_ref() {
                "event" => event = text(value, "event")?,
                "tenant" => tenant = text(value, "tenant")?,
                "data" => data = data_of(value),
                "username" => {
                    username = match &value {
                        Value::Json(json) => text(Value::Json(json), "username")?,
                        Value::Text(text) => Some(text.clone()),
                    };
                    others.push((key, value));
                }
                _ => others.push((key, value)),
            }
        }
        Ok(Self {
            event: event.ok_or_else(|| ClassifyError::MissingField("event".into()))?,
            tenant: tenant.or(username),
            data,
            others,
        })
    }

    /// The entity the event is about: `<model>:<data.id>` (`order:298` for `order.closed`), the
    /// model being the event name's first part; a gift card without `id` by its `uuid`. The
    /// kitchen display's `kds.contentsReady` is about its order. `None` when `data` names none.
    fn entity(&self) -> Option<String> {
        let Some(Data::Json(data)) = &self.data else {
            return None;
        };
        let fields = Fields::read(data, &["/id", "/uuid"]).ok()?;
        let id = fields.text("/id").or_else(|| fields.text("/uuid"))?;
        let model = match self.event.split('.').next().unwrap_or_default() {
            "kds" => "order",
            model => model,
        };
        Some(format!("{model}:{id}"))
    }

    /// The normalised JSON document.
    fn to_json(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str("{\"tenant\":");
        match &self.tenant {
            Some(tenant) => out.push_str(&json_string(tenant)),
            None => out.push_str("null"),
        }
        out.push_str(",\"event\":");
        out.push_str(&json_string(&self.event));
        out.push_str(",\"data\":");
        match &self.data {
            None => out.push_str("null"),
            Some(Data::Json(json)) => out.push_str(json.trim()),
            Some(Data::Text(text)) => out.push_str(&json_string(text)),
        }
        for (key, value) in &self.others {
            out.push(',');
            out.push_str(&json_string(key));
            out.push(':');
            match value {
                Value::Json(json) => out.push_str(json),
                Value::Text(text) => out.push_str(&json_string(text)),
            }
        }
        out.push('}');
        out
    }
}

/// The text of `event`, `tenant` or `username`: a form value, or a JSON string; `null` is none.
fn text<'a>(value: Value<'a>, field: &'static str) -> Result<Option<Cow<'a, str>>, ClassifyError> {
    match value {
        Value::Text(text) => Ok(Some(text)),
        Value::Json(json) => {
            let text: Option<Text<'a>> =
                serde_json::from_str(json).map_err(|_| ClassifyError::InvalidField {
                    field,
                    reason: "not text",
                })?;
            Ok(text.map(|text| text.0))
        }
    }
}

/// `data` as JSON: a JSON body's value as it is, a form's parsed when it is JSON.
fn data_of(value: Value<'_>) -> Option<Data<'_>> {
    match value {
        Value::Json("null") => None,
        Value::Json(json) => Some(Data::Json(Cow::Borrowed(json))),
        Value::Text(text) if serde_json::from_str::<IgnoredAny>(&text).is_ok() => {
            Some(Data::Json(text))
        }
        Value::Text(text) => Some(Data::Text(text)),
    }
}

/// The last value of each key, in the order of those last values.
fn last_of_each<'a, V>(fields: Vec<(Cow<'a, str>, V)>) -> Vec<(Cow<'a, str>, V)> {
    let mut seen = HashSet::new();
    let mut kept: Vec<_> = fields
        .into_iter()
        .rev()
        .filter(|(key, _)| seen.insert(key.clone()))
        .collect();
    kept.reverse();
    kept
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    // Serializing a string into a string cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// The fields of a JSON object in body order, each value as its JSON text.
struct JsonObject<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for JsonObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = JsonObject<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some(Text(key)) = map.next_key()? {
                    fields.push((key, map.next_value()?));
                }
                Ok(JsonObject(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// A JSON string, borrowed from the body where it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::drift::UnknownFields;
    use serde_json::json;
    use webhook_events::revo_xef::*;
    use webhook_events::Id;

    /// The fixture of `name`: `<name>.json` (a JSON body) or `<name>.form` (a form body).
    fn fixture(name: &str) -> String {
        let dir = format!("{}/fixtures/revo-xef", env!("CARGO_MANIFEST_DIR"));
        ["json", "form"]
            .iter()
            .find_map(|extension| std::fs::read_to_string(format!("{dir}/{name}.{extension}")).ok())
            .unwrap_or_else(|| panic!("no fixture {name} in {dir}"))
    }

    /// Fields of `body` that the typed models of `webhook-events` do not know.
    fn unknown_fields(event_type: &str, body: &str) -> usize {
        let Ok(body) = Body::read(body) else {
            return 0;
        };
        // `username` is Revo Retail's name for `tenant`.
        let top = body
            .others
            .iter()
            .filter(|(key, _)| key != "username")
            .count();
        let data = match &body.data {
            None => serde_json::Value::Null,
            Some(super::Data::Json(text)) => serde_json::from_str(text).unwrap_or_default(),
            Some(super::Data::Text(text)) => serde_json::Value::String(text.to_string()),
        };
        top + visit_model(event_type, UnknownFields(data)).unwrap_or(0)
    }

    fn classify(body: &str) -> Result<Classified, ClassifyError> {
        RevoXef.classify(&Delivery::with_digest(None, body, &mut String::new()))
    }

    fn published(body: &str) -> serde_json::Value {
        serde_json::from_str(&RevoXef.published_payload(body)).expect("the payload is JSON")
    }

    fn typed<D: serde::de::DeserializeOwned>(name: &str) -> Webhook<D> {
        serde_json::from_str(&RevoXef.published_payload(&fixture(name)))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn every_event_has_a_fixture_in_one_of_the_two_forms_and_both_forms_occur() {
        let forms: Vec<bool> = EVENT_TYPES
            .iter()
            .map(|event| !fixture(event).trim_start().starts_with('{'))
            .collect();
        assert!(forms.contains(&true) && forms.contains(&false));
    }

    #[test]
    fn every_example_deserializes_into_its_typed_model() {
        let product: Webhook<Product> = typed("product.updated");
        assert_eq!(product.data.price, Some(Amount::Text("1.80".into())));
        assert_eq!(product.tenant.as_deref(), Some("bar-la-placeta"));
        let created: Webhook<Product> = typed("product.created");
        assert_eq!(created.data.id, Some(Id::Number(52)));
        for name in ["product.deleted", "customer.deleted"] {
            let deleted: Webhook<Deleted> = typed(name);
            assert!(deleted.data.id.is_some(), "{name}");
        }
        for name in ["customer.created", "customer.updated"] {
            let customer: Webhook<Customer> = typed(name);
            assert_eq!(
                customer.data.postal_code.as_deref(),
                Some("08029"),
                "{name}"
            );
        }
        let order: Webhook<Order> = typed("order.created");
        let line = &order.data.order_contents[0];
        assert_eq!(line.modifiers.len(), 2);
        assert_eq!(line.item_name.as_deref(), Some("Café"));
        assert_eq!(
            order.data.order_invoices[0].order_payments[0].change,
            Some(Amount::Text("0.85".into()))
        );
        for name in [
            "order.updated",
            "order.moved",
            "order.merged",
            "order.cancelled",
            "order.closed",
            "kds.contentsReady",
        ] {
            let order: Webhook<Order> = typed(name);
            assert_eq!(order.event, name);
            assert!(!order.data.order_contents.is_empty(), "{name}");
        }
        let cancelled: Webhook<Order> = typed("order.cancelled");
        assert_eq!(cancelled.data.canceled, Some(json!(true)));
        for name in ["stocks.created", "stocks.updated"] {
            let stock: Webhook<Stock> = typed(name);
            assert_eq!(stock.data.warehouse_id, Some(Id::Number(1)), "{name}");
        }
        let payment: Webhook<OrderPayment> = typed("orderPayment.updated");
        assert!(payment.data.pay_amount.is_some());
        for name in ["purchaseOrder.created", "purchaseOrder.updated"] {
            let purchase: Webhook<PurchaseOrder> = typed(name);
            assert_eq!(purchase.data.contents.len(), 1, "{name}");
        }
        let card: Webhook<GiftCard> = typed("giftCard.created");
        assert_eq!(card.data.uuid.as_deref(), Some("GC-0007-2016"));
        for name in ["turn.opened", "turn.closed"] {
            let turn: Webhook<Turn> = typed(name);
            assert_eq!(turn.data.id, Some(Id::Number(57)), "{name}");
        }
    }

    #[test]
    fn examples_have_no_unknown_fields_and_new_ones_are_counted() {
        for event in EVENT_TYPES {
            assert_eq!(unknown_fields(event, &fixture(event)), 0, "{event}");
        }
        assert_eq!(
            unknown_fields("order.closed", &fixture("order.closed.first-documentation")),
            0
        );
        assert_eq!(
            unknown_fields("order.closed", &fixture("order.closed.retail")),
            0
        );
        let drifted = fixture("turn.closed").replace("\"id\": 57", "\"id\": 57, \"cashier\": 2");
        assert_eq!(unknown_fields("turn.closed", &drifted), 1);
        let drifted_form = fixture("turn.opened").replace("&event=", "&shop=1&event=");
        assert_eq!(unknown_fields("turn.opened", &drifted_form), 1);
        let not_json = "tenant=t&event=turn.opened&data=opened";
        assert_eq!(unknown_fields("turn.opened", not_json), 1);
    }

    #[test]
    fn both_forms_classify_by_the_same_fields() {
        let document = json!({
            "tenant": "bar-la-placeta",
            "event": "order.updated",
            "data": {"id": 1207, "status": 0, "tableName": "Barra 1"}
        });
        let json_body = document.to_string();
        let form_body = form_urlencoded::Serializer::new(String::new())
            .append_pair("tenant", "bar-la-placeta")
            .append_pair("event", "order.updated")
            .append_pair("data", &document["data"].to_string())
            .finish();
        for body in [&json_body, &form_body] {
            let classified = classify(body).unwrap();
            assert_eq!(classified.event_type, "order.updated");
            assert_eq!(
                classified.dedupe_key,
                body_key("order.updated", &crate::event::body_digest(body.as_bytes()))
            );
            assert_eq!(classified.entity.as_deref(), Some("order:1207"));
            assert_eq!(classified.account.as_deref(), Some("bar-la-placeta"));
            assert_eq!(classified.occurred_at, None);
            assert_eq!(published(body), document, "{body}");
        }
    }

    #[test]
    fn every_example_classifies_with_its_entity_and_tenant() {
        let entities = [
            ("product.created", "product:52"),
            ("product.updated", "product:51"),
            ("product.deleted", "product:51"),
            ("customer.created", "customer:812"),
            ("customer.updated", "customer:812"),
            ("customer.deleted", "customer:812"),
            ("order.created", "order:298"),
            ("order.updated", "order:298"),
            ("order.moved", "order:298"),
            ("order.merged", "order:298"),
            ("order.cancelled", "order:299"),
            ("order.closed", "order:298"),
            ("stocks.created", "stocks:731"),
            ("stocks.updated", "stocks:731"),
            ("orderPayment.updated", "orderPayment:90"),
            ("purchaseOrder.created", "purchaseOrder:88"),
            ("purchaseOrder.updated", "purchaseOrder:88"),
            ("giftCard.created", "giftCard:GC-0007-2016"),
            ("turn.opened", "turn:57"),
            ("turn.closed", "turn:57"),
            ("kds.contentsReady", "order:298"),
        ];
        assert_eq!(entities.len(), EVENT_TYPES.len());
        for (event, entity) in entities {
            let classified = classify(&fixture(event)).unwrap();
            assert_eq!(classified.event_type, event);
            assert_eq!(classified.entity.as_deref(), Some(entity), "{event}");
            assert_eq!(
                classified.account.as_deref(),
                Some("bar-la-placeta"),
                "{event}"
            );
        }
    }

    #[test]
    fn revo_retail_names_the_tenant_username_and_the_first_documentation_named_none() {
        let retail = fixture("order.closed.retail");
        let classified = classify(&retail).unwrap();
        assert_eq!(classified.account.as_deref(), Some("tienda-centro"));
        let payload = published(&retail);
        assert_eq!(payload["tenant"], "tienda-centro");
        assert_eq!(payload["username"], "tienda-centro");
        assert_eq!(payload["data"]["id"], 298);

        let first = fixture("order.closed.first-documentation");
        let classified = classify(&first).unwrap();
        assert_eq!(classified.account, None);
        assert_eq!(classified.entity.as_deref(), Some("order:298"));
        assert_eq!(
            published(&first),
            json!({"tenant": null, "event": "order.closed",
                   "data": {"id": 298, "table_id": 12, "total": "1.15", "guests": 4}})
        );
    }

    #[test]
    fn the_published_payload_keeps_every_field_and_the_data_as_sent() {
        // Numbers and key order inside `data` are kept byte for byte.
        let body = r#"{"event":"x.y","extra":[1, 2],"data":{"b":1.50,"a":1e2},"tenant":"t"}"#;
        assert_eq!(
            RevoXef.published_payload(body),
            r#"{"tenant":"t","event":"x.y","data":{"b":1.50,"a":1e2},"extra":[1, 2]}"#
        );
        let form = "event=x.y&data=%7B%22b%22%3A1.50%7D&note=caf%C3%A9+%22solo%22";
        assert_eq!(
            RevoXef.published_payload(form),
            r#"{"tenant":null,"event":"x.y","data":{"b":1.50},"note":"café \"solo\""}"#
        );
        // A form's `data` that is not JSON stays text; a missing one is null.
        assert_eq!(
            published("tenant=t&event=x.y&data=not+json"),
            json!({"tenant": "t", "event": "x.y", "data": "not json"})
        );
        assert_eq!(
            published("event=x.y"),
            json!({"tenant": null, "event": "x.y", "data": null})
        );
        // A key given twice counts as its last value.
        assert_eq!(
            published("event=a.b&tenant=one&event=c.d&tenant=two"),
            json!({"tenant": "two", "event": "c.d", "data": null})
        );
        // The same body always gives the same payload.
        let body = fixture("order.updated");
        assert_eq!(
            RevoXef.published_payload(&body),
            RevoXef.published_payload(&body)
        );
    }

    #[test]
    fn classification_makes_the_payload_the_stored_body_is_published_as() {
        let mut bodies: Vec<String> =
            std::fs::read_dir(format!("{}/fixtures/revo-xef", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .collect();
        bodies.push(r#" {"event":"x.y","extra":[1, 2],"data":{"b":1.50},"tenant":"t"} "#.into());
        bodies.push("event=x.y&data=not+json&note=caf%C3%A9".into());
        assert!(bodies.len() > 10);
        for body in &bodies {
            let mut classified = classify(body).unwrap();
            assert!(classified.published.is_some(), "{body}");
            assert_eq!(
                crate::vendors::delivery_payload(&RevoXef, &mut classified, body),
                crate::vendors::published_payload(VENDOR, body),
                "{body}"
            );
        }
    }

    #[test]
    fn a_new_price_is_a_new_event_and_any_event_name_is_accepted() {
        let old = fixture("product.updated");
        let new = old.replace("1.80", "1.95");
        assert_ne!(
            classify(&old).unwrap().dedupe_key,
            classify(&new).unwrap().dedupe_key
        );
        let other = classify(r#"{"event":"table.moved","data":{"id":3}}"#).unwrap();
        assert_eq!(
            (other.event_type.as_str(), other.entity.as_deref()),
            ("table.moved", Some("table:3"))
        );
        assert!(classify(r#"{"event":"x.y"}"#).is_ok());
        assert!(classify("event=table.moved&data=%5B1%5D").is_ok());
    }

    #[test]
    fn an_intermediate_close_and_the_final_close_are_two_events() {
        let intermediate = fixture("order.closed")
            .replace("\"status\": 1", "\"status\": 0")
            .replace("\"total\": \"1.15\"", "\"total\": \"0.00\"");
        let (a, b) = (
            classify(&intermediate).unwrap(),
            classify(&fixture("order.closed")).unwrap(),
        );
        assert_eq!(
            (a.event_type.as_str(), a.entity.clone()),
            ("order.closed", b.entity.clone())
        );
        assert_ne!(a.dedupe_key, b.dedupe_key);
    }

    #[test]
    fn an_account_an_attribute_cannot_hold_is_left_unknown() {
        assert_eq!(classify("tenant=&event=a.b").unwrap().account, None);
        assert_eq!(classify("tenant=a%01b&event=a.b").unwrap().account, None);
        assert_eq!(
            classify(r#"{"tenant":null,"event":"a.b"}"#)
                .unwrap()
                .account,
            None
        );
    }

    #[test]
    fn bad_input() {
        assert_eq!(classify("{nope"), Err(ClassifyError::NotJson));
        assert_eq!(classify("[]"), Err(ClassifyError::Shape));
        assert_eq!(
            classify("nope"),
            Err(ClassifyError::MissingField("event".into()))
        );
        assert_eq!(
            classify(""),
            Err(ClassifyError::MissingField("event".into()))
        );
        assert_eq!(
            classify(r#"{"data":{}}"#),
            Err(ClassifyError::MissingField("event".into()))
        );
        assert_eq!(
            classify(r#"{"event":null}"#),
            Err(ClassifyError::MissingField("event".into()))
        );
        assert_eq!(
            classify(r#"{"event":5}"#),
            Err(ClassifyError::InvalidField {
                field: "event",
                reason: "not text"
            })
        );
        assert_eq!(
            classify(r#"{"event":"a.b","tenant":{"id":1}}"#),
            Err(ClassifyError::InvalidField {
                field: "tenant",
                reason: "not text"
            })
        );
        for empty in [r#"{"event":""}"#, "event=&data=1"] {
            assert_eq!(
                classify(empty),
                Err(ClassifyError::InvalidField {
                    field: "event",
                    reason: "empty"
                }),
                "{empty}"
            );
        }
        // What does not classify is never stored; its payload would still be JSON.
        assert_eq!(published("{nope"), json!("{nope"));
    }
}
