//! Checks a published SQS message against what consumers are promised: the envelope's JSON
//! Schema, its payload's schema where the event type has a model, and the `webhook-events`
//! types.

use serde_json::Value;
use webhook_events::{schema, Envelope, VendorEvent};

/// Panics, naming `what`, unless `body` validates against the envelope schema and, for an
/// event type with a model, its payload against the payload schema, and unless
/// `webhook-events` reads it into the typed model of its vendor.
pub fn assert_conforms(what: &str, body: &str) {
    let message: Value = serde_json::from_str(body).expect("a JSON message");
    let envelope_schema = serde_json::to_value(schema::envelope()).expect("a schema");
    assert_valid(&format!("{what}: envelope"), &envelope_schema, &message);

    let envelope = Envelope::from_json(body).unwrap_or_else(|e| panic!("{what}: {e}"));
    if let Some(payload_schema) = schema::payload(&envelope.vendor, &envelope.event_type) {
        let payload_schema = serde_json::to_value(payload_schema).expect("a schema");
        assert_valid(
            &format!("{what}: {} payload", envelope.event_type),
            &payload_schema,
            &message["payload"],
        );
    }
    match envelope.typed() {
        Ok(VendorEvent::Other(_)) => panic!("{what}: vendor {} has no model", envelope.vendor),
        Ok(_) => {}
        Err(e) => panic!("{what}: {e}"),
    }
}

/// Panics with every violation unless `instance` validates against `schema`.
pub fn assert_valid(what: &str, schema: &Value, instance: &Value) {
    let validator = jsonschema::validator_for(schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} does not validate: {errors:?}");
}
