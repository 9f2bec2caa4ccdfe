//! The committed sample events are what the generator makes from `events/payloads/` and the
//! development secrets; `make events` (UPDATE_EVENTS=1) rewrites them.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use webhook_tests::samples::{
    cargo_lambda_sections, events_dir, generate, vendor, vendors, CARGO_LAMBDA_MARKERS,
    REPUBLISHER_SWEEP,
};

#[test]
fn committed_sample_events_are_fresh() {
    let generated = generate();
    let root = events_dir();
    if std::env::var_os("UPDATE_EVENTS").is_some() {
        for vendor in vendors() {
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
    for vendor in vendors() {
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
    for (name, event_types) in webhook_events::VENDORS {
        let samples: BTreeSet<String> = webhook_tests::samples::payloads(&vendor(name))
            .into_iter()
            .map(|(event_type, _)| event_type)
            .collect();
        let documented: BTreeSet<String> = event_types.iter().map(|t| t.to_string()).collect();
        assert_eq!(samples, documented, "{name}");
    }
}

/// `make dev` runs the functions with `cargo lambda watch`, which takes each one's environment
/// from Cargo.toml: the same as `events/env.json` but for where moto is. `make events` writes it.
#[test]
fn the_cargo_lambda_watch_environment_is_the_local_stacks() {
    let path = events_dir().parent().unwrap().join("Cargo.toml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    let [begin, end] = CARGO_LAMBDA_MARKERS;
    let (before, rest) = manifest
        .split_once(begin)
        .expect("Cargo.toml has the line before the generated sections");
    let (committed, after) = rest
        .split_once(end)
        .expect("Cargo.toml has the line after the generated sections");
    let generated = cargo_lambda_sections();
    if std::env::var_os("UPDATE_EVENTS").is_some() {
        std::fs::write(&path, format!("{before}{begin}{generated}{end}{after}")).unwrap();
    } else {
        assert!(
            committed == generated,
            "the [workspace.metadata.lambda.bin.*.env] sections of Cargo.toml are stale: run `make events`"
        );
    }
}
