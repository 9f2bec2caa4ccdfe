//! The built `service-order-hub` binary against moto: the hub may call with GET, POST, PUT,
//! PATCH or DELETE, always with a JSON body, as API Gateway's `ANY` route hands each on (payload
//! format 2.0, the body as text or base64); every method is taken in alike, its guid (not a
//! UUID, as in the hub's own examples) names the case, and no account is named.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use serde_json::{json, Value};
use webhook_tests::replay::{envelope, RunningFunction};
use webhook_tests::rie::is_position_dependent;

const BINARY: &str = env!("CARGO_BIN_EXE_service-order-hub");

/// A V3 status in the hub's documented shape, its guid shaped like the hub's examples.
fn status(id: u64) -> String {
    json!({
        "id": id, "caseId": 32242432, "guid": "a7afaf9-7c6e-4d0e-b756-16b4afa1382f",
        "name": "Repair finished", "key": "final",
        "createdAt": "2026-11-23T11:29:38.258Z", "updatedAt": "2026-11-23T11:29:38.258Z",
        "declaredAt": "2026-11-23T11:27:34.233Z"
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_the_hub_uses_reaches_the_function_with_its_body() {
    let function = RunningFunction::start(BINARY, "service-order-hub", &[]).await;
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for (index, method) in methods.iter().enumerate() {
        let body = status(700 + index as u64);
        let mut event = function.vendor.event("new-status", &body);
        event["requestContext"]["http"]["method"] = json!(method);
        if index % 2 == 1 {
            use base64::Engine;
            event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&body));
            event["isBase64Encoded"] = json!(true);
        }
        let (status, answer) = function.deliver(&event).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some("accepted")),
            "{method}: {answer}"
        );
        let (status, again) = function.deliver(&event).await;
        assert_eq!(
            (status, again["status"].as_str()),
            (200, Some("duplicate")),
            "{method}"
        );
    }
    // A GET without a body is refused as a body that is not JSON, and changes nothing.
    let mut empty = function.vendor.event("new-status", "");
    empty["requestContext"]["http"]["method"] = json!("GET");
    assert_eq!(
        function.deliver(&empty).await,
        (400, json!({"error": "the body is not JSON"}))
    );

    let (standard, fifo) = function.published().await;
    let mut keys: Vec<String> = standard
        .iter()
        .map(|message| {
            let envelope: Value = envelope(message);
            assert_eq!(envelope["eventType"], "new-status");
            assert_eq!(envelope["account"], Value::Null);
            assert_eq!(message.account, None);
            envelope["dedupeKey"].as_str().unwrap().to_string()
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "new-status:700",
            "new-status:701",
            "new-status:702",
            "new-status:703",
            "new-status:704"
        ]
    );
    for message in &fifo {
        assert_eq!(
            message.group_id.as_deref(),
            Some("service-order-hub:case:a7afaf9-7c6e-4d0e-b756-16b4afa1382f")
        );
    }
    assert_eq!(function.stack.item_count().await, 5);
}

#[test]
fn the_binary_is_linked_position_dependent() {
    assert!(is_position_dependent(BINARY), "{BINARY}");
}
