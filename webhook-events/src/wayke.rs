//! Wayke (car dealers): six webhooks and the buy leads that come on two of them; typed models
//! of every documented payload, every field optional, unknown fields ignored.
//!
//! A payload is published as Wayke sent it; `account` is the body's `branch.id` where it has one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{variants_from_models, ModelVisitor, ParseModel};

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

/// A Wayke payload in its model.
#[allow(clippy::large_enum_variant)] // read once per message, never stored in bulk
#[derive(Debug, Clone, PartialEq)]
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
    /// An event type this version of the crate does not know, as JSON.
    Other(serde_json::Value),
}

variants_from_models!(Event:
    ProcessStatus(ProcessStatus),
    VehicleUpdated(VehicleUpdated),
    NewMessage(NewMessage),
    Lead(LeadEvent),
    NewOrder(NewOrder),
);

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
    /// `eventType` as the vendor sends it.
    pub event_type: Option<String>,
    /// `processId` as the vendor sends it.
    pub process_id: Option<String>,
    /// `processName` as the vendor sends it.
    pub process_name: Option<String>,
    /// `stepId` as the vendor sends it.
    pub step_id: Option<String>,
    /// `stepName` as the vendor sends it.
    pub step_name: Option<String>,
    /// Who or what completed the step, e.g. `Kontrakt`.
    pub executed_by: Option<String>,
    /// `started`, `pending` or `completed`.
    pub state: Option<String>,
    /// `eventTime` as the vendor sends it.
    pub event_time: Option<String>,
    /// `itemId` as the vendor sends it.
    pub item_id: Option<String>,
    /// `registrationNumber` as the vendor sends it.
    pub registration_number: Option<String>,
    /// `vehicleIdentificationNumber` as the vendor sends it.
    pub vehicle_identification_number: Option<String>,
}

/// `vehicle-updated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VehicleUpdated {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `registrationNumber` as the vendor sends it.
    pub registration_number: Option<String>,
    /// `vehicleIdentificationNumber` as the vendor sends it.
    pub vehicle_identification_number: Option<String>,
    /// `status` as the vendor sends it.
    pub status: Option<String>,
}

/// A reference to a branch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BranchRef {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
}

/// A `key`/`value` pair of metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Metadata {
    /// `key` as the vendor sends it.
    pub key: Option<String>,
    /// `value` as the vendor sends it.
    pub value: Option<String>,
}

/// The vehicle ad a message or lead is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Subject {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `registrationNumber` as the vendor sends it.
    pub registration_number: Option<String>,
    /// `vehicleIdentificationNumber` as the vendor sends it.
    pub vehicle_identification_number: Option<String>,
}

/// `new-message`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NewMessage {
    /// `branch` as the vendor sends it.
    pub branch: Option<BranchRef>,
    /// `message` as the vendor sends it.
    pub message: Option<Message>,
    /// `subject` as the vendor sends it.
    pub subject: Option<Subject>,
}

/// A message in a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Message {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `text` as the vendor sends it.
    pub text: Option<String>,
    /// `token` as the vendor sends it.
    pub token: Option<String>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// `createdBy` as the vendor sends it.
    pub created_by: Option<Member>,
    /// `conversation` as the vendor sends it.
    pub conversation: Option<Conversation>,
}

/// A conversation and its members.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Conversation {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `title` as the vendor sends it.
    pub title: Option<String>,
    /// `avatarUrl` as the vendor sends it.
    pub avatar_url: Option<String>,
    /// `members` as the vendor sends it.
    pub members: Vec<Member>,
    /// `metadata` as the vendor sends it.
    pub metadata: Vec<Metadata>,
}

/// A user, item or branch taking part in a conversation (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Member {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `email` as the vendor sends it.
    pub email: Option<String>,
    /// `telephone` as the vendor sends it.
    pub telephone: Option<String>,
    /// `ip` as the vendor sends it.
    pub ip: Option<String>,
    /// `avatar` as the vendor sends it.
    pub avatar: Option<String>,
}

/// `incoming-vehicle`, `valuation-lead` and `buy-lead`: one body. A buy lead also names the ad
/// (`subject`) and its vehicle; its `lead.metadata` says how it came (`sourceMechanism`
/// `cta.email`, `cta.callme` or `freespee.call`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LeadEvent {
    /// `branch` as the vendor sends it.
    pub branch: Option<BranchRef>,
    /// `lead` as the vendor sends it.
    pub lead: Option<Lead>,
    /// `subject` as the vendor sends it.
    pub subject: Option<Subject>,
    /// `vehicle` as the vendor sends it.
    pub vehicle: Option<LeadVehicle>,
}

/// A lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Lead {
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `contact` as the vendor sends it.
    pub contact: Option<Contact>,
    /// `metadata` as the vendor sends it.
    pub metadata: Vec<Metadata>,
    /// `registrationOfInterestToSell` or `registrationOfInterestToBuy`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// A buy lead's state, e.g. `new`.
    pub status: Option<String>,
}

/// The vehicle of the ad a buy lead is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LeadVehicle {
    /// `registrationNumber` as the vendor sends it.
    pub registration_number: Option<String>,
    /// `vinNumber` as the vendor sends it.
    pub vin_number: Option<String>,
    /// `manufacturer` as the vendor sends it.
    pub manufacturer: Option<String>,
    /// `modelSeries` as the vendor sends it.
    pub model_series: Option<String>,
    /// `modelName` as the vendor sends it.
    pub model_name: Option<String>,
    /// `modelYear` as the vendor sends it.
    pub model_year: Option<i64>,
    /// `mileage` as the vendor sends it.
    pub mileage: Option<f64>,
}

/// The person behind a lead (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Contact {
    /// `firstName` as the vendor sends it.
    pub first_name: Option<String>,
    /// `lastName` as the vendor sends it.
    pub last_name: Option<String>,
    /// `phoneNumber` as the vendor sends it.
    pub phone_number: Option<String>,
    /// `email` as the vendor sends it.
    pub email: Option<String>,
}

/// `new-order`: an e-commerce order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NewOrder {
    /// The branch the order is for.
    pub branch: Option<BranchRef>,
    /// `id` as the vendor sends it.
    pub id: Option<String>,
    /// `orderNumber` as the vendor sends it.
    pub order_number: Option<String>,
    /// `waykeId` as the vendor sends it.
    pub wayke_id: Option<String>,
    /// `price` as the vendor sends it.
    pub price: Option<f64>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// `accessories` as the vendor sends it.
    pub accessories: Vec<Accessory>,
    /// `vehicle` as the vendor sends it.
    pub vehicle: Option<Vehicle>,
    /// `customer` as the vendor sends it.
    pub customer: Option<Customer>,
    /// `delivery` as the vendor sends it.
    pub delivery: Option<Handover>,
    /// `insurance` as the vendor sends it.
    pub insurance: Option<Insurance>,
    /// `payment` as the vendor sends it.
    pub payment: Option<Payment>,
    /// `tradeIn` as the vendor sends it.
    pub trade_in: Option<TradeIn>,
}

/// An accessory on an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Accessory {
    /// `articleNumber` as the vendor sends it.
    pub article_number: Option<String>,
    /// `manufacturer` as the vendor sends it.
    pub manufacturer: Option<String>,
    /// `model` as the vendor sends it.
    pub model: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `price` as the vendor sends it.
    pub price: Option<f64>,
}

/// The ordered vehicle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Vehicle {
    /// `registrationNumber` as the vendor sends it.
    pub registration_number: Option<String>,
    /// `vehicleIdentificationNumber` as the vendor sends it.
    pub vehicle_identification_number: Option<String>,
    /// `manufacturer` as the vendor sends it.
    pub manufacturer: Option<String>,
    /// `modelSeries` as the vendor sends it.
    pub model_series: Option<String>,
    /// `modelName` as the vendor sends it.
    pub model_name: Option<String>,
    /// `modelYear` as the vendor sends it.
    pub model_year: Option<i64>,
    /// `mileage` as the vendor sends it.
    pub mileage: Option<f64>,
    /// `shortDescription` as the vendor sends it.
    pub short_description: Option<String>,
}

/// The buyer (personal data: never logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Customer {
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `givenName` as the vendor sends it.
    pub given_name: Option<String>,
    /// `surname` as the vendor sends it.
    pub surname: Option<String>,
    /// `email` as the vendor sends it.
    pub email: Option<String>,
    /// `phoneNumber` as the vendor sends it.
    pub phone_number: Option<String>,
    /// `personalNumber` as the vendor sends it.
    pub personal_number: Option<String>,
    /// `address` as the vendor sends it.
    pub address: Option<Address>,
    /// `didVerifyWithBankId` as the vendor sends it.
    pub did_verify_with_bank_id: Option<bool>,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `street` as the vendor sends it.
    pub street: Option<String>,
    /// `postalCode` as the vendor sends it.
    pub postal_code: Option<String>,
    /// `city` as the vendor sends it.
    pub city: Option<String>,
}

/// How the vehicle is handed over (the order's `delivery`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Handover {
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// The insurance chosen with the order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Insurance {
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `personalNumber` as the vendor sends it.
    pub personal_number: Option<String>,
    /// `brand` as the vendor sends it.
    pub brand: Option<String>,
    /// `estimatedDrivingDistance` as the vendor sends it.
    pub estimated_driving_distance: Option<String>,
}

/// How the order is paid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Payment {
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `financialInstitution` as the vendor sends it.
    pub financial_institution: Option<String>,
    /// `unit` as the vendor sends it.
    pub unit: Option<String>,
    /// `price` as the vendor sends it.
    pub price: Option<f64>,
    /// `loan` as the vendor sends it.
    pub loan: Option<Loan>,
}

/// Loan terms of a financed order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Loan {
    /// `administrationFee` as the vendor sends it.
    pub administration_fee: Option<f64>,
    /// `setupFee` as the vendor sends it.
    pub setup_fee: Option<f64>,
    /// `interest` as the vendor sends it.
    pub interest: Option<f64>,
    /// `effectiveInterestRate` as the vendor sends it.
    pub effective_interest_rate: Option<f64>,
    /// `residualValue` as the vendor sends it.
    pub residual_value: Option<f64>,
    /// `downPayment` as the vendor sends it.
    pub down_payment: Option<f64>,
    /// `duration` as the vendor sends it.
    pub duration: Option<i64>,
    /// `monthlyCost` as the vendor sends it.
    pub monthly_cost: Option<f64>,
    /// `totalResidualValue` as the vendor sends it.
    pub total_residual_value: Option<f64>,
    /// `totalCost` as the vendor sends it.
    pub total_cost: Option<f64>,
}

/// The vehicle traded in with the order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TradeIn {
    /// `estimatedValue` as the vendor sends it.
    pub estimated_value: Option<f64>,
    /// `reducedValuation` as the vendor sends it.
    pub reduced_valuation: Option<f64>,
    /// `condition` as the vendor sends it.
    pub condition: Option<String>,
    /// `description` as the vendor sends it.
    pub description: Option<String>,
    /// `registrationNumber` as the vendor sends it.
    pub registration_number: Option<String>,
    /// `manufacturer` as the vendor sends it.
    pub manufacturer: Option<String>,
    /// `modelSeries` as the vendor sends it.
    pub model_series: Option<String>,
    /// `modelName` as the vendor sends it.
    pub model_name: Option<String>,
    /// `modelYear` as the vendor sends it.
    pub model_year: Option<i64>,
    /// `mileage` as the vendor sends it.
    pub mileage: Option<f64>,
    /// `shortDescription` as the vendor sends it.
    pub short_description: Option<String>,
}
