//! The built `wayke` binary against moto: a buy lead on the "New Lead" webhook is published as
//! `buy-lead`, never as the valuation (sell) lead that shares its URL; the branch is the account;
//! token and basic authentication, what Wayke's users set up today, work as configured.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use serde_json::{json, Value};
use webhook_core::verify::{credential_header, Scheme, Secret};
use webhook_tests::replay::{envelope, RunningFunction};
use webhook_tests::rie::is_position_dependent;
use webhook_tests::samples;

const BINARY: &str = env!("CARGO_BIN_EXE_wayke");

/// The sample body of `event_type`.
fn sample(event_type: &str) -> String {
    samples::payload("wayke", event_type)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buy_lead_on_the_lead_webhook_is_a_buy_lead_with_its_branch_as_account() {
    let function = RunningFunction::start(BINARY, "wayke", &[]).await;
    let buy = sample("buy-lead");
    let sell = sample("valuation-lead");
    // Both arrive on the URL of Wayke's "New Lead" webhook.
    let on_lead_url = |body: &str| function.vendor.event("valuation-lead", body);
    let buy_event = on_lead_url(&buy);
    assert_eq!(buy_event["rawPath"], "/wayke/valuation-lead");
    for (event, expected) in [(&buy_event, "accepted"), (&on_lead_url(&sell), "accepted")] {
        let (status, answer) = function.deliver(event).await;
        assert_eq!(
            (status, answer["status"].as_str()),
            (200, Some(expected)),
            "{answer}"
        );
    }
    // The same buy lead again, even on the incoming-vehicle URL: the same event.
    let (status, again) = function
        .deliver(&function.vendor.event("incoming-vehicle", &buy))
        .await;
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
    for event_type in ["new-order", "process-status"] {
        assert_eq!(
            function
                .deliver_body(event_type, &sample(event_type))
                .await
                .0,
            200
        );
    }

    let (standard, fifo) = function.published().await;
    let by_type = |name: &str| -> (Value, Option<String>) {
        let message = standard
            .iter()
            .find(|m| m.event_type.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no {name} message"));
        (envelope(message), message.account.clone())
    };
    let (buy_envelope, buy_account) = by_type("buy-lead");
    assert_eq!(
        buy_envelope["dedupeKey"],
        "buy-lead:c41f8e20-7b3a-4d59-a1e6-0f2b9c8d7e65"
    );
    assert_eq!(
        buy_envelope["account"],
        "5f0c9a2e-71d4-4c0e-9b1a-3d2e8c7b6a10"
    );
    assert_eq!(
        buy_account.as_deref(),
        Some("5f0c9a2e-71d4-4c0e-9b1a-3d2e8c7b6a10")
    );
    assert_eq!(
        buy_envelope["payload"]["lead"]["type"],
        "registrationOfInterestToBuy"
    );
    let (sell_envelope, sell_account) = by_type("valuation-lead");
    assert_eq!(
        sell_envelope["payload"]["lead"]["type"],
        "registrationOfInterestToSell"
    );
    assert_eq!(
        sell_account.as_deref(),
        Some("1bfec2d5-b3a6-4dda-9c0e-c993d55ca1b0")
    );
    let (order, order_account) = by_type("new-order");
    assert_eq!(order["account"], "5f0c9a2e-71d4-4c0e-9b1a-3d2e8c7b6a10");
    assert_eq!(
        order_account.as_deref(),
        Some("5f0c9a2e-71d4-4c0e-9b1a-3d2e8c7b6a10")
    );
    let (process, process_account) = by_type("process-status");
    assert_eq!(
        (process["account"].clone(), process_account),
        (Value::Null, None)
    );
    assert_eq!(standard.len(), 4);
    assert!(fifo
        .iter()
        .any(|m| m.group_id.as_deref() == Some("wayke:lead:c41f8e20-7b3a-4d59-a1e6-0f2b9c8d7e65")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_basic_authentication_work_as_configured() {
    for (scheme, secret, other) in [
        ("token:X-Wayke-Token", "wayke-shared-token", "another-token"),
        ("basic", "dealer:s3cret-pass", "dealer:wrong-pass"),
    ] {
        let function = RunningFunction::start(
            BINARY,
            "wayke",
            &[("AUTH_SCHEME", scheme), ("WEBHOOK_SECRETS", secret)],
        )
        .await;
        let body = sample("buy-lead");
        let with = |secret: &str| {
            let mut event = function.vendor.event("valuation-lead", &body);
            let parsed: Scheme = scheme.parse().unwrap();
            let (name, value) = credential_header(
                &parsed,
                &Secret::new(secret.as_bytes()).unwrap(),
                body.as_bytes(),
            );
            event["headers"] = json!({
                "content-type": "application/json",
                name.as_str(): value,
            });
            event
        };
        let (status, refused) = function.deliver(&with(other)).await;
        assert_eq!(
            (status, refused),
            (401, json!({"error": "unauthorized"})),
            "{scheme}"
        );
        // A signature, which Wayke no longer documents, does not stand in for them.
        let (status, _) = function.deliver_body("valuation-lead", &body).await;
        assert_eq!(status, 401, "{scheme}");
        let (status, accepted) = function.deliver(&with(secret)).await;
        assert_eq!(
            (status, accepted["status"].as_str()),
            (200, Some("accepted")),
            "{scheme}"
        );
        let (standard, _) = function.published().await;
        assert_eq!(standard.len(), 1, "{scheme}");
        assert_eq!(standard[0].event_type.as_deref(), Some("buy-lead"));
    }
}

#[test]
fn the_binary_is_linked_position_dependent() {
    assert!(is_position_dependent(BINARY), "{BINARY}");
}
