//! No event lost, through the built `revo-xef` binary against moto: the six ways an event could
//! be lost or stuck before the claim lifecycle was rewritten, each shown not to happen. Where
//! AWS does what moto does not (refuse characters SQS refuses, lose an answer, hang), a fault
//! proxy on 127.0.0.1 stands in front of moto.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;
use webhook_core::clock::Clock;
use webhook_core::config::{DELIVERY_DEADLINE_MS, EVENTS_TABLE, FANOUT, WEBHOOK_SECRETS};
use webhook_core::deadline::Deadline;
use webhook_core::event::body_digest;
use webhook_core::limits::is_valid_group_id;
use webhook_core::vendors::{body_key, published_payload};
use webhook_tests::moto::{self, envelope_fields, Received};
use webhook_tests::proxy::{AwsProxy, Fault};
use webhook_tests::rie::{status_and_body, Function, Running};
use webhook_tests::samples::{self, SampleVendor};
use webhook_tests::stack::Stack;

const BINARY: &str = env!("CARGO_BIN_EXE_revo-xef");

fn order(id: &str, note: &str) -> String {
    format!(r#"{{"event":"order.created","data":{{"id":{id},"total":12.5,"note":"{note}"}}}}"#)
}

fn event_of(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["event"]
        .as_str()
        .unwrap()
        .to_string()
}

fn pk_of(body: &str) -> String {
    let key = body_key(&event_of(body), &body_digest(body.as_bytes()));
    format!("revo-xef#{key}")
}

/// The sample vendor, read once: its development secret signs the deliveries.
fn revo_xef() -> &'static SampleVendor {
    static VENDOR: OnceLock<SampleVendor> = OnceLock::new();
    VENDOR.get_or_init(|| samples::vendor("revo-xef"))
}

async fn start(stack: &Stack, endpoint: &str, fanout: &str, extra: &[(&str, &str)]) -> Running {
    let mut function = Function::new(BINARY, endpoint)
        .env(EVENTS_TABLE, &stack.table)
        .env(FANOUT, fanout)
        .env(WEBHOOK_SECRETS, &revo_xef().secret);
    for (name, value) in extra {
        function = function.env(*name, *value);
    }
    function.start().await
}

async fn deliver(function: &Running, body: &str) -> (u64, Value) {
    status_and_body(
        function
            .invoke(&revo_xef().event(&event_of(body), body).to_string())
            .await,
    )
}

/// A number attribute of an item.
fn number(
    item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    name: &str,
) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_has_no_expiry_until_published_and_a_corrected_fanout_applies_to_it() {
    let stack = Stack::new(1).await;
    let endpoint = &moto::moto().endpoint;
    let typo = format!("*={}-typo", stack.queues[0]);
    let body = order("1", "queue misspelled");

    let broken = start(&stack, endpoint, &typo, &[]).await;
    assert_eq!(deliver(&broken, &body).await.0, 503);
    let second = order("2", "left for the republisher");
    assert_eq!(deliver(&broken, &second).await.0, 503);
    drop(broken);
    let item = stack
        .item(&pk_of(&body))
        .await
        .expect("the claim is stored");
    assert_eq!(item["status"].as_s().unwrap(), "RECEIVED");
    assert!(
        !item.contains_key("expiresAt"),
        "an unpublished claim carries no TTL: DynamoDB can never delete it"
    );

    // FANOUT corrected: the vendor's retry is routed with the new rules.
    let fixed = start(&stack, endpoint, &stack.fanout(), &[]).await;
    let (status, response) = deliver(&fixed, &body).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("duplicate"))
    );
    let item = stack.item(&pk_of(&body)).await.unwrap();
    assert_eq!(item["status"].as_s().unwrap(), "PUBLISHED");
    let published_at = OffsetDateTime::parse(
        item["publishedAt"].as_s().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        number(&item, "expiresAt"),
        Some((published_at + time::Duration::days(7)).unix_timestamp()),
        "the dedupe window counts from publication"
    );

    // The republisher routes what no retry came back for with its own, current rules.
    stack
        .clock
        .advance(OffsetDateTime::now_utc() - stack.clock.now() + time::Duration::seconds(1));
    let report = stack
        .republisher()
        .sweep(Deadline::after(Duration::from_secs(30)))
        .await;
    assert_eq!((report.found, report.completed), (1, 1), "{report:?}");
    let keys = envelope_fields(&stack.drain(0).await, "dedupeKey");
    assert_eq!(keys.len(), 2, "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_no_rule_routes_is_settled_and_replay_sends_it_where_a_rule_now_says() {
    let stack = Stack::new(1).await;
    let function = start(
        &stack,
        &moto::moto().endpoint,
        &format!("product.*={}", stack.queues[0]),
        &[],
    )
    .await;
    let body = order("3", "no rule for orders yet");
    let (status, response) = deliver(&function, &body).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
    assert!(stack.drain(0).await.is_empty());
    assert_eq!(
        stack.item(&pk_of(&body)).await.unwrap()["status"]
            .as_s()
            .unwrap(),
        "PUBLISHED"
    );
    let request = webhook_core::republish::ReplayRequest {
        vendor: "revo-xef".into(),
        from: "2020-01-01T00:00:00Z".into(),
        to: "2100-01-01T00:00:00Z".into(),
        cursor: None,
        limit: None,
    };
    let report = stack
        .republisher()
        .replay(&request, Deadline::after(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!((report.replayed, report.messages), (1, 1));
    let messages = stack.drain(0).await;
    let published = published_payload("revo-xef", &body);
    assert!(messages[0]
        .body
        .ends_with(&format!("\"payload\":{published}}}")));
}

/// A stack with one standard and one FIFO queue, every event routed to both, and a proxy that
/// refuses what SQS refuses.
async fn with_fifo() -> (Stack, String, AwsProxy) {
    let mut stack = Stack::new(1).await;
    let fifo = moto::create_queue(&stack.sqs, true).await;
    stack.queues.push(fifo.clone());
    let proxy = AwsProxy::start(&moto::moto().endpoint).await;
    (stack, fifo, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_ids_of_any_length_or_character_make_valid_group_ids_and_items() {
    let (stack, _fifo, proxy) = with_fifo().await;
    let function = start(&stack, &proxy.endpoint, &stack.fanout(), &[]).await;
    let long = format!("\"{}\"", "9".repeat(200 * 1024));
    let bodies = [
        order(&long, "an id of 200 KiB"),
        order(r#""7\uffff""#, "an id holding U+FFFF once unescaped"),
        order(r#""table 7""#, "an id with a space"),
        order("42", "a plain id"),
    ];
    for body in &bodies {
        let (status, response) = deliver(&function, body).await;
        assert_eq!(
            (status, response["status"].as_str()),
            (200, Some("accepted")),
            "{}",
            &body[..60]
        );
        assert!(stack.item(&pk_of(body)).await.is_some());
    }
    let fifo: Vec<Received> = stack.drain(1).await;
    let groups: Vec<String> = fifo.iter().map(|m| m.group_id.clone().unwrap()).collect();
    assert_eq!(groups.len(), 4, "{groups:?}");
    assert!(
        groups.iter().all(|group| is_valid_group_id(group)),
        "{groups:?}"
    );
    assert_eq!(
        groups
            .iter()
            .filter(|group| group.starts_with("revo-xef:sha256:"))
            .count(),
        3,
        "{groups:?}"
    );
    assert!(groups.contains(&"revo-xef:order:42".to_string()));
    assert_eq!(stack.drain(0).await.len(), 4);
    assert_eq!(proxy.refused(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn characters_sqs_refuses_are_escaped_and_the_payload_keeps_its_value() {
    let (stack, _fifo, proxy) = with_fifo().await;
    let function = start(&stack, &proxy.endpoint, &stack.fanout(), &[]).await;
    let raw = order("8", "raw \u{FFFF} and escaped \\uffff");
    let plain = order("9", "caf\u{e9}");
    for body in [&raw, &plain] {
        let (status, response) = deliver(&function, body).await;
        assert_eq!(
            (status, response["status"].as_str()),
            (200, Some("accepted"))
        );
    }
    for queue in 0..2 {
        let messages = stack.drain(queue).await;
        assert_eq!(messages.len(), 2);
        for message in &messages {
            assert!(!message.body.contains('\u{FFFF}'));
            let envelope: Value = serde_json::from_str(&message.body).unwrap();
            let sent = if envelope["payload"]["data"]["id"] == 8 {
                &raw
            } else {
                &plain
            };
            let published = published_payload("revo-xef", sent);
            assert_eq!(
                envelope["payload"],
                serde_json::from_str::<Value>(&published).unwrap()
            );
            if sent == &plain {
                assert!(
                    message
                        .body
                        .ends_with(&format!("\"payload\":{published}}}")),
                    "byte for byte"
                );
            }
        }
    }
    assert_eq!(proxy.refused(), 0, "SQS's character rules held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_retried_after_its_answer_was_lost_goes_on_as_the_claims_holder() {
    let stack = Stack::new(1).await;
    let proxy = AwsProxy::start(&moto::moto().endpoint).await;
    let function = start(&stack, &proxy.endpoint, &stack.fanout(), &[]).await;
    proxy.plan("PutItem", Fault::LoseResponse);
    let body = order("10", "first answer lost");
    let (status, response) = deliver(&function, &body).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted")),
        "the retry found its own claim, not a duplicate"
    );
    assert_eq!(proxy.calls("PutItem"), 2, "the SDK retried the PutItem");
    assert_eq!(
        stack.drain(0).await.len(),
        1,
        "published in the same invocation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_retried_after_its_answer_was_lost_makes_one_more_copy_with_the_same_id() {
    let stack = Stack::new(1).await;
    let proxy = AwsProxy::start(&moto::moto().endpoint).await;
    let function = start(&stack, &proxy.endpoint, &stack.fanout(), &[]).await;
    proxy.plan("SendMessage", Fault::LoseResponse);
    let (status, response) = deliver(&function, &order("11", "send answer lost")).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
    assert_eq!(proxy.calls("SendMessage"), 2);
    let messages = stack.drain(0).await;
    let ids = envelope_fields(&messages, "id");
    assert_eq!(
        ids.len(),
        2,
        "the documented bound: one copy more per lost answer"
    );
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_call_is_answered_503_at_the_deadline_and_the_claim_is_finished_later() {
    let stack = Stack::new(1).await;
    let proxy = AwsProxy::start(&moto::moto().endpoint).await;
    let function = start(
        &stack,
        &proxy.endpoint,
        &stack.fanout(),
        &[(DELIVERY_DEADLINE_MS, "1000")],
    )
    .await;
    proxy.plan("SendMessage", Fault::Hang);
    let body = order("12", "SQS hangs");
    let started = Instant::now();
    let (status, _) = deliver(&function, &body).await;
    let took = started.elapsed();
    assert_eq!(status, 503);
    assert!(
        took >= Duration::from_secs(1) && took < webhook_core::aws::ATTEMPT_TIMEOUT,
        "answered at the deadline, before the SDK's own timeout: {took:?}"
    );
    let item = stack.item(&pk_of(&body)).await.unwrap();
    assert_eq!(item["status"].as_s().unwrap(), "RECEIVED");
    // The vendor's retry is a duplicate: it finishes the claim itself if the first delivery's
    // release still reached DynamoDB, else the claim waits for its lease to lapse and a sweep.
    let (status, response) = deliver(&function, &body).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("duplicate"))
    );
    stack.clock.advance(
        OffsetDateTime::now_utc() - stack.clock.now()
            + webhook_core::claims::LEASE
            + time::Duration::seconds(1),
    );
    let report = stack
        .republisher()
        .sweep(Deadline::after(Duration::from_secs(30)))
        .await;
    assert_eq!(report.failed, 0, "{report:?}");
    assert_eq!(
        stack.item(&pk_of(&body)).await.unwrap()["status"]
            .as_s()
            .unwrap(),
        "PUBLISHED"
    );
    assert_eq!(
        stack.drain(0).await.len(),
        1,
        "the hung send never reached SQS"
    );
}
