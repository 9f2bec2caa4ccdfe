//! One contract, two implementations: every scenario runs against the in-memory adapters and
//! against DynamoDB and SQS emulated by moto, so the fakes cannot drift from the real services.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use futures::future::join_all;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use webhook_core::event::{body_digest, rfc3339, Classified, Event};
use webhook_core::fanout::{is_fifo, MemoryPublisher, Message, Publisher, SqsPublisher};
use webhook_core::store::{
    Claim, ClaimIndex, ClaimLookup, ClaimOutcome, ClaimStatus, ClaimStore, DynamoStore,
    MemoryStore, StoreError, StoredClaim,
};
use webhook_tests::moto::{self, Received};

const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

fn claim_of(key: &str, received_at: OffsetDateTime) -> Claim {
    let classified = Classified {
        event_type: "sales_order.updated".into(),
        dedupe_key: key.into(),
        occurred_at: Some(datetime!(2022-04-20 10:29:23.309 UTC)),
        entity: Some("sales_order:1442".into()),
        account: Some("shop-7".into()),
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
        lease_until: (received_at + Duration::seconds(60)).unix_timestamp(),
        body_digest: body_digest(format!(r#"{{"id":"{key}","x":[1,2]}}"#).as_bytes()),
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

    pub async fn a_new_claim_is_stored_received<S: ClaimStore + ClaimLookup + ClaimIndex>(
        store: S,
    ) {
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
                status: ClaimStatus::Received,
                published_queues: vec![]
            })
        );
        assert_eq!(store.load("cyclesoftware#absent").await.unwrap(), None);
    }

    pub async fn a_second_claim_returns_the_first_as_stored<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
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
                status: ClaimStatus::Received,
                published_queues: vec![]
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
                status: ClaimStatus::Published,
                published_queues: vec![]
            }))
        );
    }

    pub async fn an_expired_claim_is_replaced<S: ClaimStore + ClaimLookup + ClaimIndex>(store: S) {
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
                status: ClaimStatus::Received,
                published_queues: vec![]
            }
        );
    }

    pub async fn settling_an_unknown_claim_fails<S: ClaimStore + ClaimLookup + ClaimIndex>(
        store: S,
    ) {
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

    pub async fn keys_are_independent<S: ClaimStore + ClaimLookup + ClaimIndex>(store: S) {
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

    pub async fn concurrent_claims_of_one_key_claim_it_once<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
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

mod lease_scenarios {
    use super::*;

    pub async fn a_claim_is_taken_over_only_once_its_lease_lapsed<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
        let claim = claim_of("lease-1", NOW);
        let pk = claim.event.pk();
        store.claim(&claim, NOW).await.unwrap();
        let lease_end = OffsetDateTime::from_unix_timestamp(claim.lease_until).unwrap();
        assert_eq!(
            store.take_over(&pk, lease_end, 0).await.unwrap(),
            None,
            "still leased"
        );
        let later = lease_end + Duration::seconds(1);
        let new_lease = (later + Duration::seconds(60)).unix_timestamp();
        let taken = store
            .take_over(&pk, later, new_lease)
            .await
            .unwrap()
            .expect("lapsed lease is taken");
        assert_eq!(taken.claim.lease_until, new_lease);
        assert_eq!(taken.claim.event, claim.event);
        assert_eq!(
            store.take_over(&pk, later, new_lease).await.unwrap(),
            None,
            "taken once"
        );
        store.settle(&pk, later).await.unwrap();
        let much_later = later + Duration::hours(1);
        assert_eq!(
            store.take_over(&pk, much_later, 0).await.unwrap(),
            None,
            "published"
        );
        assert_eq!(
            store
                .take_over("cyclesoftware#absent", much_later, 0)
                .await
                .unwrap(),
            None
        );
    }

    pub async fn concurrent_take_overs_give_the_claim_to_one<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
        let claim = claim_of("lease-race", NOW);
        store.claim(&claim, NOW).await.unwrap();
        let later = NOW + Duration::minutes(5);
        let pk = claim.event.pk();
        let results =
            join_all((0..8).map(|_| store.take_over(&pk, later, later.unix_timestamp() + 60)))
                .await;
        let winners = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
        assert_eq!(winners, 1, "{results:?}");
    }

    pub async fn recorded_queues_are_kept_and_release_the_lease<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
        let claim = claim_of("partial-1", NOW);
        let pk = claim.event.pk();
        store.claim(&claim, NOW).await.unwrap();
        store
            .record_published(&pk, &claim.queues[..1], NOW)
            .await
            .unwrap();
        store
            .record_published(&pk, &claim.queues[..1], NOW)
            .await
            .unwrap();
        let stored = store.load(&pk).await.unwrap().unwrap();
        assert_eq!(stored.published_queues, claim.queues[..1].to_vec());
        assert_eq!(stored.missing_queues(), claim.queues[1..].to_vec());
        assert!(
            stored.claim.lease_until < NOW.unix_timestamp(),
            "the lease is released"
        );
        let taken = store
            .take_over(&pk, NOW, NOW.unix_timestamp() + 60)
            .await
            .unwrap()
            .expect("released");
        assert_eq!(taken.missing_queues(), claim.queues[1..].to_vec());
        store.record_published(&pk, &[], NOW).await.unwrap();
        assert_eq!(
            store
                .record_published("cyclesoftware#absent", &[], NOW)
                .await
                .unwrap_err(),
            StoreError::NotFound {
                pk: "cyclesoftware#absent".into()
            }
        );
    }

    pub async fn the_pending_index_lists_lapsed_unpublished_claims<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
        let vendor = moto::unique_name("vendor");
        let mut claims = Vec::new();
        for (i, minutes) in [3, 1, 2].into_iter().enumerate() {
            let mut claim = claim_of(&format!("pending-{i}"), NOW + Duration::minutes(minutes));
            claim.event.vendor = vendor.clone();
            store.claim(&claim, NOW).await.unwrap();
            claims.push(claim);
        }
        assert!(
            store.pending(&vendor, NOW, 10).await.unwrap().is_empty(),
            "all leased"
        );
        let later = NOW + Duration::minutes(10);
        let pks: Vec<String> = [1, 2, 0].iter().map(|&i| claims[i].event.pk()).collect();
        assert_eq!(
            store.pending(&vendor, later, 10).await.unwrap(),
            pks,
            "oldest lease first"
        );
        assert_eq!(
            store.pending(&vendor, later, 2).await.unwrap(),
            pks[..2].to_vec()
        );
        store.settle(&pks[0], later).await.unwrap();
        assert_eq!(
            store.pending(&vendor, later, 10).await.unwrap(),
            pks[1..].to_vec(),
            "settled leaves the index"
        );
        assert!(store
            .pending("other-vendor", later, 10)
            .await
            .unwrap()
            .is_empty());
    }

    pub async fn claims_are_found_by_time_of_receipt_page_by_page<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
        let vendor = moto::unique_name("vendor");
        let mut pks = Vec::new();
        for i in 0..5 {
            let mut claim = claim_of(&format!("range-{i}"), NOW + Duration::milliseconds(500 * i));
            claim.event.vendor = vendor.clone();
            store.claim(&claim, NOW).await.unwrap();
            pks.push(claim.event.pk());
        }
        let from = rfc3339(NOW + Duration::milliseconds(500));
        let to = rfc3339(NOW + Duration::milliseconds(2000));
        let mut found = Vec::new();
        let mut cursor = None;
        for _ in 0..10 {
            let page = store
                .received_between(&vendor, &from, &to, 2, cursor.as_ref())
                .await
                .unwrap();
            assert!(page.pks.len() <= 2);
            found.extend(page.pks);
            cursor = page.next;
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(found, pks[1..4].to_vec(), "[from, to) in order of receipt");
    }

    pub async fn a_large_payload_round_trips_and_one_too_large_is_refused<
        S: ClaimStore + ClaimLookup + ClaimIndex,
    >(
        store: S,
    ) {
        let mut big = claim_of("big-1", NOW);
        big.event.payload = format!(r#"{{"text":"{}"}}"#, "lorem ipsum dolor ".repeat(25_000));
        store.claim(&big, NOW).await.unwrap();
        assert_eq!(
            store
                .load(&big.event.pk())
                .await
                .unwrap()
                .unwrap()
                .claim
                .event
                .payload,
            big.event.payload
        );

        let mut noise = claim_of("noise-1", NOW);
        let mut state = 0x2545_f491_u64;
        let random: String = (0..800_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'A' + u8::try_from(state % 26).unwrap())
            })
            .collect();
        noise.event.payload = format!(r#"{{"blob":"{random}"}}"#);
        assert!(matches!(
            store.claim(&noise, NOW).await,
            Err(StoreError::PayloadTooLarge { .. })
        ));
        assert_eq!(store.load(&noise.event.pk()).await.unwrap(), None);
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
            #[tokio::test]
            async fn a_claim_is_taken_over_only_once_its_lease_lapsed() {
                lease_scenarios::a_claim_is_taken_over_only_once_its_lease_lapsed($make).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_take_overs_give_the_claim_to_one() {
                lease_scenarios::concurrent_take_overs_give_the_claim_to_one($make).await;
            }
            #[tokio::test]
            async fn recorded_queues_are_kept_and_release_the_lease() {
                lease_scenarios::recorded_queues_are_kept_and_release_the_lease($make).await;
            }
            #[tokio::test]
            async fn the_pending_index_lists_lapsed_unpublished_claims() {
                lease_scenarios::the_pending_index_lists_lapsed_unpublished_claims($make).await;
            }
            #[tokio::test]
            async fn claims_are_found_by_time_of_receipt_page_by_page() {
                lease_scenarios::claims_are_found_by_time_of_receipt_page_by_page($make).await;
            }
            #[tokio::test]
            async fn a_large_payload_round_trips_and_one_too_large_is_refused() {
                lease_scenarios::a_large_payload_round_trips_and_one_too_large_is_refused($make)
                    .await;
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
                account: message.account,
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
                account: Some("shop-7".into()),
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
