//! Where a vendor function's accepted secrets come from — the `WEBHOOK_SECRETS` list, or an AWS
//! Secrets Manager secret (its AWSCURRENT version, then AWSPREVIOUS while a rotation is under
//! way) held in memory and re-read on a schedule and after a signature no cached secret matches —
//! and the [`Authenticator`] that checks deliveries against them.
//!
//! Re-reading, for a secret from Secrets Manager, with `refresh` the `SECRETS_REFRESH_SECONDS`:
//! - nothing read yet (start-up, or every read so far failed): read before verifying; if the read
//!   fails the delivery is answered 503, never 401;
//! - the secrets were read `refresh` or longer ago: read again before verifying; if that fails,
//!   the secrets read before stay in use;
//! - a signature matched none of the cached secrets: read again and verify once more, at most
//!   once per `refresh` (so a flood of forged requests costs one read per interval), and not when
//!   the secrets were read for this very delivery.

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use lambda_http::http::HeaderMap;
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use crate::aws::{self, LazyClient};
use crate::clock::Clock;
use crate::verify::{Scheme, Secret, SecretError, Secrets, Verified, Verifier, VerifyError};

/// The version of a secret that Secrets Manager marks as the current one.
pub const CURRENT_STAGE: &str = "AWSCURRENT";
/// The version that was current before the last change: still accepted.
pub const PREVIOUS_STAGE: &str = "AWSPREVIOUS";
/// The key of the secret in the JSON form for the HMAC and token schemes.
pub const SECRET_KEY: &str = "secret";
/// The keys of the credentials in the JSON form for basic auth.
pub const USERNAME_KEY: &str = "username";
pub const PASSWORD_KEY: &str = "password";

/// Where the accepted secrets come from, as configured.
#[derive(Debug, Clone)]
pub enum SecretsSetting {
    /// `WEBHOOK_SECRETS`: a fixed list, current first.
    Listed(Secrets),
    /// `WEBHOOK_SECRETS_ARN`: a Secrets Manager secret, re-read at most every `refresh`.
    Managed {
        secret_id: String,
        refresh: Duration,
    },
}

/// The text of one version of a secret. Never shown in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

/// The versions of a secret that are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVersions {
    pub current: SecretText,
    /// `None` when the secret has no previous version (it was never changed).
    pub previous: Option<SecretText>,
}

/// Reads the versions of a secret: Secrets Manager in production, a fake in tests.
pub trait FetchSecret: Send + Sync {
    fn fetch<'a>(&'a self, secret_id: &'a str) -> BoxFuture<'a, Result<SecretVersions, String>>;
}

/// Why the secrets cannot be used. Never carries a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsUnavailable {
    #[error("reading {secret} from Secrets Manager failed: {reason}")]
    Read { secret: String, reason: String },
    #[error("the {stage} version of {secret} {reason}")]
    Value {
        secret: String,
        stage: &'static str,
        reason: ValueError,
    },
}

/// What is wrong with the text of a secret version (never quoting it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("is not JSON: syntax error at line {line}, column {column}")]
    NotJson { line: usize, column: usize },
    #[error("must be a JSON object with exactly the key{} {}, each a non-empty string", if .0.len() == 1 { "" } else { "s" }, .0.join(" and "))]
    WrongKeys(&'static [&'static str]),
    #[error("has a user name with a colon, which basic auth cannot carry")]
    ColonInUsername,
    #[error("is not a valid secret list: {0}")]
    List(#[from] SecretError),
}

/// Why a delivery was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The credential is wrong or missing: 401.
    #[error(transparent)]
    Rejected(#[from] VerifyError),
    /// The secrets could not be read, so nothing can be checked: 503.
    #[error(transparent)]
    Unavailable(#[from] SecretsUnavailable),
}

/// The accepted secrets of one secret version: the comma-separated list of `WEBHOOK_SECRETS`, or
/// a JSON object — `{"secret": "…"}` for the HMAC and token schemes, `{"username": "…",
/// "password": "…"}` for basic auth.
pub fn parse_secret_text(scheme: &Scheme, text: &SecretText) -> Result<Secrets, ValueError> {
    let text = text.0.trim();
    if !text.starts_with('{') {
        return Ok(Secrets::parse_list(text)?);
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Object {
        secret: Option<String>,
        username: Option<String>,
        password: Option<String>,
    }
    // serde's messages can quote a value ("invalid type: integer `123`"): only its position
    // or the expected shape is reported.
    let object: Object = serde_json::from_str(text).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => wrong_keys(scheme),
        _ => ValueError::NotJson {
            line: error.line(),
            column: error.column(),
        },
    })?;
    let filled = |value: Option<String>| value.filter(|value| !value.is_empty());
    let secret = match (
        scheme,
        filled(object.secret),
        filled(object.username),
        filled(object.password),
    ) {
        (Scheme::Basic, None, Some(username), Some(password)) => {
            if username.contains(':') {
                return Err(ValueError::ColonInUsername);
            }
            Secret::new(format!("{username}:{password}"))?
        }
        (Scheme::HmacSha256 { .. } | Scheme::Token { .. }, Some(secret), None, None) => {
            Secret::new(secret)?
        }
        _ => return Err(wrong_keys(scheme)),
    };
    Ok(Secrets::new(vec![secret])?)
}

fn wrong_keys(scheme: &Scheme) -> ValueError {
    match scheme {
        Scheme::Basic => ValueError::WrongKeys(&[USERNAME_KEY, PASSWORD_KEY]),
        Scheme::HmacSha256 { .. } | Scheme::Token { .. } => ValueError::WrongKeys(&[SECRET_KEY]),
    }
}

/// Checks deliveries against the accepted secrets, wherever they come from.
#[derive(Debug, Clone)]
pub struct Authenticator {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Listed(Arc<Verifier>),
    Managed(Arc<ManagedSecrets>),
}

impl Authenticator {
    /// Against a fixed list (`WEBHOOK_SECRETS`).
    pub fn listed(verifier: Verifier) -> Self {
        Self {
            source: Source::Listed(Arc::new(verifier)),
        }
    }

    /// Against the secret `secret_id` in Secrets Manager, read through `fetcher`, re-read at
    /// most every `refresh` by `clock`.
    pub fn managed(
        scheme: Scheme,
        secret_id: impl Into<String>,
        refresh: Duration,
        fetcher: Arc<dyn FetchSecret>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            source: Source::Managed(Arc::new(ManagedSecrets {
                scheme,
                secret_id: secret_id.into(),
                refresh,
                fetcher,
                clock,
                cache: Mutex::new(Cache::default()),
            })),
        }
    }

    pub fn scheme(&self) -> &Scheme {
        match &self.source {
            Source::Listed(verifier) => verifier.scheme(),
            Source::Managed(managed) => &managed.scheme,
        }
    }

    /// Checks the delivery's credential against the raw body.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Verified, AuthError> {
        let managed = match &self.source {
            Source::Listed(verifier) => return Ok(verifier.verify(headers, body)?),
            Source::Managed(managed) => managed,
        };
        let (verifier, just_read) = managed.current().await?;
        match verifier.verify(headers, body) {
            Err(VerifyError::NoMatch) if !just_read => {
                match managed.reread_after_mismatch(&verifier).await {
                    Some(newer) => Ok(newer.verify(headers, body)?),
                    None => Err(VerifyError::NoMatch.into()),
                }
            }
            result => Ok(result?),
        }
    }
}

/// A Secrets Manager secret and what was last read of it.
struct ManagedSecrets {
    scheme: Scheme,
    secret_id: String,
    refresh: Duration,
    fetcher: Arc<dyn FetchSecret>,
    clock: Arc<dyn Clock>,
    /// Held while reading, so concurrent deliveries wait for one read instead of making their own.
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    verifier: Option<Arc<Verifier>>,
    /// When the secret was last read, successfully or not.
    read_at: Option<OffsetDateTime>,
    /// When a mismatching signature last caused a read.
    mismatch_read_at: Option<OffsetDateTime>,
}

impl fmt::Debug for ManagedSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedSecrets")
            .field("scheme", &self.scheme)
            .field("secret_id", &self.secret_id)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

impl ManagedSecrets {
    /// The verifier to use, and whether it was read just now.
    async fn current(&self) -> Result<(Arc<Verifier>, bool), SecretsUnavailable> {
        let mut cache = self.cache.lock().await;
        let now = self.clock.now();
        if let (Some(verifier), Some(read_at)) = (&cache.verifier, cache.read_at) {
            if now < read_at + self.refresh {
                return Ok((Arc::clone(verifier), false));
            }
        }
        self.read_into(&mut cache, now)
            .await
            .map(|verifier| (verifier, true))
    }

    /// After a signature `used` did not match: a newer verifier, if a read is allowed and gives
    /// one (or another delivery read one meanwhile).
    async fn reread_after_mismatch(&self, used: &Arc<Verifier>) -> Option<Arc<Verifier>> {
        let mut cache = self.cache.lock().await;
        if let Some(verifier) = &cache.verifier {
            if !Arc::ptr_eq(verifier, used) {
                return Some(Arc::clone(verifier));
            }
        }
        let now = self.clock.now();
        if cache
            .mismatch_read_at
            .is_some_and(|at| now < at + self.refresh)
        {
            return None;
        }
        cache.mismatch_read_at = Some(now);
        self.read_into(&mut cache, now)
            .await
            .ok()
            .filter(|verifier| !Arc::ptr_eq(verifier, used))
    }

    /// Reads the secret into the cache. On failure the verifier read before, if any, stays.
    async fn read_into(
        &self,
        cache: &mut Cache,
        now: OffsetDateTime,
    ) -> Result<Arc<Verifier>, SecretsUnavailable> {
        cache.read_at = Some(now);
        match self.read().await {
            Ok(verifier) => {
                let verifier = Arc::new(verifier);
                cache.verifier = Some(Arc::clone(&verifier));
                Ok(verifier)
            }
            Err(error) => match &cache.verifier {
                Some(verifier) => {
                    tracing::warn!(reason = %error, "could not re-read the webhook secrets; the ones read before stay in use");
                    Ok(Arc::clone(verifier))
                }
                None => {
                    tracing::error!(reason = %error, "could not read the webhook secrets: deliveries are answered 503 until they can be read");
                    Err(error)
                }
            },
        }
    }

    async fn read(&self) -> Result<Verifier, SecretsUnavailable> {
        let versions = self
            .fetcher
            .fetch(&self.secret_id)
            .await
            .map_err(|reason| SecretsUnavailable::Read {
                secret: self.secret_id.clone(),
                reason,
            })?;
        let value_error = |stage, reason| SecretsUnavailable::Value {
            secret: self.secret_id.clone(),
            stage,
            reason,
        };
        let mut secrets = parse_secret_text(&self.scheme, &versions.current)
            .map_err(|reason| value_error(CURRENT_STAGE, reason))?;
        if let Some(previous) = &versions.previous {
            match parse_secret_text(&self.scheme, previous) {
                Ok(previous) => secrets = secrets.followed_by(previous),
                Err(reason) => tracing::warn!(
                    reason = %value_error(PREVIOUS_STAGE, reason),
                    "only the current version of the webhook secret is accepted"
                ),
            }
        }
        Verifier::new(self.scheme.clone(), secrets)
            .map_err(|reason| value_error(CURRENT_STAGE, reason.into()))
    }
}

/// Reads secrets from AWS Secrets Manager: AWSCURRENT and AWSPREVIOUS, in parallel.
#[derive(Debug, Clone)]
pub struct SecretsManager {
    client: LazyClient<aws_sdk_secretsmanager::Client>,
}

impl SecretsManager {
    /// With `client`.
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self {
            client: LazyClient::ready(client, aws::secretsmanager),
        }
    }

    /// With a client built on first use from the process's shared SDK configuration
    /// ([`crate::aws::load_sdk_config`]).
    pub fn from_environment() -> Self {
        Self {
            client: LazyClient::on_first_use(aws::secretsmanager),
        }
    }

    /// The text of the version labelled `stage`; `None` if the secret has no such version.
    async fn stage(&self, secret_id: &str, stage: &str) -> Result<Option<SecretText>, String> {
        use aws_sdk_secretsmanager::error::DisplayErrorContext;
        let result = self
            .client
            .get()
            .await
            .get_secret_value()
            .secret_id(secret_id)
            .version_stage(stage)
            .send()
            .await;
        match result {
            Ok(output) => match output.secret_string {
                Some(text) => Ok(Some(SecretText(text))),
                None => Err(format!(
                    "its {stage} version is binary: store the secrets as text"
                )),
            },
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|error| error.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(format!(
                "GetSecretValue {stage}: {}",
                DisplayErrorContext(&error)
            )),
        }
    }
}

impl FetchSecret for SecretsManager {
    fn fetch<'a>(&'a self, secret_id: &'a str) -> BoxFuture<'a, Result<SecretVersions, String>> {
        Box::pin(async move {
            let (current, previous) = tokio::join!(
                self.stage(secret_id, CURRENT_STAGE),
                self.stage(secret_id, PREVIOUS_STAGE)
            );
            let current = current?.ok_or_else(|| {
                format!("the secret does not exist or has no {CURRENT_STAGE} version")
            })?;
            Ok(SecretVersions {
                current,
                previous: previous?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::verify::{basic_authorization, sign};
    use lambda_http::http::{HeaderName, HeaderValue};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use time::macros::datetime;

    const HEADER: &str = "x-signature";
    const BODY: &[u8] = br#"{"id":"1"}"#;
    const REFRESH: Duration = Duration::seconds(300);

    /// Secrets Manager as a value the test changes, counting reads.
    #[derive(Default)]
    struct FakeSecretsManager {
        answer: std::sync::Mutex<Option<Result<SecretVersions, String>>>,
        reads: AtomicUsize,
    }

    impl FakeSecretsManager {
        fn set(&self, current: &str, previous: Option<&str>) {
            *self.answer.lock().unwrap() = Some(Ok(SecretVersions {
                current: SecretText::new(current),
                previous: previous.map(SecretText::new),
            }));
        }

        fn fail(&self, reason: &str) {
            *self.answer.lock().unwrap() = Some(Err(reason.to_string()));
        }

        fn reads(&self) -> usize {
            self.reads.load(Ordering::SeqCst)
        }
    }

    impl FetchSecret for FakeSecretsManager {
        fn fetch<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<SecretVersions, String>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.lock().unwrap().clone();
            Box::pin(async move { answer.unwrap_or_else(|| Err("not configured".into())) })
        }
    }

    struct Fixture {
        secrets_manager: Arc<FakeSecretsManager>,
        clock: Arc<FixedClock>,
        authenticator: Authenticator,
    }

    fn fixture(scheme: &str) -> Fixture {
        let secrets_manager = Arc::new(FakeSecretsManager::default());
        let clock = Arc::new(FixedClock::at(datetime!(2026-11-23 12:00:00 UTC)));
        let authenticator = Authenticator::managed(
            scheme.parse().unwrap(),
            "arn:aws:secretsmanager:eu-west-1:1:secret:wayke",
            REFRESH,
            Arc::clone(&secrets_manager) as Arc<dyn FetchSecret>,
            Arc::clone(&clock) as Arc<dyn Clock>,
        );
        Fixture {
            secrets_manager,
            clock,
            authenticator,
        }
    }

    fn hmac_fixture() -> Fixture {
        fixture(&format!("hmac-sha256:{HEADER}"))
    }

    fn signed_with(secret: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let signature = sign(&Secret::new(secret.as_bytes()).unwrap(), BODY);
        headers.insert(
            HeaderName::from_static(HEADER),
            HeaderValue::from_str(&signature).unwrap(),
        );
        headers
    }

    impl Fixture {
        async fn check(&self, secret: &str) -> Result<Verified, AuthError> {
            self.authenticator
                .authenticate(&signed_with(secret), BODY)
                .await
        }
    }

    fn index(secret_index: usize) -> Result<Verified, AuthError> {
        Ok(Verified { secret_index })
    }

    fn no_match() -> Result<Verified, AuthError> {
        Err(AuthError::Rejected(VerifyError::NoMatch))
    }

    #[tokio::test]
    async fn the_current_version_comes_first_and_the_previous_one_is_still_accepted() {
        let f = hmac_fixture();
        f.secrets_manager.set("new-secret", Some("old-secret"));
        assert_eq!(f.check("new-secret").await, index(0));
        assert_eq!(f.check("old-secret").await, index(1));
        f.secrets_manager.set("new-secret", None);
        f.clock.advance(REFRESH);
        assert_eq!(f.check("new-secret").await, index(0));
        assert_eq!(f.check("old-secret").await, no_match());
    }

    #[tokio::test]
    async fn the_secrets_are_read_once_per_interval_while_signatures_match() {
        let f = hmac_fixture();
        f.secrets_manager.set("s1", None);
        assert_eq!(f.check("s1").await, index(0));
        assert_eq!(f.secrets_manager.reads(), 1);
        for _ in 0..5 {
            assert_eq!(f.check("s1").await, index(0));
            f.clock.advance(Duration::seconds(59));
        }
        assert_eq!(f.secrets_manager.reads(), 1, "295 s: still cached");
        f.clock.advance(Duration::seconds(5));
        assert_eq!(f.check("s1").await, index(0));
        assert_eq!(f.secrets_manager.reads(), 2, "300 s: read again");
    }

    #[tokio::test]
    async fn a_rotation_takes_effect_at_the_first_signature_the_cache_does_not_match() {
        let f = hmac_fixture();
        f.secrets_manager.set("old", None);
        assert_eq!(f.check("old").await, index(0));
        // Rotated in Secrets Manager ten seconds later; the vendor signs with the new one.
        f.clock.advance(Duration::seconds(10));
        f.secrets_manager.set("new", Some("old"));
        assert_eq!(f.check("new").await, index(0));
        assert_eq!(f.check("old").await, index(1));
        assert_eq!(f.secrets_manager.reads(), 2);
    }

    #[tokio::test]
    async fn forged_signatures_cause_at_most_one_read_per_interval() {
        let f = hmac_fixture();
        f.secrets_manager.set("real", None);
        // Read for this very delivery: a mismatch does not read again.
        assert_eq!(f.check("forged").await, no_match());
        assert_eq!(f.secrets_manager.reads(), 1);
        f.clock.advance(Duration::seconds(1));
        assert_eq!(f.check("forged").await, no_match());
        assert_eq!(
            f.secrets_manager.reads(),
            2,
            "the first mismatch against the cache reads"
        );
        for _ in 0..100 {
            f.clock.advance(Duration::seconds(2));
            assert_eq!(f.check("forged").await, no_match());
        }
        assert_eq!(
            f.secrets_manager.reads(),
            2,
            "200 s of forgeries: no other read"
        );
        f.clock.advance(Duration::seconds(100));
        assert_eq!(f.check("forged").await, no_match());
        assert_eq!(
            f.secrets_manager.reads(),
            3,
            "scheduled refresh 300 s after the last read"
        );
        f.clock.advance(Duration::seconds(2));
        assert_eq!(f.check("forged").await, no_match());
        assert_eq!(
            f.secrets_manager.reads(),
            4,
            "a mismatch read again one interval after the last"
        );
    }

    #[tokio::test]
    async fn a_missing_or_malformed_credential_does_not_read_again() {
        let f = hmac_fixture();
        f.secrets_manager.set("real", None);
        assert_eq!(f.check("real").await, index(0));
        let missing = f.authenticator.authenticate(&HeaderMap::new(), BODY).await;
        assert_eq!(
            missing,
            Err(AuthError::Rejected(VerifyError::MissingHeader(
                HeaderName::from_static(HEADER)
            )))
        );
        assert_eq!(f.secrets_manager.reads(), 1);
    }

    #[tokio::test]
    async fn unreadable_secrets_are_unavailable_not_unauthenticated_and_read_again_each_delivery() {
        let f = hmac_fixture();
        f.secrets_manager.fail("AccessDeniedException: not allowed");
        let Err(AuthError::Unavailable(error)) = f.check("real").await else {
            panic!("unreadable secrets authenticate nothing")
        };
        assert_eq!(
            error.to_string(),
            "reading arn:aws:secretsmanager:eu-west-1:1:secret:wayke from Secrets Manager failed: AccessDeniedException: not allowed"
        );
        for reads in 2..5 {
            assert!(matches!(
                f.check("real").await,
                Err(AuthError::Unavailable(SecretsUnavailable::Read { .. }))
            ));
            assert_eq!(f.secrets_manager.reads(), reads);
        }
        f.secrets_manager.set("real", None);
        assert_eq!(f.check("real").await, index(0));
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_the_secrets_read_before() {
        let f = hmac_fixture();
        f.secrets_manager.set("real", None);
        assert_eq!(f.check("real").await, index(0));
        f.secrets_manager.fail("throttled");
        f.clock.advance(REFRESH);
        assert_eq!(f.check("real").await, index(0));
        assert_eq!(f.check("forged").await, no_match());
        assert_eq!(
            f.secrets_manager.reads(),
            3,
            "the refresh and one mismatch read"
        );
    }

    #[tokio::test]
    async fn a_malformed_current_version_is_unavailable_and_a_malformed_previous_one_is_skipped() {
        let f = hmac_fixture();
        f.secrets_manager.set(r#"{"secret": 12345}"#, None);
        let Err(AuthError::Unavailable(error)) = f.check("12345").await else {
            panic!("a malformed current version cannot authenticate anything")
        };
        let message = error.to_string();
        assert_eq!(
            message,
            "the AWSCURRENT version of arn:aws:secretsmanager:eu-west-1:1:secret:wayke must be a JSON object with exactly the key secret, each a non-empty string"
        );
        assert!(!message.contains("12345"));
        f.secrets_manager
            .set(r#"{"secret": "fine"}"#, Some("{not json"));
        f.clock.advance(Duration::seconds(1));
        assert_eq!(f.check("fine").await, index(0));
    }

    #[tokio::test]
    async fn basic_credentials_come_as_a_json_object_or_as_user_colon_password() {
        let f = fixture("basic");
        f.secrets_manager.set(
            r#"{"username": "hub", "password": "pa:ss"}"#,
            Some("old:word"),
        );
        let check = |credentials: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                lambda_http::http::header::AUTHORIZATION,
                HeaderValue::from_str(&basic_authorization(
                    &Secret::new(credentials.as_bytes()).unwrap(),
                ))
                .unwrap(),
            );
            let authenticator = f.authenticator.clone();
            async move { authenticator.authenticate(&headers, b"{}").await }
        };
        assert_eq!(check("hub:pa:ss").await, index(0));
        assert_eq!(check("old:word").await, index(1));
        assert_eq!(check("hub:other").await, no_match());
    }

    #[test]
    fn the_secret_text_forms_and_their_errors() {
        let hmac: Scheme = "hmac-sha256:x-sig".parse().unwrap();
        let basic = Scheme::Basic;
        let parse = |scheme: &Scheme, text: &str| parse_secret_text(scheme, &SecretText::new(text));
        let count = |scheme: &Scheme, text: &str| {
            let secrets = parse(scheme, text).unwrap();
            Verifier::new(scheme.clone(), secrets).map(|_| ()).unwrap();
        };
        count(&hmac, "one");
        count(&hmac, " one , two ");
        count(&hmac, r#" {"secret": "with,comma"} "#);
        count(&basic, r#"{"username": "u", "password": "p"}"#);
        count(&basic, "u:p,v:q");
        let cases: [(&Scheme, &str, ValueError); 9] = [
            (
                &hmac,
                "a,,b",
                ValueError::List(SecretError::EmptyEntry { index: 1 }),
            ),
            (&hmac, "", ValueError::List(SecretError::NoneGiven)),
            (
                &hmac,
                r#"{"secret": "s3cr3t""#,
                ValueError::NotJson {
                    line: 1,
                    column: 19,
                },
            ),
            (
                &hmac,
                r#"{"secret": ""}"#,
                ValueError::WrongKeys(&[SECRET_KEY]),
            ),
            (
                &hmac,
                r#"{"secret": "s3cr3t", "extra": 1}"#,
                ValueError::WrongKeys(&[SECRET_KEY]),
            ),
            (
                &hmac,
                r#"{"username": "u", "password": "s3cr3t"}"#,
                ValueError::WrongKeys(&[SECRET_KEY]),
            ),
            (
                &basic,
                r#"{"secret": "s3cr3t"}"#,
                ValueError::WrongKeys(&[USERNAME_KEY, PASSWORD_KEY]),
            ),
            (
                &basic,
                r#"{"username": "u", "password": 5}"#,
                ValueError::WrongKeys(&[USERNAME_KEY, PASSWORD_KEY]),
            ),
            (
                &basic,
                r#"{"username": "u:x", "password": "s3cr3t"}"#,
                ValueError::ColonInUsername,
            ),
        ];
        for (scheme, text, expected) in cases {
            let error = parse(scheme, text).unwrap_err();
            assert_eq!(error, expected, "{text}");
            assert!(!error.to_string().contains("s3cr3t"), "{error}");
        }
        assert_eq!(
            ValueError::WrongKeys(&[USERNAME_KEY, PASSWORD_KEY]).to_string(),
            "must be a JSON object with exactly the keys username and password, each a non-empty string"
        );
        assert_eq!(
            format!("{:?}", SecretText::new("s3cr3t")),
            "SecretText(<redacted>)"
        );
    }
}
