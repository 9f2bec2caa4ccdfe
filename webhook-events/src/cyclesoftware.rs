//! CycleSoftware (bicycle retail): one webhook for every event, an envelope
//! `{id, account_id, event_name, event_timestamp, payload}` whose `payload` is the entity the
//! event names. Every field but the envelope's `id`, `event_name` and `event_timestamp` is
//! optional, and unknown fields are ignored: a new field or a missing one at CycleSoftware never
//! breaks deserialization. The account is `account_id`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{models, Id, ModelVisitor, ParseValue};

/// The vendor's name in envelopes.
pub const VENDOR: &str = "cyclesoftware";

/// The documented event names; any other is accepted and routed too.
pub const DOCUMENTED_EVENTS: &[&str] = &[
    "customer.created",
    "customer.updated",
    "sales_order.created",
    "sales_order.updated",
    "sales_order.deleted",
    "sales_order.invoiced",
    "workshop_order.created",
    "workshop_order.updated",
    "workshop_order.deleted",
    "workshop_order_roadworthy.created",
    "workshop_order_roadworthy.updated",
    "workshop_order_roadworthy.deleted",
    "sales_transaction.created",
    "sales_transaction.updated",
    "store_order.created",
    "store_order.updated",
    "payments.created",
    "warehouse_outbound_order.created_or_updated",
    "warehouse_stock_item.updated",
    "warehouse_stock_item.released_for_shipment",
];

/// The webhook envelope, generic over its payload: what a CycleSoftware event publishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Webhook<P = serde_json::Value> {
    /// The delivery's id, the same for every retry of one event.
    pub id: String,
    /// The CycleSoftware account (the envelope's `account`).
    #[serde(default)]
    pub account_id: Option<Id>,
    /// The event name, e.g. `sales_order.updated`.
    pub event_name: String,
    /// When the event happened, in seconds since the Unix epoch (with a fraction).
    pub event_timestamp: f64,
    /// The entity the event is about.
    pub payload: P,
}

impl Webhook<Payload> {
    /// Reads a published CycleSoftware payload, its `payload` into the model its `event_name`
    /// names.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        let webhook: Webhook = serde_json::from_str(json)?;
        let payload = Payload::parse(&webhook.event_name, webhook.payload)?;
        Ok(Webhook {
            id: webhook.id,
            account_id: webhook.account_id,
            event_name: webhook.event_name,
            event_timestamp: webhook.event_timestamp,
            payload,
        })
    }
}

models! {
    /// The payload of a webhook, by the entity its `event_name` names.
    pub enum Payload {
        /// `customer.*`.
        Customer(CustomerEvent),
        /// `sales_order.*`.
        SalesOrder(SalesOrder),
        /// `workshop_order.*` and `workshop_order_roadworthy.*`.
        WorkshopOrder(WorkshopOrder),
        /// `sales_transaction.*`.
        SalesTransaction(SalesTransaction),
        /// `store_order.*`.
        StoreOrder(StoreOrder),
        /// `payments.*`.
        Payments(Payments),
        /// `warehouse_outbound_order.*`.
        WarehouseOutboundOrder(WarehouseOutboundOrder),
        /// `warehouse_stock_item.*`.
        WarehouseStockItem(WarehouseStockItem),
    }
}

impl Payload {
    /// Parses `payload` according to the first part of `event_name` ([`visit_model`]);
    /// anything else is `Other`.
    pub fn parse(event_name: &str, payload: serde_json::Value) -> Result<Self, serde_json::Error> {
        match visit_model(event_name, ParseValue(&payload)) {
            Some(parsed) => parsed,
            None => Ok(Self::Other(payload)),
        }
    }
}

/// Calls `visitor` with the model of the `payload` of `event_name`, by its first part
/// (`customer`, `sales_order`, `workshop_order`, `workshop_order_roadworthy`,
/// `sales_transaction`, `store_order`, `payments`, `warehouse_outbound_order`,
/// `warehouse_stock_item`); `None` for any other.
pub fn visit_model<V: ModelVisitor<Payload>>(event_name: &str, visitor: V) -> Option<V::Output> {
    Some(match event_name.split('.').next().unwrap_or_default() {
        "customer" => visitor.visit::<CustomerEvent>(),
        "sales_order" => visitor.visit::<SalesOrder>(),
        "workshop_order" | "workshop_order_roadworthy" => visitor.visit::<WorkshopOrder>(),
        "sales_transaction" => visitor.visit::<SalesTransaction>(),
        "store_order" => visitor.visit::<StoreOrder>(),
        "payments" => visitor.visit::<Payments>(),
        "warehouse_outbound_order" => visitor.visit::<WarehouseOutboundOrder>(),
        "warehouse_stock_item" => visitor.visit::<WarehouseStockItem>(),
        _ => return None,
    })
}

/// `customer.created|updated`: the customer, under `customer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CustomerEvent {
    pub customer: Option<Customer>,
}

/// `sales_order.created|updated|deleted|invoiced`, and the `sales_order` of a workshop order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SalesOrder {
    pub sales_order_id: Option<i64>,
    pub store_id: Option<i64>,
    pub sales_employee_id: Option<i64>,
    pub last_update_employee_id: Option<i64>,
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
    /// Cancelled items that were not deleted.
    pub cancelled_order_items: Option<Vec<OrderItem>>,
    /// Deleted items, sent once (in the webhook after their deletion).
    pub deleted_order_items: Option<Vec<OrderItem>>,
    pub customer: Option<Customer>,
    /// `null` when none was given (it was `null` in every example before it became an object).
    pub delivery_address: Option<DeliveryAddress>,
    pub labels: Vec<String>,
}

/// Where a sales order is delivered (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeliveryAddress {
    pub delivery_address_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub is_business: Option<bool>,
    pub company_name: Option<String>,
    pub name: Option<String>,
    pub street: Option<String>,
    pub housenumber: Option<String>,
    pub housenumber_postfix: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// Deprecated: the country code again.
    pub country: Option<String>,
    pub country_code_iso_3166: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub remarks: Option<String>,
}

/// A line of a sales order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// The customer the item is invoiced to.
    pub assigned_to_customer_id: Option<i64>,
    /// Absent (not `null`) while the item is not invoiced.
    pub invoice_number: Option<i64>,
}

/// The customer of an order (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Customer {
    pub customer_id: Option<i64>,
    pub customer_barcode: Option<String>,
    pub customer_type_name: Option<String>,
    pub customer_reference: Option<String>,
    pub prefix: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
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
    pub date_of_birth: Option<String>,
    pub phone_numbers: Vec<PhoneNumber>,
}

/// One of a customer's phone numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PhoneNumber {
    pub phone_number_id: Option<String>,
    pub customer_id: Option<i64>,
    pub phone_number: Option<String>,
    pub name: Option<String>,
}

/// `workshop_order.created|updated|deleted` and `workshop_order_roadworthy.created|updated|deleted`
/// (the roadworthiness check of a sales order): a repair, with its sales order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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

/// `sales_transaction.created|updated`: an invoice, identified by its `invoice_number`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SalesTransaction {
    pub invoice_number: Option<i64>,
    /// When this transaction was credited, the credit invoice's number.
    pub credit_invoice_number: Option<i64>,
    /// When this transaction is a credit, the original invoice's number.
    pub debit_invoice_number: Option<i64>,
    pub is_final: Option<bool>,
    /// `0` for an anonymous customer.
    pub customer_id: Option<i64>,
    pub store_id: Option<i64>,
    pub sales_employee_id: Option<i64>,
    pub sales_order_id: Option<i64>,
    pub workshop_order_id: Option<i64>,
    pub total_amount_cents: Option<i64>,
    pub unpayed_amount_cents: Option<i64>,
    pub invoice_date: Option<String>,
    /// `null` while not booked.
    pub book_date: Option<String>,
    pub sales_items: Vec<SalesItem>,
}

/// A line of a sales transaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SalesItem {
    pub sales_item_id: Option<i64>,
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
    pub identification: Option<Identification>,
}

/// The serial numbers of the object a sales item sold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Identification {
    pub stock_object_id: Option<i64>,
    pub frame_number: Option<String>,
    pub key_number: Option<String>,
    pub lock_number: Option<String>,
    pub battery_number: Option<String>,
    pub engine_number: Option<String>,
    pub serial_number: Option<String>,
    pub license_plate_number: Option<String>,
}

/// `store_order.created|updated`: an internal delivery between stores.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct StoreOrderItem {
    pub store_order_item_id: Option<i64>,
    pub barcode: Option<String>,
    pub quantity: Option<f64>,
    pub item_type_id: Option<i64>,
    pub object_id: Option<i64>,
    pub description: Option<String>,
}

/// `payments.created`: payments registered for a sales order or a sales transaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Payments {
    /// `7`: a sales order; `5`: a sales transaction.
    pub entity_type_id: Option<i64>,
    /// The sales order's id, or the sales transaction's number.
    pub entity_id: Option<i64>,
    pub payments: Vec<Payment>,
}

/// One payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Payment {
    pub payment_method_id: Option<i64>,
    pub payment_method_name: Option<String>,
    pub book_date: Option<String>,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
}

/// `warehouse_outbound_order.created_or_updated`: an order the warehouse ships.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WarehouseOutboundOrder {
    pub outbound_order_id: Option<i64>,
    pub outbound_order_type_id: Option<i64>,
    pub outbound_order_status_id: Option<i64>,
    pub dealer_id: Option<i64>,
    /// The account the order belongs to (the envelope's `account_id` is the warehouse's).
    pub account_id: Option<i64>,
    pub store_id: Option<i64>,
    pub created_at: Option<String>,
    pub datetime_preferred_delivery: Option<String>,
    pub sales_order_id: Option<i64>,
    pub order_reference_text: Option<String>,
    pub order_items: Vec<OutboundOrderItem>,
}

/// A line of an outbound order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct OutboundOrderItem {
    pub outbound_order_item_id: Option<i64>,
    pub item_type_id: Option<i64>,
    /// `false`: the item is marked deleted.
    pub is_active: Option<bool>,
    pub barcode: Option<String>,
    pub quantity: Option<f64>,
    pub quantity_claimed: Option<f64>,
    pub quantity_shipped: Option<f64>,
    pub is_blocked_for_claiming: Option<bool>,
    pub description: Option<String>,
    pub remark: Option<String>,
    pub reference: Option<String>,
    pub is_sold_to_customer: Option<bool>,
    pub is_attached_to_outbound_item_id: Option<i64>,
    pub is_pooled_within_stores: Option<bool>,
}

/// `warehouse_stock_item.updated|released_for_shipment` (nothing is sent when one is deleted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WarehouseStockItem {
    pub warehouse_stock_item_id: Option<i64>,
    /// `0` when the item belongs to no outbound order.
    pub warehouse_outbound_order_id: Option<i64>,
    pub warehouse_outbound_order_item_id: Option<i64>,
    /// `0` while not shipped.
    pub warehouse_outbound_shipment_id: Option<i64>,
    pub warehouse_outbound_shipment_item_id: Option<i64>,
    pub warehouse_location: Option<WarehouseLocation>,
    pub supplier_id: Option<i64>,
    pub article_id: Option<String>,
    pub barcode: Option<String>,
    pub battery_id: Option<String>,
    pub customer_id: Option<i64>,
    pub customer_order_id: Option<i64>,
    pub employee_first_name: Option<String>,
    pub employee_last_name: Option<String>,
    pub frame_id: Option<String>,
    pub is_assembled: Option<bool>,
    pub is_shipped: Option<bool>,
    pub is_delivered: Option<bool>,
    pub key_id: Option<String>,
    pub lock_id: Option<String>,
    pub license_plate_number: Option<String>,
    pub order_reference_id: Option<String>,
    pub order_reference_text: Option<String>,
    pub labels: Vec<String>,
    pub sub_order_items: Vec<SubOrderItem>,
}

/// Where a stock item is in the warehouse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WarehouseLocation {
    pub location: Option<String>,
    pub rack_name: Option<String>,
}

/// An item that goes with a stock item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SubOrderItem {
    pub article_id: Option<String>,
    pub barcode: Option<String>,
    pub is_active: Option<bool>,
    pub is_included: Option<bool>,
    pub quantity: Option<f64>,
    pub quantity_claimed: Option<f64>,
    pub reference: Option<String>,
    pub remark: Option<String>,
}
