//! template.yaml and the code agree: every function crate has a template function building its
//! binary, every vendor's route is the one its sample events use, every variable a function
//! reads is set (and nothing else), each function may send only to the queue its FANOUT names
//! and read only its own secret, the table the tests create is the table the template declares,
//! and every metric and dimension the dashboard and alarms name is one the code emits; logs,
//! the API's access logs and throttling are wired as the README says.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml_ng::Value;
use webhook_core::config::{
    fanout_variable, AUTH_SCHEME, REPUBLISHER_VARIABLES, VENDOR_VARIABLES, WEBHOOK_SECRETS,
    WEBHOOK_SECRETS_ARN,
};
use webhook_tests::samples::{self, vendors};

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
    let crates: BTreeSet<String> = ["functions", "examples"]
        .iter()
        .flat_map(|folder| std::fs::read_dir(root().join(folder)).unwrap())
        .map(|entry| entry.unwrap().path())
        // Crates are folders; `functions/position_dependent.rs` is their build script.
        .filter(|path| path.is_dir())
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

/// The sample events take each vendor's route from its function's `Webhook` event: it must be
/// the function's only API route, under the vendor's name (the path segment the functions skip
/// to find the event type).
#[test]
fn every_vendor_function_has_one_route_under_its_name() {
    let template = template();
    let functions = functions(&template);
    for vendor in vendors() {
        let function = &functions[vendor.function.as_str()];
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
        let (_, path) = vendor.route_key().split_once(' ').unwrap();
        let own = format!("/{}", vendor.name);
        assert!(
            path == own || path == format!("{own}/{{event}}"),
            "{}: {path}",
            vendor.name
        );
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
    for vendor in vendors() {
        let function = &functions[vendor.function.as_str()];
        let mut set = variables(&template, function);
        let mut expected: BTreeSet<String> =
            VENDOR_VARIABLES.iter().map(|v| v.to_string()).collect();
        if !vendor.configurable() {
            expected.remove(AUTH_SCHEME);
        }
        // Deployed, the secrets come from Secrets Manager: `WEBHOOK_SECRETS` is for local runs,
        // declared (if at all) empty so that `sam local --env-vars` can set it.
        expected.remove(WEBHOOK_SECRETS);
        if set.remove(WEBHOOK_SECRETS) {
            assert_eq!(
                function["Properties"]["Environment"]["Variables"][WEBHOOK_SECRETS], "",
                "{}: a deployed function must not carry its secrets in its environment",
                vendor.function
            );
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
    for vendor in vendors() {
        let function = &functions[vendor.function.as_str()];
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
        let least: BTreeSet<String> = [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "sqs:SendMessage",
            "secretsmanager:GetSecretValue",
        ]
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
    use webhook_core::http::{delivery_metrics, Answer, Delivered};
    use webhook_core::metrics::NAMESPACE;
    use webhook_core::pipeline::PipelineError;
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    let error = Err(PipelineError::Stale { days: 1 });
    let answer = Answer::of(&error);
    let delivered = Delivered {
        vendor: "wayke",
        result: &error,
        refusal: answer.refusal.as_ref(),
        undocumented_event_type: false,
    };
    for line in delivery_metrics(&delivered, 1.0, &Default::default(), false, 0) {
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
    for vendor in vendors() {
        let fanout = &functions[vendor.function.as_str()]["Properties"]["Environment"]["Variables"]
            ["FANOUT"];
        let variable = fanout_variable(vendor.name);
        assert_eq!(&republisher[variable.as_str()], fanout, "{variable}");
    }
}

/// The resources of `kind`, by logical id.
fn resources_of_type(template: &Value, kind: &str) -> BTreeMap<String, Value> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"] == kind)
        .map(|(id, resource)| (id.as_str().unwrap().to_string(), resource.clone()))
        .collect()
}

/// The logical id `value` names with `tag` (`!Ref X` → X, `!GetAtt X.Arn` → X).
fn target(value: &Value, tag: &str) -> String {
    let (found, name) = tagged(value).unwrap_or_else(|| panic!("{value:?} is no {tag}"));
    assert_eq!(found, tag, "{value:?}");
    let name = name.as_str().unwrap();
    name.split('.').next().unwrap().to_string()
}

/// Every logical id or parameter `value` refers to, at any depth (`!Ref`, `!GetAtt`, `${…}`).
fn references(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match value {
        Value::Tagged(tagged) => {
            let text = tagged.value.as_str().unwrap_or_default();
            match tagged.tag.to_string().as_str() {
                "!Ref" | "!GetAtt" => found.push(text.split('.').next().unwrap().to_string()),
                "!Sub" => {
                    for part in text.split("${").skip(1) {
                        let name = part.split('}').next().unwrap();
                        found.push(name.split('.').next().unwrap().to_string());
                    }
                }
                _ => found.extend(references(&tagged.value)),
            }
        }
        Value::Mapping(mapping) => mapping.values().for_each(|v| found.extend(references(v))),
        Value::Sequence(items) => items.iter().for_each(|v| found.extend(references(v))),
        _ => {}
    }
    found
}

fn statements(function: &Value) -> Vec<Value> {
    function["Properties"]["Policies"][0]["Statement"]
        .as_sequence()
        .unwrap()
        .clone()
}

#[test]
fn each_vendor_function_reads_only_its_own_secret_and_no_environment_holds_a_secret() {
    let template = template();
    let functions = functions(&template);
    let secrets = resources_of_type(&template, "AWS::SecretsManager::Secret");
    let mut read = BTreeSet::new();
    for vendor in vendors() {
        let function = &functions[vendor.function.as_str()];
        let secret = target(
            &function["Properties"]["Environment"]["Variables"][WEBHOOK_SECRETS_ARN],
            "!Ref",
        );
        assert!(secrets.contains_key(&secret), "{secret} is no secret");
        let grants: Vec<Value> = statements(function)
            .into_iter()
            .filter(|s| s["Action"] == "secretsmanager:GetSecretValue")
            .collect();
        assert_eq!(grants.len(), 1, "{}", vendor.function);
        assert_eq!(target(&grants[0]["Resource"], "!Ref"), secret);
        assert!(read.insert(secret.clone()), "two functions read {secret}");
    }
    assert_eq!(
        read,
        secrets.keys().cloned().collect(),
        "one secret per vendor"
    );
    let republisher = serde_yaml_ng::to_string(&statements(&functions["RepublisherFunction"]));
    assert!(!republisher.unwrap().contains("secretsmanager"));

    let no_echo: BTreeSet<String> = template["Parameters"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, parameter)| parameter["NoEcho"] == true)
        .map(|(name, _)| name.as_str().unwrap().to_string())
        .collect();
    assert_eq!(no_echo.len(), vendors().len(), "{no_echo:?}");
    let environments = functions
        .values()
        .map(|function| &function["Properties"]["Environment"])
        .chain([&template["Globals"]["Function"]["Environment"]]);
    for environment in environments {
        for reference in references(environment) {
            assert!(
                !no_echo.contains(&reference),
                "{reference} ends up in a function's environment"
            );
        }
    }
    for (id, secret) in &secrets {
        let given = references(&secret["Properties"]["SecretString"]);
        assert!(
            given.iter().any(|name| no_echo.contains(name)),
            "{id}: the given value comes from a NoEcho parameter"
        );
    }
}

#[test]
fn a_generated_secret_is_in_the_form_its_function_reads() {
    use webhook_core::secrets::{parse_secret_text, SecretText, PASSWORD_KEY, SECRET_KEY};
    use webhook_core::verify::{Scheme, Verifier};
    let template = template();
    let functions = functions(&template);
    for vendor in vendors() {
        let secret_id = target(
            &functions[vendor.function.as_str()]["Properties"]["Environment"]["Variables"]
                [WEBHOOK_SECRETS_ARN],
            "!Ref",
        );
        let generation =
            &template["Resources"][secret_id.as_str()]["Properties"]["GenerateSecretString"];
        // The forms inside `!If`s: mappings with a GenerateStringKey.
        let mut forms = Vec::new();
        let mut stack = vec![generation];
        while let Some(value) = stack.pop() {
            match value {
                Value::Tagged(tagged) => stack.push(&tagged.value),
                Value::Sequence(items) => stack.extend(items),
                Value::Mapping(_) if value.get("GenerateStringKey").is_some() => forms.push(value),
                _ => {}
            }
        }
        let mut schemes = Vec::new();
        for form in forms {
            let key = form["GenerateStringKey"].as_str().unwrap();
            let mut object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(form["SecretStringTemplate"].as_str().unwrap()).unwrap();
            object.insert(key.to_string(), "G3neratedWithoutPunctuation".into());
            assert_eq!(form["ExcludePunctuation"], true, "{secret_id}");
            let scheme = match key {
                PASSWORD_KEY => Scheme::Basic,
                SECRET_KEY => vendor.scheme(),
                other => panic!("{secret_id}: generates {other}, which no scheme reads"),
            };
            let text = SecretText::new(serde_json::Value::Object(object).to_string());
            let secrets = parse_secret_text(&scheme, &text)
                .unwrap_or_else(|e| panic!("{secret_id}: the generated value {e}"));
            Verifier::new(scheme.clone(), secrets).unwrap();
            schemes.push(scheme);
        }
        assert!(schemes.contains(&vendor.scheme()), "{secret_id}");
        assert_eq!(
            schemes.contains(&Scheme::Basic),
            vendor.configurable(),
            "{secret_id}: a basic form exactly where the scheme can be basic"
        );
    }
}

#[test]
fn every_function_logs_json_to_its_own_group_kept_for_the_retention_parameter() {
    let template = template();
    assert_eq!(
        template["Globals"]["Function"]["LoggingConfig"]["LogFormat"],
        "JSON"
    );
    let groups = resources_of_type(&template, "AWS::Logs::LogGroup");
    let mut used = BTreeSet::new();
    for (id, function) in functions(&template) {
        let group = target(&function["Properties"]["LoggingConfig"]["LogGroup"], "!Ref");
        assert!(groups.contains_key(&group), "{id}: {group} is no log group");
        assert!(used.insert(group), "{id} shares its log group");
    }
    for (id, group) in &groups {
        assert_eq!(
            target(&group["Properties"]["RetentionInDays"], "!Ref"),
            "LogRetentionDays",
            "{id}"
        );
    }
    assert_eq!(template["Parameters"]["LogRetentionDays"]["Default"], 30);
}

#[test]
fn the_api_logs_each_request_as_json_to_its_own_group_and_throttles_its_default_route() {
    let template = template();
    let api = &template["Resources"]["HttpApi"]["Properties"];
    let group = target(&api["AccessLogSettings"]["DestinationArn"], "!GetAtt");
    assert_eq!(
        template["Resources"][group.as_str()]["Type"],
        "AWS::Logs::LogGroup"
    );
    let functions = functions(&template);
    assert!(functions
        .values()
        .all(|f| target(&f["Properties"]["LoggingConfig"]["LogGroup"], "!Ref") != group));
    let format: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(api["AccessLogSettings"]["Format"].as_str().unwrap())
            .expect("the access log format is one JSON object");
    for (field, value) in &format {
        let value = value.as_str().unwrap_or_default();
        assert!(value.starts_with("$context."), "{field}: {value}");
    }
    for (field, variable) in [
        ("requestId", "$context.requestId"),
        ("integrationRequestId", "$context.integration.requestId"),
        ("status", "$context.status"),
        ("routeKey", "$context.routeKey"),
        ("sourceIp", "$context.identity.sourceIp"),
    ] {
        assert_eq!(format[field], variable, "{field}");
    }
    for (setting, parameter) in [
        ("ThrottlingRateLimit", "ApiThrottlingRateLimit"),
        ("ThrottlingBurstLimit", "ApiThrottlingBurstLimit"),
    ] {
        assert_eq!(
            target(&api["DefaultRouteSettings"][setting], "!Ref"),
            parameter
        );
        assert_eq!(template["Parameters"][parameter]["Type"], "Number");
    }
}

/// What the code emits in our namespace: each metric with the dimension sets it is recorded
/// under, and the values each dimension takes.
struct Emitted {
    metrics: BTreeSet<(String, BTreeSet<String>)>,
    values: BTreeMap<String, BTreeSet<String>>,
}

fn emitted() -> Emitted {
    use webhook_core::claims::{ClaimError, StoreError};
    use webhook_core::fanout::PublishError;
    use webhook_core::http::{delivery_metrics, Answer, Delivered};
    use webhook_core::pipeline::{Outcome, PipelineError, Receipt};
    use webhook_core::republish::{
        COMPLETED_METRIC, METRIC_DIMENSION, PENDING_METRIC, UNFINISHED_METRIC,
    };
    use webhook_core::secrets::SecretsUnavailable;
    use webhook_core::vendors::ClassifyError;
    use webhook_core::verify::VerifyError;
    let receipt = |outcome| Receipt {
        outcome,
        id: "id".into(),
        event_type: "t".into(),
        dedupe_key: "k".into(),
        secret_index: 0,
        published: 1,
    };
    let results: Vec<Result<Receipt, PipelineError>> = vec![
        Ok(receipt(Outcome::Accepted)),
        Ok(receipt(Outcome::Duplicate)),
        Err(PipelineError::TooLarge { size: 2, limit: 1 }),
        Err(VerifyError::NoMatch.into()),
        Err(ClassifyError::NotJson.into()),
        Err(ClassifyError::UnknownEventType.into()),
        Err(PipelineError::Stale { days: 7 }),
        Err(ClaimError::from(StoreError::Unavailable("x".into())).into()),
        Err(ClaimError::from(PublishError {
            queue: "q".into(),
            reason: "r".into(),
        })
        .into()),
        Err(ClaimError::MessageTooLarge { size: 2_000_000 }.into()),
        Err(ClaimError::OutOfTime { step: "publish" }.into()),
        Err(SecretsUnavailable::Read {
            secret: "s".into(),
            reason: "r".into(),
        }
        .into()),
    ];
    let mut emitted = Emitted {
        metrics: BTreeSet::new(),
        values: BTreeMap::new(),
    };
    for vendor in webhook_core::vendors::ALL {
        for result in &results {
            let answer = Answer::of(result);
            let delivered = Delivered {
                vendor,
                result,
                refusal: answer.refusal.as_ref(),
                undocumented_event_type: false,
            };
            let lines = delivery_metrics(&delivered, 1.0, &Default::default(), true, 0);
            for line in lines {
                let line: serde_json::Value = serde_json::from_str(&line).unwrap();
                let directive = &line["_aws"]["CloudWatchMetrics"][0];
                assert_eq!(directive["Namespace"], webhook_core::metrics::NAMESPACE);
                for set in directive["Dimensions"].as_array().unwrap() {
                    let set: BTreeSet<String> = set
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d.as_str().unwrap().to_string())
                        .collect();
                    for dimension in &set {
                        let value = line[dimension.as_str()].as_str().unwrap().to_string();
                        emitted
                            .values
                            .entry(dimension.clone())
                            .or_default()
                            .insert(value);
                    }
                    for metric in directive["Metrics"].as_array().unwrap() {
                        let name = metric["Name"].as_str().unwrap().to_string();
                        emitted.metrics.insert((name, set.clone()));
                    }
                }
            }
        }
    }
    for metric in [PENDING_METRIC, COMPLETED_METRIC, UNFINISHED_METRIC] {
        emitted.metrics.insert((
            metric.to_string(),
            BTreeSet::from([METRIC_DIMENSION.0.to_string()]),
        ));
    }
    emitted
        .values
        .entry(METRIC_DIMENSION.0.to_string())
        .or_default()
        .insert(METRIC_DIMENSION.1.to_string());
    emitted
}

/// A metric in our namespace as the template names it: name, and dimensions with their value
/// (`None` in a SEARCH, which matches every value).
type Named = (String, BTreeMap<String, Option<String>>);

/// The dashboard's body with its `${…}` filled in: parameters by their defaults, `X.QueueName`
/// by `X`, other names as themselves.
fn dashboard(template: &Value) -> serde_json::Value {
    let dashboards = resources_of_type(template, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard per stack");
    let body = dashboards.values().next().unwrap()["Properties"]["DashboardBody"].clone();
    let (tag, text) = tagged(&body).unwrap();
    assert_eq!(tag, "!Sub");
    let text = text.as_str().unwrap();
    let mut filled = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        filled.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        let name = &rest[start + 2..end];
        let default = &template["Parameters"][name]["Default"];
        match default {
            Value::Number(number) => filled.push_str(&number.to_string()),
            Value::String(text) => filled.push_str(text),
            _ => filled.push_str(name.split('.').next().unwrap()),
        }
        rest = &rest[end + 1..];
    }
    filled.push_str(rest);
    serde_json::from_str(&filled).expect("the dashboard body is JSON")
}

/// Every `[namespace, metric, dimension, value, …]` of the dashboard's widgets, and the
/// metrics its SEARCH expressions name.
fn dashboard_metrics(dashboard: &serde_json::Value) -> Vec<(String, Named, serde_json::Value)> {
    let mut found = Vec::new();
    for widget in dashboard["widgets"].as_array().unwrap() {
        for entry in widget["properties"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let items = entry.as_array().unwrap();
            if let Some(expression) = items[0]["expression"].as_str() {
                let inner = expression
                    .strip_prefix("SEARCH('{")
                    .unwrap_or_else(|| panic!("only SEARCH expressions: {expression}"));
                let (schema, rest) = inner.split_once('}').unwrap();
                let mut schema = schema.split(',');
                let namespace = schema.next().unwrap().to_string();
                let dimensions = schema.map(|d| (d.to_string(), None)).collect();
                let name = rest
                    .split("MetricName=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or_else(|| panic!("a SEARCH for one metric name: {expression}"));
                found.push((
                    namespace,
                    (name.to_string(), dimensions),
                    widget["properties"].clone(),
                ));
                continue;
            }
            let strings: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
            let options = items.last().filter(|i| i.is_object()).cloned();
            let dimensions = strings[2..]
                .chunks(2)
                .map(|pair| (pair[0].to_string(), Some(pair[1].to_string())))
                .collect();
            let mut properties = widget["properties"].clone();
            if let Some(serde_json::Value::Object(options)) = options {
                for (key, value) in options {
                    properties[key] = value;
                }
            }
            found.push((
                strings[0].to_string(),
                (strings[1].to_string(), dimensions),
                properties,
            ));
        }
    }
    found
}

/// Every metric the alarms watch: (namespace, metric with dimensions) and the alarm's id.
fn alarm_metrics(template: &Value) -> Vec<(String, Named, String)> {
    let named = |metric: &Value| -> (String, Named) {
        let dimensions = metric["Dimensions"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|d| {
                let value = match &d["Value"] {
                    Value::String(text) => text.clone(),
                    // `!Ref X` or `!GetAtt X.QueueName`: the resource X.
                    other => references(other).remove(0),
                };
                (d["Name"].as_str().unwrap().to_string(), Some(value))
            })
            .collect();
        (
            metric["Namespace"].as_str().unwrap().to_string(),
            (
                metric["MetricName"].as_str().unwrap().to_string(),
                dimensions,
            ),
        )
    };
    let mut found = Vec::new();
    for (id, alarm) in resources_of_type(template, "AWS::CloudWatch::Alarm") {
        let properties = &alarm["Properties"];
        if properties.get("MetricName").is_some() {
            let (namespace, metric) = named(properties);
            found.push((namespace, metric, id.clone()));
        }
        for query in properties["Metrics"].as_sequence().into_iter().flatten() {
            if query.get("MetricStat").is_some() {
                let (namespace, metric) = named(&query["MetricStat"]["Metric"]);
                found.push((namespace, metric, id.clone()));
            }
        }
    }
    found
}

#[test]
fn every_metric_and_dimension_the_dashboard_and_alarms_name_is_one_the_code_emits() {
    use webhook_core::metrics::NAMESPACE;
    let template = template();
    let emitted = emitted();
    let dashboard = dashboard(&template);
    let named: Vec<(String, Named, String)> = dashboard_metrics(&dashboard)
        .into_iter()
        .map(|(namespace, metric, _)| (namespace, metric, "Dashboard".to_string()))
        .chain(alarm_metrics(&template))
        .collect();
    let ours: Vec<&(String, Named, String)> =
        named.iter().filter(|(ns, _, _)| ns == NAMESPACE).collect();
    assert!(ours.len() > 20, "{ours:?}");
    for (_, (metric, dimensions), user) in ours {
        let set: BTreeSet<String> = dimensions.keys().cloned().collect();
        assert!(
            emitted.metrics.contains(&(metric.clone(), set.clone())),
            "{user} names {metric} by {set:?}, which the code does not emit"
        );
        for (dimension, value) in dimensions {
            if let Some(value) = value {
                assert!(
                    emitted.values[dimension].contains(value),
                    "{user} names {dimension}={value}, which the code never writes"
                );
            }
        }
    }
    // Other namespaces: AWS's own metrics of resources this template declares.
    let resources = template["Resources"].as_mapping().unwrap();
    for (namespace, (metric, dimensions), user) in &named {
        if namespace == NAMESPACE {
            continue;
        }
        let (dimension, expected_type, metrics): (&str, &str, &[&str]) = match namespace.as_str() {
            "AWS/SQS" => (
                "QueueName",
                "AWS::SQS::Queue",
                &[
                    "ApproximateNumberOfMessagesVisible",
                    "ApproximateAgeOfOldestMessage",
                ],
            ),
            "AWS/Lambda" => ("FunctionName", "AWS::Serverless::Function", &["Errors"]),
            "AWS/ApiGateway" => (
                "ApiId",
                "AWS::Serverless::HttpApi",
                &["Count", "4xx", "5xx"],
            ),
            other => panic!("{user} names the namespace {other}"),
        };
        assert!(
            metrics.contains(&metric.as_str()),
            "{user}: {namespace} {metric}"
        );
        assert_eq!(dimensions.len(), 1, "{user}: {metric}");
        let resource = dimensions[dimension].as_ref().unwrap();
        let declared = resources
            .get(resource.as_str())
            .unwrap_or_else(|| panic!("{user}: {resource} is not in the template"));
        assert_eq!(declared["Type"], expected_type, "{user}: {resource}");
    }
}

#[test]
fn the_dashboard_shows_each_vendor_its_latency_claims_and_every_queue() {
    let template = template();
    let dashboard = dashboard(&template);
    let metrics = dashboard_metrics(&dashboard);
    let has =
        |namespace: &str, metric: &str, dimension: (&str, Option<&str>), stat: Option<&str>| {
            metrics.iter().any(|(ns, (name, dimensions), properties)| {
                ns == namespace
                    && name == metric
                    && dimensions.get(dimension.0).map(|v| v.as_deref()) == Some(dimension.1)
                    && stat.is_none_or(|stat| properties["stat"] == stat)
            })
        };
    for vendor in webhook_core::vendors::ALL {
        for metric in ["Accepted", "Duplicate", "Rejected", "ColdStart"] {
            assert!(
                has("Webhooks", metric, ("Vendor", Some(vendor)), None),
                "{metric} {vendor}"
            );
        }
        for stat in ["p50", "p99"] {
            assert!(
                has("Webhooks", "Latency", ("Vendor", Some(vendor)), Some(stat)),
                "Latency {stat} {vendor}"
            );
        }
    }
    assert!(
        has("Webhooks", "Rejected", ("Reason", None), None),
        "rejections by reason"
    );
    assert!(has(
        "Webhooks",
        webhook_core::republish::PENDING_METRIC,
        ("Function", Some("republisher")),
        None
    ));
    let queues = resources_of_type(&template, "AWS::SQS::Queue");
    let vendor_queues: Vec<&String> = queues
        .iter()
        .filter(|(_, q)| q["Properties"].get("RedrivePolicy").is_some())
        .map(|(id, _)| id)
        .collect();
    let dead_letter_queues: BTreeSet<String> = queues
        .values()
        .filter_map(|q| q["Properties"].get("RedrivePolicy"))
        .map(|policy| target(&policy["deadLetterTargetArn"], "!GetAtt"))
        .collect();
    assert_eq!(vendor_queues.len(), webhook_core::vendors::ALL.len());
    for queue in vendor_queues {
        for metric in [
            "ApproximateNumberOfMessagesVisible",
            "ApproximateAgeOfOldestMessage",
        ] {
            assert!(
                has("AWS/SQS", metric, ("QueueName", Some(queue)), None),
                "{metric} {queue}"
            );
        }
        let age_alarms: Vec<String> = alarm_metrics(&template)
            .into_iter()
            .filter(|(_, (metric, dimensions), _)| {
                metric == "ApproximateAgeOfOldestMessage"
                    && dimensions["QueueName"].as_deref() == Some(queue.as_str())
            })
            .map(|(_, _, alarm)| alarm)
            .collect();
        assert_eq!(age_alarms.len(), 1, "{queue}: one age alarm");
        let alarm = &template["Resources"][age_alarms[0].as_str()]["Properties"];
        assert_eq!(target(&alarm["Threshold"], "!Ref"), "QueueAgeAlarmSeconds");
    }
    for queue in &dead_letter_queues {
        assert!(has(
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            ("QueueName", Some(queue)),
            None
        ));
    }
}

#[test]
fn a_burst_of_unauthenticated_deliveries_of_any_vendor_raises_an_alarm() {
    use webhook_core::http::refusal;
    use webhook_core::pipeline::PipelineError;
    use webhook_core::verify::VerifyError;
    let template = template();
    let reason = refusal(&PipelineError::Unauthenticated(VerifyError::NoMatch)).reason;
    let watched: Vec<(String, String)> = alarm_metrics(&template)
        .into_iter()
        .filter(|(_, (metric, dimensions), _)| {
            metric == "Rejected" && dimensions.get("Reason") == Some(&Some(reason.to_string()))
        })
        .map(|(_, (_, dimensions), alarm)| (alarm, dimensions["Vendor"].clone().unwrap()))
        .collect();
    let alarms: BTreeSet<&String> = watched.iter().map(|(alarm, _)| alarm).collect();
    assert_eq!(alarms.len(), 1, "{watched:?}");
    let vendors: BTreeSet<&str> = watched.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(vendors, webhook_core::vendors::ALL.into_iter().collect());
    let alarm = &template["Resources"][alarms.into_iter().next().unwrap().as_str()]["Properties"];
    assert_eq!(
        target(&alarm["Threshold"], "!Ref"),
        "UnauthenticatedAlarmThreshold"
    );
    let sum = alarm["Metrics"][0]["Expression"].as_str().unwrap();
    assert!(
        sum.starts_with("SUM(["),
        "missing data of one vendor must not hide the others: {sum}"
    );
}

#[test]
fn the_saved_queries_read_each_vendors_failures_and_follow_one_event_everywhere() {
    let template = template();
    let queries = resources_of_type(&template, "AWS::Logs::QueryDefinition");
    let functions = functions(&template);
    let group_of = |function: &str| {
        target(
            &functions[function]["Properties"]["LoggingConfig"]["LogGroup"],
            "!Ref",
        )
    };
    let groups_of = |query: &Value| -> BTreeSet<String> {
        query["Properties"]["LogGroupNames"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|g| target(g, "!Ref"))
            .collect()
    };
    for vendor in vendors() {
        let failures: Vec<&Value> = queries
            .values()
            .filter(|q| groups_of(q) == BTreeSet::from([group_of(&vendor.function)]))
            .collect();
        assert_eq!(
            failures.len(),
            1,
            "{}: one query of its own log group",
            vendor.name
        );
        let text = failures[0]["Properties"]["QueryString"].as_str().unwrap();
        assert!(text.contains(r#"fields.outcome = "rejected""#), "{text}");
        assert!(text.contains("by fields.status, fields.reason"), "{text}");
    }
    // The receiver's functions: an opt-in one (the example consumer) may not exist, and a query
    // cannot name a log group that does not.
    let every_group: BTreeSet<String> = functions
        .iter()
        .filter(|(_, function)| function["Condition"].is_null())
        .map(|(id, _)| group_of(id))
        .collect();
    let path: Vec<&Value> = queries
        .values()
        .filter(|q| groups_of(q) == every_group)
        .collect();
    assert_eq!(path.len(), 1, "one query over every function's log group");
    let text = path[0]["Properties"]["QueryString"].as_str().unwrap();
    assert!(text.starts_with("filter fields.id = "), "{text}");
    assert!(!webhook_tests::replay::logs_insights_fields(&template).is_empty());
}
