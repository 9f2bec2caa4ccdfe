//! Replay of the sample events through a built function binary: the local counterpart of
//! `sam local invoke -e events/<vendor>/<event>.json`, with AWS's Lambda Runtime Interface
//! Emulator (the one `sam local` uses) for the Lambda service and moto for DynamoDB and SQS.

use std::collections::BTreeSet;

use serde_json::Value;

use webhook_core::vendors::published_payload;

use crate::moto;
use crate::rie::{status_and_body, Function, Running};
use crate::samples::{self, SampleVendor};
use crate::stack::Stack;

/// Delivers every sample event of `vendor` to `binary`: each must be refused with 401 when its
/// signature or token is altered (and then nothing is stored or sent), accepted, then answered
/// as a duplicate; in the end the table holds one claim and the queue one message per event, the
/// message carrying the event's type and the vendor's published payload of its body (the body
/// byte for byte, but for Revo Xef's normalised forms).
pub async fn replay_samples(binary: &str, vendor: &str) {
    let function = RunningFunction::start(binary, vendor, &[]).await;
    let vendor = function.vendor.clone();
    let files = samples::event_files(&vendor);
    assert!(!files.is_empty(), "no sample events for {}", vendor.name);
    let mut expected = Vec::new();
    let mut forbidden: Vec<String> = vec![vendor.secret.clone()];
    for (index, file) in files.iter().enumerate() {
        let name = file.display();
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("readable")).expect("JSON");
        let event_type = file
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();

        let (status, _) = function.deliver(&tampered(&vendor, &event)).await;
        assert_eq!(status, 401, "{name}: altered credentials");
        assert_eq!(
            function.stack.item_count().await,
            index,
            "{name}: a refused event was stored"
        );

        let (status, first) = function.deliver(&event).await;
        assert_eq!(
            (status, first["status"].as_str()),
            (200, Some("accepted")),
            "{name}: {first}"
        );
        let (status, second) = function.deliver(&event).await;
        assert_eq!(
            (status, second["status"].as_str()),
            (200, Some("duplicate")),
            "{name}: {second}"
        );
        assert_eq!(first["id"], second["id"], "{name}");

        let body = event["body"].as_str().expect("text body");
        let payload = published_payload(vendor.name, body).into_owned();
        forbidden.extend(credentials(&vendor, &event));
        forbidden.extend(credentials(&vendor, &tampered(&vendor, &event)));
        forbidden.extend(personal_values(
            &serde_json::from_str(&payload).expect("the published payload is JSON"),
        ));
        expected.push((event_type, payload));
    }
    assert_eq!(function.stack.item_count().await, files.len());
    // The standard queue: a FIFO queue hands out no more of a group while ten are in flight.
    let mut published: Vec<(String, String)> = function
        .stack
        .drain(0)
        .await
        .into_iter()
        .map(|message| {
            crate::schema::assert_conforms("published message", &message.body);
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
        "one message per sample, with its type and published payload"
    );

    let logs = function.stop().await;
    let log_lines: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let delivery_lines: Vec<&Value> = log_lines
        .iter()
        .filter(|line| line["fields"]["outcome"].is_string())
        .collect();
    assert_eq!(
        delivery_lines.len(),
        3 * files.len(),
        "one log line per delivery:\n{logs}"
    );
    let outcomes: BTreeSet<&str> = delivery_lines
        .iter()
        .filter_map(|line| line["fields"]["outcome"].as_str())
        .collect();
    assert_eq!(
        Vec::from_iter(outcomes),
        ["accepted", "duplicate", "rejected"],
        "each outcome is logged"
    );
    let metric_lines: Vec<&Value> = log_lines
        .iter()
        .filter(|line| line.get("_aws").is_some())
        .collect();
    let total = |name: &str| -> f64 {
        metric_lines
            .iter()
            .filter(|l| l.get("Reason").is_none())
            .filter_map(|l| l[name].as_f64())
            .sum()
    };
    let count = files.len() as f64;
    assert_eq!(
        (
            total("Received"),
            total("Accepted"),
            total("Duplicate"),
            total("Rejected")
        ),
        (3.0 * count, count, count, count),
        "the metric lines count every delivery"
    );
    check_observability(&metric_lines, &delivery_lines, 3 * files.len());
    let unauthenticated = metric_lines
        .iter()
        .filter(|l| l["Reason"] == "unauthenticated")
        .count();
    assert_eq!(
        unauthenticated,
        files.len(),
        "each rejection counted by reason"
    );
    for value in forbidden {
        assert!(
            !logs.contains(&value),
            "{}: the logs show {value:?}",
            vendor.name
        );
    }
}

/// Every metric line carries its invocation's request id, which is the request id of a
/// delivery's log line (so a spike on a graph leads to the lines behind it); the process's first
/// delivery, and only it, counts as a cold start; and the delivery log lines carry every field
/// the template's saved Logs Insights queries read.
fn check_observability(metric_lines: &[&Value], delivery_lines: &[&Value], deliveries: usize) {
    use webhook_core::metrics::{COLD_START_METRIC, REQUEST_ID_PROPERTY, TRACE_ID_PROPERTY};
    let request_ids: BTreeSet<&str> = delivery_lines
        .iter()
        .filter_map(|line| line["fields"]["request_id"].as_str())
        .collect();
    assert_eq!(
        request_ids.len(),
        deliveries,
        "each delivery is logged with its own request id"
    );
    for line in metric_lines {
        let request_id = line[REQUEST_ID_PROPERTY]
            .as_str()
            .unwrap_or_else(|| panic!("a metric line without {REQUEST_ID_PROPERTY}: {line}"));
        assert!(
            request_ids.contains(request_id),
            "a metric line's request id leads to no delivery line: {line}"
        );
        // The emulator, unlike Lambda with tracing on, gives no X-Ray trace id (metrics.rs
        // tests that one given is written): none may be made up.
        assert!(
            line.get(TRACE_ID_PROPERTY).is_none(),
            "a metric line with a trace id nobody gave: {line}"
        );
    }
    let cold_starts: Vec<f64> = metric_lines
        .iter()
        .filter(|line| line.get("Reason").is_none())
        .map(|line| line[COLD_START_METRIC].as_f64().expect("ColdStart"))
        .collect();
    assert_eq!(cold_starts.len(), deliveries);
    assert_eq!(cold_starts[0], 1.0, "the first delivery is the cold start");
    assert_eq!(cold_starts.iter().sum::<f64>(), 1.0, "and only it");
    let logged: BTreeSet<&str> = delivery_lines
        .iter()
        .flat_map(|line| line["fields"].as_object().into_iter().flatten())
        .map(|(name, _)| name.as_str())
        .collect();
    for field in logs_insights_fields(&samples::template()) {
        assert!(
            logged.contains(field.as_str()),
            "a saved query reads fields.{field}, which no delivery line has: {logged:?}"
        );
    }
}

/// The `fields.<name>` the template's saved Logs Insights queries (`AWS::Logs::QueryDefinition`)
/// read.
pub fn logs_insights_fields(template: &serde_yaml_ng::Value) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    for resource in template["Resources"]
        .as_mapping()
        .expect("resources")
        .values()
    {
        if resource["Type"] != "AWS::Logs::QueryDefinition" {
            continue;
        }
        let query = resource["Properties"]["QueryString"]
            .as_str()
            .expect("a query string");
        for part in query.split("fields.").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            fields.insert(name);
        }
    }
    fields
}

/// The value of the sample's header that authenticates it (the vendor scheme's header).
fn credentials(vendor: &SampleVendor, event: &Value) -> Vec<String> {
    let header = vendor.scheme().header();
    event["headers"][header.as_str()]
        .as_str()
        .map(String::from)
        .into_iter()
        .collect()
}

/// Personal values in a payload: the strings under keys that name people and their contact
/// details (e-mail addresses, phone numbers, names, personal numbers, IBANs, addresses).
pub fn personal_values(payload: &Value) -> Vec<String> {
    const PERSONAL: [&str; 20] = [
        "email",
        "useremail",
        "name",
        "firstname",
        "lastname",
        "givenname",
        "surname",
        "username",
        "phone",
        "phonenumber",
        "phone_number",
        "telephone",
        "personalnumber",
        "iban",
        "nif",
        "address",
        "street",
        "initials",
        "postcode",
        "ip",
    ];
    let mut found = Vec::new();
    let mut stack = vec![payload];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        Value::String(text)
                            if PERSONAL.contains(&key.to_ascii_lowercase().as_str())
                                && text.len() >= 5 =>
                        {
                            found.push(text.clone());
                        }
                        _ => stack.push(value),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The function's variables from `events/env.json`.
pub fn env_of(vendor: &SampleVendor) -> Vec<(String, String)> {
    let path = samples::events_dir().join("env.json");
    let env: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("events/env.json"))
            .expect("JSON");
    env[vendor.function.as_str()]
        .as_object()
        .unwrap_or_else(|| panic!("events/env.json has no {}", vendor.function))
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// `event` with the value of its credential header altered in its last character.
fn tampered(vendor: &SampleVendor, event: &Value) -> Value {
    let header = vendor.scheme().header();
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

/// A vendor's function binary running as Lambda runs it, under AWS's Lambda Runtime Interface
/// Emulator with a fresh table in moto, configured as `events/env.json` says but for the table
/// and `FANOUT`: every event goes to a standard queue and a FIFO queue of its own.
#[derive(Debug)]
pub struct RunningFunction {
    pub vendor: SampleVendor,
    pub stack: Stack,
    /// The standard queue and the FIFO queue.
    pub queues: [String; 2],
    function: Running,
}

impl RunningFunction {
    /// Starts `binary` for `vendor`, with `extra` variables over the sample configuration.
    pub async fn start(binary: &str, vendor: &str, extra: &[(&str, &str)]) -> Self {
        let vendor = samples::vendor(vendor);
        let moto = moto::moto();
        let stack = Stack::new(1).await;
        let fifo = moto::create_queue(&stack.sqs, true).await;
        let queues = [stack.queues[0].clone(), fifo];
        let mut function = Function::new(binary, &moto.endpoint);
        for (name, value) in env_of(&vendor) {
            function = function.env(name, value);
        }
        for (name, value) in extra {
            function = function.env(*name, *value);
        }
        let function = function
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("EVENTS_TABLE", &stack.table)
            .env("FANOUT", format!("*={}", queues.join(",")))
            .start()
            .await;
        Self {
            vendor,
            stack,
            queues,
            function,
        }
    }

    /// Sends one API Gateway event; the status code and JSON body of the answer.
    pub async fn deliver(&self, event: &Value) -> (u64, Value) {
        status_and_body(self.function.invoke(&event.to_string()).await)
    }

    /// Sends `body` as the vendor sends `event_type`, signed or with the credential of the
    /// development secret.
    pub async fn deliver_body(&self, event_type: &str, body: &str) -> (u64, Value) {
        self.deliver(&self.vendor.event(event_type, body)).await
    }

    /// Stops the function; its log output.
    pub async fn stop(self) -> String {
        self.function.stop().await
    }

    /// The messages on the standard queue and on the FIFO queue, which must carry the same
    /// envelopes, in the order sent.
    pub async fn published(&self) -> (Vec<moto::Received>, Vec<moto::Received>) {
        let standard = moto::drain(&self.stack.sqs, &self.queues[0]).await;
        let fifo = moto::drain(&self.stack.sqs, &self.queues[1]).await;
        let bodies = |messages: &[moto::Received]| {
            let mut bodies: Vec<String> = messages.iter().map(|m| m.body.clone()).collect();
            bodies.sort();
            bodies
        };
        assert_eq!(bodies(&standard), bodies(&fifo), "both queues got the same");
        (standard, fifo)
    }
}

/// The envelope of a message, parsed.
pub fn envelope(message: &moto::Received) -> Value {
    serde_json::from_str(&message.body).expect("a JSON envelope")
}
