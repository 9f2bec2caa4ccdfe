//! Revo Xef (hospitality point of sale): typed models of the published payload, which is
//! `{"tenant","event","data"}` whichever form (JSON or a form post) Revo sent: `tenant` is the
//! account, `data` the event's JSON. Every field is optional and unknown fields are ignored.
//! Amounts come as strings (`"1.15"`) in some places and numbers in others, so they are
//! [`Amount`]. Revo documents the bodies of its first seven events; for the others it documents
//! only the names, so their models take the fields Revo's API documents for the same resource
//! (stocks, purchase orders, gift cards), or the order for the order events.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{models, Id, ModelVisitor, ParseValue};

/// The vendor's name in envelopes.
pub const VENDOR: &str = "revo-xef";

/// The event names Revo documents; any other name is accepted and routed too.
pub const EVENT_TYPES: &[&str] = &[
    "product.created",
    "product.updated",
    "product.deleted",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "order.created",
    "order.updated",
    "order.moved",
    "order.merged",
    "order.cancelled",
    "order.closed",
    "stocks.created",
    "stocks.updated",
    "orderPayment.updated",
    "purchaseOrder.created",
    "purchaseOrder.updated",
    "giftCard.created",
    "turn.opened",
    "turn.closed",
    "kds.contentsReady",
];

/// The published payload: `tenant` (the account), `event` and its `data`; Revo Retail's
/// `username`, when it sent one, also stays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Webhook<D = serde_json::Value> {
    /// The Revo account (the envelope's `account`), or `null`.
    #[serde(default)]
    pub tenant: Option<String>,
    /// The event name, e.g. `order.created`.
    pub event: String,
    /// The event's data.
    pub data: D,
    /// Revo Retail's name for the account, when it sent one.
    #[serde(default)]
    pub username: Option<String>,
}

impl Webhook<Data> {
    /// Reads a published Revo Xef payload, its `data` into the model its `event` names.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        let webhook: Webhook = serde_json::from_str(json)?;
        let data = Data::parse(&webhook.event, webhook.data)?;
        Ok(Webhook {
            tenant: webhook.tenant,
            event: webhook.event,
            data,
            username: webhook.username,
        })
    }
}

models! {
    /// The `data` of a webhook, by the resource its `event` names.
    pub enum Data {
        /// `product.created`, `product.updated`.
        Product(Product),
        /// `product.deleted`, `customer.deleted`.
        Deleted(Deleted),
        /// `customer.created`, `customer.updated`.
        Customer(Customer),
        /// `order.*` and `kds.contentsReady`.
        Order(Order),
        /// `stocks.created`, `stocks.updated`.
        Stock(Stock),
        /// `orderPayment.updated`.
        OrderPayment(OrderPayment),
        /// `purchaseOrder.created`, `purchaseOrder.updated`.
        PurchaseOrder(PurchaseOrder),
        /// `giftCard.created`.
        GiftCard(GiftCard),
        /// `turn.opened`, `turn.closed`.
        Turn(Turn),
    }
}

impl Data {
    /// Parses `data` according to `event` ([`visit_model`]); anything else is `Other`.
    pub fn parse(event: &str, data: serde_json::Value) -> Result<Self, serde_json::Error> {
        match visit_model(event, ParseValue(&data)) {
            Some(parsed) => parsed,
            None => Ok(Self::Other(data)),
        }
    }
}

/// Calls `visitor` with the model of the `data` of `event`; `None` for an event without one.
pub fn visit_model<V: ModelVisitor<Data>>(event: &str, visitor: V) -> Option<V::Output> {
    Some(match event {
        "product.created" | "product.updated" => visitor.visit::<Product>(),
        "product.deleted" | "customer.deleted" => visitor.visit::<Deleted>(),
        "customer.created" | "customer.updated" => visitor.visit::<Customer>(),
        "order.created" | "order.updated" | "order.moved" | "order.merged" | "order.cancelled"
        | "order.closed" | "kds.contentsReady" => visitor.visit::<Order>(),
        "stocks.created" | "stocks.updated" => visitor.visit::<Stock>(),
        "orderPayment.updated" => visitor.visit::<OrderPayment>(),
        "purchaseOrder.created" | "purchaseOrder.updated" => visitor.visit::<PurchaseOrder>(),
        "giftCard.created" => visitor.visit::<GiftCard>(),
        "turn.opened" | "turn.closed" => visitor.visit::<Turn>(),
        _ => return None,
    })
}

/// A money amount or quantity as Revo sends it: a number or a decimal string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Amount {
    /// A JSON number.
    Number(f64),
    /// A decimal in a string, e.g. `"1.15"`.
    Text(String),
}

/// `product.created`, `product.updated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Product {
    pub id: Option<Id>,
    #[serde(rename = "type")]
    pub kind: Option<serde_json::Value>,
    pub name: Option<String>,
    pub price: Option<Amount>,
}

/// `product.deleted`, `customer.deleted`: only the id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Deleted {
    pub id: Option<Id>,
}

/// `customer.created`, `customer.updated` (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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

/// An order, whole, as every order event carries it: `order.created`, `order.updated`,
/// `order.moved`, `order.merged`, `order.cancelled` and `order.closed` (which Revo also fires
/// for intermediate closes, with `status` 0 and `total` 0; its first documentation showed only
/// `id`, `table_id`, `total` and `guests`), and the kitchen display's `kds.contentsReady`, whose
/// body Revo does not document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// Whether the order was cancelled (`true`/`false` or `1`/`0`).
    pub canceled: Option<serde_json::Value>,
    #[serde(rename = "created_at")]
    pub created_at: Option<String>,
    #[serde(rename = "updated_at")]
    pub updated_at: Option<String>,
}

/// A line of an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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

/// A payment of an invoice, and the data of `orderPayment.updated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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

/// `stocks.created`, `stocks.updated`: the stock of an item in a warehouse, with the fields
/// Revo's API gives a warehouse's stocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Stock {
    pub id: Option<Id>,
    pub quantity: Option<Amount>,
    #[serde(rename = "defaultQuantity")]
    pub default_quantity: Option<Amount>,
    pub alert: Option<Amount>,
    pub warehouse_id: Option<Id>,
    pub item_id: Option<Id>,
    pub unit_id: Option<Id>,
}

/// `purchaseOrder.created`, `purchaseOrder.updated`: an order to a supplier, with the fields
/// Revo's API gives purchase orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PurchaseOrder {
    pub id: Option<Id>,
    pub vendor_order_id: Option<Id>,
    pub reference: Option<String>,
    pub subtotal: Option<Amount>,
    pub tax: Option<Amount>,
    pub total: Option<Amount>,
    pub status: Option<serde_json::Value>,
    pub vendor_id: Option<Id>,
    #[serde(rename = "vendorName")]
    pub vendor_name: Option<String>,
    #[serde(rename = "contentsArray")]
    pub contents: Vec<PurchaseOrderContent>,
}

/// A line of a purchase order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PurchaseOrderContent {
    pub id: Option<Id>,
    pub status: Option<serde_json::Value>,
    pub quantity: Option<Amount>,
    pub received: Option<Amount>,
    pub price: Option<Amount>,
    pub subtotal: Option<Amount>,
    pub tax: Option<Amount>,
    pub total: Option<Amount>,
    pub order_id: Option<Id>,
    pub item_vendor_id: Option<Id>,
    #[serde(rename = "itemName")]
    pub item_name: Option<String>,
    #[serde(rename = "itemBarcode")]
    pub item_barcode: Option<String>,
    pub item_id: Option<Id>,
}

/// `giftCard.created`, with the fields Revo's API gives gift cards (identified by `uuid`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GiftCard {
    pub id: Option<Id>,
    pub uuid: Option<String>,
    pub balance: Option<Amount>,
    pub campaign_id: Option<Id>,
    pub customer_id: Option<Id>,
}

/// `turn.opened`, `turn.closed`: a till shift. Revo documents no body for these; the model names
/// the shift's id, its times as the order names them, and its employee as Revo names employees
/// elsewhere; anything more stays in the payload as published.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Turn {
    pub id: Option<Id>,
    pub opened: Option<String>,
    pub closed: Option<String>,
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
    #[serde(rename = "tenantUserName")]
    pub tenant_user_name: Option<String>,
}
