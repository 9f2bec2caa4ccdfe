//! Replay of the sample events through a built function binary: the local counterpart of
//! `sam local invoke -e events/<vendor>/<event>.json`, with a Runtime API emulator for the
//! Lambda service and moto for DynamoDB and SQS.

use std::process::Stdio;

use serde_json::Value;

use crate::moto;
use crate::runtime::{function_command, status_and_body, RuntimeApi};
use crate::samples::{self, SampleVendor};
use webhook_core::verify::{credential_header, Secret};

/// Delivers every sample event of `vendor` to `binary`: each must be refused with 401 when its
/// signature or token is altered (and then nothing is stored or sent), accepted, then answered
/// as a duplicate; in the end the table holds one claim and the queue one message per event, the
/// message carrying the event's type and its body byte for byte.
pub async fn replay_samples(binary: &str, vendor: &str) {
    let vendor = samples::vendor(vendor);
    let moto = moto::moto();
    let sdk = moto.sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let table = moto::create_events_table(&dynamodb).await;
    let queue = moto::create_queue(&sqs, false).await;
    let runtime = RuntimeApi::start().await;

    let mut command = function_command(binary, runtime.address(), &moto.endpoint);
    for (name, value) in env_of(&vendor) {
        command.env(name, value);
    }
    let _function = command
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("EVENTS_TABLE", &table)
        .env("FANOUT", format!("*={queue}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the function binary");

    let files = samples::event_files(&vendor);
    assert!(!files.is_empty(), "no sample events for {}", vendor.name);
    let mut expected = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let name = file.display();
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("readable")).expect("JSON");
        let event_type = file
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();

        let (status, _) =
            status_and_body(runtime.invoke(tampered(&vendor, &event).to_string()).await);
        assert_eq!(status, 401, "{name}: altered credentials");
        assert_eq!(
            item_count(&dynamodb, &table).await,
            index,
            "{name}: a refused event was stored"
        );

        let (status, first) = status_and_body(runtime.invoke(event.to_string()).await);
        assert_eq!(
            (status, first["status"].as_str()),
            (200, Some("accepted")),
            "{name}: {first}"
        );
        let (status, second) = status_and_body(runtime.invoke(event.to_string()).await);
        assert_eq!(
            (status, second["status"].as_str()),
            (200, Some("duplicate")),
            "{name}: {second}"
        );
        assert_eq!(first["id"], second["id"], "{name}");

        let body = event["body"].as_str().expect("text body").to_string();
        expected.push((event_type, body));
    }
    assert_eq!(item_count(&dynamodb, &table).await, files.len());
    let mut published: Vec<(String, String)> = moto::drain(&sqs, &queue)
        .await
        .into_iter()
        .map(|message| {
            let envelope: Value = serde_json::from_str(&message.body).expect("JSON envelope");
            let event_type = envelope["eventType"]
                .as_str()
                .expect("eventType")
                .to_string();
            let payload_start =
                message.body.find("\"payload\":").expect("payload") + "\"payload\":".len();
            let payload = message.body[payload_start..message.body.len() - 1].to_string();
            assert_eq!(message.event_type.as_deref(), Some(event_type.as_str()));
            (event_type, payload)
        })
        .collect();
    published.sort();
    expected.sort();
    assert_eq!(
        published, expected,
        "one message per sample, with its type and exact body"
    );
}

/// The function's variables from `events/env.json`.
fn env_of(vendor: &SampleVendor) -> Vec<(String, String)> {
    let path = samples::events_dir().join("env.json");
    let env: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("events/env.json"))
            .expect("JSON");
    env[vendor.function]
        .as_object()
        .unwrap_or_else(|| panic!("events/env.json has no {}", vendor.function))
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// `event` with the value of its credential header altered in its last character.
fn tampered(vendor: &SampleVendor, event: &Value) -> Value {
    let secret = Secret::new(vendor.secret.as_bytes()).expect("non-empty secret");
    let (header, _) = credential_header(&vendor.scheme(), &secret, b"");
    let mut event = event.clone();
    let value = event["headers"][header.as_str()]
        .as_str()
        .unwrap_or_else(|| panic!("the sample has no {header} header"))
        .to_string();
    let mut altered: Vec<char> = value.chars().collect();
    if let Some(last) = altered.last_mut() {
        *last = if *last == '0' { '1' } else { '0' };
    }
    event["headers"][header.as_str()] = Value::String(altered.into_iter().collect());
    event
}

async fn item_count(client: &aws_sdk_dynamodb::Client, table: &str) -> usize {
    let count = client
        .scan()
        .table_name(table)
        .send()
        .await
        .expect("scan")
        .count();
    usize::try_from(count).unwrap_or_default()
}
