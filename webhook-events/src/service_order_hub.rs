//! Service Order Hub (repair cases): eight webhook types; typed models of the older (V1) bodies
//! and the current V3 ones in one model each (V3 adds fields), every field optional, unknown
//! fields ignored. No body names the hub account, so `account` is always `null`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{models, Id, ModelVisitor, ParseModel};

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

models! {
    /// A Service Order Hub payload in its model.
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
    pub name: Option<String>,
    pub key: Option<String>,
    pub prev_key: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub declared_at: Option<String>,
    #[serde(rename = "case")]
    pub case_data: Option<serde_json::Value>,
}

/// `cost-proposal`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CostProposal {
    pub id: Option<Id>,
    pub guid: Option<String>,
    pub external_id: Option<String>,
    /// V3.
    pub service_provider_id: Option<Id>,
    pub name: Option<String>,
    pub price_net: Option<f64>,
    pub currency: Option<String>,
    pub is_active: Option<bool>,
    pub date_valid_until: Option<String>,
    pub reaction: Option<String>,
    pub comment: Option<String>,
    pub reaction_date: Option<String>,
    pub reaction_name: Option<String>,
    pub details: Vec<CostProposalLine>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// A line of a cost proposal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CostProposalLine {
    pub line: Option<i64>,
    pub text: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub price_net: Option<f64>,
    pub quantity: Option<f64>,
}

/// `new-message` and `message-confirmed` (same body, `confirmedAt` set).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Message {
    pub id: Option<Id>,
    /// The case's guid.
    pub guid: Option<String>,
    pub content: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    // V3 from here on.
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
    /// `partner` or `provider`.
    pub sender_type: Option<String>,
    pub parent_message_id: Option<Id>,
    pub sender_account_id: Option<Id>,
    pub declared_at: Option<String>,
    pub confirmed_at: Option<String>,
}

/// `file-uploaded`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FilesUploaded {
    pub guid: Option<String>,
    pub files: Vec<File>,
}

/// An uploaded file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct File {
    pub url: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `case-updated`: `guid` and the changed keys only; a removed key comes as `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CaseUpdated {
    pub guid: Option<String>,
    pub order_data: Option<serde_json::Value>,
    pub product_data: Option<serde_json::Value>,
    pub customer: Option<serde_json::Value>,
    pub consumer: Option<serde_json::Value>,
    pub pickup_dst: Option<serde_json::Value>,
    pub return_dst: Option<serde_json::Value>,
    /// Any other changed key.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// `invoice` (V3), sent when an invoice is created or updated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Invoice {
    pub id: Option<Id>,
    pub guid: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: Option<String>,
    pub is_paid: Option<bool>,
    pub is_sent: Option<bool>,
    pub details: Vec<InvoiceLine>,
    pub currency: Option<String>,
    pub price_net: Option<f64>,
    pub due_date: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub external_id: Option<String>,
    pub custom_data: Option<serde_json::Value>,
    #[serde(rename = "case")]
    pub case_data: Option<InvoiceCase>,
}

/// A line of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct InvoiceLine {
    pub name: Option<String>,
    pub count: Option<f64>,
    pub vat_rate: Option<f64>,
    pub vat_amount: Option<f64>,
    pub price_excl_vat: Option<f64>,
    pub price_incl_vat: Option<f64>,
    /// Further line fields.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The case an invoice belongs to: its core data, `orderData` and `productData`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct InvoiceCase {
    pub guid: Option<String>,
    pub order_data: Option<serde_json::Value>,
    pub product_data: Option<serde_json::Value>,
    /// The rest of the case's core data.
    #[serde(flatten)]
    pub core: serde_json::Map<String, serde_json::Value>,
}
