//! The `webhooks` binary against moto: a stack deployed through CloudFormation (the template's
//! own table, two queues, a republisher function whose environment holds the routing), events
//! stored by the store code, and every subcommand run as an operator runs it.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use webhook_core::claims::{Claim, ClaimReader, ClaimStore, DynamoStore, LeaseToken, Status};
use webhook_core::config::fanout_variable;
use webhook_core::event::{body_digest, Classified, Event};
use webhook_core::limits::INLINE_PAYLOAD_LIMIT;
use webhook_core::vendors;
use webhook_tests::moto::{self, drain, envelope_fields, unique_name};

/// A stack as `sam deploy` leaves one, in moto.
struct Deployed {
    stack: String,
    table: String,
    /// Every event goes here.
    all: String,
    /// Wayke's `new-*` events also go here.
    new_events: String,
    sqs: aws_sdk_sqs::Client,
    store: DynamoStore,
    now: OffsetDateTime,
}

fn template() -> serde_yaml_ng::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The template's events table, as template.yaml declares it.
fn template_table() -> Value {
    let template = template();
    let table = &template["Resources"]["EventsTable"];
    json!({
        "Type": serde_json::to_value(&table["Type"]).unwrap(),
        "Properties": serde_json::to_value(&table["Properties"]).unwrap(),
    })
}

async fn deploy() -> Deployed {
    let config = moto::moto().sdk_config().await;
    let stack = unique_name("stack");
    let fanout: serde_json::Map<String, Value> = vendors::ALL
        .iter()
        .map(|vendor| {
            let rules = if *vendor == "wayke" {
                "*=${All};new-*=${NewEvents}"
            } else {
                "*=${All}"
            };
            (fanout_variable(vendor), json!({ "Fn::Sub": rules }))
        })
        .chain([("EVENTS_TABLE".to_string(), json!({ "Ref": "EventsTable" }))])
        .collect();
    let template = json!({
        "Resources": {
            "EventsTable": template_table(),
            "All": { "Type": "AWS::SQS::Queue" },
            "NewEvents": { "Type": "AWS::SQS::Queue" },
            "RepublisherRole": {
                "Type": "AWS::IAM::Role",
                "Properties": { "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{ "Effect": "Allow", "Action": "sts:AssumeRole",
                                    "Principal": { "Service": "lambda.amazonaws.com" } }]
                } }
            },
            "RepublisherFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Code": { "ZipFile": "never invoked" },
                    "Role": { "Fn::GetAtt": ["RepublisherRole", "Arn"] },
                    "Environment": { "Variables": fanout }
                }
            }
        }
    });
    // Moto creates a stack in one call, which takes longer than the functions' attempt timeout.
    let cloudformation = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::from(&config)
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(std::time::Duration::from_secs(60))
                    .operation_timeout(std::time::Duration::from_secs(60))
                    .build(),
            )
            .build(),
    );
    cloudformation
        .create_stack()
        .stack_name(&stack)
        .template_body(template.to_string())
        .send()
        .await
        .expect("create stack");
    let resources = cloudformation
        .describe_stack_resources()
        .stack_name(&stack)
        .send()
        .await
        .expect("stack resources");
    let physical = |logical: &str| {
        resources
            .stack_resources()
            .iter()
            .find(|resource| resource.logical_resource_id() == Some(logical))
            .and_then(|resource| resource.physical_resource_id())
            .unwrap_or_else(|| panic!("no {logical}"))
            .to_string()
    };
    let table = physical("EventsTable");
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    Deployed {
        stack,
        store: DynamoStore::new(dynamodb, table.clone()),
        table,
        all: physical("All"),
        new_events: physical("NewEvents"),
        sqs: aws_sdk_sqs::Client::new(&config),
        now: OffsetDateTime::now_utc(),
    }
}

impl Deployed {
    /// Stores an event of `vendor` received `ago`, as a delivery would have.
    async fn store_event(
        &self,
        vendor: &str,
        key: &str,
        event_type: &str,
        ago: Duration,
        status: Status,
        payload: &str,
    ) -> Event {
        let classified = Classified {
            event_type: event_type.into(),
            dedupe_key: key.into(),
            occurred_at: None,
            entity: None,
            account: Some("branch-1".into()),
            published: None,
        };
        let received = self.now - ago;
        let event = Event::new(vendor, &classified, received, payload.into());
        let mut claim = Claim::received(
            event.clone(),
            body_digest(payload.as_bytes()),
            &LeaseToken::new(),
            received,
        );
        if status == Status::Published {
            claim.status = Status::Published;
            claim.published_queues = vec![self.all.clone()];
            claim.expires_at = Some((self.now + Duration::days(7)).unix_timestamp());
        }
        self.store.put_new(&claim, received).await.expect("store");
        event
    }

    /// The five events most tests use: four of Wayke's, one of CycleSoftware's.
    async fn with_events(&self) -> Events {
        let big = format!(
            "{{\"blob\":\"{}\"}}",
            "abcdefgh".repeat(INLINE_PAYLOAD_LIMIT / 4)
        );
        Events {
            order: self
                .store_event(
                    "wayke",
                    "o-1",
                    "new-order",
                    Duration::minutes(10),
                    Status::Received,
                    r#"{"order":{"id":1}}"#,
                )
                .await,
            vehicle: self
                .store_event(
                    "wayke",
                    "v-1",
                    "vehicle-updated",
                    Duration::minutes(20),
                    Status::Published,
                    r#"{"vehicle":2}"#,
                )
                .await,
            message: self
                .store_event(
                    "wayke",
                    "m-1",
                    "new-message",
                    Duration::minutes(30),
                    Status::Published,
                    &big,
                )
                .await,
            old: self
                .store_event(
                    "wayke",
                    "o-0",
                    "new-order",
                    Duration::hours(3),
                    Status::Published,
                    r#"{"order":{"id":0}}"#,
                )
                .await,
            sale: self
                .store_event(
                    "cyclesoftware",
                    "s-1",
                    "sales_order.created",
                    Duration::minutes(5),
                    Status::Received,
                    "{}",
                )
                .await,
        }
    }

    /// `webhooks --stack <this stack> arguments…`.
    fn run(&self, arguments: &[&str]) -> Ran {
        let mut all = vec!["--stack", self.stack.as_str()];
        all.extend_from_slice(arguments);
        webhooks(&all, &aws_environment())
    }

    fn time(&self, ago: Duration) -> String {
        webhook_core::event::rfc3339(self.now - ago)
    }
}

struct Events {
    order: Event,
    vehicle: Event,
    message: Event,
    old: Event,
    sale: Event,
}

/// What a run printed and how it ended.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }

    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "failed: {}", self.stderr);
        self
    }
}

/// Moto as an operator's AWS environment would name it; no profile files.
fn aws_environment() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", moto::moto().endpoint.clone()),
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ]
}

/// Runs the binary with `environment` only (and no AWS profile files).
fn webhooks(arguments: &[&str], environment: &[(&str, String)]) -> Ran {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_webhooks"))
        .args(arguments)
        .env_clear()
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(environment.iter().map(|(name, value)| (*name, value)))
        .output()
        .expect("run webhooks");
    Ran {
        code: status.code().expect("exited"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn ids(values: &[Value]) -> Vec<&str> {
    values
        .iter()
        .map(|value| value["id"].as_str().unwrap())
        .collect()
}

#[test]
fn the_template_has_the_resources_the_cli_finds_by_logical_id() {
    let template = template();
    let resources = &template["Resources"];
    assert_eq!(resources["EventsTable"]["Type"], "AWS::DynamoDB::Table");
    let republisher = &resources["RepublisherFunction"];
    assert_eq!(republisher["Type"], "AWS::Serverless::Function");
    for vendor in vendors::ALL {
        let variable = fanout_variable(vendor);
        assert!(
            !republisher["Properties"]["Environment"]["Variables"][variable.as_str()].is_null(),
            "the republisher has no {variable}: replays read the routing there"
        );
    }
}

#[tokio::test]
async fn list_shows_a_vendors_events_newest_first_filtered_as_asked() {
    let deployed = deploy().await;
    let events = deployed.with_events().await;

    let table = deployed
        .run(&["events", "list", "--vendor", "wayke", "--since", "1h"])
        .ok();
    let lines = table.lines();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["RECEIVED", "STATUS", "TYPE", "ID", "DEDUPE", "KEY", "ACCOUNT"]
    );
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [&events.order, &events.vehicle, &events.message].map(|event| {
            let status = if event.dedupe_key == "o-1" {
                "RECEIVED"
            } else {
                "PUBLISHED"
            };
            vec![
                event.received_at.as_str(),
                status,
                event.event_type.as_str(),
                event.id.as_str(),
                event.dedupe_key.as_str(),
                "branch-1",
            ]
        })
    );

    let received = deployed
        .run(&[
            "events", "list", "--vendor", "wayke", "--since", "1h", "--status", "received",
            "--json",
        ])
        .ok();
    let received = received.json_lines();
    assert_eq!(ids(&received), [events.order.id.as_str()]);
    assert_eq!(received[0]["pk"], "wayke#o-1");
    assert_eq!(received[0]["status"], "RECEIVED");
    assert_eq!(received[0]["eventType"], "new-order");
    assert_eq!(received[0]["receivedAt"], events.order.received_at.as_str());

    let new_ones = deployed
        .run(&[
            "--json",
            "events",
            "list",
            "--vendor",
            "wayke",
            "--type",
            "new-*",
            "--from",
            &deployed.time(Duration::hours(4)),
            "--to",
            &deployed.time(Duration::ZERO),
        ])
        .ok();
    assert_eq!(
        ids(&new_ones.json_lines()),
        [&events.order.id, &events.message.id, &events.old.id]
    );

    let limited = deployed
        .run(&[
            "events", "list", "--vendor", "wayke", "--limit", "2", "--json",
        ])
        .ok();
    assert_eq!(
        ids(&limited.json_lines()),
        [&events.order.id, &events.vehicle.id]
    );

    let none = deployed
        .run(&["events", "list", "--vendor", "revo-xef"])
        .ok();
    assert_eq!(none.lines().len(), 1, "the header only");
    assert!(none.stderr.contains("no events match"), "{}", none.stderr);
}

#[tokio::test]
async fn show_prints_a_claim_and_its_payload_decompressed_by_id_or_key() {
    let deployed = deploy().await;
    let events = deployed.with_events().await;

    let shown = deployed.run(&["events", "show", &events.message.id]).ok();
    assert!(
        shown.stdout.starts_with("{\n  \""),
        "pretty-printed: {}",
        &shown.stdout[..40]
    );
    let value: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(value["pk"], "wayke#m-1");
    assert_eq!(value["id"], events.message.id.as_str());
    assert_eq!(value["status"], "PUBLISHED");
    assert_eq!(value["publishedQueues"], json!([deployed.all]));
    let payload: Value = serde_json::from_str(&events.message.payload).unwrap();
    assert_eq!(
        value["payload"], payload,
        "stored gzip-compressed, shown whole"
    );

    let by_key = deployed.run(&["events", "show", "wayke#o-1"]).ok();
    let value: Value = serde_json::from_str(&by_key.stdout).unwrap();
    assert_eq!(value["id"], events.order.id.as_str());
    assert_eq!(value["payload"], json!({"order": {"id": 1}}));
    assert!(value.get("leaseToken").is_none());

    for unknown in ["00000000-0000-8000-8000-000000000000", "wayke#nope"] {
        let missing = deployed.run(&["events", "show", unknown]);
        assert_eq!(missing.code, 3, "{missing:?}");
        assert!(
            missing
                .stderr
                .contains(&format!("no stored event {unknown}")),
            "{}",
            missing.stderr
        );
        assert!(missing.stdout.is_empty());
    }
}

#[tokio::test]
async fn replay_by_id_sends_the_same_envelope_where_the_routing_says_now_and_changes_nothing() {
    let deployed = deploy().await;
    let events = deployed.with_events().await;
    let before = deployed.store.load("wayke#o-1").await.unwrap().unwrap();

    let dry = deployed
        .run(&[
            "events",
            "replay",
            &events.order.id,
            "cyclesoftware#s-1",
            "--dry-run",
        ])
        .ok();
    assert!(
        dry.stdout
            .contains("would replay 2 of 2 events (3 messages)"),
        "{}",
        dry.stdout
    );
    assert!(
        drain(&deployed.sqs, &deployed.all).await.is_empty(),
        "a dry run sends nothing"
    );

    let unknown = deployed.run(&[
        "events",
        "replay",
        &events.order.id,
        "00000000-0000-8000-8000-000000000000",
    ]);
    assert_eq!(unknown.code, 3, "{unknown:?}");
    assert!(
        drain(&deployed.sqs, &deployed.all).await.is_empty(),
        "nothing sent"
    );

    // Two envelope ids (found in one read of the index) and a key naming one of them again.
    let replayed = deployed
        .run(&[
            "events",
            "replay",
            &events.order.id,
            &events.sale.id,
            "cyclesoftware#s-1",
        ])
        .ok();
    assert_eq!(
        replayed.lines(),
        ["replayed 2 of 2 events (3 messages); 0 failed"]
    );
    let mut all = envelope_fields(&drain(&deployed.sqs, &deployed.all).await, "id");
    all.sort();
    let mut expected = vec![events.order.id.clone(), events.sale.id.clone()];
    expected.sort();
    assert_eq!(all, expected);
    let new_events = drain(&deployed.sqs, &deployed.new_events).await;
    assert_eq!(
        envelope_fields(&new_events, "id"),
        [events.order.id.as_str()]
    );
    assert_eq!(new_events[0].body, Message::body_of(&events.order));
    assert_eq!(
        deployed.store.load("wayke#o-1").await.unwrap().unwrap(),
        before,
        "a replay changes nothing stored"
    );
}

/// The message body the functions publish for an event.
struct Message;

impl Message {
    fn body_of(event: &Event) -> String {
        webhook_core::fanout::Message::of(event).body
    }
}

#[tokio::test]
async fn replay_of_a_range_sends_the_matching_types_and_counts_them() {
    let deployed = deploy().await;
    let events = deployed.with_events().await;
    let from = deployed.time(Duration::hours(1));
    let to = deployed.time(Duration::ZERO);
    let range = [
        "replay", "--vendor", "wayke", "--from", &from, "--to", &to, "--type", "new-*",
    ];

    let mut dry_run = range.to_vec();
    dry_run.extend(["--dry-run", "--json"]);
    let dry = deployed.run(&dry_run).ok().json_lines();
    assert_eq!(dry.len(), 3, "two events and the summary: {dry:?}");
    assert_eq!(dry[0]["id"], events.message.id.as_str(), "oldest first");
    assert_eq!(dry[0]["queues"], json!([deployed.all, deployed.new_events]));
    assert_eq!(dry[1]["id"], events.order.id.as_str());
    assert_eq!(
        dry[2],
        json!({"dryRun": true, "selected": 2, "replayed": 2, "messages": 4, "failed": 0, "gone": 0})
    );
    assert!(drain(&deployed.sqs, &deployed.all).await.is_empty());

    let replayed = deployed.run(&range).ok();
    assert_eq!(
        replayed.lines(),
        ["replayed 2 of 2 events (4 messages); 0 failed"]
    );
    let mut sent = envelope_fields(&drain(&deployed.sqs, &deployed.all).await, "id");
    sent.sort();
    let mut expected = vec![events.order.id.clone(), events.message.id.clone()];
    expected.sort();
    assert_eq!(sent, expected);
    assert_eq!(drain(&deployed.sqs, &deployed.new_events).await.len(), 2);

    // A queue that is gone: the events it should have are reported, and the exit code says so.
    deployed
        .sqs
        .delete_queue()
        .queue_url(&deployed.new_events)
        .send()
        .await
        .unwrap();
    let failed = deployed.run(&range);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert_eq!(
        failed.lines(),
        ["replayed 0 of 2 events (0 messages); 2 failed"]
    );
    assert!(
        failed.stderr.contains("could not replay wayke#o-1")
            && failed
                .stderr
                .contains("2 of 2 events could not be replayed"),
        "{}",
        failed.stderr
    );
    assert!(
        !failed.stderr.contains(&events.old.id) && !failed.stderr.contains("wayke#o-0"),
        "outside the range"
    );
}

#[tokio::test]
async fn stats_count_accepted_and_pending_events_per_vendor_and_type() {
    let deployed = deploy().await;
    deployed.with_events().await;

    let table = deployed.run(&["stats", "--since", "1h"]).ok();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .iter()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["VENDOR", "TYPE", "ACCEPTED", "PENDING"],
            vec!["cyclesoftware", "sales_order.created", "1", "1"],
            vec!["wayke", "new-message", "1", "0"],
            vec!["wayke", "new-order", "1", "1"],
            vec!["wayke", "vehicle-updated", "1", "0"],
            vec!["total", "4", "2"],
        ]
    );

    let day = deployed
        .run(&["stats", "--vendor", "wayke", "--json"])
        .ok()
        .json_lines();
    assert_eq!(
        day,
        [
            json!({"vendor": "wayke", "eventType": "new-message", "accepted": 1, "pending": 0}),
            json!({"vendor": "wayke", "eventType": "new-order", "accepted": 2, "pending": 1}),
            json!({"vendor": "wayke", "eventType": "vehicle-updated", "accepted": 1, "pending": 0}),
        ],
        "the last 24 hours by default"
    );
}

#[tokio::test]
async fn a_table_named_directly_works_and_replay_then_needs_the_republisher() {
    let deployed = deploy().await;
    let events = deployed.with_events().await;
    let environment = aws_environment();
    let shown = webhooks(
        &[
            "--table",
            &deployed.table,
            "events",
            "show",
            &events.order.id,
        ],
        &environment,
    )
    .ok();
    assert!(shown.stdout.contains("\"new-order\""));

    let replay = webhooks(
        &[
            "--table",
            &deployed.table,
            "events",
            "replay",
            &events.order.id,
        ],
        &environment,
    );
    assert_eq!(replay.code, 2, "{replay:?}");
    assert!(replay.stderr.contains("--republisher"), "{}", replay.stderr);
}

#[tokio::test]
async fn wrong_names_missing_credentials_and_bad_input_get_clear_errors_and_their_exit_codes() {
    let deployed = deploy().await;
    let environment = aws_environment();
    let list = ["events", "list", "--vendor", "wayke"];

    let run = |location: &[&str], arguments: &[&str], environment: &[(&str, String)]| {
        let mut all = location.to_vec();
        all.extend_from_slice(arguments);
        webhooks(&all, environment)
    };
    let cases: Vec<(Ran, i32, &str)> = vec![
        (
            run(&["--stack", "no-such-stack"], &list, &environment),
            3,
            "no stack no-such-stack in region eu-west-1",
        ),
        (
            run(&["--table", "no-such-table"], &list, &environment),
            3,
            "no table no-such-table in region eu-west-1",
        ),
        (
            run(
                &["--stack", &deployed.stack],
                &["events", "replay", "wayke#x"],
                &environment,
            ),
            3,
            "no stored event wayke#x",
        ),
        (run(&[], &list, &environment), 2, "--stack NAME"),
        (
            run(
                &["--stack", &deployed.stack],
                &["events", "show", "not-an-id"],
                &environment,
            ),
            2,
            "\"not-an-id\" is neither an envelope id (a UUID) nor <vendor>#<dedupe key>",
        ),
        (
            run(
                &["--stack", &deployed.stack],
                &["events", "list", "--vendor", "acme"],
                &environment,
            ),
            2,
            "invalid value 'acme' for '--vendor <VENDOR>'",
        ),
        (
            run(
                &["--stack", &deployed.stack],
                &["events", "list", "--vendor", "wayke", "--since", "soon"],
                &environment,
            ),
            2,
            "not a duration",
        ),
        (
            run(
                &["--stack", &deployed.stack],
                &[
                    "events",
                    "list",
                    "--vendor",
                    "wayke",
                    "--since",
                    "1h",
                    "--from",
                    "2026-11-01T00:00:00Z",
                ],
                &environment,
            ),
            2,
            "cannot be used with",
        ),
        (
            run(
                &["--stack", &deployed.stack],
                &[
                    "replay",
                    "--vendor",
                    "wayke",
                    "--from",
                    "2026-11-02T00:00:00Z",
                    "--to",
                    "2026-11-01T00:00:00Z",
                ],
                &environment,
            ),
            2,
            "the range is empty",
        ),
        (
            run(&["--stack", &deployed.stack], &list, &environment[..2]),
            4,
            "no AWS credentials",
        ),
        (
            run(
                &["--stack", &deployed.stack],
                &list,
                &[
                    environment[0].clone(),
                    environment[2].clone(),
                    environment[3].clone(),
                ],
            ),
            4,
            "no AWS region",
        ),
    ];
    for (ran, code, message) in cases {
        assert_eq!(ran.code, code, "{ran:?}");
        assert!(
            ran.stderr.contains(message),
            "{message:?} not in {}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "{ran:?}");
    }

    let function = webhooks(
        &[
            "--table",
            &deployed.table,
            "--republisher",
            "no-such-function",
            "replay",
            "--vendor",
            "wayke",
            "--from",
            "2026-11-01T00:00:00Z",
            "--to",
            "2026-11-02T00:00:00Z",
        ],
        &environment,
    );
    assert_eq!(function.code, 3, "{function:?}");
    assert!(
        function
            .stderr
            .contains("no Lambda function no-such-function"),
        "{}",
        function.stderr
    );
}

#[tokio::test]
async fn credentials_come_from_a_named_profile_of_the_standard_chain() {
    let deployed = deploy().await;
    deployed.with_events().await;
    let directory = std::env::temp_dir().join(unique_name("aws-profile"));
    std::fs::create_dir_all(&directory).unwrap();
    let config = directory.join("config");
    std::fs::write(
        &config,
        "[profile operator]\nregion = eu-west-1\ncredential_process = echo \
         '{\"Version\":1,\"AccessKeyId\":\"profile\",\"SecretAccessKey\":\"profile\"}'\n",
    )
    .unwrap();
    let environment = [
        ("AWS_ENDPOINT_URL", moto::moto().endpoint.clone()),
        ("AWS_PROFILE", "operator".to_string()),
        ("PATH", std::env::var("PATH").unwrap()),
    ];
    let mut arguments = vec!["--stack", deployed.stack.as_str()];
    arguments.extend(["events", "list", "--vendor", "wayke", "--json"]);
    let with_profile = Command::new(env!("CARGO_BIN_EXE_webhooks"))
        .args(&arguments)
        .env_clear()
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", directory.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(environment.iter().map(|(name, value)| (*name, value)))
        .output()
        .unwrap();
    assert!(
        with_profile.status.success(),
        "{}",
        String::from_utf8_lossy(&with_profile.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&with_profile.stdout)
            .lines()
            .count(),
        4
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn help_explains_the_commands_and_every_exit_code() {
    let help = webhooks(&["--help"], &[]).ok();
    for text in [
        "--stack",
        "--table",
        "AWS_ENDPOINT_URL",
        "events",
        "replay",
        "stats",
        "Exit codes:",
        "  4  AWS could not be used",
    ] {
        assert!(
            help.stdout.contains(text),
            "{text:?} not in\n{}",
            help.stdout
        );
    }
    let list = webhooks(&["events", "list", "--help"], &[]).ok();
    for text in [
        "--vendor",
        "--since",
        "--from",
        "--to",
        "--status",
        "--type",
        "--limit",
        "--json",
        "Exit codes:",
    ] {
        assert!(
            list.stdout.contains(text),
            "{text:?} not in\n{}",
            list.stdout
        );
    }
}

#[tokio::test]
async fn lists_and_counts_run_past_a_page_of_the_index_and_a_batch_of_reads() {
    let deployed = deploy().await;
    let count = 130;
    let mut stored = Vec::new();
    for i in 0..count {
        let ago = Duration::seconds(10 + i);
        let event = deployed
            .store_event(
                "revo-xef",
                &format!("r-{i}"),
                "order.paid",
                ago,
                Status::Published,
                "{}",
            )
            .await;
        stored.push(event.id);
    }
    let listed = deployed
        .run(&[
            "events", "list", "--vendor", "revo-xef", "--limit", "120", "--json",
        ])
        .ok()
        .json_lines();
    assert_eq!(
        ids(&listed),
        stored[..120].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let counted = deployed.run(&["stats", "--json"]).ok().json_lines();
    assert_eq!(
        counted,
        [json!({"vendor": "revo-xef", "eventType": "order.paid", "accepted": count, "pending": 0})]
    );
}
