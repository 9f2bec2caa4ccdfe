//! The built `example-consumer` binary, run as Lambda runs it (AWS's Lambda Runtime Interface
//! Emulator) against moto's DynamoDB: only the records it could not handle are reported, each
//! event id is handled once, a claim held by a live invocation is retried and one whose holder
//! died is taken over, and a FIFO group stops at its first failure.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use serde_json::{json, Value};
use time::macros::datetime;
use webhook_core::event::{Classified, Event};
use webhook_tests::moto;
use webhook_tests::rie::{is_position_dependent, Answer, Function};

/// The envelope of a Wayke order `id`, as the Wayke function publishes it.
fn order(id: &str) -> Event {
    let classified = Classified {
        event_type: "new-order".into(),
        dedupe_key: format!("new-order:{id}"),
        occurred_at: None,
        entity: None,
        account: None,
        published: None,
    };
    let payload = json!({"id": id, "orderNumber": format!("A-{id}")}).to_string();
    Event::new(
        "wayke",
        &classified,
        datetime!(2026-11-23 12:00:00 UTC),
        payload,
    )
}

/// An SQS record as the event source mapping delivers it.
fn record(message_id: &str, body: &str, group: Option<&str>) -> Value {
    let mut attributes = json!({"ApproximateReceiveCount": "1"});
    if let Some(group) = group {
        attributes["MessageGroupId"] = json!(group);
    }
    json!({
        "messageId": message_id,
        "receiptHandle": format!("handle-{message_id}"),
        "body": body,
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:WaykeQueue",
        "awsRegion": "eu-west-1"
    })
}

/// The message ids the function asks SQS to retry.
async fn retried(function: &webhook_tests::rie::Running, records: Vec<Value>) -> Vec<String> {
    let event = json!({ "Records": records }).to_string();
    let Answer::Response(response) = function.invoke(&event).await else {
        panic!("the batch failed as a whole")
    };
    let response: Value = serde_json::from_str(&response).unwrap();
    response["batchItemFailures"]
        .as_array()
        .expect("a batch response")
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_string())
        .collect()
}

async fn create_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = moto::unique_name("handled");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create table");
    name
}

async fn status(client: &aws_sdk_dynamodb::Client, table: &str, id: &str) -> Option<String> {
    let item = client
        .get_item()
        .table_name(table)
        .key("id", AttributeValue::S(id.into()))
        .send()
        .await
        .unwrap();
    item.item()
        .and_then(|item| item.get("status"))
        .map(|status| status.as_s().unwrap().clone())
}

async fn hold(client: &aws_sdk_dynamodb::Client, table: &str, id: &str, lease_until_ms: u128) {
    client
        .put_item()
        .table_name(table)
        .item("id", AttributeValue::S(id.into()))
        .item("status", AttributeValue::S("handling".into()))
        .item("leaseUntil", AttributeValue::N(lease_until_ms.to_string()))
        .send()
        .await
        .unwrap();
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_failed_records_are_retried_and_each_event_is_handled_once() {
    let moto = moto::moto();
    let dynamodb = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    let table = create_table(&dynamodb).await;
    let function = Function::new(env!("CARGO_BIN_EXE_example-consumer"), &moto.endpoint)
        .env("HANDLED_TABLE", &table)
        .start()
        .await;
    let (first, second, third) = (order("1"), order("2"), order("3"));

    // One bad record among good ones: exactly that one is retried.
    let failed = retried(
        &function,
        vec![
            record("m1", &first.envelope(), None),
            record("m2", "{\"version\":1,\"id\":\"x\"}", None),
            record("m3", &second.envelope(), None),
        ],
    )
    .await;
    assert_eq!(failed, ["m2"]);
    for event in [&first, &second] {
        assert_eq!(
            status(&dynamodb, &table, &event.id).await.as_deref(),
            Some("handled")
        );
    }

    // A repeat of a handled event is skipped, not failed; an unknown envelope version and a
    // payload that does not fit its model are retried (and end in the dead-letter queue).
    let version_2 = first
        .envelope()
        .replacen("\"version\":1", "\"version\":2", 1);
    let misfit = first.envelope().replace(
        "\"orderNumber\":\"A-1\"",
        "\"orderNumber\":{\"not\":\"text\"}",
    );
    let failed = retried(
        &function,
        vec![
            record("m4", &first.envelope(), None),
            record("m5", &third.envelope(), None),
            record("m6", &version_2, None),
            record("m7", &misfit, None),
        ],
    )
    .await;
    assert_eq!(failed, ["m6", "m7"]);
    assert_eq!(
        status(&dynamodb, &table, &third.id).await.as_deref(),
        Some("handled")
    );

    // An event another invocation is handling right now is retried, not skipped; once that
    // invocation's lease is over, the claim is taken over and the event handled.
    let held = order("4");
    hold(&dynamodb, &table, &held.id, now_ms() + 600_000).await;
    let failed = retried(&function, vec![record("m8", &held.envelope(), None)]).await;
    assert_eq!(failed, ["m8"]);
    hold(&dynamodb, &table, &held.id, now_ms() - 1).await;
    let failed = retried(&function, vec![record("m9", &held.envelope(), None)]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        status(&dynamodb, &table, &held.id).await.as_deref(),
        Some("handled")
    );

    // FIFO: after a failure, the rest of its group waits; other groups go on.
    let (later, other_group) = (order("5"), order("6"));
    let failed = retried(
        &function,
        vec![
            record("m10", "not json", Some("g")),
            record("m11", &later.envelope(), Some("g")),
            record("m12", &other_group.envelope(), Some("h")),
        ],
    )
    .await;
    assert_eq!(failed, ["m10", "m11"]);
    assert_eq!(status(&dynamodb, &table, &later.id).await, None);
    assert_eq!(
        status(&dynamodb, &table, &other_group.id).await.as_deref(),
        Some("handled")
    );

    let logs = function.stop().await;
    let outcomes: Vec<(String, String)> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|line| {
            let fields = &line["fields"];
            Some((
                fields["message_id"].as_str()?.to_string(),
                fields["outcome"].as_str()?.to_string(),
            ))
        })
        .collect();
    let outcome_of = |id: &str| {
        outcomes
            .iter()
            .find(|(message, _)| message == id)
            .map(|(_, outcome)| outcome.as_str())
    };
    assert_eq!(outcome_of("m4"), Some("duplicate"), "{logs}");
    assert_eq!(outcome_of("m5"), Some("handled"), "{logs}");
    assert!(
        !logs.contains("A-1") && !logs.contains("not\\\":"),
        "no payload in the logs:\n{logs}"
    );
}

#[test]
fn the_binary_is_linked_position_dependent() {
    assert!(is_position_dependent(env!(
        "CARGO_BIN_EXE_example-consumer"
    )));
}
