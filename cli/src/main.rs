//! `webhooks`: the operator's command line for a deployed webhook receiver. Lists, shows and
//! replays the events stored in its DynamoDB table and counts them, through the same store and
//! publishing code as the functions. Composition only: arguments, then one command.

mod error;
mod events;
mod output;
mod replay;
mod stats;
mod target;
mod window;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::{Duration, OffsetDateTime};
use webhook_core::claims::Status;
use webhook_core::vendors;

use crate::error::{CliError, EXIT_CODES_HELP, EXIT_OK};
use crate::events::ListQuery;
use crate::output::Output;
use crate::replay::{Replayer, Selection};
use crate::target::{Location, Target};
use crate::window::Window;

const ABOUT: &str = "\
Look at and replay the events a deployed webhook receiver stored.

Every command reads the stack's DynamoDB table of events (one item per event, kept \
DEDUPE_TTL_DAYS after publication). Replays send events again to the queues the \
deployed republisher routes them to now, with the same envelope id, so consumers that \
drop repeats by id are safe.

Name the deployment with --stack (the CloudFormation stack: its table and republisher \
are found from its resources) or --table (the table itself; replays then also need \
--republisher). AWS access comes from the standard chain: AWS_PROFILE or the default \
profile (keys, role assumption, SSO, credential_process), AWS_ACCESS_KEY_ID and \
AWS_SECRET_ACCESS_KEY, web identity, container or instance credentials. AWS_ENDPOINT_URL \
points every call elsewhere (a local emulator).

Examples:
  webhooks --stack webhooks-prod events list --vendor wayke --since 1h
  webhooks --stack webhooks-prod events show 5f0c8a9e-3b1d-8c2a-9f4e-0a1b2c3d4e5f
  webhooks --stack webhooks-prod replay --vendor wayke --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z --dry-run
  webhooks --stack webhooks-prod stats --since 24h";

#[derive(Debug, Parser)]
#[command(name = "webhooks", version, about = ABOUT, after_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(flatten)]
    location: Location,
    /// One JSON object per line instead of a table (for scripts and jq).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, show or replay stored events.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Replay a vendor's events received in a time range.
    #[command(after_help = EXIT_CODES_HELP)]
    Replay(RangeReplayArgs),
    /// Count events per vendor and type: accepted, and still pending (not yet in every queue).
    #[command(after_help = EXIT_CODES_HELP)]
    Stats(StatsArgs),
}

#[derive(Debug, Subcommand)]
enum EventsCommand {
    /// A vendor's events, newest first.
    #[command(after_help = EXIT_CODES_HELP)]
    List(ListArgs),
    /// One event: what is stored about it and its payload (decompressed, pretty-printed).
    #[command(after_help = EXIT_CODES_HELP)]
    Show {
        /// The envelope id (the `id` consumers see) or `<vendor>#<dedupe key>`.
        id: String,
    },
    /// Send events again to the queues the current routing names (same envelope id).
    #[command(after_help = EXIT_CODES_HELP)]
    Replay {
        /// Envelope ids or `<vendor>#<dedupe key>` keys; all must exist, or nothing is sent.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Show where each event would go; send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
struct TimeArgs {
    /// How far back from now: 30m, 1h, 7d, 1h30m (units s, m, h, d, w).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    since: Option<String>,
    /// Start of the range, inclusive (RFC 3339: 2026-11-01T00:00:00Z).
    #[arg(long)]
    from: Option<String>,
    /// End of the range, exclusive (RFC 3339; default: now).
    #[arg(long, requires = "from")]
    to: Option<String>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The vendor.
    #[arg(long, value_parser = vendors::ALL)]
    vendor: String,
    /// Default: the last 24 hours.
    #[command(flatten)]
    time: TimeArgs,
    /// Only events in this state: received (not yet in every queue) or published.
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// Only event types matching this glob (`*` for any run of characters): `sales_order.*`.
    #[arg(long = "type", value_name = "GLOB")]
    event_type: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    limit: u32,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusArg {
    Received,
    Published,
}

#[derive(Debug, Args)]
struct RangeReplayArgs {
    /// The vendor.
    #[arg(long, value_parser = vendors::ALL)]
    vendor: String,
    /// Start of the range, inclusive (RFC 3339: 2026-11-01T00:00:00Z).
    #[arg(long)]
    from: String,
    /// End of the range, exclusive (RFC 3339).
    #[arg(long)]
    to: String,
    /// Only event types matching this glob (`*` for any run of characters).
    #[arg(long = "type", value_name = "GLOB")]
    event_type: Option<String>,
    /// Show which events would go to which queues; send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct StatsArgs {
    /// How far back from now (default 24h): 30m, 1h, 7d.
    #[arg(long, default_value = "24h")]
    since: String,
    /// Only this vendor (default: all).
    #[arg(long, value_parser = vendors::ALL)]
    vendor: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let mut output = Output::stdout(json);
    match run(cli, &mut output).await {
        Ok(()) => ExitCode::from(EXIT_OK),
        // `webhooks events list | head`: the reader had what it wanted.
        Err(CliError::Output(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(EXIT_OK)
        }
        Err(error) => {
            let _ = output.note(&format!("webhooks: {error}"));
            ExitCode::from(error.exit_code())
        }
    }
}

async fn run(cli: Cli, output: &mut Output) -> Result<(), CliError> {
    let location = cli.location;
    let now = OffsetDateTime::now_utc();
    match cli.command {
        Command::Events(EventsCommand::List(args)) => {
            let query = ListQuery {
                vendor: args.vendor,
                window: window(&args.time, Duration::DAY, now)?,
                status: args.status.map(|status| match status {
                    StatusArg::Received => Status::Received,
                    StatusArg::Published => Status::Published,
                }),
                event_type: args.event_type,
                limit: usize::try_from(args.limit).unwrap_or(usize::MAX),
            };
            let target = Target::resolve(&location).await?;
            let listed = events::list(&target.store(), &query).await?;
            events::print_list(output, &listed)
        }
        Command::Events(EventsCommand::Show { id }) => {
            let target = Target::resolve(&location).await?;
            let claim = events::find(&target.store(), &id).await?;
            events::print_claim(output, &claim)
        }
        Command::Events(EventsCommand::Replay { ids, dry_run }) => {
            replay(&location, &Selection::Ids(ids), dry_run, output).await
        }
        Command::Replay(args) => {
            let selection = Selection::Range {
                vendor: args.vendor,
                window: Window::of(None, Some(&args.from), Some(&args.to), Duration::DAY, now)?,
                event_type: args.event_type,
            };
            replay(&location, &selection, args.dry_run, output).await
        }
        Command::Stats(args) => {
            let vendors: Vec<&str> = match &args.vendor {
                Some(vendor) => vec![vendor],
                None => vendors::ALL.to_vec(),
            };
            let window = Window::of(Some(&args.since), None, None, Duration::DAY, now)?;
            let target = Target::resolve(&location).await?;
            let counts = stats::count(&target.store(), &vendors, &window).await?;
            stats::print(output, &counts, &window)
        }
    }
}

async fn replay(
    location: &Location,
    selection: &Selection,
    dry_run: bool,
    output: &mut Output,
) -> Result<(), CliError> {
    let target = Target::resolve(location).await?;
    let config = target.republisher_config().await?;
    let replayer = Replayer::new(target.store(), target.sqs(), config);
    let summary = replayer.run(selection, dry_run, output).await?;
    replay::print_summary(output, &summary)?;
    if summary.failed > 0 {
        return Err(CliError::Partial {
            failed: summary.failed,
            total: summary.selected,
        });
    }
    Ok(())
}

fn window(time: &TimeArgs, default: Duration, now: OffsetDateTime) -> Result<Window, CliError> {
    Window::of(
        time.since.as_deref(),
        time.from.as_deref(),
        time.to.as_deref(),
        default,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
