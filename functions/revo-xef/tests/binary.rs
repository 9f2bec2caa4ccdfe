//! The built `revo-xef` binary against moto: both body forms Revo sends, under the form content
//! type Revo declares or any other, signed in hex or base64, are accepted once and published as
//! one JSON shape with the tenant as `account`; the claim keeps the raw body, and the
//! republisher's replay (the code the `republisher` binary runs) publishes the same normalised
//! payload from it.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use base64::Engine;
use serde_json::{json, Value};
use webhook_core::claims::ClaimReader;
use webhook_core::deadline::Deadline;
use webhook_core::event::rfc3339;
use webhook_core::republish::ReplayRequest;
use webhook_core::verify::{sign, Secret};
use webhook_tests::moto;
use webhook_tests::replay::{envelope, RunningFunction};
use webhook_tests::rie::is_position_dependent;

const BINARY: &str = env!("CARGO_BIN_EXE_revo-xef");

/// An order update as Revo documents its events: the whole order in `data`.
fn order_update() -> Value {
    json!({
        "tenant": "bar-la-placeta",
        "event": "order.updated",
        "data": {
            "id": 1207, "status": 0, "canceled": false, "tableName": "Barra 1", "guests": 2,
            "total": "7.40", "opened": "2026-11-23 11:02:10",
            "orderContents": [{"id": 88001, "order_id": 1207, "itemName": "Caña", "quantity": 2,
                               "total": "4.40"}]
        }
    })
}

/// `document` as a form body: `tenant`, `event`, and `data` as a JSON string.
fn form_body(document: &Value, tenant_key: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(tenant_key, document["tenant"].as_str().unwrap())
        .append_pair("event", document["event"].as_str().unwrap())
        .append_pair("data", &document["data"].to_string())
        .finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_body_forms_are_published_as_one_json_shape_with_the_tenant_as_account() {
    let function = RunningFunction::start(BINARY, "revo-xef", &[]).await;
    let document = order_update();
    let form = form_body(&document, "tenant");
    let json_body = document.to_string();

    // The form, as Revo sends it (declared form content type, hex signature).
    let (status, first) = function.deliver_body("order.updated", &form).await;
    assert_eq!(
        (status, first["status"].as_str()),
        (200, Some("accepted")),
        "{first}"
    );
    let (status, again) = function.deliver_body("order.updated", &form).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
    // The JSON document under the same declared content type.
    let (status, second) = function.deliver_body("order.updated", &json_body).await;
    assert_eq!(
        (status, second["status"].as_str()),
        (200, Some("accepted")),
        "{second}"
    );
    assert_ne!(first["id"], second["id"], "two bodies, two events");

    // Any content type, base64 signature, body base64-encoded by API Gateway.
    let secret = Secret::new(function.vendor.secret.as_bytes()).unwrap();
    let later = {
        let mut later = order_update();
        later["data"]["status"] = json!(1);
        later["data"]["closed"] = json!("2026-11-23 11:40:00");
        form_body(&later, "tenant")
    };
    let mut event = function.vendor.event("order.updated", &later);
    let base64 = base64::engine::general_purpose::STANDARD;
    let signature = base64.encode(hex::decode(sign(&secret, later.as_bytes())).unwrap());
    event["headers"]["x-revo-hmac-sha256"] = json!(signature);
    event["headers"]["content-type"] = json!("text/plain; charset=utf-8");
    event["body"] = json!(base64.encode(later.as_bytes()));
    event["isBase64Encoded"] = json!(true);
    let (status, third) = function.deliver(&event).await;
    assert_eq!(
        (status, third["status"].as_str()),
        (200, Some("accepted")),
        "{third}"
    );
    // A signature over other bytes is refused before anything is read.
    event["body"] = json!(base64.encode(form.as_bytes()));
    assert_eq!(function.deliver(&event).await.0, 401);

    let (standard, fifo) = function.published().await;
    assert_eq!(standard.len(), 3);
    for message in &standard {
        let envelope = envelope(message);
        assert_eq!(envelope["eventType"], "order.updated");
        assert_eq!(envelope["account"], "bar-la-placeta");
        assert_eq!(message.account.as_deref(), Some("bar-la-placeta"));
        assert_eq!(message.event_type.as_deref(), Some("order.updated"));
        let payload = &envelope["payload"];
        assert_eq!(payload["tenant"], "bar-la-placeta");
        assert_eq!(payload["event"], "order.updated");
        assert_eq!(payload["data"]["id"], 1207, "data is JSON, not a string");
    }
    let payload_of = |id: &Value| {
        standard
            .iter()
            .map(envelope)
            .find(|envelope| envelope["id"] == *id)
            .unwrap()["payload"]
            .clone()
    };
    // Form and JSON document give the same payload: the document.
    assert_eq!(payload_of(&first["id"]), document);
    assert_eq!(payload_of(&second["id"]), document);
    for message in &fifo {
        assert_eq!(
            message.group_id.as_deref(),
            Some("revo-xef:order:1207"),
            "the order is the group in both forms"
        );
    }

    // The claim keeps the body as it came.
    let stored = function
        .stack
        .store()
        .load(&format!(
            "revo-xef#{}",
            envelope(
                standard
                    .iter()
                    .find(|m| envelope(m)["id"] == first["id"])
                    .unwrap()
            )["dedupeKey"]
                .as_str()
                .unwrap()
        ))
        .await
        .unwrap()
        .expect("the claim");
    assert_eq!(stored.event.payload, form);
    assert_eq!(stored.event.account.as_deref(), Some("bar-la-placeta"));

    // The republisher's replay publishes the same normalised payload from the stored body.
    let now = time::OffsetDateTime::now_utc();
    let request = ReplayRequest {
        vendor: "revo-xef".into(),
        from: rfc3339(now - time::Duration::hours(1)),
        to: rfc3339(now + time::Duration::hours(1)),
        cursor: None,
        limit: None,
    };
    let report = function
        .stack
        .republisher()
        .replay(
            &request,
            Deadline::after(std::time::Duration::from_secs(30)),
        )
        .await
        .unwrap();
    assert_eq!((report.replayed, report.failed), (3, 0));
    let replayed = moto::drain(&function.stack.sqs, &function.queues[0]).await;
    let replayed_payload = replayed
        .iter()
        .map(envelope)
        .find(|envelope| envelope["id"] == first["id"])
        .expect("the form's event was replayed")["payload"]
        .clone();
    assert_eq!(replayed_payload, document);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revo_retail_names_the_account_username_and_a_body_without_one_has_none() {
    let function = RunningFunction::start(BINARY, "revo-xef", &[]).await;
    let mut retail = order_update();
    retail["tenant"] = json!("tienda-centro");
    let form = form_body(&retail, "username");
    assert_eq!(function.deliver_body("order.updated", &form).await.0, 200);
    // The first documentation's shape: no tenant at all.
    let unnamed = r#"{"event":"product.deleted","data":{"id":51}}"#;
    assert_eq!(
        function.deliver_body("product.deleted", unnamed).await.0,
        200
    );
    // Not a Revo body: a clear refusal, nothing stored.
    let (status, refused) = function
        .deliver_body("order.updated", "tenant=t&data=%7B%7D")
        .await;
    assert_eq!(
        (status, refused),
        (400, json!({"error": "required field `event` is missing"}))
    );

    let (standard, _) = function.published().await;
    assert_eq!(standard.len(), 2);
    let by_event = |name: &str| {
        standard
            .iter()
            .find(|m| m.event_type.as_deref() == Some(name))
            .unwrap()
    };
    let retail_message = by_event("order.updated");
    assert_eq!(retail_message.account.as_deref(), Some("tienda-centro"));
    let payload = &envelope(retail_message)["payload"];
    assert_eq!(payload["tenant"], "tienda-centro");
    assert_eq!(payload["username"], "tienda-centro");
    let unnamed_message = by_event("product.deleted");
    assert_eq!(unnamed_message.account, None, "no account attribute");
    let unnamed_envelope = envelope(unnamed_message);
    assert_eq!(unnamed_envelope["account"], Value::Null);
    assert_eq!(
        unnamed_envelope["payload"],
        json!({"tenant": null, "event": "product.deleted", "data": {"id": 51}})
    );
    assert_eq!(function.stack.item_count().await, 2);
}

#[test]
fn the_binary_is_linked_position_dependent() {
    assert!(is_position_dependent(BINARY), "{BINARY}");
}
