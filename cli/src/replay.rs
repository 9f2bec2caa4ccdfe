//! `webhooks events replay ID…` and `webhooks replay --vendor V --from T --to T`: stored events
//! sent again, with their own envelope id, to every queue the deployed republisher's routing
//! names for them now, whatever their state; nothing stored changes. The sending is the claim
//! lifecycle's own replay step, the one the republisher runs.

use std::io::{IsTerminal, Write};
use std::time::Duration as StdDuration;

use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use time::Duration;
use webhook_core::claims::{Claims, DynamoStore};
use webhook_core::clock::SystemClock;
use webhook_core::config::RepublisherConfig;
use webhook_core::deadline::Deadline;
use webhook_core::fanout::{glob_matches, Routing, SqsPublisher};
use webhook_core::republish::SWEEP_CONCURRENCY;

use crate::error::CliError;
use crate::events;
use crate::output::{Output, Table};
use crate::window::Window;

/// Which events to replay.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Envelope ids or `<vendor>#<dedupe key>` keys; every one must exist.
    Ids(Vec<String>),
    /// A vendor's events received in a window, of the types `event_type` matches.
    Range {
        vendor: String,
        window: Window,
        event_type: Option<String>,
    },
}

/// What a replay did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplaySummary {
    pub dry_run: bool,
    /// Events selected.
    pub selected: usize,
    /// Events every routed queue took again.
    pub replayed: usize,
    /// Messages sent (or that would be).
    pub messages: usize,
    /// Events some queue did not take.
    pub failed: usize,
    /// Events that expired between being listed and being sent.
    pub gone: usize,
}

/// The deployed stack's replay: its table, its queues, its republisher's routing.
#[derive(Debug)]
pub struct Replayer {
    claims: Claims<DynamoStore, SqsPublisher, SystemClock>,
    routing: Routing,
    claim_deadline: StdDuration,
}

impl Replayer {
    pub fn new(store: DynamoStore, sqs: aws_sdk_sqs::Client, config: RepublisherConfig) -> Self {
        let dedupe_ttl = Duration::days(i64::from(config.dedupe_ttl_days));
        Self {
            routing: config.routing.clone(),
            claims: Claims::new(
                store,
                SqsPublisher::new(sqs),
                SystemClock,
                config.routing,
                dedupe_ttl,
            ),
            claim_deadline: config.claim_deadline,
        }
    }

    fn store(&self) -> &DynamoStore {
        self.claims.store()
    }

    /// Replays `selection` (or, `dry_run`, lists where each event would go), with a progress
    /// bar on a terminal; failures are reported on stderr as they happen.
    pub async fn run(
        &self,
        selection: &Selection,
        dry_run: bool,
        output: &mut Output,
    ) -> Result<ReplaySummary, CliError> {
        let pks = self.select(selection).await?;
        let mut summary = ReplaySummary {
            dry_run,
            selected: pks.len(),
            ..ReplaySummary::default()
        };
        if dry_run {
            self.dry_run(&pks, &mut summary, output).await?;
            return Ok(summary);
        }
        let progress = progress_bar(pks.len());
        let mut results = stream::iter(pks)
            .map(|pk| async move {
                let result = self.replay_one(&pk).await;
                (pk, result)
            })
            .buffer_unordered(SWEEP_CONCURRENCY);
        while let Some((pk, result)) = results.next().await {
            progress.inc(1);
            match result {
                Ok(Some(sent)) => {
                    summary.replayed += 1;
                    summary.messages += sent;
                }
                Ok(None) => summary.gone += 1,
                Err(reason) => {
                    summary.failed += 1;
                    progress
                        .suspend(|| output.note(&format!("could not replay {pk}: {reason}")))?;
                }
            }
        }
        progress.finish_and_clear();
        Ok(summary)
    }

    /// The keys of the selected events, oldest first for a range. Every id must name a stored
    /// event: an unknown one fails the command before anything is sent.
    async fn select(&self, selection: &Selection) -> Result<Vec<String>, CliError> {
        match selection {
            Selection::Ids(ids) => {
                let pks = events::keys(self.store(), ids).await?;
                // A key typed by hand must name a stored event too.
                let found = self.store().summaries(&pks).await?;
                match pks
                    .iter()
                    .find(|pk| !found.iter().any(|summary| &summary.pk == *pk))
                {
                    Some(missing) => Err(events::not_found(missing)),
                    None => Ok(pks),
                }
            }
            Selection::Range {
                vendor,
                window,
                event_type,
            } => {
                let pks = self
                    .store()
                    .all_received_between(vendor, &window.from, &window.to)
                    .await?;
                match event_type {
                    None => Ok(pks),
                    Some(glob) => Ok(self
                        .store()
                        .summaries(&pks)
                        .await?
                        .into_iter()
                        .filter(|summary| glob_matches(glob, &summary.event_type))
                        .map(|summary| summary.pk)
                        .collect()),
                }
            }
        }
    }

    /// Sends one event again: how many messages went out, or `None` if it is gone.
    async fn replay_one(&self, pk: &str) -> Result<Option<usize>, String> {
        let deadline = Deadline::after(self.claim_deadline);
        let replayed = self.claims.replay_stored(pk, &deadline).await;
        replayed.map_err(|error| error.to_string())
    }

    /// Lists each selected event and the queues the routing sends it to now; sends nothing.
    async fn dry_run(
        &self,
        pks: &[String],
        summary: &mut ReplaySummary,
        output: &mut Output,
    ) -> Result<(), CliError> {
        let summaries = self.store().summaries(pks).await?;
        summary.gone = pks.len() - summaries.len();
        let mut table = Table::new(&["RECEIVED", "TYPE", "ID", "QUEUES"]);
        for event in &summaries {
            let queues = self
                .routing
                .queues_for(&event.vendor, &event.event_type)
                .unwrap_or_default();
            summary.replayed += 1;
            summary.messages += queues.len();
            if output.json {
                output.json_line(&serde_json::json!({
                    "id": event.id,
                    "pk": event.pk,
                    "eventType": event.event_type,
                    "receivedAt": event.received_at,
                    "queues": queues,
                }))?;
            } else {
                let queues = if queues.is_empty() {
                    "(no rule routes it)".to_string()
                } else {
                    queues.join(",")
                };
                table.row(vec![
                    event.received_at.clone(),
                    event.event_type.clone(),
                    event.id.clone(),
                    queues,
                ]);
            }
        }
        if !output.json {
            table.print(output)?;
        }
        Ok(())
    }
}

/// The summary line (or JSON object) after a replay.
pub fn print_summary(output: &mut Output, summary: &ReplaySummary) -> Result<(), CliError> {
    if output.json {
        return output.json_line(&serde_json::to_value(summary).unwrap_or_default());
    }
    let verb = if summary.dry_run {
        "would replay"
    } else {
        "replayed"
    };
    let mut line = format!(
        "{verb} {} of {} events ({} messages)",
        summary.replayed, summary.selected, summary.messages
    );
    if !summary.dry_run {
        line.push_str(&format!("; {} failed", summary.failed));
    }
    if summary.gone > 0 {
        line.push_str(&format!("; {} expired meanwhile", summary.gone));
    }
    writeln!(output.out, "{line}")?;
    Ok(())
}

/// A bar on stderr when it is a terminal; hidden otherwise (a pipe, a log file, a test).
fn progress_bar(total: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {pos}/{len} events, {elapsed} so far, about {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}
