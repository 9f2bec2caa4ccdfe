//! The committed JSON Schemas under `schema/` are what the types generate:
//! `UPDATE_SCHEMA=1 cargo test -p webhook-events --test schema` rewrites them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use webhook_events::{schema, VENDORS};

/// Every schema file and its text: the envelope's, and one per documented event type.
fn generated() -> Vec<(PathBuf, String)> {
    let text = |schema: schemars::Schema| {
        let mut text = serde_json::to_string_pretty(&schema).unwrap();
        text.push('\n');
        text
    };
    let mut files = vec![(PathBuf::from("envelope.json"), text(schema::envelope()))];
    for (vendor, event_types) in VENDORS {
        for event_type in event_types {
            let schema = schema::payload(vendor, event_type)
                .unwrap_or_else(|| panic!("{vendor} {event_type} has no model"));
            files.push((
                Path::new(vendor).join(format!("{event_type}.json")),
                text(schema),
            ));
        }
    }
    files
}

/// The files under `dir`, relative to it.
fn committed(dir: &Path) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files
}

#[test]
fn committed_schemas_are_what_the_types_generate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema");
    let files = generated();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in &files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (path, text) in &files {
        if std::fs::read_to_string(dir.join(path)).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let expected: BTreeSet<PathBuf> = files.into_iter().map(|(path, _)| path).collect();
    stale.extend(
        committed(&dir)
            .difference(&expected)
            .map(|path| format!("{} (no type generates it)", path.display())),
    );
    assert!(
        stale.is_empty(),
        "schema/ is stale, run `make schema`: {stale:?}"
    );
}

#[test]
fn the_envelope_schema_is_draft_2020_12_and_pins_the_version() {
    let envelope = serde_json::to_value(schema::envelope()).unwrap();
    assert_eq!(
        envelope["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(envelope["properties"]["version"]["const"], 1);
    let required: BTreeSet<&str> = envelope["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    for field in [
        "version",
        "id",
        "vendor",
        "eventType",
        "dedupeKey",
        "receivedAt",
        "payload",
    ] {
        assert!(required.contains(field), "{field} is required");
    }
}

#[test]
fn the_envelope_schema_refuses_what_consumers_cannot_read() {
    let schema = serde_json::to_value(schema::envelope()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = serde_json::json!({
        "version": 1, "id": "i", "vendor": "wayke", "account": null, "eventType": "new-order",
        "dedupeKey": "new-order:1", "receivedAt": "2026-11-23T12:00:00.000Z",
        "occurredAt": null, "payload": {"id": "1"}, "addedLater": true
    });
    assert!(validator.is_valid(&good), "unknown fields are allowed");
    let mut version_2 = good.clone();
    version_2["version"] = 2.into();
    let mut no_id = good.clone();
    no_id.as_object_mut().unwrap().remove("id");
    let mut numeric_type = good.clone();
    numeric_type["eventType"] = 7.into();
    for bad in [version_2, no_id, numeric_type] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[test]
fn a_payload_schema_refuses_a_field_of_another_type_and_allows_new_fields() {
    let schema = serde_json::to_value(schema::payload("wayke", "new-order").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&serde_json::json!({"id": "1", "price": 10.5, "new": [1]})));
    assert!(!validator.is_valid(&serde_json::json!({"id": "1", "price": "ten"})));
    assert!(schema::payload("wayke", "vehicle-deleted").is_none());
    assert!(schema::payload("acme", "new-order").is_none());
}
