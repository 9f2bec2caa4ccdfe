//! The built `cyclesoftware` binary, run as Lambda runs it: by AWS's Lambda Runtime Interface
//! Emulator, with DynamoDB and SQS in moto, configured only by its environment.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use webhook_core::vendors::cyclesoftware::SIGNATURE_HEADER;
use webhook_tests::moto;
use webhook_tests::replay::{envelope, RunningFunction};
use webhook_tests::rie::{is_position_dependent, status_and_body, Answer, Function};
use webhook_tests::samples;
use webhook_tests::stack::Stack;

const BINARY: &str = env!("CARGO_BIN_EXE_cyclesoftware");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_in_deliveries_end_to_end_and_logs_no_secret() {
    let moto = moto::moto();
    let stack = Stack::new(1).await;
    let (sqs, table, queue) = (&stack.sqs, &stack.table, &stack.queues[0]);
    // The development secret signs the deliveries.
    let vendor = samples::vendor("cyclesoftware");
    let function = Function::new(BINARY, &moto.endpoint)
        .env("EVENTS_TABLE", table)
        .env("FANOUT", format!("*={queue}"))
        .env("WEBHOOK_SECRETS", format!("{},older-secret", vendor.secret))
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
    let event = vendor.event("sales_order.updated", &body);
    let signature = event["headers"][SIGNATURE_HEADER]
        .as_str()
        .unwrap()
        .to_string();
    let event = event.to_string();

    let (status, first) = status_and_body(function.invoke(&event).await);
    assert_eq!((status, first["status"].as_str()), (200, Some("accepted")));
    let (status, second) = status_and_body(function.invoke(&event).await);
    assert_eq!(
        (status, second["status"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(first["id"], second["id"]);
    let forged = vendor.clone().with_secret("forged");
    let forged = forged.event("sales_order.updated", &body).to_string();
    assert_eq!(
        status_and_body(function.invoke(&forged).await),
        (401, serde_json::json!({"error": "unauthorized"}))
    );

    let messages = moto::drain(sqs, queue).await;
    assert_eq!(messages.len(), 1);
    // The fixture ends in a line feed, which is not part of the JSON value published.
    let published = webhook_core::vendors::published_payload("cyclesoftware", &body);
    assert!(messages[0]
        .body
        .ends_with(&format!("\"payload\":{published}}}")));
    // The envelope's `account_id` is the account, in the envelope and as an attribute.
    assert_eq!(envelope(&messages[0])["account"], "1");
    assert_eq!(messages[0].account.as_deref(), Some("1"));

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
        vendor.secret.as_str(),
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

/// The sample body of `event_type`.
fn sample(event_type: &str) -> String {
    samples::payload("cyclesoftware", event_type)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_event_types_are_published_with_their_id_entity_and_account() {
    let function = RunningFunction::start(BINARY, "cyclesoftware", &[]).await;
    let cases = [
        // event, dedupe key (the envelope id), FIFO group, account
        ("customer.updated", "cyclesoftware:customer:6667", "1"),
        (
            "workshop_order_roadworthy.updated",
            "cyclesoftware:workshop_order:50110",
            "1",
        ),
        ("payments.created", "cyclesoftware:sales_order:1442", "1"),
        (
            "sales_transaction.updated",
            "cyclesoftware:sales_transaction:20260412",
            "1",
        ),
        (
            "warehouse_stock_item.released_for_shipment",
            "cyclesoftware:warehouse_stock_item:285",
            "4743",
        ),
    ];
    for (event_type, _, _) in cases {
        let (status, answer) = function.deliver_body(event_type, &sample(event_type)).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some("accepted")),
            "{event_type}"
        );
    }
    let (standard, fifo) = function.published().await;
    assert_eq!(standard.len(), cases.len());
    for (event_type, group, account) in cases {
        let id =
            serde_json::from_str::<serde_json::Value>(&sample(event_type)).unwrap()["id"].clone();
        let message = standard
            .iter()
            .find(|m| m.event_type.as_deref() == Some(event_type))
            .unwrap_or_else(|| panic!("no {event_type} message"));
        let envelope = envelope(message);
        assert_eq!(envelope["dedupeKey"], id, "{event_type}");
        assert_eq!(envelope["account"], account, "{event_type}");
        assert_eq!(message.account.as_deref(), Some(account), "{event_type}");
        let in_fifo = fifo
            .iter()
            .find(|m| m.event_type.as_deref() == Some(event_type))
            .unwrap();
        assert_eq!(in_fifo.group_id.as_deref(), Some(group), "{event_type}");
    }
}

#[test]
fn the_binary_is_linked_position_dependent() {
    assert!(is_position_dependent(BINARY), "{BINARY}");
}
