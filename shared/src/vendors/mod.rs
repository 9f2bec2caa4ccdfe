//! The vendor port: each vendor is one module that says how it authenticates and how a verified
//! body is classified into event type, dedupe key, time and entity.

pub mod cyclesoftware;

use crate::event::Classified;
use crate::verify::Scheme;

/// What a vendor module provides to the pipeline.
pub trait Vendor: Send + Sync + 'static {
    /// The vendor's name in keys, envelopes, logs and binary names, e.g. `cyclesoftware`.
    fn name(&self) -> &'static str;

    /// How deliveries authenticate.
    fn authentication(&self) -> Authentication;

    /// Classifies a verified delivery. Only what classification needs may be required of the
    /// body; everything else is the consumers' business.
    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError>;
}

/// Whether the operator can choose the scheme with `AUTH_SCHEME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// The vendor offers exactly one scheme.
    Fixed(Scheme),
    /// The vendor lets its user configure one; `default` applies when `AUTH_SCHEME` is unset.
    Configurable { default: Scheme },
}

/// A verified delivery as classification sees it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The last segment of the request path (`process-status` in `/wayke/process-status`), or
    /// `None` when the path has no segment beyond the vendor's own.
    pub route: Option<&'a str>,
    /// The raw body, known to be UTF-8.
    pub body: &'a str,
}

/// Why a verified body cannot be classified. Maps to 400, or 404 for an unknown route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    #[error("the body is not JSON")]
    NotJson,
    #[error("a field has an unexpected type or value")]
    Shape,
    #[error("required field `{0}` is missing")]
    MissingField(String),
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField {
        field: &'static str,
        reason: &'static str,
    },
    #[error("unknown event type")]
    UnknownEventType,
}

impl ClassifyError {
    /// Maps a serde_json error on the body to a caller-safe error: syntax errors say "not JSON"
    /// and a missing field is named. Other shape errors say nothing more, because serde's message
    /// would quote the offending value, and values from bodies may be personal data.
    pub fn from_json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        match error.classify() {
            Category::Syntax | Category::Eof | Category::Io => Self::NotJson,
            Category::Data => {
                let message = error.to_string();
                match message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split_once('`'))
                {
                    Some((field, _)) => Self::MissingField(field.to_string()),
                    None => Self::Shape,
                }
            }
        }
    }
}

/// Limits on values used in keys and attributes, so that a hostile body cannot make an item or
/// message attribute that AWS refuses (which would turn bad input into a 5xx).
pub const MAX_ID_LEN: usize = 256;
pub const MAX_EVENT_TYPE_LEN: usize = 128;

/// Checks a vendor-supplied identifier or event name: non-empty, bounded, printable.
pub fn checked_text(field: &'static str, value: &str, max_len: usize) -> Result<(), ClassifyError> {
    if value.trim().is_empty() {
        return Err(ClassifyError::InvalidField {
            field,
            reason: "empty",
        });
    }
    if value.len() > max_len {
        return Err(ClassifyError::InvalidField {
            field,
            reason: "too long",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(ClassifyError::InvalidField {
            field,
            reason: "contains control characters",
        });
    }
    Ok(())
}
