//! No event lost, none published twice: faults injected against DynamoDB and SQS in moto —
//! queues that fail, a process that dies before settling, concurrent redeliveries, overlapping
//! republisher runs, hung calls, large bodies and reused ids. The clock is the test's, so leases
//! lapse when the test says: nothing depends on timing luck.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use futures::future::join_all;
use serde_json::json;
use time::Duration;
use webhook_core::claims::{ClaimStore, DynamoStore, Status, StoreError};
use webhook_core::clock::Clock;
use webhook_core::config::{DELIVERY_DEADLINE_MS, LARGEST_MAX_BODY_BYTES, MAX_BODY_BYTES};
use webhook_core::deadline::Deadline;
use webhook_core::event::rfc3339;
use webhook_core::http::respond;
use webhook_core::republish::ReplayRequest;
use webhook_tests::deliveries::{cyclesoftware_body, signed, status_and_json};
use webhook_tests::hooked::{HookedStore, Operation};
use webhook_tests::moto::{self, envelope_fields};
use webhook_tests::stack::{MotoPipeline, Stack};

/// Time enough for any republisher run here.
fn budget() -> Deadline {
    Deadline::after(std::time::Duration::from_secs(60))
}

async fn deliver<S: ClaimStore>(
    pipeline: &MotoPipeline<S>,
    body: &str,
) -> (u16, serde_json::Value) {
    status_and_json(&respond(pipeline, &signed(body)).await)
}

/// DynamoDB where `settle` never happens: the process died after publishing.
fn dies_before_settling(
    store: DynamoStore,
) -> HookedStore<DynamoStore, impl Fn(Operation) -> Result<(), StoreError> + Send + Sync> {
    HookedStore {
        inner: store,
        hook: |operation| match operation {
            Operation::Settle => Err(StoreError::Unavailable("the process died".into())),
            _ => Ok(()),
        },
    }
}

#[tokio::test]
async fn a_queue_that_failed_gets_its_message_on_the_retry_and_the_others_get_no_second_one() {
    let mut stack = Stack::new(1).await;
    // The second routed queue does not exist yet: every send to it fails.
    let late_name = moto::unique_name("late");
    let late_url = stack.queues[0]
        .rsplit_once('/')
        .map(|(base, _)| format!("{base}/{late_name}"))
        .unwrap();
    stack.queues.push(late_url.clone());
    let pipeline = stack.pipeline();
    let body = cyclesoftware_body("fail-1", "sales_order.updated");

    assert_eq!(deliver(&pipeline, &body).await.0, 503);
    let stored = stack.stored("cyclesoftware#fail-1").await;
    assert_eq!(
        (stored.status, stored.published_queues.clone()),
        (Status::Received, vec![stack.queues[0].clone()])
    );

    let created = stack
        .sqs
        .create_queue()
        .queue_name(&late_name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    assert_eq!(created, late_url);
    let (status, response) = deliver(&pipeline, &body).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(
        (stack.drain(0).await.len(), stack.drain(1).await.len()),
        (1, 1)
    );
    assert_eq!(
        stack.stored("cyclesoftware#fail-1").await.status,
        Status::Published
    );
}

#[tokio::test]
async fn a_process_that_dies_before_settling_is_finished_by_the_republisher_with_at_most_one_extra_message(
) {
    let stack = Stack::new(1).await;
    let dying = stack.pipeline_with(dies_before_settling(stack.store()), stack.sqs.clone(), &[]);
    let body = cyclesoftware_body("die-1", "workshop_order.updated");
    assert_eq!(deliver(&dying, &body).await.0, 503);

    // The vendor retries at once: the claim is still leased by the "dead" delivery.
    let (status, response) = deliver(&stack.pipeline(), &body).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(
        stack.republisher().sweep(budget()).await.found,
        0,
        "leased claims are not swept"
    );

    stack.clock.advance(Duration::seconds(61));
    let report = stack.republisher().sweep(budget()).await;
    assert_eq!((report.found, report.completed, report.messages), (1, 1, 1));
    let messages = stack.drain(0).await;
    assert_eq!(
        messages.len(),
        2,
        "the first delivery's message and the republisher's"
    );
    let ids = envelope_fields(&messages, "id");
    assert_eq!(ids[0], ids[1], "consumers drop the repeat by envelope id");
    assert_eq!(
        stack.stored("cyclesoftware#die-1").await.status,
        Status::Published
    );
    assert_eq!(stack.republisher().sweep(budget()).await.found, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_deliveries_make_one_claim_and_one_message_per_queue() {
    let stack = Stack::new(2).await;
    let pipeline = stack.pipeline();
    let body = cyclesoftware_body("burst-1", "sales_order.created");
    let responses = join_all((0..32).map(|_| deliver(&pipeline, &body))).await;
    let accepted = responses
        .iter()
        .filter(|(s, r)| *s == 200 && r["status"] == "accepted")
        .count();
    let duplicate = responses
        .iter()
        .filter(|(s, r)| *s == 200 && r["status"] == "duplicate")
        .count();
    assert_eq!((accepted, duplicate), (1, 31), "{responses:?}");
    assert_eq!(stack.item_count().await, 1);
    assert_eq!(
        (stack.drain(0).await.len(), stack.drain(1).await.len()),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_republisher_runs_at_once_send_each_pending_claim_once() {
    let stack = Stack::new(1).await;
    let broken = stack.pipeline_with(stack.store(), stack.unreachable_sqs().await, &[]);
    for i in 0..10 {
        assert_eq!(
            deliver(
                &broken,
                &cyclesoftware_body(&format!("pending-{i}"), "store_order.created")
            )
            .await
            .0,
            503
        );
    }
    stack.clock.advance(Duration::seconds(1));
    let (a, b) = (stack.republisher(), stack.republisher());
    let (first, second) = tokio::join!(a.sweep(budget()), b.sweep(budget()));
    assert_eq!(
        first.completed + second.completed,
        10,
        "{first:?} {second:?}"
    );
    assert_eq!(first.failed + second.failed, 0);
    let messages = stack.drain(0).await;
    let distinct: BTreeSet<String> = envelope_fields(&messages, "id").into_iter().collect();
    assert_eq!((messages.len(), distinct.len()), (10, 10));
}

#[tokio::test]
async fn a_256_kib_body_arrives_intact_and_one_over_the_limit_is_413_with_nothing_written() {
    let stack = Stack::new(1).await;
    let pipeline = stack.pipeline();
    let envelope = cyclesoftware_body("big-1", "sales_order.updated");
    let padding = 256 * 1024 - envelope.len() - r#","notes":"""#.len();
    let body = envelope.replacen(
        r#","payload""#,
        &format!(r#","notes":"{}","payload""#, "n".repeat(padding)),
        1,
    );
    assert_eq!(body.len(), 256 * 1024);
    assert_eq!(deliver(&pipeline, &body).await.1["status"], "accepted");
    let messages = stack.drain(0).await;
    assert!(
        messages[0].body.ends_with(&format!("\"payload\":{body}}}")),
        "payload intact"
    );

    let over = body.replacen("\"notes\":\"", "\"notes\":\"n", 1);
    let (status, response) = deliver(&pipeline, &over.replace("big-1", "big-2")).await;
    assert_eq!(
        (status, response),
        (
            413,
            json!({"error": "the body is larger than 262144 bytes"})
        )
    );
    assert_eq!(stack.item_count().await, 1);
    assert!(stack.drain(0).await.is_empty());
}

#[tokio::test]
async fn under_a_raised_limit_a_900_kb_body_is_stored_compressed_and_arrives_intact() {
    let stack = Stack::new(1).await;
    let limit = LARGEST_MAX_BODY_BYTES.to_string();
    let pipeline = stack.pipeline_with(
        stack.store(),
        stack.sqs.clone(),
        &[(MAX_BODY_BYTES, limit.as_str())],
    );
    let notes = "fiets band ketting zadel ".repeat(36_000);
    let body = cyclesoftware_body("huge-1", "sales_order.updated").replacen(
        r#","payload""#,
        &format!(r#","notes":"{notes}","payload""#),
        1,
    );
    assert!(body.len() > 860_000);
    assert_eq!(deliver(&pipeline, &body).await.1["status"], "accepted");
    assert_eq!(
        stack.stored("cyclesoftware#huge-1").await.event.payload,
        body
    );
    let messages = stack.drain(0).await;
    assert!(messages[0].body.ends_with(&format!("\"payload\":{body}}}")));
}

#[tokio::test]
async fn a_hung_dynamodb_call_ends_as_a_503_at_the_delivery_deadline() {
    let stack = Stack::new(1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket); // accepted, never answered
        }
    });
    let hung = aws_sdk_dynamodb::Client::new(&moto::sdk_config_for(&endpoint).await);
    // Half a second: the SDK would give up on its first attempt only after 2 s.
    let pipeline = stack.pipeline_with(
        DynamoStore::new(hung, stack.table.clone()),
        stack.sqs.clone(),
        &[(DELIVERY_DEADLINE_MS, "500")],
    );
    let started = std::time::Instant::now();
    assert_eq!(
        deliver(
            &pipeline,
            &cyclesoftware_body("hung-1", "sales_order.updated")
        )
        .await
        .0,
        503
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_millis(500)
            && elapsed < webhook_core::aws::ATTEMPT_TIMEOUT,
        "ended by the deadline, not the SDK's timeouts: {elapsed:?}"
    );
    assert!(stack.drain(0).await.is_empty());
    holder.abort();
}

#[tokio::test]
async fn a_reused_id_with_another_body_is_taken_in_under_a_key_with_the_body_digest() {
    let stack = Stack::new(1).await;
    let pipeline = stack.pipeline();
    let first = cyclesoftware_body("reused-1", "sales_order.updated");
    let second = cyclesoftware_body("reused-1", "sales_order.deleted");
    assert_eq!(deliver(&pipeline, &first).await.1["status"], "accepted");
    let (status, response) = deliver(&pipeline, &second).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
    assert_eq!(deliver(&pipeline, &second).await.1["status"], "duplicate");
    assert_eq!(deliver(&pipeline, &first).await.1["status"], "duplicate");
    let messages = stack.drain(0).await;
    assert_eq!(messages.len(), 2);
    let keys = envelope_fields(&messages, "dedupeKey");
    let digest = webhook_core::event::body_digest(second.as_bytes());
    assert_eq!(keys, ["reused-1".to_string(), format!("reused-1#{digest}")]);
}

#[tokio::test]
async fn replay_sends_the_events_of_a_range_again_page_by_page() {
    let stack = Stack::new(1).await;
    let pipeline = stack.pipeline();
    let start = stack.clock.now();
    for i in 0..4 {
        deliver(
            &pipeline,
            &cyclesoftware_body(&format!("replay-{i}"), "sales_order.updated"),
        )
        .await;
        stack.clock.advance(Duration::seconds(10));
    }
    assert_eq!(stack.drain(0).await.len(), 4);
    let mut request = ReplayRequest {
        vendor: "cyclesoftware".into(),
        from: rfc3339(start + Duration::seconds(5)),
        to: rfc3339(start + Duration::seconds(30)),
        cursor: None,
        limit: Some(1),
    };
    let mut replayed = 0;
    for _ in 0..5 {
        let report = stack
            .republisher()
            .replay(&request, budget())
            .await
            .unwrap();
        replayed += report.replayed;
        request.cursor = report.next;
        if request.cursor.is_none() {
            break;
        }
    }
    assert_eq!(replayed, 2, "events received at +10 s and +20 s");
    let keys = envelope_fields(&stack.drain(0).await, "dedupeKey");
    assert_eq!(keys, ["replay-1", "replay-2"]);
    let bad = ReplayRequest {
        from: "yesterday".into(),
        ..request.clone()
    };
    assert!(stack.republisher().replay(&bad, budget()).await.is_err());
}
