//! The built `republisher` binary, run as Lambda runs it (AWS's Lambda Runtime Interface
//! Emulator, moto): a scheduled invocation finishes a claim its delivery left RECEIVED; a
//! malformed replay request fails the invocation with a reason.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use webhook_core::claims::{ClaimReader, Status};
use webhook_core::config::fanout_variable;
use webhook_core::http::respond;
use webhook_tests::deliveries::{cyclesoftware_body, signed};
use webhook_tests::moto;
use webhook_tests::rie::{Answer, Function};
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
