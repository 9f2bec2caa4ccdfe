//! Revo Xef (restaurant POS): typed models of the documented payloads and classification by the
//! body's `event`. Authentication is fixed: `X-Revo-Hmac-SHA256` carries the HMAC-SHA256 of the
//! raw body. Revo sends no event id, so the dedupe key is the SHA-256 of the body: a product
//! updated with a new price is a new event, a redelivery of the same bytes a duplicate.

use lambda_http::http::HeaderName;
use serde::Deserialize;

use super::{
    body_key, checked_text, split_body, unknown_fields_in, Authentication, ClassifyError, Delivery,
    Field, Fields, Id, Vendor, MAX_EVENT_TYPE_LEN,
};
use crate::event::Classified;
use crate::verify::Scheme;

/// Header carrying the HMAC-SHA256 of the body.
pub const SIGNATURE_HEADER: &str = "x-revo-hmac-sha256";

/// The documented event names; any other name is accepted and routed too.
pub const EVENT_TYPES: &[&str] = &[
    "product.updated",
    "product.deleted",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "order.created",
    "order.closed",
];

/// The Revo Xef vendor.
#[derive(Debug, Clone, Copy, Default)]
pub struct RevoXef;

impl Vendor for RevoXef {
    fn name(&self) -> &'static str {
        "revo-xef"
    }

    fn authentication(&self) -> Authentication {
        Authentication::Fixed(Scheme::HmacSha256 {
            header: HeaderName::from_static(SIGNATURE_HEADER),
        })
    }

    fn documents(&self, event_type: &str) -> bool {
        EVENT_TYPES.contains(&event_type)
    }

    fn unknown_fields(&self, event_type: &str, body: &str) -> usize {
        let (top, data) = split_body(body, &["event"], "data");
        top + match event_type {
            "product.updated" => unknown_fields_in::<Product>(data),
            "product.deleted" | "customer.deleted" => unknown_fields_in::<Deleted>(data),
            "customer.created" | "customer.updated" => unknown_fields_in::<Customer>(data),
            "order.created" => unknown_fields_in::<Order>(data),
            "order.closed" => unknown_fields_in::<OrderClosed>(data),
            _ => 0,
        }
    }

    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError> {
        let body = Fields::read(delivery.body, &["/event", "/data/id"])?;
        let event = match body.get("/event") {
            None | Some(Field::Null) => return Err(ClassifyError::MissingField("event".into())),
            Some(Field::Text(event)) => event,
            Some(_) => return Err(ClassifyError::Shape),
        };
        checked_text("event", event, MAX_EVENT_TYPE_LEN)?;
        let model = event.split('.').next().unwrap_or(event);
        Ok(Classified {
            event_type: event.to_string(),
            dedupe_key: body_key(event, delivery.body_digest),
            // Revo's times (`2016-10-25 12:43:25`) carry no zone, so they cannot be placed.
            occurred_at: None,
            entity: body.text("/data/id").map(|id| format!("{model}:{id}")),
            account: None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Typed models, for consumers and tests: every field optional, unknown fields ignored. Amounts
// come as strings (`"1.15"`) in some places and numbers in others, so they are [`Amount`].

/// The webhook body: `event` and its `data`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Webhook<D = serde_json::Value> {
    pub event: String,
    pub data: D,
}

/// A money amount or quantity as Revo sends it: a number or a decimal string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Number(f64),
    Text(String),
}

/// `product.updated`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Product {
    pub id: Option<Id>,
    #[serde(rename = "type")]
    pub kind: Option<serde_json::Value>,
    pub name: Option<String>,
    pub price: Option<Amount>,
}

/// `product.deleted`, `customer.deleted`: only the id.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Deleted {
    pub id: Option<Id>,
}

/// `customer.created`, `customer.updated` (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Customer {
    pub id: Option<Id>,
    pub active: Option<serde_json::Value>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    #[serde(rename = "postalCode")]
    pub postal_code: Option<String>,
    pub nif: Option<String>,
    pub web: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub extra_id: Option<Id>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
}

/// `order.created`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Order {
    pub id: Option<Id>,
    pub opened: Option<String>,
    pub closed: Option<String>,
    pub merged: Option<serde_json::Value>,
    pub guests: Option<i64>,
    pub order_discount_amount: Option<Amount>,
    pub sum: Option<Amount>,
    pub discount_amount: Option<Amount>,
    pub subtotal: Option<Amount>,
    pub tax_amount: Option<Amount>,
    pub total: Option<Amount>,
    pub already_paid: Option<Amount>,
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
    pub tenant_user_name: Option<String>,
    pub discount: Option<serde_json::Value>,
    #[serde(rename = "customer_id")]
    pub customer_id: Option<Id>,
    #[serde(rename = "table_id")]
    pub table_id: Option<Id>,
    pub table_name: Option<String>,
    pub status: Option<serde_json::Value>,
    #[serde(rename = "notes_sent")]
    pub notes_sent: Option<serde_json::Value>,
    #[serde(rename = "delivery_id")]
    pub delivery_id: Option<Id>,
    pub margin: Option<Amount>,
    pub gratuity: Option<Amount>,
    #[serde(rename = "offline_id")]
    pub offline_id: Option<Id>,
    pub notes: Option<String>,
    #[serde(rename = "refunded_order_id")]
    pub refunded_order_id: Option<Id>,
    pub order_contents: Vec<OrderContent>,
    pub order_invoices: Vec<OrderInvoice>,
    pub delivery: Option<serde_json::Value>,
}

/// A line of an order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderContent {
    pub id: Option<Id>,
    #[serde(rename = "order_id")]
    pub order_id: Option<Id>,
    #[serde(rename = "item_id")]
    pub item_id: Option<Id>,
    pub dish_order: Option<i64>,
    pub seat: Option<i64>,
    pub quantity: Option<Amount>,
    pub weight: Option<Amount>,
    pub item_price: Option<Amount>,
    pub already_paid_quantity: Option<Amount>,
    pub already_printed_quantity: Option<Amount>,
    pub modifiers: Vec<Modifier>,
    pub discount: Option<serde_json::Value>,
    pub discount_amount: Option<Amount>,
    pub tax_amount: Option<Amount>,
    pub tax_percentage: Option<Amount>,
    pub total: Option<Amount>,
    pub extras_amount: Option<Amount>,
    pub subtotal: Option<Amount>,
    pub price_with_extras_individual: Option<Amount>,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
    #[serde(rename = "created_at")]
    pub created_at: Option<String>,
    #[serde(rename = "updated_at")]
    pub updated_at: Option<String>,
    pub item_name: Option<String>,
    #[serde(rename = "optional_modifiers")]
    pub optional_modifiers: Option<serde_json::Value>,
    #[serde(rename = "menuMenuContents")]
    pub menu_menu_contents: Vec<serde_json::Value>,
    pub order_content_combination: Option<serde_json::Value>,
    #[serde(rename = "format_pivot_id")]
    pub format_pivot_id: Option<Id>,
    pub margin: Option<Amount>,
    #[serde(rename = "price_id")]
    pub price_id: Option<Id>,
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
}

/// A modifier on an order line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Modifier {
    pub category_id: Option<Id>,
    pub id: Option<Id>,
    pub order: Option<i64>,
    pub name: Option<String>,
    pub photo: Option<String>,
    pub price: Option<Amount>,
}

/// An invoice of an order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderInvoice {
    pub id: Option<Id>,
    #[serde(rename = "order_id")]
    pub order_id: Option<Id>,
    #[serde(rename = "customer_id")]
    pub customer_id: Option<Id>,
    #[serde(rename = "customerJSON")]
    pub customer_json: Option<serde_json::Value>,
    pub date: Option<String>,
    pub payment_mode: Option<serde_json::Value>,
    pub sum: Option<Amount>,
    pub discount_amount: Option<Amount>,
    pub order_discount_amount: Option<Amount>,
    pub tax_amount: Option<Amount>,
    pub subtotal: Option<Amount>,
    pub total: Option<Amount>,
    pub cancel_reason: Option<String>,
    pub number: Option<Id>,
    pub not_accountable: Option<serde_json::Value>,
    pub order_payments: Vec<OrderPayment>,
}

/// A payment of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderPayment {
    pub id: Option<Id>,
    #[serde(rename = "invoice_id")]
    pub invoice_id: Option<Id>,
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
    pub tenant_user_name: Option<String>,
    pub date: Option<String>,
    pub tip_amount: Option<Amount>,
    pub pay_amount: Option<Amount>,
    pub total_collected: Option<Amount>,
    pub change: Option<Amount>,
    pub payment_method: Option<serde_json::Value>,
    pub void_reason: Option<String>,
    #[serde(rename = "turn_id")]
    pub turn_id: Option<Id>,
    pub cancel_reason: Option<String>,
    pub gratuity: Option<Amount>,
    #[serde(rename = "provider_id")]
    pub provider_id: Option<Id>,
}

/// `order.closed`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct OrderClosed {
    pub id: Option<Id>,
    pub table_id: Option<Id>,
    pub total: Option<Amount>,
    pub guests: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/fixtures/revo-xef/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn classify(body: &str) -> Result<Classified, ClassifyError> {
        RevoXef.classify(&Delivery::with_digest(None, body, &mut String::new()))
    }

    #[test]
    fn every_documented_example_deserializes() {
        let product: Webhook<Product> = serde_json::from_str(&fixture("product.updated")).unwrap();
        assert_eq!(product.data.price, Some(Amount::Text("1.80".into())));
        for name in ["product.deleted", "customer.deleted"] {
            let deleted: Webhook<Deleted> = serde_json::from_str(&fixture(name)).unwrap();
            assert!(deleted.data.id.is_some(), "{name}");
        }
        for name in ["customer.created", "customer.updated"] {
            let customer: Webhook<Customer> = serde_json::from_str(&fixture(name)).unwrap();
            assert_eq!(
                customer.data.postal_code.as_deref(),
                Some("08029"),
                "{name}"
            );
        }
        let order: Webhook<Order> = serde_json::from_str(&fixture("order.created")).unwrap();
        let line = &order.data.order_contents[0];
        assert_eq!(line.modifiers.len(), 2);
        assert_eq!(line.item_name.as_deref(), Some("Café"));
        let invoice = &order.data.order_invoices[0];
        assert_eq!(
            invoice.order_payments[0].change,
            Some(Amount::Text("0.85".into()))
        );
        let closed: Webhook<OrderClosed> = serde_json::from_str(&fixture("order.closed")).unwrap();
        assert_eq!(closed.data.guests, Some(4));
    }

    #[test]
    fn documented_examples_have_no_unknown_fields() {
        for event in EVENT_TYPES {
            assert_eq!(RevoXef.unknown_fields(event, &fixture(event)), 0, "{event}");
        }
        let drifted =
            fixture("order.closed").replace("\"guests\": 4", "\"guests\": 4, \"waiter\": 2");
        assert_eq!(RevoXef.unknown_fields("order.closed", &drifted), 1);
    }

    #[test]
    fn every_documented_event_classifies_by_its_name_and_body() {
        for event in EVENT_TYPES {
            let body = fixture(event);
            let classified = classify(&body).unwrap();
            assert_eq!(classified.event_type, *event);
            assert_eq!(
                classified.dedupe_key,
                body_key(event, &crate::event::body_digest(body.as_bytes()))
            );
            assert!(classified.entity.is_some(), "{event}");
        }
        assert_eq!(
            classify(&fixture("order.closed"))
                .unwrap()
                .entity
                .as_deref(),
            Some("order:298")
        );
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
    }

    #[test]
    fn bad_input() {
        assert_eq!(classify("nope"), Err(ClassifyError::NotJson));
        assert_eq!(classify("[]"), Err(ClassifyError::Shape));
        assert_eq!(
            classify(r#"{"data":{}}"#),
            Err(ClassifyError::MissingField("event".into()))
        );
        assert_eq!(
            classify(r#"{"event":null}"#),
            Err(ClassifyError::MissingField("event".into()))
        );
        assert_eq!(classify(r#"{"event":5}"#), Err(ClassifyError::Shape));
        assert_eq!(
            classify(r#"{"event":""}"#),
            Err(ClassifyError::InvalidField {
                field: "event",
                reason: "empty"
            })
        );
    }
}
