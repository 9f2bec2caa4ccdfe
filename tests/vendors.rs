//! Each vendor through the pipeline and its HTTP edge, with in-memory adapters: the schemes a
//! vendor can be configured with, its routes, and bad input that must change nothing.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use serde_json::json;
use webhook_core::claims::MemoryStore;
use webhook_core::clock::SystemClock;
use webhook_core::config::{AUTH_SCHEME, EVENTS_TABLE, FANOUT, WEBHOOK_SECRETS};
use webhook_core::fanout::{MemoryPublisher, ATTRIBUTE_EVENT_TYPE};
use webhook_core::http::respond;
use webhook_core::pipeline::Pipeline;
use webhook_core::vendors::revo_xef::RevoXef;
use webhook_core::vendors::service_order_hub::ServiceOrderHub;
use webhook_core::vendors::wayke::Wayke;
use webhook_core::vendors::Vendor;
use webhook_core::verify::{credential_header, Scheme, Secret};
use webhook_tests::deliveries::{request, status_and_json, vendor_config};
use webhook_tests::samples;

const QUEUE: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/events";
const SECRETS: &str = "hub-user:s3cret-current,hub-user:s3cret-old";

struct Harness<V> {
    pipeline: Pipeline<V, MemoryStore, MemoryPublisher, SystemClock>,
    store: MemoryStore,
    queue: MemoryPublisher,
    scheme: Scheme,
}

fn harness<V: Vendor>(vendor: V, auth_scheme: Option<&str>) -> Harness<V> {
    let fanout = format!("*={QUEUE}");
    let mut variables = vec![
        (EVENTS_TABLE, "events"),
        (FANOUT, fanout.as_str()),
        (WEBHOOK_SECRETS, SECRETS),
    ];
    if let Some(scheme) = auth_scheme {
        variables.push((AUTH_SCHEME, scheme));
    }
    let config = vendor_config(&vendor, &variables);
    let scheme = config.authenticator.scheme().clone();
    let store = MemoryStore::new();
    let queue = MemoryPublisher::with_queues(&[QUEUE]);
    let pipeline = Pipeline::new(vendor, config, store.clone(), queue.clone(), SystemClock);
    Harness {
        pipeline,
        store,
        queue,
        scheme,
    }
}

impl<V: Vendor> Harness<V> {
    /// The event types of the messages on the queue, in order.
    fn published_types(&self) -> Vec<String> {
        self.queue
            .sent(QUEUE)
            .into_iter()
            .filter_map(|m| m.attribute(ATTRIBUTE_EVENT_TYPE).map(String::from))
            .collect()
    }

    /// Sends `body` to `path` with `method`, authenticated with `secret`.
    async fn send(
        &self,
        method: &str,
        path: &str,
        secret: &str,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let secret = Secret::new(secret.as_bytes()).unwrap();
        let (name, value) = credential_header(&self.scheme, &secret, body.as_bytes());
        let headers = vec![
            (name.to_string(), value),
            ("content-type".into(), "application/json".into()),
        ];
        status_and_json(&respond(&self.pipeline, &request(method, path, &headers, body)).await)
    }
}

fn payload(vendor: &str, event_type: &str) -> String {
    samples::payload(vendor, event_type)
}

#[tokio::test]
async fn wayke_works_with_every_scheme_and_secret_rotation() {
    let body = payload("wayke", "new-order");
    for scheme in [
        None,
        Some("hmac-sha256:X-Wayke-Signature"),
        Some("token:X-Api-Key"),
        Some("basic"),
    ] {
        let h = harness(Wayke, scheme);
        let (status, response) = h
            .send("POST", "/wayke/new-order", "hub-user:s3cret-old", &body)
            .await;
        assert_eq!(
            (status, response["status"].as_str()),
            (200, Some("accepted")),
            "{scheme:?}"
        );
        let (status, _) = h
            .send("POST", "/wayke/new-order", "hub-user:s3cret-current", &body)
            .await;
        assert_eq!(status, 200, "{scheme:?}");
        let (status, response) = h
            .send("POST", "/wayke/new-order", "hub-user:forged", &body)
            .await;
        assert_eq!(
            (status, response),
            (401, json!({"error": "unauthorized"})),
            "{scheme:?}"
        );
        assert_eq!(
            (h.store.len(), h.queue.sent(QUEUE).len()),
            (1, 1),
            "{scheme:?}"
        );
    }
}

#[tokio::test]
async fn wayke_lead_bodies_are_told_apart_by_their_path() {
    let h = harness(Wayke, None);
    let body = payload("wayke", "incoming-vehicle");
    let (_, incoming) = h
        .send(
            "POST",
            "/wayke/incoming-vehicle",
            "hub-user:s3cret-current",
            &body,
        )
        .await;
    let (_, valuation) = h
        .send(
            "POST",
            "/wayke/valuation-lead",
            "hub-user:s3cret-current",
            &body,
        )
        .await;
    assert_eq!(
        (incoming["status"].as_str(), valuation["status"].as_str()),
        (Some("accepted"), Some("accepted"))
    );
    let types = h.published_types();
    assert_eq!(types, ["incoming-vehicle", "valuation-lead"]);
    let (status, response) = h
        .send("POST", "/wayke", "hub-user:s3cret-current", &body)
        .await;
    assert_eq!(
        (status, response),
        (404, json!({"error": "unknown event type"}))
    );
}

#[tokio::test]
async fn service_order_hub_takes_any_method_with_token_or_basic_auth() {
    for scheme in [None, Some("token:X-Hub-Secret"), Some("basic")] {
        let h = harness(ServiceOrderHub, scheme);
        for (method, event_type) in [
            ("GET", "new-status"),
            ("POST", "invoice"),
            ("PUT", "case-updated"),
            ("PATCH", "new-message"),
            ("DELETE", "file-uploaded"),
        ] {
            let path = format!("/service-order-hub/{event_type}");
            let (status, response) = h
                .send(
                    method,
                    &path,
                    "hub-user:s3cret-current",
                    &payload("service-order-hub", event_type),
                )
                .await;
            assert_eq!(
                (status, response["status"].as_str()),
                (200, Some("accepted")),
                "{scheme:?} {method} {event_type}"
            );
        }
        assert_eq!(h.queue.sent(QUEUE).len(), 5, "{scheme:?}");
    }
}

#[tokio::test]
async fn unknown_routes_and_bad_bodies_change_nothing() {
    let h = harness(ServiceOrderHub, None);
    let secret = "hub-user:s3cret-current";
    let cases = [
        (
            "/service-order-hub/case-deleted",
            "{}".to_string(),
            404,
            json!({"error": "unknown event type"}),
        ),
        (
            "/service-order-hub/invoice",
            "not json".to_string(),
            400,
            json!({"error": "the body is not JSON"}),
        ),
        (
            "/service-order-hub/new-message",
            r#"{"guid":"g"}"#.to_string(),
            400,
            json!({"error": "required field `id` is missing"}),
        ),
        (
            "/service-order-hub",
            payload("service-order-hub", "case-updated"),
            404,
            json!({"error": "unknown event type"}),
        ),
    ];
    for (path, body, status, response) in cases {
        assert_eq!(
            h.send("POST", path, secret, &body).await,
            (status, response),
            "{path}"
        );
    }
    assert_eq!((h.store.calls(), h.queue.attempts()), (0, 0));
}

#[tokio::test]
async fn revo_xef_accepts_any_event_name_and_new_prices() {
    let h = harness(RevoXef, None);
    let secret = "hub-user:s3cret-current";
    let old_price = payload("revo-xef", "product.updated");
    let new_price = old_price.replace("1.80", "1.95");
    for body in [&old_price, &new_price, &old_price] {
        h.send("POST", "/revo-xef", secret, body).await;
    }
    let (status, response) = h
        .send(
            "POST",
            "/revo-xef",
            secret,
            r#"{"event":"table.merged","data":{"id":4}}"#,
        )
        .await;
    assert_eq!(
        (status, response["status"].as_str()),
        (200, Some("accepted"))
    );
    let types = h.published_types();
    assert_eq!(
        types,
        ["product.updated", "product.updated", "table.merged"]
    );
    let (status, _) = h.send("POST", "/revo-xef", secret, r#"{"data":{}}"#).await;
    assert_eq!(status, 400);
}
