//! One batch of SQS records: each read with `webhook-events`, handled once per event id, and
//! only the records that could not be handled reported back, so that SQS retries just those.

use std::collections::HashSet;
use std::time::SystemTime;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use webhook_events::{Envelope, VendorEvent};

use crate::handled::{Claim, Handled, TableError};

/// Why a record was not handled; SQS delivers it again (and, after the queue's
/// `maxReceiveCount`, moves it to the dead-letter queue).
#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error("the record has no body")]
    NoBody,
    /// The reason says where, never what: serde's messages can quote values of the payload.
    #[error("the body is not a version 1 envelope ({0})")]
    Envelope(&'static str),
    #[error("the payload does not fit its model (line {line}, column {column})")]
    Payload { line: usize, column: usize },
    #[error("another invocation is handling this event")]
    Busy,
    #[error(transparent)]
    Table(#[from] TableError),
}

impl From<webhook_events::Error> for RecordError {
    fn from(error: webhook_events::Error) -> Self {
        match error {
            webhook_events::Error::NotAnEnvelope(_) => Self::Envelope("not an envelope"),
            webhook_events::Error::UnsupportedVersion(_) => Self::Envelope("another version"),
            webhook_events::Error::Payload { source, .. } => Self::Payload {
                line: source.line(),
                column: source.column(),
            },
            // `webhook_events::Error` may grow; anything else is still a bad message.
            #[allow(unreachable_patterns)]
            _ => Self::Envelope("unreadable"),
        }
    }
}

/// What became of a record that needs no retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Handled,
    /// Its event id was handled before.
    Duplicate,
}

/// Handles every record of `event`; the response names the records to retry. On a FIFO queue
/// the records after a failed one in its message group are not handled but retried with it,
/// so that a group stays in order.
pub async fn handle_batch(
    handled: &Handled,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let lease_until = event.context.deadline();
    let mut response = SqsBatchResponse::default();
    let mut failed_groups: HashSet<String> = HashSet::new();
    for record in &event.payload.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get("MessageGroupId");
        let result = match group {
            Some(group) if failed_groups.contains(group) => Err(None),
            _ => handle_record(handled, record, lease_until)
                .await
                .map_err(Some),
        };
        match result {
            Ok(outcome) => {
                let outcome = match outcome {
                    Outcome::Handled => "handled",
                    Outcome::Duplicate => "duplicate",
                };
                tracing::info!(message_id, outcome, "record done");
            }
            Err(error) => {
                let reason = error.map_or_else(
                    || "an earlier record of its message group failed".to_string(),
                    |error| error.to_string(),
                );
                tracing::warn!(message_id, outcome = "failed", reason, "record to retry");
                if let Some(group) = group {
                    failed_groups.insert(group.clone());
                }
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    Ok(response)
}

/// Reads one record, claims its event id and handles the event; a claim whose event failed is
/// released for the retry.
async fn handle_record(
    handled: &Handled,
    record: &SqsMessage,
    lease_until: SystemTime,
) -> Result<Outcome, RecordError> {
    let body = record.body.as_deref().ok_or(RecordError::NoBody)?;
    let envelope = Envelope::from_json(body)?;
    let event = envelope.typed()?;
    match handled.claim(&envelope.id, lease_until).await? {
        Claim::Taken => {}
        Claim::AlreadyHandled => return Ok(Outcome::Duplicate),
        Claim::Busy => return Err(RecordError::Busy),
    }
    if let Err(error) = handle(&envelope, &event).await {
        handled.release(&envelope.id).await;
        return Err(error);
    }
    handled.complete(&envelope.id).await?;
    Ok(Outcome::Handled)
}

/// The consumer's work on one event, called once per event id (again only if it fails).
/// This example logs what arrived, without the payload: replace it with yours.
async fn handle(envelope: &Envelope<'_>, event: &VendorEvent) -> Result<(), RecordError> {
    let model = match event {
        VendorEvent::CycleSoftware(_) => "cyclesoftware",
        VendorEvent::Wayke(_) => "wayke",
        VendorEvent::ServiceOrderHub(_) => "service-order-hub",
        VendorEvent::RevoXef(_) => "revo-xef",
        VendorEvent::Other(_) => "unknown vendor",
    };
    tracing::info!(
        id = %envelope.id,
        vendor = %envelope.vendor,
        event_type = %envelope.event_type,
        account = envelope.account.as_deref(),
        model,
        "event handled"
    );
    Ok(())
}
