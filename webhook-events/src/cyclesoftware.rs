//! CycleSoftware (bicycle retail): one webhook for every event, an envelope
//! `{id, account_id, event_name, event_timestamp, payload}` whose `payload` is the entity the
//! event names. Every field but the envelope's `id`, `event_name` and `event_timestamp` is
//! optional, and unknown fields are ignored: a new field or a missing one at CycleSoftware never
//! breaks deserialization. The account is `account_id`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{variants_from_models, Id, ModelVisitor, ParseValue};

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

/// The payload of a webhook, by the entity its `event_name` names.
#[allow(clippy::large_enum_variant)] // parsed once per use, never stored in bulk
#[derive(Debug, Clone, PartialEq)]
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
    /// An event name this model does not know yet: still accepted and routed.
    Other(serde_json::Value),
}

variants_from_models!(Payload:
    Customer(CustomerEvent),
    SalesOrder(SalesOrder),
    WorkshopOrder(WorkshopOrder),
    SalesTransaction(SalesTransaction),
    StoreOrder(StoreOrder),
    Payments(Payments),
    WarehouseOutboundOrder(WarehouseOutboundOrder),
    WarehouseStockItem(WarehouseStockItem),
);

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
    /// `customer` as the vendor sends it.
    pub customer: Option<Customer>,
}

/// `sales_order.created|updated|deleted|invoiced`, and the `sales_order` of a workshop order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SalesOrder {
    /// `sales_order_id` as the vendor sends it.
    pub sales_order_id: Option<i64>,
    /// `store_id` as the vendor sends it.
    pub store_id: Option<i64>,
    /// `sales_employee_id` as the vendor sends it.
    pub sales_employee_id: Option<i64>,
    /// `last_update_employee_id` as the vendor sends it.
    pub last_update_employee_id: Option<i64>,
    /// `customer_id` as the vendor sends it.
    pub customer_id: Option<i64>,
    /// `order_type_id` as the vendor sends it.
    pub order_type_id: Option<i64>,
    /// `order_type_text` as the vendor sends it.
    pub order_type_text: Option<String>,
    /// `order_reference_id` as the vendor sends it.
    pub order_reference_id: Option<String>,
    /// `order_reference_text` as the vendor sends it.
    pub order_reference_text: Option<String>,
    /// `datetime_created` as the vendor sends it.
    pub datetime_created: Option<String>,
    /// `datetime_modified` as the vendor sends it.
    pub datetime_modified: Option<String>,
    /// `datetime_preferred_delivery` as the vendor sends it.
    pub datetime_preferred_delivery: Option<String>,
    /// `datetime_preferred_pickup` as the vendor sends it.
    pub datetime_preferred_pickup: Option<String>,
    /// `status_id` as the vendor sends it.
    pub status_id: Option<i64>,
    /// `status_text` as the vendor sends it.
    pub status_text: Option<String>,
    /// `cancellation_type_id` as the vendor sends it.
    pub cancellation_type_id: Option<i64>,
    /// `cancellation_description` as the vendor sends it.
    pub cancellation_description: Option<String>,
    /// `remarks` as the vendor sends it.
    pub remarks: Option<String>,
    /// `has_invoice` as the vendor sends it.
    pub has_invoice: Option<bool>,
    /// `invoice_number` as the vendor sends it.
    pub invoice_number: Option<i64>,
    /// `ship_to_customer` as the vendor sends it.
    pub ship_to_customer: Option<bool>,
    /// `delivery_method_id` as the vendor sends it.
    pub delivery_method_id: Option<i64>,
    /// `delivery_method_description` as the vendor sends it.
    pub delivery_method_description: Option<String>,
    /// `shipment_method_description` as the vendor sends it.
    pub shipment_method_description: Option<String>,
    /// `payment_method_description` as the vendor sends it.
    pub payment_method_description: Option<String>,
    /// `order_items` as the vendor sends it.
    pub order_items: Vec<OrderItem>,
    /// Cancelled items that were not deleted.
    pub cancelled_order_items: Option<Vec<OrderItem>>,
    /// Deleted items, sent once (in the webhook after their deletion).
    pub deleted_order_items: Option<Vec<OrderItem>>,
    /// `customer` as the vendor sends it.
    pub customer: Option<Customer>,
    /// `null` when none was given (it was `null` in every example before it became an object).
    pub delivery_address: Option<DeliveryAddress>,
    /// `labels` as the vendor sends it.
    pub labels: Vec<String>,
}

/// Where a sales order is delivered (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeliveryAddress {
    /// `delivery_address_id` as the vendor sends it.
    pub delivery_address_id: Option<i64>,
    /// `customer_id` as the vendor sends it.
    pub customer_id: Option<i64>,
    /// `is_business` as the vendor sends it.
    pub is_business: Option<bool>,
    /// `company_name` as the vendor sends it.
    pub company_name: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `street` as the vendor sends it.
    pub street: Option<String>,
    /// `housenumber` as the vendor sends it.
    pub housenumber: Option<String>,
    /// `housenumber_postfix` as the vendor sends it.
    pub housenumber_postfix: Option<String>,
    /// `postcode` as the vendor sends it.
    pub postcode: Option<String>,
    /// `city` as the vendor sends it.
    pub city: Option<String>,
    /// Deprecated: the country code again.
    pub country: Option<String>,
    /// `country_code_iso_3166` as the vendor sends it.
    pub country_code_iso_3166: Option<String>,
    /// `phone_number` as the vendor sends it.
    pub phone_number: Option<String>,
    /// `email` as the vendor sends it.
    pub email: Option<String>,
    /// `remarks` as the vendor sends it.
    pub remarks: Option<String>,
}

/// A line of a sales order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct OrderItem {
    /// `item_id` as the vendor sends it.
    pub item_id: Option<i64>,
    /// `item_type_id` as the vendor sends it.
    pub item_type_id: Option<i64>,
    /// `special_type_id` as the vendor sends it.
    pub special_type_id: Option<i64>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<f64>,
    /// `barcode` as the vendor sends it.
    pub barcode: Option<String>,
    /// `pos_group_id` as the vendor sends it.
    pub pos_group_id: Option<i64>,
    /// `description` as the vendor sends it.
    pub description: Option<String>,
    /// `unit_price_in_vat_cents` as the vendor sends it.
    pub unit_price_in_vat_cents: Option<i64>,
    /// `unit_discount_amount_in_vat_cents` as the vendor sends it.
    pub unit_discount_amount_in_vat_cents: Option<i64>,
    /// `price_in_vat_cents` as the vendor sends it.
    pub price_in_vat_cents: Option<i64>,
    /// `discount_percentage` as the vendor sends it.
    pub discount_percentage: Option<f64>,
    /// `vat_code` as the vendor sends it.
    pub vat_code: Option<i64>,
    /// `vat_percentage` as the vendor sends it.
    pub vat_percentage: Option<f64>,
    /// `vat_amount_cents` as the vendor sends it.
    pub vat_amount_cents: Option<i64>,
    /// `item_status_id` as the vendor sends it.
    pub item_status_id: Option<i64>,
    /// `item_status_text` as the vendor sends it.
    pub item_status_text: Option<String>,
    /// `unit_work_time_minutes` as the vendor sends it.
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
    /// `customer_id` as the vendor sends it.
    pub customer_id: Option<i64>,
    /// `customer_barcode` as the vendor sends it.
    pub customer_barcode: Option<String>,
    /// `customer_type_name` as the vendor sends it.
    pub customer_type_name: Option<String>,
    /// `customer_reference` as the vendor sends it.
    pub customer_reference: Option<String>,
    /// `prefix` as the vendor sends it.
    pub prefix: Option<String>,
    /// `title` as the vendor sends it.
    pub title: Option<String>,
    /// `first_name` as the vendor sends it.
    pub first_name: Option<String>,
    /// `initials` as the vendor sends it.
    pub initials: Option<String>,
    /// `name_prefix` as the vendor sends it.
    pub name_prefix: Option<String>,
    /// `insertion` as the vendor sends it.
    pub insertion: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `attn` as the vendor sends it.
    pub attn: Option<String>,
    /// `street` as the vendor sends it.
    pub street: Option<String>,
    /// `house_number` as the vendor sends it.
    pub house_number: Option<String>,
    /// `house_number_postfix` as the vendor sends it.
    pub house_number_postfix: Option<String>,
    /// `postcode` as the vendor sends it.
    pub postcode: Option<String>,
    /// `city` as the vendor sends it.
    pub city: Option<String>,
    /// `country` as the vendor sends it.
    pub country: Option<String>,
    /// `country_code_iso_3166` as the vendor sends it.
    pub country_code_iso_3166: Option<String>,
    /// `iban` as the vendor sends it.
    pub iban: Option<String>,
    /// `email` as the vendor sends it.
    pub email: Option<String>,
    /// `discount_percentage` as the vendor sends it.
    pub discount_percentage: Option<f64>,
    /// `datetime_created` as the vendor sends it.
    pub datetime_created: Option<String>,
    /// `date_of_birth` as the vendor sends it.
    pub date_of_birth: Option<String>,
    /// `phone_numbers` as the vendor sends it.
    pub phone_numbers: Vec<PhoneNumber>,
}

/// One of a customer's phone numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PhoneNumber {
    /// `phone_number_id` as the vendor sends it.
    pub phone_number_id: Option<String>,
    /// `customer_id` as the vendor sends it.
    pub customer_id: Option<i64>,
    /// `phone_number` as the vendor sends it.
    pub phone_number: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
}

/// `workshop_order.created|updated|deleted` and `workshop_order_roadworthy.created|updated|deleted`
/// (the roadworthiness check of a sales order): a repair, with its sales order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WorkshopOrder {
    /// `workshop_order_id` as the vendor sends it.
    pub workshop_order_id: Option<i64>,
    /// `repair_object_id` as the vendor sends it.
    pub repair_object_id: Option<i64>,
    /// `reference_text` as the vendor sends it.
    pub reference_text: Option<String>,
    /// `datetime_scheduled_start` as the vendor sends it.
    pub datetime_scheduled_start: Option<String>,
    /// `datetime_scheduled_finished` as the vendor sends it.
    pub datetime_scheduled_finished: Option<String>,
    /// `mechanic_employee_id` as the vendor sends it.
    pub mechanic_employee_id: Option<i64>,
    /// `repair_description` as the vendor sends it.
    pub repair_description: Option<String>,
    /// `status_id` as the vendor sends it.
    pub status_id: Option<i64>,
    /// `status_text` as the vendor sends it.
    pub status_text: Option<String>,
    /// `borrowed_object_reference` as the vendor sends it.
    pub borrowed_object_reference: Option<String>,
    /// `total_repair_time_minutes` as the vendor sends it.
    pub total_repair_time_minutes: Option<i64>,
    /// `custom_repair_time_minutes` as the vendor sends it.
    pub custom_repair_time_minutes: Option<i64>,
    /// `sales_order` as the vendor sends it.
    pub sales_order: Option<SalesOrder>,
}

/// `sales_transaction.created|updated`: an invoice, identified by its `invoice_number`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SalesTransaction {
    /// `invoice_number` as the vendor sends it.
    pub invoice_number: Option<i64>,
    /// When this transaction was credited, the credit invoice's number.
    pub credit_invoice_number: Option<i64>,
    /// When this transaction is a credit, the original invoice's number.
    pub debit_invoice_number: Option<i64>,
    /// `is_final` as the vendor sends it.
    pub is_final: Option<bool>,
    /// `0` for an anonymous customer.
    pub customer_id: Option<i64>,
    /// `store_id` as the vendor sends it.
    pub store_id: Option<i64>,
    /// `sales_employee_id` as the vendor sends it.
    pub sales_employee_id: Option<i64>,
    /// `sales_order_id` as the vendor sends it.
    pub sales_order_id: Option<i64>,
    /// `workshop_order_id` as the vendor sends it.
    pub workshop_order_id: Option<i64>,
    /// `total_amount_cents` as the vendor sends it.
    pub total_amount_cents: Option<i64>,
    /// `unpayed_amount_cents` as the vendor sends it.
    pub unpayed_amount_cents: Option<i64>,
    /// `invoice_date` as the vendor sends it.
    pub invoice_date: Option<String>,
    /// `null` while not booked.
    pub book_date: Option<String>,
    /// `sales_items` as the vendor sends it.
    pub sales_items: Vec<SalesItem>,
}

/// A line of a sales transaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SalesItem {
    /// `sales_item_id` as the vendor sends it.
    pub sales_item_id: Option<i64>,
    /// `item_type_id` as the vendor sends it.
    pub item_type_id: Option<i64>,
    /// `special_type_id` as the vendor sends it.
    pub special_type_id: Option<i64>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<f64>,
    /// `barcode` as the vendor sends it.
    pub barcode: Option<String>,
    /// `pos_group_id` as the vendor sends it.
    pub pos_group_id: Option<i64>,
    /// `description` as the vendor sends it.
    pub description: Option<String>,
    /// `unit_price_in_vat_cents` as the vendor sends it.
    pub unit_price_in_vat_cents: Option<i64>,
    /// `unit_discount_amount_in_vat_cents` as the vendor sends it.
    pub unit_discount_amount_in_vat_cents: Option<i64>,
    /// `price_in_vat_cents` as the vendor sends it.
    pub price_in_vat_cents: Option<i64>,
    /// `discount_percentage` as the vendor sends it.
    pub discount_percentage: Option<f64>,
    /// `vat_code` as the vendor sends it.
    pub vat_code: Option<i64>,
    /// `vat_percentage` as the vendor sends it.
    pub vat_percentage: Option<f64>,
    /// `vat_amount_cents` as the vendor sends it.
    pub vat_amount_cents: Option<i64>,
    /// `identification` as the vendor sends it.
    pub identification: Option<Identification>,
}

/// The serial numbers of the object a sales item sold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Identification {
    /// `stock_object_id` as the vendor sends it.
    pub stock_object_id: Option<i64>,
    /// `frame_number` as the vendor sends it.
    pub frame_number: Option<String>,
    /// `key_number` as the vendor sends it.
    pub key_number: Option<String>,
    /// `lock_number` as the vendor sends it.
    pub lock_number: Option<String>,
    /// `battery_number` as the vendor sends it.
    pub battery_number: Option<String>,
    /// `engine_number` as the vendor sends it.
    pub engine_number: Option<String>,
    /// `serial_number` as the vendor sends it.
    pub serial_number: Option<String>,
    /// `license_plate_number` as the vendor sends it.
    pub license_plate_number: Option<String>,
}

/// `store_order.created|updated`: an internal delivery between stores.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct StoreOrder {
    /// `store_order_id` as the vendor sends it.
    pub store_order_id: Option<i64>,
    /// `store_id_from` as the vendor sends it.
    pub store_id_from: Option<i64>,
    /// `dealer_id_from` as the vendor sends it.
    pub dealer_id_from: Option<i64>,
    /// `store_id_to` as the vendor sends it.
    pub store_id_to: Option<i64>,
    /// `dealer_id_to` as the vendor sends it.
    pub dealer_id_to: Option<i64>,
    /// `store_order_type` as the vendor sends it.
    pub store_order_type: Option<String>,
    /// `store_order_type_id` as the vendor sends it.
    pub store_order_type_id: Option<i64>,
    /// `status_id` as the vendor sends it.
    pub status_id: Option<i64>,
    /// `status` as the vendor sends it.
    pub status: Option<String>,
    /// `remarks` as the vendor sends it.
    pub remarks: Option<String>,
    /// `processed_at` as the vendor sends it.
    pub processed_at: Option<String>,
    /// `related_to_sales_order_ids` as the vendor sends it.
    pub related_to_sales_order_ids: Vec<i64>,
    /// `related_to_supplier_order_ids` as the vendor sends it.
    pub related_to_supplier_order_ids: Vec<i64>,
    /// `items` as the vendor sends it.
    pub items: Vec<StoreOrderItem>,
}

/// A line of a store order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct StoreOrderItem {
    /// `store_order_item_id` as the vendor sends it.
    pub store_order_item_id: Option<i64>,
    /// `barcode` as the vendor sends it.
    pub barcode: Option<String>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<f64>,
    /// `item_type_id` as the vendor sends it.
    pub item_type_id: Option<i64>,
    /// `object_id` as the vendor sends it.
    pub object_id: Option<i64>,
    /// `description` as the vendor sends it.
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
    /// `payments` as the vendor sends it.
    pub payments: Vec<Payment>,
}

/// One payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Payment {
    /// `payment_method_id` as the vendor sends it.
    pub payment_method_id: Option<i64>,
    /// `payment_method_name` as the vendor sends it.
    pub payment_method_name: Option<String>,
    /// `book_date` as the vendor sends it.
    pub book_date: Option<String>,
    /// `amount_cents` as the vendor sends it.
    pub amount_cents: Option<i64>,
    /// `currency` as the vendor sends it.
    pub currency: Option<String>,
}

/// `warehouse_outbound_order.created_or_updated`: an order the warehouse ships.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WarehouseOutboundOrder {
    /// `outbound_order_id` as the vendor sends it.
    pub outbound_order_id: Option<i64>,
    /// `outbound_order_type_id` as the vendor sends it.
    pub outbound_order_type_id: Option<i64>,
    /// `outbound_order_status_id` as the vendor sends it.
    pub outbound_order_status_id: Option<i64>,
    /// `dealer_id` as the vendor sends it.
    pub dealer_id: Option<i64>,
    /// The account the order belongs to (the envelope's `account_id` is the warehouse's).
    pub account_id: Option<i64>,
    /// `store_id` as the vendor sends it.
    pub store_id: Option<i64>,
    /// `created_at` as the vendor sends it.
    pub created_at: Option<String>,
    /// `datetime_preferred_delivery` as the vendor sends it.
    pub datetime_preferred_delivery: Option<String>,
    /// `sales_order_id` as the vendor sends it.
    pub sales_order_id: Option<i64>,
    /// `order_reference_text` as the vendor sends it.
    pub order_reference_text: Option<String>,
    /// `order_items` as the vendor sends it.
    pub order_items: Vec<OutboundOrderItem>,
}

/// A line of an outbound order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct OutboundOrderItem {
    /// `outbound_order_item_id` as the vendor sends it.
    pub outbound_order_item_id: Option<i64>,
    /// `item_type_id` as the vendor sends it.
    pub item_type_id: Option<i64>,
    /// `false`: the item is marked deleted.
    pub is_active: Option<bool>,
    /// `barcode` as the vendor sends it.
    pub barcode: Option<String>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<f64>,
    /// `quantity_claimed` as the vendor sends it.
    pub quantity_claimed: Option<f64>,
    /// `quantity_shipped` as the vendor sends it.
    pub quantity_shipped: Option<f64>,
    /// `is_blocked_for_claiming` as the vendor sends it.
    pub is_blocked_for_claiming: Option<bool>,
    /// `description` as the vendor sends it.
    pub description: Option<String>,
    /// `remark` as the vendor sends it.
    pub remark: Option<String>,
    /// `reference` as the vendor sends it.
    pub reference: Option<String>,
    /// `is_sold_to_customer` as the vendor sends it.
    pub is_sold_to_customer: Option<bool>,
    /// `is_attached_to_outbound_item_id` as the vendor sends it.
    pub is_attached_to_outbound_item_id: Option<i64>,
    /// `is_pooled_within_stores` as the vendor sends it.
    pub is_pooled_within_stores: Option<bool>,
}

/// `warehouse_stock_item.updated|released_for_shipment` (nothing is sent when one is deleted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WarehouseStockItem {
    /// `warehouse_stock_item_id` as the vendor sends it.
    pub warehouse_stock_item_id: Option<i64>,
    /// `0` when the item belongs to no outbound order.
    pub warehouse_outbound_order_id: Option<i64>,
    /// `warehouse_outbound_order_item_id` as the vendor sends it.
    pub warehouse_outbound_order_item_id: Option<i64>,
    /// `0` while not shipped.
    pub warehouse_outbound_shipment_id: Option<i64>,
    /// `warehouse_outbound_shipment_item_id` as the vendor sends it.
    pub warehouse_outbound_shipment_item_id: Option<i64>,
    /// `warehouse_location` as the vendor sends it.
    pub warehouse_location: Option<WarehouseLocation>,
    /// `supplier_id` as the vendor sends it.
    pub supplier_id: Option<i64>,
    /// `article_id` as the vendor sends it.
    pub article_id: Option<String>,
    /// `barcode` as the vendor sends it.
    pub barcode: Option<String>,
    /// `battery_id` as the vendor sends it.
    pub battery_id: Option<String>,
    /// `customer_id` as the vendor sends it.
    pub customer_id: Option<i64>,
    /// `customer_order_id` as the vendor sends it.
    pub customer_order_id: Option<i64>,
    /// `employee_first_name` as the vendor sends it.
    pub employee_first_name: Option<String>,
    /// `employee_last_name` as the vendor sends it.
    pub employee_last_name: Option<String>,
    /// `frame_id` as the vendor sends it.
    pub frame_id: Option<String>,
    /// `is_assembled` as the vendor sends it.
    pub is_assembled: Option<bool>,
    /// `is_shipped` as the vendor sends it.
    pub is_shipped: Option<bool>,
    /// `is_delivered` as the vendor sends it.
    pub is_delivered: Option<bool>,
    /// `key_id` as the vendor sends it.
    pub key_id: Option<String>,
    /// `lock_id` as the vendor sends it.
    pub lock_id: Option<String>,
    /// `license_plate_number` as the vendor sends it.
    pub license_plate_number: Option<String>,
    /// `order_reference_id` as the vendor sends it.
    pub order_reference_id: Option<String>,
    /// `order_reference_text` as the vendor sends it.
    pub order_reference_text: Option<String>,
    /// `labels` as the vendor sends it.
    pub labels: Vec<String>,
    /// `sub_order_items` as the vendor sends it.
    pub sub_order_items: Vec<SubOrderItem>,
}

/// Where a stock item is in the warehouse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WarehouseLocation {
    /// `location` as the vendor sends it.
    pub location: Option<String>,
    /// `rack_name` as the vendor sends it.
    pub rack_name: Option<String>,
}

/// An item that goes with a stock item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SubOrderItem {
    /// `article_id` as the vendor sends it.
    pub article_id: Option<String>,
    /// `barcode` as the vendor sends it.
    pub barcode: Option<String>,
    /// `is_active` as the vendor sends it.
    pub is_active: Option<bool>,
    /// `is_included` as the vendor sends it.
    pub is_included: Option<bool>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<f64>,
    /// `quantity_claimed` as the vendor sends it.
    pub quantity_claimed: Option<f64>,
    /// `reference` as the vendor sends it.
    pub reference: Option<String>,
    /// `remark` as the vendor sends it.
    pub remark: Option<String>,
}
