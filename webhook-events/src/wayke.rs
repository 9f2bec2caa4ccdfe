//! Wayke (car dealers): six webhooks and the buy leads that come on two of them; typed models
//! of every documented payload, every field optional, unknown fields ignored.
//!
//! A payload is published as Wayke sent it; `account` is the body's `branch.id` where it has one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{models, ModelVisitor, ParseModel};

/// The vendor's name in envelopes.
pub const VENDOR: &str = "wayke";

/// `process-status`: a status change in a process step.
pub const PROCESS_STATUS: &str = "process-status";
/// `vehicle-updated`: a vehicle ad changed.
pub const VEHICLE_UPDATED: &str = "vehicle-updated";
/// `new-message`: a message in a conversation.
pub const NEW_MESSAGE: &str = "new-message";
/// `incoming-vehicle`: a sell lead from the incoming-vehicle webhook.
pub const INCOMING_VEHICLE: &str = "incoming-vehicle";
/// `new-order`: an e-commerce order.
pub const NEW_ORDER: &str = "new-order";
/// `valuation-lead`: a sell lead from the valuation widget.
pub const VALUATION_LEAD: &str = "valuation-lead";
/// A lead of someone who wants to buy: never a route of its own, it comes on a lead webhook.
pub const BUY_LEAD: &str = "buy-lead";

/// `lead.type` of a buy lead.
pub const INTEREST_TO_BUY: &str = "registrationOfInterestToBuy";

/// The webhooks, as their URLs' last segments.
pub const ROUTES: [&str; 6] = [
    PROCESS_STATUS,
    VEHICLE_UPDATED,
    NEW_MESSAGE,
    INCOMING_VEHICLE,
    NEW_ORDER,
    VALUATION_LEAD,
];

/// Every event type: one per webhook, and buy leads.
pub const EVENT_TYPES: [&str; 7] = {
    let mut all = [BUY_LEAD; 7];
    let mut index = 0;
    while index < ROUTES.len() {
        all[index] = ROUTES[index];
        index += 1;
    }
    all
};

models! {
    /// A Wayke payload in its model.
    pub enum Event {
        /// `process-status`.
        ProcessStatus(ProcessStatus),
        /// `vehicle-updated`.
        VehicleUpdated(VehicleUpdated),
        /// `new-message`.
        NewMessage(NewMessage),
        /// `incoming-vehicle`, `valuation-lead` and `buy-lead`, which share one body: the
        /// envelope's `eventType` says which it is.
        Lead(LeadEvent),
        /// `new-order`.
        NewOrder(NewOrder),
    }
}

impl Event {
    /// Reads the payload of an event of type `event_type` into its model.
    pub fn parse(event_type: &str, payload: &str) -> Result<Self, serde_json::Error> {
        visit_model(event_type, ParseModel(payload))
            .unwrap_or_else(|| serde_json::from_str(payload).map(Self::Other))
    }
}

/// Calls `visitor` with the model of `event_type`'s payload; `None` for a type without one.
pub fn visit_model<V: ModelVisitor<Event>>(event_type: &str, visitor: V) -> Option<V::Output> {
    Some(match event_type {
        PROCESS_STATUS => visitor.visit::<ProcessStatus>(),
        VEHICLE_UPDATED => visitor.visit::<VehicleUpdated>(),
        NEW_MESSAGE => visitor.visit::<NewMessage>(),
        INCOMING_VEHICLE | VALUATION_LEAD | BUY_LEAD => visitor.visit::<LeadEvent>(),
        NEW_ORDER => visitor.visit::<NewOrder>(),
        _ => return None,
    })
}

/// `process-status`: a status change in a process step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ProcessStatus {
    pub event_type: Option<String>,
    pub process_id: Option<String>,
    pub process_name: Option<String>,
    pub step_id: Option<String>,
    pub step_name: Option<String>,
    /// Who or what completed the step, e.g. `Kontrakt`.
    pub executed_by: Option<String>,
    /// `started`, `pending` or `completed`.
    pub state: Option<String>,
    pub event_time: Option<String>,
    pub item_id: Option<String>,
    pub registration_number: Option<String>,
    pub vehicle_identification_number: Option<String>,
}

/// `vehicle-updated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VehicleUpdated {
    pub id: Option<String>,
    pub registration_number: Option<String>,
    pub vehicle_identification_number: Option<String>,
    pub status: Option<String>,
}

/// A reference to a branch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BranchRef {
    pub id: Option<String>,
}

/// A `key`/`value` pair of metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Metadata {
    pub key: Option<String>,
    pub value: Option<String>,
}

/// The vehicle ad a message or lead is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Subject {
    pub id: Option<String>,
    pub registration_number: Option<String>,
    pub vehicle_identification_number: Option<String>,
}

/// `new-message`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NewMessage {
    pub branch: Option<BranchRef>,
    pub message: Option<Message>,
    pub subject: Option<Subject>,
}

/// A message in a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Message {
    pub id: Option<String>,
    pub text: Option<String>,
    pub token: Option<String>,
    pub created_at: Option<String>,
    pub created_by: Option<Member>,
    pub conversation: Option<Conversation>,
}

/// A conversation and its members.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Conversation {
    pub id: Option<String>,
    pub title: Option<String>,
    pub avatar_url: Option<String>,
    pub members: Vec<Member>,
    pub metadata: Vec<Metadata>,
}

/// A user, item or branch taking part in a conversation (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Member {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub ip: Option<String>,
    pub avatar: Option<String>,
}

/// `incoming-vehicle`, `valuation-lead` and `buy-lead`: one body. A buy lead also names the ad
/// (`subject`) and its vehicle; its `lead.metadata` says how it came (`sourceMechanism`
/// `cta.email`, `cta.callme` or `freespee.call`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LeadEvent {
    pub branch: Option<BranchRef>,
    pub lead: Option<Lead>,
    pub subject: Option<Subject>,
    pub vehicle: Option<LeadVehicle>,
}

/// A lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Lead {
    pub id: Option<String>,
    pub contact: Option<Contact>,
    pub metadata: Vec<Metadata>,
    /// `registrationOfInterestToSell` or `registrationOfInterestToBuy`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub created_at: Option<String>,
    /// A buy lead's state, e.g. `new`.
    pub status: Option<String>,
}

/// The vehicle of the ad a buy lead is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LeadVehicle {
    pub registration_number: Option<String>,
    pub vin_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model_series: Option<String>,
    pub model_name: Option<String>,
    pub model_year: Option<i64>,
    pub mileage: Option<f64>,
}

/// The person behind a lead (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Contact {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
}

/// `new-order`: an e-commerce order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewOrder {
    /// The branch the order is for.
    pub branch: Option<BranchRef>,
    pub id: Option<String>,
    pub order_number: Option<String>,
    pub wayke_id: Option<String>,
    pub price: Option<f64>,
    pub created_at: Option<String>,
    pub accessories: Vec<Accessory>,
    pub vehicle: Option<Vehicle>,
    pub customer: Option<Customer>,
    pub delivery: Option<Handover>,
    pub insurance: Option<Insurance>,
    pub payment: Option<Payment>,
    pub trade_in: Option<TradeIn>,
}

/// An accessory on an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Accessory {
    pub article_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub name: Option<String>,
    pub price: Option<f64>,
}

/// The ordered vehicle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Vehicle {
    pub registration_number: Option<String>,
    pub vehicle_identification_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model_series: Option<String>,
    pub model_name: Option<String>,
    pub model_year: Option<i64>,
    pub mileage: Option<f64>,
    pub short_description: Option<String>,
}

/// The buyer (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Customer {
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub personal_number: Option<String>,
    pub address: Option<Address>,
    pub did_verify_with_bank_id: Option<bool>,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
}

/// How the vehicle is handed over (the order's `delivery`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Handover {
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// The insurance chosen with the order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Insurance {
    pub name: Option<String>,
    pub personal_number: Option<String>,
    pub brand: Option<String>,
    pub estimated_driving_distance: Option<String>,
}

/// How the order is paid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Payment {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub financial_institution: Option<String>,
    pub unit: Option<String>,
    pub price: Option<f64>,
    pub loan: Option<Loan>,
}

/// Loan terms of a financed order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Loan {
    pub administration_fee: Option<f64>,
    pub setup_fee: Option<f64>,
    pub interest: Option<f64>,
    pub effective_interest_rate: Option<f64>,
    pub residual_value: Option<f64>,
    pub down_payment: Option<f64>,
    pub duration: Option<i64>,
    pub monthly_cost: Option<f64>,
    pub total_residual_value: Option<f64>,
    pub total_cost: Option<f64>,
}

/// The vehicle traded in with the order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TradeIn {
    pub estimated_value: Option<f64>,
    pub reduced_valuation: Option<f64>,
    pub condition: Option<String>,
    pub description: Option<String>,
    pub registration_number: Option<String>,
    pub manufacturer: Option<String>,
    pub model_series: Option<String>,
    pub model_name: Option<String>,
    pub model_year: Option<i64>,
    pub mileage: Option<f64>,
    pub short_description: Option<String>,
}
