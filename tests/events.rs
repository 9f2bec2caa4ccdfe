//! The committed sample events are what the generator makes from `events/payloads/` and the
//! development secrets; `make events` (UPDATE_EVENTS=1) rewrites them.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use webhook_tests::samples::{events_dir, generate, REPUBLISHER_SWEEP, VENDORS};

#[test]
fn committed_sample_events_are_fresh() {
    let generated = generate();
    let root = events_dir();
    if std::env::var_os("UPDATE_EVENTS").is_some() {
        for vendor in VENDORS {
            for stale in webhook_tests::samples::event_files(&vendor) {
                std::fs::remove_file(stale).unwrap();
            }
        }
        for (path, content) in &generated {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
        }
    }
    let mut on_disk: BTreeSet<PathBuf> = ["env.json", REPUBLISHER_SWEEP]
        .into_iter()
        .map(PathBuf::from)
        .filter(|path| root.join(path).exists())
        .collect();
    for vendor in VENDORS {
        for file in webhook_tests::samples::event_files(&vendor) {
            on_disk.insert(file.strip_prefix(&root).unwrap().to_path_buf());
        }
    }
    let expected: BTreeSet<PathBuf> = generated.keys().cloned().collect();
    assert_eq!(
        on_disk, expected,
        "events/ has other files than the generator makes: run `make events`"
    );
    for (path, content) in generated {
        let committed = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        assert!(
            committed == content,
            "events/{} is stale: run `make events`",
            path.display()
        );
    }
}

#[test]
fn every_event_type_of_every_vendor_has_a_sample() {
    use webhook_core::vendors::{cyclesoftware, revo_xef, service_order_hub, wayke};
    let names = |vendor: &str| -> BTreeSet<String> {
        webhook_tests::samples::payloads(&webhook_tests::samples::vendor(vendor))
            .into_iter()
            .map(|(event_type, _)| event_type)
            .collect()
    };
    let set = |types: &[&str]| types.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(names("wayke"), set(&wayke::EVENT_TYPES));
    assert_eq!(
        names("service-order-hub"),
        set(service_order_hub::EVENT_TYPES)
    );
    assert_eq!(names("revo-xef"), set(revo_xef::EVENT_TYPES));
    let cyclesoftware = set(cyclesoftware::DOCUMENTED_EVENTS);
    assert_eq!(names("cyclesoftware"), cyclesoftware);
}

/// `make dev` runs the functions with `cargo lambda watch`, which takes each one's environment
/// from Cargo.toml: the same as `events/env.json` but for where moto is.
#[test]
fn the_cargo_lambda_watch_environment_is_the_local_stacks() {
    let metadata = webhook_tests::workspace::metadata(&["--no-deps"]);
    let watch = &metadata["metadata"]["lambda"]["bin"];
    let template = webhook_tests::samples::template();
    for function in webhook_tests::samples::local_functions() {
        let binary = template["Resources"][function.as_str()]["Metadata"]["BuildProperties"]
            ["Binary"]
            .as_str()
            .unwrap();
        let expected = webhook_tests::samples::local_environment(
            &template,
            &function,
            webhook_tests::samples::DEV_AWS_ENDPOINT,
        );
        assert_eq!(
            watch[binary]["env"],
            serde_json::json!(expected),
            "[workspace.metadata.lambda.bin.{binary}.env] in Cargo.toml is not {function}'s local environment"
        );
    }
}
