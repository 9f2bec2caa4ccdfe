//! Deliveries as vendors send them: CycleSoftware bodies signed with a development secret, as
//! `lambda_http` requests, and the configuration of a pipeline that accepts them.

use std::collections::HashMap;

use lambda_http::http::Request as HttpRequest;
use lambda_http::{Body, Request};
use webhook_core::config::{self, Config};
use webhook_core::vendors::cyclesoftware::{CycleSoftware, SIGNATURE_HEADER};
use webhook_core::verify::{sign, Secret};

/// The development secret deliveries are signed with.
pub const DEV_SECRET: &str = "dev-cyclesoftware-secret";

/// The instant every test clock starts at: 2026-11-23T12:00:00Z.
pub const TEST_NOW: time::OffsetDateTime = time::macros::datetime!(2026-11-23 12:00:00 UTC);

/// A CycleSoftware body with the given envelope id and event name, sent one minute before
/// [`TEST_NOW`] (`event_timestamp` 2026-11-23T11:59:00.309Z).
pub fn cyclesoftware_body(id: &str, event_name: &str) -> String {
    format!(
        r#"{{"id":"{id}","account_id":1,"event_name":"{event_name}","event_timestamp":1795435140.309,"payload":{{"sales_order_id":1442,"status_id":2}}}}"#
    )
}

/// `body` as CycleSoftware posts it, signed with `secret`.
pub fn signed_with(secret: &str, body: &str) -> Request {
    let secret = Secret::new(secret.as_bytes()).expect("non-empty secret");
    HttpRequest::builder()
        .method("POST")
        .uri("https://example.execute-api.eu-west-1.amazonaws.com/cyclesoftware")
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(&secret, body.as_bytes()))
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

/// `body` signed with the development secret.
pub fn signed(body: &str) -> Request {
    signed_with(DEV_SECRET, body)
}

/// `body` with no signature header.
pub fn unsigned(body: &str) -> Request {
    HttpRequest::builder()
        .method("POST")
        .uri("/cyclesoftware")
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

/// The CycleSoftware configuration for `table` and the `FANOUT` rules given.
pub fn cyclesoftware_config(table: &str, fanout: &str) -> Config {
    let variables = HashMap::from([
        (config::EVENTS_TABLE, table.to_string()),
        (config::FANOUT, fanout.to_string()),
        (config::WEBHOOK_SECRETS, DEV_SECRET.to_string()),
    ]);
    Config::from_lookup(&CycleSoftware, |name| variables.get(name).cloned())
        .expect("valid test configuration")
}

/// An API Gateway HTTP API (payload format 2.0) event for `POST <path>` with `body`, base64
/// encoded as API Gateway sends bodies it does not know to be text.
pub fn http_api_event(path: &str, headers: &[(&str, String)], body: &str) -> serde_json::Value {
    use base64::Engine;
    let headers: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone().into()))
        .collect();
    serde_json::json!({
        "version": "2.0",
        "routeKey": format!("POST {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "requestId": "req-1", "routeKey": format!("POST {path}"),
            "stage": "$default", "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1_795_435_200_000i64,
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.1", "userAgent": "webhook-sender"}
        },
        "body": base64::engine::general_purpose::STANDARD.encode(body.as_bytes()),
        "isBase64Encoded": true
    })
}

/// A Revo Xef delivery of `body` as API Gateway hands it to the function, signed with `secret`.
pub fn revo_xef_event(secret: &str, body: &str) -> serde_json::Value {
    let secret = Secret::new(secret.as_bytes()).expect("non-empty secret");
    http_api_event(
        "/revo-xef",
        &[
            ("content-type", "application/json".to_string()),
            (
                webhook_core::vendors::revo_xef::SIGNATURE_HEADER,
                sign(&secret, body.as_bytes()),
            ),
        ],
        body,
    )
}

/// The headers CycleSoftware sends with `body`, signed with `secret`.
pub fn cyclesoftware_headers(secret: &str, body: &str) -> Vec<(&'static str, String)> {
    let secret = Secret::new(secret.as_bytes()).expect("non-empty secret");
    vec![
        ("content-type", "application/json".to_string()),
        (SIGNATURE_HEADER, sign(&secret, body.as_bytes())),
    ]
}

/// The status code and JSON body of a response.
pub fn status_and_json(response: &lambda_http::Response<Body>) -> (u16, serde_json::Value) {
    let body: &[u8] = response.body().as_ref();
    (
        response.status().as_u16(),
        serde_json::from_slice(body).expect("responses are JSON"),
    )
}

/// The configuration of `vendor` from `variables` (name, value).
pub fn vendor_config(
    vendor: &impl webhook_core::vendors::Vendor,
    variables: &[(&str, &str)],
) -> Config {
    let variables: HashMap<String, String> = variables
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(vendor, |name| variables.get(name).cloned())
        .expect("valid test configuration")
}

/// A request with any method, path, headers and body.
pub fn request(method: &str, path: &str, headers: &[(String, String)], body: &str) -> Request {
    let mut builder = HttpRequest::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Body::from(body.to_string()))
        .expect("valid request")
}
