//! One contract, two implementations: every scenario runs against the in-memory adapters and
//! against DynamoDB and SQS emulated by moto, so the fakes cannot drift from the real services.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use futures::future::join_all;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use webhook_core::event::{Classified, Event};
use webhook_core::fanout::{is_fifo, MemoryPublisher, Message, Publisher, SqsPublisher};
use webhook_core::store::{
    Claim, ClaimLookup, ClaimOutcome, ClaimStatus, ClaimStore, DynamoStore, MemoryStore,
    StoreError, StoredClaim,
};
use webhook_tests::moto::{self, Received};

const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

fn claim_of(key: &str, received_at: OffsetDateTime) -> Claim {
    let classified = Classified {
        event_type: "sales_order.updated".into(),
        dedupe_key: key.into(),
        occurred_at: Some(datetime!(2022-04-20 10:29:23.309 UTC)),
        entity: Some("sales_order:1442".into()),
    };
    Claim {
        event: Event::new(
            "cyclesoftware",
            classified,
            received_at,
            format!(r#"{{"id":"{key}","x":[1,2]}}"#),
        ),
        queues: vec![
            "https://sqs.eu-west-1.amazonaws.com/1/a".into(),
            "https://sqs.eu-west-1.amazonaws.com/1/b.fifo".into(),
        ],
        expires_at: (received_at + Duration::days(7)).unix_timestamp(),
    }
}

async fn dynamo_store() -> DynamoStore {
    let config = moto::moto().sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = moto::create_events_table(&client).await;
    DynamoStore::new(client, table)
}

mod store_scenarios {
    use super::*;

    pub async fn a_new_claim_is_stored_received<S: ClaimStore + ClaimLookup>(store: S) {
        let claim = claim_of("new-1", NOW);
        assert_eq!(
            store.claim(&claim, NOW).await.unwrap(),
            ClaimOutcome::Claimed
        );
        let stored = store.load(&claim.event.pk()).await.unwrap();
        assert_eq!(
            stored,
            Some(StoredClaim {
                claim,
                status: ClaimStatus::Received
            })
        );
        assert_eq!(store.load("cyclesoftware#absent").await.unwrap(), None);
    }

    pub async fn a_second_claim_returns_the_first_as_stored<S: ClaimStore + ClaimLookup>(store: S) {
        let first = claim_of("dup-1", NOW);
        let later = claim_of("dup-1", NOW + Duration::minutes(5));
        assert_eq!(
            store.claim(&first, NOW).await.unwrap(),
            ClaimOutcome::Claimed
        );
        let outcome = store
            .claim(&later, NOW + Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(
            outcome,
            ClaimOutcome::Existing(Box::new(StoredClaim {
                claim: first.clone(),
                status: ClaimStatus::Received
            }))
        );
        store
            .settle(&first.event.pk(), NOW + Duration::minutes(6))
            .await
            .unwrap();
        let outcome = store
            .claim(&later, NOW + Duration::minutes(7))
            .await
            .unwrap();
        assert_eq!(
            outcome,
            ClaimOutcome::Existing(Box::new(StoredClaim {
                claim: first,
                status: ClaimStatus::Published
            }))
        );
    }

    pub async fn an_expired_claim_is_replaced<S: ClaimStore + ClaimLookup>(store: S) {
        let first = claim_of("ttl-1", NOW);
        assert_eq!(
            store.claim(&first, NOW).await.unwrap(),
            ClaimOutcome::Claimed
        );
        store.settle(&first.event.pk(), NOW).await.unwrap();
        let at_expiry = OffsetDateTime::from_unix_timestamp(first.expires_at).unwrap();
        assert!(matches!(
            store.claim(&first, at_expiry).await.unwrap(),
            ClaimOutcome::Existing(_)
        ));
        let after = at_expiry + Duration::seconds(1);
        let again = claim_of("ttl-1", after);
        assert_eq!(
            store.claim(&again, after).await.unwrap(),
            ClaimOutcome::Claimed
        );
        let stored = store.load(&again.event.pk()).await.unwrap().unwrap();
        assert_eq!(
            stored,
            StoredClaim {
                claim: again,
                status: ClaimStatus::Received
            }
        );
    }

    pub async fn settling_an_unknown_claim_fails<S: ClaimStore + ClaimLookup>(store: S) {
        let error = store
            .settle("cyclesoftware#never-claimed", NOW)
            .await
            .unwrap_err();
        assert_eq!(
            error,
            StoreError::NotFound {
                pk: "cyclesoftware#never-claimed".into()
            }
        );
        assert_eq!(
            store.load("cyclesoftware#never-claimed").await.unwrap(),
            None
        );
    }

    pub async fn keys_are_independent<S: ClaimStore + ClaimLookup>(store: S) {
        let a = claim_of("ind-a", NOW);
        let b = claim_of("ind-b", NOW);
        assert_eq!(store.claim(&a, NOW).await.unwrap(), ClaimOutcome::Claimed);
        assert_eq!(store.claim(&b, NOW).await.unwrap(), ClaimOutcome::Claimed);
        store.settle(&a.event.pk(), NOW).await.unwrap();
        assert_eq!(
            store.load(&b.event.pk()).await.unwrap().unwrap().status,
            ClaimStatus::Received
        );
    }

    pub async fn concurrent_claims_of_one_key_claim_it_once<S: ClaimStore + ClaimLookup>(store: S) {
        let claim = claim_of("race-1", NOW);
        let outcomes = join_all((0..16).map(|_| store.claim(&claim, NOW))).await;
        let claimed = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(ClaimOutcome::Claimed)))
            .count();
        let existing = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(ClaimOutcome::Existing(_))))
            .count();
        assert_eq!((claimed, existing), (1, 15), "{outcomes:?}");
    }
}

macro_rules! store_contract {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn a_new_claim_is_stored_received() {
                store_scenarios::a_new_claim_is_stored_received($make).await;
            }
            #[tokio::test]
            async fn a_second_claim_returns_the_first_as_stored() {
                store_scenarios::a_second_claim_returns_the_first_as_stored($make).await;
            }
            #[tokio::test]
            async fn an_expired_claim_is_replaced() {
                store_scenarios::an_expired_claim_is_replaced($make).await;
            }
            #[tokio::test]
            async fn settling_an_unknown_claim_fails() {
                store_scenarios::settling_an_unknown_claim_fails($make).await;
            }
            #[tokio::test]
            async fn keys_are_independent() {
                store_scenarios::keys_are_independent($make).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_claims_of_one_key_claim_it_once() {
                store_scenarios::concurrent_claims_of_one_key_claim_it_once($make).await;
            }
        }
    };
}

store_contract!(memory_store, MemoryStore::new());
store_contract!(dynamodb_store, dynamo_store().await);

/// A publisher with a way to make queues and read what they hold.
trait QueueBackend {
    type P: Publisher;
    fn publisher(&self) -> &Self::P;
    async fn create_queue(&self, fifo: bool) -> String;
    async fn received(&self, queue_url: &str) -> Vec<Received>;
}

struct MemoryQueues(MemoryPublisher);

impl QueueBackend for MemoryQueues {
    type P = MemoryPublisher;
    fn publisher(&self) -> &MemoryPublisher {
        &self.0
    }
    async fn create_queue(&self, fifo: bool) -> String {
        let url = format!(
            "https://sqs.eu-west-1.amazonaws.com/1/{}{}",
            moto::unique_name("q"),
            if fifo { ".fifo" } else { "" }
        );
        self.0.create_queue(&url);
        url
    }
    async fn received(&self, queue_url: &str) -> Vec<Received> {
        let fifo = is_fifo(queue_url);
        self.0
            .sent(queue_url)
            .into_iter()
            .map(|message| Received {
                body: message.body,
                vendor: Some(message.vendor),
                event_type: Some(message.event_type),
                group_id: fifo.then_some(message.group_id),
                deduplication_id: fifo.then_some(message.deduplication_id),
            })
            .collect()
    }
}

struct SqsQueues {
    client: aws_sdk_sqs::Client,
    publisher: SqsPublisher,
}

impl SqsQueues {
    async fn new() -> Self {
        let client = aws_sdk_sqs::Client::new(&moto::moto().sdk_config().await);
        Self {
            publisher: SqsPublisher::new(client.clone()),
            client,
        }
    }
}

impl QueueBackend for SqsQueues {
    type P = SqsPublisher;
    fn publisher(&self) -> &SqsPublisher {
        &self.publisher
    }
    async fn create_queue(&self, fifo: bool) -> String {
        moto::create_queue(&self.client, fifo).await
    }
    async fn received(&self, queue_url: &str) -> Vec<Received> {
        moto::drain(&self.client, queue_url).await
    }
}

mod publisher_scenarios {
    use super::*;

    fn message() -> Message {
        Message::of(&claim_of("msg-1", NOW).event)
    }

    pub async fn a_standard_queue_gets_body_and_attributes<B: QueueBackend>(backend: B) {
        let queue = backend.create_queue(false).await;
        let message = message();
        backend.publisher().publish(&queue, &message).await.unwrap();
        let received = backend.received(&queue).await;
        assert_eq!(
            received,
            vec![Received {
                body: message.body.clone(),
                vendor: Some("cyclesoftware".into()),
                event_type: Some("sales_order.updated".into()),
                group_id: None,
                deduplication_id: None,
            }]
        );
    }

    pub async fn a_fifo_queue_gets_group_and_deduplication_ids_and_drops_repeats<
        B: QueueBackend,
    >(
        backend: B,
    ) {
        let queue = backend.create_queue(true).await;
        let message = message();
        backend.publisher().publish(&queue, &message).await.unwrap();
        backend.publisher().publish(&queue, &message).await.unwrap();
        let received = backend.received(&queue).await;
        assert_eq!(received.len(), 1, "{received:?}");
        assert_eq!(received[0].body, message.body);
        assert_eq!(
            received[0].group_id.as_deref(),
            Some("cyclesoftware:sales_order:1442")
        );
        assert_eq!(
            received[0].deduplication_id.as_deref(),
            Some(message.deduplication_id.as_str())
        );
    }

    pub async fn a_missing_queue_is_an_error<B: QueueBackend>(backend: B) {
        let existing = backend.create_queue(false).await;
        let missing = format!("{existing}-does-not-exist");
        let error = backend
            .publisher()
            .publish(&missing, &message())
            .await
            .unwrap_err();
        assert_eq!(error.queue, missing);
    }
}

macro_rules! publisher_contract {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn a_standard_queue_gets_body_and_attributes() {
                publisher_scenarios::a_standard_queue_gets_body_and_attributes($make).await;
            }
            #[tokio::test]
            async fn a_fifo_queue_gets_group_and_deduplication_ids_and_drops_repeats() {
                publisher_scenarios::a_fifo_queue_gets_group_and_deduplication_ids_and_drops_repeats($make).await;
            }
            #[tokio::test]
            async fn a_missing_queue_is_an_error() {
                publisher_scenarios::a_missing_queue_is_an_error($make).await;
            }
        }
    };
}

publisher_contract!(memory_publisher, MemoryQueues(MemoryPublisher::default()));
publisher_contract!(sqs_publisher, SqsQueues::new().await);
