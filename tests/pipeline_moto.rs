//! The pipeline through its HTTP edge against DynamoDB and SQS emulated by moto, with the real
//! adapters and the real AWS SDK. SQS failures are real too: a client pointed at a closed port.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use serde_json::json;
use webhook_core::claims::{ClaimStore, DynamoStore, Status};
use webhook_core::http::respond;
use webhook_tests::deliveries::{
    cyclesoftware_body, signed, signed_with, status_and_json, unsigned,
};
use webhook_tests::moto;
use webhook_tests::stack::{MotoPipeline, Stack};

async fn deliver<S: ClaimStore>(
    pipeline: &MotoPipeline<S>,
    request: lambda_http::Request,
) -> (u16, serde_json::Value) {
    status_and_json(&respond(pipeline, &request).await)
}

#[tokio::test]
async fn accepted_then_duplicate() {
    let stack = Stack::new(1).await;
    let pipeline = stack.pipeline();
    let body = cyclesoftware_body("moto-1", "sales_order.updated");

    let (status, first) = deliver(&pipeline, signed(&body)).await;
    assert_eq!((status, first["status"].as_str()), (200, Some("accepted")));
    let (status, second) = deliver(&pipeline, signed(&body)).await;
    assert_eq!(
        (status, &second),
        (200, &json!({"status": "duplicate", "id": first["id"]}))
    );

    let messages = stack.drain(0).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].vendor.as_deref(), Some("cyclesoftware"));
    assert_eq!(
        messages[0].event_type.as_deref(),
        Some("sales_order.updated")
    );
    let envelope: serde_json::Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(envelope["id"], first["id"]);
    assert!(messages[0].body.ends_with(&format!("\"payload\":{body}}}")));

    let stored = stack.stored("cyclesoftware#moto-1").await;
    assert_eq!(stored.status, Status::Published);
    assert_eq!(stored.event.payload, body);
    assert_eq!(stack.item_count().await, 1usize);
}

#[tokio::test]
async fn forged_is_401_with_no_item_and_no_message() {
    let stack = Stack::new(1).await;
    let pipeline = stack.pipeline();
    let body = cyclesoftware_body("moto-2", "sales_order.updated");
    for request in [unsigned(&body), signed_with("forger", &body)] {
        assert_eq!(
            deliver(&pipeline, request).await,
            (401, json!({"error": "unauthorized"}))
        );
    }
    assert_eq!(stack.item_count().await, 0usize);
    assert!(stack.drain(0).await.is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400_and_stores_nothing() {
    let stack = Stack::new(1).await;
    let pipeline = stack.pipeline();
    let (status, response) = deliver(&pipeline, signed("<xml>nope</xml>")).await;
    assert_eq!(
        (status, response),
        (400, json!({"error": "the body is not JSON"}))
    );
    assert_eq!(stack.item_count().await, 0usize);
    assert!(stack.drain(0).await.is_empty());
}

#[tokio::test]
async fn sqs_failing_after_the_claim_is_503_and_the_retry_publishes_exactly_one_message() {
    let stack = Stack::new(1).await;
    let unreachable =
        aws_sdk_sqs::Client::new(&moto::sdk_config_for(&moto::closed_endpoint()).await);
    let broken = stack.pipeline_with(stack.store(), unreachable, &[]);
    let body = cyclesoftware_body("moto-3", "workshop_order.updated");

    let (status, response) = deliver(&broken, signed(&body)).await;
    assert_eq!(
        (status, response),
        (
            503,
            json!({"error": "temporarily unavailable, please retry"})
        )
    );
    let stored = stack.stored("cyclesoftware#moto-3").await;
    assert_eq!(stored.status, Status::Received);

    let (status, response) = deliver(&stack.pipeline(), signed(&body)).await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(stack.drain(0).await.len(), 1);
    let stored = stack.stored("cyclesoftware#moto-3").await;
    assert_eq!(stored.status, Status::Published);
}

#[tokio::test]
async fn dynamodb_unreachable_is_503_and_sends_nothing() {
    let stack = Stack::new(1).await;
    let unreachable =
        aws_sdk_dynamodb::Client::new(&moto::sdk_config_for(&moto::closed_endpoint()).await);
    let pipeline = stack.pipeline_with(
        DynamoStore::new(unreachable, stack.table.clone()),
        stack.sqs.clone(),
        &[],
    );
    let (status, _) = deliver(
        &pipeline,
        signed(&cyclesoftware_body("moto-4", "sales_order.updated")),
    )
    .await;
    assert_eq!(status, 503);
    assert!(stack.drain(0).await.is_empty());
    assert_eq!(stack.item_count().await, 0usize);
}

#[tokio::test]
async fn one_event_routed_to_two_queues_reaches_each_once() {
    let stack = Stack::new(2).await;
    let pipeline = stack.pipeline();
    let body = cyclesoftware_body("moto-5", "store_order.created");
    deliver(&pipeline, signed(&body)).await;
    deliver(&pipeline, signed(&body)).await;
    let (first, second) = (stack.drain(0).await, stack.drain(1).await);
    assert_eq!((first.len(), second.len()), (1, 1));
    assert_eq!(first[0].body, second[0].body);
}

#[test]
fn the_requirements_install_the_moto_the_harness_names() {
    let requirements = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../requirements-dev.txt"
    ))
    .unwrap();
    assert!(
        requirements
            .lines()
            .any(|line| line.trim() == moto::MOTO_REQUIREMENT),
        "requirements-dev.txt and tests/support/moto.rs pin different moto versions"
    );
}
