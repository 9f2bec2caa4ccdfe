//! The sample events in `events/`: API Gateway HTTP API (payload 2.0) events that
//! `sam local invoke -e` and the replay tests take, generated from the plain bodies in
//! `events/payloads/<vendor>/<event-type>.json` (a JSON body) or `<event-type>.form` (a form
//! body, as Revo Xef sends for some accounts) and the development secrets below, together with
//! `events/env.json`, the `--env-vars` file of `sam local invoke`.
//!
//! `make events` writes them; a test fails when a committed file differs from what this makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use webhook_core::vendors::cyclesoftware::{DELIVERY_HEADER, EVENT_HEADER};
use webhook_core::vendors::wayke;
use webhook_core::vendors::{Authentication, Registered, REGISTRY};
use webhook_core::verify::{credential_header, Scheme, Secret};

/// One vendor's samples: what the vendor registry and the template say of it.
#[derive(Debug, Clone)]
pub struct SampleVendor {
    /// The vendor's name: binary, path and `events/` folder.
    pub name: &'static str,
    /// The SAM logical id of its function (the one whose binary is `name`), the key of its
    /// entry in `events/env.json`.
    pub function: String,
    /// The development secret its sample events are authenticated with: `dev-<name>-secret`.
    pub secret: String,
    /// The route key of its function's API event, e.g. `POST /wayke/{event}`.
    route_key: String,
    registered: Registered,
}

/// The vendors of the registry, in its order (the README's), each with its function in the
/// template.
pub fn vendors() -> Vec<SampleVendor> {
    vendors_in(&template())
}

/// [`vendors`], with their functions in `template`.
fn vendors_in(template: &serde_yaml_ng::Value) -> Vec<SampleVendor> {
    REGISTRY
        .iter()
        .map(|registered| SampleVendor::of(template, *registered))
        .collect()
}

/// The sample vendor named `name`.
pub fn vendor(name: &str) -> SampleVendor {
    vendors()
        .into_iter()
        .find(|vendor| vendor.name == name)
        .unwrap_or_else(|| panic!("no sample vendor {name}"))
}

impl SampleVendor {
    fn of(template: &serde_yaml_ng::Value, registered: Registered) -> Self {
        let name = registered.name;
        let resources = template["Resources"].as_mapping().expect("resources");
        let (function, resource) = resources
            .iter()
            .find(|(_, resource)| resource["Metadata"]["BuildProperties"]["Binary"] == name)
            .unwrap_or_else(|| panic!("template.yaml has no function whose binary is {name}"));
        let route = &resource["Properties"]["Events"]["Webhook"]["Properties"];
        let part = |key: &str| {
            route[key]
                .as_str()
                .unwrap_or_else(|| panic!("the {name} function's Webhook event has no {key}"))
        };
        SampleVendor {
            name,
            function: function.as_str().expect("a logical id").to_string(),
            secret: format!("dev-{name}-secret"),
            route_key: format!("{} {}", part("Method"), part("Path")),
            registered,
        }
    }

    /// The same vendor, its events authenticated with `secret` (a forged one, say) instead.
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_string();
        self
    }

    /// Its scheme when `AUTH_SCHEME` is unset.
    pub fn scheme(&self) -> Scheme {
        match (self.registered.authentication)() {
            Authentication::Fixed(scheme) | Authentication::Configurable { default: scheme } => {
                scheme
            }
        }
    }

    /// Whether the operator chooses the scheme with `AUTH_SCHEME`.
    pub fn configurable(&self) -> bool {
        matches!(
            (self.registered.authentication)(),
            Authentication::Configurable { .. }
        )
    }

    /// Whether the event type is the last path segment (`/wayke/new-order`).
    pub fn routed(&self) -> bool {
        self.route_key.ends_with("/{event}")
    }

    /// The request path of `event_type`: the URL of the webhook the vendor sends it on.
    pub fn path(&self, event_type: &str) -> String {
        if !self.routed() {
            return format!("/{}", self.name);
        }
        // Wayke sends a buy lead on its "New Lead" webhook, with the valuation leads.
        let segment = if self.name == "wayke" && event_type == wayke::BUY_LEAD {
            wayke::VALUATION_LEAD
        } else {
            event_type
        };
        format!("/{}/{segment}", self.name)
    }

    /// The API Gateway route key: what the template declares for this vendor.
    pub fn route_key(&self) -> &str {
        &self.route_key
    }

    /// The headers the vendor sends with `body`, authenticated with the development secret.
    pub fn headers(&self, event_type: &str, body: &str) -> BTreeMap<String, String> {
        let secret = Secret::new(self.secret.as_bytes()).expect("non-empty secret");
        let (name, value) = credential_header(&self.scheme(), &secret, body.as_bytes());
        let mut headers = BTreeMap::from([
            (
                "content-type".to_string(),
                (self.registered.content_type)().to_string(),
            ),
            (name.as_str().to_string(), value),
        ]);
        if self.name == "cyclesoftware" {
            let id = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v["id"].as_str().map(String::from))
                .unwrap_or_default();
            headers.insert(DELIVERY_HEADER.to_string(), id);
            headers.insert(EVENT_HEADER.to_string(), event_type.to_string());
        }
        headers
    }

    /// The API Gateway HTTP API event of `event_type` with `body` (sent as text, exactly).
    pub fn event(&self, event_type: &str, body: &str) -> Value {
        let path = self.path(event_type);
        let segment = path.rsplit('/').next().unwrap_or_default().to_string();
        let mut event = json!({
            "version": "2.0",
            "routeKey": self.route_key(),
            "rawPath": path,
            "rawQueryString": "",
            "headers": self.headers(event_type, body),
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "local.execute-api.eu-west-1.amazonaws.com",
                "domainPrefix": "local",
                "http": {
                    "method": "POST",
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.10",
                    "userAgent": format!("{}-webhooks", self.name)
                },
                "requestId": format!("sample-{}-{event_type}", self.name),
                "routeKey": self.route_key(),
                "stage": "$default",
                "time": "23/Nov/2026:12:00:00 +0000",
                "timeEpoch": 1_795_435_200_000i64
            },
            "body": body,
            "isBase64Encoded": false
        });
        if self.routed() {
            event["pathParameters"] = json!({ "event": segment });
        }
        event
    }
}

/// Where the functions reach moto under `sam local` (`events/env.json`): moto's container, by
/// its name on the network `make sam-backend` makes. A function container's 127.0.0.1 is its own
/// (scripts/containers.py has the whole set-up).
pub const SAM_LOCAL_AWS_ENDPOINT: &str = "http://moto:5000";
/// Where the functions reach moto under `make dev` (`cargo lambda watch`, whose environment is
/// the metadata in Cargo.toml): moto on this machine.
pub const DEV_AWS_ENDPOINT: &str = "http://127.0.0.1:5000";
/// The account id moto gives queue URLs.
pub const LOCAL_ACCOUNT: &str = "123456789012";

/// The URL of the queue the template declares as `logical_id` in the moto at `endpoint` (the
/// local stacks name resources by their logical ids).
pub fn local_queue_url(endpoint: &str, logical_id: &str) -> String {
    format!("{endpoint}/{LOCAL_ACCOUNT}/{logical_id}")
}

/// The template.
pub fn template() -> serde_yaml_ng::Value {
    let path = events_dir()
        .parent()
        .expect("workspace root")
        .join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).expect("template.yaml is YAML")
}

/// The variables of the template's function `function` for a local stack whose moto is at
/// `endpoint`: what `sam local invoke --env-vars` and `cargo lambda watch` set. Template values
/// are resolved against the local stack (resources by logical id, parameters by their defaults);
/// a variable the template declares as `AWS::NoValue` (absent when deployed) is set only if the
/// local stack has a value for it; and a function that reads its secrets from Secrets Manager
/// gets its development secret in `WEBHOOK_SECRETS` instead (with `WEBHOOK_SECRETS_ARN` empty,
/// which counts as unset).
pub fn local_environment(
    template: &serde_yaml_ng::Value,
    function: &str,
    endpoint: &str,
) -> BTreeMap<String, String> {
    use serde_yaml_ng::Value as Yaml;
    use webhook_core::config::{WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN};
    let resolve = |value: &Yaml| -> String {
        match value {
            Yaml::Tagged(tagged) if tagged.tag == "!Ref" => {
                let name = tagged.value.as_str().expect("!Ref names a string");
                let parameter = &template["Parameters"][name]["Default"];
                match parameter {
                    Yaml::Null => name.to_string(), // a resource: named by its logical id
                    Yaml::Number(n) => n.to_string(),
                    other => other.as_str().expect("a string default").to_string(),
                }
            }
            Yaml::Tagged(tagged) if tagged.tag == "!Sub" => {
                let text = tagged.value.as_str().expect("!Sub of a string");
                let mut out = String::new();
                let mut rest = text;
                while let Some(start) = rest.find("${") {
                    out.push_str(&rest[..start]);
                    let end = rest[start..].find('}').expect("closed ${") + start;
                    out.push_str(&local_queue_url(endpoint, &rest[start + 2..end]));
                    rest = &rest[end + 1..];
                }
                out.push_str(rest);
                out
            }
            other => other
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| format!("{other:?}")),
        }
    };
    let mut environment = BTreeMap::new();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    let own = &template["Resources"][function]["Properties"]["Environment"]["Variables"];
    for variables in [globals, own] {
        if let Some(variables) = variables.as_mapping() {
            for (name, value) in variables {
                if is_no_value(value) {
                    continue;
                }
                environment.insert(
                    name.as_str().expect("variable name").to_string(),
                    resolve(value),
                );
            }
        }
    }
    if environment.contains_key(WEBHOOK_SECRETS_ARN) {
        let vendor = vendors_in(template)
            .into_iter()
            .find(|vendor| vendor.function == function)
            .unwrap_or_else(|| panic!("{function} reads a secret but is no sample vendor"));
        environment.insert(WEBHOOK_SECRETS_ARN.to_string(), String::new());
        environment.insert(WEBHOOK_SECRETS.to_string(), vendor.secret);
    }
    environment.insert("AWS_ENDPOINT_URL".to_string(), endpoint.to_string());
    // The sample events are recordings with fixed timestamps; CycleSoftware's are signed, so
    // they would be refused as replays once older than the window. Locally the window is ten
    // years, which keeps the samples usable; deployments keep the template's default.
    environment.insert(
        "DEDUPE_TTL_DAYS".to_string(),
        LOCAL_DEDUPE_TTL_DAYS.to_string(),
    );
    environment
}

/// The line before, and the line after, the per-function sections of `cargo lambda watch`'s
/// environment in Cargo.toml, which [`cargo_lambda_sections`] makes.
pub const CARGO_LAMBDA_MARKERS: [&str; 2] = [
    "# make events writes what follows, up to the line that says so, from template.yaml.\n",
    "# (the end of what make events writes)\n",
];

/// The per-function sections of `cargo lambda watch`'s environment in Cargo.toml (`make dev`):
/// each function's local environment, as in `events/env.json` but with moto on this machine.
pub fn cargo_lambda_sections() -> String {
    let template = template();
    let sections: Vec<String> = local_functions(&template)
        .iter()
        .map(|function| {
            let binary = template["Resources"][function.as_str()]["Metadata"]["BuildProperties"]
                ["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{function} names no binary"));
            let mut section = format!("[workspace.metadata.lambda.bin.{binary}.env]\n");
            for (name, value) in local_environment(&template, function, DEV_AWS_ENDPOINT) {
                // A JSON string is a TOML basic string, escapes included.
                section.push_str(&format!("{name} = {}\n", Value::String(value)));
            }
            section
        })
        .collect();
    sections.join("\n")
}

/// Whether a template value is `!Ref AWS::NoValue`: the variable is not set when deployed.
pub fn is_no_value(value: &serde_yaml_ng::Value) -> bool {
    matches!(value, serde_yaml_ng::Value::Tagged(tagged)
        if tagged.tag == "!Ref" && tagged.value.as_str() == Some("AWS::NoValue"))
}

/// The dedupe window of the local stack, in days.
pub const LOCAL_DEDUPE_TTL_DAYS: u32 = 3650;

/// The functions of `events/env.json`: every function of `template` (the vendor functions,
/// the republisher and the opt-in example consumer), by logical id.
fn local_functions(template: &serde_yaml_ng::Value) -> Vec<String> {
    let resources = template["Resources"].as_mapping().expect("resources");
    resources
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::Serverless::Function")
        .map(|(id, _)| id.as_str().expect("a logical id").to_string())
        .collect()
}

/// The workspace's `events/` folder.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .join("events")
}

/// The extensions of sample bodies: JSON, and forms (`application/x-www-form-urlencoded`).
pub const BODY_EXTENSIONS: [&str; 2] = ["json", "form"];

/// The plain payloads of `vendor`: event type and body, sorted by event type.
pub fn payloads(vendor: &SampleVendor) -> Vec<(String, String)> {
    let dir = events_dir().join("payloads").join(vendor.name);
    let mut payloads: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| BODY_EXTENSIONS.iter().any(|known| ext == *known))
        })
        .map(|path| {
            let event_type = path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let body = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (event_type, body)
        })
        .collect();
    payloads.sort();
    payloads
}

/// The plain body of `vendor`'s sample of `event_type`.
pub fn payload(vendor: &str, event_type: &str) -> String {
    payloads(&self::vendor(vendor))
        .into_iter()
        .find(|(name, _)| name == event_type)
        .unwrap_or_else(|| panic!("no {vendor} sample {event_type}"))
        .1
}

/// Every file the generator makes, by path relative to `events/`, with its content.
pub fn generate() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let template = template();
    let mut env = serde_json::Map::new();
    for function in local_functions(&template) {
        env.insert(
            function.clone(),
            json!(local_environment(
                &template,
                &function,
                SAM_LOCAL_AWS_ENDPOINT
            )),
        );
    }
    for vendor in vendors_in(&template) {
        for (event_type, body) in payloads(&vendor) {
            let event = vendor.event(&event_type, &body);
            let text = serde_json::to_string_pretty(&event).expect("serializable") + "\n";
            files.insert(
                PathBuf::from(vendor.name).join(format!("{event_type}.json")),
                text,
            );
        }
    }
    let env = serde_json::to_string_pretty(&Value::Object(env)).expect("serializable") + "\n";
    files.insert(PathBuf::from("env.json"), env);
    let sweep = serde_json::to_string_pretty(&scheduled_event()).expect("serializable") + "\n";
    files.insert(PathBuf::from(REPUBLISHER_SWEEP), sweep);
    files
}

/// The republisher's sample event, relative to `events/`: what its schedule sends.
pub const REPUBLISHER_SWEEP: &str = "republisher/sweep.json";

/// A scheduled event, as EventBridge delivers it to the republisher: no `replay`, so a sweep.
pub fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": "2026-11-23T12:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {}
    })
}

/// The sample event files on disk for `vendor`, sorted (none when its folder is missing).
pub fn event_files(vendor: &SampleVendor) -> Vec<PathBuf> {
    let dir = events_dir().join(vendor.name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}
