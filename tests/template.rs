//! template.yaml and the code agree: every function crate has a template function building its
//! binary, every vendor's route is the one its sample events use, every variable a function
//! reads is set (and nothing else), each function may send only to the queue its FANOUT names,
//! and the table the tests create is the table the template declares.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml_ng::Value;
use webhook_core::config::{fanout_variable, AUTH_SCHEME, REPUBLISHER_VARIABLES, VENDOR_VARIABLES};
use webhook_tests::samples::{self, VENDORS};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// `!Ref X`, `!GetAtt X.Arn`, `!Sub "…"` and the like, as (tag, value).
fn tagged(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => Some((tagged.tag.to_string(), &tagged.value)),
        _ => None,
    }
}

fn functions(template: &Value) -> BTreeMap<String, Value> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::Serverless::Function")
        .map(|(id, resource)| (id.as_str().unwrap().to_string(), resource.clone()))
        .collect()
}

/// The variables `function` has when deployed (those declared `AWS::NoValue` are not set).
fn variables(template: &Value, function: &Value) -> BTreeSet<String> {
    declared(template, function)
        .into_iter()
        .filter(|(_, value)| !samples::is_no_value(value))
        .map(|(name, _)| name)
        .collect()
}

/// Every variable the template declares for `function`, Globals included, with its value.
fn declared(template: &Value, function: &Value) -> BTreeMap<String, Value> {
    [
        &template["Globals"]["Function"]["Environment"]["Variables"],
        &function["Properties"]["Environment"]["Variables"],
    ]
    .into_iter()
    .filter_map(Value::as_mapping)
    .flatten()
    .map(|(name, value)| (name.as_str().unwrap().to_string(), value.clone()))
    .collect()
}

/// `sam local` applies an `--env-vars` entry only to a variable the template declares for the
/// function, and drops the rest without a word: every entry of events/env.json must be declared.
/// `AWS_ENDPOINT_URL` is declared for that alone, as `AWS::NoValue`: no deployed function has it.
#[test]
fn every_variable_of_env_json_is_declared_and_the_endpoint_is_never_deployed() {
    let template = template();
    let env: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(samples::events_dir().join("env.json")).unwrap(),
    )
    .unwrap();
    for (id, function) in functions(&template) {
        let declared = declared(&template, &function);
        let local = env[&id].as_object().unwrap();
        for name in local.keys() {
            assert!(
                declared.contains_key(name),
                "{id}: events/env.json sets {name}, which the template does not declare"
            );
        }
        assert!(local.contains_key("AWS_ENDPOINT_URL"), "{id}");
        assert!(
            samples::is_no_value(&declared["AWS_ENDPOINT_URL"]),
            "{id}: AWS_ENDPOINT_URL must be AWS::NoValue, so that it is never deployed"
        );
        assert!(!variables(&template, &function).contains("AWS_ENDPOINT_URL"));
    }
}

#[test]
fn every_function_crate_has_a_template_function_building_its_binary() {
    let template = template();
    let built: BTreeSet<String> = functions(&template)
        .values()
        .map(|function| {
            assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
            function["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let crates: BTreeSet<String> = std::fs::read_dir(root().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            assert!(
                manifest.contains(&format!("[[bin]]\nname = \"{name}\"")),
                "{name}: binary named after its folder"
            );
            name
        })
        .collect();
    assert_eq!(built, crates);
}

#[test]
fn every_vendor_route_is_the_one_its_sample_events_use() {
    let template = template();
    let functions = functions(&template);
    for vendor in VENDORS {
        let function = &functions[vendor.function];
        assert_eq!(
            function["Metadata"]["BuildProperties"]["Binary"],
            vendor.name
        );
        let routes: Vec<String> = function["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
            .filter(|event| event["Type"] == "HttpApi")
            .map(|event| {
                format!(
                    "{} {}",
                    event["Properties"]["Method"].as_str().unwrap(),
                    event["Properties"]["Path"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(routes, vec![vendor.route_key()], "{}", vendor.name);
    }
    let env: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(samples::events_dir().join("env.json")).unwrap(),
    )
    .unwrap();
    let env_functions: BTreeSet<&str> = env
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let all_functions: BTreeSet<&str> = functions.keys().map(String::as_str).collect();
    assert_eq!(
        env_functions, all_functions,
        "events/env.json names the template's functions"
    );
}

#[test]
fn every_variable_a_function_reads_is_set_and_nothing_else() {
    let template = template();
    let functions = functions(&template);
    for vendor in VENDORS {
        let set = variables(&template, &functions[vendor.function]);
        let mut expected: BTreeSet<String> =
            VENDOR_VARIABLES.iter().map(|v| v.to_string()).collect();
        if !vendor.configurable() {
            expected.remove(AUTH_SCHEME);
        }
        assert_eq!(set, expected, "{}", vendor.function);
    }
    let republisher = variables(&template, &functions["RepublisherFunction"]);
    let global: BTreeSet<String> = variables(&template, &Value::Null);
    let reads: BTreeSet<String> = REPUBLISHER_VARIABLES
        .iter()
        .map(|v| v.to_string())
        .chain(
            webhook_core::vendors::ALL
                .iter()
                .map(|v| fanout_variable(v)),
        )
        .collect();
    assert!(reads.is_subset(&republisher), "{reads:?} {republisher:?}");
    assert!(republisher.is_subset(&global.union(&reads).cloned().collect()));
}

#[test]
fn each_vendor_function_may_send_only_to_the_queue_its_fanout_names() {
    let template = template();
    let functions = functions(&template);
    for vendor in VENDORS {
        let function = &functions[vendor.function];
        let (tag, fanout) =
            tagged(&function["Properties"]["Environment"]["Variables"]["FANOUT"]).unwrap();
        assert_eq!(tag, "!Sub");
        let queue = fanout
            .as_str()
            .unwrap()
            .trim_start_matches("*=${")
            .trim_end_matches('}')
            .to_string();
        let statements = function["Properties"]["Policies"][0]["Statement"]
            .as_sequence()
            .unwrap();
        let sqs: Vec<&Value> = statements
            .iter()
            .filter(|s| s["Action"] == "sqs:SendMessage")
            .collect();
        assert_eq!(sqs.len(), 1, "{}", vendor.function);
        let (tag, resource) = tagged(&sqs[0]["Resource"]).unwrap();
        assert_eq!(
            (tag.as_str(), resource.as_str().unwrap()),
            ("!GetAtt", format!("{queue}.Arn").as_str())
        );
        let actions: BTreeSet<String> = statements
            .iter()
            .flat_map(|s| match &s["Action"] {
                Value::Sequence(actions) => actions
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                action => vec![action.as_str().unwrap().to_string()],
            })
            .collect();
        let least: BTreeSet<String> =
            ["dynamodb:PutItem", "dynamodb:UpdateItem", "sqs:SendMessage"]
                .iter()
                .map(|a| a.to_string())
                .collect();
        assert_eq!(
            actions, least,
            "{}: only the calls the pipeline makes",
            vendor.function
        );
    }
}

#[tokio::test]
async fn the_table_the_tests_create_is_the_table_the_template_declares() {
    let template = template();
    let declared = &template["Resources"]["EventsTable"]["Properties"];
    let sdk = webhook_tests::moto::moto().sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let name = webhook_tests::moto::create_events_table(&client).await;
    let table = client
        .describe_table()
        .table_name(&name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();

    let declared_attributes: BTreeSet<(String, String)> = pairs(
        &declared["AttributeDefinitions"],
        "AttributeName",
        "AttributeType",
    )
    .into_iter()
    .collect();
    let created_attributes: BTreeSet<(String, String)> = table
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_string(),
                a.attribute_type().as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(created_attributes, declared_attributes);
    assert_eq!(
        sdk_keys(table.key_schema()),
        pairs(&declared["KeySchema"], "AttributeName", "KeyType")
    );

    let declared_indexes: BTreeMap<String, (Vec<(String, String)>, String)> = declared
        ["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|index| {
            let keys = pairs(&index["KeySchema"], "AttributeName", "KeyType");
            let projection = index["Projection"]["ProjectionType"]
                .as_str()
                .unwrap()
                .to_string();
            (
                index["IndexName"].as_str().unwrap().to_string(),
                (keys, projection),
            )
        })
        .collect();
    let created_indexes: BTreeMap<String, (Vec<(String, String)>, String)> = table
        .global_secondary_indexes()
        .iter()
        .map(|index| {
            let projection = index
                .projection()
                .and_then(|p| p.projection_type())
                .map(|p| p.as_str().to_string());
            let name = index.index_name().unwrap_or_default().to_string();
            (
                name,
                (sdk_keys(index.key_schema()), projection.unwrap_or_default()),
            )
        })
        .collect();
    assert_eq!(created_indexes, declared_indexes);
    assert_eq!(
        declared["TimeToLiveSpecification"]["AttributeName"],
        webhook_core::claims::ATTR_EXPIRES_AT
    );
    assert_eq!(declared["BillingMode"], "PAY_PER_REQUEST");
}

/// `(item[first], item[second])` of each item of a template list.
fn pairs(list: &Value, first: &str, second: &str) -> Vec<(String, String)> {
    list.as_sequence()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item[first].as_str().unwrap().to_string(),
                item[second].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A key schema as DynamoDB describes it, as (attribute, key type) pairs.
fn sdk_keys(keys: &[aws_sdk_dynamodb::types::KeySchemaElement]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| {
            (
                k.attribute_name().to_string(),
                k.key_type().as_str().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_unfinished_claims_alarm_watches_the_metric_the_republisher_emits() {
    use webhook_core::republish::{METRIC_DIMENSION, UNFINISHED_METRIC};
    let template = template();
    let alarm = &template["Resources"]["UnpublishedClaimsAlarm"]["Properties"];
    assert_eq!(alarm["Namespace"], webhook_core::metrics::NAMESPACE);
    assert_eq!(alarm["MetricName"], UNFINISHED_METRIC);
    assert_eq!(alarm["Dimensions"][0]["Name"], METRIC_DIMENSION.0);
    assert_eq!(alarm["Dimensions"][0]["Value"], METRIC_DIMENSION.1);
}

#[test]
fn every_alarm_on_our_namespace_watches_a_metric_the_code_emits() {
    use webhook_core::http::delivery_metrics;
    use webhook_core::metrics::NAMESPACE;
    use webhook_core::pipeline::PipelineError;
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    let error = Err(PipelineError::Stale { days: 1 });
    for line in delivery_metrics("wayke", &error, Default::default(), 1.0, 0) {
        let line: serde_json::Value = serde_json::from_str(&line).unwrap();
        for metric in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
        {
            emitted.insert(metric["Name"].as_str().unwrap().to_string());
        }
    }
    emitted.insert(webhook_core::republish::UNFINISHED_METRIC.to_string());

    let template = template();
    let mut watched = Vec::new();
    for resource in template["Resources"].as_mapping().unwrap().values() {
        if resource["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let properties = &resource["Properties"];
        if properties["Namespace"] == NAMESPACE {
            watched.push(properties["MetricName"].as_str().unwrap().to_string());
        }
        for query in properties["Metrics"].as_sequence().into_iter().flatten() {
            let metric = &query["MetricStat"]["Metric"];
            if metric["Namespace"] == NAMESPACE {
                watched.push(metric["MetricName"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(watched.len() >= 3, "{watched:?}");
    for name in watched {
        assert!(
            emitted.contains(&name),
            "an alarm watches {name}, which nothing emits"
        );
    }
}

#[test]
fn the_lambda_timeout_outlasts_every_delivery_deadline_and_a_lease_outlasts_the_timeout() {
    use webhook_core::claims::LEASE;
    use webhook_core::config::{DEFAULT_DELIVERY_DEADLINE_MS, DELIVERY_DEADLINE_MS_RANGE};
    let template = template();
    let timeout_ms = template["Globals"]["Function"]["Timeout"].as_u64().unwrap() * 1000;
    let parameter = &template["Parameters"]["DeliveryDeadlineMs"];
    let range = parameter["MinValue"].as_u64().unwrap()..=parameter["MaxValue"].as_u64().unwrap();
    assert_eq!(
        range, DELIVERY_DEADLINE_MS_RANGE,
        "the template allows what the code does"
    );
    assert_eq!(
        parameter["Default"].as_u64(),
        Some(DEFAULT_DELIVERY_DEADLINE_MS)
    );
    assert!(
        *range.end() < timeout_ms,
        "the longest deadline ({} ms) must end before the Lambda timeout ({timeout_ms} ms)",
        range.end()
    );
    assert!(
        i128::from(timeout_ms) < LEASE.whole_milliseconds(),
        "a live delivery must never outlast its lease"
    );
}

#[test]
fn the_republisher_routes_each_vendor_as_its_function_does() {
    let template = template();
    let functions = functions(&template);
    let republisher = &functions["RepublisherFunction"]["Properties"]["Environment"]["Variables"];
    for vendor in VENDORS {
        let fanout =
            &functions[vendor.function]["Properties"]["Environment"]["Variables"]["FANOUT"];
        let variable = fanout_variable(vendor.name);
        assert_eq!(&republisher[variable.as_str()], fanout, "{variable}");
    }
}
