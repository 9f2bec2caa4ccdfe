//! CloudWatch metrics as embedded metric format (EMF) log lines: one JSON object per line with
//! an `_aws` block naming the namespace, dimensions and metrics, which CloudWatch Logs turns
//! into metrics without any API call from the function. Every line also carries the Lambda
//! request id and X-Ray trace id of its invocation as properties (not dimensions), so a spike on
//! a graph leads to the log lines and the trace behind it.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{json, Map, Value};

/// The namespace of every metric this project emits (the template's alarms use it).
pub const NAMESPACE: &str = "Webhooks";

/// The property of every line that holds the invocation's Lambda request id.
pub const REQUEST_ID_PROPERTY: &str = "requestId";
/// The property of every line that holds the invocation's X-Ray trace id.
pub const TRACE_ID_PROPERTY: &str = "xrayTraceId";
/// The metric that is 1 on the first invocation of a process (a cold start), 0 after.
pub const COLD_START_METRIC: &str = "ColdStart";

/// The invocation a line belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    pub request_id: Option<String>,
    pub xray_trace_id: Option<String>,
}

impl Invocation {
    /// The request id and X-Ray trace id of the Lambda invocation `context`.
    pub fn of(context: &lambda_runtime::Context) -> Self {
        Self {
            request_id: Some(context.request_id.clone()).filter(|id| !id.is_empty()),
            xray_trace_id: context.xray_trace_id.clone(),
        }
    }

    /// The invocation the running task serves (set by [`Invocation::scope`]), for lines made
    /// where the Lambda context is not at hand.
    pub fn current() -> Self {
        CURRENT.try_with(Clone::clone).unwrap_or_default()
    }

    /// Runs `future` as this invocation: [`Invocation::current`] gives it meanwhile.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }
}

tokio::task_local! {
    static CURRENT: Invocation;
}

static COLD: AtomicBool = AtomicBool::new(true);

/// True the first time it is called in a process, false after: whether this invocation is the
/// process's first, which Lambda runs right after starting it.
pub fn cold_start() -> bool {
    COLD.swap(false, Ordering::Relaxed)
}

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

/// One EMF line of `invocation` with `metrics` (name, value, unit) under `dimensions` (name,
/// value), at `timestamp_ms` (epoch milliseconds).
pub fn emf_line(
    invocation: &Invocation,
    dimensions: &[(&str, &str)],
    metrics: &[(&str, f64, Unit)],
    timestamp_ms: i128,
) -> String {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    emf_line_in_sets(invocation, dimensions, &[&names], metrics, timestamp_ms)
}

/// Like [`emf_line`], with each metric recorded once per dimension set (a set names some of
/// `dimensions`; an empty set is the total over all of them).
pub fn emf_line_in_sets(
    invocation: &Invocation,
    dimensions: &[(&str, &str)],
    sets: &[&[&str]],
    metrics: &[(&str, f64, Unit)],
    timestamp_ms: i128,
) -> String {
    let mut root = Map::new();
    for (name, value) in [
        (REQUEST_ID_PROPERTY, &invocation.request_id),
        (TRACE_ID_PROPERTY, &invocation.xray_trace_id),
    ] {
        if let Some(value) = value {
            root.insert(name.to_string(), Value::from(value.as_str()));
        }
    }
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
        let invocation = Invocation {
            request_id: Some("8476a536-e9f4-11e8-9739-2dfe598c3fcd".into()),
            xray_trace_id: Some(
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".into(),
            ),
        };
        let line = emf_line(
            &invocation,
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
        assert_eq!(
            parsed[REQUEST_ID_PROPERTY],
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
        );
        assert_eq!(
            parsed[TRACE_ID_PROPERTY],
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
        );
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
        let outside = emf_line(&Invocation::default(), &[], &[], 0);
        let outside: Value = serde_json::from_str(&outside).unwrap();
        assert!(
            outside.get(REQUEST_ID_PROPERTY).is_none() && outside.get(TRACE_ID_PROPERTY).is_none()
        );
    }

    #[tokio::test]
    async fn the_current_invocation_is_the_one_a_task_runs_in() {
        let invocation = Invocation {
            request_id: Some("r-1".into()),
            xray_trace_id: Some("Root=1-2-3".into()),
        };
        let seen = invocation
            .clone()
            .scope(async { Invocation::current() })
            .await;
        assert_eq!(seen, invocation);
        assert_eq!(Invocation::current(), Invocation::default());
    }

    #[test]
    fn only_the_first_invocation_of_a_process_is_a_cold_start() {
        // Other tests in this process do not call it.
        assert!(cold_start());
        assert!(!cold_start());
        assert!(!cold_start());
    }
}
