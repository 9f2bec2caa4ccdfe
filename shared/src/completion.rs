//! Finishing a claim: its message goes to every routed queue that does not have it yet, then the
//! claim is settled. The receiving pipeline and the republisher both finish claims this way.

use futures_util::future::join_all;
use time::OffsetDateTime;

use crate::fanout::{Message, PublishError, Publisher};
use crate::store::{ClaimStore, StoreError, StoredClaim};

/// Why a claim was left unfinished (still RECEIVED, so a later attempt completes it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompletionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// Publishes `stored` to the queues that miss it, all at once, then settles it. Returns how
/// many messages went out. When a queue fails, the queues that did get the message are recorded
/// and the lease released, so the next attempt sends only the rest and need not wait.
pub async fn complete<S: ClaimStore, P: Publisher>(
    store: &S,
    publisher: &P,
    stored: &StoredClaim,
    now: OffsetDateTime,
) -> Result<usize, CompletionError> {
    let pk = stored.claim.event.pk();
    let missing = stored.missing_queues();
    let message = Message::of(&stored.claim.event);
    let results = join_all(
        missing
            .iter()
            .map(|queue| publisher.publish(queue, &message)),
    )
    .await;
    let delivered: Vec<String> = missing
        .iter()
        .zip(&results)
        .filter(|(_, result)| result.is_ok())
        .map(|(queue, _)| queue.clone())
        .collect();
    if let Some(error) = results.into_iter().find_map(Result::err) {
        tracing::warn!(
            vendor = %stored.claim.event.vendor,
            dedupe_key = %stored.claim.event.dedupe_key,
            delivered = delivered.len(),
            missing = missing.len(),
            "publishing was incomplete; the claim stays RECEIVED"
        );
        if let Err(record_error) = store.record_published(&pk, &delivered, now).await {
            // The claim's lease will lapse on its own; what was delivered may be sent again.
            tracing::warn!(reason = %record_error, "could not record the queues already published");
        }
        return Err(error.into());
    }
    store.settle(&pk, now).await?;
    Ok(delivered.len())
}
