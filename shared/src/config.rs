//! Configuration from the environment, validated at start-up: a missing or invalid variable
//! stops the function with a message naming it (and never showing a secret).

use std::sync::Arc;
use std::time::Duration;

use crate::clock::SystemClock;
use crate::fanout::{Routes, RoutesError, Routing};
use crate::secrets::{Authenticator, SecretsManager, SecretsSetting};
use crate::vendors::{Authentication, Vendor};
use crate::verify::{Scheme, Secrets, Verifier};

pub const EVENTS_TABLE: &str = "EVENTS_TABLE";
pub const FANOUT: &str = "FANOUT";
pub const WEBHOOK_SECRETS: &str = "WEBHOOK_SECRETS";
pub const WEBHOOK_SECRETS_ARN: &str = "WEBHOOK_SECRETS_ARN";
pub const SECRETS_REFRESH_SECONDS: &str = "SECRETS_REFRESH_SECONDS";
pub const AUTH_SCHEME: &str = "AUTH_SCHEME";
pub const DEDUPE_TTL_DAYS: &str = "DEDUPE_TTL_DAYS";
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
pub const DELIVERY_DEADLINE_MS: &str = "DELIVERY_DEADLINE_MS";

/// Every variable a vendor function reads (`AUTH_SCHEME` only where the scheme is configurable;
/// `WEBHOOK_SECRETS` or `WEBHOOK_SECRETS_ARN`, not both).
pub const VENDOR_VARIABLES: [&str; 9] = [
    EVENTS_TABLE,
    FANOUT,
    WEBHOOK_SECRETS,
    WEBHOOK_SECRETS_ARN,
    SECRETS_REFRESH_SECONDS,
    AUTH_SCHEME,
    DEDUPE_TTL_DAYS,
    MAX_BODY_BYTES,
    DELIVERY_DEADLINE_MS,
];

/// Every variable the republisher reads: these, and [`fanout_variable`] of every vendor.
pub const REPUBLISHER_VARIABLES: [&str; 3] = [EVENTS_TABLE, DEDUPE_TTL_DAYS, DELIVERY_DEADLINE_MS];

/// The republisher's routing variable for `vendor`: `FANOUT_` and the vendor's name in upper
/// case with `_` for `-` (`FANOUT_SERVICE_ORDER_HUB`). Same rules as the vendor function's
/// `FANOUT`, and the same value.
pub fn fanout_variable(vendor: &str) -> String {
    format!("{FANOUT}_{}", vendor.to_ascii_uppercase().replace('-', "_"))
}

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
/// A delivery is answered within this many milliseconds unless `DELIVERY_DEADLINE_MS` says
/// otherwise: 4 s, so the answer reaches a vendor that waits 5 s (Revo Xef) with a second to
/// spare for the network, API Gateway and a cold start.
pub const DEFAULT_DELIVERY_DEADLINE_MS: u64 = 4000;
/// The range of `DELIVERY_DEADLINE_MS`. The largest stays below the vendor functions' Lambda
/// timeout (10 s in template.yaml), which stays below a claim's lease (30 s,
/// [`crate::claims::LEASE`]): a live delivery never loses its claim.
pub const DELIVERY_DEADLINE_MS_RANGE: std::ops::RangeInclusive<u64> = 100..=8000;
/// Secrets read from Secrets Manager are kept this many seconds unless
/// `SECRETS_REFRESH_SECONDS` says otherwise.
pub const DEFAULT_REFRESH_SECONDS: u32 = 300;
/// The longest `SECRETS_REFRESH_SECONDS` accepted: a day.
pub const MAX_SECRETS_REFRESH_SECONDS: u32 = 86_400;

/// Everything a vendor function needs besides its AWS clients.
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table of claims.
    pub table: String,
    pub routes: Routes,
    /// Checks deliveries against the secrets of `WEBHOOK_SECRETS` or `WEBHOOK_SECRETS_ARN`.
    pub authenticator: Authenticator,
    pub dedupe_ttl_days: u32,
    pub max_body_bytes: usize,
    /// Every delivery is answered within this.
    pub delivery_deadline: Duration,
}

/// Everything the republisher needs besides its AWS clients.
#[derive(Debug, Clone)]
pub struct RepublisherConfig {
    pub table: String,
    /// The routing of every vendor it sweeps.
    pub routing: Routing,
    pub dedupe_ttl_days: u32,
    /// What one claim may take, as for a delivery.
    pub claim_deadline: Duration,
}

/// A variable that is missing or invalid. The message names the variable and why, never its
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(String),
    #[error("neither {0} nor {1} is set: set one")]
    MissingEither(&'static str, &'static str),
    #[error("{0} and {1} are both set: set only one")]
    Conflict(&'static str, &'static str),
    #[error("{variable} is invalid: {reason}")]
    Invalid { variable: String, reason: String },
}

/// A value that is set and not blank.
fn present(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|value| !value.trim().is_empty())
}

fn required(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<String, ConfigError> {
    present(lookup, name).ok_or_else(|| ConfigError::Missing(name.to_string()))
}

fn invalid(variable: &str, reason: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        variable: variable.to_string(),
        reason: reason.to_string(),
    }
}

/// A whole number in `range` from variable `name`, `default` when unset.
fn number_in<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    range: std::ops::RangeInclusive<T>,
    default: T,
    unit: &str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match present(lookup, name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse::<T>()
            .ok()
            .filter(|number| range.contains(number))
            .ok_or_else(|| {
                invalid(
                    name,
                    format!(
                        "expected a whole number of {unit} from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
    }
}

fn table(lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    required(lookup, EVENTS_TABLE).map(|table| table.trim().to_string())
}

fn routes(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Routes, ConfigError> {
    required(lookup, name)?
        .parse()
        .map_err(|error: RoutesError| invalid(name, error))
}

fn dedupe_ttl_days(lookup: &impl Fn(&str) -> Option<String>) -> Result<u32, ConfigError> {
    number_in(
        lookup,
        DEDUPE_TTL_DAYS,
        1..=MAX_DEDUPE_TTL_DAYS,
        DEFAULT_DEDUPE_TTL_DAYS,
        "days",
    )
}

fn delivery_deadline(lookup: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    number_in(
        lookup,
        DELIVERY_DEADLINE_MS,
        DELIVERY_DEADLINE_MS_RANGE,
        DEFAULT_DELIVERY_DEADLINE_MS,
        "milliseconds",
    )
    .map(Duration::from_millis)
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
        let table = table(&lookup)?;
        let routes = routes(&lookup, FANOUT)?;
        let scheme = scheme(vendor, present(&lookup, AUTH_SCHEME))?;
        let authenticator = match secrets_setting(&lookup)? {
            SecretsSetting::Listed(secrets) => Authenticator::listed(
                Verifier::new(scheme, secrets).map_err(|e| invalid(WEBHOOK_SECRETS, e))?,
            ),
            SecretsSetting::Managed { secret_id, refresh } => Authenticator::managed(
                scheme,
                secret_id,
                refresh,
                Arc::new(SecretsManager::from_environment()),
                Arc::new(SystemClock),
            ),
        };
        Ok(Self {
            table,
            routes,
            authenticator,
            dedupe_ttl_days: dedupe_ttl_days(&lookup)?,
            max_body_bytes: number_in(
                &lookup,
                MAX_BODY_BYTES,
                1..=LARGEST_MAX_BODY_BYTES,
                DEFAULT_MAX_BODY_BYTES,
                "bytes",
            )?,
            delivery_deadline: delivery_deadline(&lookup)?,
        })
    }
}

impl RepublisherConfig {
    /// Reads the republisher's configuration, for `vendors`, from the process environment.
    pub fn from_env(vendors: &[&str]) -> Result<Self, ConfigError> {
        Self::from_lookup(vendors, |name| std::env::var(name).ok())
    }

    /// Reads it through `lookup`: every vendor needs its routing variable.
    pub fn from_lookup(
        vendors: &[&str],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let table = table(&lookup)?;
        let routing = vendors
            .iter()
            .try_fold(Routing::default(), |routing, vendor| {
                Ok::<_, ConfigError>(
                    routing.with(vendor, routes(&lookup, &fanout_variable(vendor))?),
                )
            })?;
        Ok(Self {
            table,
            routing,
            dedupe_ttl_days: dedupe_ttl_days(&lookup)?,
            claim_deadline: delivery_deadline(&lookup)?,
        })
    }
}

/// Where the secrets come from: `WEBHOOK_SECRETS` (local runs and tests) or `WEBHOOK_SECRETS_ARN`
/// (deployed), exactly one of them; an empty value counts as unset.
pub fn secrets_setting(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<SecretsSetting, ConfigError> {
    match (
        present(lookup, WEBHOOK_SECRETS),
        present(lookup, WEBHOOK_SECRETS_ARN),
    ) {
        (Some(_), Some(_)) => Err(ConfigError::Conflict(WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN)),
        (None, None) => Err(ConfigError::MissingEither(
            WEBHOOK_SECRETS_ARN,
            WEBHOOK_SECRETS,
        )),
        (Some(list), None) => Secrets::parse_list(&list)
            .map(SecretsSetting::Listed)
            .map_err(|e| invalid(WEBHOOK_SECRETS, e)),
        (None, Some(secret_id)) => {
            let seconds = number_in(
                lookup,
                SECRETS_REFRESH_SECONDS,
                1..=MAX_SECRETS_REFRESH_SECONDS,
                DEFAULT_REFRESH_SECONDS,
                "seconds",
            )?;
            Ok(SecretsSetting::Managed {
                secret_id: secret_id.trim().to_string(),
                refresh: time::Duration::seconds(i64::from(seconds)),
            })
        }
    }
}

/// The scheme: the vendor's fixed one, or `AUTH_SCHEME` where the vendor lets users choose.
fn scheme(vendor: &impl Vendor, configured: Option<String>) -> Result<Scheme, ConfigError> {
    let parsed = configured
        .map(|text| text.parse::<Scheme>().map_err(|e| invalid(AUTH_SCHEME, e)))
        .transpose()?;
    match (vendor.authentication(), parsed) {
        (Authentication::Configurable { default }, parsed) => Ok(parsed.unwrap_or(default)),
        (Authentication::Fixed(fixed), None) => Ok(fixed),
        (Authentication::Fixed(fixed), Some(parsed)) if parsed == fixed => Ok(fixed),
        (Authentication::Fixed(fixed), Some(_)) => Err(invalid(
            AUTH_SCHEME,
            format!("{} only supports {fixed}; leave it unset", vendor.name()),
        )),
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
        assert_eq!(config.delivery_deadline, Duration::from_millis(4000));
        assert_eq!(
            config.authenticator.scheme().to_string(),
            "hmac-sha256:x-cyclesoftware-signature"
        );
        assert_eq!(
            config.routes.queues_for("x"),
            vec!["https://sqs.eu-west-1.amazonaws.com/1/all"]
        );
    }

    #[test]
    fn each_missing_variable_is_named() {
        for missing in [EVENTS_TABLE, FANOUT] {
            let pairs: Vec<_> = VALID
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            assert_eq!(
                Config::from_lookup(&CycleSoftware, lookup(&pairs)).unwrap_err(),
                ConfigError::Missing(missing.to_string())
            );
            let mut blank = pairs.clone();
            blank.push((missing, "  "));
            assert_eq!(
                Config::from_lookup(&CycleSoftware, lookup(&blank)).unwrap_err(),
                ConfigError::Missing(missing.to_string())
            );
        }
    }

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stack/wayke-AbCdEf";

    fn setting(pairs: &[(&str, &str)]) -> Result<SecretsSetting, ConfigError> {
        secrets_setting(&lookup(pairs))
    }

    #[test]
    fn the_secrets_come_from_exactly_one_of_the_list_and_secrets_manager() {
        let Ok(SecretsSetting::Managed { secret_id, refresh }) =
            setting(&[(WEBHOOK_SECRETS_ARN, ARN), (WEBHOOK_SECRETS, " ")])
        else {
            panic!("an ARN alone (an empty list counts as unset) reads Secrets Manager")
        };
        assert_eq!(
            (secret_id.as_str(), refresh),
            (ARN, time::Duration::seconds(DEFAULT_REFRESH_SECONDS.into()))
        );
        assert!(matches!(
            setting(&[(WEBHOOK_SECRETS, "a,b"), (WEBHOOK_SECRETS_ARN, "")]),
            Ok(SecretsSetting::Listed(_))
        ));
        let both = setting(&[(WEBHOOK_SECRETS, "a"), (WEBHOOK_SECRETS_ARN, ARN)]).unwrap_err();
        assert_eq!(
            both,
            ConfigError::Conflict(WEBHOOK_SECRETS, WEBHOOK_SECRETS_ARN)
        );
        assert_eq!(
            both.to_string(),
            "WEBHOOK_SECRETS and WEBHOOK_SECRETS_ARN are both set: set only one"
        );
        for neither in [
            &[][..],
            &[(WEBHOOK_SECRETS, ""), (WEBHOOK_SECRETS_ARN, "  ")][..],
        ] {
            let error = setting(neither).unwrap_err();
            assert_eq!(
                error.to_string(),
                "neither WEBHOOK_SECRETS_ARN nor WEBHOOK_SECRETS is set: set one"
            );
        }
        let pairs: Vec<_> = VALID
            .iter()
            .copied()
            .filter(|(k, _)| *k != WEBHOOK_SECRETS)
            .collect();
        assert_eq!(
            Config::from_lookup(&CycleSoftware, lookup(&pairs)).unwrap_err(),
            ConfigError::MissingEither(WEBHOOK_SECRETS_ARN, WEBHOOK_SECRETS)
        );
        let mut managed = pairs.clone();
        managed.push((WEBHOOK_SECRETS_ARN, ARN));
        let config = Config::from_lookup(&CycleSoftware, lookup(&managed)).unwrap();
        assert_eq!(
            config.authenticator.scheme().to_string(),
            "hmac-sha256:x-cyclesoftware-signature"
        );
    }

    #[test]
    fn the_refresh_interval_is_whole_seconds_up_to_a_day() {
        let with = |seconds: &str| {
            setting(&[
                (WEBHOOK_SECRETS_ARN, ARN),
                (SECRETS_REFRESH_SECONDS, seconds),
            ])
        };
        assert!(matches!(
            with("60"),
            Ok(SecretsSetting::Managed { refresh, .. }) if refresh == time::Duration::minutes(1)
        ));
        assert!(matches!(
            with("86400"),
            Ok(SecretsSetting::Managed { refresh, .. }) if refresh == time::Duration::days(1)
        ));
        for wrong in ["0", "-5", "86401", "5m", "1.5"] {
            assert!(
                matches!(
                    with(wrong),
                    Err(ConfigError::Invalid { variable, .. }) if variable == SECRETS_REFRESH_SECONDS
                ),
                "{wrong}"
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
            (DELIVERY_DEADLINE_MS, "99"),
            (DELIVERY_DEADLINE_MS, "8001"),
            (DELIVERY_DEADLINE_MS, "4s"),
        ];
        for (variable, value) in cases {
            let mut pairs = VALID.to_vec();
            pairs.retain(|(k, _)| *k != variable);
            pairs.push((variable, value));
            let error = Config::from_lookup(&CycleSoftware, lookup(&pairs)).unwrap_err();
            assert!(
                matches!(&error, ConfigError::Invalid { variable: v, .. } if v == variable),
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
            config.authenticator.scheme().to_string(),
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

    #[test]
    fn the_republisher_needs_the_routing_of_every_vendor() {
        assert_eq!(
            fanout_variable("service-order-hub"),
            "FANOUT_SERVICE_ORDER_HUB"
        );
        let vendors = ["wayke", "revo-xef"];
        let pairs = [
            (EVENTS_TABLE, "events"),
            ("FANOUT_WAYKE", "*=https://sqs.eu-west-1.amazonaws.com/1/w"),
            (
                "FANOUT_REVO_XEF",
                "order.*=https://sqs.eu-west-1.amazonaws.com/1/r",
            ),
            (DELIVERY_DEADLINE_MS, "2500"),
        ];
        let config = RepublisherConfig::from_lookup(&vendors, lookup(&pairs)).unwrap();
        assert_eq!(
            config.routing.queues_for("revo-xef", "order.created"),
            Some(vec!["https://sqs.eu-west-1.amazonaws.com/1/r"])
        );
        assert_eq!(config.claim_deadline, Duration::from_millis(2500));
        assert_eq!(config.dedupe_ttl_days, DEFAULT_DEDUPE_TTL_DAYS);
        let without_revo: Vec<_> = pairs
            .iter()
            .copied()
            .filter(|(k, _)| *k != "FANOUT_REVO_XEF")
            .collect();
        assert_eq!(
            RepublisherConfig::from_lookup(&vendors, lookup(&without_revo)).unwrap_err(),
            ConfigError::Missing("FANOUT_REVO_XEF".into())
        );
        let mut broken = pairs.to_vec();
        broken.push(("FANOUT_WAYKE", "nonsense"));
        broken.retain(|(k, v)| *k != "FANOUT_WAYKE" || *v == "nonsense");
        assert!(matches!(
            RepublisherConfig::from_lookup(&vendors, lookup(&broken)).unwrap_err(),
            ConfigError::Invalid { variable, .. } if variable == "FANOUT_WAYKE"
        ));
    }
}
