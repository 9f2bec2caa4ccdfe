//! The built `cyclesoftware` binary, run as Lambda runs it: by AWS's Lambda Runtime Interface
//! Emulator, with DynamoDB and SQS in moto, configured only by its environment.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use webhook_tests::deliveries::{cyclesoftware_headers, http_api_event, DEV_SECRET};
use webhook_tests::moto;
use webhook_tests::rie::{status_and_body, Answer, Function};
use webhook_tests::samples;
use webhook_tests::stack::Stack;

const BINARY: &str = env!("CARGO_BIN_EXE_cyclesoftware");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_in_deliveries_end_to_end_and_logs_no_secret() {
    let moto = moto::moto();
    let stack = Stack::new(1).await;
    let (sqs, table, queue) = (&stack.sqs, &stack.table, &stack.queues[0]);
    let function = Function::new(BINARY, &moto.endpoint)
        .env("EVENTS_TABLE", table)
        .env("FANOUT", format!("*={queue}"))
        .env("WEBHOOK_SECRETS", format!("{DEV_SECRET},older-secret"))
        // The fixture is a 2022 recording: keep it inside the (signed-timestamp) replay window.
        .env(
            "DEDUPE_TTL_DAYS",
            samples::LOCAL_DEDUPE_TTL_DAYS.to_string(),
        )
        .start()
        .await;

    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/cyclesoftware/sales_order.updated.json"
    );
    let body = std::fs::read_to_string(fixture).unwrap();
    let headers = cyclesoftware_headers(DEV_SECRET, &body);
    let signature = headers[1].1.clone();
    let event = http_api_event("/cyclesoftware", &headers, &body).to_string();

    let (status, first) = status_and_body(function.invoke(&event).await);
    assert_eq!((status, first["status"].as_str()), (200, Some("accepted")));
    let (status, second) = status_and_body(function.invoke(&event).await);
    assert_eq!(
        (status, second["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(first["id"], second["id"]);
    let forged = http_api_event(
        "/cyclesoftware",
        &cyclesoftware_headers("forged", &body),
        &body,
    )
    .to_string();
    assert_eq!(
        status_and_body(function.invoke(&forged).await),
        (401, serde_json::json!({"error": "unauthorized"}))
    );

    let messages = moto::drain(sqs, queue).await;
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body.ends_with(&format!("\"payload\":{body}}}")));

    let logs = function.stop().await;
    let deliveries: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["fields"]["vendor"] == "cyclesoftware")
        .collect();
    let outcomes: Vec<&str> = deliveries
        .iter()
        .filter_map(|l| l["fields"]["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["accepted", "duplicate", "rejected"], "{logs}");
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
    for secret_or_personal in [
        DEV_SECRET,
        "older-secret",
        signature.as_str(),
        "test@test.nl",
        "06-12345678",
        "Aalsburg",
    ] {
        assert!(
            !logs.contains(secret_or_personal),
            "the logs show {secret_or_personal:?}:\n{logs}"
        );
    }
}

#[tokio::test]
async fn a_missing_variable_stops_start_up_with_its_name() {
    let function = Function::new(BINARY, &moto::closed_endpoint())
        .env("FANOUT", "*=https://sqs.eu-west-1.amazonaws.com/1/q")
        .env("WEBHOOK_SECRETS", "a-secret-value")
        .start()
        .await;
    let answer = function.invoke("{}").await;
    assert!(matches!(answer, Answer::Error(_)), "{answer:?}");
    let output = function.stop().await;
    assert!(output.contains("EVENTS_TABLE is not set"), "{output}");
    assert!(!output.contains("a-secret-value"), "{output}");
}
