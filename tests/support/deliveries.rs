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
    let headers = [
        ("content-type".into(), "application/json".into()),
        (SIGNATURE_HEADER.into(), sign(&secret, body.as_bytes())),
    ];
    let url = "https://example.execute-api.eu-west-1.amazonaws.com/cyclesoftware";
    request("POST", url, &headers, body)
}

/// `body` signed with the development secret.
pub fn signed(body: &str) -> Request {
    signed_with(DEV_SECRET, body)
}

/// `body` with no signature header.
pub fn unsigned(body: &str) -> Request {
    request("POST", "/cyclesoftware", &[], body)
}

/// The CycleSoftware configuration for `table` and the `FANOUT` rules given.
pub fn cyclesoftware_config(table: &str, fanout: &str) -> Config {
    let variables = [
        (config::EVENTS_TABLE, table),
        (config::FANOUT, fanout),
        (config::WEBHOOK_SECRETS, DEV_SECRET),
    ];
    vendor_config(&CycleSoftware, &variables)
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
