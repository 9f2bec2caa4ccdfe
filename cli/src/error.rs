//! What can go wrong, and the exit code each kind of failure ends the command with.

use webhook_core::claims::StoreError;

/// The command did what it was asked.
pub const EXIT_OK: u8 = 0;
/// The command did not complete: some events could not be replayed (the others were), or the
/// output could not be written.
pub const EXIT_PARTIAL: u8 = 1;
/// The command line is wrong: an unknown option, a bad time, a missing `--stack`/`--table`.
pub const EXIT_USAGE: u8 = 2;
/// What was named does not exist: the stack, the table, the republisher, an event id.
pub const EXIT_NOT_FOUND: u8 = 3;
/// AWS could not be used: no credentials or region, access denied, a service unreachable.
pub const EXIT_AWS: u8 = 4;

/// The exit codes as `--help` and the README give them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  done
  1  incomplete: some events could not be replayed (the others were; run the same
     command again), or the output could not be written
  2  invalid command line (unknown option, bad time or duration, no --stack or --table)
  3  not found: the stack, the table, the republisher function or an event id
  4  AWS could not be used: no credentials or region, access denied, service unreachable";

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("no AWS credentials: {0}")]
    NoCredentials(String),
    #[error("{0}")]
    Aws(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{failed} of {total} events could not be replayed; run the same command again")]
    Partial { failed: usize, total: usize },
    #[error("writing the output failed: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::NotFound(_) => EXIT_NOT_FOUND,
            Self::NoCredentials(_) | Self::Aws(_) | Self::Store(_) => EXIT_AWS,
            Self::Partial { .. } | Self::Output(_) => EXIT_PARTIAL,
        }
    }
}
