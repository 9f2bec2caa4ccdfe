//! The built `republisher` binary, run as Lambda runs it (AWS's Lambda Runtime Interface
//! Emulator, moto): a scheduled invocation finishes a claim its delivery left RECEIVED; a
//! malformed replay request fails the invocation with a reason.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use webhook_core::claims::{ClaimReader, Status};
use webhook_core::config::fanout_variable;
use webhook_core::http::respond;
use webhook_tests::deliveries::{cyclesoftware_body, signed};
use webhook_tests::moto;
use webhook_tests::rie::{is_position_dependent, Answer, Function};
use webhook_tests::stack::Stack;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_finishes_a_pending_claim_and_a_bad_replay_request_fails() {
    let stack = Stack::new(1).await;
    let broken = stack.pipeline_with(stack.store(), stack.unreachable_sqs().await, &[]);
    let response = respond(
        &broken,
        &signed(&cyclesoftware_body("sweep-1", "sales_order.updated")),
    )
    .await;
    assert_eq!(response.status().as_u16(), 503);

    let mut function = Function::new(env!("CARGO_BIN_EXE_republisher"), &moto::moto().endpoint)
        .env("EVENTS_TABLE", &stack.table);
    for vendor in webhook_core::vendors::ALL {
        function = function.env(fanout_variable(vendor), stack.fanout());
    }
    let function = function.start().await;

    let scheduled = r#"{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","detail":{}}"#;
    let Answer::Response(report) = function.invoke(scheduled).await else {
        panic!("the sweep failed")
    };
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        (
            report["found"].as_u64(),
            report["completed"].as_u64(),
            report["messages"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(stack.drain(0).await.len(), 1);
    assert_eq!(
        stack
            .store()
            .load("cyclesoftware#sweep-1")
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Published
    );

    let bad = r#"{"replay":{"vendor":"wayke","from":"last week","to":"2026-11-23T00:00:00Z"}}"#;
    let Answer::Error(error) = function.invoke(bad).await else {
        panic!("a bad request must fail")
    };
    assert!(error.contains("`from` is not an RFC 3339 time"), "{error}");

    let logs = function.stop().await;
    let metrics: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert_eq!(metrics.len(), 1, "one metric line per sweep:\n{logs}");
    assert_eq!(
        metrics[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "Webhooks"
    );
    assert_eq!(
        (
            metrics[0]["PendingClaimsFound"].as_f64(),
            metrics[0]["UnfinishedClaims"].as_f64()
        ),
        (Some(1.0), Some(0.0))
    );
}

/// `count` claims of `vendor` left RECEIVED by deliveries that died at the test clock's start,
/// long before the binary's own clock: their leases have lapsed.
async fn abandoned(stack: &Stack, vendor: &str, count: usize) {
    use webhook_core::claims::{Claim, ClaimStore, LeaseToken};
    use webhook_core::event::{Classified, Event};
    use webhook_tests::deliveries::TEST_NOW;
    let store = stack.store();
    for i in 0..count {
        let classified = Classified {
            event_type: "backlog".into(),
            dedupe_key: format!("backlog-{i}"),
            occurred_at: None,
            entity: None,
            account: None,
            published: None,
        };
        let event = Event::new(vendor, &classified, TEST_NOW, format!("{{\"n\":{i}}}"));
        let claim = Claim::received(event, "digest".into(), &LeaseToken::new(), TEST_NOW);
        store.put_new(&claim, TEST_NOW).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_scheduled_run_drains_every_vendors_backlog_with_its_own_routing() {
    let stack = Stack::new(2).await;
    abandoned(&stack, "cyclesoftware", 130).await;
    abandoned(&stack, "wayke", 30).await;
    // A run of up to two minutes, as a busy test machine may need for 160 claims.
    let mut function = Function::new(env!("CARGO_BIN_EXE_republisher"), &moto::moto().endpoint)
        .env("EVENTS_TABLE", &stack.table)
        .env("AWS_LAMBDA_FUNCTION_TIMEOUT", "120")
        .env(webhook_core::config::DELIVERY_DEADLINE_MS, "8000");
    for vendor in webhook_core::vendors::ALL {
        // Wherever the claims' deliveries would have sent them, the rules now say this.
        let queue = if vendor == "wayke" {
            &stack.queues[1]
        } else {
            &stack.queues[0]
        };
        function = function.env(fanout_variable(vendor), format!("*={queue}"));
    }
    let function = function.start().await;
    let within = std::time::Duration::from_secs(120);

    let scheduled = r#"{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}"#;
    let sweep = || async {
        let Answer::Response(report) = function.invoke_within(scheduled, within).await else {
            panic!("the sweep failed")
        };
        serde_json::from_str::<serde_json::Value>(&report).unwrap()
    };
    let first = sweep().await;
    let count = |report: &serde_json::Value, field: &str| report[field].as_u64().unwrap();
    assert_eq!(
        (count(&first, "found"), first["incomplete"].as_bool()),
        (160, Some(false)),
        "more than a page per vendor, in one run: {first}"
    );
    // A claim whose calls outlast its deadline on a busy machine is left for the next run.
    let second = sweep().await;
    assert_eq!(
        count(&first, "completed") + count(&second, "completed"),
        160,
        "{first} {second}"
    );
    let distinct = |messages: Vec<moto::Received>| {
        moto::envelope_fields(&messages, "id")
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(
        (
            distinct(stack.drain(0).await),
            distinct(stack.drain(1).await)
        ),
        (130, 30),
        "each vendor's claims where its rules now say"
    );

    let replay = r#"{"replay":{"vendor":"wayke","from":"2026-01-01T00:00:00Z","to":"2027-01-01T00:00:00Z","limit":500}}"#;
    let Answer::Response(report) = function.invoke_within(replay, within).await else {
        panic!("the replay failed")
    };
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        (report["replayed"].as_u64(), report["next"].is_null()),
        (Some(30), true),
        "{report}"
    );
    assert_eq!(
        stack.drain(1).await.len(),
        30,
        "replayed where the rules now say"
    );
}

#[test]
fn the_binary_is_linked_position_dependent() {
    assert!(is_position_dependent(env!("CARGO_BIN_EXE_republisher")));
}
