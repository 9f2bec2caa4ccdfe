//! Property tests against every vendor, with healthy in-memory DynamoDB and SQS: arbitrary
//! methods, paths, headers and bodies — signed with a valid secret or not — never panic, never
//! get a 5xx, and never reach the store or a queue without valid authentication.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use proptest::prelude::*;
use webhook_core::claims::MemoryStore;
use webhook_core::clock::FixedClock;
use webhook_core::config::{EVENTS_TABLE, FANOUT, WEBHOOK_SECRETS};
use webhook_core::fanout::MemoryPublisher;
use webhook_core::http::respond;
use webhook_core::pipeline::Pipeline;
use webhook_core::vendors::cyclesoftware::CycleSoftware;
use webhook_core::vendors::revo_xef::RevoXef;
use webhook_core::vendors::service_order_hub::ServiceOrderHub;
use webhook_core::vendors::wayke::Wayke;
use webhook_core::vendors::Vendor;
use webhook_core::verify::{credential_header, Secret};
use webhook_tests::deliveries::{request, vendor_config, TEST_NOW};

const QUEUE: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/q";
const SECRET: &str = "prop:secret";

/// A delivery to try: how it is sent, and whether it carries a valid credential.
#[derive(Debug, Clone)]
struct Attempt {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    signed: bool,
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "[ -~]{0,300}".prop_map(String::into_bytes),
        (
            "[a-z_.]{0,20}",
            "[a-zA-Z0-9-]{0,40}",
            prop_oneof![Just("1795435140.5".to_string()), Just("-1".to_string()), Just("\"x\"".to_string()), "[0-9]{1,12}"],
            prop_oneof![Just("{}".to_string()), Just("null".to_string()), "[0-9]{1,5}", Just(r#"{"id":7,"x":[1]}"#.to_string())],
        )
            .prop_map(|(name, id, time, data)| {
                format!(r#"{{"event_name":"{name}","event":"{name}","id":"{id}","event_timestamp":{time},"lead":{{"id":"{id}"}},"message":{{"id":"{id}"}},"data":{data}}}"#)
                    .into_bytes()
            }),
    ]
}

fn attempt(vendor: &'static str) -> impl Strategy<Value = Attempt> {
    let segment = prop_oneof![
        Just(String::new()),
        "[a-z-]{1,20}",
        Just("new-order".to_string()),
        Just("invoice".to_string()),
        Just("process-status".to_string()),
    ];
    (
        prop_oneof![
            Just("POST"),
            Just("GET"),
            Just("PUT"),
            Just("PATCH"),
            Just("DELETE")
        ],
        segment,
        proptest::collection::vec(("[a-z-]{1,24}", "[ -~]{0,64}"), 0..4),
        body(),
        any::<bool>(),
    )
        .prop_map(move |(method, segment, headers, body, signed)| Attempt {
            method: method.to_string(),
            path: format!("/{vendor}/{segment}"),
            headers,
            body,
            signed,
        })
}

fn check<V: Vendor>(
    runtime: &tokio::runtime::Runtime,
    vendor: V,
    attempt: Attempt,
) -> Result<u16, TestCaseError> {
    let fanout = format!("*={QUEUE}");
    let config = vendor_config(
        &vendor,
        &[
            (EVENTS_TABLE, "events"),
            (FANOUT, &fanout),
            (WEBHOOK_SECRETS, SECRET),
        ],
    );
    let scheme = config.authenticator.scheme().clone();
    let store = MemoryStore::new();
    let queue = MemoryPublisher::with_queues(&[QUEUE]);
    let pipeline = Pipeline::new(
        vendor,
        config,
        store.clone(),
        queue.clone(),
        FixedClock::at(TEST_NOW),
    );

    let mut headers = attempt.headers.clone();
    if attempt.signed {
        let (name, value) =
            credential_header(&scheme, &Secret::new(SECRET).unwrap(), &attempt.body);
        headers.push((name.to_string(), value));
    }
    let mut http = request(&attempt.method, &attempt.path, &[], "");
    for (name, value) in &headers {
        if let (Ok(name), Ok(value)) = (
            lambda_http::http::HeaderName::from_bytes(name.as_bytes()),
            lambda_http::http::HeaderValue::from_str(value),
        ) {
            http.headers_mut().append(name, value);
        }
    }
    *http.body_mut() = lambda_http::Body::Binary(attempt.body.clone());

    let response = runtime.block_on(respond(&pipeline, &http));
    let status = response.status().as_u16();
    prop_assert!(status < 500, "{status} for {attempt:?}");
    prop_assert!([200, 400, 401, 404, 413].contains(&status), "{status}");
    if !attempt.signed {
        prop_assert_eq!(status, 401);
        prop_assert_eq!(store.calls(), 0);
        prop_assert_eq!(queue.attempts(), 0);
    }
    if status != 200 {
        prop_assert!(store.is_empty(), "a refused delivery was stored");
        prop_assert_eq!(queue.total_sent(), 0);
    }
    Ok(status)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The strategies are worth something only if they reach every outcome: generates attempts
/// deterministically and checks which statuses they produce.
#[test]
fn the_strategies_reach_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;
    fn statuses<V: Vendor + Copy>(vendor: V, name: &'static str) -> BTreeSet<u16> {
        let runtime = runtime();
        let mut runner = TestRunner::deterministic();
        (0..400)
            .map(|_| {
                let attempt = attempt(name).new_tree(&mut runner).unwrap().current();
                check(&runtime, vendor, attempt).unwrap()
            })
            .collect()
    }
    for (name, statuses) in [
        ("cyclesoftware", statuses(CycleSoftware, "cyclesoftware")),
        ("revo-xef", statuses(RevoXef, "revo-xef")),
    ] {
        for status in [200, 400, 401] {
            assert!(
                statuses.contains(&status),
                "{name} never got {status}: {statuses:?}"
            );
        }
    }
    for (name, statuses) in [
        ("wayke", statuses(Wayke, "wayke")),
        (
            "service-order-hub",
            statuses(ServiceOrderHub, "service-order-hub"),
        ),
    ] {
        for status in [200, 400, 401, 404] {
            assert!(
                statuses.contains(&status),
                "{name} never got {status}: {statuses:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn cyclesoftware_holds(attempt in attempt("cyclesoftware")) {
        check(&runtime(), CycleSoftware, attempt)?;
    }

    #[test]
    fn wayke_holds(attempt in attempt("wayke")) {
        check(&runtime(), Wayke, attempt)?;
    }

    #[test]
    fn service_order_hub_holds(attempt in attempt("service-order-hub")) {
        check(&runtime(), ServiceOrderHub, attempt)?;
    }

    #[test]
    fn revo_xef_holds(attempt in attempt("revo-xef")) {
        check(&runtime(), RevoXef, attempt)?;
    }
}
