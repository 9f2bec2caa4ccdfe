//! One contract, two implementations: every scenario runs against the in-memory adapters and
//! against DynamoDB and SQS emulated by moto (with SQS's message rules, which moto does not
//! check, added by the fault proxy), so the fakes cannot drift from the real services on any
//! point the lifecycle and the fault simulation rely on.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use futures::future::join_all;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use webhook_core::claims::{
    Claim, ClaimReader, ClaimStore, DynamoStore, Holding, Lease, LeaseToken, MemoryStore,
    PutOutcome, Status, StoreError, TakeOutcome,
};
use webhook_core::event::{body_digest, rfc3339, Classified, Event};
use webhook_core::fanout::{
    is_fifo, MemoryPublisher, Message, Publisher, SqsPublisher, ATTRIBUTE_ACCOUNT,
    ATTRIBUTE_EVENT_TYPE, ATTRIBUTE_VENDOR,
};
use webhook_tests::moto::{self, Received};
use webhook_tests::proxy::AwsProxy;

const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);
const A: &str = "https://sqs.eu-west-1.amazonaws.com/1/a";
const B: &str = "https://sqs.eu-west-1.amazonaws.com/1/b.fifo";

fn event_of(key: &str, received_at: OffsetDateTime) -> Event {
    let classified = Classified {
        event_type: "sales_order.updated".into(),
        dedupe_key: key.into(),
        occurred_at: Some(datetime!(2022-04-20 10:29:23.309 UTC)),
        entity: Some("sales_order:1442".into()),
        account: Some("shop-7".into()),
        published: None,
    };
    Event::new(
        "cyclesoftware",
        &classified,
        received_at,
        format!(r#"{{"id":"{key}","x":[1,2]}}"#),
    )
}

/// A new claim of `key`, received and leased to a token of its own at `received_at`.
fn claim_of(key: &str, received_at: OffsetDateTime) -> Claim {
    let event = event_of(key, received_at);
    let digest = body_digest(event.payload.as_bytes());
    Claim::received(event, digest, &LeaseToken::new(), received_at)
}

fn lease_at(at: OffsetDateTime) -> Lease {
    Lease::from(&LeaseToken::new(), at)
}

async fn dynamo_store() -> DynamoStore {
    let config = moto::moto().sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = moto::create_events_table(&client).await;
    DynamoStore::new(client, table)
}

mod store_scenarios {
    use super::*;

    pub async fn a_new_claim_is_stored_received_with_no_expiry<S: ClaimStore + ClaimReader>(
        store: S,
    ) {
        let claim = claim_of("new-1", NOW);
        assert_eq!(
            store.put_new(&claim, NOW).await.unwrap(),
            PutOutcome::Created
        );
        let stored = store.load(&claim.pk()).await.unwrap().unwrap();
        assert_eq!(stored, claim);
        assert_eq!((stored.status, stored.expires_at), (Status::Received, None));
        assert_eq!(store.load("cyclesoftware#absent").await.unwrap(), None);
    }

    pub async fn a_second_put_returns_the_first_as_stored_with_its_holder<
        S: ClaimStore + ClaimReader,
    >(
        store: S,
    ) {
        let first = claim_of("dup-1", NOW);
        let later = claim_of("dup-1", NOW + Duration::minutes(5));
        store.put_new(&first, NOW).await.unwrap();
        assert_eq!(
            store
                .put_new(&later, NOW + Duration::minutes(5))
                .await
                .unwrap(),
            PutOutcome::Existing(Box::new(first.clone())),
            "the holder's token comes back: a retried put recognises its own claim"
        );
        let expires_at = (NOW + Duration::days(7)).unix_timestamp();
        let settled = store
            .settle(&first.pk(), &first.lease.token, &[], NOW, expires_at)
            .await
            .unwrap();
        assert_eq!(settled, Holding::Held);
        let PutOutcome::Existing(existing) = store
            .put_new(&later, NOW + Duration::minutes(7))
            .await
            .unwrap()
        else {
            panic!("the settled claim is still there")
        };
        assert_eq!(
            (existing.status, existing.expires_at),
            (Status::Published, Some(expires_at))
        );
    }

    pub async fn an_expired_claim_is_replaced<S: ClaimStore + ClaimReader>(store: S) {
        let first = claim_of("ttl-1", NOW);
        store.put_new(&first, NOW).await.unwrap();
        let expires_at = (NOW + Duration::days(7)).unix_timestamp();
        store
            .settle(&first.pk(), &first.lease.token, &[], NOW, expires_at)
            .await
            .unwrap();
        let at_expiry = OffsetDateTime::from_unix_timestamp(expires_at).unwrap();
        assert!(matches!(
            store.put_new(&first, at_expiry).await.unwrap(),
            PutOutcome::Existing(_)
        ));
        let after = at_expiry + Duration::seconds(1);
        let again = claim_of("ttl-1", after);
        assert_eq!(
            store.put_new(&again, after).await.unwrap(),
            PutOutcome::Created
        );
        assert_eq!(store.load(&again.pk()).await.unwrap().unwrap(), again);
    }

    pub async fn an_unpublished_claim_never_expires<S: ClaimStore + ClaimReader>(store: S) {
        let claim = claim_of("forever-1", NOW);
        store.put_new(&claim, NOW).await.unwrap();
        let years_later = NOW + Duration::days(3650);
        let again = claim_of("forever-1", years_later);
        assert_eq!(
            store.put_new(&again, years_later).await.unwrap(),
            PutOutcome::Existing(Box::new(claim))
        );
    }

    pub async fn only_the_holder_releases_or_settles<S: ClaimStore + ClaimReader>(store: S) {
        let claim = claim_of("holder-1", NOW);
        let pk = claim.pk();
        store.put_new(&claim, NOW).await.unwrap();
        let stranger = LeaseToken::new();
        assert_eq!(
            store
                .release(&pk, &stranger, &[A.to_string()], NOW)
                .await
                .unwrap(),
            Holding::Lost
        );
        assert_eq!(
            store
                .settle(&pk, &stranger, &[A.to_string()], NOW, 1)
                .await
                .unwrap(),
            Holding::Lost
        );
        assert_eq!(
            store.load(&pk).await.unwrap().unwrap(),
            claim,
            "nothing changed"
        );
        assert_eq!(
            store
                .settle("cyclesoftware#never-claimed", &stranger, &[], NOW, 1)
                .await
                .unwrap(),
            Holding::Lost
        );
        assert_eq!(
            store.load("cyclesoftware#never-claimed").await.unwrap(),
            None,
            "settling creates nothing"
        );
    }

    pub async fn keys_are_independent<S: ClaimStore + ClaimReader>(store: S) {
        let a = claim_of("ind-a", NOW);
        let b = claim_of("ind-b", NOW);
        assert_eq!(store.put_new(&a, NOW).await.unwrap(), PutOutcome::Created);
        assert_eq!(store.put_new(&b, NOW).await.unwrap(), PutOutcome::Created);
        store
            .settle(&a.pk(), &a.lease.token, &[], NOW, 1)
            .await
            .unwrap();
        assert_eq!(
            store.load(&b.pk()).await.unwrap().unwrap().status,
            Status::Received
        );
    }

    pub async fn concurrent_puts_of_one_key_create_it_once<S: ClaimStore + ClaimReader>(store: S) {
        let claims: Vec<Claim> = (0..16).map(|_| claim_of("race-1", NOW)).collect();
        let outcomes = join_all(claims.iter().map(|claim| store.put_new(claim, NOW))).await;
        let created = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(PutOutcome::Created)))
            .count();
        let existing = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(PutOutcome::Existing(_))))
            .count();
        assert_eq!((created, existing), (1, 15), "{outcomes:?}");
    }

    pub async fn a_large_payload_round_trips_and_one_too_large_is_refused<
        S: ClaimStore + ClaimReader,
    >(
        store: S,
    ) {
        let mut big = claim_of("big-1", NOW);
        big.event.payload = format!(r#"{{"text":"{}"}}"#, "lorem ipsum dolor ".repeat(25_000));
        store.put_new(&big, NOW).await.unwrap();
        assert_eq!(
            store.load(&big.pk()).await.unwrap().unwrap().event.payload,
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
            store.put_new(&noise, NOW).await,
            Err(StoreError::PayloadTooLarge { .. })
        ));
        assert_eq!(store.load(&noise.pk()).await.unwrap(), None);
    }

    pub async fn an_item_or_key_over_dynamodbs_limits_is_refused<S: ClaimStore + ClaimReader>(
        store: S,
    ) {
        // Built by hand, past the bounds `Event::new` applies: what DynamoDB does with it.
        let mut long_key = claim_of("key", NOW);
        long_key.event.dedupe_key = "k".repeat(2100);
        assert!(matches!(
            store.put_new(&long_key, NOW).await,
            Err(StoreError::Unavailable(_))
        ));
        let mut large_item = claim_of("item-1", NOW);
        large_item.event.payload = format!(r#"{{"text":"{}"}}"#, "x".repeat(290 * 1024));
        large_item.event.message_group = "g".repeat(150 * 1024);
        assert!(matches!(
            store.put_new(&large_item, NOW).await,
            Err(StoreError::Unavailable(_))
        ));
        assert_eq!(store.load(&large_item.pk()).await.unwrap(), None);
    }
}

mod lease_scenarios {
    use super::*;

    pub async fn a_claim_is_taken_over_only_once_its_lease_lapsed<S: ClaimStore + ClaimReader>(
        store: S,
    ) {
        let claim = claim_of("lease-1", NOW);
        let pk = claim.pk();
        store.put_new(&claim, NOW).await.unwrap();
        let lease_end = OffsetDateTime::from_unix_timestamp(claim.lease.until).unwrap();
        assert_eq!(
            store
                .take_over(&pk, &lease_at(lease_end), lease_end)
                .await
                .unwrap(),
            TakeOutcome::Refused(Some(Box::new(claim.clone()))),
            "still leased: the claim comes back as stored"
        );
        let later = lease_end + Duration::seconds(1);
        let lease = lease_at(later);
        let TakeOutcome::Taken(taken) = store.take_over(&pk, &lease, later).await.unwrap() else {
            panic!("a lapsed lease is taken")
        };
        assert_eq!(
            (taken.lease.clone(), &taken.event),
            (lease.clone(), &claim.event)
        );
        let TakeOutcome::Refused(Some(again)) =
            store.take_over(&pk, &lease_at(later), later).await.unwrap()
        else {
            panic!("taken once")
        };
        assert_eq!(again.lease, lease, "the holder's token comes back");
        store
            .settle(&pk, &lease.token, &[], later, 1)
            .await
            .unwrap();
        let much_later = later + Duration::hours(1);
        assert!(matches!(
            store.take_over(&pk, &lease_at(much_later), much_later).await.unwrap(),
            TakeOutcome::Refused(Some(published)) if published.status == Status::Published
        ));
        assert_eq!(
            store
                .take_over("cyclesoftware#absent", &lease_at(much_later), much_later)
                .await
                .unwrap(),
            TakeOutcome::Refused(None)
        );
    }

    pub async fn concurrent_take_overs_give_the_claim_to_one<S: ClaimStore + ClaimReader>(
        store: S,
    ) {
        let claim = claim_of("lease-race", NOW);
        store.put_new(&claim, NOW).await.unwrap();
        let later = NOW + Duration::minutes(5);
        let pk = claim.pk();
        let leases: Vec<Lease> = (0..8).map(|_| lease_at(later)).collect();
        let results = join_all(
            leases
                .iter()
                .map(|lease| store.take_over(&pk, lease, later)),
        )
        .await;
        let winners = results
            .iter()
            .filter(|r| matches!(r, Ok(TakeOutcome::Taken(_))))
            .count();
        assert_eq!(winners, 1, "{results:?}");
    }

    pub async fn a_release_keeps_the_queues_and_a_settle_adds_the_rest<
        S: ClaimStore + ClaimReader,
    >(
        store: S,
    ) {
        let claim = claim_of("partial-1", NOW);
        let pk = claim.pk();
        let token = &claim.lease.token;
        store.put_new(&claim, NOW).await.unwrap();
        for _ in 0..2 {
            assert_eq!(
                store
                    .release(&pk, token, &[A.to_string()], NOW)
                    .await
                    .unwrap(),
                Holding::Held
            );
        }
        let stored = store.load(&pk).await.unwrap().unwrap();
        assert_eq!(stored.published_queues, vec![A.to_string()]);
        assert!(stored.lease.lapsed_at(NOW), "the lease is released");
        assert_eq!(stored.expires_at, None);
        let lease = lease_at(NOW);
        assert!(matches!(
            store.take_over(&pk, &lease, NOW).await.unwrap(),
            TakeOutcome::Taken(taken) if taken.published_queues == [A.to_string()]
        ));
        assert_eq!(
            store
                .release(&pk, token, &[B.to_string()], NOW)
                .await
                .unwrap(),
            Holding::Lost,
            "the old holder lost the claim"
        );
        let expires_at = (NOW + Duration::days(7)).unix_timestamp();
        store
            .settle(&pk, &lease.token, &[B.to_string()], NOW, expires_at)
            .await
            .unwrap();
        let settled = store.load(&pk).await.unwrap().unwrap();
        let mut queues = settled.published_queues.clone();
        queues.sort();
        assert_eq!(
            (settled.status, settled.expires_at, queues),
            (
                Status::Published,
                Some(expires_at),
                vec![A.to_string(), B.to_string()]
            )
        );
    }

    pub async fn the_pending_index_lists_lapsed_unpublished_claims_page_by_page<
        S: ClaimStore + ClaimReader,
    >(
        store: S,
    ) {
        let vendor = moto::unique_name("vendor");
        let mut claims = Vec::new();
        for (i, minutes) in [3, 1, 2].into_iter().enumerate() {
            let at = NOW + Duration::minutes(minutes);
            let mut claim = claim_of(&format!("pending-{i}"), at);
            claim.event.vendor = vendor.clone();
            store.put_new(&claim, at).await.unwrap();
            claims.push(claim);
        }
        assert!(
            store
                .pending(&vendor, NOW, 10, None)
                .await
                .unwrap()
                .pks
                .is_empty(),
            "all leased"
        );
        let later = NOW + Duration::minutes(10);
        let pks: Vec<String> = [1, 2, 0].iter().map(|&i| claims[i].pk()).collect();
        assert_eq!(
            store.pending(&vendor, later, 10, None).await.unwrap().pks,
            pks,
            "oldest lease first"
        );
        let first = store.pending(&vendor, later, 2, None).await.unwrap();
        assert_eq!(first.pks, pks[..2].to_vec());
        let rest = store
            .pending(&vendor, later, 2, first.next.as_ref())
            .await
            .unwrap();
        assert_eq!(rest.pks, pks[2..].to_vec(), "the next page goes on");
        store
            .settle(&pks[0], &claims[1].lease.token, &[], later, 1)
            .await
            .unwrap();
        assert_eq!(
            store.pending(&vendor, later, 10, None).await.unwrap().pks,
            pks[1..].to_vec(),
            "settled leaves the index"
        );
        assert!(store
            .pending("other-vendor", later, 10, None)
            .await
            .unwrap()
            .pks
            .is_empty());
    }

    pub async fn claims_are_found_by_time_of_receipt_page_by_page<S: ClaimStore + ClaimReader>(
        store: S,
    ) {
        let vendor = moto::unique_name("vendor");
        let mut pks = Vec::new();
        for i in 0..5 {
            let at = NOW + Duration::milliseconds(500 * i);
            let mut claim = claim_of(&format!("range-{i}"), at);
            claim.event.vendor = vendor.clone();
            store.put_new(&claim, at).await.unwrap();
            pks.push(claim.pk());
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

    pub async fn the_ttl_sweeper_deletes_only_expired_claims(store: MemoryStore) {
        // DynamoDB's TTL deletes whatever carries an `expiresAt` in the past; that is why only
        // settled claims carry one. (moto does not sweep: this is the memory store's emulation,
        // held to the documented behaviour.)
        let received = claim_of("sweep-received", NOW);
        let settled = claim_of("sweep-settled", NOW);
        store.put_new(&received, NOW).await.unwrap();
        store.put_new(&settled, NOW).await.unwrap();
        let expires_at = (NOW + Duration::days(1)).unix_timestamp();
        store
            .settle(&settled.pk(), &settled.lease.token, &[], NOW, expires_at)
            .await
            .unwrap();
        assert_eq!(store.sweep_expired(NOW + Duration::days(1)), 0);
        assert_eq!(store.sweep_expired(NOW + Duration::days(400)), 1);
        assert_eq!(store.all().unwrap(), vec![received]);
    }
}

macro_rules! store_contract {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn a_new_claim_is_stored_received_with_no_expiry() {
                store_scenarios::a_new_claim_is_stored_received_with_no_expiry($make).await;
            }
            #[tokio::test]
            async fn a_second_put_returns_the_first_as_stored_with_its_holder() {
                store_scenarios::a_second_put_returns_the_first_as_stored_with_its_holder($make)
                    .await;
            }
            #[tokio::test]
            async fn an_expired_claim_is_replaced() {
                store_scenarios::an_expired_claim_is_replaced($make).await;
            }
            #[tokio::test]
            async fn an_unpublished_claim_never_expires() {
                store_scenarios::an_unpublished_claim_never_expires($make).await;
            }
            #[tokio::test]
            async fn only_the_holder_releases_or_settles() {
                store_scenarios::only_the_holder_releases_or_settles($make).await;
            }
            #[tokio::test]
            async fn keys_are_independent() {
                store_scenarios::keys_are_independent($make).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_puts_of_one_key_create_it_once() {
                store_scenarios::concurrent_puts_of_one_key_create_it_once($make).await;
            }
            #[tokio::test]
            async fn a_large_payload_round_trips_and_one_too_large_is_refused() {
                store_scenarios::a_large_payload_round_trips_and_one_too_large_is_refused($make)
                    .await;
            }
            #[tokio::test]
            async fn an_item_or_key_over_dynamodbs_limits_is_refused() {
                store_scenarios::an_item_or_key_over_dynamodbs_limits_is_refused($make).await;
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
            async fn a_release_keeps_the_queues_and_a_settle_adds_the_rest() {
                lease_scenarios::a_release_keeps_the_queues_and_a_settle_adds_the_rest($make).await;
            }
            #[tokio::test]
            async fn the_pending_index_lists_lapsed_unpublished_claims_page_by_page() {
                lease_scenarios::the_pending_index_lists_lapsed_unpublished_claims_page_by_page(
                    $make,
                )
                .await;
            }
            #[tokio::test]
            async fn claims_are_found_by_time_of_receipt_page_by_page() {
                lease_scenarios::claims_are_found_by_time_of_receipt_page_by_page($make).await;
            }
        }
    };
}

store_contract!(memory_store, MemoryStore::new());
store_contract!(dynamodb_store, dynamo_store().await);

#[tokio::test]
async fn the_memory_ttl_sweeper_deletes_only_expired_claims() {
    lease_scenarios::the_ttl_sweeper_deletes_only_expired_claims(MemoryStore::new()).await;
}

/// Queues to publish to and read back.
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
                vendor: message.attribute(ATTRIBUTE_VENDOR).map(String::from),
                event_type: message.attribute(ATTRIBUTE_EVENT_TYPE).map(String::from),
                account: message.attribute(ATTRIBUTE_ACCOUNT).map(String::from),
                group_id: fifo.then_some(message.group_id),
                deduplication_id: fifo.then_some(message.deduplication_id),
                body: message.body,
            })
            .collect()
    }
}

/// SQS in moto, published to through the fault proxy, which refuses what SQS refuses.
struct SqsQueues {
    client: aws_sdk_sqs::Client,
    publisher: SqsPublisher,
    _proxy: AwsProxy,
}

impl SqsQueues {
    async fn new() -> Self {
        let moto = moto::moto();
        let proxy = AwsProxy::start(&moto.endpoint).await;
        let through_proxy = moto::sdk_config_for(&proxy.endpoint).await;
        Self {
            publisher: SqsPublisher::new(aws_sdk_sqs::Client::new(&through_proxy)),
            client: aws_sdk_sqs::Client::new(&moto.sdk_config().await),
            _proxy: proxy,
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
        Message::of(&event_of("msg-1", NOW))
    }

    pub async fn a_standard_queue_gets_body_and_attributes<B: QueueBackend>(backend: B) {
        let queue = backend.create_queue(false).await;
        let message = message();
        backend.publisher().publish(&queue, &message).await.unwrap();
        let mut no_account = event_of("msg-2", NOW);
        no_account.account = None;
        backend
            .publisher()
            .publish(&queue, &Message::of(&no_account))
            .await
            .unwrap();
        let received = backend.received(&queue).await;
        assert_eq!(
            received,
            vec![
                Received {
                    body: message.body.clone(),
                    vendor: Some("cyclesoftware".into()),
                    event_type: Some("sales_order.updated".into()),
                    account: Some("shop-7".into()),
                    group_id: None,
                    deduplication_id: None,
                },
                Received {
                    body: Message::of(&no_account).body,
                    vendor: Some("cyclesoftware".into()),
                    event_type: Some("sales_order.updated".into()),
                    account: None,
                    group_id: None,
                    deduplication_id: None,
                }
            ]
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

    pub async fn what_sqs_refuses_is_refused_and_what_limits_make_of_it_is_taken<
        B: QueueBackend,
    >(
        backend: B,
    ) {
        let standard = backend.create_queue(false).await;
        let fifo = backend.create_queue(true).await;
        let mut raw = message();
        raw.body = "{\"name\":\"\u{FFFF}\"}".into();
        let mut empty_attribute = message();
        empty_attribute.attributes.push(("empty", String::new()));
        let mut bad_group = message();
        bad_group.group_id = "g".repeat(129);
        for (queue, refused) in [
            (&standard, raw),
            (&standard, empty_attribute),
            (&fifo, bad_group),
        ] {
            assert!(
                backend.publisher().publish(queue, &refused).await.is_err(),
                "{refused:?}"
            );
        }
        assert!(backend.received(&standard).await.is_empty());
        assert!(backend.received(&fifo).await.is_empty());

        // The same values as an event carries them: escaped, digested, left out.
        let classified = Classified {
            event_type: "order.created".into(),
            dedupe_key: "k\u{FFFF}".into(),
            occurred_at: None,
            entity: Some(format!("order:{}\u{FFFE}", "9".repeat(200))),
            account: Some("tenant\u{FFFF}".into()),
            published: None,
        };
        let payload = "{\"name\":\"caf\u{E9} \u{FFFF}\",\"n\":[1,2]}";
        // A vendor whose payload is published byte for byte (Revo Xef's is normalised).
        let event = Event::new("cyclesoftware", &classified, NOW, payload.into());
        let message = Message::of(&event);
        for queue in [&standard, &fifo] {
            backend.publisher().publish(queue, &message).await.unwrap();
            let received = backend.received(queue).await;
            assert_eq!(received.len(), 1);
            let envelope: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
            let original: serde_json::Value = serde_json::from_str(payload).unwrap();
            assert_eq!(
                envelope["payload"], original,
                "the payload's value is unchanged"
            );
            assert_eq!(envelope["dedupeKey"], "k\u{FFFF}");
            assert_eq!(envelope["account"], "tenant\u{FFFF}");
            assert!(received[0]
                .account
                .as_deref()
                .is_some_and(|account| account.starts_with("sha256:")));
        }
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
            #[tokio::test]
            async fn what_sqs_refuses_is_refused_and_what_limits_make_of_it_is_taken() {
                publisher_scenarios::what_sqs_refuses_is_refused_and_what_limits_make_of_it_is_taken($make).await;
            }
        }
    };
}

publisher_contract!(memory_publisher, MemoryQueues(MemoryPublisher::default()));
publisher_contract!(sqs_publisher, SqsQueues::new().await);
