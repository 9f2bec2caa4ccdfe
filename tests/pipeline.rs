//! The pipeline through its HTTP edge, with in-memory adapters: every outcome the README gives,
//! with the state each leaves behind.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use serde_json::json;
use time::macros::datetime;
use time::Duration;
use webhook_core::claims::{ClaimReader, MemoryStore, Status};
use webhook_core::clock::FixedClock;
use webhook_core::fanout::MemoryPublisher;
use webhook_core::http::respond;
use webhook_core::pipeline::Pipeline;
use webhook_core::vendors::cyclesoftware::CycleSoftware;
use webhook_tests::deliveries::{
    cyclesoftware_body, cyclesoftware_config, signed, signed_with, status_and_json, unsigned,
    DEV_SECRET, TEST_NOW,
};

const ORDERS: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders";
const AUDIT: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/audit.fifo";

type MemoryPipeline = Pipeline<CycleSoftware, MemoryStore, MemoryPublisher, FixedClock>;

struct Fixture {
    pipeline: MemoryPipeline,
    store: MemoryStore,
    queues: MemoryPublisher,
    clock: FixedClock,
}

fn fixture(fanout: &str) -> Fixture {
    let store = MemoryStore::new();
    let queues = MemoryPublisher::with_queues(&[ORDERS, AUDIT]);
    let clock = FixedClock::at(TEST_NOW);
    let config = cyclesoftware_config("events", fanout);
    let pipeline = Pipeline::new(
        CycleSoftware,
        config,
        store.clone(),
        queues.clone(),
        clock.clone(),
    );
    Fixture {
        pipeline,
        store,
        queues,
        clock,
    }
}

fn default_fixture() -> Fixture {
    fixture(&format!("*={ORDERS}"))
}

async fn deliver(fixture: &Fixture, request: lambda_http::Request) -> (u16, serde_json::Value) {
    status_and_json(&respond(&fixture.pipeline, &request).await)
}

#[tokio::test]
async fn given_a_signed_event_when_delivered_then_it_is_stored_published_and_settled() {
    let f = default_fixture();
    let body = cyclesoftware_body("evt-1", "sales_order.updated");

    let (status, response) = deliver(&f, signed(&body)).await;

    assert_eq!(status, 200);
    assert_eq!(response["status"], "accepted");
    let id = response["id"].as_str().unwrap().to_string();
    let stored = f.store.load("cyclesoftware#evt-1").await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Published);
    assert_eq!(stored.event.payload, body);
    assert_eq!(stored.published_queues, vec![ORDERS]);
    assert_eq!(
        stored.expires_at,
        Some(datetime!(2026-11-30 12:00:00 UTC).unix_timestamp())
    );
    let sent = f.queues.sent(ORDERS);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attribute("vendor"), Some("cyclesoftware"));
    assert_eq!(sent[0].attribute("eventType"), Some("sales_order.updated"));
    let envelope: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(envelope["id"], id.as_str());
    assert_eq!(envelope["dedupeKey"], "evt-1");
    assert_eq!(envelope["receivedAt"], "2026-11-23T12:00:00.000Z");
    assert_eq!(envelope["occurredAt"], "2026-11-23T11:59:00.309Z");
    assert!(sent[0].body.ends_with(&format!("\"payload\":{body}}}")));
}

#[tokio::test]
async fn given_a_published_event_when_redelivered_then_it_is_a_duplicate_and_nothing_is_sent() {
    let f = default_fixture();
    let body = cyclesoftware_body("evt-2", "sales_order.created");
    let (_, first) = deliver(&f, signed(&body)).await;

    let (status, second) = deliver(&f, signed(&body)).await;

    assert_eq!(status, 200);
    assert_eq!(second, json!({"status": "duplicate", "id": first["id"]}));
    assert_eq!(f.queues.sent(ORDERS).len(), 1);
    assert_eq!(f.store.len(), 1);
}

#[tokio::test]
async fn given_two_updates_of_one_order_then_both_are_accepted() {
    let f = default_fixture();
    let (_, a) = deliver(
        &f,
        signed(&cyclesoftware_body("evt-3a", "sales_order.updated")),
    )
    .await;
    let (_, b) = deliver(
        &f,
        signed(&cyclesoftware_body("evt-3b", "sales_order.updated")),
    )
    .await;
    assert_eq!(
        (a["status"].as_str(), b["status"].as_str()),
        (Some("accepted"), Some("accepted"))
    );
    assert_ne!(a["id"], b["id"]);
    assert_eq!(f.queues.sent(ORDERS).len(), 2);
}

#[tokio::test]
async fn given_forged_requests_then_401_and_no_side_effect() {
    let f = default_fixture();
    let body = cyclesoftware_body("evt-4", "sales_order.updated");
    let mut tampered = signed(&body);
    *tampered.body_mut() = cyclesoftware_body("evt-4", "sales_order.deleted").into();
    let forged = [
        unsigned(&body),
        signed_with("not-the-secret", &body),
        tampered,
    ];

    for request in forged {
        let (status, response) = deliver(&f, request).await;
        assert_eq!(status, 401);
        assert_eq!(response, json!({"error": "unauthorized"}));
    }
    assert_eq!(f.store.calls(), 0, "the store was touched");
    assert_eq!(f.queues.attempts(), 0, "a queue was touched");
}

#[tokio::test]
async fn given_bad_bodies_then_400_with_a_reason_and_nothing_stored() {
    let f = default_fixture();
    let cases = [
        ("this is not json", "the body is not JSON"),
        (
            r#"{"id":"x","event_timestamp":1}"#,
            "required field `event_name` is missing",
        ),
        (
            r#"{"id":"x","event_name":"a.b","event_timestamp":"soon"}"#,
            "a field has an unexpected type or value",
        ),
    ];
    for (body, reason) in cases {
        let (status, response) = deliver(&f, signed(body)).await;
        assert_eq!(
            (status, response),
            (400, json!({"error": reason})),
            "{body}"
        );
    }
    let mut not_utf8 = signed("x");
    *not_utf8.body_mut() = lambda_http::Body::Binary(vec![0xff, 0xfe, b'{', b'}']);
    let secret = webhook_core::verify::Secret::new(DEV_SECRET).unwrap();
    let signature = webhook_core::verify::sign(&secret, &[0xff, 0xfe, b'{', b'}']);
    not_utf8
        .headers_mut()
        .insert("x-cyclesoftware-signature", signature.parse().unwrap());
    assert_eq!(deliver(&f, not_utf8).await.0, 400);
    assert_eq!(f.store.calls(), 0);
    assert_eq!(f.queues.attempts(), 0);
}

#[tokio::test]
async fn given_a_body_over_the_limit_then_413_before_anything_else() {
    let f = default_fixture();
    let padding = "x".repeat(webhook_core::config::DEFAULT_MAX_BODY_BYTES);
    let body =
        format!(r#"{{"id":"big","event_name":"a.b","event_timestamp":1,"payload":"{padding}"}}"#);
    let (status, _) = deliver(&f, signed(&body)).await;
    assert_eq!(status, 413);
    assert_eq!(f.store.calls(), 0);
}

#[tokio::test]
async fn given_sqs_failing_after_the_claim_then_503_and_the_retry_publishes_exactly_once() {
    let f = default_fixture();
    let body = cyclesoftware_body("evt-5", "workshop_order.updated");
    f.queues.set_unavailable(true);

    let (status, response) = deliver(&f, signed(&body)).await;

    assert_eq!(status, 503);
    assert_eq!(
        response,
        json!({"error": "temporarily unavailable, please retry"})
    );
    let stored = f.store.load("cyclesoftware#evt-5").await.unwrap().unwrap();
    assert_eq!((stored.status, stored.expires_at), (Status::Received, None));
    assert!(f.queues.sent(ORDERS).is_empty());

    // The failed delivery released its lease: the vendor's retry needs no wait.
    f.queues.set_unavailable(false);
    let (status, response) = deliver(&f, signed(&body)).await;

    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("duplicate"))
    );
    let sent = f.queues.sent(ORDERS);
    assert_eq!(sent.len(), 1);
    let envelope: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(
        envelope["receivedAt"], "2026-11-23T12:00:00.000Z",
        "the retry publishes the stored claim"
    );
    assert_eq!(
        f.store
            .load("cyclesoftware#evt-5")
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Published
    );
    assert_eq!(deliver(&f, signed(&body)).await.1["status"], "duplicate");
    assert_eq!(f.queues.sent(ORDERS).len(), 1);
}

#[tokio::test]
async fn given_dynamodb_failing_then_503_and_nothing_sent() {
    let f = default_fixture();
    f.store.set_unavailable(true);
    let (status, _) = deliver(
        &f,
        signed(&cyclesoftware_body("evt-6", "sales_order.updated")),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(f.queues.attempts(), 0);
    f.store.set_unavailable(false);
    let (status, response) = deliver(
        &f,
        signed(&cyclesoftware_body("evt-6", "sales_order.updated")),
    )
    .await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
}

#[tokio::test]
async fn given_two_matching_rules_then_the_event_reaches_both_queues_once() {
    let f = fixture(&format!("*={ORDERS};sales_order.*={AUDIT},{ORDERS}"));
    deliver(
        &f,
        signed(&cyclesoftware_body("evt-7", "sales_order.created")),
    )
    .await;
    deliver(
        &f,
        signed(&cyclesoftware_body("evt-8", "store_order.created")),
    )
    .await;
    assert_eq!(f.queues.sent(ORDERS).len(), 2);
    let audit = f.queues.sent(AUDIT);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].group_id, "cyclesoftware:sales_order:1442");
    assert_eq!(audit[0].body, f.queues.sent(ORDERS)[0].body);
}

#[tokio::test]
async fn given_an_event_no_rule_routes_then_it_is_stored_and_settled() {
    let f = fixture(&format!("sales_order.*={ORDERS}"));
    // (Replay routes it once a rule matches: tests/failures.rs.)
    let (status, response) =
        deliver(&f, signed(&cyclesoftware_body("evt-9", "bicycle.stolen"))).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
    assert_eq!(f.queues.total_sent(), 0);
    assert_eq!(
        f.store
            .load("cyclesoftware#evt-9")
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Published
    );
}

#[tokio::test]
async fn given_a_signed_event_older_than_the_dedupe_window_then_it_is_refused_as_a_replay() {
    let f = default_fixture();
    let body = cyclesoftware_body("evt-10", "sales_order.updated");
    deliver(&f, signed(&body)).await;
    // The event was sent at 11:59:00.309, a minute before the clock started.
    f.clock.advance(Duration::days(7) - Duration::minutes(2));
    assert_eq!(
        deliver(&f, signed(&body)).await.1["status"],
        "duplicate",
        "inside the window"
    );
    f.clock.advance(Duration::minutes(3));
    let (status, response) = deliver(&f, signed(&body)).await;
    assert_eq!(
        (status, response),
        (
            400,
            json!({"error": "the event is older than the deduplication window (7 days): refused as a possible replay"})
        )
    );
    let fresh_but_late = cyclesoftware_body("evt-10b", "sales_order.updated");
    assert_eq!(
        deliver(&f, signed(&fresh_but_late)).await.0,
        400,
        "timestamps are signed, so an old one is a replay"
    );
    assert_eq!(f.queues.sent(ORDERS).len(), 1);
}

#[tokio::test]
async fn given_an_api_gateway_http_api_event_then_the_binary_body_is_verified_as_sent() {
    use base64::Engine;
    let f = default_fixture();
    let body = cyclesoftware_body("evt-11", "sales_order.updated");
    let mut event =
        webhook_tests::samples::vendor("cyclesoftware").event("sales_order.updated", &body);
    event["body"] = base64::engine::general_purpose::STANDARD
        .encode(&body)
        .into();
    event["isBase64Encoded"] = true.into();
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let (status, response) = deliver(&f, request).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
    assert_eq!(
        f.store
            .load("cyclesoftware#evt-11")
            .await
            .unwrap()
            .unwrap()
            .event
            .payload,
        body
    );
}
