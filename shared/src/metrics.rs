//! CloudWatch metrics as embedded metric format (EMF) log lines: one JSON object per line with
//! an `_aws` block naming the namespace, dimensions and metrics, which CloudWatch Logs turns
//! into metrics without any API call from the function.

use std::io::Write;

use serde_json::{json, Map, Value};

/// The namespace of every metric this project emits (the template's alarms use it).
pub const NAMESPACE: &str = "Webhooks";

/// The unit of a metric value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// One EMF line with `metrics` (name, value, unit) under `dimensions` (name, value), at
/// `timestamp_ms` (epoch milliseconds).
pub fn emf_line(
    dimensions: &[(&str, &str)],
    metrics: &[(&str, f64, Unit)],
    timestamp_ms: i128,
) -> String {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    emf_line_in_sets(dimensions, &[&names], metrics, timestamp_ms)
}

/// Like [`emf_line`], with each metric recorded once per dimension set (a set names some of
/// `dimensions`; an empty set is the total over all of them).
pub fn emf_line_in_sets(
    dimensions: &[(&str, &str)],
    sets: &[&[&str]],
    metrics: &[(&str, f64, Unit)],
    timestamp_ms: i128,
) -> String {
    let mut root = Map::new();
    for (name, value) in dimensions {
        root.insert((*name).to_string(), Value::from(*value));
    }
    for (name, value, _) in metrics {
        root.insert((*name).to_string(), json!(value));
    }
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|(name, _, unit)| json!({ "Name": name, "Unit": unit.as_str() }))
        .collect();
    root.insert(
        "_aws".to_string(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": sets,
                "Metrics": definitions,
            }]
        }),
    );
    Value::Object(root).to_string()
}

/// Writes an EMF line to standard output, where Lambda sends it to CloudWatch Logs.
pub fn write_line(line: &str) {
    let mut stdout = std::io::stdout().lock();
    // A metric that cannot be written is not worth failing the invocation for.
    let _ignored = writeln!(stdout, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_declares_each_metric_with_its_value_unit_and_dimensions() {
        let line = emf_line(
            &[("Function", "republisher")],
            &[
                ("UnfinishedClaims", 2.0, Unit::Count),
                ("SweepDuration", 12.5, Unit::Milliseconds),
            ],
            1_795_435_200_000,
        );
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["UnfinishedClaims"], 2.0);
        assert_eq!(parsed["SweepDuration"], 12.5);
        assert_eq!(parsed["Function"], "republisher");
        let aws = &parsed["_aws"];
        assert_eq!(aws["Timestamp"], 1_795_435_200_000i64);
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Webhooks");
        assert_eq!(directive["Dimensions"], json!([["Function"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "UnfinishedClaims", "Unit": "Count"}, {"Name": "SweepDuration", "Unit": "Milliseconds"}])
        );
        assert!(!line.contains('\n'));
    }
}
