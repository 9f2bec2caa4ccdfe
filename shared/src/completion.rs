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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Classified, Event};
    use crate::fanout::MemoryPublisher;
    use crate::store::{Claim, ClaimLookup, ClaimStatus, MemoryStore};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);
    const A: &str = "https://sqs.eu-west-1.amazonaws.com/1/a";
    const B: &str = "https://sqs.eu-west-1.amazonaws.com/1/b";

    fn stored(store: &MemoryStore) -> StoredClaim {
        let classified = Classified {
            event_type: "t".into(),
            dedupe_key: "k".into(),
            occurred_at: None,
            entity: None,
            account: None,
        };
        let claim = Claim {
            event: Event::new("v", classified, NOW, "{}".into()),
            queues: vec![A.into(), B.into()],
            expires_at: NOW.unix_timestamp() + 3600,
            lease_until: NOW.unix_timestamp() + 60,
            body_digest: "d".into(),
        };
        futures_util::FutureExt::now_or_never(store.claim(&claim, NOW))
            .expect("memory store is immediate")
            .expect("claimed");
        StoredClaim::received(claim)
    }

    #[tokio::test]
    async fn a_partial_failure_records_what_went_out_and_the_retry_sends_only_the_rest() {
        let store = MemoryStore::new();
        let queues = MemoryPublisher::with_queues(&[A, B]);
        let claim = stored(&store);
        queues.set_failing(B, true);
        let error = complete(&store, &queues, &claim, NOW).await.unwrap_err();
        assert!(
            matches!(error, CompletionError::Publish(PublishError { ref queue, .. }) if queue == B)
        );
        let after = store.load(&claim.claim.event.pk()).await.unwrap().unwrap();
        assert_eq!(
            (after.status, after.published_queues.clone()),
            (ClaimStatus::Received, vec![A.to_string()])
        );
        assert!(
            after.claim.lease_until < NOW.unix_timestamp(),
            "the lease is released"
        );

        queues.set_failing(B, false);
        assert_eq!(complete(&store, &queues, &after, NOW).await.unwrap(), 1);
        assert_eq!((queues.sent(A).len(), queues.sent(B).len()), (1, 1));
        let settled = store.load(&claim.claim.event.pk()).await.unwrap().unwrap();
        assert_eq!(settled.status, ClaimStatus::Published);
    }

    #[tokio::test]
    async fn a_failed_settle_leaves_the_claim_received() {
        let store = MemoryStore::new();
        let queues = MemoryPublisher::with_queues(&[A, B]);
        let claim = stored(&store);
        store.set_settle_failing(true);
        assert!(matches!(
            complete(&store, &queues, &claim, NOW).await,
            Err(CompletionError::Store(_))
        ));
        store.set_settle_failing(false);
        let after = store.load(&claim.claim.event.pk()).await.unwrap().unwrap();
        assert_eq!(after.status, ClaimStatus::Received);
    }
}
