//! Operators' reads of the DynamoDB claim table (the `webhooks` CLI): receipt ranges newest
//! first, claims summed up without their payload, and a claim found by its envelope id. Never on
//! a function's path.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use futures_util::future::try_join_all;
use serde::Serialize;

use super::dynamo::{
    string_of, text, unavailable, Order, ATTR_ACCOUNT, ATTR_DEDUPE_KEY, ATTR_EVENT_TYPE, ATTR_ID,
    ATTR_OCCURRED_AT, ATTR_PUBLISHED_AT, ATTR_PUBLISHED_QUEUES, ATTR_STATUS,
};
use super::{
    DynamoStore, Status, StoreError, ATTR_PK, ATTR_RECEIVED_AT, ATTR_VENDOR, RECEIVED_INDEX,
};
use crate::event::event_id;

/// The most keys one BatchGetItem may ask for.
pub const BATCH_GET_MAX: usize = 100;
/// Keys read from the receipt index per query when reading a whole range.
const RANGE_PAGE: usize = 1000;
/// Segments of the parallel scan that looks a claim up by envelope id.
const ID_SCAN_SEGMENTS: i32 = 4;

/// What a list shows of a claim: everything but its payload, lease and digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimSummary {
    pub id: String,
    pub pk: String,
    pub vendor: String,
    pub event_type: String,
    pub dedupe_key: String,
    #[serde(serialize_with = "status_text")]
    pub status: Status,
    pub received_at: String,
    pub occurred_at: Option<String>,
    pub account: Option<String>,
    pub published_at: Option<String>,
    pub published_queues: Vec<String>,
}

fn status_text<S: serde::Serializer>(status: &Status, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(status.as_str())
}

/// The attributes a [`ClaimSummary`] is read from.
const SUMMARY_ATTRIBUTES: [&str; 11] = [
    ATTR_PK,
    ATTR_ID,
    ATTR_VENDOR,
    ATTR_EVENT_TYPE,
    ATTR_DEDUPE_KEY,
    ATTR_STATUS,
    ATTR_RECEIVED_AT,
    ATTR_OCCURRED_AT,
    ATTR_ACCOUNT,
    ATTR_PUBLISHED_AT,
    ATTR_PUBLISHED_QUEUES,
];

impl DynamoStore {
    /// The keys of every claim of `vendor` received in `[from, to)`, oldest first, read from
    /// the receipt index a page of [`RANGE_PAGE`] at a time.
    pub async fn all_received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut pks = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .received(
                    vendor,
                    from,
                    to,
                    RANGE_PAGE,
                    cursor.as_ref(),
                    Order::OldestFirst,
                )
                .await?;
            pks.extend(page.pks);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(pks),
            }
        }
    }

    /// The claims of `pks` without their payload, in the order of `pks`; a key with no claim
    /// (expired since it was listed) is left out. BatchGetItem, [`BATCH_GET_MAX`] keys a call,
    /// asking again for any keys DynamoDB left unprocessed.
    #[tracing::instrument(name = "dynamodb.BatchGetItem", skip_all, fields(table = %self.table))]
    pub async fn summaries(&self, pks: &[String]) -> Result<Vec<ClaimSummary>, StoreError> {
        let names: HashMap<String, String> = SUMMARY_ATTRIBUTES
            .iter()
            .enumerate()
            .map(|(index, attribute)| (format!("#a{index}"), attribute.to_string()))
            .collect();
        let projection = (0..SUMMARY_ATTRIBUTES.len())
            .map(|index| format!("#a{index}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut found: HashMap<String, ClaimSummary> = HashMap::with_capacity(pks.len());
        for chunk in pks.chunks(BATCH_GET_MAX) {
            // DynamoDB refuses a request that names a key twice.
            let unique: std::collections::BTreeSet<&String> = chunk.iter().collect();
            let mut keys: Vec<HashMap<String, AttributeValue>> = unique
                .into_iter()
                .map(|pk| HashMap::from([(ATTR_PK.to_string(), text(pk))]))
                .collect();
            while !keys.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut keys)))
                    .projection_expression(&projection)
                    .set_expression_attribute_names(Some(names.clone()))
                    .consistent_read(true)
                    .build()
                    .map_err(|error| StoreError::Unavailable(format!("BatchGetItem: {error}")))?;
                let output = self
                    .client
                    .get()
                    .await
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|error| unavailable("BatchGetItem", &error))?;
                for item in output
                    .responses()
                    .and_then(|tables| tables.get(&self.table))
                    .into_iter()
                    .flatten()
                {
                    let summary = summary_of(item)?;
                    found.insert(summary.pk.clone(), summary);
                }
                if let Some(left) = output
                    .unprocessed_keys()
                    .and_then(|tables| tables.get(&self.table))
                {
                    keys = left.keys().to_vec();
                }
            }
        }
        Ok(pks.iter().filter_map(|pk| found.remove(pk)).collect())
    }

    /// The keys of the claims whose envelope ids are `ids`, by id; an id with no claim is left
    /// out. The table has no index by id (it would cost every new event a write), and an id is a
    /// digest of the key, so this reads the keys-only receipt index in [`ID_SCAN_SEGMENTS`]
    /// parallel segments, computing each key's id, until every id is found: one read of the
    /// stored keys at most, however many ids, for an operator's occasional look-up.
    pub async fn keys_of_ids(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        let wanted: HashSet<String> = ids.iter().map(|id| id.to_ascii_lowercase()).collect();
        let found = Mutex::new(HashMap::with_capacity(wanted.len()));
        let segments =
            (0..ID_SCAN_SEGMENTS).map(|segment| self.scan_for_ids(&wanted, &found, segment));
        try_join_all(segments).await?;
        Ok(found.into_inner().unwrap_or_else(PoisonError::into_inner))
    }

    /// One segment of [`Self::keys_of_ids`]'s scan; stops early once every id is `found`.
    #[tracing::instrument(name = "dynamodb.Scan", skip_all, fields(table = %self.table))]
    async fn scan_for_ids(
        &self,
        wanted: &HashSet<String>,
        found: &Mutex<HashMap<String, String>>,
        segment: i32,
    ) -> Result<(), StoreError> {
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let output = self
                .client
                .get()
                .await
                .scan()
                .table_name(&self.table)
                .index_name(RECEIVED_INDEX)
                .projection_expression("#pk")
                .expression_attribute_names("#pk", ATTR_PK)
                .segment(segment)
                .total_segments(ID_SCAN_SEGMENTS)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|error| unavailable("Scan", &error))?;
            let mut found = found.lock().unwrap_or_else(PoisonError::into_inner);
            for pk in output
                .items()
                .iter()
                .filter_map(|item| string_of(item, ATTR_PK))
            {
                if let Some(id) = id_of_pk(&pk).filter(|id| wanted.contains(id)) {
                    found.insert(id, pk);
                }
            }
            if found.len() == wanted.len() {
                return Ok(());
            }
            drop(found);
            match output.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => return Ok(()),
            }
        }
    }
}

/// The envelope id of the claim stored under `pk` (`<vendor>#<dedupe key>`; vendor names have
/// no `#`).
pub fn id_of_pk(pk: &str) -> Option<String> {
    let (vendor, dedupe_key) = pk.split_once('#')?;
    Some(event_id(vendor, dedupe_key))
}

fn summary_of(item: &HashMap<String, AttributeValue>) -> Result<ClaimSummary, StoreError> {
    let pk = string_of(item, ATTR_PK).unwrap_or_default();
    let required = |attribute: &'static str| {
        string_of(item, attribute).ok_or_else(|| StoreError::Corrupt {
            pk: pk.clone(),
            attribute,
        })
    };
    let status = Status::parse(&required(ATTR_STATUS)?).ok_or_else(|| StoreError::Corrupt {
        pk: pk.clone(),
        attribute: ATTR_STATUS,
    })?;
    Ok(ClaimSummary {
        id: required(ATTR_ID)?,
        vendor: required(ATTR_VENDOR)?,
        event_type: required(ATTR_EVENT_TYPE)?,
        dedupe_key: required(ATTR_DEDUPE_KEY)?,
        status,
        received_at: required(ATTR_RECEIVED_AT)?,
        occurred_at: string_of(item, ATTR_OCCURRED_AT),
        account: string_of(item, ATTR_ACCOUNT),
        published_at: string_of(item, ATTR_PUBLISHED_AT),
        published_queues: item
            .get(ATTR_PUBLISHED_QUEUES)
            .and_then(|value| value.as_ss().ok())
            .cloned()
            .unwrap_or_default(),
        pk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_of_a_key_is_the_envelope_id_of_its_event() {
        let classified = crate::event::Classified {
            event_type: "t".into(),
            dedupe_key: "a#b".into(),
            occurred_at: None,
            entity: None,
            account: None,
            published: None,
        };
        let event = crate::event::Event::new(
            "wayke",
            &classified,
            time::OffsetDateTime::UNIX_EPOCH,
            "{}".into(),
        );
        assert_eq!(id_of_pk(&event.pk()).as_deref(), Some(event.id.as_str()));
        assert_eq!(id_of_pk("no-separator"), None);
    }
}
