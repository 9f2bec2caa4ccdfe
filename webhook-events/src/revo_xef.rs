//! Revo Xef (hospitality point of sale): typed models of the published payload, which is
//! `{"tenant","event","data"}` whichever form (JSON or a form post) Revo sent: `tenant` is the
//! account, `data` the event's JSON. Every field is optional and unknown fields are ignored.
//! Amounts come as strings (`"1.15"`) in some places and numbers in others, so they are
//! [`Amount`]. Revo documents the bodies of its first seven events; for the others it documents
//! only the names, so their models take the fields Revo's API documents for the same resource
//! (stocks, purchase orders, gift cards), or the order for the order events.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{variants_from_models, Id, ModelVisitor, ParseValue};

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

/// The `data` of a webhook, by the resource its `event` names.
#[allow(clippy::large_enum_variant)] // parsed once per use, never stored in bulk
#[derive(Debug, Clone, PartialEq)]
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
    /// An event this model does not know yet: still accepted and routed.
    Other(serde_json::Value),
}

variants_from_models!(Data:
    Product(Product),
    Deleted(Deleted),
    Customer(Customer),
    Order(Order),
    Stock(Stock),
    OrderPayment(OrderPayment),
    PurchaseOrder(PurchaseOrder),
    GiftCard(GiftCard),
    Turn(Turn),
);

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
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<serde_json::Value>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `price` as the vendor sends it.
    pub price: Option<Amount>,
}

/// `product.deleted`, `customer.deleted`: only the id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Deleted {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
}

/// `customer.created`, `customer.updated` (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Customer {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `active` as the vendor sends it.
    pub active: Option<serde_json::Value>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `address` as the vendor sends it.
    pub address: Option<String>,
    /// `city` as the vendor sends it.
    pub city: Option<String>,
    /// `state` as the vendor sends it.
    pub state: Option<String>,
    /// `country` as the vendor sends it.
    pub country: Option<String>,
    /// `postalCode` as the vendor sends it.
    #[serde(rename = "postalCode")]
    pub postal_code: Option<String>,
    /// `nif` as the vendor sends it.
    pub nif: Option<String>,
    /// `web` as the vendor sends it.
    pub web: Option<String>,
    /// `email` as the vendor sends it.
    pub email: Option<String>,
    /// `phone` as the vendor sends it.
    pub phone: Option<String>,
    /// `notes` as the vendor sends it.
    pub notes: Option<String>,
    /// `extra_id` as the vendor sends it.
    pub extra_id: Option<Id>,
    /// `created_at` as the vendor sends it.
    pub created_at: Option<String>,
    /// `updated_at` as the vendor sends it.
    pub updated_at: Option<String>,
    /// `deleted_at` as the vendor sends it.
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
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `opened` as the vendor sends it.
    pub opened: Option<String>,
    /// `closed` as the vendor sends it.
    pub closed: Option<String>,
    /// `merged` as the vendor sends it.
    pub merged: Option<serde_json::Value>,
    /// `guests` as the vendor sends it.
    pub guests: Option<i64>,
    /// `orderDiscountAmount` as the vendor sends it.
    pub order_discount_amount: Option<Amount>,
    /// `sum` as the vendor sends it.
    pub sum: Option<Amount>,
    /// `discountAmount` as the vendor sends it.
    pub discount_amount: Option<Amount>,
    /// `subtotal` as the vendor sends it.
    pub subtotal: Option<Amount>,
    /// `taxAmount` as the vendor sends it.
    pub tax_amount: Option<Amount>,
    /// `total` as the vendor sends it.
    pub total: Option<Amount>,
    /// `alreadyPaid` as the vendor sends it.
    pub already_paid: Option<Amount>,
    /// `tenantUser_id` as the vendor sends it.
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
    /// `tenantUserName` as the vendor sends it.
    pub tenant_user_name: Option<String>,
    /// `discount` as the vendor sends it.
    pub discount: Option<serde_json::Value>,
    /// `customer_id` as the vendor sends it.
    #[serde(rename = "customer_id")]
    pub customer_id: Option<Id>,
    /// `table_id` as the vendor sends it.
    #[serde(rename = "table_id")]
    pub table_id: Option<Id>,
    /// `tableName` as the vendor sends it.
    pub table_name: Option<String>,
    /// `status` as the vendor sends it.
    pub status: Option<serde_json::Value>,
    /// `notes_sent` as the vendor sends it.
    #[serde(rename = "notes_sent")]
    pub notes_sent: Option<serde_json::Value>,
    /// `delivery_id` as the vendor sends it.
    #[serde(rename = "delivery_id")]
    pub delivery_id: Option<Id>,
    /// `margin` as the vendor sends it.
    pub margin: Option<Amount>,
    /// `gratuity` as the vendor sends it.
    pub gratuity: Option<Amount>,
    /// `offline_id` as the vendor sends it.
    #[serde(rename = "offline_id")]
    pub offline_id: Option<Id>,
    /// `notes` as the vendor sends it.
    pub notes: Option<String>,
    /// `refunded_order_id` as the vendor sends it.
    #[serde(rename = "refunded_order_id")]
    pub refunded_order_id: Option<Id>,
    /// `orderContents` as the vendor sends it.
    pub order_contents: Vec<OrderContent>,
    /// `orderInvoices` as the vendor sends it.
    pub order_invoices: Vec<OrderInvoice>,
    /// `delivery` as the vendor sends it.
    pub delivery: Option<serde_json::Value>,
    /// Whether the order was cancelled (`true`/`false` or `1`/`0`).
    pub canceled: Option<serde_json::Value>,
    /// `created_at` as the vendor sends it.
    #[serde(rename = "created_at")]
    pub created_at: Option<String>,
    /// `updated_at` as the vendor sends it.
    #[serde(rename = "updated_at")]
    pub updated_at: Option<String>,
}

/// A line of an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderContent {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `order_id` as the vendor sends it.
    #[serde(rename = "order_id")]
    pub order_id: Option<Id>,
    /// `item_id` as the vendor sends it.
    #[serde(rename = "item_id")]
    pub item_id: Option<Id>,
    /// `dishOrder` as the vendor sends it.
    pub dish_order: Option<i64>,
    /// `seat` as the vendor sends it.
    pub seat: Option<i64>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<Amount>,
    /// `weight` as the vendor sends it.
    pub weight: Option<Amount>,
    /// `itemPrice` as the vendor sends it.
    pub item_price: Option<Amount>,
    /// `alreadyPaidQuantity` as the vendor sends it.
    pub already_paid_quantity: Option<Amount>,
    /// `alreadyPrintedQuantity` as the vendor sends it.
    pub already_printed_quantity: Option<Amount>,
    /// `modifiers` as the vendor sends it.
    pub modifiers: Vec<Modifier>,
    /// `discount` as the vendor sends it.
    pub discount: Option<serde_json::Value>,
    /// `discountAmount` as the vendor sends it.
    pub discount_amount: Option<Amount>,
    /// `taxAmount` as the vendor sends it.
    pub tax_amount: Option<Amount>,
    /// `taxPercentage` as the vendor sends it.
    pub tax_percentage: Option<Amount>,
    /// `total` as the vendor sends it.
    pub total: Option<Amount>,
    /// `extrasAmount` as the vendor sends it.
    pub extras_amount: Option<Amount>,
    /// `subtotal` as the vendor sends it.
    pub subtotal: Option<Amount>,
    /// `priceWithExtrasIndividual` as the vendor sends it.
    pub price_with_extras_individual: Option<Amount>,
    /// `notes` as the vendor sends it.
    pub notes: Option<String>,
    /// `cancelReason` as the vendor sends it.
    pub cancel_reason: Option<String>,
    /// `created_at` as the vendor sends it.
    #[serde(rename = "created_at")]
    pub created_at: Option<String>,
    /// `updated_at` as the vendor sends it.
    #[serde(rename = "updated_at")]
    pub updated_at: Option<String>,
    /// `itemName` as the vendor sends it.
    pub item_name: Option<String>,
    /// `optional_modifiers` as the vendor sends it.
    #[serde(rename = "optional_modifiers")]
    pub optional_modifiers: Option<serde_json::Value>,
    /// `menuMenuContents` as the vendor sends it.
    #[serde(rename = "menuMenuContents")]
    pub menu_menu_contents: Vec<serde_json::Value>,
    /// `orderContentCombination` as the vendor sends it.
    pub order_content_combination: Option<serde_json::Value>,
    /// `format_pivot_id` as the vendor sends it.
    #[serde(rename = "format_pivot_id")]
    pub format_pivot_id: Option<Id>,
    /// `margin` as the vendor sends it.
    pub margin: Option<Amount>,
    /// `price_id` as the vendor sends it.
    #[serde(rename = "price_id")]
    pub price_id: Option<Id>,
    /// `tenantUser_id` as the vendor sends it.
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
}

/// A modifier on an order line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Modifier {
    /// `category_id` as the vendor sends it.
    pub category_id: Option<Id>,
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `order` as the vendor sends it.
    pub order: Option<i64>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `photo` as the vendor sends it.
    pub photo: Option<String>,
    /// `price` as the vendor sends it.
    pub price: Option<Amount>,
}

/// An invoice of an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderInvoice {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `order_id` as the vendor sends it.
    #[serde(rename = "order_id")]
    pub order_id: Option<Id>,
    /// `customer_id` as the vendor sends it.
    #[serde(rename = "customer_id")]
    pub customer_id: Option<Id>,
    /// `customerJSON` as the vendor sends it.
    #[serde(rename = "customerJSON")]
    pub customer_json: Option<serde_json::Value>,
    /// `date` as the vendor sends it.
    pub date: Option<String>,
    /// `paymentMode` as the vendor sends it.
    pub payment_mode: Option<serde_json::Value>,
    /// `sum` as the vendor sends it.
    pub sum: Option<Amount>,
    /// `discountAmount` as the vendor sends it.
    pub discount_amount: Option<Amount>,
    /// `orderDiscountAmount` as the vendor sends it.
    pub order_discount_amount: Option<Amount>,
    /// `taxAmount` as the vendor sends it.
    pub tax_amount: Option<Amount>,
    /// `subtotal` as the vendor sends it.
    pub subtotal: Option<Amount>,
    /// `total` as the vendor sends it.
    pub total: Option<Amount>,
    /// `cancelReason` as the vendor sends it.
    pub cancel_reason: Option<String>,
    /// `number` as the vendor sends it.
    pub number: Option<Id>,
    /// `notAccountable` as the vendor sends it.
    pub not_accountable: Option<serde_json::Value>,
    /// `orderPayments` as the vendor sends it.
    pub order_payments: Vec<OrderPayment>,
}

/// A payment of an invoice, and the data of `orderPayment.updated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderPayment {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `invoice_id` as the vendor sends it.
    #[serde(rename = "invoice_id")]
    pub invoice_id: Option<Id>,
    /// `tenantUser_id` as the vendor sends it.
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
    /// `tenantUserName` as the vendor sends it.
    pub tenant_user_name: Option<String>,
    /// `date` as the vendor sends it.
    pub date: Option<String>,
    /// `tipAmount` as the vendor sends it.
    pub tip_amount: Option<Amount>,
    /// `payAmount` as the vendor sends it.
    pub pay_amount: Option<Amount>,
    /// `totalCollected` as the vendor sends it.
    pub total_collected: Option<Amount>,
    /// `change` as the vendor sends it.
    pub change: Option<Amount>,
    /// `paymentMethod` as the vendor sends it.
    pub payment_method: Option<serde_json::Value>,
    /// `voidReason` as the vendor sends it.
    pub void_reason: Option<String>,
    /// `turn_id` as the vendor sends it.
    #[serde(rename = "turn_id")]
    pub turn_id: Option<Id>,
    /// `cancelReason` as the vendor sends it.
    pub cancel_reason: Option<String>,
    /// `gratuity` as the vendor sends it.
    pub gratuity: Option<Amount>,
    /// `provider_id` as the vendor sends it.
    #[serde(rename = "provider_id")]
    pub provider_id: Option<Id>,
}

/// `stocks.created`, `stocks.updated`: the stock of an item in a warehouse, with the fields
/// Revo's API gives a warehouse's stocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Stock {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<Amount>,
    /// `defaultQuantity` as the vendor sends it.
    #[serde(rename = "defaultQuantity")]
    pub default_quantity: Option<Amount>,
    /// `alert` as the vendor sends it.
    pub alert: Option<Amount>,
    /// `warehouse_id` as the vendor sends it.
    pub warehouse_id: Option<Id>,
    /// `item_id` as the vendor sends it.
    pub item_id: Option<Id>,
    /// `unit_id` as the vendor sends it.
    pub unit_id: Option<Id>,
}

/// `purchaseOrder.created`, `purchaseOrder.updated`: an order to a supplier, with the fields
/// Revo's API gives purchase orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PurchaseOrder {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `vendor_order_id` as the vendor sends it.
    pub vendor_order_id: Option<Id>,
    /// `reference` as the vendor sends it.
    pub reference: Option<String>,
    /// `subtotal` as the vendor sends it.
    pub subtotal: Option<Amount>,
    /// `tax` as the vendor sends it.
    pub tax: Option<Amount>,
    /// `total` as the vendor sends it.
    pub total: Option<Amount>,
    /// `status` as the vendor sends it.
    pub status: Option<serde_json::Value>,
    /// `vendor_id` as the vendor sends it.
    pub vendor_id: Option<Id>,
    /// `vendorName` as the vendor sends it.
    #[serde(rename = "vendorName")]
    pub vendor_name: Option<String>,
    /// `contentsArray` as the vendor sends it.
    #[serde(rename = "contentsArray")]
    pub contents: Vec<PurchaseOrderContent>,
}

/// A line of a purchase order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PurchaseOrderContent {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `status` as the vendor sends it.
    pub status: Option<serde_json::Value>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<Amount>,
    /// `received` as the vendor sends it.
    pub received: Option<Amount>,
    /// `price` as the vendor sends it.
    pub price: Option<Amount>,
    /// `subtotal` as the vendor sends it.
    pub subtotal: Option<Amount>,
    /// `tax` as the vendor sends it.
    pub tax: Option<Amount>,
    /// `total` as the vendor sends it.
    pub total: Option<Amount>,
    /// `order_id` as the vendor sends it.
    pub order_id: Option<Id>,
    /// `item_vendor_id` as the vendor sends it.
    pub item_vendor_id: Option<Id>,
    /// `itemName` as the vendor sends it.
    #[serde(rename = "itemName")]
    pub item_name: Option<String>,
    /// `itemBarcode` as the vendor sends it.
    #[serde(rename = "itemBarcode")]
    pub item_barcode: Option<String>,
    /// `item_id` as the vendor sends it.
    pub item_id: Option<Id>,
}

/// `giftCard.created`, with the fields Revo's API gives gift cards (identified by `uuid`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GiftCard {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `uuid` as the vendor sends it.
    pub uuid: Option<String>,
    /// `balance` as the vendor sends it.
    pub balance: Option<Amount>,
    /// `campaign_id` as the vendor sends it.
    pub campaign_id: Option<Id>,
    /// `customer_id` as the vendor sends it.
    pub customer_id: Option<Id>,
}

/// `turn.opened`, `turn.closed`: a till shift. Revo documents no body for these; the model names
/// the shift's id, its times as the order names them, and its employee as Revo names employees
/// elsewhere; anything more stays in the payload as published.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Turn {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `opened` as the vendor sends it.
    pub opened: Option<String>,
    /// `closed` as the vendor sends it.
    pub closed: Option<String>,
    /// `tenantUser_id` as the vendor sends it.
    #[serde(rename = "tenantUser_id")]
    pub tenant_user_id: Option<Id>,
    /// `tenantUserName` as the vendor sends it.
    #[serde(rename = "tenantUserName")]
    pub tenant_user_name: Option<String>,
}
