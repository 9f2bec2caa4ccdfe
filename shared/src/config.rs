//! Configuration from the environment, validated at start-up: a missing or invalid variable
//! stops the function with a message naming it (and never showing a secret).

use crate::fanout::Routes;
use crate::vendors::{Authentication, Vendor};
use crate::verify::{Scheme, Secrets, Verifier};

pub const EVENTS_TABLE: &str = "EVENTS_TABLE";
pub const FANOUT: &str = "FANOUT";
pub const WEBHOOK_SECRETS: &str = "WEBHOOK_SECRETS";
pub const AUTH_SCHEME: &str = "AUTH_SCHEME";
pub const DEDUPE_TTL_DAYS: &str = "DEDUPE_TTL_DAYS";
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";

/// Every variable a vendor function reads (`AUTH_SCHEME` only where the scheme is configurable).
pub const VENDOR_VARIABLES: [&str; 6] = [
    EVENTS_TABLE,
    FANOUT,
    WEBHOOK_SECRETS,
    AUTH_SCHEME,
    DEDUPE_TTL_DAYS,
    MAX_BODY_BYTES,
];
/// Every variable the republisher reads.
pub const REPUBLISHER_VARIABLES: [&str; 1] = [EVENTS_TABLE];

/// Claims are kept this many days unless `DEDUPE_TTL_DAYS` says otherwise.
pub const DEFAULT_DEDUPE_TTL_DAYS: u32 = 7;
/// The longest `DEDUPE_TTL_DAYS` accepted (ten years: anything longer is surely a mistake).
pub const MAX_DEDUPE_TTL_DAYS: u32 = 3650;
/// Bodies above `MAX_BODY_BYTES` are refused with 413 before anything is parsed or stored; by
/// default 256 KiB, which always fits a claim uncompressed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// The largest `MAX_BODY_BYTES` accepted: an SQS message is at most 1 MiB, envelope fields and
/// message attributes included, so 8 KiB are kept for those. (Bodies this large are stored
/// compressed, and refused with 413 if even compressed they would not fit a DynamoDB item.)
pub const LARGEST_MAX_BODY_BYTES: usize = 1024 * 1024 - 8 * 1024;

/// Everything a vendor function needs besides its AWS clients.
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table of claims.
    pub table: String,
    pub routes: Routes,
    pub verifier: Verifier,
    pub dedupe_ttl_days: u32,
    pub max_body_bytes: usize,
}

/// A variable that is missing or invalid. The message names the variable and why, never its
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        variable: &'static str,
        reason: String,
    },
}

/// The table, the only variable the republisher reads (it publishes to the queues each claim
/// recorded, so it needs no `FANOUT`).
pub fn events_table(lookup: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    lookup(EVENTS_TABLE)
        .map(|table| table.trim().to_string())
        .filter(|table| !table.is_empty())
        .ok_or(ConfigError::Missing(EVENTS_TABLE))
}

impl Config {
    /// Reads the configuration of `vendor`'s function from the process environment.
    pub fn from_env(vendor: &impl Vendor) -> Result<Self, ConfigError> {
        Self::from_lookup(vendor, |name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        vendor: &impl Vendor,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let present = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let required = |name: &'static str| present(name).ok_or(ConfigError::Missing(name));
        let invalid = |variable: &'static str| {
            move |reason: String| ConfigError::Invalid { variable, reason }
        };

        let table = events_table(&lookup)?;
        let routes: Routes = required(FANOUT)?
            .parse()
            .map_err(|e: crate::fanout::RoutesError| invalid(FANOUT)(e.to_string()))?;
        let secrets = Secrets::parse_list(&required(WEBHOOK_SECRETS)?)
            .map_err(|e| invalid(WEBHOOK_SECRETS)(e.to_string()))?;
        let scheme = scheme(vendor, present(AUTH_SCHEME))?;
        let verifier =
            Verifier::new(scheme, secrets).map_err(|e| invalid(WEBHOOK_SECRETS)(e.to_string()))?;
        let dedupe_ttl_days = match present(DEDUPE_TTL_DAYS) {
            None => DEFAULT_DEDUPE_TTL_DAYS,
            Some(days) => days
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=MAX_DEDUPE_TTL_DAYS).contains(days))
                .ok_or_else(|| {
                    invalid(DEDUPE_TTL_DAYS)(format!(
                        "expected a whole number of days from 1 to {MAX_DEDUPE_TTL_DAYS}"
                    ))
                })?,
        };
        let max_body_bytes = match present(MAX_BODY_BYTES) {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(bytes) => bytes
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|bytes| (1..=LARGEST_MAX_BODY_BYTES).contains(bytes))
                .ok_or_else(|| {
                    invalid(MAX_BODY_BYTES)(format!(
                        "expected a number of bytes from 1 to {LARGEST_MAX_BODY_BYTES}"
                    ))
                })?,
        };
        Ok(Self {
            table,
            routes,
            verifier,
            dedupe_ttl_days,
            max_body_bytes,
        })
    }
}

/// The scheme: the vendor's fixed one, or `AUTH_SCHEME` where the vendor lets users choose.
fn scheme(vendor: &impl Vendor, configured: Option<String>) -> Result<Scheme, ConfigError> {
    let parsed = configured
        .map(|text| {
            text.parse::<Scheme>().map_err(|e| ConfigError::Invalid {
                variable: AUTH_SCHEME,
                reason: e.to_string(),
            })
        })
        .transpose()?;
    match (vendor.authentication(), parsed) {
        (Authentication::Configurable { default }, parsed) => Ok(parsed.unwrap_or(default)),
        (Authentication::Fixed(fixed), None) => Ok(fixed),
        (Authentication::Fixed(fixed), Some(parsed)) if parsed == fixed => Ok(fixed),
        (Authentication::Fixed(fixed), Some(_)) => Err(ConfigError::Invalid {
            variable: AUTH_SCHEME,
            reason: format!("{} only supports {fixed}; leave it unset", vendor.name()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::cyclesoftware::CycleSoftware;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const VALID: [(&str, &str); 3] = [
        (EVENTS_TABLE, "events"),
        (FANOUT, "*=https://sqs.eu-west-1.amazonaws.com/1/all"),
        (WEBHOOK_SECRETS, "s3cret-one,s3cret-two"),
    ];

    #[test]
    fn a_valid_environment_gives_defaults_where_unset() {
        let config = Config::from_lookup(&CycleSoftware, lookup(&VALID)).unwrap();
        assert_eq!(config.table, "events");
        assert_eq!(config.dedupe_ttl_days, DEFAULT_DEDUPE_TTL_DAYS);
        assert_eq!(
            config.verifier.scheme().to_string(),
            "hmac-sha256:x-cyclesoftware-signature"
        );
        assert_eq!(
            config.routes.queues_for("x"),
            vec!["https://sqs.eu-west-1.amazonaws.com/1/all"]
        );
    }

    #[test]
    fn each_missing_variable_is_named() {
        for missing in [EVENTS_TABLE, FANOUT, WEBHOOK_SECRETS] {
            let pairs: Vec<_> = VALID
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            assert_eq!(
                Config::from_lookup(&CycleSoftware, lookup(&pairs)).unwrap_err(),
                ConfigError::Missing(missing)
            );
            let mut blank = pairs.clone();
            blank.push((missing, "  "));
            assert_eq!(
                Config::from_lookup(&CycleSoftware, lookup(&blank)).unwrap_err(),
                ConfigError::Missing(missing)
            );
        }
    }

    #[test]
    fn invalid_values_are_named_without_showing_secrets() {
        let cases = [
            (FANOUT, "no-equals-sign"),
            (WEBHOOK_SECRETS, "supersecret,,other"),
            (DEDUPE_TTL_DAYS, "0"),
            (DEDUPE_TTL_DAYS, "seven"),
            (DEDUPE_TTL_DAYS, "99999"),
            (AUTH_SCHEME, "token:x-other"),
            (AUTH_SCHEME, "rot13"),
            (MAX_BODY_BYTES, "0"),
            (MAX_BODY_BYTES, "2000000"),
        ];
        for (variable, value) in cases {
            let mut pairs = VALID.to_vec();
            pairs.retain(|(k, _)| *k != variable);
            pairs.push((variable, value));
            let error = Config::from_lookup(&CycleSoftware, lookup(&pairs)).unwrap_err();
            assert!(
                matches!(error, ConfigError::Invalid { variable: v, .. } if v == variable),
                "{error}"
            );
            let message = error.to_string();
            assert!(message.starts_with(variable), "{message}");
            assert!(!message.contains("supersecret"), "{message}");
        }
    }

    #[test]
    fn a_fixed_scheme_vendor_accepts_its_own_scheme_spelled_out() {
        let mut pairs = VALID.to_vec();
        pairs.push((AUTH_SCHEME, "hmac-sha256:X-CycleSoftware-Signature"));
        let config = Config::from_lookup(&CycleSoftware, lookup(&pairs)).unwrap();
        assert_eq!(
            config.verifier.scheme().to_string(),
            "hmac-sha256:x-cyclesoftware-signature"
        );
        pairs.push((DEDUPE_TTL_DAYS, "30"));
        assert_eq!(
            Config::from_lookup(&CycleSoftware, lookup(&pairs))
                .unwrap()
                .dedupe_ttl_days,
            30
        );
    }
}
