//! Service Order Hub (repair cases): eight webhook types; typed models of the older (V1) bodies
//! and the current V3 ones in one model each (V3 adds fields), every field optional, unknown
//! fields ignored. No body names the hub account, so `account` is always `null`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{variants_from_models, Id, ModelVisitor, ParseModel};

/// The vendor's name in envelopes.
pub const VENDOR: &str = "service-order-hub";

/// `new-status`: a case got a status.
pub const NEW_STATUS: &str = "new-status";
/// `status-transition`: a case moved from one status to another.
pub const STATUS_TRANSITION: &str = "status-transition";
/// `cost-proposal`: a cost proposal was made or answered.
pub const COST_PROPOSAL: &str = "cost-proposal";
/// `new-message`: a message on a case.
pub const NEW_MESSAGE: &str = "new-message";
/// `message-confirmed`: a message was confirmed.
pub const MESSAGE_CONFIRMED: &str = "message-confirmed";
/// `file-uploaded`: files were added to a case.
pub const FILE_UPLOADED: &str = "file-uploaded";
/// `case-updated`: case data changed.
pub const CASE_UPDATED: &str = "case-updated";
/// `invoice`: an invoice was created or updated.
pub const INVOICE: &str = "invoice";

/// Every event type, as its URL's last segment.
pub const EVENT_TYPES: &[&str] = &[
    NEW_STATUS,
    STATUS_TRANSITION,
    COST_PROPOSAL,
    NEW_MESSAGE,
    MESSAGE_CONFIRMED,
    FILE_UPLOADED,
    CASE_UPDATED,
    INVOICE,
];

/// A Service Order Hub payload in its model.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `new-status` and `status-transition`: the envelope's `eventType` says which.
    Status(Status),
    /// `cost-proposal`.
    CostProposal(CostProposal),
    /// `new-message` and `message-confirmed`: the envelope's `eventType` says which.
    Message(Message),
    /// `file-uploaded`.
    FilesUploaded(FilesUploaded),
    /// `case-updated`.
    CaseUpdated(CaseUpdated),
    /// `invoice`.
    Invoice(Invoice),
    /// An event type this version of the crate does not know, as JSON.
    Other(serde_json::Value),
}

variants_from_models!(Event:
    Status(Status),
    CostProposal(CostProposal),
    Message(Message),
    FilesUploaded(FilesUploaded),
    CaseUpdated(CaseUpdated),
    Invoice(Invoice),
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
        NEW_STATUS | STATUS_TRANSITION => visitor.visit::<Status>(),
        COST_PROPOSAL => visitor.visit::<CostProposal>(),
        NEW_MESSAGE | MESSAGE_CONFIRMED => visitor.visit::<Message>(),
        FILE_UPLOADED => visitor.visit::<FilesUploaded>(),
        CASE_UPDATED => visitor.visit::<CaseUpdated>(),
        INVOICE => visitor.visit::<Invoice>(),
        _ => return None,
    })
}

/// `new-status` and `status-transition` (which adds `prevKey` and `case`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Status {
    /// V3: unique per status record.
    pub id: Option<Id>,
    /// V3: the case's numeric id.
    pub case_id: Option<Id>,
    /// The case's guid.
    pub guid: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `key` as the vendor sends it.
    pub key: Option<String>,
    /// `prevKey` as the vendor sends it.
    pub prev_key: Option<String>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// `updatedAt` as the vendor sends it.
    pub updated_at: Option<String>,
    /// `declaredAt` as the vendor sends it.
    pub declared_at: Option<String>,
    /// `case` as the vendor sends it.
    #[serde(rename = "case")]
    pub case_data: Option<serde_json::Value>,
}

/// `cost-proposal`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CostProposal {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `guid` as the vendor sends it.
    pub guid: Option<String>,
    /// `externalId` as the vendor sends it.
    pub external_id: Option<String>,
    /// V3.
    pub service_provider_id: Option<Id>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `priceNet` as the vendor sends it.
    pub price_net: Option<f64>,
    /// `currency` as the vendor sends it.
    pub currency: Option<String>,
    /// `isActive` as the vendor sends it.
    pub is_active: Option<bool>,
    /// `dateValidUntil` as the vendor sends it.
    pub date_valid_until: Option<String>,
    /// `reaction` as the vendor sends it.
    pub reaction: Option<String>,
    /// `comment` as the vendor sends it.
    pub comment: Option<String>,
    /// `reactionDate` as the vendor sends it.
    pub reaction_date: Option<String>,
    /// `reactionName` as the vendor sends it.
    pub reaction_name: Option<String>,
    /// `details` as the vendor sends it.
    pub details: Vec<CostProposalLine>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// `updatedAt` as the vendor sends it.
    pub updated_at: Option<String>,
}

/// A line of a cost proposal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CostProposalLine {
    /// `line` as the vendor sends it.
    pub line: Option<i64>,
    /// `text` as the vendor sends it.
    pub text: Option<String>,
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `priceNet` as the vendor sends it.
    pub price_net: Option<f64>,
    /// `quantity` as the vendor sends it.
    pub quantity: Option<f64>,
}

/// `new-message` and `message-confirmed` (same body, `confirmedAt` set).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Message {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// The case's guid.
    pub guid: Option<String>,
    /// `content` as the vendor sends it.
    pub content: Option<String>,
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// `updatedAt` as the vendor sends it.
    pub updated_at: Option<String>,
    // V3 from here on.
    /// `externalId` as the vendor sends it.
    pub external_id: Option<String>,
    /// `userName` as the vendor sends it.
    pub user_name: Option<String>,
    /// `userEmail` as the vendor sends it.
    pub user_email: Option<String>,
    /// `partner` or `provider`.
    pub sender_type: Option<String>,
    /// `parentMessageId` as the vendor sends it.
    pub parent_message_id: Option<Id>,
    /// `senderAccountId` as the vendor sends it.
    pub sender_account_id: Option<Id>,
    /// `declaredAt` as the vendor sends it.
    pub declared_at: Option<String>,
    /// `confirmedAt` as the vendor sends it.
    pub confirmed_at: Option<String>,
}

/// `file-uploaded`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FilesUploaded {
    /// `guid` as the vendor sends it.
    pub guid: Option<String>,
    /// `files` as the vendor sends it.
    pub files: Vec<File>,
}

/// An uploaded file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct File {
    /// `url` as the vendor sends it.
    pub url: Option<String>,
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `case-updated`: `guid` and the changed keys only; a removed key comes as `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CaseUpdated {
    /// `guid` as the vendor sends it.
    pub guid: Option<String>,
    /// `orderData` as the vendor sends it.
    pub order_data: Option<serde_json::Value>,
    /// `productData` as the vendor sends it.
    pub product_data: Option<serde_json::Value>,
    /// `customer` as the vendor sends it.
    pub customer: Option<serde_json::Value>,
    /// `consumer` as the vendor sends it.
    pub consumer: Option<serde_json::Value>,
    /// `pickupDst` as the vendor sends it.
    pub pickup_dst: Option<serde_json::Value>,
    /// `returnDst` as the vendor sends it.
    pub return_dst: Option<serde_json::Value>,
    /// Any other changed key.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// `invoice` (V3), sent when an invoice is created or updated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Invoice {
    /// `id` as the vendor sends it.
    pub id: Option<Id>,
    /// `guid` as the vendor sends it.
    pub guid: Option<String>,
    /// `type` as the vendor sends it.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `status` as the vendor sends it.
    pub status: Option<String>,
    /// `isPaid` as the vendor sends it.
    pub is_paid: Option<bool>,
    /// `isSent` as the vendor sends it.
    pub is_sent: Option<bool>,
    /// `details` as the vendor sends it.
    pub details: Vec<InvoiceLine>,
    /// `currency` as the vendor sends it.
    pub currency: Option<String>,
    /// `priceNet` as the vendor sends it.
    pub price_net: Option<f64>,
    /// `dueDate` as the vendor sends it.
    pub due_date: Option<String>,
    /// `createdAt` as the vendor sends it.
    pub created_at: Option<String>,
    /// `updatedAt` as the vendor sends it.
    pub updated_at: Option<String>,
    /// `externalId` as the vendor sends it.
    pub external_id: Option<String>,
    /// `customData` as the vendor sends it.
    pub custom_data: Option<serde_json::Value>,
    /// `case` as the vendor sends it.
    #[serde(rename = "case")]
    pub case_data: Option<InvoiceCase>,
}

/// A line of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct InvoiceLine {
    /// `name` as the vendor sends it.
    pub name: Option<String>,
    /// `count` as the vendor sends it.
    pub count: Option<f64>,
    /// `vatRate` as the vendor sends it.
    pub vat_rate: Option<f64>,
    /// `vatAmount` as the vendor sends it.
    pub vat_amount: Option<f64>,
    /// `priceExclVat` as the vendor sends it.
    pub price_excl_vat: Option<f64>,
    /// `priceInclVat` as the vendor sends it.
    pub price_incl_vat: Option<f64>,
    /// Further line fields.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The case an invoice belongs to: its core data, `orderData` and `productData`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct InvoiceCase {
    /// `guid` as the vendor sends it.
    pub guid: Option<String>,
    /// `orderData` as the vendor sends it.
    pub order_data: Option<serde_json::Value>,
    /// `productData` as the vendor sends it.
    pub product_data: Option<serde_json::Value>,
    /// The rest of the case's core data.
    #[serde(flatten)]
    pub core: serde_json::Map<String, serde_json::Value>,
}
