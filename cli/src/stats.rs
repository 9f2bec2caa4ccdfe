//! `webhooks stats`: per vendor and event type, the events accepted in a window and how many
//! of them are still pending (RECEIVED: not yet in every routed queue).

use std::collections::BTreeMap;

use serde::Serialize;
use webhook_core::claims::{DynamoStore, Status};

use crate::error::CliError;
use crate::output::{Output, Table};
use crate::window::Window;

/// The counts of one vendor's event type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub vendor: String,
    pub event_type: String,
    /// Events received (claimed) in the window.
    pub accepted: usize,
    /// Of those, the ones not yet in every routed queue.
    pub pending: usize,
}

/// The counts of `vendors`' events received in `window`, by vendor and type (sorted). Reads
/// the receipt index and each event's type and status, never its payload.
pub async fn count(
    store: &DynamoStore,
    vendors: &[&str],
    window: &Window,
) -> Result<Vec<Counts>, CliError> {
    let mut counts: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for vendor in vendors {
        let pks = store
            .all_received_between(vendor, &window.from, &window.to)
            .await?;
        for summary in store.summaries(&pks).await? {
            let entry = counts
                .entry((summary.vendor.clone(), summary.event_type.clone()))
                .or_insert_with(|| Counts {
                    vendor: summary.vendor.clone(),
                    event_type: summary.event_type.clone(),
                    ..Counts::default()
                });
            entry.accepted += 1;
            if summary.status == Status::Received {
                entry.pending += 1;
            }
        }
    }
    Ok(counts.into_values().collect())
}

/// A table with a total line, or one JSON object per vendor and type.
pub fn print(output: &mut Output, counts: &[Counts], window: &Window) -> Result<(), CliError> {
    if output.json {
        for entry in counts {
            output.json_line(&serde_json::to_value(entry).unwrap_or_default())?;
        }
        return Ok(());
    }
    let mut table = Table::new(&["VENDOR", "TYPE", "ACCEPTED", "PENDING"]);
    for entry in counts {
        table.row(vec![
            entry.vendor.clone(),
            entry.event_type.clone(),
            entry.accepted.to_string(),
            entry.pending.to_string(),
        ]);
    }
    table.row(vec![
        "total".into(),
        String::new(),
        counts.iter().map(|c| c.accepted).sum::<usize>().to_string(),
        counts.iter().map(|c| c.pending).sum::<usize>().to_string(),
    ]);
    table.print(output)?;
    output.note(&format!(
        "events received from {} to {}",
        window.from, window.to
    ))
}
