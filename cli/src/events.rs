//! `webhooks events list` and `webhooks events show`: stored claims as a table, as JSON lines,
//! or one in full with its payload.

use std::io::Write;

use serde_json::{json, Value};
use webhook_core::claims::{Claim, ClaimReader, ClaimSummary, DynamoStore, Order, Status};
use webhook_core::fanout::glob_matches;

use crate::error::CliError;
use crate::output::{Output, Table};
use crate::window::Window;

/// Keys read from the receipt index per page while listing.
const LIST_PAGE: usize = 100;

/// What `events list` shows.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub vendor: String,
    pub window: Window,
    pub status: Option<Status>,
    pub event_type: Option<String>,
    pub limit: usize,
}

/// `vendor`'s claims in the window that pass the filters, newest first, at most `limit`.
pub async fn list(store: &DynamoStore, query: &ListQuery) -> Result<Vec<ClaimSummary>, CliError> {
    let mut listed = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .received(
                &query.vendor,
                &query.window.from,
                &query.window.to,
                LIST_PAGE,
                cursor.as_ref(),
                Order::NewestFirst,
            )
            .await?;
        for summary in store.summaries(&page.pks).await? {
            let status_matches = query.status.is_none_or(|status| summary.status == status);
            let type_matches = query
                .event_type
                .as_deref()
                .is_none_or(|glob| glob_matches(glob, &summary.event_type));
            if status_matches && type_matches {
                listed.push(summary);
                if listed.len() == query.limit {
                    return Ok(listed);
                }
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(listed),
        }
    }
}

/// Prints `summaries` as a table, or as one JSON object per line.
pub fn print_list(output: &mut Output, summaries: &[ClaimSummary]) -> Result<(), CliError> {
    if output.json {
        for summary in summaries {
            output.json_line(&serde_json::to_value(summary).unwrap_or(Value::Null))?;
        }
        return Ok(());
    }
    let mut table = Table::new(&["RECEIVED", "STATUS", "TYPE", "ID", "DEDUPE KEY", "ACCOUNT"]);
    for summary in summaries {
        table.row(vec![
            summary.received_at.clone(),
            summary.status.as_str().to_string(),
            summary.event_type.clone(),
            summary.id.clone(),
            summary.dedupe_key.clone(),
            summary.account.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    table.print(output)?;
    if summaries.is_empty() {
        output.note("no events match")?;
    }
    Ok(())
}

/// The claim an operator names: its envelope id (a UUID, as consumers see it) or its key,
/// `<vendor>#<dedupe key>`.
pub async fn find(store: &DynamoStore, id: &str) -> Result<Claim, CliError> {
    let pks = keys(store, &[id.to_string()]).await?;
    let claim = match pks.first() {
        Some(pk) => store.load(pk).await?,
        None => None,
    };
    claim.ok_or_else(|| not_found(id))
}

/// The keys of the claims `ids` name (envelope ids, looked up together, or keys), in the order
/// given, each once. Fails on an id that is neither, or names no stored event.
pub async fn keys(store: &DynamoStore, ids: &[String]) -> Result<Vec<String>, CliError> {
    let envelope_ids: Vec<String> = ids.iter().filter(|id| !id.contains('#')).cloned().collect();
    if let Some(malformed) = envelope_ids.iter().find(|id| !is_uuid(id)) {
        return Err(CliError::Usage(format!(
            "{malformed:?} is neither an envelope id (a UUID) nor <vendor>#<dedupe key>"
        )));
    }
    let by_id = if envelope_ids.is_empty() {
        Default::default()
    } else {
        store.keys_of_ids(&envelope_ids).await?
    };
    let mut pks: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let pk = if id.contains('#') {
            id.clone()
        } else {
            by_id
                .get(&id.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| not_found(id))?
        };
        if !pks.contains(&pk) {
            pks.push(pk);
        }
    }
    Ok(pks)
}

pub fn not_found(id: &str) -> CliError {
    CliError::NotFound(format!(
        "no stored event {id} (an envelope id or <vendor>#<dedupe key>; events are kept \
         DEDUPE_TTL_DAYS after publication)"
    ))
}

/// Whether `text` has the form of a UUID: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, length)| {
            group.len() == length && group.chars().all(|c| c.is_ascii_hexdigit())
        })
}

/// The claim as `events show` prints it: everything stored but the lease token, with the
/// payload decompressed and, when it is JSON, as JSON.
pub fn shown(claim: &Claim) -> Value {
    let event = &claim.event;
    let payload = serde_json::from_str::<Value>(&event.payload)
        .unwrap_or_else(|_| Value::String(event.payload.clone()));
    json!({
        "pk": claim.pk(),
        "id": event.id,
        "vendor": event.vendor,
        "eventType": event.event_type,
        "dedupeKey": event.dedupe_key,
        "account": event.account,
        "status": claim.status.as_str(),
        "receivedAt": event.received_at,
        "occurredAt": event.occurred_at,
        "messageGroup": event.message_group,
        "publishedQueues": claim.published_queues,
        "expiresAt": claim.expires_at,
        "leaseUntil": claim.lease.until,
        "bodyDigest": claim.body_digest,
        "payload": payload,
    })
}

/// Prints a claim pretty-printed (or, with `--json`, on one line).
pub fn print_claim(output: &mut Output, claim: &Claim) -> Result<(), CliError> {
    let value = shown(claim);
    if output.json {
        return output.json_line(&value);
    }
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    writeln!(output.out, "{text}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_ids_are_uuids() {
        assert!(is_uuid("5f0c8a9e-3b1d-8c2a-9f4e-0a1b2c3d4e5f"));
        assert!(is_uuid("5F0C8A9E-3B1D-8C2A-9F4E-0A1B2C3D4E5F"));
        for not_one in [
            "",
            "5f0c8a9e",
            "5f0c8a9e-3b1d-8c2a-9f4e-0a1b2c3d4e5",
            "5f0c8a9e-3b1d-8c2a-9f4e-0a1b2c3d4e5g",
        ] {
            assert!(!is_uuid(not_one), "{not_one}");
        }
    }
}
